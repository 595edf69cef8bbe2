from __future__ import annotations

import json
import typing
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jsonschema
import pytest

import fengqiao as fq
from fengqiao.domain.records import Assignment, Attempt, Escalation, Referral, Visit
from fengqiao.lifecycle import payloads as p
from fengqiao.lifecycle.triggers import EVENT_TYPES
from tests.stages import GRID_WORKER, OFFICER, START, Disputes

AT = START
LATER = START + timedelta(days=2, hours=3)
ACTOR = fq.Actor.parse(OFFICER)
ALERT = fq.Alert(
    channel=fq.Channel.ALARM_110, received_at=AT, reporter="赵某", summary="堵门", location="车库", reference="110-1"
)
PARTY = fq.Party(
    name="赵某", role=fq.PartyRole.COMPLAINANT, id_number="140881199001011234", phone="13812345678", household="3-101"
)
NOTICE = fq.DossierItem(kind=fq.DossierKind.POLICE_MEDIATION_NOTICE, title="公调对接通知单", reference="GT-1")
ASSESSMENT = fq.Assessment(
    risk_factors=frozenset({fq.RiskFactor.THREAT, fq.RiskFactor.ALCOHOL}), complex=True, note="扬言报复"
)
GRADING = fq.Grading(grade="high", rule="baseline.high.severe-factor", route=fq.Route.MEDIATE, reason="threats")

ENTITIES: list[Any] = [
    PARTY,
    fq.Party(name="某物业公司", kind=fq.PartyKind.ORGANISATION),
    ALERT,
    ACTOR,
    fq.Actor("li", [fq.Role.MEDIATOR, fq.Role.GRID_WORKER]),
    NOTICE,
    Assignment("李所长", fq.Role.RESPONSIBLE_LEADER, AT, OFFICER),
    Attempt((fq.MediationForce.COURT, fq.MediationForce.LAWYER), fq.Outcome.PARTIAL, "部分达成", AT, OFFICER),
    Visit(fq.VisitKind.PUBLIC_RETURN, False, "又起争执", LATER, GRID_WORKER),
    Referral(fq.Department.COURT, "诉前调解", AT, OFFICER, (NOTICE,)),
    Escalation(fq.CaseKind.CRIMINAL, "殴打", "XJ-1", AT, OFFICER),
    Escalation(None, "", "", AT, OFFICER),
    ASSESSMENT,
    GRADING,
    fq.Refusal("baseline.close.no-visit", "销号前须至少回访一次", "close needs a visit"),
    fq.Decision(fq.Trigger.CLOSE, (fq.Refusal("a.b", "甲", "a"),)),
    fq.Deadline("daily", "日清", "cleared daily", due=LATER, met_at=AT),
    fq.DossierRequirement(
        "handover",
        fq.DossierSection.HANDOVER,
        frozenset({fq.DossierKind.JOINT_HANDLING_NOTICE, fq.DossierKind.MEDIATION_ENTRUSTMENT}),
        "两书一函",
        "hand-over papers",
    ),
]

PAYLOADS: list[Any] = [
    p.DiscoveryPayload(
        dispute_id="D-1",
        alert=ALERT,
        category=fq.Category.PROPERTY_MANAGEMENT,
        summary="堵门",
        parties=(PARTY,),
        risk_factors=frozenset({fq.RiskFactor.EXTREME_EMOTION}),
        station="蒲州派出所",
    ),
    p.GradePayload(assessment=ASSESSMENT, grading=GRADING),
    p.RegradePayload(assessment=ASSESSMENT, grading=GRADING, manual=True),
    p.MediatePayload(forces=["police_office", "village_grid"], mediator="司法所", documents=(NOTICE,), note="联调"),
    p.ReferPayload(department=fq.Department.WOMENS_FEDERATION, reason="家暴", documents=(NOTICE,)),
    p.EscalatePayload(case_kind=fq.CaseKind.ADMINISTRATIVE, reason="殴打", case_number="XZ-1"),
    p.ResolvePayload(outcome=fq.Outcome.AGREEMENT, summary="协议", reported_by=fq.Department.COURT),
    p.ReopenPayload(reason="反复", risk_factors=frozenset({fq.RiskFactor.THREAT})),
    p.ClosePayload(summary="销号"),
    p.MergePayload(into="D-2", reason="重复警情"),
    p.AssignPayload(person="王某", role=fq.Role.GRID_WORKER),
    p.LinkAlertPayload(alert=ALERT),
    p.AttemptPayload(outcome=fq.Outcome.FAILED, forces=["lawyer"], summary="不成"),
    p.VisitPayload(kind=fq.VisitKind.ON_SITE, holding=False, finding="又吵"),
    p.AttachPayload(item=NOTICE),
    p.NotePayload(text="备注"),
    p.TransitionPayload(trigger="request_confirmation", target="awaiting_confirmation", documents=(NOTICE,)),
]
PAYLOAD_FOR: dict[type[Any], Any] = {type(payload): payload for payload in PAYLOADS}


def event(cls: type[fq.Event]) -> fq.Event:
    payload = PAYLOAD_FOR[typing.get_type_hints(cls)["payload"]]
    return cls(dispute_id="D-1", at=AT, actor=ACTOR, payload=payload)  # type: ignore[call-arg]


EVENTS = [event(cls) for cls in EVENT_TYPES.values()]


def name_of(value: Any) -> str:
    return type(value).__name__


def full(wf: fq.Workflow, disputes: Disputes, clock: fq.FixedClock) -> fq.Dispute:
    """A dispute that went through nearly every trigger: relapse, referral, reopen, close."""
    d = disputes.discovered(risk_factors=["alcohol"], parties=[PARTY, fq.Party(name="钱某")])
    d = wf.link_alert(d, actor=OFFICER, alert=fq.Alert(channel="hotline_12345", received_at=clock.advance(hours=1)))
    d = wf.assign(d, actor=OFFICER, person="李所长", role="responsible_leader")
    d = wf.attach(d, fq.DossierItem(kind="alert_record", title="警情记录"), actor=OFFICER)
    d = wf.note(d, "双方均饮酒", actor=OFFICER)
    d = wf.grade(d, actor=OFFICER, complex=True)
    d = wf.regrade(d, actor=OFFICER, grade="high", reason="扬言报复")
    d = wf.mediate(d, actor=OFFICER, forces=["police_office", "township_peoples"], documents=[NOTICE])
    d = wf.record_attempt(d, actor=OFFICER, outcome="failed")
    d = wf.refer(d, actor=OFFICER, department="justice_office", reason="专业调解")
    clock.advance(days=3)
    d = wf.resolve(d, actor=OFFICER, reported_by="justice_office", outcome="agreement")
    d = wf.record_visit(d, actor=GRID_WORKER, kind="phone", holding=False, finding="又起争执")
    d = wf.reopen(d, actor=OFFICER, reason="反复", risk_factors=["threat"])
    d = wf.record_attempt(d, actor=OFFICER, outcome="agreement", forces=["court"])
    d = wf.resolve(d, actor=OFFICER)
    clock.advance(days=7)
    d = wf.record_visit(d, actor=GRID_WORKER, kind="on_site")
    return wf.close(d, actor=OFFICER, summary="销号")


@pytest.fixture
def full_dispute(wf: fq.Workflow, disputes: Disputes, clock: fq.FixedClock) -> fq.Dispute:
    return full(wf, disputes, clock)


def corrupted(d: fq.Dispute, change: Callable[[dict[str, Any]], None]) -> str:
    data = json.loads(fq.dumps(d))
    change(data)
    return json.dumps(data, ensure_ascii=False)


def setter(*path: str | int, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


# -- round trips ---------------------------------------------------------------------------
@pytest.mark.parametrize("value", ENTITIES, ids=name_of)
def test_every_entity_round_trips_through_json(value: Any) -> None:
    assert fq.loads(fq.dumps(value), type(value)) == value


def test_the_payload_samples_cover_every_payload_class() -> None:
    assert {name_of(v) for v in PAYLOADS} | {"Assessment", "Grading"} == set(p.__all__)


@pytest.mark.parametrize("value", PAYLOADS, ids=name_of)
def test_every_payload_round_trips_through_json(value: Any) -> None:
    assert fq.loads(fq.dumps(value), type(value)) == value


@pytest.mark.parametrize("value", EVENTS, ids=name_of)
def test_every_event_round_trips_through_json_as_its_own_class(value: fq.Event) -> None:
    assert fq.loads(fq.dumps(value), type(value)) == value


@pytest.mark.parametrize("value", EVENTS, ids=name_of)
def test_every_event_round_trips_through_json_as_an_event(value: fq.Event) -> None:
    back = fq.loads(fq.dumps(value), fq.Event)
    assert type(back) is type(value)
    assert back == value


@pytest.mark.parametrize("value", EVENTS, ids=name_of)
def test_every_event_is_tagged_with_its_type(value: fq.Event) -> None:
    assert json.loads(fq.dumps(value))["type"] == value.type


def test_a_full_dispute_round_trips_through_json(full_dispute: fq.Dispute) -> None:
    back = fq.loads(fq.dumps(full_dispute), fq.Dispute)
    assert back == full_dispute
    assert back.state is fq.State.CLOSED
    assert fq.replay(back.history) == full_dispute


def test_a_full_dispute_round_trips_as_bytes_and_indented(full_dispute: fq.Dispute) -> None:
    text = fq.dumps(full_dispute, indent=2)
    assert "\n" in text
    assert fq.loads(text.encode(), fq.Dispute) == full_dispute


def test_an_escalated_dispute_round_trips_through_json(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.escalate(disputes.graded(meets_case_threshold=True), actor=OFFICER, case_kind="administrative")
    assert fq.loads(fq.dumps(d), fq.Dispute) == d


def test_a_merged_dispute_round_trips_through_json(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.merge(disputes.discovered(), actor=OFFICER, into="D-0100")
    assert fq.loads(fq.dumps(d), fq.Dispute) == d


def test_the_state_comes_back_as_a_state_member(disputes: Disputes) -> None:
    back = fq.loads(fq.dumps(disputes.follow_up()), fq.Dispute)
    assert back.state is fq.State.FOLLOW_UP


def test_the_same_value_always_gives_the_same_text(full_dispute: fq.Dispute) -> None:
    again = fq.loads(fq.dumps(full_dispute), fq.Dispute)
    assert fq.dumps(again) == fq.dumps(full_dispute)


def test_sets_are_written_sorted() -> None:
    data = json.loads(fq.dumps(fq.Actor("li", [fq.Role.SUPERVISOR, fq.Role.GRID_WORKER, fq.Role.MEDIATOR])))
    assert data["roles"] == ["grid_worker", "mediator", "supervisor"]


def test_every_document_carries_the_schema_version(full_dispute: fq.Dispute) -> None:
    assert json.loads(fq.dumps(full_dispute))["schema"] == fq.SCHEMA_VERSION == 1


def test_datetimes_are_written_with_their_offset(disputes: Disputes) -> None:
    data = json.loads(fq.dumps(disputes.discovered()))
    assert data["discovered_at"] == "2024-01-31T09:00:00+08:00"


def test_chinese_text_is_written_as_it_is(disputes: Disputes) -> None:
    assert "车辆堵住车库出口" in fq.dumps(disputes.discovered())


def test_something_that_is_not_a_fengqiao_value_cannot_be_dumped() -> None:
    with pytest.raises(fq.SerializationError):
        fq.dumps("just text")


# -- what loads refuses --------------------------------------------------------------------
@pytest.mark.parametrize("text", ["{", "", "not json", b"\xff\xfe{"], ids=repr)
def test_corrupt_json_is_refused(text: str | bytes) -> None:
    with pytest.raises(fq.SerializationError, match="corrupt JSON"):
        fq.loads(text, fq.Dispute)


@pytest.mark.parametrize("text", ["[]", "null", "3", '"dispute"'])
def test_json_that_is_not_an_object_is_refused(text: str) -> None:
    with pytest.raises(fq.SerializationError, match="expected a JSON object"):
        fq.loads(text, fq.Dispute)


def test_a_document_without_a_schema_version_is_refused(disputes: Disputes) -> None:
    text = corrupted(disputes.discovered(), lambda data: data.pop("schema"))
    with pytest.raises(fq.SerializationError) as info:
        fq.loads(text, fq.Dispute)
    assert info.value.path == "schema"
    assert "missing schema version" in info.value.message


@pytest.mark.parametrize("version", [2, 0, "1", None])
def test_a_document_of_an_unknown_schema_version_is_refused(disputes: Disputes, version: Any) -> None:
    text = corrupted(disputes.discovered(), setter("schema", value=version))
    with pytest.raises(fq.SerializationError) as info:
        fq.loads(text, fq.Dispute)
    assert info.value.path == "schema"


@pytest.mark.parametrize(
    ("path", "value", "where", "says"),
    [
        (("history", 5, "payload", "kind"), "sms", "history[5].payload.kind", "not a VisitKind"),
        (("history", 5, "payload", "holding"), "yes", "history[5].payload.holding", "expected bool"),
        (("history", 3, "payload", "outcome"), "maybe", "history[3].payload.outcome", "not a Outcome"),
        (("history", 1, "payload", "grading", "route"), "fly", "history[1].payload.grading.route", "not a Route"),
        (
            ("history", 1, "payload", "assessment", "risk_factors"),
            ["threat", "zombies"],
            "history[1].payload.assessment.risk_factors[1]",
            "not a RiskFactor",
        ),
        (("history", 0, "actor", "roles"), ["wizard"], "history[0].actor.roles[0]", "not a Role"),
        (("history", 0, "actor", "id"), "", "history[0].actor.id", "must not be empty"),
        (("history", 2, "dispute_id"), 7, "history[2].dispute_id", "expected str"),
        (("parties", 0, "name"), "", "parties[0].name", "must not be empty"),
        (("parties", 0, "kind"), "robot", "parties[0].kind", "not a PartyKind"),
        (("category",), "feud", "category", "not a Category"),
        (("state",), 3, "state", ""),
        (("version",), 5, "", "unknown field(s): version"),
        (("history", 4, "colour"), "red", "history[4]", "unknown field(s): colour"),
        (("history", 1, "payload", "grading", "colour"), "red", "history[1].payload.grading", "unknown field(s)"),
    ],
)
def test_wrong_data_is_refused_naming_the_exact_place(
    disputes: Disputes, path: tuple[str | int, ...], value: Any, where: str, says: str
) -> None:
    text = corrupted(disputes.visited(), setter(*path, value=value))
    with pytest.raises(fq.SerializationError) as info:
        fq.loads(text, fq.Dispute)
    assert info.value.path == where
    assert says in info.value.message


@pytest.mark.parametrize(
    ("path", "where"),
    [(("discovered_at",), "discovered_at"), (("history", 2, "at"), "history[2].at")],
)
def test_a_naive_datetime_in_json_is_refused(disputes: Disputes, path: tuple[str | int, ...], where: str) -> None:
    text = corrupted(disputes.visited(), setter(*path, value="2024-01-31T09:00:00"))
    with pytest.raises(fq.SerializationError) as info:
        fq.loads(text, fq.Dispute)
    assert info.value.path == where
    assert "naive" in info.value.message


def test_a_datetime_that_is_not_iso_8601_is_refused(disputes: Disputes) -> None:
    text = corrupted(disputes.visited(), setter("updated_at", value="31/01/2024"))
    with pytest.raises(fq.SerializationError) as info:
        fq.loads(text, fq.Dispute)
    assert info.value.path == "updated_at"


def test_an_unknown_event_type_is_refused_listing_the_known_ones(disputes: Disputes) -> None:
    text = corrupted(disputes.visited(), setter("history", 4, "type", value="teleported"))
    with pytest.raises(fq.SerializationError) as info:
        fq.loads(text, fq.Dispute)
    assert info.value.path == "history[4]"
    assert "unknown event type 'teleported'" in info.value.message
    assert "visit_recorded" in info.value.message


def test_an_event_without_a_type_is_refused(disputes: Disputes) -> None:
    text = corrupted(disputes.visited(), lambda data: data["history"][4].pop("type"))
    with pytest.raises(fq.SerializationError) as info:
        fq.loads(text, fq.Dispute)
    assert info.value.path == "history[4]"


def test_a_missing_field_is_refused_naming_it(disputes: Disputes) -> None:
    text = corrupted(disputes.visited(), lambda data: data["history"][3].pop("payload"))
    with pytest.raises(fq.SerializationError) as info:
        fq.loads(text, fq.Dispute)
    assert info.value.path == "history[3].payload"
    assert "missing" in info.value.message


def test_an_event_of_another_type_than_asked_for_is_refused() -> None:
    graded = next(e for e in EVENTS if isinstance(e, fq.Graded))
    with pytest.raises(fq.SerializationError, match="expected an event of type 'noted'"):
        fq.loads(fq.dumps(graded), fq.Noted)


def test_a_serialization_error_keeps_the_cause(disputes: Disputes) -> None:
    text = corrupted(disputes.visited(), setter("category", value="feud"))
    with pytest.raises(fq.SerializationError) as info:
        fq.loads(text, fq.Dispute)
    assert info.value.__cause__ is not None


# -- JSON Schema ---------------------------------------------------------------------------
def validator(cls: type[Any] = fq.Dispute) -> Any:
    schema = fq.json_schema(cls)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_json_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = fq.json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_the_json_schema_validates_a_full_dispute(full_dispute: fq.Dispute) -> None:
    validator().validate(json.loads(fq.dumps(full_dispute)))


def test_the_json_schema_validates_an_escalated_and_a_merged_dispute(wf: fq.Workflow, disputes: Disputes) -> None:
    escalated = wf.escalate(disputes.graded(), actor=OFFICER, case_kind="criminal", reason="殴打")
    merged = wf.merge(disputes.discovered(), actor=OFFICER, into="D-0100")
    for d in (escalated, merged):
        validator().validate(json.loads(fq.dumps(d)))


def test_the_json_schema_rejects_a_wrong_enum(full_dispute: fq.Dispute) -> None:
    data = json.loads(corrupted(full_dispute, setter("history", 1, "payload", "alert", "channel", value="fax")))
    assert not validator().is_valid(data)


def test_the_json_schema_rejects_an_unknown_field(full_dispute: fq.Dispute) -> None:
    data = json.loads(corrupted(full_dispute, setter("colour", value="red")))
    assert not validator().is_valid(data)


def test_the_json_schema_requires_the_schema_version(full_dispute: fq.Dispute) -> None:
    data = json.loads(fq.dumps(full_dispute))
    data.pop("schema")
    assert not validator().is_valid(data)


@pytest.mark.parametrize("value", EVENTS, ids=name_of)
def test_the_json_schema_of_an_event_class_validates_its_json(value: fq.Event) -> None:
    validator(type(value)).validate(json.loads(fq.dumps(value)))


@pytest.mark.parametrize("value", EVENTS, ids=name_of)
def test_the_json_schema_of_any_event_validates_every_event(value: fq.Event) -> None:
    validator(fq.Event).validate(json.loads(fq.dumps(value)))


@pytest.mark.parametrize("value", ENTITIES + PAYLOADS, ids=name_of)
def test_the_json_schema_of_every_value_class_validates_its_json(value: Any) -> None:
    validator(type(value)).validate(json.loads(fq.dumps(value)))


def test_loading_a_dispute_whose_state_contradicts_its_history_is_refused_naming_the_field(
    full_dispute: fq.Dispute,
) -> None:
    data = json.loads(fq.dumps(full_dispute))
    data["state"] = "discovered" if full_dispute.state is not fq.State.DISCOVERED else "graded"
    with pytest.raises(fq.SerializationError) as caught:
        fq.loads(json.dumps(data), fq.Dispute)
    assert caught.value.path == "state"


def test_loading_a_dispute_whose_history_is_not_its_own_is_refused(full_dispute: fq.Dispute) -> None:
    data = json.loads(fq.dumps(full_dispute))
    data["history"] = data["history"][1:]
    with pytest.raises(fq.SerializationError) as caught:
        fq.loads(json.dumps(data), fq.Dispute)
    assert caught.value.path == "history[0]"


def test_a_loaded_dispute_always_replays_to_itself(full_dispute: fq.Dispute) -> None:
    data = json.loads(fq.dumps(full_dispute))
    data["summary"] = "改过的摘要"
    with pytest.raises(fq.SerializationError, match="summary is not what"):
        fq.loads(json.dumps(data), fq.Dispute)
    back = fq.loads(fq.dumps(full_dispute), fq.Dispute)
    assert fq.replay(back.history) == back


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, '{"schema": ' + "9" * 5000 + "}", b"\xff\xfe", '{"a": ' * 50_000],
    ids=["deep", "long-number", "not-utf8", "deep-unclosed"],
)
def test_json_no_reader_can_read_is_a_serialization_error(text: str | bytes) -> None:
    with pytest.raises(fq.SerializationError):
        fq.loads(text, fq.Dispute)
