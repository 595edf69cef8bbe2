"""Event stores: where dispute histories are kept, and the repository that uses them.

``MemoryEventStore`` (tests, notebooks), ``SQLiteEventStore`` (the embedded default) and
``PostgresEventStore`` (many stations, one database; needs ``fengqiao[postgres]`` and is
imported only when first used) all pass one contract test suite. For code on an event loop,
:mod:`fengqiao.storage.aio` has the same, awaited: ``AsyncRepository``,
``AsyncPostgresEventStore``, ``AsyncSQLiteEventStore`` (also importable from here). ``RowStore`` is the base a
back-end of your own subclasses: it supplies four primitives over its rows and heads, and the
base the rest of the protocol.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fengqiao.storage.aio import (
    AsyncEventStore,
    AsyncProjector,
    AsyncRepository,
    AsyncSQLiteEventStore,
    ThreadedEventStore,
)
from fengqiao.storage.anchor import Anchor
from fengqiao.storage.base import (
    Append,
    EventStore,
    Head,
    Problem,
    ProblemKind,
    Projector,
    Row,
    StoredEvent,
    VerificationReport,
)
from fengqiao.storage.households import HouseholdRepository
from fengqiao.storage.memory import MemoryEventStore
from fengqiao.storage.places import PlaceRepository
from fengqiao.storage.prepared import Prepared, prepare
from fengqiao.storage.repository import Repository
from fengqiao.storage.rows import RowBatch, RowStore
from fengqiao.storage.sqlite import SQLiteEventStore

if TYPE_CHECKING:
    from fengqiao.storage.aio.postgres import AsyncPostgresEventStore
    from fengqiao.storage.postgres import PostgresEventStore

__all__ = [
    "Anchor",
    "Append",
    "AsyncEventStore",
    "AsyncPostgresEventStore",
    "AsyncProjector",
    "AsyncRepository",
    "AsyncSQLiteEventStore",
    "EventStore",
    "Head",
    "HouseholdRepository",
    "MemoryEventStore",
    "PlaceRepository",
    "PostgresEventStore",
    "Prepared",
    "Problem",
    "ProblemKind",
    "Projector",
    "Repository",
    "Row",
    "RowBatch",
    "RowStore",
    "SQLiteEventStore",
    "StoredEvent",
    "ThreadedEventStore",
    "VerificationReport",
    "prepare",
]


def __getattr__(name: str) -> Any:
    """Import the PostgreSQL stores on first use, so psycopg stays optional."""
    if name == "AsyncPostgresEventStore":
        from fengqiao.storage import aio

        return aio.AsyncPostgresEventStore
    if name == "PostgresEventStore":
        from fengqiao.storage.postgres import PostgresEventStore  # without psycopg: names the postgres extra

        return PostgresEventStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
