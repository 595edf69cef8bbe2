"""``ThreadedEventStore``: any synchronous event store, awaited, its work done in worker threads.

SQLite has no asynchronous driver that is both well kept and faster than this: ``aiosqlite``
itself runs the standard ``sqlite3`` module in a thread. So the asynchronous SQLite store is
the synchronous one, offloaded: each call runs in a worker thread
(:func:`asyncio.to_thread`), so the event loop never waits on the file. The store's own
lock serialises its connection's use; a read and a write may overlap in two threads, as
two threads on the synchronous store may.

``read_all`` and ``streams`` pull the synchronous iterator a chunk at a time in a worker
thread; ``unreadable`` (``read_all``) is called in that thread. Cancelling an awaiting task
does not stop a call already running in its thread: an append either lands or not, as it
would have, and the task sees ``CancelledError``.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import TYPE_CHECKING, ParamSpec, Self, TypeVar

from fengqiao.domain.clock import Clock
from fengqiao.errors import ValidationError
from fengqiao.lifecycle.cases import CaseEvent
from fengqiao.storage._loading import Unreadable
from fengqiao.storage.aio.base import AsyncClosing
from fengqiao.storage.base import Append, EventStore, Projector, StoredEvent, VerificationReport
from fengqiao.storage.sqlite import SQLiteEventStore, Synchronous

if TYPE_CHECKING:
    import sqlite3
    from os import PathLike

    from fengqiao.storage.anchor import Anchor
    from fengqiao.storage.prepared import Prepared

__all__ = ["AsyncSQLiteEventStore", "ThreadedEventStore"]

CHUNK = 500
"""How many events (or stream ids) one worker-thread step of ``read_all`` (``streams``) takes."""

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


class ThreadedEventStore(AsyncClosing):
    """An :class:`~fengqiao.storage.aio.AsyncEventStore` doing the work of ``store`` in worker threads.

    Args:
        store: any synchronous :class:`~fengqiao.storage.EventStore` (a
            :class:`~fengqiao.storage.SQLiteEventStore`, a
            :class:`~fengqiao.storage.MemoryEventStore`, a back-end of your own). Closing the
            threaded store closes it.

    Raises:
        ValidationError: ``store`` is not an event store.
    """

    def __init__(self, store: EventStore, /) -> None:
        missing = [name for name in ("append", "load", "read_all", "close") if not callable(getattr(store, name, None))]
        if missing:
            raise ValidationError(f"expected an event store, got {type(store).__name__}", "store")
        self.store = store
        """The synchronous store doing the work."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.store!r})"

    async def _run(self, call: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        return await asyncio.to_thread(call, *args, **kwargs)

    async def append(self, stream_id: str, events: Iterable[CaseEvent], *, expected_version: int) -> int:
        """As :meth:`EventStore.append <fengqiao.storage.EventStore.append>`, in a worker thread."""
        return await self._run(self.store.append, stream_id, events, expected_version=expected_version)

    async def append_many(self, appends: Iterable[Append], /) -> tuple[int, ...]:
        """As :meth:`EventStore.append_many <fengqiao.storage.EventStore.append_many>`, in a worker thread."""
        return await self._run(self.store.append_many, appends)

    async def append_prepared(self, prepared: Iterable[Prepared], /) -> tuple[int, ...]:
        """As :meth:`EventStore.append_prepared <fengqiao.storage.EventStore.append_prepared>`, in a worker thread."""
        return await self._run(self.store.append_prepared, prepared)

    async def load(self, stream_id: str) -> tuple[CaseEvent, ...]:
        """As :meth:`EventStore.load <fengqiao.storage.EventStore.load>`, in a worker thread."""
        return await self._run(self.store.load, stream_id)

    def read_all(
        self, after: int = 0, limit: int | None = None, *, unreadable: Unreadable | None = None
    ) -> AsyncIterator[StoredEvent]:
        """As :meth:`EventStore.read_all <fengqiao.storage.EventStore.read_all>`, :data:`CHUNK` events per thread step.

        The arguments and the store are checked at the call (in the caller's thread: no I/O).
        """
        return _chunks(self.store.read_all(after, limit, unreadable=unreadable))

    def streams(self) -> AsyncIterator[str]:
        """As :meth:`EventStore.streams <fengqiao.storage.EventStore.streams>`, :data:`CHUNK` ids per thread step."""
        return _chunks(self.store.streams())

    async def verify(self, stream_id: str | None = None, *, anchor: Anchor | None = None) -> VerificationReport:
        """As :meth:`EventStore.verify <fengqiao.storage.EventStore.verify>`, in a worker thread."""
        return await self._run(functools.partial(self.store.verify, stream_id, anchor=anchor))

    async def digest(self, *, heads: bool = True) -> Anchor:
        """As :meth:`EventStore.digest <fengqiao.storage.EventStore.digest>`, in a worker thread."""
        return await self._run(functools.partial(self.store.digest, heads=heads))

    async def upgrade(self) -> int:
        """As :meth:`EventStore.upgrade <fengqiao.storage.EventStore.upgrade>`, in a worker thread."""
        return await self._run(self.store.upgrade)

    async def close(self) -> None:
        """Close the store (in a worker thread: a write in flight finishes first)."""
        await self._run(self.store.close)


class AsyncSQLiteEventStore(ThreadedEventStore):
    """A :class:`~fengqiao.storage.SQLiteEventStore`, awaited: open it with :meth:`open`.

    ``store.store`` is the synchronous store (its projectors get the ``sqlite3.Connection``).
    """

    store: SQLiteEventStore

    def __init__(self, store: SQLiteEventStore, /) -> None:
        if not isinstance(store, SQLiteEventStore):
            raise ValidationError(f"expected a SQLiteEventStore, got {type(store).__name__}", "store")
        super().__init__(store)

    @classmethod
    async def open(
        cls,
        path: str | PathLike[str] = "fengqiao.db",
        /,
        *,
        synchronous: Synchronous = "NORMAL",
        busy_timeout: float = 5.0,
        projectors: Sequence[Projector[sqlite3.Connection]] = (),
        clock: Clock | None = None,
        upgrade: bool = True,
    ) -> Self:
        """Open (create, migrate) the SQLite store at ``path`` in a worker thread.

        The arguments of :class:`~fengqiao.storage.SQLiteEventStore`, and its errors.
        """
        store = await asyncio.to_thread(
            functools.partial(
                SQLiteEventStore,
                path,
                synchronous=synchronous,
                busy_timeout=busy_timeout,
                projectors=projectors,
                clock=clock,
                upgrade=upgrade,
            )
        )
        return cls(store)


async def _chunks(source: Iterator[T]) -> AsyncIterator[T]:
    """``source``'s items, pulled :data:`CHUNK` at a time in a worker thread."""
    while True:
        chunk = await asyncio.to_thread(_take, source)
        if not chunk:
            return
        for item in chunk:
            yield item


def _take(source: Iterator[T]) -> list[T]:
    return list(islice(source, CHUNK))
