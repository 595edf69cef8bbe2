"""``fengqiao households``: simulate Xiqi's household year into a store, and report on the households in a store.

Also the households section of ``fengqiao report`` (:func:`print_household_section`).

Private; registered on the command line by :mod:`fengqiao.cli`. User mistakes raise
:class:`~fengqiao.errors.ValidationError`, which ``fengqiao.cli.main`` prints as one line
(exit code 2).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

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
from fengqiao.domain._quote import quote
from fengqiao.domain.household import RiskClass, WorkKind
from fengqiao.domain.vocabulary import Lang
from fengqiao.errors import ValidationError
from fengqiao.ledger import Ledger, open_ledger
from fengqiao.ledger.households import HouseholdReport, household_report
from fengqiao.ledger.places import PlaceReport, place_report
from fengqiao.lifecycle.household_events import HouseholdState
from fengqiao.policies.base import CHINA_TZ
from fengqiao.policies.registry import get_household
from fengqiao.policies.rhythms import PlaceCheck
from fengqiao.simulation.households import HouseholdSimulationResult, simulate_households, xiqi
from fengqiao.storage import SQLiteEventStore

__all__ = ["households_app", "print_household_section"]

households_app = typer.Typer(
    help="Households (家庭): Xiqi's family-risk work — simulate a year into a store, report on its households.",
    no_args_is_help=True,
)

_WORDS: Mapping[str, tuple[str, str]] = {
    "screened": ("摸排户数", "households screened"),
    "watched": ("重点关注家庭", "households watched"),
    "unclassed": ("关注未定级", "watched, not classed"),
    "help.pending": ("部门未报到的帮扶", "help not reported in"),
    "figure": ("指标", "figure"),
    "simulated": ("模拟", "simulated"),
    "report": ("报告", "report"),
    "village": ("村", "village"),
    "missing": ("各村日报告缺报", "daily reports missing, per village"),
    "days": ("缺报天数", "days without one"),
    "reports": (
        "各村报告缺报（据已存报告：缺报 / 应报）",
        "reports missed per place (from the stored reports: missed / owed)",
    ),
    "states": ("状态", "states"),
    "classes": ("风险等级", "risk classes"),
    "work": ("工作类别", "kinds of work"),
    "count": ("户数", "households"),
    "total": ("合计", "total"),
    "households": ("家庭", "households"),
    "overdue": ("家庭逾期", "household deadlines overdue"),
}
"""The command's own labels (zh, en); states, classes and kinds of work use their vocabularies' ``label``."""


def _word(key: str, lang: Lang) -> str:
    zh, en = _WORDS[key]
    return zh if lang == "zh" else en


def _label(key: str, lang: Lang) -> str:
    """A figure's label: ``class.II`` → 二类 / class II; ``work.*`` and ``state.*`` by their vocabularies too."""
    kind, _, value = key.partition(".")
    if kind == "class":
        return RiskClass(value).label(lang)
    if kind == "work":
        return WorkKind(value).label(lang)
    if kind == "state":
        return HouseholdState(value).label(lang)
    return _word(key, lang)


@households_app.command("simulate")
def households_simulate(
    policy: Annotated[str, policy_option("Household policy name.", kinds=("households",))] = "xiqi-family-risk",
    db: Annotated[Path, typer.Option(help="SQLite file to keep the households' histories in.")] = Path("fengqiao.db"),
    seed: Annotated[int | None, typer.Option(help="Random seed (the preset's own, 2024, by default).")] = None,
    scale: Annotated[float, typer.Option(help="Multiply the preset's households, watched and classed by this.")] = 1.0,
    lang: LangOption = Language.en,
) -> None:
    """Simulate Xiqi township's year (the ``xiqi`` preset) into the SQLite store; print its figures by the report's.

    Every household's history is stored, and every village's daily reports as a place's
    stream (``households report`` counts the missing days from them). A store that already
    holds this simulation is refused (another ``--scale`` is another simulation).
    """
    code: Lang = lang.value
    if not (scale > 0 and math.isfinite(scale)):
        raise ValidationError(f"scale must be a number more than 0, got {scale}", "scale")
    chosen = xiqi() if scale == 1.0 else xiqi().scaled(scale)
    chosen = chosen if seed is None else chosen.with_seed(seed)
    household_policy = get_household(policy)  # an unknown name is refused before the file is made
    with SQLiteEventStore(db) as store:
        try:
            result = simulate_households(chosen, household_policy, store=store)
        except ValidationError as exc:
            if exc.path != "store":
                raise
            raise ValidationError(
                f"{db} already holds the households of the simulation {chosen.name}; give another --db, or another"
                " --scale",
                "db",
            ) from None
    _print_simulated(result, code, scale)
    stored = f"events stored in {db}: {result.events}" if code == "en" else f"已存入 {db}：{result.events} 个事件"
    console.print(escape(stored))


def _print_simulated(result: HouseholdSimulationResult, code: Lang, scale: float) -> None:
    scenario = result.scenario
    title = f"{scenario.name} · {result.policy} · seed {scenario.seed}"
    table = Table(title=escape(title))
    table.add_column(_word("figure", code))
    table.add_column(_word("simulated", code), justify="right")
    table.add_column(_word("report", code) + (f" ×{scale:g}" if scale != 1.0 else ""), justify="right")
    wanted = scenario.figures()
    for key, value in result.figures().items():
        mark = "" if value == wanted[key] else "  ≠"
        table.add_row(_label(key, code), str(value), f"{wanted[key]}{mark}")
    console.print(table)
    villages = Table(title=_word("missing", code))
    villages.add_column(_word("village", code))
    villages.add_column(_word("days", code), justify="right")
    for village, missing in result.missing_daily_reports.items():
        villages.add_row(escape(village), f"{missing} / {scenario.days}")
    total = sum(result.missing_daily_reports.values())
    villages.add_row(_word("total", code), f"{total} / {scenario.days * len(scenario.villages)}")
    console.print(villages)


@households_app.command("report")
def households_report(
    policy: Annotated[
        str,
        policy_option("The household policy the households were handled under.", kinds=("households",)),
    ] = "xiqi-family-risk",
    db: Annotated[Path, typer.Option(help="SQLite file of the store (it must exist).")] = Path("fengqiao.db"),
    at: Annotated[
        str | None,
        typer.Option(help="Judge the deadlines at the end of this day, YYYY-MM-DD, Beijing time (today by default)."),
    ] = None,
    what_if: Annotated[
        bool,
        typer.Option("--what-if", help="Judge the households under --policy although another policy screened them."),
    ] = False,
    lang: LangOption = Language.en,
) -> None:
    """The households in the store: screened, watched, by class and kind of work, pending help; overdue deadlines.

    Read from the ledger's household table in the same file (made, and filled from the stored
    events, the first time a ledger opens the file), not by replaying every household. A store
    whose households were screened under another policy than ``--policy`` is refused unless
    ``--what-if`` asks for that view.
    """
    code: Lang = lang.value
    day = _day(at) if at is not None else datetime.now(CHINA_TZ).date()
    end_of_day = datetime.combine(day + timedelta(days=1), time(), CHINA_TZ)
    existing_file(db)
    rhythms = getattr(get_household(policy), "rhythms", None)  # an unknown name is refused before the file is touched
    with open_ledger(db, household_policy=policy) as ledger:
        check_household_policy(ledger, db, policy, what_if=what_if, code=code)
        report = household_report(ledger, policy, at=end_of_day)
        places = None if rhythms is None else place_report(ledger, rhythms, at=end_of_day)
    if not report.households:
        console.print(escape(f"{db}: no households" if code == "en" else f"{db}：没有家庭"))
    else:
        _print_figures(report, db, code)
        _print_overdue(report, day, code)
    if places is not None and places.places:
        _print_places(places, code)


def _print_places(report: PlaceReport, code: Lang) -> None:
    """Each place's missed periods per rhythm it owes, from its stored reports, and the totals."""
    codes = list(dict.fromkeys(c for by in report.checks.values() for c in by))
    table = Table(title=_word("reports", code))
    table.add_column(_word("village", code))
    for rhythm_code in codes:
        rhythm = next(by[rhythm_code].rhythm for by in report.checks.values() if rhythm_code in by)
        table.add_column(escape(rhythm.message(code)), justify="right")
    for place in report.places:
        by = report.checks[place.id]
        cells = [f"{len(by[c].missed)} / {_due(by[c], report.at)}" if c in by else "—" for c in codes]
        table.add_row(escape(place.name), *cells)
    totals = [f"{sum(len(by[c].missed) for by in report.checks.values() if c in by)} / {report.owed(c)}" for c in codes]
    table.add_row(_word("total", code), *totals)
    console.print(table)


def _due(check: PlaceCheck, at: datetime) -> int:
    return sum(1 for p in check.periods if p.deadline.due < at)


def _print_figures(report: HouseholdReport, db: Path, code: Lang) -> None:
    n = len(report.households)
    noun = "households" if code == "en" else "户"
    console.print(escape(f"{db} · {report.policy} · {n} {noun}"), soft_wrap=True)
    table = Table()
    table.add_column(_word("figure", code))
    table.add_column(_word("count", code), justify="right")
    figures = report.figures()
    for key in ("screened", "watched", "unclassed"):
        table.add_row(_label(key, code), str(figures[key]))
    if "help.pending" in report.metrics:
        table.add_row(_label("help.pending", code), str(int(report.metrics["help.pending"])))
    console.print(table)
    for group, keys in (
        ("classes", [f"class.{c}" for c in RiskClass]),
        ("work", [f"work.{k}" for k in WorkKind]),
        ("states", [f"state.{s}" for s in HouseholdState]),
    ):
        counts = [(_label(key, code), int(report.metrics.get(key, 0))) for key in keys]
        line = ("、" if code == "zh" else ", ").join(f"{label} {value}" for label, value in counts if value)
        console.print(f"{_word(group, code)}{'：' if code == 'zh' else ': '}{line or '—'}")


def _print_overdue(report: HouseholdReport, day: date, code: Lang) -> None:
    rows = report.overdue
    heading = f"overdue at the end of {day}" if code == "en" else f"{day} 日终逾期"
    console.print(f"[bold]{heading}{'：' if code == 'zh' else ':'}[/bold] {len(rows)}")
    for row in rows[:SHOWN]:
        due = row.due.astimezone(CHINA_TZ)
        when = f"due {due:%Y-%m-%d %H:%M}" if code == "en" else f"{due:%Y-%m-%d %H:%M} 到期"
        text = f"  {row.household_id}  {row.village}  {row.code}  {when}  {row.message(code)}"
        console.print(escape(text), soft_wrap=True)
    if len(rows) > SHOWN:
        console.print(more(len(rows) - SHOWN, code))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{quote(text)} is not a day; write it as YYYY-MM-DD", "at") from None


def check_household_policy(ledger: Ledger, db: Path, policy: str, *, what_if: bool, code: Lang) -> None:
    """Refuse a report under ``policy`` of households screened under another, unless ``what_if``; then say so."""
    others = other_policies(ledger.recorded_household_policies(), policy)
    if others:
        judged_under(db, policy, opened_under(others, "户"), what_if=what_if, lang=code, households=True)


def print_household_section(ledger: Ledger, day: date, code: Lang) -> None:
    """``fengqiao report``'s households: screened, watched, classes, not classed, overdue at the end of ``day``.

    Counted from the ledger's household rows; nothing is printed when the store holds no household.
    """
    figures = ledger.household_figures()
    if not figures["screened"]:
        return
    overdue = ledger.household_overdue(datetime.combine(day + timedelta(days=1), time(), CHINA_TZ))
    name = ledger.book.households.policy.name
    table = Table(title=escape(f"{_word('households', code)} · {name}"))
    table.add_column(_word("figure", code))
    table.add_column(_word("count", code), justify="right")
    for key in ("screened", "watched", *(f"class.{c}" for c in RiskClass), "unclassed"):
        table.add_row(_label(key, code), str(figures[key]))
    when = f" ({day})" if code == "en" else f"（{day} 日终）"
    table.add_row(_word("overdue", code) + when, str(len(overdue)))
    console.print(table)
