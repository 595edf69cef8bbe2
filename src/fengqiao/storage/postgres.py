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

import functools
import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, LiteralString, NamedTuple

try:
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict
    from psycopg.rows import TupleRow, tuple_row
    from psycopg_pool import ConnectionPool
except ModuleNotFoundError as exc:  # the postgres extra is not installed
    from fengqiao._extras import extra_error

    raise extra_error("PostgresEventStore", exc) from exc

from fengqiao.domain._checks import require_aware
from fengqiao.domain._quote import quote
from fengqiao.domain.clock import Clock
from fengqiao.errors import ConcurrencyConflict, StorageError, ValidationError
from fengqiao.lifecycle.cases import CaseEvent
from fengqiao.storage._arguments import check_clock, check_count, check_projectors, check_seconds
from fengqiao.storage._chain import GENESIS, sealed_time
from fengqiao.storage._channel import events_channel
from fengqiao.storage._loading import decode_stream, split_head
from fengqiao.storage._migrations import Migration
from fengqiao.storage._requests import Tip, check_heads, check_lookup
from fengqiao.storage._sql import Batch, SQLEventStore
from fengqiao.storage._sql_dialect import StoreDialect, storage_error
from fengqiao.storage.base import Projector
from fengqiao.storage.prepared import Item, encode_columns, size

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
    Migration(
        3,
        "positions from transaction ids; appends in one call of fengqiao_append",
        (
            # every position stored so far must sort before the first one a transaction id gives
            """DO $$ BEGIN
                IF (SELECT coalesce(max(position), 0) FROM fengqiao_events)
                        >= (pg_current_xact_id()::text::bigint << 20) THEN
                    RAISE EXCEPTION 'fengqiao: the stored positions run past the transaction ids; cannot upgrade';
                END IF;
            END $$""",
            "ALTER TABLE fengqiao_events ALTER COLUMN position DROP IDENTITY IF EXISTS",
            """CREATE OR REPLACE FUNCTION fengqiao_append(
                a_lock BIGINT, a_layout TEXT,
                a_heads TEXT[], a_expected INTEGER[], a_versions INTEGER[], a_hashes TEXT[], a_prev TEXT[],
                e_streams TEXT[], e_versions INTEGER[], e_types TEXT[], e_schemas INTEGER[], e_data TEXT[],
                e_recorded TIMESTAMPTZ, e_prev TEXT[], e_hashes TEXT[], e_seals TEXT[]
            ) RETURNS BIGINT LANGUAGE plpgsql AS $fn$
            DECLARE
                stored TEXT;
                moved BIGINT;
                base BIGINT;
            BEGIN
                PERFORM pg_advisory_xact_lock_shared(a_lock);
                SELECT value INTO stored FROM fengqiao_meta WHERE key = 'schema_version';
                IF stored IS DISTINCT FROM a_layout THEN
                    RAISE EXCEPTION USING ERRCODE = 'FQLAY', MESSAGE = coalesce(stored, '');
                END IF;
                WITH h AS (
                    SELECT * FROM unnest(a_heads, a_expected, a_versions, a_hashes, a_prev)
                        AS t(sid, expected, version, hash, prev)
                ), moved_heads AS (
                    UPDATE fengqiao_streams s SET version = h.version, hash = h.hash FROM h
                    WHERE h.expected > 0 AND s.stream_id = h.sid AND s.version = h.expected AND s.hash = h.prev
                    RETURNING 1
                ), new_heads AS (
                    INSERT INTO fengqiao_streams (stream_id, version, hash)
                    SELECT h.sid, h.version, h.hash FROM h WHERE h.expected = 0
                    ON CONFLICT (stream_id) DO NOTHING
                    RETURNING 1
                )
                SELECT (SELECT count(*) FROM moved_heads) + (SELECT count(*) FROM new_heads) INTO moved;
                IF moved <> cardinality(a_heads) THEN
                    RAISE EXCEPTION USING ERRCODE = 'FQCON', MESSAGE = 'a stream is not at its expected version';
                END IF;
                base := pg_current_xact_id()::text::bigint << 20;
                INSERT INTO fengqiao_events
                    (position, stream_id, version, type, schema_version, data, recorded_at, prev_hash, hash, seal)
                SELECT base + e.n, e.sid, e.version, e.type, e.schema, e.data, e_recorded, e.prev, e.hash, e.seal
                FROM unnest(e_streams, e_versions, e_types, e_schemas, e_data, e_prev, e_hashes, e_seals)
                    WITH ORDINALITY AS e(sid, version, type, schema, data, prev, hash, seal, n);
                RETURN base;
            END
            $fn$""",
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
    " (position, stream_id, version, type, schema_version, data, recorded_at, prev_hash, hash, seal)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
_BASE = "SELECT pg_current_xact_id()::text::bigint << 20"
_APPEND = (
    "SELECT fengqiao_append(%s, %s, %s::text[], %s::integer[], %s::integer[], %s::text[], %s::text[],"
    " %s::text[], %s::integer[], %s::text[], %s::integer[], %s::text[], %s, %s::text[], %s::text[], %s::text[])"
)
_PAGE = (  # below the horizon: every transaction that could still add a smaller position has ended
    "SELECT position, stream_id, version, schema_version, data, prev_hash, hash, recorded_at, seal"
    " FROM fengqiao_events WHERE position > %s"
    " AND position < (pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 20) ORDER BY position LIMIT %s"
)
_READ_HEADS = "SELECT stream_id, version, hash FROM fengqiao_streams WHERE stream_id = ANY(%s)"
_LOAD = (  # the shared load (the head sorts first), each event's data as its UTF-8 bytes: what the chain hashes
    "SELECT 0, NULL, NULL, hash, version FROM fengqiao_streams WHERE stream_id = %s"
    " UNION ALL SELECT version, schema_version, convert_to(data, 'UTF8'), hash, NULL FROM fengqiao_events"
    " WHERE stream_id = %s ORDER BY 1"
)
PER_TRANSACTION = (1 << 20) - 1
"""The most events one append (or ``append_many``) may hold: positions give each transaction 2**20."""
HEAD_CACHE = 10_000
"""How many streams' heads the store remembers (from its loads and appends)."""
_CONFLICT, _LAYOUT = "FQCON", "FQLAY"
NOTIFY_EVERY = 0.05
"""The shortest time between two notifications from one store, in seconds (see ``notify``)."""
_NOTIFY = "SELECT pg_notify(%s, '')"
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


class ReadHeads(NamedTuple):
    """A step of :meth:`LockFreeAppends._appending`: read these streams' stored heads (reply: a dict of them)."""

    stream_ids: list[str]


class CallAppend(NamedTuple):
    """A step of :meth:`LockFreeAppends._appending`: call ``fengqiao_append`` with these arguments, and commit."""

    arguments: tuple[Any, ...]


class LockFreeAppends:
    """The lock-free append's decisions, without I/O, shared by the synchronous and the asynchronous store.

    :meth:`_appending` is a generator: it yields the round trips it needs (:class:`ReadHeads`,
    :class:`CallAppend`), is sent their results (or thrown ``_Refused``/``_Broken``), and
    returns the streams' new versions; each store drives it with its own connections.
    """

    _append_key: int
    _current: int
    _clock: Clock
    _heads_seen: OrderedDict[str, Tip]
    _channel: str
    _notify: bool
    _notified_at: float
    _check_layout: Callable[[object], None]
    """From :class:`~fengqiao.storage._sql.LayoutChecks`, which every store using this mixes in."""

    def _appending(self, items: tuple[Item, ...], what: str) -> Generator[ReadHeads | CallAppend, Any, tuple[int, ...]]:
        """The append of ``items``: heads from memory or read, one call, one retry on a stale head or a broken line."""
        ids = [item.stream_id for item in items]
        heads: dict[str, Tip] = {}
        if not any(size(item) for item in items):
            heads = check_heads(items, (yield ReadHeads(ids)))
            return tuple(heads[item.stream_id][0] for item in items)
        unread: list[Item] = []
        for item in items:  # a new stream's genesis, a remembered head at the expected version, else read
            if item.expected_version == 0:
                heads[item.stream_id] = (0, GENESIS)
            elif (tip := self._heads_seen.get(item.stream_id)) is not None and tip[0] == item.expected_version:
                heads[item.stream_id] = tip
            else:
                unread.append(item)
        if unread:
            heads.update(check_heads(unread, (yield ReadHeads([item.stream_id for item in unread]))))
        for again in (False, True):
            at = require_aware(self._clock.now(), "clock.now()")
            columns, after = encode_columns(items, heads, sealed_time(at))
            _check_size(len(columns[0]))
            moved = list(after)
            sids, versions, types, schemas, data, prevs, hashes, seals = columns
            arguments = (  # arrays as literals: psycopg's list dumping cost ~100 µs of CPU an append
                self._append_key,
                str(self._current),
                _texts(moved),
                _integers([heads[sid][0] for sid in moved]),
                _integers([after[sid][0] for sid in moved]),
                _texts([after[sid][1] for sid in moved]),
                _texts([heads[sid][1] for sid in moved]),
                _texts(sids),
                _integers(versions),
                _texts(types),
                _integers(schemas),
                _texts(data),
                at,
                _texts(prevs),
                _texts(hashes),
                _texts(seals),
            )
            try:
                yield CallAppend(arguments)
            except _Refused:
                for sid in moved:
                    self._heads_seen.pop(sid, None)
                heads = check_heads(items, (yield ReadHeads(ids)))
                if again:  # the heads read were right, yet the append was refused: another writer came between
                    first = items[0]
                    raise ConcurrencyConflict(
                        first.stream_id, first.expected_version, first.expected_version + 1
                    ) from None
                continue  # a remembered head was out of date: write again with the heads read
            except _Broken as broken:  # did the append commit before the connection broke?
                found = yield ReadHeads(moved)
                if all(found.get(sid) == head for sid, head in after.items()):
                    break
                if again or any(found.get(sid, (0, GENESIS)) != heads[sid] for sid in moved):
                    raise storage_error("PostgreSQL", what, broken.error) from broken.error
                continue
            break
        for sid, head in after.items():
            self._remember(sid, head)
        return tuple(after.get(item.stream_id, heads[item.stream_id])[0] for item in items)

    def _notifying(self) -> bool:
        """Whether this append notifies the events channel: at most every :data:`NOTIFY_EVERY` seconds.

        The notification goes in a transaction of its own after the append's, committed without
        waiting for the disk (a lost one costs a follower a poll): PostgreSQL serialises the
        commits of notifying transactions, which must not include the append's flush. A follower
        woken reads everything committed, so a burst of appends needs a few notifications, not
        one each.
        """
        if not self._notify or (now := time.monotonic()) - self._notified_at < NOTIFY_EVERY:
            return False
        self._notified_at = now
        return True

    @functools.cached_property
    def _quiet_notify(self) -> str:
        """The notification as one simple-protocol string: a transaction that does not wait for the disk."""
        channel = sql.Literal(self._channel).as_string(None)
        return f"BEGIN; SET LOCAL synchronous_commit = off; SELECT pg_notify({channel}, ''); COMMIT"

    def _append_failed(self, exc: psycopg.Error, what: str) -> Exception:
        """What a failed call of ``fengqiao_append`` means: refused (a stale head), a broken line, or an error."""
        if exc.sqlstate == _CONFLICT or isinstance(exc, psycopg.errors.UniqueViolation):
            return _Refused()
        if exc.sqlstate == _LAYOUT:
            self._check_layout(exc.diag.message_primary or None)
        if isinstance(exc, psycopg.OperationalError):
            return _Broken(exc)
        return storage_error("PostgreSQL", what, exc)

    def _remember(self, stream_id: str, head: Tip) -> None:
        self._heads_seen.pop(stream_id, None)
        self._heads_seen[stream_id] = head
        if len(self._heads_seen) > HEAD_CACHE:
            self._heads_seen.popitem(last=False)


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


class _Autocommit:
    """A pooled connection in autocommit for the length of a ``with``: each statement its own transaction.

    The store's own pool makes its connections in autocommit (its transactions say ``BEGIN``);
    one from a pool you gave is switched, and switched back before it returns to the pool.
    A class, not a generator: every load and append takes one.
    """

    __slots__ = ("_conn", "_pool", "_switched")

    def __init__(self, pool: ConnectionPool[Connection]) -> None:
        self._pool = pool

    def __enter__(self) -> Connection:
        conn = self._conn = self._pool.getconn()
        self._switched = not conn.autocommit
        if self._switched:
            try:
                conn.autocommit = True
            except BaseException:
                self._pool.putconn(conn)
                raise
        return conn

    def __exit__(self, *exc: object) -> None:
        conn = self._conn
        try:
            if self._switched and not conn.closed:
                conn.autocommit = False
        finally:
            self._pool.putconn(conn)  # which rolls back, or drops a broken connection, as its connection() does


class _Refused(Exception):
    """``fengqiao_append`` refused: a stream was not at the head the append was written against."""


class _Broken(Exception):
    """The append's connection broke: it may or may not have committed."""

    def __init__(self, error: psycopg.Error) -> None:
        super().__init__(str(error))
        self.error = error


def _check_size(count: int) -> None:
    if count > PER_TRANSACTION:
        raise ValidationError(
            f"one append may hold at most {PER_TRANSACTION:,} events on PostgreSQL, got {count:,}", "events"
        )


def _texts(values: Sequence[str]) -> str:
    """A ``text[]`` literal of ``values``: each element quoted, its backslashes and double quotes escaped.

    The server casts it (``%s::text[]``) to the array psycopg would have sent for the list,
    at a tenth of the client's CPU: psycopg inspects every element of a list it dumps.
    """
    return "{" + ",".join(['"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values]) + "}"


def _integers(values: Iterable[int]) -> str:
    """An ``integer[]`` literal of ``values``."""
    return "{" + ",".join(map(str, values)) + "}"


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
    check_dsn(dsn)
    pool: ConnectionPool[Connection] = ConnectionPool(  # no check per checkout: a broken one is found in use
        dsn,
        min_size=1,
        max_size=size,
        timeout=timeout,
        open=False,
        name="fengqiao",
        kwargs={"autocommit": True},  # reads and appends are single statements; transactions say BEGIN
    )
    try:
        pool.open(wait=True, timeout=timeout)
    except psycopg.Error as exc:
        pool.close()
        try:
            psycopg.connect(dsn, connect_timeout=max(2, min(round(timeout), _PROBE_TIMEOUT))).close()
        except psycopg.Error as cause:
            raise connect_failed(cause) from cause
        raise connect_failed(exc) from exc
    return pool


def check_dsn(dsn: str) -> None:
    """Refuse a malformed connection string at once, without quoting what may be a password.

    Raises:
        ValidationError: ``dsn`` is not a connection string (``path``: ``target``).
    """
    try:
        if "\x00" in dsn:
            raise ValueError("a NUL character")
        conninfo_to_dict(dsn)
    except (psycopg.Error, ValueError) as exc:
        reason = _QUOTED.sub(_hide, " ".join(str(exc).split()))  # a quoted part may be a password's
        raise ValidationError(f"not a PostgreSQL connection string: {reason}", "target") from None


def connect_failed(cause: psycopg.Error) -> StorageError:
    """The error for a failed connection, in one line (libpq's message may span several)."""
    return StorageError(f"PostgreSQL: connecting failed: {' '.join(str(cause).split())}")


def _hide(quoted: re.Match[str]) -> str:
    """A quoted part of libpq's message, hidden unless it is a lone character such as ``"="``."""
    return quoted[0] if len(quoted[1]) <= 1 else '"…"'


def lock_key(purpose: LiteralString, schema: str) -> int:
    """A 64-bit advisory-lock key for ``purpose`` on the tables in ``schema``."""
    digest = hashlib.blake2b(f"fengqiao:{purpose}:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


PostgresEventStore.sql = PostgresEventStore.sql._replace(page=_PAGE)  # read_all reads below the horizon
