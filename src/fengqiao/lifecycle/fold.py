"""The pure fold: how each event changes a dispute. No I/O, no clock, no policy.

``start`` turns a ``Discovered`` event into a dispute; ``apply`` adds one more event.
``fire`` and ``fold`` share the same per-event step (``_changes``), which is why a replayed
history equals the live value.

Two things keep this fast (see ``benchmarks/README.md``): ``apply`` copies the ~25-field
``Dispute`` with a copy compiled for its fields instead of ``attrs.evolve`` (which looks
every field up again on each call), and ``fold`` gathers the changes of a whole history in
one plain mapping and builds the ``Dispute`` once, at the end, instead of once per event.
The compiled copies live with all of fengqiao's generated code in
:mod:`fengqiao.domain._codegen`; with ``FENGQIAO_PLAIN=1`` they are ``attrs.evolve`` and
``Dispute(**values)`` themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs

from fengqiao.domain._codegen import Builder
from fengqiao.domain._quote import quote
from fengqiao.domain.dossier import DossierItem
from fengqiao.domain.party import Alert
from fengqiao.domain.records import Assignment, Attempt, Escalation, Referral, Visit
from fengqiao.domain.vocab import MediationForce, RiskFactor
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
    return _make(_started(event))


_DISPUTE = Builder(Dispute)
"""``attrs.evolve`` and ``Dispute(**values)``, compiled for ``Dispute``'s fields (``copies`` per changed set)."""
_COPIES, _make = _DISPUTE.copies, _DISPUTE.make
_DEFAULTS: dict[str, Any] = {f.name: f.default for f in attrs.fields(Dispute) if f.default is not attrs.NOTHING}
"""The fields a new dispute starts with at their declared defaults (all plain immutable values)."""


def _started(e: Discovered) -> dict[str, Any]:
    """The field values of the dispute ``e`` begins: a fresh mapping, which ``fold`` goes on changing."""
    p = e.payload
    return {
        **_DEFAULTS,
        "id": p.dispute_id,
        "state": State.DISCOVERED,
        "category": p.category,
        "summary": p.summary,
        "station": p.station,
        "discovered_at": e.at,
        "updated_at": e.at,
        "state_since": e.at,
        "parties": p.parties,
        "alerts": (p.alert,),
        "risk_factors": p.risk_factors,
        "history": (e,),
    }


class _Draft:
    """A dispute being folded: its field values as plain attributes, changed in place.

    Handlers read it exactly as they read a ``Dispute`` (only the fields below); ``fold``
    builds the frozen ``Dispute`` once, from the draft's ``__dict__``, after the last event.
    """

    dossier: tuple[DossierItem, ...]
    risk_factors: frozenset[RiskFactor]
    forces: tuple[MediationForce, ...]
    attempts: tuple[Attempt, ...]
    visits: tuple[Visit, ...]
    visits_since_resolution: tuple[Visit, ...]
    assignments: tuple[Assignment, ...]
    alerts: tuple[Alert, ...]

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__ = values


_Current = Dispute | _Draft
"""What a handler reads: a dispute, or the draft of one being folded."""


def _graded(d: _Current, e: Graded | Regraded) -> dict[str, Any]:
    a, g = e.payload.assessment, e.payload.grading
    return {"assessment": a, "risk_factors": a.risk_factors, "grading": g}


def _mediation(d: _Current, e: MediationStarted) -> dict[str, Any]:
    return {"forces": e.payload.forces, "dossier": d.dossier + e.payload.documents}


def _referred(d: _Current, e: Referred) -> dict[str, Any]:
    p = e.payload
    referral = None
    if p.department is not None:
        referral = Referral(p.department, p.reason, e.at, e.actor.id, p.documents)
    return {"referral": referral, "dossier": d.dossier + p.documents}


def _escalated(d: _Current, e: Escalated) -> dict[str, Any]:
    p = e.payload
    return {"escalation": Escalation(p.case_kind, p.reason, p.case_number, e.at, e.actor.id)}


def _resolved(d: _Current, e: Resolved) -> dict[str, Any]:
    return {
        "resolved_at": e.at,
        "outcome": e.payload.outcome,
        "visits_since_resolution": (),
        "dossier": d.dossier + e.payload.documents,
    }


def _reopened(d: _Current, e: Reopened) -> dict[str, Any]:
    return {"resolved_at": None, "outcome": None, "risk_factors": d.risk_factors | e.payload.risk_factors}


def _merged(d: _Current, e: Merged) -> dict[str, Any]:
    return {"merged_into": e.payload.into}


def _assigned(d: _Current, e: Assigned) -> dict[str, Any]:
    a = Assignment(e.payload.person, e.payload.role, e.at, e.actor.id)
    return {"assignments": (*d.assignments, a)}


def _alert_linked(d: _Current, e: AlertLinked) -> dict[str, Any]:
    return {"alerts": (*d.alerts, e.payload.alert)}


def _attempt(d: _Current, e: AttemptRecorded) -> dict[str, Any]:
    p = e.payload
    forces = p.forces or d.forces
    return {"attempts": (*d.attempts, Attempt(forces, p.outcome, p.summary, e.at, e.actor.id))}


def _visit(d: _Current, e: VisitRecorded) -> dict[str, Any]:
    p = e.payload
    visit = Visit(p.kind, p.holding, p.finding, e.at, e.actor.id)
    return {"visits": (*d.visits, visit), "visits_since_resolution": (*d.visits_since_resolution, visit)}


def _attached(d: _Current, e: Attached) -> dict[str, Any]:
    return {"dossier": (*d.dossier, e.payload.item)}


def _nothing(d: _Current, e: Event) -> dict[str, Any]:
    return {}


def _transitioned(d: _Current, e: Transitioned) -> dict[str, Any]:
    return {"dossier": d.dossier + e.payload.documents}


_Handler = Callable[[_Current, Any], dict[str, Any]]
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


_STEPS: dict[type[Event], tuple[_Handler, State | None]] = {
    cls: (handler, None if cls is Transitioned else BASE_TARGETS.get(cls.trigger)) for cls, handler in _HANDLERS.items()
}
"""Each event class's handler and the built-in state it leads to (``Transitioned``: its payload's)."""


def target_of(event: Event) -> StateId | None:
    """The state ``event`` leads to, or ``None`` if it keeps the state."""
    if isinstance(event, Transitioned):
        return event.payload.target
    return BASE_TARGETS.get(event.trigger)


def _changes(current: _Current, event: Event) -> dict[str, Any]:
    """The fields ``event`` changes, ``history`` excepted."""
    step = _STEPS.get(type(event))
    if step is None:
        raise ValidationError(f"{type(event).__name__} cannot follow the first event", "event")
    handler, builtin = step
    target: StateId | None = builtin
    changes = handler(current, event)
    if isinstance(event, Transitioned):
        custom = event.payload.target
        target = State(custom) if custom in State._value2member_map_ else custom
    if target is not None:
        changes["state"] = target
        changes["state_since"] = event.at
    changes["updated_at"] = event.at
    return changes


def apply(dispute: Dispute, event: Event) -> Dispute:
    """The dispute after ``event``. Pure: ``dispute`` is unchanged."""
    changes = _changes(dispute, event)
    changes["history"] = (*dispute.history, event)
    return _COPIES[tuple(changes)](dispute, changes)


def fold(history: Iterable[Event]) -> Dispute:
    """Fold a whole history into its dispute.

    Raises:
        ValidationError: the history is empty, does not begin with ``Discovered``, has a
            second ``Discovered``, or mixes disputes; ``path`` names the event (``history[3]``).
    """
    try:
        events = iter(history)
    except TypeError:  # None, a number …: text is iterable, and refused below as not beginning with Discovered
        raise ValidationError(f"expected a sequence of events, got {quote(history)}", "history") from None
    first = next(events, None)
    if not isinstance(first, Discovered):
        raise ValidationError("a history must begin with a Discovered event", "history[0]")
    values = _started(first)
    draft = _Draft(values)
    dispute_id = first.payload.dispute_id
    seen: list[Event] = [first]
    for index, event in enumerate(events, start=1):
        # A known event class is an Event and not Discovered: only its dispute is left to check.
        if type(event) not in _STEPS or event.dispute_id != dispute_id:
            _refuse(event, index, dispute_id)
        values.update(_changes(draft, event))
        seen.append(event)
    values["history"] = tuple(seen)
    return _make(values)


def _refuse(event: object, index: int, dispute_id: str) -> None:
    """Raise the error for an event that cannot stand at ``history[index]`` (if there is one)."""
    if not isinstance(event, Event):
        raise ValidationError(f"expected an event, got {quote(event)}", f"history[{index}]")
    if event.dispute_id != dispute_id:
        raise ValidationError(f"event belongs to dispute {event.dispute_id}, not {dispute_id}", f"history[{index}]")
    if isinstance(event, Discovered):
        raise ValidationError("only the first event may be Discovered", f"history[{index}]")
