"""Text at the boundary: every text field of every value refuses controls, lone surrogates and bidi tricks.

The classes and their text fields are found, not listed: every attrs class in fengqiao whose
field is checked by one of the text validators. Each needs a valid example below, so that a
new class with a text field fails here until it has one.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao.domain import _checks as checks
from fengqiao.domain import party, records
from fengqiao.domain._checks import TextKind, text_fault
from fengqiao.ledger import RecordedPolicy
from fengqiao.lifecycle import events as ev
from fengqiao.lifecycle import household_events as hev
from fengqiao.lifecycle import household_payloads as hpl
from fengqiao.lifecycle import payloads as pl
from fengqiao.lifecycle import place_events as pev
from fengqiao.lifecycle.triggers import EVENT_TYPES
from fengqiao.policies import rhythms
from fengqiao.simulation import households as sim_households
from fengqiao.testing import strategies as fst
from fengqiao.testing.households import household_story
from fengqiao.testing.places import place_story
from tests.stages import START

KINDS: dict[Any, TextKind] = {
    checks.is_text: "line",
    checks.non_empty: "line",
    party._personal: "line",
    checks.is_prose: "prose",
    checks.non_empty_prose: "prose",
    checks.identifier: "id",
}
"""Each text validator and the kind of text it takes."""


def _text_fields() -> list[tuple[type[Any], str, TextKind]]:
    found: set[tuple[type[Any], str, TextKind]] = set()
    for info in pkgutil.walk_packages(fq.__path__, "fengqiao."):
        if info.name.endswith("__main__"):
            continue
        for cls in vars(importlib.import_module(info.name)).values():
            if isinstance(cls, type) and attrs.has(cls):
                for field in attrs.fields(cls):
                    if field.validator in KINDS:
                        found.add((cls, field.name, KINDS[field.validator]))
    return sorted(found, key=lambda t: (t[0].__module__, t[0].__qualname__, t[1]))


TEXT_FIELDS = _text_fields()


def _payload_of(cls: type[Any]) -> st.SearchStrategy[Any]:
    carrier = next(e for e in EVENT_TYPES.values() if attrs.fields_dict(e)["payload"].type in (cls, cls.__name__))
    return fst.events((carrier,)).map(lambda e: getattr(e, "payload"))  # noqa: B009 - Event declares none


_RECORD = {"at": st.just(START), "by": st.just("officer:xiao")}
_STORY: tuple[Any, ...] = household_story().history
"""One household event of each class (and so one payload of each household payload class)."""
_PLACE: tuple[Any, ...] = place_story().history
"""One place event of each class, and one payload of each place payload class."""
EXAMPLES: dict[type[Any], st.SearchStrategy[Any]] = {
    fq.Party: fst.parties(),
    fq.Alert: fst.alerts(),
    fq.DossierItem: fst.dossier_items(),
    fq.Actor: fst.actors(),
    pl.Assessment: fst.assessments(),
    pl.Grading: fst.gradings(),
    ev.Event: st.builds(ev.Event, dispute_id=fst.names(), at=st.just(START), actor=fst.actors()),
    records.Assignment: st.builds(records.Assignment, person=fst.names(), role=st.just(fq.Role.OFFICER), **_RECORD),
    records.Attempt: st.builds(
        records.Attempt, forces=st.just(()), outcome=st.just(fq.Outcome.AGREEMENT), summary=fst.texts(), **_RECORD
    ),
    records.Visit: st.builds(
        records.Visit, kind=st.just(fq.VisitKind.PHONE), holding=st.booleans(), finding=fst.texts(), **_RECORD
    ),
    records.Referral: st.builds(
        records.Referral, department=st.just(fq.Department.COURT), reason=fst.texts(), **_RECORD
    ),
    records.Escalation: st.builds(
        records.Escalation, case_kind=st.none(), reason=fst.texts(), case_number=fst.texts(max_size=8), **_RECORD
    ),
    records.PolicyRef: fst.policy_refs(),
    RecordedPolicy: st.builds(RecordedPolicy, default=st.sampled_from(["baseline", "yongji-54333"])),
    rhythms.Filing: st.builds(rhythms.Filing, at=st.just(START), kind=fst.texts(max_size=8)),
    rhythms.Rhythm: st.sampled_from(rhythms.XIQI_RHYTHMS),
    **{cls: fst.events((cls,)) for cls in EVENT_TYPES.values()},
    hev.HouseholdEvent: st.builds(hev.HouseholdEvent, household_id=fst.names(), at=st.just(START), actor=fst.actors()),
    **{type(e): st.just(e) for e in _STORY},
    **{type(e.payload): st.just(e.payload) for e in _STORY if type(e.payload).__module__ == hpl.__name__},
    hpl.HouseholdAssessment: st.just(_STORY[2].payload.assessment),
    hev.HouseholdTransitioned: st.just(
        hev.HouseholdTransitioned(
            household_id="h-1",
            at=START,
            actor=fq.Actor.parse("grid_worker:li"),
            payload=pl.TransitionPayload(trigger="transfer", target="transferred"),
        )
    ),
    **{type(e): st.just(e) for e in _PLACE},
    **{type(e.payload): st.just(e.payload) for e in _PLACE},
    pev.PlaceEvent: st.builds(pev.PlaceEvent, place_id=fst.names(), at=st.just(START), actor=fst.actors()),
    sim_households.Village: st.just(sim_households.Village("村01", 250, 3)),
    sim_households.HouseholdScenario: st.just(sim_households.xiqi()),
    **{getattr(pl, name): _payload_of(getattr(pl, name)) for name in pl.__all__ if name.endswith("Payload")},
}
"""A strategy for valid values of every class with a text field."""


def test_every_class_with_a_text_field_has_a_valid_example_here() -> None:
    classes = {cls for cls, _, _ in TEXT_FIELDS}
    assert {fq.Party, fq.Alert, fq.DossierItem, fq.Actor, pl.NotePayload, ev.Noted, records.Visit} <= classes
    assert classes <= set(EXAMPLES)


FIELDS = [pytest.param(cls, name, kind, id=f"{cls.__name__}.{name}") for cls, name, kind in TEXT_FIELDS]


@pytest.mark.parametrize(("cls", "name", "kind"), FIELDS)
@settings(max_examples=40)
@given(data=st.data())
def test_any_text_with_a_refused_character_is_refused_naming_the_field(
    cls: type[Any], name: str, kind: TextKind, data: st.DataObject
) -> None:
    value = data.draw(EXAMPLES[cls], label="valid")
    bad = data.draw(fst.refused_texts(kind), label="text")
    with pytest.raises(fq.ValidationError) as caught:
        attrs.evolve(value, **{name: bad})
    assert caught.value.path == name
    assert bad not in str(caught.value)  # named by code point and position, not quoted


@pytest.mark.parametrize(("cls", "name", "kind"), [p for p in FIELDS if p.values[2] != "prose"])
@settings(max_examples=5)
@given(data=st.data())
def test_a_line_break_is_refused_where_a_field_is_not_prose(
    cls: type[Any], name: str, kind: TextKind, data: st.DataObject
) -> None:
    value = data.draw(EXAMPLES[cls])
    with pytest.raises(fq.ValidationError, match="allowed only in prose") as caught:
        attrs.evolve(value, **{name: "一行\n二行"})
    assert caught.value.path == name


@pytest.mark.parametrize(("cls", "name", "kind"), [p for p in FIELDS if p.values[2] == "prose"])
@settings(max_examples=5)
@given(data=st.data())
def test_a_prose_field_takes_line_breaks_and_tabs_but_not_a_nul(
    cls: type[Any], name: str, kind: TextKind, data: st.DataObject
) -> None:
    value = data.draw(EXAMPLES[cls])
    text = "双方达成协议。\r\n\t一、赔偿五百元；\n二、互不追究。\u2028完"
    assert getattr(attrs.evolve(value, **{name: text}), name) == text
    with pytest.raises(fq.ValidationError):
        attrs.evolve(value, **{name: f"{text}\x00"})


@given(text=fst.texts(min_size=1))
def test_text_as_officers_write_it_passes_every_kind_of_field(text: str) -> None:
    kinds: tuple[TextKind, ...] = ("line", "prose", "id")
    for kind in kinds:
        assert checks.require_text(text, "x", kind) is text


def test_a_lone_surrogate_is_refused_at_construction_not_later_by_the_hash_chain() -> None:
    with pytest.raises(fq.ValidationError, match=r"lone surrogate \(U\+D800\) at position 1") as caught:
        fq.Party(name="赵\ud800")
    assert caught.value.path == "name"


def test_a_right_to_left_override_in_an_actor_name_is_refused() -> None:
    with pytest.raises(fq.ValidationError, match="U\\+202E RIGHT-TO-LEFT OVERRIDE") as caught:
        fq.Actor.parse("officer:xiao\u202egnaw")
    assert caught.value.path == "actor"


@pytest.mark.parametrize("text", ["officer:xiao\n", "officer:xi\x00ao", "officer:xiao\u200b", "officer:\u200fxiao"])
def test_an_actor_name_with_a_break_a_nul_or_an_invisible_character_is_refused(text: str) -> None:
    with pytest.raises(fq.ValidationError) as caught:
        fq.Actor.parse(text)
    assert caught.value.path == "actor"


def test_direction_marks_are_allowed_in_a_name_but_not_in_an_id() -> None:
    assert fq.Party(name="\u200fعلي").name == "\u200fعلي"
    with pytest.raises(fq.ValidationError, match="invisible character U\\+200F"):
        fq.Actor(id="officer:\u200fعلي", roles={fq.Role.OFFICER})


def test_a_workflow_command_names_the_trigger_and_field_of_bad_text() -> None:
    wf = fq.Workflow("baseline", clock=fq.FixedClock(START))
    d = wf.discover(channel="walk_in", category="debt", summary="欠款", actor="officer:xiao")
    with pytest.raises(fq.ValidationError) as caught:
        wf.fire(d, fq.Trigger.NOTE, actor="officer:xiao", text="备注\x00")
    assert caught.value.path == "note.text"
    with pytest.raises(fq.ValidationError) as caught:
        wf.discover(channel="walk_in", category="debt", summary="欠款", station="站\u202e", actor="officer:xiao")
    assert caught.value.path == "discover.station"


def test_a_regrade_reason_is_checked_as_prose() -> None:
    wf = fq.Workflow("baseline", clock=fq.FixedClock(START))
    d = wf.grade(
        wf.discover(channel="walk_in", category="debt", summary="欠款", actor="officer:xiao"), actor="officer:xiao"
    )
    grading = wf.regrade(d, actor="officer:xiao", grade="high", reason="一\n二").grading
    assert grading is not None
    assert grading.reason == "一\n二"
    with pytest.raises(fq.ValidationError) as caught:
        wf.regrade(d, actor="officer:xiao", grade="high", reason="\ud800")
    assert caught.value.path == "regrade.reason"


@pytest.mark.parametrize("flag", ["key\x00", "\ud800", "a\nb"])
def test_a_grading_flag_with_a_refused_character_is_refused(flag: str) -> None:
    with pytest.raises(fq.ValidationError) as caught:
        pl.Grading(grade="low", rule="r", route="mediate", flags={flag})
    assert caught.value.path == "flags[0]"


def test_a_fault_names_the_character_and_where_it_is() -> None:
    assert text_fault("ab\x07") == "the control character U+0007 at position 2 is not allowed in text"
    assert text_fault("a\u2066b") is not None
    assert text_fault("赵某\u3000钱某") is None  # an ideographic space is text
    assert text_fault("a\nb", "prose") is None


def test_a_datetime_check_quotes_no_phone_number_given_in_its_place() -> None:
    with pytest.raises(fq.ValidationError) as caught:
        fq.Alert(channel="walk_in", received_at=13812345678)  # type: ignore[arg-type]
    assert "12345678" not in str(caught.value)
