"""Random household lifecycles and a story that fires every household trigger: the toolkit for household rules.

:func:`household_lifecycles` screens a household and drives it with random commands, as
:func:`~fengqiao.testing.lifecycles` drives a dispute: mostly triggers the graph allows,
sometimes any trigger at all, with random payloads, actors and clock advances. Every command
either lands or is refused; both are recorded as :class:`~fengqiao.testing.Step` s.

>>> from datetime import UTC, datetime
>>> from hypothesis import given, settings
>>> import fengqiao as fq
>>> from fengqiao.households import HouseholdWorkflow
>>> def make() -> HouseholdWorkflow:
...     return HouseholdWorkflow(clock=fq.FixedClock(datetime(2024, 1, 1, tzinfo=UTC)))
>>> @settings(max_examples=20)
... @given(household_lifecycles(make))
... def test_managed_households_have_a_class(run):
...     if run.household.state == "managed":
...         assert run.household.risk_class is not None
>>> test_managed_households_have_a_class()
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from hypothesis import strategies as st

from fengqiao.domain.clock import FixedClock
from fengqiao.domain.dossier import DossierItem, DossierKind
from fengqiao.domain.household import HelpDepartment, HouseholdFactor
from fengqiao.errors import TransitionRefused, ValidationError
from fengqiao.households import HouseholdWorkflow
from fengqiao.lifecycle.household import Household
from fengqiao.lifecycle.household_events import HouseholdTrigger
from fengqiao.lifecycle.states import TriggerId
from fengqiao.testing.commands import Step
from fengqiao.testing.strategies import names, parties, texts, vocabulary

__all__ = ["HouseholdLifecycle", "household_lifecycles", "household_payloads_for", "household_story"]

ACTORS = st.sampled_from(
    (
        "grid_worker:li",
        "auxiliary_officer:zhang",
        "party_secretary:tian",
        "political_legal_member:peng",
        "cadre:wu",
        "system:civil_affairs",
    )
)
"""Who acts by default: grid workers and auxiliary police, the assessment group's leaders, cadres, departments."""


@attrs.frozen
class HouseholdLifecycle:
    """A driven household: the workflow, every value in order, and every step."""

    workflow: HouseholdWorkflow
    households: tuple[Household, ...]
    steps: tuple[Step, ...]

    @property
    def household(self) -> Household:
        """The final value."""
        return self.households[-1]

    def __repr__(self) -> str:
        steps = "\n  ".join(repr(step) for step in self.steps)
        h = self.household
        return f"HouseholdLifecycle(policy={self.workflow.policy.name}, final={h.state}):\n  " + (steps or "(no steps)")

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


_FACTORS = st.frozensets(vocabulary(HouseholdFactor), max_size=3)
_T = HouseholdTrigger


def _payloads() -> dict[str, st.SearchStrategy[Mapping[str, Any]]]:
    prose, line = texts(min_size=1), names()
    return {
        _T.WATCH: st.fixed_dictionaries({"reason": prose, "factors": _FACTORS}),
        _T.INCIDENT: st.fixed_dictionaries({"summary": prose, "factors": _FACTORS, "daily_report": st.booleans()}),
        _T.ASSESS: st.fixed_dictionaries({}, optional={"factors": _FACTORS, "meeting": st.booleans()}),
        _T.REASSESS: st.fixed_dictionaries({}, optional={"factors": _FACTORS, "meeting": st.booleans()}),
        _T.MANAGE: st.fixed_dictionaries({}, optional={"plan": prose, "team": st.lists(line, max_size=3)}),
        _T.RELEASE: st.fixed_dictionaries({}, optional={"reason": prose}),
        _T.DEREGISTER: st.fixed_dictionaries({"reason": prose}),
        _T.ASSIGN_CADRE: st.fixed_dictionaries({"person": line}),
        _T.LINK_DISPUTE: st.fixed_dictionaries({"dispute_id": st.from_regex(r"d-[0-9a-f]{4}", fullmatch=True)}),
        _T.REFER_HELP: st.fixed_dictionaries({"department": vocabulary(HelpDepartment), "need": prose}),
        _T.HELP_REPORTED: st.fixed_dictionaries(
            {"department": vocabulary(HelpDepartment), "result": prose, "resolved": st.booleans()}
        ),
        _T.ATTACH: st.fixed_dictionaries({"item": st.builds(DossierItem, kind=vocabulary(DossierKind))}),
        _T.NOTE: st.fixed_dictionaries({"text": prose}),
    }


_PAYLOADS = _payloads()


def household_payloads_for(
    trigger: TriggerId, wf: HouseholdWorkflow, household: Household
) -> st.SearchStrategy[Mapping[str, Any]]:
    """A strategy of valid keyword payloads for a built-in household ``trigger``."""
    if trigger not in _PAYLOADS:
        raise ValidationError(f"no payload strategy for {trigger!r}: pass one in payloads=", "trigger")
    return _PAYLOADS[str(trigger)]


_ADVANCES = st.one_of(
    st.just(timedelta(0)),
    st.integers(1, 180).map(lambda m: timedelta(minutes=m)),
    st.integers(1, 40).map(lambda d: timedelta(days=d)),
)


def household_lifecycles(
    make_workflow: Callable[[], HouseholdWorkflow],
    *,
    max_steps: int = 25,
    actors: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[HouseholdLifecycle]:
    """Random household lifecycles under the workflow ``make_workflow()`` returns (one per example).

    Args:
        make_workflow: makes a fresh workflow whose clock is a :class:`~fengqiao.FixedClock`.
        max_steps: how many commands follow screening (fewer once the household is deregistered).
        actors: who acts (grid workers, assessment-group leaders, cadres, departments by default).
    """
    who = actors if actors is not None else ACTORS

    @st.composite
    def build(draw: st.DrawFn) -> HouseholdLifecycle:
        wf = make_workflow()
        clock = wf.clock
        if not isinstance(clock, FixedClock):
            raise ValidationError("household_lifecycles() needs a FixedClock in its workflow", "make_workflow")
        h = wf.screen(
            village=draw(st.sampled_from(["西歧村", "龙头村", "那咱村"])),
            grid=draw(st.sampled_from(["1", "2", "3"])),
            members=draw(st.lists(parties(), max_size=3)),
            factors=draw(_FACTORS),
            actor="grid_worker:li",
        )
        households, steps = [h], []
        for _ in range(max_steps):
            clock.advance(draw(_ADVANCES))
            allowed = wf.graph.allowed(h.state)
            if not allowed and draw(st.booleans()):
                break
            usual = bool(allowed) and draw(st.integers(0, 9)) > 0  # one command in ten may be anything at all
            pool = allowed if usual else wf.graph.triggers
            trigger = draw(st.sampled_from(pool))
            payload = dict(draw(household_payloads_for(trigger, wf, h)))
            actor = draw(who)
            try:
                h = wf.fire(h, trigger, actor=actor, **payload)
            except TransitionRefused as refused:
                steps.append(Step(trigger, payload, actor, clock.now(), refused.refusals))
                continue
            steps.append(Step(trigger, payload, actor, clock.now()))
            households.append(h)
        return HouseholdLifecycle(wf, tuple(households), tuple(steps))

    return build()


def household_story(wf: HouseholdWorkflow | None = None) -> Household:
    """A household taken through every built-in household trigger once, in a plausible order.

    For examples and tests that need one event of each class. ``wf`` needs a clock that moves
    forward (a :class:`~fengqiao.FixedClock` is advanced here); the base policy by default.
    """
    clock = FixedClock(datetime(2024, 3, 1, 9, tzinfo=UTC))
    wf = wf or HouseholdWorkflow(clock=clock)
    lead, cadre = "political_legal_member:peng", "cadre:wu"

    def step() -> None:
        if isinstance(wf.clock, FixedClock):
            wf.clock.advance(timedelta(hours=1))

    h = wf.screen(village="西歧村", grid="3", address="二组12号", actor="grid_worker:li", household_id="story-1")
    actions: list[tuple[str, str, dict[str, Any]]] = [
        (_T.WATCH, "grid_worker:li", {"reason": "与邻居因排水沟争吵", "factors": ["dispute"]}),
        (_T.ASSESS, lead, {"factors": ["dispute", "mental_illness"], "meeting": True}),
        (_T.ASSIGN_CADRE, lead, {"person": "村主任田某"}),
        (_T.MANAGE, lead, {"plan": "每周走访一次", "team": ["田某", "李某"]}),
        (_T.LINK_DISPUTE, "grid_worker:li", {"dispute_id": "d-1"}),
        (_T.REASSESS, lead, {}),
        (_T.REFER_HELP, cadre, {"department": "civil_affairs", "need": "因病致困"}),
        (_T.HELP_REPORTED, "system:civil_affairs", {"department": "civil_affairs", "result": "已纳入救助"}),
        (_T.ATTACH, cadre, {"item": DossierItem(kind=DossierKind.FOLLOW_UP_RECORD, title="走访记录")}),
        (_T.NOTE, cadre, {"text": "情况稳定"}),
        (_T.RELEASE, lead, {"reason": "纠纷已化解"}),
        (_T.INCIDENT, "grid_worker:li", {"summary": "日报告：又起争执", "daily_report": True}),
        (_T.DEREGISTER, "grid_worker:li", {"reason": "全家迁出"}),
    ]
    for trigger, actor, payload in actions:
        step()
        h = wf.fire(h, trigger, actor=actor, **payload)
    return h
