"""``HouseholdWorkflow.admit``: an event made elsewhere is applied only if the workflow would have decided it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import count

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao.households import HouseholdWorkflow
from fengqiao.lifecycle.household import fold
from fengqiao.lifecycle.household_events import HouseholdAssessed, HouseholdTransitioned
from fengqiao.lifecycle.payloads import TransitionPayload
from fengqiao.policies.registry import household_names
from fengqiao.testing.households import HouseholdLifecycle, household_lifecycles, household_story
from tests.lifecycle.test_household import Transfers

START = datetime(2024, 3, 1, 9, tzinfo=UTC)
GRID, LEAD = "grid_worker:li", "political_legal_member:peng"


def factory(policy: str | None) -> Callable[[], HouseholdWorkflow]:
    def make() -> HouseholdWorkflow:
        ids = count(1)
        return HouseholdWorkflow(policy, clock=fq.FixedClock(START), ids=lambda: f"H{next(ids)}")

    return make


def watched(wf: HouseholdWorkflow) -> fq.Household:
    h = wf.screen(village="西歧村", actor=GRID, household_id="h-1")
    return wf.watch(h, reason="与邻居争吵", factors=["dispute"], actor=GRID)


@pytest.mark.parametrize("policy", [None, *household_names()])
@settings(max_examples=50)
@given(data=st.data())
def test_every_event_the_workflow_fired_is_admitted_and_folds_to_the_same_household(
    policy: str | None, data: st.DataObject
) -> None:
    run: HouseholdLifecycle = data.draw(household_lifecycles(factory(policy), max_steps=20))
    h = None
    for event in run.household.history:
        h = run.workflow.admit(h, event)
    assert h == run.household


def test_the_story_is_admitted_event_by_event() -> None:
    story = household_story()
    h = None
    for event in story.history:
        h = HouseholdWorkflow().admit(h, event)
    assert h == story


def test_a_management_the_policy_refuses_is_not_admitted() -> None:
    wf = HouseholdWorkflow("xiqi-family-risk", clock=fq.FixedClock(START))
    h = wf.assess(watched(wf), actor=LEAD)
    base = HouseholdWorkflow(clock=fq.FixedClock(START), adopts=["xiqi-family-risk"])
    managed = base.manage(h, actor=GRID)  # the base policy asks nothing
    with pytest.raises(fq.TransitionRefused) as caught:
        wf.admit(h, managed.history[-1])
    assert [r.code for r in caught.value.refusals] == [
        "xiqi.manage.no-cadre",
        "xiqi.manage.no-plan",
        "xiqi.manage.no-team",
    ]
    assert caught.value.kind == "household"


def test_an_assessment_by_someone_outside_the_assessment_group_is_refused() -> None:
    wf = HouseholdWorkflow("xiqi-family-risk", clock=fq.FixedClock(START))
    h = watched(wf)
    assessed = wf.assess(h, actor=LEAD).history[-1]
    with pytest.raises(fq.TransitionRefused) as caught:
        wf.admit(h, attrs.evolve(assessed, actor=fq.Actor.parse(GRID)))
    assert [r.code for r in caught.value.refusals] == ["auth.role-required"]


def test_an_event_the_graph_does_not_allow_is_refused() -> None:
    wf = HouseholdWorkflow(clock=fq.FixedClock(START))
    h = wf.screen(village="西歧村", actor=GRID, household_id="h-1")
    release = household_story().history[11]  # released, straight from screened
    assert release.trigger == "release"
    with pytest.raises(fq.TransitionRefused) as caught:
        wf.admit(h, attrs.evolve(release, household_id="h-1", at=START))
    assert [r.code for r in caught.value.refusals] == ["graph.not-allowed"]


def test_an_assessment_other_than_the_policys_is_refused_naming_the_field() -> None:
    wf = HouseholdWorkflow("xiqi-family-risk", clock=fq.FixedClock(START))
    h = watched(wf)
    event = wf.assess(h, actor=LEAD).history[-1]
    assert isinstance(event, HouseholdAssessed)
    other = next(c for c in fq.RiskClass if c != event.payload.assessment.risk_class)
    forged = attrs.evolve(
        event, payload=attrs.evolve(event.payload, assessment=attrs.evolve(event.payload.assessment, risk_class=other))
    )
    with pytest.raises(fq.ValidationError, match="but policy xiqi-family-risk assesses") as caught:
        wf.admit(h, forged)
    assert caught.value.path == "event.payload.assessment"


def test_an_event_dated_before_the_last_one_is_refused() -> None:
    wf = HouseholdWorkflow(clock=fq.FixedClock(START))
    h = watched(wf)
    note = wf.note(h, text="走访", actor=GRID).history[-1]
    with pytest.raises(fq.TransitionRefused) as caught:
        wf.admit(h, attrs.evolve(note, at=START - timedelta(seconds=1)))
    assert [r.code for r in caught.value.refusals] == ["time.before-last-event"]


def test_a_history_begins_with_a_screening() -> None:
    wf = HouseholdWorkflow(clock=fq.FixedClock(START))
    h = watched(wf)
    assert wf.admit(None, h.history[0]) == fold(h.history[:1])
    with pytest.raises(fq.ValidationError, match="begins with a screening"):
        wf.admit(None, h.history[1])
    with pytest.raises(fq.ValidationError, match="expected an event after screening"):
        wf.admit(h, h.history[0])


def test_an_event_of_another_household_is_refused() -> None:
    wf = HouseholdWorkflow(clock=fq.FixedClock(START))
    a = watched(wf)
    b = wf.screen(village="西歧村", actor=GRID, household_id="h-2")
    with pytest.raises(fq.ValidationError, match="belongs to household h-2, not h-1"):
        wf.admit(a, wf.note(b, text="走访", actor=GRID).history[-1])


def test_a_policys_own_trigger_recording_another_target_is_refused() -> None:
    wf = HouseholdWorkflow(Transfers(), clock=fq.FixedClock(START))
    h = watched(wf)
    moved = wf.fire(h, "transfer", actor=GRID).history[-1]
    assert isinstance(moved, HouseholdTransitioned)
    assert wf.admit(h, moved).state == "transferred"
    elsewhere = attrs.evolve(moved, payload=TransitionPayload(trigger="transfer", target="released"))
    with pytest.raises(
        fq.ValidationError, match="transfer takes a household from watched to transferred, not to released"
    ):
        wf.admit(h, elsewhere)
