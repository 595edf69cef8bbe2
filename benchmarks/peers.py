"""fengqiao beside ``eventsourcing``: the same stored lifecycle on the same databases, as ratios.

``eventsourcing`` (pinned in the ``bench`` extra) is the library a developer would otherwise pick
to store a dispute's history. Both sides run the lifecycle of the ``sqlite`` and ``postgres``
sections, each command its own transaction::

    discover -> grade -> mediate -> resolve -> record_visit -> close

fengqiao through ``fengqiao.storage.Repository`` (``discover``, ``fire``) under ``baseline``;
``eventsourcing`` through an ``Application`` and the ``Dispute`` aggregate below, written the
way its documentation shows (a command method checks, then triggers an ``@event`` method; the
application's ``save`` stores the new events). Both hold the value they are working on between
commands (fengqiao's repository does not reload a value it returned; the aggregate is kept in
hand), and both refuse ``close`` until a visit has been recorded (``check_guards`` proves it,
outside any timing).

The sides alternate round after round (rotating order); every ratio, fengqiao ÷ eventsourcing,
is taken within its round, and the report gives the medians of the figures and of the ratios.
SQLite: a fresh file per side and round in a temporary directory. PostgreSQL (``FENGQIAO_PG_DSN``):
a schema of its own per side, created and dropped here; without the variable that part is skipped
with a note. The 8 writers are processes on separate streams, started by one signal
(``storage._pg_parallel_run``); :mod:`benchmarks.cpu` reads where their CPU goes.
"""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

import fengqiao as fq
from benchmarks.cpu import CpuUse, ceiling, read_clock, used
from benchmarks.lifecycles import TABLE, Refused
from benchmarks.measure import Figure, Section, median, timed
from benchmarks.storage import (
    COMMANDS_PER_DISPUTE,
    DSN_VARIABLE,
    OFFICER,
    _lifecycles,
    _load_and_replay,
    _pg_parallel_run,
    _pg_schema,
    discover,
    on_schema,
    start_together,
)
from fengqiao.storage import EventStore, Repository, SQLiteEventStore

__all__ = ["Dispute", "DisputeApp", "check_guards", "run_peers"]

FENGQIAO = "fengqiao"
PEER = "eventsourcing"


# -- the eventsourcing side ----------------------------------------------------------------------
class Dispute(Aggregate):
    """The compared lifecycle as an ``eventsourcing`` aggregate: the base graph's moves, one guard.

    Each command checks the move against the base lifecycle's table (the same one the hand-written
    table of ``lifecycles.py`` uses) and ``close`` also needs a recorded visit; then it triggers its
    event, whose method changes the state (and runs again on replay).
    """

    state: str
    visits: int

    @event("Discovered")
    def __init__(self, channel: str, category: str, summary: str, parties: list[str], actor: str) -> None:
        self.state = "discovered"
        self.category = category
        self.visits = 0

    def _allow(self, trigger: str) -> None:
        if (self.state, trigger) not in TABLE:
            raise Refused(f"{trigger} not allowed from {self.state}")

    def grade(self, actor: str) -> None:
        self._allow("grade")
        self._graded(actor=actor, level="simple" if self.category == "neighbour" else "ordinary")

    @event("Graded")
    def _graded(self, actor: str, level: str) -> None:
        self.state = "graded"
        self.level = level

    def mediate(self, actor: str, forces: list[str]) -> None:
        self._allow("mediate")
        self._mediated(actor=actor, forces=forces)

    @event("MediationStarted")
    def _mediated(self, actor: str, forces: list[str]) -> None:
        self.state = "mediating"
        self.forces = forces

    def resolve(self, actor: str) -> None:
        self._allow("resolve")
        self._resolved(actor=actor)

    @event("Resolved")
    def _resolved(self, actor: str) -> None:
        self.state = "follow_up"

    def record_visit(self, actor: str, kind: str) -> None:
        self._allow("record_visit")
        self._visited(actor=actor, kind=kind)

    @event("VisitRecorded")
    def _visited(self, actor: str, kind: str) -> None:
        self.visits += 1

    def close(self, actor: str) -> None:
        self._allow("close")
        if self.visits == 0:
            raise Refused("close refused: no follow-up visit recorded")
        self._closed(actor=actor)

    @event("Closed")
    def _closed(self, actor: str) -> None:
        self.state = "closed"


class DisputeApp(Application[UUID]):
    """The ``eventsourcing`` application: its persistence comes from ``env`` (``PERSISTENCE_MODULE`` …)."""


def _es_lifecycles(app: DisputeApp, n: int) -> list[UUID]:
    """Run ``n`` disputes through discover + the five commands, each saved in its own transaction."""
    ids = []
    save = app.save
    for _ in range(n):
        d = Dispute(
            channel=str(fq.Channel.ALARM_110),
            category=str(fq.Category.NEIGHBOUR),
            summary="车辆堵住车库出口",
            parties=["赵某"],
            actor=OFFICER,
        )
        save(d)
        d.grade(actor=OFFICER)
        save(d)
        d.mediate(actor=OFFICER, forces=[str(fq.MediationForce.POLICE_OFFICE)])
        save(d)
        d.resolve(actor=OFFICER)
        save(d)
        d.record_visit(actor=OFFICER, kind=str(fq.VisitKind.PHONE))
        save(d)
        d.close(actor=OFFICER)
        save(d)
        ids.append(d.id)
    return ids


def _es_commands(app: DisputeApp, n: int) -> int:
    return len(_es_lifecycles(app, n)) * COMMANDS_PER_DISPUTE


def _es_load_and_replay(app: DisputeApp, ids: list[UUID]) -> int:
    """``app.repository.get`` every id: select the stream, decode each event, apply it to a new aggregate."""
    get = app.repository.get
    return sum(get(i).version for i in ids)


def sqlite_env(path: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}


def postgres_env(dsn: str, schema: str) -> dict[str, str]:
    """``eventsourcing``'s settings for the server of ``dsn``, its tables in ``schema``.

    One pooled connection is kept open (``POSTGRES_POOL_SIZE=1``; its default opens five), as
    fengqiao's pool does; each side's writer is one thread.
    """
    from psycopg.conninfo import conninfo_to_dict

    parts = conninfo_to_dict(dsn)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(parts.get("dbname", "")),
        "POSTGRES_HOST": str(parts.get("host", "localhost")),
        "POSTGRES_PORT": str(parts.get("port", "5432")),
        "POSTGRES_USER": str(parts.get("user", "")),
        "POSTGRES_PASSWORD": str(parts.get("password", "")),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": "1",
        "CREATE_TABLE": "y",
    }


def _pragmas(app: DisputeApp) -> tuple[str, int]:
    """The journal mode and ``synchronous`` level eventsourcing's SQLite connections run with."""
    from eventsourcing.sqlite import SQLiteFactory

    assert isinstance(app.factory, SQLiteFactory)
    with app.factory.datastore.transaction(commit=False) as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = str(cursor.fetchone()[0])
        cursor.execute("PRAGMA synchronous")
        level = int(cursor.fetchone()[0])
    return mode, level


# -- the guards, proved outside the timing -------------------------------------------------------
def check_guards(store: EventStore, app: DisputeApp) -> None:
    """Raise ``AssertionError`` unless both sides refuse ``close`` before a visit and store it after."""
    repo = Repository(fq.Workflow("baseline"), store)
    d = discover(repo, "guard")
    d = repo.fire(d, fq.Trigger.GRADE, actor=OFFICER)
    d = repo.fire(d, fq.Trigger.MEDIATE, actor=OFFICER, forces=(fq.MediationForce.POLICE_OFFICE,))
    d = repo.fire(d, fq.Trigger.RESOLVE, actor=OFFICER)
    codes: list[str] = []
    try:
        repo.fire(d, fq.Trigger.CLOSE, actor=OFFICER)
    except fq.TransitionRefused as refused:
        codes = [r.code for r in refused.refusals]
    assert codes == ["baseline.close.no-visit"], codes
    assert repo.get("guard").state is fq.State.FOLLOW_UP
    d = repo.fire(d, fq.Trigger.RECORD_VISIT, actor=OFFICER, kind=fq.VisitKind.PHONE)
    repo.fire(d, fq.Trigger.CLOSE, actor=OFFICER)
    stored = repo.get("guard")
    assert (stored.state, stored.version) == (fq.State.CLOSED, COMMANDS_PER_DISPUTE), stored

    agg = Dispute(channel="110", category="neighbour", summary="车辆堵住车库出口", parties=["赵某"], actor=OFFICER)
    agg.grade(actor=OFFICER)
    agg.mediate(actor=OFFICER, forces=["police_office"])
    agg.resolve(actor=OFFICER)
    app.save(agg)
    reason = ""
    try:
        agg.close(actor=OFFICER)
    except Refused as refused:
        reason = str(refused)
    assert reason == "close refused: no follow-up visit recorded", reason
    app.save(agg)  # nothing pending: the refused close triggered no event
    assert app.repository.get(agg.id).state == "follow_up"
    agg.record_visit(actor=OFFICER, kind="phone")
    agg.close(actor=OFFICER)
    app.save(agg)
    back: Dispute = app.repository.get(agg.id)
    assert (back.state, back.version) == ("closed", COMMANDS_PER_DISPUTE), (back.state, back.version)


# -- rounds and figures --------------------------------------------------------------------------
class Round(NamedTuple):
    """One side's round: durable commands/s, load-and-replay events/s, and the CPU the commands took."""

    commands: float
    loads: float
    cpu: CpuUse | None
    """This process's and the local server's CPU over the commands (:mod:`benchmarks.cpu`)."""


def _metered(run: Callable[[], int]) -> tuple[float, int, CpuUse | None]:
    """``timed(run)`` with the CPU clocks read just outside the timing (a reading takes milliseconds)."""
    gc.collect()
    before = read_clock()
    seconds, count = timed(run)
    return seconds, count, used(before, read_clock())


def _fq_round(repo: Repository, disputes: int, prefix: str) -> Round:
    """fengqiao: durable commands/s over ``disputes`` lifecycles, then load-and-replay events/s of them."""
    seconds, count, cpu = _metered(partial(_lifecycles, repo, disputes, prefix))
    load, events = timed(partial(_load_and_replay, repo, [f"{prefix}{i}" for i in range(disputes)]))
    return Round(count / seconds, events / load, cpu)


def _es_round(app: DisputeApp, disputes: int) -> Round:
    """eventsourcing: the same figures."""
    ids: list[UUID] = []

    def commands() -> int:
        ids.extend(_es_lifecycles(app, disputes))
        return len(ids) * COMMANDS_PER_DISPUTE

    seconds, count, cpu = _metered(commands)
    load, events = timed(partial(_es_load_and_replay, app, ids))
    return Round(count / seconds, events / load, cpu)


Samples = dict[str, list[float]]


def _rotated(sides: list[str], r: int) -> list[str]:
    return sides[r % len(sides) :] + sides[: r % len(sides)]


def _figures(
    section: Section,
    values: Samples,
    rows: list[tuple[str, str, str, str, float]],
) -> None:
    """Add ``(name, unit, key, reference key, budget floor)`` rows: median figure, median per-round ratio."""
    for name, unit, key, ref, floor in rows:
        ratios = [v / r for v, r in zip(values[key], values[ref], strict=True)] if ref else []
        ratio = median(ratios) if ratios else None
        budget = f"≥ x{floor:g} {PEER}" if floor else ""
        section.add(
            Figure(
                name,
                median(values[key]),
                unit,
                ratio=ratio,
                budget=budget,
                met=None if not floor or ratio is None else ratio >= floor,
                samples=values[key],
            )
        )


def _sqlite(section: Section, disputes: int, rounds: int) -> None:
    values: Samples = {}
    journal: tuple[str, int] = ("", 0)
    with tempfile.TemporaryDirectory(prefix="fengqiao-peers-") as tmp:
        with SQLiteEventStore(Path(tmp) / "guard.db", synchronous="FULL") as store:
            app = DisputeApp(env=sqlite_env(Path(tmp) / "guard-es.db"))
            check_guards(store, app)
            _lifecycles(Repository(fq.Workflow("baseline"), store), 2, "warm")  # first-call costs
            _es_lifecycles(app, 2)
            app.close()
        for r in range(rounds):
            for side in _rotated([f"{FENGQIAO} FULL", f"{FENGQIAO} NORMAL", PEER], r):
                path = Path(tmp) / f"{side.replace(' ', '-')}-{r}.db"
                if side == PEER:
                    app = DisputeApp(env=sqlite_env(path))
                    journal = _pragmas(app)
                    commands, loads, _ = _es_round(app, disputes)
                    app.close()
                else:
                    with SQLiteEventStore(path, synchronous="FULL" if "FULL" in side else "NORMAL") as store:
                        commands, loads, _ = _fq_round(Repository(fq.Workflow("baseline"), store), disputes, "C")
                values.setdefault(f"{side} commands", []).append(commands)
                values.setdefault(f"{side} load", []).append(loads)
    _figures(
        section,
        values,
        [
            (f"SQLite, {PEER}: commands/s (its own: WAL, FULL)", "commands/s", f"{PEER} commands", "", 0),
            (
                f"SQLite, {FENGQIAO}: commands/s, synchronous=FULL",
                "commands/s",
                f"{FENGQIAO} FULL commands",
                f"{PEER} commands",
                0,
            ),
            (
                f"SQLite, {FENGQIAO}: commands/s, synchronous=NORMAL (default)",
                "commands/s",
                f"{FENGQIAO} NORMAL commands",
                f"{PEER} commands",
                0,
            ),
            (f"SQLite, {PEER}: load-and-replay", "events/s", f"{PEER} load", "", 0),
            (
                f"SQLite, {FENGQIAO}: load-and-replay",
                "events/s",
                f"{FENGQIAO} FULL load",
                f"{PEER} load",
                0,
            ),
        ],
    )
    mode, level = journal
    section.notes.append(
        f"SQLite: {disputes:,} disputes x {COMMANDS_PER_DISPUTE} commands per side and round, {rounds} rounds "
        f"(rotating order, median), a new file per side and round on local disk. {PEER} cannot be configured "
        f"for synchronous: it sets journal_mode=WAL and leaves SQLite's default, read back here as "
        f"journal_mode={mode}, synchronous={level} ({_LEVELS.get(level, '?')}); fengqiao runs WAL with "
        "synchronous=FULL and, beside it, its default NORMAL. Both ratios are to eventsourcing's commands; "
        "load-and-replay reads the FULL file (reading does not depend on synchronous)."
    )


_LEVELS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


# -- PostgreSQL ----------------------------------------------------------------------------------
def _fq_writer(conninfo: str, prefix: str, disputes: int, ready: Any, start: Any) -> tuple[int, float]:
    """One fengqiao writer process (``storage._pg_parallel_run`` runs it): ``PostgresEventStore(dsn)``."""
    from fengqiao.storage import PostgresEventStore

    with PostgresEventStore(conninfo) as store:
        repo = Repository(fq.Workflow("baseline"), store)
        return start_together(partial(_lifecycles, repo), prefix, disputes, ready, start)


def _es_writer(env: dict[str, str], prefix: str, disputes: int, ready: Any, start: Any) -> tuple[int, float]:
    """One eventsourcing writer process: its own ``DisputeApp`` on the side's schema (its tables made already)."""
    app = DisputeApp(env={**env, "CREATE_TABLE": "n"})
    try:
        return start_together(lambda n, _prefix: _es_commands(app, n), prefix, disputes, ready, start)
    finally:
        app.close()


@contextmanager
def _pg_sides(dsn: str) -> Iterator[tuple[str, dict[str, str]]]:
    """fengqiao's connection string and eventsourcing's settings, each on a fresh schema of its own."""
    with ExitStack() as stack:
        fq_schema = stack.enter_context(_pg_schema(dsn))
        es_schema = stack.enter_context(_pg_schema(dsn))
        yield on_schema(dsn, fq_schema), postgres_env(dsn, es_schema)


def _postgres(section: Section, dsn: str, disputes: int, rounds: int, writers: int) -> None:
    from fengqiao.storage import PostgresEventStore

    values: Samples = {}
    per_writer = max(1, disputes // writers)
    with _pg_sides(dsn) as (conninfo, env):
        with PostgresEventStore(conninfo) as store:
            app = DisputeApp(env=env)
            check_guards(store, app)
            app.close()
        for r in range(rounds):
            for side in _rotated([FENGQIAO, PEER], r):
                if side == PEER:
                    app = DisputeApp(env=env)
                    _es_lifecycles(app, 1)  # a new pool's first connection, out of the timing
                    one = _es_round(app, disputes)
                    app.close()
                else:
                    with PostgresEventStore(conninfo) as store:
                        repo = Repository(fq.Workflow("baseline"), store)
                        _lifecycles(repo, 1, f"warm{r}-")
                        one = _fq_round(repo, disputes, f"one{r}-")
                values.setdefault(f"{side} one", []).append(one.commands)
                values.setdefault(f"{side} load", []).append(one.loads)
                _one_writer_cpu(values, side, one, disputes * COMMANDS_PER_DISPUTE)
            for side in _rotated([FENGQIAO, PEER], r):
                target: Any = conninfo if side == FENGQIAO else env
                writer = _fq_writer if side == FENGQIAO else _es_writer
                many, commands, cpu = _pg_parallel_run(target, writers, per_writer, f"r{r}", writer=writer)
                values.setdefault(f"{side} many", []).append(many)
                if cpu is not None:
                    values.setdefault(f"{side} busy", []).append(100 * cpu.share)
                    values.setdefault(f"{side} cpu many", []).append(1e6 * cpu.busy / commands)
        for side in (FENGQIAO, PEER):
            values[f"{side} scaling"] = [
                m / o for m, o in zip(values[f"{side} many"], values[f"{side} one"], strict=True)
            ]
    _figures(
        section,
        values,
        [
            (f"PostgreSQL, {PEER}: commands/s, 1 writer", "commands/s", f"{PEER} one", "", 0),
            (
                f"PostgreSQL, {FENGQIAO}: commands/s, 1 writer",
                "commands/s",
                f"{FENGQIAO} one",
                f"{PEER} one",
                1.5,
            ),
            (f"PostgreSQL, {PEER}: load-and-replay", "events/s", f"{PEER} load", "", 0),
            (f"PostgreSQL, {FENGQIAO}: load-and-replay", "events/s", f"{FENGQIAO} load", f"{PEER} load", 1.5),
            (f"PostgreSQL, {PEER}: commands/s, {writers} writer processes", "commands/s", f"{PEER} many", "", 0),
            (
                f"PostgreSQL, {FENGQIAO}: commands/s, {writers} writer processes",
                "commands/s",
                f"{FENGQIAO} many",
                f"{PEER} many",
                1.5,
            ),
            (f"PostgreSQL, {PEER}: {writers} writers ÷ 1 writer", "x", f"{PEER} scaling", "", 0),
            (f"PostgreSQL, {FENGQIAO}: {writers} writers ÷ 1 writer", "x", f"{FENGQIAO} scaling", "", 0),
        ],
    )
    scaling = section.figures[-1]
    scaling.budget, scaling.met = "≥ x2.5 (issue #16)", scaling.value >= 2.5
    section.notes.append(
        f"PostgreSQL: 1 writer {disputes:,} disputes x {COMMANDS_PER_DISPUTE} commands per side and round; "
        f"{writers} writers: {per_writer:,} disputes each, separate processes and streams, timed from a common "
        f"start signal; {rounds} rounds (rotating order, median). Each side in a schema of its own on the same "
        "server. fengqiao: PostgresEventStore(dsn) with its defaults; eventsourcing: its defaults but "
        "POSTGRES_POOL_SIZE=1. Budgets are issue #16's (item 2); the scaling ratio's value is the median of the "
        "rounds' own ratios."
    )
    _cpu_figures(section, values, writers)


def _one_writer_cpu(values: Samples, side: str, one: Round, commands: int) -> None:
    """Record one writer's CPU per command (its own, the server's) and the ceiling of N ÷ 1 it gives."""
    cpu = one.cpu
    if cpu is None or cpu.server is None:
        return
    add = values.setdefault
    add(f"{side} client", []).append(1e6 * cpu.own / commands)
    add(f"{side} server", []).append(1e6 * cpu.server / commands)
    add(f"{side} wall", []).append(1e6 / one.commands)
    top = ceiling(cpu, commands / one.commands)
    if top is not None:
        add(f"{side} ceiling", []).append(top)


def _cpu_figures(section: Section, values: Samples, writers: int) -> None:
    """Where a command's time goes (:mod:`benchmarks.cpu`): CPU per command, machine busy, the ceiling of N ÷ 1."""
    rows: list[tuple[str, str, str, str, float]] = []
    for side in (PEER, FENGQIAO):
        rows += [
            (f"PostgreSQL, {side}, 1 writer: wall time per command", "µs", f"{side} wall", "", 0),
            (f"PostgreSQL, {side}, 1 writer: its own CPU per command", "µs", f"{side} client", "", 0),
            (f"PostgreSQL, {side}, 1 writer: the server's CPU per command", "µs", f"{side} server", "", 0),
            (f"PostgreSQL, {side}: ceiling of {writers} ÷ 1 on this machine", "x", f"{side} ceiling", "", 0),
            (f"PostgreSQL, {side}, {writers} writers: machine busy", "%", f"{side} busy", "", 0),
            (f"PostgreSQL, {side}, {writers} writers: the machine's CPU per command", "µs", f"{side} cpu many", "", 0),
        ]
    present = [row for row in rows if values.get(row[2])]
    if len(present) < len(rows):
        section.notes.append(
            "PostgreSQL CPU readings: some left out (they need Linux's /proc and the server on this machine)."
        )
    _figures(section, values, present)
    section.notes.append(
        "PostgreSQL CPU readings (benchmarks/cpu.py): one writer's own CPU and the server's (every process named "
        "postgres here) per command; the rest of its wall time is waiting (round trip, flush). Ceiling of N ÷ 1 = "
        "cores x one writer's wall time ÷ its CPU per command: what N writers could reach if a command cost them "
        "no more CPU than it costs one. Machine busy: all cores, start signal to last result (other work on the "
        "machine counts too)."
    )


def run_peers(*, disputes: int, rounds: int, pg_disputes: int, pg_rounds: int, writers: int) -> Section:
    """SQLite and, with ``FENGQIAO_PG_DSN``, PostgreSQL: fengqiao beside eventsourcing, ratios per round."""
    section = Section("peers", f"fengqiao beside {PEER} {_version()}: the same stored lifecycle (ratios fq ÷ es)")
    _sqlite(section, disputes, rounds)
    dsn = os.environ.get(DSN_VARIABLE, "")
    if not dsn:
        section.notes.append(f"PostgreSQL skipped: {DSN_VARIABLE} is not set; set it to a server to measure it.")
        return section
    _postgres(section, dsn, pg_disputes, pg_rounds, writers)
    return section


def _version() -> str:
    from importlib.metadata import version

    return version("eventsourcing")
