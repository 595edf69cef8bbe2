"""What every ``fengqiao`` command shares: the consoles and the language option.

Private; the command line lives in :mod:`fengqiao.cli`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console

__all__ = ["LangOption", "Language", "console", "errors"]

console = Console()
errors = Console(stderr=True)


class Language(StrEnum):
    """Output language."""

    zh = "zh"
    en = "en"


LangOption = Annotated[Language, typer.Option("--lang", help="Language of labels and messages.")]
