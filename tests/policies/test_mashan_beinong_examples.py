"""Worked examples of the Mashan "贝侬" policy, told as stories (see docs/policies/mashan_beinong.md)."""

from __future__ import annotations

from datetime import datetime

import fengqiao as fq
from fengqiao.policies.mashan_beinong import Level, MashanBeinong
from tests.stages import SHANGHAI

K, F, S = fq.DossierKind, fq.MediationForce, fq.State
JUDGE = "court_officer:干警04"
BEINONG = "mediator:韦氏家族贝侬1"


def doc(kind: fq.DossierKind, title: str) -> fq.DossierItem:
    return fq.DossierItem(kind=kind, title=title)


def test_granny_hu_withdraws_her_elder_support_suit_on_the_spot() -> None:
    """胡阿婆: the report's own story, from the suit to its withdrawal."""
    clock = fq.FixedClock(datetime(2024, 5, 6, 9, 0, tzinfo=SHANGHAI))
    wf = fq.Workflow(MashanBeinong(), clock=clock, ids=lambda: "MS-2024-0506-01")

    # The suit is filed: over ninety and bedridden, she sues a son who will not support her.
    d = wf.discover(
        channel=fq.Channel.FILED_SUIT,
        category=fq.Category.ELDER_SUPPORT,
        summary="年逾九旬的胡阿婆常年卧病在床，诉其子不履行赡养义务",
        parties=[
            fq.Party(name="胡阿婆", role=fq.PartyRole.COMPLAINANT),
            fq.Party(name="韦某甲", role=fq.PartyRole.RESPONDENT),
            fq.Party(name="韦某乙", role=fq.PartyRole.RELATIVE),
        ],
        station="古零镇甲村",
        actor=JUDGE,
    )
    d = wf.grade(d, actor=JUDGE, risk_factors=[fq.RiskFactor.VULNERABLE_PARTY])
    assert (d.grade, d.route) == ("ordinary", fq.Route.MEDIATE)

    # The judge who takes the case must be one linked to her village.
    refused = wf.check(d, "assign", actor=JUDGE, person="干警01", role=fq.Role.COURT_OFFICER)
    assert refused.codes == ("mashan.assign.outside-villages",)
    d = wf.assign(d, actor=JUDGE, person="干警04", role=fq.Role.COURT_OFFICER)

    # No mediation before the people and property are found (查人找物).
    assert (
        "mashan.mediate.people-and-property-not-found"
        in wf.check(d, "mediate", actor=JUDGE, mediator="韦氏家族贝侬1").codes
    )
    clock.advance(days=2)
    d = wf.attach(d, doc(K.SEARCH_RECORD, "走访村屯：儿子不照顾胡阿婆，源于兄弟间有矛盾"), actor=JUDGE)

    # A family matter among the 韦 brothers is the 韦 clan's: the village's 贝侬 may not take it.
    village = wf.check(d, "mediate", actor=JUDGE, mediator="古零镇甲村贝侬1")
    assert village.codes == ("mashan.mediate.clan-beinong-needed",)
    d = wf.mediate(d, actor=JUDGE, mediator="韦氏家族贝侬1", forces=[F.COURT, F.BEINONG])

    # A suit ends by withdrawal only on an agreement.
    assert wf.check(d, "withdraw", actor=JUDGE).codes == ("mashan.withdraw.not-settled",)
    clock.advance(hours=3)
    d = wf.record_attempt(
        d, actor=BEINONG, outcome=fq.Outcome.AGREEMENT, forces=[F.COURT, F.BEINONG], summary="释法明理，一家人冰释前嫌"
    )
    assert wf.check(d, "withdraw", actor=BEINONG).codes == ("auth.role-required",)  # the court records it
    d = wf.fire(d, "withdraw", actor=JUDGE, note="胡阿婆当场撤诉")
    assert d.state == "withdrawn"
    assert wf.graph.is_terminal(d.state)
    assert fq.replay(d.history, policy=MashanBeinong()) == d

    figures = wf.policy.metrics([d])
    assert (figures["resolved"], figures["withdrawn"], figures["resolved_at_station"]) == (1, 1, 1)


def test_a_forest_boundary_quarrel_goes_to_the_centre_and_its_agreement_is_confirmed() -> None:
    """A potentially major dispute: reported, a joint session, an agreement confirmed, performed, closed."""
    clock = fq.FixedClock(datetime(2024, 7, 1, 8, 30, tzinfo=SHANGHAI))
    policy = MashanBeinong()
    wf = fq.Workflow(policy, clock=clock, ids=lambda: "MS-2024-0701-01")
    officer, pro = "court_officer:蒋某", "mediator:专业贝侬01"

    d = wf.discover(
        channel=fq.Channel.GRID_WORKER,
        category=fq.Category.FOREST_LAND,
        summary="两屯村民争山林界址，扬言上山砍树",
        parties=[fq.Party(name="蓝某"), fq.Party(name="黄某")],
        station="林圩镇高德村",
        actor="mediator:林圩镇高德村贝侬1",
    )
    d = wf.grade(d, actor=officer, risk_factors=[fq.RiskFactor.THREAT, fq.RiskFactor.GROUP])
    assert d.grade == "major"
    (due,) = wf.deadlines(d)
    assert due.deadline.code == "mashan.report_to_centre.due"
    assert due.status is fq.DeadlineStatus.PENDING

    # Reported straight to the centre with what was found; no ending before the joint session.
    clock.advance(hours=4)
    d = wf.fire(d, "report_to_centre", actor=officer, documents=[doc(K.SEARCH_RECORD, "查明争议山场四至及当事人")])
    assert d.state is S.MEDIATING
    assert policy.trail(d).level is Level.CENTRE
    assert wf.check(d, "resolve", actor=officer).codes == ("mashan.resolve.joint-session-missing",)

    joint = sorted(policy.joint_forces | {F.BEINONG})
    d = wf.assign(d, actor=officer, person="专业贝侬01", role=fq.Role.MEDIATOR)
    clock.advance(days=1)
    d = wf.record_attempt(d, actor=pro, outcome=fq.Outcome.AGREEMENT, forces=joint, summary="联席解纷，划定界址")
    assert wf.check(d, "request_confirmation", actor=officer).allowed

    # Confirmation is refused without the signed agreement on file.
    d = wf.fire(d, "request_confirmation", actor=officer)
    assert d.state == "awaiting_confirmation"
    ruling = doc(K.COURT_CONFIRMATION, "（2024）桂0127民特1号")
    assert wf.check(d, "confirm", actor=officer, documents=[ruling]).codes == ("mashan.confirm.no-signed-agreement",)
    d = wf.attach(d, doc(K.MEDIATION_AGREEMENT, "山林界址调解协议书（双方签字）"), actor=pro)
    clock.advance(days=5)
    d = wf.fire(d, "confirm", actor=officer, documents=[ruling])
    assert d.state == "confirmed"
    assert [c.status for c in wf.deadlines(d)] == [fq.DeadlineStatus.MET, fq.DeadlineStatus.MET]

    # The 贝侬 sees it performed; only then may it close.
    d = wf.fire(d, "track_performance", actor=pro)
    assert wf.check(d, "close", actor=officer).codes == ("mashan.close.not-performed",)
    clock.advance(days=30)
    d = wf.attach(d, doc(K.PERFORMANCE_RECORD, "双方按协议栽桩立界"), actor=pro)
    d = wf.close(d, actor=officer)
    assert d.state is S.CLOSED

    figures = wf.policy.metrics([d])
    assert (figures["confirmed"], figures["resolved_at_centre"], figures["joint_sessions"]) == (1, 1, 1)
