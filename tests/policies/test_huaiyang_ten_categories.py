"""Huaiyang "ten categories" (淮阳十类纠纷红黄蓝): one test per rule, through the public workflow."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest

import fengqiao as fq
from fengqiao.policies.huaiyang_ten_categories import (
    DEFAULT_AMOUNTS,
    TEN_CATEGORIES,
    HuaiyangTenCategories,
    InformantReward,
    RewardRule,
    grade_path,
    informant_reward,
    reward_report,
)
from fengqiao.policies.tables import Condition, DecisionTable, Rule

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2024, 6, 3, 9, 0, tzinfo=SHANGHAI)
OFFICER = "officer:liu"
GRID_WORKER = "grid_worker:wang"
INFORMANT = "informant:chen"
R = fq.RiskFactor
DISCUSSION = fq.DossierItem(kind=fq.DossierKind.CASE_DISCUSSION, title="一案一议记录：明确责任领导、责任民警和化解方案")


class Station:
    """A Huaiyang police station with a fixed clock: builds disputes one command at a time."""

    def __init__(self, policy: HuaiyangTenCategories | None = None) -> None:
        self.clock = fq.FixedClock(START)
        self.policy = policy or HuaiyangTenCategories()
        self.wf = fq.Workflow(self.policy, clock=self.clock)

    def codes(self, d: fq.Dispute, trigger: str, **payload: object) -> tuple[str, ...]:
        return self.wf.check(d, trigger, actor=OFFICER, **payload).codes

    def discovered(
        self,
        *,
        risk_factors: Iterable[fq.RiskFactor] = (),
        category: fq.Category = fq.Category.BOUNDARY_DRAINAGE,
        channel: fq.Channel = fq.Channel.ALARM_110,
        reporter: str = "",
    ) -> fq.Dispute:
        return self.wf.discover(
            channel=channel,
            category=category,
            summary="两户村民因排水沟走向发生争执",
            parties=[fq.Party(name="李某军"), fq.Party(name="王某华")],
            risk_factors=risk_factors,
            reporter=reporter,
            actor=OFFICER,
            station="西关派出所",
        )

    def graded(
        self,
        *,
        risk_factors: Iterable[fq.RiskFactor] = (),
        police_business: bool = True,
        discussed: bool = True,
        **kw: object,
    ) -> fq.Dispute:
        """Discovered and graded; by default also discussed, with its responsible people (一案一议)."""
        d = self.discovered(risk_factors=risk_factors, **kw)  # type: ignore[arg-type]
        self.clock.advance(minutes=30)
        d = self.wf.grade(d, actor=OFFICER, police_business=police_business)
        return self.responsible(self.discussed(d)) if discussed else d

    def discussed(self, d: fq.Dispute) -> fq.Dispute:
        """The case discussion record filed (一案一议)."""
        return self.wf.attach(d, DISCUSSION, actor=OFFICER)

    def responsible(self, d: fq.Dispute) -> fq.Dispute:
        """The responsible leader and officer named, those not named yet."""
        if not d.assignees(fq.Role.RESPONSIBLE_LEADER):
            d = self.wf.assign(d, actor=OFFICER, person="所长张某", role=fq.Role.RESPONSIBLE_LEADER)
        if not d.assignees(fq.Role.RESPONSIBLE_OFFICER):
            d = self.wf.assign(d, actor=OFFICER, person="民警刘某", role=fq.Role.RESPONSIBLE_OFFICER)
        return d

    def red(self) -> fq.Dispute:
        """A shovel standoff: red, leader and officer named, mediation begun."""
        d = self.responsible(self.graded(risk_factors=[R.WEAPON]))
        return self.wf.mediate(d, actor=OFFICER, forces=[fq.MediationForce.POLICE_OFFICE])

    def yellow(self) -> fq.Dispute:
        """A dispute with one risk factor: yellow, mediation begun."""
        d = self.graded(risk_factors=[R.LONG_STANDING])
        return self.wf.mediate(d, actor=OFFICER, forces=[fq.MediationForce.POLICE_OFFICE])

    def resolved(self, d: fq.Dispute) -> fq.Dispute:
        self.clock.advance(hours=2)
        d = self.wf.record_attempt(d, actor=OFFICER, outcome=fq.Outcome.AGREEMENT)
        return self.wf.resolve(d, actor=OFFICER, summary="双方签订调解协议")

    def blue_in_follow_up(self) -> fq.Dispute:
        """Yellow, resolved, stepped down to blue: the observation period has begun."""
        d = self.resolved(self.yellow())
        return self.wf.regrade(d, actor=OFFICER, grade="blue", reason="已化解")

    def monthly_visits(self, d: fq.Dispute, count: int = 6) -> fq.Dispute:
        for _ in range(count):
            self.clock.advance(days=25)
            d = self.wf.record_visit(d, actor=GRID_WORKER, kind=fq.VisitKind.ON_SITE, finding="协议履行良好")
            self.clock.advance(days=5)
        return d


@pytest.fixture
def station() -> Station:
    return Station()


# -- grading: red / yellow / blue by decision table ---------------------------------------------
def test_shovels_make_a_drainage_quarrel_red(station: Station) -> None:
    d = station.graded(risk_factors=[R.WEAPON])
    assert d.grade == "red"
    assert d.grade_rule == "huaiyang.red.severe-factor"


@pytest.mark.parametrize("factor", [R.THREAT, R.WEAPON, R.VIOLENCE, R.MISSING_PARTY, R.GROUP, R.SELF_HARM])
def test_each_severe_risk_factor_alone_makes_a_dispute_red(station: Station, factor: fq.RiskFactor) -> None:
    assert station.graded(risk_factors=[factor]).grade == "red"


def test_two_aggravating_factors_together_make_a_dispute_red(station: Station) -> None:
    d = station.graded(risk_factors=[R.MENTAL_ILLNESS, R.VULNERABLE_PARTY])
    assert (d.grade, d.grade_rule) == ("red", "huaiyang.red.compound-risk")


def test_one_risk_factor_makes_a_dispute_yellow(station: Station) -> None:
    d = station.graded(risk_factors=[R.MENTAL_ILLNESS])
    assert (d.grade, d.grade_rule) == ("yellow", "huaiyang.yellow.risk-factor")


def test_a_dispute_without_risk_factors_is_blue(station: Station) -> None:
    d = station.graded()
    assert (d.grade, d.grade_rule) == ("blue", "huaiyang.blue.no-risk")


def _alert() -> fq.Alert:
    return fq.Alert(channel=fq.Channel.ALARM_110, received_at=START, summary="又因排水沟吵起来")


def test_a_second_alert_makes_a_quiet_dispute_yellow_and_a_third_makes_it_red(station: Station) -> None:
    d = station.discovered()
    d = station.wf.link_alert(d, actor=OFFICER, alert=_alert())
    assert station.wf.grade(d, actor=OFFICER).grade == "yellow"
    d = station.wf.link_alert(d, actor=OFFICER, alert=_alert())
    graded = station.wf.grade(d, actor=OFFICER)
    assert (graded.grade, graded.grade_rule) == ("red", "huaiyang.red.repeated-alerts")


def test_gradings_of_the_ten_categories_are_flagged_major(station: Station) -> None:
    major = station.graded(category=fq.Category.WAGE_ARREARS)
    other = station.graded(category=fq.Category.PROPERTY_MANAGEMENT)
    assert major.grading is not None
    assert "major_category" in major.grading.flags
    assert other.grading is not None
    assert "major_category" not in other.grading.flags


def test_the_ten_categories_are_configurable() -> None:
    station = Station(HuaiyangTenCategories(categories=[fq.Category.PROPERTY_MANAGEMENT]))
    d = station.graded(category=fq.Category.PROPERTY_MANAGEMENT)
    assert d.grading is not None
    assert "major_category" in d.grading.flags


def test_a_region_may_grade_with_its_own_table() -> None:
    table = DecisionTable(
        name="strict",
        grades=("red", "yellow", "blue"),
        rules=(
            Rule(id="strict.red", grade="red", when=Condition(any_factors={R.LONG_STANDING})),
            Rule(id="strict.blue", grade="blue"),
        ),
    )
    station = Station(HuaiyangTenCategories(grading_table=table))
    assert station.graded(risk_factors=[R.LONG_STANDING]).grade_rule == "strict.red"


def test_a_table_with_other_grades_is_refused() -> None:
    table = DecisionTable(name="three", grades=("high", "medium", "low"), rules=(Rule(id="low", grade="low"),))
    with pytest.raises(fq.PolicyDefinitionError, match="red, yellow, blue"):
        HuaiyangTenCategories(grading_table=table)


@pytest.mark.parametrize(
    "field", ["red_to_yellow_after", "observation_period", "visit_window", "referral_result_within", "assign_within"]
)
def test_negative_periods_are_refused(field: str) -> None:
    with pytest.raises(fq.PolicyDefinitionError, match=field):
        HuaiyangTenCategories(**{field: timedelta(days=-1)})  # type: ignore[arg-type]


# -- 一案一议一台账: every major dispute is discussed and has its responsible leader and officer -----
def test_a_major_dispute_is_not_mediated_before_it_is_discussed_and_its_people_are_named(station: Station) -> None:
    d = station.graded(risk_factors=[R.WEAPON], discussed=False)
    assert station.codes(d, "mediate", forces=["police_office"]) == (
        "huaiyang.mediate.case-discussion-missing",
        "huaiyang.mediate.responsible-leader-missing",
        "huaiyang.mediate.responsible-officer-missing",
    )
    assert fq.Trigger.MEDIATE not in station.wf.triggers(d)
    assert [r.code for r in station.wf.dossier_gaps(d)] == ["huaiyang.dossier.case-discussion"]


def test_a_yellow_or_blue_major_dispute_is_discussed_too(station: Station) -> None:
    for factors in ([R.LONG_STANDING], []):
        d = station.graded(risk_factors=factors, discussed=False)
        assert d.grade in ("yellow", "blue")
        assert station.codes(d, "mediate") == (
            "huaiyang.mediate.case-discussion-missing",
            "huaiyang.mediate.responsible-leader-missing",
            "huaiyang.mediate.responsible-officer-missing",
        )


def test_a_discussed_dispute_with_only_a_leader_still_needs_its_officer(station: Station) -> None:
    d = station.discussed(station.graded(risk_factors=[R.WEAPON], discussed=False))
    d = station.wf.assign(d, actor=OFFICER, person="所长张某", role=fq.Role.RESPONSIBLE_LEADER)
    assert station.codes(d, "mediate") == ("huaiyang.mediate.responsible-officer-missing",)


def test_a_dispute_with_its_people_named_still_needs_its_discussion_record(station: Station) -> None:
    d = station.responsible(station.graded(discussed=False))
    assert station.codes(d, "mediate") == ("huaiyang.mediate.case-discussion-missing",)
    refusal = station.wf.check(d, "mediate", actor=OFFICER).refusals[0]
    assert "一案一议" in refusal.zh
    assert "case discussion record" in refusal.en


def test_red_dispute_is_mediated_once_discussed_and_its_people_are_named(station: Station) -> None:
    d = station.graded(risk_factors=[R.WEAPON])
    d = station.wf.mediate(d, actor=OFFICER, forces=["police_office", "judicial_professional"])
    assert d.state is fq.State.MEDIATING
    assert station.wf.dossier_gaps(d) == ()


def test_a_major_dispute_is_not_referred_before_it_is_discussed(station: Station) -> None:
    d = station.graded(police_business=False, discussed=False)
    codes = station.codes(d, "refer", department="labour_inspection", documents=[_committee_report()])
    assert codes == (
        "huaiyang.refer.case-discussion-missing",
        "huaiyang.refer.responsible-leader-missing",
        "huaiyang.refer.responsible-officer-missing",
    )


def test_a_dispute_outside_the_ten_categories_is_discussed_only_once_red(station: Station) -> None:
    d = station.graded(category=fq.Category.PROPERTY_MANAGEMENT, risk_factors=[R.LONG_STANDING], discussed=False)
    assert (d.grade, station.codes(d, "mediate"), station.wf.dossier_gaps(d)) == ("yellow", (), ())
    red = station.graded(category=fq.Category.PROPERTY_MANAGEMENT, risk_factors=[R.THREAT], discussed=False)
    assert "huaiyang.mediate.case-discussion-missing" in station.codes(red, "mediate")


def test_a_dispute_raised_to_red_mid_mediation_waits_for_its_discussion(station: Station) -> None:
    d = station.graded(category=fq.Category.PROPERTY_MANAGEMENT, risk_factors=[R.LONG_STANDING], discussed=False)
    d = station.wf.mediate(d, actor=OFFICER, forces=[fq.MediationForce.POLICE_OFFICE])
    d = station.wf.regrade(d, actor=OFFICER, risk_factors=[R.LONG_STANDING, R.THREAT], reason="扬言报复")
    assert d.grade == "red"
    assert station.codes(d, "record_attempt", outcome="partial") == (
        "huaiyang.record_attempt.case-discussion-missing",
        "huaiyang.record_attempt.responsible-leader-missing",
        "huaiyang.record_attempt.responsible-officer-missing",
    )
    assert "huaiyang.resolve.responsible-leader-missing" in station.codes(d, "resolve")
    assert station.codes(station.responsible(station.discussed(d)), "resolve") == ()


@pytest.mark.parametrize(
    ("scope", "yellow_major", "blue_other"),
    [("major", True, False), ("all", True, True), ("red", False, False)],
)
def test_which_disputes_are_discussed_is_configurable(scope: str, yellow_major: bool, blue_other: bool) -> None:
    station = Station(HuaiyangTenCategories(discussion_for=scope))
    yellow = station.graded(risk_factors=[R.LONG_STANDING], discussed=False)
    other = station.graded(category=fq.Category.PROPERTY_MANAGEMENT, discussed=False)
    red = station.graded(category=fq.Category.PROPERTY_MANAGEMENT, risk_factors=[R.WEAPON], discussed=False)
    assert station.policy.under_discussion(yellow) is yellow_major
    assert station.policy.under_discussion(other) is blue_other
    assert station.policy.under_discussion(red) is True
    assert ("huaiyang.mediate.case-discussion-missing" in station.codes(yellow, "mediate")) is yellow_major


def test_an_unknown_discussion_scope_is_a_definition_error() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match="discussion_for"):
        HuaiyangTenCategories(discussion_for="yellow")


def test_naming_the_responsible_people_is_due_a_day_after_grading(station: Station) -> None:
    d = station.graded(discussed=False)
    (check,) = station.wf.deadlines(d, at=START + timedelta(days=2))
    assert check.deadline.code == "huaiyang.case.assign-responsible"
    assert check.deadline.due == START + timedelta(minutes=30, days=1)
    assert check.status is fq.DeadlineStatus.OVERDUE
    station.clock.advance(hours=3)
    (check,) = station.wf.deadlines(station.responsible(d))
    assert check.status is fq.DeadlineStatus.MET


def test_red_only_discussion_is_due_a_day_after_the_dispute_turns_red() -> None:
    station = Station(HuaiyangTenCategories(discussion_for="red"))
    assert station.wf.deadlines(station.graded(risk_factors=[R.LONG_STANDING], discussed=False)) == ()
    d = station.graded(risk_factors=[R.WEAPON], discussed=False)
    (check,) = station.wf.deadlines(d, at=START + timedelta(days=2))
    assert (check.deadline.code, check.status) == ("huaiyang.red.assign-responsible", fq.DeadlineStatus.OVERDUE)


# -- grades move down one step at a time ----------------------------------------------------------
def test_red_cannot_drop_straight_to_blue(station: Station) -> None:
    d = station.red()
    station.clock.advance(days=40)
    assert station.codes(d, "regrade", grade="blue") == ("huaiyang.regrade.skips-a-step",)


def test_recomputing_the_grade_cannot_skip_a_step_either(station: Station) -> None:
    d = station.red()
    station.clock.advance(days=40)
    assert station.codes(d, "regrade", risk_factors=[]) == ("huaiyang.regrade.skips-a-step",)


def test_red_stays_red_for_the_first_fifteen_days_of_mediation(station: Station) -> None:
    d = station.red()
    station.clock.advance(days=14)
    decision = station.wf.check(d, "regrade", actor=OFFICER, grade="yellow")
    assert decision.codes == ("huaiyang.regrade.red-period-not-met",)
    assert "2024-06-18" in decision.refusals[0].message("zh")


def test_red_becomes_yellow_after_fifteen_quiet_days_of_mediation(station: Station) -> None:
    d = station.red()
    station.clock.advance(days=15)
    d = station.wf.regrade(d, actor=OFFICER, grade="yellow", reason="调解中，双方情绪平稳")
    assert d.grade == "yellow"


def test_red_cannot_become_yellow_before_mediation_begins(station: Station) -> None:
    d = station.responsible(station.graded(risk_factors=[R.WEAPON]))
    station.clock.advance(days=30)
    assert station.codes(d, "regrade", grade="yellow") == ("huaiyang.regrade.not-under-mediation",)


def test_a_new_alert_restarts_the_red_period(station: Station) -> None:
    d = station.red()
    station.clock.advance(days=10)
    d = station.wf.link_alert(d, actor=OFFICER, alert=_alert())
    station.clock.advance(days=6)
    assert station.codes(d, "regrade", grade="yellow") == ("huaiyang.regrade.red-period-not-met",)
    station.clock.advance(days=9)
    assert station.codes(d, "regrade", grade="yellow") == ()


def test_a_referral_midway_does_not_restart_the_red_period(station: Station) -> None:
    d = station.red()
    station.clock.advance(days=10)
    d = station.wf.refer(d, actor=OFFICER, department="justice_office", documents=[_committee_report()])
    station.clock.advance(days=5)
    assert station.codes(d, "regrade", grade="yellow") == ()


def test_the_red_period_is_configurable() -> None:
    station = Station(HuaiyangTenCategories(red_to_yellow_after=timedelta(days=3)))
    d = station.red()
    station.clock.advance(days=3)
    assert station.codes(d, "regrade", grade="yellow") == ()


def test_yellow_cannot_become_blue_while_still_mediating(station: Station) -> None:
    d = station.yellow()
    station.clock.advance(days=60)
    assert station.codes(d, "regrade", grade="blue") == ("huaiyang.regrade.not-resolved",)


def test_yellow_becomes_blue_once_resolved(station: Station) -> None:
    d = station.resolved(station.yellow())
    assert station.wf.regrade(d, actor=OFFICER, grade="blue").grade == "blue"


def test_yellow_cannot_become_blue_after_a_relapse_was_found() -> None:
    station = Station(HuaiyangTenCategories(red_to_yellow_after=timedelta(0)))
    d = station.resolved(station.yellow())
    station.clock.advance(days=20)
    d = station.wf.record_visit(d, actor=GRID_WORKER, kind="phone", holding=False, finding="又堵了排水沟")
    d = station.responsible(station.wf.regrade(d, actor=OFFICER, grade="red", reason="回访发现反复"))
    d = station.wf.regrade(d, actor=OFFICER, grade="yellow")
    assert station.codes(d, "regrade", grade="blue") == ("huaiyang.regrade.relapse-unresolved",)


# -- any new risk moves the grade up at once ---------------------------------------------------
def test_a_reopen_blocks_mediation_until_the_grade_goes_up(station: Station) -> None:
    d = station.blue_in_follow_up()
    station.clock.advance(days=10)
    d = station.wf.reopen(d, actor=OFFICER, reason="对方又把水引到自家门前")
    assert station.codes(d, "record_attempt", outcome="partial") == ("huaiyang.record_attempt.upgrade-pending",)
    assert station.codes(d, "resolve") == ("huaiyang.resolve.upgrade-pending",)
    assert station.codes(d, "regrade", grade="blue") == ("huaiyang.regrade.must-go-up",)
    d = station.wf.regrade(d, actor=OFFICER, grade="yellow", reason="纠纷反复")
    assert station.codes(d, "record_attempt", outcome="partial") == ()


def test_while_an_upgrade_is_owed_only_the_upgrade_paths_are_offered(station: Station) -> None:
    d = station.blue_in_follow_up()
    d = station.wf.link_alert(d, actor=OFFICER, alert=_alert())
    assert set(station.wf.triggers(d)) == {
        fq.Trigger.REOPEN,
        fq.Trigger.REGRADE,
        fq.Trigger.ASSIGN,
        fq.Trigger.LINK_ALERT,
        fq.Trigger.ATTACH,
        fq.Trigger.NOTE,
    }


def test_a_relapse_visit_owes_one_upgrade_whether_the_reopen_comes_before_or_after_it(station: Station) -> None:
    first = station.blue_in_follow_up()
    station.clock.advance(days=10)
    first = station.wf.record_visit(first, actor=GRID_WORKER, kind="on_site", holding=False)
    assert station.codes(first, "record_visit", kind="phone") == ("huaiyang.record_visit.upgrade-pending",)

    reopened_then_raised = station.wf.regrade(station.wf.reopen(first, actor=OFFICER), actor=OFFICER, grade="yellow")
    raised_then_reopened = station.wf.reopen(station.wf.regrade(first, actor=OFFICER, grade="yellow"), actor=OFFICER)
    for d in (reopened_then_raised, raised_then_reopened):
        assert d.grade == "yellow"
        assert station.codes(d, "record_attempt", outcome="agreement") == ()


def test_a_regrade_that_adds_a_risk_factor_must_go_up(station: Station) -> None:
    d = station.yellow()
    assert station.codes(d, "regrade", grade="yellow", risk_factors=[R.LONG_STANDING, R.ALCOHOL]) == (
        "huaiyang.regrade.must-go-up",
    )
    d = station.wf.regrade(d, actor=OFFICER, risk_factors=[R.LONG_STANDING, R.ALCOHOL, R.EXTREME_EMOTION])
    assert (d.grade, d.grade_rule) == ("red", "huaiyang.red.compound-risk")


def test_an_upgrade_may_jump_straight_from_blue_to_red(station: Station) -> None:
    d = station.blue_in_follow_up()
    d = station.wf.reopen(d, actor=OFFICER, risk_factors=[R.WEAPON], reason="再次持械对峙")
    d = station.wf.regrade(d, actor=OFFICER, grade="red")
    assert grade_path(d) == ("yellow", "blue", "red")


def test_escalation_is_never_held_up_by_an_owed_upgrade(station: Station) -> None:
    d = station.yellow()
    d = station.wf.link_alert(d, actor=OFFICER, alert=_alert())
    d = station.wf.escalate(d, actor=OFFICER, case_kind="criminal", reason="故意伤害")
    assert d.state is fq.State.ESCALATED


def test_a_new_risk_on_a_red_dispute_owes_nothing_but_restarts_its_clock(station: Station) -> None:
    d = station.red()
    d = station.wf.link_alert(d, actor=OFFICER, alert=_alert())
    assert station.codes(d, "record_attempt", outcome="partial") == ()


# -- 不化解不销案: closing only from blue, after observation and monthly visits --------------------
def test_close_refused_while_not_resolved(station: Station) -> None:
    assert "huaiyang.close.not-resolved" in station.codes(station.yellow(), "close")


def test_close_refused_unless_blue(station: Station) -> None:
    d = station.monthly_visits(station.resolved(station.yellow()))
    assert station.codes(d, "close") == ("huaiyang.close.not-blue",)


def test_close_refused_before_half_a_year_of_observation(station: Station) -> None:
    d = station.monthly_visits(station.blue_in_follow_up(), count=5)
    decision = station.wf.check(d, "close", actor=OFFICER)
    assert decision.codes == ("huaiyang.close.observation-not-over",)


def test_close_refused_when_a_month_went_without_a_visit(station: Station) -> None:
    d = station.blue_in_follow_up()
    d = station.monthly_visits(d, count=2)
    station.clock.advance(days=30)
    d = station.monthly_visits(d, count=3)
    decision = station.wf.check(d, "close", actor=OFFICER)
    assert decision.codes == ("huaiyang.close.monthly-visit-missing",)
    assert "2024-08-02" in decision.refusals[0].message("en")


def test_close_refused_after_a_relapse_visit(station: Station) -> None:
    d = station.monthly_visits(station.blue_in_follow_up(), count=5)
    d = station.wf.record_visit(d, actor=GRID_WORKER, kind="phone", holding=False)
    d = station.wf.regrade(d, actor=OFFICER, grade="yellow")
    station.clock.advance(days=60)
    assert "huaiyang.close.relapse" in station.codes(d, "close")


def test_close_allowed_at_blue_after_six_monthly_visits(station: Station) -> None:
    d = station.monthly_visits(station.blue_in_follow_up())
    assert station.wf.close(d, actor=OFFICER).state is fq.State.CLOSED


def test_a_new_alert_during_follow_up_restarts_the_observation(station: Station) -> None:
    d = station.blue_in_follow_up()
    d = station.monthly_visits(d, count=3)
    d = station.wf.link_alert(d, actor=OFFICER, alert=_alert())
    d = station.wf.regrade(d, actor=OFFICER, grade="yellow")
    d = station.wf.regrade(d, actor=OFFICER, grade="blue")
    d = station.monthly_visits(d, count=3)
    assert station.codes(d, "close") == ("huaiyang.close.observation-not-over",)
    d = station.monthly_visits(d, count=3)
    assert station.codes(d, "close") == ()


def test_observation_period_and_visit_window_are_configurable() -> None:
    station = Station(HuaiyangTenCategories(observation_period=timedelta(days=60), visit_window=timedelta(days=30)))
    d = station.monthly_visits(station.blue_in_follow_up(), count=2)
    assert station.codes(d, "close") == ()


def test_each_month_of_the_observation_has_its_visit_deadline(station: Station) -> None:
    d = station.monthly_visits(station.blue_in_follow_up(), count=1)
    checks = [c for c in station.wf.deadlines(d) if c.deadline.code.startswith("huaiyang.follow_up.")]
    assert [c.deadline.code for c in checks] == [f"huaiyang.follow_up.visit-{n}" for n in range(1, 7)]
    assert [c.status for c in checks[:2]] == [fq.DeadlineStatus.MET, fq.DeadlineStatus.PENDING]


# -- not police business: report to the committee, push to the department, track -------------
def _committee_report() -> fq.DossierItem:
    return fq.DossierItem(kind=fq.DossierKind.COMMITTEE_REPORT, title="关于王某某欠薪纠纷的报告")


def test_refer_refused_without_the_report_to_the_committee(station: Station) -> None:
    d = station.graded(police_business=False)
    assert station.codes(d, "refer", department="labour_inspection") == ("huaiyang.refer.committee-report-missing",)


def test_refer_refused_without_a_department(station: Station) -> None:
    d = station.graded(police_business=False)
    assert station.codes(d, "refer", documents=[_committee_report()]) == ("huaiyang.refer.department-missing",)


def test_refer_accepted_with_the_committee_report_in_hand_or_on_file(station: Station) -> None:
    d = station.graded(police_business=False)
    assert station.codes(d, "refer", department="labour_inspection", documents=[_committee_report()]) == ()
    filed = station.wf.attach(d, _committee_report(), actor=OFFICER)
    assert station.codes(filed, "refer", department="labour_inspection") == ()


def test_a_dispute_routed_to_a_department_lacks_the_committee_report_until_filed(station: Station) -> None:
    d = station.graded(police_business=False)
    assert [g.code for g in station.wf.dossier_gaps(d)] == ["huaiyang.dossier.committee-report"]
    assert station.wf.dossier_gaps(station.wf.attach(d, _committee_report(), actor=OFFICER)) == ()


def test_referred_dispute_is_resolved_only_on_the_departments_report(station: Station) -> None:
    d = station.graded(police_business=False)
    d = station.wf.refer(d, actor=OFFICER, department="labour_inspection", documents=[_committee_report()])
    assert station.codes(d, "resolve") == ("huaiyang.resolve.department-result-missing",)
    d = station.wf.resolve(d, actor=OFFICER, reported_by="labour_inspection", summary="已督促企业支付工资")
    assert d.state is fq.State.FOLLOW_UP


def test_the_department_has_thirty_days_to_report_its_result(station: Station) -> None:
    d = station.graded(police_business=False)
    d = station.wf.refer(d, actor=OFFICER, department="labour_inspection", documents=[_committee_report()])
    (check,) = (
        c
        for c in station.wf.deadlines(d, at=START + timedelta(days=31))
        if c.deadline.code.startswith("huaiyang.refer.")
    )
    assert (check.deadline.code, check.status) == ("huaiyang.refer.department-result", fq.DeadlineStatus.OVERDUE)
    station.clock.advance(days=12)
    d = station.wf.resolve(d, actor=OFFICER, reported_by="labour_inspection")
    referral = [c for c in station.wf.deadlines(d) if c.deadline.code == "huaiyang.refer.department-result"]
    assert referral[0].status is fq.DeadlineStatus.MET


# -- 警法联调: the court's pre-filing referrals ----------------------------------------------------
def test_court_pre_filing_dispute_is_mediated_jointly_with_the_court(station: Station) -> None:
    d = station.graded(channel=fq.Channel.COURT_PRE_FILING, category=fq.Category.ELDER_SUPPORT)
    assert d.grading is not None
    assert "court_joint" in d.grading.flags
    assert station.codes(d, "mediate", forces=["police_office"]) == ("huaiyang.mediate.court-force-missing",)
    assert station.codes(d, "mediate", forces=["police_office", "court"]) == ()


@pytest.mark.parametrize("category", sorted(fq.Category, key=str))
def test_court_pre_filing_covers_the_seven_kinds_only(station: Station, category: fq.Category) -> None:
    d = station.graded(channel=fq.Channel.COURT_PRE_FILING, category=category)
    seven = {"marriage_family", "land_contract", "neighbour", "elder_support", "private_loan", "trade"}
    in_scope = category in seven | {"injury_compensation"}
    codes = station.codes(d, "mediate", forces=["police_office", "court"])
    assert codes == (() if in_scope else ("huaiyang.mediate.court-pre-filing-out-of-scope",))
    without_court = station.codes(d, "mediate", forces=["police_office"])
    assert without_court == (
        ("huaiyang.mediate.court-force-missing",) if in_scope else ("huaiyang.mediate.court-pre-filing-out-of-scope",)
    )


def test_out_of_scope_court_referral_can_still_be_referred(station: Station) -> None:
    d = station.graded(channel=fq.Channel.COURT_PRE_FILING, category=fq.Category.WAGE_ARREARS, police_business=False)
    assert d.grading is not None
    assert "court_out_of_scope" in d.grading.flags
    d = station.wf.refer(d, actor=OFFICER, department="labour_inspection", documents=[_committee_report()])
    assert d.state is fq.State.REFERRED


def test_disputes_from_other_channels_need_no_court(station: Station) -> None:
    d = station.graded(category=fq.Category.ELDER_SUPPORT)
    assert station.codes(d, "mediate", forces=["police_office"]) == ()


# -- informant rewards -------------------------------------------------------------------------------
def _informant_dispute(station: Station, *, risk_factors: Iterable[fq.RiskFactor] = (R.THREAT,)) -> fq.Dispute:
    d = station.discovered(
        channel=fq.Channel.SECURITY_INFORMANT,
        category=fq.Category.WAGE_ARREARS,
        risk_factors=risk_factors,
        reporter="治安信息员陈某",
    )
    d = station.responsible(station.discussed(station.wf.grade(d, actor=OFFICER)))
    return station.wf.mediate(d, actor=OFFICER, forces=["police_office"])


def test_informant_report_of_a_red_dispute_resolved_earns_500_yuan(station: Station) -> None:
    d = station.resolved(_informant_dispute(station))
    reward = informant_reward(d)
    assert reward is not None
    assert (reward.informant, reward.grade, reward.amount) == ("治安信息员陈某", "red", 500)


def test_reward_goes_by_the_most_severe_grade_ever_held() -> None:
    station = Station(HuaiyangTenCategories(red_to_yellow_after=timedelta(0)))
    d = _informant_dispute(station)
    d = station.resolved(station.wf.regrade(d, actor=OFFICER, grade="yellow"))
    d = station.wf.regrade(d, actor=OFFICER, grade="blue")
    assert grade_path(d) == ("red", "yellow", "blue")
    reward = informant_reward(d)
    assert reward is not None
    assert (reward.grade, reward.amount) == ("red", DEFAULT_AMOUNTS["red"])
    yellow = informant_reward(station.resolved(_informant_dispute(station, risk_factors=[R.LONG_STANDING])))
    assert yellow is not None
    assert (yellow.grade, yellow.amount) == ("yellow", 300)


def test_no_reward_before_the_dispute_is_resolved(station: Station) -> None:
    assert informant_reward(_informant_dispute(station)) is None


def test_no_reward_when_the_dispute_was_closed_out_as_a_failed_mediation(station: Station) -> None:
    d = station.wf.resolve(_informant_dispute(station), actor=OFFICER, outcome=fq.Outcome.FAILED)
    assert informant_reward(d) is None


def test_no_reward_when_the_dispute_became_a_criminal_case(station: Station) -> None:
    d = station.wf.escalate(_informant_dispute(station), actor=OFFICER, case_kind="criminal", reason="持刀伤人")
    assert informant_reward(d) is None


def test_no_reward_for_a_dispute_first_reported_through_110(station: Station) -> None:
    d = station.resolved(station.red())
    assert informant_reward(d) is None


def test_no_reward_outside_the_ten_categories(station: Station) -> None:
    d = station.discovered(channel=fq.Channel.SECURITY_INFORMANT, category=fq.Category.PROPERTY_MANAGEMENT)
    d = station.wf.mediate(station.wf.grade(d, actor=OFFICER), actor=OFFICER)
    assert informant_reward(station.resolved(d)) is None


def test_a_reward_rule_may_wait_for_the_dispute_to_be_closed(station: Station) -> None:
    d = station.resolved(_informant_dispute(station))
    assert informant_reward(d, RewardRule(require_closed=True)) is None
    assert informant_reward(d, RewardRule(amounts={"red": 400})) is not None


def test_a_reward_rule_refuses_amounts_that_are_not_positive() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match="positive"):
        RewardRule(amounts={"red": 0})


def test_a_reward_is_a_frozen_value(station: Station) -> None:
    reward = informant_reward(station.resolved(_informant_dispute(station)))
    assert isinstance(reward, InformantReward)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        reward.amount = 1_000  # type: ignore[misc]


def test_the_reward_report_lists_eligible_disputes_oldest_first(station: Station) -> None:
    first = station.resolved(_informant_dispute(station))
    second = station.resolved(_informant_dispute(station, risk_factors=[R.LONG_STANDING]))
    unresolved = _informant_dispute(station)
    report = reward_report([second, unresolved, first])
    assert [(r.dispute_id, r.amount) for r in report] == [(first.id, 500), (second.id, 300)]


# -- who may do what ----------------------------------------------------------------------------------
def test_an_informant_may_report_a_dispute_but_not_grade_it(station: Station) -> None:
    d = station.wf.discover(
        channel="security_informant", category="wage_arrears", summary="欠薪工人扬言报复", actor=INFORMANT
    )
    assert station.wf.check(d, "grade", actor=INFORMANT).codes == ("auth.role-required",)


def test_a_grid_worker_may_record_visits(station: Station) -> None:
    d = station.blue_in_follow_up()
    assert station.wf.check(d, "record_visit", actor=GRID_WORKER, kind="phone").allowed


# -- figures -------------------------------------------------------------------------------------------
def test_metrics_count_resolution_and_open_disputes_by_grade(station: Station) -> None:
    closed = station.wf.close(station.monthly_visits(station.blue_in_follow_up()), actor=OFFICER)
    red = station.red()
    rewarded = station.resolved(_informant_dispute(station))
    merged = station.wf.merge(station.discovered(), actor=OFFICER, into=red.id)
    other = station.graded(category=fq.Category.PROPERTY_MANAGEMENT)
    figures = station.policy.metrics([closed, red, rewarded, merged, other])
    assert figures == {
        "screened": 4,
        "major": 3,
        "resolved": 2,
        "closed": 1,
        "escalated": 0,
        "reward_eligible": 1,
        "open_red": 2,
        "open_yellow": 0,
        "open_blue": 1,
        "resolution_rate": 0.5,
    }


def test_ten_categories_default_is_huaiyangs_list() -> None:
    assert {c.value for c in TEN_CATEGORIES} == {
        "marriage_family",
        "emotional",
        "neighbour",
        "land_contract",
        "elder_support",
        "private_loan",
        "trade",
        "injury_compensation",
        "wage_arrears",
        "boundary_drainage",
    }
