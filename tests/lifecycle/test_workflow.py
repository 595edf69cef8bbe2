from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

import fengqiao as fq
from fengqiao.policies import Baseline
from tests.stages import GRID_WORKER, OFFICER, START, Disputes

S, T = fq.State, fq.Trigger


class NaiveClock:
    """A broken clock that forgets the timezone."""

    def now(self) -> datetime:
        return datetime(2024, 1, 31, 9, 0)


def snapshot(d: fq.Dispute) -> str:
    return fq.dumps(d)


# -- discover ------------------------------------------------------------------------------
def test_discover_opens_a_dispute_in_state_discovered(disputes: Disputes) -> None:
    d = disputes.discovered()
    assert d.state is S.DISCOVERED
    assert d.version == 1
    assert isinstance(d.history[0], fq.Discovered)


def test_discover_records_the_alert_parties_category_and_station(wf: fq.Workflow) -> None:
    d = wf.discover(
        channel="hotline_12345",
        category="debt",
        summary="借款三年未还",
        parties=[fq.Party(name="赵某"), fq.Party(name="钱某", role=fq.PartyRole.RESPONDENT)],
        risk_factors=["large_sum"],
        station="蒲州派出所",
        location="永济市某村",
        reporter="赵某",
        reference="12345-0001",
        actor=OFFICER,
    )
    assert d.channel is fq.Channel.HOTLINE_12345
    assert d.category is fq.Category.DEBT
    assert [p.name for p in d.parties] == ["赵某", "钱某"]
    assert d.risk_factors == {fq.RiskFactor.LARGE_SUM}
    assert d.station == "蒲州派出所"
    assert (d.alerts[0].location, d.alerts[0].reporter, d.alerts[0].reference) == ("永济市某村", "赵某", "12345-0001")


def test_discover_names_the_dispute_with_the_workflow_id_maker(disputes: Disputes) -> None:
    assert disputes.discovered().id == "D-0001"
    assert disputes.discovered().id == "D-0002"


def test_discover_takes_an_explicit_dispute_id(wf: fq.Workflow) -> None:
    d = wf.discover(channel="walk_in", category="trade", summary="退货纠纷", actor=OFFICER, dispute_id="YJ-7")
    assert d.id == "YJ-7"


def test_discover_stamps_the_alert_with_the_clock_unless_told_otherwise(wf: fq.Workflow) -> None:
    received = START - timedelta(hours=2)
    now = wf.discover(channel="walk_in", category="trade", summary="退货纠纷", actor=OFFICER)
    earlier = wf.discover(channel="walk_in", category="trade", summary="退货纠纷", actor=OFFICER, received_at=received)
    assert now.alerts[0].received_at == START
    assert earlier.alerts[0].received_at == received
    assert earlier.discovered_at == START


def test_a_workflow_without_a_clock_uses_the_aware_system_clock() -> None:
    d = fq.Workflow().discover(channel="walk_in", category="trade", summary="退货纠纷", actor=OFFICER)
    assert d.discovered_at.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - d.discovered_at) < timedelta(minutes=5)


def test_a_workflow_makes_random_distinct_ids_by_default() -> None:
    wf = fq.Workflow(clock=fq.FixedClock(START))
    a = wf.discover(channel="walk_in", category="trade", summary="退货纠纷", actor=OFFICER)
    b = wf.discover(channel="walk_in", category="trade", summary="退货纠纷", actor=OFFICER)
    assert a.id != b.id


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("channel", "fax", "discover.channel"),
        ("category", "feud", "discover.category"),
        ("summary", "  ", "discover.summary"),
        ("risk_factors", ["threat", "zombies"], "discover.risk_factors[1]"),
        ("parties", ["赵某"], "discover.parties[0]"),
        ("received_at", datetime(2024, 1, 31, 9, 0), "discover.received_at"),
        ("station", None, "discover.station"),
    ],
)
def test_discover_with_bad_input_names_the_field(wf: fq.Workflow, field: str, value: Any, path: str) -> None:
    kwargs: dict[str, Any] = {"channel": "walk_in", "category": "trade", "summary": "退货纠纷", field: value}
    with pytest.raises(fq.ValidationError) as info:
        wf.discover(actor=OFFICER, **kwargs)
    assert info.value.path == path


def test_discover_by_an_actor_without_a_permitted_role_is_refused(wf: fq.Workflow) -> None:
    with pytest.raises(fq.TransitionRefused) as info:
        wf.discover(channel="walk_in", category="trade", summary="退货纠纷", actor="mediator:li")
    assert info.value.trigger == "discover"
    assert [r.code for r in info.value.refusals] == ["auth.role-required"]


def test_discover_with_a_malformed_actor_is_a_validation_error(wf: fq.Workflow) -> None:
    with pytest.raises(fq.ValidationError) as info:
        wf.discover(channel="walk_in", category="trade", summary="退货纠纷", actor="xiao")
    assert info.value.path == "actor"


# -- check ---------------------------------------------------------------------------------
def test_check_allows_a_trigger_nothing_refuses(wf: fq.Workflow, disputes: Disputes) -> None:
    decision = wf.check(disputes.graded(), T.MEDIATE, actor=OFFICER)
    assert decision.allowed
    assert bool(decision)
    assert decision.refusals == ()
    assert decision.trigger is T.MEDIATE


def test_check_collects_graph_role_and_policy_refusals_together(wf: fq.Workflow, disputes: Disputes) -> None:
    decision = wf.check(disputes.mediating(), T.CLOSE, actor=GRID_WORKER)
    assert not decision.allowed
    assert decision.codes == ("graph.not-allowed", "auth.role-required", "baseline.close.no-visit")


def test_check_collects_payload_refusals_with_the_others(wf: fq.Workflow, disputes: Disputes) -> None:
    decision = wf.check(disputes.discovered(), T.REFER, actor=GRID_WORKER)
    assert decision.codes == ("graph.not-allowed", "auth.role-required", "baseline.refer.department-missing")


def test_check_reports_a_terminal_state_rather_than_a_missing_edge(wf: fq.Workflow, disputes: Disputes) -> None:
    decision = wf.check(disputes.closed(), T.NOTE, actor=OFFICER, text="迟到的备注")
    assert decision.codes == ("graph.terminal",)
    assert "已销号" in decision.refusals[0].zh


def test_check_leaves_the_dispute_unchanged(wf: fq.Workflow, disputes: Disputes) -> None:
    d = disputes.graded()
    before = snapshot(d)
    wf.check(d, T.MEDIATE, actor=OFFICER)
    assert snapshot(d) == before


def test_check_raises_for_malformed_input_not_for_refusals(wf: fq.Workflow, disputes: Disputes) -> None:
    with pytest.raises(fq.ValidationError):
        wf.check(disputes.follow_up(), T.RECORD_VISIT, actor=OFFICER, kind="sms")


# -- fire ----------------------------------------------------------------------------------
def test_fire_raises_transition_refused_carrying_every_refusal(wf: fq.Workflow, disputes: Disputes) -> None:
    d = disputes.mediating()
    with pytest.raises(fq.TransitionRefused) as info:
        wf.fire(d, T.CLOSE, actor=GRID_WORKER)
    err = info.value
    assert [r.code for r in err.refusals] == ["graph.not-allowed", "auth.role-required", "baseline.close.no-visit"]
    assert err.dispute_id == d.id
    assert err.trigger == "close"
    assert "baseline.close.no-visit" in str(err)


def test_fire_refuses_with_exactly_what_check_reports(wf: fq.Workflow, disputes: Disputes) -> None:
    d = disputes.follow_up()
    decision = wf.check(d, T.CLOSE, actor=OFFICER)
    with pytest.raises(fq.TransitionRefused) as info:
        wf.fire(d, T.CLOSE, actor=OFFICER)
    assert info.value.refusals == decision.refusals


def test_fire_returns_a_new_dispute_and_leaves_the_old_one_as_it_was(wf: fq.Workflow, disputes: Disputes) -> None:
    d = disputes.graded()
    before = snapshot(d)
    after = wf.fire(d, T.MEDIATE, actor=OFFICER)
    assert after.state is S.MEDIATING
    assert d.state is S.GRADED
    assert snapshot(d) == before


def test_a_refused_command_leaves_the_dispute_as_it_was(wf: fq.Workflow, disputes: Disputes) -> None:
    d = disputes.follow_up()
    before = snapshot(d)
    with pytest.raises(fq.TransitionRefused):
        wf.close(d, actor=OFFICER)
    assert snapshot(d) == before


def test_an_invalid_command_leaves_the_dispute_as_it_was(wf: fq.Workflow, disputes: Disputes) -> None:
    d = disputes.follow_up()
    before = snapshot(d)
    with pytest.raises(fq.ValidationError):
        wf.fire(d, T.RECORD_VISIT, actor=OFFICER, kind="sms")
    assert snapshot(d) == before


def test_fire_accepts_the_trigger_as_its_value_string(wf: fq.Workflow, disputes: Disputes) -> None:
    assert wf.fire(disputes.graded(), "mediate", actor=OFFICER).state is S.MEDIATING


def test_fire_accepts_an_actor_value(wf: fq.Workflow, disputes: Disputes) -> None:
    actor = fq.Actor("xiao", [fq.Role.RESPONSIBLE_OFFICER])
    d = wf.fire(disputes.graded(), T.MEDIATE, actor=actor)
    assert d.history[-1].actor == actor


def test_each_command_is_recorded_with_the_actor_it_names_whoever_came_before(
    wf: fq.Workflow, disputes: Disputes
) -> None:
    d = disputes.follow_up()
    d = wf.record_visit(d, actor=GRID_WORKER, kind="phone")
    d = wf.note(d, "再次回访", actor=OFFICER)
    d = wf.record_visit(d, actor="grid_worker:wang", kind="phone")  # an equal text, not the same object
    d = wf.note(d, "备注", actor=fq.Actor("li", [fq.Role.SUPERVISOR]))
    assert [e.actor.id for e in d.history[-4:]] == [GRID_WORKER, OFFICER, GRID_WORKER, "li"]
    assert d.history[-4].actor.roles == {fq.Role.GRID_WORKER}
    refused = wf.check(d, T.NOTE, actor=GRID_WORKER, text="网格员不能备注")
    assert refused.codes == ("auth.role-required",)
    with pytest.raises(fq.ValidationError) as info:  # text read before is no excuse for bad text now
        wf.note(d, "备注", actor="officer")
    assert info.value.path == "actor"


def test_an_unknown_trigger_is_a_validation_error_listing_the_known_ones(wf: fq.Workflow, disputes: Disputes) -> None:
    with pytest.raises(fq.ValidationError) as info:
        wf.fire(disputes.graded(), "settle", actor=OFFICER)
    assert info.value.path == "trigger"
    assert "record_visit" in info.value.message


def test_check_of_an_unknown_trigger_is_a_validation_error_too(wf: fq.Workflow, disputes: Disputes) -> None:
    with pytest.raises(fq.ValidationError) as info:
        wf.check(disputes.graded(), "settle", actor=OFFICER)
    assert info.value.path == "trigger"


def test_discover_is_not_a_trigger_to_fire(wf: fq.Workflow, disputes: Disputes) -> None:
    with pytest.raises(fq.ValidationError):
        wf.fire(disputes.graded(), "discover", actor=OFFICER)


@pytest.mark.parametrize(
    ("trigger", "payload", "path"),
    [
        (T.MEDIATE, {"mediators": "司法所"}, "mediate.mediators"),
        (T.NOTE, {"text": "备注", "colour": "red"}, "note.colour"),
        (T.GRADE, {"grade": "high"}, "grade.grade"),
        (T.REGRADE, {"priority": 1}, "regrade.priority"),
    ],
)
def test_an_unknown_payload_field_is_refused_with_path_trigger_dot_field(
    wf: fq.Workflow, disputes: Disputes, trigger: fq.Trigger, payload: dict[str, Any], path: str
) -> None:
    with pytest.raises(fq.ValidationError) as info:
        wf.fire(disputes.graded(), trigger, actor=OFFICER, **payload)
    assert info.value.path == path
    assert "unknown field" in info.value.message


@pytest.mark.parametrize(
    ("trigger", "path"),
    [
        (T.MERGE, "merge.into"),
        (T.ASSIGN, "assign.person"),
        (T.NOTE, "note.text"),
        (T.ATTACH, "attach.item"),
        (T.LINK_ALERT, "link_alert.alert"),
    ],
)
def test_a_missing_required_field_is_refused_with_path_trigger_dot_field(
    wf: fq.Workflow, disputes: Disputes, trigger: fq.Trigger, path: str
) -> None:
    with pytest.raises(fq.ValidationError) as info:
        wf.fire(disputes.graded(), trigger, actor=OFFICER)
    assert info.value.path == path
    assert "missing" in info.value.message


def test_a_missing_visit_kind_is_refused_with_path_record_visit_kind(wf: fq.Workflow, disputes: Disputes) -> None:
    with pytest.raises(fq.ValidationError) as info:
        wf.fire(disputes.follow_up(), T.RECORD_VISIT, actor=OFFICER)
    assert info.value.path == "record_visit.kind"


@pytest.mark.parametrize(
    ("trigger", "payload", "path"),
    [
        (T.RECORD_VISIT, {"kind": "sms"}, "record_visit.kind"),
        (T.RECORD_VISIT, {"kind": "phone", "holding": "yes"}, "record_visit.holding"),
        (T.REFER, {"department": "police"}, "refer.department"),
        (T.MEDIATE, {"forces": ["court", "priest"]}, "mediate.forces[1]"),
        (T.ASSIGN, {"person": "xiao", "role": "captain"}, "assign.role"),
        (T.RECORD_ATTEMPT, {"outcome": "maybe"}, "record_attempt.outcome"),
        (T.ESCALATE, {"case_kind": "civil"}, "escalate.case_kind"),
        (T.GRADE, {"risk_factors": ["zombies"]}, "grade.risk_factors[0]"),
        (T.GRADE, {"complex": "very"}, "grade.complex"),
        (T.REOPEN, {"risk_factors": "threat"}, "reopen.risk_factors"),
        (T.ATTACH, {"item": "调解协议书"}, "attach.item"),
    ],
)
def test_a_wrong_value_is_refused_with_path_trigger_dot_field(
    wf: fq.Workflow, disputes: Disputes, trigger: fq.Trigger, payload: dict[str, Any], path: str
) -> None:
    with pytest.raises(fq.ValidationError) as info:
        wf.fire(disputes.follow_up(), trigger, actor=OFFICER, **payload)
    assert info.value.path == path


def test_a_wrong_enum_lists_the_allowed_values(wf: fq.Workflow, disputes: Disputes) -> None:
    with pytest.raises(fq.ValidationError) as info:
        wf.record_visit(disputes.follow_up(), actor=OFFICER, kind="sms")
    assert "phone, on_site, public_return" in info.value.message


def test_a_clock_telling_naive_time_is_refused_on_discover() -> None:
    wf = fq.Workflow(clock=NaiveClock())
    with pytest.raises(fq.ValidationError) as info:
        wf.discover(channel="walk_in", category="trade", summary="退货纠纷", actor=OFFICER)
    assert info.value.path == "clock.now()"
    assert "naive" in info.value.message


def test_a_clock_telling_naive_time_is_refused_on_fire(disputes: Disputes) -> None:
    d = disputes.graded()
    wf = fq.Workflow(clock=NaiveClock())
    with pytest.raises(fq.ValidationError) as info:
        wf.mediate(d, actor=OFFICER)
    assert info.value.path == "clock.now()"


def test_something_that_is_not_a_dispute_is_refused(wf: fq.Workflow) -> None:
    not_a_dispute: Any = {"id": "D-1", "state": "graded"}
    with pytest.raises(fq.ValidationError) as info:
        wf.fire(not_a_dispute, T.MEDIATE, actor=OFFICER)
    assert info.value.path == "dispute"


# -- triggers ------------------------------------------------------------------------------
def test_triggers_leave_out_close_until_a_visit_is_recorded(wf: fq.Workflow, disputes: Disputes) -> None:
    assert T.CLOSE not in wf.triggers(disputes.follow_up())
    assert T.CLOSE in wf.triggers(disputes.visited())


def test_triggers_of_a_graded_dispute_follow_the_graph(wf: fq.Workflow, disputes: Disputes) -> None:
    assert wf.triggers(disputes.graded()) == (
        T.MEDIATE,
        T.REFER,
        T.ESCALATE,
        T.MERGE,
        T.REGRADE,
        T.ASSIGN,
        T.LINK_ALERT,
        T.ATTACH,
        T.NOTE,
    )


def test_triggers_for_an_actor_leave_out_what_its_roles_may_not_do(wf: fq.Workflow, disputes: Disputes) -> None:
    assert wf.triggers(disputes.visited(), actor=GRID_WORKER) == (T.RECORD_VISIT,)


def test_a_terminal_dispute_has_no_triggers(wf: fq.Workflow, disputes: Disputes) -> None:
    assert wf.triggers(disputes.closed()) == ()


# -- one typed method per trigger ----------------------------------------------------------
def test_grade_records_the_assessment_and_the_policy_grade_rule_and_route(disputes: Disputes) -> None:
    d = disputes.graded(complex=True)
    assert d.state is S.GRADED
    assert (d.grade, d.grade_rule, d.route) == ("low", "baseline.low.no-risk", fq.Route.MEDIATE)
    assert d.assessment is not None
    assert d.complex


def test_grade_uses_the_risk_factors_known_at_discovery_by_default(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.grade(disputes.discovered(risk_factors=[fq.RiskFactor.ALCOHOL]), actor=OFFICER)
    assert d.assessment is not None
    assert d.assessment.risk_factors == {fq.RiskFactor.ALCOHOL}
    assert d.grade == "medium"


def test_grade_with_risk_factors_replaces_those_known_at_discovery(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.grade(disputes.discovered(risk_factors=[fq.RiskFactor.ALCOHOL]), actor=OFFICER, risk_factors=[])
    assert d.risk_factors == frozenset()
    assert d.grade == "low"


def test_the_graded_event_carries_assessment_and_grading(disputes: Disputes) -> None:
    event = disputes.graded(police_business=False).history[-1]
    assert isinstance(event, fq.Graded)
    assert event.payload.assessment.police_business is False
    assert event.payload.grading.route is fq.Route.REFER


def test_regrade_recomputes_from_the_new_assessment_and_keeps_the_rest(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.regrade(disputes.graded(complex=True), actor=OFFICER, risk_factors=[fq.RiskFactor.WEAPON])
    assert (d.grade, d.grade_rule) == ("high", "baseline.high.severe-factor")
    assert d.complex
    assert d.state is S.GRADED
    event = d.history[-1]
    assert isinstance(event, fq.Regraded)
    assert event.payload.manual is False


def test_regrade_with_an_explicit_grade_records_a_manual_grading(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.regrade(disputes.mediating(), actor=OFFICER, grade="high", reason="当事人扬言报复")
    assert (d.grade, d.grade_rule) == ("high", "manual")
    assert d.state is S.MEDIATING
    event = d.history[-1]
    assert isinstance(event, fq.Regraded)
    assert event.payload.manual is True
    assert event.payload.grading.reason == "当事人扬言报复"


def test_regrade_to_an_unknown_grade_is_refused_listing_the_policy_grades(wf: fq.Workflow, disputes: Disputes) -> None:
    with pytest.raises(fq.ValidationError) as info:
        wf.regrade(disputes.graded(), actor=OFFICER, grade="purple")
    assert info.value.path == "regrade.grade"
    assert "high, medium, low" in info.value.message


def test_regrade_before_grading_is_refused_by_the_graph(wf: fq.Workflow, disputes: Disputes) -> None:
    decision = wf.check(disputes.discovered(), T.REGRADE, actor=OFFICER)
    assert decision.codes == ("graph.not-allowed",)


def test_mediate_records_the_forces_and_files_its_documents(wf: fq.Workflow, disputes: Disputes) -> None:
    notice = fq.DossierItem(kind=fq.DossierKind.JOINT_HANDLING_NOTICE, title="联调联处通知单")
    d = wf.mediate(
        disputes.graded(),
        actor=OFFICER,
        forces=["township_peoples", fq.MediationForce.POLICE_OFFICE, "township_peoples"],
        mediator="司法所",
        documents=[notice],
    )
    assert d.state is S.MEDIATING
    assert set(d.forces) == {fq.MediationForce.TOWNSHIP_PEOPLES, fq.MediationForce.POLICE_OFFICE}
    assert len(d.forces) == 2
    assert d.dossier == (notice,)
    event = d.history[-1]
    assert isinstance(event, fq.MediationStarted)
    assert event.payload.joint


def test_mediation_by_one_force_is_not_joint(disputes: Disputes) -> None:
    event = disputes.mediating().history[-1]
    assert isinstance(event, fq.MediationStarted)
    assert not event.payload.joint


def test_refer_records_the_referral_and_files_its_papers(
    wf: fq.Workflow, disputes: Disputes, clock: fq.FixedClock
) -> None:
    letter = fq.DossierItem(kind=fq.DossierKind.MEDIATION_ENTRUSTMENT, title="委托调解函")
    d = wf.refer(
        disputes.graded(police_business=False),
        actor=OFFICER,
        department="labour_inspection",
        reason="欠薪",
        documents=[letter],
    )
    assert d.state is S.REFERRED
    assert d.referral == fq.Referral(fq.Department.LABOUR_INSPECTION, "欠薪", clock.now(), OFFICER, (letter,))
    assert d.has_document(fq.DossierKind.MEDIATION_ENTRUSTMENT)


def test_escalate_turns_the_dispute_into_a_case(wf: fq.Workflow, disputes: Disputes, clock: fq.FixedClock) -> None:
    d = wf.escalate(
        disputes.graded(meets_case_threshold=True), actor=OFFICER, case_kind="criminal", case_number="XJ-2024-1"
    )
    assert d.state is S.ESCALATED
    assert d.escalation == fq.Escalation(fq.CaseKind.CRIMINAL, "", "XJ-2024-1", clock.now(), OFFICER)


def test_resolve_starts_follow_up_and_records_the_outcome(
    wf: fq.Workflow, disputes: Disputes, clock: fq.FixedClock
) -> None:
    d = wf.resolve(disputes.mediating(), actor=OFFICER, outcome="partial", summary="部分达成")
    assert d.state is S.FOLLOW_UP
    assert d.outcome is fq.Outcome.PARTIAL
    assert d.resolved_at == clock.now()


def test_resolve_of_a_referred_dispute_records_who_reported_the_result(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.resolve(disputes.referred(), actor=OFFICER, reported_by="justice_office")
    event = d.history[-1]
    assert isinstance(event, fq.Resolved)
    assert event.payload.reported_by is fq.Department.JUSTICE_OFFICE


def test_reopen_sends_the_dispute_back_to_mediation_with_the_new_risk_factors(
    wf: fq.Workflow, disputes: Disputes
) -> None:
    d = wf.reopen(disputes.visited(holding=False), actor=OFFICER, reason="再次堵门", risk_factors=["threat"])
    assert d.state is S.MEDIATING
    assert fq.RiskFactor.THREAT in d.risk_factors
    assert d.resolved_at is None
    assert d.outcome is None


def test_a_new_resolution_starts_a_new_follow_up_period(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.reopen(disputes.visited(holding=False), actor=OFFICER)
    d = wf.resolve(d, actor=OFFICER)
    assert d.visits_since_resolution == ()
    assert len(d.visits) == 1


def test_close_succeeds_after_a_holding_visit(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.close(disputes.visited(), actor=OFFICER, summary="销号")
    assert d.state is S.CLOSED
    assert isinstance(d.history[-1], fq.Closed)


def test_merge_folds_a_duplicate_into_another_dispute(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.merge(disputes.discovered(), actor=OFFICER, into="D-0100", reason="重复警情")
    assert d.state is S.MERGED
    assert d.merged_into == "D-0100"


def test_assign_makes_a_person_responsible_in_a_role(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.assign(disputes.graded(), actor=OFFICER, person="李所长", role="responsible_leader")
    d = wf.assign(d, actor=OFFICER, person="王某", role=fq.Role.GRID_WORKER)
    assert d.assignees(fq.Role.RESPONSIBLE_LEADER) == ("李所长",)
    assert d.assignees(fq.Role.GRID_WORKER) == ("王某",)
    assert d.assignments[0].by == OFFICER


def test_link_alert_adds_an_alert_and_keeps_the_first_channel(
    wf: fq.Workflow, disputes: Disputes, clock: fq.FixedClock
) -> None:
    again = fq.Alert(channel=fq.Channel.HOTLINE_12345, received_at=clock.now(), summary="再次报警")
    d = wf.link_alert(disputes.discovered(), actor=OFFICER, alert=again)
    assert d.alerts[-1] == again
    assert len(d.alerts) == 2
    assert d.channel is fq.Channel.ALARM_110


def test_record_attempt_takes_the_forces_of_the_mediation_by_default(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.record_attempt(disputes.mediating(), actor=OFFICER, outcome="failed", summary="分歧较大")
    assert d.attempts[-1].forces == (fq.MediationForce.POLICE_OFFICE,)
    assert d.attempts[-1].outcome is fq.Outcome.FAILED


def test_record_attempt_records_forces_given_explicitly(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.record_attempt(disputes.mediating(), actor=OFFICER, outcome="agreement", forces=["lawyer"])
    assert d.attempts[-1].forces == (fq.MediationForce.LAWYER,)
    assert d.state is S.MEDIATING


def test_record_visit_records_the_visit_and_whether_it_holds(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.record_visit(disputes.follow_up(), actor=GRID_WORKER, kind="on_site", holding=False, finding="又吵起来")
    visit = d.visits[-1]
    assert (visit.kind, visit.holding, visit.finding, visit.by) == (
        fq.VisitKind.ON_SITE,
        False,
        "又吵起来",
        GRID_WORKER,
    )
    assert d.visits_since_resolution == (visit,)


def test_attach_files_an_item_in_its_dossier_section(wf: fq.Workflow, disputes: Disputes) -> None:
    item = fq.DossierItem(kind=fq.DossierKind.ANTI_FRAUD, title="反诈宣传单")
    d = wf.attach(disputes.graded(), item, actor=OFFICER)
    assert d.dossier == (item,)
    assert d.sections() == {fq.DossierSection.PUBLICITY}
    assert d.has_document(fq.DossierKind.ANTI_DRUG, fq.DossierKind.ANTI_FRAUD)
    assert not d.has_document(fq.DossierKind.ANTI_DRUG)


def test_note_records_the_text_and_keeps_the_state(wf: fq.Workflow, disputes: Disputes) -> None:
    d = wf.note(disputes.graded(), "当事人要求书面答复", actor=OFFICER)
    event = d.history[-1]
    assert isinstance(event, fq.Noted)
    assert event.payload.text == "当事人要求书面答复"
    assert d.state is S.GRADED


def test_an_empty_note_is_refused(wf: fq.Workflow, disputes: Disputes) -> None:
    with pytest.raises(fq.ValidationError) as info:
        wf.note(disputes.graded(), " ", actor=OFFICER)
    assert info.value.path == "note.text"


# -- events, versions, replay --------------------------------------------------------------
def test_every_event_carries_the_dispute_id_the_actor_and_the_clock_time(
    wf: fq.Workflow, disputes: Disputes, clock: fq.FixedClock
) -> None:
    d = disputes.graded()
    at = clock.advance(hours=5)
    d = wf.mediate(d, actor="community_officer:li")
    event = d.history[-1]
    assert event.dispute_id == d.id
    assert event.actor == fq.Actor.parse("community_officer:li")
    assert event.at == at
    assert d.updated_at == at


def test_every_event_of_a_history_belongs_to_its_dispute(disputes: Disputes) -> None:
    d = disputes.closed()
    assert {e.dispute_id for e in d.history} == {d.id}
    assert [e.at for e in d.history] == sorted(e.at for e in d.history)


def test_the_version_counts_the_events(wf: fq.Workflow, disputes: Disputes) -> None:
    d = disputes.discovered()
    assert d.version == 1
    d = wf.grade(d, actor=OFFICER)
    d = wf.note(d, "备注", actor=OFFICER)
    d = wf.mediate(d, actor=OFFICER)
    assert d.version == 4 == len(d.history)


def test_workflow_replay_gives_back_the_same_dispute(wf: fq.Workflow, disputes: Disputes) -> None:
    d = disputes.closed()
    assert wf.replay(d.history) == d


def test_replay_with_a_policy_refuses_a_transition_its_graph_does_not_allow(disputes: Disputes) -> None:
    discovered = disputes.discovered()
    resolved = attrs.evolve(disputes.follow_up().history[-1], dispute_id=discovered.id)
    history = (*discovered.history, resolved)
    assert fq.replay(history).state is S.FOLLOW_UP  # the bare fold does not consult a graph
    with pytest.raises(fq.ValidationError) as info:
        fq.replay(history, policy="baseline")
    assert info.value.path == "history[1]"
    assert "resolve" in info.value.message


def test_replay_with_a_policy_object_accepts_a_valid_history(disputes: Disputes) -> None:
    d = disputes.closed()
    assert fq.replay(d.history, policy=fq.policies.get("baseline")) == d


# -- diagram -------------------------------------------------------------------------------
def test_the_diagram_is_labelled_in_chinese(wf: fq.Workflow) -> None:
    text = wf.diagram(lang="zh")
    assert "stateDiagram-v2" in text
    assert '"调解中" as mediating' in text
    assert "follow_up --> closed: 销号" in text


def test_the_diagram_is_labelled_in_english(wf: fq.Workflow) -> None:
    text = wf.diagram(lang="en")
    assert '"escalated to a formal case" as escalated' in text
    assert "follow_up --> closed: close" in text
    assert "销号" not in text


def test_the_diagram_draws_every_state_change_and_leaves_out_internal_triggers(wf: fq.Workflow) -> None:
    arrows = [line.strip() for line in wf.diagram().splitlines() if " --> " in line and "[*]" not in line]
    pairs = {tuple(arrow.split(":")[0].split(" --> ")) for arrow in arrows}
    assert len(arrows) == 13
    assert all(source != dest for source, dest in pairs)
    assert ("referred", "follow_up") in pairs


def test_the_diagram_highlights_the_state_of_a_dispute(wf: fq.Workflow, disputes: Disputes) -> None:
    text = wf.diagram(dispute=disputes.follow_up())
    assert "class follow_up s_active" in text
    assert "class discovered s_default" in text


# -- policies the workflow is given ----------------------------------------------------------
def test_a_workflow_names_its_policy(wf: fq.Workflow) -> None:
    assert wf.policy.name == "baseline"
    assert "baseline" in repr(wf)


def test_an_unknown_policy_name_is_a_validation_error() -> None:
    with pytest.raises(fq.ValidationError) as info:
        fq.Workflow("atlantis")
    assert info.value.path == "policy"
    assert "baseline" in info.value.message


def test_something_that_is_not_a_policy_is_refused() -> None:
    not_a_policy: Any = 42
    with pytest.raises(fq.ValidationError) as info:
        fq.Workflow(not_a_policy)
    assert info.value.path == "policy"


def test_a_policy_class_in_place_of_a_policy_is_refused() -> None:
    with pytest.raises(fq.ValidationError) as info:
        fq.Workflow(Baseline)  # type: ignore[arg-type]
    assert info.value.path == "policy"
    assert "Baseline" in info.value.message


class Colours(fq.BasePolicy):
    name = "test-colours"
    grades = ("red", "yellow", "blue")

    def grade(self, dispute: fq.Dispute, assessment: fq.Assessment, at: datetime) -> fq.Grading:
        return fq.Grading(grade="purple", rule="colours.oops", route=self.route(dispute, assessment))


def test_a_policy_grading_outside_its_own_grades_is_a_definition_error(clock: fq.FixedClock) -> None:
    wf = fq.Workflow(Colours(), clock=clock)
    d = wf.discover(channel="walk_in", category="trade", summary="退货纠纷", actor=OFFICER)
    with pytest.raises(fq.PolicyDefinitionError, match="purple"):
        wf.grade(d, actor=OFFICER)


def test_base_policy_grades_everything_lowest_and_lets_anyone_act(clock: fq.FixedClock) -> None:
    class Plain(fq.BasePolicy):
        name = "test-plain"

    wf = fq.Workflow(Plain(), clock=clock)
    d = wf.discover(channel="walk_in", category="trade", summary="退货纠纷", actor="mediator:li")
    d = wf.grade(d, actor="mediator:li", risk_factors=["weapon"])
    assert (d.grade, d.grade_rule) == ("low", "test-plain.default")
    assert wf.check(d, T.CLOSE, actor="mediator:li").codes == ("graph.not-allowed",)


class SameDay(fq.BasePolicy):
    """Non-case alerts are closed the same day (当日销号); the follow-up needs a result report."""

    name = "test-same-day"

    def deadlines(self, dispute: fq.Dispute) -> Iterable[fq.Deadline]:
        closed = next((e.at for e in dispute.history if isinstance(e, fq.Closed)), None)
        yield fq.Deadline(
            "same-day.close",
            "当日销号",
            "close the same day",
            due=dispute.discovered_at + timedelta(hours=24),
            met_at=closed,
        )

    def dossier_requirements(self, dispute: fq.Dispute) -> Iterable[fq.DossierRequirement]:
        if dispute.state is S.FOLLOW_UP:
            yield fq.DossierRequirement(
                "same-day.result",
                fq.DossierSection.RESULT,
                frozenset({fq.DossierKind.RESULT_REPORT, fq.DossierKind.MEDIATION_AGREEMENT}),
                "须归档处理结果",
                "file the result",
            )


@pytest.fixture
def same_day(clock: fq.FixedClock) -> fq.Workflow:
    return fq.Workflow(SameDay(), clock=clock)


def open_dispute(wf: fq.Workflow) -> fq.Dispute:
    return wf.discover(channel="alarm_110", category="neighbour", summary="噪音扰民", actor=OFFICER)


def test_a_deadline_is_pending_before_it_is_due(same_day: fq.Workflow, clock: fq.FixedClock) -> None:
    d = open_dispute(same_day)
    clock.advance(hours=23)
    (check,) = same_day.deadlines(d)
    assert check.status is fq.DeadlineStatus.PENDING
    assert check.at == clock.now()
    assert check.deadline.message("zh") == "当日销号"


def test_a_deadline_is_overdue_once_it_has_passed(same_day: fq.Workflow, clock: fq.FixedClock) -> None:
    d = open_dispute(same_day)
    clock.advance(hours=25)
    assert [c.status for c in same_day.deadlines(d)] == [fq.DeadlineStatus.OVERDUE]


def test_a_deadline_can_be_asked_about_at_a_given_time(same_day: fq.Workflow) -> None:
    d = open_dispute(same_day)
    (check,) = same_day.deadlines(d, at=START + timedelta(days=2))
    assert check.status is fq.DeadlineStatus.OVERDUE


def test_a_naive_time_for_deadlines_is_refused(same_day: fq.Workflow) -> None:
    with pytest.raises(fq.ValidationError) as info:
        same_day.deadlines(open_dispute(same_day), at=datetime(2024, 2, 1))
    assert info.value.path == "at"


def test_a_deadline_met_in_time_is_met_and_one_met_late_is_late() -> None:
    due = START + timedelta(hours=24)
    on_time = fq.Deadline("d", "z", "e", due=due, met_at=due)
    late = fq.Deadline("d", "z", "e", due=due, met_at=due + timedelta(seconds=1))
    later = due + timedelta(days=3)
    assert on_time.status(later) is fq.DeadlineStatus.MET
    assert late.status(later) is fq.DeadlineStatus.LATE


def test_dossier_gaps_lists_requirements_until_they_are_met(same_day: fq.Workflow) -> None:
    d = same_day.grade(open_dispute(same_day), actor=OFFICER)
    d = same_day.resolve(same_day.mediate(d, actor=OFFICER), actor=OFFICER)
    assert [r.code for r in same_day.dossier_gaps(d)] == ["same-day.result"]
    report = fq.DossierItem(kind=fq.DossierKind.RESULT_REPORT)
    assert same_day.dossier_gaps(same_day.attach(d, report, actor=OFFICER)) == ()


def test_baseline_declares_no_deadlines_and_no_dossier_requirements(wf: fq.Workflow, disputes: Disputes) -> None:
    d = disputes.follow_up()
    assert wf.deadlines(d) == ()
    assert wf.dossier_gaps(d) == ()
