from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import fengqiao as fq
from tests.stages import SHANGHAI, START


def test_a_fixed_clock_stands_still() -> None:
    clock = fq.FixedClock(START)
    assert clock.now() == START
    assert clock.now() == START


def test_advance_moves_forward_by_a_timedelta_and_units_together() -> None:
    clock = fq.FixedClock(START)
    moved = clock.advance(timedelta(days=1), hours=2, minutes=30, seconds=5)
    assert moved == START + timedelta(days=1, hours=2, minutes=30, seconds=5)
    assert clock.now() == moved


def test_advance_keeps_the_timezone() -> None:
    clock = fq.FixedClock(START)
    assert clock.advance(hours=1).tzinfo is SHANGHAI


def test_set_moves_the_clock_backwards_too() -> None:
    clock = fq.FixedClock(START)
    earlier = datetime(2023, 12, 31, 23, 59, tzinfo=SHANGHAI)
    assert clock.set(earlier) == earlier
    assert clock.now() == earlier


def test_a_naive_start_time_is_refused() -> None:
    with pytest.raises(fq.ValidationError) as info:
        fq.FixedClock(datetime(2024, 1, 31, 9, 0))
    assert info.value.path == "at"
    assert "naive" in info.value.message


def test_setting_a_naive_time_is_refused_and_leaves_the_clock_where_it_was() -> None:
    clock = fq.FixedClock(START)
    with pytest.raises(fq.ValidationError):
        clock.set(datetime(2024, 2, 1, 9, 0))
    assert clock.now() == START


def test_the_system_clock_tells_aware_utc_time_by_default() -> None:
    before = datetime.now(UTC)
    now = fq.SystemClock().now()
    assert now.utcoffset() == timedelta(0)
    assert before <= now <= datetime.now(UTC)


def test_the_system_clock_tells_time_in_the_zone_it_was_given() -> None:
    assert fq.SystemClock(SHANGHAI).now().utcoffset() == timedelta(hours=8)


def test_both_clocks_satisfy_the_clock_protocol() -> None:
    assert isinstance(fq.FixedClock(START), fq.Clock)
    assert isinstance(fq.SystemClock(), fq.Clock)
