"""The ``HuaiyangTenCategories`` policy class: grading, stepwise regrades, closing and referrals.

See the package docstring for the mechanism and the choices made where the sources are vague.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any, ClassVar

import attrs

from fengqiao.domain._quote import quote
from fengqiao.domain.actor import OFFICER_ROLES, Role
from fengqiao.domain.dossier import DossierKind, DossierSection
from fengqiao.domain.terms import Category, Channel, MediationForce, Route
from fengqiao.errors import PolicyDefinitionError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Event, Graded, MediationStarted, Referred, Regraded, Resolved
from fengqiao.lifecycle.payloads import Assessment, Grading
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import State, Trigger, TriggerId
from fengqiao.policies.base import BasePolicy, Deadline, DossierRequirement
from fengqiao.policies.huaiyang_ten_categories.ladder import (
    close_refusals,
    observation_start,
    refusal,
    regrade_refusals,
    visit_windows,
    when,
    zh,
)
from fengqiao.policies.huaiyang_ten_categories.rewards import (
    TEN_CATEGORIES,
    InformantReward,
    RewardRule,
    informant_reward,
    rewards_over,
)
from fengqiao.policies.huaiyang_ten_categories.trail import read_trail
from fengqiao.policies.reports import DisputeQuery, Report
from fengqiao.policies.tables import DecisionTable

__all__ = [
    "COURT_PRE_FILING_CATEGORIES",
    "DEFAULT_PERMISSIONS",
    "DISCUSSION_SCOPES",
    "GRADES",
    "HuaiyangTenCategories",
    "default_table",
]

GRADES = ("red", "yellow", "blue")
"""Huaiyang's grades, most severe first (红黄蓝)."""

COURT_PRE_FILING_CATEGORIES = frozenset(
    {
        Category.MARRIAGE_FAMILY,
        Category.LAND_CONTRACT,
        Category.NEIGHBOUR,
        Category.ELDER_SUPPORT,
        Category.PRIVATE_LOAN,
        Category.TRADE,
        Category.INJURY_COMPENSATION,
    }
)
"""The seven kinds of dispute the court hands to the police before filing (警法联调)."""

DEFAULT_PERMISSIONS: Mapping[str, frozenset[Role]] = {
    "discover": OFFICER_ROLES | {Role.GRID_WORKER, Role.INFORMANT},
    Trigger.RECORD_VISIT: OFFICER_ROLES | {Role.GRID_WORKER},
}
"""Actions open to more than the officer roles ("1+1+N": grid workers and informants report)."""

DISCUSSION_SCOPES = ("major", "all", "red")
"""Which disputes get 一案一议一台账 (their own discussion, responsible leader and officer):
``"major"`` every major dispute — one of the ten categories, or graded red whatever its
category; ``"all"`` every graded dispute; ``"red"`` red disputes only."""

_SUBJECT = {
    "major": ("重大矛盾纠纷", "a major dispute"),
    "all": ("纠纷", "a dispute"),
    "red": ("红色纠纷", "a red dispute"),
}

_T = Trigger
_NEEDS_RESPONSIBLE = frozenset({_T.MEDIATE, _T.REFER, _T.RECORD_ATTEMPT, _T.RESOLVE})
"""What a dispute under 一案一议 may not do before its discussion is filed and its
responsible leader and officer are named."""
_BLOCKED_WHILE_UPGRADE_OWED = frozenset(
    {_T.MEDIATE, _T.REFER, _T.RECORD_ATTEMPT, _T.RESOLVE, _T.RECORD_VISIT, _T.CLOSE}
)
"""What waits for the upward regrade a new risk demands (regrade, escalate, reopen, assign,
link_alert, attach and note do not)."""
_ASKS_THE_PAST = _NEEDS_RESPONSIBLE | _BLOCKED_WHILE_UPGRADE_OWED


@cache
def default_table() -> DecisionTable:
    """Huaiyang's default grading table, shipped as ``policies/data/huaiyang_ten_categories.toml``."""
    text = resources.files("fengqiao.policies").joinpath("data", "huaiyang_ten_categories.toml").read_text("utf-8")
    return DecisionTable.from_toml(text)


def _positive(_instance: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise PolicyDefinitionError(f"{attribute.name} must be a positive timedelta, not {quote(value)}")


def _not_negative(_instance: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise PolicyDefinitionError(f"{attribute.name} must be a timedelta of zero or more, not {quote(value)}")


def _one_scope(_instance: Any, attribute: Any, value: Any) -> None:
    if value not in DISCUSSION_SCOPES:
        raise PolicyDefinitionError(
            f"{attribute.name} must be one of {', '.join(DISCUSSION_SCOPES)}, not {quote(value)}"
        )


def _category_set(values: Iterable[Category | str]) -> frozenset[Category]:
    return frozenset(Category.parse(v, "categories") for v in values)


@attrs.frozen
class HuaiyangTenCategories(BasePolicy):
    """Huaiyang's "ten categories of major disputes" with red/yellow/blue grading (淮阳十类纠纷红黄蓝).

    Every threshold is a constructor argument; the defaults and what the sources say are listed
    in the package docstring and on the docs page.
    """

    name: ClassVar[str] = "huaiyang-ten-categories"

    categories: frozenset[Category] = attrs.field(default=TEN_CATEGORIES, converter=_category_set)
    """The ten categories of major disputes; their gradings carry the ``major_category`` flag."""
    court_categories: frozenset[Category] = attrs.field(default=COURT_PRE_FILING_CATEGORIES, converter=_category_set)
    """The kinds the court hands over before filing; mediated jointly with the court (警法联调)."""
    red_to_yellow_after: timedelta = attrs.field(default=timedelta(days=15), validator=_not_negative)
    """How long a red dispute must be handled with no new risk before it may become yellow."""
    observation_period: timedelta = attrs.field(default=timedelta(days=180), validator=_not_negative)
    """How long a resolved dispute is watched (from resolution, or from a later new risk) before closing."""
    visit_window: timedelta = attrs.field(default=timedelta(days=30), validator=_positive)
    """The observation period is cut into windows of this length; each needs a follow-up visit."""
    referral_result_within: timedelta = attrs.field(default=timedelta(days=30), validator=_positive)
    """How long a department has to report the result of a referred dispute."""
    assign_within: timedelta = attrs.field(default=timedelta(days=1), validator=_positive)
    """How soon a dispute under 一案一议 should have its responsible leader and officer named."""
    discussion_for: str = attrs.field(default="major", validator=_one_scope)
    """Which disputes get 一案一议一台账 (see :data:`DISCUSSION_SCOPES`): every major one by default."""
    reward_rule: RewardRule = attrs.field(factory=RewardRule)
    """When an informant's report is reward-eligible, and the amount by grade."""
    permissions: Mapping[str, frozenset[Role]] = attrs.field(factory=lambda: dict(DEFAULT_PERMISSIONS))
    """Roles allowed per action, beyond ``officer_roles`` for everything else."""
    officer_roles: frozenset[Role] = OFFICER_ROLES
    grading_table: DecisionTable = attrs.field(factory=default_table)
    """The red/yellow/blue decision table; its grades must be ``("red", "yellow", "blue")``."""
    grades: tuple[str, ...] = attrs.field(init=False, default=GRADES)

    def __attrs_post_init__(self) -> None:
        if tuple(self.grading_table.grades) != GRADES:
            raise PolicyDefinitionError(
                f"{self.name}: the grading table {quote(self.grading_table.name)} grades "
                f"{', '.join(self.grading_table.grades)}; Huaiyang needs exactly red, yellow, blue"
            )

    @property
    def top(self) -> str:
        """The most severe grade (red)."""
        return self.grades[0]

    @property
    def bottom(self) -> str:
        """The least severe grade (blue)."""
        return self.grades[-1]

    def under_discussion(self, dispute: Dispute) -> bool:
        """Whether ``dispute`` gets 一案一议一台账: its own discussion record, responsible leader and officer.

        The report holds one for every major dispute (对每起重大矛盾纠纷实行一案一议一台账): by
        default a graded dispute of the ten ``categories``, or one graded red whatever its
        category; ``discussion_for`` widens it to every graded dispute or narrows it to red ones.
        """
        if dispute.grading is None:
            return False
        if self.discussion_for == "all":
            return True
        return dispute.grade == self.top or (self.discussion_for == "major" and dispute.category in self.categories)

    # -- grading ---------------------------------------------------------------------------
    def grade(self, dispute: Dispute, assessment: Assessment, at: datetime) -> Grading:
        """Grade by the table; flag major categories and court pre-filing referrals."""
        grading = super().grade(dispute, assessment, at)
        flags = set(grading.flags)
        if dispute.category in self.categories:
            flags.add("major_category")
        if dispute.channel is Channel.COURT_PRE_FILING:
            flags.add("court_joint" if dispute.category in self.court_categories else "court_out_of_scope")
        return attrs.evolve(grading, flags=frozenset(flags))

    def required_roles(self, action: TriggerId) -> frozenset[Role] | None:
        """Officer roles for everything; grid workers and informants where ``permissions`` opens."""
        return self.permissions.get(action, self.officer_roles)

    # -- refusals --------------------------------------------------------------------------
    def preconditions(self, dispute: Dispute, trigger: TriggerId, at: datetime) -> Iterable[Refusal]:
        """Upgrades owed, red disputes without responsible people, court scope, and closing."""
        if trigger not in _ASKS_THE_PAST or dispute.grading is None:
            return
        trail = read_trail(dispute, self.grades)
        if trail.pending is not None and trigger in _BLOCKED_WHILE_UPGRADE_OWED:
            risk = trail.pending
            yield refusal(
                trigger,
                "upgrade-pending",
                f"{when(risk.at, self.timezone)}出现新风险（{risk.zh}），"
                f"须立即上调等级（当前为{zh(dispute.grade)}）后方可继续办理",
                f"a new risk appeared at {when(risk.at, self.timezone)} ({risk.en}): regrade the dispute above "
                f"{dispute.grade} at once, before anything else proceeds",
            )
        if trigger in _NEEDS_RESPONSIBLE and self.under_discussion(dispute):
            yield from self._discussion_refusals(dispute, trigger)
        if (
            trigger == _T.MEDIATE
            and dispute.channel is Channel.COURT_PRE_FILING
            and dispute.category not in self.court_categories
        ):
            yield refusal(
                trigger,
                "court-pre-filing-out-of-scope",
                f"警法联调只适用于法院诉前移交的七类纠纷，“{dispute.category.label('zh')}”不在其列；请移交责任部门或退回法院",
                f"joint pre-filing mediation with the court covers seven kinds of dispute, not "
                f"{dispute.category.label('en')}; refer it to the responsible department instead",
            )
        if trigger == _T.CLOSE:
            yield from close_refusals(self, dispute, trail, at)

    def _discussion_refusals(self, dispute: Dispute, trigger: TriggerId) -> Iterable[Refusal]:
        """一案一议一台账: the case discussed, and a responsible leader and officer named."""
        zh_subject, en_subject = _SUBJECT[self.discussion_for]
        if not dispute.has_document(DossierKind.CASE_DISCUSSION):
            yield refusal(
                trigger,
                "case-discussion-missing",
                f"{zh_subject}实行一案一议一台账，须先归档一案一议记录，方可继续化解",
                f"{en_subject} is discussed as a case of its own (一案一议) before mediation proceeds: "
                "file the case discussion record",
            )
        if not dispute.assignees(Role.RESPONSIBLE_LEADER):
            yield refusal(
                trigger,
                "responsible-leader-missing",
                f"{zh_subject}须先明确责任领导（一案一议一台账），方可继续化解",
                f"{en_subject} needs a responsible leader assigned before mediation proceeds",
            )
        if not dispute.assignees(Role.RESPONSIBLE_OFFICER):
            yield refusal(
                trigger,
                "responsible-officer-missing",
                f"{zh_subject}须先明确责任民警（一案一议一台账），方可继续化解",
                f"{en_subject} needs a responsible officer assigned before mediation proceeds",
            )

    def refusals(self, dispute: Dispute, event: Event) -> Iterable[Refusal]:
        """Stepwise regrades, joint court mediation, the committee report, and the department's result."""
        if isinstance(event, Regraded):
            yield from regrade_refusals(self, dispute, event)
        elif isinstance(event, MediationStarted):
            if (
                dispute.channel is Channel.COURT_PRE_FILING
                and dispute.category in self.court_categories
                and MediationForce.COURT not in event.payload.forces
            ):
                yield refusal(
                    _T.MEDIATE,
                    "court-force-missing",
                    "法院诉前移交的纠纷须与法院联合调解（警法联调），调解力量须包括法院",
                    "a dispute the court handed over before filing is mediated jointly with the court: "
                    "include the court among the forces",
                )
        elif isinstance(event, Referred):
            if event.payload.department is None:
                yield refusal(
                    _T.REFER,
                    "department-missing",
                    "移交须指明责任部门",
                    "refer needs the department the dispute is pushed to",
                )
            papers = (*dispute.dossier, *event.payload.documents)
            if not any(item.kind is DossierKind.COMMITTEE_REPORT for item in papers):
                yield refusal(
                    _T.REFER,
                    "committee-report-missing",
                    "非公安管辖的纠纷须先上报属地政法部门，再推送责任部门；请附上报材料",
                    "a dispute that is not police business is reported to the local political-legal "
                    "departments before it is pushed to the department: attach the report",
                )
        elif isinstance(event, Resolved) and dispute.state is State.REFERRED and event.payload.reported_by is None:
            yield refusal(
                _T.RESOLVE,
                "department-result-missing",
                "已移交的纠纷须由责任部门反馈处理结果后方可视为化解，请注明反馈部门",
                "a referred dispute is resolved when the department reports its result: name the reporting department",
            )

    # -- deadlines, dossier, metrics -------------------------------------------------------
    def observation_start(self, dispute: Dispute) -> datetime | None:
        """When ``dispute``'s observation period began: resolution or a later new risk; ``None`` if unresolved."""
        return observation_start(dispute, read_trail(dispute, self.grades))

    def visit_windows(self, start: datetime) -> tuple[tuple[datetime, datetime], ...]:
        """The windows of an observation period beginning at ``start``; each needs a visit."""
        return visit_windows(start, self.observation_period, self.visit_window)

    def deadlines(self, dispute: Dispute) -> Iterable[Deadline]:
        """Naming the red dispute's responsible people, the department's result, each monthly visit."""
        if dispute.grading is None:
            return
        trail = read_trail(dispute, self.grades)
        since = self._discussed_since(dispute, trail.first_top_at)
        if since is not None:
            named = [dispute.assignees(r) for r in (Role.RESPONSIBLE_LEADER, Role.RESPONSIBLE_OFFICER)]
            met_at = None
            if all(named):
                met_at = max(
                    min(a.at for a in dispute.assignments if a.role is role)
                    for role in (Role.RESPONSIBLE_LEADER, Role.RESPONSIBLE_OFFICER)
                )
            zh_subject, en_subject = _SUBJECT[self.discussion_for]
            yield Deadline(
                "huaiyang.red.assign-responsible"
                if self.discussion_for == "red"
                else "huaiyang.case.assign-responsible",
                f"{zh_subject}须明确责任领导和责任民警（一案一议一台账）",
                f"name the responsible leader and responsible officer of {en_subject}",
                since + self.assign_within,
                met_at,
            )
        if trail.last_referral_at is not None:
            yield Deadline(
                "huaiyang.refer.department-result",
                "责任部门须反馈处理结果",
                "the department reports the result of the referred dispute",
                trail.last_referral_at + self.referral_result_within,
                trail.referral_answered_at,
            )
        start = observation_start(dispute, trail)
        if start is not None:
            for number, (s, e) in enumerate(self.visit_windows(start), start=1):
                visited = [v.at for v in dispute.visits_since_resolution if s <= v.at < e]
                yield Deadline(
                    f"huaiyang.follow_up.visit-{number}",
                    f"观察期第{number}次回访",
                    f"follow-up visit {number} of the observation period",
                    e,
                    min(visited) if visited else None,
                )

    def _discussed_since(self, dispute: Dispute, first_top_at: datetime | None) -> datetime | None:
        """When ``dispute`` came under 一案一议: graded in scope, or first graded red; ``None`` if never."""
        in_scope = self.discussion_for == "all" or (
            self.discussion_for == "major" and dispute.category in self.categories
        )
        if in_scope:
            return next((e.at for e in dispute.history if isinstance(e, Graded)), None)
        return first_top_at

    def dossier_requirements(self, dispute: Dispute) -> Iterable[DossierRequirement]:
        """The discussion record (一案一议) and, once routed to a department, the political-legal report."""
        if self.under_discussion(dispute):
            zh_subject, en_subject = _SUBJECT[self.discussion_for]
            yield DossierRequirement(
                "huaiyang.dossier.case-discussion",
                DossierSection.SUPERVISION,
                frozenset({DossierKind.CASE_DISCUSSION}),
                f"{zh_subject}实行一案一议一台账，须有一案一议记录",
                f"{en_subject} is discussed as a case of its own (一案一议): the case discussion record",
            )
        if dispute.route is Route.REFER or dispute.referral is not None:
            yield DossierRequirement(
                "huaiyang.dossier.committee-report",
                DossierSection.SUPERVISION,
                frozenset({DossierKind.COMMITTEE_REPORT}),
                "非公安管辖的纠纷须上报属地政法部门",
                "a dispute that is not police business is reported to the local political-legal departments",
            )

    def metrics(self, disputes: Iterable[Dispute]) -> Mapping[str, float]:
        """Screened, major, resolved, closed, escalated, open by grade, reward-eligible; resolution rate.

        ``screened`` leaves out merged duplicates; ``resolved`` counts disputes in follow-up or
        closed (化解), and ``resolution_rate`` is resolved / screened.
        """
        counts = dict.fromkeys(("screened", "major", "resolved", "closed", "escalated", "reward_eligible"), 0) | {
            f"open_{g}": 0 for g in self.grades
        }
        for d in disputes:
            if d.state is State.MERGED:
                continue
            counts["screened"] += 1
            counts["major"] += d.category in self.categories
            counts["resolved"] += d.state in (State.FOLLOW_UP, State.CLOSED)
            counts["closed"] += d.state is State.CLOSED
            counts["escalated"] += d.state is State.ESCALATED
            if d.state not in (State.CLOSED, State.ESCALATED) and d.grade in self.grades:
                counts[f"open_{d.grade}"] += 1
            counts["reward_eligible"] += informant_reward(d, self.reward_rule) is not None
        rate = counts["resolved"] / counts["screened"] if counts["screened"] else 0.0
        return {**counts, "resolution_rate": rate}

    # -- reports ---------------------------------------------------------------------------
    def reports(self) -> Mapping[str, Report]:
        """``"rewards"``: the informant rewards a ledger's disputes earn (:meth:`informant_rewards`)."""
        return {"rewards": self.informant_rewards}

    def informant_rewards(
        self, ledger: DisputeQuery, rule: RewardRule | None = None, *, policy: str | None = None
    ) -> tuple[InformantReward, ...]:
        """Informant rewards over ``ledger``'s disputes handled under ``policy`` (this policy's name).

        ``rule`` is :attr:`reward_rule` unless given. See
        :func:`~fengqiao.policies.huaiyang_ten_categories.rewards_over`.
        """
        return rewards_over(ledger, self.reward_rule if rule is None else rule, policy=policy or self.name)

    def __repr__(self) -> str:
        return f"<policy {self.name}>"
