"""``Repository``: a workflow and an event store together, so every command is saved as it is made.

Each command appends its events with the version the dispute was read at. If another
officer (another thread, process or station) changed the dispute in between, the append
fails with :class:`~fengqiao.errors.ConcurrencyConflict` and nothing is stored: reload
with :meth:`Repository.get`, look again, and retry::

    try:
        d = repo.fire(d, Trigger.RECORD_VISIT, actor="grid_worker:wang", kind="phone")
    except ConcurrencyConflict:
        d = repo.get(d.id)   # see what the other officer did, then decide again
"""

from __future__ import annotations

from typing import Any

from fengqiao.errors import DisputeNotFound, ValidationError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.states import TriggerId
from fengqiao.storage.base import EventStore
from fengqiao.workflow import ActorLike, Workflow

__all__ = ["Repository"]


class Repository:
    """Handle disputes through ``workflow`` and keep their histories in ``store``.

    Args:
        workflow: decides every command (policy, clock, graph).
        store: where histories are appended and loaded from.
    """

    def __init__(self, workflow: Workflow, store: EventStore) -> None:
        self.workflow = workflow
        self.store = store

    def __repr__(self) -> str:
        return f"Repository({self.workflow!r}, {self.store!r})"

    def discover(self, **kwargs: Any) -> Dispute:
        """Open and store a new dispute; takes the arguments of :meth:`Workflow.discover`.

        Raises:
            ConcurrencyConflict: a dispute with this id is already stored.
            ValidationError, TransitionRefused: as :meth:`Workflow.discover`.
        """
        dispute = self.workflow.discover(**kwargs)
        self.store.append(dispute.id, dispute.history, expected_version=0)
        return dispute

    def fire(self, dispute: Dispute, trigger: TriggerId, /, *, actor: ActorLike, **payload: Any) -> Dispute:
        """Fire ``trigger`` (as :meth:`Workflow.fire`) and store the event; return the new dispute.

        Raises:
            ConcurrencyConflict: the stored dispute moved on since ``dispute`` was read;
                nothing was stored. Reload with :meth:`get` and retry.
            TransitionRefused, ValidationError: as :meth:`Workflow.fire`; nothing was stored.
        """
        new = self.workflow.fire(dispute, trigger, actor=actor, **payload)
        self.store.append(new.id, new.history[dispute.version :], expected_version=dispute.version)
        return new

    def save(self, dispute: Dispute, *, expected_version: int) -> Dispute:
        """Store the events ``dispute`` gained since version ``expected_version``; return it.

        For code that calls the typed :class:`Workflow` methods itself::

            d2 = wf.resolve(wf.record_attempt(d, actor=..., outcome="agreement"), actor=...)
            repo.save(d2, expected_version=d.version)   # both events, or neither

        Raises:
            ConcurrencyConflict: the stored dispute is not at ``expected_version``.
            ValidationError: ``expected_version`` is not between 0 and ``dispute.version``.
        """
        if isinstance(expected_version, bool) or not isinstance(expected_version, int):
            raise ValidationError(f"expected a version, got {expected_version!r}", "expected_version")
        if not 0 <= expected_version <= dispute.version:
            raise ValidationError(
                f"expected_version {expected_version} is outside the dispute's history (0 to {dispute.version})",
                "expected_version",
            )
        self.store.append(dispute.id, dispute.history[expected_version:], expected_version=expected_version)
        return dispute

    def get(self, dispute_id: str) -> Dispute:
        """Load ``dispute_id`` and replay it through the workflow's graph.

        Raises:
            DisputeNotFound: nothing is stored under ``dispute_id``.
            UnreadableEventError: a stored event cannot be read.
            ValidationError: the history takes a step this workflow's graph does not allow.
        """
        history = self.store.load(dispute_id)
        if not history:
            raise DisputeNotFound(dispute_id)
        return self.workflow.replay(history)
