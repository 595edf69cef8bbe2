"""A household's states, triggers, payloads and events (家庭风险: 摸排 → 重点关注 → 评估 → 包联管控 → 解除).

The default household lifecycle (a documented default; a policy extends it as it extends a
dispute's)::

    screened ──watch──▶ watched ──assess──▶ assessed ──manage──▶ managed ──release──▶ released
        │                  ▲                  │  ▲ reassess          │  reassess         │
        └──── incident ────┴──── incident ────┘  └───────────────────┘    incident/watch ┘
    any open state ──deregister──▶ deregistered (the household moved away or no longer exists)

A household never ends by being released: it stays on the screened register and a new
incident sends it back to the watch list. ``deregistered`` is the only terminal state.

Events carry the household they belong to (``household_id``), when and who, and the trigger's
payload; their ``type`` tags (``household_watched`` …) never clash with a dispute event's, so
one store and one JSON reader hold both kinds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

import attrs

from fengqiao.domain._checks import (
    identifier,
    is_bool,
    is_prose,
    is_text,
    non_empty,
    non_empty_prose,
    parse_set,
    require_filled,
)
from fengqiao.domain._quote import quote
from fengqiao.domain.actor import Actor
from fengqiao.domain.household import FactorId, HelpDepartment, HouseholdFactor, RiskClass, WorkKind
from fengqiao.domain.party import Party
from fengqiao.domain.vocabulary import Vocabulary
from fengqiao.errors import ValidationError
from fengqiao.lifecycle._fields import _tuple_party
from fengqiao.lifecycle.payloads import AttachPayload, NotePayload, TransitionPayload

__all__ = [
    "AssessPayload",
    "AssignCadrePayload",
    "CadreAssigned",
    "DeregisterPayload",
    "DisputeLinked",
    "HelpReportedPayload",
    "HouseholdAssessed",
    "HouseholdAssessment",
    "HouseholdAttached",
    "HouseholdDeregistered",
    "HouseholdEvent",
    "HouseholdHelpReferred",
    "HouseholdHelpReported",
    "HouseholdIncident",
    "HouseholdManaged",
    "HouseholdNoted",
    "HouseholdReassessed",
    "HouseholdReleased",
    "HouseholdScreened",
    "HouseholdState",
    "HouseholdTransitioned",
    "HouseholdTrigger",
    "HouseholdWatched",
    "IncidentPayload",
    "LinkDisputePayload",
    "ManagePayload",
    "ReferHelpPayload",
    "ReleasePayload",
    "ScreenPayload",
    "WatchPayload",
]


class HouseholdState(Vocabulary):
    """Where a household stands."""

    SCREENED = "screened", "已摸排", "screened"
    WATCHED = "watched", "重点关注", "watched"
    ASSESSED = "assessed", "已评估", "assessed"
    MANAGED = "managed", "包联管控", "managed"
    RELEASED = "released", "风险解除", "released"
    DEREGISTERED = "deregistered", "已销户", "deregistered"


class HouseholdTrigger(Vocabulary):
    """What can happen to a household; seven keep the state (see the trigger table)."""

    WATCH = "watch", "列为重点关注", "watch"
    INCIDENT = "incident", "报告新情况", "report an incident"
    ASSESS = "assess", "风险评估", "assess"
    REASSESS = "reassess", "重新评估", "reassess"
    MANAGE = "manage", "纳入包联管控", "manage"
    RELEASE = "release", "解除风险", "release"
    DEREGISTER = "deregister", "销户", "deregister"
    ASSIGN_CADRE = "assign_cadre", "指定包联干部", "assign a cadre"
    LINK_DISPUTE = "link_dispute", "关联纠纷", "link a dispute"
    REFER_HELP = "refer_help", "吹哨帮扶", "refer for help"
    HELP_REPORTED = "help_reported", "部门报到", "department reports in"
    ATTACH = "attach", "归档（一户一档）", "attach to the file"
    NOTE = "note", "备注", "note"


HOUSEHOLD_TERMINAL = frozenset({HouseholdState.DEREGISTERED})

_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")


def _factor(value: object, path: str) -> FactorId:
    if isinstance(value, HouseholdFactor):
        return value
    if isinstance(value, str):
        if value in HouseholdFactor._value2member_map_:
            return HouseholdFactor(value)
        if _CODE.fullmatch(value):
            return value  # a factor a policy's catalogue adds: the policy checks it
    allowed = ", ".join(f.value for f in HouseholdFactor)
    raise ValidationError(
        f"{quote(value)} is not a household risk factor (a built-in one: {allowed}; or a policy's own code, "
        "ASCII lower-case letters, digits and underscores)",
        path,
    )


def parse_factors(values: Iterable[FactorId]) -> frozenset[FactorId]:
    """``values`` as household risk factors: built-in ones as members, a policy's own codes as text."""
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise ValidationError(f"expected a collection of risk factors, got {quote(values)}", "factors")
    return frozenset(_factor(v, f"factors[{i}]") for i, v in enumerate(values))


def _work(values: Iterable[WorkKind | str]) -> frozenset[WorkKind]:
    return parse_set(WorkKind, values, "work")


def _risk_class(value: RiskClass | str) -> RiskClass:
    return RiskClass.parse(value, "risk_class")


def _department(value: HelpDepartment | str) -> HelpDepartment:
    return HelpDepartment.parse(value, "department")


def _names(values: Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise ValidationError(f"expected a collection of names, got {quote(values)}", "team")
    return tuple(require_filled(name, f"team[{i}]") for i, name in enumerate(values))


# -- payloads --------------------------------------------------------------------------------
@attrs.frozen(kw_only=True)
class ScreenPayload:
    """A household on the register (摸排): where it lives, who belongs to it, what was seen."""

    household_id: str = attrs.field(validator=identifier)
    village: str = attrs.field(validator=non_empty)
    grid: str = attrs.field(default="", validator=is_text)
    address: str = attrs.field(default="", validator=is_text)
    members: tuple[Party, ...] = attrs.field(default=(), converter=_tuple_party)
    factors: frozenset[FactorId] = attrs.field(default=frozenset(), converter=parse_factors)
    note: str = attrs.field(default="", validator=is_prose)


@attrs.frozen(kw_only=True)
class WatchPayload:
    """The household goes on the watch list (列为重点关注家庭), and why."""

    reason: str = attrs.field(validator=non_empty_prose)
    factors: frozenset[FactorId] = attrs.field(default=frozenset(), converter=parse_factors)


@attrs.frozen(kw_only=True)
class IncidentPayload:
    """Something happened (有事报事): it puts the household (back) on the watch list."""

    summary: str = attrs.field(validator=non_empty_prose)
    factors: frozenset[FactorId] = attrs.field(default=frozenset(), converter=parse_factors)
    daily_report: bool = attrs.field(default=False, validator=is_bool)
    """Found through the village's daily report (日报告)."""


@attrs.frozen(kw_only=True)
class HouseholdAssessment:
    """A policy's assessment answer: the risk class, the kinds of work, the rule that fired, and why."""

    risk_class: RiskClass = attrs.field(converter=_risk_class)
    work: frozenset[WorkKind] = attrs.field(converter=_work)
    rule: str = attrs.field(validator=non_empty)
    reason: str = attrs.field(default="", validator=is_prose)


@attrs.frozen(kw_only=True)
class AssessPayload:
    """The assessment group's findings (the factors) and the policy's answer for them."""

    factors: frozenset[FactorId] = attrs.field(converter=parse_factors)
    assessment: HouseholdAssessment
    meeting: bool = attrs.field(default=False, validator=is_bool)
    """Assessed at the monthly political-legal meeting (政法月例会)."""
    note: str = attrs.field(default="", validator=is_prose)


@attrs.frozen(kw_only=True)
class ManagePayload:
    """Management begins (包联管控): one matter, one plan; one case, one dedicated team (一事一方案，一案一专班)."""

    plan: str = attrs.field(default="", validator=is_prose)
    team: tuple[str, ...] = attrs.field(default=(), converter=_names)


@attrs.frozen(kw_only=True)
class ReleasePayload:
    """The risk is gone (风险解除): the household stays screened."""

    reason: str = attrs.field(default="", validator=is_prose)


@attrs.frozen(kw_only=True)
class DeregisterPayload:
    """The household leaves the register (moved away, no longer exists)."""

    reason: str = attrs.field(validator=non_empty_prose)


@attrs.frozen(kw_only=True)
class AssignCadrePayload:
    """A cadre takes charge of the household (包联)."""

    person: str = attrs.field(validator=non_empty)


@attrs.frozen(kw_only=True)
class LinkDisputePayload:
    """A dispute one of the household's members is a party to."""

    dispute_id: str = attrs.field(validator=identifier)


@attrs.frozen(kw_only=True)
class ReferHelpPayload:
    """Hardship help asked of a department (中心吹哨): it must report in (部门报到)."""

    department: HelpDepartment = attrs.field(converter=_department)
    need: str = attrs.field(validator=non_empty_prose)


@attrs.frozen(kw_only=True)
class HelpReportedPayload:
    """A department reports in on help it was asked for."""

    department: HelpDepartment = attrs.field(converter=_department)
    result: str = attrs.field(validator=non_empty_prose)
    resolved: bool = attrs.field(default=True, validator=is_bool)


# -- events ----------------------------------------------------------------------------------
@attrs.frozen(kw_only=True)
class HouseholdEvent:
    """What every household event has: the household, the time (timezone-aware) and the actor."""

    type: ClassVar[str] = "household_event"
    trigger: ClassVar[str] = ""

    household_id: str = attrs.field(validator=identifier)
    at: datetime
    actor: Actor

    @property
    def stream_id(self) -> str:
        """The stream the event belongs to: its household."""
        return self.household_id


@attrs.frozen(kw_only=True)
class HouseholdScreened(HouseholdEvent):
    """A household was put on the register (摸排): always the first event of its history."""

    type: ClassVar[str] = "household_screened"
    trigger: ClassVar[str] = "screen"
    payload: ScreenPayload


@attrs.frozen(kw_only=True)
class HouseholdWatched(HouseholdEvent):
    """Put on the watch list (列为重点关注)."""

    type: ClassVar[str] = "household_watched"
    trigger: ClassVar[str] = HouseholdTrigger.WATCH
    payload: WatchPayload


@attrs.frozen(kw_only=True)
class HouseholdIncident(HouseholdEvent):
    """An incident was reported (有事报事); the household is watched again."""

    type: ClassVar[str] = "household_incident"
    trigger: ClassVar[str] = HouseholdTrigger.INCIDENT
    payload: IncidentPayload


@attrs.frozen(kw_only=True)
class HouseholdAssessed(HouseholdEvent):
    """Assessed (风险评估): the risk class and kinds of work."""

    type: ClassVar[str] = "household_assessed"
    trigger: ClassVar[str] = HouseholdTrigger.ASSESS
    payload: AssessPayload


@attrs.frozen(kw_only=True)
class HouseholdReassessed(HouseholdEvent):
    """Assessed again, while assessed or managed."""

    type: ClassVar[str] = "household_reassessed"
    trigger: ClassVar[str] = HouseholdTrigger.REASSESS
    payload: AssessPayload


@attrs.frozen(kw_only=True)
class HouseholdManaged(HouseholdEvent):
    """Management began (包联管控): the plan and the team on file."""

    type: ClassVar[str] = "household_managed"
    trigger: ClassVar[str] = HouseholdTrigger.MANAGE
    payload: ManagePayload


@attrs.frozen(kw_only=True)
class HouseholdReleased(HouseholdEvent):
    """The risk is gone (风险解除)."""

    type: ClassVar[str] = "household_released"
    trigger: ClassVar[str] = HouseholdTrigger.RELEASE
    payload: ReleasePayload


@attrs.frozen(kw_only=True)
class HouseholdDeregistered(HouseholdEvent):
    """The household left the register."""

    type: ClassVar[str] = "household_deregistered"
    trigger: ClassVar[str] = HouseholdTrigger.DEREGISTER
    payload: DeregisterPayload


@attrs.frozen(kw_only=True)
class CadreAssigned(HouseholdEvent):
    """A cadre took charge of the household (包联)."""

    type: ClassVar[str] = "household_cadre_assigned"
    trigger: ClassVar[str] = HouseholdTrigger.ASSIGN_CADRE
    payload: AssignCadrePayload


@attrs.frozen(kw_only=True)
class DisputeLinked(HouseholdEvent):
    """A dispute a member is party to was linked to the household."""

    type: ClassVar[str] = "household_dispute_linked"
    trigger: ClassVar[str] = HouseholdTrigger.LINK_DISPUTE
    payload: LinkDisputePayload


@attrs.frozen(kw_only=True)
class HouseholdHelpReferred(HouseholdEvent):
    """Hardship help was asked of a department (中心吹哨)."""

    type: ClassVar[str] = "household_help_referred"
    trigger: ClassVar[str] = HouseholdTrigger.REFER_HELP
    payload: ReferHelpPayload


@attrs.frozen(kw_only=True)
class HouseholdHelpReported(HouseholdEvent):
    """A department reported in (部门报到)."""

    type: ClassVar[str] = "household_help_reported"
    trigger: ClassVar[str] = HouseholdTrigger.HELP_REPORTED
    payload: HelpReportedPayload


@attrs.frozen(kw_only=True)
class HouseholdAttached(HouseholdEvent):
    """A document was filed in the household's file (一户一档)."""

    type: ClassVar[str] = "household_attached"
    trigger: ClassVar[str] = HouseholdTrigger.ATTACH
    payload: AttachPayload


@attrs.frozen(kw_only=True)
class HouseholdNoted(HouseholdEvent):
    """A note was added."""

    type: ClassVar[str] = "household_noted"
    trigger: ClassVar[str] = HouseholdTrigger.NOTE
    payload: NotePayload


@attrs.frozen(kw_only=True)
class HouseholdTransitioned(HouseholdEvent):
    """A trigger that a household policy added to the graph fired (its target state is in its payload)."""

    type: ClassVar[str] = "household_transitioned"
    trigger: ClassVar[str] = "custom"
    payload: TransitionPayload
