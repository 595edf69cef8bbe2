"""The pure fold: a dispute from its events. No I/O, no clock, no policy.

What each event changes is its trigger's handler in :mod:`fengqiao.lifecycle.triggers`;
this module runs them.

``start`` turns a ``Discovered`` event into a dispute; ``apply`` adds one more event.
``fire`` and ``fold`` share the same per-event step (``_changes``: the handler's changes, the
target state, the time), which is why a replayed history equals the live value; ``apply``
runs it for a built-in event through a function made for that event class (``_APPLY``),
which writes the step out without looking the class up again.

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
from typing import TYPE_CHECKING, Any, cast

import attrs

from fengqiao.domain._codegen import Builder, values_maker
from fengqiao.domain._quote import quote
from fengqiao.errors import ValidationError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import (
    Discovered,
    Event,
    Transitioned,
)
from fengqiao.lifecycle.states import State, StateId
from fengqiao.lifecycle.triggers import TRIGGERS, Current, Handler, fold_transitioned

if TYPE_CHECKING:
    from fengqiao.lifecycle.cases import CaseEvent

__all__ = ["apply", "fold", "start"]


_DISPUTE = Builder(Dispute)
"""``attrs.evolve`` and ``Dispute(**values)``, compiled for ``Dispute``'s fields (``copies`` per changed set)."""
_COPIES, _make = _DISPUTE.copies, _DISPUTE.make
_DEFAULTS: dict[str, Any] = {f.name: f.default for f in attrs.fields(Dispute) if f.default is not attrs.NOTHING}
"""The fields a new dispute starts with at their declared defaults (all plain immutable values)."""

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
    "policy": "e.policy",
    "history": "(e,)",
}
"""How a ``Discovered`` event ``e`` (with payload ``p``) sets a new dispute's fields; the others keep their defaults.

One table, compiled into ``_started`` (the values, which ``fold`` goes on changing) and
``_begin`` (the ``Dispute`` itself, which ``start`` returns without a mapping in between).
"""
_started = values_maker(
    "started",
    "e",
    _STARTED,
    prelude="p = e.payload",
    what="started fengqiao.lifecycle.fold",
    defaults=_DEFAULTS,
    _DISCOVERED=State.DISCOVERED,
)
_begin = _DISPUTE.maker("begin", "e", _STARTED, prelude="p = e.payload", _DISCOVERED=State.DISCOVERED)


def start(event: Discovered) -> Dispute:
    """The dispute a ``Discovered`` event begins."""
    if _begin is not None:
        return _begin(event)
    return _make(_started(event))


class _Draft:
    """A dispute being folded: its field values as plain attributes, changed in place.

    Handlers read it as they read a ``Dispute`` (the fields :class:`~fengqiao.lifecycle.triggers.Current`
    names); ``fold`` builds the frozen ``Dispute`` once, from the draft's ``__dict__``, after the last event.
    """

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__ = values


_STEPS: dict[type[Event], tuple[Handler, State | None]] = {
    **{spec.event: (spec.fold, spec.target) for spec in TRIGGERS},
    Transitioned: (fold_transitioned, None),
}
"""Each event class's handler and the built-in state it leads to (``Transitioned``: its payload's)."""


def _changes(current: Current, event: Event) -> dict[str, Any]:
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


Step = Callable[[Dispute, Any, dict[str, Any]], Dispute]
"""``step(dispute, event, changes)``: the dispute after ``event``, whose handler gave ``changes``."""


class _Steps(dict[tuple[str, ...], Step]):
    """One built-in event class's steps: one compiled for each set of fields its handler changes.

    A compiled step writes the new dispute's fields straight from the dispute, the event and
    the handler's changes, in ``_changes``'s order of precedence (the target state, then the
    time, then the history over what the handler gave). Without compiled code (plain mode),
    for a changed field that ``Dispute`` lacks, or past ``limit`` sets, the step is
    ``_changes`` written out with the compiled copies (``plain``).
    """

    def __init__(self, name: str, target: State | None, limit: int = 16) -> None:
        super().__init__()
        self.name, self.target, self.limit = name, target, limit

    def plain(self, dispute: Dispute, event: Any, changes: dict[str, Any]) -> Dispute:
        if self.target is not None:
            changes["state"] = self.target
            changes["state_since"] = event.at
        changes["updated_at"] = event.at
        changes["history"] = (*dispute.history, event)
        return _COPIES[tuple(changes)](dispute, changes)

    def __missing__(self, keys: tuple[str, ...]) -> Step:
        if len(self) >= self.limit or not set(keys) <= set(_DISPUTE.names):
            return self.plain
        fixed = {"updated_at": "e.at", "history": "(*d.history, e)"}
        if self.target is not None:
            fixed.update(state="_target", state_since="e.at")
        exprs = {n: fixed.get(n) or (f"c[{n!r}]" if n in keys else f"d.{n}") for n in _DISPUTE.names}
        step = self[keys] = _DISPUTE.maker(self.name, "d, e, c", exprs, _target=self.target) or self.plain
        return step


def _applier(handler: Handler, steps: _Steps) -> Callable[[Dispute, Any], Dispute]:
    """``apply`` for one built-in event class: its handler, then the step for the fields it changed."""

    def apply_one(dispute: Dispute, event: Any) -> Dispute:
        changes = handler(dispute, event)
        return steps[tuple(changes)](dispute, event, changes)

    return apply_one


_STEPS_OF: dict[type[Event], _Steps] = {
    spec.event: _Steps(f"apply_{spec.event.type}", spec.target) for spec in TRIGGERS
}
"""Each built-in event class's compiled steps, by the fields its handler changed."""
_APPLY: dict[type[Event], Callable[[Dispute, Any], Dispute]] = {
    spec.event: _applier(spec.fold, _STEPS_OF[spec.event]) for spec in TRIGGERS
}
"""Each built-in event class's ``apply``: the per-event step of ``_changes``, without looking the class up again."""


def apply(dispute: Dispute, event: Event) -> Dispute:
    """The dispute after ``event``. Pure: ``dispute`` is unchanged."""
    one = _APPLY.get(type(event))
    if one is not None:
        return one(dispute, event)
    changes = _changes(dispute, event)
    changes["history"] = (*dispute.history, event)
    return _COPIES[tuple(changes)](dispute, changes)


def fold(history: Iterable[CaseEvent]) -> Dispute:
    """Fold a whole history into its dispute.

    It takes a stream as a store gives it (of any kind of case) and refuses one that is not a dispute's.

    Raises:
        ValidationError: the history is empty, does not begin with ``Discovered``, has a
            second ``Discovered``, holds another kind's event, or mixes disputes; ``path`` names
            the event (``history[3]``).
    """
    try:
        events = iter(cast("Iterable[Event]", history))  # another kind's event is refused below, by its class
    except TypeError:  # None, a number …: text is iterable, and refused below as not beginning with Discovered
        raise ValidationError(f"expected a sequence of events, got {quote(history)}", "history") from None
    first = next(events, None)
    if not isinstance(first, Discovered):
        raise ValidationError("a history must begin with a Discovered event", "history[0]")
    values = _started(first)
    draft = cast(Current, _Draft(values))  # its attributes are the dispute's fields
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
