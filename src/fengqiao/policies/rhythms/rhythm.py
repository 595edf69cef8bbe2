"""``Rhythm``: a duty that recurs per place (a daily report, a weekly push, a monthly meeting), checked on read.

A rhythm says what is due, how often (:class:`Cadence`), when in each period (a time of
day; a weekday for weekly rhythms; a day of the month for monthly ones) and in which time
zone. Given when a place's duty began, the instants it filed and a time ``at``, it gives
one :class:`~fengqiao.policies.base.Deadline` per period: no scheduler, nothing stored.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from datetime import datetime, time, timezone, tzinfo
from zoneinfo import ZoneInfo

import attrs

from fengqiao.domain._checks import identifier, non_empty, require_aware, require_filled
from fengqiao.domain._quote import quote
from fengqiao.domain.vocabulary import Lang
from fengqiao.errors import ValidationError
from fengqiao.policies.base import CHINA_TZ, Deadline, DeadlineStatus
from fengqiao.policies.rhythms.checks import Filing, PeriodCheck, PlaceCheck
from fengqiao.policies.rhythms.periods import DAY_SECONDS, Calendar, Period, key, require_instant
from fengqiao.policies.rhythms.terms import Cadence, LateFiling, Weekday

__all__ = ["Rhythm"]

LAST_DAY = 31
"""``day=31`` (or ``"last"``) is each month's last day: a day past a month's end means its last."""

_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?", re.ASCII)


def _time_of_day(value: object) -> str:
    """``"HH:MM"`` (or ``"HH:MM:SS"``) from a ``time`` or text, after 00:00 and up to ``"24:00"``."""
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValidationError("a time of day takes no time zone: the rhythm's timezone applies", "time_of_day")
        if value.microsecond:
            raise ValidationError("a time of day is given to the second", "time_of_day")
        seconds = value.hour * 3600 + value.minute * 60 + value.second
    elif isinstance(value, str) and (found := _TIME.fullmatch(value)):
        hours, minutes, secs = int(found[1]), int(found[2]), int(found[3] or 0)
        if minutes > 59 or secs > 59:
            raise ValidationError(f"{quote(value)} is not a time of day", "time_of_day")
        seconds = hours * 3600 + minutes * 60 + secs
        if seconds > DAY_SECONDS:
            raise ValidationError(f"{quote(value)} is after 24:00, the end of the day", "time_of_day")
    else:
        raise ValidationError(f"expected a time of day such as '18:00' or '24:00', got {quote(value)}", "time_of_day")
    if seconds == 0:
        raise ValidationError("00:00 is when a period begins; say '24:00' for the end of the day", "time_of_day")
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def _seconds(time_of_day: str) -> int:
    parts = [int(p) for p in time_of_day.split(":")] + [0]
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


def _day(value: object) -> int | None:
    """A day of the month, 1 to 31; ``"last"`` is 31 (each month's last day)."""
    if value is None:
        return None
    if value == "last" and isinstance(value, str):
        return LAST_DAY
    if type(value) is not int or not 1 <= value <= LAST_DAY:
        raise ValidationError(f"expected a day of the month from 1 to 31, or 'last', got {quote(value)}", "day")
    return value


def _zone(value: object) -> tzinfo:
    """A ``ZoneInfo`` or fixed ``timezone``, or a zone name (``"Asia/Shanghai"``)."""
    if isinstance(value, ZoneInfo | timezone):
        return value
    if isinstance(value, str):
        try:
            return ZoneInfo(value)
        except (ValueError, LookupError, OSError) as exc:
            raise ValidationError(f"no time zone named {quote(value)}", "timezone") from exc
    raise ValidationError(f"expected a time zone (ZoneInfo, timezone or a zone name), got {quote(value)}", "timezone")


def _cadence(value: object) -> Cadence:
    return Cadence.parse(value, "cadence")


def _weekday(value: object) -> Weekday | None:
    return None if value is None else Weekday.parse(value, "weekday")


def _late(value: object) -> LateFiling:
    return LateFiling.parse(value, "late")


@attrs.frozen
class Rhythm:
    """A duty owed once per period by each place: what (``code``, ``zh``, ``en``), how often, when, where.

    When in each period the duty falls due: ``time_of_day`` (``"24:00"``, the end of the day,
    by default; ``"00:00"`` is refused, being the start), on ``weekday`` for a weekly rhythm
    (Sunday by default: the end of the ISO week) and on ``day`` of the month for a monthly one
    (``"last"`` or 31, the default, is each month's last day; 30 in February is its last day
    too). ``timezone`` (Asia/Shanghai by default; a zone name is accepted) sets where days
    begin. ``late`` says what a filing after a missed period counts for (:class:`LateFiling`).

    Raises:
        ValidationError: a field is malformed; ``.path`` names it.

    >>> r = Rhythm("demo.weekly", "周推送", "weekly push", "weekly")
    >>> r.weekday, r.time_of_day
    (<Weekday.SUNDAY: 'sunday'>, '24:00')
    """

    code: str = attrs.field(validator=identifier)
    zh: str = attrs.field(validator=non_empty)
    en: str = attrs.field(validator=non_empty)
    cadence: Cadence = attrs.field(converter=_cadence)
    weekday: Weekday | None = attrs.field(default=None, kw_only=True, converter=_weekday)
    day: int | None = attrs.field(default=None, kw_only=True, converter=_day)
    time_of_day: str = attrs.field(default="24:00", kw_only=True, converter=_time_of_day)
    timezone: tzinfo = attrs.field(default=CHINA_TZ, kw_only=True, converter=_zone)
    late: LateFiling = attrs.field(default=LateFiling.OWN_PERIOD, kw_only=True, converter=_late)
    _calendar: Calendar = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if self.weekday is not None and self.cadence is not Cadence.WEEKLY:
            raise ValidationError(f"a weekday applies to weekly rhythms only, not {self.cadence}", "weekday")
        if self.day is not None and self.cadence is not Cadence.MONTHLY:
            raise ValidationError(f"a day of the month applies to monthly rhythms only, not {self.cadence}", "day")
        if self.cadence is Cadence.WEEKLY and self.weekday is None:
            object.__setattr__(self, "weekday", Weekday.SUNDAY)
        if self.cadence is Cadence.MONTHLY and self.day is None:
            object.__setattr__(self, "day", LAST_DAY)
        weekday = self.weekday.offset if self.weekday is not None else 0
        calendar = Calendar(self.cadence, weekday, self.day or LAST_DAY, _seconds(self.time_of_day), self.timezone)
        object.__setattr__(self, "_calendar", calendar)

    def message(self, lang: Lang = "en") -> str:
        """What is due, in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.zh if lang == "zh" else self.en

    def period_at(self, instant: datetime) -> Period:
        """The period holding ``instant``.

        Raises:
            ValidationError: ``instant`` is not aware, or outside the years a rhythm counts.
        """
        return self._calendar.period_at(require_instant(instant, "instant"))

    def periods(self, start: datetime, *, at: datetime) -> tuple[Period, ...]:
        """The periods owed since the duty began at ``start`` that have begun by ``at``, oldest first.

        The period holding ``start`` is owed only if it falls due after ``start`` (a daily
        report begun at 15:00 owes that day's report by 24:00; one due at 09:00 does not);
        each later period is owed in full.

        Raises:
            ValidationError: ``start`` or ``at`` is not aware, or outside the years a rhythm counts.
        """
        start, at = require_instant(start, "start"), require_instant(at, "at")
        return tuple(span[0] for span in self._calendar.spans(start, at))

    def check(
        self, place: str, start: datetime, filings: Iterable[datetime | Filing] = (), *, at: datetime
    ) -> PlaceCheck:
        """Where ``place`` stands at ``at``: one checked deadline per period owed since ``start``.

        ``filings`` are the instants (or :class:`Filing` values) at which the place filed, in
        any order, repeats allowed. Only those from ``start`` to ``at`` count; what each one
        meets follows :attr:`late`. A period is ``met`` by a filing by its due instant,
        ``late`` by one after it, ``pending`` until it falls due and ``overdue`` after.

        Raises:
            ValidationError: a malformed argument; ``.path`` names it (``filings[3]``).
        """
        place = require_filled(place, "place")
        start, at = require_instant(start, "start"), require_instant(at, "at")
        return self._check(place, start, at, _counted(filings, key(start), key(at), "filings"))

    def check_places(
        self,
        starts: Mapping[str, datetime],
        filings: Mapping[str, Iterable[datetime | Filing]] | None = None,
        *,
        at: datetime,
    ) -> dict[str, PlaceCheck]:
        """:meth:`check` for every place of ``starts`` (place → when its duty began), by place.

        ``filings`` maps places to what each filed; a place missing from it filed nothing.

        Raises:
            ValidationError: a malformed argument, or filings for a place with no start.
        """
        if not isinstance(starts, Mapping):
            raise ValidationError(f"expected a mapping of places to duty starts, got {quote(starts)}", "starts")
        if filings is None:
            filings = {}
        elif not isinstance(filings, Mapping):
            raise ValidationError(f"expected a mapping of places to filings, got {quote(filings)}", "filings")
        at = require_instant(at, "at")
        for place in filings:
            if place not in starts:
                raise ValidationError(f"no duty start for place {quote(place)}", f"filings[{quote(place)}]")
        checked = {require_filled(place, f"starts[{quote(place)}]"): since for place, since in starts.items()}
        result = {}
        for place in sorted(checked):
            start = require_instant(checked[place], f"starts[{quote(place)}]")
            path = f"filings[{quote(place)}]"
            result[place] = self._check(place, start, at, _counted(filings.get(place, ()), key(start), key(at), path))
        return result

    def _check(self, place: str, start: datetime, at: datetime, counted: list[tuple[int, Filing]]) -> PlaceCheck:
        keys = [k for k, _ in counted]
        filed = [f for _, f in counted]
        spans = self._calendar.spans(start, at)
        slices: list[tuple[int, int]] = []
        low = 0
        for _period, begin, end, _due in spans:
            low = bisect_left(keys, begin, low)
            high = bisect_left(keys, end, low)
            slices.append((low, high))
            low = high
        met: list[tuple[int, Filing] | None]
        if self.late is LateFiling.OWN_PERIOD:
            met = [counted[low] if low < high else None for low, high in slices]
        else:
            met = [None] * len(spans)
            oldest = 0  # every period before it is met; it and every later one are not
            for index, (low, high) in enumerate(slices):
                for one in counted[low:high]:
                    if oldest <= index:
                        met[oldest] = one
                        oldest += 1
        at_key = key(at)
        checks = []
        for (period, _begin, _end, due), (low, high), found in zip(spans, slices, met, strict=True):
            if found is None:
                filing, status = None, DeadlineStatus.OVERDUE if at_key > due else DeadlineStatus.PENDING
            else:
                filing, status = found[1], DeadlineStatus.MET if found[0] <= due else DeadlineStatus.LATE
            deadline = Deadline(
                self.code,
                f"{place} {period.label}：{self.zh}",
                f"{place} {period.label}: {self.en}",
                due=period.due,
                met_at=None if filing is None else filing.at,
            )
            checks.append(PeriodCheck(period, deadline, status, filing, tuple(filed[low:high])))
        return PlaceCheck(self, place, start, at, tuple(checks), tuple(filed))


def _counted(filings: object, start: int, at: int, path: str) -> list[tuple[int, Filing]]:
    """The filings from ``start`` to ``at`` (as keys), each with its key, in time order (then by kind)."""
    if isinstance(filings, str | bytes | Mapping) or not isinstance(filings, Iterable):
        raise ValidationError(f"expected a collection of datetimes or Filing values, got {quote(filings)}", path)
    found: list[tuple[int, str, int, Filing]] = []
    for i, item in enumerate(filings):
        if isinstance(item, Filing):
            filing = item
        elif isinstance(item, datetime):
            filing = Filing(require_aware(item, f"{path}[{i}]"))
        else:
            raise ValidationError(f"expected a datetime or a Filing, got {quote(item)}", f"{path}[{i}]")
        k = key(filing.at)
        if start <= k <= at:
            found.append((k, filing.kind, i, filing))
    found.sort()
    return [(k, filing) for k, _, _, filing in found]
