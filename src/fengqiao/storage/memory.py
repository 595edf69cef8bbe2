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
from collections.abc import Iterable, Iterator, Sequence
from types import TracebackType

import attrs

from fengqiao.domain._checks import require_aware
from fengqiao.domain.clock import Clock
from fengqiao.errors import ConcurrencyConflict, StorageError
from fengqiao.lifecycle.events import Event
from fengqiao.storage._arguments import check_clock, check_projectors
from fengqiao.storage._audit import audit
from fengqiao.storage._chain import GENESIS, Head, Row
from fengqiao.storage._codec import project_all
from fengqiao.storage._loading import Unreadable
from fengqiao.storage._requests import check_append, check_lookup, check_many, check_page
from fengqiao.storage.anchor import Anchor, seal
from fengqiao.storage.base import Append, Projector, StoredEvent, VerificationReport
from fengqiao.storage.prepared import Item, Prepared, check_prepared, encode_items, size

__all__ = ["MemoryEventStore"]

_PAGE = 500


@attrs.frozen
class _Entry:
    stored: StoredEvent
    row: Row


class MemoryEventStore:
    """An in-process event store; thread-safe.

    Args:
        projectors: run under the store's lock with ``tx=None`` before each append becomes
            visible; if one raises, nothing is appended (see :class:`~fengqiao.storage.Projector`).
        clock: gives ``recorded_at``; the system clock by default.

    Raises:
        ValidationError: ``projectors`` is not a collection of callables, or ``clock`` has no ``now()``.
    """

    def __init__(self, *, projectors: Sequence[Projector[None]] = (), clock: Clock | None = None) -> None:
        self._projectors: tuple[Projector[None], ...] = check_projectors(projectors)
        self._clock: Clock = check_clock(clock)
        self._lock = threading.Lock()
        self._log: list[_Entry] = []
        self._streams: dict[str, list[_Entry]] = {}
        self._closed = False

    def __repr__(self) -> str:
        return f"MemoryEventStore({len(self._streams)} streams, {len(self._log)} events)"

    def append(self, stream_id: str, events: Iterable[Event], *, expected_version: int) -> int:
        """Append ``events`` after ``expected_version``, all or nothing; return the new version.

        Raises:
            ConcurrencyConflict: the stream is not at ``expected_version``; nothing was stored.
            ValidationError: malformed arguments, or an event of another dispute.
        """
        batch = check_append(stream_id, events, expected_version)
        return self._append((Append(stream_id, batch, expected_version=expected_version),))[0]

    def append_many(self, appends: Iterable[Append], /) -> tuple[int, ...]:
        """Append to many streams at once, all or nothing; return each stream's new version.

        Raises:
            ConcurrencyConflict: a stream is not at its ``expected_version`` (the first such in
                the batch is named); nothing was stored.
            ValidationError: a malformed item or a stream given twice (``appends[3].events[2]``).
        """
        return self._append(check_many(appends))

    def append_prepared(self, prepared: Iterable[Prepared], /) -> tuple[int, ...]:
        """Append prepared histories as new streams at once (see ``EventStore.append_prepared``).

        Raises:
            ConcurrencyConflict: a stream already exists; nothing was stored.
            ValidationError: a malformed item (``prepared[3].hashes[1]``); nothing was stored.
        """
        return self._append(check_prepared(prepared))

    def _append(self, items: tuple[Item, ...]) -> tuple[int, ...]:
        with self._lock:
            self._check_open()
            for item in items:
                current = len(self._streams.get(item.stream_id, ()))
                if current != item.expected_version:
                    raise ConcurrencyConflict(item.stream_id, item.expected_version, current)
            if not any(size(item) for item in items):
                return tuple(item.expected_version for item in items)
            at = require_aware(self._clock.now(), "clock.now()")
            entries: list[_Entry] = []
            for item in items:
                stream = self._streams.get(item.stream_id)
                head = (item.expected_version, stream[-1].stored.hash if stream else GENESIS)
                first = len(self._log) + len(entries) + 1
                records, _ = encode_items((item,), {item.stream_id: head})
                entries.extend(_Entry(r.stored(first + i, at), r.row(first + i)) for i, r in enumerate(records))
            stored_events = tuple(e.stored for e in entries)
            project_all(self._projectors, None, stored_events)
            self._log.extend(entries)
            for entry in entries:
                self._streams.setdefault(entry.stored.stream_id, []).append(entry)
            return tuple(item.expected_version + size(item) for item in items)

    def load(self, stream_id: str) -> tuple[Event, ...]:
        """Every event of ``stream_id`` in version order; empty if unknown."""
        check_lookup(stream_id)
        with self._lock:
            self._check_open()
            return tuple(e.stored.event for e in self._streams.get(stream_id, ()))

    def read_all(
        self, after: int = 0, limit: int | None = None, *, unreadable: Unreadable | None = None
    ) -> Iterator[StoredEvent]:
        """Events after position ``after``, in position order, at most ``limit`` of them.

        Every event in memory is readable, so ``unreadable`` (see ``EventStore.read_all``) is never called.
        """
        check_page(after, limit)
        self._check_open()
        return self._read_all(after, limit)

    def streams(self) -> Iterator[str]:
        """Every stream id, in code-point order."""
        with self._lock:
            self._check_open()
            ids = sorted(self._streams)
        return iter(ids)

    def verify(self, stream_id: str | None = None, *, anchor: Anchor | None = None) -> VerificationReport:
        """Recompute the hash chains of one stream (or all) and report every problem.

        With ``anchor``, also name every stream deleted, cut, rewritten or forged since it
        was taken (see :mod:`fengqiao.storage.anchor`).
        """
        if stream_id is not None:
            check_lookup(stream_id)
        with self._lock:
            self._check_open()
            ids = sorted(self._streams) if stream_id is None else [s for s in (stream_id,) if s in self._streams]
            rows = [e.row for s in ids for e in self._streams[s]]
            heads = [Head(s, len(self._streams[s]), self._streams[s][-1].row.hash) for s in ids]
        return audit(anchor, rows, heads, stream_id)

    def digest(self, *, heads: bool = True) -> Anchor:
        """Hash every stream's head into an :class:`~fengqiao.storage.Anchor` (``heads``: keep them to name streams)."""
        with self._lock:
            self._check_open()
            tips = [(s, len(self._streams[s]), self._streams[s][-1].row.hash) for s in sorted(self._streams)]
            position = len(self._log)
        at = require_aware(self._clock.now(), "clock.now()")
        return seal(tips, position=position, created_at=at, keep=heads)

    def upgrade(self) -> int:
        """Nothing to migrate in memory; returns 1, the only layout."""
        self._check_open()
        return 1

    def close(self) -> None:
        """Forget nothing, but refuse further use."""
        self._closed = True

    def __enter__(self) -> MemoryEventStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError("the event store is closed")

    def _read_all(self, after: int, limit: int | None) -> Iterator[StoredEvent]:
        remaining = limit
        while remaining is None or remaining > 0:
            size = _PAGE if remaining is None else min(_PAGE, remaining)
            with self._lock:
                self._check_open()
                page = [e.stored for e in self._log[after : after + size]]
            if not page:
                return
            yield from page
            after = page[-1].position
            if remaining is not None:
                remaining -= len(page)
