"""Random, policy-aware command sequences: property-test your rules over whole lifecycles.

:func:`lifecycles` discovers a dispute and drives it with random commands: mostly triggers
the graph allows from the current state, sometimes any trigger at all, with random payloads,
random actors and random clock advances. Every command either lands or is refused; both are
recorded as :class:`Step` s.

>>> from datetime import UTC, datetime
>>> from hypothesis import given, settings
>>> import fengqiao as fq
>>> from fengqiao.testing import lifecycles
>>> def make() -> fq.Workflow:
...     return fq.Workflow("baseline", clock=fq.FixedClock(datetime(2024, 1, 1, tzinfo=UTC)))
>>> @settings(max_examples=20)
... @given(lifecycles(make))
... def test_closed_disputes_had_a_visit(run):
...     if run.dispute.state is fq.State.CLOSED:
...         assert run.dispute.visits_since_resolution
>>> test_closed_disputes_had_a_visit()
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import attrs
from hypothesis import strategies as st

from fengqiao.domain.actor import OFFICER_ROLES, Role
from fengqiao.domain.clock import FixedClock
from fengqiao.domain.dossier import HANDOVER_PAPERS, DossierItem, DossierKind
from fengqiao.domain.party import Alert
from fengqiao.domain.terms import (
    CaseKind,
    Category,
    Channel,
    Department,
    MediationForce,
    Outcome,
    RiskFactor,
    VisitKind,
)
from fengqiao.errors import TransitionRefused, ValidationError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import Trigger, TriggerId
from fengqiao.testing._sampling import sampled
from fengqiao.testing.strategies import names, parties, texts, vocabulary
from fengqiao.workflow import Workflow

__all__ = ["Lifecycle", "PayloadStrategy", "Step", "lifecycles", "payloads_for"]

PayloadStrategy = Callable[[Workflow, Dispute], st.SearchStrategy[Mapping[str, Any]]]
"""Given the workflow and the current dispute, a strategy of keyword payloads for one trigger."""


@attrs.frozen
class Step:
    """One command: what was asked, when, by whom, and the refusals if it was refused."""

    trigger: TriggerId
    payload: Mapping[str, Any]
    actor: str
    at: datetime
    refusals: tuple[Refusal, ...] = ()

    @property
    def accepted(self) -> bool:
        """Whether the command landed."""
        return not self.refusals

    def __repr__(self) -> str:
        payload = ", ".join(f"{k}={v!r}" for k, v in self.payload.items() if v not in ((), None, "", frozenset()))
        mark = "+" if self.accepted else "-"
        refused = "" if self.accepted else " refused: " + ", ".join(r.code for r in self.refusals)
        return f"{mark}{self.trigger}({payload}) by {self.actor}{refused}"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # Hypothesis pretty-prints attrs values field by field; a counterexample should read
        # as the command sequence instead.
        printer.text(repr(self))


@attrs.frozen
class Lifecycle:
    """A driven dispute: the workflow, every value in order, and every step."""

    workflow: Workflow
    disputes: tuple[Dispute, ...]
    steps: tuple[Step, ...]

    @property
    def dispute(self) -> Dispute:
        """The final value."""
        return self.disputes[-1]

    def __repr__(self) -> str:
        steps = "\n  ".join(repr(step) for step in self.steps)
        d = self.dispute
        return f"Lifecycle(policy={self.workflow.policy.name}, {d.category}, grade={d.grade}, final={d.state}):\n  " + (
            steps or "(no steps)"
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # Hypothesis pretty-prints attrs values field by field; a counterexample should read
        # as the command sequence instead.
        printer.text(repr(self))


_OFFICERS = tuple(f"{r.value}:{n}" for r in sorted(OFFICER_ROLES) for n in ("xiao", "wang"))
_OTHERS = ("grid_worker:zhao", "mediator:sun", "informant:qian")
ACTORS = st.sampled_from(_OFFICERS * 3 + _OTHERS)
"""Who acts by default: mostly officers, sometimes a grid worker, mediator or informant."""

_USEFUL_DOCS = st.sampled_from(
    [
        *sorted(HANDOVER_PAPERS),
        DossierKind.ALERT_RECORD,
        DossierKind.INQUIRY_RECORD,
        DossierKind.MEDIATION_AGREEMENT,
        DossierKind.FOLLOW_UP_RECORD,
        DossierKind.PARTY_INFO,
        DossierKind.STANDARD_ADDRESS,
        DossierKind.ANTI_FRAUD,
        DossierKind.REVIEW_FINDING,
        DossierKind.CORRECTION_RECORD,
        DossierKind.COMMITTEE_REPORT,
        DossierKind.CASE_DISCUSSION,
    ]
) | vocabulary(DossierKind)


def _items(max_size: int = 2) -> st.SearchStrategy[list[DossierItem]]:
    return st.lists(st.builds(DossierItem, kind=_USEFUL_DOCS), max_size=max_size)


def _forces() -> st.SearchStrategy[list[MediationForce]]:
    return st.lists(vocabulary(MediationForce), min_size=1, max_size=3, unique=True)


_FACTORS = st.frozensets(vocabulary(RiskFactor), max_size=3)
_STATIC: dict[TriggerId, st.SearchStrategy[Mapping[str, Any]]] = {
    Trigger.GRADE: st.fixed_dictionaries(
        {},
        optional={
            "risk_factors": _FACTORS,
            "police_business": st.sampled_from([True, True, True, False]),
            "meets_case_threshold": st.sampled_from([False, False, False, True]),
            "complex": st.booleans(),
        },
    ),
    Trigger.MEDIATE: st.fixed_dictionaries({"forces": _forces(), "documents": _items()}),
    Trigger.REFER: st.fixed_dictionaries(
        {"department": vocabulary(Department) | st.none(), "documents": _items(), "reason": texts(max_size=8)}
    ),
    Trigger.ESCALATE: st.fixed_dictionaries(
        {"case_kind": vocabulary(CaseKind) | st.none(), "reason": st.sampled_from(["达到立案标准", ""])}
    ),
    Trigger.RESOLVE: st.fixed_dictionaries(
        {
            "outcome": st.sampled_from([Outcome.AGREEMENT, Outcome.AGREEMENT, Outcome.PARTIAL]),
            "reported_by": st.none() | vocabulary(Department),
            "documents": _items(1),
        }
    ),
    Trigger.REOPEN: st.fixed_dictionaries({"reason": texts(max_size=8), "risk_factors": _FACTORS}),
    Trigger.CLOSE: st.just({}),
    Trigger.MERGE: st.fixed_dictionaries({"into": names()}),
    Trigger.ASSIGN: st.fixed_dictionaries({"person": names(), "role": vocabulary(Role)}),
    Trigger.RECORD_ATTEMPT: st.fixed_dictionaries({"outcome": vocabulary(Outcome), "forces": _forces()}),
    Trigger.RECORD_VISIT: st.fixed_dictionaries(
        {"kind": vocabulary(VisitKind), "holding": st.sampled_from([True, True, True, False])}
    ),
    Trigger.ATTACH: st.builds(lambda k, t: {"item": DossierItem(kind=k, title=t)}, _USEFUL_DOCS, texts(max_size=8)),
    Trigger.NOTE: st.fixed_dictionaries({"text": texts(min_size=1)}),
}
_CUSTOM = st.fixed_dictionaries({}, optional={"note": texts(max_size=8)})


@lru_cache(maxsize=64)
def _regrade(grades: tuple[str, ...]) -> st.SearchStrategy[Mapping[str, Any]]:
    return st.fixed_dictionaries(
        {"grade": st.none() | st.sampled_from(grades), "reason": texts(max_size=8)},
        optional={"risk_factors": _FACTORS},
    )


def payloads_for(trigger: TriggerId, wf: Workflow, d: Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    """The default payload strategy for ``trigger`` (valid input; the policy may still refuse)."""
    if trigger == Trigger.REGRADE:
        return _regrade(tuple(wf.policy.grades))
    if trigger == Trigger.LINK_ALERT:
        now = wf.clock.now()
        alert = st.builds(Alert, channel=vocabulary(Channel), received_at=st.just(now), summary=texts())
        return st.fixed_dictionaries({"alert": alert})
    return _STATIC.get(trigger, _CUSTOM)


# Hypothesis favours the first element and small integers, so the common case comes first.
_WEIGHT = st.sampled_from((3, 6, 1, 0))
_ENDING_WEIGHT = st.sampled_from((0, 0, 0, 1, 3))
"""Triggers that end a dispute early (merge, escalate) are off in the common case, so runs go deep."""
_ENDS_EARLY = frozenset({Trigger.MERGE, Trigger.ESCALATE})


_KIND = st.sampled_from(("move", "internal", "move", "internal", "any"))


@st.composite
def _choose(
    draw: st.DrawFn,
    wf: Workflow,
    disputes: Sequence[Dispute],
    weights: Mapping[TriggerId, int],
    fixed: Mapping[TriggerId, int],
) -> TriggerId:
    """A state-changing or an internal trigger the graph allows now, by this lifecycle's weights.

    Now and then it is a trigger the graph does not allow, to be refused. A trigger the caller
    fixed at weight 0 is never chosen while the graph allows another. "Now" is the state of the
    last of ``disputes``, which grows as the lifecycle runs: the strategy is made once per
    lifecycle, not at every step, for hypothesis validates each new strategy it is given.
    """
    state = disputes[-1].state
    allowed = wf.graph.allowed(state)
    moves = [t for t in allowed if wf.graph.target(state, t) != state]
    internal = [t for t in allowed if t not in moves]
    kind = draw(_KIND)
    first, second = (moves, internal) if kind == "move" else (internal, moves)
    refused = [t for t in wf.graph.triggers if t not in allowed]
    if (kind == "any" or not allowed) and refused:
        return draw(sampled(refused))
    for group in (first, second):
        weighted = [t for t in group for _ in range(weights.get(t, 1))]
        if weighted:
            return draw(sampled(weighted))
    # Every allowed trigger drew weight 0 in this run: take one the caller did not rule out,
    # preferring those that keep the dispute open.
    open_ones = [t for t in allowed if fixed.get(t, 1) and t not in _ENDS_EARLY]
    permitted = [t for t in allowed if fixed.get(t, 1)]
    options = open_ones or permitted or refused or list(allowed)
    return draw(sampled(options))


_ADVANCES = st.one_of(
    st.just(timedelta(0)),
    st.integers(1, 180).map(lambda m: timedelta(minutes=m)),
    st.integers(1, 48).map(lambda h: timedelta(hours=h)),
    st.integers(1, 40).map(lambda d: timedelta(days=d)),
)
_STOP = st.booleans()
"""Whether a run whose dispute has reached a terminal state stops there (or is sent refused commands)."""

# What a discovery draws, built once (as is every strategy here): hypothesis validates each
# strategy it has not seen, which costs more than drawing from it.
_CHANNELS = vocabulary(Channel)
_CATEGORIES = vocabulary(Category)
_SUMMARY = texts(min_size=1)
_PARTIES = st.lists(parties(), max_size=3)
_DISCOVERED_FACTORS = st.frozensets(vocabulary(RiskFactor), max_size=2)
_STATIONS = st.sampled_from(["城关派出所", "蒲州派出所", "西关派出所"])
_DISCOVERERS = st.sampled_from(_OFFICERS)


def lifecycles(
    make_workflow: Callable[[], Workflow],
    *,
    max_steps: int = 30,
    payloads: Mapping[TriggerId, PayloadStrategy] | None = None,
    actors: st.SearchStrategy[str] | None = None,
    weights: Mapping[TriggerId, int] | None = None,
) -> st.SearchStrategy[Lifecycle]:
    """Random lifecycles under the workflow ``make_workflow()`` returns (one per example).

    Args:
        make_workflow: makes a fresh workflow whose clock is a :class:`~fengqiao.FixedClock`.
        max_steps: how many commands follow discovery (fewer once the dispute is terminal).
        payloads: per-trigger payload strategies replacing the defaults (:func:`payloads_for`).
            Each is called at every step that chose its trigger: build the strategies that do
            not depend on the dispute once, outside it, for hypothesis checks every strategy it
            has not seen before drawing from it, which costs more than the draw.
        actors: who acts; mostly officers, sometimes a grid worker, mediator or informant.
        weights: fixed weights for some triggers (``{Trigger.MERGE: 0, Trigger.RECORD_VISIT: 5}``),
            in place of the weights each run draws for itself; 0 never chooses the trigger
            while the graph allows another.
    """
    overrides = dict(payloads or {})
    fixed = dict(weights or {})
    if any(isinstance(w, bool) or not isinstance(w, int) or w < 0 for w in fixed.values()):
        raise ValidationError(f"weights must be whole numbers of 0 or more, got {fixed!r}", "weights")
    who = actors if actors is not None else ACTORS

    @st.composite
    def build(draw: st.DrawFn) -> Lifecycle:
        wf = make_workflow()
        clock = wf.clock
        if not isinstance(clock, FixedClock):
            raise ValidationError("lifecycles() needs a workflow whose clock is a FixedClock", "make_workflow")
        d = wf.discover(
            channel=draw(_CHANNELS),
            category=draw(_CATEGORIES),
            summary=draw(_SUMMARY),
            parties=draw(_PARTIES),
            risk_factors=draw(_DISCOVERED_FACTORS),
            station=draw(_STATIONS),
            actor=draw(_DISCOVERERS),
        )
        # Swarm testing: each lifecycle weighs triggers its own way (some never, some often),
        # so runs differ in kind, not only in detail, and deep states are reached.
        weights = {t: draw(_ENDING_WEIGHT if t in _ENDS_EARLY else _WEIGHT) for t in wf.graph.triggers}
        weights.update(fixed)
        disputes = [d]
        steps: list[Step] = []
        choose = _choose(wf, disputes, weights, fixed)
        for _ in range(max_steps):
            clock.advance(draw(_ADVANCES))
            allowed = wf.graph.allowed(d.state)
            if not allowed and draw(_STOP):
                break
            trigger = draw(choose)
            strategy = overrides[trigger](wf, d) if trigger in overrides else payloads_for(trigger, wf, d)
            payload = dict(draw(strategy))
            actor = draw(who)
            try:
                d = wf.fire(d, trigger, actor=actor, **payload)
            except TransitionRefused as refused:
                steps.append(Step(trigger, payload, actor, clock.now(), refused.refusals))
                continue
            steps.append(Step(trigger, payload, actor, clock.now()))
            disputes.append(d)
        return Lifecycle(wf, tuple(disputes), tuple(steps))

    return build()
