"""The place report: every place in a store, the reports each owes, and the periods it missed.

A place's reports are stored as events (:mod:`fengqiao.lifecycle.place`); whether a day, a
week or a month was missed is computed here from them at ``at``, as every deadline is.
:func:`place_report` reads every stream of the store and keeps the places' (there is no
projected table of places: a township has a few dozen).

Examples:
    >>> from datetime import datetime, timedelta
    >>> import fengqiao as fq
    >>> from fengqiao.policies import CHINA_TZ
    >>> from fengqiao.storage import MemoryEventStore, PlaceRepository
    >>> clock = fq.FixedClock(datetime(2024, 4, 1, 8, tzinfo=CHINA_TZ))
    >>> store = MemoryEventStore()
    >>> places = PlaceRepository(fq.PlaceWorkflow("xiqi-family-risk", clock=clock), store)
    >>> _ = places.register(name="西歧村", actor="grid_worker:li", rhythms=["xiqi.daily-report"])
    >>> report = place_report(store, at=datetime(2024, 4, 3, 12, tzinfo=CHINA_TZ))
    >>> report.missing
    {'place:西歧村': {'xiqi.daily-report': 2}}
    >>> [row.message("zh") for row in report.overdue]
    ['西歧村 2024-04-01：日报告（有事报事，无事报平安）', '西歧村 2024-04-02：日报告（有事报事，无事报平安）']
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from fengqiao.domain._checks import require_aware
from fengqiao.domain._quote import quote
from fengqiao.domain.vocabulary import Lang
from fengqiao.errors import ValidationError
from fengqiao.lifecycle.place import Place
from fengqiao.places import PlaceWorkflow
from fengqiao.policies.rhythms import PlaceCheck
from fengqiao.storage.places import PlaceRepository

__all__ = ["PlaceOverdue", "PlaceReport", "place_report"]


@attrs.frozen(kw_only=True)
class PlaceOverdue:
    """One period a place owed a report for, past due and unmet at the report's ``at``."""

    place_id: str
    place: str
    """The place's name (``"西歧村"``)."""
    code: str
    """The rhythm's code (``xiqi.daily-report`` …)."""
    period: str
    """The period's label: ``2024-04-02`` (a day), ``2024-W14`` (a week), ``2024-04`` (a month)."""
    due: datetime
    zh: str
    en: str

    def message(self, lang: Lang = "en") -> str:
        """What was due, in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.zh if lang == "zh" else self.en


@attrs.frozen(kw_only=True)
class PlaceReport:
    """What :func:`place_report` found: the places, where each stands with each rhythm, the overdue periods."""

    at: datetime
    """When the periods were judged."""
    places: tuple[Place, ...] = attrs.field(repr=False)
    """Every place in the store, in the order of their ids."""
    checks: Mapping[str, Mapping[str, PlaceCheck]] = attrs.field(repr=False)
    """Place id → rhythm code → the place's check with that rhythm at ``at``."""
    overdue: tuple[PlaceOverdue, ...]
    """Every period unmet and past due at ``at``, earliest due first (then by place and code)."""

    @property
    def missing(self) -> dict[str, dict[str, int]]:
        """Place id → rhythm code → how many periods it missed (overdue at ``at``)."""
        return {pid: {code: len(c.missed) for code, c in by.items()} for pid, by in self.checks.items()}

    def owed(self, code: str) -> int:
        """How many periods of the rhythm coded ``code`` were due by ``at``, over every place that owes it."""
        return sum(1 for by in self.checks.values() if code in by for p in by[code].periods if p.deadline.due < self.at)


def place_report(store: Any, rhythms: object = "xiqi-family-risk", *, at: datetime | None = None) -> PlaceReport:
    """Read every place in ``store`` and check its reports at ``at`` (now by default).

    Args:
        store: any event store (it may hold cases too), or a ledger (its store).
        rhythms: what :class:`~fengqiao.PlaceWorkflow` takes: the rhythms, or a household
            policy (its name) that has them; Xiqi's four by default.
        at: when to judge the periods (timezone-aware).

    Raises:
        ValidationError: not a store, no such rhythms or policy, a naive ``at``, or a stored
            place that owes a rhythm these do not include.
        BrokenStreamError, UnreadableEventError: as the store's ``load``.
    """
    source: Any = getattr(store, "store", store)  # a ledger: its store
    if not (callable(getattr(source, "streams", None)) and callable(getattr(source, "load", None))):
        raise ValidationError(f"expected an event store or a ledger, got {quote(store)}", "store")
    workflow = PlaceWorkflow(rhythms)
    when = workflow.clock.now() if at is None else require_aware(at, "at")
    places = tuple(PlaceRepository(workflow, source).places())
    checks = {p.id: workflow.checks(p, at=when) for p in places}
    names = {p.id: p.name for p in places}
    overdue = [
        PlaceOverdue(
            place_id=pid,
            place=names[pid],
            code=code,
            period=missed.period.label,
            due=missed.deadline.due,
            zh=missed.deadline.zh,
            en=missed.deadline.en,
        )
        for pid, by in checks.items()
        for code, check in by.items()
        for missed in check.missed
    ]
    return PlaceReport(
        at=when, places=places, checks=checks, overdue=tuple(sorted(overdue, key=lambda r: (r.due, r.place_id, r.code)))
    )
