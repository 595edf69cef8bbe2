"""The place (报告单位: a village or grid) as a kind of case: its value, trigger table, kind and fold.

A place's stream holds the reports it filed; :class:`Place` is what they fold to. Whether a
report was due and missed is not stored: it is computed on read from :attr:`Place.reports`
by the rhythms the place owes (:class:`~fengqiao.places.PlaceWorkflow`).

Examples:
    >>> from datetime import UTC, datetime
    >>> from fengqiao.domain.actor import Actor
    >>> from fengqiao.lifecycle.place_events import FilePayload, PlaceRegistered, RegisterPlacePayload, ReportFiled
    >>> at = datetime(2024, 4, 1, 9, tzinfo=UTC)
    >>> who = Actor.parse("grid_worker:li")
    >>> opened = PlaceRegistered(place_id="p-1", at=at, actor=who, payload=RegisterPlacePayload(
    ...     place_id="p-1", name="西歧村", village="西歧村", rhythms=["xiqi.daily-report"]))
    >>> filed = ReportFiled(place_id="p-1", at=at, actor=who, payload=FilePayload(rhythm="xiqi.daily-report"))
    >>> place = fold([opened, filed])
    >>> place.state, place.version, [r.quiet for r in place.reports_for("xiqi.daily-report")]
    (<PlaceState.REPORTING: 'reporting'>, 2, [True])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from fengqiao.errors import ValidationError
from fengqiao.lifecycle._folding import fold_case
from fengqiao.lifecycle.kinds import Kind
from fengqiao.lifecycle.place_events import (
    PlaceClosed,
    PlaceEvent,
    PlaceRegistered,
    PlaceState,
    PlaceTrigger,
    ReportFiled,
)
from fengqiao.lifecycle.triggers import TriggerSpec

if TYPE_CHECKING:
    from fengqiao.lifecycle.cases import CaseEvent

__all__ = ["PLACE", "PLACE_EVENT_TYPES", "PLACE_TRIGGERS", "FiledReport", "Place", "apply", "fold", "start"]


@attrs.frozen
class FiledReport:
    """One report a place filed: for which rhythm, when, by whom, and what it said."""

    rhythm: str
    at: datetime
    by: str
    incidents: tuple[str, ...] = ()
    households: tuple[str, ...] = ()
    note: str = ""

    @property
    def quiet(self) -> bool:
        """Whether it said all is quiet (无事报平安)."""
        return not self.incidents


@attrs.frozen(kw_only=True)
class Place:
    """A place's current value, folded from ``history``. Begin one with ``PlaceWorkflow.register``."""

    id: str
    state: PlaceState
    name: str
    """The place as its reports name it (``"西歧村"``)."""
    village: str
    grid: str
    rhythms: tuple[str, ...]
    """The codes of the rhythms it owes."""
    registered_at: datetime
    """When its duties began: the first period owed is the one holding this instant."""
    updated_at: datetime
    closed_at: datetime | None = None
    """When it stopped reporting; it owes nothing after."""
    reports: tuple[FiledReport, ...] = ()
    """Every report it filed, oldest first."""
    history: tuple[PlaceEvent, ...] = attrs.field(default=(), repr=False)

    @property
    def version(self) -> int:
        """How many events the place has: the expected version for the next append."""
        return len(self.history)

    def reports_for(self, rhythm: str) -> tuple[FiledReport, ...]:
        """The reports filed for the rhythm coded ``rhythm``, oldest first."""
        return tuple(r for r in self.reports if r.rhythm == rhythm)


def _filed(p: Place, e: ReportFiled) -> dict[str, Any]:
    body = e.payload
    report = FiledReport(body.rhythm, e.at, e.actor.id, body.incidents, body.households, body.note)
    return {"reports": (*p.reports, report)}


def _closed(p: Place, e: PlaceClosed) -> dict[str, Any]:
    return {"closed_at": e.at}


PLACE_TRIGGERS: tuple[TriggerSpec[PlaceState, PlaceTrigger], ...] = (
    TriggerSpec(ReportFiled, (PlaceState.REPORTING,), None, _filed),
    TriggerSpec(PlaceClosed, (PlaceState.REPORTING,), PlaceState.CLOSED, _closed),
)
"""Every place trigger: a report keeps the place reporting; closing ends it."""

PLACE = Kind(
    name="place",
    zh="报告单位",
    states=PlaceState,
    triggers=PlaceTrigger,
    initial=PlaceState.REPORTING,
    terminal=frozenset({PlaceState.CLOSED}),
    rows=PLACE_TRIGGERS,
    opening=PlaceRegistered,
)
"""The place (报告单位, a village or grid): it files reports until it closes. Policies add no triggers."""

_STEPS: dict[type[Any], Any] = {row.event: row for row in PLACE_TRIGGERS}

PLACE_EVENT_TYPES: Mapping[str, type[PlaceEvent]] = {
    cls.type: cls for cls in (PlaceRegistered, ReportFiled, PlaceClosed)
}
"""Every place event class by its ``type`` tag (all begin ``place_``)."""


def start(event: PlaceRegistered) -> Place:
    """The place a ``PlaceRegistered`` event begins."""
    p = event.payload
    return Place(
        id=p.place_id,
        state=PlaceState.REPORTING,
        name=p.name,
        village=p.village,
        grid=p.grid,
        rhythms=p.rhythms,
        registered_at=event.at,
        updated_at=event.at,
        history=(event,),
    )


def apply(place: Place, event: PlaceEvent) -> Place:
    """The place after ``event``. Pure: ``place`` is unchanged.

    Raises:
        ValidationError: ``event`` is not a place event that may follow the first.
    """
    row = _STEPS.get(type(event))
    if row is None:
        raise ValidationError(f"{type(event).__name__} cannot follow the first event of a place", "event")
    changes = row.fold(place, event)
    if row.target is not None:
        changes["state"] = row.target
    changes["updated_at"] = event.at
    changes["history"] = (*place.history, event)
    return attrs.evolve(place, **changes)


def fold(history: Iterable[CaseEvent]) -> Place:
    """Fold a whole history into its place (no graph check: see ``PlaceWorkflow.replay``).

    Raises:
        ValidationError: the history is empty, does not begin with ``PlaceRegistered``, has a
            second one, or mixes places; ``path`` names the event (``history[3]``).
    """
    return fold_case(
        history, noun="place", opening=PlaceRegistered, base=PlaceEvent, start=start, apply=apply, stream_of=_stream_of
    )


def _stream_of(place: Place) -> str:
    return place.id
