"""The workflow's fast dispatch agrees with the ``transitions`` machine it is derived from.

``Graph`` derives a dispatch table from its machine, and ``Workflow._decide`` decides the graph
part of every command with one lookup in it. These tests ask the machine itself (a model added
to the workflow's own machine, fired by trigger name) for every state × trigger × guard outcome,
for every registered policy's graph and for random graph extensions, and require the workflow
to give the same answer: refused by the graph exactly when the machine raises, with the right
code (terminal or not allowed); refused by the guard exactly when the guard says no; and, when
allowed, the same destination state.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from transitions import MachineError

import fengqiao as fq
from fengqiao import Edge, GraphExtension, StateSpec
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import TriggerId
from tests.stages import OFFICER, START

GUARD = Refusal("test.guard", "守卫拒绝", "the guard refused")
OPEN_BASE = ("discovered", "graded", "mediating", "referred", "follow_up")


class Guarded(fq.BasePolicy):
    """A policy with a given graph whose one guard refuses every trigger, or none."""

    name: ClassVar[str] = "test-guarded"

    def __init__(self, extension: GraphExtension, *, refuse: bool) -> None:
        self.extension = extension
        self.refuse = refuse

    def graph(self) -> GraphExtension:
        return self.extension

    def preconditions(self, dispute: fq.Dispute, trigger: TriggerId, at: datetime) -> Iterable[Refusal]:
        if self.refuse:
            yield GUARD


def payload(trigger: TriggerId) -> dict[str, Any]:
    """Valid input for ``trigger`` (the graph and the guard alone decide)."""
    payloads: dict[str, dict[str, Any]] = {
        fq.Trigger.MERGE: {"into": "D0"},
        fq.Trigger.ASSIGN: {"person": "王某", "role": "supervisor"},
        fq.Trigger.LINK_ALERT: {"alert": fq.Alert(channel="alarm_110", received_at=START)},
        fq.Trigger.RECORD_ATTEMPT: {"outcome": "agreement"},
        fq.Trigger.RECORD_VISIT: {"kind": "phone"},
        fq.Trigger.ATTACH: {"item": fq.DossierItem(kind="other")},
        fq.Trigger.NOTE: {"text": "备注"},
    }
    return payloads.get(str(trigger), {})


class _Model:
    state: str


def machine_answer(wf: fq.Workflow, state: fq.State | str, trigger: TriggerId) -> str | None:
    """Where the workflow's own ``transitions`` machine goes on ``trigger`` from ``state``; ``None``: refused."""
    machine = wf.graph.machine
    model = _Model()
    machine.add_model(model, initial=str(state))
    try:
        model.trigger(str(trigger))  # type: ignore[attr-defined]
    except MachineError:
        return None
    finally:
        machine.remove_model(model)
    return model.state


def check_agreement(extension: GraphExtension) -> None:
    for refuse in (False, True):
        wf = fq.Workflow(Guarded(extension, refuse=refuse), clock=fq.FixedClock(START), ids=lambda: "D1")
        first = wf.discover(channel="alarm_110", category="neighbour", summary="测试", actor=OFFICER)
        for state in wf.graph.states:
            dispute = attrs.evolve(first, state=state)
            for trigger in wf.graph.triggers:
                expected = machine_answer(wf, state, trigger)
                codes = wf.check(dispute, trigger, actor=OFFICER, **payload(trigger)).codes
                graph_codes = [c for c in codes if c.startswith("graph.")]
                where = f"{state} x {trigger} x guard {'refuses' if refuse else 'passes'}"
                if expected is None:
                    wanted = "graph.terminal" if wf.graph.is_terminal(state) else "graph.not-allowed"
                    assert graph_codes == [wanted], where
                else:
                    assert graph_codes == [], where
                assert ("test.guard" in codes) is refuse, where
                if expected is not None and not refuse:
                    assert codes == (), where
                    after = wf.fire(dispute, trigger, actor=OFFICER, **payload(trigger))
                    assert str(after.state) == expected, where
                else:
                    with pytest.raises(fq.TransitionRefused) as info:
                        wf.fire(dispute, trigger, actor=OFFICER, **payload(trigger))
                    assert tuple(r.code for r in info.value.refusals) == codes, where


@pytest.mark.parametrize("policy", fq.policies.names())
def test_dispatch_agrees_with_the_machine_for_every_registered_policy_graph(policy: str) -> None:
    check_agreement(fq.policies.get(policy).graph())


@st.composite
def extensions(draw: st.DrawFn) -> GraphExtension:
    """Valid random extensions: added states entered from open base states, leaving to base states."""
    count = draw(st.integers(min_value=0, max_value=3))
    states: list[StateSpec] = []
    edges: list[Edge] = []
    for i in range(count):
        name = f"extra_{i}"
        terminal = draw(st.booleans())
        states.append(StateSpec(name, terminal=terminal))
        sources = draw(st.lists(st.sampled_from(OPEN_BASE), min_size=1, max_size=3, unique=True))
        edges.append(Edge(f"enter_{i}", tuple(sources), name))
        if not terminal:
            dest = draw(st.sampled_from([*OPEN_BASE, "closed", "escalated"]))
            edges.append(Edge(f"leave_{i}", name, dest))
    return GraphExtension(states=tuple(states), edges=tuple(edges))


@settings(max_examples=25, deadline=None)
@given(extensions())
def test_dispatch_agrees_with_the_machine_for_random_graph_extensions(extension: GraphExtension) -> None:
    check_agreement(extension)
