"""``HouseholdRepository``: a household workflow and an event store together, and the dispute↔household link.

It does for households what :class:`~fengqiao.storage.Repository` does for disputes: every
command is decided on the *stored* household and appended with the version it was read at
(:class:`~fengqiao.errors.ConcurrencyConflict` if another writer got there first; nothing is
stored). A household the repository handed out (and the caller still holds) is known to be the
stored one, with no reload: the repository remembers its values weakly. Any other value is
compared with the stored household first, and refused if it differs (a value edited by hand).
:meth:`HouseholdRepository.save` stores the events a household gained through the workflow's
own methods, each replayed through :meth:`HouseholdWorkflow.admit
<fengqiao.households.HouseholdWorkflow.admit>` on the stored household. Households and
disputes may share one store.

A dispute and a household are linked in **one transaction**: the household records the
dispute (``link_dispute``: an assessed or managed household becomes due for reassessment) and
the dispute records the household (a note), so each side's history shows the other.
:meth:`HouseholdRepository.link_parties` links a dispute to every watched household one of
its parties belongs to (``Party.household`` names the household's id)::

    disputes = Repository(Workflow("yongji-54333"), store)
    households = HouseholdRepository(HouseholdWorkflow("xiqi-family-risk"), store)
    d = disputes.discover(..., parties=[Party(name="彭某某", household="peng")])
    d, linked = households.link_parties(disputes, d, actor="grid_worker:li")
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from fengqiao.domain.actor import ActorLike
from fengqiao.errors import HouseholdNotFound, TransitionRefused, ValidationError
from fengqiao.households import HouseholdWorkflow
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.household import Household
from fengqiao.lifecycle.household_events import HouseholdEvent, HouseholdState, HouseholdTrigger
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import Trigger, TriggerId
from fengqiao.storage._case_repository import CaseRepository
from fengqiao.storage.base import Append, EventStore
from fengqiao.storage.repository import Repository

__all__ = ["WATCHED_STATES", "HouseholdRepository"]

WATCHED_STATES = frozenset({HouseholdState.WATCHED, HouseholdState.ASSESSED, HouseholdState.MANAGED})
"""The states in which a household counts as watched: where a dispute of one of its members is linked."""


class HouseholdRepository(CaseRepository[Household]):
    """Handle households through ``workflow`` and keep their histories in ``store``.

    Like :class:`~fengqiao.storage.Repository`, it remembers, weakly, the last value it stored
    or loaded of each household: a command on a value it handed out needs no reload.

    Args:
        workflow: decides every command (policy, clock, graph).
        store: where histories are appended and loaded from (it may hold disputes too).
    """

    def __init__(self, workflow: HouseholdWorkflow, store: EventStore) -> None:
        if not isinstance(workflow, HouseholdWorkflow):
            raise ValidationError(f"expected a HouseholdWorkflow, got {type(workflow).__name__}", "workflow")
        super().__init__()
        self.workflow = workflow
        self.store = store

    _case: ClassVar[type[Any]] = Household
    _noun: ClassVar[str] = "household"

    def __repr__(self) -> str:
        return f"HouseholdRepository({self.workflow!r}, {self.store!r})"

    def screen(self, **kwargs: Any) -> Household:
        """Screen and store a new household; takes the arguments of :meth:`HouseholdWorkflow.screen`.

        Raises:
            ConcurrencyConflict: something is already stored under this id.
            ValidationError, TransitionRefused: as :meth:`HouseholdWorkflow.screen`.
        """
        household = self.workflow.screen(**kwargs)
        self._store(None, household)
        return household

    def fire(self, household: Household, trigger: TriggerId, /, *, actor: ActorLike, **payload: Any) -> Household:
        """Fire ``trigger`` on the stored household, store the event, return the new household.

        Raises:
            ConcurrencyConflict: the stored household moved on since ``household`` was read.
            ValidationError: ``household`` is not the stored one (edited by hand: the error names
                the first differing field); malformed input.
            TransitionRefused: as :meth:`HouseholdWorkflow.fire`. Nothing was stored.
        """
        current = self._current(household)
        new = self.workflow.fire(current, trigger, actor=actor, **payload)
        self._store(current, new)
        return new

    def save(self, household: Household, *, expected_version: int) -> Household:
        """Store the events ``household`` gained since version ``expected_version``; return it.

        For code that calls the typed :class:`HouseholdWorkflow` methods itself::

            h2 = wf.manage(wf.assign_cadre(h, person="村主任田某", actor=...), plan=..., actor=...)
            repo.save(h2, expected_version=h.version)   # both events, or neither

        The first ``expected_version`` events must be the stored history, and each new event
        must be one the workflow accepts (:meth:`HouseholdWorkflow.admit`) from the stored household.

        Raises:
            ConcurrencyConflict: the stored household is not at ``expected_version``.
            ValidationError: ``expected_version`` is not between 0 and ``household.version``; the
                history differs from the stored one; or ``household`` is not what its history
                folds to (the error names the first differing field). Nothing was stored.
            TransitionRefused: the workflow refuses a new event (``history[k]`` says which).
        """
        return self._save(household, expected_version)

    def get(self, household_id: str) -> Household:
        """Load ``household_id`` and replay it through the workflow's graph.

        Raises:
            HouseholdNotFound: nothing is stored under ``household_id``, or what is stored is
                another kind of case.
            BrokenStreamError, UnreadableEventError: as the store's ``load``.
            ValidationError: the history takes a step this workflow's graph does not allow.
        """
        if not isinstance(household_id, str):
            raise ValidationError(f"expected a household id, got {type(household_id).__name__}", "household_id")
        history = self.store.load(household_id)
        if not history or not isinstance(history[0], HouseholdEvent):
            raise HouseholdNotFound(household_id)
        household = self.workflow.replay(history)
        self._remember(household)
        return household

    def households(self) -> Iterator[Household]:
        """Every household in the store, replayed through the workflow's graph, in the order of their ids.

        It reads every stream of the store, one at a time: a stream is a household's if its
        first event is a household event (the disputes in the store are loaded and passed over).

        Raises:
            BrokenStreamError, UnreadableEventError: as the store's ``load``.
            ValidationError: a history takes a step this workflow's graph does not allow.
        """
        for stream_id in self.store.streams():
            history = self.store.load(stream_id)
            if history and isinstance(history[0], HouseholdEvent):
                yield self.workflow.replay(history)

    def link(
        self, disputes: Repository, dispute: Dispute, household_id: str, *, actor: ActorLike
    ) -> tuple[Dispute, Household]:
        """Link ``dispute`` and the stored household ``household_id``, both sides in one transaction.

        The household records the dispute (``link_dispute``), the dispute a note naming the
        household. ``disputes`` must keep its disputes in this repository's store.

        Raises:
            TransitionRefused: the household is not stored (``link.household-unknown``), or
                either workflow refuses its side.
            ConcurrencyConflict, ValidationError: as the two repositories' ``fire``.
        """
        (d, (household,)) = self._link(disputes, dispute, (household_id,), actor, strict=True)
        return d, household

    def link_parties(
        self, disputes: Repository, dispute: Dispute, *, actor: ActorLike
    ) -> tuple[Dispute, tuple[Household, ...]]:
        """Link ``dispute`` to every watched household its parties belong to, all in one transaction.

        A party belongs to the household its ``household`` field names; a household is
        watched in :data:`WATCHED_STATES`. Households not stored, not watched, or already
        linked to the dispute are left alone. Returns the dispute and the households linked
        (the dispute unchanged and none if there were none).
        """
        wanted = tuple(dict.fromkeys(p.household for p in dispute.parties if p.household))
        return self._link(disputes, dispute, wanted, actor, strict=False)

    # -- internals ------------------------------------------------------------------------
    def _link(
        self, disputes: Repository, dispute: Dispute, household_ids: tuple[str, ...], actor: ActorLike, *, strict: bool
    ) -> tuple[Dispute, tuple[Household, ...]]:
        if not isinstance(disputes, Repository):
            raise ValidationError(f"expected a Repository, got {type(disputes).__name__}", "disputes")
        if disputes.store is not self.store:
            raise ValidationError("the disputes' repository keeps another store: a link needs one store", "disputes")
        chosen: list[Household] = []
        for household_id in household_ids:
            try:
                household = self.get(household_id)
            except HouseholdNotFound:
                if strict:
                    raise TransitionRefused(
                        dispute.id,
                        "link_household",
                        (
                            Refusal(
                                "link.household-unknown",
                                f"家庭 {household_id} 不在本库中",
                                f"there is no stored household {household_id} to link",
                            ),
                        ),
                    ) from None
                continue
            if not strict and (household.state not in WATCHED_STATES or dispute.id in household.disputes):
                continue
            chosen.append(household)
        if not chosen:
            return dispute, ()
        names = "、".join(h.id for h in chosen)
        text = f"关联家庭 {names} / linked to household(s) {', '.join(h.id for h in chosen)}"
        current, noted = disputes._decide(dispute, Trigger.NOTE, actor, {"text": text})
        linked = [
            self.workflow.fire(h, HouseholdTrigger.LINK_DISPUTE, actor=actor, dispute_id=dispute.id) for h in chosen
        ]
        appends = [Append(noted.id, noted.history[current.version :], expected_version=current.version)]
        appends += [Append(h.id, h.history[-1:], expected_version=h.version - 1) for h in linked]
        self.store.append_many(appends)
        disputes._remember(noted)
        for h in linked:
            self._remember(h)
        return noted, tuple(linked)

    def _admit(self, current: Household | None, event: Any) -> Household:
        return self.workflow.admit(current, event)

    def _store(self, before: Household | None, after: Household) -> None:
        version = 0 if before is None else before.version
        self.store.append(after.id, after.history[version:], expected_version=version)
        self._remember(after)
