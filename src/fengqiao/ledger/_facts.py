"""From a folded dispute to what the ledger keeps about it: its row and its dossier row.

This is the one place a ledger row is computed, for every back-end and for both the
incremental projection and a rebuild, which is why the two cannot disagree.

Two columns are computed ahead, at append time, so that reports can narrow their
candidates with an index instead of folding every dispute:

- ``next_due``: the earliest due time among the policy's deadlines not met yet. Deadlines
  are computed from a dispute's events alone; only their *status* depends on the time asked
  (:meth:`~fengqiao.policies.Deadline.status`), and a deadline is overdue at ``at`` exactly
  when it is unmet and ``at`` is after its due time. So the disputes with an overdue deadline
  at ``at`` are exactly those with ``next_due < at``.
- the dossier gaps: the policy's dossier requirements not met yet, by volume.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

import attrs

from fengqiao.domain._quote import said
from fengqiao.domain.actor import Role
from fengqiao.domain.dossier import Volume
from fengqiao.errors import FengqiaoError, ValidationError
from fengqiao.ledger._book import PolicyBook
from fengqiao.ledger.rows import DossierRow, LedgerRow, utc
from fengqiao.lifecycle.cases import CaseEvent
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Event
from fengqiao.lifecycle.fold import apply, fold
from fengqiao.lifecycle.states import State

__all__ = ["Projected", "check_steps", "fold_onto", "project", "reason_of", "runs"]


@attrs.frozen
class Projected:
    """Everything the ledger stores about one dispute after an append."""

    row: LedgerRow
    dossier: DossierRow
    dispute: Dispute
    head_hash: str
    """The hash of the dispute's last event: it seals the whole history the row was folded from."""
    position: int
    """The global position of the dispute's last event."""


def project(dispute: Dispute, book: PolicyBook, *, head_hash: str, position: int) -> Projected:
    """The ledger's record of ``dispute``, under the policy ``book`` picks for it."""
    name = book.name_for(dispute)
    wf = book.workflow(name)
    policy = wf.policy
    pending = [dl.due for dl in policy.deadlines(dispute) if dl.met_at is None]
    volumes: dict[Volume, list[str]] = {Volume.A: [], Volume.B: [], Volume.OTHER: []}
    required = 0
    for req in policy.dossier_requirements(dispute):
        required += 1
        if not req.met_by(dispute):
            volumes[req.section.volume].append(req.code)
    gaps = sum(len(codes) for codes in volumes.values())
    row = LedgerRow(
        id=dispute.id,
        state=dispute.state,
        open=not wf.graph.is_terminal(dispute.state),
        grade=dispute.grade,
        route=dispute.route,
        category=dispute.category,
        channel=dispute.channel,
        station=dispute.station,
        policy=name,
        summary=dispute.summary,
        received_at=utc(dispute.alerts[0].received_at),
        discovered_at=utc(dispute.discovered_at),
        updated_at=utc(dispute.updated_at),
        state_since=utc(dispute.state_since),
        resolved_at=_utc(dispute.resolved_at),
        closed_at=utc(dispute.state_since) if dispute.state == State.CLOSED else None,
        assignees=_assignees(dispute),
        referral_department=None if dispute.referral is None else dispute.referral.department,
        complex=dispute.complex,
        alerts=len(dispute.alerts),
        version=dispute.version,
        next_due=utc(min(pending)) if pending else None,
        dossier_gaps=gaps,
    )
    dossier = DossierRow(
        dispute_id=dispute.id,
        policy=name,
        station=dispute.station,
        state=dispute.state,
        required=required,
        missing_a=tuple(volumes[Volume.A]),
        missing_b=tuple(volumes[Volume.B]),
        missing_other=tuple(volumes[Volume.OTHER]),
    )
    return Projected(row, dossier, dispute, head_hash, position)


def check_steps(book: PolicyBook, before: Dispute | None, after: Dispute, events: Sequence[CaseEvent]) -> None:
    """Check that ``events``, taking ``before`` to ``after``, are steps the graph of ``after``'s policy allows.

    The ledger folds what the store holds; a step the dispute's own workflow would refuse to
    replay (:meth:`~fengqiao.Workflow.replay`) is not shown as if it had happened.

    Raises:
        ValidationError: a step the graph does not allow; the message names the event.
    """
    name = book.name_for(after)
    state = State.DISCOVERED if before is None else before.state
    book.workflow(name).graph.walk(state, events, first=after.version - len(events), policy=name)


def fold_onto(previous: Dispute | None, events: Iterable[CaseEvent]) -> Dispute:
    """``previous`` with ``events`` applied (the pure fold); ``None`` when they begin the history.

    Raises:
        ValidationError: a history that does not begin with ``Discovered``, no events at all,
            or an event of another kind of case.
    """
    if previous is None:
        return fold(events)
    dispute = previous
    for event in events:
        if not isinstance(event, Event):
            raise ValidationError(f"expected an event of a dispute, got {type(event).__name__}", "event")
        dispute = apply(dispute, event)
    return dispute


class _InStream(Protocol):
    @property
    def stream_id(self) -> str: ...


S = TypeVar("S", bound=_InStream)


def runs(events: Iterable[S]) -> Iterator[tuple[S, ...]]:
    """Consecutive events of one stream, grouped, in the order given."""
    run: list[S] = []
    for stored in events:
        if run and stored.stream_id != run[-1].stream_id:
            yield tuple(run)
            run = []
        run.append(stored)
    if run:
        yield tuple(run)


def _utc(at: datetime | None) -> datetime | None:
    return None if at is None else utc(at)


def _assignees(dispute: Dispute) -> tuple[tuple[Role, str], ...]:
    seen: dict[tuple[Role, str], None] = {}
    for a in dispute.assignments:
        seen.setdefault((a.role, a.person), None)
    return tuple(seen)


REASON = 500
"""The most characters of a quarantine reason kept."""


def reason_of(exc: BaseException) -> str:
    """Why, as one storable line: bounded, with no NUL or lone surrogate to trip a text column."""
    text = said(exc, REASON) if isinstance(exc, FengqiaoError) else f"{type(exc).__name__}: {said(exc, REASON)}"
    return text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")
