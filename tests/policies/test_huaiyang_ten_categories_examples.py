"""Worked examples of Huaiyang's "ten categories" policy, told as stories (docs/policies/huaiyang_ten_categories.md)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import fengqiao as fq
from fengqiao.policies.huaiyang_ten_categories import (
    HuaiyangTenCategories,
    RewardRule,
    grade_path,
    informant_reward,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
S, F, V, K = fq.State, fq.MediationForce, fq.VisitKind, fq.DossierKind
OFFICER = "community_officer:liu"
HEAD = "responsible_leader:zhou"
GRID_WORKER = "grid_worker:li"
INFORMANT = "informant:wangdian"
AUXILIARY = "auxiliary_officer:zhou"
DOCS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "policies" / "huaiyang_ten_categories.md"


def test_the_shovel_standoff_over_a_drainage_ditch() -> None:
    clock = fq.FixedClock(datetime(2024, 6, 3, 7, 40, tzinfo=SHANGHAI))
    wf = fq.Workflow(HuaiyangTenCategories(), clock=clock, ids=lambda: "HY-2024-0603-01")

    # 07:40 — a security informant (治安信息员, a grid worker appointed as one) sends word to
    # the 王店 station: 梁某 and his neighbour 田某 face off with shovels and farm tools over
    # the drainage between their houses.
    d = wf.discover(
        channel=fq.Channel.SECURITY_INFORMANT,
        category=fq.Category.BOUNDARY_DRAINAGE,
        summary="梁某与邻居田某因排水纠纷引发矛盾，两家人手持铁锹农具对峙",
        parties=[
            fq.Party(name="梁某", role=fq.PartyRole.COMPLAINANT),
            fq.Party(name="田某", role=fq.PartyRole.RESPONDENT),
        ],
        risk_factors=[fq.RiskFactor.WEAPON, fq.RiskFactor.EXTREME_EMOTION],
        reporter="治安信息员（网格员）",
        station="王店派出所",
        location="淮阳区王店乡某村",
        actor=INFORMANT,
    )
    assert d.channel is fq.Channel.SECURITY_INFORMANT

    # 08:10 — the officers rush there, bring the scene under control and grade it: shovels in
    # hand make it red.
    clock.advance(minutes=30)
    d = wf.grade(d, actor=OFFICER, complex=True, note="双方持铁锨对峙，情绪激动")
    assert (d.grade, d.grade_rule) == ("red", "huaiyang.red.severe-factor")
    assert d.grading is not None
    assert {"major_category", "joint_handling"} <= d.grading.flags

    # 一案一议一台账: nothing moves until the case is discussed and a leader and an officer answer for it.
    forces = [F.POLICE_OFFICE, F.JUDICIAL_PROFESSIONAL, F.TOWNSHIP_PEOPLES, F.VILLAGE_GRID]
    assert wf.check(d, "mediate", actor=OFFICER, forces=forces).codes == (
        "huaiyang.mediate.case-discussion-missing",
        "huaiyang.mediate.responsible-leader-missing",
        "huaiyang.mediate.responsible-officer-missing",
    )
    d = wf.attach(d, fq.DossierItem(kind=K.CASE_DISCUSSION, title="一案一议：多部门联合调处，所长包案"), actor=OFFICER)
    d = wf.assign(d, actor=OFFICER, person="王店派出所所长周某", role=fq.Role.RESPONSIBLE_LEADER)
    d = wf.assign(d, actor=OFFICER, person="社区民警刘某", role=fq.Role.RESPONSIBLE_OFFICER)

    # Officers, the civil-affairs office, the justice office and the women's federation mediate together.
    clock.advance(hours=1)
    d = wf.mediate(d, actor=OFFICER, forces=forces, mediator="刘某", note="民警、民政所、司法所、妇联联合调解")
    clock.advance(days=2)
    d = wf.record_attempt(d, actor=OFFICER, outcome=fq.Outcome.FAILED, summary="双方各执一词，拒绝让步")
    clock.advance(days=7)
    d = wf.record_attempt(d, actor=OFFICER, outcome=fq.Outcome.PARTIAL, summary="同意请村委会共同勘测排水沟走向")

    # Day 12: calm, but red stays red until fifteen quiet days of mediation have passed.
    clock.advance(days=3)
    assert wf.check(d, "regrade", actor=HEAD, grade="yellow").codes == ("huaiyang.regrade.red-period-not-met",)
    clock.advance(days=4)
    assert wf.check(d, "regrade", actor=HEAD, grade="blue").codes == ("huaiyang.regrade.skips-a-step",)
    d = wf.regrade(d, actor=HEAD, grade="yellow", reason="调解半月，双方情绪平稳，未再发生冲突")

    # Day 22: agreement — the ditch is re-dug along the surveyed line, costs shared.
    clock.advance(days=6)
    d = wf.record_attempt(d, actor=OFFICER, outcome=fq.Outcome.AGREEMENT, summary="排水沟按勘测线路改道，费用两家分摊")
    d = wf.resolve(
        d,
        actor=OFFICER,
        summary="签订排水沟改道协议",
        documents=[fq.DossierItem(kind=K.MEDIATION_AGREEMENT, title="排水沟改道调解协议书")],
    )
    d = wf.regrade(d, actor=HEAD, grade="blue", reason="已化解，转入常规关注")
    assert grade_path(d) == ("red", "yellow", "blue")

    # 不化解不销案: the resident officer and auxiliary officer visit every month for half a year.
    assert wf.check(d, "close", actor=HEAD).codes == ("huaiyang.close.observation-not-over",)
    for month, kind in enumerate([V.ON_SITE, V.PHONE, V.ON_SITE, V.PUBLIC_RETURN, V.PHONE, V.ON_SITE], start=1):
        clock.advance(days=28)
        d = wf.record_visit(d, actor=AUXILIARY, kind=kind, finding=f"第{month}个月走访：排水通畅，两家相安无事")
        clock.advance(days=2)
    d = wf.close(d, actor=HEAD, summary="半年回访无反复，销案")

    assert d.state is S.CLOSED
    assert all(c.status is fq.DeadlineStatus.MET for c in wf.deadlines(d))
    assert fq.replay(d.history, policy=wf.policy) == d

    # The informant's report defused a major dispute: 500 yuan, by the red it held.
    reward = informant_reward(d)
    assert reward is not None
    assert (reward.informant, reward.grade, reward.amount) == ("治安信息员（网格员）", "red", 500)


def test_the_unpaid_worker_who_threatened_to_settle_accounts() -> None:
    clock = fq.FixedClock(datetime(2024, 9, 10, 20, 15, tzinfo=SHANGHAI))
    policy = HuaiyangTenCategories()
    wf = fq.Workflow(policy, clock=clock, ids=lambda: "HY-2024-0910-07")

    # 20:15 — a security informant (a grid head) reports: a worker unpaid for over a year has
    # said he will "settle accounts" with the contractor's family, and no one can reach him.
    d = wf.discover(
        channel=fq.Channel.SECURITY_INFORMANT,
        category=fq.Category.WAGE_ARREARS,
        summary="务工人员赵某被拖欠工资一年有余，扬言要找包工头孙某一家“算账”，现已联系不上",
        parties=[
            fq.Party(name="赵某", role=fq.PartyRole.COMPLAINANT),
            fq.Party(name="孙某", role=fq.PartyRole.RESPONDENT),
            fq.Party(name="孙某妻子", role=fq.PartyRole.RELATIVE),
        ],
        risk_factors=[fq.RiskFactor.THREAT, fq.RiskFactor.MISSING_PARTY],
        reporter="治安信息员陈某（网格长）",
        station="西关派出所",
        actor="informant:chen",
    )
    d = wf.grade(d, actor=OFFICER)
    assert d.grade == "red"

    # The case is discussed; the station head takes it on himself, with the community officer
    # as responsible officer.
    d = wf.attach(d, fq.DossierItem(kind=K.CASE_DISCUSSION, title="一案一议：所长电话劝导，约谈包工头"), actor=OFFICER)
    d = wf.assign(d, actor=OFFICER, person="西关派出所所长周某", role=fq.Role.RESPONSIBLE_LEADER)
    d = wf.assign(d, actor=OFFICER, person="社区民警刘某", role=fq.Role.RESPONSIBLE_OFFICER)
    d = wf.mediate(d, actor=HEAD, forces=[F.POLICE_OFFICE], mediator="所长周某")

    # Two hours on the phone: the worker is reached and talked down; the contractor pays that night.
    clock.advance(hours=2)
    d = wf.record_attempt(
        d, actor=HEAD, outcome=fq.Outcome.AGREEMENT, summary="电话联系上赵某，耐心劝导两小时；约谈孙某当晚结清工资"
    )
    assert informant_reward(d) is None  # not yet resolved
    d = wf.resolve(d, actor=HEAD, summary="工资已结清，赵某表示不再找对方麻烦")

    reward = informant_reward(d)
    assert reward is not None
    assert (reward.informant, reward.grade, reward.amount) == ("治安信息员陈某（网格长）", "red", 500)

    # Defused in hours, but still red: it steps down only after fifteen quiet days, then to blue.
    assert wf.check(d, "regrade", actor=HEAD, grade="yellow").codes == ("huaiyang.regrade.red-period-not-met",)
    clock.advance(days=15)
    d = wf.regrade(wf.regrade(d, actor=HEAD, grade="yellow"), actor=HEAD, grade="blue")
    for _ in range(6):
        d = wf.record_visit(d, actor=GRID_WORKER, kind=V.PHONE, finding="赵某已在新工地务工，情绪稳定")
        clock.advance(days=30)
    d = wf.close(d, actor=HEAD)
    assert d.state is S.CLOSED
    assert informant_reward(d, RewardRule(require_closed=True)) == reward


def test_had_the_worker_attacked_there_would_be_no_reward() -> None:
    clock = fq.FixedClock(datetime(2024, 9, 10, 20, 15, tzinfo=SHANGHAI))
    wf = fq.Workflow(HuaiyangTenCategories(), clock=clock)
    d = wf.discover(
        channel=fq.Channel.SECURITY_INFORMANT,
        category=fq.Category.WAGE_ARREARS,
        summary="欠薪工人扬言报复包工头",
        risk_factors=[fq.RiskFactor.THREAT],
        reporter="治安信息员陈某",
        actor=OFFICER,
    )
    d = wf.grade(d, actor=OFFICER)
    clock.advance(hours=1)
    d = wf.escalate(d, actor=OFFICER, case_kind=fq.CaseKind.CRIMINAL, reason="持刀闯入孙某家中")
    assert informant_reward(d) is None


EVERY_CODE = [
    "huaiyang.<trigger>.upgrade-pending",
    "huaiyang.<trigger>.case-discussion-missing",
    "huaiyang.<trigger>.responsible-leader-missing",
    "huaiyang.<trigger>.responsible-officer-missing",
    "huaiyang.regrade.must-go-up",
    "huaiyang.regrade.skips-a-step",
    "huaiyang.regrade.not-under-mediation",
    "huaiyang.regrade.red-period-not-met",
    "huaiyang.regrade.not-resolved",
    "huaiyang.regrade.relapse-unresolved",
    "huaiyang.close.not-blue",
    "huaiyang.close.not-resolved",
    "huaiyang.close.relapse",
    "huaiyang.close.observation-not-over",
    "huaiyang.close.monthly-visit-missing",
    "huaiyang.refer.department-missing",
    "huaiyang.refer.committee-report-missing",
    "huaiyang.resolve.department-result-missing",
    "huaiyang.mediate.court-force-missing",
    "huaiyang.mediate.court-pre-filing-out-of-scope",
]


def test_the_docs_page_lists_every_refusal_code_the_policy_gives() -> None:
    text = DOCS_PAGE.read_text(encoding="utf-8")
    assert [code for code in EVERY_CODE if f"`{code}`" not in text] == []
    package = Path(fq.__file__).parent / "policies" / "huaiyang_ten_categories"
    source = "".join(p.read_text(encoding="utf-8") for p in sorted(package.glob("*.py")))
    reasons = set(re.findall(r'refusal\(\s*[^,]+,\s*"([a-z-]+)"', source))
    assert reasons == {code.rsplit(".", 1)[1] for code in EVERY_CODE}
