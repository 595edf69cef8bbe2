"""``PostgresEventStore``: one city or province database that many stations write to.

Needs the ``postgres`` extra (``pip install fengqiao[postgres]``: psycopg 3 and
psycopg-pool); ``import fengqiao`` works without it.

How appends scale and stay correct with many writers (layout 3):

- **One round trip, no global lock held across a commit.** An append is one call of the
  server-side function ``fengqiao_append`` (created by the layout), sent as one statement
  in autocommit, so it is its own transaction (no ``BEGIN``, no ``COMMIT``): it moves each
  stream's head only if it is still at the expected version and hash (``UPDATE … WHERE
  version = expected``; a new stream's head is inserted, ``ON CONFLICT DO NOTHING``) and
  inserts every event from arrays (sent as array literals, cheap for the client). Writers
  to different streams never wait for each other, so their commits share WAL flushes (group
  commit). A stale writer gets :class:`~fengqiao.errors.ConcurrencyConflict`; the
  ``UNIQUE (stream_id, version)`` constraint backs this up.
- **The hash chain needs each stream's head**: the store remembers the heads it loaded and
  appended (a bounded cache); a stream it has not seen is read first (one more round trip).
- **Positions follow transaction ids.** An event's position is its transaction's id
  (``pg_current_xact_id()``) times 2**20 plus its place in the transaction, so positions
  increase with the order in which transactions took their ids, not the order in which they
  commit. ``read_all`` therefore reads only below the **horizon**: the oldest transaction
  still running (``pg_snapshot_xmin`` of its snapshot), times 2**20. Every transaction below
  it has ended, so nothing can appear later with a smaller position: a reader that remembers
  the last position it saw never skips an event. The price: one long-running writing
  transaction anywhere in the cluster holds the horizon back (readers lag; nothing is lost).
  An append holds at most 2**20 − 1 events.
- **Projectors run one append at a time.** A store with projectors (an in-transaction
  ledger) takes the schema's advisory lock exclusively for the whole append — reads the
  heads, inserts, projects, commits — while lock-free appends take it shared for the instant
  of their call: a projector sees every earlier append committed and none in flight, as its
  catch-up needs. The lock key is derived from the schema, so two fengqiao schemas in one
  database do not wait for each other.
- **A load is one statement, one round trip**: the stream's head and its events from one
  snapshot, each event's data sent as its UTF-8 bytes (``convert_to``, in the binary format):
  the bytes the hash chain covers and the JSON parser reads, with no text made of them in
  between. Every row's hash is checked before its event is built. Reads and appends run on
  a cursor each pooled connection keeps, and the store's own pool opens its connections in
  autocommit, so neither costs a switch.
- **No ping per checkout.** A connection that broke is found when it is used: a load is
  retried once on a fresh connection; an append whose connection broke finds out whether it
  committed (by the heads) and is retried once if it did not.
- Rolled-back appends and positions leave gaps; readers must not expect ``p + 1``.

Event data is kept as ``text``, not ``jsonb``: the hash chain needs the exact bytes written
(cast ``data::jsonb`` to query inside events).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

try:
    import psycopg
    from psycopg.rows import TupleRow, tuple_row
    from psycopg_pool import ConnectionPool
except ModuleNotFoundError as exc:  # the postgres extra is not installed
    from fengqiao._extras import extra_error

    raise extra_error("PostgresEventStore", exc) from exc

from fengqiao.domain._quote import quote
from fengqiao.domain.clock import Clock
from fengqiao.errors import ConcurrencyConflict, StorageError, ValidationError
from fengqiao.lifecycle.cases import CaseEvent
from fengqiao.storage._arguments import check_clock, check_count, check_projectors, check_seconds
from fengqiao.storage._channel import events_channel
from fengqiao.storage._loading import decode_stream, split_head
from fengqiao.storage._migrations import Migration
from fengqiao.storage._postgres_appends import HEAD_CACHE as HEAD_CACHE
from fengqiao.storage._postgres_appends import NOTIFY_EVERY as NOTIFY_EVERY
from fengqiao.storage._postgres_appends import (
    CallAppend,
    LockFreeAppends,
    ReadHeads,
    _Broken,
    _check_size,
    _Refused,
)
from fengqiao.storage._postgres_connection import MAX_POOL_SIZE as MAX_POOL_SIZE
from fengqiao.storage._postgres_connection import MAX_TIMEOUT as MAX_TIMEOUT
from fengqiao.storage._postgres_connection import (
    Connection,
    _Autocommit,
    _cursor,
    _one,
    _open_pool,
    check_dsn,
    connect_failed,
)
from fengqiao.storage._postgres_layout import _APPEND as _APPEND
from fengqiao.storage._postgres_layout import (
    _BASE,
    _HEADS,
    _INSERT_EVENT,
    _LOAD,
    _LOCK,
    _NOTIFY,
    _PAGE,
    _READ_HEADS,
    _UPSERT_HEAD,
    MIGRATIONS,
    lock_key,
)
from fengqiao.storage._postgres_layout import PER_TRANSACTION as PER_TRANSACTION
from fengqiao.storage._requests import Tip, check_heads, check_lookup
from fengqiao.storage._sql import Batch, SQLEventStore
from fengqiao.storage._sql_dialect import StoreDialect, storage_error
from fengqiao.storage.base import Projector
from fengqiao.storage.prepared import Item

__all__ = [
    "MIGRATIONS",
    "CallAppend",
    "LockFreeAppends",
    "PostgresEventStore",
    "ReadHeads",
    "check_dsn",
    "connect_failed",
    "lock_key",
]
# Re-exported too (`name as name` above): the limits MAX_POOL_SIZE, MAX_TIMEOUT, PER_TRANSACTION, HEAD_CACHE and
# NOTIFY_EVERY, documented on this module's page, and _APPEND, which tests call to play a writer.


def _recorded(value: object) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a timestamp, got {type(value).__name__}")
    return value


def _same(at: datetime, text: str) -> datetime:  # timestamptz takes the time itself
    return at


class PostgresEventStore(LockFreeAppends, SQLEventStore[Connection]):
    """An event store in PostgreSQL, shared by many processes and stations.

    Args:
        target: a connection string (the store opens and owns a pool) or a
            ``psycopg_pool.ConnectionPool`` you own (it is not closed by :meth:`close`).
            The tables go to the first schema on the connections' ``search_path``.
        projectors: run inside each append's transaction with the ``psycopg.Connection``.
        clock: gives ``recorded_at``; the system clock by default.
        upgrade: create or migrate the tables on opening. With ``False``, an outdated
            database opens but refuses every operation until :meth:`upgrade` is called.
        max_size: the most connections the store's own pool opens (1 to ``MAX_POOL_SIZE``).
        timeout: seconds to wait for a connection, on opening and from the pool (more than
            0, up to ``MAX_TIMEOUT``).
        notify: after an append, ``NOTIFY`` the schema's events channel
            (``fengqiao_events_<schema>``), which followers listen on (see
            :mod:`fengqiao.ledger.follow`) — at most every :data:`NOTIFY_EVERY` seconds, so
            the last appends of a burst may wait for a follower's next poll; followers poll
            as well, so ``False`` only delays them.

    Raises:
        ValidationError: a malformed argument, named: ``target`` neither a pool nor a connection
            string (a malformed string is found at once, without waiting), ``max_size="x"``,
            ``timeout=-1``, a ``clock`` without ``now()``. Nothing was opened.
        StorageError: the database cannot be reached (the message says why), its layout
            version is unreadable, or its schema is newer than this fengqiao.
    """

    dialect = StoreDialect(
        driver="PostgreSQL",
        error=psycopg.Error,
        mark="%s",
        meta_exists="SELECT to_regclass('fengqiao_meta') IS NOT NULL",
        timestamp=_same,
        recorded=_recorded,
    )

    def __init__(
        self,
        target: str | ConnectionPool[Connection],
        /,
        *,
        projectors: Sequence[Projector[Connection]] = (),
        clock: Clock | None = None,
        upgrade: bool = True,
        max_size: int = 8,
        timeout: float = 10.0,
        notify: bool = True,
    ) -> None:
        if not isinstance(target, str | ConnectionPool):
            raise ValidationError(
                f"expected a connection string or a psycopg_pool.ConnectionPool, got {type(target).__name__}", "target"
            )
        self._projectors = check_projectors(projectors)
        self._clock = check_clock(clock)
        size = check_count(max_size, "max_size", least=1, most=MAX_POOL_SIZE)
        wait = check_seconds(timeout, "timeout", zero=False, most=MAX_TIMEOUT)
        self._closed = False
        self._heads_seen: OrderedDict[str, Tip] = OrderedDict()
        self._cursors: dict[Connection, psycopg.Cursor[TupleRow]] = {}
        if not isinstance(notify, bool):
            raise ValidationError(f"expected True or False, got {quote(notify)}", "notify")
        self._notify = notify
        self._notified_at = -NOTIFY_EVERY
        self._opening = "opening"
        self._owns_pool = isinstance(target, str)
        self._pool = _open_pool(target, size, wait) if isinstance(target, str) else target
        try:
            with self._errors("opening"), self._pool.connection() as conn:
                schema = _cursor(conn).execute("SELECT current_schema()").fetchone()
            if schema is None or schema[0] is None:
                raise StorageError("PostgreSQL: no schema on the search_path exists to hold the event tables")
            self.schema: str = schema[0]
            self._where = f"PostgreSQL schema {self.schema}"
            self._channel = events_channel(self.schema)
            self._append_key = lock_key("append", self.schema)
            self._migrate_key = lock_key("migrate", self.schema)
            self._start(upgrade=upgrade)
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"PostgresEventStore(schema={getattr(self, 'schema', '?')!r})"

    @property
    def _migrations(self) -> tuple[Migration, ...]:
        """The PostgreSQL layout's history, :data:`MIGRATIONS`."""
        return MIGRATIONS

    def close(self) -> None:
        """Close the store (and its pool, if it opened one); further use raises ``StorageError``."""
        if not self._closed:
            self._closed = True
            self._cursors.clear()
            if self._owns_pool:
                self._pool.close()

    # -- the dialect -----------------------------------------------------------------------
    def _ensure_open(self) -> None:
        if self._closed:
            raise StorageError("the PostgreSQL event store is closed")

    def _read(self, *, check: bool = True) -> _Autocommit:
        """A connection for single-statement reads: autocommit, so a read is one round trip (no BEGIN, no COMMIT)."""
        self._check(schema=check)
        return _Autocommit(self._pool)

    @contextmanager
    def _snapshot(self, *, settled: bool = False) -> Iterator[Connection]:
        """One snapshot; ``settled``: taken with no append in flight (appends wait while it lasts).

        Every append writes the heads and the events tables, so ``SHARE`` locks on both wait
        for those in flight and hold off new ones; ``LOCK TABLE`` takes no snapshot, so the
        snapshot (taken by the first query after it) sees every one of them committed.
        """
        with self._begun() as conn:
            if settled:  # not READ ONLY: such a transaction may not take SHARE locks
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                conn.execute("LOCK TABLE fengqiao_streams, fengqiao_events IN SHARE MODE")
            else:
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield conn

    @contextmanager
    def _begun(self, *, check: bool = True) -> Iterator[Connection]:
        self._check(schema=check)
        with self._pool.connection() as conn, conn.transaction():
            yield conn

    @contextmanager
    def _transaction(self, *, check: bool = True, migrate: bool = False) -> Iterator[Connection]:
        with self._begun(check=check) as conn:
            if migrate:
                cur = _cursor(conn)
                cur.execute(_LOCK, (self._migrate_key,))
                # and the appends' lock: no append is half way while the layout changes, and the
                # next one reads the new version (see _heads)
                cur.execute(_LOCK, (self._append_key,))
            yield conn

    def _fetch(self, conn: Connection, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cur = _cursor(conn).execute(sql, params or None)
        return cur.fetchall() if cur.description is not None else []

    @contextmanager
    def _scan(self, conn: Connection, name: str, sql: str, params: Sequence[Any] = ()) -> Iterator[Iterable[Any]]:
        with conn.cursor(name, row_factory=tuple_row) as cursor:
            cursor.itersize = 2000
            cursor.execute(sql, params or None)
            yield cursor

    def _heads(self, conn: Connection, items: tuple[Item, ...], *, trust: bool) -> dict[str, Tip]:
        """Take the appends' lock exclusively (held to commit: no append in flight), read the heads and the layout."""
        cur = _cursor(conn)
        cur.execute(_LOCK, (self._append_key,))
        found = cur.execute(_HEADS, ([item.stream_id for item in items],)).fetchall()
        self._check_layout(found[0][0] if found else None)
        return check_heads(items, {sid: (v, digest) for _, sid, v, digest in found if sid is not None})

    def _insert(self, conn: Connection, batch: Batch, *, trust: bool) -> list[int]:
        """Insert the events at the transaction's positions (pipelined ``executemany``), then upsert the heads."""
        items, _, after, rows, count = batch
        _check_size(count)
        cur = _cursor(conn)
        base = _one(cur.execute(_BASE))[0]
        positions = list(range(base + 1, base + count + 1))
        try:
            cur.executemany(_INSERT_EVENT, [(p, *row) for p, row in zip(positions, rows, strict=True)])
        except psycopg.errors.UniqueViolation as exc:  # only if someone wrote around the lock
            first = items[0]  # the aborted transaction cannot say which stream; the first is the usual one
            raise ConcurrencyConflict(first.stream_id, first.expected_version, first.expected_version + 1) from exc
        cur.executemany(_UPSERT_HEAD, [(sid, *head) for sid, head in after.items()])
        return positions

    # -- the lock-free append ----------------------------------------------------------------
    def load(self, stream_id: str) -> tuple[CaseEvent, ...]:
        """Every event of ``stream_id`` in version order; empty if unknown (see ``EventStore.load``).

        One round trip; the stream's head is remembered for the next append. A connection
        found broken is replaced and the load tried once more.
        """
        check_lookup(stream_id)
        rows = self._retried(f"load {stream_id}", _LOAD, (stream_id, stream_id), binary=True)
        events, head = split_head(rows)
        loaded = decode_stream(stream_id, events, head, utf8=True)
        if head is not None:
            self._remember(stream_id, head)
        return loaded

    def _append(self, items: tuple[Item, ...], what: str) -> tuple[int, ...]:
        """One call of ``fengqiao_append`` (see the module docs); with projectors, the locked path."""
        if self._projectors:
            versions = super()._append(items, what)
            if self._notify:
                self._retried(what, _NOTIFY, (self._channel,))  # autocommit: delivered at once
            return versions
        self._check()
        steps = self._appending(items, what)
        reply: Any = None
        failed: Exception | None = None
        while True:
            try:
                step = steps.send(reply) if failed is None else steps.throw(failed)
            except StopIteration as done:
                stored: tuple[int, ...] = done.value
                return stored
            reply, failed = None, None
            try:
                if isinstance(step, ReadHeads):
                    reply = self._read_heads(step.stream_ids, what)
                else:
                    self._call(step.arguments, what)
            except (_Refused, _Broken) as exc:
                failed = exc

    def _call(self, arguments: tuple[Any, ...], what: str) -> None:
        """The call of ``fengqiao_append`` as one statement in autocommit (its own transaction): one round trip.

        Then, at most every :data:`NOTIFY_EVERY` seconds, the notification (see :meth:`_notifying`).
        """
        notify = self._notifying()
        try:
            with _Autocommit(self._pool) as conn:
                cursor = self._cursor_of(conn)
                cursor.execute(_APPEND, arguments)
                if notify:
                    cursor.execute(self._quiet_notify)
        except psycopg.Error as exc:
            raise self._append_failed(exc, what) from exc

    def _cursor_of(self, conn: Connection) -> psycopg.Cursor[TupleRow]:
        """``conn``'s cursor for the store's reads, made on its first read and kept while the connection is open.

        A cursor made for each read would cost more than the read's own Python work (it sets
        up its adapters and looks up a loader for every column each time). Only the thread
        that has the connection from the pool uses its cursor. The cursors of connections the
        pool has closed are let go once there are more cursors than the pool holds connections.
        """
        cursors = self._cursors
        cursor = cursors.get(conn)
        if cursor is None:
            if len(cursors) >= self._pool.max_size:
                for old in [c for c in list(cursors) if c.closed]:
                    cursors.pop(old, None)
            cursor = cursors[conn] = _cursor(conn)
        return cursor

    def _read_heads(self, stream_ids: list[str], what: str) -> dict[str, Tip]:
        """The stored heads of ``stream_ids`` that exist (one round trip)."""
        return {sid: (v, digest) for sid, v, digest in self._retried(what, _READ_HEADS, (stream_ids,))}

    def _retried(self, what: str, sql: str, params: Sequence[Any], *, binary: bool = False) -> list[tuple[Any, ...]]:
        """The rows of a query; if its connection turns out broken, once more on another.

        It runs on the connection's own cursor, made once (:meth:`_cursor_of`); ``binary``:
        the rows come in PostgreSQL's binary format (a ``bytea`` as it is, not hex).
        """
        for again in (False, True):
            try:
                with self._read() as conn:
                    return self._cursor_of(conn).execute(sql, params, binary=binary).fetchall()
            except psycopg.OperationalError as exc:  # a broken connection (the pool drops it), a timeout …
                if again:
                    raise storage_error(self.dialect.driver, what, exc) from exc
            except psycopg.Error as exc:
                raise storage_error(self.dialect.driver, what, exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover


PostgresEventStore.sql = PostgresEventStore.sql._replace(page=_PAGE)  # read_all reads below the horizon
