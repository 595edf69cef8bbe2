"""The CPU readings of the PostgreSQL benchmark (``benchmarks/cpu.py``): arithmetic and what /proc gives."""

from __future__ import annotations

import os
import sys
import time

import pytest
from benchmarks.cpu import CpuClock, CpuUse, ceiling, read_clock, used


def test_used_is_the_difference_of_two_readings_and_counts_the_cores() -> None:
    before = CpuClock(at=10.0, own=1.0, server=5.0, busy=100.0, total=400.0)
    after = CpuClock(at=12.0, own=1.5, server=5.75, busy=103.0, total=404.0)
    use = used(before, after)
    assert use == CpuUse(seconds=2.0, own=0.5, server=0.75, busy=3.0, cores=2)
    assert use is not None
    assert use.share == pytest.approx(0.75)


def test_a_missing_reading_gives_none() -> None:
    clock = CpuClock(at=1.0, own=0.0, server=None, busy=0.0, total=0.0)
    assert used(None, clock) is None
    assert used(clock, None) is None
    assert used(clock, clock._replace(at=2.0, total=2.0)).server is None  # type: ignore[union-attr]


def test_the_ceiling_is_cores_times_wall_time_over_cpu() -> None:
    one = CpuUse(seconds=1.0, own=0.25, server=0.25, busy=0.6, cores=2)
    assert ceiling(one, 0.9) == pytest.approx(2 * 0.9 / 0.5)
    assert ceiling(one._replace(server=None), 0.9) is None
    assert ceiling(one._replace(own=0.0, server=0.0), 0.9) is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_readings_on_linux_count_this_process_and_the_machine() -> None:
    before = read_clock()
    deadline = time.process_time() + 0.05
    while time.process_time() < deadline:  # burn a little CPU so that both clocks move
        pass
    use = used(before, read_clock())
    assert use is not None
    assert use.own >= 0.05
    assert use.busy > 0
    assert use.cores >= 1
    assert 0 < use.share <= 1.5  # the machine's ticks are coarse: a short span may read a little over


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_server_on_this_machine_is_found_by_its_process_name() -> None:
    dsn = os.environ.get("FENGQIAO_PG_DSN", "")
    if not any(host in dsn for host in ("@127.0.0.1", "@localhost", "host=127.0.0.1", "host=localhost")):
        pytest.skip("the PostgreSQL server of FENGQIAO_PG_DSN is not named as on this machine")
    clock = read_clock()
    assert clock is not None
    assert clock.server is not None
    assert clock.server > 0
