"""A rhythm's periods: calendar days, ISO weeks or months in the rhythm's time zone, each with its due instant.

Periods are found by arithmetic on the calendar (a day's ordinal, a week's number, a
month's number), never by walking from some epoch: the period holding an instant is one
computation, and listing the periods of a year costs one step per period.

Every instant handed out is at the rhythm's local *fixed* UTC offset (``+08:00`` for
``Asia/Shanghai``), so it reads as local time and compares exactly with any other aware
datetime, even across a daylight-saving change (Python compares two datetimes that share
one ``ZoneInfo`` by their wall clocks).
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Final

import attrs

from fengqiao.domain._checks import require_aware
from fengqiao.errors import ValidationError
from fengqiao.policies.rhythms.terms import Cadence

__all__ = ["EARLIEST", "LATEST", "Period"]

EARLIEST: Final = datetime(2, 1, 1, tzinfo=UTC)
"""The earliest duty start or ``at`` a rhythm counts from (its period must fit the calendar)."""
LATEST: Final = datetime(9998, 12, 1, tzinfo=UTC)
"""The latest duty start or ``at`` a rhythm counts to."""

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)
DAY_SECONDS: Final = 86_400
_ONE_DAY: Final = timedelta(days=1)


@attrs.frozen
class Period:
    """One period of a rhythm: from ``start`` (included) to ``end`` (excluded), due at ``due``.

    ``start < due <= end`` in every period a rhythm gives; consecutive periods meet
    (one's ``end`` is the next one's ``start``). ``label`` names it: ``2024-04-01`` (a day),
    ``2024-W14`` (an ISO week), ``2024-04`` (a month).
    """

    label: str
    start: datetime
    end: datetime
    due: datetime

    def contains(self, instant: datetime) -> bool:
        """Whether ``instant`` falls in the period (``start <= instant < end``).

        Raises:
            ValidationError: ``instant`` is not a timezone-aware datetime.
        """
        require_aware(instant, "instant")
        return self.start <= instant < self.end


def key(instant: datetime) -> int:
    """Microseconds since the Unix epoch: an instant as a plain number, for bisecting and comparing."""
    return (instant - _EPOCH) // _MICROSECOND


def require_instant(value: object, path: str) -> datetime:
    """``value`` as an aware datetime inside the calendar a rhythm can count (:data:`EARLIEST` to :data:`LATEST`)."""
    instant = require_aware(value, path)
    if not EARLIEST <= instant <= LATEST:
        span = f"{EARLIEST.date().isoformat()} to {LATEST.date().isoformat()} UTC"
        raise ValidationError(f"{instant.isoformat()} is outside the years a rhythm counts ({span})", path)
    return instant


_OFFSETS: dict[timedelta | None, tzinfo] = {}


def _fixed(offset: timedelta | None) -> tzinfo:
    """One shared fixed-offset zone per UTC offset."""
    zone = _OFFSETS.get(offset)
    if zone is None:
        zone = _OFFSETS[offset] = UTC if not offset else timezone(offset)
    return zone


_REMEMBERED: Final = 8
"""How many answers of :meth:`Calendar.spans` each rhythm keeps before it starts afresh."""

Span = tuple[Period, int, int, int]
"""A period with its start, end and due instants as :func:`key` numbers."""


class Calendar:
    """The arithmetic of one rhythm's periods (built by :class:`~fengqiao.policies.rhythms.Rhythm`)."""

    __slots__ = ("_cadence", "_day", "_due_time", "_fixed_zone", "_recent", "_seconds", "_weekday", "_zone")

    def __init__(self, cadence: Cadence, weekday: int, day: int, seconds: int, zone: tzinfo) -> None:
        self._cadence = cadence
        self._weekday = weekday
        self._day = day
        self._seconds = seconds
        self._zone = zone
        self._fixed_zone = isinstance(zone, timezone)
        self._due_time = time(seconds // 3600, seconds // 60 % 60, seconds % 60) if seconds < DAY_SECONDS else None
        self._recent: dict[tuple[int, int], tuple[Span, ...]] = {}

    # -- calendar numbers -------------------------------------------------------------------
    def index_of(self, day: date) -> int:
        """The number of the period a local calendar day falls in."""
        if self._cadence is Cadence.DAILY:
            return day.toordinal()
        if self._cadence is Cadence.WEEKLY:
            return (day.toordinal() - 1) // 7  # ordinal 1 (0001-01-01) is a Monday
        return day.year * 12 + day.month - 1

    def first_day(self, index: int) -> date:
        """The first local calendar day of period ``index``."""
        if self._cadence is Cadence.DAILY:
            return date.fromordinal(index)
        if self._cadence is Cadence.WEEKLY:
            return date.fromordinal(index * 7 + 1)
        return date(index // 12, index % 12 + 1, 1)

    def due_day(self, index: int) -> date:
        """The local calendar day the period's duty falls due on (before the time of day)."""
        first = self.first_day(index)
        if self._cadence is Cadence.DAILY:
            return first
        if self._cadence is Cadence.WEEKLY:
            return first + timedelta(days=self._weekday)
        return first.replace(day=min(self._day, monthrange(first.year, first.month)[1]))

    def label(self, index: int) -> str:
        """The period's name: ``2024-04-01``, ``2024-W14`` or ``2024-04``."""
        first = self.first_day(index)
        if self._cadence is Cadence.DAILY:
            return first.isoformat()
        if self._cadence is Cadence.WEEKLY:
            year, week, _ = first.isocalendar()
            return f"{year:04d}-W{week:02d}"
        return f"{first.year:04d}-{first.month:02d}"

    # -- instants ---------------------------------------------------------------------------
    def local(self, day: date, at: time) -> datetime:
        """Wall-clock ``at`` on ``day`` in the rhythm's zone, as an instant at its fixed local offset.

        A wall time a daylight-saving change skipped is read with the offset before the change
        (as ``zoneinfo`` does): ``02:30+01:00`` on the day Berlin goes from 02:00 to 03:00, the
        instant also written ``03:30+02:00``. A repeated one is read as its first occurrence.
        """
        wall = datetime.combine(day, at, tzinfo=self._zone)
        if self._fixed_zone:
            return wall
        return wall.replace(tzinfo=_fixed(wall.utcoffset()))

    def start(self, index: int) -> datetime:
        """When period ``index`` begins: local midnight of its first day."""
        return self.local(self.first_day(index), time(0))

    def due(self, index: int, start: datetime, end: datetime) -> datetime:
        """When period ``index``'s duty falls due, kept within ``(start, end]``."""
        if self._due_time is None:
            if self._cadence is Cadence.DAILY or self.due_day(index) + _ONE_DAY == self.first_day(index + 1):
                return end  # 24:00 on the period's last day is its end
            due = self.local(self.due_day(index) + _ONE_DAY, time(0))
        else:
            due = self.local(self.due_day(index), self._due_time)
        return min(max(due, start), end)

    def bounds_at(self, instant: datetime) -> tuple[int, datetime, datetime]:
        """The number, start and end of the period holding ``instant`` (a zone's odd days are checked, not assumed)."""
        index = self.index_of(instant.astimezone(self._zone).date())
        start, end = self.start(index), self.start(index + 1)
        while instant < start:
            index, start, end = index - 1, self.start(index - 1), start
        while instant >= end:
            index, start, end = index + 1, end, self.start(index + 2)
        return index, start, end

    def period_at(self, instant: datetime) -> Period:
        """The period holding ``instant``, as a value."""
        index, start, end = self.bounds_at(instant)
        return Period(self.label(index), start, end, self.due(index, start, end))

    def spans(self, start: datetime, at: datetime) -> tuple[Span, ...]:
        """The periods owed from the duty's ``start`` that have begun by ``at``, in order.

        The period holding ``start`` is owed if its due instant is after ``start``; a period
        of no length (a day a zone skipped) is owed by no one and left out. The answer
        depends on the two instants only, so the last few are remembered: checking many
        places with one start and one ``at`` computes the periods once.
        """
        asked = key(start), key(at)
        found = self._recent.get(asked)
        if found is None:
            found = tuple(self._spans(start, at, *asked))
            if len(self._recent) >= _REMEMBERED:
                self._recent = {}  # a fresh dict, not a cleared one: another thread may be reading it
            self._recent[asked] = found
        return found

    def _spans(self, start: datetime, at: datetime, start_key: int, at_key: int) -> Iterator[Span]:
        if at_key < start_key:
            return
        first, begin, _ = self.bounds_at(start)
        last = self.bounds_at(at)[0]
        begin_key = key(begin)
        for index in range(first, last + 1):
            end = self.start(index + 1)
            end_key = key(end)
            if end_key > begin_key:
                due = self.due(index, begin, end)
                due_key = end_key if due is end else key(due)
                if due_key > start_key:
                    yield Period(self.label(index), begin, end, due), begin_key, end_key, due_key
            begin, begin_key = end, end_key
