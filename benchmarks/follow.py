"""A follower keeping a detached ledger up while writers append: what it costs them, its pace and its lag.

Issue #16, item 3. PostgreSQL (``FENGQIAO_PG_DSN``, a schema of its own, created and dropped):
``writers`` processes run the ``postgres`` section's lifecycle (discover and five commands, each
its own append) through a plain ``PostgresEventStore`` on separate streams, started by one
signal (``storage.writers_at_once``), once with no follower and once while a follower process
keeps ``PostgresLedger(dsn, attached=False)`` up through ``ledger.follower()`` with its
defaults (woken by the appends' ``NOTIFY``, polling every second as well). SQLite: the same
with one writer (``SQLiteEventStore``) and ``SQLiteLedger(path, attached=False)``'s follower,
which polls (every second, its default). Without the variable the PostgreSQL part is skipped
with a note.

Measured per round (the two runs in a rotating order):

- the writers' commands/s without and with the follower (all commands over the time from the
  start signal to the last writer's last commit), and their ratio within the round;
- the follower's events/s applied during the followed run (the events its batches applied
  after the start signal, over the time from the signal to its last batch), and its catch-up
  of the backlog the unfollowed runs left (timed in the follower process, before it follows);
- its lag, ``follower.status()`` sampled every 0.1 s from another process's view of the same
  ledger while the writers run: events behind, and seconds between the newest event's
  ``recorded_at`` and that of the last one applied;
- the time from the last writer's last commit to the follower's batch that applied the last
  event (both ``time.monotonic()``, the clock the processes share).
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import attrs

import fengqiao as fq
from benchmarks.measure import Figure, Section, median
from benchmarks.storage import (
    COMMANDS_PER_DISPUTE,
    DSN_VARIABLE,
    _lifecycles,
    _pg_schema,
    _wait_ready,
    on_schema,
    start_together,
    writers_at_once,
)
from fengqiao.ledger import Follower, FollowerStatus, SQLiteLedger
from fengqiao.storage import EventStore, Repository, SQLiteEventStore

__all__ = ["run_follow"]

POSTGRES = "PostgreSQL"
SQLITE = "SQLite"
Target = tuple[str, str]
"""Which database and where: ``(POSTGRES, connection string)`` or ``(SQLITE, file path)``."""

SAMPLE_EVERY = 0.1
"""Seconds between two samples of the follower's lag."""
CAUGHT_UP_WITHIN = 60.0
"""Seconds the follower may take to apply everything after the writers stop before the run fails."""


# -- in the spawned processes --------------------------------------------------------------------
def _store(target: Target) -> EventStore:
    kind, where = target
    if kind == POSTGRES:
        from fengqiao.storage import PostgresEventStore

        return PostgresEventStore(where, max_size=1)
    return SQLiteEventStore(Path(where))


@contextmanager
def _ledger_follower(target: Target) -> Iterator[Follower[Any]]:
    """The detached ledger of ``target`` (its tables made if missing) and its follower, with their defaults."""
    kind, where = target
    if kind == POSTGRES:
        from fengqiao.ledger import PostgresLedger

        with PostgresLedger(where, attached=False) as pg:
            yield pg.follower()
    else:
        with SQLiteLedger(Path(where), attached=False) as lite:
            yield lite.follower()


def _writer(target: Target, prefix: str, disputes: int, ready: Any, start: Any) -> tuple[int, float]:
    """One writer process: the lifecycles through a plain store; ``(commands, time.monotonic() after the last)``."""
    with _store(target) as store:
        count, _ = start_together(
            partial(_lifecycles, Repository(fq.Workflow("baseline"), store)), prefix, disputes, ready, start
        )
        return count, time.monotonic()


Batches = list[tuple[float, int]]
"""Each batch the follower applied: ``(time.monotonic() after its commit, events)``."""


def _follow(target: Target, ready: Any, stop: Any) -> tuple[int, float, Batches]:
    """The follower process: catch up the backlog (timed), say so, follow until ``stop`` is set.

    Returns the backlog's events, the seconds it took, and the batches applied while following.
    """
    batches: Batches = []
    halt = threading.Event()

    def relay() -> None:  # run() takes a threading.Event; the benchmark's process sets a manager's
        stop.wait()
        halt.set()

    def progress(count: int) -> None:
        if count:
            batches.append((time.monotonic(), count))

    with _ledger_follower(target) as follower:
        began = time.monotonic()
        backlog = follower.catch_up()
        seconds = time.monotonic() - began
        threading.Thread(target=relay, daemon=True).start()
        ready.put("follower")
        follower.run(stop=halt, progress=progress)
    return backlog, seconds, batches


# -- in the benchmark's process ------------------------------------------------------------------
@attrs.define
class _Watch:
    """A thread watching the follower from a ledger of its own: lag samples, then the wait until caught up."""

    target: Target
    samples: list[tuple[float, FollowerStatus]] = attrs.Factory(list)
    opened: threading.Event = attrs.Factory(threading.Event)
    writers_done: threading.Event = attrs.Factory(threading.Event)
    error: list[BaseException] = attrs.Factory(list)

    def __call__(self) -> None:
        try:
            with _ledger_follower(self.target) as watcher:
                self.opened.set()
                while not self.writers_done.wait(SAMPLE_EVERY):
                    self.samples.append((time.monotonic(), watcher.status()))
                deadline = time.monotonic() + CAUGHT_UP_WITHIN
                while watcher.status().behind:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"the follower is still behind {CAUGHT_UP_WITHIN:g} s after the writers")
                    time.sleep(0.01)
        except BaseException as exc:
            self.error.append(exc)
        finally:
            self.opened.set()


@attrs.define
class _Pools:
    """The spawned processes, kept for every run: a manager, the writers' pool, the follower's."""

    manager: Any
    writers: Any
    follower: Any


def _commands_per_second(done: list[tuple[int, float]], began: float) -> float:
    return sum(count for count, _ in done) / (max(end for _, end in done) - began)


def _followed(
    pools: _Pools, target: Target, writers: int, disputes: int, tag: str, out: dict[str, list[float]]
) -> None:
    """One run with the follower: writers' commands/s, its pace, its lag, the time to catch up; into ``out``."""
    ready, stop = pools.manager.Queue(), pools.manager.Event()
    following = pools.follower.apply_async(_follow, (target, ready, stop))
    watch = _Watch(target)
    thread = threading.Thread(target=watch)
    try:
        _wait_ready(ready, [following], 1)
        thread.start()
        watch.opened.wait()
        if watch.error:
            raise watch.error[0]
        done, began, *_ = writers_at_once(pools.writers, pools.manager, target, writers, disputes, tag, _writer)
    finally:
        watch.writers_done.set()
        if thread.is_alive():
            thread.join()
        stop.set()
    if watch.error:
        raise watch.error[0]
    backlog, seconds, batches = following.get(timeout=60)
    ended = max(end for _, end in done)
    last = max(at for at, _ in batches)
    during = [status for at, status in watch.samples if began <= at <= ended]
    add = out.setdefault
    add("followed", []).append(_commands_per_second(done, began))
    add("applied", []).append(sum(n for at, n in batches if at >= began) / (last - began))
    add("caught up", []).append(max(0.0, last - ended))
    add("behind", []).extend(float(s.behind) for s in during)
    add("seconds", []).extend(s.seconds for s in during)
    if backlog:
        add("backlog", []).append(backlog / seconds)
        add("backlog events", []).append(float(backlog))


def _part(section: Section, pools: _Pools, target: Target, writers: int, disputes: int, rounds: int) -> None:
    """Both runs, ``rounds`` times in a rotating order, on ``target``; figures into ``section``."""
    kind = target[0]
    with _ledger_follower(target):  # the tables, made once before any process races to make them
        pass
    values: dict[str, list[float]] = {}
    for r in range(rounds):
        for run in ("alone", "followed")[:: 1 if r % 2 == 0 else -1]:
            tag = f"{kind[0]}{r}{run[0]}"
            if run == "alone":
                done, began, *_ = writers_at_once(pools.writers, pools.manager, target, writers, disputes, tag, _writer)
                values.setdefault("alone", []).append(_commands_per_second(done, began))
            else:
                _followed(pools, target, writers, disputes, tag, values)
    name = f"{kind}, {writers} writer{'s' if writers > 1 else ''}"
    ratios = [f / a for f, a in zip(values["followed"], values["alone"], strict=True)]
    rows: list[tuple[str, str, str]] = [
        ("commands/s, no follower", "commands/s", "alone"),
        ("commands/s, follower running", "commands/s", "followed"),
        ("follower applies, while they write", "events/s", "applied"),
        ("follower catching up a backlog", "events/s", "backlog"),
    ]
    for label, unit, key in rows:
        if values.get(key):
            ratio = median(ratios) if key == "followed" else None
            section.add(Figure(f"{name}: {label}", median(values[key]), unit, ratio=ratio, samples=values[key]))
    for label, unit, key in (("events behind", "events", "behind"), ("seconds behind", "s", "seconds")):
        if pooled := values.get(key):  # none if every run ended before the first sample
            section.add(Figure(f"{name}: lag, {label}, median", median(pooled), unit))
            section.add(Figure(f"{name}: lag, {label}, max", max(pooled), unit))
    caught = values["caught up"]
    section.add(Figure(f"{name}: last commit to all applied", median(caught), "s", samples=caught))
    section.notes.append(
        f"{kind}: {writers} writer process{'es' if writers > 1 else ''} x {disputes:,} disputes x "
        f"{COMMANDS_PER_DISPUTE} commands per run, {rounds} rounds of two runs (without, with the follower; "
        f"rotating order); figures are medians over the rounds, the ratio (with ÷ without) the median of the "
        f"rounds' own; lag pooled over {len(values.get('behind', []))} samples (every {SAMPLE_EVERY:g} s); the "
        f"last figure is the rounds' median, max {max(caught):.2f} s. Backlogs caught up: "
        f"{', '.join(f'{b:,.0f}' for b in values.get('backlog events', [])) or 'none'} events."
    )


def run_follow(*, disputes: int, rounds: int, writers: int, sqlite_disputes: int) -> Section:
    """SQLite (one writer) and, with ``FENGQIAO_PG_DSN``, PostgreSQL (``writers``): a detached ledger followed."""
    section = Section("follow", f"A detached ledger followed while 1 (SQLite) or {writers} (PostgreSQL) writers append")
    dsn = os.environ.get(DSN_VARIABLE, "")
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ctx.Pool(writers) as pool, ctx.Pool(1) as lone:
        pools = _Pools(manager, pool, lone)
        with tempfile.TemporaryDirectory(prefix="fengqiao-follow-") as tmp:
            _part(section, pools, (SQLITE, str(Path(tmp) / "station.db")), 1, sqlite_disputes, rounds)
        if not dsn:
            section.notes.append(f"PostgreSQL skipped: {DSN_VARIABLE} is not set; set it to a server to measure it.")
            return section
        with _pg_schema(dsn) as schema:
            _part(section, pools, (POSTGRES, on_schema(dsn, schema)), writers, max(1, disputes // writers), rounds)
    return section
