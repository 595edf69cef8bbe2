"""Rhythms: recurring deadlines per place (issue #14's daily report, weekly push, monthly meeting)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

import fengqiao as fq
from fengqiao.policies import CHINA_TZ, DeadlineStatus
from fengqiao.policies.rhythms import (
    XIQI_DAILY_REPORT,
    XIQI_MONTHLY_DISPATCH,
    XIQI_MONTHLY_MEETING,
    XIQI_RHYTHMS,
    XIQI_WEEKLY_PUSH,
    Cadence,
    Filing,
    LateFiling,
    Rhythm,
    Weekday,
)

MET, LATE, PENDING, OVERDUE = DeadlineStatus.MET, DeadlineStatus.LATE, DeadlineStatus.PENDING, DeadlineStatus.OVERDUE
US = timedelta(microseconds=1)


def cst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHINA_TZ)


def daily(**kwargs: Any) -> Rhythm:
    return Rhythm("test.daily", "日报", "daily report", Cadence.DAILY, **kwargs)


def statuses(check: fq.policies.PlaceCheck) -> list[tuple[str, str]]:
    return [(p.period.label, p.status.value) for p in check.periods]


# -- the rhythm itself ---------------------------------------------------------------------------
def test_a_rhythm_defaults_to_the_end_of_its_period_in_china_standard_time() -> None:
    weekly = Rhythm("t.w", "周", "weekly", "weekly")
    monthly = Rhythm("t.m", "月", "monthly", "monthly")
    assert (weekly.weekday, weekly.time_of_day, weekly.timezone) == (Weekday.SUNDAY, "24:00", CHINA_TZ)
    assert (monthly.day, monthly.weekday, monthly.late) == (31, None, LateFiling.OWN_PERIOD)
    assert (daily().weekday, daily().day) == (None, None)


def test_a_rhythm_reads_its_settings_from_text() -> None:
    r = Rhythm("t.m", "月", "monthly", "monthly", day="last", time_of_day="9:30", timezone="UTC", late="oldest_unmet")
    assert (r.cadence, r.day, r.time_of_day, r.timezone, r.late) == (
        Cadence.MONTHLY,
        31,
        "09:30",
        ZoneInfo("UTC"),
        LateFiling.OLDEST_UNMET,
    )
    assert daily(time_of_day=time(17, 30, 15)).time_of_day == "17:30:15"
    assert daily(time_of_day="24:00:00").time_of_day == "24:00"


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"code": ""}, "code"),
        ({"code": "a\u200bb"}, "code"),
        ({"zh": " "}, "zh"),
        ({"en": "two\nlines"}, "en"),
        ({"cadence": "hourly"}, "cadence"),
        ({"cadence": 1}, "cadence"),
        ({"weekday": "monday"}, "weekday"),
        ({"cadence": "weekly", "weekday": "funday"}, "weekday"),
        ({"cadence": "weekly", "weekday": 0}, "weekday"),
        ({"day": 15}, "day"),
        ({"cadence": "monthly", "day": 0}, "day"),
        ({"cadence": "monthly", "day": 32}, "day"),
        ({"cadence": "monthly", "day": True}, "day"),
        ({"cadence": "monthly", "day": "31"}, "day"),
        ({"cadence": "monthly", "day": 15.0}, "day"),
        ({"time_of_day": "00:00"}, "time_of_day"),
        ({"time_of_day": time(0)}, "time_of_day"),
        ({"time_of_day": "24:01"}, "time_of_day"),
        ({"time_of_day": "25:00"}, "time_of_day"),
        ({"time_of_day": "12:60"}, "time_of_day"),
        ({"time_of_day": "12:00:60"}, "time_of_day"),
        ({"time_of_day": "\u0661\u0662:00"}, "time_of_day"),
        ({"time_of_day": "noon"}, "time_of_day"),
        ({"time_of_day": 1800}, "time_of_day"),
        ({"time_of_day": time(18, tzinfo=UTC)}, "time_of_day"),
        ({"time_of_day": time(18, 0, 0, 5)}, "time_of_day"),
        ({"timezone": "Nope/Zone"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"timezone": "x\x00y"}, "timezone"),
        ({"timezone": 8}, "timezone"),
        ({"late": "never"}, "late"),
    ],
)
def test_a_malformed_rhythm_is_refused_naming_the_field(changes: dict[str, Any], path: str) -> None:
    fields = {"code": "t.r", "zh": "日报", "en": "report", "cadence": "daily"} | changes
    with pytest.raises(fq.ValidationError) as caught:
        Rhythm(**fields)
    assert caught.value.path == path


def test_rhythms_are_values() -> None:
    assert daily() == daily()
    assert hash(daily()) == hash(daily())
    assert daily(time_of_day="18:00") != daily()
    assert attrs.evolve(XIQI_DAILY_REPORT, time_of_day="20:00").time_of_day == "20:00"


# -- daily periods ------------------------------------------------------------------------------
def test_daily_periods_are_calendar_days_in_the_rhythms_zone() -> None:
    periods = daily().periods(cst(2024, 4, 1, 15), at=cst(2024, 4, 3, 8))
    assert [p.label for p in periods] == ["2024-04-01", "2024-04-02", "2024-04-03"]
    assert [(p.start, p.end, p.due) for p in periods[:1]] == [(cst(2024, 4, 1), cst(2024, 4, 2), cst(2024, 4, 2))]
    assert periods[0].start.utcoffset() == timedelta(hours=8)


def test_a_day_is_pending_at_its_due_instant_and_overdue_a_microsecond_later() -> None:
    start = cst(2024, 4, 1)
    (due,) = [p.due for p in daily().periods(start, at=start)]
    assert daily().check("村A", start, at=due).periods[0].status is PENDING
    assert daily().check("村A", start, at=due + US).periods[0].status is OVERDUE


def test_a_report_at_midnight_counts_for_the_day_it_begins_not_the_day_it_ends() -> None:
    check = daily().check("村A", cst(2024, 4, 1), [cst(2024, 4, 2)], at=cst(2024, 4, 2, 12))
    assert statuses(check) == [("2024-04-01", "overdue"), ("2024-04-02", "met")]


def test_a_report_in_the_last_microsecond_of_the_day_meets_it() -> None:
    check = daily().check("村A", cst(2024, 4, 1), [cst(2024, 4, 2) - US], at=cst(2024, 4, 3))
    assert check.periods[0].status is MET


def test_a_report_after_the_time_of_day_but_inside_the_day_is_late() -> None:
    rhythm = daily(time_of_day="18:00")
    check = rhythm.check("村A", cst(2024, 4, 1), [cst(2024, 4, 1, 18), cst(2024, 4, 2, 20)], at=cst(2024, 4, 3, 12))
    assert statuses(check) == [("2024-04-01", "met"), ("2024-04-02", "late"), ("2024-04-03", "pending")]
    assert check.periods[1].deadline.due == cst(2024, 4, 2, 18)


def test_a_duty_begun_mid_day_owes_that_day_only_if_it_falls_due_after_the_start() -> None:
    start = cst(2024, 4, 1, 15)
    assert [p.label for p in daily().periods(start, at=cst(2024, 4, 2, 1))] == ["2024-04-01", "2024-04-02"]
    assert [p.label for p in daily(time_of_day="09:00").periods(start, at=cst(2024, 4, 2, 1))] == ["2024-04-02"]
    assert [p.label for p in daily(time_of_day="15:00").periods(start, at=cst(2024, 4, 2, 1))] == ["2024-04-02"]


def test_nothing_is_owed_before_the_duty_begins() -> None:
    assert daily().periods(cst(2024, 4, 2), at=cst(2024, 4, 1)) == ()
    assert daily().check("村A", cst(2024, 4, 2, 12), at=cst(2024, 4, 2, 11)).periods == ()


def test_reports_before_the_duty_or_after_at_are_not_counted() -> None:
    filed = [cst(2024, 3, 31, 20), cst(2024, 4, 1, 9), cst(2024, 4, 2, 9)]
    check = daily().check("村A", cst(2024, 4, 1), filed, at=cst(2024, 4, 1, 12))
    assert [f.at for f in check.filings] == [cst(2024, 4, 1, 9)]
    assert check.last_filing == Filing(cst(2024, 4, 1, 9))


def test_reports_in_other_zones_count_for_the_local_day_they_fall_in() -> None:
    late_utc = datetime(2024, 4, 1, 17, tzinfo=UTC)  # 2024-04-02 01:00 in China
    new_york = datetime(2024, 4, 2, 11, tzinfo=ZoneInfo("America/New_York"))  # 23:00 in China
    check = daily().check("村A", cst(2024, 4, 1), [late_utc, new_york], at=cst(2024, 4, 3))
    assert statuses(check) == [("2024-04-01", "overdue"), ("2024-04-02", "met"), ("2024-04-03", "pending")]
    assert check.periods[1].filings == (Filing(late_utc), Filing(new_york))


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (lambda: daily().check("村A", datetime(2024, 4, 1), at=cst(2024, 4, 2)), "start"),
        (lambda: daily().check("村A", cst(2024, 4, 1), at=datetime(2024, 4, 2)), "at"),
        (
            lambda: daily().check("村A", cst(2024, 4, 1), [cst(2024, 4, 1), datetime(2024, 4, 1)], at=cst(2024, 5, 1)),
            "filings[1]",
        ),
        (lambda: daily().check("村A", cst(2024, 4, 1), ["2024-04-01"], at=cst(2024, 4, 2)), "filings[0]"),  # type: ignore[list-item]
        (lambda: daily().check("村A", cst(2024, 4, 1), "2024-04-01", at=cst(2024, 4, 2)), "filings"),  # type: ignore[arg-type]
        (lambda: daily().check("", cst(2024, 4, 1), at=cst(2024, 4, 2)), "place"),
        (lambda: daily().check("村\x00A", cst(2024, 4, 1), at=cst(2024, 4, 2)), "place"),
        (lambda: daily().periods(datetime(2024, 4, 1), at=cst(2024, 4, 2)), "start"),
        (lambda: daily().period_at(datetime(2024, 4, 1)), "instant"),
        (lambda: daily().period_at(datetime(1, 1, 1, tzinfo=UTC)), "instant"),
        (lambda: daily().periods(cst(2024, 4, 1), at=datetime(9999, 12, 31, tzinfo=UTC)), "at"),
        (lambda: Filing(datetime(2024, 4, 1)), "at"),
        (lambda: Filing(cst(2024, 4, 1), kind="a\nb"), "kind"),
    ],
)
def test_naive_or_malformed_input_is_refused_naming_where(call: Any, path: str) -> None:
    with pytest.raises(fq.ValidationError) as caught:
        call()
    assert caught.value.path == path


def test_repeated_reports_meet_a_day_once_and_are_all_kept() -> None:
    check = daily().check("村A", cst(2024, 4, 1), [cst(2024, 4, 1, 9)] * 3, at=cst(2024, 4, 2, 9))
    assert statuses(check) == [("2024-04-01", "met"), ("2024-04-02", "pending")]
    assert len(check.periods[0].filings) == 3


# -- weekly and monthly periods ----------------------------------------------------------------
def test_weekly_periods_are_iso_weeks_due_by_sunday_midnight() -> None:
    periods = XIQI_WEEKLY_PUSH.periods(cst(2024, 12, 25), at=cst(2025, 1, 6))
    assert [p.label for p in periods] == ["2024-W52", "2025-W01", "2025-W02"]
    assert (periods[1].start, periods[1].due, periods[1].end) == (cst(2024, 12, 30), cst(2025, 1, 6), cst(2025, 1, 6))


def test_a_weekly_duty_can_fall_due_on_a_weekday_morning() -> None:
    rhythm = Rhythm("t.w", "周", "weekly", "weekly", weekday=Weekday.MONDAY, time_of_day="09:00")
    check = rhythm.check("乡", cst(2024, 4, 1), [cst(2024, 4, 1, 8, 59), cst(2024, 4, 8, 9, 30)], at=cst(2024, 4, 16))
    assert statuses(check) == [("2024-W14", "met"), ("2024-W15", "late"), ("2024-W16", "overdue")]
    assert [p.period.due for p in check.periods] == [cst(2024, 4, 1, 9), cst(2024, 4, 8, 9), cst(2024, 4, 15, 9)]


def test_a_monthly_duty_on_day_31_falls_on_each_months_last_day() -> None:
    periods = XIQI_MONTHLY_DISPATCH.periods(cst(2024, 1, 1), at=cst(2024, 4, 30))
    assert [p.due for p in periods] == [cst(2024, 2, 1), cst(2024, 3, 1), cst(2024, 4, 1), cst(2024, 5, 1)]
    mid = Rhythm("t.m", "月", "monthly", "monthly", day=31, time_of_day="12:00")
    assert [p.due.day for p in mid.periods(cst(2024, 1, 1), at=cst(2024, 4, 30))] == [31, 29, 31, 30]


@pytest.mark.parametrize(("year", "last"), [(2023, 28), (2024, 29), (1900, 28), (2000, 29)])
def test_a_day_past_februarys_end_is_its_last_day_in_leap_and_common_years(year: int, last: int) -> None:
    rhythm = Rhythm("t.m", "月", "monthly", "monthly", day=30, time_of_day="18:00")
    assert rhythm.period_at(cst(year, 2, 10)).due == cst(year, 2, last, 18)


def test_monthly_periods_cross_the_year() -> None:
    period = XIQI_MONTHLY_MEETING.period_at(cst(2024, 12, 31, 23, 59))
    assert (period.label, period.start, period.end) == ("2024-12", cst(2024, 12, 1), cst(2025, 1, 1))


# -- time zones ---------------------------------------------------------------------------------
def test_a_day_that_loses_an_hour_to_daylight_saving_is_23_hours_long() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    rhythm = daily(timezone=berlin)
    (period,) = rhythm.periods(datetime(2024, 3, 31, 12, tzinfo=berlin), at=datetime(2024, 3, 31, 13, tzinfo=berlin))
    assert period.end - period.start == timedelta(hours=23)
    assert period.start == datetime(2024, 3, 31, tzinfo=berlin)


def test_a_day_a_zone_skipped_is_owed_by_no_one() -> None:
    apia = ZoneInfo("Pacific/Apia")  # Samoa went from 29 to 31 December 2011
    periods = daily(timezone=apia).periods(datetime(2011, 12, 29, tzinfo=apia), at=datetime(2012, 1, 1, tzinfo=apia))
    assert [p.label for p in periods] == ["2011-12-29", "2011-12-31", "2012-01-01"]


def test_a_fixed_offset_zone_works_as_well() -> None:
    nepal = timezone(timedelta(hours=5, minutes=45))
    period = daily(timezone=nepal).period_at(datetime(2024, 4, 1, tzinfo=UTC))
    assert (period.label, period.start) == ("2024-04-01", datetime(2024, 4, 1, tzinfo=nepal))


def test_statuses_agree_with_the_deadlines_they_carry() -> None:
    rhythm = daily(time_of_day="18:00")
    filed = [cst(2024, 4, 1, 9), cst(2024, 4, 3, 19), cst(2024, 4, 5, 18)]
    at = cst(2024, 4, 6, 18)
    check = rhythm.check("村A", cst(2024, 4, 1), filed, at=at)
    assert [p.status for p in check.periods] == [p.deadline.status(at) for p in check.periods]
    assert [p.status for p in check.periods] == [MET, OVERDUE, LATE, OVERDUE, MET, PENDING]


# -- late filings -------------------------------------------------------------------------------
def test_by_default_a_missed_day_stays_missed_whatever_is_filed_later() -> None:
    filed = [cst(2024, 4, 2, 9), cst(2024, 4, 2, 10), cst(2024, 4, 3, 9)]
    check = daily().check("村A", cst(2024, 4, 1), filed, at=cst(2024, 4, 3, 12))
    assert statuses(check) == [("2024-04-01", "overdue"), ("2024-04-02", "met"), ("2024-04-03", "met")]


def test_under_oldest_unmet_each_filing_makes_up_the_oldest_missed_period() -> None:
    filed = [cst(2024, 4, 2, 9), cst(2024, 4, 3, 9)]
    check = daily(late="oldest_unmet").check("村A", cst(2024, 4, 1), filed, at=cst(2024, 4, 3, 12))
    assert statuses(check) == [("2024-04-01", "late"), ("2024-04-02", "late"), ("2024-04-03", "pending")]
    assert check.periods[0].filing == Filing(cst(2024, 4, 2, 9))
    assert check.periods[0].filings == ()  # it met day one, but was filed on day two


def test_under_oldest_unmet_extra_filings_do_not_pay_in_advance() -> None:
    filed = [cst(2024, 4, 1, 9), cst(2024, 4, 1, 10)]
    check = daily(late="oldest_unmet").check("村A", cst(2024, 4, 1), filed, at=cst(2024, 4, 2, 12))
    assert statuses(check) == [("2024-04-01", "met"), ("2024-04-02", "pending")]


# -- what the analyst reads ---------------------------------------------------------------------
def test_a_place_check_summarises_missed_periods_counts_and_the_last_report() -> None:
    filed = [Filing(cst(2024, 4, 1, 20), "all_quiet"), Filing(cst(2024, 4, 3, 8), "incident")]
    check = XIQI_DAILY_REPORT.check("西歧村", cst(2024, 4, 1), filed, at=cst(2024, 4, 4, 12))
    assert [p.period.label for p in check.missed] == ["2024-04-02"]
    assert check.counts == {MET: 2, LATE: 0, PENDING: 1, OVERDUE: 1}
    assert check.last_filing == Filing(cst(2024, 4, 3, 8), "incident")
    assert [p.filing.kind for p in check.periods if p.filing] == ["all_quiet", "incident"]
    assert {d.code for d in check.deadlines} == {"xiqi.daily-report"}
    assert check.missed[0].deadline.message("zh") == "西歧村 2024-04-02：日报告（有事报事，无事报平安）"
    assert check.missed[0].deadline.message("en") == (
        "西歧村 2024-04-02: daily report (report an incident, or that all is quiet)"
    )


def test_check_places_checks_each_place_from_its_own_start() -> None:
    starts = {"村B": cst(2024, 4, 2), "村A": cst(2024, 4, 1)}
    filings = {"村A": [cst(2024, 4, 1, 9), cst(2024, 4, 2, 9)]}
    checks = XIQI_DAILY_REPORT.check_places(starts, filings, at=cst(2024, 4, 3, 1))
    assert list(checks) == ["村A", "村B"]
    assert {p: len(c.missed) for p, c in checks.items()} == {"村A": 0, "村B": 1}
    assert checks["村A"] == XIQI_DAILY_REPORT.check("村A", starts["村A"], filings["村A"], at=cst(2024, 4, 3, 1))


@pytest.mark.parametrize(
    ("starts", "filings", "path"),
    [
        ({"村A": cst(2024, 4, 1)}, {"村Z": []}, "filings['村Z']"),
        ({"村A": datetime(2024, 4, 1)}, None, "starts['村A']"),
        ({"": cst(2024, 4, 1)}, None, "starts['']"),
        ({"村A": cst(2024, 4, 1)}, {"村A": [1]}, "filings['村A'][0]"),
        ([("村A", cst(2024, 4, 1))], None, "starts"),
        ({"村A": cst(2024, 4, 1)}, [cst(2024, 4, 1)], "filings"),
    ],
)
def test_check_places_refuses_malformed_input_naming_where(starts: Any, filings: Any, path: str) -> None:
    with pytest.raises(fq.ValidationError) as caught:
        XIQI_DAILY_REPORT.check_places(starts, filings, at=cst(2024, 4, 3))
    assert caught.value.path == path


def test_a_period_knows_what_it_contains() -> None:
    period = XIQI_DAILY_REPORT.period_at(cst(2024, 4, 1, 12))
    assert period.contains(cst(2024, 4, 1))
    assert period.contains(cst(2024, 4, 2) - US)
    assert not period.contains(cst(2024, 4, 2))
    with pytest.raises(fq.ValidationError):
        period.contains(datetime(2024, 4, 1))  # naive


# -- Xiqi's defaults ----------------------------------------------------------------------------
def test_xiqis_four_rhythms_fall_due_at_the_end_of_their_periods() -> None:
    assert [(r.code, r.cadence.value) for r in XIQI_RHYTHMS] == [
        ("xiqi.daily-report", "daily"),
        ("xiqi.weekly-push", "weekly"),
        ("xiqi.monthly-dispatch", "monthly"),
        ("xiqi.political-legal-meeting", "monthly"),
    ]
    at = cst(2024, 2, 14, 12)
    assert all(r.period_at(at).due == r.period_at(at).end for r in XIQI_RHYTHMS)
    assert XIQI_MONTHLY_MEETING.zh.startswith("政法月例会")
    assert XIQI_DAILY_REPORT.message("zh") == "日报告（有事报事，无事报平安）"


def test_the_rhythm_names_are_exported_from_policies() -> None:
    for name in ("Rhythm", "Cadence", "Weekday", "LateFiling", "Filing", "Period", "PeriodCheck", "PlaceCheck"):
        assert getattr(fq.policies, name) is getattr(fq.policies.rhythms, name)
    assert fq.policies.XIQI_DAILY_REPORT is XIQI_DAILY_REPORT
