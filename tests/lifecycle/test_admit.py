"""``Workflow.admit``: an event made elsewhere is applied only if the workflow would have decided it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import count

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao.lifecycle.payloads import ClosePayload
from fengqiao.policies import CHINA_TZ
from fengqiao.testing import Lifecycle, lifecycles

START = datetime(2024, 1, 31, 9, 0, tzinfo=CHINA_TZ)
OFFICER = "officer:xiao"


def factory(policy: str) -> Callable[[], fq.Workflow]:
    def make() -> fq.Workflow:
        ids = count(1)
        return fq.Workflow(policy, clock=fq.FixedClock(START), ids=lambda: f"D{next(ids)}")

    return make


def resolved(wf: fq.Workflow) -> fq.Dispute:
    d = wf.discover(channel="alarm_110", category="neighbour", summary="噪音", actor=OFFICER)
    d = wf.mediate(wf.grade(d, actor=OFFICER), actor=OFFICER)
    return wf.resolve(wf.record_attempt(d, actor=OFFICER, outcome="agreement"), actor=OFFICER)


@pytest.mark.parametrize("policy", fq.policies.names())
@given(data=st.data())
def test_every_event_the_workflow_fired_is_admitted_and_folds_to_the_same_dispute(
    policy: str, data: st.DataObject
) -> None:
    run: Lifecycle = data.draw(lifecycles(factory(policy), max_steps=20))
    final = run.disputes[-1]
    d = None
    for event in final.history:
        d = run.workflow.admit(d, event)
    assert d == final


def test_a_close_the_policy_refuses_is_not_admitted() -> None:
    wf = fq.Workflow("baseline", clock=fq.FixedClock(START))
    d = resolved(wf)
    close = fq.Closed(dispute_id=d.id, at=d.updated_at, actor=fq.Actor.parse(OFFICER), payload=ClosePayload())
    with pytest.raises(fq.TransitionRefused) as caught:
        wf.admit(d, close)
    assert [r.code for r in caught.value.refusals] == ["baseline.close.no-visit"]


def test_an_event_the_graph_does_not_allow_is_refused() -> None:
    wf = fq.Workflow("baseline", clock=fq.FixedClock(START))
    d = wf.discover(channel="alarm_110", category="neighbour", summary="噪音", actor=OFFICER)
    later = resolved(wf)
    with pytest.raises(fq.TransitionRefused) as caught:
        wf.admit(d, attrs.evolve(later.history[-1], dispute_id=d.id))  # resolve, straight from discovered
    assert [r.code for r in caught.value.refusals] == ["graph.not-allowed"]


def test_a_grading_other_than_the_policys_is_refused_naming_the_field() -> None:
    wf = fq.Workflow("yongji-54333", clock=fq.FixedClock(START))
    d = wf.discover(channel="alarm_110", category="neighbour", summary="噪音", actor=OFFICER)
    graded = wf.grade(d, actor=OFFICER)
    event = graded.history[-1]
    assert isinstance(event, fq.Graded)
    other = next(g for g in wf.policy.grades if g != event.payload.grading.grade)
    forged = attrs.evolve(
        event, payload=attrs.evolve(event.payload, grading=attrs.evolve(event.payload.grading, grade=other))
    )
    with pytest.raises(fq.ValidationError) as caught:
        wf.admit(d, forged)
    assert caught.value.path == "event.payload.grading"
    assert wf.admit(d, event) == graded


def test_an_event_dated_before_the_last_one_is_refused() -> None:
    wf = fq.Workflow("baseline", clock=fq.FixedClock(START))
    d = wf.discover(channel="alarm_110", category="neighbour", summary="噪音", actor=OFFICER)
    graded = wf.grade(d, actor=OFFICER).history[-1]
    with pytest.raises(fq.TransitionRefused) as caught:
        wf.admit(d, attrs.evolve(graded, at=START - timedelta(seconds=1)))
    assert [r.code for r in caught.value.refusals] == ["time.before-last-event"]


def test_a_role_that_may_not_discover_is_refused_a_discovery() -> None:
    wf = fq.Workflow("yongji-54333", clock=fq.FixedClock(START))
    d = wf.discover(channel="alarm_110", category="neighbour", summary="噪音", actor=OFFICER)
    first = d.history[0]
    assert wf.admit(None, first) == d
    with pytest.raises(fq.ValidationError, match="begins with a discovery"):
        wf.admit(None, wf.grade(d, actor=OFFICER).history[-1])


def test_an_event_of_another_dispute_is_refused() -> None:
    wf = fq.Workflow("baseline", clock=fq.FixedClock(START))
    a = wf.discover(channel="alarm_110", category="neighbour", summary="噪音", actor=OFFICER)
    b = wf.discover(channel="alarm_110", category="neighbour", summary="噪音", actor=OFFICER)
    with pytest.raises(fq.ValidationError, match="belongs to dispute"):
        wf.admit(a, wf.grade(b, actor=OFFICER).history[-1])
