from __future__ import annotations

from typing import Any

import pytest

import fengqiao as fq
from fengqiao.domain.vocabulary import Vocabulary

VOCABULARIES: list[type[Vocabulary]] = [
    fq.State,
    fq.Trigger,
    fq.Channel,
    fq.Category,
    fq.Department,
    fq.MediationForce,
    fq.MediationKind,
    fq.JointKind,
    fq.VisitKind,
    fq.RiskFactor,
    fq.Route,
    fq.Outcome,
    fq.CaseKind,
    fq.PartyKind,
    fq.PartyRole,
    fq.Role,
    fq.DossierKind,
    fq.DossierSection,
    fq.Volume,
]


def test_a_member_has_its_chinese_and_english_label() -> None:
    assert fq.State.FOLLOW_UP.label("zh") == "回访跟踪"
    assert fq.State.FOLLOW_UP.label("en") == "follow-up"


def test_the_label_is_english_by_default() -> None:
    assert fq.Channel.ALARM_110.label() == "110 emergency call"


@pytest.mark.parametrize("vocabulary", VOCABULARIES, ids=lambda v: v.__name__)
def test_every_member_has_a_distinct_chinese_and_english_label(vocabulary: type[Vocabulary]) -> None:
    for member in vocabulary:
        zh, en = member.label("zh"), member.label("en")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), f"{member!r} has no Chinese label"
        assert en.isascii(), f"{member!r} has no English label"
        assert zh != en


@pytest.mark.parametrize("vocabulary", VOCABULARIES, ids=lambda v: v.__name__)
def test_every_value_is_stable_lowercase_ascii(vocabulary: type[Vocabulary]) -> None:
    for member in vocabulary:
        assert member.value.isascii()
        assert member.value == member.value.lower()
        assert " " not in member.value


def test_a_member_is_its_value_string() -> None:
    member: str = fq.Category.NEIGHBOUR
    assert member == "neighbour"
    assert str(fq.Category.NEIGHBOUR) == "neighbour"
    assert f"{fq.Category.NEIGHBOUR}" == "neighbour"


def test_parse_accepts_a_value_string() -> None:
    assert fq.VisitKind.parse("on_site") is fq.VisitKind.ON_SITE


def test_parse_passes_a_member_through() -> None:
    assert fq.VisitKind.parse(fq.VisitKind.PHONE) is fq.VisitKind.PHONE


def test_parse_refuses_a_label_in_place_of_the_value() -> None:
    with pytest.raises(fq.ValidationError):
        fq.VisitKind.parse("电话回访")


@pytest.mark.parametrize("bad", ["sms", "", "PHONE", 3, None])
def test_parse_of_a_bad_value_lists_the_allowed_values(bad: Any) -> None:
    with pytest.raises(fq.ValidationError) as info:
        fq.VisitKind.parse(bad, "record_visit.kind")
    err = info.value
    assert err.path == "record_visit.kind"
    assert "VisitKind" in err.message
    assert "phone, on_site, public_return" in err.message


def test_a_bad_value_is_also_a_value_error() -> None:
    with pytest.raises(ValueError, match="not a Category"):
        fq.Category.parse("feud")


def test_a_label_in_an_unknown_language_is_refused() -> None:
    with pytest.raises(fq.ValidationError) as info:
        fq.State.CLOSED.label("fr")  # type: ignore[arg-type]
    assert info.value.path == "lang"
    assert "'zh' or 'en'" in info.value.message


def test_internal_triggers_are_the_seven_that_keep_the_state() -> None:
    internal = {t for t in fq.Trigger if t.is_internal}
    assert internal == {
        fq.Trigger.REGRADE,
        fq.Trigger.ASSIGN,
        fq.Trigger.LINK_ALERT,
        fq.Trigger.RECORD_ATTEMPT,
        fq.Trigger.RECORD_VISIT,
        fq.Trigger.ATTACH,
        fq.Trigger.NOTE,
    }


def test_yongji_core_platforms_are_110_legal_supervision_and_online_opinion() -> None:
    core = {c for c in fq.Channel if c.is_core_platform}
    assert core == {fq.Channel.ALARM_110, fq.Channel.LEGAL_SUPERVISION, fq.Channel.ONLINE_OPINION}
