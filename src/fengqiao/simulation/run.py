"""``simulate``: run a scenario through a policy, optionally into an event store.

Disputes are handled one at a time, in arrival order, each on its own timeline (one
:class:`~fengqiao.FixedClock`, set to the dispute's first alert and moved along its story);
finished disputes' histories go to the store in batches of :data:`STORE_BATCH`, one
``append_many`` (one transaction) each. Nothing else is read
or written: no global random state, no wall clock, no files. The same scenario (seed
included) and policy give the same result, history for history.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime, time, timedelta

import attrs

from fengqiao.domain.clock import FixedClock
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.policies.base import CHINA_TZ, Policy
from fengqiao.simulation.agent import Officer
from fengqiao.simulation.plan import arrivals, cases
from fengqiao.simulation.scenario import Scenario
from fengqiao.storage.base import Append, EventStore
from fengqiao.workflow import Workflow

__all__ = ["Progress", "SimulationResult", "simulate"]

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` now and then, and once at the end with ``done == total``."""

METRICS_BATCH = 10_000
"""Disputes per batch when figures are gathered without keeping the disputes (a store was given)."""

STORE_BATCH = 1_000
"""Finished disputes written to the store per transaction (``append_many``)."""


@attrs.frozen(kw_only=True)
class SimulationResult:
    """What a simulation produced: counts, the policy's figures, the refusals met, and the disputes.

    ``disputes`` is empty when a store was given (the histories are in the store).
    """

    scenario: str
    policy: str
    seed: int
    total: int
    """How many disputes arrived."""
    states: Mapping[str, int]
    """Final state → how many disputes ended there."""
    metrics: Mapping[str, float]
    """The policy's ``metrics()`` over every dispute (see :func:`simulate` for the store case)."""
    refusals: Mapping[str, int]
    """Refusal code → how many times the agent met it."""
    given_up: int
    """Disputes the agent left open after a bounded number of tries."""
    events: int
    simulated_days: float
    """From the scenario's first day to the last event of any dispute."""
    disputes: tuple[Dispute, ...] = attrs.field(default=(), repr=False)

    @property
    def resolution_rate(self) -> float:
        """The policy's own resolution rate (``metrics["resolution_rate"]``), a fraction."""
        return float(self.metrics.get("resolution_rate", 0.0))

    def shares(self) -> dict[str, float]:
        """Final state → share of all disputes."""
        return {s: n / self.total for s, n in self.states.items()} if self.total else {}


def simulate(
    scenario: Scenario,
    policy: str | Policy = "baseline",
    *,
    store: EventStore | None = None,
    progress: Progress | None = None,
) -> SimulationResult:
    """Run ``scenario`` through ``policy``; write each finished history to ``store`` if given.

    Without a store the result keeps every dispute and ``metrics`` is the policy's
    ``metrics()`` over all of them. With a store the disputes are not kept (a province does
    not fit in memory): ``metrics()`` is asked per batch of :data:`METRICS_BATCH` disputes,
    whole-number figures are summed, and ``resolution_rate`` is recomputed as
    ``resolved / screened``; other fractions are left out, as they cannot be summed.

    >>> from fengqiao.simulation import simulate, yongji_2024
    >>> r = simulate(yongji_2024().scaled(0.02), "baseline")
    >>> r.total == sum(r.states.values()) == len(r.disputes)
    True
    """
    rng = random.Random(scenario.seed)
    first = datetime.combine(scenario.start, time(0), tzinfo=CHINA_TZ)
    clock = FixedClock(first)
    spare = itertools.count(1)  # every dispute is given its id; these are never needed
    wf = Workflow(policy, clock=clock, ids=lambda: f"{scenario.name}-spare-{next(spare)}")
    refusals: Counter[str] = Counter()
    officer = Officer(wf, clock, scenario, refusals)
    times = arrivals(scenario, rng)
    total = len(times)
    every = max(1, total // 100)
    states: Counter[str] = Counter()
    kept: list[Dispute] = []
    batch: list[Dispute] = []
    unsaved: list[Append] = []
    sums: Counter[str] = Counter()
    given_up = events = 0
    last = first
    for done, case in enumerate(cases(scenario, times, rng), start=1):
        d = officer.handle(case)
        given_up += officer.gave_up
        states[str(d.state)] += 1
        events += d.version
        last = max(last, d.updated_at)
        if store is None:
            kept.append(d)
        else:
            unsaved.append(Append(d.id, d.history, expected_version=0))
            if len(unsaved) >= STORE_BATCH or done == total:
                store.append_many(unsaved)
                unsaved.clear()
            batch.append(d)
            if len(batch) >= METRICS_BATCH:
                _add(sums, wf.policy.metrics(batch))
                batch.clear()
        if progress is not None and (done % every == 0 or done == total):
            progress(done, total)
    if progress is not None and total == 0:
        progress(0, 0)
    if store is None:
        metrics = dict(wf.policy.metrics(kept))
    else:
        if batch:
            _add(sums, wf.policy.metrics(batch))
        metrics = _summed(sums)
    return SimulationResult(
        scenario=scenario.name,
        policy=wf.policy.name,
        seed=scenario.seed,
        total=total,
        states=dict(sorted(states.items())),
        metrics=metrics,
        refusals=dict(sorted(refusals.items())),
        given_up=given_up,
        events=events,
        simulated_days=(last - first) / timedelta(days=1),
        disputes=tuple(kept),
    )


def _add(sums: Counter[str], figures: Mapping[str, float]) -> None:
    for key, value in figures.items():
        if isinstance(value, int) and not isinstance(value, bool):
            sums[key] += value


def _summed(sums: Mapping[str, int]) -> dict[str, float]:
    out: dict[str, float] = dict(sums)
    screened, resolved = sums.get("screened", 0), sums.get("resolved", 0)
    out["resolution_rate"] = resolved / screened if screened else 0.0
    return out
