"""``JiangDailyMonthly``: the rules of Jiang county's "日清月结" as a policy.

See the package docstring for the mechanism and the chosen defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from typing import ClassVar

import attrs

from fengqiao.domain.dossier import DossierKind
from fengqiao.errors import PolicyDefinitionError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Attached, Event
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import State, StateId
from fengqiao.lifecycle.triggers import target_of
from fengqiao.policies.base import CHINA_TZ, Deadline
from fengqiao.policies.baseline import Baseline
from fengqiao.policies.reports import DisputeQuery, Report
from fengqiao.policies.rhythms import Cadence, PlaceCheck, Rhythm

__all__ = [
    "CLEARED_DAILY",
    "HANDLED_STATES",
    "SETTLED_STATES",
    "SETTLEMENT_REPORT",
    "JiangDailyMonthly",
    "month_end",
]

HANDLED_STATES: frozenset[StateId] = frozenset(
    {State.MEDIATING, State.REFERRED, State.ESCALATED, State.FOLLOW_UP, State.CLOSED, State.MERGED}
)
"""日清 — handled (处置): the dispute is being mediated, was handed to a department or to case
handling, or is already resolved, closed or merged: it has left ``discovered`` and ``graded``."""

SETTLED_STATES: frozenset[StateId] = frozenset({State.FOLLOW_UP, State.CLOSED, State.ESCALATED, State.MERGED})
"""月结 — settled (了结): resolved (in follow-up), closed, handed to formal case handling, or merged.
A referral is tracked until the department reports, so a referred dispute is not settled yet."""

CLEARED_DAILY = Rhythm(
    "jiang.cleared-daily",
    "日清（当日警情当日处置）",
    "cleared daily (every alert of the day handled by its end)",
    Cadence.DAILY,
)
"""The station's daily duty: every dispute that came in that day handled by 24:00."""

SETTLEMENT_REPORT = Rhythm("jiang.settlement-report", "月结报告", "monthly settlement report", Cadence.MONTHLY)
"""The station's monthly settlement report (月结报告), due by 24:00 on the month's last day; a
place files it (:class:`~fengqiao.PlaceWorkflow`)."""


def month_end(at: datetime, tz: tzinfo = CHINA_TZ) -> datetime:
    """24:00 on the last day of the month that holds ``at`` in ``tz``: when that month's settlement is due."""
    local = at.astimezone(tz).date()
    first_next = date(local.year + local.month // 12, local.month % 12 + 1, 1)
    return datetime.combine(first_next, time(0), tzinfo=tz)


def _day_end(at: datetime, tz: tzinfo) -> datetime:
    return datetime.combine(at.astimezone(tz).date() + timedelta(days=1), time(0), tzinfo=tz)


def _states(value: Iterable[StateId]) -> frozenset[StateId]:
    return frozenset(value)


@attrs.frozen
class JiangDailyMonthly(Baseline):
    """Jiang county's "cleared daily, settled monthly" (日清月结) on top of the baseline's rules.

    Args:
        handled_states: 日清 — the states that count as handled (:data:`HANDLED_STATES`).
        settled_states: 月结 — the states that count as settled (:data:`SETTLED_STATES`).
        carry_over_kind: the dossier item that carries a dispute over to the next month, its
            title the reason (``DossierKind.CARRY_OVER_STATEMENT``, 结转说明).
        timezone: where days and months begin and end; China Standard Time.
        rhythms: the station's recurring duties, for places and reports
            (:data:`CLEARED_DAILY`, :data:`SETTLEMENT_REPORT`).

    The baseline's grading, permissions and visit before ``close`` are kept (its constructor
    arguments are this class's too).
    """

    name: ClassVar[str] = "jiang-daily-monthly"

    handled_states: frozenset[StateId] = attrs.field(default=HANDLED_STATES, converter=_states, kw_only=True)
    settled_states: frozenset[StateId] = attrs.field(default=SETTLED_STATES, converter=_states, kw_only=True)
    carry_over_kind: DossierKind = attrs.field(default=DossierKind.CARRY_OVER_STATEMENT, kw_only=True)
    timezone: tzinfo = attrs.field(default=CHINA_TZ, kw_only=True)
    rhythms: tuple[Rhythm, ...] = attrs.field(default=(CLEARED_DAILY, SETTLEMENT_REPORT), kw_only=True)

    def __attrs_post_init__(self) -> None:
        if not self.settled_states <= self.handled_states:
            raise PolicyDefinitionError(f"{self.name}: a settled state must also count as handled")
        if State.DISCOVERED in self.handled_states or State.GRADED in self.handled_states:
            raise PolicyDefinitionError(f"{self.name}: discovered and graded are not handled: they wait for it")

    # -- what the rules read ---------------------------------------------------------------
    def handled_at(self, dispute: Dispute) -> datetime | None:
        """When the dispute was first handled (entered one of :attr:`handled_states`); ``None`` before."""
        return _reached(dispute, self.handled_states)

    def settled_at(self, dispute: Dispute) -> datetime | None:
        """When the dispute was first settled (entered one of :attr:`settled_states`); ``None`` before."""
        return _reached(dispute, self.settled_states)

    def carry_overs(self, dispute: Dispute) -> tuple[tuple[datetime, str], ...]:
        """Each carry-over on file: when it was filed and its reason, oldest first."""
        return tuple(
            (e.at, e.payload.item.title)
            for e in dispute.history
            if isinstance(e, Attached) and e.payload.item.kind is self.carry_over_kind
        )

    def months(self, dispute: Dispute) -> Iterator[Deadline]:
        """One settlement deadline per month end the dispute has lived to (月结), oldest first.

        Each is met by the dispute's settlement by that month's end or by a carry-over filed
        in that month; a settlement after it makes it late, and ends the list. The months run
        to the one holding the dispute's latest event.
        """
        settled = self.settled_at(dispute)
        carried = [at for at, _reason in self.carry_overs(dispute)]
        begin, due = dispute.discovered_at, month_end(dispute.discovered_at, self.timezone)
        while True:
            label = due.astimezone(self.timezone) - timedelta(days=1)
            zh = f"月结：{label:%Y-%m} 月底前化解办结，或写明理由结转"
            en = f"settled monthly: by the end of {label:%Y-%m}, settled, or carried over with a reason"
            if settled is not None and settled <= due:
                yield Deadline("jiang.settled-monthly", zh, en, due=due, met_at=settled)
                return
            carry = next((at for at in carried if begin <= at <= due), None)
            yield Deadline("jiang.settled-monthly", zh, en, due=due, met_at=carry if carry is not None else settled)
            if (carry is None and settled is not None) or due > dispute.updated_at:
                return
            begin, due = due, month_end(due, self.timezone)

    # -- the Policy protocol ---------------------------------------------------------------
    def refusals(self, dispute: Dispute, event: Event) -> Iterable[Refusal]:
        """The baseline's, and a carry-over only of an unsettled dispute, with its reason."""
        yield from super().refusals(dispute, event)
        if isinstance(event, Attached) and event.payload.item.kind is self.carry_over_kind:
            if str(dispute.state) in {str(s) for s in self.settled_states}:
                yield Refusal(
                    "jiang.carry-over.settled",
                    "该纠纷已化解或办结，无需结转",
                    "the dispute is already settled: there is nothing to carry over",
                )
            if not event.payload.item.title.strip():
                yield Refusal(
                    "jiang.carry-over.no-reason",
                    "结转须写明理由（结转说明的标题）",
                    "a carry-over needs its reason (the statement's title)",
                )

    def deadlines(self, dispute: Dispute) -> Iterable[Deadline]:
        """Handled by the end of the day it came in (日清); each month end, settled or carried over (月结)."""
        yield Deadline(
            "jiang.cleared-daily",
            "日清：当日警情当日处置（进入调解、移交或了结）",
            "cleared daily: handled (mediated, handed over or settled) by the end of the day it came in",
            due=_day_end(dispute.discovered_at, self.timezone),
            met_at=self.handled_at(dispute),
        )
        yield from self.months(dispute)

    def metrics(self, disputes: Iterable[Dispute]) -> Mapping[str, float]:
        """The baseline's, and the share cleared the same day, the carry-overs and the disputes carried."""
        chosen = list(disputes)
        out = dict(super().metrics(chosen))
        cleared = sum(
            1 for d in chosen if (h := self.handled_at(d)) is not None and h <= _day_end(d.discovered_at, self.timezone)
        )
        out["jiang.cleared_daily"] = float(cleared)
        out["jiang.cleared_daily_rate"] = cleared / len(chosen) if chosen else 0.0
        carried = [len(self.carry_overs(d)) for d in chosen]
        out["jiang.carry_overs"] = float(sum(carried))
        out["jiang.carried_disputes"] = float(sum(1 for n in carried if n))
        return out

    # -- reports ---------------------------------------------------------------------------
    def reports(self) -> Mapping[str, Report]:
        """``"daily"``: each station's daily clearing; ``"monthly"``: a month's settlement report."""
        return {"daily": self.daily_view, "monthly": self.monthly_view}

    def daily_view(
        self, ledger: DisputeQuery, *, start: datetime, at: datetime, station: str | None = None
    ) -> dict[str, PlaceCheck]:
        """:func:`~fengqiao.policies.jiang_daily_monthly.daily_clearing` over the ledger's disputes."""
        from fengqiao.policies.jiang_daily_monthly.reports import daily_clearing  # it reads this class

        chosen = ledger.select(station=station, policy=self.name) if station else ledger.select(policy=self.name)
        return daily_clearing(chosen, self, start=start, at=at)

    def monthly_view(self, ledger: DisputeQuery, year: int, month: int, *, station: str | None = None) -> object:
        """:func:`~fengqiao.policies.jiang_daily_monthly.monthly_settlement` over the ledger's disputes."""
        from fengqiao.policies.jiang_daily_monthly.reports import monthly_settlement  # it reads this class

        chosen = ledger.select(station=station, policy=self.name) if station else ledger.select(policy=self.name)
        return monthly_settlement(chosen, self, year, month)


def _reached(dispute: Dispute, states: frozenset[StateId]) -> datetime | None:
    wanted = {str(s) for s in states}
    for event in dispute.history[1:]:
        target = target_of(event)
        if target is not None and str(target) in wanted:
            return event.at
    return None
