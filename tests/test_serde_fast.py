"""The stores' hot path (fast converter, prebuilt encoder) gives exactly what the detailed path gives."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao import serde
from fengqiao.errors import SerializationError, UnreadableEventError
from fengqiao.lifecycle.events import Event
from fengqiao.storage._codec import canonical_json, decode
from fengqiao.testing import strategies
from tests.documents import places

BAD_VALUES: list[Any] = [None, 7, 2.5, True, "", "not-a-value", [], ["x"], {}, {"x": 1}]


def _detailed(data: dict[str, Any]) -> Event | tuple[str, str]:
    """What the detailed converter alone makes of ``data``: the event, or (message, path)."""
    body = {k: v for k, v in data.items() if k != "schema"}
    try:
        return serde.converter.structure(body, Event)
    except Exception as exc:  # the same families serde.structure turns into SerializationError
        return serde.error_location(exc)


def _structured(data: dict[str, Any]) -> Event | tuple[str, str]:
    try:
        return serde.structure(data, Event)
    except SerializationError as exc:
        return exc.message, exc.path


@given(strategies.events())
def test_the_canonical_text_is_what_json_dumps_gives(event: Event) -> None:
    expected = json.dumps(serde.unstructure(event), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert canonical_json(event) == expected


@given(strategies.events())
def test_fast_decoding_gives_the_event_the_detailed_converter_gives(event: Event) -> None:
    data = json.loads(canonical_json(event))
    assert serde.structure(data, Event) == _detailed(data) == event
    assert decode(event.dispute_id, 3, fq.SCHEMA_VERSION, canonical_json(event)) == event


@given(strategies.events(), st.data())
def test_a_damaged_event_fails_with_the_detailed_converters_message_and_path(event: Event, data: st.DataObject) -> None:
    raw = json.loads(canonical_json(event))
    place = data.draw(st.sampled_from([p for p in places(raw) if p != ("schema",)]), label="place")
    *parents, last = place
    target = raw
    for step in parents:
        target = target[step]
    if data.draw(st.booleans(), label="drop") and isinstance(target, dict):
        del target[last]
    else:
        target[last] = data.draw(st.sampled_from(BAD_VALUES), label="value")
    assert _structured(raw) == _detailed(raw)


@given(strategies.events())
def test_a_damaged_row_is_unreadable_with_the_detailed_message(event: Event) -> None:
    raw = json.loads(canonical_json(event))
    raw["actor"]["roles"] = ["no-such-role"]
    with pytest.raises(UnreadableEventError) as caught:
        decode(event.dispute_id, 1, fq.SCHEMA_VERSION, json.dumps(raw))
    detailed = _detailed(raw)
    assert isinstance(detailed, tuple)
    message, path = detailed
    assert str(caught.value).endswith(f"not a readable event: {path}: {message}")


@given(strategies.events())
def test_an_events_document_is_the_converters_dict_under_the_schema_version_key_for_key(event: Event) -> None:
    document = serde.unstructure(event)
    assert list(document.items()) == list({"schema": fq.SCHEMA_VERSION, **serde.converter.unstructure(event)}.items())
    assert list(document)[:2] == ["schema", "type"]
