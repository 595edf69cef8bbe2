"""Followers in real processes: writers append while followers run, are killed with SIGKILL and restarted.

At the end every event has been applied exactly once: the ledger's rows equal a rebuild and
each stored value, and the counting projection applied each position once. The PostgreSQL
tests use the storage tests' fixtures (``FENGQIAO_PG_DSN``, a schema per test; they fail
with ``CI=true`` when it is not set). Nothing here asserts a time: waits have generous
deadlines and only decide when to go on.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import psycopg
import pytest

import fengqiao as fq
from fengqiao.ledger import PostgresLedger, SQLiteLedger
from fengqiao.ledger._sql import SQLLedger
from fengqiao.lifecycle.payloads import ClosePayload
from fengqiao.storage import Repository
from tests.ledger.following import POISON, child, ledger_command, open_counter, open_store, spawn
from tests.storage.test_postgres import conninfo, dsn, schema

__all__ = ["conninfo", "dsn", "schema"]  # the fixtures this module takes from the storage tests

Query = Callable[[str], list[tuple[Any, ...]]]
WRITERS = 3
COMMANDS = 40
DEADLINE = 120.0


def _sqlite_query(path: Path) -> Query:
    def run(sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(path) as conn:
            try:
                return conn.execute(sql).fetchall()
            except sqlite3.OperationalError:  # a table not made yet
                return []

    return run


def _pg_query(target: str) -> Query:
    def run(sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(target, autocommit=True) as conn:
            try:
                cur = conn.execute(sql)
            except psycopg.errors.UndefinedTable:
                return []
            return cur.fetchall() if cur.description else []

    return run


def _checkpoints(query: Query) -> tuple[int, int]:
    """The ledger's position and the counter's checkpoint (0 while not made)."""
    ledger = query("SELECT position FROM dispute_ledger_state")
    counted = query("SELECT position FROM fengqiao_subscriptions WHERE name = 'count'")
    return (ledger[0][0] if ledger else 0), (counted[0][0] if counted else 0)


def _until(what: Callable[[], bool], procs: Sequence[subprocess.Popen[str]], logs: Path) -> None:
    deadline = time.monotonic() + DEADLINE
    while not what():
        failed = [p.args for p in procs if p.poll() not in (None, 0, -signal.SIGKILL)]
        assert not failed, f"a child failed: {failed}\n{_logs(logs)}"
        assert time.monotonic() < deadline, f"gave up waiting\n{_logs(logs)}"
        time.sleep(0.05)


def _logs(logs: Path) -> str:
    return "\n".join(f"== {p.name}\n{p.read_text()}" for p in sorted(logs.glob("*.log")))


def _kill(*procs: subprocess.Popen[str]) -> None:
    for proc in procs:
        proc.send_signal(signal.SIGKILL)
    for proc in procs:
        assert proc.wait(timeout=30) == -signal.SIGKILL


def _followers(backend: str, target: str, logs: Path, round_: int) -> list[subprocess.Popen[str]]:
    return [
        spawn(ledger_command(backend, target, "--batch", "3", "--interval", "0.05"), logs / f"ledger{round_}.log"),
        spawn(child("count", backend, target), logs / f"count{round_}.log"),
    ]


def follow_through_kills(backend: str, target: str, query: Query, logs: Path) -> None:
    """Writers append while both followers run; the followers are killed twice mid-way and restarted."""
    with open_store(backend, target):
        pass  # the store's tables exist before anyone reads them
    started: list[subprocess.Popen[str]] = []
    try:
        writers = [
            spawn(child("write", backend, target, str(COMMANDS), f"w{n}"), logs / f"w{n}.log") for n in range(WRITERS)
        ]
        started += writers
        for round_ in (1, 2):
            followers = _followers(backend, target, logs, round_)
            started += followers
            first = _checkpoints(query)
            # each checkpoint moved (a batch committed since the start), or the writers are done
            _until(
                lambda first=first: (  # type: ignore[misc]
                    all(now > was for now, was in zip(_checkpoints(query), first, strict=True))
                    or all(w.poll() is not None for w in writers)
                ),
                started,
                logs,
            )
            _kill(*followers)  # mid-way, most likely with writers still appending and batches in flight
        followers = _followers(backend, target, logs, 3)
        started += followers
        for writer in writers:
            assert writer.wait(timeout=DEADLINE) == 0, _logs(logs)
        last = query("SELECT max(position) FROM fengqiao_events")[0][0]
        _until(lambda: _checkpoints(query) == (last, last), started, logs)
        for proc in followers:
            proc.send_signal(signal.SIGTERM)  # a clean stop
        for proc in followers:
            assert proc.wait(timeout=30) == 0, _logs(logs)
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)


def check_exactly_once(ledger: SQLLedger[Any], query: Query) -> None:
    """Every event applied once: the counter's table, the ledger against a rebuild and the stored values."""
    positions = [s.position for s in ledger.store.read_all()]
    assert len(positions) == WRITERS * COMMANDS
    assert query("SELECT position, times FROM applied ORDER BY position") == [(p, 1) for p in positions]
    assert ledger.position == positions[-1]
    assert ledger.problems() == ()
    rows = ledger.disputes()
    assert len(rows) == WRITERS * COMMANDS // 4
    repo = Repository(fq.Workflow("baseline"), ledger.store)
    assert all(ledger.get(row.id) == repo.get(row.id) for row in rows)
    assert ledger.rebuild() == len(positions)
    assert ledger.disputes() == rows


def test_sqlite_followers_apply_every_event_once_through_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "station.db"
    query = _sqlite_query(path)
    follow_through_kills("sqlite", str(path), query, tmp_path)
    with SQLiteLedger(path, attached=False) as ledger:
        check_exactly_once(ledger, query)


@pytest.mark.postgres
def test_postgres_followers_apply_every_event_once_through_kill_9(conninfo: str, tmp_path: Path) -> None:
    query = _pg_query(conninfo)
    follow_through_kills("postgres", conninfo, query, tmp_path)
    with PostgresLedger(conninfo, attached=False) as ledger:
        check_exactly_once(ledger, query)


@pytest.mark.postgres
def test_postgres_poison_is_quarantined_and_the_followers_go_on(conninfo: str) -> None:
    wf = fq.Workflow("baseline")
    with PostgresLedger(conninfo, attached=False) as ledger, open_counter("postgres", conninfo) as counter:
        repo = Repository(wf, ledger.store)
        before = repo.discover(channel="alarm_110", category="neighbour", summary="前", actor="officer:xiao")
        d = wf.discover(
            channel="alarm_110", category="debt", summary="毒", actor="officer:xiao", dispute_id=POISON + "1"
        )
        closed = fq.Closed(
            dispute_id=d.id, at=d.updated_at, actor=fq.Actor.parse("officer:xiao"), payload=ClosePayload()
        )
        ledger.store.append(d.id, (*d.history, closed), expected_version=0)  # unchecked: a close from discovered
        after = repo.discover(channel="alarm_110", category="neighbour", summary="后", actor="officer:xiao")

        assert ledger.follower().catch_up() == 4
        assert counter.catch_up() == 4
        assert [r.id for r in ledger.disputes()] == sorted([before.id, after.id])
        assert [(p.stream_id, p.version) for p in ledger.problems()] == [(d.id, 1)]
        assert [(p.stream_id, p.version) for p in counter.problems()] == [(d.id, 1), (d.id, 2)]
        assert "the counter refuses" in counter.problems()[0].reason
        positions = [e.position for e in ledger.store.read_all()]  # large and with gaps on PostgreSQL
        assert counter.position == ledger.position == positions[-1]
        assert sorted(r[0] for r in _pg_query(conninfo)("SELECT position FROM applied")) == [positions[0], positions[3]]


@pytest.mark.postgres
def test_postgres_follower_wakes_at_a_notification_on_its_channel(conninfo: str, tmp_path: Path) -> None:
    """With an hour between polls, only the NOTIFY on ``fengqiao_events_<schema>`` can wake it."""
    query = _pg_query(conninfo)
    with PostgresLedger(conninfo, attached=False) as ledger:
        channel = ledger.follower().channel
        assert channel == f"fengqiao_events_{ledger.store.schema}"
        repo = Repository(fq.Workflow("baseline"), ledger.store)
        repo.discover(channel="alarm_110", category="neighbour", summary="一", actor="officer:xiao")
        first = [e.position for e in ledger.store.read_all()][-1]
        follower = spawn(ledger_command("postgres", conninfo, "--interval", "3600"), tmp_path / "ledger.log")
        try:
            _until(lambda: _checkpoints(query)[0] == first, [follower], tmp_path)
            time.sleep(0.5)  # most likely waiting by now; it listened before its first catch-up, so nothing is missed
            repo.discover(channel="alarm_110", category="neighbour", summary="二", actor="officer:xiao")
            second = [e.position for e in ledger.store.read_all()][-1]
            query(f'NOTIFY "{channel}"')
            _until(lambda: _checkpoints(query)[0] == second, [follower], tmp_path)
        finally:
            follower.send_signal(signal.SIGTERM)
            assert follower.wait(timeout=30) == 0, _logs(tmp_path)
        assert sorted(r.summary for r in ledger.disputes()) == ["一", "二"]
