from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao.domain.party import mask
from fengqiao.testing import strategies as fst
from tests.stages import START

ID_NUMBER = "140881199001011234"
PHONE = "13812345678"


def party() -> fq.Party:
    return fq.Party(name="赵某", id_number=ID_NUMBER, phone=PHONE, address="永济市某小区3号楼")


def test_repr_masks_the_id_number_and_the_phone() -> None:
    text = repr(party())
    assert ID_NUMBER not in text
    assert PHONE not in text
    assert "140***********1234" in text
    assert "138******78" in text  # 5 of 11 shown: fewer than half


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
    assert shared.phone == "138******78"
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


def test_party_phone_error_never_quotes_the_number() -> None:
    with pytest.raises(fq.ValidationError) as info:
        fq.Party(name="赵某", phone=13812345678)  # type: ignore[arg-type]
    assert "13812345678" not in str(info.value)
    assert not re.search(r"\d{8}", str(info.value))


def test_an_id_number_error_never_quotes_the_number() -> None:
    with pytest.raises(fq.ValidationError) as info:
        fq.Party(name="赵某", id_number=[ID_NUMBER])  # type: ignore[arg-type]
    assert info.value.path == "id_number"
    assert not re.search(r"\d{6}", str(info.value))


_PERSONAL = st.text("0123456789", min_size=7, max_size=18)


def _refusals(number: str) -> st.SearchStrategy[dict[str, Any]]:
    """Party arguments that are refused and carry ``number`` somewhere."""
    return st.sampled_from(
        [
            {"phone": int(number)},
            {"phone": f"{number}\x00"},
            {"id_number": f"\ud800{number}"},
            {"id_number": [number]},
            {"kind": number},
            {"role": int(number)},
            {"name": f"{number}\n"},
            {"address": f"{number}\u202e"},
            {"household": int(number)},
            {"name": int(number)},
        ]
    )


@given(data=st.data(), number=_PERSONAL)
def test_any_refused_party_message_shows_no_six_digits_of_a_number_it_was_given(
    data: st.DataObject, number: str
) -> None:
    arguments = {"name": "赵某", **data.draw(_refusals(number))}
    with pytest.raises(fq.ValidationError) as info:
        fq.Party(**arguments)
    message = str(info.value)
    assert not any(number[i : i + 6] in message for i in range(len(number) - 5))


@given(value=st.text(min_size=0, max_size=40))
def test_mask_shows_fewer_than_half_of_any_value_and_never_more_than_seven_characters(value: str) -> None:
    masked = mask(value)
    assert masked is not None
    assert len(masked) == len(value)
    shown = sum(1 for a, b in zip(masked, value, strict=True) if a == b and a != "*")
    assert shown < max(len(value), 1) / 2
    assert shown <= 7


def test_mask_keeps_fewer_than_half_of_a_landline_a_mobile_and_an_id_number() -> None:
    assert mask("03591234") == "03*****4"
    assert mask("13812345678") == "138******78"
    assert mask("140881199001011234") == "140***********1234"
    assert mask("1234567") == "*******"


@pytest.mark.parametrize(
    ("name", "shared"),
    [("张三丰", "张某"), ("欧阳娜娜", "欧阳某"), ("欧阳", "欧某"), ("Maria Lopez", "M.")],
)
def test_redacted_cuts_a_persons_name_to_the_surname(name: str, shared: str) -> None:
    assert fq.Party(name=name).redacted().name == shared


def test_redacted_drops_the_household() -> None:
    p = fq.Party(name="张三丰", household="140881-0042", address="永济市某村")
    shared = p.redacted()
    assert (shared.household, shared.address) == ("", "")


def test_redacted_keeps_an_organisations_name_but_not_a_persons() -> None:
    org = fq.Party(name="永济市某物业公司", kind=fq.PartyKind.ORGANISATION)
    assert org.redacted().name == "永济市某物业公司"
    assert fq.Party(name="永济市某物业公司").redacted().name == "永某"


@given(p=fst.parties())
def test_a_redacted_party_keeps_no_given_name_household_address_or_whole_number(p: fq.Party) -> None:
    shared = p.redacted()
    assert (shared.household, shared.address) == ("", "")
    assert shared.id_number is None or shared.id_number != p.id_number
    assert shared.phone is None or shared.phone != p.phone
    if p.kind is fq.PartyKind.PERSON:
        assert len(shared.name) <= 3
