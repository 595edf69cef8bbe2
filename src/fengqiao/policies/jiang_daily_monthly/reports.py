"""Jiang county's two station reports: the daily clearing (日清) and the monthly settlement (月结).

Both are pure functions of the disputes they are given and the policy's rules; over a ledger
they run as the policy's reports (``ledger.report("jiang-daily-monthly", "daily", ...)``).

- :func:`daily_clearing`: per station, one :class:`~fengqiao.policies.rhythms.PeriodCheck`
  per day (:data:`CLEARED_DAILY`'s periods): the day is **met** when every dispute that came
  in that day was handled by its end (at the instant the last of them was), **late** when the
  last was handled after, **pending** until 24:00 (a day is judged once it is over: more may
  come in) and **overdue** after while any is still waiting. A day with no disputes is met
  at its start. The same shape as a place's reports
  (:class:`~fengqiao.policies.rhythms.PlaceCheck`), computed from the disputes' own events.
- :func:`monthly_settlement`: for one month, per station, the disputes settled in it, those
  carried over with their reasons, and those open at the month's end with no reason (the gap).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time

import attrs

from fengqiao.domain._checks import require_aware
from fengqiao.errors import ValidationError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.policies.base import Deadline
from fengqiao.policies.jiang_daily_monthly.policy import CLEARED_DAILY, JiangDailyMonthly, month_end
from fengqiao.policies.rhythms import Filing, PeriodCheck, PlaceCheck

__all__ = ["Carried", "SettlementRow", "daily_clearing", "monthly_settlement"]

NO_STATION = "—"
"""The station shown for disputes discovered without one."""


def daily_clearing(
    disputes: Iterable[Dispute], policy: JiangDailyMonthly, *, start: datetime, at: datetime
) -> dict[str, PlaceCheck]:
    """Each station's days from ``start`` to ``at``, checked as :data:`CLEARED_DAILY` (see the module docstring).

    Raises:
        ValidationError: ``start`` or ``at`` is not timezone-aware, or ``at`` is before ``start``.
    """
    start, at = require_aware(start, "start"), require_aware(at, "at")
    if at < start:
        raise ValidationError("at is before start", "at")
    rhythm = attrs.evolve(CLEARED_DAILY, timezone=policy.timezone)
    periods = rhythm.periods(start, at=at)
    by_station: dict[str, list[Dispute]] = defaultdict(list)
    for d in disputes:
        by_station[d.station or NO_STATION].append(d)
    checks: dict[str, PlaceCheck] = {}
    for station, found in sorted(by_station.items()):
        rows = []
        for period in periods:
            came = [d for d in found if period.start <= d.discovered_at < period.end]
            handled = [policy.handled_at(d) for d in came]
            waiting = period.due > at or any(h is None or h > at for h in handled)  # a day is judged once over
            cleared = None if waiting else max((h for h in handled if h is not None), default=period.start)
            deadline = Deadline(
                rhythm.code,
                f"{station} {period.label}：{rhythm.zh}",
                f"{station} {period.label}: {rhythm.en}",
                due=period.due,
                met_at=cleared,
            )
            filing = None if cleared is None else Filing(cleared, "cleared")
            rows.append(PeriodCheck(period, deadline, deadline.status(at), filing, () if filing is None else (filing,)))
        filings = tuple(p.filing for p in rows if p.filing is not None)
        checks[station] = PlaceCheck(rhythm, station, start, at, tuple(rows), filings)
    return checks


@attrs.frozen
class Carried:
    """A dispute carried over to the next month, and the reason on file."""

    dispute_id: str
    reason: str
    at: datetime


@attrs.frozen(kw_only=True)
class SettlementRow:
    """One station's month (月结): what came in, what was settled, what was carried over and why, what was not."""

    station: str
    month: str
    """``2024-06``."""
    received: int
    """Disputes discovered in the month."""
    settled: tuple[str, ...]
    """Disputes settled in the month (whenever they came in)."""
    carried: tuple[Carried, ...]
    """Disputes open at the month's end and carried over in the month, with their reasons."""
    unsettled: tuple[str, ...]
    """Disputes open at the month's end with no carry-over in the month: the month is not settled."""

    @property
    def complete(self) -> bool:
        """Whether every dispute open at the month's end was carried over with a reason (月结到位)."""
        return not self.unsettled


def monthly_settlement(
    disputes: Iterable[Dispute], policy: JiangDailyMonthly, year: int, month: int
) -> tuple[SettlementRow, ...]:
    """Each station's settlement of ``year``-``month`` (see the module docstring), by station.

    Judged on the disputes as given: a dispute's events after the month's end do not count
    for it, except that one settled later is still open at the month's end.

    Raises:
        ValidationError: not a month.
    """
    if type(year) is not int or type(month) is not int or not 1 <= month <= 12 or not 1 <= year <= 9998:
        raise ValidationError(f"expected a year and a month (1 to 12), got {year!r}, {month!r}", "month")
    first = datetime.combine(date(year, month, 1), time(0), tzinfo=policy.timezone)
    end = month_end(first, policy.timezone)
    label = f"{year:04d}-{month:02d}"
    by_station: dict[str, list[Dispute]] = defaultdict(list)
    for d in disputes:
        by_station[d.station or NO_STATION].append(d)
    rows = []
    for station, found in sorted(by_station.items()):
        received = sum(1 for d in found if first <= d.discovered_at < end)
        settled, carried, unsettled = [], [], []
        for d in sorted(found, key=lambda d: (d.discovered_at, d.id)):
            if d.discovered_at >= end:
                continue
            when = policy.settled_at(d)
            if when is not None and when < first:
                continue
            if when is not None and when <= end:
                settled.append(d.id)
                continue
            reasons = [(at, why) for at, why in policy.carry_overs(d) if first <= at <= end]
            if reasons:
                at, why = reasons[-1]
                carried.append(Carried(d.id, why, at))
            else:
                unsettled.append(d.id)
        rows.append(
            SettlementRow(
                station=station,
                month=label,
                received=received,
                settled=tuple(settled),
                carried=tuple(carried),
                unsettled=tuple(unsettled),
            )
        )
    return tuple(rows)
