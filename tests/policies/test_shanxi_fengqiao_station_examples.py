"""Worked examples of the Shanxi station policy, as the report tells them (docs/policies/shanxi_fengqiao_station.md)."""

from __future__ import annotations

from datetime import datetime

import fengqiao as fq
from fengqiao.policies.shanxi_fengqiao_station import ShanxiFengqiaoStation
from tests.stages import SHANGHAI

S, K = fq.State, fq.DossierKind
COMMAND_ROOM = "command_room:jiafeng"
GUO = "community_team:guokai"
CASE_TEAM = "case_team:xiangxian"


def doc(kind: fq.DossierKind, title: str) -> fq.DossierItem:
    return fq.DossierItem(kind=kind, title=title)


def test_the_washed_out_grave_beside_the_chicken_farm() -> None:
    clock = fq.FixedClock(datetime(2024, 5, 20, 9, 10, tzinfo=SHANGHAI))
    wf = fq.Workflow(ShanxiFengqiaoStation(), clock=clock, ids=lambda: "SX-JF-2024-01")

    # The command room takes the 110 call (接警): Li has blocked the chicken farm's road.
    d = wf.discover(
        channel=fq.Channel.ALARM_110,
        category=fq.Category.INJURY_COMPENSATION,
        summary="李家祖坟4年前被暴雨冲毁，李某认为养鸡场改变山洪流向所致，索赔被拒后堵了养鸡场出路",
        location="沁水县嘉峰镇张山村",
        parties=[
            fq.Party(name="李某", household="李家"),
            fq.Party(name="养鸡场老板", role=fq.PartyRole.RESPONDENT),
        ],
        risk_factors=[fq.RiskFactor.LONG_STANDING, fq.RiskFactor.EXTREME_EMOTION],
        station="嘉峰派出所",
        actor=COMMAND_ROOM,
    )

    # Grading is the command room's work, not the community team's.
    assert wf.check(d, "grade", actor=GUO).codes == ("auth.role-required",)
    clock.advance(minutes=20)
    d = wf.grade(d, actor=COMMAND_ROOM)
    assert (d.grade, d.route) == ("general", fq.Route.MEDIATE)

    # The command room dispatches it to officer Guo Kai of the community policing team.
    d = wf.assign(d, actor=COMMAND_ROOM, person="郭凯", role=fq.Role.COMMUNITY_TEAM)
    assert wf.check(d, "mediate", actor=COMMAND_ROOM).codes == ("auth.role-required",)
    clock.advance(minutes=40)
    d = wf.mediate(d, actor=GUO, forces=[fq.MediationForce.POLICE_OFFICE], mediator="郭凯")

    # Out of order: no agreement and no survey record before their turn.
    assert wf.check(d, "record_attempt", actor=GUO, outcome="agreement").codes == (
        "shanxi.record_attempt.survey-missing",
    )
    assert wf.check(d, "resolve", actor=GUO).codes == ("shanxi.resolve.survey-missing",)
    survey = doc(K.SITE_SURVEY, "会同相关部门现场实地勘查：墓地被冲与养鸡场修建有一定关系，养鸡场应予赔偿")
    assert wf.check(d, "attach", actor=GUO, item=survey).codes == ("shanxi.attach.education-missing",)

    # (1) 典型案例教育: typical cases from local plays — rights are pursued lawfully.
    d = wf.attach(d, doc(K.LEGAL_EDUCATION, "通过戏剧中的典型案例教育李某，维权必须依法"), actor=GUO)
    # (2) 先把脉、后治病: the survey with the departments concerned finds the farm partly liable.
    clock.advance(days=2)
    d = wf.attach(d, survey, actor=GUO)
    d = wf.record_attempt(d, actor=GUO, outcome="agreement", summary="养鸡场同意赔偿，李某撤除路障")
    d = wf.resolve(d, actor=GUO, documents=[doc(K.MEDIATION_AGREEMENT, "赔偿调解协议书")])
    assert d.state is S.FOLLOW_UP

    # (3) 先算账、后了事: no close before the accounts are settled.
    assert wf.check(d, "close", actor=COMMAND_ROOM).codes == ("shanxi.close.settlement-missing",)
    clock.advance(days=5)
    d = wf.attach(d, doc(K.SETTLEMENT_RECORD, "赔偿款已结清"), actor=GUO)

    # 11 June: before the flood season Guo Kai checks on Lao Li — "放心吧，现在都好着哩".
    clock.set(datetime(2024, 6, 11, 7, 30, tzinfo=SHANGHAI))
    d = wf.record_visit(d, actor=GUO, kind=fq.VisitKind.ON_SITE, finding="查看防汛情况：放心吧，现在都好着哩")
    d = wf.close(d, actor=COMMAND_ROOM, summary="先算账、后了事，纠纷圆满解决")
    assert d.state is S.CLOSED

    assert [c.status for c in wf.deadlines(d)] == [fq.DeadlineStatus.MET, fq.DeadlineStatus.MET]
    figures = wf.policy.metrics([d])
    assert (figures["resolved"], figures["zhao_shuli"], figures["resolution_rate_percent"]) == (1, 1, 100.0)
    assert fq.replay(d.history, policy=ShanxiFengqiaoStation()) == d


def test_the_e_bike_battery_thefts_pass_from_team_to_room_to_team() -> None:
    clock = fq.FixedClock(datetime(2024, 6, 3, 15, tzinfo=SHANGHAI))
    wf = fq.Workflow(ShanxiFengqiaoStation(), clock=clock, ids=lambda: "SX-XX-2024-07")
    community = "community_team:xiangxian"

    # On a visit a community officer hears that e-bike batteries are being stolen.
    d = wf.discover(
        channel=fq.Channel.HOUSE_VISIT,
        category=fq.Category.OTHER,
        summary="走访中群众反映有人盗窃电动自行车电瓶",
        station="乡贤街派出所",
        actor=community,
    )
    # The case-handling team takes cases, not reports; the command room analyses (研判).
    assert wf.check(d, "grade", actor=CASE_TEAM).codes == ("auth.role-required",)
    clock.advance(hours=1)
    d = wf.grade(d, actor="command_room:xiangxian", meets_case_threshold=True)
    assert (d.grade, d.route) == ("case", fq.Route.ESCALATE)
    assert d.grading is not None
    assert "case_team" in d.grading.flags

    # A case-type matter is not mediated; it is the case-handling team's, not the community team's.
    assert wf.check(d, "mediate", actor=community).codes == ("shanxi.mediate.case-type",)
    assert wf.check(d, "escalate", actor=community).codes == ("auth.role-required",)
    d = wf.assign(d, actor="command_room:xiangxian", person="案件办理队", role=fq.Role.CASE_TEAM)
    d = wf.assign(d, actor="command_room:xiangxian", person="社区警务队", role=fq.Role.COMMUNITY_TEAM)
    d = wf.escalate(
        d, actor=CASE_TEAM, case_kind="criminal", reason="一举破获盗窃电动自行车电瓶案10余起，抓获犯罪嫌疑人3名"
    )
    assert d.state is S.ESCALATED
    assert wf.policy.metrics([d])["escalated"] == 1
