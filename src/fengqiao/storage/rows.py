"""``RowStore``: the whole ``EventStore`` protocol over four small primitives, for a back-end of your own.

A back-end that subclasses :class:`RowStore` keeps rows (:class:`~fengqiao.storage.Row`) and
stream heads (:class:`~fengqiao.storage.Head`) and supplies only how to read and write them:

- ``_read_stream(stream_id)``: the stream's head (``None`` if it has none) and its rows in
  version order, from one consistent state;
- ``_read_log(after, limit)``: up to ``limit`` rows with a position greater than ``after``, in
  position order;
- ``_read_heads()``: the position of the last row written (0 if none) and every stream's
  head, in any order, from one consistent state;
- ``_write(batch)``: in one atomic step, pass the heads the back-end holds *there* to
  :meth:`RowBatch.encode` (which refuses a stale writer with
  :class:`~fengqiao.errors.ConcurrencyConflict`, chains the new rows onto those heads, gives
  them positions from ``first`` and runs the store's projectors with ``tx``), then keep the
  rows and the new heads. If ``encode`` (or anything else) raises, keep nothing.

Everything else is the base's, the same for every back-end: argument checks, the version
check, encoding and the hash chain, projectors, the integrity checks of ``load`` and
``read_all``, paging, ``streams``, ``verify`` and ``digest`` (anchors included), closing, the
context manager, and wrapping any error a primitive raises that is not a fengqiao error as a
:class:`~fengqiao.errors.StorageError` naming the operation. Each primitive must be atomic
towards the others (a lock, or a transaction): the base holds no lock of its own. Because the
version check happens inside ``_write`` against the heads the back-end holds there, a stale
writer cannot slip between a read and a write; a back-end need not check versions itself.

:class:`~fengqiao.storage.MemoryEventStore` is one; ``docs/testing-contracts.md`` builds
another in about thirty lines and runs the store contract on it.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import count, repeat
from operator import itemgetter
from types import TracebackType
from typing import Generic, Self, TypeVar

from fengqiao.domain._checks import require_aware
from fengqiao.domain._quote import quote, said
from fengqiao.domain.clock import Clock
from fengqiao.errors import ConcurrencyConflict, FengqiaoError, StorageError
from fengqiao.lifecycle.cases import CaseEvent
from fengqiao.storage._arguments import check_clock, check_projectors
from fengqiao.storage._audit import audit
from fengqiao.storage._chain import GENESIS
from fengqiao.storage._codec import project_all
from fengqiao.storage._loading import Unreadable, serve_rows, stored_rows
from fengqiao.storage._requests import Tip, check_append, check_lookup, check_many, check_page
from fengqiao.storage.anchor import Anchor, seal
from fengqiao.storage.base import Append, Head, Projector, Row, StoredEvent, VerificationReport
from fengqiao.storage.prepared import Item, Prepared, check_prepared, encode_items, size

__all__ = ["RowBatch", "RowStore"]

TxT = TypeVar("TxT")

PAGE = 500
"""How many rows ``read_all`` asks ``_read_log`` for at a time."""

_BY_STREAM = itemgetter(0)


class RowBatch(Generic[TxT]):
    """One append's streams and events, checked, for a back-end's ``_write`` to encode and keep at once.

    Made by :class:`RowStore`; ``TxT`` is what the back-end passes its projectors (``None``
    for one without transactions).
    """

    __slots__ = ("_clock", "_encoded", "_items", "_projectors", "streams")

    def __init__(self, items: tuple[Item, ...], projectors: tuple[Projector[TxT], ...], clock: Clock) -> None:
        self._items = items
        self._projectors = projectors
        self._clock = clock
        self._encoded = False
        self.streams: tuple[str, ...] = tuple(item.stream_id for item in items)
        """The streams the batch writes to, in its order (to read their heads in one query)."""

    def __len__(self) -> int:
        """How many events (rows) the batch holds."""
        return sum(size(item) for item in self._items)

    def encode(
        self, heads: Mapping[str, Head], *, first: int, tx: TxT, keep: bool = True
    ) -> tuple[list[Row], dict[str, Head]]:
        """The batch's rows at positions ``first``, ``first + 1`` …, and each stream's new head.

        ``heads`` are the heads the back-end holds inside its atomic step (a stream absent
        from it is new); only the batch's streams are looked up. Each stream's head must be at
        the version its writer expected. The rows chain onto those heads, all recorded now
        (the store's clock), each stream's rows together and the streams in the batch's order
        (the new heads too); the store's projectors then run with ``tx`` and the rows as
        :class:`~fengqiao.storage.StoredEvent` values, before ``encode`` returns. Keep the rows
        and move the heads only after it returned; a batch of no events gives no rows and no
        heads (the versions are checked all the same).

        With ``keep`` (the default, for a back-end that keeps the rows themselves) each row
        carries its event (:attr:`Row.stored <fengqiao.storage.Row.stored>`), so reading it
        back decodes nothing. A back-end that writes the rows out (a file, a database) passes
        ``keep=False`` and stores the other fields: then a prepared history is not decoded
        unless a projector needs its events.

        Raises:
            ConcurrencyConflict: a stream is not at its expected version (the first in the
                batch's order); keep nothing.
            StorageError: a projector failed (its error is the cause); keep nothing.
        """
        if type(first) is not int or first < 1:
            raise StorageError(f"a batch's first position must be a whole number from 1, not {quote(first)}")
        tips: dict[str, Tip] = {}
        for item in self._items:
            head = heads.get(item.stream_id)
            version = 0 if head is None else head.version
            if version != item.expected_version:
                raise ConcurrencyConflict(item.stream_id, item.expected_version, version)
            tips[item.stream_id] = (0, GENESIS) if head is None else (version, head.hash)
        self._encoded = True
        records, moved = encode_items(self._items, tips)
        if not records:
            return [], {}
        at = require_aware(self._clock.now(), "clock.now()")
        events = [r.stored(p, at) for p, r in enumerate(records, first)] if keep or self._projectors else []
        rows: list[Row] = []
        for position, record, stored in zip(count(first), records, events if keep else repeat(None), strict=False):
            stream_id, version, kind, schema, data, prev_hash, digest, _ = record
            rows.append(Row(stream_id, version, position, kind, schema, data, prev_hash, digest, at, None, stored))
        if self._projectors:
            project_all(self._projectors, tx, tuple(events))
        return rows, {stream_id: Head(stream_id, *tip) for stream_id, tip in moved.items()}


class RowStore(abc.ABC, Generic[TxT]):
    """The :class:`~fengqiao.storage.EventStore` protocol over a back-end's rows and heads.

    Subclass it, call ``super().__init__(projectors=..., clock=...)`` and implement the four
    primitives below (see :mod:`fengqiao.storage.rows`); the store then passes the contract
    suite (:class:`fengqiao.testing.contracts.EventStoreContract`) as fengqiao's own do.

    Args:
        projectors: run inside each append's atomic step, with the ``tx`` the back-end gives
            :meth:`RowBatch.encode` (see :class:`~fengqiao.storage.Projector`).
        clock: gives ``recorded_at``; the system clock by default.

    Raises:
        ValidationError: ``projectors`` is not a collection of callables, or ``clock`` has no ``now()``.
    """

    def __init__(self, *, projectors: Sequence[Projector[TxT]] = (), clock: Clock | None = None) -> None:
        self._projectors: tuple[Projector[TxT], ...] = check_projectors(projectors)
        self._clock: Clock = check_clock(clock)
        self._closed = False

    # -- what a back-end supplies ----------------------------------------------------------
    @abc.abstractmethod
    def _read_stream(self, stream_id: str, /) -> tuple[Head | None, Sequence[Row]]:
        """The stream's head (``None`` if it has none) and its rows in version order, from one state."""

    @abc.abstractmethod
    def _read_log(self, after: int, limit: int, /) -> Sequence[Row]:
        """Up to ``limit`` rows with a position greater than ``after``, in position order."""

    @abc.abstractmethod
    def _read_heads(self) -> tuple[int, Iterable[Head]]:
        """The last position written (0 if none) and every stream's head, in any order, from one state."""

    @abc.abstractmethod
    def _write(self, batch: RowBatch[TxT], /) -> None:
        """Atomically: ``rows, heads = batch.encode(heads held now, first=next position, tx=...)``, then keep both."""

    # -- the protocol ----------------------------------------------------------------------
    def append(self, stream_id: str, events: Iterable[CaseEvent], *, expected_version: int) -> int:
        """Append ``events`` after ``expected_version``, all or nothing; return the new version.

        Raises:
            ConcurrencyConflict: the stream is not at ``expected_version``; nothing was stored.
            ValidationError: malformed arguments, or an event of another dispute.
            StorageError: the back-end (or a projector) failed; nothing was stored.
        """
        batch = check_append(stream_id, events, expected_version)
        return self._append((Append(stream_id, batch, expected_version=expected_version),), "append")[0]

    def append_many(self, appends: Iterable[Append], /) -> tuple[int, ...]:
        """Append to many streams at once, all or nothing; return each stream's new version.

        Raises:
            ConcurrencyConflict: a stream is not at its ``expected_version`` (the first such in
                the batch is named); nothing was stored.
            ValidationError: a malformed item or a stream given twice (``appends[3].events[2]``).
            StorageError: the back-end (or a projector) failed; nothing was stored.
        """
        return self._append(check_many(appends), "append_many")

    def append_prepared(self, prepared: Iterable[Prepared], /) -> tuple[int, ...]:
        """Append prepared histories as new streams at once (see ``EventStore.append_prepared``).

        Raises:
            ConcurrencyConflict: a stream already exists; nothing was stored.
            ValidationError: a malformed item (``prepared[3].hashes[1]``); nothing was stored.
            StorageError: the back-end (or a projector) failed; nothing was stored.
        """
        return self._append(check_prepared(prepared), "append_prepared")

    def load(self, stream_id: str) -> tuple[CaseEvent, ...]:
        """Every event of ``stream_id`` in version order, checked; empty if unknown.

        Raises:
            BrokenStreamError: a version is missing, the hash chain does not hold, or the head disagrees.
            UnreadableEventError: a stored event is corrupt or of an unknown schema version.
            StorageError: the back-end failed.
        """
        check_lookup(stream_id)
        self._check_open()
        try:
            head, rows = self._read_stream(stream_id)
            return serve_rows(stream_id, head, rows)
        except FengqiaoError:
            raise
        except Exception as exc:  # the back-end's, or rows that are not rows
            raise self._failed(f"load {quote(stream_id)}", exc) from exc

    def read_all(
        self, after: int = 0, limit: int | None = None, *, unreadable: Unreadable | None = None
    ) -> Iterator[StoredEvent]:
        """Events after position ``after``, in position order, at most ``limit`` of them.

        A row the back-end reads back (not one it kept as given) must have a hash that seals
        its data; one that cannot be read raises :class:`~fengqiao.errors.UnreadableEventError`,
        or with ``unreadable`` is passed to it and skipped (``limit`` counts the events given).
        """
        check_page(after, limit)
        self._check_open()  # fail now, not at the first next(), if the store is closed
        return self._read_all(after, limit, unreadable)

    def streams(self) -> Iterator[str]:
        """Every stream id, in code-point order."""
        return iter([stream_id for stream_id, _, _ in self._sorted_heads("streams")[1]])

    def verify(self, stream_id: str | None = None, *, anchor: Anchor | None = None) -> VerificationReport:
        """Recompute the hash chains of one stream (or all) and report every problem.

        Every stream ``_read_heads`` lists is read with ``_read_stream``. With ``anchor``, also
        name every stream deleted, cut, rewritten or forged since it was taken (see
        :mod:`fengqiao.storage.anchor`).
        """
        if stream_id is not None:
            check_lookup(stream_id)
        self._check_open()
        ids = [each for each, _, _ in self._sorted_heads("verify")[1]] if stream_id is None else [stream_id]
        try:
            streams = [self._read_stream(each) for each in ids]
            rows = [row for _, stream in streams for row in stream]
            return audit(anchor, rows, [head for head, _ in streams if head is not None], stream_id)
        except FengqiaoError:
            raise
        except Exception as exc:
            raise self._failed("verify", exc) from exc

    def digest(self, *, heads: bool = True) -> Anchor:
        """Hash every stream's head into an :class:`~fengqiao.storage.Anchor` (``heads``: keep them to name streams)."""
        position, tips = self._sorted_heads("digest")
        return seal(tips, position=position, created_at=require_aware(self._clock.now(), "clock.now()"), keep=heads)

    def upgrade(self) -> int:
        """Nothing to migrate here; returns 1. A back-end with a layout of its own overrides it."""
        self._check_open()
        return 1

    def close(self) -> None:
        """Refuse further use (``StorageError``). A back-end with connections overrides it and calls this too."""
        self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- the base's own ----------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise StorageError("the event store is closed")

    def _failed(self, what: str, exc: Exception) -> StorageError:
        """A back-end's own error as ``StorageError`` (``"MyStore: load 'd-1' failed: OSError: …"``)."""
        return StorageError(f"{type(self).__name__}: {what} failed: {type(exc).__name__}: {said(exc, 200)}")

    def _append(self, items: tuple[Item, ...], kind: str) -> tuple[int, ...]:
        self._check_open()
        if not items:
            return ()
        batch = RowBatch(items, self._projectors, self._clock)
        try:
            self._write(batch)
        except FengqiaoError:
            raise
        except Exception as exc:
            what = f"append to {quote(items[0].stream_id)}" if kind == "append" else f"{kind} of {len(items)} streams"
            raise self._failed(what, exc) from exc
        if not batch._encoded:
            raise StorageError(
                f"{type(self).__name__}: _write returned without calling batch.encode(); no version was checked"
            )
        return tuple(item.expected_version + size(item) for item in items)

    def _sorted_heads(self, what: str) -> tuple[int, list[Head]]:
        """``_read_heads``, its heads in code-point order."""
        self._check_open()
        try:
            position, heads = self._read_heads()
            ordered = sorted(heads, key=_BY_STREAM)
            wrong = next((head for head in ordered if not isinstance(head, Head)), None)
            if wrong is not None:
                raise TypeError(f"_read_heads gave a {type(wrong).__name__} where a Head belongs")
            return position, ordered
        except FengqiaoError:
            raise
        except Exception as exc:
            raise self._failed(what, exc) from exc

    def _read_all(self, after: int, limit: int | None, unreadable: Unreadable | None) -> Iterator[StoredEvent]:
        remaining = limit
        while remaining is None or remaining > 0:
            want = PAGE if remaining is None else min(PAGE, remaining)
            self._check_open()
            try:
                page = self._read_log(after, want)
                if not page:
                    return
                if len(page) > want:
                    page = page[:want]
                last = page[-1].position
                if not last > after:
                    raise StorageError(f"{type(self).__name__}: read_all after {after} gave a row at position {last}")
                events = stored_rows(page, unreadable)
            except FengqiaoError:
                raise
            except Exception as exc:  # the back-end's, or rows that are not rows
                raise self._failed("read_all", exc) from exc
            yield from events
            after = last
            if remaining is not None:
                remaining -= len(events)
