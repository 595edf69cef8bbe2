"""The store contracts for asynchronous back-ends: the same checks, each call awaited on a loop of its own.

Subclass :class:`AsyncEventStoreContract` (or :class:`AsyncSQLStoreContract` for a SQL
back-end, with the ``raw``, ``q`` and ``backend`` fixtures of
:class:`~fengqiao.testing.contracts.SQLStoreContract`) and give it ``make_async_store``: a
coroutine function opening an :class:`~fengqiao.storage.aio.AsyncEventStore` on the test's
database, with the asynchronous projectors given::

    class TestMyAsyncStore(AsyncEventStoreContract):
        @pytest.fixture
        def make_async_store(self, tmp_path):
            async def make(projectors=(), *, upgrade=True):
                return await MyAsyncStore.open(tmp_path / "db", projectors=projectors, upgrade=upgrade)

            return make

Every check of the synchronous contract then runs against it: each store call is run to
completion on an event loop in a thread of its own (:class:`BlockingStore`), so a check
reads as the synchronous one does and fails the same way. The contract's projectors are
synchronous functions of a connection: they are awaited as asynchronous projectors and run
in a worker thread, their connection's (and cursors') coroutines run back on the loop.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self, TypeVar

import pytest

from fengqiao.lifecycle.cases import CaseEvent
from fengqiao.storage import Append, EventStore, Projector, StoredEvent, VerificationReport
from fengqiao.storage._loading import Unreadable
from fengqiao.storage.aio import AsyncEventStore, AsyncProjector
from fengqiao.testing.contracts.sql_store import SQLStoreContract
from fengqiao.testing.contracts.store import EventStoreContract
from fengqiao.testing.contracts.support import StoreFactory

if TYPE_CHECKING:
    from fengqiao.storage import Anchor, Prepared

__all__ = ["AsyncEventStoreContract", "AsyncSQLStoreContract", "AsyncStoreFactory", "BlockingStore", "LoopThread"]

T = TypeVar("T")


class AsyncStoreFactory(Protocol):
    """Opens an asynchronous store on the test's database (the same one each time)."""

    def __call__(
        self, projectors: Sequence[AsyncProjector[Any]] | Sequence[Projector[Any]] = (), *, upgrade: bool = True
    ) -> Awaitable[AsyncEventStore]: ...


class LoopThread:
    """An event loop running in a thread of its own; :meth:`run` waits for a coroutine's result on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="fengqiao-contract-loop", daemon=True)
        self._thread.start()

    def run(self, awaitable: Awaitable[T]) -> T:
        """``awaitable``'s result (or its exception), awaited on the loop."""
        return asyncio.run_coroutine_threadsafe(_awaited(awaitable), self.loop).result()

    def close(self) -> None:
        """Stop the loop and its thread."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable


class BlockingStore:
    """A synchronous :class:`~fengqiao.storage.EventStore` over an asynchronous one: each call awaited on ``loop``."""

    def __init__(self, store: AsyncEventStore, loop: LoopThread) -> None:
        self.store = store
        self._loop = loop

    def append(self, stream_id: str, events: Iterable[CaseEvent], *, expected_version: int) -> int:
        return self._loop.run(self.store.append(stream_id, events, expected_version=expected_version))

    def append_many(self, appends: Iterable[Append], /) -> tuple[int, ...]:
        return self._loop.run(self.store.append_many(appends))

    def append_prepared(self, prepared: Iterable[Prepared], /) -> tuple[int, ...]:
        return self._loop.run(self.store.append_prepared(prepared))

    def load(self, stream_id: str) -> tuple[CaseEvent, ...]:
        return self._loop.run(self.store.load(stream_id))

    def read_all(
        self, after: int = 0, limit: int | None = None, *, unreadable: Unreadable | None = None
    ) -> Iterator[StoredEvent]:
        return self._iterate(self.store.read_all(after, limit, unreadable=unreadable))

    def streams(self) -> Iterator[str]:
        return self._iterate(self.store.streams())

    def verify(self, stream_id: str | None = None, *, anchor: Anchor | None = None) -> VerificationReport:
        return self._loop.run(self.store.verify(stream_id, anchor=anchor))

    def digest(self, *, heads: bool = True) -> Anchor:
        return self._loop.run(self.store.digest(heads=heads))

    def upgrade(self) -> int:
        return self._loop.run(self.store.upgrade())

    def close(self) -> None:
        self._loop.run(self.store.close())

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _iterate(self, source: AsyncIterator[T]) -> Iterator[T]:
        while True:
            try:
                item = self._loop.run(anext(source))
            except StopAsyncIteration:
                return
            yield item


class _Blocking:
    """An asynchronous driver object (connection, cursor) used from a worker thread: its coroutines run on ``loop``."""

    def __init__(self, target: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._target = target
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not callable(value):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            result = value(*args, **kwargs)
            if inspect.isawaitable(result):
                result = asyncio.run_coroutine_threadsafe(_awaited(result), self._loop).result()
            return _Blocking(result, self._loop) if hasattr(result, "fetchone") else result

        return call


def _as_async(project: Projector[Any]) -> AsyncProjector[Any]:
    """The contract's synchronous projector as an asynchronous one: run in a worker thread, its driver blocking."""

    async def run(tx: Any, events: tuple[StoredEvent, ...]) -> None:
        await asyncio.to_thread(project, _Blocking(tx, asyncio.get_running_loop()), events)

    run.__qualname__ = getattr(project, "__qualname__", None) or type(project).__qualname__
    return run


class _Bridge:
    """The fixtures that turn ``make_async_store`` into the synchronous contract's ``make_store``."""

    synchronous_projectors: ClassVar[bool] = False
    """Give ``make_async_store`` the contract's projectors as they are (synchronous functions of a
    connection), for a store whose projectors are a synchronous store's
    (:class:`~fengqiao.storage.aio.ThreadedEventStore`); else they are made asynchronous."""

    @pytest.fixture
    def make_async_store(self) -> AsyncStoreFactory:
        """Opens an asynchronous store on the test's database (a back-end's test class gives it)."""
        raise NotImplementedError("a back-end's test class provides make_async_store")

    @pytest.fixture
    def loop_thread(self) -> Iterator[LoopThread]:
        """The event loop every store call of the test is awaited on."""
        loop = LoopThread()
        try:
            yield loop
        finally:
            loop.close()

    @pytest.fixture
    def make_store(self, make_async_store: AsyncStoreFactory, loop_thread: LoopThread) -> Iterator[StoreFactory]:
        opened: list[BlockingStore] = []

        def make(projectors: Sequence[Projector[Any]] = (), *, upgrade: bool = True) -> EventStore:
            given = list(projectors) if self.synchronous_projectors else [_as_async(p) for p in projectors]
            store = BlockingStore(loop_thread.run(make_async_store(given, upgrade=upgrade)), loop_thread)
            opened.append(store)
            return store

        yield make
        for store in opened:
            store.close()

    @pytest.fixture
    def store(self, make_store: StoreFactory) -> EventStore:
        return make_store()


class AsyncEventStoreContract(_Bridge, EventStoreContract):
    """:class:`~fengqiao.testing.contracts.EventStoreContract` for an asynchronous back-end (``make_async_store``)."""


class AsyncSQLStoreContract(_Bridge, SQLStoreContract):
    """:class:`~fengqiao.testing.contracts.SQLStoreContract` for an asynchronous SQL back-end."""
