"""The vocabularies of a rhythm: how often it recurs, the days of the week, and what a late filing counts for."""

from __future__ import annotations

from fengqiao.domain.vocabulary import Vocabulary

__all__ = ["Cadence", "LateFiling", "Weekday"]


class Cadence(Vocabulary):
    """How often a rhythm's duty recurs: its periods are calendar days, ISO weeks or months."""

    DAILY = "daily", "每日", "daily"
    WEEKLY = "weekly", "每周", "weekly"
    MONTHLY = "monthly", "每月", "monthly"


class Weekday(Vocabulary):
    """A day of the week; a weekly period runs from Monday 00:00 to the next Monday 00:00 (ISO weeks)."""

    MONDAY = "monday", "星期一", "Monday"
    TUESDAY = "tuesday", "星期二", "Tuesday"
    WEDNESDAY = "wednesday", "星期三", "Wednesday"
    THURSDAY = "thursday", "星期四", "Thursday"
    FRIDAY = "friday", "星期五", "Friday"
    SATURDAY = "saturday", "星期六", "Saturday"
    SUNDAY = "sunday", "星期日", "Sunday"

    @property
    def offset(self) -> int:
        """Days after Monday: 0 for Monday … 6 for Sunday (as ``date.weekday()``)."""
        return _OFFSETS[self]


_OFFSETS = {day: i for i, day in enumerate(Weekday)}


class LateFiling(Vocabulary):
    """What a filing counts for: the period it was filed in, or the oldest period still unmet.

    ``OWN_PERIOD`` (the default): each filing counts for the period it falls in; a period
    with none stays unmet for good (overdue once its due instant has passed). A filing in a
    period that already has one counts for nothing more.

    ``OLDEST_UNMET``: each filing, in time order, settles the oldest period that has begun
    and is still unmet, so a filing after a missed period makes that period up (``late``)
    and leaves its own period to the next filing. Each filing settles at most one period.
    """

    OWN_PERIOD = "own_period", "只计入报送当期", "counts for the period it was filed in"
    OLDEST_UNMET = "oldest_unmet", "补报最早缺报的一期", "makes up the oldest unmet period"
