"""The built-in triggers, declared once: each one's event, payload, graph edge and fold handler.

One row of :data:`TRIGGERS` says everything the engine needs about a built-in trigger:

- the event class it records (which names its trigger and, by its ``payload`` field, its
  payload class);
- the states it may fire from and the state it leads to (``None``: it keeps the state);
- its fold handler: the fields of the dispute that the event changes.

The graph (:data:`~fengqiao.lifecycle.graph.BASE_EDGES`), the fold, the workflow's payload
building, the event registry of :mod:`fengqiao.serde` and the testing toolkit all read this
table. To add a built-in trigger: name it in :class:`~fengqiao.lifecycle.states.Trigger`,
declare its payload (:mod:`~fengqiao.lifecycle.payloads`) and event
(:mod:`~fengqiao.lifecycle.events`), and add its handler and row here. Policies add their
own triggers through a :class:`~fengqiao.lifecycle.graph.GraphExtension` instead, recorded
as :class:`~fengqiao.lifecycle.events.Transitioned` events.

Depends on the domain, the states, payloads and events of this room; never on the fold
engine or the graph, which depend on it.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, Protocol, TypeVar

import attrs

from fengqiao.domain.dossier import DossierItem
from fengqiao.domain.party import Alert
from fengqiao.domain.records import Assignment, Attempt, Escalation, Referral, Visit
from fengqiao.domain.terms import MediationForce, RiskFactor
from fengqiao.domain.vocabulary import Vocabulary
from fengqiao.lifecycle.events import (
    AlertLinked,
    Assigned,
    Attached,
    AttemptRecorded,
    Closed,
    Discovered,
    Escalated,
    Event,
    Graded,
    MediationStarted,
    Merged,
    Noted,
    Referred,
    Regraded,
    Reopened,
    Resolved,
    Transitioned,
    VisitRecorded,
)
from fengqiao.lifecycle.states import TERMINAL_STATES, State, StateId, Trigger

__all__ = [
    "BASE_TARGETS",
    "BY_EVENT",
    "BY_TRIGGER",
    "EVENT_TYPES",
    "INTERNAL_TRIGGERS",
    "OPEN_STATES",
    "TRIGGERS",
    "Current",
    "Handler",
    "TriggerSpec",
    "fold_transitioned",
    "target_of",
]


class Current(Protocol):
    """What a fold handler reads of the dispute so far: a ``Dispute``, or the fold's draft of one."""

    @property
    def dossier(self) -> tuple[DossierItem, ...]: ...  # noqa: D102
    @property
    def risk_factors(self) -> frozenset[RiskFactor]: ...  # noqa: D102
    @property
    def forces(self) -> tuple[MediationForce, ...]: ...  # noqa: D102
    @property
    def attempts(self) -> tuple[Attempt, ...]: ...  # noqa: D102
    @property
    def visits(self) -> tuple[Visit, ...]: ...  # noqa: D102
    @property
    def visits_since_resolution(self) -> tuple[Visit, ...]: ...  # noqa: D102
    @property
    def assignments(self) -> tuple[Assignment, ...]: ...  # noqa: D102
    @property
    def alerts(self) -> tuple[Alert, ...]: ...  # noqa: D102


Handler = Callable[[Current, Any], dict[str, Any]]
"""A fold handler: the dispute so far and the event, to the fields the event changes."""


# -- the handlers: what each event changes ------------------------------------------------------
def _graded(d: Current, e: Graded | Regraded) -> dict[str, Any]:
    a, g = e.payload.assessment, e.payload.grading
    return {"assessment": a, "risk_factors": a.risk_factors, "grading": g}


def _mediation(d: Current, e: MediationStarted) -> dict[str, Any]:
    return {"forces": e.payload.forces, "dossier": d.dossier + e.payload.documents}


def _referred(d: Current, e: Referred) -> dict[str, Any]:
    p = e.payload
    referral = None
    if p.department is not None:
        referral = Referral(p.department, p.reason, e.at, e.actor.id, p.documents)
    return {"referral": referral, "dossier": d.dossier + p.documents}


def _escalated(d: Current, e: Escalated) -> dict[str, Any]:
    p = e.payload
    return {"escalation": Escalation(p.case_kind, p.reason, p.case_number, e.at, e.actor.id)}


def _resolved(d: Current, e: Resolved) -> dict[str, Any]:
    return {
        "resolved_at": e.at,
        "outcome": e.payload.outcome,
        "visits_since_resolution": (),
        "dossier": d.dossier + e.payload.documents,
    }


def _reopened(d: Current, e: Reopened) -> dict[str, Any]:
    return {"resolved_at": None, "outcome": None, "risk_factors": d.risk_factors | e.payload.risk_factors}


def _merged(d: Current, e: Merged) -> dict[str, Any]:
    return {"merged_into": e.payload.into}


def _assigned(d: Current, e: Assigned) -> dict[str, Any]:
    a = Assignment(e.payload.person, e.payload.role, e.at, e.actor.id)
    return {"assignments": (*d.assignments, a)}


def _alert_linked(d: Current, e: AlertLinked) -> dict[str, Any]:
    return {"alerts": (*d.alerts, e.payload.alert)}


def _attempt(d: Current, e: AttemptRecorded) -> dict[str, Any]:
    p = e.payload
    forces = p.forces or d.forces
    return {"attempts": (*d.attempts, Attempt(forces, p.outcome, p.summary, e.at, e.actor.id))}


def _visit(d: Current, e: VisitRecorded) -> dict[str, Any]:
    p = e.payload
    visit = Visit(p.kind, p.holding, p.finding, e.at, e.actor.id)
    return {"visits": (*d.visits, visit), "visits_since_resolution": (*d.visits_since_resolution, visit)}


def _attached(d: Current, e: Attached) -> dict[str, Any]:
    return {"dossier": (*d.dossier, e.payload.item)}


def _nothing(d: Current, e: Event) -> dict[str, Any]:
    return {}


def fold_transitioned(d: Current, e: Transitioned) -> dict[str, Any]:
    """A policy's own trigger: its documents go to the dossier (its target is in its payload)."""
    return {"dossier": d.dossier + e.payload.documents}


# -- the table ----------------------------------------------------------------------------------
def _payload_class(event: type[Event]) -> type[Any]:
    """The payload class ``event`` declares (its ``payload`` field's type)."""
    hints = typing.get_type_hints(event)
    payload: type[Any] = hints["payload"]
    return payload


S = TypeVar("S", bound=Vocabulary)
T = TypeVar("T", bound=Vocabulary)


@attrs.frozen
class TriggerSpec(Generic[S, T]):
    """One built-in trigger: the event it records, where it may fire, where it leads, how it folds.

    ``trigger`` and ``payload`` are read off the event class, which declares both (its
    ``trigger`` a member of the kind's trigger vocabulary ``T``; ``S``: its states).
    ``in_added_states``: the trigger may also fire in every non-terminal state a policy adds
    (bookkeeping such as a note or a regrade), without the policy asking.
    """

    event: type[Any]
    sources: tuple[S, ...]
    target: S | None
    fold: Callable[[Any, Any], dict[str, Any]]
    in_added_states: bool = False
    trigger: T = attrs.field(init=False, default=attrs.Factory(lambda s: s.event.trigger, takes_self=True))
    payload: type[Any] = attrs.field(
        init=False, default=attrs.Factory(lambda s: _payload_class(s.event), takes_self=True)
    )


OPEN_STATES = tuple(s for s in State if s not in TERMINAL_STATES)
"""The states a dispute is still handled in: where the bookkeeping triggers may fire."""

_S = State
TRIGGERS: tuple[TriggerSpec[State, Trigger], ...] = (
    TriggerSpec(Graded, (_S.DISCOVERED,), _S.GRADED, _graded),
    TriggerSpec(MediationStarted, (_S.GRADED,), _S.MEDIATING, _mediation),
    TriggerSpec(Referred, (_S.GRADED, _S.MEDIATING), _S.REFERRED, _referred),
    TriggerSpec(Escalated, (_S.GRADED, _S.MEDIATING, _S.REFERRED), _S.ESCALATED, _escalated),
    TriggerSpec(Resolved, (_S.MEDIATING, _S.REFERRED), _S.FOLLOW_UP, _resolved),
    TriggerSpec(Reopened, (_S.FOLLOW_UP,), _S.MEDIATING, _reopened),
    TriggerSpec(Closed, (_S.FOLLOW_UP,), _S.CLOSED, _nothing),
    TriggerSpec(Merged, (_S.DISCOVERED, _S.GRADED), _S.MERGED, _merged),
    TriggerSpec(Regraded, (_S.GRADED, _S.MEDIATING, _S.REFERRED, _S.FOLLOW_UP), None, _graded, in_added_states=True),
    TriggerSpec(Assigned, OPEN_STATES, None, _assigned, in_added_states=True),
    TriggerSpec(AlertLinked, OPEN_STATES, None, _alert_linked, in_added_states=True),
    TriggerSpec(Attached, OPEN_STATES, None, _attached, in_added_states=True),
    TriggerSpec(Noted, OPEN_STATES, None, _nothing, in_added_states=True),
    TriggerSpec(AttemptRecorded, (_S.MEDIATING,), None, _attempt),
    TriggerSpec(VisitRecorded, (_S.FOLLOW_UP,), None, _visit),
)
"""Every built-in trigger: the base lifecycle graph of the design notes, and how each event folds."""

BY_TRIGGER: Mapping[str, TriggerSpec[State, Trigger]] = {spec.trigger: spec for spec in TRIGGERS}
"""Each built-in trigger's row."""
BY_EVENT: Mapping[type[Event], TriggerSpec[State, Trigger]] = {spec.event: spec for spec in TRIGGERS}
"""Each built-in event class's row."""
BASE_TARGETS: Mapping[str, State] = {spec.trigger: spec.target for spec in TRIGGERS if spec.target is not None}
"""Where each built-in state-changing trigger leads, from whichever state it fires."""
INTERNAL_TRIGGERS = frozenset(spec.trigger for spec in TRIGGERS if spec.target is None)
"""The built-in triggers that are recorded as events but keep the state."""
_ALL_EVENTS: tuple[type[Event], ...] = (Discovered, *(spec.event for spec in TRIGGERS), Transitioned)
EVENT_TYPES: Mapping[str, type[Event]] = {cls.type: cls for cls in _ALL_EVENTS}
"""Every event class by its ``type`` tag: the discovery, each built-in trigger's, a policy trigger's."""


def target_of(event: Event) -> StateId | None:
    """The state ``event`` leads to, or ``None`` if it keeps the state."""
    if isinstance(event, Transitioned):
        return event.payload.target
    return BASE_TARGETS.get(event.trigger)


def _check(rows: Iterable[TriggerSpec[State, Trigger]]) -> None:
    """Each trigger and each event class has one row, and every trigger of the vocabulary has one."""
    rows = tuple(rows)
    if len({r.trigger for r in rows}) != len(rows) or len({r.event for r in rows}) != len(rows):
        raise AssertionError("a trigger or an event class has two rows")
    if {r.trigger for r in rows} != set(Trigger):
        raise AssertionError("a built-in trigger has no row")


_check(TRIGGERS)
