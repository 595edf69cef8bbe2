from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from fengqiao.errors import ValidationError
from fengqiao.lifecycle.events import Event
from fengqiao.storage import EventStore, Head, MemoryEventStore, Projector, Row
from fengqiao.testing.contracts import EventStoreContract, StoreFactory, Tamper, forge


class TestMemoryStore(EventStoreContract):
    @pytest.fixture
    def make_store(self) -> StoreFactory:
        def make(projectors: Sequence[Projector[Any]] = (), *, upgrade: bool = True) -> EventStore:
            return MemoryEventStore(projectors=projectors)

        return make

    @pytest.fixture
    def store(self, make_store: StoreFactory) -> EventStore:
        return make_store()

    @pytest.fixture
    def tamper(self, store: EventStore) -> Tamper:
        """Rewrites the store's rows in place (a deleted row stays in the log ``read_all`` pages through)."""
        assert isinstance(store, MemoryEventStore)

        def rewrite(stream_id: str, events: Sequence[Event], *, rename: str | None = None) -> None:
            name = rename or stream_id
            _, old = store._streams.pop(stream_id)
            del store._heads[stream_id]
            assert len(events) <= len(old)
            rows = []
            for (version, kind, schema, data, prev_hash, digest), was in zip(forge(name, events), old, strict=False):
                row = Row(name, version, was.position, kind, schema, data, prev_hash, digest, was.recorded_at)
                store._log[was.position - 1] = row
                rows.append(row)
            if rows:
                store._heads[name] = head = Head(name, rows[-1].version, rows[-1].hash)
                store._streams[name] = (head, tuple(rows))

        return rewrite


@pytest.mark.parametrize(
    ("arguments", "path"),
    [
        ({"clock": 5}, "clock"),
        ({"clock": "now"}, "clock"),
        ({"projectors": 5}, "projectors"),
        ({"projectors": "project"}, "projectors"),
        ({"projectors": [print, 5]}, "projectors[1]"),
    ],
)
def test_a_malformed_argument_is_refused_naming_it(arguments: dict[str, Any], path: str) -> None:
    with pytest.raises(ValidationError) as caught:
        MemoryEventStore(**arguments)
    assert caught.value.path == path
