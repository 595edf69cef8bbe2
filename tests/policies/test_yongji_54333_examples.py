"""Worked examples of the Yongji "54333" policy, told as stories (see docs/policies/yongji_54333.md)."""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path

import fengqiao as fq
from fengqiao.policies.yongji_54333 import Yongji54333
from tests.stages import SHANGHAI

S, T, K = fq.State, fq.Trigger, fq.DossierKind
F, V = fq.MediationForce, fq.VisitKind

OFFICER = "community_officer:xiao"
GRID_WORKER = "grid_worker:wang"
DOCS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "policies" / "yongji_54333.md"


def doc(kind: fq.DossierKind, title: str) -> fq.DossierItem:
    return fq.DossierItem(kind=kind, title=title)


def test_the_garage_entrance_dispute_of_31_january_2024() -> None:
    clock = fq.FixedClock(datetime(2024, 1, 31, 8, 40, tzinfo=SHANGHAI))
    wf = fq.Workflow(Yongji54333(), clock=clock, ids=lambda: "YJ-2024-0131-01")

    # 08:40 — a 110 call to the 城东 station: the owner 赵某 has parked across the entrance of the
    # underground garage. In 2017 he bought his space through the work-resumption team (复工组)
    # the government formed to finish this shantytown-renovation estate; the developer refuses
    # him the hand-over slip and demands he top the price up to the market price.
    d = wf.discover(
        channel=fq.Channel.ALARM_110,
        category=fq.Category.PROPERTY_MANAGEMENT,
        summary="业主赵某将车辆停在小区地下车库入口堵门；其2017年通过复工组购买车位，开发商不给开具交接单并要求按市场价补差价",
        location="永济市某小区地下车库入口",
        reporter="小区住户",
        parties=[
            fq.Party(name="赵某", role=fq.PartyRole.PARTY, household="赵某户"),
            fq.Party(name="某房地产开发有限公司", kind=fq.PartyKind.ORGANISATION, role=fq.PartyRole.RESPONDENT),
            fq.Party(name="某物业服务有限公司", kind=fq.PartyKind.ORGANISATION, role=fq.PartyRole.THIRD_PARTY),
        ],
        station="城东派出所",
        actor=OFFICER,
    )
    assert d.state is S.DISCOVERED

    # 09:10 — graded: police business below the case threshold, complex (developer, property
    # company, a 2017 sale by the government-formed 复工组), a long-standing grievance.
    clock.advance(minutes=30)
    d = wf.grade(d, actor=OFFICER, complex=True, risk_factors=[fq.RiskFactor.LONG_STANDING])
    assert (d.grade, d.grade_rule, d.route) == ("yellow", "yongji.yellow.risk-factor", fq.Route.MEDIATE)
    assert d.grading is not None
    assert {"three_platforms", "joint_mediation"} <= d.grading.flags
    assert "focus_area" not in d.grading.flags  # a property dispute is not one of the four focus areas

    # The A volume begins: source and evidence.
    d = wf.attach(d, doc(K.ALERT_RECORD, "110警情记录"), actor=OFFICER)
    d = wf.attach(d, doc(K.INQUIRY_RECORD, "赵某询问笔录"), actor=OFFICER)
    d = wf.attach(d, doc(K.PROPERTY_PROOF, "2017年通过政府组建的复工组购买车位的凭证"), actor=OFFICER)

    # The officer alone may not mediate a complex dispute: it needs 联调联处.
    alone = wf.check(d, T.MEDIATE, actor=OFFICER, forces=[F.POLICE_OFFICE])
    assert alone.codes == ("yongji.mediate.joint-forces-missing", "yongji.mediate.joint-notice-missing")

    # He consults the duty lawyer of the 城东 justice office on the Civil Code, brings in the
    # community staff and the grid worker, and convenes all sides with a joint-handling notice.
    clock.advance(hours=1)
    d = wf.note(d, "咨询城东司法所坐班律师，依据《民法典》分析案情、划分各方责任", actor=OFFICER)
    d = wf.mediate(
        d,
        actor=OFFICER,
        forces=[F.POLICE_OFFICE, F.JUDICIAL_PROFESSIONAL, F.VILLAGE_GRID],
        mediator="民警肖盼、城东司法所坐班律师、社区工作人员、小区网格员",
        documents=[doc(K.JOINT_HANDLING_NOTICE, "联调联处通知单（开发商、物业公司、社区、网格）")],
    )
    assert d.state is S.MEDIATING

    clock.advance(hours=3)
    d = wf.record_attempt(d, actor=OFFICER, outcome=fq.Outcome.AGREEMENT, summary="业主赵某与开发商协商一致")
    d = wf.attach(d, doc(K.MEDIATION_PHOTO, "调解现场照片"), actor=OFFICER)
    d = wf.resolve(
        d,
        actor=OFFICER,
        summary="业主与开发商协商一致，物业公司将业主信息录入门禁系统",
        documents=[
            doc(K.MEDIATION_AGREEMENT, "车位纠纷调解协议书"),
            doc(K.RESULT_REPORT, "物业公司已将赵某信息录入门禁系统"),
        ],
    )
    assert d.state is S.FOLLOW_UP

    # The B volume: the people, and the publicity delivered to them.
    d = wf.attach(d, doc(K.PARTY_INFO, "赵某及开发商、物业公司信息"), actor=OFFICER)
    d = wf.attach(d, doc(K.HOUSEHOLD_INFO, "赵某家庭成员情况"), actor=OFFICER)
    d = wf.attach(d, doc(K.ANTI_FRAUD, "向赵某一家开展反诈宣传"), actor=OFFICER)

    # Follow-up: a phone call and an on-site visit. Not yet closable.
    clock.set(datetime(2024, 2, 2, 10, tzinfo=SHANGHAI))
    d = wf.record_visit(d, actor=GRID_WORKER, kind=V.PHONE, finding="车辆已正常进出")
    clock.set(datetime(2024, 2, 7, 15, tzinfo=SHANGHAI))
    d = wf.record_visit(d, actor=GRID_WORKER, kind=V.ON_SITE, finding="车库入口畅通")
    assert wf.check(d, T.CLOSE, actor=OFFICER).codes == (
        "yongji.close.three-visits-missing",
        "yongji.close.dossier-missing.follow-up",
        "yongji.close.dossier-missing.registration",
    )

    # The public return visit completes the three visits; the follow-up record is filed.
    clock.set(datetime(2024, 2, 20, 16, tzinfo=SHANGHAI))
    d = wf.record_visit(d, actor=GRID_WORKER, kind=V.PUBLIC_RETURN, finding="业主和物业均表示满意")
    d = wf.attach(d, doc(K.FOLLOW_UP_RECORD, "三访记录"), actor=OFFICER)

    # Close is still refused, naming the missing section: the 一标三实 registration.
    refused = wf.check(d, T.CLOSE, actor=OFFICER)
    assert refused.codes == ("yongji.close.dossier-missing.registration",)
    assert "一标三实" in refused.refusals[0].zh
    assert [r.code for r in wf.dossier_gaps(d)] == ["yongji.dossier.registration"]

    d = wf.attach(d, doc(K.STANDARD_ADDRESS, "赵某住址标准地址"), actor=OFFICER)
    d = wf.attach(d, doc(K.REAL_HOUSING, "赵某房屋信息"), actor=OFFICER)
    assert wf.dossier_gaps(d) == ()
    d = wf.close(d, actor=OFFICER, summary="三访完毕，A/B卷齐全，销号")
    assert d.state is S.CLOSED

    # Registered in the bureau's A dossier (矛盾纠纷调解A卷), its B volume beside it.
    volumes = {item.section.volume for item in d.dossier}
    assert volumes == {fq.Volume.A, fq.Volume.B}
    assert (d.station, d.parties[0].name, d.alerts[0].location) == ("城东派出所", "赵某", "永济市某小区地下车库入口")
    figures = wf.policy.metrics([d])
    assert (figures["resolved"], figures["resolved_jointly"], figures["ab_dossiers"]) == (1, 1, 1)
    assert fq.replay(d.history, policy=Yongji54333()) == d


def test_repeated_alerts_about_a_marriage_quarrel_are_linked_and_raise_its_grade() -> None:
    clock = fq.FixedClock(datetime(2024, 3, 4, 21, 15, tzinfo=SHANGHAI))
    counter = itertools.count(1)
    policy = Yongji54333()
    wf = fq.Workflow(policy, clock=clock, ids=lambda: f"YJ-{next(counter):03d}")
    husband = fq.Party(name="刘某", id_number="140881198503041234")
    wife = fq.Party(name="陈某", id_number="140881198707081228")
    quarrel = wf.discover(
        channel=fq.Channel.ALARM_110,
        category=fq.Category.MARRIAGE_FAMILY,
        summary="夫妻因彩礼返还争吵，女方报警",
        parties=[husband, wife],
        location="蒲州镇东街村",
        actor=OFFICER,
    )
    other = wf.discover(
        channel=fq.Channel.GRID_WORKER,
        category=fq.Category.NEIGHBOUR,
        summary="两户因宅基地界墙争执",
        parties=[fq.Party(name="杨某")],
        location="韩阳镇",
        actor=OFFICER,
    )
    quarrel = wf.grade(quarrel, actor=OFFICER)
    assert quarrel.grade == "yellow"

    # Five days later, within the week the party committee reviews (周研判), the wife's mother
    # calls 12345 about the same couple, naming the husband by his full name: the ID number
    # finds the dispute.
    clock.advance(days=5)
    call = fq.Alert(channel=fq.Channel.HOTLINE_12345, received_at=clock.now(), summary="女儿女婿又吵架")
    caller_names = [fq.Party(name="刘建国", id_number="140881198503041234")]
    found = policy.find_duplicate([other, quarrel], alert=call, parties=caller_names)
    assert found is quarrel
    quarrel = wf.regrade(wf.link_alert(quarrel, actor=OFFICER, alert=call), actor=OFFICER, reason="重复警情")
    assert (quarrel.grade, quarrel.grade_rule) == ("orange", "yongji.orange.focus-area-repeated")

    # A third alert, through the online-opinion platform, about the same address: red.
    clock.advance(days=2)
    post = fq.Alert(channel=fq.Channel.ONLINE_OPINION, received_at=clock.now(), location="蒲州镇 东街村")
    assert policy.find_duplicate([other, quarrel], alert=post) is quarrel
    quarrel = wf.regrade(wf.link_alert(quarrel, actor=OFFICER, alert=post), actor=OFFICER)
    assert (quarrel.grade, quarrel.grade_rule) == ("red", "yongji.red.repeated-alerts")
    assert len(quarrel.alerts) == 3
