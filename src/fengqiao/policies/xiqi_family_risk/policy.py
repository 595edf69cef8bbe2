"""``XiqiFamilyRisk``: the household policy ``xiqi-family-risk`` (西歧乡 "摸排 + 评估 + 化解").

The rules, each refused with a code and zh/en text:

- **Who may assess** (and reassess): only an assessment group led by the township's
  political-legal member (政法委员, ``Role.POLITICAL_LEGAL_MEMBER``) or a village party
  secretary (村支部书记, ``Role.PARTY_SECRETARY``): ``auth.role-required``.
- **Assessment by the table**: the class and kinds of work come from the assessment table
  (:mod:`fengqiao.policies.xiqi_family_risk.assessment`). A factor the catalogue does not
  know is refused when a household is watched or an incident reported
  (``xiqi.factor.unknown``); assessing with one is malformed input (``ValidationError``
  naming it, with a "did you mean").
- **Management** (包联管控) is refused until a responsible cadre is assigned (包联,
  ``xiqi.manage.no-cadre``), a plan is on file (一事一方案, ``xiqi.manage.no-plan``) and a
  dedicated team (一案一专班, ``xiqi.manage.no-team``).
- **Release** (风险解除) is refused while help asked of a department is unanswered
  (``xiqi.release.help-pending``) or a reassessment is due (``xiqi.release.reassessment-due``).
- **Deadlines on read**: a department asked for hardship help reports in within
  ``help_days`` (default 7) days ("中心吹哨、部门报到": ``xiqi.help.report-in``); a household
  due for reassessment (a new incident, a linked dispute) is reassessed within
  ``reassess_days`` (default 30, the monthly political-legal meeting: ``xiqi.reassess``).
- **Recurring, per place**: the daily report, weekly push, monthly dispatch and monthly
  meeting are :data:`~fengqiao.policies.rhythms.XIQI_RHYTHMS` (``rhythms``), checked per
  village from its filings by :mod:`fengqiao.policies.rhythms`.

>>> from datetime import UTC, datetime
>>> import fengqiao as fq
>>> wf = fq.HouseholdWorkflow("xiqi-family-risk", clock=fq.FixedClock(datetime(2024, 3, 1, 9, tzinfo=UTC)))
>>> h = wf.screen(village="西歧村", actor="grid_worker:li", household_id="peng")
>>> h = wf.watch(h, reason="与邻居邓某某因排水沟争吵", factors=["mental_illness", "dispute"], actor="grid_worker:li")
>>> wf.check(h, "assess", actor="grid_worker:li").codes
('auth.role-required',)
>>> h = wf.assess(h, meeting=True, actor="political_legal_member:peng")
>>> h.risk_class.label("zh"), h.assessment.rule
('二类', 'xiqi.II.key-person-in-dispute')
>>> wf.check(h, "manage", plan="每周走访", team=["田某"], actor="party_secretary:tian").codes
('xiqi.manage.no-cadre',)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import ClassVar

from fengqiao.domain.actor import Role
from fengqiao.domain.household import FactorId
from fengqiao.errors import ValidationError
from fengqiao.lifecycle.household import Household
from fengqiao.lifecycle.household_events import HouseholdEvent, HouseholdManaged, HouseholdTrigger
from fengqiao.lifecycle.household_payloads import HouseholdAssessment
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import TriggerId
from fengqiao.policies.base import Deadline
from fengqiao.policies.households import HouseholdBasePolicy, household_metrics
from fengqiao.policies.rhythms import XIQI_RHYTHMS, Rhythm
from fengqiao.policies.xiqi_family_risk.assessment import AssessmentTable, default_assessment_table

__all__ = ["XiqiFamilyRisk"]

ASSESSORS = frozenset({Role.POLITICAL_LEGAL_MEMBER, Role.PARTY_SECRETARY})
"""Who leads an assessment group: the township's political-legal member or a village party secretary."""


class XiqiFamilyRisk(HouseholdBasePolicy):
    """Xiqi township's household risk work (西歧乡 "摸排 + 评估 + 化解").

    - Assessment by the 14-factor table: risk class I/II/III and kinds of work.
    - Only the political-legal member or a village party secretary may assess (auth.role-required).
    - Management needs a cadre (xiqi.manage.no-cadre), a plan (xiqi.manage.no-plan) and a team
      (xiqi.manage.no-team).
    - Release waits for every department to report in (xiqi.release.help-pending) and for a due
      reassessment (xiqi.release.reassessment-due).
    - Deadlines: a department reports in within help_days (xiqi.help.report-in); a household due
      for reassessment is reassessed within reassess_days (xiqi.reassess).
    - A factor the catalogue does not know is refused (xiqi.factor.unknown).

    Args:
        table: the assessment table (the default: the 14 factors and Xiqi's reading).
        help_days: days a department has to report in on help it was asked for.
        reassess_days: days within which a household due for reassessment is reassessed.
    """

    name: ClassVar[str] = "xiqi-family-risk"

    def __init__(self, *, table: AssessmentTable | None = None, help_days: int = 7, reassess_days: int = 30) -> None:
        for value, path in ((help_days, "help_days"), (reassess_days, "reassess_days")):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 366:
                raise ValidationError(f"expected a whole number of days from 1 to 366, got {value!r}", path)
        if table is not None and not isinstance(table, AssessmentTable):
            raise ValidationError(f"expected an AssessmentTable, got {type(table).__name__}", "table")
        self.table = table or default_assessment_table()
        self.help_days = help_days
        self.reassess_days = reassess_days
        self.rhythms: tuple[Rhythm, ...] = XIQI_RHYTHMS
        """The recurring reports of every village: daily report, weekly push, monthly dispatch, monthly meeting."""

    def assess(self, household: Household, factors: frozenset[FactorId], at: datetime) -> HouseholdAssessment:
        """The table's class and kinds of work for ``factors``; the reason is its explanation in Chinese."""
        answer = self.table.assess(factors)
        return HouseholdAssessment(
            risk_class=answer.risk_class, work=answer.work, rule=answer.rule, reason=answer.explain("zh")
        )

    def required_roles(self, action: TriggerId) -> frozenset[Role] | None:
        """Assessing and reassessing need the assessment group's leader; anything else, anyone."""
        if action in (HouseholdTrigger.ASSESS, HouseholdTrigger.REASSESS):
            return ASSESSORS
        return None

    def preconditions(self, household: Household, trigger: TriggerId, at: datetime) -> Iterable[Refusal]:
        """Management needs a cadre; release needs no help pending and no reassessment due."""
        if trigger == HouseholdTrigger.MANAGE and not household.cadres:
            yield Refusal(
                "xiqi.manage.no-cadre",
                "纳入包联管控前须指定包联干部",
                "a responsible cadre (包联) must be assigned before management begins",
            )
        if trigger == HouseholdTrigger.RELEASE:
            if household.pending_help:
                departments = "、".join(h.department.label("zh") for h in household.pending_help)
                yield Refusal(
                    "xiqi.release.help-pending",
                    f"帮扶部门尚未报到：{departments}",
                    "help asked of "
                    + ", ".join(h.department.label("en") for h in household.pending_help)
                    + " has not been reported on",
                )
            if household.reassessment_due:
                yield Refusal(
                    "xiqi.release.reassessment-due",
                    "有新情况或关联纠纷，须重新评估后方可解除",
                    "a new incident or linked dispute: reassess before releasing",
                )

    def refusals(self, household: Household, event: HouseholdEvent) -> Iterable[Refusal]:
        """A plan and a team on file before management; only factors the catalogue knows."""
        if isinstance(event, HouseholdManaged):
            if not event.payload.plan.strip():
                yield Refusal(
                    "xiqi.manage.no-plan", "须有化解方案（一事一方案）", "a plan must be on file (一事一方案)"
                )
            if not event.payload.team:
                yield Refusal(
                    "xiqi.manage.no-team", "须有工作专班（一案一专班）", "a dedicated team must be on file (一案一专班)"
                )
        factors: frozenset[FactorId] = getattr(getattr(event, "payload", None), "factors", frozenset())
        unknown = sorted(str(f) for f in factors if f not in self.table.catalogue)
        if unknown:
            yield Refusal(
                "xiqi.factor.unknown",
                f"风险因素不在本地目录中：{'、'.join(unknown)}",
                f"risk factor(s) not in this policy's catalogue: {', '.join(unknown)}",
            )

    def deadlines(self, household: Household) -> Iterable[Deadline]:
        """Each department's report-in, and the reassessment a new incident or linked dispute makes due."""
        for referral in household.help:
            yield Deadline(
                "xiqi.help.report-in",
                f"{referral.department.label('zh')}须在{self.help_days}日内报到",
                f"{referral.department.label('en')} reports in within {self.help_days} days",
                referral.at + timedelta(days=self.help_days),
                referral.reported_at,
            )
        due_since = _due_since(household)
        if due_since is not None:
            yield Deadline(
                "xiqi.reassess",
                f"须在{self.reassess_days}日内重新评估（政法月例会）",
                f"reassess within {self.reassess_days} days (the monthly political-legal meeting)",
                due_since + timedelta(days=self.reassess_days),
                None,
            )

    def metrics(self, households: Iterable[Household]) -> Mapping[str, float]:
        """:func:`~fengqiao.policies.households.household_metrics`, and help asked for and still unanswered."""
        rows = list(households)
        figures = dict(household_metrics(rows))
        figures["help.pending"] = float(sum(len(h.pending_help) for h in rows))
        return figures


def _due_since(household: Household) -> datetime | None:
    """When the household became due for reassessment (the first event that made it so since the last assessment)."""
    if not household.reassessment_due:
        return None
    since = None
    for event in reversed(household.history):
        if event.trigger in (HouseholdTrigger.ASSESS, HouseholdTrigger.REASSESS):
            break
        if event.trigger in (HouseholdTrigger.INCIDENT, HouseholdTrigger.LINK_DISPUTE):
            since = event.at
    return since
