"""``fengqiao report``: the ledger (台账) of a store — states, grades, overdue deadlines, the daily view, quarantine.

Private; registered on the command line by :mod:`fengqiao.cli`. Every figure is judged at one
moment: the end of the day asked (or, when the policy offers a daily dispatch view, the moment
that view looks), each dispute as it stood then.
"""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

import attrs
import typer
from rich.markup import escape
from rich.table import Table

from fengqiao import _cli_quarantine as quarantine
from fengqiao._cli_common import (
    SHOWN,
    LangOption,
    Language,
    console,
    existing_file,
    judged_under,
    more,
    opened_under,
    other_policies,
    policy_option,
)
from fengqiao._cli_households import check_household_policy, print_household_section
from fengqiao._cli_text import grade_label
from fengqiao._replay import replay
from fengqiao.domain._quote import quote
from fengqiao.domain.vocabulary import Lang
from fengqiao.errors import ValidationError
from fengqiao.ledger import Ledger, LedgerProblem, LedgerRow, OverdueRow, open_ledger
from fengqiao.policies.base import CHINA_TZ, DeadlineStatus
from fengqiao.policies.reports import reports_of
from fengqiao.workflow import Workflow

__all__ = ["report"]


def report(
    policy: Annotated[str, policy_option("The policy the disputes were handled under.")] = "baseline",
    db: Annotated[Path, typer.Option(help="SQLite file of the store.")] = Path("fengqiao.db"),
    day: Annotated[
        str | None, typer.Option(help="Day of the dispatch view, YYYY-MM-DD (the latest by default).")
    ] = None,
    station: Annotated[str | None, typer.Option(help="Only this station.")] = None,
    household_policy: Annotated[
        str,
        policy_option("The household policy the households were handled under.", kinds=("households",)),
    ] = "xiqi-family-risk",
    what_if: Annotated[
        bool,
        typer.Option(
            "--what-if",
            help="Judge the disputes (households) under --policy (--household-policy) although another policy handled"
            " them.",
        ),
    ] = False,
    lang: LangOption = Language.en,
) -> None:
    """The ledger (台账): disputes by state and grade, overdue deadlines, the daily dispatch view.

    When the store holds households, a short section counts them (screened, watched, by class,
    not classed) and their overdue deadlines. Events the ledger could not project (quarantined)
    are listed last, with how to retry them.

    Every dispute records the policy it was opened under: a store whose disputes were opened
    under another policy than ``--policy`` (Yongji's data reported under ``baseline``) is
    refused unless ``--what-if`` asks for that view; the grades shown are then still the
    recorded ones (``fengqiao replay`` lists what the policy would have decided instead). A
    store written before fengqiao recorded the policy is judged by its grades' rules.
    """
    code: Lang = lang.value
    asked = _day(day) if day else None  # a malformed day is refused before the store is read
    with open_ledger(existing_file(db), policy=policy, household_policy=household_policy) as ledger:
        check_household_policy(ledger, db, household_policy, what_if=what_if, code=code)
        rows = ledger.disputes(station=station)
        problems = ledger.problems()
        if not rows:
            console.print(f"{db}: no disputes" + (f" at {station}" if station else ""))
            print_household_section(ledger, asked or datetime.now(CHINA_TZ).date(), code)
            _print_quarantine(problems, code, db, policy)
            return
        _check_policy(ledger, rows, db, policy, station, what_if=what_if, code=code)
        when = asked or max(r.received_at for r in rows).astimezone(CHINA_TZ).date()
        end_of_day = datetime.combine(when + timedelta(days=1), time(), CHINA_TZ)
        wf = Workflow(policy)
        by_state = Counter(str(r.state) for r in rows)
        by_grade = Counter(r.grade or "—" for r in rows)
        count = f"{len(rows)} 件纠纷" if code == "zh" else f"{len(rows)} disputes"
        table = Table(title=escape(f"{db} · {policy} · {count}" + (f" · {station}" if station else "")))
        table.add_column("state" if code == "en" else "状态")
        table.add_column("disputes" if code == "en" else "件数", justify="right")
        for state, n in by_state.most_common():
            table.add_row(wf.graph.label(wf.graph.state(state), code), str(n))
        console.print(table)
        console.print(
            ("grades: " if code == "en" else "等级：")
            + ("、" if code == "zh" else ", ").join(f"{grade_label(g, code)} {n}" for g, n in by_grade.most_common())
        )
        dispatch = reports_of(ledger.book.policy(policy)).get("dispatch")  # the policy's daily view, if any
        view = None if dispatch is None else dispatch(ledger, when, station=station)
        # The list is judged when the view looks (09:00 the next day), so that the two agree.
        at: datetime = getattr(view, "as_of", None) or end_of_day
        _print_overdue(overdue_then(ledger, rows, at, station), when if view is None else at, code)
        if view is not None:
            _print_daily_view(view, when, code)
        print_household_section(ledger, when, code)
        _print_quarantine(problems, code, db, policy)


def _check_policy(
    ledger: Ledger, rows: Sequence[LedgerRow], db: Path, policy: str, station: str | None, *, what_if: bool, code: Lang
) -> None:
    """Refuse a report under ``policy`` of disputes opened under another, unless ``what_if``; then say so.

    Each dispute records the policy it was opened under; a store written before fengqiao
    recorded it is judged by its grades instead (:func:`_foreign_rule`).
    """
    recorded = ledger.recorded_policies(station=station)
    others = other_policies(recorded, policy)
    if others:
        why = opened_under(others)
    else:
        foreign = _foreign_rule(ledger, rows, policy) if None in recorded else None
        if foreign is None:
            return
        why = (f"由 {foreign} 等规则评定等级", f"graded by the rule {quote(foreign)}, which {policy} does not have")
    judged_under(db, policy, why, what_if=what_if, lang=code)


_SAMPLE = 20
"""How many graded disputes ``report`` reads to tell whether ``--policy`` graded them."""


def _foreign_rule(ledger: Ledger, rows: Sequence[LedgerRow], policy: str) -> str | None:
    """A grading rule ``policy``'s table does not have, found on one of the first graded ``rows``; ``None`` if none.

    Grades record the rule that gave them, so a store graded under another policy shows it.
    A policy without a grading table (a composed one) is not checked.
    """
    table = getattr(ledger.book.policy(policy), "grading_table", None)
    if table is None:
        return None
    known = {rule.id for rule in table.rules} | {f"{policy}.default"}
    for row in [row for row in rows if row.grade is not None][:_SAMPLE]:
        rule = ledger.get(row.id).grade_rule
        if rule is not None and rule not in known:
            return rule
    return None


def overdue_then(ledger: Ledger, rows: Sequence[LedgerRow], at: datetime, station: str | None) -> list[OverdueRow]:
    """The deadlines unmet and past due at ``at``, each dispute of ``rows`` judged as it stood then.

    The ledger judges each dispute as it stands now (one closed since is no longer overdue at
    any moment); a dispute changed after ``at`` is replayed up to it and judged by its policy.
    """
    changed = {r.id: r for r in rows if r.updated_at > at and r.received_at <= at}
    found = [row for row in ledger.overdue(at, station=station) if row.dispute_id not in changed]
    for row in changed.values():
        history = [e for e in ledger.get(row.id).history if e.at <= at]
        if not history:
            continue
        then = replay(history, policy=ledger.book.policy(row.policy))
        for check in ledger.book.workflow(row.policy).deadlines(then, at=at):
            if check.status is DeadlineStatus.OVERDUE:
                found.append(OverdueRow.of(row, check.deadline, state=then.state))
    return sorted(found, key=lambda r: (r.due, r.dispute_id, r.code))


def _print_overdue(rows: Sequence[OverdueRow], at: date | datetime, code: Lang) -> None:
    """The deadlines overdue at ``at`` (a day: at its end), the first :data:`SHOWN` of them, and how many more."""
    zh = code == "zh"
    disputes = len({row.dispute_id for row in rows})
    if isinstance(at, datetime):
        local = at.astimezone(CHINA_TZ)
        heading = f"{local:%Y-%m-%d %H:%M} 调度时逾期" if zh else f"overdue at the dispatch of {local:%Y-%m-%d %H:%M}"
    else:
        heading = f"{at} 日终逾期" if zh else f"overdue at the end of {at}"
    count = f"{len(rows)} 项（{disputes} 件纠纷）" if zh else f"{len(rows)} ({disputes} dispute{'s' * (disputes != 1)})"
    console.print(f"[bold]{heading}{'：' if zh else ': '}[/bold]{count}")
    for row in rows[:SHOWN]:
        due = row.due.astimezone(CHINA_TZ)
        when = f"{due:%Y-%m-%d %H:%M} 到期" if zh else f"due {due:%Y-%m-%d %H:%M}"
        console.print(escape(f"  {row.dispute_id}  {row.code}  {when}  {row.zh if zh else row.en}"), soft_wrap=True)
    if len(rows) > SHOWN:
        console.print(more(len(rows) - SHOWN, code))


def _print_daily_view(view: Any, when: date, code: Lang) -> None:
    """A policy's ``"dispatch"`` report: a line per station and the total, its fields as columns."""
    lines = (*view.rows, view.total)
    names = [f.name for f in attrs.fields(type(view.total))]
    labels: Mapping[str, tuple[str, str]] = getattr(type(view.total), "LABELS", {})  # name → (zh, en)
    table = Table(title=f"09:00 dispatch view of {when}" if code == "en" else f"{when} 警情调度（次日 09:00）")
    for name in names:
        zh, en = labels.get(name, (name.replace("_", " "),) * 2)
        table.add_column(zh if code == "zh" else en, justify="left" if name == "station" else "right")
    total = "合计" if code == "zh" else "total"
    for line in lines:
        table.add_row(*(str(getattr(line, name)) or total for name in names))
    console.print(table)


def _print_quarantine(problems: Sequence[LedgerProblem], code: Lang, db: Path, policy: str) -> None:
    """The report's last section: the quarantined events, if any, and the command that retries them."""
    if not problems:
        return
    command = f"fengqiao db retry --db {shlex.quote(str(db))}"
    command += f" --policy {shlex.quote(policy)}" if policy != "baseline" else ""
    for n, line in enumerate(quarantine.section(problems, code, command)):
        # Stored text, printed as it is: no markup or emoji codes read into it, one line each.
        style = "bold yellow" if n == 0 else None
        console.print(line, style=style, markup=False, emoji=False, highlight=False, soft_wrap=True)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{quote(text)} is not a day; write it as YYYY-MM-DD", "day") from None
