"""What every ``fengqiao`` command shares: the consoles and the language option.

Private; the command line lives in :mod:`fengqiao.cli`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from fengqiao.errors import ValidationError
from fengqiao.policies import registry

__all__ = [
    "CORES",
    "SHOWN",
    "LangOption",
    "Language",
    "console",
    "errors",
    "existing_file",
    "more",
    "policy_option",
]

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


class _Policies:
    """The registered policies an option takes: its choices, its check and its shell completion."""

    def __init__(self, kinds: tuple[str, ...]) -> None:
        self.kinds = kinds

    def names(self) -> tuple[str, ...]:
        """Dispute policies, household policies, or both (entry points included)."""
        found = registry.names() if "disputes" in self.kinds else ()
        return found + (registry.household_names() if "households" in self.kinds else ())

    def check(self, value: str) -> str:
        """``value`` if it names one; else the registry's one-line refusal, listing the known names.

        Raises:
            ValidationError: no policy of this option's kinds has that name.
        """
        if value not in self.names():
            registry.get(value) if "disputes" in self.kinds else registry.get_household(value)
        return value

    def complete(self, incomplete: str) -> list[str]:
        """The names that start with what was typed, for shell completion."""
        return [name for name in self.names() if name.startswith(incomplete)]


def policy_option(help: str, *, kinds: tuple[str, ...] = ("disputes",)) -> Any:
    """A ``typer.Option`` naming a registered policy: its choices in ``--help``, checked, completed by the shell."""
    policies = _Policies(kinds)
    return typer.Option(
        callback=policies.check,
        autocompletion=policies.complete,
        metavar="[" + "|".join(policies.names()) + "]",
        help=help,
    )


def other_policies(recorded: Mapping[str | None, int], policy: str) -> list[tuple[str, int]]:
    """The policies other than ``policy`` that ``recorded`` (a ledger's count by recorded policy) names, with counts."""
    return sorted((name, n) for name, n in recorded.items() if name is not None and name != policy)


def judged_under(
    db: Path,
    policy: str,
    why: tuple[str, str],
    *,
    what_if: bool,
    lang: str,
    households: bool = False,
) -> None:
    """Refuse (``ValidationError`` on ``policy``) a report of cases handled under another policy unless ``what_if``.

    ``why`` says how, in Chinese and English (``("按 X（3 件）办理", "opened under X (3)")``); with
    ``what_if`` the report goes on under ``policy`` after a one-line note saying so (for
    disputes: that the grades shown are still the recorded ones).
    """
    zh, en = why
    noun = "households" if households else "disputes"
    if not what_if:
        hint = "" if households else f" (fengqiao replay --policy {policy} lists what it would have decided)"
        raise ValidationError(
            f"the {noun} in {db} were handled under another policy than {policy} ({en}): give the policy they"
            f" were handled under, or add --what-if to judge them under {policy}{hint}",
            "policy",
        )
    if households:
        note = f"假设分析：按 {policy} 判断（家庭{zh}）" if lang == "zh" else f"what-if: judged under {policy} ({en})"
    elif lang == "zh":
        note = f"假设分析：按 {policy} 判断，等级仍为记录的等级（纠纷{zh}）"
    else:
        note = f"what-if: judged under {policy}; the grades are the recorded ones ({en})"
    console.print(escape(note), style="bold yellow", soft_wrap=True)


def opened_under(others: list[tuple[str, int]], unit: str = "件") -> tuple[str, str]:
    """How the cases were handled, in Chinese and English, from :func:`other_policies`' answer (``unit``: 件, 户)."""
    return (
        f"按 {'、'.join(f'{name}（{n} {unit}）' for name, n in others)}办理",
        "opened under " + ", ".join(f"{name} ({n})" for name, n in others),
    )
