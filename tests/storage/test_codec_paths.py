"""The codec's quick ways are taken, and a row's schema version is read strictly.

The quick ways (orjson writing a built-in event without looking inside it, or a plain value
after ``_same_text`` looked; orjson parsing a row) give the same text and events as the
stdlib's ways, so no output shows whether they were taken: these tests count the slow calls.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings

from fengqiao import serde
from fengqiao.domain import _codegen
from fengqiao.errors import UnreadableEventError
from fengqiao.lifecycle.events import Event
from fengqiao.storage import _codec as codec
from fengqiao.storage._chain import GENESIS
from fengqiao.testing import strategies
from fengqiao.testing.contracts.support import histories, workflow

FAST_ONLY = pytest.mark.skipif(_codegen.PLAIN, reason="FENGQIAO_PLAIN=1: the stdlib reads and writes every row")


def _events() -> list[Event]:
    return [event for d in histories(workflow()) for event in d.history]


def _count(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[object]:
    """Replace ``owner.name`` by a wrapper that records each call's first argument."""
    calls: list[object] = []
    original: Callable[..., Any] = getattr(owner, name)

    def counted(value: object, *args: Any, **kwargs: Any) -> Any:
        calls.append(value)
        return original(value, *args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


class _CountingEncoder(json.JSONEncoder):
    calls: list[object]

    def encode(self, o: Any) -> str:
        self.calls.append(o)
        return super().encode(o)


def _stdlib_encodes(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    encoder = _CountingEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    encoder.calls = []
    monkeypatch.setattr(codec, "_CANONICAL", encoder)
    return encoder.calls


def _stdlib_parses(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    calls: list[object] = []

    def loads(text: Any) -> Any:
        calls.append(text)
        return json.loads(text)

    monkeypatch.setattr(codec, "json", types.SimpleNamespace(loads=loads))
    return calls


# -- writing -------------------------------------------------------------------------------------
@FAST_ONLY
def test_built_in_events_are_written_by_orjson_without_looking_inside_them(monkeypatch: pytest.MonkeyPatch) -> None:
    events = _events()
    assert len({e.type for e in events}) >= 10
    stdlib = _stdlib_encodes(monkeypatch)
    looked = _count(monkeypatch, codec, "_same_text")
    for d in histories(workflow()):
        codec.encode(d.id, d.history, after=0, prev_hash=GENESIS)
    for event in events:
        codec.canonical_json(event)
    assert (stdlib, looked) == ([], [])


@FAST_ONLY
def test_a_plain_value_is_written_by_orjson_once_same_text_vouches_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    stdlib = _stdlib_encodes(monkeypatch)
    looked = _count(monkeypatch, codec, "_same_text")
    value = {"b": [1, True, None, ("x", -2)], "a": {"枫桥": "经验"}}
    assert codec.canonical_text(value) == json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert (stdlib, looked) == ([], [value])


def test_a_value_orjson_would_write_differently_is_counted_as_the_stdlibs(monkeypatch: pytest.MonkeyPatch) -> None:
    stdlib = _stdlib_encodes(monkeypatch)  # the counter sees the slow way when it is taken
    assert codec.canonical_text({"c": 1e-07}) == '{"c":1e-07}'
    assert stdlib == [{"c": 1e-07}]


# -- reading -------------------------------------------------------------------------------------
@FAST_ONLY
def test_stored_rows_are_read_by_orjson_without_the_stdlibs_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [(e, codec.canonical_json(e)) for e in _events()]
    stdlib = _stdlib_parses(monkeypatch)
    for version, (event, data) in enumerate(rows, start=1):
        assert codec.decode(event.dispute_id, version, serde.SCHEMA_VERSION, data) == event
    assert stdlib == []


@FAST_ONLY
def test_stored_rows_are_built_without_the_converters_general_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [(e, codec.canonical_json(e)) for e in _events()]
    general = _count(monkeypatch, serde, "structure")
    for version, (event, data) in enumerate(rows, start=1):
        assert codec.decode(event.dispute_id, version, serde.SCHEMA_VERSION, data) == event
    assert general == []


@settings(max_examples=200)
@given(strategies.events())
def test_the_quick_read_gives_the_event_the_public_loads_gives(event: Event) -> None:
    data = codec.canonical_json(event)
    assert codec.decode(event.dispute_id, 1, serde.SCHEMA_VERSION, data) == serde.loads(data, Event) == event


def test_a_row_orjson_refuses_is_counted_as_read_the_stdlibs_way(monkeypatch: pytest.MonkeyPatch) -> None:
    stdlib = _stdlib_parses(monkeypatch)
    with pytest.raises(UnreadableEventError):
        codec.decode("d-1", 1, serde.SCHEMA_VERSION, "NaN")
    assert stdlib == ["NaN"]


# -- the schema version column -------------------------------------------------------------------
@pytest.mark.parametrize("stored", ["1", None, "abc", b"1", 1.0, 1.5, True, [1]], ids=repr)
def test_a_schema_version_that_is_not_an_int_is_unreadable_whatever_it_equals(stored: object) -> None:
    event = _events()[0]
    with pytest.raises(UnreadableEventError, match="is unknown to this fengqiao") as caught:
        codec.decode(event.dispute_id, 4, stored, codec.canonical_json(event))  # type: ignore[arg-type]
    assert (caught.value.stream, caught.value.version) == (event.dispute_id, 4)


@pytest.mark.parametrize("stored", [0, -1, -(2**70)])
def test_an_older_schema_version_is_called_unknown_not_newer(stored: int) -> None:
    event = _events()[0]
    with pytest.raises(UnreadableEventError, match=f"schema version {stored} is unknown to") as caught:
        codec.decode(event.dispute_id, 4, stored, codec.canonical_json(event))
    assert "newer" not in str(caught.value)


@pytest.mark.parametrize("stored", [2, 2**70])
def test_a_later_schema_version_is_called_newer(stored: int) -> None:
    event = _events()[0]
    with pytest.raises(UnreadableEventError, match=f"schema version {stored} is newer than this fengqiao"):
        codec.decode(event.dispute_id, 4, stored, codec.canonical_json(event))
