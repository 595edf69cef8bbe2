"""The ``ShanxiFengqiaoStation`` policy class: 两队一室 duties, the Zhao Shuli method, grading, figures.

See the package docstring for the mechanism; every default is a constructor argument.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import ClassVar

import attrs

from fengqiao.domain.actor import Role
from fengqiao.domain.terms import Category, Outcome
from fengqiao.errors import PolicyDefinitionError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import AttemptRecorded, Event, Graded, MediationStarted, Merged, Resolved
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import State, Trigger, TriggerId
from fengqiao.policies.base import BasePolicy, Deadline, DossierRequirement
from fengqiao.policies.shanxi_fengqiao_station.figures import count_disputes
from fengqiao.policies.shanxi_fengqiao_station.teams import DEFAULT_DUTIES
from fengqiao.policies.shanxi_fengqiao_station.zhao_shuli import (
    SETTLEMENT,
    SURVEY,
    filed_by,
    order_refusals,
    protocol_requirements,
    resolved_in_mediation,
    under_mediation,
)
from fengqiao.policies.tables import DecisionTable

__all__ = ["ShanxiFengqiaoStation", "default_grading_table"]

_CASE_TYPE_WORDS = {Trigger.MEDIATE: ("调解", "mediated"), Trigger.REFER: ("移交其他部门", "referred")}
_AGREEMENTS = frozenset({Outcome.AGREEMENT, Outcome.PARTIAL})


@cache
def default_grading_table() -> DecisionTable:
    """The command room's grading table shipped with fengqiao (``policies/data/shanxi_fengqiao_station.toml``)."""
    path = resources.files("fengqiao.policies").joinpath("data/shanxi_fengqiao_station.toml")
    return DecisionTable.from_toml(path.read_text(encoding="utf-8"))


def _positive(_instance: object, attribute: attrs.Attribute[timedelta], value: timedelta) -> None:
    if value <= timedelta(0):
        raise PolicyDefinitionError(f"shanxi-fengqiao-station: {attribute.name} must be positive, got {value}")


def _survey_missing() -> tuple[str, str]:
    return (
        "先把脉、后治病：会同相关部门现场勘查、查明事实和责任之前不能达成调解协议",
        "diagnose first: no agreement before the on-site survey with the departments concerned has "
        "established the facts and liability",
    )


@attrs.frozen
class ShanxiFengqiaoStation(BasePolicy):
    """Shanxi's "Fengqiao-style police station" (两队一室 and the Zhao Shuli method).

    Args:
        grading_table: the command room's grading; the shipped TOML (case / key / general).
        duties: action → the roles (teams) whose work it is (:data:`.teams.DEFAULT_DUTIES`);
            an action not listed is open to everyone.
        protocol_categories: the categories the Zhao Shuli method applies to when the station
            mediates; every category by default.
        grade_within: the command room grades a dispute within this time of its discovery; 24 hours.
        survey_within: the on-site survey is recorded within this time of the start of
            mediation; 7 days.
        rate_decimals: decimals of the success rate as a percentage; 1.
    """

    name: ClassVar[str] = "shanxi-fengqiao-station"

    grading_table: DecisionTable = attrs.field(factory=default_grading_table)
    grades: tuple[str, ...] = attrs.field(
        init=False, default=attrs.Factory(lambda self: self.grading_table.grades, takes_self=True)
    )
    duties: Mapping[str, frozenset[Role]] = attrs.field(factory=lambda: dict(DEFAULT_DUTIES))
    protocol_categories: frozenset[Category] = frozenset(Category)
    grade_within: timedelta = attrs.field(default=timedelta(hours=24), validator=_positive)
    survey_within: timedelta = attrs.field(default=timedelta(days=7), validator=_positive)
    rate_decimals: int = 1

    # -- who ------------------------------------------------------------------------------
    def required_roles(self, action: TriggerId) -> frozenset[Role] | None:
        """The team whose work ``action`` is (``auth.role-required`` for anyone else)."""
        return self.duties.get(action)

    # -- refusals -------------------------------------------------------------------------
    def applies(self, dispute: Dispute) -> bool:
        """Whether the Zhao Shuli method applies to ``dispute`` (its category)."""
        return dispute.category in self.protocol_categories

    def _needs_survey(self, dispute: Dispute) -> bool:
        return dispute.state is State.MEDIATING and self.applies(dispute) and not dispute.has_document(SURVEY)

    def preconditions(self, dispute: Dispute, trigger: TriggerId, at: datetime) -> Iterable[Refusal]:
        """Case-type matters go to the case team; no settling before the survey; no close before the accounts."""
        a = dispute.assessment
        if a is not None and a.meets_case_threshold and trigger in _CASE_TYPE_WORDS:
            zh, en = _CASE_TYPE_WORDS[Trigger(trigger)]
            yield Refusal(
                f"shanxi.{trigger}.case-type",
                f"该事项已达到立案标准，属案件类，由案件办理队办理（转为案件），不能{zh}",
                f"a case-type matter is taken by the case-handling team (escalate it); it may not be {en}",
            )
        if trigger == Trigger.RESOLVE and self._needs_survey(dispute):
            yield Refusal("shanxi.resolve.survey-missing", *_survey_missing())
        if (
            trigger == Trigger.CLOSE
            and self.applies(dispute)
            and resolved_in_mediation(dispute)
            and not dispute.has_document(SETTLEMENT)
        ):
            yield Refusal(
                "shanxi.close.settlement-missing",
                "先算账、后了事：赔偿结算记录归档之前不能销号",
                "settle the accounts first, then close: close needs the compensation settlement record",
            )

    def refusals(self, dispute: Dispute, event: Event) -> Iterable[Refusal]:
        """An agreement before the survey; a record of the method filed before the one it follows."""
        if isinstance(event, AttemptRecorded) and event.payload.outcome in _AGREEMENTS and self._needs_survey(dispute):
            yield Refusal("shanxi.record_attempt.survey-missing", *_survey_missing())
        if isinstance(event, Resolved) and self._needs_survey(dispute):
            return  # refused already as shanxi.resolve.survey-missing, which also covers its papers
        if filed_by(event) and self.applies(dispute):
            yield from order_refusals(dispute, event, event.trigger)

    # -- deadlines, dossier, figures ------------------------------------------------------
    def deadlines(self, dispute: Dispute) -> Iterable[Deadline]:
        """The command room grades within ``grade_within``; the survey within ``survey_within`` of mediation."""
        graded = next((e.at for e in dispute.history if isinstance(e, Graded)), None)
        merged_first = graded is None and any(isinstance(e, Merged) for e in dispute.history)
        if not merged_first:
            hours = _count(self.grade_within, timedelta(hours=1))
            yield Deadline(
                "shanxi.grade.due",
                f"综合指挥室须在发现后{hours}小时内研判分级",
                f"the command room grades the dispute within {hours} hours of its discovery",
                dispute.discovered_at + self.grade_within,
                graded,
            )
        yield from self._survey_deadline(dispute)

    def _survey_deadline(self, dispute: Dispute) -> Iterator[Deadline]:
        if not self.applies(dispute):
            return
        started = next((e.at for e in dispute.history if isinstance(e, MediationStarted)), None)
        if started is None:
            return
        surveyed = next((e.at for e in dispute.history if any(i.kind is SURVEY for i in filed_by(e))), None)
        if surveyed is None and not under_mediation(dispute):
            return  # handed over or escalated before the survey: nothing left to diagnose here
        days = _count(self.survey_within, timedelta(days=1))
        yield Deadline(
            "shanxi.survey.due",
            f"调解开始后{days}日内须会同相关部门现场勘查（先把脉）",
            f"the on-site survey with the departments concerned is due within {days} days of the start of mediation",
            started + self.survey_within,
            surveyed,
        )

    def dossier_requirements(self, dispute: Dispute) -> Iterable[DossierRequirement]:
        """The method's three records, while the station mediates and once it settled the dispute."""
        if self.applies(dispute) and (under_mediation(dispute) or resolved_in_mediation(dispute)):
            yield from protocol_requirements()

    def metrics(self, disputes: Iterable[Dispute]) -> Mapping[str, float]:
        """Screened, resolved, success rate as the report counts it (see :mod:`.figures`)."""
        return count_disputes(disputes, decimals=self.rate_decimals)


def _count(span: timedelta, unit: timedelta) -> str:
    """``span`` in whole or decimal ``unit``s: ``_count(timedelta(hours=36), timedelta(days=1)) == "1.5"``."""
    return f"{span / unit:g}"
