"""The toolkit for household rules: random lifecycles, a stateful harness, a story of every trigger.

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

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any, ClassVar

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from fengqiao.domain.clock import FixedClock
from fengqiao.domain.dossier import DossierItem, DossierKind
from fengqiao.domain.household import HelpDepartment, HouseholdFactor
from fengqiao.errors import TransitionRefused, ValidationError
from fengqiao.households import HouseholdWorkflow
from fengqiao.lifecycle.household import Household
from fengqiao.lifecycle.household_events import HouseholdTrigger
from fengqiao.lifecycle.states import TriggerId
from fengqiao.policies.base import CHINA_TZ
from fengqiao.policies.households import HouseholdPolicy
from fengqiao.serde import dumps, loads
from fengqiao.testing._sampling import sampled
from fengqiao.testing.commands import Step
from fengqiao.testing.harness import check_deadlines, check_refusal
from fengqiao.testing.strategies import names, parties, texts, vocabulary

__all__ = [
    "HouseholdInvariant",
    "HouseholdLifecycle",
    "HouseholdStateMachine",
    "household_lifecycles",
    "household_payloads_for",
    "household_state_machine",
    "household_story",
]

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


_CUSTOM = st.fixed_dictionaries({}, optional={"note": texts()})


def household_payloads_for(
    trigger: TriggerId, wf: HouseholdWorkflow, household: Household
) -> st.SearchStrategy[Mapping[str, Any]]:
    """A strategy of valid keyword payloads for ``trigger``: a built-in one's, or a note for a policy's own."""
    if trigger not in _PAYLOADS:
        return _CUSTOM
    return _PAYLOADS[str(trigger)]


_ADVANCES = st.one_of(
    st.just(timedelta(0)),
    st.integers(1, 180).map(lambda m: timedelta(minutes=m)),
    st.integers(1, 40).map(lambda d: timedelta(days=d)),
)
# Built once, as every strategy here: hypothesis validates each strategy it has not seen, which
# costs more than drawing from it.
_VILLAGES = st.sampled_from(["西歧村", "龙头村", "那咱村"])
_GRIDS = st.sampled_from(["1", "2", "3"])
_MEMBERS = st.lists(parties(), max_size=3)
_STOP = st.booleans()
_ANY_TRIGGER = st.integers(0, 9)


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
            village=draw(_VILLAGES),
            grid=draw(_GRIDS),
            members=draw(_MEMBERS),
            factors=draw(_FACTORS),
            actor="grid_worker:li",
        )
        households, steps = [h], []
        for _ in range(max_steps):
            clock.advance(draw(_ADVANCES))
            allowed = wf.graph.allowed(h.state)
            if not allowed and draw(_STOP):
                break
            usual = bool(allowed) and draw(_ANY_TRIGGER) > 0  # one command in ten may be anything at all
            pool = allowed if usual else wf.graph.triggers
            trigger = draw(sampled(pool))
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


HouseholdInvariant = Callable[[HouseholdWorkflow, Household], None]
"""A check of your own: raise ``AssertionError`` when ``household`` breaks your rule."""


class HouseholdStateMachine(RuleBasedStateMachine):
    """The stateful harness for a household policy; make one with :func:`household_state_machine`.

    It screens households, fires random commands at them (mostly triggers the graph allows,
    with random payloads and actors), moves the clock, and after every step checks what every
    household policy must keep, as the dispute harness does: replay gives the household, JSON
    round trip, a refused command changed nothing and ``check()`` agreed with ``fire()``, every
    refusal has a code and both languages, nothing leaves a terminal state, deadlines agree
    with the clock; plus your own invariants.
    """

    policy: ClassVar[str | HouseholdPolicy | None] = None
    start: ClassVar[datetime] = datetime(2024, 1, 1, 8, 0, tzinfo=CHINA_TZ)
    extra_invariants: ClassVar[tuple[HouseholdInvariant, ...]] = ()

    def __init__(self) -> None:
        super().__init__()
        ids = count(1)
        self.clock = FixedClock(self.start)
        self.workflow = HouseholdWorkflow(self.policy, clock=self.clock, ids=lambda: f"HH{next(ids)}")
        self.households: list[Household] = []
        self.terminal_seen: dict[str, int] = {}

    @initialize(village=st.sampled_from(["西歧村", "龙头村"]), factors=_FACTORS)
    def screen_first(self, village: str, factors: frozenset[HouseholdFactor]) -> None:
        """Screen the first household."""
        self.screen(village, factors)

    @rule(village=st.sampled_from(["西歧村", "龙头村"]), factors=_FACTORS)
    @precondition(lambda self: len(self.households) < 4)
    def screen(self, village: str, factors: frozenset[HouseholdFactor]) -> None:
        """Screen another household (up to four)."""
        self.households.append(self.workflow.screen(village=village, factors=factors, actor="grid_worker:li"))

    @rule(minutes=st.sampled_from((0, 30, 1440, 10080, 43200)))
    def advance(self, minutes: int) -> None:
        """Move the clock on (0 min to 30 days)."""
        self.clock.advance(minutes=minutes)

    @rule(data=st.data())
    def command(self, data: st.DataObject) -> None:
        """Fire a random command at a random household; a refusal must change nothing."""
        index = data.draw(st.integers(0, len(self.households) - 1), label="household")
        h = self.households[index]
        graph = self.workflow.graph
        allowed = graph.allowed(h.state)
        pool = allowed if allowed and data.draw(st.integers(0, 4), label="any") != 4 else graph.triggers
        trigger = data.draw(sampled(pool), label="trigger")
        payload = dict(data.draw(household_payloads_for(trigger, self.workflow, h), label="payload"))
        actor = data.draw(ACTORS, label="actor")
        before = dumps(h)
        decision = self.workflow.check(h, trigger, actor=actor, **payload)
        new: Household | None = None
        refusals: tuple[Any, ...] = ()
        try:
            new = self.workflow.fire(h, trigger, actor=actor, **payload)
        except TransitionRefused as refused:
            refusals = refused.refusals
        if new is None:
            check_refusal(decision, refusals)
            assert dumps(h) == before, "a refused command changed the household"
            return
        assert decision.allowed, f"check() refused what fire() allowed: {decision.codes}"
        assert new.version == h.version + 1
        assert not graph.is_terminal(h.state), f"{trigger} left terminal state {h.state}"
        self.households[index] = new

    @invariant()
    def replay_gives_the_household(self) -> None:
        """``workflow.replay(h.history) == h`` for every household."""
        for h in self.households:
            assert self.workflow.replay(h.history) == h

    @invariant()
    def json_round_trip_keeps_the_household(self) -> None:
        """Every household survives ``loads(dumps(h))``."""
        for h in self.households:
            assert loads(dumps(h), Household) == h

    @invariant()
    def terminal_states_stay_terminal(self) -> None:
        """A household once deregistered (or in a policy's terminal state) never changes again."""
        for h in self.households:
            if h.id in self.terminal_seen:
                assert h.version == self.terminal_seen[h.id], f"{h.id} changed after reaching {h.state}"
            elif self.workflow.graph.is_terminal(h.state):
                self.terminal_seen[h.id] = h.version

    @invariant()
    def deadlines_agree_with_the_clock(self) -> None:
        """A deadline is overdue exactly when it is unmet and its due time has passed."""
        now = self.clock.now()
        for h in self.households:
            check_deadlines(self.workflow.deadlines(h, at=now), now)

    @invariant()
    def your_invariants_hold(self) -> None:
        """The invariants the harness was made with."""
        for check in self.extra_invariants:
            for h in self.households:
                check(self.workflow, h)


def household_state_machine(
    policy: str | HouseholdPolicy | None = None,
    *,
    invariants: Iterable[HouseholdInvariant] = (),
    start: datetime | None = None,
    max_examples: int = 100,
    step_count: int = 30,
) -> type[HouseholdStateMachine]:
    """A harness class for a household ``policy`` (the base policy by default); run its ``.TestCase``.

    Args:
        policy: a household policy or a registered name.
        invariants: your own checks, ``(workflow, household) -> None``, raising ``AssertionError``.
        start: when the clock starts (2024-01-01 08:00 in Asia/Shanghai by default).
        max_examples: how many random programs hypothesis runs.
        step_count: how many steps each program takes at most.
    """
    name = "household-base" if policy is None else policy if isinstance(policy, str) else policy.name
    attrs_: dict[str, Any] = {
        "policy": policy,
        "extra_invariants": tuple(invariants),
        "start": start or HouseholdStateMachine.start,
    }
    machine = type(f"{name.title().replace('-', '')}StateMachine", (HouseholdStateMachine,), attrs_)
    machine.TestCase.settings = settings(  # type: ignore[attr-defined]
        max_examples=max_examples, stateful_step_count=step_count, deadline=None
    )
    return machine
