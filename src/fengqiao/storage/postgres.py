"""``PostgresEventStore``: one city or province database that many stations write to.

Needs the ``postgres`` extra (``pip install fengqiao[postgres]``: psycopg 3 and
psycopg-pool); ``import fengqiao`` works without it.

How appends stay correct with many writers:

- **One winner per version.** Each append (and each ``append_many``, whatever the number
  of streams in it) takes a transaction-level advisory lock, reads the streams' heads in
  one query, checks each ``expected_version`` and inserts (pipelined ``executemany``); the
  lock is held until commit. A stale writer gets :class:`~fengqiao.errors.ConcurrencyConflict`. The
  ``UNIQUE (stream_id, version)`` constraint backs this up should anything write around
  the lock.
- **Positions commit in order.** Positions come from an identity column, and because the
  same lock covers every append, an append draws its positions only after every earlier
  one has committed. So ``read_all(after=p)`` can never miss an event that commits later
  with a smaller position, which is what projections rely on. The price is that appends
  to one database run one at a time (each holds the lock for a few milliseconds); the
  lock key is derived from the schema the tables live in, so two fengqiao schemas in one
  database do not wait for each other.
- Rolled-back appends leave gaps in positions; readers must not expect ``p + 1``.

Event data is kept as ``text``, not ``jsonb``: the hash chain needs the exact bytes written
(cast ``data::jsonb`` to query inside events).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, LiteralString

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import TupleRow, tuple_row
from psycopg_pool import ConnectionPool

from fengqiao.domain.clock import Clock
from fengqiao.errors import ConcurrencyConflict, StorageError, ValidationError
from fengqiao.storage._arguments import check_clock, check_count, check_projectors, check_seconds
from fengqiao.storage._migrations import Migration
from fengqiao.storage._requests import Tip, check_heads
from fengqiao.storage._sql import Batch, SQLEventStore
from fengqiao.storage._sql_dialect import StoreDialect
from fengqiao.storage.base import Projector
from fengqiao.storage.prepared import Item

__all__ = ["MIGRATIONS", "PostgresEventStore"]

Connection = psycopg.Connection[Any]

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "events, stream heads",
        (
            """CREATE TABLE fengqiao_events (
                position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                stream_id TEXT COLLATE "C" NOT NULL,
                version INTEGER NOT NULL CHECK (version > 0),
                type TEXT NOT NULL,
                schema_version INTEGER NOT NULL,
                data TEXT NOT NULL,
                recorded_at TIMESTAMPTZ NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL,
                UNIQUE (stream_id, version)
            )""",
            """CREATE TABLE fengqiao_streams (
                stream_id TEXT COLLATE "C" PRIMARY KEY,
                version INTEGER NOT NULL,
                hash TEXT NOT NULL
            )""",
        ),
    ),
    Migration(
        2,
        "a seal of recorded_at on every row; rows already stored are left unsealed",
        (
            "ALTER TABLE fengqiao_events ADD COLUMN seal TEXT",
            "INSERT INTO fengqiao_meta (key, value)"
            " SELECT 'sealed_after', CAST(coalesce(max(position), 0) AS TEXT) FROM fengqiao_events",
        ),
    ),
)
"""The PostgreSQL layout's history; ``fengqiao_meta`` holds the version reached."""

MAX_POOL_SIZE = 1_000
"""The most connections ``max_size`` may ask for (PostgreSQL's own default limit is 100)."""

MAX_TIMEOUT = 86_400.0
"""The longest ``timeout``, in seconds: a day."""

_HEADS = (  # the layout version rides along with the heads: checked in every append at no extra round trip
    "SELECT m.value, s.stream_id, s.version, s.hash FROM fengqiao_meta m"
    " LEFT JOIN fengqiao_streams s ON s.stream_id = ANY(%s) WHERE m.key = 'schema_version'"
)
_PROBE_TIMEOUT = 5
"""Seconds the one direct attempt to connect may take, to say why the pool could not."""
_QUOTED = re.compile(r'"([^"]*)"')
_INSERT_EVENT = (
    "INSERT INTO fengqiao_events"
    " (stream_id, version, type, schema_version, data, recorded_at, prev_hash, hash, seal)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING position"
)
_UPSERT_HEAD = (
    "INSERT INTO fengqiao_streams (stream_id, version, hash) VALUES (%s, %s, %s)"
    " ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, hash = excluded.hash"
)
_LOCK = "SELECT pg_advisory_xact_lock(%s::bigint)"


def _recorded(value: object) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a timestamp, got {type(value).__name__}")
    return value


def _same(at: datetime, text: str) -> datetime:  # timestamptz takes the time itself
    return at


class PostgresEventStore(SQLEventStore[Connection]):
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
            if self._owns_pool:
                self._pool.close()

    # -- the dialect -----------------------------------------------------------------------
    def _ensure_open(self) -> None:
        if self._closed:
            raise StorageError("the PostgreSQL event store is closed")

    @contextmanager
    def _read(self, *, check: bool = True) -> Iterator[Connection]:
        self._check(schema=check)
        with self._pool.connection() as conn, conn.transaction():
            yield conn

    @contextmanager
    def _snapshot(self) -> Iterator[Connection]:
        with self._read() as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield conn

    @contextmanager
    def _transaction(self, *, check: bool = True, migrate: bool = False) -> Iterator[Connection]:
        with self._read(check=check) as conn:
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
        """Take the appends' lock (held to commit: positions commit in order), read the heads and the layout."""
        cur = _cursor(conn)
        cur.execute(_LOCK, (self._append_key,))
        found = cur.execute(_HEADS, ([item.stream_id for item in items],)).fetchall()
        self._check_layout(found[0][0] if found else None)
        return check_heads(items, {sid: (v, digest) for _, sid, v, digest in found if sid is not None})

    def _insert(self, conn: Connection, batch: Batch, *, trust: bool) -> list[int]:
        """Insert the events (pipelined ``executemany`` returning their positions), then upsert the heads."""
        items, _, after, rows, _ = batch
        cur = _cursor(conn)
        try:
            cur.executemany(_INSERT_EVENT, rows, returning=True)
            positions = [_one(result)[0] for result in cur.results()]
        except psycopg.errors.UniqueViolation as exc:  # only if someone wrote around the lock
            first = items[0]  # the aborted transaction cannot say which stream; the first is the usual one
            raise ConcurrencyConflict(first.stream_id, first.expected_version, first.expected_version + 1) from exc
        cur.executemany(_UPSERT_HEAD, [(sid, *head) for sid, head in after.items()])
        return positions


def _cursor(conn: Connection) -> psycopg.Cursor[TupleRow]:
    """A cursor giving tuples, whatever row factory the pool's connections use."""
    return conn.cursor(row_factory=tuple_row)


def _one(cur: psycopg.Cursor[TupleRow]) -> TupleRow:
    row = cur.fetchone()
    if row is None:  # pragma: no cover - RETURNING always gives a row
        raise StorageError("PostgreSQL returned no row")
    return row


def _open_pool(dsn: str, size: int, timeout: float) -> ConnectionPool[Connection]:
    """A pool on ``dsn``, open with one connection made.

    Raises:
        ValidationError: ``dsn`` is not a connection string (found at once, without waiting).
        StorageError: no connection within ``timeout``; the message says why, as one direct
            attempt to connect reports it (the pool itself only says it timed out).
    """
    try:
        if "\x00" in dsn:
            raise ValueError("a NUL character")
        conninfo_to_dict(dsn)
    except (psycopg.Error, ValueError) as exc:
        reason = _QUOTED.sub(_hide, " ".join(str(exc).split()))  # a quoted part may be a password's
        raise ValidationError(f"not a PostgreSQL connection string: {reason}", "target") from None
    pool: ConnectionPool[Connection] = ConnectionPool(
        dsn,
        min_size=1,
        max_size=size,
        timeout=timeout,
        open=False,
        check=ConnectionPool.check_connection,
        name="fengqiao",
    )
    try:
        pool.open(wait=True, timeout=timeout)
    except psycopg.Error as exc:
        pool.close()
        try:
            psycopg.connect(dsn, connect_timeout=max(2, min(round(timeout), _PROBE_TIMEOUT))).close()
        except psycopg.Error as cause:
            raise StorageError(f"PostgreSQL: connecting failed: {' '.join(str(cause).split())}") from cause
        raise StorageError(f"PostgreSQL: connecting failed: {exc}") from exc
    return pool


def _hide(quoted: re.Match[str]) -> str:
    """A quoted part of libpq's message, hidden unless it is a lone character such as ``"="``."""
    return quoted[0] if len(quoted[1]) <= 1 else '"…"'


def lock_key(purpose: LiteralString, schema: str) -> int:
    """A 64-bit advisory-lock key for ``purpose`` on the tables in ``schema``."""
    digest = hashlib.blake2b(f"fengqiao:{purpose}:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
