"""A store written by a third party from the ``EventStore`` docs alone passes the shipped contract.

``AuditedStore`` is what a station's integrator might write: every append is also written to
an audit trail, and every other call goes to the store it wraps. It uses only what
``docs/testing-contracts.md`` shows: the ``EventStore`` protocol and ``fengqiao.testing.contracts``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from types import TracebackType
from typing import Any

import pytest

from fengqiao.errors import UnreadableEventError
from fengqiao.lifecycle.events import Event
from fengqiao.storage import (
    Anchor,
    Append,
    EventStore,
    MemoryEventStore,
    Prepared,
    Projector,
    StoredEvent,
    VerificationReport,
)
from fengqiao.testing.contracts import EventStoreContract, StoreFactory
from fengqiao.testing.contracts.support import discover, workflow


class AuditedStore:
    """An ``EventStore`` that records who appended how much, around any other store."""

    def __init__(self, inner: EventStore) -> None:
        self.inner, self.trail = inner, list[tuple[str, int]]()

    def append(self, stream_id: str, events: Iterable[Event], *, expected_version: int) -> int:
        version = self.inner.append(stream_id, events, expected_version=expected_version)
        self.trail.append((stream_id, version))
        return version

    def append_many(self, appends: Iterable[Append], /) -> tuple[int, ...]:
        return self.inner.append_many(appends)

    def append_prepared(self, prepared: Iterable[Prepared], /) -> tuple[int, ...]:
        return self.inner.append_prepared(prepared)

    def load(self, stream_id: str) -> tuple[Event, ...]:
        return self.inner.load(stream_id)

    def read_all(
        self,
        after: int = 0,
        limit: int | None = None,
        *,
        unreadable: Callable[[UnreadableEventError], object] | None = None,
    ) -> Iterator[StoredEvent]:
        return self.inner.read_all(after, limit, unreadable=unreadable)

    def streams(self) -> Iterator[str]:
        return self.inner.streams()

    def verify(self, stream_id: str | None = None, *, anchor: Anchor | None = None) -> VerificationReport:
        return self.inner.verify(stream_id, anchor=anchor)

    def digest(self, *, heads: bool = True) -> Anchor:
        return self.inner.digest(heads=heads)

    def upgrade(self) -> int:
        return self.inner.upgrade()

    def close(self) -> None:
        self.inner.close()

    def __enter__(self) -> AuditedStore:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class TestAuditedStore(EventStoreContract):
    @pytest.fixture
    def make_store(self) -> StoreFactory:
        def make(projectors: Sequence[Projector[Any]] = (), *, upgrade: bool = True) -> EventStore:
            return AuditedStore(MemoryEventStore(projectors=projectors))

        return make

    @pytest.fixture
    def store(self, make_store: StoreFactory) -> EventStore:
        return make_store()


def test_the_audited_store_keeps_its_trail_of_appends() -> None:
    audited = AuditedStore(MemoryEventStore())
    store: EventStore = audited  # mypy checks it against the protocol
    d = discover(workflow())
    store.append(d.id, d.history, expected_version=0)
    assert audited.trail == [(d.id, 1)]
