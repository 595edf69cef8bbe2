"""The ledger's household queries: one row per household, kept with every append like a dispute's.

:class:`~fengqiao.ledger.Ledger` takes these from :class:`HouseholdQueries`; a back-end supplies
the four primitives (rows, count, rows with their folded households, one by id). Reports read
the columns only where they can: :meth:`HouseholdQueries.household_figures` counts rows, and
:meth:`HouseholdQueries.household_overdue` folds only the households whose ``next_due`` has
passed (see :mod:`fengqiao.ledger._household_facts`).
"""

from __future__ import annotations

import abc
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import attrs

from fengqiao.domain._checks import require_aware
from fengqiao.domain.clock import Clock
from fengqiao.domain.household import RiskClass
from fengqiao.errors import HouseholdNotFound
from fengqiao.households import HouseholdWorkflow
from fengqiao.ledger._book import PolicyBook
from fengqiao.ledger._filters import Value, check_conditions, check_limit
from fengqiao.ledger._household_filters import HOUSEHOLD_FILTER_NAMES, HouseholdFilters, household_filters
from fengqiao.ledger.rows import HouseholdOverdue, HouseholdRow
from fengqiao.lifecycle.household import Household
from fengqiao.lifecycle.household_events import HouseholdState
from fengqiao.policies.base import DeadlineStatus
from fengqiao.storage._requests import check_lookup

__all__ = ["HouseholdQueries", "overdue_of"]

_ACTIVE = (str(HouseholdState.ASSESSED), str(HouseholdState.MANAGED))
_WATCHED = (str(HouseholdState.WATCHED), *_ACTIVE)


class HouseholdQueries(abc.ABC):
    """The household half of the ledger's queries (a mixin of :class:`~fengqiao.ledger.Ledger`)."""

    book: PolicyBook
    clock: Clock

    # -- what a back-end provides ---------------------------------------------------------
    @abc.abstractmethod
    def _household_rows(self, f: HouseholdFilters, limit: int | None) -> tuple[HouseholdRow, ...]:
        """Household rows meeting ``f``, by id."""

    @abc.abstractmethod
    def _household_count(self, f: HouseholdFilters) -> int:
        """How many household rows meet ``f``."""

    @abc.abstractmethod
    def _households(self, f: HouseholdFilters) -> Iterator[tuple[HouseholdRow, Household]]:
        """Household rows meeting ``f`` with their folded households, by id."""

    @abc.abstractmethod
    def _find_household(self, household_id: str) -> tuple[HouseholdRow, Household] | None:
        """One household's row and folded value, if the ledger has it."""

    # -- queries -------------------------------------------------------------------------------
    def households(
        self,
        *,
        village: Value = None,
        grid: Value = None,
        state: Value = None,
        risk_class: Value = None,
        policy: Value = None,
        classed: bool | None = None,
        reassessment_due: bool | None = None,
        help_pending: bool | None = None,
        open_only: bool = False,
        due_before: datetime | None = None,
        limit: int | None = None,
    ) -> tuple[HouseholdRow, ...]:
        """The household rows meeting every condition given, by household id, at most ``limit`` of them.

        ``village``, ``grid``, ``state``, ``risk_class`` (``"I"``, ``"II"``, ``"III"``) and
        ``policy`` take one value or a collection (any of them matches); ``classed``,
        ``reassessment_due`` and ``help_pending`` (help asked of a department and not reported
        on) take ``True`` or ``False``; ``due_before`` keeps households with a deadline unmet
        and past due then.

        Raises:
            ValidationError: an unknown risk class, a value of the wrong type, a naive time, or
                a bad ``limit``; the error names the argument.
        """
        f = household_filters(
            village=village,
            grid=grid,
            state=state,
            risk_class=risk_class,
            policy=policy,
            classed=classed,
            reassessment_due=reassessment_due,
            help_pending=help_pending,
            open_only=open_only,
            due_before=due_before,
        )
        return self._household_rows(f, check_limit(limit))

    def household_count(self, **conditions: Any) -> int:
        """How many rows :meth:`households` would give for the same conditions (``limit`` aside).

        Raises:
            ValidationError: a condition :meth:`households` does not take (with the nearest
                one it does), or a bad value.
        """
        check_conditions(conditions, HOUSEHOLD_FILTER_NAMES)
        return self._household_count(household_filters(**conditions))

    def recorded_household_policies(self, **conditions: Any) -> dict[str | None, int]:
        """How many households were screened under each household policy, as their histories record it.

        As :meth:`~fengqiao.ledger.Ledger.recorded_policies` for disputes: the keys are the
        names the ``HouseholdScreened`` events record (:attr:`Household.policy
        <fengqiao.Household.policy>`); ``None`` counts the households that record none.
        Takes :meth:`household_count`'s conditions.

        Raises:
            ValidationError: a condition :meth:`households` does not take, or a bad value.
        """
        check_conditions(conditions, HOUSEHOLD_FILTER_NAMES)
        counted = Counter(
            None if h.policy is None else h.policy.name for _row, h in self._households(household_filters(**conditions))
        )
        return dict(counted)

    def select_households(self, **conditions: Any) -> Iterator[Household]:
        """The households whose rows meet every condition, as folded at their last append, by id.

        Raises:
            ValidationError: a condition :meth:`households` does not take, or a bad value.
        """
        check_conditions(conditions, HOUSEHOLD_FILTER_NAMES)
        chosen = household_filters(**conditions)
        return (h for _row, h in self._households(chosen))

    def household(self, household_id: str) -> HouseholdRow:
        """One household's row.

        Raises:
            HouseholdNotFound: the ledger has no such household.
        """
        return self._household_lookup(household_id)[0]

    def get_household(self, household_id: str) -> Household:
        """One household as folded at its last append (equal to replaying its stored history).

        Raises:
            HouseholdNotFound: the ledger has no such household.
        """
        return self._household_lookup(household_id)[1]

    def _household_lookup(self, household_id: str) -> tuple[HouseholdRow, Household]:
        found = self._find_household(check_lookup(household_id, "household_id"))
        if found is None:
            raise HouseholdNotFound(household_id)
        return found

    def household_figures(self, *, village: Value = None, grid: Value = None) -> dict[str, int]:
        """``screened``, ``watched``, ``class.I`` … ``class.III`` and ``unclassed``, counted from the rows.

        The same figures as :func:`~fengqiao.ledger.household_figures` over the folded
        households, without folding any: ``watched`` counts households watched, assessed or
        managed; a class counts assessed and managed households of that class; ``unclassed``
        counts the watched households never assessed. ``village`` and ``grid`` narrow the
        households counted, as :meth:`households` takes them.

        Raises:
            ValidationError: a ``village`` or ``grid`` that is neither text nor a collection of text.
        """
        where: dict[str, Any] = {"village": village, "grid": grid}
        count = self._household_count
        figures = {
            "screened": count(household_filters(**where)),
            "watched": count(household_filters(state=_WATCHED, **where)),
        }
        for c in RiskClass:
            figures[f"class.{c}"] = count(household_filters(state=_ACTIVE, risk_class=c.value, **where))
        figures["unclassed"] = count(household_filters(state=str(HouseholdState.WATCHED), classed=False, **where))
        return figures

    def household_overdue(self, at: datetime | None = None, *, village: Value = None) -> tuple[HouseholdOverdue, ...]:
        """Every household deadline unmet and past due at ``at`` (now by default), earliest due first.

        Deadlines are the ledger's household policy's, computed on read from each household
        (``HouseholdWorkflow(policy).deadlines(h, at=at)``); only the households whose
        earliest unmet deadline has passed are read (and every household a row was projected
        under another household policy for, whose ``next_due`` that policy computed).

        Raises:
            ValidationError: a naive ``at``, or a bad ``village``.
        """
        when = self.clock.now() if at is None else require_aware(at, "at")
        chosen = (h for _row, h in self._households(self._due(when, village)))
        return overdue_of(self.book.households, chosen, when)

    def _due(self, when: datetime, village: Value) -> HouseholdFilters:
        chosen = household_filters(village=village, due_before=when)
        return attrs.evolve(chosen, judged_under=self.book.households.policy.name)


def overdue_of(
    workflow: HouseholdWorkflow, households: Iterable[Household], at: datetime
) -> tuple[HouseholdOverdue, ...]:
    """Every deadline of ``households`` unmet and past due at ``at``, earliest due first (then by household, code)."""
    found = [
        HouseholdOverdue(
            household_id=h.id,
            village=h.village,
            state=h.state,
            code=check.deadline.code,
            due=check.deadline.due,
            zh=check.deadline.zh,
            en=check.deadline.en,
        )
        for h in households
        for check in workflow.deadlines(h, at=at)
        if check.status is DeadlineStatus.OVERDUE
    ]
    return tuple(sorted(found, key=lambda r: (r.due, r.household_id, r.code)))
