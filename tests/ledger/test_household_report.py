"""The household report over a store: the simulation's figures read back, overdue deadlines at the right instants."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from pathlib import Path

import attrs
import pytest

import fengqiao as fq
from fengqiao.ledger import HouseholdReport, household_report, open_ledger
from fengqiao.simulation import HouseholdScenario, HouseholdSimulationResult, simulate_households, xiqi
from fengqiao.storage import HouseholdRepository, MemoryEventStore, Repository, SQLiteEventStore
from tests.stages import START

SECOND = timedelta(seconds=1)
SMALL = xiqi().scaled(0.05)


UNANSWERED = attrs.evolve(SMALL, help_report_rate=0.0)
"""No department ever reports in: every referral of the year is overdue at its end."""


@functools.cache
def simulated(scenario: HouseholdScenario = SMALL) -> tuple[MemoryEventStore, HouseholdSimulationResult]:
    store = MemoryEventStore()
    return store, simulate_households(scenario, "xiqi-family-risk", store=store)


@functools.cache
def simulated_report(scenario: HouseholdScenario = SMALL) -> HouseholdReport:
    store, result = simulated(scenario)
    return household_report(store, at=result.end)


class Township:
    """A store with households (and a dispute) handled under xiqi-family-risk on a fixed clock."""

    def __init__(self, store: fq.storage.EventStore | None = None) -> None:
        self.clock = fq.FixedClock(START)
        self.store = store or MemoryEventStore()
        self.households = HouseholdRepository(fq.HouseholdWorkflow("xiqi-family-risk", clock=self.clock), self.store)
        self.disputes = Repository(fq.Workflow(clock=self.clock), self.store)

    def assessed(self, household_id: str, *factors: str) -> fq.Household:
        h = self.households.screen(village="西歧村", actor="grid_worker:li", household_id=household_id)
        h = self.households.fire(h, "watch", reason="走访发现", factors=list(factors), actor="grid_worker:li")
        return self.households.fire(h, "assess", actor="party_secretary:tian")

    def referred(self, household_id: str) -> fq.Household:
        h = self.assessed(household_id, "illness_hardship")
        return self.households.fire(h, "refer_help", department="civil_affairs", need="低保", actor="grid_worker:li")


def test_the_report_reads_back_the_simulations_figures() -> None:
    _, result = simulated()
    report = simulated_report()
    assert report.figures() == result.figures() == SMALL.figures()
    assert report.metrics == result.metrics


def test_the_report_replays_every_household_as_the_simulation_left_it_in_id_order() -> None:
    _, result = simulated()
    report = simulated_report()
    assert report.households == result.households
    assert [h.id for h in report.households] == sorted(h.id for h in result.households)


def test_the_report_of_the_full_preset_gives_the_reports_figures(tmp_path: Path) -> None:
    with SQLiteEventStore(tmp_path / "xiqi.db") as store:
        result = simulate_households(xiqi(), "xiqi-family-risk", store=store)
        report = household_report(store, at=result.end)
    assert report.figures() == {
        "screened": 3027,
        "watched": 257,
        "class.I": 5,
        "class.II": 23,
        "class.III": 185,
        "unclassed": 44,
    }


def test_the_report_has_the_policys_own_figures() -> None:
    report = simulated_report()
    assert report.policy == "xiqi-family-risk"
    assert report.metrics["help.pending"] == 0
    assert report.metrics["state.managed"] == SMALL.classed
    assert sum(report.metrics[f"work.{k}"] for k in fq.WorkKind) >= SMALL.classed


def test_the_overdue_deadlines_are_the_unanswered_help_of_the_simulated_year() -> None:
    _, result = simulated(UNANSWERED)
    report = simulated_report(UNANSWERED)
    expected = sorted((r.at + timedelta(days=7), h.id) for h in result.households for r in h.pending_help)
    assert expected
    assert [(row.due, row.household_id) for row in report.overdue] == expected
    assert {row.code for row in report.overdue} == {"xiqi.help.report-in"}
    assert report.metrics["help.pending"] == len(expected)


def test_disputes_in_the_same_store_are_passed_over() -> None:
    town = Township()
    town.assessed("peng", "mental_illness", "dispute")
    town.disputes.discover(
        channel="alarm_110", category="neighbour", summary="排水沟纠纷", actor="officer:xiao", dispute_id="d-1"
    )
    report = household_report(town.store, at=START)
    assert [h.id for h in report.households] == ["peng"]
    assert report.metrics["screened"] == 1


def test_help_asked_of_a_department_is_overdue_only_after_its_seven_days() -> None:
    town = Township()
    h = town.referred("tian")
    due = h.help[0].at + timedelta(days=7)
    assert household_report(town.store, at=due).overdue == ()
    (row,) = household_report(town.store, at=due + SECOND).overdue
    assert (row.household_id, row.village, row.code, row.due) == ("tian", "西歧村", "xiqi.help.report-in", due)
    assert row.message("zh") == "民政须在7日内报到"
    assert row.message("en") == "civil affairs reports in within 7 days"


def test_help_reported_in_is_not_overdue_even_when_late() -> None:
    town = Township()
    h = town.referred("tian")
    town.clock.advance(timedelta(days=9))
    town.households.fire(h, "help_reported", department="civil_affairs", result="已纳入低保", actor="grid_worker:li")
    assert household_report(town.store, at=START + timedelta(days=30)).overdue == ()


def test_a_linked_dispute_makes_the_reassessment_overdue_after_thirty_days() -> None:
    town = Township()
    h = town.assessed("peng", "mental_illness", "dispute")
    town.clock.advance(timedelta(days=2))
    d = town.disputes.discover(
        channel="alarm_110",
        category="neighbour",
        summary="排水沟纠纷",
        parties=[fq.Party(name="彭某某", household=h.id)],
        actor="officer:xiao",
        dispute_id="d-1",
    )
    town.households.link_parties(town.disputes, d, actor="officer:xiao")
    due = town.clock.now() + timedelta(days=30)
    assert household_report(town.store, at=due).overdue == ()
    (row,) = household_report(town.store, at=due + SECOND).overdue
    assert (row.household_id, row.code, row.due) == ("peng", "xiqi.reassess", due)


def test_overdue_deadlines_come_earliest_due_first() -> None:
    town = Township()
    town.referred("a-late")
    town.clock.set(START - timedelta(days=1))
    town.referred("b-early")
    rows = household_report(town.store, at=START + timedelta(days=30)).overdue
    assert [r.household_id for r in rows] == ["b-early", "a-late"]


def test_the_report_reads_a_sqlite_store_and_a_ledgers_store_alike(tmp_path: Path) -> None:
    with open_ledger(tmp_path / "town.db") as ledger:
        Township(ledger.store).referred("tian")
        by_ledger = household_report(ledger, at=START + timedelta(days=8))
    with SQLiteEventStore(tmp_path / "town.db") as store:
        by_store = household_report(store, at=START + timedelta(days=8))
    assert [r.household_id for r in by_ledger.overdue] == [r.household_id for r in by_store.overdue] == ["tian"]
    assert by_ledger.households == by_store.households


def test_an_empty_store_gives_an_empty_report() -> None:
    report = household_report(MemoryEventStore(), at=START)
    assert report.households == ()
    assert report.overdue == ()
    assert report.figures()["screened"] == 0


def test_a_dispute_policy_is_refused_naming_the_household_policies() -> None:
    with pytest.raises(fq.ValidationError, match="dispute policy") as caught:
        household_report(MemoryEventStore(), "yongji-54333", at=START)
    assert caught.value.path == "policy"


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(fq.ValidationError) as caught:
        household_report(MemoryEventStore(), at=datetime(2024, 3, 1))
    assert caught.value.path == "at"


def test_something_other_than_a_store_is_refused() -> None:
    with pytest.raises(fq.ValidationError) as caught:
        household_report("fengqiao.db", at=START)  # type: ignore[arg-type]
    assert caught.value.path == "store"


def test_the_repository_lists_every_household_and_no_dispute() -> None:
    town = Township()
    town.assessed("b", "dispute")
    town.disputes.discover(
        channel="alarm_110", category="neighbour", summary="排水沟纠纷", actor="officer:xiao", dispute_id="a"
    )
    town.households.screen(village="西歧村", actor="grid_worker:li", household_id="c")
    listed = list(town.households.households())
    assert [h.id for h in listed] == ["b", "c"]
    assert listed[0] == town.households.get("b")
