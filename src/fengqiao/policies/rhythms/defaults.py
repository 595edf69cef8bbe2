"""Ready-made rhythms: Xiqi township's four (西歧乡, Yongshun, Hunan; see the domain notes).

The report (seed 002) names the duties — "坚持'日报告'、用好'周推送'、强化'月调度'", the daily
report kept by village auxiliary police and grid workers on the rule "有事报事，无事报平安",
and the monthly political-legal meeting (政法月例会) that analyses serious households — but
gives **no due times**. These are fengqiao's documented choices, each the end of its
period in China Standard Time, so that a place has the whole period to file:

- the daily report by **24:00** each day, per village or grid;
- the weekly push by **Sunday 24:00** (the end of the ISO week);
- the monthly dispatch and the monthly meeting by **24:00 on the month's last day**.

Every filing counts for the period it was filed in (:attr:`LateFiling.OWN_PERIOD`): a day
without a report stays missed. Build your own :class:`~fengqiao.policies.rhythms.Rhythm`
(or ``attrs.evolve`` one of these) where a place sets other times.
"""

from __future__ import annotations

from fengqiao.policies.rhythms.rhythm import Rhythm
from fengqiao.policies.rhythms.terms import Cadence

__all__ = [
    "XIQI_DAILY_REPORT",
    "XIQI_MONTHLY_DISPATCH",
    "XIQI_MONTHLY_MEETING",
    "XIQI_RHYTHMS",
    "XIQI_WEEKLY_PUSH",
]

XIQI_DAILY_REPORT = Rhythm(
    "xiqi.daily-report",
    "日报告（有事报事，无事报平安）",
    "daily report (report an incident, or that all is quiet)",
    Cadence.DAILY,
)
"""Each village or grid files a report every day, by 24:00: an incident, or "all quiet"."""

XIQI_WEEKLY_PUSH = Rhythm("xiqi.weekly-push", "周推送", "weekly push", Cadence.WEEKLY)
"""The weekly push (周推送), due by Sunday 24:00 each ISO week."""

XIQI_MONTHLY_DISPATCH = Rhythm("xiqi.monthly-dispatch", "月调度", "monthly dispatch", Cadence.MONTHLY)
"""The monthly dispatch (月调度), due by 24:00 on the last day of each month."""

XIQI_MONTHLY_MEETING = Rhythm(
    "xiqi.political-legal-meeting",
    "政法月例会（分析研判重点风险家庭）",
    "monthly political-legal meeting (analyses serious households)",
    Cadence.MONTHLY,
)
"""The monthly political-legal meeting (政法月例会), held by 24:00 on the last day of each month."""

XIQI_RHYTHMS = (XIQI_DAILY_REPORT, XIQI_WEEKLY_PUSH, XIQI_MONTHLY_DISPATCH, XIQI_MONTHLY_MEETING)
"""Xiqi's four rhythms, daily first."""
