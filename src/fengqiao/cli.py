"""The ``fengqiao`` command line: ``demo``, ``policies``, ``diagram``.

User mistakes end in one clear line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from fengqiao.demo import garage_entrance
from fengqiao.domain.vocabulary import Lang
from fengqiao.errors import FengqiaoError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Event
from fengqiao.policies import registry
from fengqiao.storage import SQLiteEventStore
from fengqiao.workflow import Workflow

__all__ = ["app", "main"]

app = typer.Typer(
    help="fengqiao: grassroots dispute mediation (枫桥经验) as an auditable state machine.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)


class Language(StrEnum):
    """Output language."""

    zh = "zh"
    en = "en"


LangOption = Annotated[Language, typer.Option("--lang", help="Language of labels and messages.")]


def _describe(event: Event, d: Dispute, wf: Workflow, lang: Lang) -> str:
    state = wf.graph.label(d.state, lang)
    if event.trigger == "discover":
        return state
    label = wf.graph.label(event.trigger, lang)
    extra = f" · {d.grade} ({d.grade_rule})" if event.type in ("graded", "regraded") else ""
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
def policies() -> None:
    """List the available policies."""
    for name in registry.names():
        policy = registry.get(name)
        console.print(f"[bold]{name}[/bold]  grades: {', '.join(policy.grades)}")


@app.command()
def diagram(
    policy: Annotated[str, typer.Option(help="Policy name.")] = "baseline",
    lang: LangOption = Language.en,
) -> None:
    """Print a policy's lifecycle as a mermaid state diagram."""
    typer.echo(Workflow(policy).diagram(lang=lang.value))


def main() -> None:
    """Entry point: run the CLI, turning fengqiao errors into one line and exit code 2."""
    try:
        app(standalone_mode=True)
    except FengqiaoError as exc:
        # Escaped: the message may hold user text such as "[bold]"; soft_wrap keeps it one line.
        errors.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        raise SystemExit(2) from None
