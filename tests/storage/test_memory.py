from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from contract import EventStoreContract, StoreFactory

from fengqiao.errors import ValidationError
from fengqiao.storage import EventStore, MemoryEventStore, Projector


class TestMemoryStore(EventStoreContract):
    @pytest.fixture
    def make_store(self) -> StoreFactory:
        def make(projectors: Sequence[Projector[Any]] = (), *, upgrade: bool = True) -> EventStore:
            return MemoryEventStore(projectors=projectors)

        return make

    @pytest.fixture
    def store(self, make_store: StoreFactory) -> EventStore:
        return make_store()


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
