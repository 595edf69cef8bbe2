"""``SQLiteEventStore``: the embedded default, one file per station, standard library only.

- **WAL mode**: readers never block the writer nor each other; several processes may
  share the file (on a local disk: WAL does not work over network file systems).
- **One transaction per append** (and per ``append_many``, however many streams it holds),
  begun with ``BEGIN IMMEDIATE`` so the version check and the insert happen under SQLite's
  write lock: of two writers at the same version, exactly one wins and the other gets
  :class:`~fengqiao.errors.ConcurrencyConflict`. A writer that finds the lock taken waits
  up to ``busy_timeout`` seconds.
- **Few statements per append.** Besides ``BEGIN IMMEDIATE`` and ``COMMIT``: a one-row
  ``SELECT`` of the layout version (so a store opened before another process upgraded the
  file stops writing the old layout), one ``executemany`` for the events and one for the
  stream heads, whatever the batch size. A new stream's head is *inserted* (the primary key
  refuses a second creator); a known stream's head is moved with ``UPDATE … WHERE version =
  expected AND hash = the hash read``, which only succeeds if nobody appended since. The
  store remembers the heads it wrote last (a bounded cache), so the usual command, appended
  right after the last one, reads no head: ``BEGIN``, the version ``SELECT``, ``UPDATE``,
  ``INSERT``, ``COMMIT``. When the cache is wrong (another process appended), the ``UPDATE``
  matches nothing, the transaction is rolled back and redone with the heads read under the
  lock; only that read decides a conflict.
- **Durability**: ``synchronous="NORMAL"`` (the default) writes each commit to the WAL
  before the append returns, so every acknowledged append survives the process being
  killed; an operating-system crash or power cut may lose the last few commits (never
  corrupting the file). ``synchronous="FULL"`` syncs the WAL at every commit, so
  acknowledged appends also survive power loss, at the cost of a disk flush per append.
- Global positions are ``INTEGER PRIMARY KEY AUTOINCREMENT``: with one writer at a time
  they are handed out in commit order and never reused.

>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as tmp:
...     with SQLiteEventStore(pathlib.Path(tmp) / "station.db") as store:
...         print(store.upgrade(), list(store.streams()))
2 []
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import Literal

from fengqiao.domain.checks import require_aware
from fengqiao.domain.clock import Clock
from fengqiao.errors import ConcurrencyConflict, StorageError, ValidationError
from fengqiao.lifecycle.events import Event
from fengqiao.storage._loading import Unreadable, decode_stream, split_head, stored_page
from fengqiao.storage._requests import Tip, check_append, check_heads, check_lookup, check_many, check_page
from fengqiao.storage.anchor import Anchor, audit, seal
from fengqiao.storage.arguments import check_clock, check_path, check_projectors, check_seconds
from fengqiao.storage.base import Append, Projector, StoredEvent, VerificationReport
from fengqiao.storage.chain import GENESIS, Head, Row
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

__all__ = ["MIGRATIONS", "SQLiteEventStore"]

Synchronous = Literal["NORMAL", "FULL", "EXTRA"]

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "events, stream heads",
        (
            """CREATE TABLE fengqiao_events (
                position INTEGER PRIMARY KEY AUTOINCREMENT,
                stream_id TEXT NOT NULL,
                version INTEGER NOT NULL CHECK (version > 0),
                type TEXT NOT NULL,
                schema_version INTEGER NOT NULL,
                data TEXT NOT NULL,
                recorded_at TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL,
                UNIQUE (stream_id, version)
            )""",
            """CREATE TABLE fengqiao_streams (
                stream_id TEXT PRIMARY KEY,
                version INTEGER NOT NULL,
                hash TEXT NOT NULL
            ) WITHOUT ROWID""",
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
"""The SQLite layout's history; ``fengqiao_meta`` holds the version reached."""

HEAD_CACHE = 10_000
"""How many stream heads a store remembers (those it wrote last), to skip reading them."""

MAX_BUSY_TIMEOUT = 2_147_483.0
"""The longest ``busy_timeout`` in seconds: SQLite counts it in milliseconds, in a 32-bit int."""

_META = "CREATE TABLE IF NOT EXISTS fengqiao_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
_INSERT_EVENT = (
    "INSERT INTO fengqiao_events"
    " (stream_id, version, type, schema_version, data, recorded_at, prev_hash, hash, seal)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_CREATE_HEAD = "INSERT INTO fengqiao_streams (stream_id, version, hash) VALUES (?, ?, ?)"
_MOVE_HEAD = "UPDATE fengqiao_streams SET version = ?, hash = ? WHERE stream_id = ? AND version = ? AND hash = ?"
_LAYOUT = "SELECT value FROM fengqiao_meta WHERE key = 'schema_version'"
_SEALED_AFTER = "SELECT value FROM fengqiao_meta WHERE key = 'sealed_after'"
_PAGE = 500
_LOAD = (  # one statement, so the head and the events come from one snapshot; the head sorts first
    "SELECT 0, NULL, NULL, hash, version FROM fengqiao_streams WHERE stream_id = ?"
    " UNION ALL SELECT version, schema_version, data, hash, NULL FROM fengqiao_events WHERE stream_id = ?"
    " ORDER BY 1"
)
_COLUMNS = "stream_id, version, position, type, schema_version, data, prev_hash, hash, recorded_at, seal"


class SQLiteEventStore:
    """An event store in one SQLite file; safe to share between threads and processes.

    Args:
        path: the database file, created if missing.
        synchronous: ``"NORMAL"`` survives a killed process, ``"FULL"`` also a power cut.
        busy_timeout: seconds to wait for another writer before giving up with ``StorageError``
            (from 0 to ``MAX_BUSY_TIMEOUT``, about 24 days).
        projectors: run inside each append's transaction with the ``sqlite3.Connection``.
        clock: gives ``recorded_at``; the system clock by default.
        upgrade: create or migrate the tables on opening. With ``False``, an outdated file
            opens but refuses every operation until :meth:`upgrade` is called.

    Raises:
        ValidationError: a malformed argument (``path`` holding NUL, ``busy_timeout="x"``, a
            ``clock`` without ``now()``); the error names it and nothing was opened.
        StorageError: the file cannot be opened, its layout version is unreadable, or its
            schema is newer than this fengqiao.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] = "fengqiao.db",
        *,
        synchronous: Synchronous = "NORMAL",
        busy_timeout: float = 5.0,
        projectors: Sequence[Projector[sqlite3.Connection]] = (),
        clock: Clock | None = None,
        upgrade: bool = True,
    ) -> None:
        if not isinstance(synchronous, str) or synchronous not in ("NORMAL", "FULL", "EXTRA"):
            got = repr(synchronous[:20]) if isinstance(synchronous, str) else type(synchronous).__name__
            raise ValidationError(f"expected NORMAL, FULL or EXTRA, got {got}", "synchronous")
        self.path = check_path(path)
        timeout = check_seconds(busy_timeout, "busy_timeout", zero=True, most=MAX_BUSY_TIMEOUT)
        self._projectors: tuple[Projector[sqlite3.Connection], ...] = check_projectors(projectors)
        self._clock: Clock = check_clock(clock)
        self._lock = threading.RLock()
        self._where = f"SQLite database {self.path}"
        self._current = 0
        self._sealed_after = 0
        self._heads: OrderedDict[str, Tip] = OrderedDict()
        with _errors(f"opening {self.path}"):
            self._conn: sqlite3.Connection | None = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        try:
            with _errors(f"opening {self.path}"):
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute(f"PRAGMA synchronous={synchronous}")
                current = self._schema_version(self._conn)
            if upgrade and current != latest(MIGRATIONS):
                self.upgrade()
            else:
                pending(MIGRATIONS, current, where=self._where)  # refuses a newer schema
                self._current = current
                if current >= 2:
                    with _errors(f"opening {self.path}"):
                        self._sealed_after = self._read_sealed_after(self._conn)
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"SQLiteEventStore({self.path!r})"

    # -- the protocol ----------------------------------------------------------------------
    def append(self, stream_id: str, events: Iterable[Event], *, expected_version: int) -> int:
        """Append ``events`` after ``expected_version`` in one transaction; return the new version.

        Raises:
            ConcurrencyConflict: the stream is not at ``expected_version``; nothing was stored.
            ValidationError: malformed arguments, or an event of another dispute.
            StorageError: SQLite failed (or a projector's SQL did); nothing was stored.
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
            StorageError: SQLite failed (or a projector's SQL did); nothing was stored.
        """
        items = check_many(appends)
        return self._append(items, f"append_many of {len(items)} streams")

    def append_prepared(self, prepared: Iterable[Prepared], /) -> tuple[int, ...]:
        """Append prepared histories as new streams in one transaction (see ``EventStore.append_prepared``).

        Raises:
            ConcurrencyConflict: a stream already exists; nothing was stored.
            ValidationError: a malformed item (``prepared[3].hashes[1]``); nothing was stored.
            StorageError: SQLite failed (or a projector's SQL did); nothing was stored.
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
        with _errors(f"load {stream_id}"), self._read() as conn:
            rows = conn.execute(_LOAD, (stream_id, stream_id)).fetchall()
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
        with self._lock:
            self._connection()  # fail now, not at the first next(), if the store is closed
        return self._read_all(after, limit, unreadable)

    def streams(self) -> Iterator[str]:
        """Every stream id, in code-point order."""
        with self._lock:
            self._connection()  # fail now, not at the first next(), if the store is closed
        return self._streams()

    def verify(self, stream_id: str | None = None, *, anchor: Anchor | None = None) -> VerificationReport:
        """Recompute the hash chains of one stream (or all) in one snapshot; report every problem.

        With ``anchor``, also name every stream deleted, cut, rewritten or forged since it
        was taken (see :mod:`fengqiao.storage.anchor`). It holds this store's connection
        while it reads (other processes carry on).
        """
        if stream_id is not None:
            check_lookup(stream_id)
        where, args = ("", ()) if stream_id is None else (" WHERE stream_id = ?", (stream_id,))
        with _errors("verify"), self._read() as conn:
            conn.execute("BEGIN")
            try:
                rows = conn.execute(f"SELECT {_COLUMNS} FROM fengqiao_events{where} ORDER BY stream_id, version", args)
                heads = conn.execute(
                    f"SELECT stream_id, version, hash FROM fengqiao_streams{where} ORDER BY stream_id", args
                )
                return audit(
                    anchor,
                    (Row(*r) for r in rows),
                    (Head(*h) for h in heads),
                    stream_id,
                    sealed_after=self._sealed_after,
                )
            finally:
                conn.execute("COMMIT")

    def digest(self, *, heads: bool = True) -> Anchor:
        """Hash every stream's head into an :class:`~fengqiao.storage.Anchor`, in one snapshot.

        One pass over the heads table in key order (``heads``: keep them to name streams).
        """
        with _errors("digest"), self._read() as conn:
            conn.execute("BEGIN")
            try:
                position = conn.execute("SELECT coalesce(max(position), 0) FROM fengqiao_events").fetchone()[0]
                tips = conn.execute("SELECT stream_id, version, hash FROM fengqiao_streams ORDER BY stream_id")
                at = require_aware(self._clock.now(), "clock.now()")
                return seal(tips, position=position, created_at=at, keep=heads)
            finally:
                conn.execute("COMMIT")

    def upgrade(self) -> int:
        """Create or migrate the tables, all pending steps in one transaction; return the version.

        Raises:
            StorageError: the file's schema is newer than this fengqiao knows.
        """
        with _errors("upgrade"), self._write(check=False) as conn:
            conn.execute(_META)
            for migration in pending(MIGRATIONS, self._schema_version(conn), where=self._where):
                for statement in migration.statements:
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO fengqiao_meta (key, value) VALUES ('schema_version', ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(migration.version),),
                )
            sealed_after = self._read_sealed_after(conn)
        self._current, self._sealed_after = latest(MIGRATIONS), sealed_after
        return self._current

    def close(self) -> None:
        """Close the connection; further use raises ``StorageError``."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> SQLiteEventStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------
    def _append(self, items: tuple[Item, ...], what: str) -> tuple[int, ...]:
        with self._lock:
            try:
                with _errors(what), self._write() as conn:
                    result = self._write_batch(conn, items, trust=True)
            except _StaleHeads:
                for item in items:
                    self._heads.pop(item.stream_id, None)
                with _errors(what), self._write() as conn:
                    result = self._write_batch(conn, items, trust=False)
            for item in items:  # committed: these are now the heads
                if size(item):
                    self._remember(item.stream_id, result[item.stream_id])
            return tuple(result[item.stream_id][0] for item in items)

    def _write_batch(self, conn: sqlite3.Connection, items: tuple[Item, ...], *, trust: bool) -> dict[str, Tip]:
        """Write ``items`` in the open transaction; return each stream's head after it.

        With ``trust``, a stream with events takes its head from the cache (a new one needs
        none) and the head writes check it: ``_StaleHeads`` if one was wrong. Without, every
        head is read here, under the write lock, and decides the conflicts.
        """
        if trust and all(size(item) for item in items):
            heads = {item.stream_id: self._heads.get(item.stream_id, (0, GENESIS)) for item in items}
            unread = [i.stream_id for i in items if heads[i.stream_id][0] != i.expected_version]
            try:
                heads.update(check_heads((i for i in items if i.stream_id in unread), _read_heads(conn, unread)))
            except ConcurrencyConflict:
                if len(unread) < len(items):  # an earlier, unread stream may be the first conflict
                    raise _StaleHeads from None
                raise
        else:
            heads = check_heads(items, _read_heads(conn, [item.stream_id for item in items]))
        if not any(size(item) for item in items):
            return heads
        at = require_aware(self._clock.now(), "clock.now()")
        rows, count, records, after = encode_rows(items, heads, at, at.isoformat(), keep=bool(self._projectors))
        moved = [(*after[sid], sid, *heads[sid]) for sid in after if heads[sid][0]]
        created = [(sid, *after[sid]) for sid in after if not heads[sid][0]]
        try:
            if moved and conn.executemany(_MOVE_HEAD, moved).rowcount != len(moved):
                raise _StaleHeads  # a remembered head was wrong (never so for heads read under the lock)
            if created:
                conn.executemany(_CREATE_HEAD, created)
            last = _insert_events(conn, rows, count)
        except sqlite3.IntegrityError as exc:  # a stream created meanwhile, or rows written around the library
            if trust:
                raise _StaleHeads from exc
            raise _conflict(conn, items) from exc
        if self._projectors:
            first = last - count + 1  # one writer, AUTOINCREMENT: the rows took consecutive positions
            stored = tuple(r.stored(first + i, at) for i, r in enumerate(records))
            project_all(self._projectors, conn, stored)
        return heads | after

    def _remember(self, stream_id: str, head: Tip) -> None:
        self._heads.pop(stream_id, None)
        self._heads[stream_id] = head
        if len(self._heads) > HEAD_CACHE:
            self._heads.popitem(last=False)

    def _read_all(self, after: int, limit: int | None, unreadable: Unreadable | None) -> Iterator[StoredEvent]:
        remaining = limit
        while remaining is None or remaining > 0:
            size = _PAGE if remaining is None else min(_PAGE, remaining)
            with _errors("read_all"), self._read() as conn:
                page = conn.execute(
                    "SELECT position, stream_id, version, schema_version, data, prev_hash, hash, recorded_at, seal"
                    " FROM fengqiao_events WHERE position > ? ORDER BY position LIMIT ?",
                    (after, size),
                ).fetchall()
            if not page:
                return
            events = stored_page(page, datetime.fromisoformat, unreadable, self._sealed_after)
            yield from events
            after = page[-1][0]
            if remaining is not None:
                remaining -= len(events)

    def _streams(self) -> Iterator[str]:
        last = ""
        while True:
            with _errors("streams"), self._read() as conn:
                page = conn.execute(
                    "SELECT stream_id FROM fengqiao_streams WHERE stream_id > ? ORDER BY stream_id LIMIT ?",
                    (last, _PAGE),
                ).fetchall()
            if not page:
                return
            for (stream_id,) in page:
                yield stream_id
            last = page[-1][0]

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._connection()

    @contextmanager
    def _write(self, *, check: bool = True) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._connection(check=check)
            conn.execute("BEGIN IMMEDIATE")
            try:
                if check:  # under the write lock: no upgrade can come between this and the commit
                    self._check_layout(conn)
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def _connection(self, *, check: bool = True) -> sqlite3.Connection:
        if self._conn is None:
            raise StorageError(f"the event store on {self.path} is closed")
        if check and self._current != latest(MIGRATIONS):
            require_current(MIGRATIONS, self._current, where=self._where)
        return self._conn

    def _check_layout(self, conn: sqlite3.Connection) -> None:
        """Refuse to write if the layout is no longer the one this store opened (another process upgraded it)."""
        row = conn.execute(_LAYOUT).fetchone()
        if row is not None and row[0] == str(self._current):
            return
        found = layout_version(None if row is None else row[0], where=self._where)
        if found != self._current:
            opened, self._current = self._current, found  # every later operation refuses too
            raise layout_changed(opened, found, latest(MIGRATIONS), where=self._where)

    def _read_sealed_after(self, conn: sqlite3.Connection) -> int:
        row = conn.execute(_SEALED_AFTER).fetchone()
        return sealed_position(None if row is None else row[0], where=self._where)

    def _schema_version(self, conn: sqlite3.Connection) -> int:
        exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'fengqiao_meta'")
        if exists.fetchone() is None:
            return 0
        row = conn.execute(_LAYOUT).fetchone()
        return layout_version(None if row is None else row[0], where=self._where)


class _StaleHeads(Exception):
    """A head taken from the cache was not the stored one: roll back and read them all."""


def _read_heads(conn: sqlite3.Connection, stream_ids: Sequence[str]) -> dict[str, Tip]:
    """The stored heads (version, hash) of ``stream_ids`` that exist, a few hundred per query."""
    heads: dict[str, Tip] = {}
    for start in range(0, len(stream_ids), _PAGE):
        chunk = stream_ids[start : start + _PAGE]
        marks = ", ".join("?" * len(chunk))
        query = f"SELECT stream_id, version, hash FROM fengqiao_streams WHERE stream_id IN ({marks})"
        for stream_id, version, digest in conn.execute(query, chunk):
            heads[stream_id] = (version, digest)
    return heads


def _insert_events(conn: sqlite3.Connection, rows: Iterable[tuple[object, ...]], count: int) -> int:
    """Insert the ``count`` event ``rows``; return the position of the last one."""
    if count == 1:
        (row,) = rows
        position = conn.execute(_INSERT_EVENT, row).lastrowid
    else:
        conn.executemany(_INSERT_EVENT, rows)
        position = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
    assert isinstance(position, int)
    return position


def _conflict(conn: sqlite3.Connection, items: Sequence[Item]) -> ConcurrencyConflict:
    """The conflict behind an insert refused under the lock: events written around the library."""
    for item in items:
        found = conn.execute("SELECT max(version) FROM fengqiao_events WHERE stream_id = ?", (item.stream_id,))
        highest = found.fetchone()[0] or 0
        if highest > item.expected_version:
            return ConcurrencyConflict(item.stream_id, item.expected_version, highest)
    return ConcurrencyConflict(items[0].stream_id, items[0].expected_version, -1)  # pragma: no cover


@contextmanager
def _errors(what: str) -> Iterator[None]:
    """Turn sqlite3's errors into ``StorageError``, keeping the cause."""
    try:
        yield
    except sqlite3.Error as exc:
        raise StorageError(f"SQLite: {what} failed: {exc}") from exc
