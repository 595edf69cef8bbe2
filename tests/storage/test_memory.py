from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from contract import EventStoreContract, StoreFactory

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
