"""Rhythms: recurring deadlines per place (a daily report, a weekly push, a monthly meeting), computed on read.

A case's deadlines (:class:`~fengqiao.policies.base.Deadline`) fall once; a rhythm's fall
every day, week or month, for every place that owes it. A :class:`Rhythm` gives each place's
periods and, from the instants the place filed, one deadline per period with its status at
any ``at`` — no scheduler, nothing stored. It is pure: policies and ledgers call it with
what their events say. See the concepts page "Recurring deadlines (rhythms)" for the rules.

Examples:
    >>> from datetime import datetime
    >>> from fengqiao.policies import CHINA_TZ
    >>> from fengqiao.policies.rhythms import XIQI_DAILY_REPORT
    >>> start = datetime(2024, 4, 1, tzinfo=CHINA_TZ)
    >>> filed = [datetime(2024, 4, 1, 17, 5, tzinfo=CHINA_TZ), datetime(2024, 4, 3, 9, tzinfo=CHINA_TZ)]
    >>> check = XIQI_DAILY_REPORT.check("西歧村", start, filed, at=datetime(2024, 4, 3, 12, tzinfo=CHINA_TZ))
    >>> [(p.period.label, p.status.value) for p in check.periods]
    [('2024-04-01', 'met'), ('2024-04-02', 'overdue'), ('2024-04-03', 'met')]
    >>> [p.deadline.message("zh") for p in check.missed]
    ['西歧村 2024-04-02：日报告（有事报事，无事报平安）']
"""

from fengqiao.policies.rhythms.checks import Filing, PeriodCheck, PlaceCheck
from fengqiao.policies.rhythms.defaults import (
    XIQI_DAILY_REPORT,
    XIQI_MONTHLY_DISPATCH,
    XIQI_MONTHLY_MEETING,
    XIQI_RHYTHMS,
    XIQI_WEEKLY_PUSH,
)
from fengqiao.policies.rhythms.periods import EARLIEST, LATEST, Period
from fengqiao.policies.rhythms.rhythm import LAST_DAY, Rhythm
from fengqiao.policies.rhythms.terms import Cadence, LateFiling, Weekday

__all__ = [
    "EARLIEST",
    "LAST_DAY",
    "LATEST",
    "XIQI_DAILY_REPORT",
    "XIQI_MONTHLY_DISPATCH",
    "XIQI_MONTHLY_MEETING",
    "XIQI_RHYTHMS",
    "XIQI_WEEKLY_PUSH",
    "Cadence",
    "Filing",
    "LateFiling",
    "Period",
    "PeriodCheck",
    "PlaceCheck",
    "Rhythm",
    "Weekday",
]
