"""Properties of random place report histories: the ones every kind of case has, and the rhythm's own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hypothesis import given, settings

import fengqiao as fq
from fengqiao.errors import TransitionRefused
from fengqiao.lifecycle.place import fold
from fengqiao.lifecycle.place_events import PlaceEvent
from fengqiao.policies import CHINA_TZ
from fengqiao.policies.base import DeadlineStatus
from fengqiao.storage import MemoryEventStore, PlaceRepository
from fengqiao.testing.places import PlaceLifecycle, place_lifecycles


def make() -> fq.PlaceWorkflow:
    return fq.PlaceWorkflow("xiqi-family-risk", clock=fq.FixedClock(datetime(2024, 4, 1, 7, tzinfo=CHINA_TZ)))


RUNS = place_lifecycles(make)


@settings(max_examples=200)
@given(RUNS)
def test_replay_and_admit_give_every_value_of_the_run(run: PlaceLifecycle) -> None:
    for place in run.places:
        assert run.workflow.replay(place.history) == place == fold(place.history)
    admitted = None
    for event in run.place.history:
        admitted = run.workflow.admit(admitted, event)
    assert admitted == run.place
    assert run.place.version == len(run.places)


@settings(max_examples=200)
@given(RUNS)
def test_every_step_is_what_the_graph_and_the_rhythms_say(run: PlaceLifecycle) -> None:
    graph = run.workflow.graph
    values = iter(run.places[1:])
    before = run.places[0]
    for step in run.steps:
        codes = {r.code for r in step.refusals}
        if not step.accepted:
            assert codes <= {"graph.terminal", "place.rhythm-not-owed"}
            if not graph.allows(before.state, step.trigger):
                assert "graph.terminal" in codes
            continue
        after = next(values)
        assert graph.allows(before.state, step.trigger)
        assert after.history[:-1] == before.history
        if step.trigger == "file":
            assert step.payload["rhythm"] in before.rhythms
        before = after


@settings(max_examples=200)
@given(RUNS)
def test_nothing_leaves_a_closed_place(run: PlaceLifecycle) -> None:
    closed = [i for i, p in enumerate(run.places) if p.state is fq.PlaceState.CLOSED]
    if closed:
        assert closed == [len(run.places) - 1]
        assert run.workflow.triggers(run.place) == ()


@settings(max_examples=200)
@given(RUNS)
def test_json_and_the_store_round_trip_the_place(run: PlaceLifecycle) -> None:
    place = run.place
    assert fq.loads(fq.dumps(place), fq.Place) == place
    for event in place.history:
        assert fq.loads(fq.dumps(event), PlaceEvent) == event
    store = MemoryEventStore()
    history: tuple[Any, ...] = place.history
    store.append(place.id, history, expected_version=0)
    assert PlaceRepository(run.workflow, store).get(place.id) == place


@settings(max_examples=200)
@given(RUNS)
def test_a_refused_report_changes_nothing(run: PlaceLifecycle) -> None:
    place = run.place
    before = run.workflow.checks(place, at=run.workflow.clock.now())
    try:
        after = run.workflow.file(place, "xiqi.political-legal-meeting", actor="grid_worker:li")
    except TransitionRefused:
        assert run.workflow.checks(place, at=run.workflow.clock.now()) == before
        assert place == run.place
    else:
        assert after.version == place.version + 1
        assert place == run.place


@settings(max_examples=200)
@given(RUNS)
def test_each_period_is_met_exactly_when_a_report_was_filed_in_it_by_its_due_instant(run: PlaceLifecycle) -> None:
    at = run.workflow.clock.now()
    for code, check in run.workflow.checks(run.place, at=at).items():
        reports = run.place.reports_for(code)
        for period in check.periods:
            inside = [r for r in reports if period.period.start <= r.at < period.period.end]
            met = any(r.at <= period.deadline.due for r in inside)
            assert (period.status is DeadlineStatus.MET) == met
            if not inside and period.deadline.due < min(at, run.place.closed_at or at):
                assert period.status is DeadlineStatus.OVERDUE
