"""The rules of ``shanxi-fengqiao-station``: 两队一室 duties, case-type matters, the Zhao Shuli method, figures."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

import fengqiao as fq
from fengqiao.cli import app
from fengqiao.policies.shanxi_fengqiao_station import (
    DEFAULT_DUTIES,
    LOCAL_METHODS,
    MEDIATION_ROOMS,
    REPORTED,
    STEPS,
    ShanxiFengqiaoStation,
    count_disputes,
)
from tests.stages import START

S, T, K = fq.State, fq.Trigger, fq.DossierKind
ROOM, TEAM, CASES = "command_room:han", "community_team:guo", "case_team:li"
GRID, OFFICER = "grid_worker:wang", "officer:xiao"
EDUCATION = fq.DossierItem(kind=K.LEGAL_EDUCATION, title="典型案例教育")
SURVEY = fq.DossierItem(kind=K.SITE_SURVEY, title="会同相关部门现场勘查")
SETTLEMENT = fq.DossierItem(kind=K.SETTLEMENT_RECORD, title="赔偿结算")


class Station:
    """Shanxi disputes at each stage, each step done by the team whose work it is."""

    def __init__(self, policy: ShanxiFengqiaoStation | None = None) -> None:
        self.clock = fq.FixedClock(START)
        ids = itertools.count(1)
        self.wf = fq.Workflow(policy or ShanxiFengqiaoStation(), clock=self.clock, ids=lambda: f"SX{next(ids)}")

    def discovered(self, category: fq.Category = fq.Category.NEIGHBOUR) -> fq.Dispute:
        return self.wf.discover(channel="alarm_110", category=category, summary="邻里纠纷", actor=ROOM)

    def graded(self, category: fq.Category = fq.Category.NEIGHBOUR, **assessment: Any) -> fq.Dispute:
        d = self.discovered(category)
        self.clock.advance(hours=1)
        return self.wf.grade(d, actor=ROOM, **assessment)

    def mediating(self, *documents: fq.DossierItem, **assessment: Any) -> fq.Dispute:
        d = self.graded(**assessment)
        self.clock.advance(hours=1)
        return self.wf.mediate(d, actor=TEAM, forces=["police_office"], documents=documents)

    def resolved(self) -> fq.Dispute:
        d = self.mediating(EDUCATION, SURVEY)
        self.clock.advance(days=1)
        return self.wf.resolve(self.wf.record_attempt(d, actor=TEAM, outcome="agreement"), actor=TEAM)


@pytest.fixture
def station() -> Station:
    return Station()


def test_the_policy_is_registered_under_the_issues_name() -> None:
    assert isinstance(fq.policies.get("shanxi-fengqiao-station"), ShanxiFengqiaoStation)
    assert "shanxi-fengqiao-station" in fq.policies.names()


# -- 两队一室 ---------------------------------------------------------------------------------
def test_each_trigger_names_the_team_whose_work_it_is() -> None:
    room, team, cases = fq.Role.COMMAND_ROOM, fq.Role.COMMUNITY_TEAM, fq.Role.CASE_TEAM
    p = ShanxiFengqiaoStation()
    for trigger in (T.GRADE, T.REGRADE, T.ASSIGN, T.LINK_ALERT, T.MERGE, T.REFER, T.CLOSE):
        assert p.required_roles(trigger) == frozenset({room}), trigger
    for trigger in (T.MEDIATE, T.RECORD_ATTEMPT, T.REOPEN):
        assert p.required_roles(trigger) == frozenset({team, fq.Role.COMMUNITY_OFFICER}), trigger
    assert p.required_roles(T.ESCALATE) == frozenset({cases})
    assert p.required_roles(T.RECORD_VISIT) == frozenset({team, fq.Role.COMMUNITY_OFFICER, fq.Role.GRID_WORKER})
    assert p.required_roles(T.ATTACH) is None
    assert p.required_roles(T.NOTE) is None
    assert cases not in p.required_roles("discover")  # type: ignore[operator]


@pytest.mark.parametrize(
    ("stage", "trigger", "wrong", "right"),
    [
        ("discovered", T.GRADE, TEAM, ROOM),
        ("discovered", T.MERGE, TEAM, ROOM),
        ("graded", T.MEDIATE, ROOM, TEAM),
        ("graded", T.REFER, TEAM, ROOM),
        ("graded", T.ESCALATE, ROOM, CASES),
        ("graded", T.ASSIGN, CASES, ROOM),
        ("resolved", T.RECORD_VISIT, CASES, GRID),
        ("resolved", T.REOPEN, ROOM, TEAM),
    ],
)
def test_a_trigger_done_by_the_wrong_team_is_refused_and_by_the_right_one_is_not(
    station: Station, stage: str, trigger: fq.Trigger, wrong: str, right: str
) -> None:
    d = getattr(station, stage)()
    payloads: dict[fq.Trigger, dict[str, Any]] = {
        T.MERGE: {"into": "SX99"},
        T.MEDIATE: {"forces": ["police_office"]},
        T.REFER: {"department": "justice_office"},
        T.ASSIGN: {"person": "郭凯", "role": "community_team"},
        T.RECORD_VISIT: {"kind": "phone"},
    }
    payload = payloads.get(trigger, {})
    refused = station.wf.check(d, trigger, actor=wrong, **payload)
    assert refused.codes == ("auth.role-required",)
    assert refused.refusals[0].message("en").startswith(f"{wrong} may not {trigger}")
    assert station.wf.check(d, trigger, actor=right, **payload).allowed
    assert trigger not in station.wf.triggers(d, actor=wrong)


def test_the_case_team_may_not_open_a_dispute_but_the_command_room_and_grid_workers_may(station: Station) -> None:
    with pytest.raises(fq.TransitionRefused) as refused:
        station.wf.discover(channel="walk_in", category="debt", summary="借款纠纷", actor=CASES)
    assert [r.code for r in refused.value.refusals] == ["auth.role-required"]
    for who in (ROOM, TEAM, GRID, OFFICER):
        assert (
            station.wf.discover(channel="walk_in", category="debt", summary="借款纠纷", actor=who).state is S.DISCOVERED
        )


def test_a_case_type_matter_is_not_mediated_or_referred_but_escalated_by_the_case_team(station: Station) -> None:
    d = station.graded(meets_case_threshold=True)
    assert d.grade == "case"
    assert station.wf.check(d, "mediate", actor=TEAM).codes == ("shanxi.mediate.case-type",)
    assert station.wf.check(d, "refer", actor=ROOM, department="court").codes == ("shanxi.refer.case-type",)
    assert T.MEDIATE not in station.wf.triggers(d)
    assert station.wf.escalate(d, actor=CASES, case_kind="criminal").state is S.ESCALATED


def test_the_command_room_grades_key_disputes_by_severe_factors_and_repeated_alerts(station: Station) -> None:
    assert station.graded(risk_factors=["weapon"]).grade == "key"
    assert station.graded(risk_factors=["alcohol"]).grade == "general"
    d = station.discovered()
    for _ in range(2):
        d = station.wf.link_alert(d, actor=ROOM, alert=fq.Alert(channel="alarm_110", received_at=START))
    assert station.wf.grade(d, actor=ROOM).grade_rule == "shanxi.key.repeated-alerts"


# -- the Zhao Shuli method ------------------------------------------------------------------
@pytest.mark.parametrize("outcome", ["agreement", "partial"])
def test_no_agreement_is_recorded_before_the_survey(station: Station, outcome: str) -> None:
    d = station.mediating(EDUCATION)
    codes = station.wf.check(d, "record_attempt", actor=TEAM, outcome=outcome).codes
    assert codes == ("shanxi.record_attempt.survey-missing",)
    assert station.wf.check(d, "record_attempt", actor=TEAM, outcome="failed").allowed
    d = station.wf.attach(d, SURVEY, actor=TEAM)
    assert station.wf.check(d, "record_attempt", actor=TEAM, outcome=outcome).allowed


def test_resolve_waits_for_the_survey_and_is_not_listed_before_it(station: Station) -> None:
    d = station.mediating()
    refused = station.wf.check(d, "resolve", actor=TEAM, documents=[SETTLEMENT])
    assert refused.codes == ("shanxi.resolve.survey-missing",)
    assert "先把脉、后治病" in refused.refusals[0].message("zh")
    assert T.RESOLVE not in station.wf.triggers(d)
    d = station.wf.attach(station.wf.attach(d, EDUCATION, actor=TEAM), SURVEY, actor=TEAM)
    assert T.RESOLVE in station.wf.triggers(d)


def test_a_survey_record_before_the_education_record_is_refused_wherever_it_is_filed(station: Station) -> None:
    d = station.mediating()
    assert station.wf.check(d, "attach", actor=TEAM, item=SURVEY).codes == ("shanxi.attach.education-missing",)
    d2 = station.graded()
    assert station.wf.check(d2, "mediate", actor=TEAM, documents=[SURVEY]).codes == (
        "shanxi.mediate.education-missing",
    )
    assert station.wf.check(d2, "mediate", actor=TEAM, documents=[EDUCATION, SURVEY, SETTLEMENT]).allowed
    assert station.wf.check(d2, "mediate", actor=TEAM, documents=[SURVEY, EDUCATION]).codes == (
        "shanxi.mediate.education-missing",
    )


def test_the_accounts_are_not_settled_before_the_survey(station: Station) -> None:
    d = station.mediating(EDUCATION)
    refused = station.wf.check(d, "attach", actor=TEAM, item=SETTLEMENT)
    assert refused.codes == ("shanxi.attach.survey-missing",)
    assert "no accounts before the survey" in refused.refusals[0].message("en")


def test_close_waits_for_the_settlement_record(station: Station) -> None:
    d = station.resolved()
    refused = station.wf.check(d, "close", actor=ROOM)
    assert refused.codes == ("shanxi.close.settlement-missing",)
    assert "先算账、后了事" in refused.refusals[0].message("zh")
    d = station.wf.attach(d, SETTLEMENT, actor=TEAM)
    assert station.wf.close(d, actor=ROOM).state is S.CLOSED


def test_a_dispute_a_department_settled_closes_without_the_method(station: Station) -> None:
    d = station.graded(police_business=False)
    d = station.wf.refer(d, actor=ROOM, department="justice_office")
    assert list(station.wf.policy.dossier_requirements(d)) == []
    d = station.wf.resolve(d, actor=ROOM, reported_by="justice_office")
    assert station.wf.close(d, actor=ROOM).state is S.CLOSED


def test_a_reopened_dispute_keeps_the_steps_it_has_done(station: Station) -> None:
    d = station.wf.attach(station.resolved(), SETTLEMENT, actor=TEAM)
    d = station.wf.reopen(station.wf.record_visit(d, actor=GRID, kind="phone", holding=False), actor=TEAM)
    assert station.wf.resolve(d, actor=TEAM).state is S.FOLLOW_UP


def test_the_method_applies_only_to_the_configured_categories() -> None:
    station = Station(ShanxiFengqiaoStation(protocol_categories=frozenset({fq.Category.INJURY_COMPENSATION})))
    d = station.mediating()
    assert list(station.wf.policy.dossier_requirements(d)) == []
    d = station.wf.attach(d, SETTLEMENT, actor=TEAM)  # no order to keep outside the method's categories
    d = station.wf.resolve(station.wf.record_attempt(d, actor=TEAM, outcome="agreement"), actor=TEAM)
    assert station.wf.close(d, actor=ROOM).state is S.CLOSED
    assert station.wf.dossier_gaps(station.mediating(category=fq.Category.INJURY_COMPENSATION))


def test_the_three_records_are_listed_while_mediating_and_after_settling(station: Station) -> None:
    assert station.wf.dossier_gaps(station.graded()) == ()
    gaps = station.wf.dossier_gaps(station.mediating())
    assert [g.code for g in gaps] == ["shanxi.dossier.education", "shanxi.dossier.survey", "shanxi.dossier.settlement"]
    assert [g.kinds for g in gaps] == [frozenset({k}) for k in STEPS]
    assert [g.code for g in station.wf.dossier_gaps(station.resolved())] == ["shanxi.dossier.settlement"]


# -- deadlines --------------------------------------------------------------------------------
def test_the_command_room_grades_within_24_hours(station: Station) -> None:
    d = station.discovered()
    (due,) = station.wf.deadlines(d, at=START + timedelta(hours=25))
    assert (due.deadline.code, due.status) == ("shanxi.grade.due", fq.DeadlineStatus.OVERDUE)
    station.clock.advance(hours=25)
    (late,) = station.wf.deadlines(station.wf.grade(d, actor=ROOM))
    assert late.status is fq.DeadlineStatus.LATE
    merged = station.wf.merge(station.discovered(), actor=ROOM, into="SX1")
    assert station.wf.deadlines(merged) == ()


def test_the_survey_is_due_within_seven_days_of_mediation(station: Station) -> None:
    d = station.mediating(EDUCATION)
    started = d.history[-1].at
    _, survey = station.wf.deadlines(d, at=started + timedelta(days=7, seconds=1))
    assert (survey.deadline.code, survey.status) == ("shanxi.survey.due", fq.DeadlineStatus.OVERDUE)
    assert "7 days" in survey.deadline.message("en")
    station.clock.advance(days=3)
    _, survey = station.wf.deadlines(station.wf.attach(d, SURVEY, actor=TEAM))
    assert survey.status is fq.DeadlineStatus.MET
    referred = station.wf.refer(d, actor=ROOM, department="court")
    assert [c.deadline.code for c in station.wf.deadlines(referred)] == ["shanxi.grade.due"]


def test_the_periods_are_configurable_and_must_be_positive() -> None:
    policy = ShanxiFengqiaoStation(grade_within=timedelta(hours=12), survey_within=timedelta(hours=36))
    station = Station(policy)
    grade, survey = station.wf.deadlines(station.mediating(EDUCATION))
    assert "12 hours" in grade.deadline.message("en")
    assert "1.5日" in survey.deadline.message("zh")
    with pytest.raises(fq.PolicyDefinitionError, match="grade_within must be positive"):
        ShanxiFengqiaoStation(grade_within=timedelta(0))


# -- figures and data -------------------------------------------------------------------------
def test_the_figures_count_screened_disputes_without_cases_and_duplicates(station: Station) -> None:
    done = station.wf.attach(station.resolved(), SETTLEMENT, actor=TEAM)
    half = station.mediating(EDUCATION)
    half = station.wf.resolve(station.wf.attach(half, SURVEY, actor=TEAM), actor=TEAM)
    handed = station.wf.refer(station.graded(police_business=False), actor=ROOM, department="court")
    case = station.wf.escalate(station.graded(meets_case_threshold=True), actor=CASES)
    merged = station.wf.merge(station.discovered(), actor=ROOM, into="SX1")
    figures = count_disputes([done, half, handed, case, merged, station.discovered()])
    assert {k: figures[k] for k in ("screened", "resolved", "handed_over", "open", "escalated", "merged")} == {
        "screened": 4,
        "resolved": 2,
        "handed_over": 1,
        "open": 1,
        "escalated": 1,
        "merged": 1,
    }
    assert figures["zhao_shuli"] == 1
    assert (figures["resolution_rate"], figures["resolution_rate_percent"]) == (0.5, 50.0)
    assert ShanxiFengqiaoStation().metrics([]) == {
        **dict.fromkeys(figures, 0),
        "resolution_rate": 0.0,
        "resolution_rate_percent": 0.0,
    }


def test_the_reported_figures_keep_the_province_apart_from_the_two_teams_stations() -> None:
    assert REPORTED["stations"] == 1400
    assert REPORTED["two_teams_one_room_stations"] == 172
    assert REPORTED["disputes_three_years"] == 400_000
    assert REPORTED["success_rate_percent_above"] == 90


def test_the_other_named_methods_and_rooms_are_data_in_the_reports_order() -> None:
    assert [m.name_zh for m in LOCAL_METHODS][:2] == ["快速调、圆桌调、一站调", "三调"]
    assert [r.name_zh for r in MEDIATION_ROOMS] == ["林三调解室", "老李调解室", "李洪仲调解室", "建华调解室"]
    assert MEDIATION_ROOMS[0].label("zh") == "朔州“林三调解室”"
    assert LOCAL_METHODS[1].label() == "the three mediations (Xinyi station, Xiaoyi)"


def test_the_default_duties_cover_every_trigger_but_the_bookkeeping_ones() -> None:
    listed = set(DEFAULT_DUTIES) - {"discover"}
    assert {str(t) for t in T} - listed == {"attach", "note"}


def test_the_cli_lists_the_policy_and_draws_it_in_chinese() -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["policies"], env={"COLUMNS": "200"})
    assert "shanxi-fengqiao-station" in listed.output
    assert "case, key, general" in listed.output
    drawn = runner.invoke(app, ["diagram", "--policy", "shanxi-fengqiao-station", "--lang", "zh"])
    assert drawn.exit_code == 0, drawn.output
    assert "title: fengqiao · shanxi-fengqiao-station" in drawn.output
    assert "follow_up --> closed: 销号" in drawn.output
