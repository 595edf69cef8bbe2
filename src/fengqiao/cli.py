"""The ``fengqiao`` command line: demo, simulate, figures, report, replay, policies, diagram, households, db, ledger.

``households simulate``/``report`` handle Xiqi-style household work; ``db`` upgrades, digests,
verifies and retries; ``ledger follow`` keeps a ledger from a process of its own.

User mistakes end in one clear line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import signal
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fengqiao import __version__, simulation
from fengqiao._cli_common import CORES, LangOption, Language, console, errors, existing_file, policy_option
from fengqiao._cli_db import db_app
from fengqiao._cli_figures import figures
from fengqiao._cli_households import households_app
from fengqiao._cli_ledger import ledger_app
from fengqiao._cli_report import report
from fengqiao._cli_serve import serve
from fengqiao._cli_text import decision_label, grade_label, grades_text, policy_summary, render_docstring
from fengqiao._extras import EXTRAS
from fengqiao.demo import garage_entrance
from fengqiao.domain.vocabulary import Lang
from fengqiao.errors import FengqiaoError, ValidationError
from fengqiao.households import HouseholdWorkflow
from fengqiao.ledger import what_if
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Event
from fengqiao.lifecycle.states import State
from fengqiao.policies import registry
from fengqiao.storage import SQLiteEventStore
from fengqiao.workflow import Workflow

__all__ = ["app", "main"]

app = typer.Typer(
    help="fengqiao: grassroots dispute mediation (枫桥经验) as an auditable state machine.",
    no_args_is_help=True,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"fengqiao {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print fengqiao's version and exit."),
    ] = None,
) -> None:
    """fengqiao: grassroots dispute mediation (枫桥经验) as an auditable state machine."""


class Format(StrEnum):
    """Diagram format."""

    mermaid = "mermaid"
    dot = "dot"


def _describe(event: Event, d: Dispute, wf: Workflow, lang: Lang) -> str:
    state = wf.graph.label(d.state, lang)
    if event.trigger == "discover":
        return state
    label = wf.graph.label(event.trigger, lang)
    extra = f" · {grade_label(d.grade or '', lang)} ({d.grade_rule})" if event.type in ("graded", "regraded") else ""
    return f"{label} → {state}{extra}"


@app.command()
def demo(
    lang: LangOption = Language.en,
    db: Annotated[Path, typer.Option(help="SQLite file to keep the demo's events in.")] = Path("fengqiao.db"),
) -> None:
    """Run the garage-entrance dispute (Yongji, 2024) from discovery to closing under baseline.

    Every command is saved in the SQLite file ``--db``; the dispute is then read back and its
    hash chain verified.
    """
    code: Lang = lang.value
    seen: list[tuple[Event, Dispute]] = []
    with SQLiteEventStore(db) as store:
        run = garage_entrance(store, on_step=lambda d: seen.append((d.history[-1], d)))
    wf = run.workflow
    table = Table(title=f"{run.dispute.id} · {run.dispute.summary}", show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("time" if code == "en" else "时间")
    table.add_column("actor" if code == "en" else "经办人")
    table.add_column("event" if code == "en" else "事件")
    for event, d in seen:
        table.add_row(
            str(d.version), event.at.strftime("%Y-%m-%d %H:%M"), event.actor.id, _describe(event, d, wf, code)
        )
    console.print(table)
    title = "Refused, as it should be:" if code == "en" else "按规则被拒绝："
    console.print(f"[bold]{title}[/bold] close")
    for refusal in run.refusals:
        console.print(f"  [red]{refusal.code}[/red]  {escape(refusal.message(code))}")
    final = wf.graph.label(run.dispute.state, code)
    console.print(f"[green]{'final state' if code == 'en' else '最终状态'}:[/green] {final} · v{run.dispute.version}")
    same = run.stored == run.dispute
    chain = "verified" if run.verification.ok else "BROKEN"
    if code == "en":
        console.print(f"stored in {db}: read back {'equal' if same else 'DIFFERENT'}, hash chain {chain}")
    else:
        console.print(
            f"已存入 {db}：读回{'一致' if same else '不一致'}，哈希链{'校验通过' if run.verification.ok else '损坏'}"
        )
    if not (same and run.verification.ok):
        raise typer.Exit(1)


@app.command()
def policies(
    name: Annotated[str | None, typer.Argument(help="Describe this policy; list them all if left out.")] = None,
    lang: LangOption = Language.en,
) -> None:
    """List the available policies, or describe one: grades, added states, grading rules."""
    code: Lang = lang.value
    zh = code == "zh"
    if name is None:
        table = Table(title="fengqiao 规则" if zh else "fengqiao policies")
        for header in ("名称", "适用", "等级", "简介") if zh else ("name", "for", "grades", "what it is"):
            table.add_column(header)
        for each in registry.names():
            policy = registry.get(each)
            summary = policy_summary(each, type(policy).__doc__, code)
            table.add_row(each, "纠纷" if zh else "disputes", grades_text(policy.grades, code), escape(summary))
        for each in registry.household_names():
            summary = policy_summary(each, type(registry.get_household(each)).__doc__, code)
            table.add_row(each, "家庭" if zh else "households", "I, II, III", escape(summary))
        console.print(table)
        return
    if name in registry.household_names():
        households = HouseholdWorkflow(name)
        version = _version_text(households.policy_ref.version, code)
        console.print(f"[bold]{name}[/bold]  ({'家庭' if zh else 'households'}){version}")
        _print_description(name, type(households.policy).__doc__, code)
        return
    wf = Workflow(name)
    policy = wf.policy
    grades = grades_text(policy.grades, code)
    version = _version_text(wf.policy_ref.version, code)
    console.print(f"[bold]{name}[/bold]  {'等级：' if zh else 'grades: '}{grades}{version}")
    _print_description(name, type(policy).__doc__, code)
    added = [s for s in wf.graph.states if not isinstance(s, State)]
    if added:
        states = ("、" if zh else ", ").join(f"{s} ({wf.graph.label(s, code)})" for s in added)
        console.print(("新增状态：" if zh else "added states: ") + states)
    table_ = getattr(policy, "grading_table", None)
    if table_ is not None:
        match = table_.hit_policy.label(code)
        rules = Table(title=f"分级：{table_.name}（{match}）" if zh else f"grading: {table_.name} ({match})")
        for header in ("规则", "等级", "条件") if zh else ("rule", "grade", "when"):
            rules.add_column(header, overflow="fold")  # Chinese has no spaces to wrap at: fold, never cut
        for rule in table_.rules:
            rules.add_row(rule.id, grade_label(rule.grade, code), escape(rule.when.describe(code)))
        console.print(rules)


def _version_text(version: str, lang: Lang) -> str:
    """``  version 1`` (``  版本 1``) after a policy's first line: what its new disputes record; nothing if none."""
    if not version:
        return ""
    return escape(f"  {'版本' if lang == 'zh' else 'version'} {version}")


def _print_description(name: str, doc: str | None, lang: Lang) -> None:
    """A policy's description: in Chinese its one line; in English its docstring, rendered for a terminal."""
    text = policy_summary(name, doc, lang) if lang == "zh" else render_docstring(doc, lang)
    if text:
        console.print(escape(text), soft_wrap=True, highlight=False)


@app.command()
def diagram(
    policy: Annotated[
        str, policy_option("A dispute or household policy.", kinds=("disputes", "households"))
    ] = "baseline",
    lang: LangOption = Language.en,
    format: Annotated[Format, typer.Option("--format", help="mermaid or Graphviz dot.")] = Format.mermaid,
) -> None:
    """Print a policy's lifecycle (a dispute's, or a household's) as a mermaid state diagram or Graphviz dot source."""
    chosen = HouseholdWorkflow(policy) if policy in registry.household_names() else Workflow(policy)
    typer.echo(chosen.diagram(lang=lang.value, format=format.value), nl=False)


class ScenarioName(StrEnum):
    """A built-in simulation scenario."""

    yongji = "yongji"
    puzhou = "puzhou"
    yuncheng = "yuncheng"
    huaiyang = "huaiyang"
    province = "province"
    shanxi = "shanxi"
    mashan = "mashan"


_SCENARIOS = {
    ScenarioName.yongji: simulation.yongji_2024,
    ScenarioName.puzhou: simulation.puzhou_2024,
    ScenarioName.yuncheng: simulation.yuncheng_2024,
    ScenarioName.huaiyang: simulation.huaiyang_year,
    ScenarioName.province: simulation.province,
    ScenarioName.shanxi: simulation.shanxi_three_years,
    ScenarioName.mashan: simulation.mashan_since_2016,
}


@app.command()
def simulate(
    scenario: Annotated[ScenarioName, typer.Argument(help="A calibrated scenario.")] = ScenarioName.yongji,
    policy: Annotated[str, policy_option("The policy to handle the disputes under.")] = "baseline",
    db: Annotated[Path, typer.Option(help="SQLite file to keep the simulated histories in.")] = Path("fengqiao.db"),
    scale: Annotated[float, typer.Option(help="Multiply the scenario's number of disputes by this.")] = 1.0,
    seed: Annotated[int | None, typer.Option(help="Random seed (the scenario's own by default).")] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Processes that handle disputes (the same result for any number).")
    ] = CORES,
    lang: LangOption = Language.en,
    resume: Annotated[
        bool, typer.Option("--resume", help="Finish an interrupted run of the same simulation in --db.")
    ] = False,
    replace: Annotated[
        bool, typer.Option("--replace", help="Delete --db first, if it holds this simulation and nothing else.")
    ] = False,
) -> None:
    """Simulate a calibrated year of disputes under a policy, into the SQLite store.

    Each thousand disputes are stored in one transaction, so a run interrupted (Ctrl-C, or
    killed) leaves whole chunks behind: ``--resume`` makes the same run again and stores only
    what is missing, ending with the store an uninterrupted run leaves; ``--replace`` starts over.
    """
    if not scale > 0:
        raise ValidationError(f"scale must be more than 0, got {scale}", "scale")
    if resume and replace:
        raise ValidationError("give either --resume or --replace, not both", "resume")
    registry.get(policy)  # an unknown name is refused before the file is made
    chosen = _SCENARIOS[scenario]()
    chosen = chosen.scaled(scale) if scale != 1.0 else chosen
    chosen = chosen.with_seed(seed) if seed is not None else chosen
    if replace:
        _remove_simulation(db, chosen.name)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with SQLiteEventStore(db) as store, Progress(*columns, console=console, transient=True) as bar:
        stored = _stored(store, chosen.name)
        if stored and not resume:
            raise ValidationError(_held(db, chosen.name, stored, chosen.disputes), "db")
        task = bar.add_task(f"{chosen.name} under {policy}", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)
            if stop.is_set():  # between two chunks: the run stops cleanly, its workers with it
                raise KeyboardInterrupt

        try:
            with _stopped_between_chunks() as stop:
                result = simulation.simulate(
                    chosen, policy, store=store, progress=progress, workers=workers, resume=resume
                )
        except KeyboardInterrupt:
            stored = _stored(store, chosen.name)
            errors.print(
                f"interrupted after {stored} of {chosen.disputes} disputes, which stay in {escape(str(db))}:"
                " run the same command with --resume to finish it, or with --replace to start over",
                soft_wrap=True,
            )
            raise typer.Exit(130) from None
    _print_simulated(result, db, lang.value)


def _print_simulated(result: simulation.SimulationResult, db: Path, code: Lang) -> None:
    """The final states of a simulation, its resolution rate and the refusals met, in ``code``."""
    zh = code == "zh"
    graph = Workflow(result.policy).graph
    total = f"种子 {result.seed} · {result.total} 件纠纷" if zh else f"seed {result.seed} · {result.total} disputes"
    table = Table(title=escape(f"{result.scenario} · {result.policy} · {total}"))
    for header in ("最终状态", "件数", "占比") if zh else ("final state", "disputes", "share"):
        table.add_column(header, justify="left" if header in ("最终状态", "final state") else "right")
    for state, n in sorted(result.states.items(), key=lambda kv: -kv[1]):
        table.add_row(graph.label(graph.state(state), code), str(n), f"{n / result.total:.1%}")
    console.print(table)
    rate, where = f"{result.resolution_rate:.2%}", escape(str(db))
    console.print(
        f"化解率（{result.policy}）：{rate}；已存入 {where}：{result.events} 个事件"
        if zh
        else f"resolution rate ({result.policy}): {rate}; events stored in {where}: {result.events}"
    )
    if result.refusals:
        top = sorted(result.refusals.items(), key=lambda kv: -kv[1])[:5]
        met = ("、" if zh else ", ").join(f"{refusal} ×{n}" for refusal, n in top)
        console.print(("处置中遇到的拒绝：" if zh else "refusals the officers met: ") + met)


@contextmanager
def _stopped_between_chunks() -> Iterator[threading.Event]:
    """An event that Ctrl-C (or ``SIGTERM``) sets, for ``simulate`` to stop at the next chunk's end.

    Stopping between chunks keeps every chunk the store holds whole and lets the summary say
    how far the run got (``--resume`` goes on from there). A second Ctrl-C interrupts at once:
    ``simulate`` then ends its workers mid-chunk; the process appends each chunk in one
    transaction, so the store still holds only whole chunks.
    """
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def first(signum: int, frame: object) -> None:
        stop.set()
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    previous = {sig: signal.signal(sig, first) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stored(store: SQLiteEventStore, name: str) -> int:
    """How many disputes of the simulation ``name`` ``store`` holds."""
    return sum(1 for stream in store.streams() if stream.startswith(f"{name}-"))


def _held(db: Path, name: str, stored: int, total: int) -> str:
    """Why ``simulate`` refuses a store that holds ``stored`` of the ``total`` disputes of the simulation ``name``."""
    if stored < total:
        return (
            f"{db} already holds a simulation named {name}, interrupted after {stored} of {total} disputes;"
            " add --resume to finish it, or --replace to start it over"
        )
    return (
        f"{db} already holds a simulation named {name}; give another --db or --scale, or add --replace to run it again"
    )


def _remove_simulation(db: Path, name: str) -> None:
    """Delete ``db`` (and its WAL files) for ``simulate --replace``: only if it holds the simulation ``name`` alone."""
    if not db.exists():
        return
    with SQLiteEventStore(db, upgrade=False) as store:
        others = sum(1 for stream in store.streams() if not stream.startswith(f"{name}-"))
    if others:
        raise ValidationError(
            f"{db} holds {others} other stream{'s' * (others != 1)} besides the simulation {name};"
            " --replace deletes a file only when it holds that simulation alone: give another --db",
            "db",
        )
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        path.unlink(missing_ok=True)


@app.command()
def replay(
    policy: Annotated[str, policy_option("The other policy to re-decide every stored history under.")],
    db: Annotated[Path, typer.Option(help="SQLite file of the store.")] = Path("fengqiao.db"),
    show: Annotated[int, typer.Option(help="How many differences to list.")] = 10,
    lang: LangOption = Language.en,
) -> None:
    """What if these disputes had been handled under another policy? List where it would differ."""
    code: Lang = lang.value
    zh = code == "zh"
    columns = (TextColumn("{task.description}"), MofNCompleteColumn(), TimeElapsedColumn())
    with SQLiteEventStore(existing_file(db)) as store, Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("重新判定" if zh else "re-deciding", total=None)
        result = what_if(store, policy, progress=lambda done: bar.update(task, completed=done))
    kinds = Counter(str(v.kind) for v in result.divergences)
    counts = ("、" if zh else ", ").join(f"{decision_label(k, code)} {n}" for k, n in kinds.most_common())
    if zh:
        line = f"{result.disputes} 件纠纷、{result.events} 个事件按 {result.policy} 重新判定："
        line += f"{len(result.diverged)} 件会不同" + (f"（{counts}）" if kinds else "")
    else:
        line = f"{result.disputes} disputes, {result.events} events re-decided under {result.policy}: "
        line += f"{len(result.diverged)} would have gone differently" + (f" ({counts})" if kinds else "")
    console.print(escape(line))
    graph = Workflow(result.policy).graph
    table = Table()
    headers = (
        ("纠纷", "事件", "操作", "实际", f"按 {result.policy}")
        if zh
        else ("dispute", "event", "trigger", "what happened", f"under {result.policy}")
    )
    for column in headers:
        table.add_column(escape(column))
    for v in result.divergences[:show]:
        trigger = graph.label(graph.kind.trigger(v.trigger), code)
        recorded, other = decision_label(v.recorded, code), decision_label(v.other, code)
        table.add_row(v.dispute_id, str(v.index), trigger, escape(recorded), escape(other))
    if result.divergences:
        console.print(table)


app.command()(figures)
app.command()(report)
app.command()(serve)
app.add_typer(db_app, name="db")
app.add_typer(households_app, name="households")
app.add_typer(ledger_app, name="ledger")


def main() -> None:
    """Entry point: run the CLI, turning fengqiao errors (and a missing extra) into one line and exit code 2."""
    try:
        app(standalone_mode=True)
    except (FengqiaoError, ModuleNotFoundError) as exc:
        if isinstance(exc, ModuleNotFoundError) and exc.name not in EXTRAS:
            raise  # not a package an extra installs: a broken installation, shown as it is
        # Escaped: the message may hold user text such as "[bold]"; soft_wrap keeps it one line.
        errors.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        raise SystemExit(2) from None
