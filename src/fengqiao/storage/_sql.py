"""The one skeleton of the SQL event stores; a back-end adds only its dialect.

Private: :class:`SQLEventStore` holds the protocol surface every SQL store shares (argument
checks, paging, ``verify``, ``digest``, migrations, the layout check, opening, closing, error
wrapping and the append's encode-and-project step) over the tables both layouts name alike
(``fengqiao_events``, ``fengqiao_streams``, ``fengqiao_meta``). A back-end
(:mod:`fengqiao.storage.sqlite`, :mod:`fengqiao.storage.postgres`) subclasses it and
supplies its :class:`StoreDialect` (driver, placeholder, time columns) and the hooks below
(connections and transactions, locking, head reads, the insert). Only the store back-ends
may import this module; what the databases differ in is :mod:`fengqiao.storage._sql_dialect`.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, ClassVar, Generic, Self, TypeVar

from fengqiao.domain._checks import require_aware
from fengqiao.domain.clock import Clock
from fengqiao.lifecycle.cases import CaseEvent
from fengqiao.storage._audit import audit
from fengqiao.storage._chain import sealed_time
from fengqiao.storage._codec import project_all
from fengqiao.storage._loading import Unreadable, decode_stream, split_head, stored_page
from fengqiao.storage._migrations import (
    LOG,
    Migration,
    latest,
    layout_changed,
    layout_version,
    migrated,
    pending,
    require_current,
    sealed_position,
)
from fengqiao.storage._requests import Tip, check_append, check_lookup, check_many, check_page
from fengqiao.storage._sql_dialect import META, PAGE, Statements, StoreDialect, driver_errors, statements, storage_error
from fengqiao.storage.anchor import Anchor, seal
from fengqiao.storage.base import Append, Head, Projector, Row, StoredEvent, VerificationReport
from fengqiao.storage.prepared import Item, Prepared, check_prepared, encode_rows, size

__all__ = ["Batch", "LayoutChecks", "SQLEventStore"]

C = TypeVar("C")


Batch = tuple[tuple[Item, ...], dict[str, Tip], dict[str, Tip], Iterable[tuple[object, ...]], int]
"""What one append writes: its items, each stream's head before and after, the event rows and how many.

A plain tuple, not a ``NamedTuple``: made once per append, on the hot path.
"""


class LayoutChecks:
    """The layout checks every SQL store makes, synchronous or not: open, and writing the layout it opened."""

    _where: str
    """The database as messages name it (``SQLite database station.db``)."""
    _current: int = 0
    _latest: int = 0
    """The layout version this fengqiao writes, from :attr:`_migrations` when the store opened."""

    @property
    def _migrations(self) -> tuple[Migration, ...]:  # pragma: no cover - every store has its own
        raise NotImplementedError

    def _ensure_open(self) -> None:  # pragma: no cover - every store has its own
        raise NotImplementedError

    def _check(self, *, schema: bool = True) -> None:
        """Refuse to work closed, or (``schema``) on a layout that is not the one this fengqiao writes."""
        self._ensure_open()
        if schema and self._current != self._latest:
            require_current(self._migrations, self._current, where=self._where)

    def _check_layout(self, stored: object) -> None:
        """Refuse to write if the layout is no longer the one this store opened (another process upgraded it).

        ``stored``: the ``schema_version`` cell, read in the write transaction (``None``: no row).
        """
        if stored == str(self._current):
            return
        found = layout_version(stored, where=self._where)
        if found != self._current:
            opened, self._current = self._current, found  # every later operation refuses too
            raise layout_changed(opened, found, latest(self._migrations), where=self._where)


class SQLEventStore(LayoutChecks, abc.ABC, Generic[C]):
    """The :class:`~fengqiao.storage.EventStore` protocol over SQL tables; ``C`` is the driver's connection.

    A back-end sets :attr:`dialect`, calls :meth:`_start` at the end of its ``__init__`` and
    implements the abstract hooks.
    """

    dialect: ClassVar[StoreDialect]
    sql: ClassVar[Statements]

    _projectors: tuple[Projector[C], ...]
    _clock: Clock
    _where: str
    """The database as messages name it (``SQLite database station.db``)."""
    _opening: str
    """What a failure while opening says was being done (``opening station.db``)."""
    _current: int = 0
    _sealed_after: int = 0
    _latest: int = 0
    """The layout version this fengqiao writes, from :attr:`_migrations` when the store opened."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "dialect" in cls.__dict__:
            cls.sql = statements(cls.dialect.mark)

    # -- hooks -----------------------------------------------------------------------------
    @property
    @abc.abstractmethod
    def _migrations(self) -> tuple[Migration, ...]:
        """The layout's history (read from the back-end's module, so a test may replace it)."""

    @abc.abstractmethod
    def _ensure_open(self) -> None:
        """Raise ``StorageError`` if the store is closed."""

    @abc.abstractmethod
    def _read(self, *, check: bool = True) -> AbstractContextManager[C]:
        """A connection for one read; ``check``: refuse an outdated layout (:meth:`_check`)."""

    @abc.abstractmethod
    def _snapshot(self, *, settled: bool = False) -> AbstractContextManager[C]:
        """A read transaction seeing one snapshot, for ``verify`` and ``digest``.

        ``settled`` (``digest``): no append is half way when the snapshot is taken, so no event
        can commit later at a position the snapshot's highest covers.
        """

    @abc.abstractmethod
    def _transaction(self, *, check: bool = True, migrate: bool = False) -> AbstractContextManager[C]:
        """A write transaction, committed on exit and rolled back on any error (also a failed commit).

        ``migrate``: for :meth:`upgrade`, serialised against other upgrades and every append.
        """

    @abc.abstractmethod
    def _fetch(self, conn: C, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run ``sql`` and return its rows (none for a statement without)."""

    @abc.abstractmethod
    def _scan(self, conn: C, name: str, sql: str, params: Sequence[Any] = ()) -> AbstractContextManager[Iterable[Any]]:
        """The rows of a query in a snapshot, fetched as they are consumed (``name``: a cursor's, if it needs one)."""

    @abc.abstractmethod
    def _heads(self, conn: C, items: tuple[Item, ...], *, trust: bool) -> dict[str, Tip]:
        """Lock as appends need, check the layout (:meth:`_check_layout`), return each item's checked head.

        Raises:
            ConcurrencyConflict: a stream is not at its expected version.
            StaleHeads: with ``trust``, a head the back-end assumed was wrong.
        """

    @abc.abstractmethod
    def _insert(self, conn: C, batch: Batch, *, trust: bool) -> Sequence[int]:
        """Insert the batch's rows and move its heads; return the rows' positions, in order.

        Raises:
            ConcurrencyConflict: a row or head was written meanwhile (around the library).
            StaleHeads: with ``trust``, a head the back-end assumed was wrong.
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Close the store; further use raises ``StorageError``."""

    # -- the protocol ----------------------------------------------------------------------
    def append(self, stream_id: str, events: Iterable[CaseEvent], *, expected_version: int) -> int:
        """Append ``events`` after ``expected_version`` in one transaction; return the new version.

        Raises:
            ConcurrencyConflict: the stream is not at ``expected_version``; nothing was stored.
            ValidationError: malformed arguments, or an event of another dispute.
            StorageError: the database failed (or a projector's SQL did); nothing was stored.
        """
        batch = check_append(stream_id, events, expected_version)
        item = Append(stream_id, batch, expected_version=expected_version)
        return self._append((item,), f"append to {stream_id}")[0]

    def append_many(self, appends: Iterable[Append], /) -> tuple[int, ...]:
        """Append to many streams in one transaction, all or nothing; return each stream's new version.

        The whole batch is a handful of statements (``executemany``), however many streams and
        events it holds; the events and hashes are those one ``append`` per stream would store.

        Raises:
            ConcurrencyConflict: a stream is not at its ``expected_version`` (the first such in
                the batch is named); nothing was stored.
            ValidationError: a malformed item or a stream given twice (``appends[3].events[2]``).
            StorageError: the database failed (or a projector's SQL did); nothing was stored.
        """
        items = check_many(appends)
        return self._append(items, f"append_many of {len(items)} streams")

    def append_prepared(self, prepared: Iterable[Prepared], /) -> tuple[int, ...]:
        """Append prepared histories as new streams in one transaction (see ``EventStore.append_prepared``).

        Raises:
            ConcurrencyConflict: a stream already exists; nothing was stored.
            ValidationError: a malformed item (``prepared[3].hashes[1]``); nothing was stored.
            StorageError: the database failed (or a projector's SQL did); nothing was stored.
        """
        items = check_prepared(prepared)
        return self._append(items, f"append_prepared of {len(items)} streams")

    def load(self, stream_id: str) -> tuple[CaseEvent, ...]:
        """Every event of ``stream_id`` in version order; empty if unknown.

        Raises:
            BrokenStreamError: a version is missing or the hash chain does not hold.
            UnreadableEventError: a stored event is corrupt or of an unknown schema version.
        """
        check_lookup(stream_id)
        try:  # not self._errors(): a generator per load costs more than the query's Python side
            with self._read() as conn:
                rows = self._fetch(conn, self.sql.load, (stream_id, stream_id))
        except self.dialect.error as exc:
            raise storage_error(self.dialect.driver, f"load {stream_id}", exc) from exc
        return decode_stream(stream_id, *split_head(rows))

    def read_all(
        self, after: int = 0, limit: int | None = None, *, unreadable: Unreadable | None = None
    ) -> Iterator[StoredEvent]:
        """Events after position ``after``, in position order, at most ``limit`` of them.

        Each row's hash is checked against its data. A row that cannot be read raises
        :class:`~fengqiao.errors.UnreadableEventError` (or ``BrokenStreamError``), unless
        ``unreadable`` is given: then the error is passed to it, the row is skipped (``limit``
        counts the events given) and reading goes on, as a rebuild needs.
        """
        check_page(after, limit)
        self._check()  # fail now, not at the first next(), if the store is closed
        return self._read_all(after, limit, unreadable)

    def streams(self) -> Iterator[str]:
        """Every stream id, in code-point order."""
        self._check()  # fail now, not at the first next(), if the store is closed
        return self._streams()

    def verify(self, stream_id: str | None = None, *, anchor: Anchor | None = None) -> VerificationReport:
        """Recompute the hash chains of one stream (or all) in one snapshot; report every problem.

        With ``anchor``, also name every stream deleted, cut, rewritten or forged since it
        was taken (see :mod:`fengqiao.storage.anchor`).
        """
        if stream_id is not None:
            check_lookup(stream_id)
        sql, args = self.sql, () if stream_id is None else (stream_id,)
        rows, heads = (sql.rows, sql.heads) if stream_id is None else (sql.rows_of, sql.heads_of)
        with (
            self._errors("verify"),
            self._snapshot() as conn,
            self._scan(conn, "fengqiao_verify_rows", rows, args) as found,
            self._scan(conn, "fengqiao_verify_heads", heads, args) as tips,
        ):
            return audit(
                anchor, (Row(*r) for r in found), (Head(*h) for h in tips), stream_id, sealed_after=self._sealed_after
            )

    def digest(self, *, heads: bool = True) -> Anchor:
        """Hash every stream's head into an :class:`~fengqiao.storage.Anchor`, in one snapshot.

        One pass over the heads table in key order (``heads``: keep them to name streams).
        """
        with self._errors("digest"), self._snapshot(settled=True) as conn:
            position = self._fetch(conn, self.sql.position)[0][0]
            with self._scan(conn, "fengqiao_digest", self.sql.heads) as tips:
                at = require_aware(self._clock.now(), "clock.now()")
                return seal(tips, position=position, created_at=at, keep=heads)

    def upgrade(self) -> int:
        """Create or migrate the tables, all pending steps in one transaction; return the version.

        Concurrent upgrades (from this and other processes) are serialised.

        Raises:
            StorageError: the database's schema is newer than this fengqiao knows.
        """
        migrations = self._migrations
        with self._errors("upgrade"), self._transaction(check=False, migrate=True) as conn:
            self._fetch(conn, META)
            steps = pending(migrations, self._schema_version(conn), where=self._where)
            for migration in steps:
                for statement in migration.statements:
                    self._fetch(conn, statement)
                self._fetch(conn, self.sql.set_layout, (str(migration.version),))
            sealed_after = self._read_sealed_after(conn)
        migrated(self._where, steps)
        self._latest = self._current = latest(migrations)
        self._sealed_after = sealed_after
        return self._current

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- the shared internals --------------------------------------------------------------
    def _start(self, *, upgrade: bool) -> None:
        """Read the layout version on opening; migrate it (``upgrade``) or take it as it is, refusing a newer one."""
        self._latest = latest(self._migrations)
        with self._errors(self._opening), self._read(check=False) as conn:
            current = self._schema_version(conn)
            if not (upgrade and current != self._latest):
                pending(self._migrations, current, where=self._where)  # refuses a newer schema
                self._current = current
                if current >= 2:
                    self._sealed_after = self._read_sealed_after(conn)
                LOG.info("opened %s (layout %d)", self._where, current)
                return
        self.upgrade()
        LOG.info("opened %s (layout %d)", self._where, self._current)

    def _append(self, items: tuple[Item, ...], what: str) -> tuple[int, ...]:
        heads = self._commit(items, what, trust=False)
        return tuple(heads[item.stream_id][0] for item in items)

    def _commit(self, items: tuple[Item, ...], what: str, *, trust: bool) -> dict[str, Tip]:
        """Write ``items`` in one transaction; return each stream's head after it."""
        with driver_errors(self.dialect.driver, self.dialect.error, what), self._transaction() as conn:
            heads = self._heads(conn, items, trust=trust)
            if not any(size(item) for item in items):
                return heads
            at = require_aware(self._clock.now(), "clock.now()")
            stamp = sealed_time(at)
            rows, count, records, after = encode_rows(
                items, heads, stamp, self.dialect.timestamp(at, stamp), keep=bool(self._projectors)
            )
            positions = self._insert(conn, (items, heads, after, rows, count), trust=trust)
            if self._projectors:
                stored = tuple(r.stored(p, at) for r, p in zip(records, positions, strict=True))
                project_all(self._projectors, conn, stored)
            return heads | after

    def _read_all(self, after: int, limit: int | None, unreadable: Unreadable | None) -> Iterator[StoredEvent]:
        remaining = limit
        while remaining is None or remaining > 0:
            size = PAGE if remaining is None else min(PAGE, remaining)
            with self._errors("read_all"), self._read() as conn:
                page = self._fetch(conn, self.sql.page, (after, size))
            if not page:
                return
            events = stored_page(page, self.dialect.recorded, unreadable, self._sealed_after)
            yield from events
            after = page[-1][0]
            if remaining is not None:
                remaining -= len(events)

    def _streams(self) -> Iterator[str]:
        last = ""
        while True:
            with self._errors("streams"), self._read() as conn:
                page = self._fetch(conn, self.sql.streams, (last, PAGE))
            if not page:
                return
            for (stream_id,) in page:
                yield stream_id
            last = page[-1][0]

    def _errors(self, what: str) -> AbstractContextManager[None]:
        return driver_errors(self.dialect.driver, self.dialect.error, what)

    def _schema_version(self, conn: C) -> int:
        exists = self._fetch(conn, self.dialect.meta_exists)
        if not exists or not exists[0][0]:
            return 0
        row = self._fetch(conn, self.sql.layout)
        return layout_version(row[0][0] if row else None, where=self._where)

    def _read_sealed_after(self, conn: C) -> int:
        row = self._fetch(conn, self.sql.sealed_after)
        return sealed_position(row[0][0] if row else None, where=self._where)
