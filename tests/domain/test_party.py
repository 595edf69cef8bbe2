from __future__ import annotations

import json
from typing import Any

import pytest

import fengqiao as fq
from fengqiao.domain.party import mask
from stages import START

ID_NUMBER = "140881199001011234"
PHONE = "13812345678"


def party() -> fq.Party:
    return fq.Party(name="赵某", id_number=ID_NUMBER, phone=PHONE, address="永济市某小区3号楼")


def test_repr_masks_the_id_number_and_the_phone() -> None:
    text = repr(party())
    assert ID_NUMBER not in text
    assert PHONE not in text
    assert "140***********1234" in text
    assert "138****5678" in text


def test_str_shows_the_name_and_role_but_no_identity_details() -> None:
    text = str(party())
    assert text == "赵某 (party)"


def test_the_value_keeps_the_id_number_and_phone_whole() -> None:
    p = party()
    assert p.id_number == ID_NUMBER
    assert p.phone == PHONE


def test_dumps_keeps_the_id_number_and_phone_whole_for_the_station_records() -> None:
    data = json.loads(fq.dumps(party()))
    assert data["id_number"] == ID_NUMBER
    assert data["phone"] == PHONE


def test_redacted_masks_identity_details_and_drops_the_address() -> None:
    shared = party().redacted()
    assert shared.id_number == "140***********1234"
    assert shared.phone == "138****5678"
    assert shared.address == ""
    assert shared.name == "赵某"


def test_redacted_leaves_the_original_party_whole() -> None:
    p = party()
    p.redacted()
    assert (p.id_number, p.phone, p.address) == (ID_NUMBER, PHONE, "永济市某小区3号楼")


def test_redacted_json_holds_no_identity_details() -> None:
    text = fq.dumps(party().redacted())
    assert ID_NUMBER not in text
    assert PHONE not in text


def test_a_party_without_identity_details_redacts_to_none() -> None:
    shared = fq.Party(name="某物业公司", kind=fq.PartyKind.ORGANISATION).redacted()
    assert shared.id_number is None
    assert shared.phone is None


def test_mask_hides_a_short_value_entirely() -> None:
    assert mask("1234567") == "*******"


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_name_is_refused_with_path_name(name: str) -> None:
    with pytest.raises(fq.ValidationError) as info:
        fq.Party(name=name)
    assert info.value.path == "name"


def test_kind_and_role_accept_their_value_strings() -> None:
    p = fq.Party(name="某公司", kind="organisation", role="respondent")
    assert p.kind is fq.PartyKind.ORGANISATION
    assert p.role is fq.PartyRole.RESPONDENT


@pytest.mark.parametrize(("field", "value"), [("kind", "robot"), ("role", "judge")])
def test_a_wrong_enum_is_refused_with_its_field_as_path(field: str, value: str) -> None:
    kwargs: dict[str, Any] = {field: value}
    with pytest.raises(fq.ValidationError) as info:
        fq.Party(name="赵某", **kwargs)
    assert info.value.path == field
    assert value in info.value.message


def test_a_phone_that_is_not_text_is_refused() -> None:
    with pytest.raises(fq.ValidationError) as info:
        fq.Party(name="赵某", phone=13812345678)  # type: ignore[arg-type]
    assert info.value.path == "phone"


def test_a_party_is_frozen() -> None:
    p = party()
    with pytest.raises(AttributeError):
        p.name = "钱某"  # type: ignore[misc]


def test_an_alert_accepts_a_channel_value_string() -> None:
    alert = fq.Alert(channel="hotline_12345", received_at=START)
    assert alert.channel is fq.Channel.HOTLINE_12345
