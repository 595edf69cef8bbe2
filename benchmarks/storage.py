"""SQLite and PostgreSQL: durable commands, appends, bulk imports (``append_many``), load-and-replay.

SQLite runs in a temporary directory on the local disk. PostgreSQL runs in a schema of its own
(created and dropped here) on the server named by ``FENGQIAO_PG_DSN``; without it the
PostgreSQL section is skipped with a note.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import fengqiao as fq
from benchmarks.corpus import SHORT, histories
from benchmarks.cpu import CpuUse, read_clock, used
from benchmarks.measure import Figure, Section, Skipped, median, timed
from fengqiao.storage import Append, EventStore, Repository, SQLiteEventStore

__all__ = ["Run", "run_postgres", "run_sqlite", "writers_at_once"]

DSN_VARIABLE = "FENGQIAO_PG_DSN"
OFFICER = "officer:xiao"
COMMANDS_PER_DISPUTE = 6
"""discover and the five commands of the compared lifecycle, each appended in its own transaction."""


def discover(repo: Repository, dispute_id: str) -> fq.Dispute:
    """The first command of the compared lifecycle, stored: a neighbour dispute reported on 110."""
    return repo.discover(
        channel=fq.Channel.ALARM_110,
        category=fq.Category.NEIGHBOUR,
        summary="车辆堵住车库出口",
        parties=(fq.Party(name="赵某"),),
        actor=OFFICER,
        dispute_id=dispute_id,
    )


def _lifecycles(repo: Repository, n: int, prefix: str) -> int:
    """Run ``n`` disputes through discover + the five commands, each stored as it is made."""
    for i in range(n):
        d = discover(repo, f"{prefix}{i}")
        d = repo.fire(d, fq.Trigger.GRADE, actor=OFFICER)
        d = repo.fire(d, fq.Trigger.MEDIATE, actor=OFFICER, forces=(fq.MediationForce.POLICE_OFFICE,))
        d = repo.fire(d, fq.Trigger.RESOLVE, actor=OFFICER)
        d = repo.fire(d, fq.Trigger.RECORD_VISIT, actor=OFFICER, kind=fq.VisitKind.PHONE)
        repo.fire(d, fq.Trigger.CLOSE, actor=OFFICER)
    return n * COMMANDS_PER_DISPUTE


def _append_each(store: EventStore, corpus: list[tuple[fq.Event, ...]]) -> int:
    """Append every event of every history in its own transaction (no workflow)."""
    for history in corpus:
        stream = history[0].dispute_id
        for version, event in enumerate(history):
            store.append(stream, (event,), expected_version=version)
    return sum(len(h) for h in corpus)


IMPORT_BATCH = 1_000
"""Histories per ``append_many`` (one transaction) in the bulk import."""


def _append_whole(store: EventStore, corpus: list[tuple[fq.Event, ...]]) -> int:
    """Append each history in its own transaction (the import before ``append_many`` existed)."""
    for history in corpus:
        store.append(history[0].dispute_id, history, expected_version=0)
    return sum(len(h) for h in corpus)


def _append_bulk(store: EventStore, corpus: list[tuple[fq.Event, ...]]) -> int:
    """Bulk import: ``IMPORT_BATCH`` whole histories per ``append_many`` transaction."""
    for start in range(0, len(corpus), IMPORT_BATCH):
        chunk = corpus[start : start + IMPORT_BATCH]
        store.append_many([Append(h[0].dispute_id, h, expected_version=0) for h in chunk])
    return sum(len(h) for h in corpus)


def _load_and_replay(repo: Repository, ids: list[str]) -> int:
    """``Repository.get`` every id: load the stream, decode each event, replay through the graph."""
    return sum(repo.get(i).version for i in ids)


def _load_only(store: EventStore, ids: list[str]) -> int:
    """``store.load`` every id (read and decode, no replay)."""
    return sum(len(store.load(i)) for i in ids)


def run_sqlite(*, disputes: int, rounds: int) -> Section:
    """SQLite, one writer: durable commands/s, appends/s, whole-history imports, load-and-replay."""
    section = Section("sqlite", "SQLite event store, one writer")
    corpus = histories(disputes, SHORT)
    events = sum(len(h) for h in corpus)
    samples: dict[str, list[float]] = {}

    def sample(name: str, value: float) -> None:
        samples.setdefault(name, []).append(value)

    with tempfile.TemporaryDirectory(prefix="fengqiao-bench-") as tmp:
        for r in range(rounds):
            for sync in ("NORMAL", "FULL"):
                path = Path(tmp) / f"commands-{sync}-{r}.db"
                with SQLiteEventStore(path, synchronous=sync) as store:
                    repo = Repository(fq.Workflow("baseline"), store)
                    seconds, count = timed(partial(_lifecycles, repo, disputes, "C"))
                    sample(f"durable commands/s (synchronous={sync})", count / seconds)
                    ids = [f"C{i}" for i in range(disputes)]
                    seconds, count = timed(partial(_load_and_replay, repo, ids))
                    sample("load-and-replay (Repository.get)", count / seconds)
            with SQLiteEventStore(Path(tmp) / f"appends-{r}.db") as store:
                seconds, count = timed(partial(_append_each, store, corpus))
                sample("append one event per transaction", count / seconds)
            with SQLiteEventStore(Path(tmp) / f"import-each-{r}.db") as store:
                seconds, count = timed(partial(_append_whole, store, corpus))
                sample("import: one whole history per append", count / seconds)
            with SQLiteEventStore(Path(tmp) / f"import-{r}.db") as store:
                seconds, count = timed(partial(_append_bulk, store, corpus))
                sample(f"bulk import: append_many, {IMPORT_BATCH:,} histories per transaction", count / seconds)
                ids = [h[0].dispute_id for h in corpus]
                seconds, count = timed(partial(_load_only, store, ids))
                sample("load only (store.load, decode)", count / seconds)
    budgets: dict[str, tuple[str, float]] = {
        "durable commands/s (synchronous=NORMAL)": ("≥ 10,000 commands/s", 10_000),
        f"bulk import: append_many, {IMPORT_BATCH:,} histories per transaction": ("≥ 100,000 events/s", 100_000),
        "load-and-replay (Repository.get)": ("≥ 200,000 events/s", 200_000),
    }
    for name, values in samples.items():
        unit = "commands/s" if name.startswith("durable") else "events/s"
        budget, floor = budgets.get(name, ("", 0.0))
        section.add(
            Figure(
                name,
                median(values),
                unit,
                budget=budget,
                met=median(values) >= floor if budget else None,
                samples=values,
            )
        )
    section.notes.append(
        f"{disputes:,} disputes ({disputes * COMMANDS_PER_DISPUTE:,} commands; {events:,} events for the "
        f"append/import/load figures), {rounds} rounds (median), file in a temporary directory on local ext4. "
        "A durable command is Repository.discover/fire: the full command path plus one append transaction. "
        "synchronous=NORMAL (the default) survives a killed process, FULL also a power cut. "
        f"Bulk import: append_many of {IMPORT_BATCH:,} whole histories per transaction; the older figure, "
        "one whole history per append, is kept for comparison."
    )
    return section


# -- PostgreSQL ----------------------------------------------------------------------------------
@contextmanager
def _pg_schema(dsn: str) -> Iterator[str]:
    """A fresh schema for the benchmark, dropped with everything in it afterwards; yields its name."""
    import psycopg
    from psycopg import sql

    name = f"fengqiao_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def on_schema(dsn: str, schema: str) -> str:
    """The connection string ``dsn`` with ``schema`` first on the search path."""
    from psycopg.conninfo import make_conninfo

    return make_conninfo(dsn, options=f"-c search_path={schema}")


def _pg_writer(conninfo: str, prefix: str, disputes: int, ready: Any, start: Any) -> tuple[int, float]:
    """One writer process: connect, say so, wait for the start signal, run its disputes, report."""
    from fengqiao.storage import PostgresEventStore

    with PostgresEventStore(conninfo, max_size=1) as store:
        repo = Repository(fq.Workflow("baseline"), store)
        return start_together(partial(_lifecycles, repo), prefix, disputes, ready, start)


def start_together(
    run: Callable[[int, str], int], prefix: str, disputes: int, ready: Any, start: Any
) -> tuple[int, float]:
    """In a writer process: warm up, say so, wait for the start signal, ``run(disputes, prefix)`` and time it."""
    run(1, f"{prefix}warm-")  # first-call costs out of the timing
    ready.put(prefix)
    start.wait()
    began = time.perf_counter()
    count = run(disputes, prefix)
    return count, time.perf_counter() - began


Writer = Callable[[Any, str, int, Any, Any], tuple[int, float]]
"""A writer process's function: ``(target, prefix, disputes, ready, start) -> (commands, seconds)``."""


def _wait_ready(ready: Any, results: list[Any], writers: int, timeout: float = 120) -> None:
    """Wait until every writer is connected and warmed up; raise a writer's own error if one fails."""
    deadline = time.perf_counter() + timeout
    waiting = writers
    while waiting:
        try:
            ready.get(timeout=0.5)
            waiting -= 1
        except queue.Empty:
            for result in results:
                if result.ready():
                    result.get()  # a writer that ended before the start signal: raises its error
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{waiting} of {writers} writers not ready after {timeout:g} s") from None


class Run(NamedTuple):
    """What :func:`writers_at_once` saw: each writer's ``(commands, seconds)``, the start and end, the CPU used."""

    done: list[tuple[int, float]]
    began: float
    """``time.monotonic()`` of the start signal (on Linux, the clock every process on the machine shares)."""
    ended: float
    """``time.monotonic()`` when the last result arrived."""
    cpu: CpuUse | None
    """The machine's CPU from the start signal to the last result (:mod:`benchmarks.cpu`); ``None`` off Linux."""


def writers_at_once(pool: Any, manager: Any, target: Any, writers: int, disputes: int, tag: str, writer: Writer) -> Run:
    """Run ``writer`` in ``writers`` processes of ``pool`` (spawned), started by one signal when all are ready."""
    ready = manager.Queue()
    start = manager.Event()
    results = [pool.apply_async(writer, (target, f"{tag}w{w}-", disputes, ready, start)) for w in range(writers)]
    _wait_ready(ready, results, writers)
    before = read_clock()
    began = time.monotonic()
    start.set()
    done = [r.get(timeout=600) for r in results]
    ended = time.monotonic()
    return Run(done, began, ended, used(before, read_clock()))


def _pg_parallel(target: Any, writers: int, disputes: int, tag: str, writer: Writer = _pg_writer) -> float:
    """Commands per second of ``writers`` processes, each running ``disputes`` lifecycles at once."""
    return _pg_parallel_run(target, writers, disputes, tag, writer)[0]


def _pg_parallel_run(
    target: Any, writers: int, disputes: int, tag: str, writer: Writer = _pg_writer
) -> tuple[float, int, CpuUse | None]:
    """Commands per second of ``writers`` processes, the commands, and the machine's CPU meanwhile.

    Each process runs ``writer`` (a module-level function, so that it can be pickled) on ``target``
    (fengqiao's connection string, or another library's settings), says it is ready, and starts
    when every one of them is.
    """
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ctx.Pool(writers) as pool:
        run = writers_at_once(pool, manager, target, writers, disputes, tag, writer)
    commands = sum(count for count, _ in run.done)
    return commands / (run.ended - run.began), commands, run.cpu


def run_postgres(*, disputes: int, rounds: int, writers: int = 8) -> Section:
    """PostgreSQL: durable commands/s with one writer and with ``writers`` processes; load-and-replay."""
    section = Section("postgres", f"PostgreSQL event store, 1 and {writers} concurrent writer processes")
    dsn = os.environ.get(DSN_VARIABLE, "")
    if not dsn:
        raise Skipped(f"{DSN_VARIABLE} is not set; set it to a PostgreSQL server to measure this section")
    try:
        import psycopg  # noqa: F401
    except ModuleNotFoundError as exc:  # pragma: no cover - the dev extra installs it
        raise Skipped("psycopg is not installed (pip install 'fengqiao[postgres]')") from exc
    from fengqiao.storage import PostgresEventStore

    one: list[float] = []
    many: list[float] = []
    loads: list[float] = []
    bulk: list[float] = []
    corpora = [histories(disputes, SHORT, prefix=f"bulk{r}-") for r in range(rounds)]
    per_writer = max(1, disputes // writers)
    with _pg_schema(dsn) as schema:
        conninfo = on_schema(dsn, schema)
        for r in range(rounds):
            with PostgresEventStore(conninfo, max_size=1) as store:
                repo = Repository(fq.Workflow("baseline"), store)
                seconds, count = timed(partial(_lifecycles, repo, disputes, f"one{r}-"))
                one.append(count / seconds)
                ids = [f"one{r}-{i}" for i in range(disputes)]
                seconds, count = timed(partial(_load_and_replay, repo, ids))
                loads.append(count / seconds)
                seconds, count = timed(partial(_append_bulk, store, corpora[r]))
                bulk.append(count / seconds)
            many.append(_pg_parallel(conninfo, writers, per_writer, f"r{r}"))
    section.add(Figure("durable commands/s, 1 writer", median(one), "commands/s", samples=one))
    section.add(
        Figure(
            f"durable commands/s, {writers} writer processes (total)",
            median(many),
            "commands/s",
            ratio=median(many) / median(one),
            samples=many,
        )
    )
    section.add(Figure("load-and-replay (Repository.get)", median(loads), "events/s", samples=loads))
    section.add(
        Figure(
            f"bulk import: append_many, {IMPORT_BATCH:,} histories per transaction",
            median(bulk),
            "events/s",
            samples=bulk,
        )
    )
    section.notes.append(
        f"1 writer: {disputes:,} disputes x {COMMANDS_PER_DISPUTE} commands; {writers} writers: {per_writer:,} "
        f"disputes each, separate processes, separate streams, timed from a common start signal; "
        f"{rounds} rounds (median). The ratio is {writers} writers to 1. Appends to different streams "
        "run at once (one call of fengqiao_append each, see storage/postgres.py); the 2 cores also run the "
        "server and the writers."
    )
    return section
