"""``yuncheng-city``: Yongji's 54333 composed with the city's rooms, joint kinds, centres and figures."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

import fengqiao as fq
from fengqiao.errors import PolicyDefinitionError
from fengqiao.policies import CHINA_TZ
from fengqiao.policies.yongji_54333 import Yongji54333
from fengqiao.policies.yuncheng_city import (
    CityNetwork,
    CityRules,
    Room,
    YunchengCity,
    default_network,
    joint_kinds_of,
)

MAY = datetime(2024, 5, 6, 9, tzinfo=CHINA_TZ)
OFFICER = "community_officer:li"
K, F = fq.DossierKind, fq.MediationForce
NOTICE = fq.DossierItem(kind=K.POLICE_MEDIATION_NOTICE, title="公调对接通知单")
JOINT_NOTICE = fq.DossierItem(kind=K.JOINT_HANDLING_NOTICE, title="联调联处通知单")
RESULT = fq.DossierItem(kind=K.RESULT_REPORT, title="矛调中心调处结果")


def _wf(policy: fq.Policy | str = "yuncheng-city", at: datetime = MAY) -> tuple[fq.Workflow, fq.FixedClock]:
    clock = fq.FixedClock(at)
    return fq.Workflow(policy, clock=clock), clock


def _graded(wf: fq.Workflow, **assessment: object) -> fq.Dispute:
    d = wf.discover(
        channel="alarm_110", category="neighbour", summary="占道堆放杂物", station="张店派出所", actor=OFFICER
    )
    return wf.fire(d, fq.Trigger.GRADE, actor=OFFICER, **assessment)


def _failed(wf: fq.Workflow, **assessment: object) -> fq.Dispute:
    d = wf.mediate(_graded(wf, **assessment), actor=OFFICER, forces=[F.POLICE_OFFICE])
    return wf.record_attempt(d, actor=OFFICER, outcome="failed")


def _codes(wf: fq.Workflow, d: fq.Dispute, trigger: str, **payload: object) -> tuple[str, ...]:
    return wf.check(d, trigger, actor=OFFICER, **payload).codes


# -- the composition ------------------------------------------------------------------------
def test_it_is_registered_as_yongji_composed_with_the_citys_rules() -> None:
    policy = fq.policies.get("yuncheng-city")
    assert isinstance(policy, YunchengCity)
    assert policy.name == "yuncheng-city"
    assert [type(p) for p in policy.parts] == [Yongji54333, CityRules]
    assert policy.grades == Yongji54333().grades


def test_a_users_own_yongji_configuration_is_the_one_used() -> None:
    policy = YunchengCity(Yongji54333(joint_min_forces=3))
    wf, _ = _wf(policy)
    d = _graded(wf, complex=True)
    codes = _codes(wf, d, "mediate", forces=[F.POLICE_OFFICE, F.LAWYER], documents=[JOINT_NOTICE])
    assert codes == ("yongji.mediate.joint-forces-missing",)


def test_something_else_in_place_of_yongji_or_the_citys_rules_is_refused() -> None:
    with pytest.raises(PolicyDefinitionError, match="Yongji54333"):
        YunchengCity(fq.policies.Baseline())  # type: ignore[arg-type]
    with pytest.raises(PolicyDefinitionError, match="CityRules"):
        YunchengCity(city=Yongji54333())  # type: ignore[arg-type]


def test_yongjis_rules_still_hold() -> None:
    wf, _ = _wf()
    d = _graded(wf, police_business=False)
    assert _codes(wf, d, "mediate", forces=[F.POLICE_OFFICE]) == ("yongji.mediate.not-police-business",)


# -- branded rooms --------------------------------------------------------------------------
def test_a_room_that_exists_and_is_run_by_a_force_named_mediates() -> None:
    wf, _ = _wf()
    d = wf.mediate(_graded(wf), actor=OFFICER, forces=[F.POLICE_OFFICE, F.RETIRED_JUDGE], mediator="老李调解室")
    assert d.state is fq.State.MEDIATING


def test_a_room_force_without_the_room_named_is_refused() -> None:
    wf, _ = _wf()
    assert _codes(wf, _graded(wf), "mediate", forces=[F.POLICE_OFFICE, F.RETIRED_OFFICER]) == (
        "yuncheng.mediate.room-missing",
    )


@pytest.mark.parametrize("forces", [[F.POLICE_OFFICE, F.RETIRED_OFFICER], [F.POLICE_OFFICE]])
def test_a_room_that_does_not_exist_is_refused(forces: list[fq.MediationForce]) -> None:
    wf, _ = _wf()
    decision = wf.check(_graded(wf), "mediate", actor=OFFICER, forces=forces, mediator="老王调解室")
    assert decision.codes == ("yuncheng.mediate.room-unknown",)
    assert "老李调解室" in decision.refusals[0].message("zh")


def test_a_room_needs_one_of_those_who_run_it_among_the_forces() -> None:
    wf, _ = _wf()
    d = _graded(wf)
    assert _codes(wf, d, "mediate", forces=[F.POLICE_OFFICE, F.RETIRED_JUDGE], mediator="老警调解室") == (
        "yuncheng.mediate.room-force-missing",
    )
    assert _codes(wf, d, "mediate", forces=[F.POLICE_OFFICE], mediator="小马调解室") == (
        "yuncheng.mediate.room-force-missing",
    )
    assert _codes(wf, d, "mediate", forces=[F.POLICE_OFFICE, F.RETIRED_OFFICER], mediator="老警调解室") == ()


def test_a_mediator_who_is_a_person_is_not_checked_as_a_room() -> None:
    wf, _ = _wf()
    assert _codes(wf, _graded(wf), "mediate", forces=[F.POLICE_OFFICE], mediator="李某") == ()


def test_the_shipped_rooms_are_the_three_the_report_names() -> None:
    rooms = {r.name: r for r in default_network().rooms}
    assert set(rooms) == {"小马调解室", "老警调解室", "老李调解室"}
    assert (rooms["小马调解室"].bureau, rooms["小马调解室"].station) == ("盐湖区公安局", "解州派出所")
    assert (rooms["老李调解室"].bureau, rooms["老李调解室"].station) == ("平陆县公安局", "张店派出所")
    assert rooms["老警调解室"].run_by == {F.RETIRED_OFFICER}


def test_rooms_are_configurable_data() -> None:
    network = CityNetwork(
        [Room("老张调解室", station="城关派出所", run_by=["retired_judge"])], default_network().centres
    )
    wf, _ = _wf(YunchengCity(city=CityRules(network=network)))
    d = _graded(wf)
    assert _codes(wf, d, "mediate", forces=[F.POLICE_OFFICE, F.RETIRED_JUDGE], mediator="老张调解室") == ()
    assert _codes(wf, d, "mediate", forces=[F.POLICE_OFFICE, F.RETIRED_JUDGE], mediator="老李调解室") == (
        "yuncheng.mediate.room-unknown",
    )


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ('rooms = [{ name = "甲调解室", run_by = ["lawyer"] }]', "retired officers or retired judges"),
        ('rooms = [{ name = "甲调解室" }, { name = "甲调解室" }]', "listed twice"),
        ('rooms = [{ name = "甲调解室", floor = 2 }]', r"rooms\[0\]: .*floor"),
        ('centres = [{ department = "court" }]', "not a dispute-resolution centre"),
        ('centres = [{ department = "township_centre", report_days = 0 }]', "report_days"),
        ('centres = [{ department = "township_centre", kinds = [] }]', "at least one kind"),
        ("offices = []", "unknown key"),
        ("rooms = [", "invalid TOML"),
    ],
)
def test_bad_network_data_is_refused_saying_where(text: str, fault: str) -> None:
    with pytest.raises(PolicyDefinitionError, match=fault):
        CityNetwork.from_toml(text)


# -- joint kinds ----------------------------------------------------------------------------
def test_a_joint_kind_is_the_stations_police_with_its_partner() -> None:
    assert joint_kinds_of([F.POLICE_OFFICE, F.COURT], fq.JointKind, F.POLICE_OFFICE) == {fq.JointKind.COURT_STATION}
    assert joint_kinds_of([F.COURT, F.LAWYER], fq.JointKind, F.POLICE_OFFICE) == frozenset()
    assert [k.force for k in fq.JointKind] == [F.COURT, F.STATIONED_MEDIATOR, F.LAWYER]


def test_a_complex_public_order_dispute_is_mediated_through_a_joint_kind_or_a_room() -> None:
    wf, _ = _wf()
    d = _graded(wf, complex=True)
    docs = [JOINT_NOTICE]
    assert _codes(wf, d, "mediate", forces=[F.POLICE_OFFICE, F.VILLAGE_GRID], documents=docs) == (
        "yuncheng.mediate.joint-kind-missing",
    )
    for partner in (F.COURT, F.STATIONED_MEDIATOR, F.LAWYER):
        assert _codes(wf, d, "mediate", forces=[F.POLICE_OFFICE, partner], documents=docs) == ()
    room = {"forces": [F.POLICE_OFFICE, F.RETIRED_OFFICER], "mediator": "老李调解室", "documents": docs}
    assert _codes(wf, d, "mediate", **room) == ()


def test_a_simple_dispute_needs_no_joint_kind_and_the_rule_can_be_switched_off() -> None:
    wf, _ = _wf()
    assert _codes(wf, _graded(wf), "mediate", forces=[F.POLICE_OFFICE]) == ()
    off, _ = _wf(YunchengCity(city=CityRules(complex_through_city=False)))
    docs = [JOINT_NOTICE]
    assert (
        _codes(off, _graded(off, complex=True), "mediate", forces=[F.POLICE_OFFICE, F.VILLAGE_GRID], documents=docs)
        == ()
    )


# -- centres: 警调对接 ----------------------------------------------------------------------
def test_police_business_handed_over_after_the_docking_began_goes_to_a_centre() -> None:
    wf, _ = _wf()
    d = _failed(wf)
    assert _codes(wf, d, "refer", department="justice_office", documents=[NOTICE]) == ("yuncheng.refer.centre-missing",)
    assert _codes(wf, d, "refer", department="township_centre", documents=[NOTICE]) == ()


def test_before_march_2024_police_business_may_still_go_to_a_department() -> None:
    wf, _ = _wf(at=datetime(2024, 2, 20, 9, tzinfo=CHINA_TZ))
    assert _codes(wf, _failed(wf), "refer", department="justice_office", documents=[NOTICE]) == ()


def test_other_business_may_go_to_a_department_or_a_centre() -> None:
    wf, _ = _wf()
    d = _graded(wf, police_business=False)
    assert _codes(wf, d, "refer", department="civil_affairs", documents=[NOTICE]) == ()
    assert _codes(wf, d, "refer", department="village_centre", documents=[NOTICE]) == ()


def test_a_centre_hand_over_needs_the_docking_notice() -> None:
    wf, _ = _wf()
    joint = fq.DossierItem(kind=K.JOINT_HANDLING_NOTICE)
    assert _codes(wf, _failed(wf), "refer", department="county_centre", documents=[joint]) == (
        "yuncheng.refer.docking-notice-missing",
    )


def test_a_centre_the_city_has_not_set_up_is_refused() -> None:
    network = CityNetwork(
        default_network().rooms, [c for c in default_network().centres if c.department != "village_centre"]
    )
    wf, _ = _wf(YunchengCity(city=CityRules(network=network)))
    assert _codes(wf, _failed(wf), "refer", department="village_centre", documents=[NOTICE]) == (
        "yuncheng.refer.centre-unknown",
    )


def test_a_centres_result_is_due_within_its_days_and_met_by_its_report() -> None:
    wf, clock = _wf()
    d = wf.refer(_failed(wf), actor=OFFICER, department="township_centre", documents=[NOTICE])
    (check,) = [c for c in wf.deadlines(d) if c.deadline.code == "yuncheng.centre.result-due"]
    assert check.deadline.due == datetime(2024, 5, 22, tzinfo=CHINA_TZ)  # 15 days from the day after
    assert "乡镇矛调中心" in check.deadline.zh
    assert check.status is fq.DeadlineStatus.PENDING
    assert _codes(wf, d, "resolve", reported_by="township_centre") == ("yuncheng.resolve.centre-result-missing",)
    assert _codes(wf, d, "resolve", reported_by="county_centre", documents=[RESULT]) == (
        "yongji.resolve.wrong-department",
    )
    clock.advance(timedelta(days=20))
    d = wf.resolve(d, actor=OFFICER, reported_by="township_centre", documents=[RESULT])
    (check,) = [c for c in wf.deadlines(d) if c.deadline.code == "yuncheng.centre.result-due"]
    assert check.status is fq.DeadlineStatus.LATE


def test_a_department_hand_over_has_no_centre_deadline() -> None:
    wf, _ = _wf()
    d = wf.refer(_graded(wf, police_business=False), actor=OFFICER, department="civil_affairs", documents=[NOTICE])
    assert [c.deadline.code for c in wf.deadlines(d)] == ["yongji.refer.result-due"]


def test_each_centre_links_kinds_of_mediation() -> None:
    kinds = {c.department: c.kinds for c in default_network().centres}
    assert kinds[fq.Department.VILLAGE_CENTRE] == {fq.MediationKind.PEOPLES}
    assert kinds[fq.Department.CITY_CENTRE] == set(fq.MediationKind)
    assert all(d.is_centre for d in kinds)
    assert not fq.Department.COURT.is_centre


# -- figures --------------------------------------------------------------------------------
def _resolved_jointly(wf: fq.Workflow) -> fq.Dispute:
    d = wf.mediate(_graded(wf), actor=OFFICER, forces=[F.POLICE_OFFICE, F.LAWYER])
    return wf.resolve(wf.record_attempt(d, actor=OFFICER, outcome="agreement"), actor=OFFICER)


def test_the_figures_count_multi_party_as_a_part_of_resolved() -> None:
    wf, _ = _wf()
    alone = wf.mediate(_graded(wf), actor=OFFICER, forces=[F.POLICE_OFFICE])
    alone = wf.resolve(wf.record_attempt(alone, actor=OFFICER, outcome="agreement"), actor=OFFICER)
    jointly = _resolved_jointly(wf)
    centre = wf.refer(_failed(wf), actor=OFFICER, department="township_centre", documents=[NOTICE])
    settled = wf.resolve(centre, actor=OFFICER, reported_by="township_centre", documents=[RESULT])
    department = wf.refer(
        _graded(wf, police_business=False), actor=OFFICER, department="civil_affairs", documents=[NOTICE]
    )
    reported = wf.resolve(department, actor=OFFICER, reported_by="civil_affairs")
    open_ = _graded(wf)
    m = wf.policy.metrics([alone, jointly, settled, reported, centre, open_])
    assert (m["screened"], m["resolved"], m["multi_party"], m["handed_over"], m["open"]) == (6, 3, 2, 2, 1)
    assert m["yuncheng.centre_settled"] == 1
    assert m["yuncheng.centre_referrals"] == 2
    assert m["yuncheng.lawyers_in_station"] == 1
    assert m["resolution_rate_percent"] == 50.0
    assert m["screened"] == m["resolved"] + m["handed_over"] + m["open"]


def test_a_centres_report_of_failure_is_not_counted_as_resolved() -> None:
    wf, _ = _wf()
    centre = wf.refer(_failed(wf), actor=OFFICER, department="township_centre", documents=[NOTICE])
    failed = wf.resolve(centre, actor=OFFICER, reported_by="township_centre", outcome="failed", documents=[RESULT])
    m = wf.policy.metrics([failed])
    assert (m["resolved"], m["handed_over"], m["multi_party"]) == (0, 1, 0)


def test_the_rate_is_reported_with_two_decimals() -> None:
    wf, _ = _wf()
    done = [_resolved_jointly(wf) for _ in range(2)]
    m = wf.policy.metrics([*done, _graded(wf)])
    assert m["resolution_rate_percent"] == 66.67
    assert fq.policies.get("yongji-54333").metrics([*done, _graded(wf)])["resolution_rate_percent"] == 66.7


def test_the_reports_2024_figures_give_its_rate() -> None:
    from fengqiao.policies._figures import resolution_rate

    assert resolution_rate(10705, 10457, decimals=CityRules().rate_decimals) == 97.68
