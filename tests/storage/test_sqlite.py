from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import fengqiao as fq
from fengqiao.errors import StorageError, UnreadableEventError, ValidationError
from fengqiao.storage import Append, EventStore, Projector, Repository, SQLiteEventStore, StoredEvent
from fengqiao.storage import sqlite as sqlite_backend
from fengqiao.testing.contracts import Placeholders, Raw, RawError, SQLStoreContract, StoreFactory
from fengqiao.testing.contracts.support import anchored, discover, histories, with_notes, workflow
from tests.storage.processes import check_race, check_updates, child, in_follow_up, race


class TestSQLiteStore(SQLStoreContract):
    @pytest.fixture
    def path(self, tmp_path: Path) -> Path:
        return tmp_path / "station.db"

    @pytest.fixture
    def make_store(self, path: Path) -> Iterator[StoreFactory]:
        opened: list[SQLiteEventStore] = []

        def make(projectors: Sequence[Projector[Any]] = (), *, upgrade: bool = True) -> EventStore:
            store = SQLiteEventStore(path, projectors=projectors, upgrade=upgrade)
            opened.append(store)
            return store

        yield make
        for store in opened:
            store.close()

    @pytest.fixture
    def store(self, make_store: StoreFactory) -> EventStore:
        return make_store()

    @pytest.fixture
    def raw(self, path: Path) -> Raw:
        def run(sql: str, params: Sequence[Any] = (), /) -> list[tuple[Any, ...]]:
            conn = sqlite3.connect(path, isolation_level=None)
            try:
                return conn.execute(sql, tuple(params)).fetchall()
            except sqlite3.Error as exc:
                raise RawError(str(exc)) from exc
            finally:
                conn.close()

        return run

    @pytest.fixture
    def q(self) -> Placeholders:
        return lambda sql: sql

    @pytest.fixture
    def backend(self) -> ModuleType:
        return sqlite_backend


def test_the_file_is_in_wal_mode(tmp_path: Path) -> None:
    with SQLiteEventStore(tmp_path / "x.db"):
        conn = sqlite3.connect(tmp_path / "x.db")
        try:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        finally:
            conn.close()


@pytest.mark.parametrize(("synchronous", "level"), [("NORMAL", 1), ("FULL", 2), ("EXTRA", 3)])
def test_appends_run_with_the_synchronous_level_asked_for(tmp_path: Path, synchronous: Any, level: int) -> None:
    seen: list[int] = []

    def project(tx: sqlite3.Connection, events: tuple[StoredEvent, ...]) -> None:
        seen.append(tx.execute("PRAGMA synchronous").fetchone()[0])

    d = discover(workflow())
    with SQLiteEventStore(tmp_path / "x.db", synchronous=synchronous, projectors=[project]) as store:
        store.append(d.id, d.history, expected_version=0)
    assert seen == [level]


def test_an_unknown_synchronous_level_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="synchronous"):
        SQLiteEventStore(tmp_path / "x.db", synchronous="OFF")  # type: ignore[arg-type]


def test_a_writer_waits_for_the_busy_timeout_then_gets_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    d = discover(workflow())
    with SQLiteEventStore(path, busy_timeout=0.2) as store:
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            started = time.monotonic()
            with pytest.raises(StorageError, match="locked") as caught:
                store.append(d.id, d.history, expected_version=0)
            assert time.monotonic() - started >= 0.15
            assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
            other.execute("ROLLBACK")
        finally:
            other.close()
        assert store.append(d.id, d.history, expected_version=0) == 1


def test_a_file_that_is_not_a_database_gives_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    path.write_bytes(b"this is not SQLite" * 100)
    with pytest.raises(StorageError, match="not a database"):
        SQLiteEventStore(path)


def test_a_killed_writer_keeps_every_acknowledged_command_and_none_half_written(tmp_path: Path) -> None:
    path = tmp_path / "station.db"
    acked: list[str] = []
    for kill_after in (15, 40, 70):  # three writers in turn, each killed at another moment
        with child("write", str(path), "100000", log=tmp_path / "writer.log") as (proc, lines):
            mine = lines.take(kill_after, timeout=30)
            assert len(mine) == kill_after, (tmp_path / "writer.log").read_text()
            proc.kill()
            proc.wait(timeout=10)
            acked += mine + lines.rest(timeout=10)
    last_ack: dict[str, int] = {}
    for line in acked:
        _, dispute_id, acked_version = line.split(" ")
        last_ack[dispute_id] = int(acked_version)
    with SQLiteEventStore(path) as store:
        report = store.verify()
        assert report.ok, str(report)
        repo = Repository(fq.Workflow("baseline"), store)
        stored = {s: repo.get(s).version for s in store.streams()}
    for dispute_id, version in last_ack.items():
        assert stored[dispute_id] >= version
    assert all(version % 3 == 1 for version in stored.values())  # discover, then notes three at a time
    unacknowledged = sum(stored.values()) - sum(last_ack.values())
    assert 0 <= unacknowledged <= 3 * 3  # at most the one command in flight when each writer was killed
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


def test_processes_racing_on_the_same_disputes_each_land_once_or_conflict(tmp_path: Path) -> None:
    path = tmp_path / "station.db"
    with SQLiteEventStore(path) as store:
        repo = Repository(workflow(), store)
        ids = [discover(repo.workflow).id for _ in range(2)]
        for dispute_id in ids:
            repo.discover(
                channel="alarm_110", category="neighbour", summary="x", actor="officer:a", dispute_id=dispute_id
            )
        outcomes = race("sqlite", str(path), ids, processes=3, commands=30, logs=tmp_path)
        check_race(repo, ids, outcomes, expected=90)


def test_processes_updating_one_dispute_at_once_lose_no_update(tmp_path: Path) -> None:
    path = tmp_path / "station.db"
    with SQLiteEventStore(path) as store:
        repo = Repository(workflow(), store)
        d = in_follow_up(repo, "D-1")
        outcomes = race("sqlite", str(path), [d.id], processes=3, commands=20, logs=tmp_path, mode="update")
        check_updates(repo, d.id, outcomes, expected=60)


def _traced(path: Path) -> tuple[SQLiteEventStore, list[str]]:
    """A store whose statements, after its first append, are listed by their first words.

    One ``executemany`` runs its statement once per row: those runs are listed once.
    """
    statements: list[str] = []

    def record(sql: str) -> None:
        words = " ".join(sql.split()[:3]).upper()
        if not statements or statements[-1] != words:
            statements.append(words)

    def trace(tx: sqlite3.Connection, events: tuple[StoredEvent, ...]) -> None:
        tx.set_trace_callback(record)

    return SQLiteEventStore(path, projectors=[trace]), statements


def test_a_command_on_a_stream_the_store_just_wrote_takes_four_statements(tmp_path: Path) -> None:
    store, statements = _traced(tmp_path / "x.db")
    with store:
        wf = workflow()
        d = with_notes(wf, discover(wf), 2)
        store.append(d.id, d.history[:1], expected_version=0)
        statements.clear()
        store.append(d.id, d.history[1:2], expected_version=1)
        commands = [
            "BEGIN IMMEDIATE",
            "UPDATE FENGQIAO_STREAMS SET",  # also checks the layout version, under the write lock
            "INSERT INTO FENGQIAO_EVENTS",
            "COMMIT",
        ]
        assert statements == commands
        statements.clear()
        store.append(d.id, d.history[2:], expected_version=2)
        assert statements == commands


def test_a_batch_of_many_streams_takes_a_fixed_handful_of_statements(tmp_path: Path) -> None:
    store, statements = _traced(tmp_path / "x.db")
    with store:
        wf = workflow()
        first = discover(wf)
        store.append(first.id, first.history, expected_version=0)
        statements.clear()
        ds = [d for _ in range(10) for d in histories(wf)]
        store.append_many([Append(d.id, d.history, expected_version=0) for d in ds])
        assert statements == [
            "BEGIN IMMEDIATE",
            "INSERT INTO FENGQIAO_STREAMS",  # also checks the layout version
            "INSERT INTO FENGQIAO_EVENTS",
            "SELECT LAST_INSERT_ROWID()",
            "COMMIT",
        ]
        assert store.verify().ok


def test_a_digest_refuses_a_garbled_head_naming_its_stream(tmp_path: Path) -> None:
    with SQLiteEventStore(tmp_path / "x.db") as store:
        _, (a, *_), _ = anchored(store)
        conn = sqlite3.connect(tmp_path / "x.db")  # SQLite keeps text in an INTEGER column
        with conn:
            conn.execute("UPDATE fengqiao_streams SET version = 'x' WHERE stream_id = ?", (a.id,))
        conn.close()
        with pytest.raises(StorageError, match=a.id):
            store.digest()


# -- what SQLite alone can hold: a schema version that is not an integer --------------------------
@pytest.mark.parametrize("stored", ["'abc'", "1.5", "X'31'", "'1x'"], ids=["text", "real", "blob", "digit-and-text"])
def test_a_schema_version_cell_that_is_not_an_integer_makes_the_event_unreadable(tmp_path: Path, stored: str) -> None:
    path = tmp_path / "x.db"
    wf = workflow()
    d = with_notes(wf, discover(wf), 2)
    with SQLiteEventStore(path) as store:
        store.append(d.id, d.history, expected_version=0)
        raw = sqlite3.connect(path, isolation_level=None)
        try:  # an INTEGER column keeps what does not look like a whole number as it is
            raw.execute(f"UPDATE fengqiao_events SET schema_version = {stored} WHERE version = 2")
            assert raw.execute("SELECT typeof(schema_version) FROM fengqiao_events WHERE version = 2").fetchone()[
                0
            ] in {
                "text",
                "real",
                "blob",
            }
        finally:
            raw.close()
        for read in (lambda: store.load(d.id), lambda: list(store.read_all())):
            with pytest.raises(UnreadableEventError, match="is unknown to this fengqiao") as caught:
                read()
            assert (caught.value.stream, caught.value.version) == (d.id, 2)


# -- arguments ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("arguments", "path"),
    [
        ({"path": None}, "path"),
        ({"path": 5}, "path"),
        ({"path": b"x.db"}, "path"),
        ({"path": "x\x00.db"}, "path"),
        ({"path": "x\udc80.db"}, "path"),
        ({"busy_timeout": "x"}, "busy_timeout"),
        ({"busy_timeout": -1}, "busy_timeout"),
        ({"busy_timeout": float("nan")}, "busy_timeout"),
        ({"busy_timeout": float("inf")}, "busy_timeout"),
        ({"busy_timeout": 10**400}, "busy_timeout"),
        ({"busy_timeout": True}, "busy_timeout"),
        ({"clock": 5}, "clock"),
        ({"synchronous": 5}, "synchronous"),
        ({"synchronous": ["NORMAL"]}, "synchronous"),
        ({"projectors": 5}, "projectors"),
        ({"projectors": [5]}, "projectors[0]"),
    ],
    ids=repr,
)
def test_a_malformed_argument_is_refused_naming_it_before_any_file_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, arguments: dict[str, Any], path: str
) -> None:
    monkeypatch.chdir(tmp_path)
    arguments.setdefault("path", tmp_path / "x.db")
    with pytest.raises(ValidationError) as caught:
        SQLiteEventStore(**arguments)
    assert caught.value.path == path
    assert list(tmp_path.iterdir()) == []


def test_a_busy_timeout_of_zero_and_a_whole_number_of_seconds_are_taken(tmp_path: Path) -> None:
    for timeout in (0, 3, 0.5, sqlite_backend.MAX_BUSY_TIMEOUT):
        with SQLiteEventStore(tmp_path / "x.db", busy_timeout=timeout) as store:
            assert store.upgrade() == 2
