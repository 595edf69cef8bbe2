from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import pytest

from fengqiao.errors import ValidationError
from fengqiao.lifecycle.events import Event
from fengqiao.storage import EventStore, MemoryEventStore, Projector
from fengqiao.storage._chain import Row
from fengqiao.storage.memory import _Entry
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
        """Rewrites the store's dicts in place (a deleted row stays in the log ``read_all`` pages through)."""
        assert isinstance(store, MemoryEventStore)

        def rewrite(stream_id: str, events: Sequence[Event], *, rename: str | None = None) -> None:
            name = rename or stream_id
            old = store._streams.pop(stream_id)
            assert len(events) <= len(old)
            entries = []
            for (version, kind, schema, data, prev_hash, digest), was, event in zip(
                forge(name, events), old, events, strict=False
            ):
                position = was.row.position
                row = Row(name, version, position, kind, schema, data, prev_hash, digest)
                stored = attrs.evolve(was.stored, stream_id=name, version=version, event=event, hash=digest)
                store._log[position - 1] = entry = _Entry(stored, row)
                entries.append(entry)
            if entries:
                store._streams[name] = entries

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
