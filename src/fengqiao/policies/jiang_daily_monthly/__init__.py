"""``jiang-daily-monthly``: Jiang county's "日清月结" (cleared daily, settled monthly; 绛县, Yuncheng, Shanxi).

The Yuncheng report (seed 000) names the practice — Jiang county's "日清月结" was promoted
across the city — and says nothing more. fengqiao's reading, every part of it a constructor
argument of :class:`JiangDailyMonthly`:

- **日清 (cleared daily)**: every dispute that comes in is *handled* by 24:00 (China Standard
  Time) of the day it came in — it is being mediated, was handed to a department or to case
  handling, or is already settled: it has left ``discovered`` and ``graded``
  (:data:`HANDLED_STATES`). Per dispute, deadline ``jiang.cleared-daily``; per station and
  day, :func:`daily_clearing` (the rhythm :data:`CLEARED_DAILY`): the day is met when every
  dispute of the day was handled by its end.
- **月结 (settled monthly)**: at each month's end every dispute still open is either
  *settled* (:data:`SETTLED_STATES`: resolved, closed, escalated or merged; a referral is
  tracked until the department reports, so it is not settled) or *carried over with a
  reason*: a carry-over statement (``DossierKind.CARRY_OVER_STATEMENT``, 结转说明, its title
  the reason) attached that month. Per dispute, one ``jiang.settled-monthly`` deadline per
  month end it lives to; per station, :func:`monthly_settlement` — the **monthly settlement
  report** (月结报告): received, settled, carried over with the reasons, and the gap.
- Refused: a carry-over of a settled dispute (``jiang.carry-over.settled``) or without a
  reason (``jiang.carry-over.no-reason``).
- Kept from the baseline: its grading, officer permissions, and a visit before ``close``.

Examples:
    >>> from datetime import datetime, timedelta
    >>> import fengqiao as fq
    >>> from fengqiao.policies import CHINA_TZ
    >>> clock = fq.FixedClock(datetime(2024, 6, 28, 9, tzinfo=CHINA_TZ))
    >>> wf = fq.Workflow("jiang-daily-monthly", clock=clock)
    >>> d = wf.discover(channel="alarm_110", category="neighbour", summary="院墙滴水", actor="officer:xiao")
    >>> d = wf.mediate(wf.grade(d, actor="officer:xiao"), actor="officer:xiao")
    >>> _ = clock.advance(timedelta(days=3))   # 1 July: June ended with the dispute open and not carried over
    >>> [(c.deadline.code, c.status.value) for c in wf.deadlines(d)]
    [('jiang.cleared-daily', 'met'), ('jiang.settled-monthly', 'overdue')]
"""

from fengqiao.policies.jiang_daily_monthly.policy import (
    CLEARED_DAILY,
    HANDLED_STATES,
    SETTLED_STATES,
    SETTLEMENT_REPORT,
    JiangDailyMonthly,
    month_end,
)
from fengqiao.policies.jiang_daily_monthly.reports import Carried, SettlementRow, daily_clearing, monthly_settlement

__all__ = [
    "CLEARED_DAILY",
    "HANDLED_STATES",
    "SETTLED_STATES",
    "SETTLEMENT_REPORT",
    "Carried",
    "JiangDailyMonthly",
    "SettlementRow",
    "daily_clearing",
    "month_end",
    "monthly_settlement",
]
