"""``PostgresFollower``: a catch-up subscriber on a PostgreSQL schema, woken by ``LISTEN`` and polling.

See :mod:`fengqiao.ledger.follow`. Needs the ``postgres`` extra; imported from
:mod:`fengqiao.ledger` on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

try:
    import psycopg
    from psycopg import sql
    from psycopg_pool import ConnectionPool
except ModuleNotFoundError as exc:  # the postgres extra is not installed
    from fengqiao._extras import extra_error

    raise extra_error("PostgresFollower", exc) from exc

from fengqiao.ledger._subscription import ProjectorSubscription, Subscription
from fengqiao.ledger.follow import Follower, check_pace
from fengqiao.ledger.postgres import Connection, PostgresDialect, PostgresLedger, open_pool
from fengqiao.storage._channel import events_channel
from fengqiao.storage._sql_dialect import driver_errors
from fengqiao.storage.base import Projector
from fengqiao.storage.postgres import PostgresEventStore, lock_key

__all__ = ["PostgresFollower", "PostgresLedger"]


class PostgresFollower(Follower[Connection]):
    """A follower of a PostgreSQL schema's events: your projector, under ``name``, kept in the same schema.

    Each batch runs the projector with the ``psycopg.Connection`` of one transaction, which
    also moves the checkpoint (a row of ``fengqiao_subscriptions``, locked ``FOR UPDATE``).
    :meth:`run` listens on the schema's channel (``fengqiao_events_<schema>``) on a
    connection of its own, and wakes when an append notifies it, or every ``interval``
    seconds in any case (a lost connection is made again; until then it polls).

    Args:
        target: a connection string (the follower opens and owns a pool) or a
            ``psycopg_pool.ConnectionPool`` you own; the first schema of its ``search_path``
            holds the events, the checkpoint and your tables.
        projector: called as ``projector(conn, events)`` with a batch of events in position
            order (see :class:`~fengqiao.storage.Projector`); it must not commit.
        name: the subscription's name, which keys its checkpoint and its quarantine.
        setup: statements run once when opening, with the checkpoint's tables (``CREATE
            TABLE IF NOT EXISTS …``).
        batch: the most events applied in one transaction.
        interval: seconds between polls in :meth:`run`.
        max_size: the most connections an owned pool opens.
        timeout: seconds to wait for a connection.

    Raises:
        ValidationError: a malformed argument, named.
        StorageError: the database cannot be reached, or a ``setup`` statement fails.
    """

    store: PostgresEventStore

    def __init__(
        self,
        target: str | ConnectionPool[Connection],
        /,
        projector: Projector[Connection],
        *,
        name: str,
        setup: Sequence[str] = (),
        batch: int = 500,
        interval: float = 1.0,
        max_size: int = 4,
        timeout: float = 10.0,
    ) -> None:
        subscription = ProjectorSubscription(name, projector, PostgresDialect(), setup)
        check_pace(batch, interval)
        pool = open_pool(target, max_size, timeout, "fengqiao-follower")
        try:
            store = PostgresEventStore(pool, timeout=timeout)
        except BaseException:
            if isinstance(target, str):
                pool.close()
            raise
        self._start(store, pool, subscription, batch, interval, owned=isinstance(target, str))
        try:
            with self._write() as tx:
                tx.execute("SELECT pg_advisory_xact_lock(%s::bigint)", (lock_key("subscriptions", store.schema),))
                subscription.setup(tx)
        except BaseException:
            self.close()
            raise

    @classmethod
    def _of(
        cls,
        store: PostgresEventStore,
        pool: ConnectionPool[Connection],
        subscription: Subscription[Connection],
        batch: int,
        interval: float,
    ) -> PostgresFollower:
        """A follower on a ledger's store and pool, which it does not close."""
        follower = cls.__new__(cls)
        follower._start(store, pool, subscription, batch, interval, owned=False)
        return follower

    def _start(
        self,
        store: PostgresEventStore,
        pool: ConnectionPool[Connection],
        subscription: Subscription[Connection],
        batch: int,
        interval: float,
        *,
        owned: bool,
    ) -> None:
        self._pool, self._owned, self._listener = pool, owned, None
        self.channel = events_channel(store.schema)
        """The channel listened on: ``fengqiao_events_<schema>`` (``storage._channel.events_channel``)."""
        super().__init__(store, subscription, PostgresDialect(), batch=batch, interval=interval)

    _listener: Connection | None

    def __repr__(self) -> str:
        return f"PostgresFollower({self.name!r}, schema={self.store.schema!r})"

    def close(self) -> None:
        """Close the listening connection, and the store and pool if the follower opened them."""
        self._unlisten()
        if self._owned:
            self.store.close()
            self._pool.close()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with (
            driver_errors("PostgreSQL", psycopg.Error, f"follower {self.name}"),
            self._pool.connection() as conn,
            conn.transaction(),
        ):
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with (
            driver_errors("PostgreSQL", psycopg.Error, f"follower {self.name}"),
            self._pool.connection() as conn,
            conn.transaction(),
        ):
            yield conn

    def _listen(self) -> None:
        """``LISTEN`` on a connection of the follower's own; if that fails, the follower polls until it works."""
        if self._listener is not None:
            return
        conninfo, kwargs = self._pool.conninfo, self._pool.kwargs
        options: dict[str, Any] = dict((kwargs() if callable(kwargs) else kwargs) or {})
        options.pop("autocommit", None)
        try:
            conn = psycopg.connect(conninfo() if callable(conninfo) else conninfo, autocommit=True, **options)
        except psycopg.Error:
            return
        try:
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
        except psycopg.Error:
            conn.close()
            return
        self._listener = conn

    def _unlisten(self) -> None:
        listener, self._listener = getattr(self, "_listener", None), None
        if listener is not None:
            listener.close()

    def _wait(self, seconds: float, stop: threading.Event | None) -> None:
        """Until a notification on :attr:`channel`, ``stop``, or ``seconds``; then take every pending one."""
        self._listen()
        if self._listener is None:
            (stop or threading.Event()).wait(seconds)
            return
        try:
            for _ in self._listener.notifies(timeout=seconds, stop_after=1):
                pass
            for _ in self._listener.notifies(timeout=0):
                pass  # the others sent meanwhile: one catch-up serves them all
        except psycopg.Error:
            self._unlisten()  # made again at the next wait
