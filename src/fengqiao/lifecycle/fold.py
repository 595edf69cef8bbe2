"""The pure fold: how each event changes a dispute. No I/O, no clock, no policy.

``start`` turns a ``Discovered`` event into a dispute; ``apply`` adds one more event.
``fire`` uses exactly this function, which is why a replayed history equals the live value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs

from fengqiao.domain.records import Assignment, Attempt, Escalation, Referral, Visit
from fengqiao.errors import ValidationError
from fengqiao.lifecycle.dispute import Dispute
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
from fengqiao.lifecycle.states import State, StateId

__all__ = ["BASE_TARGETS", "apply", "fold", "start"]

BASE_TARGETS: dict[str, State] = {
    "grade": State.GRADED,
    "mediate": State.MEDIATING,
    "refer": State.REFERRED,
    "escalate": State.ESCALATED,
    "resolve": State.FOLLOW_UP,
    "reopen": State.MEDIATING,
    "close": State.CLOSED,
    "merge": State.MERGED,
}
"""Where each built-in state-changing trigger leads, from whichever state it fires."""


def start(event: Discovered) -> Dispute:
    """The dispute a ``Discovered`` event begins."""
    p = event.payload
    return Dispute(
        id=p.dispute_id,
        state=State.DISCOVERED,
        category=p.category,
        summary=p.summary,
        station=p.station,
        discovered_at=event.at,
        updated_at=event.at,
        state_since=event.at,
        parties=p.parties,
        alerts=(p.alert,),
        risk_factors=p.risk_factors,
        history=(event,),
    )


def _graded(d: Dispute, e: Graded | Regraded) -> dict[str, Any]:
    a, g = e.payload.assessment, e.payload.grading
    return {"assessment": a, "risk_factors": a.risk_factors, "grading": g}


def _mediation(d: Dispute, e: MediationStarted) -> dict[str, Any]:
    return {"forces": e.payload.forces, "dossier": d.dossier + e.payload.documents}


def _referred(d: Dispute, e: Referred) -> dict[str, Any]:
    p = e.payload
    referral = None
    if p.department is not None:
        referral = Referral(p.department, p.reason, e.at, e.actor.id, p.documents)
    return {"referral": referral, "dossier": d.dossier + p.documents}


def _escalated(d: Dispute, e: Escalated) -> dict[str, Any]:
    p = e.payload
    return {"escalation": Escalation(p.case_kind, p.reason, p.case_number, e.at, e.actor.id)}


def _resolved(d: Dispute, e: Resolved) -> dict[str, Any]:
    return {
        "resolved_at": e.at,
        "outcome": e.payload.outcome,
        "visits_since_resolution": (),
        "dossier": d.dossier + e.payload.documents,
    }


def _reopened(d: Dispute, e: Reopened) -> dict[str, Any]:
    return {"resolved_at": None, "outcome": None, "risk_factors": d.risk_factors | e.payload.risk_factors}


def _merged(d: Dispute, e: Merged) -> dict[str, Any]:
    return {"merged_into": e.payload.into}


def _assigned(d: Dispute, e: Assigned) -> dict[str, Any]:
    a = Assignment(e.payload.person, e.payload.role, e.at, e.actor.id)
    return {"assignments": (*d.assignments, a)}


def _alert_linked(d: Dispute, e: AlertLinked) -> dict[str, Any]:
    return {"alerts": (*d.alerts, e.payload.alert)}


def _attempt(d: Dispute, e: AttemptRecorded) -> dict[str, Any]:
    p = e.payload
    forces = p.forces or d.forces
    return {"attempts": (*d.attempts, Attempt(forces, p.outcome, p.summary, e.at, e.actor.id))}


def _visit(d: Dispute, e: VisitRecorded) -> dict[str, Any]:
    p = e.payload
    visit = Visit(p.kind, p.holding, p.finding, e.at, e.actor.id)
    return {"visits": (*d.visits, visit), "visits_since_resolution": (*d.visits_since_resolution, visit)}


def _attached(d: Dispute, e: Attached) -> dict[str, Any]:
    return {"dossier": (*d.dossier, e.payload.item)}


def _nothing(d: Dispute, e: Event) -> dict[str, Any]:
    return {}


def _transitioned(d: Dispute, e: Transitioned) -> dict[str, Any]:
    return {"dossier": d.dossier + e.payload.documents}


_Handler = Callable[[Dispute, Any], dict[str, Any]]
_HANDLERS: dict[type[Event], _Handler] = {
    Graded: _graded,
    Regraded: _graded,
    MediationStarted: _mediation,
    Referred: _referred,
    Escalated: _escalated,
    Resolved: _resolved,
    Reopened: _reopened,
    Closed: _nothing,
    Merged: _merged,
    Assigned: _assigned,
    AlertLinked: _alert_linked,
    AttemptRecorded: _attempt,
    VisitRecorded: _visit,
    Attached: _attached,
    Noted: _nothing,
    Transitioned: _transitioned,
}


def target_of(event: Event) -> StateId | None:
    """The state ``event`` leads to, or ``None`` if it keeps the state."""
    if isinstance(event, Transitioned):
        return event.payload.target
    return BASE_TARGETS.get(event.trigger)


def apply(dispute: Dispute, event: Event) -> Dispute:
    """The dispute after ``event``. Pure: ``dispute`` is unchanged."""
    handler = _HANDLERS.get(type(event))
    if handler is None:
        raise ValidationError(f"{type(event).__name__} cannot follow the first event", "event")
    changes = handler(dispute, event)
    target = target_of(event)
    if target is not None:
        target = State(target) if target in State._value2member_map_ else target
        changes["state"] = target
        changes["state_since"] = event.at
    return attrs.evolve(dispute, history=(*dispute.history, event), updated_at=event.at, **changes)


def fold(history: Iterable[Event]) -> Dispute:
    """Fold a whole history into its dispute.

    Raises:
        ValidationError: the history is empty, does not begin with ``Discovered``, has a
            second ``Discovered``, or mixes disputes; ``path`` names the event (``history[3]``).
    """
    events = iter(history)
    first = next(events, None)
    if not isinstance(first, Discovered):
        raise ValidationError("a history must begin with a Discovered event", "history[0]")
    dispute = start(first)
    for index, event in enumerate(events, start=1):
        if not isinstance(event, Event):
            raise ValidationError(f"expected an event, got {event!r}", f"history[{index}]")
        if event.dispute_id != dispute.id:
            raise ValidationError(f"event belongs to dispute {event.dispute_id}, not {dispute.id}", f"history[{index}]")
        if isinstance(event, Discovered):
            raise ValidationError("only the first event may be Discovered", f"history[{index}]")
        dispute = apply(dispute, event)
    return dispute
