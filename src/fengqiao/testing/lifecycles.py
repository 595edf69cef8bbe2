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

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import attrs
from hypothesis import strategies as st

from fengqiao.domain.actor import OFFICER_ROLES, Role
from fengqiao.domain.clock import FixedClock
from fengqiao.domain.dossier import HANDOVER_PAPERS, DossierItem, DossierKind
from fengqiao.domain.party import Alert
from fengqiao.domain.vocab import (
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


_OFFICERS = tuple(f"{r.value}:{n}" for r in sorted(OFFICER_ROLES) for n in ("xiao", "wang"))
_OTHERS = ("grid_worker:zhao", "mediator:sun", "informant:qian")

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
        {"department": st.none() | vocabulary(Department), "documents": _items(), "reason": texts(max_size=8)}
    ),
    Trigger.ESCALATE: st.fixed_dictionaries(
        {"case_kind": st.none() | vocabulary(CaseKind), "reason": st.sampled_from(["", "达到立案标准"])}
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


_ADVANCES = st.one_of(
    st.just(timedelta(0)),
    st.integers(1, 180).map(lambda m: timedelta(minutes=m)),
    st.integers(1, 48).map(lambda h: timedelta(hours=h)),
    st.integers(1, 40).map(lambda d: timedelta(days=d)),
)


def lifecycles(
    make_workflow: Callable[[], Workflow],
    *,
    max_steps: int = 30,
    payloads: Mapping[TriggerId, PayloadStrategy] | None = None,
    actors: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[Lifecycle]:
    """Random lifecycles under the workflow ``make_workflow()`` returns (one per example).

    Args:
        make_workflow: makes a fresh workflow whose clock is a :class:`~fengqiao.FixedClock`.
        max_steps: the most commands after discovery.
        payloads: per-trigger payload strategies replacing the defaults (:func:`payloads_for`).
        actors: who acts; mostly officers, sometimes a grid worker, mediator or informant.
    """
    overrides = dict(payloads or {})
    who = actors or st.sampled_from(_OFFICERS) | st.sampled_from(_OFFICERS) | st.sampled_from(_OTHERS)

    @st.composite
    def build(draw: st.DrawFn) -> Lifecycle:
        wf = make_workflow()
        clock = wf.clock
        if not isinstance(clock, FixedClock):
            raise ValidationError("lifecycles() needs a workflow whose clock is a FixedClock", "make_workflow")
        d = wf.discover(
            channel=draw(vocabulary(Channel)),
            category=draw(vocabulary(Category)),
            summary=draw(texts(min_size=1)),
            parties=draw(st.lists(parties(), max_size=3)),
            risk_factors=draw(st.frozensets(vocabulary(RiskFactor), max_size=2)),
            station=draw(st.sampled_from(["城关派出所", "蒲州派出所", "西关派出所"])),
            actor=draw(st.sampled_from(_OFFICERS)),
        )
        disputes = [d]
        steps: list[Step] = []
        for _ in range(draw(st.integers(0, max_steps))):
            clock.advance(draw(_ADVANCES))
            allowed = wf.graph.allowed(d.state)
            if not allowed and draw(st.booleans()):
                break
            pool = st.sampled_from(wf.graph.triggers)
            trigger = draw(st.sampled_from(allowed) | pool if allowed else pool)
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
