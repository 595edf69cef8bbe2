"""The worked example of the Yuncheng city policy (docs/policies/yuncheng_city.md).

The report gives no case, so the example is built from its words: a public-order dispute at
平陆县公安局张店派出所 mediated in "老李调解室" with a lawyer in the station (律师进所), and one
the station could not settle, handed to the township's dispute-resolution centre under the
police–mediation docking (警调对接) and settled there.
"""

from __future__ import annotations

from datetime import datetime

import fengqiao as fq
from fengqiao.policies import CHINA_TZ, DeadlineStatus

K, F = fq.DossierKind, fq.MediationForce
OFFICER = "community_officer:zhangdian-li"


def doc(kind: fq.DossierKind, title: str) -> fq.DossierItem:
    return fq.DossierItem(kind=kind, title=title)


def test_a_lane_quarrel_in_the_old_li_room_and_a_wall_settled_by_the_township_centre() -> None:
    clock = fq.FixedClock(datetime(2024, 6, 3, 9, tzinfo=CHINA_TZ))
    wf = fq.Workflow("yuncheng-city", clock=clock)

    # A 110 call: two neighbours in Zhangdian came to blows over the lane between their houses.
    lane = wf.discover(
        channel=fq.Channel.ALARM_110,
        category=fq.Category.BOUNDARY_DRAINAGE,
        summary="张某与邻居王某因门前巷道通行发生推搡，双方互不相让",
        parties=[fq.Party(name="张某"), fq.Party(name="王某")],
        station="张店派出所",
        actor=OFFICER,
    )
    lane = wf.grade(lane, actor=OFFICER, complex=True, risk_factors=[fq.RiskFactor.VIOLENCE])
    assert lane.grade == "red"

    # The station's police and the grid worker alone: the city wants a joint kind or a room.
    plain = {"forces": [F.POLICE_OFFICE, F.VILLAGE_GRID], "documents": [doc(K.JOINT_HANDLING_NOTICE, "联调联处通知单")]}
    assert wf.check(lane, "mediate", actor=OFFICER, **plain).codes == ("yuncheng.mediate.joint-kind-missing",)
    # A room that does not exist is refused, naming the ones that do.
    wrong = {**plain, "forces": [F.POLICE_OFFICE, F.RETIRED_OFFICER], "mediator": "老张调解室"}
    assert wf.check(lane, "mediate", actor=OFFICER, **wrong).codes == ("yuncheng.mediate.room-unknown",)

    # 老李调解室: a retired officer mediates with the station's police and a lawyer (律师进所).
    lane = wf.mediate(
        lane,
        actor=OFFICER,
        forces=[F.POLICE_OFFICE, F.RETIRED_OFFICER, F.LAWYER],
        mediator="老李调解室",
        documents=[doc(K.JOINT_HANDLING_NOTICE, "联调联处通知单")],
    )
    clock.advance(hours=3)
    lane = wf.record_attempt(lane, actor=OFFICER, outcome="agreement", summary="律师释明相邻通行权，双方各退半米")
    lane = wf.resolve(lane, actor=OFFICER, documents=[doc(K.MEDIATION_AGREEMENT, "巷道通行调解协议书")])
    assert lane.state is fq.State.FOLLOW_UP

    # A wall: mediation at the station fails, and from March 2024 police business goes to a centre.
    clock.set(datetime(2024, 6, 10, 10, tzinfo=CHINA_TZ))
    wall = wf.discover(
        channel=fq.Channel.GRID_WORKER,
        category=fq.Category.NEIGHBOUR,
        summary="李某加高院墙挡住赵某家采光",
        parties=[fq.Party(name="李某"), fq.Party(name="赵某")],
        station="张店派出所",
        actor=OFFICER,
    )
    wall = wf.mediate(wf.grade(wall, actor=OFFICER), actor=OFFICER, forces=[F.POLICE_OFFICE])
    wall = wf.record_attempt(wall, actor=OFFICER, outcome="failed")
    notice = doc(K.POLICE_MEDIATION_NOTICE, "公调对接通知单")
    codes = wf.check(wall, "refer", actor=OFFICER, department="justice_office", documents=[notice]).codes
    assert codes == ("yuncheng.refer.centre-missing",)
    wall = wf.refer(wall, actor=OFFICER, department="township_centre", reason="警调对接", documents=[notice])
    (due,) = [c for c in wf.deadlines(wall) if c.deadline.code == "yuncheng.centre.result-due"]
    assert due.deadline.due == datetime(2024, 6, 26, tzinfo=CHINA_TZ)

    # The centre reports an agreement within its 15 days.
    clock.set(datetime(2024, 6, 21, 16, tzinfo=CHINA_TZ))
    wall = wf.resolve(
        wall,
        actor=OFFICER,
        reported_by="township_centre",
        summary="乡镇矛调中心组织人民调解，李某降低院墙",
        documents=[doc(K.RESULT_REPORT, "乡镇矛调中心调处结果")],
    )
    (due,) = [c for c in wf.deadlines(wall) if c.deadline.code == "yuncheng.centre.result-due"]
    assert due.status is DeadlineStatus.MET

    figures = wf.policy.metrics([lane, wall])
    assert (figures["screened"], figures["resolved"], figures["multi_party"]) == (2, 2, 2)
    assert (figures["yuncheng.branded_rooms"], figures["yuncheng.lawyers_in_station"]) == (1, 1)
    assert figures["yuncheng.centre_settled"] == 1
    assert figures["resolution_rate_percent"] == 100.0
