"""``huainan-two-clears``: Huainan's "两清一规范" (two clears, one standard; Anhui, from 1 July).

- **警情清零 (alerts cleared to zero)**: every dispute must enter handling (leave
  ``discovered``) within 24 hours of its first alert — deadline ``huainan.enter-handling``.
  A non-case alert is expected to be concluded the same day (当日动态销号) — deadline
  ``huainan.same-day-close``, due at midnight (Asia/Shanghai) of the first alert's day.
- **案件清底 (cases cleared to the bottom)**: a dispute not concluded within 24 hours of its
  first alert is carried over. A *key* one must then be escalated (提级) or placed under a
  named supervisor (挂牌督办: ``assign`` with ``Role.SUPERVISOR``, by a leader) before any
  further handling; until then every other trigger is refused with
  ``huainan.<trigger>.key-unsupervised``. Every criminal and public-order case goes to the
  combined investigation centre (合成侦查中心) for analysis: here an ``escalate``, which
  hands the dispute to formal case handling.
- **规范执法 (standard enforcement)**: :func:`spot_check_sample` draws the day's handled
  disputes for review of filing, seized property, interview rooms and body cameras, across
  the board and one by one (全面抽查，逐一评查): all of them by default, or a seeded sample.
  A review finding (``DossierKind.REVIEW_FINDING``) must be answered by a later correction
  record (``DossierKind.CORRECTION_RECORD``) before ``close``.
- **09:00 dispatch meeting** (早调度): over a three-level video link (city – county/district
  bureau – station) the bureaus report yesterday's alerts; :func:`dispatch_report` gives each
  station's line — received, entered handling in time, closed the same day, carried over,
  overdue — and the duty leader's seeded random call (点调) on one key alert or one of a
  frequent type (多发类警情: a category with ``frequent_type_min``, 3, of the day's alerts).
  Over a ledger, the policy's ``"dispatch"`` report gives it:
  ``ledger.report("huainan-two-clears", "dispatch", day)``.

Defaults where the reports are vague (all constructor arguments):

- *Grading* (``data/huainan_two_clears.toml``): **key** (重点) for threats, weapons, violence,
  a group, self-harm risk or a missing party, for three or more alerts, or for a case-type
  alert reported again; **case** (案件类) for the rest that meet the case threshold;
  **general** (一般) for every other, non-case alert (two alerts flag it ``repeated``).
- *Key*: the table's top grade, or any grading flagged ``key``.
- *Frequent type* (多发类警情): a category with 3 or more of the alerts the dispatch view
  covers that day; the random call picks among key and frequent-type alerts alike.
- *Daily check*: every dispute handled (changing state) that day; ``rate`` or ``size`` for a sample.
- *Concluded* (办结): ``closed``, ``escalated`` or ``merged``. A referral is tracked until the
  department reports, so a referred dispute is not concluded yet.
- *Case-type*: assessed as meeting the case threshold; an ungraded alert is treated as
  non-case (most alerts are), so it carries the same-day deadline until graded otherwise.
- *Allowed before supervision*: ``escalate``, ``assign`` (of the supervisor only),
  ``link_alert`` and ``note`` — recording a new alert or a note is not handling.
- *Who supervises*: a responsible leader or supervisor assigns the supervisor.
- *Baseline kept*: officer permissions, a follow-up visit before ``close``, a department
  for ``refer``, grounds for ``escalate``.

>>> from datetime import datetime
>>> import fengqiao as fq
>>> from fengqiao.policies.huainan_two_clears import HuainanTwoClears
>>> clock = fq.FixedClock(datetime(2024, 7, 8, 10, 12, tzinfo=fq.policies.CHINA_TZ))
>>> wf = fq.Workflow(HuainanTwoClears(), clock=clock)
>>> d = wf.discover(channel="alarm_110", category="wage_arrears", summary="几十名钢筋工被拖欠工资",
...                 risk_factors=["group"], actor="officer:zhou", station="洞山派出所")
>>> [(c.deadline.code, c.status.value) for c in wf.deadlines(d)]
[('huainan.enter-handling', 'pending'), ('huainan.same-day-close', 'pending')]
>>> wf.grade(d, actor="officer:zhou", police_business=False).grade
'key'
"""

from fengqiao.policies.huainan_two_clears.dispatch import (
    MEETING_TIME,
    DispatchReport,
    DispatchRow,
    SpotCall,
    dispatch_report,
    dispatch_view,
)
from fengqiao.policies.huainan_two_clears.policy import (
    CONCLUDED_STATES,
    FREQUENT_TYPE_MIN,
    HANDLING_WINDOW,
    SUPERVISION_ROLES,
    UNSUPERVISED_ALLOWED,
    HuainanTwoClears,
    default_grading_table,
)
from fengqiao.policies.huainan_two_clears.spot_check import SPOT_CHECK_RATE, handled_on, spot_check_sample

__all__ = [
    "CONCLUDED_STATES",
    "FREQUENT_TYPE_MIN",
    "HANDLING_WINDOW",
    "MEETING_TIME",
    "SPOT_CHECK_RATE",
    "SUPERVISION_ROLES",
    "UNSUPERVISED_ALLOWED",
    "DispatchReport",
    "DispatchRow",
    "HuainanTwoClears",
    "SpotCall",
    "default_grading_table",
    "dispatch_report",
    "dispatch_view",
    "handled_on",
    "spot_check_sample",
]
