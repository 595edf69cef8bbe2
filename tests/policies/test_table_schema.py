"""What a table looks at is a parameter: a schema made only for this test gets matching, loading and the verifier.

The schema here is a *basket*: an open set of items and how many there are, read from a
list (the subject) — nothing of disputes. The dispute tables keep their own schema,
``DISPUTES``, as the default.
"""

from __future__ import annotations

import itertools
from typing import ClassVar

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao.policies.tables import (
    DISPUTES,
    BaseCondition,
    BaseFacts,
    Condition,
    Count,
    DecisionTable,
    Dimension,
    Factors,
    FactorSet,
    Facts,
    Rule,
    Schema,
    declared,
)

ITEMS = FactorSet(
    Factors("items", any="any_items", count="min_any", all="all_items", none="no_items", reader=lambda _s, c: c),
    Count("size", floor=0, reader=lambda _s, c: len(c)),
)
_DIMS: tuple[Dimension, ...] = (ITEMS,)


@declared("facts")
@attrs.frozen(kw_only=True)
class Basket(BaseFacts):
    """A basket's items and their number."""

    _dimensions: ClassVar[tuple[Dimension, ...]] = _DIMS
    items: frozenset[str] = frozenset()
    size: int = 0


@declared("fields")
@attrs.frozen(kw_only=True)
class BasketCondition(BaseCondition):
    """Tests on a basket."""

    _dimensions: ClassVar[tuple[Dimension, ...]] = _DIMS
    any_items: frozenset[str] = frozenset()
    min_any: int = 1
    all_items: frozenset[str] = frozenset()
    no_items: frozenset[str] = frozenset()
    min_size: int = 0
    max_size: int | None = None


BASKETS = Schema("baskets", Basket, BasketCondition, lambda subject, _given: frozenset(subject))


def _basket(*items: str, size: int | None = None) -> Basket:
    return Basket(items=frozenset(items), size=len(items) if size is None else size)


def _table(*rules: Rule, hit_policy: str = "first") -> DecisionTable:
    return DecisionTable(name="baskets", grades=("big", "small"), rules=rules, hit_policy=hit_policy, schema=BASKETS)


_KNIFE = Rule(id="knife", grade="big", when=BasketCondition(any_items=frozenset({"knife"})))
_THREE = Rule(id="three", grade="big", when=BasketCondition(min_size=3))


def test_a_table_of_another_schema_decides_from_its_own_subject() -> None:
    table = _table(_KNIFE, _THREE, Rule(id="rest", grade="small"))
    assert table.decide_subject(["knife"]).rule.id == "knife"
    assert table.decide_subject(["a", "b", "c"]).rule.id == "three"
    assert table.decide_subject(["a"]).rule.id == "rest"
    assert table.decide(_basket("a", "b", "c")).rule.id == "three"


def test_a_rule_without_a_condition_matches_everything_under_the_tables_schema() -> None:
    table = _table(Rule(id="rest", grade="small"))
    assert isinstance(table.rules[0].when, BasketCondition)
    assert table.decide_subject(["anything"]).reason == "always"


def test_the_verifier_finds_a_gap_in_another_schema_and_names_an_input() -> None:
    few = Rule(id="few", grade="small", when=BasketCondition(max_size=1))
    with pytest.raises(
        fq.PolicyDefinitionError, match=r"table baskets: no rule covers inputs such as items=\{\}, size=2"
    ):
        _table(_THREE, few)


def test_the_verifier_finds_an_overlap_in_another_schema_and_names_the_rules() -> None:
    rest = Rule(id="rest", grade="small", when=BasketCondition(no_items=frozenset({"knife"}), max_size=2))
    with pytest.raises(
        fq.PolicyDefinitionError, match=r"rules knife and three overlap \(both match items=\{knife\}, size=3\)"
    ):
        _table(_KNIFE, _THREE, rest, hit_policy="unique")


def test_the_verifier_finds_a_rule_that_can_never_fire_in_another_schema() -> None:
    both = Rule(id="both", grade="big", when=BasketCondition(all_items=frozenset({"knife", "rope"})))
    with pytest.raises(fq.PolicyDefinitionError, match="rule\\(s\\) that can never fire: both"):
        _table(_KNIFE, both, Rule(id="rest", grade="small"))


def test_the_size_counts_the_items_so_an_impossible_basket_is_no_overlap() -> None:
    # "small" splits the size first; a basket with knife and rope has a size of 2 at least, so
    # "small" and "two" never meet (two independent dimensions would report them overlapping).
    small = Rule(id="small", grade="small", when=BasketCondition(max_size=1))
    two = Rule(id="two", grade="big", when=BasketCondition(all_items=frozenset({"knife", "rope"})))
    no_knife = Rule(id="no_knife", grade="small", when=BasketCondition(min_size=2, no_items=frozenset({"knife"})))
    knife = BasketCondition(min_size=2, all_items=frozenset({"knife"}), no_items=frozenset({"rope"}))
    table = _table(small, two, no_knife, Rule(id="knife", grade="big", when=knife), hit_policy="unique")
    assert table.decide_subject(["knife", "rope"]).rule.id == "two"


def test_a_rule_needing_more_items_than_its_size_allows_can_never_fire() -> None:
    impossible = BasketCondition(all_items=frozenset({"knife", "rope"}), max_size=1)
    with pytest.raises(fq.PolicyDefinitionError, match="can never fire: impossible"):
        _table(Rule(id="impossible", grade="big", when=impossible), Rule(id="rest", grade="small"))


def test_a_rule_of_another_schema_is_refused_naming_the_schema() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match="rule dispute looks at other facts than BasketCondition"):
        _table(_KNIFE, Rule(id="dispute", grade="small", when=Condition(min_alerts=1)))


def test_a_dispute_rule_is_refused_in_another_schemas_table_and_the_other_way_round() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match="rule knife looks at other facts than Condition"):
        DecisionTable(name="d", grades=("big", "small"), rules=(_KNIFE, Rule(id="rest", grade="small")))


_TOML = """
name = "baskets"
grades = ["big", "small"]
[[rules]]
id = "knife"
grade = "big"
when = { any_items = ["knife"] }
[[rules]]
id = "rest"
grade = "small"
"""


def test_a_table_of_another_schema_loads_from_toml_with_its_conditions() -> None:
    table = DecisionTable.from_toml(_TOML, schema=BASKETS)
    assert table.schema is BASKETS
    assert table == _table(_KNIFE, Rule(id="rest", grade="small"))


def test_loading_a_key_of_another_schema_is_refused_with_its_place() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match=r"rules\[0\]\.when: unknown field\(s\): any_items"):
        DecisionTable.from_toml(_TOML)


def test_a_table_that_names_its_schema_is_refused_under_another() -> None:
    named = 'schema = "baskets"\n' + _TOML
    assert DecisionTable.from_toml(named, schema=BASKETS).schema is BASKETS
    with pytest.raises(
        fq.PolicyDefinitionError, match="schema: the table is for the 'baskets' schema, read as 'disputes'"
    ):
        DecisionTable.from_toml(named)


def test_a_gap_in_a_loaded_table_of_another_schema_is_refused_at_load() -> None:
    gappy = _TOML + "when = { max_size = 0 }\n"
    with pytest.raises(
        fq.PolicyDefinitionError, match=r"^table baskets: no rule covers inputs such as items=\{\}, size=1"
    ):
        DecisionTable.from_toml(gappy, schema=BASKETS)


def test_dispute_tables_keep_their_schema_by_default() -> None:
    table = DecisionTable(name="d", grades=("low",), rules=(Rule(id="rest", grade="low"),))
    assert table.schema is DISPUTES
    assert DISPUTES.facts is Facts
    assert DISPUTES.condition is Condition


def test_a_schema_of_classes_over_different_dimensions_is_refused() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match="declare different dimensions"):
        Schema("odd", Facts, BasketCondition)


def test_facts_of_a_subject_are_read_through_the_schema() -> None:
    assert BASKETS.facts_of(["knife", "rope"]) == _basket("knife", "rope")


# -- the verifier's answer is the truth: a brute force over small baskets agrees ----------------
_NAMES = ("knife", "rope", "salt")
_names = st.frozensets(st.sampled_from(_NAMES), max_size=2)


@st.composite
def basket_conditions(draw: st.DrawFn) -> BasketCondition:
    """Any condition on the three named items and a size up to 4."""
    lo = draw(st.integers(min_value=0, max_value=4))
    return BasketCondition(
        any_items=draw(_names),
        min_any=draw(st.integers(min_value=1, max_value=2)),
        all_items=draw(_names),
        no_items=draw(_names),
        min_size=lo,
        max_size=draw(st.one_of(st.none(), st.integers(min_value=lo, max_value=4))),
    )


def _baskets() -> list[Basket]:
    """Every basket of the named items with up to four other items (conditions bound the size by 4)."""
    subsets = [frozenset(c) for n in range(len(_NAMES) + 1) for c in itertools.combinations(_NAMES, n)]
    return [Basket(items=s, size=len(s) + extra) for s in subsets for extra in range(5)]


@given(st.lists(basket_conditions(), min_size=1, max_size=3))
def test_a_table_the_verifier_accepts_decides_every_basket_and_fires_every_rule(conds: list[BasketCondition]) -> None:
    rules = [Rule(id=f"r{i}", grade="big", when=c) for i, c in enumerate(conds)]
    rules.append(Rule(id="rest", grade="small", when=BasketCondition()))
    try:
        table = _table(*rules)
    except fq.PolicyDefinitionError as refused:
        # Refused only for a rule that never fires: check no small basket fires it.
        never = str(refused).partition("never fire: ")[2].partition(" (")[0].split(", ")
        for rule_id in never:
            rule = next(r for r in rules if r.id == rule_id)
            earlier = rules[: rules.index(rule)]
            assert not any(rule.when.matches(b) and not any(e.when.matches(b) for e in earlier) for b in _baskets())
        return
    fired = {table.decide(b).rule.id for b in _baskets()}
    assert fired == {r.id for r in table.rules}
