"""``fengqiao figures``: every figure the reports give, beside the simulated one.

Private; the command line lives in :mod:`fengqiao.cli`, the figures in
:mod:`fengqiao.simulation.figures`.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from fengqiao._cli_common import CORES, LangOption, Language, console, errors
from fengqiao.domain.vocabulary import Lang
from fengqiao.simulation.figures import REPRODUCTIONS, reproduce

__all__ = ["figures"]


def figures(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help=f"Reproductions to run (all by default): {', '.join(REPRODUCTIONS)}.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of a table.")] = False,
    workers: Annotated[int, typer.Option(min=1, help="Processes that handle disputes (the same figures).")] = CORES,
    lang: LangOption = Language.en,
) -> None:
    """Simulate every report's figures with its seeded preset; print reported beside simulated.

    Exits 1 when a figure does not match.
    """
    with errors.status("") as status:  # on stderr: the JSON on stdout stays clean
        result = reproduce(
            names or None,
            workers=workers,
            progress=lambda r: status.update(f"{'模拟' if lang is Language.zh else 'simulating'} {r.name} …"),
        )
    if as_json:
        typer.echo(result.to_json())
    else:
        code: Lang = lang.value
        zh = code == "zh"
        for r in result.reproductions:
            table = Table(title=f"{r.title(code)} · {r.name}", title_justify="left")
            headers = ("数字", "报道", "模拟", "一致") if zh else ("figure", "reported", "simulated", "match")
            first, *numbers, last = headers
            table.add_column(first)
            for header in numbers:
                table.add_column(header, justify="right")
            table.add_column(last, justify="center")
            for c in result.checks:
                if c.reproduction == r.name:
                    mark = "[green]✓[/green]" if c.matches else "[red]✗[/red]"
                    table.add_row(c.label(code), c.reported, c.simulated_text, mark)
            console.print(table)
            if r.note(code):
                console.print(f"  {r.note(code)}", soft_wrap=True)
            console.print(f"  {'命令' if zh else 'command'}: {r.command}", soft_wrap=True, markup=False)
        bad = len(result.mismatches())
        if bad:
            console.print(f"[red]{bad} 个数字不一致[/red]" if zh else f"[red]{bad} figure(s) do not match[/red]")
        else:
            n = len(result.checks)
            console.print(f"全部 {n} 个数字一致" if zh else f"all {n} figures match")
    if not result.all_match:
        raise typer.Exit(1)
