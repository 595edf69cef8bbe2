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
from types import TracebackType
from typing import Any, LiteralString

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import TupleRow, tuple_row
from psycopg_pool import ConnectionPool

from fengqiao.domain.checks import require_aware
from fengqiao.domain.clock import Clock
from fengqiao.errors import ConcurrencyConflict, StorageError, ValidationError
from fengqiao.lifecycle.events import Event
from fengqiao.storage._loading import Unreadable, decode_stream, split_head, stored_page
from fengqiao.storage._requests import check_append, check_heads, check_lookup, check_many, check_page
from fengqiao.storage.anchor import Anchor, audit, seal
from fengqiao.storage.arguments import check_clock, check_count, check_projectors, check_seconds
from fengqiao.storage.base import Append, Projector, StoredEvent, VerificationReport
from fengqiao.storage.chain import Head, Row
from fengqiao.storage.codec import project_all
from fengqiao.storage.migrations import (
    Migration,
    latest,
    layout_changed,
    layout_version,
    pending,
    require_current,
    sealed_position,
)
from fengqiao.storage.prepared import Item, Prepared, check_prepared, encode_rows, size

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

_META = "CREATE TABLE IF NOT EXISTS fengqiao_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
_HEADS = (  # the layout version rides along with the heads: checked in every append at no extra round trip
    "SELECT m.value, s.stream_id, s.version, s.hash FROM fengqiao_meta m"
    " LEFT JOIN fengqiao_streams s ON s.stream_id = ANY(%s) WHERE m.key = 'schema_version'"
)
_PROBE_TIMEOUT = 5
"""Seconds the one direct attempt to connect may take, to say why the pool could not."""
_QUOTED = re.compile(r'"([^"]*)"')
_PAGE = 500
_INSERT_EVENT = (
    "INSERT INTO fengqiao_events"
    " (stream_id, version, type, schema_version, data, recorded_at, prev_hash, hash, seal)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING position"
)
_LOAD = (  # one statement, so the head and the events come from one snapshot; the head sorts first
    "SELECT 0, NULL, NULL, hash, version FROM fengqiao_streams WHERE stream_id = %s"
    " UNION ALL SELECT version, schema_version, data, hash, NULL FROM fengqiao_events WHERE stream_id = %s"
    " ORDER BY 1"
)
_ROWS = (
    "SELECT stream_id, version, position, type, schema_version, data, prev_hash, hash, recorded_at, seal"
    " FROM fengqiao_events"
)


class PostgresEventStore:
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
        self._projectors: tuple[Projector[Connection], ...] = check_projectors(projectors)
        self._clock: Clock = check_clock(clock)
        size = check_count(max_size, "max_size", least=1, most=MAX_POOL_SIZE)
        wait = check_seconds(timeout, "timeout", zero=False, most=MAX_TIMEOUT)
        self._closed = False
        self._current = 0
        self._sealed_after = 0
        self._owns_pool = isinstance(target, str)
        if isinstance(target, str):
            self._pool = _open_pool(target, size, wait)
        else:
            self._pool = target
        try:
            with _errors("opening"), self._pool.connection() as conn:
                schema = _cursor(conn).execute("SELECT current_schema()").fetchone()
                if schema is None or schema[0] is None:
                    raise StorageError("PostgreSQL: no schema on the search_path exists to hold the event tables")
                self.schema: str = schema[0]
                self._where = f"PostgreSQL schema {self.schema}"
                current = _schema_version(conn, self._where)
                if current >= 2:
                    self._sealed_after = _sealed_after(conn, self._where)
            self._append_key = _lock_key("append", self.schema)
            self._migrate_key = _lock_key("migrate", self.schema)
            if upgrade and current != latest(MIGRATIONS):
                self.upgrade()
            else:
                pending(MIGRATIONS, current, where=self._where)  # refuses a newer schema
                self._current = current
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"PostgresEventStore(schema={getattr(self, 'schema', '?')!r})"

    # -- the protocol ----------------------------------------------------------------------
    def append(self, stream_id: str, events: Iterable[Event], *, expected_version: int) -> int:
        """Append ``events`` after ``expected_version`` in one transaction; return the new version.

        Raises:
            ConcurrencyConflict: the stream is not at ``expected_version``; nothing was stored.
            ValidationError: malformed arguments, or an event of another dispute.
            StorageError: PostgreSQL failed (or a projector's SQL did); nothing was stored.
        """
        batch = check_append(stream_id, events, expected_version)
        item = Append(stream_id, batch, expected_version=expected_version)
        return self._append((item,), f"append to {stream_id}")[0]

    def append_many(self, appends: Iterable[Append], /) -> tuple[int, ...]:
        """Append to many streams in one transaction, all or nothing; return each stream's new version.

        The heads are read in one query and the events and heads written with pipelined
        ``executemany``, so the round trips do not grow with the batch.

        Raises:
            ConcurrencyConflict: a stream is not at its ``expected_version`` (the first such in
                the batch is named); nothing was stored.
            ValidationError: a malformed item or a stream given twice (``appends[3].events[2]``).
            StorageError: PostgreSQL failed (or a projector's SQL did); nothing was stored.
        """
        items = check_many(appends)
        return self._append(items, f"append_many of {len(items)} streams")

    def append_prepared(self, prepared: Iterable[Prepared], /) -> tuple[int, ...]:
        """Append prepared histories as new streams in one transaction (see ``EventStore.append_prepared``).

        Raises:
            ConcurrencyConflict: a stream already exists; nothing was stored.
            ValidationError: a malformed item (``prepared[3].hashes[1]``); nothing was stored.
            StorageError: PostgreSQL failed (or a projector's SQL did); nothing was stored.
        """
        items = check_prepared(prepared)
        return self._append(items, f"append_prepared of {len(items)} streams")

    def load(self, stream_id: str) -> tuple[Event, ...]:
        """Every event of ``stream_id`` in version order; empty if unknown.

        Raises:
            BrokenStreamError: a version is missing or the hash chain does not hold.
            UnreadableEventError: a stored event is corrupt or of an unknown schema version.
        """
        check_lookup(stream_id)
        with _errors(f"load {stream_id}"), self._transaction() as conn:
            rows = _cursor(conn).execute(_LOAD, (stream_id, stream_id)).fetchall()
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
        self._check()
        return self._read_all(after, limit, unreadable)

    def streams(self) -> Iterator[str]:
        """Every stream id, in code-point order."""
        self._check()
        return self._streams()

    def verify(self, stream_id: str | None = None, *, anchor: Anchor | None = None) -> VerificationReport:
        """Recompute the hash chains of one stream (or all) in one snapshot; report every problem.

        With ``anchor``, also name every stream deleted, cut, rewritten or forged since it
        was taken (see :mod:`fengqiao.storage.anchor`).
        """
        if stream_id is not None:
            check_lookup(stream_id)
        with _errors("verify"), self._transaction() as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            with (
                conn.cursor("fengqiao_verify_rows", row_factory=tuple_row) as rows,
                conn.cursor("fengqiao_verify_heads", row_factory=tuple_row) as heads,
            ):
                rows.itersize = heads.itersize = 2000
                if stream_id is None:
                    rows.execute(_ROWS + " ORDER BY stream_id, version")
                    heads.execute("SELECT stream_id, version, hash FROM fengqiao_streams ORDER BY stream_id")
                else:
                    rows.execute(_ROWS + " WHERE stream_id = %s ORDER BY version", (stream_id,))
                    heads.execute(
                        "SELECT stream_id, version, hash FROM fengqiao_streams WHERE stream_id = %s", (stream_id,)
                    )
                return audit(
                    anchor,
                    (Row(*r) for r in rows),
                    (Head(*h) for h in heads),
                    stream_id,
                    sealed_after=self._sealed_after,
                )

    def digest(self, *, heads: bool = True) -> Anchor:
        """Hash every stream's head into an :class:`~fengqiao.storage.Anchor`, in one snapshot.

        One pass over the heads table in key order, through a server-side cursor
        (``heads``: keep them to name streams).
        """
        with _errors("digest"), self._transaction() as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            position = _one(_cursor(conn).execute("SELECT coalesce(max(position), 0) FROM fengqiao_events"))[0]
            with conn.cursor("fengqiao_digest", row_factory=tuple_row) as tips:
                tips.itersize = 2000
                tips.execute("SELECT stream_id, version, hash FROM fengqiao_streams ORDER BY stream_id")
                at = require_aware(self._clock.now(), "clock.now()")
                return seal(tips, position=position, created_at=at, keep=heads)

    def upgrade(self) -> int:
        """Create or migrate the tables, all pending steps in one transaction; return the version.

        Concurrent upgrades from several processes are serialised by an advisory lock.

        Raises:
            StorageError: the database's schema is newer than this fengqiao knows.
        """
        with _errors("upgrade"), self._transaction(check=False) as conn:
            cur = _cursor(conn)
            cur.execute("SELECT pg_advisory_xact_lock(%s::bigint)", (self._migrate_key,))
            # and the appends' lock: no append is half way while the layout changes, and the
            # next one reads the new version (see _append)
            cur.execute("SELECT pg_advisory_xact_lock(%s::bigint)", (self._append_key,))
            cur.execute(_META)
            for migration in pending(MIGRATIONS, _schema_version(conn, self._where), where=self._where):
                for statement in migration.statements:
                    cur.execute(statement)
                cur.execute(
                    "INSERT INTO fengqiao_meta (key, value) VALUES ('schema_version', %s)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(migration.version),),
                )
            sealed_after = _sealed_after(conn, self._where)
        self._current, self._sealed_after = latest(MIGRATIONS), sealed_after
        return self._current

    def close(self) -> None:
        """Close the store (and its pool, if it opened one); further use raises ``StorageError``."""
        if not self._closed:
            self._closed = True
            if self._owns_pool:
                self._pool.close()

    def __enter__(self) -> PostgresEventStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------
    def _append(self, items: tuple[Item, ...], what: str) -> tuple[int, ...]:
        with _errors(what), self._transaction() as conn:
            cur = _cursor(conn)
            cur.execute("SELECT pg_advisory_xact_lock(%s::bigint)", (self._append_key,))
            ids = [item.stream_id for item in items]
            found = cur.execute(_HEADS, (ids,)).fetchall()
            self._check_layout(found[0][0] if found else None)
            heads = check_heads(items, {sid: (v, digest) for _, sid, v, digest in found if sid is not None})
            if not any(size(item) for item in items):
                return tuple(version for version, _ in heads.values())
            at = require_aware(self._clock.now(), "clock.now()")
            rows, _, records, after = encode_rows(items, heads, at, at, keep=bool(self._projectors))
            try:
                cur.executemany(_INSERT_EVENT, rows, returning=True)
                positions = [_one(result)[0] for result in cur.results()]
            except psycopg.errors.UniqueViolation as exc:  # only if someone wrote around the lock
                first = items[0]  # the aborted transaction cannot say which stream; the first is the usual one
                raise ConcurrencyConflict(first.stream_id, first.expected_version, first.expected_version + 1) from exc
            cur.executemany(
                "INSERT INTO fengqiao_streams (stream_id, version, hash) VALUES (%s, %s, %s)"
                " ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, hash = excluded.hash",
                [(sid, *head) for sid, head in after.items()],
            )
            if self._projectors:
                stored = tuple(r.stored(position, at) for r, position in zip(records, positions, strict=True))
                project_all(self._projectors, conn, stored)
            heads.update(after)
            return tuple(heads[sid][0] for sid in ids)

    def _read_all(self, after: int, limit: int | None, unreadable: Unreadable | None) -> Iterator[StoredEvent]:
        remaining = limit
        while remaining is None or remaining > 0:
            size = _PAGE if remaining is None else min(_PAGE, remaining)
            with _errors("read_all"), self._transaction() as conn:
                page = (
                    _cursor(conn)
                    .execute(
                        "SELECT position, stream_id, version, schema_version, data, prev_hash, hash, recorded_at, seal"
                        " FROM fengqiao_events WHERE position > %s ORDER BY position LIMIT %s",
                        (after, size),
                    )
                    .fetchall()
                )
            if not page:
                return
            events = stored_page(page, _recorded, unreadable, self._sealed_after)
            yield from events
            after = page[-1][0]
            if remaining is not None:
                remaining -= len(events)

    def _streams(self) -> Iterator[str]:
        last = ""
        while True:
            with _errors("streams"), self._transaction() as conn:
                page = (
                    _cursor(conn)
                    .execute(
                        "SELECT stream_id FROM fengqiao_streams WHERE stream_id > %s ORDER BY stream_id LIMIT %s",
                        (last, _PAGE),
                    )
                    .fetchall()
                )
            if not page:
                return
            for (stream_id,) in page:
                yield stream_id
            last = page[-1][0]

    @contextmanager
    def _transaction(self, *, check: bool = True) -> Iterator[Connection]:
        self._check(schema=check)
        with self._pool.connection() as conn, conn.transaction():
            yield conn

    def _check(self, *, schema: bool = True) -> None:
        if self._closed:
            raise StorageError("the PostgreSQL event store is closed")
        if schema:
            require_current(MIGRATIONS, self._current, where=self._where)

    def _check_layout(self, stored: object) -> None:
        """Refuse to write if the layout is no longer the one this store opened (another process upgraded it)."""
        if stored == str(self._current):
            return
        found = layout_version(stored, where=self._where)
        if found != self._current:
            opened, self._current = self._current, found  # every later operation refuses too
            raise layout_changed(opened, found, latest(MIGRATIONS), where=self._where)


def _cursor(conn: Connection) -> psycopg.Cursor[TupleRow]:
    """A cursor giving tuples, whatever row factory the pool's connections use."""
    return conn.cursor(row_factory=tuple_row)


def _one(cur: psycopg.Cursor[TupleRow]) -> TupleRow:
    row = cur.fetchone()
    if row is None:  # pragma: no cover - RETURNING always gives a row
        raise StorageError("PostgreSQL returned no row")
    return row


def _schema_version(conn: Connection, where: str) -> int:
    cur = _cursor(conn)
    exists = _one(cur.execute("SELECT to_regclass('fengqiao_meta') IS NOT NULL"))[0]
    if not exists:
        return 0
    row = cur.execute("SELECT value FROM fengqiao_meta WHERE key = 'schema_version'").fetchone()
    return layout_version(None if row is None else row[0], where=where)


def _sealed_after(conn: Connection, where: str) -> int:
    row = _cursor(conn).execute("SELECT value FROM fengqiao_meta WHERE key = 'sealed_after'").fetchone()
    return sealed_position(None if row is None else row[0], where=where)


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


def _recorded(value: object) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a timestamp, got {type(value).__name__}")
    return value


def _lock_key(purpose: LiteralString, schema: str) -> int:
    """A 64-bit advisory-lock key for ``purpose`` on the tables in ``schema``."""
    digest = hashlib.blake2b(f"fengqiao:{purpose}:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def _errors(what: str) -> Iterator[None]:
    """Turn psycopg's errors into ``StorageError``, keeping the cause."""
    try:
        yield
    except psycopg.Error as exc:
        raise StorageError(f"PostgreSQL: {what} failed: {exc}") from exc
