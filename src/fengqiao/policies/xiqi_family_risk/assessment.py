"""Assessing a household (精准评估): its factors through a decision table to a risk class and kinds of work.

An :class:`AssessmentTable` is a factor catalogue and a decision table of the household
schema whose grades are the risk classes (``I``, ``II``, ``III``) and whose rules' ``flags``
are kinds of work. :meth:`AssessmentTable.assess` gives a :class:`RiskAssessment`: the class
of the winning rule, and as kinds of work those the household's factors usually call for
(the catalogue's ``work``) together with the rule's flags.

>>> a = assess(["mental_illness", "dispute"])
>>> a.risk_class.value, a.rule, sorted(k.value for k in a.work)
('II', 'xiqi.II.key-person-in-dispute', ['dispute_mediation', 'key_person_control'])
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import attrs

from fengqiao.domain.household import FactorId, RiskClass, WorkKind
from fengqiao.domain.vocabulary import Lang
from fengqiao.errors import PolicyDefinitionError, ValidationError
from fengqiao.policies.tables import DecisionTable, HitPolicy, Rule
from fengqiao.policies.xiqi_family_risk.catalogue import Factor, FactorCatalogue, read_data
from fengqiao.policies.xiqi_family_risk.schema import (
    HOUSEHOLDS,
    HouseholdCondition,
    HouseholdFacts,
    describe,
    failures,
)

__all__ = ["CLASSES", "AssessmentTable", "RiskAssessment", "assess", "default_assessment_table"]

CLASSES = tuple(c.value for c in RiskClass)
"""The grades an assessment table must have, highest first: ``("I", "II", "III")``."""


@attrs.frozen(kw_only=True)
class RiskAssessment:
    """A household's assessment: its risk class (风险等级), kinds of work (工作类别) and the rule that decided.

    ``explain()`` says why, in Chinese or English, from the table that assessed it (kept
    with the value, not part of its equality).
    """

    risk_class: RiskClass
    work: frozenset[WorkKind]
    """The kinds of work: the factors' usual ones and the winning rule's flags, together."""
    rule: str
    """The id of the rule that classed the household."""
    factors: frozenset[FactorId]
    table: AssessmentTable = attrs.field(eq=False, repr=False)
    """The table that made this assessment (for :meth:`explain`)."""

    def explain(self, lang: Lang = "zh") -> str:
        """Why this class and these kinds of work, in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.table.explain(self.factors, lang)


def _check_rules(table: DecisionTable, catalogue: FactorCatalogue, path: str) -> None:
    """Refuse a table whose classes, kinds of work or factors the assessment cannot use."""
    if tuple(table.grades) != CLASSES:
        raise PolicyDefinitionError(f"{path}.grades: an assessment table's grades are {', '.join(CLASSES)}")
    for i, rule in enumerate(table.rules):
        where = f"{path}.rules[{i}]"
        for flag in rule.flags:
            WorkKind.parse(flag, f"{where}.flags")
        for name, factors in _when(rule).named():
            for code in sorted(factors):
                catalogue.parse(code, f"{where}.when.{name}")


def _when(rule: Rule) -> HouseholdCondition:
    """``rule``'s condition, of the household schema (its table checked that)."""
    assert isinstance(rule.when, HouseholdCondition)
    return rule.when


_TEXT = {
    "zh": {
        "head": "{cls}（规则 {rule}：{when}）",
        "factors": "风险因素（{n} 项）：{names}",
        "work": "工作类别：{names}",
        "tried": "先于它而未命中的规则：",
        "rule": "  {rule}（{cls}）：{why}",
        "sep": "、",
        "why_sep": "；",
        "none": "无",
    },
    "en": {
        "head": "{cls} (rule {rule}: {when})",
        "factors": "factors ({n}): {names}",
        "work": "kinds of work: {names}",
        "tried": "rules tried first, not matched:",
        "rule": "  {rule} ({cls}): {why}",
        "sep": ", ",
        "why_sep": "; ",
        "none": "none",
    },
}
"""The words of :meth:`AssessmentTable.explain`, by language."""


@attrs.frozen
class AssessmentTable:
    """A factor catalogue and the household decision table that classes by it; see the module docs.

    Raises:
        PolicyDefinitionError: the table is not of the household schema, or its grades are
            not ``I``, ``II``, ``III``.
        ValidationError: a rule's flag is not a kind of work, or a rule names a factor the
            catalogue does not have (the path names the rule's field; the message, the
            closest known code).
    """

    catalogue: FactorCatalogue
    table: DecisionTable

    def __attrs_post_init__(self) -> None:
        if self.table.schema is not HOUSEHOLDS:
            raise PolicyDefinitionError(f"table {self.table.name}: an assessment table has the households schema")
        _check_rules(self.table, self.catalogue, "assessment")

    def facts(self, factors: Iterable[object]) -> HouseholdFacts:
        """The facts of a household with ``factors`` (codes of this catalogue).

        Raises:
            ValidationError: a factor the catalogue does not have (path ``factors``).
        """
        have = self.catalogue.parse_all(factors, "factors")
        return HouseholdFacts(factors=have, count=len(have))

    def assess(self, factors: Iterable[object]) -> RiskAssessment:
        """The risk class and kinds of work of a household with ``factors``.

        Raises:
            ValidationError: a factor the catalogue does not have (path ``factors``).
        """
        facts = self.facts(factors)
        rule = self.table.decide(facts).rule
        work = self.catalogue.work(facts.factors) | {WorkKind(f) for f in rule.flags}
        return RiskAssessment(
            risk_class=RiskClass(rule.grade), work=work, rule=rule.id, factors=facts.factors, table=self
        )

    def explain(self, factors: Iterable[object], lang: Lang = "zh") -> str:
        """Why a household with ``factors`` gets its class and kinds of work, in ``lang``.

        The first line names the class and the rule with its condition; then the factors,
        the kinds of work, and each rule tried before the winner with the tests it failed.

        Raises:
            ValidationError: an unknown language (path ``lang``) or factor (path ``factors``).
        """
        if lang not in _TEXT:
            raise ValidationError(f"unknown language {lang!r}; expected 'zh' or 'en'", "lang")
        text, facts = _TEXT[lang], self.facts(factors)
        result = self.assess(facts.factors)
        rule = next(r for r in self.table.rules if r.id == result.rule)
        label, order = self._label(lang), self.catalogue.position

        def names(values: Iterable[str]) -> str:
            return text["sep"].join(values) or text["none"]

        when = describe(_when(rule), lang, label, order)
        work = sorted(result.work, key=list(WorkKind).index)
        lines = [
            text["head"].format(cls=result.risk_class.label(lang), rule=rule.id, when=when),
            text["factors"].format(
                n=len(facts.factors), names=names(label(f) for f in sorted(facts.factors, key=order))
            ),
            text["work"].format(names=names(k.label(lang) for k in work)),
        ]
        tried = self._tried_before(rule)
        if tried:
            lines.append(text["tried"])
            for other in tried:
                why = text["why_sep"].join(failures(_when(other), facts, lang, label, order))
                lines.append(text["rule"].format(rule=other.id, cls=RiskClass(other.grade).label(lang), why=why))
        return "\n".join(lines)

    def _tried_before(self, winner: Rule) -> list[Rule]:
        """The rules the hit policy tries before ``winner`` (by priority first, under ``priority``)."""
        by_priority = self.table.hit_policy is HitPolicy.PRIORITY

        def rank(rule: Rule) -> tuple[int, int]:
            return (-rule.priority if by_priority else 0, self.table.rules.index(rule))

        return sorted((r for r in self.table.rules if rank(r) < rank(winner)), key=rank)

    def _label(self, lang: Lang) -> Callable[[FactorId], str]:
        return lambda code: self.catalogue.label(code, lang)

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], *, source: str = "assessment", extra_factors: Iterable[Factor] = ()
    ) -> AssessmentTable:
        """An assessment table from plain data: ``factors`` (a list) and ``assessment`` (a table).

        ``extra_factors`` are a policy's own, added after the data's.

        Raises:
            ValidationError: a malformed or unknown factor (the path names it).
            PolicyDefinitionError: a malformed table, or one that fails verification (a gap,
                an overlap, a rule that never fires; the message names the rules).
        """
        if "factors" not in data or "assessment" not in data:
            raise PolicyDefinitionError(f"{source}: needs both [[factors]] and [assessment]")
        catalogue = FactorCatalogue.from_mapping(data["factors"]).extended(*extra_factors)
        table = DecisionTable.from_mapping(data["assessment"], source=f"{source}: assessment", schema=HOUSEHOLDS)
        return cls(catalogue, table)

    @classmethod
    def from_toml(cls, source: str | Path, *, extra_factors: Iterable[Factor] = ()) -> AssessmentTable:
        """An assessment table from a TOML file path or TOML text (the shape of the shipped one).

        A one-line text ending in ``.toml`` is a path, as for :meth:`DecisionTable.from_toml`.

        Raises:
            ValidationError: see :meth:`from_mapping`.
            PolicyDefinitionError: unreadable TOML; see :meth:`from_mapping`.
        """
        if isinstance(source, Path) or ("\n" not in source and source.endswith(".toml")):
            source = Path(source)
            try:
                text, name = source.read_text(encoding="utf-8"), str(source)
            except OSError as exc:
                raise PolicyDefinitionError(f"cannot read assessment table {source}: {exc}") from exc
        else:
            text, name = source, "TOML text"
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyDefinitionError(f"{name}: invalid TOML: {exc}") from exc
        return cls.from_mapping(data, source=name, extra_factors=extra_factors)


@cache
def default_assessment_table() -> AssessmentTable:
    """The shipped default: ``policies/data/xiqi_family_risk.toml`` (14 factors, the documented rules)."""
    return AssessmentTable.from_toml(read_data())


def assess(factors: Iterable[object], *, table: AssessmentTable | None = None) -> RiskAssessment:
    """The risk class and kinds of work of a household with ``factors``, by ``table`` (the default if ``None``).

    Raises:
        ValidationError: a factor the table's catalogue does not have (path ``factors``).
    """
    return (table or default_assessment_table()).assess(factors)
