"""Huainan "两清一规范": one test per rule, through the public API."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import fengqiao as fq
from fengqiao.policies.huainan_two_clears import (
    DispatchRow,
    HuainanTwoClears,
    default_grading_table,
    dispatch_report,
    handled_on,
    spot_check_sample,
)
from fengqiao.policies.tables import Condition, DecisionTable, Rule

CST = ZoneInfo("Asia/Shanghai")
T0 = datetime(2024, 7, 8, 10, 12, tzinfo=CST)
DAY = date(2024, 7, 8)
OFFICER = "officer:zhou"
LEADER = "responsible_leader:li"
STATION = "洞山派出所"


@pytest.fixture
def clock() -> fq.FixedClock:
    return fq.FixedClock(T0)


def make_workflow(clock: fq.FixedClock, policy: HuainanTwoClears | None = None) -> fq.Workflow:
    counter = itertools.count(1)
    return fq.Workflow(policy or HuainanTwoClears(), clock=clock, ids=lambda: f"HN-{next(counter):04d}")


@pytest.fixture
def wf(clock: fq.FixedClock) -> fq.Workflow:
    return make_workflow(clock)


def alert(wf: fq.Workflow, **kw: object) -> fq.Dispute:
    """A new dispute from a 110 call, with a neighbour quarrel unless told otherwise."""
    values: dict[str, object] = {
        "channel": fq.Channel.ALARM_110,
        "category": fq.Category.NEIGHBOUR,
        "summary": "楼上楼下因噪音发生争吵",
        "parties": [fq.Party(name="赵某"), fq.Party(name="钱某")],
        "actor": OFFICER,
        "station": STATION,
    }
    values.update(kw)
    return wf.discover(**values)  # type: ignore[arg-type]


def group_wage_dispute(wf: fq.Workflow, clock: fq.FixedClock) -> fq.Dispute:
    """A key (group) wage dispute, graded and referred to labour inspection within the hour."""
    d = alert(
        wf,
        category=fq.Category.WAGE_ARREARS,
        summary="几十名钢筋工被拖欠工资，聚集在工地门口",
        risk_factors=[fq.RiskFactor.GROUP],
    )
    clock.advance(minutes=20)
    d = wf.grade(d, actor=OFFICER, police_business=False)
    clock.advance(minutes=20)
    return wf.refer(d, actor=OFFICER, department=fq.Department.LABOUR_INSPECTION, reason="欠薪属劳动保障监察职责")


def settle_and_close(wf: fq.Workflow, clock: fq.FixedClock, d: fq.Dispute) -> fq.Dispute:
    """Mediate on the spot, resolve, phone back and close (当日销号)."""
    d = wf.mediate(d, actor=OFFICER, forces=[fq.MediationForce.POLICE_OFFICE])
    clock.advance(minutes=30)
    d = wf.record_attempt(d, actor=OFFICER, outcome=fq.Outcome.AGREEMENT, summary="双方同意晚十点后不再喧哗")
    d = wf.resolve(d, actor=OFFICER, summary="当场调解成功")
    clock.advance(hours=2)
    d = wf.record_visit(d, actor=OFFICER, kind=fq.VisitKind.PHONE, finding="双方表示已无矛盾")
    return wf.close(d, actor=OFFICER)


def statuses(wf: fq.Workflow, d: fq.Dispute, at: datetime | None = None) -> dict[str, str]:
    return {c.deadline.code: c.status.value for c in wf.deadlines(d, at=at)}


def codes(wf: fq.Workflow, d: fq.Dispute, trigger: str, actor: str = OFFICER, **payload: object) -> tuple[str, ...]:
    return wf.check(d, trigger, actor=actor, **payload).codes


# -- grading -------------------------------------------------------------------------------------
def test_a_group_of_unpaid_workers_is_graded_key_and_referred_when_not_police_business(wf: fq.Workflow) -> None:
    d = alert(wf, category=fq.Category.WAGE_ARREARS, risk_factors=[fq.RiskFactor.GROUP])
    d = wf.grade(d, actor=OFFICER, police_business=False)
    assert (d.grade, d.grade_rule, d.route) == ("key", "huainan.key.severe-factor", fq.Route.REFER)


def test_a_third_alert_about_one_dispute_makes_it_key(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = alert(wf)
    for _ in range(2):
        clock.advance(minutes=40)
        d = wf.link_alert(d, actor=OFFICER, alert=fq.Alert(channel="hotline_12345", received_at=clock.now()))
    d = wf.grade(d, actor=OFFICER)
    assert (d.grade, d.grade_rule) == ("key", "huainan.key.repeated-alerts")
    assert "repeated" in d.grading.flags  # type: ignore[union-attr]


def test_a_case_type_alert_reported_twice_is_key(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = alert(wf)
    d = wf.link_alert(d, actor=OFFICER, alert=fq.Alert(channel="alarm_110", received_at=clock.now()))
    d = wf.grade(d, actor=OFFICER, meets_case_threshold=True)
    assert (d.grade, d.grade_rule) == ("key", "huainan.key.repeated-case")


def test_a_case_type_alert_found_to_recur_is_key(wf: fq.Workflow) -> None:
    d = wf.grade(alert(wf), actor=OFFICER, meets_case_threshold=True, risk_factors=["repeated_alerts"])
    assert (d.grade, d.grade_rule) == ("key", "huainan.key.recurring-case")


def test_a_case_type_alert_is_graded_case_and_routed_to_escalation(wf: fq.Workflow) -> None:
    d = wf.grade(alert(wf), actor=OFFICER, meets_case_threshold=True)
    assert (d.grade, d.grade_rule, d.route) == ("case", "huainan.case.threshold", fq.Route.ESCALATE)


def test_a_non_case_alert_reported_twice_is_general_but_flagged_repeated(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = alert(wf)
    d = wf.link_alert(d, actor=OFFICER, alert=fq.Alert(channel="hotline_12345", received_at=clock.now()))
    d = wf.grade(d, actor=OFFICER)
    assert (d.grade, d.grade_rule) == ("general", "huainan.general.repeated-alerts")
    assert d.grading is not None
    assert d.grading.flags == {"repeated"}


def test_a_non_case_alert_found_to_recur_is_general_and_flagged_repeated(wf: fq.Workflow) -> None:
    d = wf.grade(alert(wf), actor=OFFICER, risk_factors=["repeated_alerts"])
    assert (d.grade, d.grade_rule) == ("general", "huainan.general.recurring")


def test_a_plain_non_case_alert_is_general_and_mediated(wf: fq.Workflow) -> None:
    d = wf.grade(alert(wf), actor=OFFICER, risk_factors=["alcohol"])
    assert (d.grade, d.grade_rule, d.route) == ("general", "huainan.general.other", fq.Route.MEDIATE)


def test_the_default_table_is_the_one_shipped_with_the_package() -> None:
    policy = HuainanTwoClears()
    assert policy.grading_table == default_grading_table()
    assert policy.grades == ("key", "case", "general")


def custom_table(*, flag_case_as_key: bool = False) -> DecisionTable:
    return DecisionTable(
        name="custom",
        grades=("red", "yellow", "blue"),
        rules=(
            Rule(id="red.weapon", grade="red", when=Condition(any_factors={fq.RiskFactor.WEAPON})),
            Rule(
                id="yellow.case",
                grade="yellow",
                when=Condition(meets_case_threshold=True),
                flags=frozenset({"key"}) if flag_case_as_key else frozenset(),
            ),
            Rule(id="blue.other", grade="blue"),
        ),
    )


def test_a_users_own_table_grades_and_its_top_grade_is_key(clock: fq.FixedClock) -> None:
    wf = make_workflow(clock, HuainanTwoClears(grading_table=custom_table()))
    d = wf.grade(alert(wf, risk_factors=["weapon"]), actor=OFFICER)
    assert d.grade == "red"
    assert wf.policy.grades == ("red", "yellow", "blue")
    assert isinstance(wf.policy, HuainanTwoClears)
    assert wf.policy.is_key(d)


def test_a_key_flag_makes_a_lower_grade_key(clock: fq.FixedClock) -> None:
    policy = HuainanTwoClears(grading_table=custom_table(flag_case_as_key=True))
    wf = make_workflow(clock, policy)
    d = wf.grade(alert(wf), actor=OFFICER, meets_case_threshold=True)
    assert d.grade == "yellow"
    assert policy.is_key(d)
    assert not HuainanTwoClears(grading_table=custom_table(flag_case_as_key=True), key_flag=None).is_key(d)


def test_key_grades_can_name_more_than_the_top_grade(clock: fq.FixedClock) -> None:
    policy = HuainanTwoClears(key_grades={"key", "case"})
    wf = make_workflow(clock, policy)
    assert policy.is_key(wf.grade(alert(wf), actor=OFFICER, meets_case_threshold=True))
    assert not policy.is_key(wf.grade(alert(wf), actor=OFFICER))


def test_an_ungraded_dispute_is_never_key(wf: fq.Workflow) -> None:
    d = alert(wf, risk_factors=["weapon", "group"])
    assert not HuainanTwoClears().is_key(d)


def test_a_key_grade_the_table_does_not_have_is_a_definition_error() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match="red"):
        HuainanTwoClears(key_grades={"red"})


@pytest.mark.parametrize("field", ["handling_window", "carry_over_window"])
def test_a_window_that_is_not_positive_is_a_definition_error(field: str) -> None:
    with pytest.raises(fq.PolicyDefinitionError, match=field):
        HuainanTwoClears(**{field: timedelta(0)})  # type: ignore[arg-type]


# -- 警情清零: enter handling within 24 hours -----------------------------------------------------
def test_an_alert_left_in_discovered_goes_overdue_after_24_hours(wf: fq.Workflow) -> None:
    d = alert(wf)
    assert statuses(wf, d, T0 + timedelta(hours=24))["huainan.enter-handling"] == "pending"
    assert statuses(wf, d, T0 + timedelta(hours=24, seconds=1))["huainan.enter-handling"] == "overdue"


def test_grading_within_24_hours_meets_the_entry_deadline(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = alert(wf)
    clock.advance(hours=23, minutes=59)
    d = wf.grade(d, actor=OFFICER)
    assert statuses(wf, d, T0 + timedelta(days=3))["huainan.enter-handling"] == "met"


def test_grading_exactly_24_hours_after_the_alert_is_still_in_time(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = alert(wf)
    clock.advance(hours=24)
    assert statuses(wf, wf.grade(d, actor=OFFICER))["huainan.enter-handling"] == "met"


def test_grading_more_than_24_hours_after_the_alert_is_late(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = alert(wf)
    clock.advance(hours=24, minutes=1)
    assert statuses(wf, wf.grade(d, actor=OFFICER))["huainan.enter-handling"] == "late"


def test_the_entry_clock_starts_at_the_first_alert_not_at_discovery(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    clock.advance(hours=20)
    d = alert(wf, received_at=T0)  # the call came in 20 hours before anyone opened the dispute
    clock.advance(hours=5)
    assert statuses(wf, wf.grade(d, actor=OFFICER))["huainan.enter-handling"] == "late"


def test_merging_a_duplicate_counts_as_entering_handling(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = alert(wf)
    clock.advance(hours=2)
    d = wf.merge(d, actor=OFFICER, into="HN-0099", reason="与HN-0099为同一纠纷")
    assert statuses(wf, d, T0 + timedelta(days=2)) == {
        "huainan.enter-handling": "met",
        "huainan.same-day-close": "met",
    }


# -- 警情清零: non-case alerts concluded the same day -----------------------------------------------
def test_the_same_day_deadline_falls_at_local_midnight(clock: fq.FixedClock) -> None:
    clock.set(datetime(2024, 7, 8, 15, 30, tzinfo=ZoneInfo("UTC")))  # 23:30 in Huainan
    wf = make_workflow(clock)
    d = alert(wf)
    (same_day,) = (c.deadline for c in wf.deadlines(d) if c.deadline.code == "huainan.same-day-close")
    assert same_day.due == datetime(2024, 7, 9, 0, 0, tzinfo=CST)


def test_a_non_case_alert_mediated_and_closed_the_same_day_meets_its_deadline(
    wf: fq.Workflow, clock: fq.FixedClock
) -> None:
    d = wf.grade(alert(wf), actor=OFFICER)
    d = settle_and_close(wf, clock, d)
    assert d.state is fq.State.CLOSED
    assert statuses(wf, d, T0 + timedelta(days=2))["huainan.same-day-close"] == "met"


def test_a_non_case_alert_still_open_after_midnight_is_overdue(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = wf.mediate(wf.grade(alert(wf), actor=OFFICER), actor=OFFICER, forces=["police_office"])
    assert statuses(wf, d, datetime(2024, 7, 8, 23, 59, tzinfo=CST))["huainan.same-day-close"] == "pending"
    assert statuses(wf, d, datetime(2024, 7, 9, 0, 1, tzinfo=CST))["huainan.same-day-close"] == "overdue"


def test_a_referral_does_not_conclude_a_non_case_dispute(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = group_wage_dispute(wf, clock)
    assert d.state is fq.State.REFERRED
    assert statuses(wf, d, T0 + timedelta(days=1))["huainan.same-day-close"] == "overdue"


def test_a_case_type_dispute_has_no_same_day_deadline(wf: fq.Workflow) -> None:
    d = wf.grade(alert(wf), actor=OFFICER, meets_case_threshold=True)
    assert set(statuses(wf, d)) == {"huainan.enter-handling"}


def test_an_ungraded_alert_is_held_to_the_same_day_deadline(wf: fq.Workflow) -> None:
    assert set(statuses(wf, alert(wf))) == {"huainan.enter-handling", "huainan.same-day-close"}


# -- 案件清底: carried-over key disputes need named supervision ------------------------------------
def test_a_carried_over_key_dispute_refuses_further_handling_until_supervised(
    wf: fq.Workflow, clock: fq.FixedClock
) -> None:
    d = group_wage_dispute(wf, clock)
    clock.set(T0 + timedelta(hours=25))
    letter = fq.DossierItem(kind=fq.DossierKind.SAFETY_REMINDER, title="安全提示函")
    decision = wf.check(d, "attach", actor=OFFICER, item=letter)
    assert decision.codes == ("huainan.attach.key-unsupervised",)
    assert "named supervisor" in decision.refusals[0].en
    assert "挂牌督办" in decision.refusals[0].zh
    assert codes(wf, d, "resolve", reported_by="labour_inspection") == ("huainan.resolve.key-unsupervised",)
    assert set(wf.triggers(d)) == {fq.Trigger.ESCALATE, fq.Trigger.ASSIGN, fq.Trigger.LINK_ALERT, fq.Trigger.NOTE}


def test_a_key_dispute_is_not_gated_within_its_first_24_hours(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = group_wage_dispute(wf, clock)
    clock.set(T0 + timedelta(hours=23, minutes=59))
    assert codes(wf, d, "attach", item=fq.DossierItem(kind=fq.DossierKind.SAFETY_REMINDER)) == ()


def test_a_key_dispute_exactly_24_hours_after_its_first_alert_is_not_carried_over_yet(
    wf: fq.Workflow, clock: fq.FixedClock
) -> None:
    # "Not concluded within 24 hours": at 24 hours sharp it is still within them, as for entering handling.
    d = group_wage_dispute(wf, clock)
    policy = wf.policy
    assert isinstance(policy, HuainanTwoClears)
    boundary = d.alerts[0].received_at + timedelta(hours=24)
    letter = fq.DossierItem(kind=fq.DossierKind.SAFETY_REMINDER)
    clock.set(boundary)
    assert not policy.is_carried_over(d, boundary)
    assert codes(wf, d, "attach", item=letter) == ()
    clock.set(boundary + timedelta(microseconds=1))
    assert policy.is_carried_over(d, clock.now())
    assert codes(wf, d, "attach", item=letter) == ("huainan.attach.key-unsupervised",)


def test_a_carried_over_general_dispute_is_not_gated(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = wf.mediate(wf.grade(alert(wf), actor=OFFICER), actor=OFFICER, forces=["police_office"])
    clock.advance(days=3)
    assert codes(wf, d, "record_attempt", outcome="partial") == ()


def test_naming_a_supervisor_lifts_the_gate(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = group_wage_dispute(wf, clock)
    clock.set(T0 + timedelta(hours=25))
    d = wf.assign(d, actor=LEADER, person="李副局长", role=fq.Role.SUPERVISOR)
    assert codes(wf, d, "attach", item=fq.DossierItem(kind=fq.DossierKind.SAFETY_REMINDER)) == ()
    assert fq.Trigger.RESOLVE in wf.triggers(d)


def test_a_supervisor_named_before_the_24_hours_keeps_the_gate_open(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = group_wage_dispute(wf, clock)
    d = wf.assign(d, actor=LEADER, person="李副局长", role=fq.Role.SUPERVISOR)
    clock.advance(days=2)
    assert codes(wf, d, "resolve", reported_by="labour_inspection") == ()


def test_escalating_a_carried_over_key_dispute_is_allowed(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = wf.mediate(wf.grade(alert(wf, risk_factors=["threat"]), actor=OFFICER), actor=OFFICER, forces=["police_office"])
    clock.advance(days=2)
    d = wf.escalate(d, actor=OFFICER, case_kind="administrative", reason="扬言报复，提级办理")
    assert d.state is fq.State.ESCALATED


def test_another_assignment_is_refused_until_the_supervisor_is_named(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = group_wage_dispute(wf, clock)
    clock.advance(days=1)
    assert codes(wf, d, "assign", actor=LEADER, person="周警官", role="responsible_officer") == (
        "huainan.assign.key-unsupervised",
    )


def test_only_a_leader_may_name_the_supervisor(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = group_wage_dispute(wf, clock)
    assert codes(wf, d, "assign", person="李副局长", role="supervisor") == ("huainan.assign.not-a-leader",)
    assert codes(wf, d, "assign", actor="supervisor:chen", person="李副局长", role="supervisor") == ()


def test_without_supervision_roles_any_officer_may_name_the_supervisor(clock: fq.FixedClock) -> None:
    wf = make_workflow(clock, HuainanTwoClears(supervision_roles=None))
    d = group_wage_dispute(wf, clock)
    assert codes(wf, d, "assign", person="李副局长", role="supervisor") == ()


def test_new_alerts_and_notes_are_still_recorded_before_supervision(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = group_wage_dispute(wf, clock)
    clock.advance(days=1, hours=1)
    d = wf.link_alert(d, actor=OFFICER, alert=fq.Alert(channel="hotline_12345", received_at=clock.now()))
    d = wf.note(d, "工人再次到工地聚集", actor=OFFICER)
    assert len(d.alerts) == 2


def test_regrading_a_carried_over_key_dispute_down_is_refused_before_supervision(
    wf: fq.Workflow, clock: fq.FixedClock
) -> None:
    d = group_wage_dispute(wf, clock)
    clock.advance(days=1, hours=1)
    assert codes(wf, d, "regrade", grade="general", reason="人数减少") == ("huainan.regrade.key-unsupervised",)


def test_the_allowed_triggers_before_supervision_are_configurable(clock: fq.FixedClock) -> None:
    wf = make_workflow(clock, HuainanTwoClears(unsupervised_allowed=frozenset({fq.Trigger.ASSIGN})))
    d = group_wage_dispute(wf, clock)
    clock.advance(days=1, hours=1)
    assert codes(wf, d, "note", text="工人再次聚集") == ("huainan.note.key-unsupervised",)


# -- 规范执法: review findings corrected before close -----------------------------------------------
def resolved_and_visited(wf: fq.Workflow, clock: fq.FixedClock) -> fq.Dispute:
    d = wf.mediate(wf.grade(alert(wf), actor=OFFICER), actor=OFFICER, forces=["police_office"])
    d = wf.resolve(d, actor=OFFICER)
    return wf.record_visit(d, actor=OFFICER, kind="phone")


FINDING = fq.DossierItem(kind=fq.DossierKind.REVIEW_FINDING, title="执法记录仪未全程开启")
CORRECTION = fq.DossierItem(kind=fq.DossierKind.CORRECTION_RECORD, title="补录说明并对民警进行提醒")


def test_close_refused_while_a_review_finding_is_uncorrected(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = wf.attach(resolved_and_visited(wf, clock), FINDING, actor=LEADER)
    decision = wf.check(d, "close", actor=OFFICER)
    assert decision.codes == ("huainan.close.review-uncorrected",)
    assert "correction record" in decision.refusals[0].en


def test_close_allowed_once_the_finding_is_corrected(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = wf.attach(resolved_and_visited(wf, clock), FINDING, actor=LEADER)
    d = wf.attach(d, CORRECTION, actor=OFFICER)
    assert wf.close(d, actor=OFFICER).state is fq.State.CLOSED


def test_a_correction_filed_before_the_finding_does_not_answer_it(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = wf.attach(resolved_and_visited(wf, clock), CORRECTION, actor=OFFICER)
    d = wf.attach(d, FINDING, actor=LEADER)
    assert codes(wf, d, "close") == ("huainan.close.review-uncorrected",)


def test_each_review_finding_needs_its_own_correction(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = wf.attach(resolved_and_visited(wf, clock), FINDING, actor=LEADER)
    d = wf.attach(d, FINDING, actor=LEADER)
    d = wf.attach(d, CORRECTION, actor=OFFICER)
    assert codes(wf, d, "close") == ("huainan.close.review-uncorrected",)
    d = wf.attach(d, CORRECTION, actor=OFFICER)
    assert codes(wf, d, "close") == ()


# -- the baseline rules Huainan keeps ------------------------------------------------------------
def test_the_baseline_visit_before_close_is_kept(wf: fq.Workflow) -> None:
    d = wf.mediate(wf.grade(alert(wf), actor=OFFICER), actor=OFFICER, forces=["police_office"])
    d = wf.resolve(d, actor=OFFICER)
    assert codes(wf, d, "close") == ("baseline.close.no-visit",)


def test_a_grid_worker_may_report_but_not_grade(wf: fq.Workflow) -> None:
    d = alert(wf, actor="grid_worker:wang", channel="grid_worker")
    assert codes(wf, d, "grade", actor="grid_worker:wang") == ("auth.role-required",)


def test_without_the_baseline_nobody_needs_a_role_and_close_needs_no_visit(clock: fq.FixedClock) -> None:
    wf = make_workflow(clock, HuainanTwoClears(baseline=None))
    d = wf.grade(alert(wf), actor="grid_worker:wang")
    d = wf.resolve(wf.mediate(d, actor="grid_worker:wang"), actor="grid_worker:wang")
    assert codes(wf, d, "close") == ()


# -- 规范执法: the daily spot-check sample -------------------------------------------------------
def handled_disputes(wf: fq.Workflow, clock: fq.FixedClock, n: int) -> list[fq.Dispute]:
    out = []
    for i in range(n):
        d = alert(wf, summary=f"第{i + 1}起邻里纠纷")
        clock.advance(minutes=5)
        out.append(wf.grade(d, actor=OFFICER))
    return out


def test_the_same_seed_draws_the_same_sample_whatever_the_order(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    ds = handled_disputes(wf, clock, 20)
    first = spot_check_sample(ds, DAY, seed=7, size=5)
    assert spot_check_sample(reversed(ds), DAY, seed=7, size=5) == first
    assert len(first) == 5
    assert [d.id for d in first] == sorted(d.id for d in first)


def test_different_seeds_draw_different_samples(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    ds = handled_disputes(wf, clock, 20)
    samples = {tuple(d.id for d in spot_check_sample(ds, DAY, seed=s, size=3)) for s in range(10)}
    assert len(samples) > 1


def test_the_sample_holds_only_disputes_handled_that_day(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    untouched = alert(wf, summary="尚未研判")
    noted = wf.note(alert(wf, summary="仅有备注"), "已电话联系报警人", actor=OFFICER)
    handled = handled_disputes(wf, clock, 3)
    assert not handled_on(untouched, DAY)
    assert not handled_on(noted, DAY)
    sample = spot_check_sample([untouched, noted, *handled], DAY, seed=1, rate=1.0)
    assert {d.id for d in sample} == {d.id for d in handled}
    assert spot_check_sample(handled, DAY + timedelta(days=1), seed=1, rate=1.0) == ()


def test_the_daily_check_draws_every_dispute_handled_that_day_by_default(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    untouched = alert(wf, summary="尚未研判")
    ds = handled_disputes(wf, clock, 11)
    assert spot_check_sample([untouched, *ds], DAY, seed=0) == tuple(ds)  # 全面抽查，逐一评查


def test_the_rate_is_rounded_up_so_a_busy_day_is_always_checked(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    ds = handled_disputes(wf, clock, 11)
    assert len(spot_check_sample(ds, DAY, seed=0, rate=0.1)) == 2  # 10% of 11, rounded up
    assert len(spot_check_sample(ds[:3], DAY, seed=0, rate=0.1)) == 1
    assert len(spot_check_sample(ds, DAY, seed=0, size=50)) == 11


@pytest.mark.parametrize(("rate", "size", "path"), [(1.5, None, "rate"), (-0.1, None, "rate"), (0.1, -1, "size")])
def test_a_bad_rate_or_size_is_a_validation_error(rate: float, size: int | None, path: str) -> None:
    with pytest.raises(fq.ValidationError) as info:
        spot_check_sample([], DAY, seed=0, rate=rate, size=size)
    assert info.value.path == path


# -- the 09:00 dispatch view -----------------------------------------------------------------------
def a_day_of_alerts(wf: fq.Workflow, clock: fq.FixedClock) -> dict[str, fq.Dispute]:
    """Four alerts at two stations on 8 July, handled in different ways."""
    noise = wf.grade(alert(wf), actor=OFFICER)
    noise = settle_and_close(wf, clock, noise)  # closed the same day
    clock.set(datetime(2024, 7, 8, 14, 0, tzinfo=CST))
    fight = alert(wf, summary="酒后互殴致一人轻微伤", station="舜耕派出所", risk_factors=["alcohol"])
    clock.advance(minutes=30)
    fight = wf.escalate(wf.grade(fight, actor=OFFICER, meets_case_threshold=True), actor=OFFICER)
    clock.set(datetime(2024, 7, 8, 16, 0, tzinfo=CST))
    wage = alert(wf, category="wage_arrears", summary="几十名钢筋工被拖欠工资", risk_factors=["group"])
    clock.advance(minutes=30)
    wage = wf.refer(wf.grade(wage, actor=OFFICER, police_business=False), actor=OFFICER, department="labour_inspection")
    clock.set(datetime(2024, 7, 8, 22, 0, tzinfo=CST))
    dog = alert(wf, summary="邻居家狗夜间吠叫", station="舜耕派出所")  # nobody has graded it yet
    clock.set(datetime(2024, 7, 7, 12, 0, tzinfo=CST))
    yesterday = alert(wf, summary="前一日的警情")
    return {"noise": noise, "fight": fight, "wage": wage, "dog": dog, "yesterday": yesterday}


def test_the_dispatch_view_reports_each_station_on_the_days_alerts(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    report = dispatch_report(a_day_of_alerts(wf, clock).values(), DAY)
    assert report.as_of == datetime(2024, 7, 9, 9, 0, tzinfo=CST)
    assert report.rows == (
        DispatchRow(STATION, received=2, entered_in_time=2, closed_same_day=1, carried_over=1, overdue=1),
        DispatchRow("舜耕派出所", received=2, entered_in_time=1, closed_same_day=1, carried_over=1, overdue=1),
    )
    assert report.total == DispatchRow("", received=4, entered_in_time=3, closed_same_day=2, carried_over=2, overdue=2)


def test_the_dispatch_view_sees_the_disputes_as_they_stood_at_the_meeting(
    wf: fq.Workflow, clock: fq.FixedClock
) -> None:
    ds = a_day_of_alerts(wf, clock)
    clock.set(datetime(2024, 7, 9, 11, 0, tzinfo=CST))  # graded after the meeting
    ds["dog"] = wf.grade(ds["dog"], actor=OFFICER)
    report = dispatch_report(ds.values(), DAY)
    assert report.row("舜耕派出所").entered_in_time == 1
    later = dispatch_report(ds.values(), DAY, at=datetime(2024, 7, 9, 12, 0, tzinfo=CST))
    assert later.row("舜耕派出所").entered_in_time == 2


def test_the_random_call_picks_a_key_alert_and_the_seed_fixes_it(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    ds = list(a_day_of_alerts(wf, clock).values())
    clock.set(datetime(2024, 7, 8, 18, 0, tzinfo=CST))
    ds.append(wf.grade(alert(wf, summary="扬言持刀报复邻居", risk_factors=["threat", "weapon"]), actor=OFFICER))
    key_only = HuainanTwoClears(frequent_type_min=None)
    report = dispatch_report(ds, DAY, seed=3, policy=key_only)
    assert len(report.key_alerts) == 2
    assert report.frequent_types == ()
    assert report.spot_call is not None
    assert report.spot_call.dispute_id in report.key_alerts
    assert report.spot_call.reason == "key"
    assert dispatch_report(reversed(ds), DAY, seed=3, policy=key_only).spot_call == report.spot_call
    picks = {dispatch_report(ds, DAY, seed=s, policy=key_only).spot_call for s in range(12)}
    assert {p.dispute_id for p in picks if p is not None} == set(report.key_alerts)


def test_the_random_call_also_picks_alerts_of_a_frequent_type(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    ds = a_day_of_alerts(wf, clock)  # three neighbour quarrels on 8 July (noise, fight, dog) and a key wage alert
    report = dispatch_report(ds.values(), DAY, seed=3)
    assert report.frequent_types == (fq.Category.NEIGHBOUR,)
    assert report.frequent_alerts == tuple(sorted(ds[k].id for k in ("noise", "fight", "dog")))
    assert report.key_alerts == (ds["wage"].id,)
    picks = {dispatch_report(ds.values(), DAY, seed=s).spot_call for s in range(30)}
    called = {(p.dispute_id, p.reason) for p in picks if p is not None}
    assert called == {
        (ds["noise"].id, "frequent"),
        (ds["fight"].id, "frequent"),
        (ds["dog"].id, "frequent"),
        (ds["wage"].id, "key"),
    }


def test_how_many_alerts_make_a_frequent_type_is_configurable(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    ds = a_day_of_alerts(wf, clock)
    two = dispatch_report(ds.values(), DAY, station="舜耕派出所", policy=HuainanTwoClears(frequent_type_min=2))
    assert two.frequent_alerts == tuple(sorted((ds["fight"].id, ds["dog"].id)))
    assert two.spot_call is not None
    assert (two.spot_call.dispute_id in two.frequent_alerts, two.spot_call.reason) == (True, "frequent")
    four = dispatch_report(ds.values(), DAY, policy=HuainanTwoClears(frequent_type_min=4))
    assert four.frequent_types == ()


@pytest.mark.parametrize("least", [0, -1, True, 2.5])
def test_a_frequent_type_needs_at_least_one_alert(least: object) -> None:
    with pytest.raises(fq.PolicyDefinitionError, match="frequent_type_min"):
        HuainanTwoClears(frequent_type_min=least)  # type: ignore[arg-type]


def test_a_day_without_key_alerts_has_no_random_call(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    report = dispatch_report([wf.grade(alert(wf), actor=OFFICER)], DAY)
    assert report.key_alerts == ()
    assert report.spot_call is None


def test_the_dispatch_view_of_one_station(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    ds = a_day_of_alerts(wf, clock).values()
    report = dispatch_report(ds, DAY, station="舜耕派出所")
    assert [r.station for r in report.rows] == ["舜耕派出所"]
    assert report.key_alerts == ()
    assert report.frequent_types == ()  # two neighbour quarrels at this station: not a frequent type
    assert report.spot_call is None
    empty = dispatch_report(ds, DAY, station="八公山派出所")
    assert empty.rows == (DispatchRow("八公山派出所"),)


def test_the_dispatch_view_counts_a_late_entry_as_overdue(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    d = alert(wf, summary="邻里纠纷", received_at=T0 - timedelta(hours=2))
    clock.set(datetime(2024, 7, 9, 8, 30, tzinfo=CST))
    d = wf.grade(d, actor=OFFICER, meets_case_threshold=True)
    row = dispatch_report([d], date(2024, 7, 8)).total
    assert (row.received, row.entered_in_time, row.overdue) == (1, 0, 1)


# -- metrics ----------------------------------------------------------------------------------------
def test_metrics_give_the_in_time_and_same_day_figures(wf: fq.Workflow, clock: fq.FixedClock) -> None:
    ds = a_day_of_alerts(wf, clock)
    clock.set(datetime(2024, 7, 9, 10, 0, tzinfo=CST))
    ds["wage"] = wf.assign(ds["wage"], actor=LEADER, person="李副局长", role="supervisor")
    figures = HuainanTwoClears().metrics(ds.values())
    assert figures["screened"] == 5
    assert figures["entered_in_time"] == 3  # noise, fight, wage; the dog and yesterday's alert never graded
    assert figures["in_time_rate"] == pytest.approx(3 / 5)
    assert (figures["non_case"], figures["closed_same_day"]) == (4, 1)
    assert (figures["key"], figures["key_supervised"]) == (1, 1)


def test_metrics_of_nothing_are_zero() -> None:
    figures = HuainanTwoClears().metrics([])
    assert figures["in_time_rate"] == 0.0
    assert figures["same_day_rate"] == 0.0


def test_the_policy_is_a_frozen_value() -> None:
    policy = HuainanTwoClears()
    assert policy == HuainanTwoClears()
    with pytest.raises(AttributeError):
        policy.handling_window = timedelta(hours=48)  # type: ignore[misc]
