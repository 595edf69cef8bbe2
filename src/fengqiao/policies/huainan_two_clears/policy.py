"""``HuainanTwoClears``: the rules of Huainan's "两清一规范" as a policy.

See the package docstring for the mechanism and the chosen defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta, tzinfo
from importlib import resources
from typing import TYPE_CHECKING, ClassVar

import attrs

from fengqiao.domain.actor import Role
from fengqiao.errors import PolicyDefinitionError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Assigned, Event
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import State, StateId, Trigger, TriggerId
from fengqiao.policies.base import CHINA_TZ, BasePolicy, Deadline, DossierRequirement
from fengqiao.policies.baseline import Baseline
from fengqiao.policies.huainan_two_clears.timeline import (
    day_bounds,
    first_alert_at,
    left_discovered_at,
    local_day,
    reached_at,
    uncorrected_findings,
)
from fengqiao.policies.reports import DisputeQuery, Report
from fengqiao.policies.tables import DecisionTable

if TYPE_CHECKING:
    from fengqiao.policies.huainan_two_clears.dispatch import DispatchReport

__all__ = [
    "CONCLUDED_STATES",
    "FREQUENT_TYPE_MIN",
    "HANDLING_WINDOW",
    "SUPERVISION_ROLES",
    "UNSUPERVISED_ALLOWED",
    "HuainanTwoClears",
    "default_grading_table",
]

HANDLING_WINDOW = timedelta(hours=24)
"""警情清零: every alert must have entered handling within 24 hours; also the carry-over line."""

CONCLUDED_STATES: frozenset[StateId] = frozenset({State.CLOSED, State.ESCALATED, State.MERGED})
"""办结: closed (销号), handed to formal case handling (转为案件), or folded into another dispute."""

UNSUPERVISED_ALLOWED: frozenset[TriggerId] = frozenset(
    {Trigger.ESCALATE, Trigger.ASSIGN, Trigger.LINK_ALERT, Trigger.NOTE}
)
"""What a carried-over key dispute may still do before named supervision: escalate (提级),
assign (only its supervisor), and record new alerts and notes (recording is not handling)."""

FREQUENT_TYPE_MIN = 3
"""点调: a category with this many of the day's alerts is a frequent type (多发类警情) the duty
leader may call on, besides the key alerts. The report gives no figure."""

SUPERVISION_ROLES = frozenset({Role.RESPONSIBLE_LEADER, Role.SUPERVISOR})
"""Who may place a dispute under named supervision (挂牌督办): leaders, not line officers."""


def default_grading_table() -> DecisionTable:
    """Huainan's default grading table, loaded from the package's ``huainan_two_clears.toml``."""
    text = resources.files("fengqiao.policies").joinpath("data", "huainan_two_clears.toml").read_text("utf-8")
    return DecisionTable.from_toml(text)


def _grade_set(values: Iterable[str] | None) -> frozenset[str] | None:
    if values is None:
        return None
    return frozenset({values}) if isinstance(values, str) else frozenset(values)


def _table_grades(policy: HuainanTwoClears) -> tuple[str, ...]:
    return policy.grading_table.grades


@attrs.frozen
class HuainanTwoClears(BasePolicy):
    """Huainan's "two clears, one standard" (两清一规范); every threshold is a constructor argument.

    Args:
        grading_table: the grading rules; Huainan's default table unless given. The policy's
            grades are the table's, most severe first.
        handling_window: 警情清零 — how long after its first alert a dispute may stay
            ``discovered`` (24 hours).
        carry_over_window: 案件清底 — a dispute not concluded this long after its first alert
            is carried over (24 hours).
        key_grades: the grades that make a dispute key (重点); ``None``: the table's top grade.
        key_flag: a grading flag that also makes a dispute key (``"key"``); ``None``: grades only.
        frequent_type_min: at the 09:00 meeting, how many of the day's alerts of one category
            make it a frequent type (多发类警情) the duty leader may call on (点调) besides key
            alerts; 3. ``None``: key alerts only.
        concluded_states: the states that conclude a dispute (办结, 销号).
        unsupervised_allowed: the triggers a carried-over key dispute may still fire before it
            is placed under named supervision.
        supervision_roles: the roles allowed to assign a supervisor; ``None``: any officer.
        baseline: the baseline rules Huainan keeps (officer permissions, a visit before
            ``close``, a department for ``refer``, grounds for ``escalate``); ``None`` drops them.
        timezone: where days begin and end ("the same day"); China Standard Time.
    """

    name: ClassVar[str] = "huainan-two-clears"

    grading_table: DecisionTable = attrs.field(factory=default_grading_table)
    grades: tuple[str, ...] = attrs.field(init=False, default=attrs.Factory(_table_grades, takes_self=True))
    handling_window: timedelta = HANDLING_WINDOW
    carry_over_window: timedelta = HANDLING_WINDOW
    key_grades: frozenset[str] | None = attrs.field(default=None, converter=_grade_set)
    key_flag: str | None = "key"
    frequent_type_min: int | None = FREQUENT_TYPE_MIN
    concluded_states: frozenset[StateId] = CONCLUDED_STATES
    unsupervised_allowed: frozenset[TriggerId] = UNSUPERVISED_ALLOWED
    supervision_roles: frozenset[Role] | None = SUPERVISION_ROLES
    baseline: Baseline | None = attrs.field(factory=Baseline)
    timezone: tzinfo = CHINA_TZ

    def __attrs_post_init__(self) -> None:
        unknown = sorted((self.key_grades or frozenset()) - set(self.grades))
        if unknown:
            raise PolicyDefinitionError(
                f"{self.name}: key grade(s) {', '.join(unknown)} not among the table's grades {', '.join(self.grades)}"
            )
        least = self.frequent_type_min
        if least is not None and (isinstance(least, bool) or not isinstance(least, int) or least < 1):
            raise PolicyDefinitionError(f"{self.name}: frequent_type_min must be a whole number of at least 1, or None")
        for window in ("handling_window", "carry_over_window"):
            if getattr(self, window) <= timedelta(0):
                raise PolicyDefinitionError(f"{self.name}: {window} must be positive")

    # -- what the rules read ---------------------------------------------------------------
    def is_key(self, dispute: Dispute) -> bool:
        """Key (重点): graded into one of ``key_grades`` (the top grade), or flagged ``key_flag``."""
        grading = dispute.grading
        if grading is None:
            return False
        grades = self.key_grades if self.key_grades is not None else frozenset(self.grades[:1])
        return grading.grade in grades or (self.key_flag is not None and self.key_flag in grading.flags)

    def is_case_type(self, dispute: Dispute) -> bool:
        """Case-type (案件类): assessed as meeting the case threshold. Ungraded alerts are not."""
        return dispute.assessment is not None and dispute.assessment.meets_case_threshold

    def concluded_at(self, dispute: Dispute) -> datetime | None:
        """When the dispute first reached a concluded state; ``None`` while it has not."""
        return reached_at(dispute, self.concluded_states)

    def is_supervised(self, dispute: Dispute) -> bool:
        """Placed under named supervision (挂牌督办): someone was assigned as its supervisor."""
        return any(a.role is Role.SUPERVISOR for a in dispute.assignments)

    def is_carried_over(self, dispute: Dispute, at: datetime) -> bool:
        """Open at ``at`` although ``carry_over_window`` has passed since the first alert (案件清底)."""
        if str(dispute.state) in {str(s) for s in self.concluded_states}:
            return False
        return at > first_alert_at(dispute) + self.carry_over_window

    def awaits_supervision(self, dispute: Dispute, at: datetime) -> bool:
        """A carried-over key dispute that is not under named supervision yet."""
        return self.is_key(dispute) and self.is_carried_over(dispute, at) and not self.is_supervised(dispute)

    # -- the Policy protocol ---------------------------------------------------------------
    # -- reports ---------------------------------------------------------------------------
    def reports(self) -> Mapping[str, Report]:
        """``"dispatch"``: the 09:00 dispatch view of a day's alerts (:meth:`dispatch_view`)."""
        return {"dispatch": self.dispatch_view}

    def dispatch_view(
        self, ledger: DisputeQuery, day: date, *, station: str | None = None, seed: int | str = 0
    ) -> DispatchReport:
        """The 09:00 dispatch view of ``ledger``'s alerts received on ``day`` under these rules.

        See :func:`~fengqiao.policies.huainan_two_clears.dispatch_view`.
        """
        from fengqiao.policies.huainan_two_clears.dispatch import dispatch_view  # it reads this class

        return dispatch_view(ledger, day, policy=self, station=station, seed=seed)

    def required_roles(self, action: TriggerId) -> frozenset[Role] | None:
        """The baseline's: officer roles for everything, grid workers may also discover and visit."""
        return None if self.baseline is None else self.baseline.required_roles(action)

    def preconditions(self, dispute: Dispute, trigger: TriggerId, at: datetime) -> Iterable[Refusal]:
        """The baseline's, the supervision gate of carried-over key disputes, and corrections before ``close``."""
        if self.baseline is not None:
            yield from self.baseline.preconditions(dispute, trigger, at)
        if trigger not in self.unsupervised_allowed and self.awaits_supervision(dispute, at):
            yield Refusal(
                f"huainan.{trigger}.key-unsupervised",
                f"重点警情超过{_hours(self.carry_over_window)}小时未办结，须先挂牌督办（指定督办人）或提级办理，方可继续处置",
                f"a key dispute not concluded within {_hours(self.carry_over_window)} hours must be placed under "
                "a named supervisor (assign a supervisor) or escalated before any further handling",
            )
        if trigger == Trigger.CLOSE and (n := uncorrected_findings(dispute)):
            yield Refusal(
                "huainan.close.review-uncorrected",
                f"尚有{n}条执法评查意见未整改，须归档整改记录后方可销号",
                f"{n} review finding(s) not yet corrected: file a correction record before closing",
            )

    def refusals(self, dispute: Dispute, event: Event) -> Iterable[Refusal]:
        """The baseline's, and who may be assigned (and by whom) around named supervision."""
        if self.baseline is not None:
            yield from self.baseline.refusals(dispute, event)
        if isinstance(event, Assigned):
            yield from self._assignment_refusals(dispute, event)

    def _assignment_refusals(self, dispute: Dispute, event: Assigned) -> Iterator[Refusal]:
        if event.payload.role is not Role.SUPERVISOR:
            if self.awaits_supervision(dispute, event.at):
                yield Refusal(
                    "huainan.assign.key-unsupervised",
                    "该重点警情已超时未办结，须先指定督办人（挂牌督办），再指定其他责任人",
                    "this key dispute is carried over: the next assignment must name its supervisor",
                )
        elif self.supervision_roles is not None and not event.actor.has_any(self.supervision_roles):
            wanted = ", ".join(sorted(r.value for r in self.supervision_roles))
            yield Refusal(
                "huainan.assign.not-a-leader",
                f"挂牌督办须由领导指定，{event.actor.id} 不具备以下角色之一：{wanted}",
                f"only a leader may place a dispute under named supervision; {event.actor.id} holds none of: {wanted}",
            )

    def deadlines(self, dispute: Dispute) -> Iterable[Deadline]:
        """Enter handling within 24 hours of the first alert; a non-case dispute concluded the same day."""
        first = first_alert_at(dispute)
        yield Deadline(
            "huainan.enter-handling",
            f"警情清零：首次报警后{_hours(self.handling_window)}小时内进入处置",
            f"alerts cleared to zero: enter handling within {_hours(self.handling_window)} hours of the first alert",
            due=first + self.handling_window,
            met_at=left_discovered_at(dispute),
        )
        if not self.is_case_type(dispute):
            _start, end = day_bounds(local_day(first, self.timezone), self.timezone)
            yield Deadline(
                "huainan.same-day-close",
                "非案件类警情当日销号",
                "a non-case alert is concluded (closed) on the day it was received",
                due=end,
                met_at=self.concluded_at(dispute),
            )

    def dossier_requirements(self, dispute: Dispute) -> Iterable[DossierRequirement]:
        """The baseline's (none)."""
        return () if self.baseline is None else self.baseline.dossier_requirements(dispute)

    def metrics(self, disputes: Iterable[Dispute]) -> Mapping[str, float]:
        """The baseline figures plus Huainan's: entry into handling in time, same-day closing, key disputes.

        Counted from recorded events only: ``entered_in_time`` left ``discovered`` within the
        handling window; ``closed_same_day`` counts non-case disputes concluded on the day of
        their first alert; ``key_supervised`` counts key disputes under named supervision or
        escalated.
        """
        items = tuple(disputes)
        figures = dict(super().metrics(items))
        in_time = non_case = same_day = key = key_supervised = 0
        for d in items:
            met = {dl.code: dl.met_at is not None and dl.met_at <= dl.due for dl in self.deadlines(d)}
            in_time += met["huainan.enter-handling"]
            if "huainan.same-day-close" in met:
                non_case += 1
                same_day += met["huainan.same-day-close"]
            if self.is_key(d):
                key += 1
                key_supervised += self.is_supervised(d) or d.state == State.ESCALATED
        figures.update(
            entered_in_time=in_time,
            in_time_rate=in_time / len(items) if items else 0.0,
            non_case=non_case,
            closed_same_day=same_day,
            same_day_rate=same_day / non_case if non_case else 0.0,
            key=key,
            key_supervised=key_supervised,
        )
        return figures


def _hours(window: timedelta) -> str:
    hours = window / timedelta(hours=1)
    return f"{hours:g}"
