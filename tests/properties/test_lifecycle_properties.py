"""Properties every policy's workflow must have, over random command sequences."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import count
from typing import Any

import attrs
import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao.policies import CHINA_TZ
from fengqiao.testing import Lifecycle, lifecycles

START = datetime(2024, 1, 31, 9, 0, tzinfo=CHINA_TZ)
OFFICER = "officer:xiao"
SCHEMA = fq.json_schema()
jsonschema.validators.validator_for(SCHEMA).check_schema(SCHEMA)  # once, here
VALIDATOR = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)
"""Made once: ``jsonschema.validate`` checks the schema against its metaschema on every call (most of its time)."""


def factory(policy: str) -> Callable[[], fq.Workflow]:
    def make() -> fq.Workflow:
        ids = count(1)
        return fq.Workflow(policy, clock=fq.FixedClock(START), ids=lambda: f"D{next(ids)}")

    return make


POLICIES = fq.policies.names()


def minimal_payload(trigger: fq.Trigger | str) -> dict[str, Any]:
    """A payload that is valid input for ``trigger`` (the policy may still refuse it)."""
    payloads: dict[str, dict[str, Any]] = {
        fq.Trigger.MEDIATE: {"forces": ["police_office"]},
        fq.Trigger.REFER: {"department": "justice_office"},
        fq.Trigger.ESCALATE: {"reason": "达到立案标准"},
        fq.Trigger.MERGE: {"into": "D0"},
        fq.Trigger.ASSIGN: {"person": "王某", "role": "supervisor"},
        fq.Trigger.LINK_ALERT: {"alert": fq.Alert(channel="alarm_110", received_at=START)},
        fq.Trigger.RECORD_ATTEMPT: {"outcome": "agreement"},
        fq.Trigger.RECORD_VISIT: {"kind": "phone"},
        fq.Trigger.ATTACH: {"item": fq.DossierItem(kind="other")},
        fq.Trigger.NOTE: {"text": "备注"},
    }
    return payloads.get(str(trigger), {})


def same_types(a: Any, b: Any, path: str = "") -> Iterator[str]:
    """Every place where ``a`` and ``b`` differ in type (enum member vs plain str, say)."""
    if type(a) is not type(b) and not (isinstance(a, datetime) and isinstance(b, datetime)):
        yield f"{path}: {type(a).__name__} != {type(b).__name__}"
        return
    if attrs.has(type(a)):
        for field in attrs.fields(type(a)):
            yield from same_types(getattr(a, field.name), getattr(b, field.name), f"{path}.{field.name}")
    elif isinstance(a, tuple | list):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from same_types(x, y, f"{path}[{i}]")
    elif isinstance(a, frozenset):
        yield from same_types(sorted(a), sorted(b), path)


def runs(policy: str) -> st.SearchStrategy[Lifecycle]:
    return lifecycles(factory(policy), max_steps=25)


@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_replay_of_any_command_sequence_equals_the_value_fire_returned(policy: str, data: st.DataObject) -> None:
    run = data.draw(runs(policy))
    for d in run.disputes:
        assert fq.replay(d.history) == d
        assert run.workflow.replay(d.history) == d


@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_every_dispute_round_trips_through_json_unchanged(policy: str, data: st.DataObject) -> None:
    d = data.draw(runs(policy)).dispute
    text = fq.dumps(d)
    again = fq.loads(text, fq.Dispute)
    assert again == d
    assert list(same_types(d, again)) == []
    assert fq.dumps(again) == text
    VALIDATOR.validate(json.loads(text))


@settings(max_examples=200, deadline=None)
@given(event=fq.testing.events())
def test_every_event_round_trips_through_json_unchanged(event: fq.Event) -> None:
    again = fq.loads(fq.dumps(event), fq.Event)
    assert again == event
    assert list(same_types(event, again)) == []
    assert fq.loads(fq.dumps(event), type(event)) == event


@settings(max_examples=200, deadline=None)
@given(
    value=st.one_of(
        fq.testing.parties(),
        fq.testing.alerts(),
        fq.testing.dossier_items(),
        fq.testing.actors(),
        fq.testing.assessments(),
        fq.testing.gradings(),
    )
)
def test_every_entity_round_trips_through_json_unchanged(value: object) -> None:
    again = fq.loads(fq.dumps(value), type(value))
    assert again == value
    assert list(same_types(value, again)) == []


@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_a_refused_command_leaves_the_dispute_equal_to_before(policy: str, data: st.DataObject) -> None:
    run = data.draw(runs(policy))
    wf = run.workflow
    for d in run.disputes[-3:]:
        snapshot = fq.dumps(d)
        for trigger in wf.graph.triggers:
            decision = wf.check(d, trigger, actor=OFFICER, **minimal_payload(trigger))
            if decision.allowed:
                assert wf.fire(d, trigger, actor=OFFICER, **minimal_payload(trigger)).version == d.version + 1
            else:
                with pytest.raises(fq.TransitionRefused) as refused:
                    wf.fire(d, trigger, actor=OFFICER, **minimal_payload(trigger))
                assert refused.value.refusals == decision.refusals
                assert all(r.code and r.zh and r.en for r in decision.refusals)
            assert fq.dumps(d) == snapshot


@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_no_trigger_fires_from_a_terminal_state(policy: str, data: st.DataObject) -> None:
    run = data.draw(runs(policy))
    wf = run.workflow
    for d in run.disputes:
        if not wf.graph.is_terminal(d.state):
            continue
        assert wf.triggers(d) == ()
        for trigger in wf.graph.triggers:
            with pytest.raises(fq.TransitionRefused) as refused:
                wf.fire(d, trigger, actor=OFFICER, **minimal_payload(trigger))
            assert "graph.terminal" in [r.code for r in refused.value.refusals]


@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_the_workflow_agrees_with_the_transitions_machine_on_every_state_and_trigger(
    policy: str, data: st.DataObject
) -> None:
    run = data.draw(runs(policy))
    wf = run.workflow
    for d in run.disputes:
        for trigger in wf.graph.triggers:
            in_machine = bool(wf.graph.machine.get_transitions(trigger=str(trigger), source=str(d.state)))
            codes = wf.check(d, trigger, actor=OFFICER, **minimal_payload(trigger)).codes
            refused_by_graph = "graph.not-allowed" in codes or "graph.terminal" in codes
            assert refused_by_graph is not in_machine, (d.state, trigger, codes)


@pytest.mark.parametrize("policy", POLICIES)
def test_the_dispatch_table_agrees_with_the_machine_for_every_state_and_trigger(policy: str) -> None:
    graph = factory(policy)().graph
    for state in graph.states:
        for trigger in graph.triggers:
            transitions = graph.machine.get_transitions(trigger=str(trigger), source=str(state))
            assert graph.allows(state, trigger) is bool(transitions)
            if transitions:
                dest = transitions[0].dest
                assert graph.target(state, trigger) == (state if dest is None else dest)


@settings(max_examples=50, deadline=None)
@given(
    run=lifecycles(
        factory("baseline"),
        max_steps=15,
        weights={fq.Trigger.MERGE: 0, fq.Trigger.ESCALATE: 0, fq.Trigger.REFER: 0},
    )
)
def test_lifecycles_never_choose_a_trigger_weighted_zero_while_another_is_allowed(run: Lifecycle) -> None:
    accepted = {str(step.trigger) for step in run.steps if step.accepted}
    assert accepted.isdisjoint({"merge", "escalate", "refer"})


def test_lifecycles_refuse_negative_weights() -> None:
    with pytest.raises(fq.ValidationError, match="weights"):
        lifecycles(factory("baseline"), weights={fq.Trigger.MERGE: -1})


@settings(max_examples=20, deadline=None)
@given(run=lifecycles(factory("baseline"), max_steps=5, actors=st.just("supervisor:li")))
def test_lifecycles_use_the_actors_they_are_given(run: Lifecycle) -> None:
    assert {step.actor for step in run.steps} <= {"supervisor:li"}
