"""``MemoryLedger``: the ledger of a :class:`~fengqiao.storage.MemoryEventStore`, in dicts.

The memory store has no transactions: its projectors run under its lock *before* the
events become visible, and if a later projector raises, the append is dropped after this
ledger has already applied it. So the ledger keeps the last batch it applied *pending*,
with what it replaced: the store hands out positions densely (a dropped append's
positions are given to the next one), so the next batch, or the next query (which looks
the batch up in the store), tells whether it was committed — if not, it is undone. A query
therefore never sees an append the store dropped.

>>> from datetime import UTC, datetime
>>> import fengqiao as fq
>>> from fengqiao.storage import Repository
>>> ledger = MemoryLedger(policy="baseline")
>>> wf = fq.Workflow("baseline", clock=fq.FixedClock(datetime(2024, 1, 31, 9, tzinfo=UTC)))
>>> d = Repository(wf, ledger.store).discover(channel="alarm_110", category="neighbour",
...     summary="噪音扰民", actor="officer:xiao", dispute_id="d-1", station="蒲州派出所")
>>> [(r.id, r.state.value, r.station) for r in ledger.open()]
[('d-1', 'discovered', '蒲州派出所')]
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, cast

import attrs

from fengqiao.domain.clock import Clock
from fengqiao.errors import StorageError
from fengqiao.ledger._book import HouseholdPolicyChoice, PolicyBook, PolicyChoice
from fengqiao.ledger._facts import Projected, check_steps, fold_onto, project, reason_of, runs
from fengqiao.ledger._filters import Filters
from fengqiao.ledger._household_facts import (
    HouseholdProjected,
    check_household_steps,
    fold_household_onto,
    kind_of,
    project_household,
)
from fengqiao.ledger._household_filters import HouseholdFilters
from fengqiao.ledger.base import Ledger
from fengqiao.ledger.rows import DossierRow, HouseholdRow, LedgerProblem, LedgerRow
from fengqiao.lifecycle.cases import CaseEvent
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Event
from fengqiao.lifecycle.household import Household
from fengqiao.policies.base import Policy
from fengqiao.storage._arguments import check_projectors
from fengqiao.storage.base import Projector, StoredEvent
from fengqiao.storage.memory import MemoryEventStore

__all__ = ["MemoryLedger"]


Record = Projected | HouseholdProjected
"""What the ledger keeps of one stream: a dispute's record or a household's."""


@attrs.frozen
class _Held:
    """A quarantined stream's history as far as it is stored, and its last event's hash and position."""

    history: tuple[CaseEvent, ...]
    hash: str
    position: int


@attrs.frozen
class _Pending:
    """The last batch applied, not yet known to be committed, and what it replaced."""

    first: int
    last: int
    hash: str
    """The hash of the batch's first event, to recognise it in the store."""
    undo: dict[str, Record | None]
    before: int
    """The ledger's position before the batch."""
    problems: dict[int, LedgerProblem]
    held: dict[str, _Held]
    """The quarantine before the batch."""


class MemoryLedger(Ledger):
    """A ledger over a new :class:`~fengqiao.storage.MemoryEventStore`, available as :attr:`store`.

    Args:
        policy: each dispute's policy: a name, a policy object, the one each dispute recorded
            (:class:`~fengqiao.ledger.RecordedPolicy`), or a function of the dispute giving a
            name (see :class:`~fengqiao.ledger.PolicyBook`).
        policies: policy objects to use for their names instead of the registry's.
        projectors: more projectors for the store, run after the ledger's.
        clock: the store's ``recorded_at`` clock and the default time of :meth:`overdue`.
        household_policy: every household's policy: a registered household policy's name or
            a household policy object (``household-base`` by default).

    Raises:
        ValidationError: an unknown policy or household policy.
    """

    store: MemoryEventStore

    def __init__(
        self,
        *,
        policy: PolicyChoice = "baseline",
        policies: Iterable[Policy] = (),
        projectors: Sequence[Projector[None]] = (),
        clock: Clock | None = None,
        household_policy: HouseholdPolicyChoice = "household-base",
    ) -> None:
        super().__init__(PolicyBook(policy, policies, household_policy=household_policy), clock)
        self._lock = threading.Lock()
        self._records: dict[str, Projected] = {}
        self._household_records: dict[str, HouseholdProjected] = {}
        self._position = 0
        self._pending: _Pending | None = None
        self._problems: dict[int, LedgerProblem] = {}
        self._held: dict[str, _Held] = {}
        """The histories of quarantined disputes, as far as they are stored (the ledger cannot ask the store)."""
        self._closed = False
        self.store = MemoryEventStore(projectors=[self._project, *check_projectors(projectors)], clock=self.clock)

    def __repr__(self) -> str:
        return (
            f"MemoryLedger({len(self._records)} disputes, {len(self._household_records)} households,"
            f" position {self._position})"
        )

    # -- the projector ------------------------------------------------------------------------
    def _project(self, _tx: None, events: tuple[StoredEvent, ...], /) -> None:
        with self._lock:
            if self._pending is not None:
                self._settle(committed=events[0].position > self._pending.last)
            problems, held = dict(self._problems), dict(self._held)
            changed = self._fold(events, self._current, problems, held)
            undo = {sid: self._current(sid) for sid in changed}
            self._pending = _Pending(
                events[0].position,
                events[-1].position,
                events[0].hash,
                undo,
                self._position,
                self._problems,
                self._held,
            )
            self._put(changed)
            self._problems, self._held = problems, held
            self._position = events[-1].position

    def _current(self, sid: str) -> Record | None:
        return self._records.get(sid) or self._household_records.get(sid)

    def _put(self, records: Mapping[str, Record | None]) -> None:
        """Keep each record in its kind's table (``None``: the stream has no row)."""
        for sid, record in records.items():
            if isinstance(record, HouseholdProjected):
                self._household_records[sid] = record
            elif record is not None:
                self._records[sid] = record
            else:
                self._records.pop(sid, None)
                self._household_records.pop(sid, None)

    def _record(
        self, history: tuple[Any, ...], previous: Record | None, new: tuple[Any, ...], head: tuple[str, int]
    ) -> Record:
        """The record ``new`` makes, folded onto ``previous`` (or ``history`` whole, when given), steps checked.

        ``head`` is the hash and the position of the stream's last event.
        """
        head_hash, position = head
        if isinstance((history or new)[0], Event):
            before = None if previous is None else cast("Projected", previous).dispute
            d = fold_onto(None, history) if history else fold_onto(before, new)
            check_steps(self.book, before if not history else None, d, history or new)
            return project(d, self.book, head_hash=head_hash, position=position)
        household = None if previous is None else cast("HouseholdProjected", previous).household
        h = fold_household_onto(None, history) if history else fold_household_onto(household, new)
        check_household_steps(self.book.households, household if not history else None, h, history or new)
        return project_household(h, self.book.households, head_hash=head_hash, position=position)

    def _fold(
        self,
        events: Iterable[StoredEvent],
        base: Callable[[str], Record | None],
        problems: dict[int, LedgerProblem],
        held: dict[str, _Held],
    ) -> dict[str, Record]:
        """The records ``events`` make, folded onto ``base``'s; what cannot be projected goes to ``problems``.

        Disputes and households are projected, each by its kind's rules; a stream of neither
        kind is passed over. A quarantined stream's history is kept in ``held``, and its next
        events are folded onto the whole of it: it heals when they project.
        """
        changed: dict[str, Record] = {}
        for run in runs(events):
            if kind_of(run) == "other":
                continue
            sid = run[0].stream_id
            before = changed.get(sid) or base(sid)
            if sid in held:
                previous, prior = None, held[sid].history
            else:
                previous = None if run[0].version == 1 or before is None else before
                prior = ()
            new = tuple(s.event for s in run)
            try:
                changed[sid] = self._record(
                    prior + new if prior else (), previous, new, (run[-1].hash, run[-1].position)
                )
            except Exception as exc:  # set aside; the rest go on
                first = run[0]
                problems[first.position] = LedgerProblem(
                    position=first.position, stream_id=sid, version=first.version, reason=reason_of(exc)
                )
                history = (prior or (() if previous is None else _history(previous))) + new
                held[sid] = _Held(history, run[-1].hash, run[-1].position)
                changed.pop(sid, None)
                continue
            if prior:
                del held[sid]
                for position in [p for p, problem in problems.items() if problem.stream_id == sid]:
                    del problems[position]
        return changed

    def _settle(self, *, committed: bool) -> None:
        pending, self._pending = self._pending, None
        if pending is None or committed:
            return
        self._put(pending.undo)
        self._position = pending.before
        self._problems, self._held = pending.problems, pending.held

    def _snapshot(self) -> dict[str, Projected]:
        """A copy of the disputes' records as committed."""
        self._settled()
        with self._lock:
            return dict(self._records)

    def _household_snapshot(self, f: HouseholdFilters) -> list[HouseholdProjected]:
        """The households' records as committed that meet ``f``, by id."""
        self._settled()
        with self._lock:
            records = dict(self._household_records)
        return [records[k] for k in sorted(records) if f.match(records[k].row)]

    def _settled(self) -> None:
        """Settle a pending batch: look it up in the store, and undo it if the store dropped it."""
        with self._lock:
            if self._closed:
                raise StorageError("the ledger is closed")
            pending = self._pending
        if pending is not None:
            first = next(iter(self.store.read_all(after=pending.first - 1, limit=1)), None)
            committed = first is not None and first.position == pending.first and first.hash == pending.hash
            with self._lock:
                if self._pending is pending:
                    self._settle(committed=committed)

    # -- the primitives -----------------------------------------------------------------------
    def _select(self, f: Filters) -> list[Projected]:
        records = self._snapshot()
        return [records[k] for k in sorted(records) if f.match(records[k].row)]

    def _rows(self, f: Filters, limit: int | None) -> tuple[LedgerRow, ...]:
        chosen = self._select(f)
        return tuple(p.row for p in (chosen if limit is None else chosen[:limit]))

    def _count(self, f: Filters) -> int:
        return len(self._select(f))

    def _disputes(self, f: Filters) -> Iterator[tuple[LedgerRow, Dispute]]:
        return iter([(p.row, p.dispute) for p in self._select(f)])

    def _policies(self, f: Filters) -> tuple[str, ...]:
        return tuple(sorted({p.row.policy for p in self._select(f)}))

    def _recorded(self, f: Filters) -> dict[str | None, int]:
        return dict(Counter(None if p.dispute.policy is None else p.dispute.policy.name for p in self._select(f)))

    def _dossiers(self, f: Filters) -> tuple[DossierRow, ...]:
        return tuple(p.dossier for p in self._select(f))

    def _find(self, dispute_id: str) -> tuple[LedgerRow, Dispute] | None:
        self._settled()
        with self._lock:
            found = self._records.get(dispute_id)
        return None if found is None else (found.row, found.dispute)

    def _household_rows(self, f: HouseholdFilters, limit: int | None) -> tuple[HouseholdRow, ...]:
        chosen = self._household_snapshot(f)
        return tuple(p.row for p in (chosen if limit is None else chosen[:limit]))

    def _household_count(self, f: HouseholdFilters) -> int:
        return len(self._household_snapshot(f))

    def _households(self, f: HouseholdFilters) -> Iterator[tuple[HouseholdRow, Household]]:
        return iter([(p.row, p.household) for p in self._household_snapshot(f)])

    def _find_household(self, household_id: str) -> tuple[HouseholdRow, Household] | None:
        self._settled()
        with self._lock:
            found = self._household_records.get(household_id)
        return None if found is None else (found.row, found.household)

    @property
    def position(self) -> int:
        """The global position of the last event the ledger applied (0: none)."""
        self._settled()
        with self._lock:
            return self._position

    def rebuild(self) -> int:
        """Forget every row and project the store's whole log again (``read_all()``); return the events applied.

        If an append lands while the log is read, the rebuild starts over.
        """
        while True:
            self._settled()
            events = list(self.store.read_all())
            last = events[-1].position if events else 0
            problems: dict[int, LedgerProblem] = {}
            held: dict[str, _Held] = {}
            records = self._fold(events, lambda _sid: None, problems, held)
            with self._lock:
                if self._pending is None and self._position == last:
                    self._records, self._household_records = {}, {}
                    self._put(records)
                    self._problems, self._held = problems, held
                    return len(events)

    def catch_up(self) -> int:
        """Nothing to do: every append to :attr:`store` passes through the ledger. Returns 0."""
        return 0

    def problems(self) -> tuple[LedgerProblem, ...]:
        """The events the ledger could not project and set aside (quarantine), by position."""
        self._settled()
        with self._lock:
            return tuple(self._problems[p] for p in sorted(self._problems))

    def retry(self) -> int:
        """Project every quarantined dispute or household again from its whole history; return how many now project."""
        self._settled()
        healed = 0
        with self._lock:
            for sid, held in sorted(self._held.items()):
                mine = sorted(p for p, problem in self._problems.items() if problem.stream_id == sid)
                try:
                    record = self._record(held.history, None, held.history, (held.hash, held.position))
                except Exception as exc:  # still poison
                    for p in mine:
                        self._problems[p] = attrs.evolve(self._problems[p], reason=reason_of(exc))
                    continue
                self._put({sid: record})
                del self._held[sid]
                for p in mine:
                    del self._problems[p]
                healed += 1
        return healed

    def close(self) -> None:
        """Close the store; further queries raise ``StorageError``."""
        with self._lock:
            self._closed = True
        self.store.close()


def _history(record: Record) -> tuple[Any, ...]:
    """The history a record was folded from."""
    return record.dispute.history if isinstance(record, Projected) else record.household.history
