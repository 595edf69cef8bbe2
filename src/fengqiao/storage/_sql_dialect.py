"""What the SQL event stores' databases differ in (:class:`StoreDialect`), and the statements they share.

Private, beside :mod:`fengqiao.storage._sql`: the shared statements are written once with ``?``
and handed to each back-end with its own placeholder. The store back-ends and the ledgers that
open them (for :func:`driver_errors`) may import it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NamedTuple

import attrs

from fengqiao.errors import StorageError

__all__ = ["META", "PAGE", "StaleHeads", "Statements", "StoreDialect", "driver_errors", "statements", "storage_error"]

PAGE = 500
"""How many rows (or ids in an ``IN`` list) one query takes: ``read_all`` and ``streams`` pages, head reads."""


@contextmanager
def driver_errors(driver: str, error: type[Exception], what: str) -> Iterator[None]:
    """Turn the driver's ``error`` into ``StorageError`` (``"SQLite: load d-1 failed: …"``), keeping the cause."""
    try:
        yield
    except error as exc:
        raise storage_error(driver, what, exc) from exc


def storage_error(driver: str, what: str, exc: Exception) -> StorageError:
    """The ``StorageError`` :func:`driver_errors` raises for ``exc`` (raise it ``from exc``)."""
    return StorageError(f"{driver}: {what} failed: {exc}")


@attrs.frozen
class StoreDialect:
    """What a database's SQL and driver differ in, as far as the shared statements go."""

    driver: str
    """The database's name as error messages give it (``"SQLite"``)."""
    error: type[Exception]
    """The driver's root error, wrapped as :class:`~fengqiao.errors.StorageError`."""
    mark: str
    """The placeholder the driver takes (``?``, ``%s``)."""
    meta_exists: str
    """A query whose one row's first column is true (or whose rows exist) if ``fengqiao_meta`` exists."""
    timestamp: Callable[[datetime, str], object]
    """``recorded_at`` as the column takes it, given the time and its sealed text
    (:func:`~fengqiao.storage._chain.sealed_time`: UTC, ISO form with microseconds)."""
    recorded: Callable[[Any], datetime]
    """The ``recorded_at`` column read back."""


class Statements(NamedTuple):
    """The shared statements, with the dialect's placeholder."""

    load: str
    page: str
    streams: str
    rows: str
    rows_of: str
    heads: str
    heads_of: str
    position: str
    layout: str
    sealed_after: str
    set_layout: str


def statements(mark: str) -> Statements:
    """The shared statements written with ``mark`` for each parameter."""
    rows = "SELECT stream_id, version, position, type, schema_version, data, prev_hash, hash, recorded_at, seal"
    heads = "SELECT stream_id, version, hash FROM fengqiao_streams"
    sql = Statements(
        load=(  # one statement, so the head and the events come from one snapshot; the head sorts first
            "SELECT 0, NULL, NULL, hash, version FROM fengqiao_streams WHERE stream_id = ?"
            " UNION ALL SELECT version, schema_version, data, hash, NULL FROM fengqiao_events WHERE stream_id = ?"
            " ORDER BY 1"
        ),
        page=(
            "SELECT position, stream_id, version, schema_version, data, prev_hash, hash, recorded_at, seal"
            " FROM fengqiao_events WHERE position > ? ORDER BY position LIMIT ?"
        ),
        streams="SELECT stream_id FROM fengqiao_streams WHERE stream_id > ? ORDER BY stream_id LIMIT ?",
        rows=f"{rows} FROM fengqiao_events ORDER BY stream_id, version",
        rows_of=f"{rows} FROM fengqiao_events WHERE stream_id = ? ORDER BY stream_id, version",
        heads=f"{heads} ORDER BY stream_id",
        heads_of=f"{heads} WHERE stream_id = ? ORDER BY stream_id",
        position="SELECT coalesce(max(position), 0) FROM fengqiao_events",
        layout="SELECT value FROM fengqiao_meta WHERE key = 'schema_version'",
        sealed_after="SELECT value FROM fengqiao_meta WHERE key = 'sealed_after'",
        set_layout=(
            "INSERT INTO fengqiao_meta (key, value) VALUES ('schema_version', ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        ),
    )
    return Statements(*(s.replace("?", mark) for s in sql))


META = "CREATE TABLE IF NOT EXISTS fengqiao_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"


class StaleHeads(Exception):
    """A head the back-end assumed (a cached one) was not the stored one: roll back, read them all."""
