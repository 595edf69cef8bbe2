"""Rhythms' invariants over random rhythms, zones, duty starts, filings and times ``at``.

The oracles are written from the rules' wording (a period is met by a filing inside it; a
period with none is overdue once its due instant has passed), not from the module's walk.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from fengqiao.policies import CHINA_TZ, DeadlineStatus
from fengqiao.policies.rhythms import Cadence, Filing, LateFiling, Period, PlaceCheck, Rhythm, Weekday

MET, LATE, PENDING, OVERDUE = DeadlineStatus.MET, DeadlineStatus.LATE, DeadlineStatus.PENDING, DeadlineStatus.OVERDUE
US = timedelta(microseconds=1)

ZONES: list[tzinfo] = [
    CHINA_TZ,
    UTC,
    ZoneInfo("Europe/Berlin"),  # daylight saving at 02:00
    ZoneInfo("America/Santiago"),  # daylight saving at midnight: some days begin at 01:00
    ZoneInfo("Australia/Lord_Howe"),  # a half-hour change
    ZoneInfo("Pacific/Apia"),  # skipped 30 December 2011
    timezone(timedelta(hours=5, minutes=45)),
]
SPAN = {Cadence.DAILY: timedelta(days=70), Cadence.WEEKLY: timedelta(days=400), Cadence.MONTHLY: timedelta(days=1500)}
"""How far ``at`` may lie after the start: enough periods to matter, few enough to stay quick."""


@st.composite
def rhythms(draw: st.DrawFn, late: LateFiling | None = None) -> Rhythm:
    cadence = draw(st.sampled_from(Cadence))
    seconds = draw(st.one_of(st.just(86_400), st.integers(1, 86_400)))
    hours, rest = divmod(seconds, 3600)
    extra: dict[str, Any] = {}
    if cadence is Cadence.WEEKLY:
        extra["weekday"] = draw(st.sampled_from(Weekday))
    elif cadence is Cadence.MONTHLY:
        extra["day"] = draw(st.integers(1, 31))
    return Rhythm(
        "prop.rhythm",
        "报",
        "report",
        cadence,
        time_of_day=f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}",
        timezone=draw(st.sampled_from(ZONES)),
        late=late or draw(st.sampled_from(LateFiling)),
        **extra,
    )


@dataclass
class Case:
    rhythm: Rhythm
    start: datetime
    at: datetime

    def instant(self, fraction: float) -> datetime:
        """The instant ``fraction`` of the way from ``start`` to ``at``, reckoned in UTC (Python adds and
        subtracts datetimes of one ``ZoneInfo`` by their wall clocks, an hour off across a daylight-saving change)."""
        start, at = self.start.astimezone(UTC), self.at.astimezone(UTC)
        return start + (at - start) * fraction


@st.composite
def cases(draw: st.DrawFn, late: LateFiling | None = None) -> Case:
    rhythm = draw(rhythms(late))
    start = draw(st.datetimes(datetime(2010, 1, 1), datetime(2026, 1, 1), timezones=st.sampled_from(ZONES)))
    ahead = draw(st.timedeltas(timedelta(0), SPAN[rhythm.cadence]))
    at = (start + ahead).astimezone(draw(st.sampled_from(ZONES)))
    return Case(rhythm, start, at)


def inside(period: Period, fraction: float, case: Case) -> datetime:
    """An instant in ``period`` that counts: not before the duty began (nor after ``at``, when ``at`` is in it)."""
    begin, end = max(period.start, case.start).astimezone(UTC), min(period.end, case.at + US).astimezone(UTC)
    return begin + (end - begin - US) * fraction


@st.composite
def one_filing_per_period(draw: st.DrawFn, late: LateFiling | None = None) -> tuple[Case, list[datetime]]:
    case = draw(cases(late))
    periods = case.rhythm.periods(case.start, at=case.at)
    fractions = draw(st.lists(st.floats(0, 1), min_size=len(periods), max_size=len(periods)))
    zone = draw(st.sampled_from(ZONES))
    return case, [inside(p, f, case).astimezone(zone) for p, f in zip(periods, fractions, strict=True)]


@settings(max_examples=200, deadline=None)
@given(cases())
def test_periods_tile_time_from_the_duty_start_to_at(case: Case) -> None:
    periods = case.rhythm.periods(case.start, at=case.at)
    for before, after in itertools.pairwise(periods):
        assert before.end == after.start
    for p in periods:
        assert p.start < p.end
        assert p.start <= p.due <= p.end
        assert p.due > case.start
        assert case.rhythm.period_at(p.start) == p
    holding_start = case.rhythm.period_at(case.start)
    assert holding_start.contains(case.start)
    if not periods:
        assert case.at < case.start or holding_start.contains(case.at)
        return
    assert periods[-1].contains(case.at)
    if periods[0] != holding_start:
        assert holding_start.due <= case.start
        assert holding_start.end == periods[0].start


@settings(max_examples=200, deadline=None)
@given(cases(), st.datetimes(datetime(2009, 1, 1), datetime(2031, 1, 1), timezones=st.sampled_from(ZONES)))
def test_the_period_at_an_instant_holds_it(case: Case, instant: datetime) -> None:
    period = case.rhythm.period_at(instant)
    assert period.start <= instant < period.end


@settings(max_examples=200, deadline=None)
@given(one_filing_per_period())
def test_a_filing_inside_every_period_leaves_nothing_overdue(drawn: tuple[Case, list[datetime]]) -> None:
    case, filed = drawn
    check = case.rhythm.check("村A", case.start, filed, at=case.at)
    assert check.missed == ()
    assert check.counts[OVERDUE] == 0
    assert len(check.periods) == len(case.rhythm.periods(case.start, at=case.at))
    assert check.counts[MET] + check.counts[LATE] + check.counts[PENDING] == len(check.periods)


@settings(max_examples=200, deadline=None)
@given(one_filing_per_period(LateFiling.OWN_PERIOD), st.integers(min_value=0))
def test_removing_one_filing_leaves_exactly_its_period_unmet(drawn: tuple[Case, list[datetime]], pick: int) -> None:
    case, filed = drawn
    if not filed:
        return
    k = pick % len(filed)
    whole = case.rhythm.check("村A", case.start, filed, at=case.at)
    less = case.rhythm.check("村A", case.start, filed[:k] + filed[k + 1 :], at=case.at)
    due = whole.periods[k].period.due
    expected = OVERDUE if case.at > due else PENDING
    assert less.periods[k].status is expected
    assert less.periods[k].filing is None
    others = [p for i, p in enumerate(less.periods) if i != k]
    assert others == [p for i, p in enumerate(whole.periods) if i != k]


def in_utc(check: PlaceCheck) -> list[object]:
    """What a check says, with every filing's instant in UTC (the same instant in another zone may not
    compare equal: PEP 495 makes an ambiguous wall time unequal to every time in another zone)."""

    def utc(f: Filing | None) -> tuple[datetime, str] | None:
        return None if f is None else (f.at.astimezone(UTC), f.kind)

    said: list[object] = [(p.period, p.status, utc(p.filing), [utc(f) for f in p.filings]) for p in check.periods]
    return [*said, [utc(f) for f in check.filings]]


@settings(max_examples=200, deadline=None)
@given(cases(), st.lists(st.floats(-0.2, 1.2), max_size=40), st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_the_order_or_zone_of_the_filings(
    case: Case, fractions: list[float], rng: random.Random
) -> None:
    filed = [Filing(case.instant(f), rng.choice(["incident", "all_quiet"])) for f in fractions]
    filed += rng.sample(filed, k=len(filed) // 3)  # repeats
    shuffled = rng.sample(filed, k=len(filed))
    elsewhere = [Filing(f.at.astimezone(rng.choice(ZONES)), f.kind) for f in shuffled]
    check = case.rhythm.check("村A", case.start, filed, at=case.at)
    assert check == case.rhythm.check("村A", case.start, shuffled, at=case.at)
    assert in_utc(check) == in_utc(case.rhythm.check("村A", case.start, elsewhere, at=case.at))


@settings(max_examples=200, deadline=None)
@given(cases(), st.lists(st.floats(0, 1), max_size=40))
def test_each_period_is_met_as_the_rules_say(case: Case, fractions: list[float]) -> None:
    filed = sorted(case.instant(f) for f in fractions)
    check = case.rhythm.check("村A", case.start, filed, at=case.at)
    for p in check.periods:
        assert p.status is p.deadline.status(case.at)
        assert p.deadline.due == p.period.due
        assert all(p.period.contains(f.at) for f in p.filings)
        in_period = [f for f in filed if p.period.contains(f)]
        assert [f.at for f in p.filings] == in_period
        if case.rhythm.late is LateFiling.OWN_PERIOD:
            assert p.deadline.met_at == (in_period[0] if in_period else None)
        elif p.filing is not None:
            assert p.filing.at >= p.period.start
    if case.rhythm.late is LateFiling.OLDEST_UNMET:
        met = [p.filing is not None for p in check.periods]
        assert met == sorted(met, reverse=True)  # the met periods come first
        settling = [p.filing for p in check.periods if p.filing is not None]
        assert len(settling) <= len(filed)


@settings(max_examples=200, deadline=None)
@given(cases(), st.lists(st.floats(0, 1), max_size=30), st.floats(0, 1))
def test_a_period_met_or_missed_at_one_time_stays_so_later(case: Case, fractions: list[float], earlier: float) -> None:
    filed = [case.instant(f) for f in fractions]
    before = case.rhythm.check("村A", case.start, filed, at=case.instant(earlier))
    after = case.rhythm.check("村A", case.start, filed, at=case.at)
    for then, now in zip(before.periods, after.periods, strict=False):
        assert then.period == now.period
        if then.status in {MET, LATE}:
            assert now.deadline == then.deadline
        if then.status is OVERDUE:  # a later filing can only make it up (late) ...
            assert now.status in {OVERDUE, LATE}
            if then.period.end <= before.at and case.rhythm.late is LateFiling.OWN_PERIOD:
                assert now.status is OVERDUE  # ... and by default only while the period lasts
