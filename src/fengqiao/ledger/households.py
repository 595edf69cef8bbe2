"""The household report: every household in a store, a household policy's figures and the overdue deadlines.

Households have no projected table yet (the dispute ledger's ``dispute_ledger`` rows leave
them alone), so :func:`household_report` **reads every household**: it walks the store's
streams, keeps those whose first event is a household event, and replays each through
``HouseholdWorkflow(policy)``. That is one pass over the store per report — fine for a
township's few thousand households, not for a province.

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
from fengqiao.domain.vocabulary import Lang
from fengqiao.errors import ValidationError
from fengqiao.households import HouseholdWorkflow
from fengqiao.ledger.base import Ledger
from fengqiao.lifecycle.household import Household
from fengqiao.lifecycle.household_events import HouseholdState
from fengqiao.lifecycle.states import StateId
from fengqiao.policies.base import DeadlineStatus
from fengqiao.policies.households import HouseholdPolicy, household_metrics
from fengqiao.storage.base import EventStore
from fengqiao.storage.households import HouseholdRepository

__all__ = ["HouseholdOverdue", "HouseholdReport", "household_figures", "household_report"]


@attrs.frozen(kw_only=True)
class HouseholdOverdue:
    """One household deadline unmet and past due at the report's ``at``."""

    household_id: str
    village: str
    state: StateId
    code: str
    """The deadline's code (``xiqi.help.report-in``, ``xiqi.reassess`` …)."""
    due: datetime
    zh: str
    en: str

    def message(self, lang: Lang = "en") -> str:
        """What was due, in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.zh if lang == "zh" else self.en


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

    def figures(self) -> dict[str, int]:
        """``screened``, ``watched``, ``class.I`` … and ``unclassed``: see :func:`household_figures`."""
        return household_figures(self.households)


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
    """Read every household in ``store`` and report on them under ``policy`` at ``at``.

    There is no projected table of households yet: this reads **every stream** of the store
    (a stream is a household's if its first event is a household event; disputes are passed
    over) and replays each household through ``HouseholdWorkflow(policy)``. The households
    are taken as stored now; ``at`` (the system clock's now by default) is only when their
    deadlines are judged, as :meth:`Ledger.overdue <fengqiao.ledger.Ledger.overdue>` does.

    Args:
        store: any event store (it may hold disputes too), or a ledger (its store).
        policy: the household policy the households were handled under, or its name.
        at: when to judge the deadlines (timezone-aware).

    Raises:
        ValidationError: not a store, an unknown household policy, a naive ``at``, or a
            history this policy's graph does not allow.
        BrokenStreamError, UnreadableEventError: as the store's ``load``.
    """
    source: Any = getattr(store, "store", store)  # a ledger: its store
    if not (callable(getattr(source, "streams", None)) and callable(getattr(source, "load", None))):
        raise ValidationError(f"expected an event store or a ledger, got {quote(store)}", "store")
    workflow = HouseholdWorkflow(policy)
    when = workflow.clock.now() if at is None else require_aware(at, "at")
    households = tuple(HouseholdRepository(workflow, source).households())
    overdue = [
        HouseholdOverdue(
            household_id=h.id,
            village=h.village,
            state=h.state,
            code=check.deadline.code,
            due=check.deadline.due,
            zh=check.deadline.zh,
            en=check.deadline.en,
        )
        for h in households
        for check in workflow.deadlines(h, at=when)
        if check.status is DeadlineStatus.OVERDUE
    ]
    return HouseholdReport(
        policy=workflow.policy.name,
        at=when,
        households=households,
        metrics=dict(workflow.policy.metrics(households)),
        overdue=tuple(sorted(overdue, key=lambda r: (r.due, r.household_id, r.code))),
    )
