"""``SQLiteFollower``: a catch-up subscriber on a SQLite file, polling (SQLite sends no notifications).

See :mod:`fengqiao.ledger.follow`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from fengqiao.ledger._subscription import ProjectorSubscription, Subscription
from fengqiao.ledger.follow import Follower, check_pace
from fengqiao.ledger.sqlite import SQLiteDialect
from fengqiao.storage._arguments import check_path
from fengqiao.storage._sqlite_connection import SQLiteConnection, sqlite_errors
from fengqiao.storage.base import Projector
from fengqiao.storage.sqlite import SQLiteEventStore

__all__ = ["SQLiteFollower"]


class SQLiteFollower(Follower[sqlite3.Connection]):
    """A follower of a SQLite file's events: your projector, under ``name``, kept in the same file.

    Each batch runs the projector with the ``sqlite3.Connection`` of one write transaction,
    which also moves the checkpoint (a row of ``fengqiao_subscriptions``); SQLite has no
    notifications, so :meth:`run` polls every ``interval`` seconds.

    Args:
        path: the database file, with the event store's tables (created if missing).
        projector: called as ``projector(conn, events)`` with a batch of events in position
            order (see :class:`~fengqiao.storage.Projector`); it writes its rows through
            ``conn`` and must not commit.
        name: the subscription's name, which keys its checkpoint and its quarantine.
        setup: statements run once when opening, in one transaction with the checkpoint's
            tables: the projection's own ``CREATE TABLE IF NOT EXISTS …``.
        batch: the most events applied in one transaction.
        interval: seconds between polls in :meth:`run`.
        busy_timeout: seconds to wait for the file's writer.

    Raises:
        ValidationError: a malformed argument, named (``batch``, ``name``, ``projector`` …).
        StorageError: the file cannot be opened, or a ``setup`` statement fails.
    """

    store: SQLiteEventStore

    def __init__(
        self,
        path: str | os.PathLike[str],
        projector: Projector[sqlite3.Connection],
        *,
        name: str,
        setup: Sequence[str] = (),
        batch: int = 500,
        interval: float = 1.0,
        busy_timeout: float = 5.0,
    ) -> None:
        subscription = ProjectorSubscription(name, projector, SQLiteDialect(), setup)
        check_pace(batch, interval)
        where = check_path(path)
        store = SQLiteEventStore(where, busy_timeout=busy_timeout)
        try:
            db = SQLiteConnection(
                where,
                timeout=busy_timeout,
                opening=f"opening the follower {name} in {where}",
                closed=f"the follower {name} on {where} is closed",
            )
        except BaseException:
            store.close()
            raise
        self._start(store, db, subscription, batch, interval, owned=True)
        try:
            self._setup()
        except BaseException:
            self.close()
            raise

    @classmethod
    def _of(
        cls,
        store: SQLiteEventStore,
        db: SQLiteConnection,
        subscription: Subscription[sqlite3.Connection],
        batch: int,
        interval: float,
    ) -> SQLiteFollower:
        """A follower on a ledger's store and connection, which it does not close."""
        follower = cls.__new__(cls)
        follower._start(store, db, subscription, batch, interval, owned=False)
        return follower

    def _start(
        self,
        store: SQLiteEventStore,
        db: SQLiteConnection,
        subscription: Subscription[sqlite3.Connection],
        batch: int,
        interval: float,
        *,
        owned: bool,
    ) -> None:
        self._db, self._owned = db, owned
        super().__init__(store, subscription, SQLiteDialect(), batch=batch, interval=interval)

    def __repr__(self) -> str:
        return f"SQLiteFollower({self.name!r}, {self.store.path!r})"

    def close(self) -> None:
        """Close the store and the connection, if the follower opened them; closing twice is harmless."""
        if self._owned:
            self.store.close()
            self._db.close()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with sqlite_errors(f"follower {self.name}"), self._db.read() as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with sqlite_errors(f"follower {self.name}"), self._db.transaction() as conn:
            yield conn

    def _wait(self, seconds: float, stop: threading.Event | None) -> None:
        """Poll: SQLite sends no notifications."""
        if stop is None:
            time.sleep(seconds)
        else:
            stop.wait(seconds)
