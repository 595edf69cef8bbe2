"""``jiang-daily-monthly``: every rule of "日清月结", the station reports, and the defaults' checks."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

import fengqiao as fq
from fengqiao.errors import PolicyDefinitionError
from fengqiao.ledger import MemoryLedger
from fengqiao.policies import CHINA_TZ, DeadlineStatus
from fengqiao.policies.jiang_daily_monthly import (
    CLEARED_DAILY,
    JiangDailyMonthly,
    daily_clearing,
    month_end,
    monthly_settlement,
)

JUNE_28 = datetime(2024, 6, 28, 9, tzinfo=CHINA_TZ)
OFFICER = "officer:xiao"


def _wf(at: datetime = JUNE_28) -> tuple[fq.Workflow, fq.FixedClock]:
    clock = fq.FixedClock(at)
    return fq.Workflow("jiang-daily-monthly", clock=clock), clock


def _discover(wf: fq.Workflow, station: str = "绛县城关派出所", summary: str = "院墙滴水") -> fq.Dispute:
    return wf.discover(channel="alarm_110", category="neighbour", summary=summary, actor=OFFICER, station=station)


def _carry(reason: str) -> fq.DossierItem:
    return fq.DossierItem(kind=fq.DossierKind.CARRY_OVER_STATEMENT, title=reason)


def _statuses(wf: fq.Workflow, d: fq.Dispute, at: datetime) -> list[tuple[str, str]]:
    return [(c.deadline.code, c.status.value) for c in wf.deadlines(d, at=at)]


def test_it_is_registered_and_keeps_the_baselines_rules() -> None:
    assert "jiang-daily-monthly" in fq.policies.names()
    policy = fq.policies.get("jiang-daily-monthly")
    assert isinstance(policy, JiangDailyMonthly)
    assert policy.grades == fq.policies.Baseline().grades
    assert policy.rhythms[0] is CLEARED_DAILY


def test_cleared_daily_is_met_by_handling_before_midnight_and_late_after() -> None:
    wf, clock = _wf()
    d = _discover(wf)
    d = wf.grade(d, actor=OFFICER)
    midnight = datetime(2024, 6, 29, tzinfo=CHINA_TZ)
    assert _statuses(wf, d, midnight)[0] == ("jiang.cleared-daily", "pending")  # graded is not handled
    assert _statuses(wf, d, midnight + timedelta(microseconds=1))[0] == ("jiang.cleared-daily", "overdue")
    clock.set(midnight + timedelta(hours=8))
    late = wf.mediate(d, actor=OFFICER)
    assert _statuses(wf, late, clock.now())[0] == ("jiang.cleared-daily", "late")
    wf2, clock2 = _wf()
    on_time = wf2.refer(wf2.grade(_discover(wf2), actor=OFFICER), department="court", actor=OFFICER)
    assert _statuses(wf2, on_time, clock2.now() + timedelta(days=1))[0] == ("jiang.cleared-daily", "met")


def test_each_month_end_needs_a_settlement_or_a_carry_over_with_a_reason() -> None:
    wf, clock = _wf()
    d = wf.mediate(wf.grade(_discover(wf), actor=OFFICER), actor=OFFICER)
    clock.set(datetime(2024, 6, 30, 20, tzinfo=CHINA_TZ))
    d = wf.attach(d, _carry("当事人外出务工，7月返乡后再调"), actor=OFFICER)
    clock.set(datetime(2024, 7, 15, 10, tzinfo=CHINA_TZ))
    d = wf.note(d, text="已电话联系", actor=OFFICER)
    august = datetime(2024, 8, 1, 0, 0, 1, tzinfo=CHINA_TZ)
    months = [c for c in wf.deadlines(d, at=august) if c.deadline.code == "jiang.settled-monthly"]
    assert [(c.deadline.due, c.status) for c in months] == [
        (datetime(2024, 7, 1, tzinfo=CHINA_TZ), DeadlineStatus.MET),
        (datetime(2024, 8, 1, tzinfo=CHINA_TZ), DeadlineStatus.OVERDUE),  # July: neither settled nor carried
    ]
    assert "2024-07" in months[1].deadline.zh
    clock.set(datetime(2024, 8, 2, 10, tzinfo=CHINA_TZ))
    d = wf.resolve(d, outcome="agreement", summary="达成协议", actor=OFFICER)
    months = [c for c in wf.deadlines(d, at=clock.now()) if c.deadline.code == "jiang.settled-monthly"]
    assert [c.status for c in months] == [DeadlineStatus.MET, DeadlineStatus.LATE]  # settled in August: July late


def test_a_dispute_settled_within_its_first_month_has_one_month_deadline_met() -> None:
    wf, clock = _wf()
    d = wf.mediate(wf.grade(_discover(wf), actor=OFFICER), actor=OFFICER)
    clock.advance(timedelta(hours=3))
    d = wf.resolve(d, outcome="agreement", summary="达成协议", actor=OFFICER)
    assert _statuses(wf, d, datetime(2024, 12, 1, tzinfo=CHINA_TZ)) == [
        ("jiang.cleared-daily", "met"),
        ("jiang.settled-monthly", "met"),
    ]


def test_a_carry_over_needs_a_reason_and_an_unsettled_dispute() -> None:
    wf, clock = _wf()
    d = wf.mediate(wf.grade(_discover(wf), actor=OFFICER), actor=OFFICER)
    assert wf.check(d, "attach", item=_carry("  "), actor=OFFICER).codes == ("jiang.carry-over.no-reason",)
    clock.advance(timedelta(hours=1))
    d = wf.resolve(d, outcome="agreement", summary="达成协议", actor=OFFICER)
    with pytest.raises(fq.TransitionRefused) as refused:
        wf.attach(d, _carry("再观察"), actor=OFFICER)
    assert [r.code for r in refused.value.refusals] == ["jiang.carry-over.settled"]
    assert "无需结转" in refused.value.refusals[0].zh
    other = fq.DossierItem(kind=fq.DossierKind.FOLLOW_UP_RECORD, title="")
    assert wf.check(d, "attach", item=other, actor=OFFICER).codes == ()


def test_the_defaults_are_checked() -> None:
    with pytest.raises(PolicyDefinitionError, match="also count as handled"):
        JiangDailyMonthly(handled_states=[fq.State.MEDIATING], settled_states=[fq.State.CLOSED])
    with pytest.raises(PolicyDefinitionError, match="not handled"):
        JiangDailyMonthly(handled_states=[fq.State.GRADED, fq.State.CLOSED], settled_states=[fq.State.CLOSED])


def test_month_end_is_midnight_after_the_last_day_in_china_time() -> None:
    assert month_end(datetime(2024, 2, 10, tzinfo=CHINA_TZ)) == datetime(2024, 3, 1, tzinfo=CHINA_TZ)
    assert month_end(datetime(2024, 12, 31, 23, tzinfo=CHINA_TZ)) == datetime(2025, 1, 1, tzinfo=CHINA_TZ)
    utc = datetime(2024, 1, 31, 17, tzinfo=fq.policies.CHINA_TZ).astimezone(tz=None)
    assert month_end(utc) == datetime(2024, 2, 1, tzinfo=CHINA_TZ)


def _station_day() -> tuple[list[fq.Dispute], JiangDailyMonthly]:
    wf, clock = _wf(datetime(2024, 6, 3, 9, tzinfo=CHINA_TZ))
    a = wf.mediate(wf.grade(_discover(wf, summary="甲"), actor=OFFICER), actor=OFFICER)
    clock.set(datetime(2024, 6, 3, 15, tzinfo=CHINA_TZ))
    b = wf.grade(_discover(wf, summary="乙"), actor=OFFICER)
    clock.set(datetime(2024, 6, 4, 10, tzinfo=CHINA_TZ))
    b = wf.refer(b, department="civil_affairs", actor=OFFICER)  # 3 June's last dispute, handled the next morning
    c = wf.mediate(wf.grade(_discover(wf, station="古绛派出所", summary="丙"), actor=OFFICER), actor=OFFICER)
    policy = wf.policy
    assert isinstance(policy, JiangDailyMonthly)
    return [a, b, c], policy


def test_daily_clearing_gives_each_station_one_day_per_period() -> None:
    disputes, policy = _station_day()
    start, at = datetime(2024, 6, 3, tzinfo=CHINA_TZ), datetime(2024, 6, 5, 12, tzinfo=CHINA_TZ)
    checks = daily_clearing(disputes, policy, start=start, at=at)
    assert sorted(checks) == ["古绛派出所", "绛县城关派出所"]
    city = checks["绛县城关派出所"]
    assert [(p.period.label, p.status.value) for p in city.periods] == [
        ("2024-06-03", "late"),  # 乙 was handled at 10:00 the next day
        ("2024-06-04", "met"),  # nothing came in: met at the day's start
        ("2024-06-05", "pending"),
    ]
    assert city.periods[0].deadline.met_at == datetime(2024, 6, 4, 10, tzinfo=CHINA_TZ)
    early = daily_clearing(disputes, policy, start=start, at=datetime(2024, 6, 4, 9, tzinfo=CHINA_TZ))
    assert early["绛县城关派出所"].periods[0].status is DeadlineStatus.OVERDUE  # 乙 still waiting at 09:00
    assert early["绛县城关派出所"].missed[0].deadline.zh == "绛县城关派出所 2024-06-03：日清（当日警情当日处置）"
    with pytest.raises(fq.ValidationError) as caught:
        daily_clearing(disputes, policy, start=at, at=start)
    assert caught.value.path == "at"


def test_the_monthly_settlement_report_shows_settled_carried_and_the_gap() -> None:
    wf, clock = _wf()
    settled = wf.mediate(wf.grade(_discover(wf, summary="甲"), actor=OFFICER), actor=OFFICER)
    carried = wf.mediate(wf.grade(_discover(wf, summary="乙"), actor=OFFICER), actor=OFFICER)
    gap = wf.mediate(wf.grade(_discover(wf, summary="丙"), actor=OFFICER), actor=OFFICER)
    clock.set(datetime(2024, 6, 30, 18, tzinfo=CHINA_TZ))
    settled = wf.resolve(settled, outcome="agreement", summary="达成协议", actor=OFFICER)
    carried = wf.attach(carried, _carry("等待鉴定结论"), actor=OFFICER)
    (row,) = monthly_settlement([settled, carried, gap], wf.policy, 2024, 6)  # type: ignore[arg-type]
    assert (row.station, row.month, row.received) == ("绛县城关派出所", "2024-06", 3)
    assert row.settled == (settled.id,)
    assert [(c.dispute_id, c.reason) for c in row.carried] == [(carried.id, "等待鉴定结论")]
    assert row.unsettled == (gap.id,)
    assert not row.complete
    (july,) = monthly_settlement([settled, carried, gap], wf.policy, 2024, 7)  # type: ignore[arg-type]
    assert (july.received, july.settled, july.carried) == (0, (), ())
    assert sorted(july.unsettled) == sorted((carried.id, gap.id))
    with pytest.raises(fq.ValidationError) as caught:
        monthly_settlement([], wf.policy, 2024, 13)  # type: ignore[arg-type]
    assert caught.value.path == "month"


def test_the_reports_run_over_a_ledger() -> None:
    disputes, policy = _station_day()
    with MemoryLedger(policy="jiang-daily-monthly") as ledger:
        for d in disputes:
            ledger.store.append(d.id, d.history, expected_version=0)
        start, at = datetime(2024, 6, 3, tzinfo=CHINA_TZ), datetime(2024, 6, 5, 12, tzinfo=CHINA_TZ)
        daily = ledger.report("jiang-daily-monthly", "daily", start=start, at=at, station="古绛派出所")
        assert list(daily) == ["古绛派出所"]
        assert daily == {
            k: v for k, v in daily_clearing(disputes, policy, start=start, at=at).items() if k == "古绛派出所"
        }
        monthly = ledger.report("jiang-daily-monthly", "monthly", 2024, 6)
        assert [r.station for r in monthly] == ["古绛派出所", "绛县城关派出所"]


def test_metrics_count_the_same_day_clearing_and_the_carry_overs() -> None:
    disputes, policy = _station_day()
    m = policy.metrics(disputes)
    assert m["jiang.cleared_daily"] == 2.0
    assert m["jiang.cleared_daily_rate"] == pytest.approx(2 / 3)
    assert m["jiang.carry_overs"] == 0.0
    assert policy.metrics([])["jiang.cleared_daily_rate"] == 0.0


def test_a_station_files_its_monthly_settlement_report_as_a_place() -> None:
    clock = fq.FixedClock(datetime(2024, 6, 1, tzinfo=CHINA_TZ))
    wf = fq.PlaceWorkflow("jiang-daily-monthly", clock=clock)
    station = wf.register(name="绛县城关派出所", actor=OFFICER, rhythms=["jiang.settlement-report"])
    clock.set(datetime(2024, 6, 30, 17, tzinfo=CHINA_TZ))
    station = wf.file(station, "jiang.settlement-report", actor=OFFICER, note="6月月结：结转1起")
    check = wf.checks(station, at=datetime(2024, 8, 1, 0, 0, 1, tzinfo=CHINA_TZ))["jiang.settlement-report"]
    assert [(p.period.label, p.status.value) for p in check.periods] == [
        ("2024-06", "met"),
        ("2024-07", "overdue"),
        ("2024-08", "pending"),
    ]
