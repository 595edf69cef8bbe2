"""The household simulation: the xiqi preset's figures exactly, reproducibly, under the base and a strict policy."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import attrs
import pytest

import fengqiao as fq
from fengqiao.domain.actor import Role
from fengqiao.domain.household import FactorId, HouseholdFactor, RiskClass
from fengqiao.households import HouseholdWorkflow
from fengqiao.lifecycle.household import Household
from fengqiao.lifecycle.household_events import (
    HouseholdAssessed,
    HouseholdEvent,
    HouseholdIncident,
    HouseholdManaged,
    HouseholdState,
)
from fengqiao.lifecycle.household_payloads import HouseholdAssessment
from fengqiao.lifecycle.states import TriggerId
from fengqiao.policies.households import HouseholdBasePolicy
from fengqiao.simulation import CHUNK, HouseholdScenario, HouseholdSimulationResult, Village, simulate_households, xiqi
from fengqiao.storage import Append, MemoryEventStore, PlaceRepository

REPORT = {"screened": 3027, "watched": 257, "class.I": 5, "class.II": 23, "class.III": 185, "unclassed": 44}
SMALL = xiqi().scaled(0.1)
_SERIOUS = {
    HouseholdFactor.VIOLENCE_THREAT,
    HouseholdFactor.DOMESTIC_VIOLENCE,
    HouseholdFactor.MENTAL_ILLNESS,
    HouseholdFactor.DRUG_USER,
}
_ASSESSORS = frozenset({Role.POLITICAL_LEGAL_MEMBER, Role.PARTY_SECRETARY})


class StrictPolicy(HouseholdBasePolicy):
    """A stand-in for ``xiqi-family-risk``: a class table, assessors by role, management gated.

    Screening is refused to grid workers (auxiliary police only), so the agent's fallback to a
    role the policy allows is exercised too.
    """

    name = "test-strict-households"

    def assess(self, household: Household, factors: frozenset[FactorId], at: datetime) -> HouseholdAssessment:
        if factors & _SERIOUS and len(factors) >= 3:
            risk_class = RiskClass.I
        elif len(factors) >= 2:
            risk_class = RiskClass.II
        else:
            risk_class = RiskClass.III
        base = super().assess(household, factors, at)
        return attrs.evolve(base, risk_class=risk_class, rule=f"{self.name}.table")

    def required_roles(self, action: TriggerId) -> frozenset[Role] | None:
        if action in ("assess", "reassess"):
            return _ASSESSORS
        if action == "screen":
            return frozenset({Role.AUXILIARY_OFFICER})
        return None

    def preconditions(self, household: Household, trigger: TriggerId, at: datetime) -> Iterable[fq.Refusal]:
        if trigger == "manage" and not household.cadres:
            yield fq.Refusal("test.manage.cadre-missing", "未指定包联干部", "no cadre assigned")

    def refusals(self, household: Household, event: HouseholdEvent) -> Iterable[fq.Refusal]:
        if isinstance(event, HouseholdManaged) and not (event.payload.plan and event.payload.team):
            yield fq.Refusal("test.manage.plan-missing", "缺少方案或专班", "no plan or team")


class NeverManage(HouseholdBasePolicy):
    """Refuses every ``manage``: the agent must give up, not fail."""

    name = "test-never-manage"

    def preconditions(self, household: Household, trigger: TriggerId, at: datetime) -> Iterable[fq.Refusal]:
        if trigger == "manage":
            yield fq.Refusal("test.manage.never", "不予管控", "never managed")


@functools.cache
def run(scenario: HouseholdScenario, strict: bool = True) -> HouseholdSimulationResult:
    return simulate_households(scenario, StrictPolicy() if strict else "household-base")


def test_the_xiqi_preset_asks_for_the_reports_figures() -> None:
    assert xiqi().figures() == REPORT
    assert xiqi().unclassed == 44


def test_the_xiqi_preset_reproduces_the_reports_figures_exactly() -> None:
    result = run(xiqi())
    assert result.figures() == REPORT
    assert result.matches()
    assert (result.given_up, result.unmatched, result.refusals) == (0, 0, {})
    assert len(result.households) == 3027


def test_the_unclassed_households_are_watched_and_never_assessed() -> None:
    unclassed = [h for h in run(SMALL).households if h.state == HouseholdState.WATCHED]
    assert len(unclassed) == SMALL.unclassed > 0
    assert all(h.assessment is None for h in unclassed)
    assert not any(isinstance(e, HouseholdAssessed) for h in unclassed for e in h.history)


def test_the_xiqi_preset_reproduces_the_reports_figures_under_xiqi_family_risk() -> None:
    result = simulate_households(xiqi(), "xiqi-family-risk")
    assert result.figures() == REPORT
    assert (result.given_up, result.unmatched) == (0, 0)


def test_a_village_without_a_name_is_refused() -> None:
    with pytest.raises(fq.ValidationError, match="name"):
        Village(" ", 3)


def test_under_the_base_policy_every_classed_household_is_class_iii() -> None:
    result = run(SMALL, strict=False)
    counts = dict(SMALL.classes)
    assert result.policy == "household-base"
    figures = result.figures()
    assert (figures["class.I"], figures["class.II"], figures["class.III"]) == (0, 0, SMALL.classed)
    assert result.unmatched == counts[RiskClass.I] + counts[RiskClass.II]
    assert {k: figures[k] for k in ("screened", "watched", "unclassed")} == {
        k: SMALL.figures()[k] for k in ("screened", "watched", "unclassed")
    }
    assert not result.matches()


def test_the_same_seed_gives_the_same_result() -> None:
    assert simulate_households(SMALL, StrictPolicy()) == run(SMALL)


def test_another_seed_gives_other_households_with_the_same_exact_counts() -> None:
    other = run(SMALL.with_seed(7))
    assert other.figures() == SMALL.figures()
    assert other.households != run(SMALL).households


def test_every_household_replays_to_itself() -> None:
    wf = HouseholdWorkflow(StrictPolicy())
    households = run(SMALL).households
    watched = [h for h in households if h.version > 1]
    for h in watched + list(households[::25]):
        assert wf.replay(h.history) == h


def test_the_strict_policys_gates_are_met_without_a_refusal() -> None:
    result = run(SMALL)
    managed = [h for h in result.households if h.state == HouseholdState.MANAGED]
    assert len(managed) == SMALL.classed
    assert all(h.cadres and h.plan and h.team for h in managed)
    assessors = {e.actor.id.partition(":")[0] for h in managed for e in h.history if isinstance(e, HouseholdAssessed)}
    assert assessors <= {"political_legal_member", "party_secretary"}
    screeners = {h.history[0].actor.id.partition(":")[0] for h in result.households}
    assert screeners == {"auxiliary_officer"}
    assert result.refusals == {}
    assert result.given_up == 0


def test_a_refusal_leaves_the_household_where_it_stands_and_is_counted() -> None:
    result = simulate_households(SMALL, NeverManage())
    assert result.given_up == SMALL.classed
    assert result.refusals == {"test.manage.never": SMALL.classed}
    assert result.figures()["class.III"] == SMALL.classed
    assert sum(h.state == HouseholdState.ASSESSED for h in result.households) == SMALL.classed


def test_hardship_help_is_referred_and_mostly_reported() -> None:
    households = run(xiqi()).households
    referrals = [r for h in households for r in h.help]
    assert referrals
    assert 0.75 < sum(r.answered for r in referrals) / len(referrals) <= 1.0


def test_an_incident_in_the_daily_report_marks_that_days_filing() -> None:
    result = run(SMALL)
    incidents = [
        (h.village, e.at)
        for h in result.households
        for e in h.history
        if isinstance(e, HouseholdIncident) and e.payload.daily_report
    ]
    assert incidents
    for village, at in incidents:
        assert fq.policies.rhythms.Filing(at, "incident") in result.filings[village]
    kinds = {f.kind for filings in result.filings.values() for f in filings}
    assert kinds == {"incident", "all_quiet"}


def tiny(missed: float, *, days: int = 10, seed: int = 1) -> HouseholdScenario:
    """Two villages, no one watched: only the daily reports."""
    return HouseholdScenario(
        name="tiny",
        start=date(2024, 4, 1),
        days=days,
        villages=[Village("村A", 3), Village("村B", 2, grids=2)],
        watched=0,
        classes={},
        screening_days=1,
        missed_report_share=missed,
        seed=seed,
    )


@pytest.mark.parametrize(("missed", "expected"), [(0.0, 0), (1.0, 10)])
def test_no_day_or_every_day_missed(missed: float, expected: int) -> None:
    assert simulate_households(tiny(missed)).missing_daily_reports == {"村A": expected, "村B": expected}


def test_missing_daily_reports_are_the_days_without_a_filing() -> None:
    result = simulate_households(tiny(0.5, days=40))
    first = datetime(2024, 4, 1, tzinfo=fq.policies.CHINA_TZ)
    for village, filings in result.filings.items():
        filed_days = {(f.at - first) // timedelta(days=1) for f in filings}
        assert len(filed_days) == len(filings)  # one report a day at most
        assert result.missing_daily_reports[village] == 40 - len(filed_days)
        assert 5 < result.missing_daily_reports[village] < 35


def test_a_missed_day_is_overdue_the_next_morning() -> None:
    result = simulate_households(tiny(1.0))
    second_morning = datetime(2024, 4, 2, 8, tzinfo=fq.policies.CHINA_TZ)
    check = result.daily_report_checks(second_morning)["村A"]
    assert [p.period.label for p in check.missed] == ["2024-04-01"]


def test_the_preset_misses_about_three_percent_of_village_days() -> None:
    result = run(xiqi())
    share = sum(result.missing_daily_reports.values()) / (366 * 12)
    assert 0.02 < share < 0.04
    assert "daily reports missing" in result.summary()


def test_more_classed_than_watched_is_refused() -> None:
    with pytest.raises(fq.ValidationError, match="classed"):
        attrs.evolve(xiqi(), watched=200)


def test_too_short_a_year_for_the_classed_households_is_refused() -> None:
    with pytest.raises(fq.ValidationError, match="days"):
        attrs.evolve(xiqi(), days=80)


def test_scaling_keeps_the_villages_and_the_proportions() -> None:
    assert len(SMALL.villages) == 12
    assert SMALL.figures() == {
        "screened": 303,
        "watched": 26,
        "class.I": 0,
        "class.II": 2,
        "class.III": 18,
        "unclassed": 6,
    }


class CountingStore(MemoryEventStore):
    """A memory store that remembers how many streams each ``append_many`` carried."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    def append_many(self, appends: Iterable[Append], /) -> tuple[int, ...]:
        batch = list(appends)
        self.batches.append(len(batch))
        return super().append_many(batch)


def test_a_store_receives_every_households_history_in_batches_of_chunk() -> None:
    store = CountingStore()
    result = simulate_households(xiqi(), "xiqi-family-risk", store=store)
    assert store.batches == [CHUNK, CHUNK, CHUNK, 27, 12]  # the households, then the 12 villages' reports
    stored = [HouseholdWorkflow("xiqi-family-risk").replay(store.load(h.id)) for h in result.households]
    assert tuple(stored) == result.households
    places = PlaceRepository(fq.PlaceWorkflow("xiqi-family-risk"), store)
    assert tuple(places.places()) == result.places
    reports = sum(p.version - 1 for p in result.places)
    assert reports == sum(len(f) for f in result.filings.values())
    assert sum(len(store.load(s)) for s in store.streams()) == result.events + reports + len(result.places)
    assert store.verify().ok


def test_the_stored_reports_miss_the_days_the_simulation_missed() -> None:
    store = MemoryEventStore()
    result = simulate_households(SMALL, store=store)
    places = PlaceRepository(fq.PlaceWorkflow("xiqi-family-risk"), store)
    after_the_end = result.end + timedelta(microseconds=1)
    stored = {
        p.name: len(c["xiqi.daily-report"].missed)
        for p in places.places()
        for c in [places.workflow.checks(p, at=after_the_end)]
    }
    assert stored == dict(result.missing_daily_reports)
    assert sum(stored.values()) > 0
    incidents = [r for p in result.places for r in p.reports if not r.quiet]
    assert incidents
    assert all(r.households for r in incidents)
    watched_by_report = {i.by for h in result.households for i in h.incidents if i.daily_report}
    assert watched_by_report


def test_a_simulation_into_a_store_returns_what_it_returns_without() -> None:
    assert simulate_households(SMALL, store=MemoryEventStore()) == run(SMALL, strict=False)


def test_a_store_that_holds_the_simulations_households_is_refused_and_nothing_more_is_stored() -> None:
    store = MemoryEventStore()
    simulate_households(SMALL, store=store)
    before = store.digest()
    with pytest.raises(fq.ValidationError, match=rf"already holds (place:)?{re.escape(SMALL.name)}-01") as caught:
        simulate_households(SMALL.with_seed(7), store=store)
    assert caught.value.path == "store"
    after = store.digest()
    assert (after.root, after.position, after.events) == (before.root, before.position, before.events)


def test_another_scale_of_the_same_preset_goes_into_the_same_store() -> None:
    store = MemoryEventStore()
    simulate_households(SMALL, store=store)
    simulate_households(xiqi().scaled(0.05), store=store)
    villages = 2 * len(SMALL.villages)
    assert len(list(store.streams())) == SMALL.households + xiqi().scaled(0.05).households + villages


def test_something_other_than_a_store_is_refused() -> None:
    with pytest.raises(fq.ValidationError) as caught:
        simulate_households(SMALL, store="fengqiao.db")  # type: ignore[arg-type]
    assert caught.value.path == "store"


@pytest.mark.parametrize("factor", [0, -1.0, float("nan"), float("inf"), 1e300, True, "2"])
def test_a_scale_that_is_not_a_number_above_zero_and_at_most_a_thousand_is_refused(factor: float) -> None:
    with pytest.raises(fq.ValidationError, match="factor above 0 and at most 1,000") as caught:
        xiqi().scaled(factor)
    assert caught.value.path == "factor"
