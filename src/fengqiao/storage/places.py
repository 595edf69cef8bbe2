"""``PlaceRepository``: a place workflow and an event store together — the reports places filed, stored.

Every command is decided on the *stored* place and appended with the version it was read at
(:class:`~fengqiao.errors.ConcurrencyConflict` if another writer got there first; nothing is
stored). Places share a store with disputes and households; their stream ids share one
namespace, so give places ids that cannot be a case's (``"place:西歧村"`` is the default).

Examples:
    >>> from datetime import datetime, timedelta
    >>> import fengqiao as fq
    >>> from fengqiao.policies import CHINA_TZ
    >>> from fengqiao.storage import MemoryEventStore
    >>> clock = fq.FixedClock(datetime(2024, 4, 1, 8, tzinfo=CHINA_TZ))
    >>> places = PlaceRepository(fq.PlaceWorkflow("xiqi-family-risk", clock=clock), MemoryEventStore())
    >>> village = places.register(name="西歧村", actor="grid_worker:li", rhythms=["xiqi.daily-report"])
    >>> village.id
    'place:西歧村'
    >>> _ = clock.advance(timedelta(days=3))
    >>> village = places.file(village, "xiqi.daily-report", actor="grid_worker:li")
    >>> places.missing(at=clock.now())  # 1, 2 and 3 April missed; 4 April met
    {'place:西歧村': {'xiqi.daily-report': 3}}
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from fengqiao.errors import ConcurrencyConflict, PlaceNotFound, ValidationError
from fengqiao.lifecycle.place import Place
from fengqiao.lifecycle.place_events import PlaceEvent
from fengqiao.places import PlaceWorkflow
from fengqiao.policies.rhythms import PlaceCheck, Rhythm
from fengqiao.storage.base import EventStore

__all__ = ["PlaceRepository"]


class PlaceRepository:
    """Register places, file their reports through ``workflow`` and keep them in ``store``.

    Args:
        workflow: decides every command (rhythms, clock, roles).
        store: where histories are appended and loaded from (it may hold cases too).
    """

    def __init__(self, workflow: PlaceWorkflow, store: EventStore) -> None:
        if not isinstance(workflow, PlaceWorkflow):
            raise ValidationError(f"expected a PlaceWorkflow, got {type(workflow).__name__}", "workflow")
        self.workflow = workflow
        self.store = store

    def __repr__(self) -> str:
        return f"PlaceRepository({self.workflow!r}, {self.store!r})"

    def register(self, **kwargs: Any) -> Place:
        """Register and store a new place; takes :meth:`PlaceWorkflow.register`'s arguments.

        The place's id is ``place_id`` if given, else ``"place:"`` and its name.

        Raises:
            ConcurrencyConflict: something is already stored under this id.
            ValidationError, TransitionRefused: as :meth:`PlaceWorkflow.register`.
        """
        if kwargs.get("place_id") is None and isinstance(kwargs.get("name"), str):
            kwargs["place_id"] = f"place:{kwargs['name']}"
        place = self.workflow.register(**kwargs)
        self.store.append(place.id, place.history, expected_version=0)
        return place

    def file(self, place: Place, rhythm: str | Rhythm, /, **kwargs: Any) -> Place:
        """File a report on the stored place and store it; takes :meth:`PlaceWorkflow.file`'s arguments.

        Raises:
            ConcurrencyConflict: the stored place moved on since ``place`` was read.
            ValidationError: ``place`` is not the stored one; malformed input.
            TransitionRefused: as :meth:`PlaceWorkflow.file`. Nothing was stored.
        """
        current = self._current(place)
        return self._store(current, self.workflow.file(current, rhythm, **kwargs))

    def close(self, place: Place, /, **kwargs: Any) -> Place:
        """Close the stored place and store it; takes :meth:`PlaceWorkflow.close`'s arguments."""
        current = self._current(place)
        return self._store(current, self.workflow.close(current, **kwargs))

    def get(self, place_id: str) -> Place:
        """Load ``place_id`` and replay it through the workflow (its graph and rhythms).

        Raises:
            PlaceNotFound: nothing is stored under ``place_id``, or what is stored is a case.
            BrokenStreamError, UnreadableEventError: as the store's ``load``.
            ValidationError: the history takes a step this workflow does not allow.
        """
        if not isinstance(place_id, str):
            raise ValidationError(f"expected a place id, got {type(place_id).__name__}", "place_id")
        history = self.store.load(place_id)
        if not history or not isinstance(history[0], PlaceEvent):
            raise PlaceNotFound(place_id)
        return self.workflow.replay(history)

    def places(self) -> Iterator[Place]:
        """Every place in the store, replayed through the workflow, in the order of their ids.

        It reads every stream of the store, one at a time, and passes over the cases.
        """
        for stream_id in self.store.streams():
            history = self.store.load(stream_id)
            if history and isinstance(history[0], PlaceEvent):
                yield self.workflow.replay(history)

    def checks(self, *, at: datetime | None = None) -> dict[str, dict[str, PlaceCheck]]:
        """Every stored place's :meth:`PlaceWorkflow.checks` at ``at`` (now by default), by place id."""
        return {place.id: self.workflow.checks(place, at=at) for place in self.places()}

    def missing(self, *, at: datetime | None = None) -> dict[str, dict[str, int]]:
        """How many periods each stored place has missed at ``at`` (overdue, unmet), by place id and rhythm."""
        return {
            place_id: {code: len(check.missed) for code, check in by_rhythm.items()}
            for place_id, by_rhythm in self.checks(at=at).items()
        }

    # -- internals ------------------------------------------------------------------------
    def _current(self, place: Place) -> Place:
        if not isinstance(place, Place):
            raise ValidationError(f"expected a Place, got {type(place).__name__}", "place")
        stored = self.get(place.id)
        if stored.version != place.version:
            raise ConcurrencyConflict(place.id, place.version, stored.version)
        if stored != place:
            raise ValidationError(f"place {place.id} is not the stored one: reload it with get()", "place")
        return stored

    def _store(self, before: Place, after: Place) -> Place:
        self.store.append(after.id, after.history[before.version :], expected_version=before.version)
        return after
