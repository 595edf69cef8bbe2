"""The household schema of decision tables: a household's risk factors and their number, and the words for them.

A household table's rule asks for any (at least ``min_any``), all or none of some factors,
and for a number of factors of any kind (``min_count``, ``max_count``)::

    [assessment.rules.when]
    all_factors = ["dispute"]
    any_factors = ["mental_illness", "drug_user"]

The factors are an open set (a policy's catalogue may add its own), so the verifier's gap
and overlap checks hold for any catalogue (see ``FactorSet``). A subject is read as its
``risk_factors`` if it has them (a household value), else as the factors themselves.

>>> from fengqiao.policies.tables import DecisionTable, Rule
>>> table = DecisionTable(name="demo", grades=("II", "III"), schema=HOUSEHOLDS, rules=(
...     Rule(id="many", grade="II", when=HouseholdCondition(min_count=2)),
...     Rule(id="rest", grade="III"),
... ))
>>> table.decide_subject({"dispute", "petition"}).rule.id
'many'
>>> describe(table.rules[0].when, "zh", str), describe(table.rules[0].when, "en", str)
('风险因素不少于 2 项', 'at least 2 factors')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

import attrs

from fengqiao.domain.household import FactorId
from fengqiao.domain.vocabulary import Lang
from fengqiao.errors import ValidationError
from fengqiao.policies.tables import (
    BaseCondition,
    BaseFacts,
    Count,
    Dimension,
    Factors,
    FactorSet,
    Schema,
    declared,
)
from fengqiao.policies.xiqi_family_risk.catalogue import factor_id

__all__ = ["HOUSEHOLDS", "HouseholdCondition", "HouseholdFacts", "describe", "factors_of", "failures"]

FACTORS = FactorSet(
    Factors(
        "factors",
        any="any_factors",
        count="min_any",
        all="all_factors",
        none="no_factors",
        reader=lambda _subject, factors: factors,
    ),
    Count("count", floor=0, reader=lambda _subject, factors: len(factors)),
)
"""The one dimension of the household schema: the set of factors and its size, checked together."""

DIMENSIONS: tuple[Dimension, ...] = (FACTORS,)
"""What a household rule can look at."""


def _ids(values: Iterable[object], path: str = "factors") -> frozenset[FactorId]:
    if isinstance(values, str):
        values = (values,)
    return frozenset(factor_id(v, path) for v in values)


def _any(values: Iterable[object]) -> frozenset[FactorId]:
    return _ids(values, "any_factors")


def _all(values: Iterable[object]) -> frozenset[FactorId]:
    return _ids(values, "all_factors")


def _none(values: Iterable[object]) -> frozenset[FactorId]:
    return _ids(values, "no_factors")


def factors_of(subject: Any, _given: Any = None) -> frozenset[FactorId]:
    """The factors of ``subject``: its ``risk_factors`` if it has them, else the factors it is."""
    return _ids(getattr(subject, "risk_factors", subject))


def _count(facts: HouseholdFacts) -> int:
    return len(facts.factors)


@declared("facts")
@attrs.frozen(kw_only=True)
class HouseholdFacts(BaseFacts):
    """What a household rule can look at: its risk factors and how many there are."""

    _dimensions: ClassVar[tuple[Dimension, ...]] = DIMENSIONS

    factors: frozenset[FactorId] = attrs.field(default=frozenset(), converter=_ids)
    count: int = attrs.field(default=attrs.Factory(_count, takes_self=True))
    """The number of factors (by default, of ``factors``); never fewer than ``factors`` holds."""

    def __attrs_post_init__(self) -> None:
        if self.count < len(self.factors):
            raise ValidationError(f"{self.count} is fewer than the {len(self.factors)} factors given", "count")


@declared("fields")
@attrs.frozen(kw_only=True)
class HouseholdCondition(BaseCondition):
    """A conjunction of tests on a household's factors; a field left at its default does not constrain.

    ``any_factors`` with ``min_any`` means "at least ``min_any`` of these factors";
    ``min_count`` and ``max_count`` bound the number of factors of any kind.
    """

    _dimensions: ClassVar[tuple[Dimension, ...]] = DIMENSIONS

    any_factors: frozenset[FactorId] = attrs.field(default=frozenset(), converter=_any)
    min_any: int = 1
    all_factors: frozenset[FactorId] = attrs.field(default=frozenset(), converter=_all)
    no_factors: frozenset[FactorId] = attrs.field(default=frozenset(), converter=_none)
    min_count: int = 0
    max_count: int | None = None

    def named(self) -> Iterator[tuple[str, frozenset[FactorId]]]:
        """Each factor field this condition sets, with its factors (for checking them against a catalogue)."""
        for name in ("any_factors", "all_factors", "no_factors"):
            factors: frozenset[FactorId] = getattr(self, name)
            if factors:
                yield name, factors


HOUSEHOLDS = Schema("households", HouseholdFacts, HouseholdCondition, factors_of)
"""The household schema: a table with ``schema=HOUSEHOLDS`` classes households by their factors."""

_Label = Callable[[FactorId], str]
"""How a factor is shown (its label in a language, or its code)."""
_Order = Callable[[FactorId], Any]
"""The order factors are shown in (a catalogue's; by default, by code)."""

_WORDS = {
    "zh": {
        "sep": "、",
        "and": "；且",
        "any": "有以下之一：{}",
        "at_least": "以下至少 {k} 项：{}",
        "all": "同时有：{}",
        "none": "没有：{}",
        "count": "风险因素{}",
        "min": "不少于 {} 项",
        "max": "不多于 {} 项",
        "between": "{} 至 {} 项",
        "always": "其余情形",
        "lacks_any": "以下一项也没有：{}",
        "too_few": "以下不足 {k} 项：{}",
        "lacks": "缺少：{}",
        "has": "有：{}",
        "count_off": "风险因素 {n} 项，未满足“{}”",
    },
    "en": {
        "sep": ", ",
        "and": "; and ",
        "any": "any of {}",
        "at_least": "at least {k} of {}",
        "all": "all of {}",
        "none": "none of {}",
        "count": "{} factors",
        "min": "at least {}",
        "max": "at most {}",
        "between": "{} to {}",
        "always": "otherwise",
        "lacks_any": "none of {}",
        "too_few": "fewer than {k} of {}",
        "lacks": "lacks {}",
        "has": "has {}",
        "count_off": "{n} factors, wanted {}",
    },
}


def _words(lang: Lang) -> dict[str, str]:
    if lang not in _WORDS:
        raise ValidationError(f"unknown language {lang!r}; expected 'zh' or 'en'", "lang")
    return _WORDS[lang]


def _join(factors: Iterable[FactorId], label: _Label, sep: str, order: _Order) -> str:
    return sep.join(label(f) for f in sorted(factors, key=order))


def _range(cond: HouseholdCondition, w: dict[str, str]) -> str:
    lo, hi = cond.min_count, cond.max_count
    if hi is None:
        return w["min"].format(lo)
    return w["max"].format(hi) if lo <= 0 else w["between"].format(lo, hi)


def describe(cond: HouseholdCondition, lang: Lang, label: _Label, order: _Order = str) -> str:
    """``cond`` in words of ``lang``, each factor shown by ``label`` in ``order`` ("otherwise" if it is empty)."""
    w = _words(lang)
    parts = []
    if cond.any_factors:
        names = _join(cond.any_factors, label, w["sep"], order)
        parts.append(w["any"].format(names) if cond.min_any <= 1 else w["at_least"].format(names, k=cond.min_any))
    if cond.all_factors:
        parts.append(w["all"].format(_join(cond.all_factors, label, w["sep"], order)))
    if cond.no_factors:
        parts.append(w["none"].format(_join(cond.no_factors, label, w["sep"], order)))
    if (cond.min_count, cond.max_count) != (0, None):
        parts.append(w["count"].format(_range(cond, w)))
    return w["and"].join(parts) or w["always"]


def failures(
    cond: HouseholdCondition, facts: HouseholdFacts, lang: Lang, label: _Label, order: _Order = str
) -> tuple[str, ...]:
    """Each test of ``cond`` that ``facts`` fail, in words of ``lang`` (empty: ``cond`` matches)."""
    w, have = _words(lang), facts.factors
    out = []
    if cond.any_factors and len(have & cond.any_factors) < cond.min_any:
        names = _join(cond.any_factors, label, w["sep"], order)
        out.append(w["lacks_any"].format(names) if cond.min_any <= 1 else w["too_few"].format(names, k=cond.min_any))
    if not cond.all_factors <= have:
        out.append(w["lacks"].format(_join(cond.all_factors - have, label, w["sep"], order)))
    if cond.no_factors & have:
        out.append(w["has"].format(_join(cond.no_factors & have, label, w["sep"], order)))
    n = facts.count
    if not (cond.min_count <= n and (cond.max_count is None or n <= cond.max_count)):
        out.append(w["count_off"].format(_range(cond, w), n=n))
    return tuple(out)
