from __future__ import annotations

import pytest

import fengqiao as fq
from fengqiao.policies import Baseline
from fengqiao.policies.baseline import SEVERE_FACTORS
from tests.stages import GRID_WORKER, OFFICER, Disputes

S, T, R = fq.State, fq.Trigger, fq.RiskFactor
MILD_FACTORS = sorted(set(R) - SEVERE_FACTORS)
NON_OFFICER_ROLES = sorted(set(fq.Role) - fq.OFFICER_ROLES - {fq.Role.GRID_WORKER})


def with_alerts(wf: fq.Workflow, d: fq.Dispute, count: int) -> fq.Dispute:
    for _ in range(count - 1):
        d = wf.link_alert(d, actor=OFFICER, alert=fq.Alert(channel=fq.Channel.ALARM_110, received_at=wf.clock.now()))
    return d


# -- grading -------------------------------------------------------------------------------
def test_the_severe_factors_are_threats_weapons_violence_group_self_harm_and_a_missing_party() -> None:
    assert frozenset({R.THREAT, R.WEAPON, R.VIOLENCE, R.GROUP, R.SELF_HARM, R.MISSING_PARTY}) == SEVERE_FACTORS


@pytest.mark.parametrize("factor", sorted(SEVERE_FACTORS))
def test_a_severe_factor_grades_high_by_the_severe_factor_rule(
    wf: fq.Workflow, disputes: Disputes, factor: fq.RiskFactor
) -> None:
    d = wf.grade(disputes.discovered(), actor=OFFICER, risk_factors=[factor])
    assert (d.grade, d.grade_rule) == ("high", "baseline.high.severe-factor")


def test_three_alerts_grade_high_by_the_repeated_alerts_rule(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.grade(with_alerts(wf, disputes.discovered(), 3), actor=OFFICER)
    assert (d.grade, d.grade_rule) == ("high", "baseline.high.repeated-alerts")


@pytest.mark.parametrize("factor", MILD_FACTORS)
def test_any_other_risk_factor_grades_medium_by_the_risk_factor_rule(
    wf: fq.Workflow, disputes: Disputes, factor: fq.RiskFactor
) -> None:
    d = wf.grade(disputes.discovered(), actor=OFFICER, risk_factors=[factor])
    assert (d.grade, d.grade_rule) == ("medium", "baseline.medium.risk-factor")


def test_two_alerts_grade_medium_by_the_repeated_alerts_rule(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.grade(with_alerts(wf, disputes.discovered(), 2), actor=OFFICER)
    assert (d.grade, d.grade_rule) == ("medium", "baseline.medium.repeated-alerts")


def test_no_risk_factor_and_one_alert_grade_low(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.grade(disputes.discovered(), actor=OFFICER)
    assert (d.grade, d.grade_rule) == ("low", "baseline.low.no-risk")


def test_a_severe_factor_wins_over_repeated_alerts(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.grade(with_alerts(wf, disputes.discovered(), 3), actor=OFFICER, risk_factors=[R.WEAPON])
    assert d.grade_rule == "baseline.high.severe-factor"


def test_three_alerts_win_over_a_mild_factor(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.grade(with_alerts(wf, disputes.discovered(), 3), actor=OFFICER, risk_factors=[R.ALCOHOL])
    assert (d.grade, d.grade_rule) == ("high", "baseline.high.repeated-alerts")


def test_a_mild_factor_wins_over_two_alerts(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.grade(with_alerts(wf, disputes.discovered(), 2), actor=OFFICER, risk_factors=[R.HARDSHIP])
    assert d.grade_rule == "baseline.medium.risk-factor"


def test_the_alert_thresholds_are_configurable(clock: fq.FixedClock) -> None:
    wf = fq.Workflow(Baseline(high_alerts=4), clock=clock)
    d = wf.discover(channel="alarm_110", category="neighbour", summary="噪音", actor=OFFICER)
    assert wf.grade(with_alerts(wf, d, 3), actor=OFFICER).grade == "medium"
    assert wf.grade(with_alerts(wf, d, 4), actor=OFFICER).grade == "high"


def test_the_severe_factors_are_configurable(clock: fq.FixedClock) -> None:
    wf = fq.Workflow(Baseline(severe_factors=frozenset({R.ALCOHOL})), clock=clock)
    d = wf.discover(channel="alarm_110", category="neighbour", summary="酒后吵闹", actor=OFFICER)
    assert wf.grade(d, actor=OFFICER, risk_factors=[R.ALCOHOL]).grade == "high"
    assert wf.regrade(wf.grade(d, actor=OFFICER), actor=OFFICER, risk_factors=[R.WEAPON]).grade == "medium"


def test_baseline_grades_are_high_medium_low() -> None:
    assert Baseline().grades == ("high", "medium", "low")


# -- routing -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("police_business", "meets_case_threshold", "route"),
    [
        (True, False, fq.Route.MEDIATE),
        (False, False, fq.Route.REFER),
        (True, True, fq.Route.ESCALATE),
        (False, True, fq.Route.ESCALATE),
    ],
)
def test_the_route_follows_the_case_threshold_then_the_jurisdiction(
    disputes: Disputes, police_business: bool, meets_case_threshold: bool, route: fq.Route
) -> None:
    d = disputes.graded(police_business=police_business, meets_case_threshold=meets_case_threshold)
    assert d.route is route


def test_the_route_is_advice_that_baseline_does_not_enforce(wf: fq.Workflow, disputes: Disputes) -> None:
    d = disputes.graded(police_business=False)
    assert wf.mediate(d, actor=OFFICER).state is S.MEDIATING


# -- refusals ------------------------------------------------------------------------------
def test_close_refused_until_a_visit_is_recorded(wf: fq.Workflow, disputes: Disputes) -> None:
    assert wf.check(disputes.follow_up(), T.CLOSE, actor=OFFICER).codes == ("baseline.close.no-visit",)


def test_close_refused_while_the_last_visit_found_a_relapse(wf: fq.Workflow, disputes: Disputes) -> None:
    assert wf.check(disputes.visited(holding=False), T.CLOSE, actor=OFFICER).codes == ("baseline.close.relapse",)


def test_a_holding_visit_after_a_relapse_allows_close(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.record_visit(disputes.visited(holding=False), actor=OFFICER, kind="on_site", holding=True)
    assert wf.check(d, T.CLOSE, actor=OFFICER).allowed


def test_visits_before_a_reopen_do_not_count_towards_close(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.reopen(disputes.visited(holding=False), actor=OFFICER)
    d = wf.resolve(d, actor=OFFICER)
    assert wf.check(d, T.CLOSE, actor=OFFICER).codes == ("baseline.close.no-visit",)


def test_refer_refused_without_a_department(wf: fq.Workflow, disputes: Disputes) -> None:
    decision = wf.check(disputes.graded(police_business=False), T.REFER, actor=OFFICER, reason="非警务事项")
    assert decision.codes == ("baseline.refer.department-missing",)


def test_refer_allowed_with_a_department(wf: fq.Workflow, disputes: Disputes) -> None:
    decision = wf.check(disputes.graded(), T.REFER, actor=OFFICER, department="court")
    assert decision.allowed


def test_escalate_refused_without_the_case_threshold_or_a_reason(wf: fq.Workflow, disputes: Disputes) -> None:
    decision = wf.check(disputes.graded(), T.ESCALATE, actor=OFFICER, reason="   ")
    assert decision.codes == ("baseline.escalate.no-grounds",)


def test_escalate_allowed_with_a_stated_reason(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.escalate(disputes.mediating(), actor=OFFICER, reason="调解中发生殴打")
    assert d.state is S.ESCALATED


def test_escalate_allowed_when_the_case_threshold_was_assessed_as_met(wf: fq.Workflow, disputes: Disputes) -> None:
    assert wf.check(disputes.graded(meets_case_threshold=True), T.ESCALATE, actor=OFFICER).allowed


# -- permissions ---------------------------------------------------------------------------
@pytest.mark.parametrize("role", sorted(fq.OFFICER_ROLES))
def test_officer_roles_may_do_everything(role: fq.Role) -> None:
    policy = Baseline()
    for action in ("discover", *T):
        roles = policy.required_roles(action)
        assert roles is not None
        assert role in roles, f"{role} may not {action}"


@pytest.mark.parametrize("role", sorted(fq.OFFICER_ROLES))
def test_an_officer_in_any_officer_role_can_carry_a_dispute_to_closing(clock: fq.FixedClock, role: fq.Role) -> None:
    wf = fq.Workflow("baseline", clock=clock)
    actor = f"{role.value}:li"
    d = wf.discover(channel="walk_in", category="trade", summary="退货纠纷", actor=actor)
    d = wf.mediate(wf.grade(d, actor=actor), actor=actor)
    d = wf.record_visit(wf.resolve(d, actor=actor), actor=actor, kind="phone")
    assert wf.close(d, actor=actor).state is S.CLOSED


def test_grid_workers_may_discover(wf: fq.Workflow) -> None:
    d = wf.discover(channel="grid_worker", category="neighbour", summary="邻里争吵", actor=GRID_WORKER)
    assert d.history[0].actor.id == GRID_WORKER


def test_grid_workers_may_record_visits(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.record_visit(disputes.follow_up(), actor=GRID_WORKER, kind="on_site")
    assert d.visits[-1].by == GRID_WORKER


@pytest.mark.parametrize("trigger", sorted(set(T) - {T.RECORD_VISIT}))
def test_grid_workers_may_do_nothing_else(trigger: fq.Trigger) -> None:
    roles = Baseline().required_roles(trigger)
    assert roles is not None
    assert fq.Role.GRID_WORKER not in roles


def test_a_grid_worker_grading_is_refused_for_its_role(wf: fq.Workflow, disputes: Disputes) -> None:
    decision = wf.check(disputes.discovered(), T.GRADE, actor=GRID_WORKER)
    assert decision.codes == ("auth.role-required",)
    assert "grid_worker:wang may not grade" in decision.refusals[0].en
    assert "officer" in decision.refusals[0].en


@pytest.mark.parametrize("role", NON_OFFICER_ROLES)
def test_other_roles_may_not_discover(wf: fq.Workflow, role: fq.Role) -> None:
    with pytest.raises(fq.TransitionRefused) as info:
        wf.discover(channel="walk_in", category="trade", summary="退货纠纷", actor=f"{role.value}:li")
    assert [r.code for r in info.value.refusals] == ["auth.role-required"]


@pytest.mark.parametrize("role", NON_OFFICER_ROLES)
def test_other_roles_may_not_record_visits(wf: fq.Workflow, disputes: Disputes, role: fq.Role) -> None:
    decision = wf.check(disputes.follow_up(), T.RECORD_VISIT, actor=f"{role.value}:li", kind="phone")
    assert decision.codes == ("auth.role-required",)


def test_an_actor_with_several_roles_needs_only_one_permitted(wf: fq.Workflow, disputes: Disputes) -> None:
    actor = fq.Actor("li", [fq.Role.MEDIATOR, fq.Role.SUPERVISOR])
    assert wf.check(disputes.discovered(), T.GRADE, actor=actor).allowed


def test_permissions_are_configurable(clock: fq.FixedClock) -> None:
    policy = Baseline(permissions={"discover": frozenset({fq.Role.INFORMANT})})
    wf = fq.Workflow(policy, clock=clock)
    d = wf.discover(channel="security_informant", category="debt", summary="债务纠纷", actor="informant:zhou")
    assert d.state is S.DISCOVERED
    with pytest.raises(fq.TransitionRefused):
        wf.discover(channel="alarm_110", category="debt", summary="债务纠纷", actor=OFFICER)


# -- messages ------------------------------------------------------------------------------
def baseline_refusals(wf: fq.Workflow, disputes: Disputes) -> list[fq.Refusal]:
    decisions = [
        wf.check(disputes.follow_up(), T.CLOSE, actor=OFFICER),
        wf.check(disputes.visited(holding=False), T.CLOSE, actor=OFFICER),
        wf.check(disputes.graded(), T.REFER, actor=OFFICER),
        wf.check(disputes.graded(), T.ESCALATE, actor=OFFICER),
        wf.check(disputes.discovered(), T.GRADE, actor=GRID_WORKER),
        wf.check(disputes.discovered(), T.CLOSE, actor=OFFICER),
        wf.check(disputes.closed(), T.NOTE, actor=OFFICER, text="备注"),
    ]
    return [r for decision in decisions for r in decision.refusals]


def test_the_baseline_refusal_codes_are_stable(wf: fq.Workflow, disputes: Disputes) -> None:
    assert [r.code for r in baseline_refusals(wf, disputes)] == [
        "baseline.close.no-visit",
        "baseline.close.relapse",
        "baseline.refer.department-missing",
        "baseline.escalate.no-grounds",
        "auth.role-required",
        "graph.not-allowed",
        "baseline.close.no-visit",
        "graph.terminal",
    ]


def test_every_refusal_explains_itself_in_chinese_and_english(wf: fq.Workflow, disputes: Disputes) -> None:
    for refusal in baseline_refusals(wf, disputes):
        zh, en = refusal.message("zh"), refusal.message("en")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), refusal.code
        assert en.isascii(), refusal.code
        assert en.strip(), refusal.code
        assert str(refusal) == f"{refusal.code}: {en}"
