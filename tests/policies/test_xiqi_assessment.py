"""Xiqi's household assessment: the factor catalogue, the table on the household schema, 彭某某, explain()."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao.domain.household import HouseholdFactor, RiskClass, WorkKind
from fengqiao.policies.tables import DecisionTable, Rule
from fengqiao.policies.xiqi_family_risk import (
    CLASSES,
    HOUSEHOLDS,
    AssessmentTable,
    Factor,
    FactorCatalogue,
    HouseholdCondition,
    HouseholdFacts,
    assess,
    default_assessment_table,
    default_catalogue,
)
from fengqiao.policies.xiqi_family_risk.catalogue import read_data

_DEFAULT = default_assessment_table()
_GUN = Factor(code="gun_owner", zh="持有枪支", en="a gun owner", work=["key_person_control"])
_EXTENDED = attrs.evolve(_DEFAULT, catalogue=_DEFAULT.catalogue.extended(_GUN))

_M, _D = HouseholdFactor.MENTAL_ILLNESS, HouseholdFactor.DISPUTE


def _rank(cls: RiskClass) -> int:
    """0 for class I (the highest), 2 for class III."""
    return CLASSES.index(cls.value)


# -- the catalogue ------------------------------------------------------------------------------
def test_the_default_catalogue_is_the_14_household_factors_in_order_with_their_labels() -> None:
    catalogue = default_catalogue()
    assert catalogue.codes == tuple(HouseholdFactor)
    assert [(f.zh, f.en) for f in catalogue] == [(m.label("zh"), m.label("en")) for m in HouseholdFactor]


def test_every_default_factor_has_a_description_and_the_work_it_usually_calls_for() -> None:
    assert all(f.description and f.work for f in default_catalogue())
    assert default_catalogue().get("illness_hardship").work == {WorkKind.HARDSHIP_HELP}
    assert default_catalogue().label("dispute", "en") == "an unresolved dispute"


def test_a_policy_adds_a_factor_of_its_own_with_labels_and_work() -> None:
    catalogue = default_catalogue().extended(_GUN)
    assert len(catalogue) == 15
    assert (catalogue.label("gun_owner", "zh"), catalogue.label("gun_owner", "en")) == ("持有枪支", "a gun owner")
    assert catalogue.parse("gun_owner") == "gun_owner"


def test_an_added_factor_counts_and_brings_its_work() -> None:
    a = _EXTENDED.assess(["gun_owner", "petition", "left_behind"])
    assert (a.risk_class, a.rule) == (RiskClass.II, "xiqi.II.many-factors")
    assert a.work == {WorkKind.KEY_PERSON_CONTROL, WorkKind.DISPUTE_MEDIATION, WorkKind.HARDSHIP_HELP}


@pytest.mark.parametrize("code", ["Gun_owner", "gun-owner", "gun owner", "_gun", "gun__owner", "枪", ""])
def test_a_factor_code_that_is_not_lower_case_ascii_words_is_refused_with_its_path(code: str) -> None:
    with pytest.raises(fq.ValidationError, match="is not a factor code") as refused:
        FactorCatalogue.from_mapping(
            [{"code": "dispute", "zh": "纠纷", "en": "a dispute"}, {"code": code, "zh": "x", "en": "x"}]
        )
    assert refused.value.path == "factors[1].code"


def test_a_factor_listed_twice_is_refused_with_its_path() -> None:
    with pytest.raises(fq.ValidationError, match="factor 'dispute' is listed twice") as refused:
        default_catalogue().extended(Factor(code="dispute", zh="纠纷", en="a dispute"))
    assert refused.value.path == "factors[14].code"


def test_a_factor_with_an_unknown_kind_of_work_or_no_label_is_refused_with_its_path() -> None:
    with pytest.raises(fq.ValidationError, match="'helping' is not a WorkKind") as refused:
        FactorCatalogue.from_mapping([{"code": "a", "zh": "甲", "en": "a", "work": ["helping"]}])
    assert refused.value.path.startswith("factors[0].work")
    with pytest.raises(fq.ValidationError, match="non-blank") as blank:
        FactorCatalogue.from_mapping([{"code": "a", "zh": " ", "en": "a"}])
    assert blank.value.path == "factors[0].zh"


def test_an_unknown_factor_is_refused_naming_it_with_its_path_and_the_closest_code() -> None:
    with pytest.raises(fq.ValidationError) as refused:
        assess(["dispute", "mental illness"])
    assert refused.value.path == "factors"
    assert refused.value.message == "unknown factor 'mental illness' (did you mean 'mental_illness'?)"


def test_a_factor_another_policy_added_is_unknown_to_the_default() -> None:
    with pytest.raises(fq.ValidationError, match=r"^factors: unknown factor 'gun_owner'$"):
        assess(["gun_owner"])


def test_a_rule_naming_an_unknown_factor_is_refused_at_load_with_the_rules_field() -> None:
    text = read_data().replace('"community_correction"]', '"comunity_correction"]')
    with pytest.raises(fq.ValidationError) as refused:
        AssessmentTable.from_toml(text)
    assert refused.value.path == "assessment.rules[3].when.any_factors"
    assert "'comunity_correction' (did you mean 'community_correction'?)" in refused.value.message


def test_a_rule_whose_flag_is_not_a_kind_of_work_is_refused_with_its_path() -> None:
    text = read_data().replace('flags = ["key_person_control"]', 'flags = ["control"]', 1)
    with pytest.raises(fq.ValidationError, match="'control' is not a WorkKind") as refused:
        AssessmentTable.from_toml(text)
    assert refused.value.path == "assessment.rules[0].flags"


# -- the table, verified on the household schema -----------------------------------------------
def test_the_default_table_is_a_household_table_of_the_three_classes() -> None:
    assert _DEFAULT.table.schema is HOUSEHOLDS
    assert _DEFAULT.table.grades == ("I", "II", "III")


def test_a_table_with_a_gap_is_refused_at_load_showing_an_input_no_rule_covers() -> None:
    text = read_data().rpartition("[[assessment.rules]]")[0]  # without the catch-all class III rule
    with pytest.raises(
        fq.PolicyDefinitionError, match=r"^table xiqi.assessment: no rule covers inputs such as factors=\{"
    ):
        AssessmentTable.from_toml(text)


def test_overlapping_rules_are_refused_under_the_unique_hit_policy_naming_them() -> None:
    text = read_data().replace('hit_policy = "first"', 'hit_policy = "unique"')
    with pytest.raises(fq.PolicyDefinitionError) as refused:
        AssessmentTable.from_toml(text)
    named = re.search(r"rules ([\w.-]+) and ([\w.-]+) overlap \(both match factors=", str(refused.value))
    assert named is not None
    ids = {r.id for r in _DEFAULT.table.rules}
    assert {named[1], named[2]} <= ids
    assert named[1] != named[2]


def test_a_rule_earlier_rules_take_every_case_of_is_refused_naming_it() -> None:
    text = read_data().replace("min_any = 3", 'min_any = 3\nall_factors = ["violence_threat", "drug_user"]')
    with pytest.raises(fq.PolicyDefinitionError, match=r"can never fire: xiqi\.I\.several-severe"):
        AssessmentTable.from_toml(text)


def test_a_table_of_other_classes_or_of_the_dispute_schema_is_refused() -> None:
    other = DecisionTable(name="t", grades=("high", "low"), rules=(Rule(id="r", grade="low"),), schema=HOUSEHOLDS)
    with pytest.raises(fq.PolicyDefinitionError, match="grades are I, II, III"):
        AssessmentTable(default_catalogue(), other)
    disputes = DecisionTable(name="t", grades=CLASSES, rules=(Rule(id="r", grade="III"),))
    with pytest.raises(fq.PolicyDefinitionError, match="has the households schema"):
        AssessmentTable(default_catalogue(), disputes)


def test_a_region_loads_its_own_table_and_classes_by_it() -> None:
    own = (
        read_data().partition("[assessment]")[0]
        + """
[assessment]
name = "region.assessment"
grades = ["I", "II", "III"]
[[assessment.rules]]
id = "I.dispute"
grade = "I"
when = { all_factors = ["dispute"] }
[[assessment.rules]]
id = "III.rest"
grade = "III"
"""
    )
    a = assess([_D], table=AssessmentTable.from_toml(own))
    assert (a.risk_class, a.rule) == (RiskClass.I, "I.dispute")


def test_facts_whose_count_is_below_their_factors_are_refused() -> None:
    with pytest.raises(fq.ValidationError, match="count: 1 is fewer than the 2 factors given"):
        HouseholdFacts(factors=frozenset({_M, _D}), count=1)


# -- the worked examples ------------------------------------------------------------------------
def test_peng_mentally_ill_in_a_dispute_with_his_neighbour_is_class_ii_with_mediation_and_control() -> None:
    a = assess(["mental_illness", "dispute"])
    assert a.risk_class is RiskClass.II
    assert a.work >= {WorkKind.DISPUTE_MEDIATION, WorkKind.KEY_PERSON_CONTROL}
    assert a.rule == "xiqi.II.key-person-in-dispute"
    assert a.factors == {_M, _D}


def test_tian_threatening_his_family_with_a_knife_is_class_i() -> None:
    a = assess([HouseholdFactor.VIOLENCE_THREAT, HouseholdFactor.DOMESTIC_VIOLENCE])
    assert (a.risk_class, a.rule) == (RiskClass.I, "xiqi.I.threat-and-volatile")


def test_a_watched_household_without_factors_is_class_iii_with_no_work() -> None:
    a = assess([])
    assert (a.risk_class, a.rule, a.work) == (RiskClass.III, "xiqi.III.watched", frozenset())


def test_an_assessment_is_a_value_equal_whichever_table_object_made_it() -> None:
    again = AssessmentTable.from_toml(read_data()).assess([_M, _D])
    assert again == assess([_M, _D])
    assert again.table is not _DEFAULT
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        again.rule = "x"  # type: ignore[misc]


# -- explain() ----------------------------------------------------------------------------------
def test_explain_in_chinese_names_the_class_rule_factors_work_and_why_not_higher() -> None:
    assert assess([_M, _D]).explain("zh").splitlines() == [
        "二类（规则 xiqi.II.key-person-in-dispute：有以下之一：精神障碍患者、社区矫正对象、刑满释放人员、吸毒人员、"
        "酗酒或赌博；且同时有：矛盾纠纷未化解）",
        "风险因素（2 项）：精神障碍患者、矛盾纠纷未化解",
        "工作类别：矛盾纠纷化解、重点人员管控",
        "先于它而未命中的规则：",
        "  xiqi.I.threat-and-volatile（一类）：缺少：扬言实施暴力或报复",
        "  xiqi.I.several-severe（一类）：以下不足 3 项：精神障碍患者、扬言实施暴力或报复、家庭暴力、吸毒人员",
        "  xiqi.II.violence（二类）：以下一项也没有：扬言实施暴力或报复、家庭暴力",
    ]


def test_explain_in_english_says_the_same() -> None:
    lines = assess([_M, _D]).explain("en").splitlines()
    assert lines[0].startswith("class II (rule xiqi.II.key-person-in-dispute: any of a member with mental illness, ")
    assert lines[0].endswith("; and all of an unresolved dispute)")
    assert lines[1:4] == [
        "factors (2): a member with mental illness, an unresolved dispute",
        "kinds of work: dispute mediation, key-person control",
        "rules tried first, not matched:",
    ]
    assert lines[-1] == "  xiqi.II.violence (class II): none of a threat of violence or revenge, domestic violence"


def test_explain_of_the_catch_all_says_otherwise_and_the_count_it_lacked() -> None:
    zh, en = (assess(["petition"]).explain(lang) for lang in ("zh", "en"))
    assert zh.splitlines()[0] == "三类（规则 xiqi.III.watched：其余情形）"
    assert zh.splitlines()[-1] == "  xiqi.II.many-factors（二类）：风险因素 1 项，未满足“不少于 3 项”"
    assert en.splitlines()[-1] == "  xiqi.II.many-factors (class II): 1 factors, wanted at least 3"


def test_explain_of_the_first_rule_lists_no_rules_tried_first_and_refuses_other_languages() -> None:
    a = assess([HouseholdFactor.VIOLENCE_THREAT, HouseholdFactor.DRUG_USER])
    assert len(a.explain("en").splitlines()) == 3
    with pytest.raises(fq.ValidationError, match="unknown language 'fr'"):
        a.explain("fr")  # type: ignore[arg-type]


# -- properties over every set of factors -------------------------------------------------------
_factor_sets = st.frozensets(st.sampled_from([*HouseholdFactor, "gun_owner"]))


def test_every_one_of_the_16384_sets_of_default_factors_gets_exactly_one_class() -> None:
    for n in range(len(HouseholdFactor) + 1):
        for combo in itertools.combinations(HouseholdFactor, n):
            facts = _DEFAULT.facts(combo)
            matched = _DEFAULT.table.matches(facts)
            assert matched, combo
            assert _DEFAULT.assess(combo).risk_class is RiskClass(matched[0].grade)


@settings(max_examples=300)
@given(_factor_sets, st.sampled_from([*HouseholdFactor, "gun_owner"]))
def test_adding_a_factor_never_lowers_the_class(factors: frozenset[str], more: str) -> None:
    before, after = _EXTENDED.assess(factors), _EXTENDED.assess(factors | {more})
    assert _rank(after.risk_class) <= _rank(before.risk_class)


@settings(max_examples=300)
@given(_factor_sets)
def test_the_work_includes_what_each_factor_usually_calls_for_and_the_rules_flags(factors: frozenset[str]) -> None:
    a = _EXTENDED.assess(factors)
    rule = next(r for r in _EXTENDED.table.rules if r.id == a.rule)
    assert a.work == _EXTENDED.catalogue.work(a.factors) | {WorkKind(f) for f in rule.flags}
    assert a.explain("en").splitlines()[0].startswith(f"{a.risk_class.label('en')} (rule {a.rule}: ")


@settings(max_examples=300)
@given(_factor_sets)
def test_deciding_from_a_subject_is_deciding_from_its_facts(factors: frozenset[str]) -> None:
    facts = _EXTENDED.facts(factors)
    assert _EXTENDED.table.decide_subject(factors) is _EXTENDED.table.decide(facts)
    assert HOUSEHOLDS.facts_of(factors) == facts


def test_a_condition_refuses_a_malformed_code_naming_its_field() -> None:
    with pytest.raises(fq.ValidationError, match="'Bad' is not a factor code") as refused:
        HouseholdCondition(no_factors=["Bad"])
    assert refused.value.path == "no_factors"


def test_a_region_loads_its_table_from_a_file_and_an_unreadable_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "region.toml"
    path.write_text(read_data(), encoding="utf-8")
    assert AssessmentTable.from_toml(path) == _DEFAULT
    assert AssessmentTable.from_toml(str(path)).assess([_M, _D]).rule == "xiqi.II.key-person-in-dispute"
    with pytest.raises(fq.PolicyDefinitionError, match="cannot read assessment table"):
        AssessmentTable.from_toml(tmp_path / "missing.toml")
    with pytest.raises(fq.PolicyDefinitionError, match="invalid TOML"):
        AssessmentTable.from_toml("[[factors]\n")
