"""Where a stored command's time goes, and whether a run of many writers is bound by the CPU.

Issue #16 asks 8 writer processes for ≥ ×2.5 the commands of one, on the premise that commit
latency, not the CPU, limits one writer (group commit lets many writers share a flush). These
readings test the premise on the machine the benchmark runs on:

- **CPU per command, 1 writer**: the writing process's own CPU (``time.process_time``) and the
  PostgreSQL server's (every process named ``postgres`` on this machine, including the
  children it reaped), per command. The rest of a command's wall time is waiting: the round
  trip and the flush.
- **Machine busy, N writers**: the share of all cores busy (``/proc/stat``) from the start
  signal to the last writer's end, and the CPU per command that makes (whole machine).
- **Ceiling of N ÷ 1**: ``cores × one writer's wall time per command ÷ its CPU per command`` —
  what N writers could reach if a command cost them no more CPU than it costs one writer. Below
  a budget, the budget needs less CPU per command or more cores, not shorter commits.

Linux only (``/proc``); elsewhere, or when the server is not on this machine, the readings are
left out with a note. The machine's other work counts as busy: run on an idle machine.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import NamedTuple

__all__ = ["CpuClock", "CpuUse", "ceiling", "read_clock", "used"]

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PROC = Path("/proc")


class CpuClock(NamedTuple):
    """The CPU clocks at one instant: this process, the local PostgreSQL server, the whole machine."""

    at: float
    """``time.perf_counter()``."""
    own: float
    """This process's CPU seconds."""
    server: float | None
    """CPU seconds of the processes named ``postgres`` here (with their reaped children); ``None``: none seen."""
    busy: float
    """Seconds of CPU busy, all cores together, since boot."""
    total: float
    """Seconds of CPU, busy or idle, all cores together, since boot."""


class CpuUse(NamedTuple):
    """The CPU used between two :class:`CpuClock` readings."""

    seconds: float
    """Wall time."""
    own: float
    server: float | None
    busy: float
    """Seconds of CPU busy on the whole machine."""
    cores: int
    """The machine's cores, by ``/proc/stat`` (busy + idle ÷ wall time, rounded)."""

    @property
    def share(self) -> float:
        """The share of every core busy, 0 to 1."""
        return self.busy / (self.seconds * self.cores) if self.seconds > 0 and self.cores else 0.0


def read_clock() -> CpuClock | None:
    """The clocks now, or ``None`` where there is no ``/proc`` to read them from."""
    try:
        fields = [int(x) for x in (_PROC / "stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle, iowait (guest time is counted in user already: the first 8 only)
    total = sum(fields)
    busy = (total - idle) / _TICKS
    return CpuClock(time.perf_counter(), time.process_time(), _server_seconds(), busy, total / _TICKS)


def used(before: CpuClock | None, after: CpuClock | None) -> CpuUse | None:
    """The CPU used from ``before`` to ``after``; ``None`` if either could not be read."""
    if before is None or after is None:
        return None
    seconds = after.at - before.at
    total = after.total - before.total
    server = None if before.server is None or after.server is None else after.server - before.server
    cores = max(1, round(total / seconds)) if seconds > 0 else 1
    return CpuUse(seconds, after.own - before.own, server, after.busy - before.busy, cores)


def ceiling(one: CpuUse, seconds: float) -> float | None:
    """The most N writers could give over one (see the module docs): one writer took ``seconds`` and ``one``'s CPU."""
    if one.server is None:
        return None
    cpu = one.own + one.server
    return one.cores * seconds / cpu if cpu > 0 else None


def _server_seconds() -> float | None:
    """CPU seconds of every process named ``postgres`` on this machine, with the children each has reaped."""
    seconds, seen = 0, False
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:  # gone since the listing, or not ours to read
            continue
        name, _, rest = text.partition(" (")[2].rpartition(") ")
        if name != "postgres":
            continue
        fields = rest.split()
        seconds += sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
        seen = True
    return seconds / _TICKS if seen else None
