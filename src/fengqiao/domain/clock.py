"""Injected time. Domain code never calls ``datetime.now()``; it asks the clock it was given.

>>> from datetime import UTC, datetime, timedelta
>>> clock = FixedClock(datetime(2024, 1, 31, 9, 0, tzinfo=UTC))
>>> clock.advance(hours=2).isoformat()
'2024-01-31T11:00:00+00:00'
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol, runtime_checkable

from fengqiao.domain._checks import require_aware
from fengqiao.errors import ValidationError

__all__ = ["Clock", "FixedClock", "SystemClock"]

_NO_TIME = timedelta()


@runtime_checkable
class Clock(Protocol):
    """Anything that tells the current, timezone-aware time."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    """The machine's clock, in ``tz`` (UTC unless told otherwise)."""

    def __init__(self, tz: tzinfo = UTC) -> None:
        if not isinstance(tz, tzinfo):
            raise ValidationError(f"expected a tzinfo, got {type(tz).__name__}", "tz")
        self.tz = tz

    def now(self) -> datetime:
        """The current time in ``tz``."""
        return datetime.now(self.tz)

    def __repr__(self) -> str:
        return f"SystemClock(tz={self.tz!r})"


class FixedClock:
    """A clock that stands still until moved: for tests, simulations and replays."""

    def __init__(self, at: datetime) -> None:
        self._at = require_aware(at, "at")

    def now(self) -> datetime:
        """The time the clock stands at."""
        return self._at

    def set(self, at: datetime) -> datetime:
        """Move the clock to ``at`` (forwards or backwards) and return it."""
        self._at = require_aware(at, "at")
        return self._at

    def advance(
        self,
        delta: timedelta | None = None,
        *,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
        seconds: float = 0,
    ) -> datetime:
        """Move the clock forward by ``delta`` and/or the given units, and return the new time.

        Raises:
            ValidationError: ``delta`` is not a ``timedelta``, a unit is not a number, or the
                time would leave the calendar (year 1 to 9999); the clock has not moved.
        """
        step = delta or _NO_TIME
        try:
            if type(step) is not timedelta and not isinstance(step, timedelta):
                raise TypeError(f"expected a timedelta, got {type(step).__name__}")
            if days or hours or minutes or seconds:  # building a timedelta costs more than the test
                step = step + timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
            at = self._at + step
        except (TypeError, ValueError, OverflowError) as exc:
            raise ValidationError(f"cannot advance the clock {self._at.isoformat()}: {exc}", "advance") from None
        self._at = at
        return self._at

    def __repr__(self) -> str:
        return f"FixedClock({self._at.isoformat()})"
