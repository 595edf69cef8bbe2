"""Properties of random household lifecycles: the same ones disputes have, through the household toolkit."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings

import fengqiao as fq
from fengqiao.households import HouseholdWorkflow
from fengqiao.lifecycle.household import fold
from fengqiao.lifecycle.household_events import HouseholdEvent
from fengqiao.storage import MemoryEventStore
from fengqiao.testing.households import HouseholdLifecycle, household_lifecycles, household_state_machine


def make() -> HouseholdWorkflow:
    return HouseholdWorkflow(clock=fq.FixedClock(datetime(2024, 1, 1, tzinfo=UTC)))


RUNS = household_lifecycles(make)


@settings(max_examples=200)
@given(RUNS)
def test_replay_gives_every_value_of_the_run(run: HouseholdLifecycle) -> None:
    for h in run.households:
        assert run.workflow.replay(h.history) == h
        assert fold(h.history) == h
    assert run.household.version == len(run.households)


@settings(max_examples=200)
@given(RUNS)
def test_every_step_is_what_the_graph_says(run: HouseholdLifecycle) -> None:
    graph = run.workflow.graph
    values = iter(run.households[1:])
    before = run.households[0]
    for step in run.steps:
        allowed = graph.allows(before.state, step.trigger)
        if not step.accepted:
            assert step.refusals
            if not allowed:
                codes = {r.code for r in step.refusals}
                assert codes & {"graph.not-allowed", "graph.terminal"}
            continue
        after = next(values)
        assert allowed
        assert after.state == graph.target(before.state, step.trigger)
        assert after.history[:-1] == before.history
        before = after


@settings(max_examples=200)
@given(RUNS)
def test_nothing_leaves_a_terminal_state(run: HouseholdLifecycle) -> None:
    graph = run.workflow.graph
    ended = [i for i, h in enumerate(run.households) if graph.is_terminal(h.state)]
    if ended:
        assert ended[0] == len(run.households) - 1
        assert run.workflow.triggers(run.household) == ()


@settings(max_examples=200)
@given(RUNS)
def test_a_refused_command_changes_nothing(run: HouseholdLifecycle) -> None:
    wf, h = run.workflow, run.household
    for step in run.steps:
        if step.accepted:
            continue
        snapshot = (h, h.history)
        decision = wf.check(h, step.trigger, actor=step.actor, **step.payload)
        if not decision.allowed:
            assert (h, h.history) == snapshot


@settings(max_examples=200)
@given(RUNS)
def test_the_workflow_lists_exactly_the_triggers_that_it_would_accept(run: HouseholdLifecycle) -> None:
    wf, h = run.workflow, run.household
    listed = set(wf.triggers(h))
    assert listed == set(wf.graph.allowed(h.state))  # the base policy adds no preconditions


@settings(max_examples=200)
@given(RUNS)
def test_json_round_trip_keeps_the_household_and_its_events(run: HouseholdLifecycle) -> None:
    h = run.household
    assert fq.loads(fq.dumps(h), fq.Household) == h
    for event in h.history:
        assert fq.loads(fq.dumps(event), HouseholdEvent) == event


TestBaseHouseholdHarness = household_state_machine(max_examples=40).TestCase
TestXiqiHouseholdHarness = household_state_machine("xiqi-family-risk", max_examples=40).TestCase


def make_transfers() -> HouseholdWorkflow:
    from tests.lifecycle.test_household import Transfers

    return HouseholdWorkflow(Transfers(), clock=fq.FixedClock(datetime(2024, 1, 1, tzinfo=UTC)))


@settings(max_examples=200)
@given(household_lifecycles(make_transfers))
def test_a_policys_own_states_and_triggers_replay_and_round_trip(run: HouseholdLifecycle) -> None:
    h = run.household
    assert run.workflow.replay(h.history) == h
    assert fq.loads(fq.dumps(h), fq.Household) == h
    store = MemoryEventStore()
    store.append(h.id, h.history, expected_version=0)
    assert run.workflow.replay(store.load(h.id)) == h
