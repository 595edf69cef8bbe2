"""An event of any kind of case: :data:`CaseEvent`, what a store's stream holds.

One store keeps the histories of every kind of case (:mod:`fengqiao.lifecycle.kinds`): a
dispute's :class:`~fengqiao.lifecycle.events.Event` values, a household's
:class:`~fengqiao.lifecycle.household_events.HouseholdEvent` values and a place's reports
(:class:`~fengqiao.lifecycle.place_events.PlaceEvent`). The stores' protocol,
their rows and ``load`` name :data:`CaseEvent`; a workflow's ``replay`` takes a stream as a
store gives it and refuses one of another kind (``ValidationError``).

A new family of events is added here, once: to :data:`CaseEvent`, to
:data:`CASE_EVENT_TYPES` (what a store and ``fq.loads`` read by ``type`` tag) and to the kinds
:func:`kind_of` tells apart.

>>> from datetime import UTC, datetime
>>> import fengqiao as fq
>>> h = fq.HouseholdWorkflow(clock=fq.FixedClock(datetime(2024, 3, 1, 9, tzinfo=UTC))).screen(
...     village="西歧村", actor="grid_worker:li", household_id="h-1")
>>> isinstance(h.history[0], CaseEvent), kind_of(h.history[0]).name
(True, 'household')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

from fengqiao.errors import ValidationError
from fengqiao.lifecycle.events import Event
from fengqiao.lifecycle.household import HOUSEHOLD, HOUSEHOLD_EVENT_TYPES
from fengqiao.lifecycle.household_events import HouseholdEvent
from fengqiao.lifecycle.kinds import DISPUTE, Kind
from fengqiao.lifecycle.place import PLACE, PLACE_EVENT_TYPES
from fengqiao.lifecycle.place_events import PlaceEvent
from fengqiao.lifecycle.triggers import EVENT_TYPES

__all__ = ["CASE_EVENT_TYPES", "CaseEvent", "kind_of"]

CaseEvent: TypeAlias = Event | HouseholdEvent | PlaceEvent
"""An event of any kind of case: a dispute's :class:`~fengqiao.lifecycle.events.Event`, a household's
:class:`~fengqiao.lifecycle.household_events.HouseholdEvent` or a place's
:class:`~fengqiao.lifecycle.place_events.PlaceEvent`.

What :meth:`EventStore.append <fengqiao.storage.EventStore.append>` takes and ``load`` gives.
A union, so ``isinstance(value, CaseEvent)`` works too.
"""

CASE_EVENT_TYPES: Mapping[str, type[CaseEvent]] = {**EVENT_TYPES, **HOUSEHOLD_EVENT_TYPES, **PLACE_EVENT_TYPES}
"""Every event class of every kind by its ``type`` tag (no two kinds share one)."""

_KINDS: tuple[tuple[type[CaseEvent], Kind], ...] = ((Event, DISPUTE), (HouseholdEvent, HOUSEHOLD), (PlaceEvent, PLACE))

if len(CASE_EVENT_TYPES) != len(EVENT_TYPES) + len(HOUSEHOLD_EVENT_TYPES) + len(
    PLACE_EVENT_TYPES
):  # pragma: no cover - a definition fault
    raise AssertionError("two kinds of case share an event type tag")


def kind_of(event: CaseEvent) -> Kind:
    """The kind of case ``event`` belongs to (:data:`~fengqiao.lifecycle.kinds.DISPUTE`, ``HOUSEHOLD`` …).

    Raises:
        ValidationError: ``event`` is not an event of any kind of case.
    """
    for family, kind in _KINDS:
        if isinstance(event, family):
            return kind
    raise ValidationError(f"expected an event of a kind of case, got {type(event).__name__}", "event")
