"""The events: immutable facts appended to a dispute's history, one class per trigger.

Every event carries the dispute it belongs to, when it happened, who did it, and the
trigger's payload. ``Event.type`` is the stable tag used in JSON and in event stores.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import attrs

from fengqiao.domain._checks import identifier, quick_init
from fengqiao.domain.actor import Actor
from fengqiao.domain.records import PolicyRef
from fengqiao.lifecycle.payloads import (
    AssignPayload,
    AttachPayload,
    AttemptPayload,
    ClosePayload,
    DiscoveryPayload,
    EscalatePayload,
    GradePayload,
    LinkAlertPayload,
    MediatePayload,
    MergePayload,
    NotePayload,
    ReferPayload,
    RegradePayload,
    ReopenPayload,
    ResolvePayload,
    TransitionPayload,
    VisitPayload,
)
from fengqiao.lifecycle.states import Trigger

__all__ = [
    "AlertLinked",
    "Assigned",
    "Attached",
    "AttemptRecorded",
    "Closed",
    "Discovered",
    "Escalated",
    "Event",
    "Graded",
    "MediationStarted",
    "Merged",
    "Noted",
    "Referred",
    "Regraded",
    "Reopened",
    "Resolved",
    "Transitioned",
    "VisitRecorded",
]


@quick_init
@attrs.frozen(kw_only=True)
class Event:
    """What every event has: the dispute, the time (timezone-aware) and the actor."""

    type: ClassVar[str] = "event"
    trigger: ClassVar[str] = ""

    dispute_id: str = attrs.field(validator=identifier)
    at: datetime
    actor: Actor

    @property
    def stream_id(self) -> str:
        """The stream the event belongs to: its dispute (every kind of case's events have one)."""
        return self.dispute_id


@quick_init
@attrs.frozen(kw_only=True)
class Discovered(Event):
    """A dispute was found (发现): always the first event of a history."""

    type: ClassVar[str] = "discovered"
    trigger: ClassVar[str] = "discover"
    payload: DiscoveryPayload
    policy: PolicyRef | None = None
    """The policy the dispute was opened under (:meth:`Workflow.discover <fengqiao.Workflow.discover>`
    records its own); ``None`` in histories written before fengqiao recorded it. Stored only when set."""


@quick_init
@attrs.frozen(kw_only=True)
class Graded(Event):
    """Graded (研判分级): the assessment and the policy's grade and route."""

    type: ClassVar[str] = "graded"
    trigger: ClassVar[str] = Trigger.GRADE
    payload: GradePayload


@quick_init
@attrs.frozen(kw_only=True)
class Regraded(Event):
    """Regraded (调整等级): a new grade for a dispute already graded."""

    type: ClassVar[str] = "regraded"
    trigger: ClassVar[str] = Trigger.REGRADE
    payload: RegradePayload


@quick_init
@attrs.frozen(kw_only=True)
class MediationStarted(Event):
    """Mediation began (启动调解)."""

    type: ClassVar[str] = "mediation_started"
    trigger: ClassVar[str] = Trigger.MEDIATE
    payload: MediatePayload


@quick_init
@attrs.frozen(kw_only=True)
class Referred(Event):
    """Handed to the responsible department (移交)."""

    type: ClassVar[str] = "referred"
    trigger: ClassVar[str] = Trigger.REFER
    payload: ReferPayload


@quick_init
@attrs.frozen(kw_only=True)
class Escalated(Event):
    """Turned into a formal case (转为案件)."""

    type: ClassVar[str] = "escalated"
    trigger: ClassVar[str] = Trigger.ESCALATE
    payload: EscalatePayload


@quick_init
@attrs.frozen(kw_only=True)
class Resolved(Event):
    """Settled (化解); follow-up begins."""

    type: ClassVar[str] = "resolved"
    trigger: ClassVar[str] = Trigger.RESOLVE
    payload: ResolvePayload


@quick_init
@attrs.frozen(kw_only=True)
class Reopened(Event):
    """A relapse sent the dispute back to mediation."""

    type: ClassVar[str] = "reopened"
    trigger: ClassVar[str] = Trigger.REOPEN
    payload: ReopenPayload


@quick_init
@attrs.frozen(kw_only=True)
class Closed(Event):
    """Closed (销号)."""

    type: ClassVar[str] = "closed"
    trigger: ClassVar[str] = Trigger.CLOSE
    payload: ClosePayload


@quick_init
@attrs.frozen(kw_only=True)
class Merged(Event):
    """Folded into another dispute as a duplicate."""

    type: ClassVar[str] = "merged"
    trigger: ClassVar[str] = Trigger.MERGE
    payload: MergePayload


@quick_init
@attrs.frozen(kw_only=True)
class Assigned(Event):
    """Someone was made responsible."""

    type: ClassVar[str] = "assigned"
    trigger: ClassVar[str] = Trigger.ASSIGN
    payload: AssignPayload


@quick_init
@attrs.frozen(kw_only=True)
class AlertLinked(Event):
    """Another alert about the same dispute was linked."""

    type: ClassVar[str] = "alert_linked"
    trigger: ClassVar[str] = Trigger.LINK_ALERT
    payload: LinkAlertPayload


@quick_init
@attrs.frozen(kw_only=True)
class AttemptRecorded(Event):
    """A mediation attempt was recorded."""

    type: ClassVar[str] = "attempt_recorded"
    trigger: ClassVar[str] = Trigger.RECORD_ATTEMPT
    payload: AttemptPayload


@quick_init
@attrs.frozen(kw_only=True)
class VisitRecorded(Event):
    """A follow-up visit was recorded."""

    type: ClassVar[str] = "visit_recorded"
    trigger: ClassVar[str] = Trigger.RECORD_VISIT
    payload: VisitPayload


@quick_init
@attrs.frozen(kw_only=True)
class Attached(Event):
    """An item was filed in the dossier."""

    type: ClassVar[str] = "attached"
    trigger: ClassVar[str] = Trigger.ATTACH
    payload: AttachPayload


@quick_init
@attrs.frozen(kw_only=True)
class Noted(Event):
    """A note was added."""

    type: ClassVar[str] = "noted"
    trigger: ClassVar[str] = Trigger.NOTE
    payload: NotePayload


@quick_init
@attrs.frozen(kw_only=True)
class Transitioned(Event):
    """A trigger that a policy added to the graph fired."""

    type: ClassVar[str] = "transitioned"
    trigger: ClassVar[str] = "custom"
    payload: TransitionPayload
