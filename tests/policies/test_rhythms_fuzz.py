"""Rhythms called with anything: only ``FengqiaoError`` escapes (the fuzz suite's garbage, aimed at this module).

Instants are drawn from a few years (naive, aware, or garbage of another type): a duty
start and an ``at`` millennia apart are valid, and would only make the run slow, one step
per period.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao.policies import CHINA_TZ
from fengqiao.policies.rhythms import XIQI_DAILY_REPORT, XIQI_MONTHLY_MEETING, XIQI_WEEKLY_PUSH, Filing, Rhythm
from tests.fuzz.garbage import PERSONAL, garbage

FUZZ = settings(
    max_examples=int(os.environ.get("FENGQIAO_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

VALID: dict[str, Any] = {"code": "f.r", "zh": "日报", "en": "report", "cadence": "daily"}
SETTINGS = ("weekday", "day", "time_of_day", "timezone", "late")
AWARE = st.datetimes(datetime(2023, 1, 1), datetime(2025, 1, 1), timezones=st.sampled_from([UTC, CHINA_TZ]))
NEAR = st.one_of(st.datetimes(datetime(2023, 1, 1), datetime(2025, 1, 1)), AWARE)
"""Instants a few years apart, naive or aware."""


def not_instants() -> st.SearchStrategy[Any]:
    return garbage().filter(lambda v: not isinstance(v, datetime))


def keys() -> st.SearchStrategy[Any]:
    """Garbage that can be a mapping's key."""

    def hashable(value: object) -> bool:
        try:
            hash(value)
        except TypeError:
            return False
        return True

    return st.one_of(st.sampled_from(["村A", "", "村\x00A"]), garbage().filter(hashable))


def instants() -> st.SearchStrategy[Any]:
    return st.one_of(NEAR, not_instants())


def settings_values() -> st.SearchStrategy[Any]:
    """What a setting might be given: garbage, or something close to a real setting."""
    near = st.sampled_from(
        [
            "monday",
            "sunday",
            "last",
            0,
            31,
            -1,
            "24:00",
            "00:00",
            "23:59:59",
            "24:00:01",
            "9:5",
            "09:00 ",
            time(12),
            time(0),
            "UTC",
            "Asia/Shanghai",
            "",
            ".",
            "Asia",
            "../x",
            "x" * 300,
            ZoneInfo("Europe/Berlin"),
            timezone(timedelta(hours=-12)),
            "oldest_unmet",
            "weekly",
            None,
        ]
    )
    return st.one_of(near, garbage())


def check_outcome(call: Any) -> None:
    """Call; a ``FengqiaoError`` is an answer (showing no personal number), anything else a failure."""
    try:
        call()
    except fq.FengqiaoError as exc:
        message = str(exc)
    else:
        return
    for number in PERSONAL:
        assert number not in message


@FUZZ
@given(st.data())
def test_building_a_rhythm_from_anything_raises_only_fengqiao_errors(data: st.DataObject) -> None:
    fields = dict(VALID)
    for name in data.draw(st.lists(st.sampled_from([*VALID, *SETTINGS]), max_size=4, unique=True)):
        fields[name] = data.draw(settings_values() if name in SETTINGS else garbage(), label=name)
    check_outcome(lambda: Rhythm(**fields))


RHYTHMS = st.sampled_from(
    [
        XIQI_DAILY_REPORT,
        XIQI_WEEKLY_PUSH,
        XIQI_MONTHLY_MEETING,
        Rhythm("f.r", "日报", "report", "daily", time_of_day="18:00", timezone="America/Santiago", late="oldest_unmet"),
    ]
)


@FUZZ
@given(RHYTHMS, st.data())
def test_asking_a_rhythm_anything_raises_only_fengqiao_errors(rhythm: Rhythm, data: st.DataObject) -> None:
    filings = st.one_of(st.lists(st.one_of(NEAR, garbage(), AWARE.map(lambda t: Filing(t, "k")))), garbage())
    method = data.draw(st.sampled_from(["period_at", "periods", "check", "check_places", "filing", "contains"]))
    if method == "period_at":
        check_outcome(lambda: rhythm.period_at(data.draw(instants())))
    elif method == "periods":
        check_outcome(lambda: rhythm.periods(data.draw(instants()), at=data.draw(instants())))
    elif method == "check":
        place, start, filed, at = data.draw(st.tuples(garbage(), instants(), filings, instants()))
        check_outcome(lambda: rhythm.check(place, start, filed, at=at))
    elif method == "check_places":
        starts = data.draw(st.one_of(st.dictionaries(keys(), instants(), max_size=3), not_instants()))
        filed = data.draw(st.one_of(st.none(), st.dictionaries(keys(), filings, max_size=3), not_instants()))
        check_outcome(lambda: rhythm.check_places(starts, filed, at=data.draw(instants())))
    elif method == "filing":
        check_outcome(lambda: Filing(data.draw(instants()), data.draw(garbage())))
    else:
        period = rhythm.period_at(datetime(2024, 4, 1, tzinfo=CHINA_TZ))
        check_outcome(lambda: period.contains(data.draw(instants())))
