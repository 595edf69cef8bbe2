"""The ledger's values: one row per dispute, and the rows its reports give.

Every row is a frozen ``attrs`` value with its times in UTC, whichever back-end produced it,
so the same disputes give equal rows from the memory, SQLite and PostgreSQL ledgers. Rows
flatten into a pandas ``DataFrame`` with :func:`fengqiao.ledger.to_dataframe`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import attrs

from fengqiao.domain._checks import require_aware
from fengqiao.domain.actor import Role
from fengqiao.domain.household import FactorId, RiskClass, WorkKind
from fengqiao.domain.terms import Category, Channel, Department, Route
from fengqiao.domain.vocabulary import Lang
from fengqiao.errors import ValidationError
from fengqiao.lifecycle.household_events import HouseholdState
from fengqiao.lifecycle.states import StateId
from fengqiao.policies.base import CHINA_TZ, Deadline

__all__ = [
    "DossierRow",
    "HouseholdOverdue",
    "HouseholdRow",
    "LedgerProblem",
    "LedgerRow",
    "OverdueRow",
    "Period",
    "ResolutionRate",
]


def utc(at: datetime) -> datetime:
    """``at`` in UTC (the ledger's rows all use UTC)."""
    return at.astimezone(UTC)


@attrs.frozen(kw_only=True)
class LedgerProblem:
    """An event the ledger could not project, set aside so that projection goes on (quarantine).

    The event stays in the store; only the ledger's row of its dispute is behind. The next
    event of that dispute is folded from the whole history again (so a dispute whose
    problem was passing, a policy function fixed since, heals by itself), and
    :meth:`~fengqiao.ledger.Ledger.retry` tries every quarantined dispute again.
    """

    position: int
    """The event's global position in the store."""
    stream_id: str
    version: int
    reason: str
    """Why it could not be projected (the error's message)."""

    def __str__(self) -> str:
        return f"position {self.position}: stream {self.stream_id} version {self.version}: {self.reason}"


@attrs.frozen(kw_only=True)
class LedgerRow:
    """One dispute as the ledger (台账) lists it: where it stands, who owns it, what is due next."""

    id: str
    state: StateId
    open: bool
    """Not in a terminal state of its policy's graph."""
    grade: str | None
    route: Route | None
    category: Category
    channel: Channel
    """The channel of the first alert."""
    station: str
    policy: str
    """The name of the policy the ledger handles this dispute under."""
    summary: str
    received_at: datetime
    """When the first alert was received (the Huainan 24-hour clocks start here)."""
    discovered_at: datetime
    updated_at: datetime
    state_since: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    assignees: tuple[tuple[Role, str], ...]
    """``(role, person)`` pairs, oldest assignment first, each pair once."""
    referral_department: Department | None
    complex: bool
    alerts: int
    """How many alerts the dispute has (two or more: repeated alerts, 重复警情)."""
    version: int
    next_due: datetime | None
    """The earliest due time among the policy's deadlines not met yet; ``None`` if none is pending."""
    dossier_gaps: int
    """How many of the policy's dossier requirements are not met yet."""

    def assigned(self, role: Role | str) -> tuple[str, ...]:
        """The people assigned in ``role``, oldest first."""
        wanted = Role.parse(role, "role")
        return tuple(person for r, person in self.assignees if r is wanted)


@attrs.frozen(kw_only=True)
class HouseholdRow:
    """One household as the ledger (台账) lists it: where it stands, its class and work, what is pending."""

    id: str
    village: str
    grid: str
    state: StateId
    open: bool
    """Not in a terminal state of the household policy's graph (``deregistered`` by default)."""
    risk_class: RiskClass | None
    """The latest assessment's class; ``None`` before the first assessment."""
    work: tuple[WorkKind, ...]
    """The latest assessment's kinds of work, by their value (empty before the first)."""
    factors: tuple[FactorId, ...]
    """The risk factors on file, by their value."""
    disputes: int
    """How many disputes are linked to the household."""
    pending_help: int
    """Help referrals no department has reported on yet (中心吹哨、部门报到)."""
    reassessment_due: bool
    """A new incident or a linked dispute since the latest assessment."""
    screened_at: datetime
    updated_at: datetime
    state_since: datetime
    version: int
    policy: str
    """The name of the household policy the ledger handles the household under."""
    next_due: datetime | None
    """The earliest due time among the policy's deadlines not met yet; ``None`` if none is pending."""

    @property
    def watched(self) -> bool:
        """On the watch list now, or assessed or managed since (as the figures count ``watched``)."""
        return str(self.state) in _WATCHED

    @property
    def unclassed(self) -> bool:
        """Watched and never assessed (Xiqi's 257 watched less its 213 classed)."""
        return self.state == HouseholdState.WATCHED and self.risk_class is None


_WATCHED = frozenset(str(s) for s in (HouseholdState.WATCHED, HouseholdState.ASSESSED, HouseholdState.MANAGED))


@attrs.frozen(kw_only=True)
class DossierRow:
    """One dispute's dossier against its policy's requirements, by volume (A卷 process, B卷 people)."""

    dispute_id: str
    policy: str
    station: str
    state: StateId
    required: int
    """How many requirements the policy sets for this dispute."""
    missing_a: tuple[str, ...] = ()
    """Codes of unmet requirements for the A volume (the process)."""
    missing_b: tuple[str, ...] = ()
    """Codes of unmet requirements for the B volume (the people)."""
    missing_other: tuple[str, ...] = ()
    """Codes of unmet requirements for papers outside the two volumes (supervision, other)."""

    @property
    def missing(self) -> tuple[str, ...]:
        """Every unmet requirement's code: A volume, B volume, then the rest."""
        return (*self.missing_a, *self.missing_b, *self.missing_other)

    @property
    def complete(self) -> bool:
        """Whether every requirement is met."""
        return not self.missing


@attrs.frozen(kw_only=True)
class OverdueRow:
    """One deadline that is unmet and past due at the time asked."""

    dispute_id: str
    policy: str
    station: str
    state: StateId
    code: str
    due: datetime
    zh: str
    en: str

    @classmethod
    def of(cls, row: LedgerRow, deadline: Deadline, *, state: StateId | None = None) -> OverdueRow:
        """The row of ``deadline`` of the dispute ``row`` describes, in ``state`` (the row's own by default)."""
        return cls(
            dispute_id=row.id,
            policy=row.policy,
            station=row.station,
            state=row.state if state is None else state,
            code=deadline.code,
            due=utc(deadline.due),
            zh=deadline.zh,
            en=deadline.en,
        )


@attrs.frozen(kw_only=True)
class HouseholdOverdue:
    """One household deadline unmet and past due at the time asked."""

    household_id: str
    village: str
    state: StateId
    code: str
    """The deadline's code (``xiqi.help.report-in``, ``xiqi.reassess`` …)."""
    due: datetime
    zh: str
    en: str

    def message(self, lang: Lang = "en") -> str:
        """What was due, in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.zh if lang == "zh" else self.en


def _aware(_instance: object, attribute: attrs.Attribute[datetime], value: datetime) -> None:
    require_aware(value, attribute.name)


@attrs.frozen
class Period:
    """A half-open span of time ``[start, end)``, timezone-aware; helpers give local days, months and years.

    >>> Period.year(2024).start.isoformat()
    '2024-01-01T00:00:00+08:00'
    >>> datetime(2024, 12, 31, 23, 59, tzinfo=CHINA_TZ) in Period.year(2024)
    True
    """

    start: datetime = attrs.field(validator=_aware)
    end: datetime = attrs.field(validator=_aware)

    def __attrs_post_init__(self) -> None:
        if self.end <= self.start:
            raise ValidationError(f"a period must end after it starts: {self.start} to {self.end}", "period")

    def __contains__(self, at: object) -> bool:
        return isinstance(at, datetime) and self.start <= at < self.end

    @classmethod
    def day(cls, day: date, tz: tzinfo = CHINA_TZ) -> Period:
        """The local calendar day ``day`` in ``tz`` (Beijing time by default)."""
        start = datetime.combine(day, time(0), tzinfo=tz)
        return cls(start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz))

    @classmethod
    def month(cls, year: int, month: int, tz: tzinfo = CHINA_TZ) -> Period:
        """The local calendar month."""
        nxt = date(year + month // 12, month % 12 + 1, 1)
        return cls(datetime(year, month, 1, tzinfo=tz), datetime.combine(nxt, time(0), tzinfo=tz))

    @classmethod
    def year(cls, year: int, tz: tzinfo = CHINA_TZ) -> Period:
        """The local calendar year (the reports' figures are yearly: "2024年")."""
        return cls(datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz))


@attrs.frozen(kw_only=True)
class ResolutionRate:
    """A policy's figures over the disputes discovered in a period, resolution rate first.

    ``screened``, ``resolved`` and ``rate`` come from the policy's own ``metrics()`` (each
    region counts them its own way); ``figures`` holds everything ``metrics()`` returned.
    """

    policy: str
    period: Period
    screened: int
    resolved: int
    rate: float
    """A fraction: resolved ÷ screened as the policy defines both (0.0 if nothing was screened)."""
    figures: tuple[tuple[str, float], ...]
    """Every figure the policy's ``metrics()`` gave, sorted by name."""

    @classmethod
    def of(cls, policy: str, period: Period, figures: Mapping[str, float]) -> ResolutionRate:
        """The row for ``figures`` as ``metrics()`` returned them."""
        screened = int(figures.get("screened", 0))
        resolved = int(figures.get("resolved", 0))
        rate = figures.get("resolution_rate", resolved / screened if screened else 0.0)
        return cls(
            policy=policy,
            period=period,
            screened=screened,
            resolved=resolved,
            rate=float(rate),
            figures=tuple(sorted((str(k), v) for k, v in figures.items())),
        )

    def figure(self, name: str) -> float:
        """One of the policy's figures by name.

        Raises:
            KeyError: the policy's ``metrics()`` has no figure called ``name``.
        """
        for key, value in self.figures:
            if key == name:
                return value
        raise KeyError(name)
