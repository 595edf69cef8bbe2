"""Decision tables: compiled matching agrees with the explained one; validation names the rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao.domain.terms import Category, Channel, RiskFactor
from fengqiao.policies.tables import Condition, DecisionTable, Facts, HitPolicy, Rule

_few_factors = st.frozensets(st.sampled_from(sorted(RiskFactor)), max_size=4)
_bounds = st.one_of(st.none(), st.integers(min_value=-1, max_value=5))
_flag = st.one_of(st.none(), st.booleans())


@st.composite
def conditions(draw: st.DrawFn) -> Condition:
    """Any condition, including impossible ones and bounds below the facts' usual range."""
    return Condition(
        categories=draw(st.one_of(st.none(), st.frozensets(st.sampled_from(sorted(Category)), max_size=3))),
        channels=draw(st.one_of(st.none(), st.frozensets(st.sampled_from(sorted(Channel)), max_size=2))),
        any_factors=draw(_few_factors),
        min_any=draw(st.integers(min_value=0, max_value=3)),
        all_factors=draw(_few_factors),
        no_factors=draw(_few_factors),
        min_alerts=draw(st.integers(min_value=-1, max_value=4)),
        max_alerts=draw(_bounds),
        min_parties=draw(st.integers(min_value=-1, max_value=3)),
        max_parties=draw(_bounds),
        police_business=draw(_flag),
        meets_case_threshold=draw(_flag),
        complex=draw(_flag),
    )


@st.composite
def facts(draw: st.DrawFn) -> Facts:
    """Any facts, including counts no dispute has (no alert, negative parties)."""
    return Facts(
        category=draw(st.sampled_from(sorted(Category))),
        channel=draw(st.sampled_from(sorted(Channel))),
        risk_factors=draw(_few_factors),
        alerts=draw(st.integers(min_value=-1, max_value=6)),
        parties=draw(st.integers(min_value=-1, max_value=4)),
        police_business=draw(st.booleans()),
        meets_case_threshold=draw(st.booleans()),
        complex=draw(st.booleans()),
    )


@given(conditions(), facts())
def test_compiled_matching_answers_exactly_as_the_failures_do(cond: Condition, f: Facts) -> None:
    assert cond.matches(f) == (not list(cond.failures(f)))


def _reference_decide(table: DecisionTable, f: Facts) -> Rule:
    """The winning rule found the slow, explained way."""
    ordered = sorted(table.rules, key=lambda r: -r.priority) if table.hit_policy is HitPolicy.PRIORITY else table.rules
    return next(r for r in ordered if not list(r.when.failures(f)))


def _table(policy: str) -> DecisionTable:
    table = getattr(fq.policies.get(policy), "grading_table", None)
    assert isinstance(table, DecisionTable)
    return table


_SHIPPED = [_table(name) for name in ("baseline", "yongji-54333", "huainan-two-clears", "huaiyang-ten-categories")]


@pytest.mark.parametrize("table", _SHIPPED, ids=lambda t: t.name)
@given(f=facts().filter(lambda f: f.alerts >= 1 and f.parties >= 0))
def test_every_shipped_table_decides_as_the_explained_reference(table: DecisionTable, f: Facts) -> None:
    match = table.decide(f)
    assert match.rule is _reference_decide(table, f)
    assert match.reason == match.rule.when.describe()
    assert table.explain(f).match == match
    assert table.matches(f)[0] is match.rule or table.hit_policy is HitPolicy.PRIORITY


def test_decide_returns_the_same_match_each_time() -> None:
    table = _table("baseline")
    f = Facts(risk_factors=frozenset({RiskFactor.WEAPON}))
    assert table.decide(f) is table.decide(f)
    assert table.decide(f).rule.id == "baseline.high.severe-factor"


def test_priority_tables_decide_by_priority_not_order() -> None:
    table = DecisionTable(
        name="t",
        grades=("high", "low"),
        hit_policy="priority",
        rules=(
            Rule(id="low.any", grade="low", priority=0),
            Rule(id="high.weapon", grade="high", priority=10, when=Condition(any_factors={RiskFactor.WEAPON})),
        ),
    )
    assert table.decide(Facts(risk_factors=frozenset({RiskFactor.WEAPON}))).rule.id == "high.weapon"
    assert table.decide(Facts()).rule.id == "low.any"
    assert [r.id for r in table.matches(Facts(risk_factors=frozenset({RiskFactor.WEAPON})))] == [
        "low.any",
        "high.weapon",
    ]


def test_a_table_equals_another_built_from_the_same_rules() -> None:
    """The compiled plan is not part of a table's value."""
    table = _table("baseline")
    again = DecisionTable(name=table.name, grades=table.grades, rules=table.rules, hit_policy=table.hit_policy)
    assert again == table
    assert hash(Condition(any_factors={RiskFactor.WEAPON})) == hash(Condition(any_factors={RiskFactor.WEAPON}))
    assert "_test" not in repr(Condition())
    assert "_plan" not in repr(again)


@pytest.mark.parametrize(
    ("rules", "hit", "message"),
    [
        (
            (Rule(id="a", grade="low"), Rule(id="b", grade="low")),
            "unique",
            "rules a and b overlap",
        ),
        (
            (Rule(id="a", grade="low"), Rule(id="b", grade="low")),
            "first",
            "can never fire: b",
        ),
        (
            (Rule(id="a", grade="low", when=Condition(any_factors={RiskFactor.WEAPON})),),
            "first",
            "no rule covers inputs such as",
        ),
        (
            (Rule(id="a", grade="low", priority=1), Rule(id="b", grade="low", priority=1)),
            "priority",
            "overlap at equal priority 1",
        ),
        ((Rule(id="a", grade="medium"),), "first", "gives grade 'medium'"),
        ((Rule(id="a", grade="low"), Rule(id="a", grade="low")), "first", "used twice: a"),
        ((), "first", "no rules"),
    ],
)
def test_a_malformed_table_is_refused_naming_its_rules(rules: tuple[Rule, ...], hit: str, message: str) -> None:
    with pytest.raises(fq.PolicyDefinitionError, match=message):
        DecisionTable(name="t", grades=("high", "low"), rules=rules, hit_policy=hit)


# -- all_factors: validated at load, symbolically like every other test -------------------------------
_BOTH = Condition(all_factors={RiskFactor.WEAPON, RiskFactor.THREAT})


def test_a_table_with_an_all_factors_rule_and_a_catch_all_is_accepted_and_decides_by_both_factors() -> None:
    table = DecisionTable.from_mapping(
        {
            "name": "t",
            "grades": ["high", "low"],
            "rules": [
                {"id": "both", "grade": "high", "when": {"all_factors": ["weapon", "threat"]}},
                {"id": "rest", "grade": "low"},
            ],
        }
    )
    assert table.rules[0].when == _BOTH
    pick = {
        factors: table.decide(Facts(risk_factors=frozenset(factors))).rule.id
        for factors in ((), (RiskFactor.WEAPON,), (RiskFactor.THREAT,), (RiskFactor.WEAPON, RiskFactor.THREAT))
    }
    assert list(pick.values()) == ["rest", "rest", "rest", "both"]


@pytest.mark.parametrize(
    "rest",
    [
        Condition(no_factors={RiskFactor.WEAPON}),  # weapon without threat is covered by neither rule
        Condition(no_factors={RiskFactor.THREAT}),  # threat without weapon
        Condition(no_factors={RiskFactor.WEAPON, RiskFactor.THREAT}),  # either one alone
    ],
)
def test_a_table_whose_all_factors_rule_leaves_a_gap_is_refused_when_built_not_when_deciding(
    rest: Condition,
) -> None:
    with pytest.raises(fq.PolicyDefinitionError, match="no rule covers inputs such as") as caught:
        DecisionTable(
            name="t",
            grades=("high", "low"),
            rules=(Rule(id="both", grade="high", when=_BOTH), Rule(id="rest", grade="low", when=rest)),
        )
    gap = str(caught.value).partition("risk_factors={")[2].partition("}")[0]
    assert gap in {"threat", "weapon"}  # one of the two factors alone: the input no rule takes


def test_an_all_factors_rule_after_a_none_of_rule_on_the_same_factors_is_accepted_and_each_rule_fires() -> None:
    rules = (
        Rule(id="neither", grade="low", when=Condition(no_factors={RiskFactor.WEAPON, RiskFactor.THREAT})),
        Rule(id="both", grade="high", when=_BOTH),
        Rule(id="one", grade="low"),
    )
    table = DecisionTable(name="t", grades=("high", "low"), rules=rules)
    fired = [
        table.decide(Facts(risk_factors=frozenset(factors))).rule.id
        for factors in ((), (RiskFactor.WEAPON, RiskFactor.THREAT), (RiskFactor.THREAT,))
    ]
    assert fired == ["neither", "both", "one"]


def test_an_all_factors_rule_that_earlier_rules_cover_can_never_fire() -> None:
    rules = (
        Rule(id="weapon", grade="high", when=Condition(any_factors={RiskFactor.WEAPON})),
        Rule(id="both", grade="high", when=_BOTH),
        Rule(id="rest", grade="low"),
    )
    with pytest.raises(fq.PolicyDefinitionError, match="can never fire: both"):
        DecisionTable(name="t", grades=("high", "low"), rules=rules)


@pytest.mark.parametrize(
    ("condition", "en", "zh"),
    [
        (Condition(), "always", "任何情况"),
        (
            Condition(any_factors={RiskFactor.WEAPON, RiskFactor.THREAT}, min_alerts=3),
            "any of threat, weapon; alerts in [3, ∞]",
            "风险因素含以下任一：扬言报复或威胁、持械或涉及凶器；警情次数 ≥ 3",
        ),
        (
            Condition(
                categories={Category.NEIGHBOUR},
                any_factors={RiskFactor.WEAPON, RiskFactor.THREAT, RiskFactor.GROUP},
                min_any=2,
                no_factors={RiskFactor.DRUGS},
                min_parties=2,
                max_parties=2,
                meets_case_threshold=False,
            ),
            "category in neighbour; at least 2 of group, threat, weapon; none of drugs; parties in [2, 2];"
            " meets_case_threshold is false",
            "纠纷类别属于 邻里纠纷；风险因素含以下至少 2 项：群体性、扬言报复或威胁、持械或涉及凶器；"
            "风险因素不含：涉毒；当事人数 = 2；达到立案标准：否",
        ),
        (
            Condition(channels={Channel.ALARM_110}, all_factors={RiskFactor.WEAPON}, min_alerts=2, max_alerts=4),
            "channel in alarm_110; all of weapon; alerts in [2, 4]",
            "来源渠道属于 110接处警；风险因素含以下全部：持械或涉及凶器；警情次数 2–4",
        ),
    ],
)
def test_a_condition_describes_itself_in_english_and_in_chinese(condition: Condition, en: str, zh: str) -> None:
    assert condition.describe() == en
    assert condition.describe("en") == en
    assert condition.describe("zh") == zh
