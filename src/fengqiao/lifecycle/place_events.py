"""A place's states, triggers, payloads and events: the reports a village or grid files (日报告 …), stored.

A *place* — a village, a grid — owes recurring reports: Xiqi's daily report ("有事报事，无事报
平安"), weekly push, monthly dispatch and monthly meeting (:mod:`fengqiao.policies.rhythms`).
Each report it files is an event in the place's own stream, so whether a day was missed is
computed from what is stored, at any ``at``, like every other deadline::

    (register) ──▶ reporting ──file──▶ reporting      one event per report: incidents, or all quiet
                   reporting ──close─▶ closed         the place no longer reports (merged, renamed)

Event ``type`` tags all begin ``place_``: none is a dispute's or a household's, so one store
and one JSON reader hold all three.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

import attrs

from fengqiao.domain._checks import identifier, is_prose, is_text, non_empty, non_empty_prose, require_filled
from fengqiao.domain._quote import quote
from fengqiao.domain.actor import Actor
from fengqiao.domain.vocabulary import Vocabulary
from fengqiao.errors import ValidationError

__all__ = [
    "ClosePlacePayload",
    "FilePayload",
    "PlaceClosed",
    "PlaceEvent",
    "PlaceRegistered",
    "PlaceState",
    "PlaceTrigger",
    "RegisterPlacePayload",
    "ReportFiled",
]


class PlaceState(Vocabulary):
    """Where a place stands: reporting, or no longer."""

    REPORTING = "reporting", "在报", "reporting"
    CLOSED = "closed", "停报", "closed"


class PlaceTrigger(Vocabulary):
    """What a place does: file a report (keeps the state), or stop reporting."""

    FILE = "file", "报告", "file a report"
    CLOSE = "close", "停止报告", "stop reporting"


def _collection(values: object, field: str) -> tuple[object, ...]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise ValidationError(f"expected a collection of texts, got {quote(values)}", field)
    return tuple(values)


def _incidents(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(require_filled(v, f"incidents[{i}]", "prose") for i, v in enumerate(_collection(values, "incidents")))


def _household_ids(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(require_filled(v, f"households[{i}]", "id") for i, v in enumerate(_collection(values, "households")))


def _rhythm_codes(values: Iterable[str]) -> tuple[str, ...]:
    codes = tuple(require_filled(v, f"rhythms[{i}]", "id") for i, v in enumerate(_collection(values, "rhythms")))
    if not codes:
        raise ValidationError("a place owes at least one rhythm", "rhythms")
    for i, code in enumerate(codes):
        if code in codes[:i]:
            raise ValidationError(f"{quote(code)} is named twice", f"rhythms[{i}]")
    return codes


@attrs.frozen(kw_only=True)
class RegisterPlacePayload:
    """A place begins to report: its id, its name as reports show it, where it is, what it owes."""

    place_id: str = attrs.field(validator=identifier)
    name: str = attrs.field(validator=non_empty)
    """The place as its reports name it (``"西歧村"``, ``"西歧村第3网格"``)."""
    village: str = attrs.field(validator=non_empty)
    grid: str = attrs.field(default="", validator=is_text)
    rhythms: tuple[str, ...] = attrs.field(converter=_rhythm_codes)
    """The codes of the rhythms the place owes (``"xiqi.daily-report"`` …), each once."""
    note: str = attrs.field(default="", validator=is_prose)


@attrs.frozen(kw_only=True)
class FilePayload:
    """One report filed: for which rhythm, and what it says. No incidents is an explicit "all quiet" (无事报平安)."""

    rhythm: str = attrs.field(validator=identifier)
    """The code of the rhythm this report is for (``"xiqi.daily-report"``)."""
    incidents: tuple[str, ...] = attrs.field(default=(), converter=_incidents)
    """What happened (有事报事), one text each; empty: all is quiet."""
    households: tuple[str, ...] = attrs.field(default=(), converter=_household_ids)
    """The ids of the households the incidents concern."""
    note: str = attrs.field(default="", validator=is_prose)

    @property
    def quiet(self) -> bool:
        """Whether the report says all is quiet (无事报平安): it names no incident."""
        return not self.incidents


@attrs.frozen(kw_only=True)
class ClosePlacePayload:
    """The place stops reporting (merged into another, renamed, dissolved), and why."""

    reason: str = attrs.field(validator=non_empty_prose)


# -- events ----------------------------------------------------------------------------------
@attrs.frozen(kw_only=True)
class PlaceEvent:
    """What every place event has: the place, the time (timezone-aware) and the actor."""

    type: ClassVar[str] = "place_event"
    trigger: ClassVar[str] = ""

    place_id: str = attrs.field(validator=identifier)
    at: datetime
    actor: Actor

    @property
    def stream_id(self) -> str:
        """The stream the event belongs to: its place."""
        return self.place_id


@attrs.frozen(kw_only=True)
class PlaceRegistered(PlaceEvent):
    """A place began to report: always the first event of its stream."""

    type: ClassVar[str] = "place_registered"
    trigger: ClassVar[str] = "register"
    payload: RegisterPlacePayload


@attrs.frozen(kw_only=True)
class ReportFiled(PlaceEvent):
    """A report filed for one of the place's rhythms (its instant is the event's ``at``)."""

    type: ClassVar[str] = "place_report_filed"
    trigger: ClassVar[str] = PlaceTrigger.FILE
    payload: FilePayload


@attrs.frozen(kw_only=True)
class PlaceClosed(PlaceEvent):
    """The place stopped reporting: it owes nothing after this instant."""

    type: ClassVar[str] = "place_closed"
    trigger: ClassVar[str] = PlaceTrigger.CLOSE
    payload: ClosePlacePayload
