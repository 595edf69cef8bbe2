"""``st.sampled_from`` for options that change from step to step, each built once.

A lifecycle's loop picks from lists that depend on the state it has reached (the triggers
allowed there, weighted as this run weighs them). Built afresh at every step, a
``st.sampled_from(options)`` makes hypothesis build, label and validate a new strategy each
time, which costs more than the draw. :func:`sampled` hands out the one built for equal
options before: the same strategy, so runs generate, shrink and replay as they did.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from hypothesis import strategies as st

T = TypeVar("T", bound=Hashable)


def sampled(options: Sequence[T]) -> st.SearchStrategy[T]:
    """``st.sampled_from(options)``, built once for each distinct ``options``.

    Equal options of different types (``Trigger.NOTE`` and a kind's own ``"note"``) get
    strategies of their own, so a draw gives back the very values it was offered.
    """
    key = tuple(options)
    return _sampled(key, tuple(map(type, key)))


@lru_cache(maxsize=4096)
def _sampled(options: tuple[Any, ...], types: tuple[type, ...]) -> st.SearchStrategy[Any]:
    return st.sampled_from(options)
