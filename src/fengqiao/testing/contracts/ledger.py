"""``LedgerContract``: the behaviour every ledger back-end shares."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import attrs
import pytest

import fengqiao as fq
from fengqiao.errors import DisputeNotFound, StorageError
from fengqiao.ledger import Ledger, MemoryLedger, RecordedPolicy
from fengqiao.policies.base import CHINA_TZ, BasePolicy
from fengqiao.storage import Append
from fengqiao.testing.contracts._ledger_households import _Households
from fengqiao.testing.contracts._ledger_queries import _Queries
from fengqiao.testing.contracts.ledger_support import (
    DAY,
    POLICIES,
    LedgerFactory,
    Stored,
    Switch,
    choose_policy,
    scenarios,
    snapshot,
    store_all,
)
from fengqiao.testing.contracts.support import (
    discover,
    raises_boom,
    workflow,
)
from fengqiao.testing.households import household_story


@attrs.frozen
class _Unregistered(BasePolicy):
    """The base rules under a name no registry knows (a station's own, not given to the ledger)."""

    name: ClassVar[str] = "unregistered-local-rules"


class LedgerContract(_Queries, _Households):
    """Behaviour every ledger back-end shares. Subclasses provide ``make_ledger``."""

    @pytest.fixture
    def make_ledger(self) -> LedgerFactory:
        raise NotImplementedError("a back-end's test class provides make_ledger")

    @pytest.fixture
    def ledger(self, make_ledger: LedgerFactory) -> Ledger:
        return make_ledger(policy=choose_policy, policies=POLICIES)

    @pytest.fixture
    def stored(self, ledger: Ledger) -> Stored:
        disputes = scenarios()
        store_all(ledger.store, disputes)
        return {d.id: d for d in disputes}

    # -- the projection ------------------------------------------------------------------
    def test_a_dispute_is_listed_as_soon_as_its_discovery_is_appended(self, make_ledger: LedgerFactory) -> None:
        ledger = make_ledger()
        d = discover(workflow())
        ledger.store.append(d.id, d.history, expected_version=0)
        (row,) = ledger.disputes()
        assert (row.id, row.state, row.policy, row.version, row.station) == (
            d.id,
            fq.State.DISCOVERED,
            "baseline",
            1,
            "蒲州派出所",
        )

    def test_each_append_brings_the_row_to_the_disputes_latest_value(self, ledger: Ledger) -> None:
        (d, *_) = scenarios()
        for version, event in enumerate(d.history):
            ledger.store.append(d.id, [event], expected_version=version)
            now = fq.replay(d.history[: version + 1])
            row = ledger.row(d.id)
            assert (row.version, row.state, row.grade, row.updated_at) == (
                now.version,
                now.state,
                now.grade,
                now.updated_at,
            )
            assert ledger.get(d.id) == now

    def test_every_back_end_gives_the_same_rows(self, ledger: Ledger, stored: Stored) -> None:
        memory = MemoryLedger(policy=choose_policy, policies=POLICIES)
        store_all(memory.store, stored.values(), chunk=100)
        assert snapshot(ledger)[:5] == snapshot(memory)[:5]

    def test_each_dispute_under_its_recorded_policy_gives_the_rows_of_choosing_by_hand(
        self, make_ledger: LedgerFactory
    ) -> None:
        ledger = make_ledger(policy=RecordedPolicy(), policies=POLICIES)
        disputes = scenarios()
        store_all(ledger.store, disputes)
        by_hand = MemoryLedger(policy=choose_policy, policies=POLICIES)
        store_all(by_hand.store, disputes, chunk=100)
        assert snapshot(ledger)[:5] == snapshot(by_hand)[:5]
        assert {row.policy for row in ledger.disputes()} == {choose_policy(d) for d in disputes}
        assert ledger.problems() == ()

    def test_a_dispute_recording_no_policy_is_handled_under_the_default(self, make_ledger: LedgerFactory) -> None:
        ledger = make_ledger(policy=RecordedPolicy("yongji-54333"))
        d = discover(workflow())  # baseline's, with its record of baseline taken out (as stored before 0.1.0)
        opened = d.history[0]
        assert isinstance(opened, fq.Discovered)
        ledger.store.append(d.id, [attrs.evolve(opened, policy=None)], expected_version=0)
        assert (ledger.row(d.id).policy, ledger.get(d.id).policy) == ("yongji-54333", None)

    def test_a_recorded_policy_the_ledger_does_not_know_is_quarantined_not_guessed(
        self, make_ledger: LedgerFactory
    ) -> None:
        ledger = make_ledger(policy=RecordedPolicy())
        wf = fq.Workflow(_Unregistered(), clock=fq.FixedClock(DAY), ids=lambda: "UN-1")
        d = wf.discover(channel="alarm_110", category="neighbour", summary="x", actor="officer:a")
        ledger.store.append(d.id, d.history, expected_version=0)
        (problem,) = ledger.problems()
        assert problem.stream_id == d.id
        assert _Unregistered.name in problem.reason
        assert ledger.count() == 0

    def test_get_gives_each_dispute_as_its_stored_history_replays(self, ledger: Ledger, stored: Stored) -> None:
        for dispute_id, d in stored.items():
            assert ledger.get(dispute_id) == fq.replay(ledger.store.load(dispute_id)) == d

    def test_households_in_the_same_store_are_household_rows_not_dispute_rows(self, make_ledger: LedgerFactory) -> None:
        ledger = make_ledger()
        d = discover(workflow())
        household = household_story().history
        ledger.store.append("story-1", household[:3], expected_version=0)
        ledger.store.append(d.id, d.history, expected_version=0)
        ledger.store.append("story-1", household[3:], expected_version=3)
        assert [row.id for row in ledger.disputes()] == [d.id]
        assert [row.id for row in ledger.households()] == ["story-1"]
        assert ledger.problems() == ()
        stored = list(ledger.store.read_all())
        assert len(stored) == len(household) + len(d.history)
        assert ledger.position == stored[-1].position  # positions may have gaps: the last one counts
        with pytest.raises(DisputeNotFound):
            ledger.row("story-1")
        assert ledger.rebuild() == len(household) + len(d.history)
        assert [row.id for row in ledger.disputes()] == [d.id]
        assert [row.id for row in ledger.households()] == ["story-1"]
        assert ledger.problems() == ()

    def test_an_unknown_dispute_is_not_found(self, ledger: Ledger) -> None:
        with pytest.raises(DisputeNotFound):
            ledger.row("nobody")

    def test_a_failed_append_leaves_the_ledger_as_it_was(self, make_ledger: LedgerFactory) -> None:
        switch = Switch()
        ledger = make_ledger(policy=choose_policy, policies=POLICIES, projectors=[switch])
        first, second, *rest = scenarios()
        store_all(ledger.store, rest)
        ledger.store.append(first.id, first.history[:4], expected_version=0)
        before = snapshot(ledger)
        switch.armed = True
        with raises_boom():
            ledger.store.append(first.id, first.history[4:], expected_version=4)
        with raises_boom():
            ledger.store.append(second.id, second.history, expected_version=0)
        assert snapshot(ledger) == before
        switch.armed = False
        ledger.store.append(second.id, second.history, expected_version=0)
        ledger.store.append(first.id, first.history[4:], expected_version=4)
        assert ledger.get(first.id) == first
        assert ledger.get(second.id) == second

    # -- poison isolation: one event the ledger cannot project stops nothing ------------------
    def test_an_event_the_ledger_cannot_project_is_quarantined_and_the_append_stands(self, ledger: Ledger) -> None:
        stray = fq.Workflow("baseline", clock=fq.FixedClock(DAY), ids=lambda: "ZZ-1")
        d = stray.discover(channel="alarm_110", category="neighbour", summary="x", actor="officer:a")
        ledger.store.append(d.id, d.history, expected_version=0)  # choose_policy knows no "ZZ" prefix
        assert ledger.store.load(d.id) == d.history
        (problem,) = ledger.problems()
        assert (problem.stream_id, problem.version) == (d.id, 1)
        assert "policy function raised KeyError" in problem.reason
        assert d.id in problem.reason
        assert ledger.count() == 0
        first, *_ = scenarios()
        ledger.store.append(first.id, first.history, expected_version=0)  # other writers go on
        assert ledger.get(first.id) == first
        assert ledger.position == list(ledger.store.read_all())[-1].position

    def test_a_quarantined_dispute_heals_with_retry_once_the_cause_is_gone(self, make_ledger: LedgerFactory) -> None:
        known: dict[str, str] = {}
        ledger = make_ledger(policy=lambda d: known[d.station])
        d = discover(workflow())
        ledger.store.append(d.id, d.history[:1], expected_version=0)
        ledger.store.append(d.id, d.history[1:], expected_version=1)
        assert [p.version for p in ledger.problems()] == [1]
        assert ledger.retry() == 0
        assert len(ledger.problems()) == 1
        known[d.station] = "baseline"
        assert ledger.retry() == 1
        assert ledger.problems() == ()
        assert ledger.get(d.id) == d

    def test_a_quarantined_dispute_heals_with_its_next_event(self, make_ledger: LedgerFactory) -> None:
        known: dict[str, str] = {}
        ledger = make_ledger(policy=lambda d: known[d.station])
        wf = workflow()
        d = wf.grade(discover(wf), actor="officer:xiao")
        ledger.store.append(d.id, d.history[:1], expected_version=0)
        known[d.station] = "baseline"
        ledger.store.append(d.id, d.history[1:], expected_version=1)
        assert ledger.problems() == ()
        assert ledger.get(d.id) == d

    def test_a_step_the_graph_does_not_allow_is_not_shown_as_done(self, ledger: Ledger) -> None:
        wf = workflow()
        d = discover(wf)
        later = wf.close(
            wf.record_visit(
                wf.resolve(
                    wf.record_attempt(
                        wf.mediate(wf.grade(d, actor="officer:xiao"), actor="officer:xiao"),
                        actor="officer:xiao",
                        outcome="agreement",
                    ),
                    actor="officer:xiao",
                ),
                actor="grid_worker:wang",
                kind="phone",
            ),
            actor="officer:xiao",
        )
        skipped = (d.history[0], later.history[-1])  # discovered, then closed: what the graph never allows
        ledger.store.append(d.id, skipped, expected_version=0)  # the raw, unchecked storage layer
        (problem,) = ledger.problems()
        assert problem.version == 1
        assert "cannot take a dispute from discovered to closed" in problem.reason
        assert ledger.count(state="closed") == 0

    def test_a_closed_ledger_refuses_to_answer(self, ledger: Ledger, stored: Stored) -> None:
        ledger.close()
        with pytest.raises(StorageError, match="closed"):
            ledger.disputes()
        with pytest.raises(StorageError, match="closed"):
            ledger.store.load("BL-0001")
        ledger.close()

    # -- rebuild ----------------------------------------------------------------------------
    def test_rebuild_gives_exactly_what_the_appends_built(self, ledger: Ledger, stored: Stored) -> None:
        before = snapshot(ledger)
        assert ledger.rebuild() == sum(d.version for d in stored.values())
        assert snapshot(ledger) == before
        assert ledger.overdue(datetime(2025, 1, 1, tzinfo=CHINA_TZ))

    def test_a_ledger_filled_by_append_many_equals_append_by_append_and_its_rebuild(self, ledger: Ledger) -> None:
        disputes = scenarios()
        ledger.store.append_many([Append(d.id, d.history[:3], expected_version=0) for d in disputes])
        ledger.store.append_many([Append(d.id, d.history[3:], expected_version=3) for d in disputes if d.version > 3])
        one_by_one = MemoryLedger(policy=choose_policy, policies=POLICIES)
        store_all(one_by_one.store, disputes)
        assert snapshot(ledger)[:5] == snapshot(one_by_one)[:5]
        before = snapshot(ledger)
        assert ledger.rebuild() == sum(d.version for d in disputes)
        assert snapshot(ledger) == before

    def test_rebuilding_an_empty_store_gives_an_empty_ledger(self, ledger: Ledger) -> None:
        assert ledger.rebuild() == 0
        assert (ledger.disputes(), ledger.position) == ((), 0)
