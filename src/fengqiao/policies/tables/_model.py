"""The dispute tables' rows and what they look at: their dimensions, facts, conditions, schema; rules.

Only the tables package depends on this module directly; everyone else imports these names
from :mod:`fengqiao.policies.tables`.

**Adding a dimension** to the dispute tables is one edit here: declare it in
:data:`DIMENSIONS`, then give :class:`Facts` and :class:`Condition` the typed attributes it
names (the type checker needs to see them; importing this module fails, naming what is
missing, until they agree). Matching, the words of :meth:`Condition.describe` and
:meth:`Condition.failures`, loading from TOML, the verifier's gap and overlap search and
:meth:`Facts.of` all follow from the declaration. Another kind of case declares a
:class:`~._schema.Schema` of its own the same way (:data:`DISPUTES` is this one).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Self

import attrs

from fengqiao.domain.terms import Category, Channel, RiskFactor, Route
from fengqiao.domain.vocabulary import Vocabulary
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.payloads import Assessment
from fengqiao.policies.tables._dimensions import Count, Dimension, Factors, Flags, OneOf
from fengqiao.policies.tables._schema import BaseCondition, BaseFacts, Schema, declared

__all__ = [
    "ALWAYS",
    "DIMENSIONS",
    "DISPUTES",
    "Condition",
    "Explanation",
    "Facts",
    "HitPolicy",
    "Match",
    "Rule",
    "assessment_of",
    "declared",
]

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


def assessment_of(dispute: Dispute, assessment: Assessment | None) -> Assessment:
    """``assessment``, else the dispute's current one, else one of its risk factors only."""
    return assessment or dispute.assessment or Assessment(risk_factors=dispute.risk_factors)


@declared("facts")
@attrs.frozen(kw_only=True)
class Facts(BaseFacts):
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


@declared("fields")
@attrs.frozen(kw_only=True)
class Condition(BaseCondition):
    """A conjunction of tests on a dispute's facts; a field left at its default does not constrain.

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


DISPUTES = Schema("disputes", Facts, Condition, assessment_of)
"""The dispute tables' schema (the default of every table): :data:`DIMENSIONS`, read from a dispute
under an assessment (the given one, else its current one)."""


ALWAYS = Condition()
"""A rule's default condition: it matches everything, under any schema (a table reads it as its schema's)."""


@attrs.frozen(kw_only=True)
class Rule:
    """One row of a table: a condition and its outcome."""

    id: str
    grade: str
    when: BaseCondition = ALWAYS
    """The rule's condition, of its table's schema; left out (:data:`ALWAYS`), it matches everything."""
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
