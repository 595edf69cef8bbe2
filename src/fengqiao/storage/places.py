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
from typing import Any, ClassVar

from fengqiao.errors import PlaceNotFound, ValidationError
from fengqiao.lifecycle.place import Place
from fengqiao.lifecycle.place_events import PlaceEvent
from fengqiao.places import PlaceWorkflow
from fengqiao.policies.rhythms import PlaceCheck, Rhythm
from fengqiao.storage._case_repository import CaseRepository
from fengqiao.storage.base import EventStore

__all__ = ["PlaceRepository"]


class PlaceRepository(CaseRepository[Place]):
    """Register places, file their reports through ``workflow`` and keep them in ``store``.

    Like the other repositories, it remembers, weakly, the last value it stored or loaded of
    each place: a command on a value it handed out needs no reload.

    Args:
        workflow: decides every command (rhythms, clock, roles).
        store: where histories are appended and loaded from (it may hold cases too).
    """

    def __init__(self, workflow: PlaceWorkflow, store: EventStore) -> None:
        if not isinstance(workflow, PlaceWorkflow):
            raise ValidationError(f"expected a PlaceWorkflow, got {type(workflow).__name__}", "workflow")
        super().__init__()
        self.workflow = workflow
        self.store = store

    _case: ClassVar[type[Any]] = Place
    _noun: ClassVar[str] = "place"

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
        self._store(None, place)
        return place

    def file(self, place: Place, rhythm: str | Rhythm, /, **kwargs: Any) -> Place:
        """File a report on the stored place and store it; takes :meth:`PlaceWorkflow.file`'s arguments.

        Raises:
            ConcurrencyConflict: the stored place moved on since ``place`` was read.
            ValidationError: ``place`` is not the stored one; malformed input.
            TransitionRefused: as :meth:`PlaceWorkflow.file`. Nothing was stored.
        """
        current = self._current(place)
        new = self.workflow.file(current, rhythm, **kwargs)
        self._store(current, new)
        return new

    def close(self, place: Place, /, **kwargs: Any) -> Place:
        """Close the stored place and store it; takes :meth:`PlaceWorkflow.close`'s arguments."""
        current = self._current(place)
        new = self.workflow.close(current, **kwargs)
        self._store(current, new)
        return new

    def save(self, place: Place, *, expected_version: int) -> Place:
        """Store the events ``place`` gained since version ``expected_version`` (each admitted); return it.

        Raises:
            ConcurrencyConflict: the stored place is not at ``expected_version``.
            ValidationError: the history differs from the stored one, or ``place`` is not what
                it folds to. Nothing was stored.
            TransitionRefused: the workflow refuses a new event (``history[k]`` says which).
        """
        return self._save(place, expected_version)

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
        place = self.workflow.replay(history)
        self._remember(place)
        return place

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

    # -- what the base asks of a repository ------------------------------------------------
    def _admit(self, current: Place | None, event: Any) -> Place:
        return self.workflow.admit(current, event)

    def _store(self, before: Place | None, after: Place) -> None:
        version = 0 if before is None else before.version
        self.store.append(after.id, after.history[version:], expected_version=version)
        self._remember(after)
