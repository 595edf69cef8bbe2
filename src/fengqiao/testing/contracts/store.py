"""``EventStoreContract``: the behaviour every event store back-end shares.

Subclass it in a test module, name the class ``Test…``, and give it two fixtures:
``make_store`` (a :class:`~fengqiao.testing.contracts.support.StoreFactory`: opens a store on
the test's database, the same database each time, with the projectors given) and ``store``
(one store from it). A ``tamper`` fixture (:class:`~fengqiao.testing.contracts.support.Tamper`:
rewrites a stream behind the store's back) runs the anchor checks that need one; without it
they are skipped, saying so.
"""

from __future__ import annotations

import pytest

from fengqiao.storage import EventStore
from fengqiao.testing.contracts._store_kinds import _Kinds
from fengqiao.testing.contracts._store_reads import _Reads
from fengqiao.testing.contracts._store_repository import _RepositoryRules
from fengqiao.testing.contracts._store_writes import _Writes
from fengqiao.testing.contracts.support import StoreFactory

__all__ = ["EventStoreContract"]


class EventStoreContract(_Writes, _Reads, _RepositoryRules, _Kinds):
    """Behaviour every back-end shares: appends, reads, verification, anchors, the repository over it."""

    @pytest.fixture
    def make_store(self) -> StoreFactory:
        """Opens a store on the test's database (a back-end's test class gives it)."""
        raise NotImplementedError("a back-end's test class provides make_store")

    @pytest.fixture
    def store(self) -> EventStore:
        """The store under test (a back-end's test class gives it)."""
        raise NotImplementedError("a back-end's test class provides store")
