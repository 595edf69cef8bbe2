"""The store codec writes and reads exactly what the stdlib ``json`` does, only quicker.

Stored hash chains seal the canonical text, so ``canonical_text`` must give the text of
``json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))`` (or raise its
error) for any value, and ``decode`` must give the event or the message the stdlib's parse gives.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
import uuid
from collections import namedtuple
from collections.abc import Iterator
from typing import Any, ClassVar, cast

import attrs
import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fengqiao import serde
from fengqiao.domain._checks import text_fault
from fengqiao.domain.actor import Actor, Role
from fengqiao.errors import SerializationError, UnreadableEventError, ValidationError
from fengqiao.lifecycle import events as ev
from fengqiao.lifecycle import payloads as pl
from fengqiao.lifecycle.cases import CaseEvent
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.triggers import EVENT_TYPES
from fengqiao.storage import _codec as codec
from fengqiao.storage._chain import GENESIS, link, link_utf8
from fengqiao.storage._codec import canonical_json, canonical_text, decode, encode
from fengqiao.storage._requests import check_append
from fengqiao.testing import strategies
from tests.documents import places

STDLIB = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# -- values of every kind, including the ones the two encoders treat differently -----------
class Colour(enum.StrEnum):
    RED = "red"
    SMILE = "😀"
    CONTROL = "\x1f"


class Level(enum.IntEnum):
    LOW = 1
    HUGE = 2**70


class Access(enum.IntFlag):
    READ = 1
    WRITE = 2


class Coded(str, enum.Enum):  # noqa: UP042 (a StrEnum would make its value the text)
    """Its text is "1", its value the int 1."""

    ONE = 1


class Shouting(enum.StrEnum):
    """Its text is "quiet", its value "QUIET"."""

    QUIET = "quiet"

    def __new__(cls, value: str) -> Shouting:
        member = str.__new__(cls, value)
        member._value_ = value.upper()
        return member


class Plain(enum.Enum):
    TEXT = "text"
    REAL = 1.5


class Text(str):
    def __str__(self) -> str:
        return "not this"


class Number(int):
    def __repr__(self) -> str:
        return "not this"


class Real(float):
    pass


class Items(dict):  # type: ignore[type-arg]
    def items(self) -> Any:
        return [("items", "override")]


class Listing(list):  # type: ignore[type-arg]
    def __iter__(self) -> Iterator[Any]:
        return iter(["iter", "override"])


Point = namedtuple("Point", "x y")

SPECIAL_CHARACTERS = [chr(i) for i in range(0x20)] + ["\x7f", "\x80", "\u2028", "\u2029", '"', "\\", "/", "\ufeff"]
SPECIAL_CHARACTERS += ["\ud800", "\udfff", "\ud83d", "\ude00", "\uffff", "\ue000", "\U0001f600", "\U0010ffff"]

any_text = st.text(
    st.characters(exclude_categories=()) | st.sampled_from(SPECIAL_CHARACTERS) | st.integers(0xD800, 0xDFFF).map(chr),
    max_size=12,
)
odd_leaves = st.sampled_from(
    [
        *Colour,
        *Level,
        Access.READ | Access.WRITE,
        Access(0),
        Coded.ONE,
        Shouting.QUIET,
        *Plain,
        Text("text"),
        Number(7),
        Real(2.5),
        uuid.UUID(int=1),
        dt.datetime(2024, 1, 31, 9, tzinfo=dt.UTC),
        dt.date(2024, 1, 31),
        decimal.Decimal("1.5"),
        b"bytes",
        orjson.Fragment(b"[1]"),
        Point(1, 2),
        frozenset({1}),
        object(),
    ]
)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(2**64), 2**65),
    st.floats(),
    st.sampled_from([1e16, 1e-07, 1e-5, 0.0001, -0.0, 1e22, 5e-324, float("nan"), float("inf"), -float("inf")]),
    any_text,
    odd_leaves,
)
keys = any_text | st.sampled_from([Colour.RED, Text("key"), 1, 1.5, True, None, ""])


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(any_text, children, max_size=4),
        st.dictionaries(keys, children, max_size=3),
        st.dictionaries(any_text, children, max_size=3).map(Items),
        st.lists(children, max_size=3).map(Listing),
    )


json_like = st.recursive(leaves, _containers, max_leaves=24)


def _outcome(write: Any, value: Any) -> tuple[str, str]:
    """The text ``write`` gives, or the error it raises, as comparable strings."""
    try:
        return "text", write(value)
    except Exception as exc:
        return type(exc).__name__, str(exc)


# -- writing --------------------------------------------------------------------------------
@settings(max_examples=400)
@given(json_like)
@example({"\U0001f600": 1, "\uffff": 2, "\ue000": 3, "z": 4})  # sorted by code point, not UTF-16
@example([1e16, 1e-07, float("nan"), float("inf")])  # orjson: 1e-7, null, null
@example({"a": [Plain.TEXT, uuid.UUID(int=1)], "b": orjson.Fragment(b"1")})  # orjson writes, the stdlib refuses
@example(Items(a=1))  # the stdlib asks items(), orjson reads the dict
@example(["\b\f\n\r\t\x00\x1f\x7f\u2028\u2029"])
@example(2**64)
@example(-(2**63) - 1)
@example("\ud800")
def test_any_value_is_written_as_json_dumps_writes_it_or_refused_alike(value: Any) -> None:
    reference = _outcome(lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False, separators=(",", ":")), value)
    assert _outcome(canonical_text, value) == reference


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Colour.RED, '"red"'),
        (Coded.ONE, '"1"'),
        (Shouting.QUIET, '"quiet"'),
        (Level.LOW, "1"),
        (Access.READ | Access.WRITE, "3"),
        (Text("text"), '"text"'),
        (Number(7), "7"),
        ((1, "a"), '[1,"a"]'),
        ({"b": 1, "a": {"d": None, "c": True}}, '{"a":{"c":true,"d":null},"b":1}'),
        ("\x1f\x7f\b\f", '"\\u001f\x7f\\b\\f"'),
        ({"é": 1, "e": 2}, '{"e":2,"é":1}'),
    ],
    ids=repr,
)
def test_subclasses_enum_members_and_escapes_are_written_as_the_stdlib_writes_them(value: Any, text: str) -> None:
    assert canonical_text(value) == text == STDLIB.encode(value)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ({"a": {1, 2}}, TypeError),
        ({"a": Plain.TEXT}, TypeError),
        ({"a": uuid.UUID(int=1)}, TypeError),
        ({"a": dt.date(2024, 1, 1)}, TypeError),
        ({1: "a", "b": 2}, TypeError),  # keys that cannot be sorted together
    ],
    ids=repr,
)
def test_what_the_stdlib_refuses_is_refused_though_orjson_would_write_it(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        canonical_text(value)


def test_a_circular_value_is_refused_as_the_stdlib_refuses_it() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference detected"):
        canonical_text({"a": loop})


def test_a_value_nested_deeper_than_orjson_goes_is_written_by_the_stdlib() -> None:
    deep: Any = "leaf"
    for _ in range(300):
        deep = [deep]
    assert canonical_text(deep) == STDLIB.encode(deep)


# Events hold what their validators let in: any str (subclasses too) in text fields, a
# grading's flags and the dispute id, but no character that no identifier may hold (controls,
# lone surrogates, bidi and invisible characters).
accepted_text = any_text.map(lambda s: "".join(c for c in s if text_fault(c, "id") is None))
flag_sets = st.one_of(
    st.frozensets(accepted_text, max_size=3),
    st.frozensets(st.sampled_from([Colour.RED, Colour.SMILE]), max_size=2),
    st.frozensets(st.sampled_from([Coded.ONE, Shouting.QUIET, Text("x")]), max_size=2),
)
odd_texts = st.one_of(
    accepted_text.filter(lambda s: bool(s.strip())), st.sampled_from([Colour.RED, Text("x"), Shouting.QUIET])
)
not_texts = st.one_of(
    st.floats(allow_nan=False),
    st.integers(-(2**70), 2**70),
    st.sampled_from([uuid.UUID(int=1), Plain.TEXT, Level.LOW, (1, "x"), None]),
)


@st.composite
def stretched_events(draw: st.DrawFn) -> ev.Event:
    event = draw(strategies.events())
    match draw(st.sampled_from(["flags", "note", "dispute_id"])):
        case "flags":
            grading = attrs.evolve(draw(strategies.gradings()), flags=draw(flag_sets))
            grade = pl.GradePayload(assessment=draw(strategies.assessments()), grading=grading)
            return ev.Graded(dispute_id=event.dispute_id, at=event.at, actor=event.actor, payload=grade)
        case "note":
            note = pl.NotePayload(text=draw(odd_texts))
            return ev.Noted(dispute_id=event.dispute_id, at=event.at, actor=event.actor, payload=note)
        case _:
            return attrs.evolve(event, dispute_id=draw(odd_texts))


def _stdlib_canonical(event: ev.Event) -> str:
    return STDLIB.encode(serde.unstructure(event))


@given(stretched_events())
def test_any_event_its_validators_let_in_is_written_as_the_stdlib_writes_it(event: ev.Event) -> None:
    assert _outcome(canonical_json, event) == _outcome(_stdlib_canonical, event)


@given(strategies.events(), not_texts)
def test_what_would_not_be_written_as_text_is_refused_in_a_flag_or_a_dispute_id(event: ev.Event, value: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        pl.Grading(grade="high", rule="r", route="mediate", flags={value})
    assert caught.value.path == "flags[0]"
    with pytest.raises(ValidationError) as caught:
        attrs.evolve(event, dispute_id=value)
    assert caught.value.path == "dispute_id"


def test_every_built_in_event_is_written_without_looking_inside_and_other_classes_are_looked_through() -> None:
    assert all(codec.plain_document(cls) for cls in EVENT_TYPES.values())
    assert not codec.plain_document(Dispute)  # not an event: unstructured by the converter's hooks


def test_a_document_with_a_number_in_its_schema_is_looked_through(monkeypatch: pytest.MonkeyPatch) -> None:
    @attrs.frozen(kw_only=True)
    class Measured(ev.Event):
        type: ClassVar[str] = "measured"
        reading: float

    monkeypatch.setitem(serde._DOCUMENTS, Measured, lambda e: {"schema": 1, "type": "measured", "reading": e.reading})
    monkeypatch.setattr(codec, "_PLAIN", {})
    assert not codec.plain_document(Measured)
    event = Measured(
        dispute_id="d-1", at=dt.datetime(2024, 1, 31, tzinfo=dt.UTC), actor=Actor.parse("officer:xiao"), reading=1e-07
    )
    assert canonical_json(event) == '{"reading":1e-07,"schema":1,"type":"measured"}'  # the stdlib's, not orjson's 1e-7


@given(stretched_events())
def test_any_event_is_chained_over_the_stdlibs_text_or_refused_alike(event: ev.Event) -> None:
    stream = event.dispute_id
    expected = _outcome(lambda e: link(GENESIS, stream, 1, _stdlib_canonical(e)), event)
    got = _outcome(lambda e: encode(stream, (e,), after=0, prev_hash=GENESIS)[0].hash, event)
    assert got == expected


@given(strategies.events(), st.integers(0, 5))
def test_encoded_rows_carry_the_stdlib_text_and_its_hash_chain(event: ev.Event, after: int) -> None:
    second = attrs.evolve(event, at=event.at + dt.timedelta(minutes=1))
    first_row, second_row = encode(event.dispute_id, (event, second), after=after, prev_hash=GENESIS)
    assert first_row.data == _stdlib_canonical(event)
    assert first_row.hash == link(GENESIS, event.dispute_id, after + 1, first_row.data)
    assert second_row.data == _stdlib_canonical(second)
    assert second_row.prev_hash == first_row.hash
    assert second_row.hash == link(first_row.hash, event.dispute_id, after + 2, second_row.data)
    assert (first_row.type, first_row.schema_version, first_row.event) == (event.type, serde.SCHEMA_VERSION, event)


@given(st.text(), st.text(), st.integers(1, 10**12))
def test_linking_utf8_bytes_gives_the_hash_of_the_text(stream: str, data: str, version: int) -> None:
    assert link_utf8(GENESIS, stream, version, data.encode()) == link(GENESIS, stream, version, data)


# -- reading --------------------------------------------------------------------------------
def _stdlib_decode(stream_id: str, version: int, data: Any) -> Any:
    """``decode`` as it was before orjson: the stdlib parse, then ``serde.structure`` (an event of either kind)."""
    try:
        raw = json.loads(data)
    except (ValueError, TypeError) as exc:
        raise UnreadableEventError(stream_id, version, f"corrupt JSON: {exc}") from exc
    try:
        event: Any = serde.structure(raw, CaseEvent)
    except SerializationError as exc:
        raise UnreadableEventError(stream_id, version, f"not a readable event: {exc}") from exc
    if event.stream_id != stream_id:
        raise UnreadableEventError(stream_id, version, f"the event belongs to dispute {event.stream_id!r}")
    return event


def _read(stream_id: str, data: Any) -> tuple[str, Any]:
    try:
        return "event", decode(stream_id, 4, serde.SCHEMA_VERSION, data)
    except Exception as exc:  # UnreadableEventError, or what the stdlib lets through (RecursionError)
        return type(exc).__name__, str(exc)


def _read_stdlib(stream_id: str, data: Any) -> tuple[str, Any]:
    try:
        return "event", _stdlib_decode(stream_id, 4, data)
    except Exception as exc:
        return type(exc).__name__, str(exc)


def _note() -> ev.Noted:
    return ev.Noted(
        dispute_id="d-1",
        at=dt.datetime(2024, 1, 31, 9, tzinfo=dt.UTC),
        actor=Actor(id="officer:xiao", roles=frozenset({Role.COMMUNITY_OFFICER})),
        payload=pl.NotePayload(text="噪音"),
    )


NUMBERS = [
    "1.0",
    "-0",
    "-0.0",
    "1e0",
    "1e-07",
    "0.1",
    "18446744073709551616",
    "-9223372036854775809",
    "123456789012345678901234567890",
    "1e400",
    "NaN",
    "Infinity",
    "-Infinity",
    "[1.5]",
    '{"a":2.5}',
    '"\\ud800"',
    '"\\ud83d\\ude00"',
    "true",
    "null",
]
_HOLE = "\x00hole\x00"


@given(strategies.events(), st.data())
def test_a_row_with_any_number_in_any_place_is_read_as_the_stdlib_reads_it(
    event: ev.Event, data: st.DataObject
) -> None:
    raw = json.loads(canonical_json(event))
    *parents, last = data.draw(st.sampled_from(places(raw)), label="place")
    target = raw
    for step in parents:
        target = target[step]
    target[last] = _HOLE
    text = STDLIB.encode(raw).replace(json.dumps(_HOLE), data.draw(st.sampled_from(NUMBERS), label="token"))
    assert _read(event.dispute_id, text) == _read_stdlib(event.dispute_id, text)


@pytest.mark.parametrize("schema", ["1.0", "1e0", "true", "18446744073709551617", "1.0000000000000000001", "NaN"])
def test_an_odd_schema_number_is_read_as_the_stdlib_reads_it(schema: str) -> None:
    event = _note()
    text = canonical_json(event).replace('"schema":1', f'"schema":{schema}')
    assert _read("d-1", text) == _read_stdlib("d-1", text)


@given(strategies.events(), st.data())
def test_a_float_anywhere_but_the_schema_version_makes_an_event_unreadable(
    event: ev.Event, data: st.DataObject
) -> None:
    # What decode's orjson path relies on: orjson parses numbers its own way (an int beyond
    # 64 bits becomes a float), so an event must never be built from a float.
    raw = json.loads(canonical_json(event))
    inside = [p for p in places(raw) if p != ("schema",)]
    *parents, last = data.draw(st.sampled_from(inside), label="place")
    target = raw
    for step in parents:
        target = target[step]
    number = data.draw(st.sampled_from([1.0, 0.0, 1.8446744073709552e19, 1e-07]), label="float")
    if isinstance(target[last], list) and data.draw(st.booleans(), label="append"):
        target[last].append(number)
    else:
        target[last] = number
    with pytest.raises(SerializationError):
        serde.structure(raw, ev.Event)


@given(strategies.events())
def test_every_event_reads_back_from_its_row_whether_text_or_utf8_bytes(event: ev.Event) -> None:
    text = canonical_json(event)
    assert decode(event.dispute_id, 1, serde.SCHEMA_VERSION, text) == event
    assert decode(event.dispute_id, 1, serde.SCHEMA_VERSION, cast(str, text.encode())) == event


@given(
    st.text(st.characters(exclude_categories=()) | st.sampled_from('{}[]",:0123456789.eE-+ \\nulltrue'), max_size=40)
)
@example("")
@example("\ufeff{}")
@example('{"schema":1,"type":')
@example("[" * 2000)
def test_any_text_is_read_or_refused_as_the_stdlib_does_it(text: str) -> None:
    assert _read("d-1", text) == _read_stdlib("d-1", text)


def test_a_row_of_utf16_bytes_is_read_by_the_stdlibs_rules() -> None:
    event = _note()
    utf16 = cast(str, canonical_json(event).encode("utf-16"))
    assert _read("d-1", utf16) == _read_stdlib("d-1", utf16) == ("event", event)
    memory = cast(str, memoryview(canonical_json(event).encode()))
    assert _read("d-1", memory) == _read_stdlib("d-1", memory)
    assert _read("d-1", memory)[0] == "UnreadableEventError"  # the stdlib takes no memoryview; orjson would


@pytest.mark.parametrize("stream_id", ["d-\ud800", "d\u202e1", "d-\u200b1", "d-\x85"])
def test_a_stream_id_with_a_lone_surrogate_bidi_or_invisible_character_is_refused(stream_id: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_append(stream_id, [], 0)
    assert caught.value.path == "stream_id"
    assert stream_id not in str(caught.value)


def test_an_expected_version_too_long_to_print_is_refused_as_bad_input() -> None:
    with pytest.raises(ValidationError) as caught:
        check_append("d-1", [], -(10**5000))
    assert caught.value.path == "expected_version"
