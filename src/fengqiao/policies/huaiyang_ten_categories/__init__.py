"""``huaiyang-ten-categories``: Huaiyang's ten categories of major disputes, graded red/yellow/blue.

Huaiyang district (淮阳区, Zhoukou, Henan; 2021–22) screens ten categories of major disputes
(十类重大矛盾纠纷) and grades each red, yellow or blue (红黄蓝). Every major dispute gets its own
discussion and ledger entry with a named responsible leader and responsible officer
(一案一议一台账); red is high risk, and many forces work on it together. After a period of mediation, still
under control, red becomes yellow; once resolved, yellow becomes blue and the dispute is
watched for a relapse; it is closed only when truly resolved (不化解不销案). Disputes that are
not police business are reported to the local political-legal departments (属地政法部门) and pushed to the
department; the court hands seven kinds of dispute to the police before filing for joint
mediation (警法联调); informants whose report defuses a major dispute earn 200–500 yuan.

The rules, and the defaults chosen where the sources are vague (all constructor arguments):

- **Grading** by a decision table shipped as ``policies/data/huaiyang_ten_categories.toml``
  (pass ``grading_table=`` for your own): red for threats, weapons, violence, a party gone
  missing, group involvement or self-harm risk, for three or more alerts, or for two or more
  aggravating factors together (vulnerable party, mental illness, extreme emotion, repeated
  alerts, alcohol, drugs, prior record); yellow for any one risk factor or a second alert;
  blue otherwise. Gradings of the ten ``categories`` carry the flag ``major_category``.
- **一案一议一台账 for every major dispute**: ``mediate``, ``refer``, ``record_attempt`` and
  ``resolve`` are refused until a case discussion record (``DossierKind.CASE_DISCUSSION``) is
  filed and a ``Role.RESPONSIBLE_LEADER`` and a ``Role.RESPONSIBLE_OFFICER`` are assigned
  (a deadline of ``assign_within``, 1 day after grading, tracks the naming). A major dispute
  is one of the ten ``categories``, or any dispute graded red; ``discussion_for="all"``
  extends this to every dispute, ``"red"`` narrows it to red ones.
- **Down one step at a time** (``regrade``): never two steps; red → yellow only after
  ``red_to_yellow_after`` (15 days) handled (mediated or referred) with no new risk and no
  upward move; yellow → blue only once resolved (in follow-up) and with no relapse found.
- **Up at once**: a new risk — a ``reopen``, a visit with ``holding=False``, a linked alert,
  a regrade adding risk factors — owes an upward regrade. Until it is recorded, ``mediate``,
  ``refer``, ``record_attempt``, ``resolve``, ``record_visit`` and ``close`` are refused with
  ``huaiyang.<trigger>.upgrade-pending``, and a regrade that does not go up is refused with
  ``huaiyang.regrade.must-go-up``; ``escalate``, ``reopen``, ``assign``, ``link_alert``,
  ``attach`` and ``note`` stay open. A red dispute cannot go higher: a new risk restarts its
  15 days instead.
- **Closing** only from blue, after ``observation_period`` (180 days: "monthly visits for half
  a year") counted from the resolution (or from a later new risk), with a visit in every
  ``visit_window`` (30 days) of it and no relapse.
- **Referral**: ``refer`` needs a department and a ``DossierKind.COMMITTEE_REPORT`` (already
  filed or among the hand-over documents); resolving a referred dispute needs the department
  that reported the result (``reported_by``); a deadline of ``referral_result_within`` (30
  days) runs until it does.
- **警法联调**: a dispute whose first alert is ``Channel.COURT_PRE_FILING`` is mediated with the
  court among the forces (``MediationForce.COURT``) if it is one of the seven kinds
  (``court_categories``); other kinds through that channel are refused mediation
  (``huaiyang.mediate.court-pre-filing-out-of-scope``) and should be referred.
- **Informant rewards**: :func:`informant_reward` (pure) reports a dispute first reported by a
  security informant, in the ten categories, that ended resolved without a case, with the
  amount by the most severe grade it held (red 500, yellow 300, blue 200 yuan; :class:`RewardRule`).
  Over a ledger, the policy's ``"rewards"`` report lists them:
  ``ledger.report("huaiyang-ten-categories", "rewards")``.

>>> from datetime import datetime, timedelta
>>> from zoneinfo import ZoneInfo
>>> import fengqiao as fq
>>> clock = fq.FixedClock(datetime(2024, 6, 3, 7, 40, tzinfo=ZoneInfo("Asia/Shanghai")))
>>> wf = fq.Workflow(HuaiyangTenCategories(), clock=clock)
>>> d = wf.discover(channel="alarm_110", category="boundary_drainage", summary="两户持铁锨对峙",
...                 risk_factors=["weapon"], actor="officer:liu")
>>> d = wf.grade(d, actor="officer:liu")
>>> d.grade, wf.check(d, "mediate", actor="officer:liu").codes  # doctest: +NORMALIZE_WHITESPACE
('red', ('huaiyang.mediate.case-discussion-missing', 'huaiyang.mediate.responsible-leader-missing',
         'huaiyang.mediate.responsible-officer-missing'))
"""

from fengqiao.policies.huaiyang_ten_categories.policy import (
    COURT_PRE_FILING_CATEGORIES,
    DEFAULT_PERMISSIONS,
    DISCUSSION_SCOPES,
    GRADES,
    HuaiyangTenCategories,
    default_table,
)
from fengqiao.policies.huaiyang_ten_categories.rewards import (
    DEFAULT_AMOUNTS,
    TEN_CATEGORIES,
    InformantReward,
    RewardRule,
    informant_reward,
    reward_report,
    rewards_over,
)
from fengqiao.policies.huaiyang_ten_categories.trail import Risk, Trail, grade_path, read_trail

__all__ = [
    "COURT_PRE_FILING_CATEGORIES",
    "DEFAULT_AMOUNTS",
    "DEFAULT_PERMISSIONS",
    "DISCUSSION_SCOPES",
    "GRADES",
    "TEN_CATEGORIES",
    "HuaiyangTenCategories",
    "InformantReward",
    "RewardRule",
    "Risk",
    "Trail",
    "default_table",
    "grade_path",
    "informant_reward",
    "read_trail",
    "reward_report",
    "rewards_over",
]
