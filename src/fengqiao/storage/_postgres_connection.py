"""Connections to PostgreSQL: the store's own pool, a pooled connection in autocommit, cursors of tuples.

Private to the PostgreSQL stores (:mod:`fengqiao.storage.postgres`, :mod:`fengqiao.storage.aio.postgres`).
A connection string is checked before anything connects, and a failure to connect is reported in one
line that says why, never quoting what may be a password.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import TupleRow, tuple_row
from psycopg_pool import ConnectionPool

from fengqiao.errors import StorageError, ValidationError

__all__ = ["MAX_POOL_SIZE", "MAX_TIMEOUT", "Connection", "check_dsn", "connect_failed"]

Connection = psycopg.Connection[Any]

MAX_POOL_SIZE = 1_000
"""The most connections ``max_size`` may ask for (PostgreSQL's own default limit is 100)."""

MAX_TIMEOUT = 86_400.0
"""The longest ``timeout``, in seconds: a day."""

_PROBE_TIMEOUT = 5
"""Seconds the one direct attempt to connect may take, to say why the pool could not."""
_QUOTED = re.compile(r'"([^"]*)"')


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
