"""A table's input dimensions are declared once: a test-only dimension reaches every part of a table.

The built-in tables look at :data:`~fengqiao.policies.tables._model.DIMENSIONS`. Here a table
spec made only for this test adds one more, a disputed ``amount``, by declaring it and the
typed fields it names; matching, the words, loading, the verifier and ``Facts.of`` follow.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

import attrs
import pytest

import fengqiao as fq
from fengqiao.lifecycle.payloads import Assessment
from fengqiao.policies.tables import Condition, DecisionTable, Facts, Rule
from fengqiao.policies.tables._dimensions import Count, Dimension
from fengqiao.policies.tables._model import DIMENSIONS, declared
from fengqiao.serde import converter

AMOUNT = Count("amount", floor=0, reader=lambda d, _a: 1000 * len(d.parties))
"""The one new declaration: a count, read (for this test) as 1,000 per party."""

_COURT = (*DIMENSIONS, AMOUNT)


@declared("facts")
@attrs.frozen(kw_only=True)
class CourtFacts(Facts):
    """The built-in facts and the amount."""

    _dimensions: ClassVar[tuple[Dimension, ...]] = _COURT
    amount: int = 0


@declared("fields")
@attrs.frozen(kw_only=True)
class CourtCondition(Condition):
    """The built-in condition and bounds on the amount."""

    _dimensions: ClassVar[tuple[Dimension, ...]] = _COURT
    min_amount: int = 0
    max_amount: int | None = None


def _table(*rules: Rule, hit_policy: str = "first") -> DecisionTable:
    return DecisionTable(name="court", grades=("high", "low"), rules=rules, hit_policy=hit_policy)


_BIG = Rule(id="big", grade="high", when=CourtCondition(min_amount=10_000))


def test_a_declared_dimension_is_matched_and_explained_in_its_own_words() -> None:
    table = _table(_BIG, Rule(id="rest", grade="low", when=CourtCondition()))
    assert table.decide(CourtFacts(amount=20_000)).rule.id == "big"
    assert table.decide(CourtFacts(amount=9_999)).rule.id == "rest"
    assert table.decide(CourtFacts(amount=20_000)).reason == "amount in [10000, ∞]"
    assert str(table.explain(CourtFacts(amount=3))) == (
        "court: rule rest fired (always)\n  big: no — amount 3 not in [10000, ∞]"
    )


def test_the_verifier_finds_a_gap_in_a_declared_dimension_when_the_table_is_built() -> None:
    small = Rule(id="small", grade="low", when=CourtCondition(max_amount=5_000))
    with pytest.raises(fq.PolicyDefinitionError, match=r"no rule covers inputs such as .*parties=0, amount=5001$"):
        _table(_BIG, small)


def test_the_verifier_finds_an_overlap_in_a_declared_dimension() -> None:
    mid = Rule(id="mid", grade="low", when=CourtCondition(min_amount=5_000))
    rest = Rule(id="rest", grade="low", when=CourtCondition(max_amount=4_999))
    with pytest.raises(fq.PolicyDefinitionError, match=r"rules big and mid overlap \(both match .*amount=10000\)"):
        _table(_BIG, mid, rest, hit_policy="unique")


def test_a_rule_on_the_built_in_condition_leaves_a_declared_dimension_free() -> None:
    table = _table(_BIG, Rule(id="rest", grade="low"))
    assert table.decide(CourtFacts(amount=0)).rule.id == "rest"


def _dispute() -> fq.Dispute:
    return fq.Workflow("baseline").discover(
        channel=fq.Channel.HOTLINE_12345,
        category=fq.Category.DEBT,
        summary="欠款纠纷",
        parties=(fq.Party(name="赵某"), fq.Party(name="钱某")),
        actor="officer:xiao",
    )


_FLAGS = [(True, False, False), (False, True, False), (False, False, True), (True, True, True)]


@pytest.mark.parametrize("flags", _FLAGS)
def test_facts_of_a_dispute_read_each_fact_from_its_own_place(flags: tuple[bool, bool, bool]) -> None:
    police_business, meets_case_threshold, complex_ = flags
    assessment = Assessment(
        risk_factors=frozenset({fq.RiskFactor.DRUGS}),
        police_business=police_business,
        meets_case_threshold=meets_case_threshold,
        complex=complex_,
    )
    dispute = _dispute()
    assert Facts.of(dispute, assessment) == Facts(
        category=fq.Category.DEBT,
        channel=fq.Channel.HOTLINE_12345,
        risk_factors=frozenset({fq.RiskFactor.DRUGS}),
        alerts=len(dispute.alerts),
        parties=2,
        police_business=police_business,
        meets_case_threshold=meets_case_threshold,
        complex=complex_,
    )


def test_a_declared_dimension_is_read_from_a_dispute_and_loaded_from_data() -> None:
    dispute = _dispute()
    facts = CourtFacts.of(dispute)
    assert (facts.amount, facts.parties, facts.category) == (2_000, 2, fq.Category.DEBT)
    assert converter.structure({"min_amount": 10_000}, CourtCondition) == _BIG.when


def test_a_class_without_the_fields_of_a_declared_dimension_is_refused_when_defined() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match="missing max_amount, min_amount"):

        @declared("fields")
        @attrs.frozen(kw_only=True)
        class _Forgotten(Condition):
            _dimensions: ClassVar[tuple[Dimension, ...]] = _COURT


def test_a_field_no_dimension_owns_is_refused_when_defined() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match="undeclared amount"):

        @declared("facts")
        @attrs.frozen(kw_only=True)
        class _Undeclared(Facts):
            amount: int = 0


# -- issue #12's leftover, pinned at load (TOML), not only at construction ---------------------
_ALL_FACTORS = """
name = "t"
grades = ["high", "low"]
[[rules]]
id = "both"
grade = "high"
when = { all_factors = ["weapon", "threat"] }
[[rules]]
id = "rest"
grade = "low"
"""


def test_a_loaded_table_with_an_all_factors_rule_and_a_catch_all_is_accepted() -> None:
    table = DecisionTable.from_toml(_ALL_FACTORS)
    both = Facts(risk_factors=frozenset({fq.RiskFactor.WEAPON, fq.RiskFactor.THREAT}))
    weapon = Facts(risk_factors=frozenset({fq.RiskFactor.WEAPON}))
    assert [table.decide(f).rule.id for f in (both, weapon)] == ["both", "rest"]


def test_a_loaded_table_whose_all_factors_rule_leaves_a_gap_is_refused_at_load_as_when_built() -> None:
    gappy = _ALL_FACTORS + 'when = { no_factors = ["weapon", "threat"] }\n'
    with pytest.raises(fq.PolicyDefinitionError) as loaded:
        DecisionTable.from_toml(gappy)
    assert str(loaded.value).startswith("table t: no rule covers inputs such as ")
    assert loaded.value.__cause__ is None  # the verifier's own error, not a loading error wrapped around it


class _OtherDimensions(Condition):
    """A condition that looks at the amount instead of, not besides, the built-in dimensions."""

    _dimensions: ClassVar[tuple[Dimension, ...]] = (AMOUNT,)


def test_rules_that_look_at_different_dimensions_are_refused_in_one_table() -> None:
    odd = object.__new__(_OtherDimensions)  # bypasses the field check: only the table's own check is tested here
    object.__setattr__(odd, "min_amount", 0)
    with pytest.raises(fq.PolicyDefinitionError, match="rule odd looks at other facts than"):
        _table(_BIG, Rule(id="odd", grade="low", when=odd))


# -- the command path decides from the dispute without building Facts --------------------------
_ASSESSMENTS = [
    Assessment(),
    Assessment(risk_factors=frozenset({fq.RiskFactor.WEAPON})),
    Assessment(risk_factors=frozenset({fq.RiskFactor.ALCOHOL, fq.RiskFactor.DRUGS}), complex=True),
    Assessment(police_business=False, meets_case_threshold=True),
]


@pytest.mark.parametrize("policy", ["baseline", "yongji-54333", "huainan-two-clears", "huaiyang-ten-categories"])
def test_deciding_from_a_dispute_is_deciding_from_its_facts(policy: str) -> None:
    table = getattr(fq.policies.get(policy), "grading_table", None)
    assert isinstance(table, DecisionTable)
    dispute = _dispute()
    for assessment in _ASSESSMENTS:
        assert table.decide_dispute(dispute, assessment) is table.decide(Facts.of(dispute, assessment))
    assert table.decide_dispute(dispute) is table.decide(Facts.of(dispute))


def test_the_policies_docs_list_exactly_the_keys_a_condition_has() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "concepts" / "policies.md").read_text(encoding="utf-8")
    section = docs.partition("### What a rule can look at")[2].partition("\n\n|")[2].partition("\n\n")[0]
    keys = [key for line in section.splitlines()[2:] for key in re.findall(r"`(\w+)`", line.split("|")[1])]
    assert keys == [a.name for a in attrs.fields(Condition) if a.init]
