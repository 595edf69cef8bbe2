"""Event stores and the repository for code on an event loop (asyncio): every call awaited.

- :class:`AsyncRepository`: :class:`~fengqiao.storage.Repository`'s commands, awaited.
- :class:`AsyncPostgresEventStore`: PostgreSQL through psycopg's asynchronous pool (the
  ``postgres`` extra; imported on first use), the same tables and guarantees as
  :class:`~fengqiao.storage.PostgresEventStore`.
- :class:`AsyncSQLiteEventStore`: the SQLite store with its work done in worker threads
  (SQLite has no truly asynchronous driver); :class:`ThreadedEventStore` does the same for
  any synchronous store.

All pass the store contract suite (:class:`~fengqiao.testing.contracts.AsyncEventStoreContract`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fengqiao.storage.aio.base import AsyncEventStore, AsyncProjector
from fengqiao.storage.aio.repository import AsyncRepository, Decide
from fengqiao.storage.aio.threaded import AsyncSQLiteEventStore, ThreadedEventStore

if TYPE_CHECKING:
    from fengqiao.storage.aio.postgres import AsyncPostgresEventStore

__all__ = [
    "AsyncEventStore",
    "AsyncPostgresEventStore",
    "AsyncProjector",
    "AsyncRepository",
    "AsyncSQLiteEventStore",
    "Decide",
    "ThreadedEventStore",
]


def __getattr__(name: str) -> Any:
    """Import ``AsyncPostgresEventStore`` on first use, so psycopg stays optional."""
    if name == "AsyncPostgresEventStore":
        try:
            from fengqiao.storage.aio.postgres import AsyncPostgresEventStore
        except ModuleNotFoundError as exc:
            if exc.name not in ("psycopg", "psycopg_pool"):
                raise
            raise ModuleNotFoundError(
                "AsyncPostgresEventStore needs psycopg 3 and psycopg-pool: pip install 'fengqiao[postgres]'"
            ) from exc
        return AsyncPostgresEventStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
