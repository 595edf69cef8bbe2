"""The compiled readers (every row a load reads) build what the fast converter builds, and refuse what it refuses."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao import serde
from fengqiao._serde_readers import Readers
from fengqiao.domain import _codegen
from fengqiao.domain.actor import Role
from fengqiao.lifecycle.cases import CASE_EVENT_TYPES, CaseEvent
from fengqiao.policies import CHINA_TZ
from fengqiao.storage._codec import canonical_json
from fengqiao.testing import strategies
from fengqiao.testing.households import HouseholdLifecycle, household_lifecycles
from fengqiao.testing.places import PlaceLifecycle, place_lifecycles
from tests.documents import places

FAST_ONLY = pytest.mark.skipif(_codegen.PLAIN, reason="FENGQIAO_PLAIN=1: nothing is compiled")
BAD_VALUES: list[Any] = [None, 7, 2.5, True, "", "x", "not-a-value", [], ["x"], [7], {}, {"x": 1}]


def _body(event: CaseEvent) -> dict[str, Any]:
    """The document of ``event`` as a stored row holds it, without its ``schema`` and ``type`` keys."""
    body: dict[str, Any] = json.loads(canonical_json(event))
    del body["schema"], body["type"]
    return body


def _read(event_class: type[Any], body: dict[str, Any]) -> object:
    """What the compiled reader makes of ``body``: the value, or ``"refused"``."""
    cls, reader = serde._FAST_EVENTS[event_class.type]
    try:
        return reader(copy.deepcopy(body), cls)
    except Exception:
        return "refused"


def _converted(event_class: type[Any], body: dict[str, Any]) -> object:
    """What the fast converter's hook makes of ``body``: the value, or ``"refused"``."""
    try:
        return serde._fast.structure(copy.deepcopy(body), event_class)
    except Exception:
        return "refused"


def _each_read_as_built(events: Iterable[CaseEvent]) -> None:
    for event in events:
        body = _body(event)
        assert _read(type(event), body) == _converted(type(event), body) == event


def _same_or_stricter(event_class: type[Any], body: dict[str, Any]) -> None:
    read, converted = _read(event_class, body), _converted(event_class, body)
    if read != "refused":
        assert read == converted
    if converted == "refused":
        assert read == "refused"


@FAST_ONLY
@pytest.mark.parametrize("event_class", list(CASE_EVENT_TYPES.values()), ids=list(CASE_EVENT_TYPES))
def test_every_event_class_is_read_by_a_compiled_reader(event_class: type[Any]) -> None:
    cls, reader = serde._FAST_EVENTS[event_class.type]
    assert cls is event_class
    assert reader.__code__.co_filename == f"<fengqiao generated reader {cls.__module__}.{cls.__qualname__}>"


@FAST_ONLY
def test_a_tag_no_event_class_has_is_not_read() -> None:
    with pytest.raises(KeyError):
        serde._FAST_EVENTS["no-such-event"]


@FAST_ONLY
@settings(max_examples=300)
@given(strategies.events())
def test_a_reader_builds_the_event_the_converter_builds(event: fq.Event) -> None:
    _each_read_as_built([event])


@FAST_ONLY
@settings(max_examples=50)
@given(household_lifecycles(lambda: fq.HouseholdWorkflow(clock=fq.FixedClock(datetime(2024, 1, 1, tzinfo=UTC)))))
def test_a_reader_builds_each_household_event_the_converter_builds(run: HouseholdLifecycle) -> None:
    _each_read_as_built(run.household.history)


@FAST_ONLY
@settings(max_examples=50)
@given(
    place_lifecycles(
        lambda: fq.PlaceWorkflow("xiqi-family-risk", clock=fq.FixedClock(datetime(2024, 4, 1, 7, tzinfo=CHINA_TZ)))
    )
)
def test_a_reader_builds_each_place_event_the_converter_builds(run: PlaceLifecycle) -> None:
    _each_read_as_built(run.place.history)


@FAST_ONLY
@settings(max_examples=500)
@given(strategies.events(), st.data())
def test_a_damaged_document_is_read_as_the_converter_reads_it_or_refused(event: fq.Event, data: st.DataObject) -> None:
    body = _body(event)
    place = data.draw(st.sampled_from(places(body)), label="place")
    *parents, last = place
    target: Any = body
    for step in parents:
        target = target[step]
    damage = data.draw(st.sampled_from(["drop", "replace", "extra", "text"]), label="damage")
    if damage == "drop" and isinstance(target, dict):
        del target[last]
    elif damage == "extra" and isinstance(target[last], dict):
        target[last]["unknown"] = ""
    elif damage == "text" and isinstance(target[last], list):  # the converter reads a string as its characters
        target[last] = "".join(str(v) for v in target[last] if isinstance(v, str))
    else:
        target[last] = data.draw(st.sampled_from(BAD_VALUES), label="value")
    _same_or_stricter(type(event), body)


@FAST_ONLY
@given(strategies.events())
def test_a_document_with_an_unknown_key_is_refused_as_the_converter_refuses_it(event: fq.Event) -> None:
    body = {**_body(event), "unknown": 1}
    assert _read(type(event), body) == _converted(type(event), body) == "refused"


@attrs.frozen
class _Note:
    text: str
    tags: tuple[str, ...] = attrs.field(factory=tuple)  # a factory default: no reader of its own


@attrs.frozen
class _Outer:
    role: Role
    note: _Note
    notes: tuple[_Note, ...] = ()
    at: datetime | None = None


def _readers() -> Readers:
    fast = serde._fast
    exact = {fast.get_structure_hook(t): t for t in (str, int, bool)}
    return Readers(fast, exact=exact, members=fast.get_structure_hook(Role))


@FAST_ONLY
def test_a_class_with_a_field_a_reader_cannot_build_is_read_through_the_converters_hook_inside_it() -> None:
    reader = _readers().of(_Outer)
    assert reader is not None
    assert _readers().of(_Note) is None
    document = {
        "role": "officer",
        "note": {"text": "a", "tags": ["x"]},
        "notes": [{"text": "b"}],
        "at": "2024-01-31T09:00:00+08:00",
    }
    assert reader(copy.deepcopy(document)) == serde._fast.structure(copy.deepcopy(document), _Outer)
    assert reader(copy.deepcopy(document)).note == _Note("a", ("x",))
    for damaged in ({**document, "role": "no-such-role"}, {**document, "note": {"text": 1}}, {**document, "x": 1}):
        with pytest.raises(Exception):  # noqa: B017, PT011 - refused; the converter's way says why
            reader(copy.deepcopy(damaged))
