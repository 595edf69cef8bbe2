"""The 09:00 daily dispatch view (每日早调度): each station's line about one day's alerts.

Every morning at 09:00 the city bureau meets its 12 county and district bureaus and 110
police stations over a three-level video link (市、县、派出所三级视频连线): the duty head of
each county or district bureau reports yesterday's alerts in turn, and the city's duty bureau
leader calls at random (随机点调) on a bureau or station about a key alert or one of a frequent
type (重点警情、多发类警情). :func:`dispatch_report` computes the lines those reports are made
of, one per station (a bureau's line is the sum of its stations' rows: ``row_a + row_b``),
from disputes as they stood at the meeting:

- **received** (接警): disputes whose first alert was received on ``day`` (local time);
- **entered_in_time** (按时进入处置): of those, left ``discovered`` within the handling window;
- **closed_same_day** (当日销号): concluded (closed, escalated or merged) before the day ended;
- **carried_over** (结转): still open at the meeting, carried into the new day's work (each
  meets the 24-hour line of 案件清底, and a key one its named supervision, at its own time);
- **overdue** (逾期): missed at least one of the policy's deadlines (met late, or still
  unmet after it fell due).

The random call (点调) is drawn among the day's key disputes and those of a frequent type: a
category with at least the policy's ``frequent_type_min`` of the day's alerts (3 by default;
``None`` calls on key alerts only), counted over the disputes the report covers (one
station's, with a station filter).

The report is a pure function: the same disputes, day, station filter and seed give the
same report, whatever later events the disputes passed in carry (histories are cut at the
meeting time). Over a ledger, :func:`dispatch_view` (the policy's ``"dispatch"`` report)
selects the day's alerts and hands them to it.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import ClassVar

import attrs

from fengqiao.domain._checks import require_aware
from fengqiao.domain.terms import Category
from fengqiao.errors import ValidationError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.policies.base import DeadlineStatus
from fengqiao.policies.huainan_two_clears.policy import HuainanTwoClears
from fengqiao.policies.huainan_two_clears.timeline import as_of, day_bounds, first_alert_at, latest, local_day
from fengqiao.policies.reports import DisputeQuery

__all__ = ["MEETING_TIME", "DispatchReport", "DispatchRow", "SpotCall", "dispatch_report", "dispatch_view"]

MEETING_TIME = time(9, 0)
"""The daily dispatch meeting (早调度) is held at 09:00 local time, the day after the alerts."""

_MISSED = frozenset({DeadlineStatus.LATE, DeadlineStatus.OVERDUE})


@attrs.frozen
class DispatchRow:
    """One station's line in the dispatch view: counts of the day's disputes."""

    station: str
    received: int = 0
    entered_in_time: int = 0
    closed_same_day: int = 0
    carried_over: int = 0
    overdue: int = 0

    LABELS: ClassVar[Mapping[str, tuple[str, str]]] = {
        "station": ("派出所", "station"),
        "received": ("接警", "received"),
        "entered_in_time": ("按时进入处置", "entered in time"),
        "closed_same_day": ("当日销号", "closed same day"),
        "carried_over": ("结转", "carried over"),
        "overdue": ("逾期（超时办结或仍未办结）", "overdue (late or unmet)"),
    }
    """Each column's heading (zh, en), for a table of rows."""

    def __add__(self, other: DispatchRow) -> DispatchRow:
        return DispatchRow(
            station=self.station if self.station == other.station else "",
            received=self.received + other.received,
            entered_in_time=self.entered_in_time + other.entered_in_time,
            closed_same_day=self.closed_same_day + other.closed_same_day,
            carried_over=self.carried_over + other.carried_over,
            overdue=self.overdue + other.overdue,
        )


@attrs.frozen
class SpotCall:
    """The duty leader's random call on a station about one key or frequent-type alert (点调)."""

    station: str
    dispute_id: str
    summary: str
    reason: str = "key"
    """``"key"`` (重点警情) or ``"frequent"`` (多发类警情: a frequent type, not key)."""


@attrs.frozen
class DispatchReport:
    """The dispatch view of ``day`` as it stood at ``as_of``."""

    day: date
    as_of: datetime
    rows: tuple[DispatchRow, ...]
    """One row per station (sorted by name); with a station filter, that station's row."""
    key_alerts: tuple[str, ...]
    """The ids of the day's key disputes (重点警情), sorted."""
    spot_call: SpotCall | None
    """The seeded random pick among ``key_alerts`` and ``frequent_alerts``; ``None`` when both are empty."""
    frequent_types: tuple[Category, ...] = ()
    """The day's frequent types (多发类警情): categories with ``frequent_type_min`` alerts or more, sorted."""
    frequent_alerts: tuple[str, ...] = ()
    """The ids of the day's disputes of a frequent type (key ones included), sorted."""

    @property
    def total(self) -> DispatchRow:
        """All rows added up (station ``""``)."""
        total = DispatchRow("")
        for row in self.rows:
            total = total + row
        return attrs.evolve(total, station="")

    def row(self, station: str) -> DispatchRow:
        """The row of ``station`` (zeros if it received nothing that day)."""
        return next((r for r in self.rows if r.station == station), DispatchRow(station))


def dispatch_report(
    disputes: Iterable[Dispute],
    day: date,
    *,
    policy: HuainanTwoClears | None = None,
    station: str | None = None,
    seed: int | str = 0,
    at: datetime | None = None,
) -> DispatchReport:
    """The 09:00 dispatch view of the alerts received on ``day``.

    Args:
        disputes: any disputes (each id once, or several versions of it: the longest is used).
        day: the day whose alerts are reported (yesterday, seen from the meeting).
        policy: supplies the windows, the timezone, what is key, how many alerts make a
            frequent type and what concludes a dispute; the default Huainan policy if not given.
        station: only this station's row (and key alerts).
        seed: makes the random call (点调) among key and frequent-type alerts reproducible:
            same seed, same pick.
        at: when the meeting looks; 09:00 of the next day in the policy's timezone by default.
    """
    rules = policy or HuainanTwoClears()
    tz = rules.timezone
    when = datetime.combine(day + timedelta(days=1), MEETING_TIME, tzinfo=tz) if at is None else require_aware(at, "at")
    _start, day_end = day_bounds(day, tz)
    concluded = {str(s) for s in rules.concluded_states}
    rows: dict[str, DispatchRow] = {} if station is None else {station: DispatchRow(station)}
    day_disputes: list[Dispute] = []
    for full in latest(disputes):
        d = as_of(full, when)
        if d is None or (station is not None and d.station != station):
            continue
        if local_day(first_alert_at(d), tz) != day:
            continue
        statuses = {dl.code: dl.status(when) for dl in rules.deadlines(d)}
        concluded_at = rules.concluded_at(d)
        line = DispatchRow(
            d.station,
            received=1,
            entered_in_time=int(statuses["huainan.enter-handling"] is DeadlineStatus.MET),
            closed_same_day=int(concluded_at is not None and concluded_at <= day_end),
            carried_over=int(str(d.state) not in concluded),
            overdue=int(any(s in _MISSED for s in statuses.values())),
        )
        rows[d.station] = rows.get(d.station, DispatchRow(d.station)) + line
        day_disputes.append(d)
    key = {d.id for d in day_disputes if rules.is_key(d)}
    frequent = _frequent_types(day_disputes, rules.frequent_type_min)
    callable_ = [d for d in day_disputes if d.id in key or d.category in frequent]
    pick = None
    if callable_:
        chosen = random.Random(f"huainan.dispatch:{day.isoformat()}:{seed}").choice(callable_)
        pick = SpotCall(chosen.station, chosen.id, chosen.summary, "key" if chosen.id in key else "frequent")
    return DispatchReport(
        day=day,
        as_of=when,
        rows=tuple(rows[k] for k in sorted(rows)),
        key_alerts=tuple(d.id for d in day_disputes if d.id in key),
        spot_call=pick,
        frequent_types=tuple(sorted(frequent, key=lambda c: c.value)),
        frequent_alerts=tuple(d.id for d in day_disputes if d.category in frequent),
    )


def _frequent_types(disputes: list[Dispute], least: int | None) -> frozenset[Category]:
    """The categories with at least ``least`` of ``disputes`` (多发类警情); none when ``least`` is ``None``."""
    if least is None:
        return frozenset()
    return frozenset(c for c, n in Counter(d.category for d in disputes).items() if n >= least)


def dispatch_view(
    ledger: DisputeQuery,
    day: date,
    *,
    policy: HuainanTwoClears | None = None,
    station: str | None = None,
    seed: int | str = 0,
) -> DispatchReport:
    """:func:`dispatch_report` over the disputes of ``ledger`` whose first alert was received on ``day``.

    The day is local to ``policy``'s timezone; disputes of every policy in the ledger are
    counted, as at the meeting every alert of the day is.

    Raises:
        ValidationError: ``day`` is not a date, ``station`` not text, ``seed`` neither a whole
            number nor text, or ``policy`` not a Huainan policy; the error names the argument.
    """
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValidationError(f"expected a date, got {type(day).__name__}", "day")
    if station is not None and not isinstance(station, str):
        raise ValidationError(f"expected a station's name, got {type(station).__name__}", "station")
    if isinstance(seed, bool) or not isinstance(seed, int | str):
        raise ValidationError(f"expected a seed (a whole number or text), got {type(seed).__name__}", "seed")
    if policy is not None and not isinstance(policy, HuainanTwoClears):
        raise ValidationError(f"expected a HuainanTwoClears policy, got {type(policy).__name__}", "policy")
    rules = policy or HuainanTwoClears()
    disputes = list(ledger.select(received=day_bounds(day, rules.timezone), station=station))
    return dispatch_report(disputes, day, policy=rules, station=station, seed=seed)
