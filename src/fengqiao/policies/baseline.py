"""``baseline``: the plain rules every region starts from.

- **Grading**: *high* if any severe risk factor (threats, weapons, violence, group
  involvement, self-harm risk, a party gone missing) or three or more alerts; *medium* if
  any other risk factor or two alerts; otherwise *low*. Both lists are configurable.
- **Routing**: case threshold met → escalate; not police business → refer; else mediate.
  The route is recorded as advice; baseline does not enforce it (Yongji does).
- **Refusals**: ``close`` without a follow-up visit since resolution, or while the last
  visit found a relapse; ``refer`` without a department; ``escalate`` when the case
  threshold was not assessed as met and no reason is stated.
- **Permissions**: any officer role may do anything; grid workers may discover disputes
  and record visits only (``auth.role-required`` otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import ClassVar

import attrs

from fengqiao.domain.actor import OFFICER_ROLES, Role
from fengqiao.domain.terms import RiskFactor
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Escalated, Event, Referred
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import Trigger, TriggerId
from fengqiao.policies.base import BasePolicy
from fengqiao.policies.tables import Condition, DecisionTable, Rule

__all__ = ["DEFAULT_PERMISSIONS", "SEVERE_FACTORS", "Baseline", "baseline_table"]

SEVERE_FACTORS = frozenset(
    {
        RiskFactor.THREAT,
        RiskFactor.WEAPON,
        RiskFactor.VIOLENCE,
        RiskFactor.GROUP,
        RiskFactor.SELF_HARM,
        RiskFactor.MISSING_PARTY,
    }
)
"""Risk factors that make a dispute high-risk on their own."""

_FIELD_WORK = OFFICER_ROLES | {Role.GRID_WORKER}
DEFAULT_PERMISSIONS: Mapping[str, frozenset[Role]] = {
    "discover": _FIELD_WORK,
    Trigger.RECORD_VISIT: _FIELD_WORK,
}
"""Actions open to more than the officer roles; every other action needs an officer role."""


def baseline_table(severe: frozenset[RiskFactor], high_alerts: int, medium_alerts: int) -> DecisionTable:
    """Baseline's grading as a decision table (first match)."""
    return DecisionTable(
        name="baseline.grading",
        grades=("high", "medium", "low"),
        rules=(
            Rule(id="baseline.high.severe-factor", grade="high", when=Condition(any_factors=severe)),
            Rule(id="baseline.high.repeated-alerts", grade="high", when=Condition(min_alerts=high_alerts)),
            Rule(id="baseline.medium.risk-factor", grade="medium", when=Condition(any_factors=frozenset(RiskFactor))),
            Rule(id="baseline.medium.repeated-alerts", grade="medium", when=Condition(min_alerts=medium_alerts)),
            Rule(id="baseline.low.no-risk", grade="low"),
        ),
    )


@attrs.frozen
class Baseline(BasePolicy):
    """The baseline policy; every threshold is a constructor argument."""

    name: ClassVar[str] = "baseline"

    severe_factors: frozenset[RiskFactor] = SEVERE_FACTORS
    high_alerts: int = 3
    """This many alerts about one dispute make it high-risk."""
    medium_alerts: int = 2
    """This many alerts make it at least medium-risk."""
    permissions: Mapping[str, frozenset[Role]] = attrs.field(factory=lambda: dict(DEFAULT_PERMISSIONS))
    officer_roles: frozenset[Role] = OFFICER_ROLES
    grading_table: DecisionTable = attrs.field(
        init=False,
        default=attrs.Factory(
            lambda self: baseline_table(self.severe_factors, self.high_alerts, self.medium_alerts), takes_self=True
        ),
    )

    def required_roles(self, action: TriggerId) -> frozenset[Role] | None:
        """Officer roles for everything; grid workers also for what ``permissions`` opens."""
        return self.permissions.get(action, self.officer_roles)

    def preconditions(self, dispute: Dispute, trigger: TriggerId, at: datetime) -> Iterable[Refusal]:
        """``close`` needs a visit since resolution, and no relapse at the last one."""
        if trigger == Trigger.CLOSE:
            visits = dispute.visits_since_resolution
            if not visits:
                yield Refusal(
                    "baseline.close.no-visit",
                    "销号前须至少回访一次",
                    "close needs at least one follow-up visit since the dispute was resolved",
                )
            elif not visits[-1].holding:
                yield Refusal(
                    "baseline.close.relapse",
                    "最近一次回访发现反复，须重新调解后方可销号",
                    "the last follow-up visit found a relapse; reopen and mediate before closing",
                )

    def refusals(self, dispute: Dispute, event: Event) -> Iterable[Refusal]:
        """``refer`` needs a department; ``escalate`` needs the threshold met or a reason."""
        if isinstance(event, Referred) and event.payload.department is None:
            yield Refusal(
                "baseline.refer.department-missing",
                "移交须指明责任部门",
                "refer needs the department the dispute is handed to",
            )
        if isinstance(event, Escalated):
            threshold = dispute.assessment is not None and dispute.assessment.meets_case_threshold
            if not threshold and not event.payload.reason.strip():
                yield Refusal(
                    "baseline.escalate.no-grounds",
                    "未研判达到立案标准，转为案件须说明理由",
                    "escalate needs the case threshold assessed as met, or a stated reason",
                )
