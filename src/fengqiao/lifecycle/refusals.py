"""Refusals explain themselves: a stable dotted code and a message in Chinese and English.

>>> r = Refusal("baseline.close.no-visit", "销号前须至少回访一次", "close needs at least one follow-up visit")
>>> str(r)
'baseline.close.no-visit: close needs at least one follow-up visit'
>>> r.message("zh")
'销号前须至少回访一次'
"""

from __future__ import annotations

import attrs

from fengqiao.domain.vocabulary import Lang
from fengqiao.lifecycle.states import TriggerId

__all__ = ["Decision", "Refusal"]


@attrs.frozen
class Refusal:
    """Why a trigger may not fire: ``code`` is stable and machine-readable, the messages are not."""

    code: str
    zh: str
    en: str

    def message(self, lang: Lang = "en") -> str:
        """The message in ``lang``."""
        return self.zh if lang == "zh" else self.en

    def __str__(self) -> str:
        return f"{self.code}: {self.en}"


@attrs.frozen
class Decision:
    """The answer of ``Workflow.check``: every refusal, or none when the trigger may fire."""

    trigger: TriggerId
    refusals: tuple[Refusal, ...] = ()

    @property
    def allowed(self) -> bool:
        """True when nothing refused."""
        return not self.refusals

    @property
    def codes(self) -> tuple[str, ...]:
        """The refusal codes, in order."""
        return tuple(r.code for r in self.refusals)

    def __bool__(self) -> bool:
        return self.allowed
