"""``AsyncPostgresEventStore``: the PostgreSQL store on psycopg's asynchronous pool.

The same tables, layout and server-side function as
:class:`~fengqiao.storage.PostgresEventStore` (the two share a database, and either may
write while the other reads), and the same guarantees, awaited:

- an append is one call of ``fengqiao_append``, one statement in autocommit (one round
  trip), with the heads the store remembers from its loads and appends;
- ``read_all`` reads below the horizon, so a reader that remembers the last position it
  saw never skips an event;
- a store with (asynchronous) projectors takes the schema's appends lock exclusively for
  each append, so a projection sees every earlier append committed;
- a load is retried once on a connection found broken; an append whose connection broke
  finds out from the heads whether it committed.

``verify`` and ``digest`` read every row of the store in one snapshot: they run in a worker
thread, on a synchronous connection of their own opened with the same connection string
(and the pool's ``kwargs``), so the event loop is never held by an audit.

Needs the ``postgres`` extra (psycopg 3 and psycopg-pool).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Self, TypeVar

try:
    import psycopg
    from psycopg.rows import TupleRow, tuple_row
    from psycopg_pool import AsyncConnectionPool, ConnectionPool
except ModuleNotFoundError as exc:  # the postgres extra is not installed
    from fengqiao._extras import extra_error

    raise extra_error("AsyncPostgresEventStore", exc) from exc

from fengqiao.domain._checks import require_aware
from fengqiao.domain._quote import quote
from fengqiao.domain.clock import Clock
from fengqiao.errors import ConcurrencyConflict, FengqiaoError, StorageError, ValidationError
from fengqiao.lifecycle.cases import CaseEvent
from fengqiao.storage import postgres as sync
from fengqiao.storage._arguments import check_clock, check_count, check_projectors, check_seconds
from fengqiao.storage._chain import sealed_time
from fengqiao.storage._channel import events_channel
from fengqiao.storage._codec import projector_failed
from fengqiao.storage._loading import Unreadable, decode_stream, split_head, stored_page
from fengqiao.storage._migrations import LOG, Migration, latest, layout_version, migrated, pending, sealed_position
from fengqiao.storage._postgres_appends import NOTIFY_EVERY, LockFreeAppends, ReadHeads, _Broken, _check_size, _Refused
from fengqiao.storage._postgres_connection import _PROBE_TIMEOUT, MAX_POOL_SIZE, MAX_TIMEOUT, check_dsn, connect_failed
from fengqiao.storage._postgres_layout import (
    _APPEND,
    _BASE,
    _HEADS,
    _INSERT_EVENT,
    _LOAD,
    _LOCK,
    _NOTIFY,
    _READ_HEADS,
    _UPSERT_HEAD,
    lock_key,
)
from fengqiao.storage._requests import Tip, check_append, check_heads, check_lookup, check_many, check_page
from fengqiao.storage._sql import LayoutChecks
from fengqiao.storage._sql_dialect import META, PAGE, storage_error
from fengqiao.storage.aio.base import AsyncClosing, AsyncProjector
from fengqiao.storage.anchor import Anchor
from fengqiao.storage.base import Append, StoredEvent, VerificationReport
from fengqiao.storage.prepared import Item, Prepared, check_prepared, encode_rows, size

__all__ = ["AsyncPostgresEventStore"]

AsyncConnection = psycopg.AsyncConnection[Any]
_SQL = sync.PostgresEventStore.sql
_DRIVER = "PostgreSQL"
R = TypeVar("R")
T = TypeVar("T")


class AsyncPostgresEventStore(LockFreeAppends, LayoutChecks, AsyncClosing):
    """An event store in PostgreSQL for code on an event loop: open it with ``await`` :meth:`open`.

    ``async with`` closes it (and its pool, if it opened one). Every method is the
    synchronous store's, awaited; ``read_all`` and ``streams`` are asynchronous iterators.
    """

    def __init__(
        self,
        pool: AsyncConnectionPool[AsyncConnection],
        *,
        owns_pool: bool,
        projectors: tuple[AsyncProjector[AsyncConnection], ...],
        clock: Clock,
        notify: bool,
    ) -> None:
        """Not for direct use: :meth:`open` checks the arguments, connects and reads the layout."""
        self._pool = pool
        self._owns_pool = owns_pool
        self._projectors = projectors
        self._clock = clock
        self._notify = notify
        self._notified_at = -NOTIFY_EVERY
        self._closed = False
        self._heads_seen: OrderedDict[str, Tip] = OrderedDict()
        self._sealed_after = 0
        self.schema = ""
        self._where = "PostgreSQL"

    @classmethod
    async def open(
        cls,
        target: str | AsyncConnectionPool[AsyncConnection],
        /,
        *,
        projectors: Sequence[AsyncProjector[AsyncConnection]] = (),
        clock: Clock | None = None,
        upgrade: bool = True,
        max_size: int = 8,
        timeout: float = 10.0,
        notify: bool = True,
    ) -> Self:
        """Connect, read the layout (and create or migrate it, with ``upgrade``), return the open store.

        The arguments of :class:`~fengqiao.storage.PostgresEventStore`, with a
        ``psycopg_pool.AsyncConnectionPool`` (which you own and close) in place of a
        synchronous pool, and asynchronous projectors (:class:`~fengqiao.storage.aio.AsyncProjector`,
        given the ``psycopg.AsyncConnection``).

        Raises:
            ValidationError: a malformed argument, named; nothing was opened.
            StorageError: the database cannot be reached (the message says why), its layout
                version is unreadable, or its schema is newer than this fengqiao.
        """
        if not isinstance(target, str | AsyncConnectionPool):
            raise ValidationError(
                f"expected a connection string or a psycopg_pool.AsyncConnectionPool, got {type(target).__name__}",
                "target",
            )
        checked = check_projectors(projectors)
        when = check_clock(clock)
        size = check_count(max_size, "max_size", least=1, most=MAX_POOL_SIZE)
        wait = check_seconds(timeout, "timeout", zero=False, most=MAX_TIMEOUT)
        if not isinstance(notify, bool):
            raise ValidationError(f"expected True or False, got {quote(notify)}", "notify")
        if not isinstance(upgrade, bool):
            raise ValidationError(f"expected True or False, got {quote(upgrade)}", "upgrade")
        pool = await _open_pool(target, size, wait) if isinstance(target, str) else target
        store = cls(pool, owns_pool=isinstance(target, str), projectors=checked, clock=when, notify=notify)
        try:
            await store._start(upgrade=upgrade)
        except BaseException:
            await store.close()
            raise
        return store

    def __repr__(self) -> str:
        return f"AsyncPostgresEventStore(schema={self.schema!r})"

    @property
    def _migrations(self) -> tuple[Migration, ...]:
        """The PostgreSQL layout's history (:data:`fengqiao.storage.postgres.MIGRATIONS`)."""
        return sync.MIGRATIONS

    # -- the protocol ----------------------------------------------------------------------
    async def append(self, stream_id: str, events: Iterable[CaseEvent], *, expected_version: int) -> int:
        """Append ``events`` after ``expected_version`` in one transaction; return the new version.

        Raises:
            ConcurrencyConflict: the stream is not at ``expected_version``; nothing was stored.
            ValidationError: malformed arguments, or an event of another dispute.
            StorageError: the database failed (or a projector did); nothing was stored.
        """
        batch = check_append(stream_id, events, expected_version)
        item = Append(stream_id, batch, expected_version=expected_version)
        return (await self._append((item,), f"append to {stream_id}"))[0]

    async def append_many(self, appends: Iterable[Append], /) -> tuple[int, ...]:
        """Append to many streams in one transaction, all or nothing; return each stream's new version.

        Raises:
            ConcurrencyConflict: a stream is not at its ``expected_version`` (the first such in
                the batch is named); nothing was stored.
            ValidationError: a malformed item or a stream given twice (``appends[3].events[2]``).
            StorageError: the database failed (or a projector did); nothing was stored.
        """
        items = check_many(appends)
        return await self._append(items, f"append_many of {len(items)} streams")

    async def append_prepared(self, prepared: Iterable[Prepared], /) -> tuple[int, ...]:
        """Append prepared histories as new streams in one transaction.

        Raises:
            ConcurrencyConflict: a stream already exists; nothing was stored.
            ValidationError: a malformed item (``prepared[3].hashes[1]``); nothing was stored.
            StorageError: the database failed (or a projector did); nothing was stored.
        """
        items = check_prepared(prepared)
        return await self._append(items, f"append_prepared of {len(items)} streams")

    async def load(self, stream_id: str) -> tuple[CaseEvent, ...]:
        """Every event of ``stream_id`` in version order; empty if unknown (one round trip).

        Raises:
            BrokenStreamError: a version is missing or the hash chain does not hold.
            UnreadableEventError: a stored event is corrupt or of an unknown schema version.
            StorageError: the database failed (twice, on two connections).
        """
        check_lookup(stream_id)
        rows = await self._retried(f"load {stream_id}", _LOAD, (stream_id, stream_id), binary=True)
        events, head = split_head(rows)
        loaded = decode_stream(stream_id, events, head, utf8=True)
        if head is not None:
            self._remember(stream_id, head)
        return loaded

    def read_all(
        self, after: int = 0, limit: int | None = None, *, unreadable: Unreadable | None = None
    ) -> AsyncIterator[StoredEvent]:
        """Events after position ``after``, in position order, at most ``limit`` of them (below the horizon).

        Each row's hash is checked against its data; ``unreadable`` as in the synchronous
        store's ``read_all``.
        """
        check_page(after, limit)
        self._check()
        return self._read_all(after, limit, unreadable)

    def streams(self) -> AsyncIterator[str]:
        """Every stream id, in code-point order."""
        self._check()
        return self._streams()

    async def verify(self, stream_id: str | None = None, *, anchor: Anchor | None = None) -> VerificationReport:
        """Recompute the hash chains of one stream (or all) in one snapshot, in a worker thread.

        See :meth:`PostgresEventStore.verify <fengqiao.storage.PostgresEventStore.verify>`.
        """
        if stream_id is not None:
            check_lookup(stream_id)
        self._check()
        return await self._audit(functools.partial(_verify, stream_id=stream_id, anchor=anchor))

    async def digest(self, *, heads: bool = True) -> Anchor:
        """Hash every stream's head into an :class:`~fengqiao.storage.Anchor`, in a worker thread.

        See :meth:`PostgresEventStore.digest <fengqiao.storage.PostgresEventStore.digest>`.
        """
        self._check()
        return await self._audit(functools.partial(_digest, heads=heads))

    async def upgrade(self) -> int:
        """Create or migrate the tables, all pending steps in one transaction; return the version.

        Concurrent upgrades, synchronous or not, from any process, are serialised.

        Raises:
            StorageError: the database's schema is newer than this fengqiao knows.
        """
        self._ensure_open()
        migrations = self._migrations
        try:
            async with self._pool.connection() as conn, conn.transaction():
                cur = _cursor(conn)
                await cur.execute(_LOCK, (self._migrate_key,))
                await cur.execute(_LOCK, (self._append_key,))
                await cur.execute(META)
                steps = pending(migrations, await self._schema_version(cur), where=self._where)
                for migration in steps:
                    for statement in migration.statements:
                        await cur.execute(statement)
                    await cur.execute(_SQL.set_layout, (str(migration.version),))
                sealed_after = await self._read_sealed_after(cur)
        except psycopg.Error as exc:
            raise storage_error(_DRIVER, "upgrade", exc) from exc
        migrated(self._where, steps)
        self._latest = self._current = latest(migrations)
        self._sealed_after = sealed_after
        return self._current

    async def close(self) -> None:
        """Close the store (and its pool, if it opened one); further use raises ``StorageError``."""
        if not self._closed:
            self._closed = True
            if self._owns_pool:
                await self._pool.close()

    # -- opening ---------------------------------------------------------------------------
    async def _start(self, *, upgrade: bool) -> None:
        """Name the schema, read the layout; migrate it (``upgrade``) or take it as it is, refusing a newer one."""
        self._latest = latest(self._migrations)
        try:
            async with self._reading(check=False) as conn:
                cur = _cursor(conn)
                schema = await (await cur.execute("SELECT current_schema()")).fetchone()
                if schema is None or schema[0] is None:
                    raise StorageError("PostgreSQL: no schema on the search_path exists to hold the event tables")
                self.schema = schema[0]
                self._where = f"PostgreSQL schema {self.schema}"
                self._channel = events_channel(self.schema)
                self._append_key = lock_key("append", self.schema)
                self._migrate_key = lock_key("migrate", self.schema)
                current = await self._schema_version(cur)
                if not (upgrade and current != self._latest):
                    pending(self._migrations, current, where=self._where)  # refuses a newer schema
                    self._current = current
                    if current >= 2:
                        self._sealed_after = await self._read_sealed_after(cur)
                    LOG.info("opened %s (layout %d), asynchronously", self._where, current)
                    return
        except psycopg.Error as exc:
            raise storage_error(_DRIVER, "opening", exc) from exc
        await self.upgrade()
        LOG.info("opened %s (layout %d), asynchronously", self._where, self._current)

    async def _schema_version(self, cur: psycopg.AsyncCursor[TupleRow]) -> int:
        exists = await (await cur.execute(sync.PostgresEventStore.dialect.meta_exists)).fetchone()
        if not exists or not exists[0]:
            return 0
        row = await (await cur.execute(_SQL.layout)).fetchone()
        return layout_version(row[0] if row else None, where=self._where)

    async def _read_sealed_after(self, cur: psycopg.AsyncCursor[TupleRow]) -> int:
        row = await (await cur.execute(_SQL.sealed_after)).fetchone()
        return sealed_position(row[0] if row else None, where=self._where)

    # -- connections -----------------------------------------------------------------------
    def _ensure_open(self) -> None:
        if self._closed:
            raise StorageError("the PostgreSQL event store is closed")

    @asynccontextmanager
    async def _reading(self, *, check: bool = True) -> AsyncIterator[AsyncConnection]:
        """A connection in autocommit (a read is one round trip), its own setting put back after."""
        self._check(schema=check)
        async with self._pool.connection() as conn:
            before = conn.autocommit
            await conn.set_autocommit(True)
            try:
                yield conn
            finally:
                if not conn.closed:
                    await conn.set_autocommit(before)

    async def _retried(
        self, what: str, sql: str, params: Sequence[Any], *, binary: bool = False
    ) -> list[tuple[Any, ...]]:
        """Run a read (``binary``: rows in PostgreSQL's binary format); if its connection broke, once more."""
        for again in (False, True):
            try:
                async with self._reading() as conn:
                    cur = await _cursor(conn).execute(sql, params, binary=binary)
                    return await cur.fetchall()
            except psycopg.OperationalError as exc:
                if again:
                    raise storage_error(_DRIVER, what, exc) from exc
            except psycopg.Error as exc:
                raise storage_error(_DRIVER, what, exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def _read_all(
        self, after: int, limit: int | None, unreadable: Unreadable | None
    ) -> AsyncIterator[StoredEvent]:
        remaining = limit
        while remaining is None or remaining > 0:
            size = PAGE if remaining is None else min(PAGE, remaining)
            page = await self._retried("read_all", _SQL.page, (after, size))
            if not page:
                return
            events = stored_page(page, sync._recorded, unreadable, self._sealed_after)
            for event in events:
                yield event
            after = page[-1][0]
            if remaining is not None:
                remaining -= len(events)

    async def _streams(self) -> AsyncIterator[str]:
        last = ""
        while True:
            page = await self._retried("streams", _SQL.streams, (last, PAGE))
            if not page:
                return
            for (stream_id,) in page:
                yield stream_id
            last = page[-1][0]

    async def _audit(self, run: Callable[[sync.PostgresEventStore], R]) -> R:
        """``run(store)`` on a synchronous store with one connection like the pool's, in a worker thread."""
        conninfo = await _resolved(self._pool.conninfo)
        given = self._pool.kwargs
        kwargs: dict[str, Any] = {} if given is None else dict(await _resolved(given))
        clock = self._clock

        def audit() -> R:
            with (
                ConnectionPool(
                    conninfo, kwargs=kwargs, min_size=1, max_size=1, open=False, name="fengqiao-audit"
                ) as pool,
                sync.PostgresEventStore(pool, clock=clock, upgrade=False, notify=False) as store,
            ):
                return run(store)

        try:
            return await asyncio.to_thread(audit)
        except FengqiaoError:
            raise
        except psycopg.Error as exc:
            raise storage_error(_DRIVER, "an audit", exc) from exc

    # -- appending -------------------------------------------------------------------------
    async def _append(self, items: tuple[Item, ...], what: str) -> tuple[int, ...]:
        """One call of ``fengqiao_append`` (one round trip); with projectors, the locked path."""
        self._check()
        if self._projectors:
            heads = await self._locked(items, what)
            await self._notified(what)
            return tuple(heads[item.stream_id][0] for item in items)
        steps = self._appending(items, what)
        reply: Any = None
        failed: Exception | None = None
        while True:
            try:
                step = steps.send(reply) if failed is None else steps.throw(failed)
            except StopIteration as done:
                versions: tuple[int, ...] = done.value
                return versions
            reply, failed = None, None
            try:
                if isinstance(step, ReadHeads):
                    reply = await self._read_heads(step.stream_ids, what)
                else:
                    await self._call(step.arguments, what)
            except (_Refused, _Broken) as exc:
                failed = exc

    async def _call(self, arguments: tuple[Any, ...], what: str) -> None:
        """The call of ``fengqiao_append`` as one statement in autocommit, then (rate-limited) the notification."""
        notify = self._notifying()
        try:
            async with self._pool.connection() as conn:
                before = conn.autocommit
                await conn.set_autocommit(True)
                try:
                    await conn.execute(_APPEND, arguments)
                    if notify:
                        await conn.execute(self._quiet_notify)
                finally:
                    if not conn.closed:
                        await conn.set_autocommit(before)
        except psycopg.Error as exc:
            raise self._append_failed(exc, what) from exc

    async def _locked(self, items: tuple[Item, ...], what: str) -> dict[str, Tip]:
        """The append with projectors: the appends lock held exclusively through insert, projection and commit."""
        try:
            async with self._pool.connection() as conn, conn.transaction():
                cur = _cursor(conn)
                await cur.execute(_LOCK, (self._append_key,))
                found = await (await cur.execute(_HEADS, ([item.stream_id for item in items],))).fetchall()
                self._check_layout(found[0][0] if found else None)
                heads = check_heads(items, {sid: (v, digest) for _, sid, v, digest in found if sid is not None})
                if not any(size(item) for item in items):
                    return heads
                at = require_aware(self._clock.now(), "clock.now()")
                rows, count, records, after = encode_rows(items, heads, sealed_time(at), at, keep=True)
                _check_size(count)
                base = (await (await cur.execute(_BASE)).fetchall())[0][0]
                positions = range(base + 1, base + count + 1)
                try:
                    await cur.executemany(_INSERT_EVENT, [(p, *row) for p, row in zip(positions, rows, strict=True)])
                except psycopg.errors.UniqueViolation as exc:  # only if someone wrote around the lock
                    first = items[0]
                    raise ConcurrencyConflict(
                        first.stream_id, first.expected_version, first.expected_version + 1
                    ) from exc
                await cur.executemany(_UPSERT_HEAD, [(sid, *head) for sid, head in after.items()])
                stored = tuple(r.stored(p, at) for r, p in zip(records, positions, strict=True))
                for project in self._projectors:
                    try:
                        await project(conn, stored)
                    except FengqiaoError:
                        raise
                    except Exception as exc:
                        raise projector_failed(project, stored, exc) from exc
        except psycopg.Error as exc:
            raise storage_error(_DRIVER, what, exc) from exc
        for sid, head in after.items():
            self._remember(sid, head)
        return heads | after

    async def _notified(self, what: str) -> None:
        if self._notify:
            await self._retried(what, _NOTIFY, (self._channel,))

    async def _read_heads(self, stream_ids: list[str], what: str) -> dict[str, Tip]:
        return {sid: (v, digest) for sid, v, digest in await self._retried(what, _READ_HEADS, (stream_ids,))}


def _verify(store: sync.PostgresEventStore, *, stream_id: str | None, anchor: Anchor | None) -> VerificationReport:
    return store.verify(stream_id, anchor=anchor)


def _digest(store: sync.PostgresEventStore, *, heads: bool) -> Anchor:
    return store.digest(heads=heads)


async def _resolved(value: T | Callable[[], T] | Callable[[], Awaitable[T]]) -> T:
    """A pool's ``conninfo`` or ``kwargs``: as given, or what the function given for it returns."""
    if not callable(value):
        return value
    made = value()
    return await made if inspect.isawaitable(made) else made


def _cursor(conn: AsyncConnection) -> psycopg.AsyncCursor[TupleRow]:
    """A cursor giving tuples, whatever row factory the pool's connections use."""
    return conn.cursor(row_factory=tuple_row)


async def _open_pool(dsn: str, size: int, timeout: float) -> AsyncConnectionPool[AsyncConnection]:
    """An asynchronous pool on ``dsn``, open with one connection made (see the synchronous store's)."""
    check_dsn(dsn)
    pool: AsyncConnectionPool[AsyncConnection] = AsyncConnectionPool(
        dsn, min_size=1, max_size=size, timeout=timeout, open=False, name="fengqiao"
    )
    try:
        await pool.open(wait=True, timeout=timeout)
    except psycopg.Error as exc:
        await pool.close()
        try:
            probe = await psycopg.AsyncConnection.connect(
                dsn, connect_timeout=max(2, min(round(timeout), _PROBE_TIMEOUT))
            )
            await probe.close()
        except psycopg.Error as cause:
            raise connect_failed(cause) from cause
        raise connect_failed(exc) from exc
    return pool
