"""``AsyncRepository``: :class:`~fengqiao.storage.Repository` for code on an event loop.

The same commands, checks and errors as the synchronous repository, awaited: the workflow's
decisions are plain computation (microseconds) and run on the loop; every load and append is
awaited on an :class:`~fengqiao.storage.aio.AsyncEventStore`, so the loop never blocks on
the database::

    store = await AsyncPostgresEventStore.open(dsn)
    repo = AsyncRepository(Workflow("yongji-54333"), store)
    d = await repo.discover(channel="alarm_110", category="neighbour", summary="…", actor="officer:xiao")
    d = await repo.fire(d, "grade", actor="officer:xiao")
    d = await repo.update(d.id, lambda d: wf.record_visit(d, actor="grid_worker:wang", kind="phone"))
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Unpack

from fengqiao.errors import ConcurrencyConflict, DisputeNotFound, ValidationError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Event, Merged
from fengqiao.lifecycle.states import TriggerId
from fengqiao.storage._case_repository import CaseRules
from fengqiao.storage._merging import merge_appends, merge_note
from fengqiao.storage._migrations import LOG
from fengqiao.storage.aio.base import AsyncEventStore
from fengqiao.workflow import ActorLike, DiscoverArguments, Workflow

__all__ = ["AsyncRepository", "Decide"]

Decide = Callable[[Dispute], Dispute | Awaitable[Dispute]]
"""What :meth:`AsyncRepository.update` calls on the stored dispute: a function or a coroutine function."""


class AsyncRepository(CaseRules[Dispute]):
    """Handle disputes through ``workflow`` and keep their histories in an asynchronous ``store``.

    Every method is :class:`~fengqiao.storage.Repository`'s, awaited, with the same
    arguments, results and errors; for the typed commands, make the new value with the
    workflow's (``wf.grade(d, ...)``) and store it with :meth:`update` or :meth:`save`. It
    remembers (weakly) the values it handed out in the same way. One repository may serve
    many tasks at once: each call decides on what it loads or was given, and a save that
    another writer overtook raises
    :class:`~fengqiao.errors.ConcurrencyConflict` (or is retried, by :meth:`update`).

    Args:
        workflow: decides every command (policy, clock, graph).
        store: where histories are appended and loaded from
            (:class:`~fengqiao.storage.aio.AsyncPostgresEventStore`,
            :class:`~fengqiao.storage.aio.AsyncSQLiteEventStore`, …).

    Raises:
        ValidationError: ``workflow`` is not a ``Workflow``.
    """

    _case: ClassVar[type[Any]] = Dispute
    _noun: ClassVar[str] = "dispute"

    def __init__(self, workflow: Workflow, store: AsyncEventStore) -> None:
        if not isinstance(workflow, Workflow):
            raise ValidationError(f"expected a Workflow, got {type(workflow).__name__}", "workflow")
        super().__init__()
        self.workflow = workflow
        self.store = store

    def __repr__(self) -> str:
        return f"AsyncRepository({self.workflow!r}, {self.store!r})"

    async def discover(self, **arguments: Unpack[DiscoverArguments]) -> Dispute:
        """Open and store a new dispute, as :meth:`Repository.discover <fengqiao.storage.Repository.discover>`."""
        dispute = self.workflow.discover(**arguments)
        await self.store.append(dispute.id, dispute.history, expected_version=0)
        self._remember(dispute)
        return dispute

    async def fire(self, dispute: Dispute, trigger: TriggerId, /, *, actor: ActorLike, **payload: Any) -> Dispute:
        """Fire ``trigger`` on the stored dispute, store the event, return the new dispute.

        As :meth:`Repository.fire <fengqiao.storage.Repository.fire>`.
        """
        current = await self._current(dispute)
        new = self.workflow.fire(current, trigger, actor=actor, **payload)
        await self._store(current, new)
        return new

    async def save(self, dispute: Dispute, *, expected_version: int) -> Dispute:
        """Store the events ``dispute`` gained since ``expected_version``; return it.

        As :meth:`Repository.save <fengqiao.storage.Repository.save>`.
        """
        self._check_save(dispute, expected_version)
        base = None
        if expected_version:
            base = self._held_prefix(dispute, expected_version)
            if base is None:
                base = self._stored_prefix(dispute, await self.get(dispute.id), expected_version)
        self._fold(base, dispute, expected_version)
        await self._store(base, dispute)
        return dispute

    async def get(self, dispute_id: str) -> Dispute:
        """Load ``dispute_id`` and replay it, as :meth:`Repository.get <fengqiao.storage.Repository.get>`."""
        if not isinstance(dispute_id, str):
            raise ValidationError(f"expected a dispute id, got {type(dispute_id).__name__}", "dispute_id")
        history = await self.store.load(dispute_id)
        if not history or not isinstance(history[0], Event):
            raise DisputeNotFound(dispute_id)
        dispute = self.workflow.replay(history)
        self._remember(dispute)
        return dispute

    async def update(self, dispute_id: str, decide: Decide, /, *, attempts: int = 3) -> Dispute:
        """Load, let ``decide`` make the new value, save it; on a conflict, load and decide again.

        As :meth:`Repository.update <fengqiao.storage.Repository.update>`.
        ``decide`` may be a plain function or a coroutine function (awaited); either way it
        must not store anything itself, and may run once per attempt.

        Raises:
            ConcurrencyConflict: every attempt met another writer's save (``attempts`` says
                how many were made).
            ValidationError, TransitionRefused: as :meth:`Repository.update
                <fengqiao.storage.Repository.update>`; nothing of that attempt was stored.
        """
        self._check_update(decide, attempts)
        made = 0
        while True:
            made += 1
            current = await self.get(dispute_id)
            decided = decide(current)
            if inspect.isawaitable(decided):
                decided = await decided
            new = self._decided(current, decided)
            if new is current:
                return current
            try:
                return await self.save(new, expected_version=current.version)
            except ConcurrencyConflict as exc:
                LOG.debug("update of dispute %s met another writer (attempt %d of %d)", dispute_id, made, attempts)
                if made == attempts:
                    raise ConcurrencyConflict(exc.stream, exc.expected, exc.actual, attempts=made) from exc

    # -- internals ------------------------------------------------------------------------
    def _admit(self, current: Dispute | None, event: Any) -> Dispute:
        return self.workflow.admit(current, event)

    async def _current(self, dispute: Dispute) -> Dispute:
        """The stored dispute ``dispute`` claims to be, or the reason it is not."""
        if self._is_held(dispute):
            return dispute
        return self._same_as_stored(dispute, await self.get(dispute.id), "the stored dispute")

    async def _store(self, before: Dispute | None, after: Dispute) -> None:
        """Append what ``after`` gained over ``before``, with the other side of any merge, in one transaction."""
        version = 0 if before is None else before.version
        new = after.history[version:]
        merges = [e for e in new if isinstance(e, Merged)]
        if not merges:
            await self.store.append(after.id, new, expected_version=version)
            self._remember(after)
            return
        merged = merges[-1]
        try:
            stored: Dispute | None = await self.get(merged.payload.into)
        except DisputeNotFound:
            stored = None
        target, noted = merge_note(self.workflow, after, merged, stored)
        await self.store.append_many(merge_appends(after, version, target, noted))
        self._remember(after)
        self._remember(noted)
