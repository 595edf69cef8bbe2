"""``Repository``: a workflow and an event store together, so every command is saved as it is made.

Each command appends its events with the version the dispute was read at. If another
officer (another thread, process or station) changed the dispute in between, the append
fails with :class:`~fengqiao.errors.ConcurrencyConflict` and nothing is stored: reload
with :meth:`Repository.get`, look again, and retry::

    try:
        d = repo.fire(d, Trigger.RECORD_VISIT, actor="grid_worker:wang", kind="phone")
    except ConcurrencyConflict:
        d = repo.get(d.id)   # see what the other officer did, then decide again

or let :meth:`Repository.update` do the loading, deciding again and retrying::

    d = repo.update(d.id, lambda d: wf.record_visit(d, actor="grid_worker:wang", kind="phone"))

What is stored is what the workflow decided, from the *stored* dispute:

- :meth:`~Repository.fire` decides on the stored value. A dispute this repository returned
  (from ``discover``, ``fire``, ``save`` or ``get``) is known to be it; any other value is
  compared with the stored dispute first, and refused if it differs (a value edited by hand,
  or one read before another officer's command).
- :meth:`~Repository.save` replays each new event through :meth:`Workflow.admit
  <fengqiao.Workflow.admit>` on the stored dispute: the graph, the roles, the clock and the
  policy must accept it, and the result must be the dispute given.
- A merge names a dispute that must be stored and open; the merged dispute's ``Merged`` event
  and a note on the other dispute are stored in one transaction, so each stream records the
  link.

The raw :meth:`EventStore.append <fengqiao.storage.EventStore.append>` is the unchecked
storage layer beneath: it checks versions, streams and hashes, not the workflow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Unpack

from fengqiao._typed import TriggerMethods
from fengqiao.errors import DisputeNotFound, ValidationError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Event, Merged
from fengqiao.lifecycle.states import TriggerId
from fengqiao.storage._case_repository import CaseRepository
from fengqiao.storage._merging import merge_appends, merge_note
from fengqiao.storage.base import EventStore
from fengqiao.workflow import ActorLike, DiscoverArguments, Workflow

__all__ = ["Repository"]


class Repository(TriggerMethods, CaseRepository[Dispute]):
    """Handle disputes through ``workflow`` and keep their histories in ``store``.

    Every command the workflow has is here too, typed, and stores what it decides:
    ``repo.grade(d, actor="officer:xiao", complex=True)`` is ``repo.fire(d, "grade", ...)``
    with named fields, so a type checker catches a misspelt one.

    The repository remembers, weakly, the last value it stored or loaded of each dispute: a
    command on a value it handed out (and the caller still holds) needs no reload to know it
    is the stored value; any other value is checked against the store. Remembering keeps
    nothing alive: a value the caller drops is forgotten with it.

    Args:
        workflow: decides every command (policy, clock, graph).
        store: where histories are appended and loaded from.
    """

    def __init__(self, workflow: Workflow, store: EventStore) -> None:
        if not isinstance(workflow, Workflow):
            raise ValidationError(f"expected a Workflow, got {type(workflow).__name__}", "workflow")
        super().__init__()
        self.workflow = workflow
        self.store = store

    _case: ClassVar[type[Any]] = Dispute
    _noun: ClassVar[str] = "dispute"

    def __repr__(self) -> str:
        return f"Repository({self.workflow!r}, {self.store!r})"

    def discover(self, **arguments: Unpack[DiscoverArguments]) -> Dispute:
        """Open and store a new dispute; the arguments of :meth:`Workflow.discover <fengqiao.Workflow.discover>`.

        Raises:
            ConcurrencyConflict: a dispute with this id is already stored.
            ValidationError, TransitionRefused: as :meth:`Workflow.discover`; a misspelt
                argument is a ``ValidationError`` naming it (``discover.chanel``).
        """
        dispute = self.workflow.discover(**arguments)
        self.store.append(dispute.id, dispute.history, expected_version=0)
        self._remember(dispute)
        return dispute

    def fire(self, dispute: Dispute, trigger: TriggerId, /, *, actor: ActorLike, **payload: Any) -> Dispute:
        """Fire ``trigger`` (as :meth:`Workflow.fire`) on the stored dispute, store the event, return the new dispute.

        Raises:
            ConcurrencyConflict: the stored dispute moved on since ``dispute`` was read;
                nothing was stored. Reload with :meth:`get` and retry.
            ValidationError: ``dispute`` is not the stored dispute (edited by hand); malformed
                input, as :meth:`Workflow.fire`. Nothing was stored.
            TransitionRefused: as :meth:`Workflow.fire`; or a merge into a dispute that is
                not stored (``merge.into-unknown``) or not open (``merge.into-ended``).
        """
        return self._fire(dispute, trigger, actor, payload)

    def _fire(self, dispute: Dispute, trigger: TriggerId, actor: ActorLike, payload: Mapping[str, Any]) -> Dispute:
        """``fire``, and every typed method's (``repo.grade(d, actor=...)``): decide on the stored dispute, store."""
        current, new = self._decide(dispute, trigger, actor, payload)
        self._store(current, new)
        return new

    def _decide(
        self, dispute: Dispute, trigger: TriggerId, actor: ActorLike, payload: Mapping[str, Any]
    ) -> tuple[Dispute, Dispute]:
        """The stored dispute ``dispute`` claims to be and the dispute ``trigger`` makes of it; nothing stored.

        For a command whose event is stored with another stream's in one transaction (a
        household link, :class:`~fengqiao.storage.households.HouseholdRepository`); call
        :meth:`_remember` once it is stored.
        """
        current = self._current(dispute)
        return current, self.workflow.fire(current, trigger, actor=actor, **payload)

    def save(self, dispute: Dispute, *, expected_version: int) -> Dispute:
        """Store the events ``dispute`` gained since version ``expected_version``; return it.

        For code that calls the typed :class:`Workflow` methods itself::

            d2 = wf.resolve(wf.record_attempt(d, actor=..., outcome="agreement"), actor=...)
            repo.save(d2, expected_version=d.version)   # both events, or neither

        The first ``expected_version`` events must be the stored history, and each new event
        must be one the workflow accepts (:meth:`Workflow.admit`) from the stored dispute.

        Raises:
            ConcurrencyConflict: the stored dispute is not at ``expected_version``.
            ValidationError: ``expected_version`` is not between 0 and ``dispute.version``; the
                history differs from the stored one; or ``dispute`` is not what its history
                folds to. Nothing was stored.
            TransitionRefused: the workflow refuses a new event (``history[k]`` says which).
        """
        return self._save(dispute, expected_version)

    def get(self, dispute_id: str) -> Dispute:
        """Load ``dispute_id`` and replay it through the workflow's graph.

        Raises:
            DisputeNotFound: nothing is stored under ``dispute_id``, or what is stored is another
                kind of case (a household).
            BrokenStreamError: a stored event is missing or its hash chain does not hold.
            UnreadableEventError: a stored event cannot be read.
            ValidationError: the history takes a step this workflow's graph does not allow.
        """
        if not isinstance(dispute_id, str):
            raise ValidationError(f"expected a dispute id, got {type(dispute_id).__name__}", "dispute_id")
        history = self.store.load(dispute_id)
        if not history or not isinstance(history[0], Event):
            raise DisputeNotFound(dispute_id)
        dispute = self.workflow.replay(history)
        self._remember(dispute)
        return dispute

    # -- internals ------------------------------------------------------------------------
    def _current(self, dispute: Dispute) -> Dispute:
        """The stored dispute ``dispute`` claims to be, or the reason it is not."""
        if self._is_held(dispute):
            return dispute
        return self._same_as_stored(dispute, self.get(dispute.id), "the stored dispute")

    def _admit(self, current: Dispute | None, event: Any) -> Dispute:
        return self.workflow.admit(current, event)

    def _store(self, before: Dispute | None, after: Dispute) -> None:
        """Append what ``after`` gained over ``before``, with the other side of any merge, in one transaction."""
        version = 0 if before is None else before.version
        new = after.history[version:]
        merges = [e for e in new if isinstance(e, Merged)]
        if not merges:
            self.store.append(after.id, new, expected_version=version)
            self._remember(after)
            return
        target, noted = self._merge_link(after, merges[-1])
        self.store.append_many(merge_appends(after, version, target, noted))
        self._remember(after)
        self._remember(noted)

    def _merge_link(self, dispute: Dispute, merged: Merged) -> tuple[Dispute, Dispute]:
        """The dispute ``merged`` folds into and that dispute with a note of the merge; refused if unknown or ended."""
        try:
            target = self.get(merged.payload.into)
        except DisputeNotFound:
            return merge_note(self.workflow, dispute, merged, None)
        return merge_note(self.workflow, dispute, merged, target)
