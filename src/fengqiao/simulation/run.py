"""``simulate``: run a scenario through a policy, optionally into an event store, on one core or several.

Disputes arrive in order and are handled in **chunks** of consecutive disputes (at most
:data:`CHUNK` each), each dispute on its own timeline (a :class:`~fengqiao.FixedClock` set to
its first alert and moved along its story). A chunk's finished histories go to the store in
one ``append_many`` (one transaction). Nothing else is read or written: no global random
state, no wall clock, no files.

With ``workers > 1`` the chunks are handled by that many processes while this one draws the
cases and writes to the store, in arrival order. The result does not depend on the number of
workers: the same scenario (seed included) and policy give the same result, history for
history, and the same rows in the same order in the store. Each chunk's disputes draw their
stories from seeds of their own, so the only thing one dispute hands the next is what the
agent has *learned* (the police :class:`~fengqiao.simulation.Officer`, or the
:class:`~fengqiao.simulation.Court` of a court-led policy: see ``agent_for``); a worker starts a chunk
from what was learned before it as far as it is known, and a chunk whose start turns out
different from what the chunks before it actually learned is handled again — which
happens only while the officer is still learning, at the start of a run.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import random
import signal
import sys
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import closing
from datetime import datetime, time, timedelta
from typing import Any

import attrs

from fengqiao.domain.clock import FixedClock
from fengqiao.errors import ValidationError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.policies._figures import resolution_rate
from fengqiao.policies.base import CHINA_TZ, Policy
from fengqiao.simulation._agents import agent_for
from fengqiao.simulation.plan import Fate, arrivals, cases, deal, skip
from fengqiao.simulation.scenario import Scenario
from fengqiao.storage.base import EventStore
from fengqiao.storage.prepared import Prepared, prepare
from fengqiao.workflow import Workflow

__all__ = ["CHUNK", "Progress", "SimulationResult", "simulate"]

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each chunk, and once at the end with ``done == total``."""

CHUNK = 1_000
"""Disputes per chunk: what a worker handles at a time, and what goes to the store per transaction."""

_AHEAD = 3
"""Chunks in flight per worker, so none waits while this process writes."""


@attrs.frozen(kw_only=True)
class SimulationResult:
    """What a simulation produced: counts, the policy's figures, the refusals met, and the disputes.

    ``disputes`` is empty when a store was given (the histories are in the store), or
    ``keep=False``.
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
    stations: int = 0
    """How many stations handled at least one dispute."""
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
    workers: int = 1,
    keep: bool | None = None,
    resume: bool = False,
) -> SimulationResult:
    """Run ``scenario`` through ``policy``; write each finished history to ``store`` if given.

    Without a store the result keeps every dispute and ``metrics`` is the policy's
    ``metrics()`` over all of them. With a store, or ``keep=False``, the disputes are not
    kept (a province does not fit in memory): ``metrics()`` is asked per chunk of
    :data:`CHUNK` disputes, whole-number figures are summed, and ``resolution_rate`` is
    recomputed as ``resolved / screened`` (and ``resolution_rate_percent``, when the policy
    gives one, from it, half up to the policy's ``rate_decimals``, or one decimal); other
    fractions are left out, as they cannot be summed.

    ``workers`` processes handle the disputes (``1``: this process alone). The result, and
    what is stored, is the same for any number of workers. Workers are started with
    ``fork`` on Linux, so a policy defined in a notebook works as it is; elsewhere the
    policy and the scenario must pickle. Only this process touches ``store``.

    With ``resume=True``, ``store`` may already hold the first disputes of this very run (one
    that was interrupted: each chunk is stored in one transaction, so what it stored is whole
    chunks): the run is made again and only the disputes the store lacks are appended, so
    the store ends as an uninterrupted run leaves it. A stored history that differs from the
    run's (another seed or policy under the scenario's name) is refused.

    >>> from fengqiao.simulation import simulate, yongji_2024
    >>> r = simulate(yongji_2024().scaled(0.02), "baseline")
    >>> r.total == sum(r.states.values()) == len(r.disputes)
    True

    Raises:
        ValidationError: ``workers`` is not a whole number of 1 or more, or (``resume``) a
            stored history differs from the run's.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValidationError(f"expected a whole number of workers, 1 or more, got {workers!r}", "workers")
    rng = random.Random(scenario.seed)
    first = datetime.combine(scenario.start, time(0), tzinfo=CHINA_TZ)
    times = arrivals(scenario, rng)
    fates = deal(scenario, rng) if scenario.exact else None
    total = len(times)
    keep = store is None if keep is None else keep and store is None
    runner = _Runner(scenario, policy, keep=keep)
    tally = _Tally(first)
    kept: list[Dispute] = []
    stored = _stored_heads(store, scenario.name) if resume and store is not None else {}
    with closing(_chunks(runner, times, fates, rng, workers)) as chunks:  # a failure here stops the workers now
        for done in chunks:
            tally.add(done)
            if keep:
                kept.extend(done.disputes)
            elif store is not None:
                store.append_prepared(_missing(done.prepared, stored) if stored else done.prepared)
            if progress is not None:
                progress(done.first + done.count, total)
    if progress is not None and total == 0:
        progress(0, 0)
    policy_ = runner.wf.policy
    return SimulationResult(
        scenario=scenario.name,
        policy=policy_.name,
        seed=scenario.seed,
        total=total,
        states=dict(sorted(tally.states.items())),
        metrics=dict(policy_.metrics(kept)) if keep else _summed(tally.sums, _rate_decimals(policy_, tally.percent)),
        refusals=dict(sorted(tally.refusals.items())),
        given_up=tally.given_up,
        events=tally.events,
        simulated_days=(tally.last - first) / timedelta(days=1),
        stations=len(tally.stations),
        disputes=tuple(kept),
    )


def _stored_heads(store: EventStore, name: str) -> dict[str, tuple[int, str]]:
    """The head (version, hash) of each stream ``store`` holds of the scenario ``name``."""
    return {h.stream_id: (h.version, h.hash) for h in store.digest().heads() if h.stream_id.startswith(f"{name}-")}


def _missing(prepared: Sequence[Prepared], stored: Mapping[str, tuple[int, str]]) -> list[Prepared]:
    """The histories of ``prepared`` that are not stored yet; one stored otherwise than this run made it is refused."""
    missing = []
    for p in prepared:
        head = stored.get(p.stream_id)
        if head is None:
            missing.append(p)
        elif head != (len(p.hashes), p.hashes[-1]):
            raise ValidationError(
                f"the stored history of {p.stream_id} is not the one this simulation makes (another seed or policy?);"
                " it cannot be resumed",
                "store",
            )
    return missing


# -- chunks ------------------------------------------------------------------------------------


@attrs.frozen
class _Job:
    """A chunk to handle: its first dispute's index, their arrivals, and where to start from."""

    first: int
    times: tuple[datetime, ...]
    total: int
    learned: frozenset[str]
    """What the officer knows at the chunk's start (as far as it is known when it is sent)."""
    state: Any = None
    """The random state before the chunk's first draw; ``None``: the runner's own generator is there."""
    fates: tuple[Fate, ...] | None = None
    """What an exact scenario dealt the chunk's disputes (``None``: drawn as they go)."""


@attrs.frozen
class _Done:
    """A handled chunk: the disputes (or what to store of them) and the figures to add up."""

    first: int
    count: int
    learned: frozenset[str]
    """What the officer knew at the start (the job's assumption, to check)."""
    learned_after: frozenset[str]
    states: Counter[str]
    refusals: Counter[str]
    given_up: int
    events: int
    last: datetime | None
    sums: Counter[str]
    """The policy's whole-number figures over the chunk (only when the disputes are not kept)."""
    percent: bool
    """Whether the policy's figures give a ``resolution_rate_percent`` (when not kept)."""
    stations: frozenset[int]
    disputes: tuple[Dispute, ...]
    """The disputes, when they are kept (no store)."""
    prepared: tuple[Prepared, ...]
    """Otherwise their histories, encoded for the store's ``append_prepared``."""


class _Runner:
    """Handles chunks under one workflow: in this process, or in a worker process (one each)."""

    def __init__(self, scenario: Scenario, policy: str | Policy, *, keep: bool) -> None:
        self.scenario = scenario
        self.keep = keep
        self.clock = FixedClock(datetime.combine(scenario.start, time(0), tzinfo=CHINA_TZ))
        spare = itertools.count(1)  # every dispute is given its id; these are never needed
        self.wf = Workflow(policy, clock=self.clock, ids=lambda: f"{scenario.name}-spare-{next(spare)}")
        self.rng = random.Random()
        self.agent = agent_for(self.wf.policy)
        """The police officer, the court, or another registered agent (see ``_agents``)."""

    def run(self, job: _Job) -> _Done:
        """Handle ``job``'s disputes in order, starting from what it says was learned."""
        if job.state is not None:
            self.rng.setstate(job.state)
        refusals: Counter[str] = Counter()
        officer = self.agent(self.wf, self.clock, self.scenario, refusals)
        officer.learned = set(job.learned)
        states: Counter[str] = Counter()
        disputes: list[Dispute] = []
        stations: set[int] = set()
        given_up = events = 0
        last: datetime | None = None
        for case in cases(self.scenario, job.times, self.rng, first=job.first, total=job.total, fates=job.fates):
            d = officer.handle(case)
            stations.add(case.station)
            given_up += officer.gave_up
            states[str(d.state)] += 1
            events += d.version
            last = d.updated_at if last is None or d.updated_at > last else last
            disputes.append(d)
        sums: Counter[str] = Counter()
        percent = False
        if not self.keep:
            figures = self.wf.policy.metrics(disputes)
            _add(sums, figures)
            percent = "resolution_rate_percent" in figures
        return _Done(
            job.first,
            len(job.times),
            job.learned,
            frozenset(officer.learned),
            states,
            refusals,
            given_up,
            events,
            last,
            sums,
            percent,
            frozenset(stations),
            tuple(disputes) if self.keep else (),
            () if self.keep else tuple(prepare(d.id, d.history) for d in disputes),
        )


class _Tally:
    """The figures of every chunk handled so far, added up in arrival order."""

    def __init__(self, first: datetime) -> None:
        self.states: Counter[str] = Counter()
        self.refusals: Counter[str] = Counter()
        self.sums: Counter[str] = Counter()
        self.stations: set[int] = set()
        self.percent = False
        self.given_up = self.events = 0
        self.last = first

    def add(self, done: _Done) -> None:
        self.states.update(done.states)
        self.refusals.update(done.refusals)
        self.sums.update(done.sums)
        self.stations |= done.stations
        self.percent |= done.percent
        self.given_up += done.given_up
        self.events += done.events
        if done.last is not None:
            self.last = max(self.last, done.last)


def _chunks(
    runner: _Runner, times: Sequence[datetime], fates: Sequence[Fate] | None, rng: random.Random, workers: int
) -> Generator[_Done, None, None]:
    """Every chunk handled, in arrival order, by ``runner`` here or by ``workers`` processes."""
    total = len(times)
    size = max(1, min(CHUNK, total // 100))  # a hundred progress reports, at most CHUNK a transaction
    if workers > 1:
        size = max(size, 50, min(CHUNK, -(-total // (workers * _AHEAD))))
    if workers == 1 or total <= size:
        runner.rng = rng
        learned: frozenset[str] = frozenset()
        for start in range(0, total, size):
            done = runner.run(
                _Job(start, tuple(times[start : start + size]), total, learned, fates=_slice(fates, start, size))
            )
            learned = done.learned_after
            yield done
        return
    yield from _in_workers(runner, times, fates, rng, workers, size)


def _slice(fates: Sequence[Fate] | None, start: int, size: int) -> tuple[Fate, ...] | None:
    return None if fates is None else tuple(fates[start : start + size])


def _in_workers(
    runner: _Runner,
    times: Sequence[datetime],
    fates: Sequence[Fate] | None,
    rng: random.Random,
    workers: int,
    size: int,
) -> Iterator[_Done]:
    total = len(times)

    def jobs() -> Iterator[_Job]:
        for start in range(0, total, size):
            chunk = tuple(times[start : start + size])
            state = rng.getstate()
            skip(runner.scenario, len(chunk), rng)
            yield _Job(start, chunk, total, frozenset(), state, _slice(fates, start, size))

    context = multiprocessing.get_context("fork") if sys.platform == "linux" else None
    start = (runner.scenario, runner.wf.policy, runner.keep)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=start) as pool:
        planned = jobs()
        learned: frozenset[str] = frozenset()  # what the officer knows after the chunks yielded so far
        flight: deque[tuple[_Job, Future[_Done]]] = deque()

        def send() -> None:
            for job in itertools.islice(planned, workers * _AHEAD - len(flight)):
                job = attrs.evolve(job, learned=learned)
                flight.append((job, pool.submit(_work, job)))

        try:
            send()
            while flight:
                job, future = flight.popleft()
                done = future.result()
                if done.learned != learned:  # it started from a guess that the chunks before it disproved
                    done = pool.submit(_work, attrs.evolve(job, learned=learned)).result()
                if done.learned_after != learned:  # the officer learned: chunks sent since guessed wrong
                    learned = done.learned_after
                    for index, (sent, future) in enumerate(flight):
                        if sent.learned != learned:
                            future.cancel()
                            sent = attrs.evolve(sent, learned=learned)
                            flight[index] = (sent, pool.submit(_work, sent))
                send()
                yield done
        except BaseException:  # Ctrl-C, a failure, or the caller closing the chunks early
            _stop(pool)  # before the shutdown on leaving the pool, which would wait for the chunks begun
            raise


def _stop(pool: ProcessPoolExecutor) -> None:
    """Shut ``pool`` down now: the chunks not begun are cancelled and the workers ended mid-chunk.

    ``shutdown`` alone waits for every chunk a worker has begun or taken from the queue, which
    can take long. A worker ended as it sends a chunk back leaves the pool's thread waiting
    for the rest, and the interpreter waits for that thread at exit: closing this process's
    end of the results pipe, the last one open, has the thread read the end of the file instead.
    (Python 3.14's ``terminate_workers()`` ends the workers, but leaves the pipe open.)
    """
    # The pool's private parts (the same from 3.11 to 3.13), each read so that a Python without
    # them still gets the plain shutdown rather than an AttributeError in place of the interrupt.
    processes = list((getattr(pool, "_processes", None) or {}).values())  # shutdown forgets them ...
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)  # ... and the results pipe
    pool.shutdown(wait=False, cancel_futures=True)
    # Closed first, so that a second Ctrl-C while the workers end leaves nothing to wait for.
    if writer is not None:
        writer.close()  # the pool's thread only reads
    for process in processes:
        process.terminate()
    for process in processes:
        process.join()


_WORKER: list[_Runner] = []
"""The runner of this worker process (set by :func:`_start_worker`)."""


def _start_worker(scenario: Scenario, policy: Policy, keep: bool) -> None:
    # Ctrl-C reaches every process of the terminal's group: the parent stops the run and the
    # pool; a worker interrupted on its own would print a traceback and could leave the pool hung.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The parent ends a worker with SIGTERM (see _stop): a handler inherited through fork (the
    # command line's, which only notes the signal) must not keep it running.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _WORKER[:] = [_Runner(scenario, policy, keep=keep)]
    # What the worker inherited (modules, the workflow) lives as long as it does: kept out of
    # the collector's full passes, which otherwise take a third of a chunk's time.
    gc.freeze()
    # And the collector runs once after each chunk (see _work), not during it: its passes
    # over the chunk's young values cost a tenth of the chunk. Those values are freed by
    # reference counting when the chunk ends; the pass collects any cycle they leave.
    gc.disable()


def _work(job: _Job) -> _Done:
    try:
        return _WORKER[0].run(job)
    finally:
        gc.collect()


def _add(sums: Counter[str], figures: Mapping[str, float]) -> None:
    for key, value in figures.items():
        if isinstance(value, int) and not isinstance(value, bool):
            sums[key] += value


def _summed(sums: Mapping[str, int], decimals: int | None = None) -> dict[str, float]:
    out: dict[str, float] = dict(sums)
    screened, resolved = sums.get("screened", 0), sums.get("resolved", 0)
    out["resolution_rate"] = resolved / screened if screened else 0.0
    if decimals is not None:
        out["resolution_rate_percent"] = resolution_rate(screened, resolved, decimals=decimals)
    return out


def _rate_decimals(policy: Policy, percent: bool) -> int | None:
    """The decimals of the policy's ``resolution_rate_percent`` (``None``: it gives none)."""
    if not percent:
        return None
    decimals = getattr(policy, "rate_decimals", 1)
    return decimals if isinstance(decimals, int) and not isinstance(decimals, bool) else 1
