"""``xiqi-family-risk``: every rule, its refusal codes, its deadlines, and the report's two worked examples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings

import fengqiao as fq
from fengqiao.errors import ValidationError
from fengqiao.households import HouseholdWorkflow
from fengqiao.policies import XiqiFamilyRisk, get_household
from fengqiao.testing.households import HouseholdLifecycle, household_lifecycles

T0 = datetime(2024, 3, 1, 9, tzinfo=UTC)
GRID, LEAD, SECRETARY = "grid_worker:li", "political_legal_member:peng", "party_secretary:tian"


def workflow(**options: int) -> tuple[HouseholdWorkflow, fq.FixedClock]:
    clock = fq.FixedClock(T0)
    policy = XiqiFamilyRisk(**options) if options else "xiqi-family-risk"  # type: ignore[arg-type]
    return HouseholdWorkflow(policy, clock=clock), clock


def watched(wf: HouseholdWorkflow, clock: fq.FixedClock, factors: list[str]) -> fq.Household:
    h = wf.screen(village="西歧村", grid="3", actor=GRID, household_id="peng", members=[fq.Party(name="彭某某")])
    clock.advance(timedelta(days=1))
    return wf.watch(h, reason="与邻居邓某某因门前排水沟争吵", factors=factors, actor=GRID)


def test_it_is_registered_for_households() -> None:
    assert isinstance(get_household("xiqi-family-risk"), XiqiFamilyRisk)


def test_peng_two_factors_class_ii_at_the_monthly_meeting_then_managed() -> None:
    """彭某某: intermittent mental illness, a quarrel over the drainage ditch → class II, a 包联 plan at once."""
    wf, clock = workflow()
    h = watched(wf, clock, ["mental_illness", "dispute"])
    clock.advance(timedelta(days=10))
    h = wf.assess(h, meeting=True, actor=LEAD, note="政法月例会研判：可能引发伤害")
    assert h.risk_class is fq.RiskClass.II
    assert h.work == {fq.WorkKind.DISPUTE_MEDIATION, fq.WorkKind.KEY_PERSON_CONTROL}
    assert h.assessment is not None
    assert h.assessment.rule == "xiqi.II.key-person-in-dispute"
    assert "二类" in h.assessment.reason
    h = wf.assign_cadre(h, person="村支书田某", actor=SECRETARY)
    h = wf.manage(h, plan="每周上门走访，协调排水沟修缮", team=["田某", "派出所李某", "网格员王某"], actor=SECRETARY)
    assert h.state is fq.HouseholdState.MANAGED
    assert wf.replay(h.history) == h


def test_tian_knife_threat_caught_through_the_daily_report() -> None:
    """田某 threatened his family with a knife; the daily report caught it early."""
    wf, clock = workflow()
    h = wf.screen(village="西歧村", actor=GRID, household_id="tian")
    clock.advance(timedelta(days=3))
    h = wf.incident(
        h,
        summary="日报告：田某持刀威胁家人",
        factors=["violence_threat", "domestic_violence"],
        daily_report=True,
        actor=GRID,
    )
    assert h.state is fq.HouseholdState.WATCHED
    assert h.incidents[0].daily_report
    h = wf.assess(h, actor=LEAD)
    assert h.risk_class is fq.RiskClass.I
    assert fq.WorkKind.KEY_PERSON_CONTROL in h.work


@pytest.mark.parametrize("actor", [GRID, "cadre:wu", "officer:xiao", "auxiliary_officer:zhang"])
def test_only_the_assessment_groups_leaders_may_assess(actor: str) -> None:
    wf, clock = workflow()
    h = watched(wf, clock, ["dispute"])
    assert wf.check(h, "assess", actor=actor).codes == ("auth.role-required",)
    assert wf.check(h, "assess", actor=LEAD).allowed
    assert wf.check(h, "assess", actor=SECRETARY).allowed
    assert "assess" not in wf.triggers(h, actor=actor)


def test_management_needs_a_cadre_a_plan_and_a_team() -> None:
    wf, clock = workflow()
    h = wf.assess(watched(wf, clock, ["dispute"]), actor=SECRETARY)
    assert wf.check(h, "manage", actor=SECRETARY).codes == (
        "xiqi.manage.no-cadre",
        "xiqi.manage.no-plan",
        "xiqi.manage.no-team",
    )
    assert "manage" not in wf.triggers(h)
    h = wf.assign_cadre(h, person="田某", actor=SECRETARY)
    assert wf.check(h, "manage", plan="  ", team=["田某"], actor=SECRETARY).codes == ("xiqi.manage.no-plan",)
    assert wf.check(h, "manage", plan="走访", actor=SECRETARY).codes == ("xiqi.manage.no-team",)
    with pytest.raises(fq.TransitionRefused, match=r"manage refused for household peng: xiqi\.manage\.no-team"):
        wf.manage(h, plan="走访", actor=SECRETARY)
    assert wf.manage(h, plan="走访", team=["田某"], actor=SECRETARY).state is fq.HouseholdState.MANAGED


def managed(wf: HouseholdWorkflow, clock: fq.FixedClock) -> fq.Household:
    h = wf.assess(watched(wf, clock, ["dispute", "illness_hardship"]), actor=SECRETARY)
    h = wf.assign_cadre(h, person="田某", actor=SECRETARY)
    return wf.manage(h, plan="走访", team=["田某"], actor=SECRETARY)


def test_release_waits_for_the_departments_and_for_a_due_reassessment() -> None:
    wf, clock = workflow()
    h = managed(wf, clock)
    h = wf.refer_help(h, department="medical_insurance", need="大病医保报销", actor="cadre:wu")
    h = wf.link_dispute(h, dispute_id="d-7", actor=GRID)
    decision = wf.check(h, "release", actor=SECRETARY)
    assert decision.codes == ("xiqi.release.help-pending", "xiqi.release.reassessment-due")
    assert decision.refusals[0].message("zh") == "帮扶部门尚未报到：医保"
    h = wf.help_reported(h, department="medical_insurance", result="已报销", actor="system:yibao")
    h = wf.reassess(h, actor=LEAD)
    assert wf.release(h, reason="风险消除", actor=SECRETARY).state is fq.HouseholdState.RELEASED


def test_a_department_reports_in_within_the_days_or_is_overdue() -> None:
    wf, clock = workflow(help_days=7)
    h = managed(wf, clock)
    asked = clock.now()
    h = wf.refer_help(h, department="civil_affairs", need="低保", actor="cadre:wu")
    (check,) = wf.deadlines(h, at=asked + timedelta(days=7))
    assert check.deadline.code == "xiqi.help.report-in"
    assert check.status is fq.DeadlineStatus.PENDING
    (check,) = wf.deadlines(h, at=asked + timedelta(days=7, seconds=1))
    assert check.status is fq.DeadlineStatus.OVERDUE
    clock.advance(timedelta(days=9))
    h = wf.help_reported(h, department="civil_affairs", result="已纳入", actor="system:civil")
    (check,) = wf.deadlines(h)
    assert check.status is fq.DeadlineStatus.LATE


def test_a_new_incident_makes_a_reassessment_due_within_the_month() -> None:
    wf, clock = workflow(reassess_days=30)
    h = managed(wf, clock)
    assert wf.deadlines(h) == ()
    clock.advance(timedelta(days=2))
    happened = clock.now()
    h = wf.incident(h, summary="又起争执", actor=GRID)
    (check,) = wf.deadlines(h)
    assert check.deadline.code == "xiqi.reassess"
    assert check.deadline.due == happened + timedelta(days=30)
    assert wf.deadlines(h, at=happened + timedelta(days=31))[0].status is fq.DeadlineStatus.OVERDUE
    h = wf.assess(h, actor=LEAD)
    assert wf.deadlines(h) == ()


def test_a_factor_the_catalogue_does_not_know_is_refused_with_a_code() -> None:
    wf, clock = workflow()
    h = wf.screen(village="西歧村", actor=GRID, household_id="x")
    decision = wf.check(h, "watch", reason="?", factors=["gambling_debt"], actor=GRID)
    assert decision.codes == ("xiqi.factor.unknown",)
    with pytest.raises(ValidationError, match="gambling_debt"):
        wf.assess(watched(wf, clock, ["dispute"]), factors=["gambling_debt"], actor=LEAD)


@pytest.mark.parametrize(("option", "value"), [("help_days", 0), ("reassess_days", 400), ("help_days", True)])
def test_bad_options_are_refused_naming_them(option: str, value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        XiqiFamilyRisk(**{option: value})  # type: ignore[arg-type]
    assert caught.value.path == option


def test_the_recurring_reports_are_xiqis_rhythms() -> None:
    assert XiqiFamilyRisk().rhythms == fq.policies.XIQI_RHYTHMS


def test_metrics_count_classes_work_and_pending_help() -> None:
    wf, clock = workflow()
    h = wf.refer_help(managed(wf, clock), department="civil_affairs", need="低保", actor="cadre:wu")
    figures = wf.policy.metrics([h])
    assert figures["screened"] == 1
    assert figures["watched"] == 1
    assert figures["class.III"] == 1
    assert figures["work.hardship_help"] == 1
    assert figures["help.pending"] == 1


def make() -> HouseholdWorkflow:
    return HouseholdWorkflow("xiqi-family-risk", clock=fq.FixedClock(T0))


@settings(max_examples=200)
@given(household_lifecycles(make))
def test_random_lifecycles_under_xiqi_replay_and_keep_its_rules(run: HouseholdLifecycle) -> None:
    h = run.household
    assert run.workflow.replay(h.history) == h
    assert fq.loads(fq.dumps(h), fq.Household) == h
    for value in run.households:
        if value.state is fq.HouseholdState.MANAGED and value.history[-1].trigger == "manage":
            assert value.cadres
            assert value.plan.strip()
            assert value.team
    for event in h.history:
        if event.trigger in ("assess", "reassess"):
            assert event.actor.has_any(frozenset({fq.Role.POLITICAL_LEGAL_MEMBER, fq.Role.PARTY_SECRETARY}))
