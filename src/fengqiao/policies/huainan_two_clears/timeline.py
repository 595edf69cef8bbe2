"""When things happened to a dispute, read from its events: the clocks Huainan's rules run on.

Every function here is pure: it reads a dispute's history (and, for day boundaries, a
timezone) and never the system clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta, tzinfo
from itertools import takewhile

from fengqiao.domain.dossier import DossierKind
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Event
from fengqiao.lifecycle.fold import fold
from fengqiao.lifecycle.states import State, StateId
from fengqiao.lifecycle.triggers import target_of

__all__ = [
    "as_of",
    "day_bounds",
    "first_alert_at",
    "latest",
    "left_discovered_at",
    "local_day",
    "reached_at",
    "transitions_on",
    "uncorrected_findings",
]


def first_alert_at(dispute: Dispute) -> datetime:
    """When the alert that opened the dispute was received: every 24-hour clock starts here."""
    return dispute.alerts[0].received_at


def _moves(dispute: Dispute) -> Iterator[tuple[Event, StateId]]:
    """Each state-changing event of the history, with the state it led to."""
    for event in dispute.history[1:]:
        target = target_of(event)
        if target is not None:
            yield event, target


def left_discovered_at(dispute: Dispute) -> datetime | None:
    """When the dispute entered handling (left ``discovered``); ``None`` if it has not."""
    for event, target in _moves(dispute):
        if target != State.DISCOVERED:
            return event.at
    return None


def reached_at(dispute: Dispute, states: Iterable[StateId]) -> datetime | None:
    """When the dispute first entered one of ``states``; ``None`` if it never did."""
    wanted = {str(s) for s in states}
    for event, target in _moves(dispute):
        if str(target) in wanted:
            return event.at
    return None


def transitions_on(dispute: Dispute, day: date, tz: tzinfo) -> int:
    """How many state-changing events the dispute had on the local ``day``."""
    return sum(1 for event, _target in _moves(dispute) if local_day(event.at, tz) == day)


def local_day(at: datetime, tz: tzinfo) -> date:
    """The calendar day ``at`` falls on in ``tz``."""
    return at.astimezone(tz).date()


def day_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The start of ``day`` and the start of the next day, in ``tz``."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start, end


def as_of(dispute: Dispute, at: datetime) -> Dispute | None:
    """The dispute as it stood at ``at`` (its history up to then); ``None`` if not yet discovered."""
    events = tuple(takewhile(lambda e: e.at <= at, dispute.history))
    if not events:
        return None
    return dispute if len(events) == len(dispute.history) else fold(events)


def uncorrected_findings(dispute: Dispute) -> int:
    """Review findings (执法评查意见) not yet answered by a later correction record (整改记录).

    The dossier is read in filing order: each correction record answers the oldest finding
    still open; a correction filed before any finding answers nothing.
    """
    open_findings = 0
    for item in dispute.dossier:
        if item.kind is DossierKind.REVIEW_FINDING:
            open_findings += 1
        elif item.kind is DossierKind.CORRECTION_RECORD and open_findings:
            open_findings -= 1
    return open_findings


def latest(disputes: Iterable[Dispute]) -> tuple[Dispute, ...]:
    """One value per dispute id, the one with the longest history, sorted by id."""
    best: dict[str, Dispute] = {}
    for d in disputes:
        if d.id not in best or d.version > best[d.id].version:
            best[d.id] = d
    return tuple(best[k] for k in sorted(best))
