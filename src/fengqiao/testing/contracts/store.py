"""``EventStoreContract``: the behaviour every event store back-end shares."""

from __future__ import annotations

import pytest

from fengqiao.storage import EventStore
from fengqiao.testing.contracts.support import (
    StoreFactory,
)


class EventStoreContract:
    """Behaviour every back-end shares. Subclasses provide ``make_store`` and ``store``."""

    @pytest.fixture
    def make_store(self) -> StoreFactory:
        raise NotImplementedError("a back-end's test class provides make_store")

    @pytest.fixture
    def store(self) -> EventStore:
        raise NotImplementedError("a back-end's test class provides store")
