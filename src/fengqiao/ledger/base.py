"""``Ledger``: the query API every back-end shares; the back-ends supply a few primitives.

Plain queries (:meth:`Ledger.disputes`, :meth:`Ledger.count`, :meth:`Ledger.open`) read the
ledger's columns only; :meth:`Ledger.select` yields the folded disputes kept with each row (no
history is folded again). Reports hand those to the policies' own pure functions, after
narrowing the candidates with an indexed condition:

- ``overdue(at)``: ``next_due < at``, which is exact (see :mod:`fengqiao.ledger._facts`);
- ``resolution_rate(period, policy)``: the policy's disputes discovered in the period;
- ``dossier_completeness()``: columns only; the requirements' texts via ``dossier_gaps(id)``;
- ``report(policy, name, …)``: a report the policy offers (``reports()``), run over
  :meth:`Ledger.select`; the ledger knows no region (see :mod:`fengqiao.policies.reports`).

Households have their own queries (:meth:`Ledger.households`, :meth:`Ledger.household_count`,
:meth:`Ledger.household`, :meth:`Ledger.household_figures`, :meth:`Ledger.household_overdue` …),
from :mod:`fengqiao.ledger._household_queries`.
"""

from __future__ import annotations

import abc
import warnings
from collections.abc import Iterator
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self

from fengqiao.domain._checks import require_aware
from fengqiao.domain._quote import quote
from fengqiao.domain.actor import Role
from fengqiao.domain.clock import Clock
from fengqiao.errors import DisputeNotFound, ValidationError
from fengqiao.ledger._book import PolicyBook
from fengqiao.ledger._filters import FILTER_NAMES, Filters, Value, check_conditions, check_limit, filters
from fengqiao.ledger._household_queries import HouseholdQueries
from fengqiao.ledger.rows import DossierRow, LedgerProblem, LedgerRow, OverdueRow, Period, ResolutionRate
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.policies import registry
from fengqiao.policies.base import DeadlineStatus, DossierRequirement, Policy
from fengqiao.policies.reports import Report, reports_of
from fengqiao.storage._arguments import check_clock
from fengqiao.storage._requests import check_lookup
from fengqiao.storage.base import EventStore

__all__ = ["Ledger"]

_OPEN_CONDITIONS = ("state", "grade", "category", "channel", "station", "assignee", "role", "policy", "limit")
"""What :meth:`Ledger.open` passes on to :meth:`Ledger.disputes`."""

_DISPATCH = ("huainan-two-clears", "dispatch")
_REWARDS = ("huaiyang-ten-categories", "rewards")
"""Where the deprecated :meth:`Ledger.dispatch_report` and :meth:`Ledger.reward_eligible` find their reports."""


class Ledger(HouseholdQueries):
    """The ledger (台账) of one event store: a row per dispute and per household, kept with every append.

    Open one with :class:`~fengqiao.ledger.MemoryLedger`, :class:`~fengqiao.ledger.SQLiteLedger`,
    :class:`~fengqiao.ledger.PostgresLedger` or :func:`~fengqiao.ledger.open_ledger`; append
    through :attr:`store` (a :class:`~fengqiao.storage.Repository` over it, typically).
    """

    store: EventStore
    book: PolicyBook
    clock: Clock

    def __init__(self, book: PolicyBook, clock: Clock | None) -> None:
        self.book = book
        self.clock = check_clock(clock)

    # -- what a back-end provides ---------------------------------------------------------
    @abc.abstractmethod
    def _rows(self, f: Filters, limit: int | None) -> tuple[LedgerRow, ...]:
        """Rows meeting ``f``, by id."""

    @abc.abstractmethod
    def _count(self, f: Filters) -> int:
        """How many rows meet ``f``."""

    @abc.abstractmethod
    def _disputes(self, f: Filters) -> Iterator[tuple[LedgerRow, Dispute]]:
        """Rows meeting ``f`` with their folded disputes, by id."""

    @abc.abstractmethod
    def _policies(self, f: Filters) -> tuple[str, ...]:
        """The policy names of the rows meeting ``f``, each once, sorted."""

    @abc.abstractmethod
    def _recorded(self, f: Filters) -> dict[str | None, int]:
        """How many rows meeting ``f`` record each policy name at discovery (``None``: none recorded)."""

    @abc.abstractmethod
    def _dossiers(self, f: Filters) -> tuple[DossierRow, ...]:
        """Dossier rows of the disputes meeting ``f``, by id."""

    @abc.abstractmethod
    def _find(self, dispute_id: str) -> tuple[LedgerRow, Dispute] | None:
        """One dispute's row and folded value, if the ledger has it."""

    @property
    @abc.abstractmethod
    def position(self) -> int:
        """The global position of the last event the ledger applied (0: none)."""

    @abc.abstractmethod
    def rebuild(self) -> int:
        """Forget every row and project the whole event log again; return how many events were applied.

        The result equals what the appends built, row for row. Appends wait while it runs.
        """

    @abc.abstractmethod
    def catch_up(self) -> int:
        """Apply events appended without this ledger's projector (by another program); return how many."""

    @abc.abstractmethod
    def problems(self) -> tuple[LedgerProblem, ...]:
        """The events the ledger could not project and set aside (quarantine), by position.

        One bad event never stops the ledger: it is listed here with the reason, its
        dispute's row stays as it was before it, and projection goes on with the next event.
        The next event of that dispute folds its whole history again (healing it if the cause
        has gone); :meth:`retry` tries every one again now.
        """

    @abc.abstractmethod
    def retry(self) -> int:
        """Project every quarantined dispute again from its whole history; return how many now project.

        Those that project leave :meth:`problems`; the others stay, with the new reason.
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Close the store and the ledger's connections."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- plain queries ----------------------------------------------------------------------
    def disputes(
        self,
        *,
        state: Value = None,
        grade: Value = None,
        category: Value = None,
        channel: Value = None,
        station: Value = None,
        assignee: str | None = None,
        role: Role | str | None = None,
        policy: Value = None,
        open_only: bool = False,
        limit: int | None = None,
    ) -> tuple[LedgerRow, ...]:
        """The rows meeting every condition given, by dispute id, at most ``limit`` of them.

        Each condition takes one value or a collection of values (any of them matches);
        ``assignee`` matches a person assigned in any role, or in ``role`` when given.

        Raises:
            ValidationError: an unknown category, channel or role, a value that is neither
                text nor a collection of text, or a ``limit`` that is not a whole number from
                0 to ``2**63 - 1``; the error names the argument.
        """
        f = filters(
            state=state,
            grade=grade,
            category=category,
            channel=channel,
            station=station,
            policy=policy,
            assignee=assignee,
            role=role,
            open_only=open_only,
        )
        return self._rows(f, check_limit(limit))

    def count(self, **conditions: Any) -> int:
        """How many rows :meth:`disputes` would give for the same conditions (``limit`` aside).

        Raises:
            ValidationError: a condition :func:`~fengqiao.ledger._filters` does not know, or a bad value.
        """
        check_conditions(conditions, FILTER_NAMES)
        return self._count(filters(**conditions))

    def recorded_policies(self, **conditions: Any) -> dict[str | None, int]:
        """How many disputes were opened under each policy, as their histories record it.

        The keys are the policy names the disputes' ``Discovered`` events record
        (:attr:`Dispute.policy <fengqiao.Dispute.policy>`), whatever policy the ledger handles
        them under (a row's ``policy``); ``None`` counts the disputes whose history records
        none (written before fengqiao recorded it). Takes :meth:`count`'s conditions.

        Raises:
            ValidationError: a condition :meth:`disputes` does not take, or a bad value.
        """
        check_conditions(conditions, FILTER_NAMES)
        return self._recorded(filters(**conditions))

    def open(self, **conditions: Any) -> tuple[LedgerRow, ...]:
        """The disputes not in a terminal state (the open ledger), by id; takes :meth:`disputes`' conditions.

        Raises:
            ValidationError: a condition :meth:`disputes` does not take, or a bad value.
        """
        check_conditions(conditions, _OPEN_CONDITIONS)
        return self.disputes(open_only=True, **conditions)

    def select(self, **conditions: Any) -> Iterator[Dispute]:
        """The disputes whose rows meet every condition, as folded at their last append, by id.

        Takes :meth:`disputes`' conditions but ``limit``, and spans of time: ``discovered`` and
        ``received`` (the first alert), each ``(start, end)`` with ``end`` left out;
        ``due_before`` (some deadline unmet and past due then) and ``dossier_incomplete``.
        This is what a policy's reports read (:class:`~fengqiao.policies.reports.DisputeQuery`).

        Raises:
            ValidationError: a condition :func:`~fengqiao.ledger._filters` does not know, or a bad value.
        """
        check_conditions(conditions, FILTER_NAMES)
        chosen = filters(**conditions)
        return (d for _row, d in self._disputes(chosen))

    def row(self, dispute_id: str) -> LedgerRow:
        """One dispute's row.

        Raises:
            DisputeNotFound: the ledger has no such dispute.
        """
        return self._lookup(dispute_id)[0]

    def get(self, dispute_id: str) -> Dispute:
        """One dispute as folded at its last append (equal to replaying its stored history).

        Raises:
            DisputeNotFound: the ledger has no such dispute.
        """
        return self._lookup(dispute_id)[1]

    def _lookup(self, dispute_id: str) -> tuple[LedgerRow, Dispute]:
        found = self._find(check_lookup(dispute_id, "dispute_id"))
        if found is None:
            raise DisputeNotFound(dispute_id)
        return found

    # -- reports -----------------------------------------------------------------------------
    def overdue(
        self, at: datetime | None = None, *, policy: str | None = None, station: Value = None
    ) -> tuple[OverdueRow, ...]:
        """Every deadline unmet and past due at ``at`` (now by default), earliest due first.

        Deadlines are computed on read by each dispute's policy
        (``Workflow(policy).deadlines(d, at=at)``); ``policy`` keeps the disputes handled
        under that policy name only.
        """
        when = self.clock.now() if at is None else require_aware(at, "at")
        found: list[OverdueRow] = []
        for row, d in self._disputes(filters(policy=policy, station=station, due_before=when)):
            for check in self.book.workflow(row.policy).deadlines(d, at=when):
                if check.status is DeadlineStatus.OVERDUE:
                    found.append(OverdueRow.of(row, check.deadline))
        return tuple(sorted(found, key=lambda r: (r.due, r.dispute_id, r.code)))

    def resolution_rate(self, period: Period, policy: str | Policy) -> ResolutionRate:
        """The policy's figures over its disputes discovered in ``period``, as its ``metrics()`` counts them.

        ``policy`` selects the disputes handled under that name; a policy object also
        supplies the counting rules (Yongji with two decimals, say). Each dispute counts as
        it stands now in the ledger.
        """
        rules = self.book.resolve(policy)
        chosen = filters(policy=rules.name, discovered=_period(period))
        figures = rules.metrics(d for _row, d in self._disputes(chosen))
        return ResolutionRate.of(rules.name, period, figures)

    def resolution_rates(self, period: Period) -> tuple[ResolutionRate, ...]:
        """:meth:`resolution_rate` for every policy the ledger has disputes of in ``period``, by name."""
        names = self._policies(filters(discovered=_period(period)))
        return tuple(self.resolution_rate(period, name) for name in names)

    def dossier_completeness(
        self, policy: str | None = None, *, station: Value = None, incomplete_only: bool = False
    ) -> tuple[DossierRow, ...]:
        """Each dispute's dossier against its policy's requirements, by volume (A/B卷), by id.

        Disputes whose policy requires nothing are left out. For the requirements' texts, see
        :meth:`dossier_gaps`.
        """
        rows = self._dossiers(filters(policy=policy, station=station, dossier_incomplete=incomplete_only))
        return tuple(r for r in rows if r.required)

    def dossier_gaps(self, dispute_id: str) -> tuple[DossierRequirement, ...]:
        """The dossier requirements ``dispute_id`` does not meet yet, as its policy states them.

        Raises:
            DisputeNotFound: the ledger has no such dispute.
        """
        row, d = self._lookup(dispute_id)
        return self.book.workflow(row.policy).dossier_gaps(d)

    def report(self, policy: str | Policy, name: str, /, *arguments: Any, **options: Any) -> Any:
        """Run the report ``name`` that ``policy`` offers over this ledger, and return what it gives.

        The report is found through the policy (its ``reports()``), so a third-party policy's
        reports run as the built-in ones do; it reads the ledger through :meth:`select`.
        ``arguments`` and ``options`` are the report's own, e.g.
        ``ledger.report("huainan-two-clears", "dispatch", day, station="洞山派出所")``.

        Raises:
            ValidationError: an unknown policy, or a report it does not offer (the message lists
                those it does), or the report's own refusal of an argument.
        """
        return self._report(self.book.resolve(policy), name)(self, *arguments, **options)

    def _report(self, rules: Policy, name: str) -> Report:
        offered = reports_of(rules)
        if not isinstance(name, str) or name not in offered:
            known = ", ".join(sorted(offered)) or "none"
            raise ValidationError(f"{rules.name} offers no report called {quote(name)}; it offers: {known}", "name")
        return offered[name]

    def dispatch_report(
        self, day: date, *, station: str | None = None, seed: int | str = 0, policy: Policy | None = None
    ) -> Any:
        """Deprecated: use ``report("huainan-two-clears", "dispatch", day, station=…, seed=…)``.

        Huainan's 09:00 dispatch view of the alerts received on ``day``, per station: the
        ``"dispatch"`` report of ``policy`` (the registered ``huainan-two-clears`` by default).
        """
        _deprecated("dispatch_report", 'report("huainan-two-clears", "dispatch", day, …)')
        rules = registry.get(_DISPATCH[0]) if policy is None else policy
        if not isinstance(rules, Policy) or _DISPATCH[1] not in reports_of(rules):
            raise ValidationError(f"expected a HuainanTwoClears policy, got {type(policy).__name__}", "policy")
        return reports_of(rules)[_DISPATCH[1]](self, day, station=station, seed=seed)

    def reward_eligible(self, rule: Any = None, *, policy: str = _REWARDS[0]) -> Any:
        """Deprecated: use ``report("huaiyang-ten-categories", "rewards", rule)``.

        Huaiyang's informant rewards among the disputes handled under ``policy``: its
        ``"rewards"`` report (the registered ``huaiyang-ten-categories``'s if it has none), with
        its own ``reward_rule`` unless ``rule`` is given.
        """
        _deprecated("reward_eligible", 'report("huaiyang-ten-categories", "rewards", rule)')
        if not isinstance(policy, str):
            raise ValidationError(f"expected a policy name, got {type(policy).__name__}", "policy")
        try:
            offered = reports_of(self.book.policy(policy))
        except ValidationError:  # not registered here: the ledger has none of its disputes either
            offered = {}
        report = offered.get(_REWARDS[1]) or reports_of(registry.get(_REWARDS[0]))[_REWARDS[1]]
        return report(self, rule, policy=policy)


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"Ledger.{old}() is deprecated; use Ledger.{new}", DeprecationWarning, stacklevel=3)


def _period(period: Period) -> tuple[datetime, datetime]:
    if not isinstance(period, Period):
        raise ValidationError(f"expected a Period, got {type(period).__name__}", "period")
    return period.start, period.end
