"""One ``sqlite3`` connection shared by threads: opening it, reads, and write transactions that always end.

Private: the SQLite event store (:mod:`fengqiao.storage.sqlite`), the SQLite ledger
(:mod:`fengqiao.ledger.sqlite`) and its follower each hold one, so all begin, commit and roll
back the same way (a ``COMMIT`` that fails is rolled back too: SQLite would leave the
transaction open, holding the write lock). Only those may import it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager

from fengqiao.errors import StorageError
from fengqiao.storage._sql_dialect import driver_errors

__all__ = ["SQLiteConnection", "sqlite_errors"]


def sqlite_errors(what: str) -> AbstractContextManager[None]:
    """Turn sqlite3's errors into ``StorageError`` (``"SQLite: {what} failed: …"``), keeping the cause."""
    return driver_errors("SQLite", sqlite3.Error, what)


class SQLiteConnection:
    """A connection in autocommit mode (transactions are begun explicitly) guarded by one lock.

    Args:
        path: the database file.
        timeout: seconds to wait for another writer (``busy_timeout``).
        opening: what an error while connecting says was being done (``"opening station.db"``).
        closed: the message of the ``StorageError`` raised once closed.
        pragmas: statements run right after connecting (``"PRAGMA journal_mode=WAL"``).

    Raises:
        StorageError: the file cannot be opened or a pragma fails; nothing stays open.
    """

    def __init__(self, path: str, *, timeout: float, opening: str, closed: str, pragmas: Sequence[str] = ()) -> None:
        self.lock = threading.RLock()
        self._closed = closed
        self._reading = _Reading(self)
        with sqlite_errors(opening):
            self._conn: sqlite3.Connection | None = sqlite3.connect(
                path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        try:
            with sqlite_errors(opening):
                for pragma in pragmas:
                    self._conn.execute(pragma)
        except BaseException:
            self.close()
            raise

    def connection(self) -> sqlite3.Connection:
        """The connection; hold :attr:`lock` while using it.

        Raises:
            StorageError: the connection is closed.
        """
        if self._conn is None:
            raise StorageError(self._closed)
        return self._conn

    def read(self) -> AbstractContextManager[sqlite3.Connection]:
        """The connection, under the lock, outside any transaction (each statement sees the latest commit).

        One reusable context manager (the lock is its only state, and it is reentrant), not a
        generator per call: every ``load`` goes through it.
        """
        return self._reading

    @contextmanager
    def transaction(self, begin: str = "BEGIN IMMEDIATE") -> Iterator[sqlite3.Connection]:
        """A transaction begun with ``begin``, committed on exit; rolled back on any error, a failed commit included."""
        with self.lock:
            conn = self.connection()
            conn.execute(begin)
            try:
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

    def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        with self.lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class _Reading:
    """``with db.read() as conn``: hold the lock while the connection is used."""

    __slots__ = ("_db",)

    def __init__(self, db: SQLiteConnection) -> None:
        self._db = db

    def __enter__(self) -> sqlite3.Connection:
        db = self._db
        db.lock.acquire()
        try:
            return db.connection()
        except BaseException:
            db.lock.release()
            raise

    def __exit__(self, *exc_info: object) -> None:
        self._db.lock.release()
