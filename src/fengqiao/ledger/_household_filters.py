"""What a household query asks for, checked once and answered alike by every back-end.

The household twin of :mod:`fengqiao.ledger._filters`: :meth:`HouseholdFilters.match` for the
memory ledger, :meth:`HouseholdFilters.where` for the SQL ledgers' ``household_ledger`` table.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from fengqiao.domain._checks import require_aware
from fengqiao.domain._quote import quote
from fengqiao.domain.household import RiskClass
from fengqiao.errors import ValidationError
from fengqiao.ledger._filters import Value, _values
from fengqiao.ledger.rows import HouseholdRow, utc

__all__ = ["HOUSEHOLD_FILTER_NAMES", "HouseholdFilters", "household_filters"]


@attrs.frozen(kw_only=True)
class HouseholdFilters:
    """A household query's conditions; every one given must hold (``None``: no condition)."""

    villages: frozenset[str] | None = None
    grids: frozenset[str] | None = None
    states: frozenset[str] | None = None
    risk_classes: frozenset[str] | None = None
    policies: frozenset[str] | None = None
    classed: bool | None = None
    """``True``: assessed at least once (a risk class); ``False``: never assessed."""
    reassessment_due: bool | None = None
    help_pending: bool | None = None
    """``True``: some help asked of a department is not reported on; ``False``: none."""
    open_only: bool = False
    due_before: datetime | None = None
    """``next_due`` earlier than this: some deadline is unmet and past due then."""
    judged_under: str | None = None
    """With ``due_before``: the household policy judging now. A row projected under another
    policy has a ``next_due`` that policy computed, so it is a candidate whatever its ``next_due``."""

    def match(self, row: HouseholdRow) -> bool:
        """Whether ``row`` meets every condition."""
        for wanted, value in (
            (self.villages, row.village),
            (self.grids, row.grid),
            (self.states, row.state),
            (self.risk_classes, row.risk_class),
            (self.policies, row.policy),
        ):
            if wanted is not None and (value is None or str(value) not in wanted):
                return False
        for flag, actual in (
            (self.classed, row.risk_class is not None),
            (self.reassessment_due, row.reassessment_due),
            (self.help_pending, row.pending_help > 0),
        ):
            if flag is not None and flag != actual:
                return False
        if self.open_only and not row.open:
            return False
        if self.due_before is None or (self.judged_under is not None and row.policy != self.judged_under):
            return True
        return row.next_due is not None and row.next_due < self.due_before

    def where(self, ts: Callable[[datetime], Any]) -> tuple[str, list[Any]]:
        """A SQL condition on ``household_ledger`` (``?`` placeholders) and its parameters."""
        terms: list[str] = []
        params: list[Any] = []
        for column, wanted in (
            ("village", self.villages),
            ("grid", self.grids),
            ("state", self.states),
            ("risk_class", self.risk_classes),
            ("policy", self.policies),
        ):
            if wanted is None:
                continue
            if not wanted:
                terms.append("1 = 0")
            else:
                terms.append(f"{column} IN ({', '.join('?' * len(wanted))})")
                params.extend(sorted(wanted))
        for flag, yes, no in (
            (self.classed, "risk_class IS NOT NULL", "risk_class IS NULL"),
            (self.reassessment_due, "reassessment_due = TRUE", "reassessment_due = FALSE"),
            (self.help_pending, "pending_help > 0", "pending_help = 0"),
        ):
            if flag is not None:
                terms.append(yes if flag else no)
        if self.open_only:
            terms.append("is_open = TRUE")
        if self.due_before is not None and self.judged_under is not None:
            terms.append("(next_due < ? OR policy <> ?)")
            params.extend([ts(self.due_before), self.judged_under])
        elif self.due_before is not None:
            terms.append("next_due < ?")
            params.append(ts(self.due_before))
        return (" AND ".join(terms) or "1 = 1"), params


def _flag(value: object, name: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValidationError(f"expected True, False or None, got {quote(value)}", name)


def household_filters(
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
) -> HouseholdFilters:
    """Check a household query's arguments and return them as :class:`HouseholdFilters`.

    Raises:
        ValidationError: an unknown risk class, a value that is neither text nor a collection
            of text, a flag that is not ``True``/``False``/``None``, or a naive datetime; the
            error names the argument.
    """
    return HouseholdFilters(
        villages=_values(village, "village"),
        grids=_values(grid, "grid"),
        states=_values(state, "state"),
        risk_classes=_values(risk_class, "risk_class", lambda v: RiskClass.parse(v, "risk_class").value),
        policies=_values(policy, "policy"),
        classed=_flag(classed, "classed"),
        reassessment_due=_flag(reassessment_due, "reassessment_due"),
        help_pending=_flag(help_pending, "help_pending"),
        open_only=bool(open_only),
        due_before=None if due_before is None else utc(require_aware(due_before, "due_before")),
    )


HOUSEHOLD_FILTER_NAMES = tuple(inspect.signature(household_filters).parameters)
"""Every condition :func:`household_filters` takes, by name."""
