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

from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar, Self

import attrs

from fengqiao.domain.vocab import Category, Channel, RiskFactor, Route
from fengqiao.domain.vocabulary import Vocabulary
from fengqiao.errors import PolicyDefinitionError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.payloads import Assessment
from fengqiao.policies.tables._dimensions import Count, Dimension, Factors, Flags, OneOf

__all__ = ["DIMENSIONS", "Condition", "Explanation", "Facts", "HitPolicy", "Match", "Rule", "check_declared"]

# -- the declaration ---------------------------------------------------------------------------
CATEGORY = OneOf("category", "categories", Category, lambda d, _a: d.category)
CHANNEL = OneOf("channel", "channels", Channel, lambda d, _a: d.channel)
RISK_FACTORS = Factors(
    "risk_factors", any="any_factors", count="min_any", all="all_factors", none="no_factors", reader=lambda _d, a: a.risk_factors
)
ALERTS = Count("alerts", floor=1, reader=lambda d, _a: len(d.alerts))
PARTIES = Count("parties", floor=0, reader=lambda d, _a: len(d.parties))
ASSESSMENT_FLAGS = Flags(("police_business", "meets_case_threshold", "complex"))

DIMENSIONS: tuple[Dimension, ...] = (CATEGORY, CHANNEL, RISK_FACTORS, ALERTS, PARTIES, ASSESSMENT_FLAGS)
"""What a rule can look at, in the order conditions test, describe and explain them."""


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
        a = assessment or dispute.assessment or Assessment(risk_factors=dispute.risk_factors)
        values: dict[str, Any] = {}
        for dim in cls._dimensions:
            values.update(dim.read(dispute, a))
        return cls(**values)


def _always(_facts: Facts) -> bool:
    return True


def _compile(cond: Condition) -> Callable[[Facts], bool]:
    """``cond``'s tests as one function that builds no text: only the tests ``cond`` sets.

    It answers exactly as "``cond.failures(facts)`` is empty" does (a property test holds the
    two together); ``failures`` stays the one that explains.
    """
    tests = [test for dim in cond._dimensions for test in dim.tests(cond)]
    if not tests:
        return _always
    if len(tests) == 1:
        return tests[0]
    every = tuple(tests)

    def test(facts: Facts) -> bool:
        for t in every:  # noqa: SIM110 - a plain loop: all() over a generator costs twice as much here
            if not t(facts):
                return False
        return True

    return test


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
    _test: Callable[[Facts], bool] = attrs.field(
        init=False, eq=False, repr=False, default=attrs.Factory(lambda self: _compile(self), takes_self=True)
    )
    """:meth:`matches`, compiled once from the tests this condition sets (see :func:`_compile`)."""

    def matches(self, facts: Facts) -> bool:
        """Whether ``facts`` pass every test (the same answer as "no :meth:`failures`", without the words)."""
        return self._test(facts)

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


def check_declared(cls: type[Any]) -> None:
    """Refuse ``cls`` (facts or a condition) unless its fields are exactly what its dimensions name.

    Raises:
        PolicyDefinitionError: a dimension names a field ``cls`` lacks, or ``cls`` has a field
            no dimension owns.
    """
    kind = "facts" if issubclass(cls, Facts) else "fields"
    declared = [name for dim in cls._dimensions for name in getattr(dim, kind)]
    have = [a.name for a in attrs.fields(cls) if a.init]
    missing, extra = sorted(set(declared) - set(have)), sorted(set(have) - set(declared))
    if missing or extra or len(declared) != len(set(declared)):
        raise PolicyDefinitionError(
            f"{cls.__name__} disagrees with its dimensions: missing {', '.join(missing) or 'nothing'}, "
            f"undeclared {', '.join(extra) or 'nothing'}"
        )


check_declared(Facts)
check_declared(Condition)
