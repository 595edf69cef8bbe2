"""The asynchronous event store protocol: :class:`~fengqiao.storage.EventStore`, awaited.

Every method of the synchronous protocol, as a coroutine, with the same arguments, the same
results and the same errors; ``read_all`` and ``streams`` give asynchronous iterators (checked
when called, like their synchronous twins, so a closed store or a bad argument fails at the
call, not at the first ``async for`` step). An :class:`AsyncProjector` is the asynchronous
:class:`~fengqiao.storage.Projector`: awaited inside the append's transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self, TypeVar

from fengqiao.lifecycle.cases import CaseEvent
from fengqiao.storage._loading import Unreadable
from fengqiao.storage.base import Append, StoredEvent, VerificationReport

if TYPE_CHECKING:
    from fengqiao.storage.anchor import Anchor
    from fengqiao.storage.prepared import Prepared

__all__ = ["AsyncClosing", "AsyncEventStore", "AsyncProjector"]

TxT_contra = TypeVar("TxT_contra", contravariant=True)


class AsyncProjector(Protocol[TxT_contra]):
    """A coroutine awaited inside each append's transaction, after the events are written.

    As :class:`~fengqiao.storage.Projector`: ``tx`` is the back-end's open transaction (a
    ``psycopg.AsyncConnection`` for :class:`~fengqiao.storage.aio.AsyncPostgresEventStore`),
    ``events`` the events just appended; it must not commit, roll back or close ``tx``, nor
    call back into the store; if it raises, nothing of the append is stored and the caller
    gets a :class:`~fengqiao.errors.StorageError` naming it.
    """

    async def __call__(self, tx: TxT_contra, events: tuple[StoredEvent, ...], /) -> None:
        """Project ``events`` through ``tx``."""


class AsyncEventStore(Protocol):
    """Where the histories of every kind of case live, for code on an event loop.

    The same contract as :class:`~fengqiao.storage.EventStore` (every back-end passes the
    same contract suite, through :class:`~fengqiao.testing.contracts.AsyncEventStoreContract`).
    """

    async def append(self, stream_id: str, events: Iterable[CaseEvent], *, expected_version: int) -> int:
        """Append ``events`` after version ``expected_version``, atomically; return the new version."""
        ...

    async def append_many(self, appends: Iterable[Append], /) -> tuple[int, ...]:
        """Append to many streams in one transaction, all or nothing; return each stream's new version."""
        ...

    async def append_prepared(self, prepared: Iterable[Prepared], /) -> tuple[int, ...]:
        """Append histories encoded elsewhere as new streams, in one transaction."""
        ...

    async def load(self, stream_id: str) -> tuple[CaseEvent, ...]:
        """Every event of ``stream_id`` in version order; empty if the stream is unknown."""
        ...

    def read_all(
        self, after: int = 0, limit: int | None = None, *, unreadable: Unreadable | None = None
    ) -> AsyncIterator[StoredEvent]:
        """Events with a position greater than ``after``, in position order, at most ``limit``."""
        ...

    def streams(self) -> AsyncIterator[str]:
        """Every stream id, in code-point order."""
        ...

    async def verify(self, stream_id: str | None = None, *, anchor: Anchor | None = None) -> VerificationReport:
        """Recompute the hash chains of one stream (or all) and report every problem."""
        ...

    async def digest(self, *, heads: bool = True) -> Anchor:
        """Hash every stream's head into an :class:`~fengqiao.storage.Anchor`, in one snapshot."""
        ...

    async def upgrade(self) -> int:
        """Create or migrate the store's tables to the layout this fengqiao knows; return its version."""
        ...

    async def close(self) -> None:
        """Release connections; further use raises ``StorageError``. Closing twice is harmless."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class AsyncClosing:
    """``async with store:`` closes it: the context manager of fengqiao's asynchronous stores."""

    async def close(self) -> None:  # pragma: no cover - every store has its own
        """Release the store's resources."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
