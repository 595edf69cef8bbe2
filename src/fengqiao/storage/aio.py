"""TEMPORARY SHIM (helper branch h-service only): the interface of the lead's ``fengqiao.storage.aio``.

Runs the synchronous store and repository in worker threads. Reverted before ``main`` is merged;
the service is written against the interface only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import Any, Self

import anyio.to_thread

from fengqiao.domain.actor import ActorLike
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.states import TriggerId
from fengqiao.storage.base import StoredEvent
from fengqiao.storage.postgres import PostgresEventStore
from fengqiao.storage.repository import Repository
from fengqiao.workflow import Workflow

__all__ = ["AsyncPostgresEventStore", "AsyncRepository"]


class AsyncPostgresEventStore:
    """Shim: a ``PostgresEventStore`` whose calls run in a worker thread."""

    def __init__(self, sync: PostgresEventStore) -> None:
        self.sync = sync

    @classmethod
    async def open(cls, target: Any, **options: Any) -> AsyncPostgresEventStore:
        """Open the store."""
        return cls(await anyio.to_thread.run_sync(lambda: PostgresEventStore(target, **options)))

    async def load(self, stream_id: str) -> tuple[Any, ...]:
        """A stream's events."""
        return await anyio.to_thread.run_sync(self.sync.load, stream_id)

    async def read_all(self, after: int = 0) -> AsyncIterator[StoredEvent]:
        """Every event after ``after``."""
        for e in await anyio.to_thread.run_sync(lambda: list(self.sync.read_all(after))):
            yield e

    async def close(self) -> None:
        """Close."""
        await anyio.to_thread.run_sync(self.sync.close)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


class AsyncRepository:
    """Shim: a ``Repository`` whose calls run in a worker thread."""

    def __init__(self, workflow: Workflow, store: AsyncPostgresEventStore) -> None:
        self.workflow = workflow
        self.store = store
        self._sync = Repository(workflow, store.sync)

    async def discover(self, **kwargs: Any) -> Dispute:
        """Discover and store."""
        return await anyio.to_thread.run_sync(lambda: self._sync.discover(**kwargs))

    async def fire(self, dispute: Dispute, trigger: TriggerId, /, *, actor: ActorLike, **payload: Any) -> Dispute:
        """Fire and store."""
        return await anyio.to_thread.run_sync(lambda: self._sync.fire(dispute, trigger, actor=actor, **payload))

    async def get(self, dispute_id: str) -> Dispute:
        """Load."""
        return await anyio.to_thread.run_sync(self._sync.get, dispute_id)

    async def save(self, dispute: Dispute, *, expected_version: int) -> Dispute:
        """Save."""
        return await anyio.to_thread.run_sync(lambda: self._sync.save(dispute, expected_version=expected_version))

    async def update(
        self, dispute_id: str, decide: Callable[[Dispute], Dispute | Awaitable[Dispute]], *, attempts: int = 3
    ) -> Dispute:
        """Update with retries (sync ``decide`` only in the shim)."""
        return await anyio.to_thread.run_sync(
            lambda: self._sync.update(dispute_id, decide, attempts=attempts)  # type: ignore[arg-type]
        )
