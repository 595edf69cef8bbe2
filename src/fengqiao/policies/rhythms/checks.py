"""What a place filed and where each of its periods stands: the values :meth:`Rhythm.check` returns.

A :class:`Filing` is one report filed for a place (its instant, and a kind that is the
caller's own: ``"incident"``, ``"all_quiet"`` …; every kind meets the duty). A
:class:`PlaceCheck` holds one :class:`PeriodCheck` per period owed, each with a
:class:`~fengqiao.policies.base.Deadline` (``due`` the period's due instant, ``met_at`` the
filing that met it), plus the summaries an analyst reads: missed periods, counts, the last
filing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from fengqiao.domain._checks import aware, is_text
from fengqiao.policies.base import Deadline, DeadlineStatus
from fengqiao.policies.rhythms.periods import Period

if TYPE_CHECKING:
    from fengqiao.policies.rhythms.rhythm import Rhythm

__all__ = ["Filing", "PeriodCheck", "PlaceCheck"]


@attrs.frozen
class Filing:
    """One report filed for a place at ``at``; ``kind`` is the caller's (``"incident"``, ``"all_quiet"`` …).

    The kind does not change whether the duty is met: "有事报事，无事报平安" asks for a report
    either way. It is carried through so the caller can tell them apart afterwards.

    Raises:
        ValidationError: ``at`` is not timezone-aware, or ``kind`` is not one line of text.
    """

    at: datetime = attrs.field(validator=aware)
    kind: str = attrs.field(default="", validator=is_text)


@attrs.frozen
class PeriodCheck:
    """One period owed by a place, and where it stands at the check's ``at``.

    ``filing`` met the period (``None`` if nothing has); ``filings`` are those filed inside
    the period, in time order (under :attr:`LateFiling.OLDEST_UNMET` the filing that met
    it may come from a later period).
    """

    period: Period
    deadline: Deadline
    status: DeadlineStatus
    filing: Filing | None
    filings: tuple[Filing, ...]


@attrs.frozen
class PlaceCheck:
    """Where one place stands with one rhythm at ``at``: every period owed since ``start``.

    ``filings`` are the place's filings counted (from ``start`` to ``at``), in time order;
    filings before the duty began or after ``at`` are not counted.
    """

    rhythm: Rhythm
    place: str
    start: datetime
    at: datetime
    periods: tuple[PeriodCheck, ...]
    filings: tuple[Filing, ...]

    @property
    def deadlines(self) -> tuple[Deadline, ...]:
        """One deadline per period owed, oldest first (``deadline.status(at)`` gives its status)."""
        return tuple(p.deadline for p in self.periods)

    @property
    def missed(self) -> tuple[PeriodCheck, ...]:
        """The periods overdue at ``at``: due, passed, and not met."""
        return tuple(p for p in self.periods if p.status is DeadlineStatus.OVERDUE)

    @property
    def counts(self) -> Mapping[DeadlineStatus, int]:
        """How many periods stand in each status (every status present, zero or more)."""
        found = Counter(p.status for p in self.periods)
        return {status: found[status] for status in DeadlineStatus}

    @property
    def last_filing(self) -> Filing | None:
        """The latest filing counted, or ``None``."""
        return self.filings[-1] if self.filings else None
