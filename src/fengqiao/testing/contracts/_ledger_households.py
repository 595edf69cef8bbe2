"""The ledger contract's households: a row per household beside the disputes' rows, in one store."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

import fengqiao as fq
from fengqiao.domain.clock import FixedClock
from fengqiao.errors import HouseholdNotFound, ValidationError
from fengqiao.households import replay_household
from fengqiao.ledger import HouseholdRow, Ledger, MemoryLedger, household_report
from fengqiao.lifecycle.household import Household
from fengqiao.policies.base import CHINA_TZ, Deadline
from fengqiao.policies.households import HouseholdBasePolicy
from fengqiao.testing.contracts.ledger_support import POLICIES, LedgerFactory, choose_policy, scenarios, store_all
from fengqiao.testing.households import household_story

__all__ = ["XIQI", "history", "household_scenarios", "household_snapshot", "mixed_ledger"]

XIQI = "xiqi-family-risk"
LEAD, GRID, CADRE = "political_legal_member:peng", "grid_worker:li", "cadre:wu"


def history(case: Any) -> tuple[Any, ...]:
    """A case's events as the store's protocol takes them (it names dispute events; it stores both kinds)."""
    return tuple(case.history)


def household_scenarios() -> tuple[Household, ...]:
    """Households under ``xiqi-family-risk`` at every stage, in three villages, ids ``HH-…``."""
    clock = FixedClock(datetime(2024, 3, 1, 9, tzinfo=CHINA_TZ))
    ids = itertools.count(1)
    wf = fq.HouseholdWorkflow(XIQI, clock=clock, ids=lambda: f"HH-{next(ids):02d}")

    def later(h: Household, trigger: str, actor: str, **payload: Any) -> Household:
        clock.advance(timedelta(hours=5))
        return wf.fire(h, trigger, actor=actor, **payload)

    def watched(village: str, *factors: str) -> Household:
        h = wf.screen(village=village, grid="2", actor=GRID)
        return later(h, "watch", GRID, reason="走访发现", factors=list(factors))

    screened = wf.screen(village="西歧村", grid="1", actor=GRID)
    unclassed = watched("龙头村", "left_behind")
    peng = later(watched("西歧村", "mental_illness", "dispute"), "assess", LEAD, meeting=True)
    peng = later(peng, "link_dispute", GRID, dispute_id="BL-0001")
    tian = later(watched("那咱村", "illness_hardship"), "assess", "party_secretary:tian")
    tian = later(tian, "assign_cadre", LEAD, person="村主任田某")
    tian = later(tian, "manage", LEAD, plan="每周走访", team=["田某", "李某"])
    tian = later(tian, "refer_help", CADRE, department="civil_affairs", need="低保")
    knife = later(watched("西歧村", "violence_threat"), "assess", LEAD)
    released = later(watched("龙头村", "dispute"), "assess", LEAD)
    released = later(
        later(released, "assign_cadre", LEAD, person="干部吴某"), "manage", LEAD, plan="调解", team=["吴某"]
    )
    released = later(released, "release", LEAD, reason="纠纷已化解")
    gone = later(wf.screen(village="那咱村", actor=GRID), "deregister", GRID, reason="全家迁出")
    story = household_story(fq.HouseholdWorkflow(XIQI, clock=FixedClock(datetime(2024, 3, 1, 9, tzinfo=CHINA_TZ))))
    return (screened, unclassed, peng, tian, knife, released, gone, story)


def mixed_ledger(make_ledger: LedgerFactory, **options: Any) -> tuple[Ledger, dict[str, Any]]:
    """A ledger under ``xiqi-family-risk`` holding the dispute and household scenarios, appended interleaved."""
    ledger = make_ledger(policy=choose_policy, policies=POLICIES, household_policy=XIQI, **options)
    cases: list[Any] = [*scenarios(), *household_scenarios()]
    store_all(ledger.store, cases, chunk=3)  # the disputes' helper stores any kind's histories
    return ledger, {c.id: c for c in cases}


def household_snapshot(ledger: Ledger) -> tuple[Any, ...]:
    """Everything a ledger answers about households, to compare two ledgers (or one, before and after)."""
    rows = ledger.households()
    return rows, tuple(ledger.get_household(r.id) for r in rows), ledger.household_figures(), ledger.position


CONDITIONS: list[tuple[dict[str, Any], Callable[[HouseholdRow], bool]]] = [
    ({"village": "西歧村"}, lambda r: r.village == "西歧村"),
    ({"village": ["龙头村", "那咱村"]}, lambda r: r.village in ("龙头村", "那咱村")),
    ({"state": "managed"}, lambda r: r.state == fq.HouseholdState.MANAGED),
    ({"risk_class": "II"}, lambda r: r.risk_class is fq.RiskClass.II),
    ({"risk_class": fq.RiskClass.III}, lambda r: r.risk_class is fq.RiskClass.III),
    ({"classed": False}, lambda r: r.risk_class is None),
    ({"reassessment_due": True}, lambda r: r.reassessment_due),
    ({"help_pending": True}, lambda r: r.pending_help > 0),
    ({"open_only": True}, lambda r: r.state != fq.HouseholdState.DEREGISTERED),
    ({"state": "watched", "classed": False}, lambda r: r.unclassed),
]


class Flaky(HouseholdBasePolicy):
    """The base household policy, whose deadlines fail while ``broken``: a passing cause of quarantine."""

    name = "flaky-households"

    def __init__(self) -> None:
        self.broken = True

    def deadlines(self, household: Household) -> Iterable[Deadline]:
        """None, or a failure while broken."""
        if self.broken:
            raise RuntimeError("deadlines are down")
        return ()


class _Households:
    """Households and disputes mixed in one store: rows per kind, rebuild, quarantine, queries, the report."""

    def test_households_get_household_rows_and_disputes_dispute_rows(self, make_ledger: LedgerFactory) -> None:
        ledger, cases = mixed_ledger(make_ledger)
        disputes = sorted(i for i, c in cases.items() if isinstance(c, fq.Dispute))
        households = sorted(i for i, c in cases.items() if isinstance(c, Household))
        assert [r.id for r in ledger.disputes()] == disputes
        assert [r.id for r in ledger.households()] == households
        assert ledger.problems() == ()
        stored = list(ledger.store.read_all())
        assert len(stored) == sum(c.version for c in cases.values())
        assert ledger.position == stored[-1].position  # positions may have gaps: the last one counts
        for hid in households:
            assert (
                ledger.get_household(hid) == replay_household(cast("Any", ledger.store.load(hid)), XIQI) == cases[hid]
            )
        with pytest.raises(fq.DisputeNotFound):
            ledger.row(households[0])
        with pytest.raises(HouseholdNotFound):
            ledger.household(disputes[0])

    def test_a_household_row_says_what_the_household_is(self, make_ledger: LedgerFactory) -> None:
        ledger, cases = mixed_ledger(make_ledger)
        peng, tian = ledger.household("HH-03"), ledger.household("HH-04")
        assert (peng.village, peng.state, peng.risk_class, peng.disputes, peng.reassessment_due) == (
            "西歧村",
            fq.HouseholdState.ASSESSED,
            fq.RiskClass.II,
            1,
            True,
        )
        assert peng.factors == (fq.HouseholdFactor.DISPUTE, fq.HouseholdFactor.MENTAL_ILLNESS)
        assert (tian.state, tian.pending_help, tian.policy, tian.version) == (
            "managed",
            1,
            XIQI,
            cases["HH-04"].version,
        )
        assert tian.work == tuple(sorted(cases["HH-04"].work, key=str))
        assert tian.next_due == cases["HH-04"].help[0].at + timedelta(days=7)
        assert ledger.household("HH-01").risk_class is None
        assert ledger.household("story-1").open is False

    def test_each_household_append_brings_its_row_to_the_latest_value(self, make_ledger: LedgerFactory) -> None:
        ledger = make_ledger(household_policy=XIQI)
        tian = household_scenarios()[3]
        for version, event in enumerate(history(tian)):
            ledger.store.append(tian.id, [event], expected_version=version)
            now = replay_household(tian.history[: version + 1], XIQI)
            assert (ledger.household(tian.id).version, ledger.household(tian.id).state) == (now.version, now.state)
            assert ledger.get_household(tian.id) == now

    def test_recorded_household_policies_count_the_households_by_the_policy_they_record(
        self, make_ledger: LedgerFactory
    ) -> None:
        ledger, cases = mixed_ledger(make_ledger)
        households = [c for c in cases.values() if isinstance(c, Household)]
        counted = Counter(None if h.policy is None else h.policy.name for h in households)
        assert len(households) >= 2
        assert ledger.recorded_household_policies() == dict(counted)
        village = households[0].village
        in_village = Counter(None if h.policy is None else h.policy.name for h in households if h.village == village)
        assert ledger.recorded_household_policies(village=village) == dict(in_village)
        with pytest.raises(ValidationError):
            ledger.recorded_household_policies(colour="red")

    def test_every_back_end_gives_the_same_household_rows(self, make_ledger: LedgerFactory) -> None:
        ledger, _ = mixed_ledger(make_ledger)
        memory, _ = mixed_ledger(lambda **options: MemoryLedger(**options))
        # every answer but the position, which a back-end may number with gaps
        assert household_snapshot(ledger)[:-1] == household_snapshot(memory)[:-1]
        assert ledger.position == list(ledger.store.read_all())[-1].position

    def test_a_rebuild_of_a_mixed_store_gives_what_the_appends_built(self, make_ledger: LedgerFactory) -> None:
        ledger, cases = mixed_ledger(make_ledger)
        disputes, households = ledger.disputes(), household_snapshot(ledger)
        assert ledger.rebuild() == sum(c.version for c in cases.values())
        assert (ledger.disputes(), household_snapshot(ledger)) == (disputes, households)

    def test_a_poison_household_stream_is_quarantined_and_the_rest_go_on(self, make_ledger: LedgerFactory) -> None:
        ledger = make_ledger(household_policy=XIQI)
        screened, _, peng, *_ = household_scenarios()
        skipped = (history(peng)[0], history(peng)[2])  # screened, then assessed: never watched
        ledger.store.append(peng.id, skipped, expected_version=0)  # the raw, unchecked storage layer
        (problem,) = ledger.problems()
        assert (problem.stream_id, problem.version) == (peng.id, 1)
        assert "cannot take a household from screened to assessed" in problem.reason
        ledger.store.append(screened.id, history(screened), expected_version=0)
        d = scenarios()[0]
        ledger.store.append(d.id, history(d), expected_version=0)
        assert [r.id for r in ledger.households()] == [screened.id]
        assert ledger.get(d.id) == d
        assert ledger.retry() == 0
        assert len(ledger.problems()) == 1
        with pytest.raises(HouseholdNotFound):
            ledger.household(peng.id)
        assert ledger.rebuild() == 2 + screened.version + d.version
        assert [p.stream_id for p in ledger.problems()] == [peng.id]

    def test_a_quarantined_household_heals_with_retry_once_the_cause_is_gone(self, make_ledger: LedgerFactory) -> None:
        flaky = Flaky()
        ledger = make_ledger(household_policy=flaky)
        story = household_story()
        ledger.store.append(story.id, history(story)[:2], expected_version=0)
        ledger.store.append(story.id, history(story)[2:], expected_version=2)
        assert [p.version for p in ledger.problems()] == [1, 3]  # each append that could not be projected
        assert "RuntimeError: deadlines are down" in ledger.problems()[0].reason
        assert ledger.retry() == 0
        flaky.broken = False
        assert ledger.retry() == 1
        assert ledger.problems() == ()
        assert ledger.get_household(story.id) == story

    def test_a_quarantined_household_heals_with_its_next_event(self, make_ledger: LedgerFactory) -> None:
        flaky = Flaky()
        ledger = make_ledger(household_policy=flaky)
        story = household_story()
        ledger.store.append(story.id, history(story)[:2], expected_version=0)
        flaky.broken = False
        ledger.store.append(story.id, history(story)[2:], expected_version=2)
        assert ledger.problems() == ()
        assert ledger.get_household(story.id) == story

    @pytest.mark.parametrize(("conditions", "wanted"), CONDITIONS, ids=[str(c) for c, _ in CONDITIONS])
    def test_each_household_condition_keeps_exactly_the_households_that_meet_it(
        self, make_ledger: LedgerFactory, conditions: dict[str, Any], wanted: Callable[[HouseholdRow], bool]
    ) -> None:
        ledger, cases = mixed_ledger(make_ledger)
        every = ledger.households()
        expected = [r.id for r in every if wanted(r)]
        assert expected, "each condition should select something in the scenarios"
        assert expected != [r.id for r in every], "… and leave something out"
        assert [r.id for r in ledger.households(**conditions)] == expected
        assert ledger.household_count(**conditions) == len(expected)
        assert list(ledger.select_households(**conditions)) == [cases[i] for i in expected]
        assert [r.id for r in ledger.households(**conditions, limit=1)] == expected[:1]

    def test_an_unknown_household_condition_is_refused_with_the_nearest(self, make_ledger: LedgerFactory) -> None:
        ledger = make_ledger()
        with pytest.raises(ValidationError, match="did you mean village") as caught:
            ledger.household_count(vilage="西歧村")
        assert caught.value.path == "vilage"
        with pytest.raises(ValidationError) as bad:
            ledger.households(risk_class="IV")
        assert bad.value.path == "risk_class"
        with pytest.raises(ValidationError) as flag:
            ledger.households(help_pending="yes")  # type: ignore[arg-type]
        assert flag.value.path == "help_pending"

    def test_the_household_report_from_the_ledger_equals_reading_every_household(
        self, make_ledger: LedgerFactory
    ) -> None:
        ledger, _ = mixed_ledger(make_ledger)
        for at in (datetime(2024, 3, 3, tzinfo=UTC), datetime(2024, 5, 1, tzinfo=UTC)):
            projected, scanned = household_report(ledger, XIQI, at=at), household_report(ledger.store, XIQI, at=at)
            assert (projected.projected, scanned.projected) == (True, False)
            assert projected.households == scanned.households
            assert projected.metrics == scanned.metrics
            assert projected.overdue == scanned.overdue
            assert projected.figures() == scanned.figures() == ledger.household_figures()
        assert household_report(ledger, XIQI, at=datetime(2024, 5, 1, tzinfo=UTC)).overdue

    def test_a_report_under_another_household_policy_reads_every_household(self, make_ledger: LedgerFactory) -> None:
        ledger, _ = mixed_ledger(make_ledger)
        report = household_report(ledger, "household-base", at=datetime(2024, 5, 1, tzinfo=UTC))
        assert not report.projected
        assert report.policy == "household-base"
        assert report.overdue == ()

    def test_an_unknown_household_policy_is_refused(self, make_ledger: LedgerFactory) -> None:
        for wrong in ("xiqi-family-rsk", "baseline", 5):
            with pytest.raises(ValidationError) as caught:
                make_ledger(household_policy=wrong)
            assert caught.value.path == "household_policy"
