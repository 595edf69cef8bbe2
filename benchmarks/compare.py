"""The five-way lifecycle comparison: transitions per second, setup and memory per dispute.

All five implementations run in the same process, round after round, in a rotating order;
every ratio is taken within one round against ``transitions`` with one machine per object,
and the report gives the median over the rounds of both the figures and the ratios.
"""

from __future__ import annotations

from typing import Any

from benchmarks.lifecycles import IMPLEMENTATIONS, PATH, Implementation, TransitionsShared
from benchmarks.measure import Figure, Section, allocated, median, timed

__all__ = ["run"]

REFERENCE = "transitions-per-object"


def _round(impl: Implementation, n: int) -> tuple[float, float]:
    """Seconds per dispute to set up, and transitions per second, over ``n`` disputes."""
    if isinstance(impl, TransitionsShared):
        impl.reset()
    setup, disputes = timed(lambda: [impl.create(i) for i in range(n)])

    def run_all() -> None:
        lifecycle = impl.lifecycle
        for d in disputes:
            lifecycle(d)

    seconds, _ = timed(run_all)
    return setup / n, n * len(PATH) / seconds


def _memory(impl: Implementation, n: int) -> tuple[float, float]:
    """Bytes per dispute just after setup, and after the whole lifecycle (history included)."""
    if isinstance(impl, TransitionsShared):
        impl.reset()
    with allocated() as after_setup:
        created = [impl.create(i) for i in range(n)]
    del created
    if isinstance(impl, TransitionsShared):
        impl.reset()
    with allocated() as after_lifecycle:
        finished = [impl.lifecycle(impl.create(i)) for i in range(n)]
    del finished
    return after_setup[0] / n, after_lifecycle[0] / n


def run(*, disputes: int, rounds: int, memory_disputes: int) -> Section:
    """Run the comparison and return its section of the report."""
    section = Section("lifecycle", "The same lifecycle, five ways (grade → mediate → resolve → visit → close)")
    impls = [make() for make in IMPLEMENTATIONS]
    for impl in impls:
        impl.check_guard()
        impl.lifecycle(impl.create(-1))  # warm up: first-call caches, imports
    setup: dict[str, list[float]] = {i.name: [] for i in impls}
    speed: dict[str, list[float]] = {i.name: [] for i in impls}
    setup_ratio: dict[str, list[float]] = {i.name: [] for i in impls}
    speed_ratio: dict[str, list[float]] = {i.name: [] for i in impls}
    for r in range(rounds):
        order = impls[r % len(impls) :] + impls[: r % len(impls)]
        this: dict[str, tuple[float, float]] = {impl.name: _round(impl, disputes) for impl in order}
        ref_setup, ref_speed = this[REFERENCE]
        for name, (s, v) in this.items():
            setup[name].append(s)
            speed[name].append(v)
            setup_ratio[name].append(s / ref_setup)
            speed_ratio[name].append(v / ref_speed)
    mem = {impl.name: _memory(impl, memory_disputes) for impl in impls}
    ref_mem = mem[REFERENCE]
    for impl in impls:
        name = impl.name
        budget: dict[str, Any] = {}
        if name == "fengqiao":
            budget = {
                "speed": ("ratio ≥ 1.0 (aim 2.0)", median(speed_ratio[name]) >= 1.0),
                "setup": ("ratio ≤ 0.01", median(setup_ratio[name]) <= 0.01),
                "memory": ("ratio ≤ 0.2", mem[name][1] / ref_mem[1] <= 0.2),
            }
        section.add(
            Figure(
                f"{name}: transitions/s",
                median(speed[name]),
                "transitions/s",
                ratio=median(speed_ratio[name]),
                budget=budget.get("speed", ("", None))[0],
                met=budget.get("speed", ("", None))[1],
                samples=speed[name],
            )
        )
        section.add(
            Figure(
                f"{name}: setup per dispute",
                median(setup[name]) * 1e6,
                "µs",
                ratio=median(setup_ratio[name]),
                budget=budget.get("setup", ("", None))[0],
                met=budget.get("setup", ("", None))[1],
                samples=[s * 1e6 for s in setup[name]],
            )
        )
        section.add(
            Figure(
                f"{name}: memory per dispute after setup",
                mem[name][0],
                "B",
                ratio=mem[name][0] / ref_mem[0],
            )
        )
        section.add(
            Figure(
                f"{name}: memory per dispute with history",
                mem[name][1],
                "B",
                ratio=mem[name][1] / ref_mem[1],
                budget=budget.get("memory", ("", None))[0],
                met=budget.get("memory", ("", None))[1],
            )
        )
    section.notes.append(
        f"{disputes:,} disputes x {len(PATH)} transitions per round, {rounds} rounds (median); "
        f"memory over {memory_disputes:,} disputes kept alive (tracemalloc). Ratios are to "
        f"{REFERENCE} in the same round."
    )
    return section
