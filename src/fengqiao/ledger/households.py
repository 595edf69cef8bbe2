"""The household report: every household in a store, a household policy's figures and the overdue deadlines.

Given a **ledger** whose household policy is the report's, :func:`household_report` reads the
ledger's ``household_ledger`` table: the figures are counted from its rows
(:meth:`Ledger.household_figures <fengqiao.ledger.Ledger.household_figures>`), the households
are the folded values kept with them (nothing is replayed), and only the households whose
earliest unmet deadline has passed are judged
(:meth:`Ledger.household_overdue <fengqiao.ledger.Ledger.household_overdue>`). Given a bare
**store** (or a ledger handling households under another policy), it reads every household
instead: it walks the store's streams, keeps those whose first event is a household event,
and replays each through ``HouseholdWorkflow(policy)`` — one pass over the store per report,
fine for a township's few thousand households, not for a province. Both give the same report.

>>> from datetime import UTC, datetime, timedelta
>>> import fengqiao as fq
>>> from fengqiao.storage import HouseholdRepository, MemoryEventStore
>>> clock = fq.FixedClock(datetime(2024, 3, 1, 9, tzinfo=UTC))
>>> store = MemoryEventStore()
>>> repo = HouseholdRepository(fq.HouseholdWorkflow("xiqi-family-risk", clock=clock), store)
>>> h = repo.screen(village="西歧村", actor="grid_worker:li", household_id="tian")
>>> h = repo.fire(h, "watch", reason="因病致困", factors=["illness_hardship"], actor="grid_worker:li")
>>> h = repo.fire(h, "assess", actor="party_secretary:tian")
>>> h = repo.fire(h, "refer_help", department="civil_affairs", need="低保", actor="grid_worker:li")
>>> report = household_report(store, at=clock.now() + timedelta(days=8))
>>> report.metrics["screened"], report.metrics["help.pending"]
(1.0, 1.0)
>>> [(row.household_id, row.code, row.en) for row in report.overdue]
[('tian', 'xiqi.help.report-in', 'civil affairs reports in within 7 days')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from fengqiao.domain._checks import require_aware
from fengqiao.domain._quote import quote
from fengqiao.domain.household import RiskClass
from fengqiao.errors import ValidationError
from fengqiao.households import HouseholdWorkflow
from fengqiao.ledger._household_queries import overdue_of
from fengqiao.ledger.base import Ledger
from fengqiao.ledger.rows import HouseholdOverdue
from fengqiao.lifecycle.household import Household
from fengqiao.lifecycle.household_events import HouseholdState
from fengqiao.policies.households import HouseholdPolicy, household_metrics
from fengqiao.storage.base import EventStore
from fengqiao.storage.households import HouseholdRepository

__all__ = ["HouseholdOverdue", "HouseholdReport", "household_figures", "household_report"]


@attrs.frozen(kw_only=True)
class HouseholdReport:
    """What :func:`household_report` found: the households, the policy's figures, the overdue deadlines."""

    policy: str
    """The household policy's name."""
    at: datetime
    """When the deadlines were judged."""
    households: tuple[Household, ...] = attrs.field(repr=False)
    """Every household in the store, in the order of their ids."""
    metrics: Mapping[str, float] = attrs.field(repr=False)
    """The policy's ``metrics()`` over the households: ``screened``, ``watched``, ``state.*``,
    ``class.*``, ``work.*`` and whatever the policy adds (``help.pending`` for ``xiqi-family-risk``)."""
    overdue: tuple[HouseholdOverdue, ...]
    """Every deadline unmet and past due at ``at``, earliest due first (then by household and code)."""
    counts: Mapping[str, int] | None = attrs.field(default=None, repr=False)
    """The figures as counted from a ledger's household rows; ``None`` when the store was read through."""

    @property
    def projected(self) -> bool:
        """Whether the report came from a ledger's household table (``False``: every stream was replayed)."""
        return self.counts is not None

    def figures(self) -> dict[str, int]:
        """``screened``, ``watched``, ``class.I`` … and ``unclassed``: see :func:`household_figures`.

        Counted from the ledger's rows when the report came from them, else from :attr:`households`.
        """
        return dict(self.counts) if self.counts is not None else household_figures(self.households)


def household_figures(households: Iterable[Household]) -> dict[str, int]:
    """The figures a family-risk report gives: ``screened``, ``watched``, ``class.I`` … ``class.III``, ``unclassed``.

    ``watched`` and the classes are :func:`~fengqiao.policies.households.household_metrics`'s;
    ``unclassed`` counts the households watched and never assessed (Xiqi's 257 watched less
    its 213 classed).
    """
    rows = _households(households)
    m = household_metrics(rows)
    out = {key: int(m[key]) for key in ("screened", "watched")}
    out.update({f"class.{c}": int(m[f"class.{c}"]) for c in RiskClass})
    out["unclassed"] = sum(1 for h in rows if h.state == HouseholdState.WATCHED and h.assessment is None)
    return out


def _households(value: Iterable[Household]) -> list[Household]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError(f"expected households, got {quote(value)}", "households")
    rows = list(value)
    for n, h in enumerate(rows):
        if not isinstance(h, Household):
            raise ValidationError(f"expected a Household, got {quote(h)}", f"households[{n}]")
    return rows


def household_report(
    store: EventStore | Ledger, policy: str | HouseholdPolicy = "xiqi-family-risk", *, at: datetime | None = None
) -> HouseholdReport:
    """Report on the households in ``store`` under ``policy`` at ``at``.

    From a ledger handling households under ``policy`` (its ``household_policy``: the same
    name, or the very object), the report is read from the ledger's household table (see the
    module's text; :attr:`HouseholdReport.projected` is ``True``); households the ledger set
    aside (:meth:`Ledger.problems <fengqiao.ledger.Ledger.problems>`) are not in it. From a
    store, or a ledger under another household policy, this reads **every stream** of the store
    (a stream is a household's if its first event is a household event; disputes are passed
    over) and replays each household through ``HouseholdWorkflow(policy)``. The households are
    taken as stored now; ``at`` (the system clock's now by default) is only when their
    deadlines are judged, as :meth:`Ledger.overdue <fengqiao.ledger.Ledger.overdue>` does.

    Args:
        store: any event store (it may hold disputes too), or a ledger.
        policy: the household policy the households were handled under, or its name.
        at: when to judge the deadlines (timezone-aware).

    Raises:
        ValidationError: not a store, an unknown household policy, a naive ``at``, or (reading
            the store) a history this policy's graph does not allow.
        BrokenStreamError, UnreadableEventError: as the store's ``load``.
    """
    if isinstance(store, Ledger) and _same(store.book.households.policy, policy):
        return _from_ledger(store, at)
    source: Any = getattr(store, "store", store)  # a ledger: its store
    if not (callable(getattr(source, "streams", None)) and callable(getattr(source, "load", None))):
        raise ValidationError(f"expected an event store or a ledger, got {quote(store)}", "store")
    workflow = HouseholdWorkflow(policy)
    when = workflow.clock.now() if at is None else require_aware(at, "at")
    households = tuple(HouseholdRepository(workflow, source).households())
    return HouseholdReport(
        policy=workflow.policy.name,
        at=when,
        households=households,
        metrics=dict(workflow.policy.metrics(households)),
        overdue=overdue_of(workflow, households, when),
    )


def _same(mine: HouseholdPolicy, asked: object) -> bool:
    """Whether ``asked`` (a name or a policy) is the ledger's own household policy."""
    return asked is mine or (isinstance(asked, str) and asked == mine.name)


def _from_ledger(ledger: Ledger, at: datetime | None) -> HouseholdReport:
    workflow = ledger.book.households
    when = ledger.clock.now() if at is None else require_aware(at, "at")
    households = tuple(ledger.select_households())
    return HouseholdReport(
        policy=workflow.policy.name,
        at=when,
        households=households,
        metrics=dict(workflow.policy.metrics(households)),
        overdue=ledger.household_overdue(when),
        counts=ledger.household_figures(),
    )
