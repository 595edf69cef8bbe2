"""The decision table itself: rules, a hit policy, a schema, deciding and explaining; only ``tables`` imports it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from fengqiao.errors import PolicyDefinitionError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.payloads import Assessment
from fengqiao.policies.tables import _loading
from fengqiao.policies.tables._dimensions import Read, Test
from fengqiao.policies.tables._model import ALWAYS, DISPUTES, Explanation, HitPolicy, Match, Rule
from fengqiao.policies.tables._schema import BaseFacts, Schema
from fengqiao.policies.tables._verify import verify

__all__ = ["DecisionTable"]


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _rules(values: Iterable[Rule]) -> tuple[Rule, ...]:
    return tuple(values)


def _hit_policy(value: HitPolicy | str) -> HitPolicy:
    return HitPolicy.parse(value, "hit_policy")


@attrs.frozen
class DecisionTable:
    """An ordered, validated list of rules with a hit policy. See :mod:`fengqiao.policies.tables`.

    ``schema`` says what the rules look at (:data:`DISPUTES` by default); every rule's
    condition is of its condition class (a rule without one matches everything).
    """

    name: str
    grades: tuple[str, ...] = attrs.field(converter=_strings)
    rules: tuple[Rule, ...] = attrs.field(converter=_rules)
    hit_policy: HitPolicy = attrs.field(default=HitPolicy.FIRST, converter=_hit_policy)
    schema: Schema = attrs.field(default=DISPUTES, kw_only=True)
    """What the rules look at and how facts are read from a subject (see :class:`Schema`)."""

    _plan: tuple[tuple[Test, Match], ...] = attrs.field(init=False, eq=False, repr=False)
    """Each rule's compiled test and its ready-made :class:`Match`, in the order rules win."""
    _values: Callable[[BaseFacts], Sequence[Any]] = attrs.field(init=False, eq=False, repr=False)
    """The values of the facts the compiled tests take, read from facts."""
    _readers: tuple[Read, ...] = attrs.field(init=False, eq=False, repr=False)
    """The same values read from a subject under its context (see :meth:`decide_subject`)."""

    def __attrs_post_init__(self) -> None:
        if self.schema is not DISPUTES and any(r.when is ALWAYS for r in self.rules):
            always = self.schema.condition()
            rules = tuple(attrs.evolve(r, when=always) if r.when is ALWAYS else r for r in self.rules)
            object.__setattr__(self, "rules", rules)
        kind = verify(self)
        plan = tuple((r.when._test, Match(r, r.when.describe())) for r in self._ordered())
        object.__setattr__(self, "_plan", plan)
        object.__setattr__(self, "_values", kind._values)
        object.__setattr__(self, "_readers", tuple(read for dim in kind._dimensions for _, read in dim.readers()))

    def matches(self, facts: BaseFacts) -> tuple[Rule, ...]:
        """Every rule whose condition ``facts`` meet, in table order."""
        values = self._values(facts)
        return tuple(r for r in self.rules if r.when._test(values))

    def decide(self, facts: BaseFacts) -> Match:
        """The winning rule for ``facts`` (a validated table always has one).

        Each rule's :class:`Match` (and the words of its reason) is made once, when the table
        is built, so deciding only runs the compiled tests.
        """
        return self._decide(self._values(facts), facts)

    def decide_dispute(self, dispute: Dispute, assessment: Assessment | None = None) -> Match:
        """``decide(Facts.of(dispute, assessment))``, without building the :class:`Facts` (the command path)."""
        a = self.schema.context(dispute, assessment)
        return self._decide([read(dispute, a) for read in self._readers], dispute)

    def decide_subject(self, subject: Any, given: Any = None) -> Match:
        """``decide(schema.facts_of(subject, given))``, without building the facts."""
        ctx = self.schema.context(subject, given)
        return self._decide([read(subject, ctx) for read in self._readers], subject)

    def _decide(self, values: Sequence[Any], of: object) -> Match:
        for test, match in self._plan:
            if test(values):
                return match
        raise PolicyDefinitionError(f"table {self.name}: no rule matches {of}")  # pragma: no cover

    def explain(self, facts: BaseFacts) -> Explanation:
        """The winning rule and, for every other rule, the tests it failed."""
        match = self.decide(facts)
        checks = tuple((r.id, tuple(r.when.failures(facts))) for r in self.rules if r is not match.rule)
        return Explanation(self.name, match, checks)

    def _ordered(self) -> tuple[Rule, ...]:
        if self.hit_policy is HitPolicy.PRIORITY:
            return tuple(sorted(self.rules, key=lambda r: -r.priority))
        return self.rules

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], *, source: str = "table", schema: Schema = DISPUTES
    ) -> DecisionTable:
        """Build a table of ``schema`` from plain data (as parsed from TOML or JSON).

        Each rule's ``when`` is read as the schema's condition. The data may name its schema
        (``schema = "households"``); it must then be ``schema``'s name.

        Raises:
            PolicyDefinitionError: malformed data (the message names the place) or a table
                that fails validation.
        """
        return _loading.from_mapping(cls, data, source=source, schema=schema)

    @classmethod
    def from_toml(cls, source: str | Path, *, schema: Schema = DISPUTES) -> DecisionTable:
        """Load a table of ``schema`` from a TOML file path or TOML text.

        Raises:
            PolicyDefinitionError: unreadable TOML, malformed data or a table that fails validation.
        """
        return _loading.from_toml(cls, source, schema=schema)
