"""``MemoryEventStore``: the event store in a dict, for tests, notebooks and simulations.

It keeps the same promises as the database back-ends (optimistic versions, atomic appends,
global positions, hash chains) and is safe to share between threads; it forgets everything
when the process ends.

>>> from datetime import UTC, datetime
>>> import fengqiao as fq
>>> from fengqiao.storage import MemoryEventStore, Repository
>>> wf = fq.Workflow(clock=fq.FixedClock(datetime(2024, 1, 31, 9, tzinfo=UTC)))
>>> repo = Repository(wf, MemoryEventStore())
>>> d = repo.discover(channel="alarm_110", category="neighbour", summary="噪音扰民",
...                   actor="officer:xiao", dispute_id="d-1")
>>> d = repo.fire(d, fq.Trigger.GRADE, actor="officer:xiao")
>>> repo.get("d-1") == d
True
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from fengqiao.domain.clock import Clock
from fengqiao.storage.base import Head, Projector, Row
from fengqiao.storage.rows import RowBatch, RowStore

__all__ = ["MemoryEventStore"]


class MemoryEventStore(RowStore[None]):
    """An in-process event store; thread-safe.

    A :class:`~fengqiao.storage.RowStore` over a list of rows (position ``p`` at index
    ``p - 1``) and a dict of heads, written under one lock. It keeps each row as the store
    made it, the decoded event included, so ``load`` and ``read_all`` never decode, and
    ``read_all(unreadable=...)`` never calls ``unreadable``.

    Args:
        projectors: run under the store's lock with ``tx=None`` before each append becomes
            visible; if one raises, nothing is appended (see :class:`~fengqiao.storage.Projector`).
        clock: gives ``recorded_at``; the system clock by default.

    Raises:
        ValidationError: ``projectors`` is not a collection of callables, or ``clock`` has no ``now()``.
    """

    def __init__(self, *, projectors: Sequence[Projector[None]] = (), clock: Clock | None = None) -> None:
        super().__init__(projectors=projectors, clock=clock)
        self._lock = threading.Lock()
        self._log: list[Row] = []
        self._heads: dict[str, Head] = {}
        self._streams: dict[str, tuple[Head, tuple[Row, ...]]] = {}
        """Each stream's head and rows, one value replaced on each write: a load takes it as it is."""

    def __repr__(self) -> str:
        return f"MemoryEventStore({len(self._streams)} streams, {len(self._log)} events)"

    def _read_stream(self, stream_id: str, /) -> tuple[Head | None, Sequence[Row]]:
        with self._lock:  # so a load never sees half of an append_many
            return self._streams.get(stream_id, _UNKNOWN)

    def _read_log(self, after: int, limit: int, /) -> Sequence[Row]:
        with self._lock:
            return self._log[after : after + limit]

    def _read_heads(self) -> tuple[int, list[Head]]:
        with self._lock:
            return len(self._log), list(self._heads.values())

    def _write(self, batch: RowBatch[None], /) -> None:
        """Projectors run here, under the lock, before the rows are kept: positions stay dense."""
        with self._lock:
            rows, heads = batch.encode(self._heads, first=len(self._log) + 1, tx=None)
            self._log += rows
            streams, start = self._streams, 0
            for stream_id, head in heads.items():  # each stream's rows are together, in the batch's order
                end = start + head.version - rows[start].version + 1
                streams[stream_id] = (head, streams.get(stream_id, _UNKNOWN)[1] + tuple(rows[start:end]))
                start = end
            self._heads.update(heads)


_UNKNOWN: tuple[None, tuple[Row, ...]] = (None, ())
