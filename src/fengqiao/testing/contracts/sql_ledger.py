"""What the SQL ledgers add: the row commits in the append's transaction, and the ledger heals.

Subclasses provide, besides ``make_ledger``: ``plain_store`` (a store on the same database
*without* the ledger's projector, as another program would open it) and ``raw`` (SQL on a
separate connection, committed at once, ``?`` placeholders).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import pytest

import fengqiao as fq
from fengqiao.errors import DisputeNotFound, StorageError
from fengqiao.ledger import Ledger, MemoryLedger
from fengqiao.storage import EventStore, StoredEvent
from fengqiao.testing.contracts._ledger_households import (
    XIQI,
    history,
    household_scenarios,
    household_snapshot,
    mixed_ledger,
)
from fengqiao.testing.contracts.ledger import LedgerContract
from fengqiao.testing.contracts.ledger_support import (
    POLICIES,
    LedgerFactory,
    choose_policy,
    scenarios,
    snapshot,
    store_all,
)
from fengqiao.testing.contracts.sql_support import Raw
from fengqiao.testing.households import household_story


class PlainStore(Protocol):
    """Opens a store on the ledger's database without the ledger's projector, as another program would."""

    def __call__(self) -> EventStore: ...


def memory_twin(disputes: Sequence[fq.Dispute]) -> Ledger:
    """A memory ledger holding ``disputes``, to compare a SQL ledger with."""
    twin = MemoryLedger(policy=choose_policy, policies=POLICIES)
    store_all(twin.store, disputes, chunk=100)
    return twin


class SQLLedgerContract(LedgerContract):
    """What every SQL ledger adds to :class:`~fengqiao.testing.contracts.ledger.LedgerContract`."""

    @pytest.fixture
    def plain_store(self) -> PlainStore:
        raise NotImplementedError

    @pytest.fixture
    def raw(self) -> Raw:
        raise NotImplementedError

    def test_the_row_commits_in_the_appends_transaction(self, make_ledger: LedgerFactory, raw: Raw) -> None:
        inside: list[int] = []
        outside: list[int] = []

        def look(tx: Any, events: tuple[StoredEvent, ...]) -> None:
            inside.append(len(tx.execute("SELECT id FROM dispute_ledger").fetchall()))
            outside.append(len(raw("SELECT id FROM dispute_ledger")))

        ledger = make_ledger(projectors=[look])
        d = scenarios()[0]
        ledger.store.append(d.id, history(d)[:1], expected_version=0)
        assert (inside, outside) == ([1], [0])
        assert raw("SELECT id, version FROM dispute_ledger") == [(d.id, 1)]

    def test_events_stored_without_the_ledger_are_applied_when_it_opens(
        self, make_ledger: LedgerFactory, plain_store: PlainStore
    ) -> None:
        disputes = scenarios()
        store_all(plain_store(), disputes)
        ledger = make_ledger(policy=choose_policy, policies=POLICIES)
        assert snapshot(ledger)[:5] == snapshot(memory_twin(disputes))[:5]

    def test_events_stored_without_the_ledger_are_applied_with_the_next_append(
        self, make_ledger: LedgerFactory, plain_store: PlainStore
    ) -> None:
        first, *rest = scenarios()
        ledger = make_ledger(policy=choose_policy, policies=POLICIES)
        store_all(plain_store(), rest)
        assert ledger.count() == 0
        ledger.store.append(first.id, history(first), expected_version=0)
        assert snapshot(ledger)[:5] == snapshot(memory_twin([first, *rest]))[:5]

    def test_a_row_out_of_step_with_its_stream_is_folded_again_from_its_events(self, ledger: Ledger, raw: Raw) -> None:
        d = scenarios()[0]
        ledger.store.append(d.id, history(d)[:5], expected_version=0)
        raw("UPDATE dispute_ledger SET version = 2, dispute = '{}' WHERE id = ?", (d.id,))
        ledger.store.append(d.id, history(d)[5:], expected_version=5)
        assert ledger.get(d.id) == d
        assert ledger.disputes(assignee="民警肖某") == (ledger.row(d.id),)

    def test_two_ledgers_on_one_database_see_each_others_appends(self, make_ledger: LedgerFactory) -> None:
        station, city = make_ledger(), make_ledger()
        d = scenarios()[0]
        for version, event in enumerate(d.history):
            writer = station if version % 3 else city  # each keeps its own cache of folded disputes
            writer.store.append(d.id, [event], expected_version=version)
        assert station.get(d.id) == city.get(d.id) == d
        assert station.row(d.id) == city.row(d.id)

    def test_a_ledger_layout_newer_than_this_fengqiao_is_refused(self, make_ledger: LedgerFactory, raw: Raw) -> None:
        make_ledger()
        raw("UPDATE dispute_ledger_state SET schema_version = 9")
        with pytest.raises(StorageError, match="schema version 9"):
            make_ledger()

    def test_a_rebuild_sets_aside_an_unreadable_event_and_goes_on(self, ledger: Ledger, raw: Raw) -> None:
        disputes = scenarios()
        store_all(ledger.store, disputes)
        victim = disputes[0]
        raw(
            "UPDATE fengqiao_events SET data = replace(data, '\"schema\"', '\"schema \"') WHERE stream_id = ?"
            " AND version = 2",
            (victim.id,),
        )
        assert ledger.rebuild() == sum(d.version for d in disputes)
        problem, *later = ledger.problems()  # the events after it cannot be folded without it either
        assert (problem.stream_id, problem.version) == (victim.id, 2)
        assert "does not match its hash" in problem.reason
        assert {p.stream_id for p in later} <= {victim.id}
        for d in disputes[1:]:
            assert ledger.get(d.id) == d
        with pytest.raises(DisputeNotFound):
            ledger.row(victim.id)

    def test_events_others_stored_that_cannot_be_projected_never_stop_opening(
        self, make_ledger: LedgerFactory, plain_store: PlainStore
    ) -> None:
        stray = fq.Workflow("baseline", clock=fq.FixedClock(scenarios()[0].discovered_at), ids=lambda: "ZZ-1")
        d = stray.discover(channel="alarm_110", category="neighbour", summary="x", actor="officer:a")
        first, *rest = scenarios()
        store_all(plain_store(), [*rest, d])
        ledger = make_ledger(policy=choose_policy, policies=POLICIES)  # catches up: the stray one is set aside
        assert [p.stream_id for p in ledger.problems()] == [d.id]
        ledger.store.append(first.id, history(first), expected_version=0)
        assert snapshot(ledger)[:5] == snapshot(memory_twin([first, *rest]))[:5]

    # -- households ---------------------------------------------------------------------------
    def test_a_household_row_commits_in_the_appends_transaction(self, make_ledger: LedgerFactory, raw: Raw) -> None:
        inside: list[int] = []
        outside: list[int] = []

        def look(tx: Any, events: tuple[StoredEvent, ...]) -> None:
            inside.append(len(tx.execute("SELECT id FROM household_ledger").fetchall()))
            outside.append(len(raw("SELECT id FROM household_ledger")))

        ledger = make_ledger(projectors=[look])
        h = household_story()
        ledger.store.append(h.id, history(h)[:1], expected_version=0)
        assert (inside, outside) == ([1], [0])
        assert raw("SELECT id, version FROM household_ledger") == [(h.id, 1)]

    def test_households_stored_without_the_ledger_are_applied_when_it_opens(
        self, make_ledger: LedgerFactory, plain_store: PlainStore
    ) -> None:
        cases: list[Any] = [*scenarios(), *household_scenarios()]
        store_all(plain_store(), cases, chunk=3)
        ledger = make_ledger(policy=choose_policy, policies=POLICIES, household_policy=XIQI)
        twin, _ = mixed_ledger(lambda **options: MemoryLedger(**options))
        assert household_snapshot(ledger)[:-1] == household_snapshot(twin)[:-1]  # the position aside: it may have gaps
        assert ledger.position == list(ledger.store.read_all())[-1].position
        assert ledger.disputes() == twin.disputes()

    def test_a_ledger_from_before_households_projects_the_stored_households_on_opening(
        self, make_ledger: LedgerFactory, raw: Raw
    ) -> None:
        ledger, _ = mixed_ledger(make_ledger)
        before, disputes = household_snapshot(ledger), ledger.disputes()
        ledger.close()
        raw("DROP TABLE household_ledger")  # the layout of version 2: households were passed over
        raw("UPDATE dispute_ledger_state SET schema_version = 2")
        reopened = make_ledger(policy=choose_policy, policies=POLICIES, household_policy=XIQI)
        assert raw("SELECT schema_version FROM dispute_ledger_state") == [(3,)]
        assert (household_snapshot(reopened), reopened.disputes()) == (before, disputes)
        assert reopened.problems() == ()

    def test_a_household_row_out_of_step_with_its_stream_is_folded_again(
        self, make_ledger: LedgerFactory, raw: Raw
    ) -> None:
        ledger = make_ledger(household_policy=XIQI)
        tian = household_scenarios()[3]
        ledger.store.append(tian.id, history(tian)[:3], expected_version=0)
        raw("UPDATE household_ledger SET version = 1, household = '{}' WHERE id = ?", (tian.id,))
        ledger.store.append(tian.id, history(tian)[3:], expected_version=3)
        assert ledger.get_household(tian.id) == tian
        assert ledger.problems() == ()
