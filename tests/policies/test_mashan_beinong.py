"""Every rule and refusal of the Mashan "贝侬" policy, one behaviour per test."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import pytest

import fengqiao as fq
from fengqiao.policies.mashan_beinong import (
    JOINT_SESSION_FORCES,
    BeinongKind,
    CourtOfficer,
    Level,
    MashanBeinong,
    MediatorPool,
    default_pool,
)
from tests.stages import SHANGHAI

K, F = fq.DossierKind, fq.MediationForce
JUDGE = "court_officer:蒋某"
BEINONG = "mediator:林圩镇高德村贝侬1"
VILLAGE = "林圩镇高德村"
SEARCH = fq.DossierItem(kind=K.SEARCH_RECORD, title="查人找物记录")
POLICY = MashanBeinong()


def workflow() -> tuple[fq.Workflow, fq.FixedClock]:
    clock = fq.FixedClock(datetime(2024, 3, 5, 9, 0, tzinfo=SHANGHAI))
    return fq.Workflow(POLICY, clock=clock), clock


def graded(
    wf: fq.Workflow,
    *,
    category: str = "neighbour",
    parties: Iterable[str] = ("蓝某", "黄某"),
    channel: str = "grid_worker",
    station: str = VILLAGE,
    **assessment: Any,
) -> fq.Dispute:
    d = wf.discover(
        channel=channel,
        category=category,
        summary="纠纷",
        parties=[fq.Party(name=p) for p in parties],
        station=station,
        actor=BEINONG,
    )
    return wf.grade(d, actor=JUDGE, **assessment)


def mediating(wf: fq.Workflow, mediator: str = "林圩镇高德村贝侬1", **kw: Any) -> fq.Dispute:
    d = graded(wf, **kw)
    return wf.mediate(wf.attach(d, SEARCH, actor=BEINONG), actor=JUDGE, mediator=mediator)


def codes(wf: fq.Workflow, d: fq.Dispute, trigger: str, actor: str = JUDGE, **payload: object) -> tuple[str, ...]:
    return wf.check(d, trigger, actor=actor, **payload).codes


def agreed(wf: fq.Workflow, d: fq.Dispute, forces: Iterable[fq.MediationForce] = (F.BEINONG,)) -> fq.Dispute:
    return wf.record_attempt(d, actor=BEINONG, outcome=fq.Outcome.AGREEMENT, forces=list(forces))


# -- the registry, the pool, the graph -----------------------------------------------------------
def test_it_is_registered_as_mashan_beinong() -> None:
    assert isinstance(fq.policies.get("mashan-beinong"), MashanBeinong)


def test_the_default_pool_holds_173_beinong_of_three_kinds() -> None:
    pool = default_pool()
    assert len(pool) == 173
    assert [pool.count(k) for k in BeinongKind] == [140, 20, 13]
    assert all(1 <= len(o.villages) <= 4 for o in pool.court_officers)


def test_a_court_officer_linked_to_five_villages_is_refused() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match="one to four"):
        CourtOfficer(name="干警99", villages=["甲村", "乙村", "丙村", "丁村", "戊村"])


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('beinong = [{ kind = "village", village = "甲村", count = 0 }]', r"beinong\[0\]: count"),
        ('beinong = [{ kind = "elder", count = 1 }]', r"beinong\[0\]: 贝侬 kind"),
        ('beinong = [{ kind = "clan", count = 1 }]', r"beinong\[0\]: clan 贝侬 .* needs a clan"),
        ('beinong = [{ kind = "professional", name = "甲" }, { kind = "professional", name = "甲" }]', "twice"),
        ('court_officers = [{ name = "干警", villages = [] }]', r"court_officers\[0\]"),
        ("pool = 3", "unknown key"),
    ],
)
def test_a_malformed_pool_is_refused_naming_the_place(text: str, match: str) -> None:
    with pytest.raises(fq.PolicyDefinitionError, match=match):
        MediatorPool.from_toml(text)


def test_the_policy_adds_the_confirmation_states_and_withdrawal_as_a_terminal_state() -> None:
    wf, _ = workflow()
    assert wf.graph.label("awaiting_confirmation", "zh") == "待司法确认"
    assert wf.graph.label("confirmed", "zh") == "已司法确认（具有强制执行力）"
    assert wf.graph.is_terminal("withdrawn")
    assert not wf.graph.is_terminal("performance_tracking")


def test_a_negative_time_limit_is_a_definition_error() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match="report_within"):
        MashanBeinong(report_within=timedelta(0))


# -- grading and routing -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kw", "grade", "route"),
    [
        ({"risk_factors": ["threat"]}, "major", fq.Route.MEDIATE),
        ({"meets_case_threshold": True}, "major", fq.Route.ESCALATE),
        ({"category": "forest_land"}, "complex", fq.Route.MEDIATE),
        ({"risk_factors": ["mental_illness"]}, "complex", fq.Route.MEDIATE),
        ({"police_business": False}, "ordinary", fq.Route.MEDIATE),
    ],
)
def test_grading_and_routing(kw: dict[str, Any], grade: str, route: fq.Route) -> None:
    wf, _ = workflow()
    d = graded(wf, **kw)
    assert (d.grade, d.route) == (grade, route)


# -- who mediates ------------------------------------------------------------------------------
def test_a_village_dispute_is_mediated_by_that_villages_beinong() -> None:
    wf, _ = workflow()
    d = wf.attach(graded(wf), SEARCH, actor=BEINONG)
    assert codes(wf, d, "mediate", mediator="白山镇大同村贝侬1") == ("mashan.mediate.village-beinong-needed",)
    assert codes(wf, d, "mediate", mediator="韦氏家族贝侬1") == ("mashan.mediate.village-beinong-needed",)
    assert codes(wf, d, "mediate", mediator="林圩镇高德村贝侬2") == ()


def test_a_clan_dispute_is_mediated_by_the_clans_beinong() -> None:
    wf, _ = workflow()
    d = wf.attach(graded(wf, category="marriage_family", parties=("韦某甲", "韦某乙")), SEARCH, actor=BEINONG)
    assert codes(wf, d, "mediate", mediator="林圩镇高德村贝侬1") == ("mashan.mediate.clan-beinong-needed",)
    assert codes(wf, d, "mediate", mediator="蓝氏家族贝侬1") == ("mashan.mediate.clan-beinong-needed",)
    assert codes(wf, d, "mediate", mediator="韦氏家族贝侬3") == ()


@pytest.mark.parametrize("kw", [{"category": "forest_land"}, {"risk_factors": ["drugs"]}])
def test_forest_land_and_special_group_disputes_need_a_professional_beinong(kw: dict[str, Any]) -> None:
    wf, _ = workflow()
    d = wf.attach(graded(wf, **kw), SEARCH, actor=BEINONG)
    assert codes(wf, d, "mediate", mediator=VILLAGE + "贝侬1") == ("mashan.mediate.professional-beinong-needed",)
    assert codes(wf, d, "mediate", mediator="专业贝侬05") == ()


def test_a_professional_beinong_may_take_a_complex_village_dispute_but_not_an_ordinary_one() -> None:
    wf, _ = workflow()
    ordinary = wf.attach(graded(wf), SEARCH, actor=BEINONG)
    complex_ = wf.attach(graded(wf, complex=True), SEARCH, actor=BEINONG)
    assert codes(wf, ordinary, "mediate", mediator="专业贝侬01") == ("mashan.mediate.village-beinong-needed",)
    assert codes(wf, complex_, "mediate", mediator="专业贝侬01") == ()


def test_a_mediator_outside_the_pool_or_none_at_all_is_refused() -> None:
    wf, _ = workflow()
    d = wf.attach(graded(wf), SEARCH, actor=BEINONG)
    assert codes(wf, d, "mediate", mediator="张三") == ("mashan.mediate.mediator-not-in-pool",)
    assert codes(wf, d, "mediate") == ("mashan.mediate.mediator-missing",)


def test_an_assigned_beinong_is_routed_as_the_mediator_is() -> None:
    wf, _ = workflow()
    d = graded(wf)
    assert codes(wf, d, "assign", person="专业贝侬01", role="mediator") == ("mashan.assign.village-beinong-needed",)
    assert codes(wf, d, "assign", person="林圩镇高德村贝侬4", role="mediator") == ()


def test_a_court_officer_is_assigned_only_within_their_villages() -> None:
    wf, _ = workflow()
    d = graded(wf)
    assert codes(wf, d, "assign", person="韦某", role="court_officer") == ("mashan.assign.outside-villages",)
    assert codes(wf, d, "assign", person="法官某", role="court_officer") == ("mashan.assign.unknown-court-officer",)
    assert codes(wf, d, "assign", person="蒋某", role="court_officer") == ()


# -- parallel work -------------------------------------------------------------------------------
def test_mediation_waits_for_the_people_and_property_to_be_found() -> None:
    wf, _ = workflow()
    d = graded(wf)
    assert codes(wf, d, "mediate", mediator=VILLAGE + "贝侬1") == ("mashan.mediate.people-and-property-not-found",)
    assert codes(wf, d, "mediate", mediator=VILLAGE + "贝侬1", documents=[SEARCH]) == ()


def test_close_waits_for_the_agreement_to_be_performed_unless_it_failed() -> None:
    wf, _ = workflow()
    d = wf.resolve(agreed(wf, mediating(wf)), actor=JUDGE)
    assert codes(wf, d, "close") == ("mashan.close.not-performed",)
    d2 = wf.attach(d, fq.DossierItem(kind=K.PERFORMANCE_RECORD), actor=BEINONG)
    assert codes(wf, d2, "close") == ()
    failed = wf.resolve(mediating(wf), actor=JUDGE, outcome="failed")
    assert codes(wf, failed, "close") == ()


# -- levels --------------------------------------------------------------------------------------
def test_moving_up_to_the_room_needs_grounds() -> None:
    wf, _ = workflow()
    d = mediating(wf)
    assert codes(wf, d, "refer_to_room") == ("mashan.refer_to_room.no-grounds",)
    assert codes(wf, wf.record_attempt(d, actor=BEINONG, outcome="partial"), "refer_to_room") == (
        "mashan.refer_to_room.no-grounds",
    )
    d = wf.record_attempt(d, actor=BEINONG, outcome="failed")
    d = wf.fire(d, "refer_to_room", actor=JUDGE)
    assert POLICY.trail(d).level is Level.ROOM
    assert codes(wf, d, "refer_to_room") == ("mashan.refer_to_room.already-higher",)


def test_a_complex_dispute_moves_up_to_the_room_at_once() -> None:
    wf, _ = workflow()
    d = mediating(wf, mediator="专业贝侬01", complex=True)
    assert codes(wf, d, "refer_to_room") == ()


def test_the_room_reports_to_the_centre_after_a_failed_attempt_there_not_before() -> None:
    wf, _ = workflow()
    d = wf.record_attempt(mediating(wf), actor=BEINONG, outcome="failed")
    assert codes(wf, d, "report_to_centre") == ("mashan.report_to_centre.no-grounds",)  # would skip the room
    d = wf.fire(d, "refer_to_room", actor=JUDGE)
    assert codes(wf, d, "report_to_centre") == ("mashan.report_to_centre.no-grounds",)  # nothing failed here yet
    d = wf.fire(wf.record_attempt(d, actor=BEINONG, outcome="failed"), "report_to_centre", actor=JUDGE)
    assert POLICY.trail(d).level is Level.CENTRE
    assert codes(wf, d, "report_to_centre") == ("mashan.report_to_centre.already-reported",)
    assert codes(wf, d, "refer_to_room") == ("mashan.refer_to_room.already-higher",)


def test_a_major_dispute_is_reported_straight_from_grading_with_the_search_record() -> None:
    wf, _ = workflow()
    d = graded(wf, risk_factors=["violence"])
    assert codes(wf, d, "report_to_centre") == ("mashan.report_to_centre.people-and-property-not-found",)
    d = wf.fire(d, "report_to_centre", actor=JUDGE, documents=[SEARCH])
    assert (d.state, POLICY.trail(d).level) == (fq.State.MEDIATING, Level.CENTRE)


# -- up-and-down linkage ----------------------------------------------------------------------------
def test_a_major_dispute_ends_only_after_the_centres_joint_session() -> None:
    wf, _ = workflow()
    d = agreed(wf, mediating(wf, risk_factors=["petition"]))
    for trigger in ("resolve", "request_confirmation"):
        assert codes(wf, d, trigger) == (f"mashan.{trigger}.not-reported-to-centre",)
    d = wf.fire(d, "report_to_centre", actor=JUDGE)
    assert codes(wf, d, "resolve") == ("mashan.resolve.joint-session-missing",)
    d = agreed(wf, d, forces=sorted(JOINT_SESSION_FORCES - {F.AGRICULTURE}))
    assert codes(wf, d, "resolve") == ("mashan.resolve.joint-session-missing",)
    d = agreed(wf, d, forces=sorted(JOINT_SESSION_FORCES))
    assert codes(wf, d, "resolve") == ()


def test_a_major_dispute_is_due_at_the_centre_within_a_day() -> None:
    wf, clock = workflow()
    d = graded(wf, risk_factors=["weapon"])
    clock.advance(hours=25)
    (late,) = wf.deadlines(d)
    assert (late.deadline.code, late.status) == ("mashan.report_to_centre.due", fq.DeadlineStatus.OVERDUE)
    d = wf.fire(d, "report_to_centre", actor=JUDGE, documents=[SEARCH])
    assert wf.deadlines(d)[0].status is fq.DeadlineStatus.LATE


# -- judicial confirmation ---------------------------------------------------------------------------
def test_confirmation_is_applied_for_on_a_standing_agreement_within_30_days() -> None:
    wf, clock = workflow()
    d = mediating(wf)
    assert codes(wf, d, "request_confirmation") == ("mashan.request_confirmation.no-agreement",)
    d = agreed(wf, d)
    clock.advance(days=31)
    assert codes(wf, d, "request_confirmation") == ("mashan.request_confirmation.too-late",)
    assert codes(wf, wf.record_attempt(d, actor=BEINONG, outcome="agreement"), "request_confirmation") == ()


def awaiting(wf: fq.Workflow) -> fq.Dispute:
    return wf.fire(agreed(wf, mediating(wf)), "request_confirmation", actor=JUDGE)


def test_only_the_court_confirms_with_the_signed_agreement_and_its_ruling() -> None:
    wf, _ = workflow()
    d = awaiting(wf)
    ruling = fq.DossierItem(kind=K.COURT_CONFIRMATION)
    agreement = fq.DossierItem(kind=K.MEDIATION_AGREEMENT)
    assert codes(wf, d, "confirm") == ("mashan.confirm.no-signed-agreement", "mashan.confirm.ruling-missing")
    assert codes(wf, d, "confirm", documents=[ruling]) == ("mashan.confirm.no-signed-agreement",)
    assert codes(wf, d, "confirm", actor=BEINONG, documents=[ruling, agreement]) == ("auth.role-required",)
    d = wf.fire(d, "confirm", actor=JUDGE, documents=[ruling, agreement])
    assert d.state == "confirmed"


def test_the_court_decides_within_15_days() -> None:
    wf, clock = workflow()
    d = awaiting(wf)
    clock.advance(days=16)
    (decision,) = wf.deadlines(d)
    assert (decision.deadline.code, decision.status) == ("mashan.confirm.decision-due", fq.DeadlineStatus.OVERDUE)


def test_a_declined_confirmation_goes_back_to_mediation_at_its_level_and_needs_a_new_agreement() -> None:
    wf, _ = workflow()
    d = awaiting(wf)
    assert codes(wf, d, "decline_confirmation") == ("mashan.decline_confirmation.no-reason",)
    d = wf.fire(d, "decline_confirmation", actor=JUDGE, note="协议内容违反法律规定")
    assert (d.state, POLICY.trail(d).level) == (fq.State.MEDIATING, Level.STATION)
    assert codes(wf, d, "request_confirmation") == ("mashan.request_confirmation.no-agreement",)


def test_performance_is_tracked_by_a_beinong_on_the_dispute() -> None:
    wf, _ = workflow()
    d = graded(wf, risk_factors=["group"])
    d = wf.fire(d, "report_to_centre", actor=JUDGE, documents=[SEARCH])
    d = agreed(wf, d, forces=sorted(JOINT_SESSION_FORCES))
    d = wf.fire(d, "request_confirmation", actor=JUDGE)
    papers = [fq.DossierItem(kind=K.COURT_CONFIRMATION), fq.DossierItem(kind=K.MEDIATION_AGREEMENT)]
    d = wf.fire(d, "confirm", actor=JUDGE, documents=papers)
    assert codes(wf, d, "track_performance") == ("mashan.track_performance.no-beinong",)
    d = wf.assign(d, actor=JUDGE, person="专业贝侬02", role="mediator")
    d = wf.fire(d, "track_performance", actor=JUDGE)
    assert codes(wf, d, "close") == ("mashan.close.not-performed",)


# -- withdrawal --------------------------------------------------------------------------------------
def test_only_a_filed_suit_is_withdrawn_on_an_agreement_and_only_by_the_court() -> None:
    wf, _ = workflow()
    d = agreed(wf, mediating(wf))
    assert codes(wf, d, "withdraw") == ("mashan.withdraw.no-suit",)
    unsettled = mediating(wf, channel="filed_suit")
    assert codes(wf, unsettled, "withdraw") == ("mashan.withdraw.not-settled",)
    assert codes(wf, wf.record_attempt(unsettled, actor=BEINONG, outcome="failed"), "withdraw") == (
        "mashan.withdraw.not-settled",
    )
    suit = agreed(wf, unsettled)
    assert codes(wf, suit, "withdraw", actor=BEINONG) == ("auth.role-required",)
    assert wf.fire(suit, "withdraw", actor=JUDGE).state == "withdrawn"


# -- dossier and figures -----------------------------------------------------------------------------
def test_the_dossier_requirements_grow_with_the_dispute() -> None:
    wf, _ = workflow()
    d = graded(wf)
    assert [r.code for r in wf.dossier_gaps(d)] == ["mashan.dossier.search-record"]
    d = wf.resolve(agreed(wf, mediating(wf)), actor=JUDGE)
    assert [r.code for r in wf.dossier_gaps(d)] == [
        "mashan.dossier.signed-agreement",
        "mashan.dossier.performance-record",
    ]
    assert list(wf.dossier_gaps(graded(wf, meets_case_threshold=True))) == []


def test_the_figures_count_settled_disputes_by_level() -> None:
    wf, _ = workflow()
    station = wf.resolve(agreed(wf, mediating(wf)), actor=JUDGE)
    room = wf.fire(wf.record_attempt(mediating(wf), actor=BEINONG, outcome="failed"), "refer_to_room", actor=JUDGE)
    room = wf.resolve(agreed(wf, room), actor=JUDGE)
    waiting = awaiting(wf)
    failed = wf.resolve(mediating(wf), actor=JUDGE, outcome="failed")
    case = wf.escalate(graded(wf, meets_case_threshold=True), actor=JUDGE)
    figures = POLICY.metrics([station, room, waiting, failed, case])
    assert (figures["screened"], figures["resolved"], figures["escalated"]) == (4, 2, 1)
    assert (figures["resolved_at_station"], figures["resolved_at_room"], figures["awaiting_confirmation"]) == (1, 1, 1)
    assert figures["mediation_rate_percent"] == 50.0
