"""What a ledger query asks for, checked once and answered alike by every back-end.

A :class:`Filters` value is matched in Python by the memory ledger (:meth:`Filters.match`)
and turned into a ``WHERE`` clause by the SQL ledgers (:meth:`Filters.where`); the two say
the same thing, and the shared contract tests hold them to it.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Collection, Set
from datetime import datetime
from typing import Any

import attrs

from fengqiao.domain._checks import require_aware
from fengqiao.domain._quote import quote
from fengqiao.domain.actor import Role
from fengqiao.domain.terms import Category, Channel
from fengqiao.errors import ValidationError
from fengqiao.ledger.rows import LedgerRow, utc

__all__ = ["FILTER_NAMES", "MAX_LIMIT", "Filters", "Value", "check_conditions", "check_limit", "filters"]

MAX_LIMIT = 2**63 - 1
"""The largest ``limit`` a query takes (SQL's ``LIMIT`` is a 64-bit integer)."""

Value = str | Collection[str] | None
"""One value (``"mediating"``), several (``{"red", "yellow"}``: any of them), or ``None`` (any)."""


@attrs.frozen(kw_only=True)
class Filters:
    """A ledger query's conditions; every one given must hold (``None``: no condition)."""

    states: frozenset[str] | None = None
    grades: frozenset[str] | None = None
    categories: frozenset[str] | None = None
    channels: frozenset[str] | None = None
    stations: frozenset[str] | None = None
    policies: frozenset[str] | None = None
    assignee: str | None = None
    role: str | None = None
    open_only: bool = False
    discovered: tuple[datetime, datetime] | None = None
    """``[start, end)`` of ``discovered_at``."""
    received: tuple[datetime, datetime] | None = None
    """``[start, end)`` of the first alert's ``received_at``."""
    due_before: datetime | None = None
    """``next_due`` earlier than this: some deadline is unmet and past due then."""
    dossier_incomplete: bool = False

    def match(self, row: LedgerRow) -> bool:
        """Whether ``row`` meets every condition."""
        for wanted, value in (
            (self.states, row.state),
            (self.grades, row.grade),
            (self.categories, row.category),
            (self.channels, row.channel),
            (self.stations, row.station),
            (self.policies, row.policy),
        ):
            if wanted is not None and (value is None or str(value) not in wanted):
                return False
        if self.open_only and not row.open:
            return False
        if self.assignee is not None and not any(
            person == self.assignee and (self.role is None or role == self.role) for role, person in row.assignees
        ):
            return False
        if self.discovered is not None and not self.discovered[0] <= row.discovered_at < self.discovered[1]:
            return False
        if self.received is not None and not self.received[0] <= row.received_at < self.received[1]:
            return False
        if self.due_before is not None and (row.next_due is None or not row.next_due < self.due_before):
            return False
        return not (self.dossier_incomplete and row.dossier_gaps == 0)

    def where(self, ts: Callable[[datetime], Any]) -> tuple[str, list[Any]]:
        """A SQL condition (``?`` placeholders) and its parameters; ``ts`` encodes times as stored."""
        terms: list[str] = []
        params: list[Any] = []
        for column, wanted in (
            ("state", self.states),
            ("grade", self.grades),
            ("category", self.categories),
            ("channel", self.channels),
            ("station", self.stations),
            ("policy", self.policies),
        ):
            if wanted is None:
                continue
            if not wanted:
                terms.append("1 = 0")
            elif len(wanted) == 1:
                terms.append(f"{column} = ?")
                params.extend(wanted)
            else:
                terms.append(f"{column} IN ({', '.join('?' * len(wanted))})")
                params.extend(sorted(wanted))
        if self.open_only:
            terms.append("is_open = TRUE")  # as the partial indexes spell it
        if self.assignee is not None:
            role = "" if self.role is None else " AND role = ?"
            terms.append(f"id IN (SELECT dispute_id FROM dispute_ledger_assignees WHERE person = ?{role})")
            params.extend([self.assignee] if self.role is None else [self.assignee, self.role])
        for column, span in (("discovered_at", self.discovered), ("received_at", self.received)):
            if span is not None:
                terms.append(f"{column} >= ? AND {column} < ?")
                params.extend([ts(span[0]), ts(span[1])])
        if self.due_before is not None:
            terms.append("next_due < ?")
            params.append(ts(self.due_before))
        if self.dossier_incomplete:
            terms.append("dossier_gaps > 0")
        return (" AND ".join(terms) or "1 = 1"), params


def _values(value: Value, name: str, parse: Callable[[str], str] | None = None) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        items: list[object] = [value]
    elif isinstance(value, Collection) and not isinstance(value, bytes | bytearray):
        items = list(value)
    else:
        raise ValidationError(f"expected text or a collection of text, got {type(value).__name__}", name)
    texts: list[str] = []
    for index, item in enumerate(items):
        if not isinstance(item, str):
            where = name if isinstance(value, Set) else f"{name}[{index}]"  # a set has no places to name
            raise ValidationError(f"expected text, got {type(item).__name__}", where)
        texts.append(parse(item) if parse else item)
    return frozenset(texts)


def _span(span: tuple[datetime, datetime] | None, name: str) -> tuple[datetime, datetime] | None:
    if span is None:
        return None
    if not isinstance(span, tuple | list) or len(span) != 2:
        raise ValidationError(f"expected a (start, end) pair of datetimes, got {type(span).__name__}", name)
    start, end = span
    return utc(require_aware(start, f"{name}.start")), utc(require_aware(end, f"{name}.end"))


def filters(
    *,
    state: Value = None,
    grade: Value = None,
    category: Value = None,
    channel: Value = None,
    station: Value = None,
    policy: Value = None,
    assignee: str | None = None,
    role: Role | str | None = None,
    open_only: bool = False,
    discovered: tuple[datetime, datetime] | None = None,
    received: tuple[datetime, datetime] | None = None,
    due_before: datetime | None = None,
    dossier_incomplete: bool = False,
) -> Filters:
    """Check a query's arguments and return them as :class:`Filters`.

    Raises:
        ValidationError: an unknown category, channel or role, a value that is neither text
            nor a collection of text (``state=5``), a span that is not a pair, or a naive
            datetime; the error names the argument.
    """
    if assignee is not None and not isinstance(assignee, str):
        raise ValidationError(f"expected a person's name, got {quote(assignee)}", "assignee")
    return Filters(
        states=_values(state, "state"),
        grades=_values(grade, "grade"),
        categories=_values(category, "category", lambda v: Category.parse(v, "category").value),
        channels=_values(channel, "channel", lambda v: Channel.parse(v, "channel").value),
        stations=_values(station, "station"),
        policies=_values(policy, "policy"),
        assignee=assignee,
        role=None if role is None else Role.parse(role, "role").value,
        open_only=bool(open_only),
        discovered=_span(discovered, "discovered"),
        received=_span(received, "received"),
        due_before=None if due_before is None else utc(require_aware(due_before, "due_before")),
        dossier_incomplete=bool(dossier_incomplete),
    )


FILTER_NAMES = tuple(inspect.signature(filters).parameters)
"""Every condition :func:`filters` takes, by name."""


def check_limit(limit: object) -> int | None:
    """``limit`` checked: ``None`` (no limit) or a whole number from 0 to :data:`MAX_LIMIT`.

    Raises:
        ValidationError: anything else (a bool is not a number here).
    """
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT:
        got = repr(limit) if isinstance(limit, int) and limit.bit_length() <= 128 else type(limit).__name__
        raise ValidationError(f"expected a limit from 0 to 2**63 - 1, got {got}", "limit")
    return limit


def check_conditions(conditions: Collection[str], known: Collection[str]) -> None:
    """Refuse a condition's name that is not one of ``known``, suggesting the nearest.

    Raises:
        ValidationError: the first unknown name; ``path`` is that name.
    """
    for name in conditions:
        if name not in known:
            near = difflib.get_close_matches(name, list(known), n=1)
            hint = f"; did you mean {near[0]}?" if near else f"; known: {', '.join(sorted(known))}"
            raise ValidationError(f"no condition is called {quote(name)}{hint}", name[:40])
