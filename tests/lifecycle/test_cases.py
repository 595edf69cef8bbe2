"""``CaseEvent``: one name for an event of any kind of case, in the stores, the replays and the JSON."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import fengqiao as fq
from fengqiao.errors import ValidationError
from fengqiao.lifecycle.cases import CASE_EVENT_TYPES, CaseEvent, kind_of
from fengqiao.lifecycle.household import HOUSEHOLD, HOUSEHOLD_EVENT_TYPES
from fengqiao.lifecycle.kinds import DISPUTE
from fengqiao.lifecycle.place import PLACE, PLACE_EVENT_TYPES
from fengqiao.lifecycle.triggers import EVENT_TYPES
from fengqiao.storage import MemoryEventStore
from fengqiao.testing.households import household_story
from fengqiao.testing.places import place_story

CLOCK = fq.FixedClock(datetime(2024, 3, 1, 9, tzinfo=UTC))


def _dispute() -> fq.Dispute:
    wf = fq.Workflow(clock=CLOCK)
    d = wf.discover(channel="alarm_110", category="neighbour", summary="排水沟", actor="officer:xiao", dispute_id="d-1")
    return wf.note(d, text="电话联系双方", actor="officer:xiao")


def test_every_event_class_of_every_kind_is_a_case_event_with_its_own_tag() -> None:
    assert CASE_EVENT_TYPES == {**EVENT_TYPES, **HOUSEHOLD_EVENT_TYPES, **PLACE_EVENT_TYPES}
    assert all(issubclass(cls, CaseEvent) for cls in CASE_EVENT_TYPES.values())
    assert fq.CaseEvent is CaseEvent


def test_kind_of_tells_a_dispute_event_from_a_household_event() -> None:
    assert {kind_of(e) for e in _dispute().history} == {DISPUTE}
    assert {kind_of(e) for e in household_story().history} == {HOUSEHOLD}
    assert {kind_of(e) for e in place_story().history} == {PLACE}
    with pytest.raises(ValidationError, match="expected an event of a kind of case, got str"):
        kind_of("household_noted")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "history",
    [_dispute().history, household_story().history, place_story().history],
    ids=["dispute", "household", "place"],
)
def test_an_event_of_either_kind_reads_back_as_a_case_event(history: tuple[CaseEvent, ...]) -> None:
    assert [fq.loads(fq.dumps(e), fq.CaseEvent) for e in history] == list(history)


def test_the_json_schema_of_a_case_event_is_one_of_every_kinds_event_documents() -> None:
    schema = fq.json_schema(fq.CaseEvent)  # type: ignore[arg-type]
    assert schema["title"] == "fengqiao CaseEvent"
    assert len(schema["oneOf"]) == len(CASE_EVENT_TYPES)


def test_a_stream_loaded_from_a_store_replays_through_its_own_kinds_workflow_only() -> None:
    d, h = _dispute(), household_story()
    store = MemoryEventStore()
    store.append(d.id, d.history, expected_version=0)
    store.append(h.id, h.history, expected_version=0)
    assert fq.Workflow().replay(store.load(d.id)) == fq.replay(store.load(d.id)) == d
    assert fq.HouseholdWorkflow().replay(store.load(h.id)) == h
    with pytest.raises(ValidationError, match="must begin with a Discovered event"):
        fq.Workflow().replay(store.load(h.id))
    with pytest.raises(ValidationError, match="must begin with a HouseholdScreened event"):
        fq.HouseholdWorkflow().replay(store.load(d.id))


def test_a_place_stream_replays_through_the_place_workflow_only() -> None:
    p, h = place_story(), household_story()
    store = MemoryEventStore()
    store.append(p.id, p.history, expected_version=0)
    store.append(h.id, h.history, expected_version=0)
    assert fq.PlaceWorkflow("xiqi-family-risk").replay(store.load(p.id)) == p
    with pytest.raises(ValidationError, match="must begin with a PlaceRegistered event"):
        fq.PlaceWorkflow("xiqi-family-risk").replay(store.load(h.id))
    with pytest.raises(ValidationError, match="must begin with a HouseholdScreened event"):
        fq.HouseholdWorkflow().replay(store.load(p.id))
    with pytest.raises(fq.DisputeNotFound):
        fq.storage.Repository(fq.Workflow(), store).get(p.id)
