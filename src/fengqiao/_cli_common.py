"""What every ``fengqiao`` command shares: the consoles and the language option.

Private; the command line lives in :mod:`fengqiao.cli`.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fengqiao.errors import ValidationError

__all__ = ["CORES", "SHOWN", "LangOption", "Language", "console", "errors", "existing_file", "more"]

CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
"""The cores this process may run on: how many workers a simulation uses by default."""

SHOWN = 10
"""How many lines a report lists of a long list (overdue deadlines); :func:`more` counts the rest."""

console = Console()
errors = Console(stderr=True)


class Language(StrEnum):
    """Output language."""

    zh = "zh"
    en = "en"


LangOption = Annotated[Language, typer.Option("--lang", help="Language of labels and messages.")]


def existing_file(db: Path) -> Path:
    """``db``, if it is a file: a command that reads a store refuses a missing or mistyped path and creates nothing.

    Raises:
        ValidationError: ``db`` is not a file (the message names it).
    """
    if not db.is_file():
        raise ValidationError(f"{db} is not a file", "db")
    return db


def more(rest: int, lang: str) -> str:
    """The line under a list cut short: ``  … and 29 more`` (``  ……另有 29 项``)."""
    return f"  ……另有 {rest} 项" if lang == "zh" else f"  … and {rest} more"
