"""The one formatter error messages quote values with: bounded, never failing, never showing a personal number."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao import serde
from fengqiao.domain._quote import quote
from fengqiao.lifecycle import payloads as pl


class _Raises:
    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


class _Recurses:
    def __repr__(self) -> str:
        return repr(self)


class _Huge:
    def __repr__(self) -> str:
        return "x" * 10_000_000


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


def _self_containing() -> list[Any]:
    loop: list[Any] = []
    loop.append(loop)
    return loop


ODD = [
    _Raises(),
    _Recurses(),
    _Huge(),
    _nested(10_000),
    _self_containing(),
    {"a": _self_containing()},
    10**5000,
    "x" * 1_000_000,
    b"\x00" * 1000,
    frozenset(range(10_000)),
]


@pytest.mark.parametrize("value", ODD, ids=lambda v: type(v).__name__)
def test_quoting_an_odd_value_gives_a_short_text_and_never_raises(value: object) -> None:
    text = quote(value)
    assert isinstance(text, str)
    assert len(text) <= 120


def test_a_value_whose_repr_raises_is_refused_naming_its_type() -> None:
    with pytest.raises(fq.ValidationError) as caught:
        fq.Party(name=_Raises())  # type: ignore[arg-type]
    assert caught.value.message == "expected text, got _Raises <_Raises object>"


@given(st.recursive(st.none() | st.integers() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)))
def test_any_plain_value_quotes_to_at_most_120_characters(value: object) -> None:
    assert len(quote(value)) <= 120


NO_DIGITS = st.text(st.characters(exclude_categories=["Nd", "No"]), max_size=5)


@given(digits=st.text("0123456789", min_size=6, max_size=30), before=NO_DIGITS, after=NO_DIGITS)
def test_no_quoted_value_shows_six_digits_in_a_row(digits: str, before: str, after: str) -> None:
    # The text around the number has no digits of its own, so any six in a row would be the number's.
    assert not re.search(r"\d{6}", quote(f"{before}{digits}{after}"))


@pytest.mark.parametrize("value", [13812345678, "13812345678", ["140881199001011234"], {"phone": "0359-12345678"}])
def test_a_phone_or_id_number_is_masked_wherever_it_sits_in_the_value(value: object) -> None:
    text = quote(value)
    assert not re.search(r"\d{6}", text)


def test_a_vocabulary_error_quotes_the_bad_value_safely() -> None:
    with pytest.raises(fq.ValidationError) as caught:
        fq.Party(name="赵某", kind=13812345678)  # type: ignore[arg-type]
    assert "12345678" not in str(caught.value)
    assert caught.value.path == "kind"


def test_a_deeply_nested_value_in_a_collection_field_is_refused_without_recursing() -> None:
    with pytest.raises(fq.ValidationError) as caught:
        pl.MediatePayload(documents=[_nested(100_000)])  # type: ignore[arg-type]
    assert caught.value.path == "documents[0]"


def test_a_schema_version_too_long_to_print_is_a_serialization_error() -> None:
    with pytest.raises(fq.SerializationError) as caught:
        serde.structure({"schema": 10**5000, "kind": "other"}, fq.DossierItem)
    assert caught.value.path == "schema"
