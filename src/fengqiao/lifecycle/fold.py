"""The pure fold: how each event changes a dispute. No I/O, no clock, no policy.

``start`` turns a ``Discovered`` event into a dispute; ``apply`` adds one more event.
``fire`` and ``fold`` share the same per-event step (``_changes``), which is why a replayed
history equals the live value.

Two things keep this fast (see ``benchmarks/README.md``): ``apply`` copies the ~25-field
``Dispute`` with a copy function compiled once for its fields instead of ``attrs.evolve``
(which looks every field up again on each call), and ``fold`` gathers the changes of a whole
history in one plain mapping and builds the ``Dispute`` once, at the end, instead of once
per event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs

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
    return _begin(event)


_STARTED: dict[str, str] = {
    "id": "p.dispute_id",
    "state": "_DISCOVERED",
    "category": "p.category",
    "summary": "p.summary",
    "station": "p.station",
    "discovered_at": "e.at",
    "updated_at": "e.at",
    "state_since": "e.at",
    "parties": "p.parties",
    "alerts": "(p.alert,)",
    "risk_factors": "p.risk_factors",
    "history": "(e,)",
}
"""How a ``Discovered`` event ``e`` (with payload ``p``) sets a new dispute's fields (the others keep their defaults).

One table, compiled below into ``_started`` (the values, which ``fold`` goes on changing) and
``_begin`` (the ``Dispute`` itself, which ``start`` returns without a mapping in between).
"""


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
    keys = tuple(changes)
    copy = _COPIES.get(keys)
    if copy is None:
        copy = _COPIES[keys] = _compile_copy(keys) if len(_COPIES) < _MAX_COPIES else _copy
    return copy(dispute, changes)


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


def _plain() -> bool:
    """Whether ``Dispute(**values)`` does nothing but store ``values`` in its slots."""
    return not hasattr(Dispute, "__attrs_post_init__") and all(
        f.init and f.converter is None and f.validator is None and f.alias == f.name for f in attrs.fields(Dispute)
    )


def _slots_twin() -> type | None:
    """A plain class with ``Dispute``'s slots, whose filled instances can become ``Dispute`` s.

    Filling a frozen attrs instance has to go through each slot's descriptor (frozen classes
    refuse ``setattr``), about 90 ns a field; a plain slotted class takes a plain attribute
    store (about 10 ns, which CPython specialises). Its instance, once every field is set,
    has its ``__class__`` changed to ``Dispute``: the two layouts are the same (which is why
    ``Dispute`` has no ``__weakref__`` slot: CPython refuses the change when one is there),
    so the result is an ordinary frozen ``Dispute`` in every respect. Returns ``None`` (and
    the fold keeps to the descriptors) if ``Dispute`` is not plain or CPython refuses.
    """
    if not _plain():  # pragma: no cover - see _plain
        return None
    twin = type(
        "_DisputeSlots", (), {"__slots__": tuple(f.name for f in attrs.fields(Dispute)), "__module__": __name__}
    )
    probe: Any = object.__new__(twin)
    try:
        probe.__class__ = Dispute
    except TypeError:  # pragma: no cover - another layout or another Python
        return None
    return twin


_TWIN = _slots_twin()


def _function(
    name: str, params: str, fields: Iterable[tuple[str, str]], namespace: dict[str, Any], *, prelude: str = ""
) -> Any:
    """Compile ``def name(params)`` returning a new ``Dispute`` whose fields are the given expressions.

    ``prelude`` is one statement run first (``begin`` binds ``p = e.payload`` there).
    """
    namespace.update({"_new": object.__new__, "Dispute": Dispute, "_Twin": _TWIN})
    lines = [f"def {name}({params}):", *([f"    {prelude}"] if prelude else [])]
    if _TWIN is not None:
        lines.append("    n = _new(_Twin)")
        lines += [f"    n.{field} = {expr}" for field, expr in fields]
        lines.append("    n.__class__ = Dispute")
    else:  # pragma: no cover - the descriptors, as attrs' own __init__ would
        lines.append("    n = _new(Dispute)")
        for field, expr in fields:
            namespace[f"_set_{field}"] = getattr(Dispute, field).__set__
            lines.append(f"    _set_{field}(n, {expr})")
    exec("\n".join([*lines, "    return n"]), namespace)
    return namespace[name]


def _compile() -> tuple[Callable[[Dispute, dict[str, Any]], Dispute], Callable[[dict[str, Any]], Dispute]]:
    """``attrs.evolve`` and ``Dispute(**values)`` for ``Dispute``, compiled once for its fields.

    ``evolve`` looks up every field and rebuilds a keyword dict on each call, which made it
    the largest single cost of a command. The compiled copy writes each field of a new frozen
    instance directly (see :func:`_slots_twin`): the value from ``changes`` if there, else the
    old one. That is exact only because ``Dispute`` has no converters, validators or
    ``__attrs_post_init__`` (the values come from a valid dispute or from the handlers above);
    should it ever get one, both fall back to the attrs way (a test pins this).
    """
    if not _plain():  # pragma: no cover - the fallback the docstring promises
        return (lambda dispute, changes: attrs.evolve(dispute, **changes)), (lambda values: Dispute(**values))
    names = [f.name for f in attrs.fields(Dispute)]
    copy = _function("copy", "d, c", ((n, f"c[{n!r}] if {n!r} in c else d.{n}") for n in names), {})
    make = _function("make", "v", ((n, f"v[{n!r}]") for n in names), {})
    return copy, make


_copy, _make = _compile()
_DEFAULTS: dict[str, Any] = {f.name: f.default for f in attrs.fields(Dispute) if f.default is not attrs.NOTHING}
"""The fields a new dispute starts with at their declared defaults (all plain immutable values)."""


def _compile_start() -> tuple[Callable[[Discovered], dict[str, Any]], Callable[[Discovered], Dispute]]:
    """``_started`` and ``_begin`` from the ``_STARTED`` table and ``Dispute``'s defaults."""
    namespace: dict[str, Any] = {"_DISCOVERED": State.DISCOVERED}
    fields: list[tuple[str, str]] = []
    for f in attrs.fields(Dispute):
        if f.name in _STARTED:
            expr = _STARTED[f.name]
        else:
            expr = f"_default_{f.name}"
            namespace[expr] = _DEFAULTS[f.name]
        fields.append((f.name, expr))
    values = [
        "def started(e):",
        "    p = e.payload",
        "    return {",
        *(f"        {n!r}: {x}," for n, x in fields),
        "    }",
    ]
    exec("\n".join(values), namespace)
    if not _plain():  # pragma: no cover - the fallback the compiled copy promises too
        return namespace["started"], lambda e: Dispute(**namespace["started"](e))
    return namespace["started"], _function("begin", "e", fields, namespace, prelude="p = e.payload")


_started, _begin = _compile_start()

_MAX_COPIES = 256
"""Copy functions kept, one per set of changed fields; a handler always changes the same ones."""
_COPIES: dict[tuple[str, ...], Callable[[Dispute, dict[str, Any]], Dispute]] = {}


def _compile_copy(keys: tuple[str, ...]) -> Callable[[Dispute, dict[str, Any]], Dispute]:
    """The copy for changes with exactly ``keys``: no "is this field changed?" test per field.

    Each handler returns the same keys every time, so ``apply`` meets only a handful of key
    sets; each gets a copy that reads the changed fields from the mapping and the rest from
    the old dispute. Anything unusual (``Dispute`` not plain, a key that is not a field) gets
    the general copy.
    """
    names = [f.name for f in attrs.fields(Dispute)]
    if not _plain() or not set(keys) <= set(names):  # pragma: no cover - the general copy is exact too
        return _copy
    fields = ((n, f"c[{n!r}]" if n in keys else f"d.{n}") for n in names)
    return _function("copy", "d, c", fields, {})  # type: ignore[no-any-return]
