"""The one command: ``python -m benchmarks [--quick] [--only SECTION,...] [--json PATH]``.

Runs every section in one process on this machine, prints one table (figures, ratios to
``transitions`` with one machine per object, budget verdicts) and optionally writes JSON.
``--quick`` runs each section on tiny sizes in a few seconds: it proves every benchmark still
works and asserts nothing about time (``make test`` runs it). A section that crashes makes
the command exit non-zero; a section that cannot run here (a module not built yet, no
PostgreSQL) is reported as skipped, with the reason.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from benchmarks import compare, follow, ledger, peers, replay, storage
from benchmarks.measure import Section, Skipped

__all__ = ["SIZES", "main"]

SIZES: dict[str, dict[str, dict[str, int]]] = {
    "full": {
        "lifecycle": {"disputes": 5_000, "rounds": 5, "memory_disputes": 2_000},
        "replay": {"disputes": 20_000, "rounds": 5},
        "json": {"disputes": 2_000, "rounds": 5},
        "sqlite": {"disputes": 2_000, "rounds": 3},
        "postgres": {"disputes": 800, "rounds": 3},
        "peers": {"disputes": 1_000, "rounds": 5, "pg_disputes": 400, "pg_rounds": 5, "writers": 8},
        "follow": {"disputes": 800, "rounds": 3, "writers": 8, "sqlite_disputes": 2_000},
        "ledger": {"disputes": 1_000_000, "repeat": 7},
        "province": {"disputes": 400_000, "workers": 0},
    },
    "quick": {
        "lifecycle": {"disputes": 20, "rounds": 1, "memory_disputes": 20},
        "replay": {"disputes": 20, "rounds": 1},
        "json": {"disputes": 10, "rounds": 1},
        "sqlite": {"disputes": 5, "rounds": 1},
        "postgres": {"disputes": 16, "rounds": 1},
        "peers": {"disputes": 5, "rounds": 2, "pg_disputes": 16, "pg_rounds": 1, "writers": 8},
        "follow": {"disputes": 4, "rounds": 1, "writers": 2, "sqlite_disputes": 3},
        "ledger": {"disputes": 50, "repeat": 1},
        "province": {"disputes": 100, "workers": 0},
    },
}
"""Sizes per mode and section; ``--size section.key=value`` overrides one."""

SECTIONS: dict[str, Callable[..., Section]] = {
    "lifecycle": compare.run,
    "replay": replay.run_replay,
    "json": replay.run_json,
    "sqlite": storage.run_sqlite,
    "postgres": storage.run_postgres,
    "peers": peers.run_peers,
    "follow": follow.run_follow,
    "ledger": ledger.run_ledger,
    "province": ledger.run_province,
}


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    memory = ""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            kib = int(f.readline().split()[1])
        memory = f"{kib / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):  # pragma: no cover - not Linux
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "memory": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "fengqiao": _version("fengqiao"),
        "transitions": _version("transitions"),
        "python-statemachine": _version("python-statemachine"),
        "eventsourcing": _version("eventsourcing"),
        "command": " ".join(["python -m benchmarks", *sys.argv[1:]]),
    }


def _format(value: float, unit: str) -> str:
    if unit in ("µs", "ms", "s"):
        return f"{value:,.2f} {unit}" if value < 100 else f"{value:,.0f} {unit}"
    if unit == "x":
        return f"x{value:.2f}"
    if unit == "B":
        return f"{value:,.0f} B"
    return f"{value:,.0f} {unit}"


def render(sections: list[Section], info: dict[str, Any]) -> str:
    """The report as a plain-text table, one block per section."""
    lines = [
        f"fengqiao benchmarks — {info['date']} — {info['cpus']} CPUs, {info['memory']}, Python {info['python']}, "
        f"transitions {info['transitions']}, python-statemachine {info['python-statemachine']}, "
        f"eventsourcing {info['eventsourcing']}",
        f"command: {info['command']}",
        "",
    ]
    for section in sections:
        lines.append(f"== {section.title} ({section.seconds:.1f} s)")
        if section.skipped:
            lines.append(f"   SKIPPED: {section.skipped}")
            lines.append("")
            continue
        for fig in section.figures:
            ratio = "" if fig.ratio is None else f"x{fig.ratio:.3f}"
            verdict = "" if fig.met is None else ("MET" if fig.met else "MISSED")
            budget = f"{fig.budget} {verdict}".strip()
            lines.append(f"   {fig.name:<58} {_format(fig.value, fig.unit):>24} {ratio:>9}  {budget}")
        lines.extend(f"   note: {note}" for note in section.notes)
        lines.append("")
    return "\n".join(lines)


def _sizes(mode: str, overrides: list[str]) -> dict[str, dict[str, int]]:
    sizes = {k: dict(v) for k, v in SIZES[mode].items()}
    for item in overrides:
        key, _, value = item.partition("=")
        section, _, name = key.partition(".")
        if section not in sizes or name not in sizes[section] or not value.isdigit():
            raise SystemExit(f"--size {item!r}: expected SECTION.KEY=NUMBER with one of {sorted(SIZES['full'])}")
        sizes[section][name] = int(value)
    return sizes


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; return 1 if any section crashed, else 0."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: prove each benchmark runs (make test)")
    parser.add_argument("--only", default="", help=f"comma-separated sections, of: {','.join(SECTIONS)}")
    parser.add_argument("--size", action="append", default=[], help="override a size: SECTION.KEY=NUMBER")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    args = parser.parse_args(argv)
    wanted = [s for s in args.only.split(",") if s] or list(SECTIONS)
    unknown = [s for s in wanted if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {unknown}; known: {', '.join(SECTIONS)}")
    sizes = _sizes("quick" if args.quick else "full", args.size)
    info = machine()
    sections: list[Section] = []
    crashed = False
    for key in wanted:
        began = time.perf_counter()
        try:
            section = SECTIONS[key](**sizes[key])
        except Skipped as exc:
            section = Section(key, key, skipped=str(exc))
        except Exception:
            crashed = True
            section = Section(key, key, skipped="CRASHED:\n" + traceback.format_exc())
        section.seconds = time.perf_counter() - began
        sections.append(section)
        print(render([section], info).split("\n", 3)[3] if sections[1:] else render([section], info), flush=True)
    if args.json is not None:
        payload = {"machine": info, "sizes": sizes, "sections": [s.as_dict() for s in sections]}
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if crashed:
        print("one or more benchmarks CRASHED (see above)", file=sys.stderr)
    return 1 if crashed else 0
