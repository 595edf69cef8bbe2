"""A table's rows and what they look at: the one declaration of its input dimensions, facts, conditions, rules.

Only the tables package depends on this module directly; everyone else imports these names
from :mod:`fengqiao.policies.tables`.

**Adding a dimension** is one edit here: declare it in :data:`DIMENSIONS`, then give
:class:`Facts` and :class:`Condition` the typed attributes it names (the type checker needs
to see them; importing this module fails, naming what is missing, until they agree).
Matching, the words of :meth:`Condition.describe` and :meth:`Condition.failures`, loading
from TOML, the verifier's gap and overlap search and :meth:`Facts.of` all follow from the
declaration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, ClassVar, Literal, Self, TypeVar

import attrs

from fengqiao.domain.terms import Category, Channel, RiskFactor, Route
from fengqiao.domain.vocabulary import Vocabulary
from fengqiao.errors import PolicyDefinitionError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.payloads import Assessment
from fengqiao.policies.tables._dimensions import (
    Count,
    Dimension,
    Factors,
    Flags,
    OneOf,
    Read,
    Test,
    assessment_of,
    values_of,
)

_T = TypeVar("_T")

__all__ = ["DIMENSIONS", "Condition", "Explanation", "Facts", "HitPolicy", "Match", "Rule", "declared"]

# -- the declaration ---------------------------------------------------------------------------
CATEGORY = OneOf("category", "categories", Category, lambda d, _a: d.category)
CHANNEL = OneOf("channel", "channels", Channel, lambda d, _a: d.channel)
RISK_FACTORS = Factors(
    "risk_factors",
    any="any_factors",
    count="min_any",
    all="all_factors",
    none="no_factors",
    reader=lambda _d, a: a.risk_factors,
)
ALERTS = Count("alerts", floor=1, reader=lambda d, _a: len(d.alerts))
PARTIES = Count("parties", floor=0, reader=lambda d, _a: len(d.parties))
ASSESSMENT_FLAGS = Flags(("police_business", "meets_case_threshold", "complex"))

DIMENSIONS: tuple[Dimension, ...] = (CATEGORY, CHANNEL, RISK_FACTORS, ALERTS, PARTIES, ASSESSMENT_FLAGS)
"""What a rule can look at, in the order conditions test, describe and explain them."""


def declared(kind: Literal["facts", "fields"]) -> Callable[[type[_T]], type[_T]]:
    """Check that a class has exactly the ``kind`` its dimensions name (facts, or condition fields).

    It also caches what the class reads with: each fact's reader for :meth:`Facts.of`, or
    the getter of the facts' values a condition's compiled test takes.

    Raises:
        PolicyDefinitionError: a dimension names a field the class lacks, or the class has a
            field no dimension owns.
    """

    def check(cls: type[_T]) -> type[_T]:
        dims: tuple[Dimension, ...] = cls._dimensions  # type: ignore[attr-defined]
        names = [name for dim in dims for name in getattr(dim, kind)]
        have = [a.name for a in attrs.fields(cls) if a.init]  # type: ignore[arg-type]
        missing, extra = sorted(set(names) - set(have)), sorted(set(have) - set(names))
        if missing or extra or len(names) != len(set(names)):
            raise PolicyDefinitionError(
                f"{cls.__name__} disagrees with its dimensions: missing {', '.join(missing) or 'nothing'}, "
                f"undeclared {', '.join(extra) or 'nothing'}"
            )
        if kind == "facts":
            cls._readers = tuple(reader for dim in dims for reader in dim.readers())  # type: ignore[attr-defined]
        else:
            cls._values = values_of(dims)  # type: ignore[attr-defined]
        return cls

    return check


class HitPolicy(Vocabulary):
    """Which rule wins when several match."""

    FIRST = "first", "首条命中", "first match"
    PRIORITY = "priority", "优先级最高", "highest priority"
    UNIQUE = "unique", "唯一命中", "unique match"


def _categories(values: Iterable[Category | str] | None) -> frozenset[Category] | None:
    return None if values is None else frozenset(Category.parse(v, "categories") for v in values)


def _channels(values: Iterable[Channel | str] | None) -> frozenset[Channel] | None:
    return None if values is None else frozenset(Channel.parse(v, "channels") for v in values)


def _factors(values: Iterable[RiskFactor | str]) -> frozenset[RiskFactor]:
    return frozenset(RiskFactor.parse(v, "factors") for v in values)


def _flags(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values)


def _route(value: Route | str | None) -> Route | None:
    return None if value is None else Route.parse(value, "route")


@declared("facts")
@attrs.frozen(kw_only=True)
class Facts:
    """What a rule can look at: category, channel, risk factors, alerts, parties, assessment."""

    _dimensions: ClassVar[tuple[Dimension, ...]] = DIMENSIONS
    """The dimensions these facts answer (:data:`DIMENSIONS`)."""

    category: Category = Category.OTHER
    channel: Channel = Channel.ALARM_110
    risk_factors: frozenset[RiskFactor] = frozenset()
    alerts: int = ALERTS.floor
    parties: int = PARTIES.floor
    police_business: bool = True
    meets_case_threshold: bool = False
    complex: bool = False

    @classmethod
    def of(cls, dispute: Dispute, assessment: Assessment | None = None) -> Self:
        """The facts of ``dispute`` under ``assessment`` (its current one by default)."""
        a = assessment_of(dispute, assessment)
        return cls(**{name: read(dispute, a) for name, read in cls._readers})

    _readers: ClassVar[tuple[tuple[str, Read], ...]] = ()
    """Each fact's name and reader, from :attr:`_dimensions` (set by :func:`declared`)."""


def _always(_values: Sequence[Any]) -> bool:
    return True


def _compile(cond: Condition) -> Test:
    """``cond``'s tests as one function that builds no text: only the tests ``cond`` sets.

    The function takes the facts' values in the order of ``cond``'s dimensions (see
    :func:`~._dimensions.values_of`), so each test indexes them instead of looking them up.
    It answers exactly as "``cond.failures(facts)`` is empty" does (a property test holds the
    two together); ``failures`` stays the one that explains.
    """
    tests: list[Test] = []
    at = 0
    for dim in cond._dimensions:
        tests += dim.tests(cond, at)
        at += len(dim.facts)
    return _all(*tests) if tests else _always


def _all(first: Test, second: Test | None = None, third: Test | None = None, *rest: Test) -> Test:
    """The conjunction of tests, unrolled up to three (a loop costs more than the calls here)."""
    if second is None:
        return first
    if third is None:
        return lambda v: first(v) and second(v)
    if not rest:
        return lambda v: first(v) and second(v) and third(v)
    every = (first, second, third, *rest)

    def test(values: Sequence[Any]) -> bool:
        for t in every:  # noqa: SIM110 - a plain loop: all() over a generator costs twice as much here
            if not t(values):
                return False
        return True

    return test


@declared("fields")
@attrs.frozen(kw_only=True)
class Condition:
    """A conjunction of tests; a field left at its default does not constrain.

    ``any_factors`` with ``min_any`` means "at least ``min_any`` of these factors".
    """

    _dimensions: ClassVar[tuple[Dimension, ...]] = DIMENSIONS
    """The dimensions whose fields this condition has (:data:`DIMENSIONS`)."""

    categories: frozenset[Category] | None = attrs.field(default=None, converter=_categories)
    channels: frozenset[Channel] | None = attrs.field(default=None, converter=_channels)
    any_factors: frozenset[RiskFactor] = attrs.field(default=frozenset(), converter=_factors)
    min_any: int = 1
    all_factors: frozenset[RiskFactor] = attrs.field(default=frozenset(), converter=_factors)
    no_factors: frozenset[RiskFactor] = attrs.field(default=frozenset(), converter=_factors)
    min_alerts: int = ALERTS.floor
    max_alerts: int | None = None
    min_parties: int = PARTIES.floor
    max_parties: int | None = None
    police_business: bool | None = None
    meets_case_threshold: bool | None = None
    complex: bool | None = None
    _values: ClassVar[Callable[[Facts], Sequence[Any]]]
    """The values of the facts :attr:`_test` takes, in order (set by :func:`declared`)."""
    _test: Test = attrs.field(init=False, eq=False, repr=False)
    """:meth:`matches`, compiled once from the tests this condition sets (see :func:`_compile`)."""

    def __attrs_post_init__(self) -> None:
        # After every field is set, a subclass's own included (a Factory would run before them).
        object.__setattr__(self, "_test", _compile(self))

    def matches(self, facts: Facts) -> bool:
        """Whether ``facts`` pass every test (the same answer as "no :meth:`failures`", without the words)."""
        return self._test(type(self)._values(facts))

    def failures(self, facts: Facts) -> Iterator[str]:
        """A description of each test that ``facts`` fail."""
        for dim in self._dimensions:
            yield from dim.failures(self, facts)

    def describe(self) -> str:
        """The condition in words (``"any of weapon, threat; alerts ≥ 3"``); ``"always"`` if empty."""
        return "; ".join(part for dim in self._dimensions for part in dim.describe(self)) or "always"


@attrs.frozen(kw_only=True)
class Rule:
    """One row of a table: a condition and its outcome."""

    id: str
    grade: str
    when: Condition = Condition()
    route: Route | None = attrs.field(default=None, converter=_route)
    """``None``: route by the policy's own routing (case threshold, jurisdiction)."""
    flags: frozenset[str] = attrs.field(default=frozenset(), converter=_flags)
    priority: int = 0
    note: str = ""


@attrs.frozen
class Match:
    """The rule that fired, and why."""

    rule: Rule
    reason: str


@attrs.frozen
class Explanation:
    """Which rule fired for some facts, and why each other rule did or did not match."""

    table: str
    match: Match
    checks: tuple[tuple[str, tuple[str, ...]], ...]
    """Each other rule's id and the tests it failed (empty: it matched but lost)."""

    def __str__(self) -> str:
        lines = [f"{self.table}: rule {self.match.rule.id} fired ({self.match.reason})"]
        for rule_id, failed in self.checks:
            lines.append(f"  {rule_id}: " + ("matched, but lost" if not failed else "no — " + "; ".join(failed)))
        return "\n".join(lines)
