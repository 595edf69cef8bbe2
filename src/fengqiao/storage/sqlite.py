"""``SQLiteEventStore``: the embedded default, one file per station, standard library only.

- **WAL mode**: readers never block the writer nor each other; several processes may
  share the file (on a local disk: WAL does not work over network file systems).
- **One transaction per append** (and per ``append_many``, however many streams it holds),
  begun with ``BEGIN IMMEDIATE`` so the version check and the insert happen under SQLite's
  write lock: of two writers at the same version, exactly one wins and the other gets
  :class:`~fengqiao.errors.ConcurrencyConflict`. A writer that finds the lock taken waits
  up to ``busy_timeout`` seconds.
- **Few statements per append.** Besides ``BEGIN IMMEDIATE`` and ``COMMIT``: one
  ``executemany`` for the events and one for the stream heads, whatever the batch size. A
  new stream's head is *inserted* (the primary key refuses a second creator); a known
  stream's head is moved with ``UPDATE … WHERE version = expected AND hash = the hash
  read``, which only succeeds if nobody appended since. The store remembers the heads it
  wrote last (a bounded cache), so the usual command, appended right after the last one,
  reads no head: ``BEGIN``, ``UPDATE``, ``INSERT``, ``COMMIT``. Those head writes also
  check, inside the transaction, that the layout version is still the one the store opened
  (so a store opened before another process upgraded the file stops writing the old
  layout). When the cache is wrong (another process appended) or the layout changed, a
  head write matches nothing, the transaction is rolled back and redone with the layout
  version and the heads read under the lock; only that read decides a conflict or refuses
  the new layout.
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
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any, Literal

from fengqiao.domain.clock import Clock
from fengqiao.errors import ConcurrencyConflict, ValidationError
from fengqiao.storage._arguments import check_clock, check_path, check_projectors, check_seconds
from fengqiao.storage._chain import GENESIS
from fengqiao.storage._migrations import Migration
from fengqiao.storage._requests import Tip, check_heads
from fengqiao.storage._sql import Batch, SQLEventStore
from fengqiao.storage._sql_dialect import PAGE, StaleHeads, StoreDialect
from fengqiao.storage._sqlite_connection import SQLiteConnection
from fengqiao.storage.base import Projector
from fengqiao.storage.prepared import Item, size

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

_INSERT_EVENT = (
    "INSERT INTO fengqiao_events"
    " (stream_id, version, type, schema_version, data, recorded_at, prev_hash, hash, seal)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_CREATE_HEAD = "INSERT INTO fengqiao_streams (stream_id, version, hash) VALUES (?, ?, ?)"
_MOVE_HEAD = "UPDATE fengqiao_streams SET version = ?, hash = ? WHERE stream_id = ? AND version = ? AND hash = ?"
_LAYOUT_IS = "EXISTS (SELECT 1 FROM fengqiao_meta WHERE key = 'schema_version' AND value = ?)"
_CREATE_HEAD_IF = f"INSERT INTO fengqiao_streams (stream_id, version, hash) SELECT ?, ?, ? WHERE {_LAYOUT_IS}"
_MOVE_HEAD_IF = f"{_MOVE_HEAD} AND {_LAYOUT_IS}"
"""The head writes of a write on remembered heads: each also checks the layout version, so that
write needs no statement of its own for it; a miss is a stale head, and the retry reads both."""


def _sealed_text(at: datetime, text: str) -> str:  # the text the seal covers, kept as it is
    return text


class SQLiteEventStore(SQLEventStore[sqlite3.Connection]):
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

    dialect = StoreDialect(
        driver="SQLite",
        error=sqlite3.Error,
        mark="?",
        meta_exists="SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'fengqiao_meta'",
        timestamp=_sealed_text,
        recorded=datetime.fromisoformat,
    )

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
        self._projectors = check_projectors(projectors)
        self._clock = check_clock(clock)
        self._where = f"SQLite database {self.path}"
        self._opening = f"opening {self.path}"
        self._heads_seen: OrderedDict[str, Tip] = OrderedDict()
        self._db = SQLiteConnection(
            self.path,
            timeout=timeout,
            opening=self._opening,
            closed=f"the event store on {self.path} is closed",
            pragmas=("PRAGMA journal_mode=WAL", f"PRAGMA synchronous={synchronous}"),
        )
        try:
            self._start(upgrade=upgrade)
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"SQLiteEventStore({self.path!r})"

    @property
    def _migrations(self) -> tuple[Migration, ...]:
        """The SQLite layout's history, :data:`MIGRATIONS`."""
        return MIGRATIONS

    def close(self) -> None:
        """Close the connection; further use raises ``StorageError``."""
        self._db.close()

    # -- the dialect -----------------------------------------------------------------------
    def _ensure_open(self) -> None:
        self._db.connection()

    def _read(self, *, check: bool = True) -> AbstractContextManager[sqlite3.Connection]:
        if check and self._current != self._latest:
            self._check()  # else reading finds the store closed, if it is
        return self._db.read()

    def _snapshot(self, *, settled: bool = False) -> AbstractContextManager[sqlite3.Connection]:
        self._check()  # one writer at a time, positions in commit order: every snapshot is settled
        return self._db.transaction("BEGIN")

    def _transaction(self, *, check: bool = True, migrate: bool = False) -> AbstractContextManager[sqlite3.Connection]:
        if check and self._current != self._latest:
            self._check()  # else the transaction finds the store closed, if it is
        return self._db.transaction()  # BEGIN IMMEDIATE takes the write lock: upgrades and appends one at a time

    def _fetch(self, conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return conn.execute(sql, params).fetchall()

    @contextmanager
    def _scan(self, conn: sqlite3.Connection, name: str, sql: str, params: Sequence[Any] = ()) -> Iterator[Any]:
        cursor = conn.execute(sql, params)
        try:
            yield cursor
        finally:
            cursor.close()

    def _append(self, items: tuple[Item, ...], what: str) -> tuple[int, ...]:
        """Write with the heads remembered; if one was wrong, roll back and write again with the heads read."""
        with self._db.lock:
            try:
                result = self._commit(items, what, trust=True)
            except StaleHeads:
                for item in items:
                    self._heads_seen.pop(item.stream_id, None)
                result = self._commit(items, what, trust=False)
            for item in items:  # committed: these are now the heads
                if size(item):
                    self._remember(item.stream_id, result[item.stream_id])
            return tuple(result[item.stream_id][0] for item in items)

    def _heads(self, conn: sqlite3.Connection, items: tuple[Item, ...], *, trust: bool) -> dict[str, Tip]:
        """The heads, checked; under the write lock, so no upgrade can come between this and the commit.

        With ``trust``, a stream with events takes its head from the cache (a new one needs
        none) and the head writes check it and the layout version (:data:`_MOVE_HEAD_IF`):
        ``StaleHeads`` if either was wrong. Without, the layout version and every head are read
        here, under the write lock, and decide.
        """
        if trust and all(size(item) for item in items):
            heads = {item.stream_id: self._heads_seen.get(item.stream_id, (0, GENESIS)) for item in items}
            unread = [i.stream_id for i in items if heads[i.stream_id][0] != i.expected_version]
            try:
                heads.update(check_heads((i for i in items if i.stream_id in unread), _read_heads(conn, unread)))
            except ConcurrencyConflict:
                if len(unread) < len(items):  # an earlier, unread stream may be the first conflict
                    raise StaleHeads from None
                raise
            return heads
        row = conn.execute(self.sql.layout).fetchone()
        self._check_layout(None if row is None else row[0])
        return check_heads(items, _read_heads(conn, [item.stream_id for item in items]))

    def _insert(self, conn: sqlite3.Connection, batch: Batch, *, trust: bool) -> range:
        """Move the known heads (``UPDATE`` checking the old one), insert the new ones, then the events.

        With ``trust`` the head writes also check the layout version (:data:`_MOVE_HEAD_IF`).
        """
        items, heads, after, rows, count = batch
        guard = (str(self._current),) if trust else ()
        moved = [(*after[sid], sid, *heads[sid], *guard) for sid in after if heads[sid][0]]
        created = [(sid, *after[sid], *guard) for sid in after if not heads[sid][0]]
        move, create = (_MOVE_HEAD_IF, _CREATE_HEAD_IF) if trust else (_MOVE_HEAD, _CREATE_HEAD)
        try:
            if moved and conn.executemany(move, moved).rowcount != len(moved):
                raise StaleHeads  # a remembered head or the layout was wrong (never so for heads read under the lock)
            if created and conn.executemany(create, created).rowcount != len(created):
                raise StaleHeads  # only with trust: the layout changed
            last = _insert_events(conn, rows, count)
        except sqlite3.IntegrityError as exc:  # a stream created meanwhile, or rows written around the library
            if trust:
                raise StaleHeads from exc
            raise _conflict(conn, items) from exc
        return range(last - count + 1, last + 1)  # one writer, AUTOINCREMENT: consecutive positions

    def _remember(self, stream_id: str, head: Tip) -> None:
        self._heads_seen.pop(stream_id, None)
        self._heads_seen[stream_id] = head
        if len(self._heads_seen) > HEAD_CACHE:
            self._heads_seen.popitem(last=False)


def _read_heads(conn: sqlite3.Connection, stream_ids: Sequence[str]) -> dict[str, Tip]:
    """The stored heads (version, hash) of ``stream_ids`` that exist, a few hundred per query."""
    heads: dict[str, Tip] = {}
    for start in range(0, len(stream_ids), PAGE):
        chunk = stream_ids[start : start + PAGE]
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
