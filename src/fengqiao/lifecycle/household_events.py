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

from datetime import datetime
from typing import ClassVar

import attrs

from fengqiao.domain._checks import identifier
from fengqiao.domain.actor import Actor
from fengqiao.domain.records import PolicyRef
from fengqiao.domain.vocabulary import Vocabulary
from fengqiao.lifecycle.household_payloads import (
    AssessPayload,
    AssignCadrePayload,
    DeregisterPayload,
    HelpReportedPayload,
    IncidentPayload,
    LinkDisputePayload,
    ManagePayload,
    ReferHelpPayload,
    ReleasePayload,
    ScreenPayload,
    WatchPayload,
)
from fengqiao.lifecycle.payloads import AttachPayload, NotePayload, TransitionPayload

__all__ = [
    "CadreAssigned",
    "DisputeLinked",
    "HouseholdAssessed",
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
    policy: PolicyRef | None = None
    """The household policy the household was screened under (as ``Discovered.policy``); stored only when set."""


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
