from __future__ import annotations

import itertools
import tomllib
from collections.abc import Iterable
from datetime import datetime, timedelta
from importlib import resources

import pytest

import fengqiao as fq
from fengqiao.policies.tables import Condition, DecisionTable, Rule
from fengqiao.policies.yongji_54333 import (
    DEFAULT_DUPLICATE_WINDOW,
    FOCUS_AREAS,
    FOUR_FORCES,
    Yongji54333,
    find_duplicate,
    resolution_rate,
)
from tests.stages import GRID_WORKER, OFFICER, SHANGHAI, START

S, T, R, K = fq.State, fq.Trigger, fq.RiskFactor, fq.DossierKind
F, V, D = fq.MediationForce, fq.VisitKind, fq.Department

JOINT = [F.POLICE_OFFICE, F.JUDICIAL_PROFESSIONAL, F.VILLAGE_GRID]
JOINT_NOTICE = fq.DossierItem(kind=K.JOINT_HANDLING_NOTICE, title="联调联处通知单")
ENTRUSTMENT = fq.DossierItem(kind=K.MEDIATION_ENTRUSTMENT, title="委托调解函")
FULL_DOSSIER = (
    K.ALERT_RECORD,
    K.INQUIRY_RECORD,
    K.FOLLOW_UP_RECORD,
    K.MEDIATION_AGREEMENT,
    K.PARTY_INFO,
    K.STANDARD_ADDRESS,
    K.ANTI_FRAUD,
)


class Station:
    """Builds Yongji disputes at a given stage, one command per step, on a fixed clock."""

    def __init__(self, wf: fq.Workflow, clock: fq.FixedClock) -> None:
        self.wf = wf
        self.clock = clock

    def discovered(
        self,
        *,
        category: fq.Category = fq.Category.NEIGHBOUR,
        channel: fq.Channel = fq.Channel.ALARM_110,
        parties: Iterable[fq.Party] = (fq.Party(name="赵某"), fq.Party(name="钱某")),
        location: str = "蒲州镇西厢村三组",
    ) -> fq.Dispute:
        return self.wf.discover(
            channel=channel,
            category=category,
            summary="两家因院墙排水发生争吵",
            parties=parties,
            location=location,
            station="蒲州派出所",
            actor=OFFICER,
        )

    def graded(
        self,
        *,
        category: fq.Category = fq.Category.NEIGHBOUR,
        police_business: bool = True,
        meets_case_threshold: bool = False,
        complex: bool = False,
    ) -> fq.Dispute:
        d = self.discovered(category=category)
        self.clock.advance(minutes=30)
        return self.wf.grade(
            d,
            actor=OFFICER,
            police_business=police_business,
            meets_case_threshold=meets_case_threshold,
            complex=complex,
        )

    def mediating(self, *, complex: bool = False) -> fq.Dispute:
        d = self.graded(complex=complex)
        self.clock.advance(hours=1)
        if complex:
            return self.wf.mediate(d, actor=OFFICER, forces=JOINT, documents=[JOINT_NOTICE])
        return self.wf.mediate(d, actor=OFFICER, forces=[F.POLICE_OFFICE])

    def referred(self, department: fq.Department = D.JUSTICE_OFFICE) -> fq.Dispute:
        d = self.graded(police_business=False)
        self.clock.advance(hours=1)
        return self.wf.refer(d, actor=OFFICER, department=department, reason="不属于公安管辖", documents=[ENTRUSTMENT])

    def follow_up(self, *, complex: bool = False) -> fq.Dispute:
        d = self.mediating(complex=complex)
        self.clock.advance(hours=3)
        d = self.wf.record_attempt(d, actor=OFFICER, outcome=fq.Outcome.AGREEMENT, summary="双方签订调解协议")
        return self.wf.resolve(d, actor=OFFICER, summary="达成协议")

    def with_dossier(self, d: fq.Dispute, kinds: Iterable[fq.DossierKind] = FULL_DOSSIER) -> fq.Dispute:
        for kind in kinds:
            d = self.wf.attach(d, fq.DossierItem(kind=kind, title=kind.label("zh")), actor=OFFICER)
        return d

    def visit(self, d: fq.Dispute, *kinds: fq.VisitKind, holding: bool = True) -> fq.Dispute:
        for kind in kinds:
            self.clock.advance(days=3)
            d = self.wf.record_visit(d, actor=GRID_WORKER, kind=kind, holding=holding)
        return d

    def link(self, d: fq.Dispute, count: int = 1) -> fq.Dispute:
        for _ in range(count):
            self.clock.advance(days=1)
            alert = fq.Alert(channel=fq.Channel.HOTLINE_12345, received_at=self.clock.now(), summary="又吵起来了")
            d = self.wf.link_alert(d, actor=OFFICER, alert=alert)
        return d


@pytest.fixture
def yongji(clock: fq.FixedClock) -> fq.Workflow:
    counter = itertools.count(1)
    return fq.Workflow(Yongji54333(), clock=clock, ids=lambda: f"YJ-{next(counter):04d}")


@pytest.fixture
def station(yongji: fq.Workflow, clock: fq.FixedClock) -> Station:
    return Station(yongji, clock)


def codes(wf: fq.Workflow, d: fq.Dispute, trigger: fq.Trigger, **payload: object) -> tuple[str, ...]:
    return wf.check(d, trigger, actor=OFFICER, **payload).codes


# -- grading: the graded early warning, focus areas and 3+N ------------------------------------------
def test_grades_are_red_orange_yellow_blue_most_severe_first() -> None:
    assert Yongji54333().grades == ("red", "orange", "yellow", "blue")


@pytest.mark.parametrize("category", sorted(FOCUS_AREAS))
def test_a_focus_area_dispute_is_graded_yellow_and_flagged(station: Station, category: fq.Category) -> None:
    d = station.graded(category=category)
    assert (d.grade, d.grade_rule) == ("yellow", "yongji.yellow.focus-area")
    assert d.grading is not None
    assert "focus_area" in d.grading.flags


def test_a_dispute_outside_the_focus_areas_without_risk_is_blue_and_not_flagged(station: Station) -> None:
    d = station.graded(category=fq.Category.PROPERTY_MANAGEMENT)
    assert (d.grade, d.grade_rule) == ("blue", "yongji.blue.routine")
    assert d.grading is not None
    assert "focus_area" not in d.grading.flags


def test_a_focus_area_dispute_with_a_risk_factor_is_orange(yongji: fq.Workflow, station: Station) -> None:
    d = yongji.grade(station.discovered(category=fq.Category.DEBT), actor=OFFICER, risk_factors=[R.LARGE_SUM])
    assert (d.grade, d.grade_rule) == ("orange", "yongji.orange.focus-area-risk")


def test_a_risk_factor_outside_the_focus_areas_gives_yellow(yongji: fq.Workflow, station: Station) -> None:
    d = station.discovered(category=fq.Category.TRADE)
    d = yongji.grade(d, actor=OFFICER, risk_factors=[R.LONG_STANDING])
    assert (d.grade, d.grade_rule) == ("yellow", "yongji.yellow.risk-factor")


@pytest.mark.parametrize("factor", [R.THREAT, R.WEAPON, R.VIOLENCE, R.GROUP, R.SELF_HARM, R.MISSING_PARTY])
def test_a_severe_risk_factor_makes_any_dispute_red(
    yongji: fq.Workflow, station: Station, factor: fq.RiskFactor
) -> None:
    d = yongji.grade(station.discovered(category=fq.Category.TRADE), actor=OFFICER, risk_factors=[factor])
    assert (d.grade, d.grade_rule) == ("red", "yongji.red.severe-factor")


def test_a_dispute_meeting_the_case_threshold_is_red_and_routed_to_escalation(station: Station) -> None:
    d = station.graded(meets_case_threshold=True)
    assert (d.grade, d.grade_rule, d.route) == ("red", "yongji.red.case-threshold", fq.Route.ESCALATE)


def test_a_dispute_of_one_alert_is_not_flagged_for_repeated_alerts(yongji: fq.Workflow, station: Station) -> None:
    d = station.graded(category=fq.Category.MARRIAGE_FAMILY)
    assert len(d.alerts) == 1
    assert d.grading is not None
    assert "repeated_alerts" not in d.grading.flags
    d = yongji.regrade(station.link(d), actor=OFFICER)
    assert d.grading is not None
    assert "repeated_alerts" in d.grading.flags


def test_regrade_after_linking_repeated_alerts_raises_a_focus_area_dispute_to_orange_then_red(
    yongji: fq.Workflow, station: Station
) -> None:
    d = station.graded(category=fq.Category.MARRIAGE_FAMILY)
    assert d.grade == "yellow"
    d = yongji.regrade(station.link(d), actor=OFFICER)
    assert (d.grade, d.grade_rule) == ("orange", "yongji.orange.focus-area-repeated")
    assert d.grading is not None
    assert "repeated_alerts" in d.grading.flags
    d = yongji.regrade(station.link(d), actor=OFFICER)
    assert (d.grade, d.grade_rule) == ("red", "yongji.red.repeated-alerts")


def test_regrade_after_a_second_alert_raises_a_dispute_outside_the_focus_areas_from_blue_to_yellow(
    yongji: fq.Workflow, station: Station
) -> None:
    d = station.graded(category=fq.Category.CONSUMER)
    assert d.grade == "blue"
    d = yongji.regrade(station.link(d), actor=OFFICER)
    assert (d.grade, d.grade_rule) == ("yellow", "yongji.yellow.repeated-alerts")


@pytest.mark.parametrize(
    ("channel", "flag"),
    [
        (fq.Channel.ALARM_110, "three_platforms"),
        (fq.Channel.LEGAL_SUPERVISION, "three_platforms"),
        (fq.Channel.ONLINE_OPINION, "three_platforms"),
        (fq.Channel.HOTLINE_12345, "n_channel"),
        (fq.Channel.HOTLINE_12389, "n_channel"),
        (fq.Channel.GRID_WORKER, "n_channel"),
        (fq.Channel.CYBERSPACE_OFFICE, "n_channel"),
    ],
)
def test_the_3_plus_n_source_of_a_dispute_is_flagged_in_its_grading(
    yongji: fq.Workflow, station: Station, channel: fq.Channel, flag: str
) -> None:
    d = yongji.grade(station.discovered(channel=channel), actor=OFFICER)
    assert d.grading is not None
    assert {"three_platforms", "n_channel"} & d.grading.flags == {flag}


def test_a_walk_in_is_neither_one_of_the_three_platforms_nor_a_named_n_channel(
    yongji: fq.Workflow, station: Station
) -> None:
    d = yongji.grade(station.discovered(channel=fq.Channel.WALK_IN), actor=OFFICER)
    assert d.grading is not None
    assert not {"three_platforms", "n_channel"} & d.grading.flags


def test_a_complex_police_dispute_is_flagged_for_joint_mediation(station: Station) -> None:
    d = station.graded(complex=True)
    assert d.grading is not None
    assert "joint_mediation" in d.grading.flags


def test_the_shipped_table_grades_exactly_the_four_focus_areas_higher() -> None:
    text = resources.files("fengqiao.policies").joinpath("data/yongji_54333.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    focus_rules = [r for r in data["rules"] if "categories" in r.get("when", {})]
    assert len(focus_rules) == 3
    for rule in focus_rules:
        assert frozenset(fq.Category(c) for c in rule["when"]["categories"]) == FOCUS_AREAS


def test_a_region_may_pass_its_own_grading_table(station: Station, clock: fq.FixedClock) -> None:
    table = DecisionTable(
        name="two-level",
        grades=("high", "low"),
        rules=(
            Rule(id="high.focus", grade="high", when=Condition(categories=FOCUS_AREAS)),
            Rule(id="low.rest", grade="low"),
        ),
    )
    policy = Yongji54333(grading_table=table)
    assert policy.grades == ("high", "low")
    wf = fq.Workflow(policy, clock=clock)
    d = wf.discover(channel="alarm_110", category="neighbour", summary="邻里纠纷", actor=OFFICER)
    d = wf.grade(d, actor=OFFICER)
    assert (d.grade, d.grade_rule) == ("high", "high.focus")
    assert d.grading is not None
    assert "focus_area" in d.grading.flags


def test_thresholds_below_one_are_refused_when_the_policy_is_built() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match="referral_days"):
        Yongji54333(referral_days=0)
    with pytest.raises(fq.PolicyDefinitionError, match="duplicate_window"):
        Yongji54333(duplicate_window=timedelta(days=-1))


# -- repeated alerts: the duplicate search ---------------------------------------------------------
def alert_at(when: datetime, *, location: str = "") -> fq.Alert:
    return fq.Alert(channel=fq.Channel.HOTLINE_12345, received_at=when, location=location, summary="再次报警")


def test_find_duplicate_links_an_alert_about_a_party_of_the_same_name(station: Station) -> None:
    d = station.discovered()
    other = station.discovered(parties=[fq.Party(name="孙某")], location="城西社区")
    again = alert_at(START + timedelta(days=3))
    assert find_duplicate([other, d], alert=again, parties=[fq.Party(name=" 赵某 ")]) == d


def test_find_duplicate_links_an_alert_about_the_same_id_number_under_another_name(station: Station) -> None:
    d = station.discovered(parties=[fq.Party(name="赵某", id_number="14088119800101123x")])
    again = alert_at(START + timedelta(days=1))
    assert find_duplicate([d], alert=again, parties=[fq.Party(name="赵大勇", id_number="14088119800101123X")]) == d


def test_find_duplicate_links_an_alert_from_the_same_place(station: Station) -> None:
    d = station.discovered(location="蒲州镇西厢村三组")
    again = alert_at(START + timedelta(hours=5), location="蒲州镇 西厢村三组")
    assert find_duplicate([d], alert=again, parties=[fq.Party(name="路人甲")]) == d


def test_find_duplicate_ignores_disputes_whose_alerts_are_all_outside_the_window(station: Station) -> None:
    d = station.discovered()
    late = alert_at(START + timedelta(days=31))
    assert find_duplicate([d], alert=late, parties=[fq.Party(name="赵某")]) is None
    assert find_duplicate([d], alert=late, parties=[fq.Party(name="赵某")], window=timedelta(days=40)) == d


def test_the_default_window_is_the_week_of_the_party_committees_review(station: Station) -> None:
    d = station.discovered()
    a_week_on = alert_at(START + timedelta(days=7))
    just_after = alert_at(START + timedelta(days=7, minutes=1))
    assert DEFAULT_DUPLICATE_WINDOW.total_seconds() == 7 * 24 * 3600
    assert find_duplicate([d], alert=a_week_on, parties=[fq.Party(name="赵某")]) == d
    assert find_duplicate([d], alert=just_after, parties=[fq.Party(name="赵某")]) is None


def test_find_duplicate_uses_the_window_the_policy_is_configured_with(station: Station) -> None:
    d = station.discovered()
    later = alert_at(START + timedelta(days=10))
    assert Yongji54333().find_duplicate([d], alert=later, parties=[fq.Party(name="赵某")]) is None
    monthly = Yongji54333(duplicate_window=timedelta(days=30))
    assert monthly.find_duplicate([d], alert=later, parties=[fq.Party(name="赵某")]) == d


def test_find_duplicate_never_links_to_an_escalated_dispute(yongji: fq.Workflow, station: Station) -> None:
    d = yongji.escalate(station.graded(meets_case_threshold=True), actor=OFFICER, case_kind="criminal")
    assert find_duplicate([d], alert=alert_at(START), parties=[fq.Party(name="赵某")]) is None


def test_find_duplicate_prefers_a_match_on_the_id_number_over_one_on_the_place(station: Station) -> None:
    by_place = station.discovered(parties=[fq.Party(name="孙某")], location="城西社区")
    by_id = station.discovered(parties=[fq.Party(name="李某", id_number="140881199001011234")], location="别处")
    again = alert_at(START + timedelta(days=1), location="城西社区")
    found = find_duplicate(
        [by_place, by_id], alert=again, parties=[fq.Party(name="李四", id_number="140881199001011234")]
    )
    assert found == by_id


def test_find_duplicate_finds_nothing_when_no_party_or_place_matches(station: Station) -> None:
    d = station.discovered()
    assert find_duplicate([d], alert=alert_at(START), parties=[fq.Party(name="周某")]) is None


def test_find_duplicate_refuses_a_negative_window(station: Station) -> None:
    with pytest.raises(fq.ValidationError, match="window"):
        find_duplicate([station.discovered()], alert=alert_at(START), window=timedelta(days=-1))


# -- routing -----------------------------------------------------------------------------------------
def test_a_dispute_meeting_the_case_threshold_may_only_be_escalated(yongji: fq.Workflow, station: Station) -> None:
    d = station.graded(meets_case_threshold=True)
    assert codes(yongji, d, T.MEDIATE, forces=[F.POLICE_OFFICE]) == ("yongji.mediate.case-threshold-met",)
    refused = yongji.check(d, T.REFER, actor=OFFICER, department=D.COURT, documents=[ENTRUSTMENT])
    assert refused.codes == ("yongji.refer.case-threshold-met",)
    assert "only be escalated" in refused.refusals[0].en
    assert "立案标准" in refused.refusals[0].zh
    assert T.MEDIATE not in yongji.triggers(d)
    assert T.REFER not in yongji.triggers(d)
    assert yongji.escalate(d, actor=OFFICER, case_kind="administrative").state is S.ESCALATED


def test_resolve_is_refused_once_a_mediated_dispute_is_regraded_as_meeting_the_threshold(
    yongji: fq.Workflow, station: Station
) -> None:
    d = yongji.regrade(station.mediating(), actor=OFFICER, meets_case_threshold=True, reason="发现轻伤")
    assert codes(yongji, d, T.RESOLVE) == ("yongji.resolve.case-threshold-met",)
    assert yongji.escalate(d, actor=OFFICER).state is S.ESCALATED


def test_mediation_of_police_business_needs_one_of_the_four_forces(yongji: fq.Workflow, station: Station) -> None:
    d = station.graded()
    assert codes(yongji, d, T.MEDIATE) == ("yongji.mediate.force-missing",)
    assert codes(yongji, d, T.MEDIATE, forces=[F.COURT, F.LAWYER]) == ("yongji.mediate.force-missing",)
    for force in sorted(FOUR_FORCES):
        assert yongji.mediate(d, actor=OFFICER, forces=[force]).state is S.MEDIATING


def test_a_court_or_lawyer_may_join_one_of_the_four_forces(yongji: fq.Workflow, station: Station) -> None:
    d = yongji.mediate(station.graded(), actor=OFFICER, forces=[F.LAWYER, F.TOWNSHIP_PEOPLES])
    assert set(d.forces) == {F.TOWNSHIP_PEOPLES, F.LAWYER}


def test_mediation_is_refused_for_a_dispute_that_is_not_police_business(yongji: fq.Workflow, station: Station) -> None:
    d = station.graded(police_business=False)
    assert codes(yongji, d, T.MEDIATE, forces=[F.POLICE_OFFICE]) == ("yongji.mediate.not-police-business",)
    assert T.MEDIATE not in yongji.triggers(d)


def test_police_business_is_not_referred_before_mediation(yongji: fq.Workflow, station: Station) -> None:
    d = station.graded()
    refused = codes(yongji, d, T.REFER, department=D.COURT, documents=[ENTRUSTMENT])
    assert refused == ("yongji.refer.police-business",)
    assert T.REFER not in yongji.triggers(d)


def test_police_business_may_be_handed_over_after_a_mediation_attempt_failed(
    yongji: fq.Workflow, station: Station
) -> None:
    d = station.mediating()
    assert codes(yongji, d, T.REFER, department=D.COURT, documents=[ENTRUSTMENT]) == ("yongji.refer.police-business",)
    d = yongji.record_attempt(d, actor=OFFICER, outcome=fq.Outcome.FAILED, summary="双方分歧较大")
    d = yongji.refer(d, actor=OFFICER, department=D.COURT, documents=[ENTRUSTMENT], reason="调解不成，引导诉讼")
    assert d.state is S.REFERRED


def test_a_referral_needs_a_department_and_one_of_the_handover_papers(yongji: fq.Workflow, station: Station) -> None:
    d = station.graded(police_business=False)
    assert codes(yongji, d, T.REFER) == ("yongji.refer.department-missing", "yongji.refer.handover-paper-missing")
    other_paper = fq.DossierItem(kind=K.INQUIRY_RECORD)
    assert codes(yongji, d, T.REFER, department=D.CIVIL_AFFAIRS, documents=[other_paper]) == (
        "yongji.refer.handover-paper-missing",
    )


@pytest.mark.parametrize("paper", [K.POLICE_MEDIATION_NOTICE, K.JOINT_HANDLING_NOTICE, K.MEDIATION_ENTRUSTMENT])
def test_any_one_of_the_two_notices_and_the_letter_goes_with_a_referral(
    yongji: fq.Workflow, station: Station, paper: fq.DossierKind
) -> None:
    d = station.graded(police_business=False)
    d = yongji.refer(d, actor=OFFICER, department=D.WOMENS_FEDERATION, documents=[fq.DossierItem(kind=paper)])
    assert d.state is S.REFERRED
    assert d.has_document(paper)


def test_a_referral_is_tracked_until_the_department_reports_within_30_days(
    yongji: fq.Workflow, station: Station
) -> None:
    d = station.referred()
    (check,) = yongji.deadlines(d)
    assert check.deadline.code == "yongji.refer.result-due"
    assert check.deadline.due == datetime(2024, 3, 2, 0, 0, tzinfo=SHANGHAI)  # end of 1 March: 30 days after 31 Jan
    assert check.status is fq.DeadlineStatus.PENDING
    (late,) = yongji.deadlines(d, at=datetime(2024, 3, 2, 0, 1, tzinfo=SHANGHAI))
    assert late.status is fq.DeadlineStatus.OVERDUE
    assert "30" in late.deadline.en
    assert "司法所" in late.deadline.zh


def test_the_referral_deadline_is_met_when_the_department_reports_its_result(
    yongji: fq.Workflow, station: Station, clock: fq.FixedClock
) -> None:
    d = station.referred()
    clock.advance(days=12)
    d = yongji.resolve(d, actor=OFFICER, reported_by=D.JUSTICE_OFFICE, summary="司法所调解成功")
    (check,) = yongji.deadlines(d, at=clock.now() + timedelta(days=60))
    assert check.status is fq.DeadlineStatus.MET
    assert check.deadline.met_at == clock.now()


def test_an_escalation_ends_the_tracking_of_a_referral(yongji: fq.Workflow, station: Station) -> None:
    d = yongji.escalate(station.referred(), actor=OFFICER, reason="调查发现涉嫌诈骗")
    (check,) = yongji.deadlines(d, at=START + timedelta(days=90))
    assert check.status is fq.DeadlineStatus.MET


def test_the_referral_deadline_is_configurable(clock: fq.FixedClock) -> None:
    wf = fq.Workflow(Yongji54333(referral_days=7), clock=clock)
    d = Station(wf, clock).referred()
    (check,) = wf.deadlines(d)
    assert check.deadline.due == datetime(2024, 2, 8, 0, 0, tzinfo=SHANGHAI)


def test_a_referred_dispute_is_resolved_only_on_the_receiving_departments_report(
    yongji: fq.Workflow, station: Station
) -> None:
    d = station.referred(D.JUSTICE_OFFICE)
    assert codes(yongji, d, T.RESOLVE) == ("yongji.resolve.result-not-reported",)
    wrong = yongji.check(d, T.RESOLVE, actor=OFFICER, reported_by=D.COURT)
    assert wrong.codes == ("yongji.resolve.wrong-department",)
    assert "justice office" in wrong.refusals[0].en
    assert yongji.resolve(d, actor=OFFICER, reported_by=D.JUSTICE_OFFICE).state is S.FOLLOW_UP


def test_escalation_needs_the_threshold_or_a_stated_reason(yongji: fq.Workflow, station: Station) -> None:
    d = station.mediating()
    assert codes(yongji, d, T.ESCALATE) == ("yongji.escalate.no-grounds",)
    assert yongji.escalate(d, actor=OFFICER, reason="一方持刀威胁").state is S.ESCALATED


# -- joint mediation (联调联处) ------------------------------------------------------------------------
def test_a_complex_dispute_is_not_mediated_by_a_single_force(yongji: fq.Workflow, station: Station) -> None:
    d = station.graded(complex=True)
    refused = codes(yongji, d, T.MEDIATE, forces=[F.POLICE_OFFICE], documents=[JOINT_NOTICE])
    assert refused == ("yongji.mediate.joint-forces-missing",)


def test_a_complex_dispute_is_not_mediated_jointly_without_the_joint_handling_notice(
    yongji: fq.Workflow, station: Station
) -> None:
    d = station.graded(complex=True)
    assert codes(yongji, d, T.MEDIATE, forces=JOINT) == ("yongji.mediate.joint-notice-missing",)
    assert codes(yongji, d, T.MEDIATE, forces=JOINT, documents=[ENTRUSTMENT]) == (
        "yongji.mediate.joint-notice-missing",
    )


def test_a_complex_dispute_is_mediated_jointly_with_the_notice(yongji: fq.Workflow, station: Station) -> None:
    d = yongji.mediate(station.graded(complex=True), actor=OFFICER, forces=JOINT, documents=[JOINT_NOTICE])
    assert d.state is S.MEDIATING
    assert set(d.forces) == set(JOINT)
    assert d.has_document(K.JOINT_HANDLING_NOTICE)


def test_a_simple_dispute_may_be_mediated_by_one_force(yongji: fq.Workflow, station: Station) -> None:
    assert station.mediating().state is S.MEDIATING


# -- the A/B dossier -------------------------------------------------------------------------------
def gap_codes(wf: fq.Workflow, d: fq.Dispute) -> list[str]:
    return [r.code for r in wf.dossier_gaps(d)]


def test_a_simple_mediated_dispute_needs_both_volumes_but_no_handover_papers(
    yongji: fq.Workflow, station: Station
) -> None:
    d = station.mediating()
    assert gap_codes(yongji, d) == [
        "yongji.dossier.source",
        "yongji.dossier.evidence",
        "yongji.dossier.follow-up",
        "yongji.dossier.result",
        "yongji.dossier.parties",
        "yongji.dossier.registration",
        "yongji.dossier.publicity",
    ]
    volumes = {r.section.volume for r in yongji.dossier_gaps(d)}
    assert volumes == {fq.Volume.A, fq.Volume.B}


def test_a_referred_dispute_needs_its_handover_papers_in_the_a_volume(yongji: fq.Workflow, station: Station) -> None:
    d = station.referred()
    requirements = [r for r in yongji.policy.dossier_requirements(d) if r.section is fq.DossierSection.HANDOVER]
    assert [r.code for r in requirements] == ["yongji.dossier.handover"]
    assert "yongji.dossier.handover" not in gap_codes(yongji, d)  # the entrustment letter went with it


def test_a_jointly_mediated_dispute_needs_the_joint_handling_notice(yongji: fq.Workflow, station: Station) -> None:
    d = station.graded(complex=True)
    assert "yongji.dossier.joint-notice" in gap_codes(yongji, d)
    d = yongji.mediate(d, actor=OFFICER, forces=JOINT, documents=[JOINT_NOTICE])
    assert "yongji.dossier.joint-notice" not in gap_codes(yongji, d)


def test_a_dispute_meeting_the_case_threshold_has_no_ab_dossier(yongji: fq.Workflow, station: Station) -> None:
    assert yongji.dossier_gaps(station.graded(meets_case_threshold=True)) == ()


def test_the_required_sections_are_configurable(clock: fq.FixedClock) -> None:
    sections = frozenset({fq.DossierSection.SOURCE, fq.DossierSection.PARTIES})
    wf = fq.Workflow(Yongji54333(ab_sections=sections), clock=clock)
    d = Station(wf, clock).mediating()
    assert gap_codes(wf, d) == ["yongji.dossier.source", "yongji.dossier.parties"]


def test_close_is_refused_while_a_section_is_missing_naming_it(yongji: fq.Workflow, station: Station) -> None:
    d = station.visit(station.follow_up(), V.PHONE)
    d = station.with_dossier(d, [k for k in FULL_DOSSIER if k is not K.STANDARD_ADDRESS])
    refused = yongji.check(d, T.CLOSE, actor=OFFICER)
    assert refused.codes == ("yongji.close.dossier-missing.registration",)
    assert "一标三实" in refused.refusals[0].zh
    assert "B volume" in refused.refusals[0].en
    d = yongji.attach(d, fq.DossierItem(kind=K.REAL_HOUSING, title="实有房屋信息"), actor=OFFICER)
    assert yongji.close(d, actor=OFFICER).state is S.CLOSED


def test_close_names_every_missing_section(yongji: fq.Workflow, station: Station) -> None:
    d = station.visit(station.follow_up(), V.PHONE)
    refused = codes(yongji, d, T.CLOSE)
    assert refused == tuple(
        f"yongji.close.dossier-missing.{s}"
        for s in ("source", "evidence", "follow-up", "result", "parties", "registration", "publicity")
    )


# -- the three visits (三访) ------------------------------------------------------------------------
def test_close_refused_for_a_complex_dispute_without_the_three_visits(yongji: fq.Workflow, station: Station) -> None:
    d = station.with_dossier(station.follow_up(complex=True))
    d = station.visit(d, V.PHONE, V.ON_SITE)
    refused = yongji.check(d, T.CLOSE, actor=OFFICER)
    assert refused.codes == ("yongji.close.three-visits-missing",)
    assert "群众回访" in refused.refusals[0].zh
    assert "missing: public return visit" in refused.refusals[0].en
    d = station.visit(d, V.PUBLIC_RETURN)
    assert yongji.close(d, actor=OFFICER).state is S.CLOSED


def test_three_phone_calls_are_not_the_three_visits(yongji: fq.Workflow, station: Station) -> None:
    d = station.with_dossier(station.follow_up(complex=True))
    d = station.visit(d, V.PHONE, V.PHONE, V.PHONE)
    assert codes(yongji, d, T.CLOSE) == ("yongji.close.three-visits-missing",)


def test_a_simple_dispute_closes_after_one_visit(yongji: fq.Workflow, station: Station) -> None:
    d = station.with_dossier(station.follow_up())
    assert codes(yongji, d, T.CLOSE) == ("yongji.close.no-visit",)
    assert T.CLOSE not in yongji.triggers(d)
    d = station.visit(d, V.PHONE)
    assert yongji.close(d, actor=OFFICER).state is S.CLOSED


def test_close_is_refused_when_the_last_visit_found_a_relapse(yongji: fq.Workflow, station: Station) -> None:
    d = station.with_dossier(station.follow_up())
    d = station.visit(d, V.ON_SITE, holding=False)
    assert codes(yongji, d, T.CLOSE) == ("yongji.close.relapse",)


def test_visits_before_a_relapse_do_not_count_after_the_next_resolution(
    yongji: fq.Workflow, station: Station, clock: fq.FixedClock
) -> None:
    d = station.with_dossier(station.follow_up(complex=True))
    d = station.visit(d, V.PHONE, V.ON_SITE, V.PUBLIC_RETURN)
    d = yongji.reopen(d, actor=OFFICER, reason="又因排水争吵")
    clock.advance(days=2)
    d = yongji.resolve(d, actor=OFFICER, summary="重新达成协议")
    d = station.visit(d, V.PHONE)
    refused = yongji.check(d, T.CLOSE, actor=OFFICER)
    assert refused.codes == ("yongji.close.three-visits-missing",)
    assert refused.refusals[0].en.endswith("missing: on-site visit, public return visit")


def test_a_grid_worker_records_visits_but_does_not_mediate(yongji: fq.Workflow, station: Station) -> None:
    d = station.graded()
    assert yongji.check(d, T.MEDIATE, actor=GRID_WORKER, forces=[F.VILLAGE_GRID]).codes == ("auth.role-required",)


# -- figures -----------------------------------------------------------------------------------------
def test_999_resolved_of_1050_screened_is_a_resolution_rate_of_95_1_percent() -> None:
    assert resolution_rate(1050, 999) == 95.1


def test_the_resolution_rate_rounds_half_up_to_the_reports_decimals() -> None:
    assert resolution_rate(10705, 10457, decimals=2) == 97.68  # Yuncheng city
    assert resolution_rate(377, 376) == 99.7  # Puzhou station
    assert resolution_rate(8, 1, decimals=0) == 13.0  # 12.5 rounds up, not to even
    assert resolution_rate(0, 0) == 0.0


def test_yongji_reports_95_1_percent_for_999_resolved_and_51_handed_over(yongji: fq.Workflow, station: Station) -> None:
    resolved = station.follow_up()
    handed_over = station.referred()
    figures = yongji.policy.metrics([resolved] * 999 + [handed_over] * 51)
    assert figures["screened"] == 1050
    assert figures["resolved"] == 999
    assert figures["handed_over"] == 51
    assert figures["resolution_rate_percent"] == 95.1
    assert figures["resolution_rate"] == pytest.approx(999 / 1050)


def test_escalated_and_merged_disputes_are_not_screened_disputes(yongji: fq.Workflow, station: Station) -> None:
    escalated = yongji.escalate(station.graded(meets_case_threshold=True), actor=OFFICER)
    merged = yongji.merge(station.discovered(), actor=OFFICER, into="YJ-0001", reason="重复警情")
    still_open = station.discovered()
    figures = yongji.policy.metrics([escalated, merged, still_open])
    assert (figures["screened"], figures["escalated"], figures["merged"], figures["open"]) == (1, 1, 1, 1)


def test_a_dispute_settled_on_a_departments_report_counts_as_handed_over(yongji: fq.Workflow, station: Station) -> None:
    d = yongji.resolve(station.referred(), actor=OFFICER, reported_by=D.JUSTICE_OFFICE)
    figures = yongji.policy.metrics([d])
    assert (figures["resolved"], figures["handed_over"]) == (0, 1)


def test_the_figures_count_focus_areas_sources_repeats_joint_mediation_and_complete_dossiers(
    yongji: fq.Workflow, station: Station
) -> None:
    joint = station.visit(station.with_dossier(station.follow_up(complex=True)), V.PHONE)
    repeated = station.link(station.discovered(category=fq.Category.TRADE, channel=fq.Channel.HOTLINE_12345))
    figures = yongji.policy.metrics([joint, repeated])
    assert figures["focus_area"] == 1
    assert figures["three_platforms"] == 1
    assert figures["n_channels"] == 1
    assert figures["repeated_alerts"] == 1
    assert figures["resolved_jointly"] == 1
    assert figures["ab_dossiers"] == 1


def test_the_screening_queue_puts_the_four_focus_areas_first(yongji: fq.Workflow, station: Station) -> None:
    trade = station.discovered(category=fq.Category.TRADE)
    debt = station.discovered(category=fq.Category.DEBT)
    graded = station.graded(category=fq.Category.MARRIAGE_FAMILY)
    emotional = station.discovered(category=fq.Category.EMOTIONAL)
    policy = yongji.policy
    assert isinstance(policy, Yongji54333)
    assert policy.screening_queue([trade, debt, graded, emotional]) == (debt, emotional, trade)
    emotional = station.link(emotional)
    assert policy.screening_queue([trade, debt, emotional]) == (emotional, debt, trade)


def test_replaying_a_yongji_history_under_the_policy_gives_the_same_dispute(
    yongji: fq.Workflow, station: Station
) -> None:
    d = station.visit(station.with_dossier(station.follow_up(complex=True)), V.PHONE, V.ON_SITE, V.PUBLIC_RETURN)
    d = yongji.close(d, actor=OFFICER)
    assert fq.replay(d.history, policy=Yongji54333()) == d


# -- settled on the spot (Puzhou's reading; off by default) --------------------------------


def on_the_spot(clock: fq.FixedClock, window: timedelta | None) -> Station:
    return Station(fq.Workflow(Yongji54333(on_the_spot=window), clock=clock), clock)


def spot(station: Station, d: fq.Dispute) -> bool:
    policy = station.wf.policy
    assert isinstance(policy, Yongji54333)
    return policy.settled_on_the_spot(d)


def test_by_default_a_dispute_settled_at_once_still_needs_its_ab_dossier(station: Station) -> None:
    d = station.follow_up()  # resolved 4.5 hours after its discovery, at the first attempt
    assert not spot(station, d)
    assert station.wf.dossier_gaps(d)
    d = station.visit(d, V.PHONE)
    assert any(c.startswith("yongji.close.dossier-missing.") for c in codes(station.wf, d, T.CLOSE))


def test_a_simple_dispute_agreed_at_once_within_the_window_needs_no_dossier(clock: fq.FixedClock) -> None:
    station = on_the_spot(clock, timedelta(hours=5))
    d = station.follow_up()
    assert spot(station, d)
    assert station.wf.dossier_gaps(d) == ()
    assert codes(station.wf, d, T.CLOSE) == ("yongji.close.no-visit",)  # the visit is still owed
    d = station.visit(d, V.PHONE)
    d = station.wf.close(d, actor=OFFICER, summary="当场化解，回访无反复")
    metrics = station.wf.policy.metrics([d])
    assert (metrics["on_the_spot"], metrics["ab_dossiers"], metrics["resolved"]) == (1, 0, 1)


def test_past_the_window_the_dossier_is_owed(clock: fq.FixedClock) -> None:
    station = on_the_spot(clock, timedelta(hours=4))
    d = station.follow_up()  # 4.5 hours
    assert not spot(station, d)
    assert station.wf.dossier_gaps(d)


def test_a_second_attempt_a_complex_dispute_or_a_referral_is_not_settled_on_the_spot(clock: fq.FixedClock) -> None:
    station = on_the_spot(clock, timedelta(days=30))
    d = station.mediating()
    d = station.wf.record_attempt(d, actor=OFFICER, outcome=fq.Outcome.FAILED, summary="未达成")
    d = station.wf.record_attempt(d, actor=OFFICER, outcome=fq.Outcome.AGREEMENT, summary="达成")
    d = station.wf.resolve(d, actor=OFFICER, summary="达成协议")
    assert not spot(station, d)
    complex_ = station.follow_up(complex=True)
    assert not spot(station, complex_)
    referred = station.referred()
    referred = station.wf.resolve(
        referred, actor=OFFICER, summary="司法所反馈已化解", reported_by=D.JUSTICE_OFFICE, outcome=fq.Outcome.AGREEMENT
    )
    assert not spot(station, referred)
    assert station.wf.dossier_gaps(referred)
    assert not spot(station, station.mediating())  # not resolved yet


def test_a_negative_window_is_refused() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match="on_the_spot must not be negative"):
        Yongji54333(on_the_spot=timedelta(minutes=-1))
