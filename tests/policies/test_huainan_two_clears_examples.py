"""Huainan's worked example, told as a story: the wage-arrears alert and the safety-reminder letter."""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import fengqiao as fq
from fengqiao.policies.huainan_two_clears import DispatchRow, HuainanTwoClears, dispatch_report

CST = ZoneInfo("Asia/Shanghai")
ZHOU = "officer:zhou"  # the community officer of 洞山派出所
DUTY_LEADER = "responsible_leader:wang"  # the bureau's duty leader at the 09:00 meeting
STATION = "洞山派出所"
DOC = Path(__file__).resolve().parents[2] / "docs" / "policies" / "huainan_two_clears.md"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 7, day, hour, minute, tzinfo=CST)


def test_the_wage_arrears_alert_from_the_110_call_to_the_letter_and_the_wages_paid() -> None:
    clock = fq.FixedClock(at(8, 10, 12))
    counter = itertools.count(17)
    wf = fq.Workflow(HuainanTwoClears(), clock=clock, ids=lambda: f"HN-20240708-{next(counter):03d}")

    # 8 July, 10:12 — a worker calls 110: 36 rebar workers unpaid for three months, gathering at the site.
    wage = wf.discover(
        channel=fq.Channel.ALARM_110,
        category=fq.Category.WAGE_ARREARS,
        summary="某小区项目36名钢筋工被拖欠三个多月工资二十余万元，工人聚集在工地门口",
        parties=[
            fq.Party(name="孙某", role=fq.PartyRole.COMPLAINANT),
            fq.Party(name="刘某", role=fq.PartyRole.RESPONDENT),
            fq.Party(name="某建筑劳务有限公司", kind=fq.PartyKind.ORGANISATION, role=fq.PartyRole.RESPONDENT),
        ],
        risk_factors=[fq.RiskFactor.GROUP, fq.RiskFactor.LARGE_SUM],
        station=STATION,
        location="田家庵区某在建小区项目工地",
        reporter="孙某",
        actor=ZHOU,
    )
    checks = {c.deadline.code: c for c in wf.deadlines(wage)}
    assert checks["huainan.enter-handling"].deadline.due == at(9, 10, 12)
    assert checks["huainan.same-day-close"].deadline.due == at(9, 0)

    # 10:35 — on site: a group, a large sum; wage recovery is not police business; no case threshold.
    clock.set(at(8, 10, 35))
    wage = wf.grade(wage, actor=ZHOU, police_business=False, note="工人情绪激动，现场秩序已稳定")
    assert (wage.grade, wage.route) == ("key", fq.Route.REFER)
    wage = wf.attach(wage, fq.DossierItem(kind="inquiry_record", title="对工人代表孙某的询问笔录"), actor=ZHOU)

    # 11:20 — referred to labour inspection; the police keep tracking it (移交…跟踪督办).
    clock.set(at(8, 11, 20))
    wage = wf.refer(
        wage,
        actor=ZHOU,
        department=fq.Department.LABOUR_INSPECTION,
        reason="拖欠农民工工资属人社部门劳动保障监察职责，民警现场维稳并跟踪督办",
    )
    assert wage.referral is not None
    assert wage.referral.department is fq.Department.LABOUR_INSPECTION

    # The same day, a noise quarrel at the same station is mediated and closed (当日销号).
    clock.set(at(8, 15, 0))
    noise = wf.discover(
        channel="alarm_110",
        category="neighbour",
        summary="楼上住户深夜装修噪音扰民",
        parties=[fq.Party(name="赵某"), fq.Party(name="钱某")],
        station=STATION,
        actor=ZHOU,
    )
    noise = wf.mediate(wf.grade(noise, actor=ZHOU), actor=ZHOU, forces=["police_office"])
    noise = wf.resolve(noise, actor=ZHOU, summary="约定装修时间为每日8时至18时")
    clock.set(at(8, 20, 0))
    noise = wf.record_visit(noise, actor=ZHOU, kind="phone", finding="已停止夜间施工")
    noise = wf.close(noise, actor=ZHOU)

    # The wage alert entered handling 23 minutes after the call, but was not concluded that day.
    statuses = {c.deadline.code: c.status for c in wf.deadlines(wage, at=at(9, 0, 1))}
    assert statuses == {
        "huainan.enter-handling": fq.DeadlineStatus.MET,
        "huainan.same-day-close": fq.DeadlineStatus.OVERDUE,
    }

    # 9 July, 09:00 — the dispatch meeting reviews 8 July; the duty leader calls on the wage alert.
    report = dispatch_report([wage, noise], date(2024, 7, 8), seed=20240709)
    assert report.rows == (
        DispatchRow(STATION, received=2, entered_in_time=2, closed_same_day=1, carried_over=1, overdue=1),
    )
    assert report.key_alerts == (wage.id,)
    assert report.spot_call is not None
    assert (report.spot_call.station, report.spot_call.dispute_id) == (STATION, wage.id)

    # 09:20 — the duty leader places it under named supervision (挂牌督办) …
    clock.set(at(9, 9, 20))
    supervised = wf.assign(wage, actor=DUTY_LEADER, person="王副局长", role=fq.Role.SUPERVISOR)

    # … and at 10:30, past the 24 hours, the station files the safety-reminder letter to the contractor.
    clock.set(at(9, 10, 30))
    letter = fq.DossierItem(
        kind=fq.DossierKind.SAFETY_REMINDER,
        title="致某建筑劳务有限公司安全提示函：依法及时足额支付农民工工资，防止矛盾激化",
        reference="洞派提示〔2024〕17号",
    )
    assert wf.check(wage, "attach", actor=ZHOU, item=letter).codes == ("huainan.attach.key-unsupervised",)
    wage = wf.attach(supervised, letter, actor=ZHOU)
    assert wage.has_document(fq.DossierKind.SAFETY_REMINDER)
    assert wage.assignees(fq.Role.SUPERVISOR) == ("王副局长",)

    # 11 July — labour inspection reports that the contractor paid in full; the workers confirm by phone.
    clock.set(at(11, 15, 0))
    wage = wf.resolve(
        wage,
        actor=ZHOU,
        reported_by=fq.Department.LABOUR_INSPECTION,
        summary="经劳动保障监察督促，某建筑劳务有限公司足额支付36名工人工资共计21.6万元",
        documents=[fq.DossierItem(kind="result_report", title="劳动保障监察处理结果告知")],
    )
    clock.set(at(12, 9, 30))
    wage = wf.record_visit(wage, actor=ZHOU, kind="phone", finding="工人代表孙某确认工资已全部到账")
    wage = wf.close(wage, actor=ZHOU, summary="欠薪已清偿，销号")
    assert wage.state is fq.State.CLOSED
    assert fq.replay(wage.history, policy=wf.policy) == wage

    figures = wf.policy.metrics([wage, noise])
    assert (figures["entered_in_time"], figures["closed_same_day"], figures["key_supervised"]) == (2, 1, 1)


def doc_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_docs_page_has_one_runnable_example() -> None:
    assert len(doc_blocks()) == 1


@pytest.mark.parametrize("block", doc_blocks())
def test_the_docs_example_runs(block: str, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(block, str(DOC), "exec"), {"__name__": "huainan_docs_example"})
    printed = capsys.readouterr().out.splitlines()
    lines = block.splitlines()
    # each print(...) in the example is followed by its output as a "# ..." comment line
    expected = [after.removeprefix("# ") for before, after in itertools.pairwise(lines) if before.startswith("print(")]
    assert printed == expected
