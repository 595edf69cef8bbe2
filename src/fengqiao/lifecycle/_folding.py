"""The fold every kind of case other than the dispute shares: check a history's shape, then apply its events.

The dispute's fold (:mod:`fengqiao.lifecycle.fold`) is speed-tuned and has its own; a
household's and a place's histories are checked and folded here, with the same messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from fengqiao.domain._quote import quote
from fengqiao.errors import ValidationError

__all__ = ["fold_case"]

V = TypeVar("V")


def fold_case(
    history: Iterable[Any],
    *,
    noun: str,
    opening: type[Any],
    base: type[Any],
    start: Callable[[Any], V],
    apply: Callable[[V, Any], V],
    stream_of: Callable[[V], str],
) -> V:
    """Fold ``history`` into the value its ``opening`` event begins, applying every later ``base`` event.

    Raises:
        ValidationError: the history is empty, does not begin with ``opening``, has a second
            one, holds something else, or mixes streams; ``path`` names the event (``history[3]``).
    """
    try:
        events = iter(history)
    except TypeError:
        raise ValidationError(f"expected a sequence of {noun} events, got {quote(history)}", "history") from None
    first = next(events, None)
    if not isinstance(first, opening):
        raise ValidationError(f"a {noun}'s history must begin with a {opening.__name__} event", "history[0]")
    value = start(first)
    for index, event in enumerate(events, start=1):
        where = f"history[{index}]"
        if not isinstance(event, base):
            raise ValidationError(f"expected a {noun} event, got {quote(event)}", where)
        if event.stream_id != stream_of(value):
            raise ValidationError(f"event belongs to {noun} {event.stream_id}, not {stream_of(value)}", where)
        if isinstance(event, opening):
            raise ValidationError(f"only the first event may be {opening.__name__}", where)
        try:
            value = apply(value, event)
        except ValidationError as exc:
            raise exc.within(where) from None
    return value
