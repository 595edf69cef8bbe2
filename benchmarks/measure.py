"""Timing, memory and reporting helpers shared by every benchmark section."""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import attrs

__all__ = ["Figure", "Section", "Skipped", "allocated", "median", "timed"]

T = TypeVar("T")


class Skipped(Exception):
    """A section that cannot run here (a module not built yet, no server); the message says why."""


@attrs.define
class Figure:
    """One measured quantity: its value (median of the rounds), unit and optional ratio/verdict."""

    name: str
    value: float
    unit: str
    ratio: float | None = None
    """The value as a ratio to the reference implementation, where there is one."""
    budget: str = ""
    """The budget line this figure answers, in words (``"≥ 500,000 events/s"``)."""
    met: bool | None = None
    samples: list[float] = attrs.Factory(list)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.define
class Section:
    """A benchmark section's figures, or the reason it was skipped."""

    key: str
    title: str
    figures: list[Figure] = attrs.Factory(list)
    skipped: str = ""
    notes: list[str] = attrs.Factory(list)
    seconds: float = 0.0

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        return figure

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


def median(values: list[float]) -> float:
    """The median of ``values`` (which must not be empty)."""
    return float(statistics.median(values))


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    """Seconds ``fn()`` took (after a full garbage collection, with the collector on), and its result."""
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


@contextmanager
def allocated() -> Iterator[list[int]]:
    """Bytes newly allocated (and still alive) inside the block, by ``tracemalloc``.

    Yields a one-element list filled in when the block ends.
    """
    out = [0]
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        yield out
        gc.collect()
        out[0] = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
