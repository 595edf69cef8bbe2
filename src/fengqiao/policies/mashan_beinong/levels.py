"""The three levels, the states and triggers Mashan adds, and a dispute's handling read from its events.

"一站一室一中心": the village dispute station (村（社区）矛盾纠纷调处站), the 贝侬 mediation room
(“贝侬”调解室) and the county and township dispute centre (县乡社会矛盾纠纷调处中心). Mediation
begins at the station; ``refer_to_room`` and ``report_to_centre`` move it up. The level is read
from the events (it never goes down), so a dispute keeps its level through a declined
confirmation or a reopening. Pure: no clock, no I/O.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from fengqiao.domain.terms import MediationForce, Outcome
from fengqiao.domain.vocabulary import Vocabulary
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import AttemptRecorded, MediationStarted, Reopened, Transitioned
from fengqiao.lifecycle.graph import Edge, GraphExtension, StateSpec
from fengqiao.lifecycle.states import State, Trigger

__all__ = [
    "AWAITING_CONFIRMATION",
    "CONFIRM",
    "CONFIRMED",
    "DECLINE_CONFIRMATION",
    "PERFORMANCE_TRACKING",
    "REFER_TO_ROOM",
    "REPORT_TO_CENTRE",
    "REQUEST_CONFIRMATION",
    "TRACK_PERFORMANCE",
    "WITHDRAW",
    "WITHDRAWN",
    "Level",
    "Trail",
    "extension",
    "read_trail",
]

AWAITING_CONFIRMATION = "awaiting_confirmation"
"""State: the agreement waits for the court's judicial confirmation (待司法确认)."""
CONFIRMED = "confirmed"
"""State: the court confirmed the agreement, which is now enforceable (已司法确认)."""
PERFORMANCE_TRACKING = "performance_tracking"
"""State: a 贝侬 follows how the confirmed agreement is carried out (跟踪履行)."""
WITHDRAWN = "withdrawn"
"""Terminal state: the suit was withdrawn after mediation reached agreement (已撤诉)."""

REFER_TO_ROOM = "refer_to_room"
"""Trigger: move mediation up from the village station to the 贝侬 mediation room (state unchanged)."""
REPORT_TO_CENTRE = "report_to_centre"
"""Trigger: report the dispute to the county and township dispute centre (state unchanged)."""
REQUEST_CONFIRMATION = "request_confirmation"
"""Trigger: apply for the court's confirmation of the agreement (mediating → awaiting confirmation)."""
CONFIRM = "confirm"
"""Trigger: the court confirms the agreement (awaiting confirmation → confirmed)."""
DECLINE_CONFIRMATION = "decline_confirmation"
"""Trigger: the court declines to confirm (awaiting confirmation → mediating again)."""
TRACK_PERFORMANCE = "track_performance"
"""Trigger: a 贝侬 starts tracking performance (confirmed → performance tracked)."""
WITHDRAW = "withdraw"
"""Trigger: the suit is withdrawn (mediating → withdrawn)."""


class Level(Vocabulary):
    """Where a dispute is mediated: "一站一室一中心", lowest first."""

    STATION = "station", "村（社区）矛盾纠纷调处站", "village dispute station"
    ROOM = "room", "“贝侬”调解室", "Beinong mediation room"
    CENTRE = "centre", "县乡社会矛盾纠纷调处中心", "county and township dispute centre"


_S = State


def extension() -> GraphExtension:
    """The states and triggers Mashan adds: the two moves up, judicial confirmation, withdrawal."""
    return GraphExtension(
        states=(
            StateSpec(AWAITING_CONFIRMATION, zh="待司法确认", en="awaiting court confirmation"),
            StateSpec(CONFIRMED, zh="已司法确认（具有强制执行力）", en="confirmed by the court (enforceable)"),
            StateSpec(PERFORMANCE_TRACKING, zh="跟踪履行", en="performance tracked"),
            StateSpec(WITHDRAWN, zh="已撤诉", en="suit withdrawn", terminal=True),
        ),
        edges=(
            Edge(REFER_TO_ROOM, _S.MEDIATING, _S.MEDIATING, zh="转“贝侬”调解室", en="move up to the Beinong room"),
            Edge(
                REPORT_TO_CENTRE,
                (_S.GRADED, _S.MEDIATING),
                _S.MEDIATING,
                zh="上报调处中心",
                en="report to the dispute centre",
            ),
            Edge(
                REQUEST_CONFIRMATION,
                _S.MEDIATING,
                AWAITING_CONFIRMATION,
                zh="申请司法确认",
                en="apply for court confirmation",
            ),
            Edge(CONFIRM, AWAITING_CONFIRMATION, CONFIRMED, zh="司法确认", en="confirm"),
            Edge(DECLINE_CONFIRMATION, AWAITING_CONFIRMATION, _S.MEDIATING, zh="裁定不予确认", en="decline to confirm"),
            Edge(TRACK_PERFORMANCE, CONFIRMED, PERFORMANCE_TRACKING, zh="“贝侬”跟踪履行", en="track performance"),
            Edge(Trigger.RECORD_VISIT, PERFORMANCE_TRACKING),
            Edge(Trigger.CLOSE, PERFORMANCE_TRACKING, _S.CLOSED),
            Edge(WITHDRAW, _S.MEDIATING, WITHDRAWN, zh="撤诉", en="withdraw the suit"),
        ),
    )


@attrs.frozen
class Trail:
    """What the policy needs to know of a dispute's handling, read from its events."""

    level: Level | None
    """The highest level reached; ``None`` before mediation began."""
    level_since: datetime | None
    reported_at: datetime | None
    """When the dispute was first reported to the centre."""
    last_outcome: Outcome | None
    """The outcome of the last attempt at the current level (``None``: none yet)."""
    agreement_at: datetime | None
    """When the standing agreement was reached: the last attempt, if it agreed, and not since
    undone by a reopening or a declined confirmation."""
    joint_session_at: datetime | None
    """When the centre first held a joint session (an attempt there with every joint force)."""
    requested_at: datetime | None
    """When confirmation was last applied for."""
    confirmed_at: datetime | None
    mediators: tuple[str, ...]
    """The 贝侬 named on ``mediate`` (assigned ones are on the dispute's assignments)."""


def read_trail(dispute: Dispute, joint_forces: frozenset[MediationForce]) -> Trail:
    """Read ``dispute``'s history once; ``joint_forces`` are the forces a joint session needs."""
    level: Level | None = None
    level_since = reported = last_outcome = agreed = joint = requested = confirmed = None
    mediators: list[str] = []
    for e in dispute.history:
        if isinstance(e, MediationStarted):
            if level is None:
                level, level_since = Level.STATION, e.at
            if e.payload.mediator:
                mediators.append(e.payload.mediator)
        elif isinstance(e, AttemptRecorded):
            last_outcome = e.payload.outcome
            agreed = e.at if last_outcome is Outcome.AGREEMENT else None
            if level is Level.CENTRE and joint is None and joint_forces <= set(e.payload.forces):
                joint = e.at
        elif isinstance(e, Reopened):
            agreed = None
        elif isinstance(e, Transitioned):
            trigger = e.payload.trigger
            if trigger == REFER_TO_ROOM and level in (None, Level.STATION):
                level, level_since, last_outcome = Level.ROOM, e.at, None
            elif trigger == REPORT_TO_CENTRE:
                reported = reported or e.at
                if level is not Level.CENTRE:
                    level, level_since, last_outcome = Level.CENTRE, e.at, None
            elif trigger == REQUEST_CONFIRMATION:
                requested = e.at
            elif trigger == CONFIRM:
                confirmed = confirmed or e.at
            elif trigger == DECLINE_CONFIRMATION:
                agreed = None
    return Trail(
        level=level,
        level_since=level_since,
        reported_at=reported,
        last_outcome=last_outcome,
        agreement_at=agreed,
        joint_session_at=joint,
        requested_at=requested,
        confirmed_at=confirmed,
        mediators=tuple(mediators),
    )
