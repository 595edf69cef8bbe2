"""Catch-up subscribers on SQLite, in one process: a detached ledger, a projector of one's own, poison, races."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import fengqiao as fq
from fengqiao.cli import app
from fengqiao.errors import ValidationError
from fengqiao.ledger import Follower, FollowerStatus, SQLiteFollower, SQLiteLedger
from fengqiao.storage import EventStore, Repository, SQLiteEventStore, StoredEvent
from tests.ledger.following import POISON, SETUP, counter, open_counter
from tests.stages import START

OFFICER = "officer:xiao"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "station.db"


@pytest.fixture
def clock() -> fq.FixedClock:
    return fq.FixedClock(START)


@pytest.fixture
def ledger(path: Path, clock: fq.FixedClock) -> Iterator[SQLiteLedger]:
    with SQLiteLedger(path, attached=False, clock=clock) as opened:
        yield opened


def _repo(ledger: SQLiteLedger, clock: fq.FixedClock) -> Repository:
    return Repository(fq.Workflow("baseline", clock=clock), ledger.store)


def _disputes(repo: Repository, n: int, *, prefix: str = "D") -> list[fq.Dispute]:
    made = []
    for i in range(n):
        d = repo.discover(channel="alarm_110", category="neighbour", summary=f"噪音 {i}", actor=OFFICER,
                          dispute_id=f"{prefix}-{i}")  # fmt: skip
        made.append(repo.fire(d, "grade", actor=OFFICER))
    return made


def _applied(path: Path) -> list[tuple[int, int]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT position, times FROM applied ORDER BY position").fetchall()


def test_a_detached_ledger_is_kept_by_its_follower_not_by_the_appends(
    ledger: SQLiteLedger, clock: fq.FixedClock
) -> None:
    made = _disputes(_repo(ledger, clock), 4)
    assert ledger.disputes() == ()
    assert ledger.position == 0

    follower = ledger.follower(batch=3)
    assert follower.catch_up() == 8
    assert [r.id for r in ledger.disputes()] == [d.id for d in made]
    assert [ledger.get(d.id) for d in made] == made
    assert (follower.position, ledger.position) == (8, 8)
    rows = ledger.disputes()
    assert ledger.rebuild() == 8
    assert ledger.disputes() == rows


def test_a_detached_ledger_catches_up_as_its_follower_does(ledger: SQLiteLedger, clock: fq.FixedClock) -> None:
    _disputes(_repo(ledger, clock), 2)
    assert ledger.catch_up() == 4
    assert ledger.catch_up() == 0
    assert ledger.count() == 2


def test_an_attached_ledger_still_projects_inside_each_append(path: Path, clock: fq.FixedClock) -> None:
    with SQLiteLedger(path, clock=clock) as attached:
        _disputes(_repo(attached, clock), 1)
        assert attached.count() == 1
        assert attached.follower().catch_up() == 0


def test_opening_a_detached_ledger_applies_nothing(path: Path, clock: fq.FixedClock) -> None:
    with SQLiteEventStore(path, clock=clock) as store:
        _disputes(Repository(fq.Workflow("baseline", clock=clock), store), 1)
    with SQLiteLedger(path, attached=False) as detached:
        assert (detached.count(), detached.position) == (0, 0)
    with SQLiteLedger(path) as attached:
        assert (attached.count(), attached.position) == (1, 2)


def test_a_projector_follows_each_event_exactly_once_batch_by_batch(
    ledger: SQLiteLedger, clock: fq.FixedClock, path: Path
) -> None:
    repo = _repo(ledger, clock)
    with open_counter("sqlite", str(path), batch=2) as follower:
        _disputes(repo, 2)
        assert follower.step() == 2
        assert follower.position == 2
        assert follower.catch_up() == 2
        _disputes(repo, 1, prefix="E")
        assert follower.catch_up() == 2
        assert follower.catch_up() == 0
        assert follower.name == "count"
    assert _applied(path) == [(p, 1) for p in range(1, 7)]
    with open_counter("sqlite", str(path)) as reopened:  # the checkpoint is kept in the file
        assert (reopened.position, reopened.catch_up()) == (6, 0)


def test_an_event_the_projector_refuses_is_quarantined_and_the_rest_applied(
    ledger: SQLiteLedger, clock: fq.FixedClock, path: Path
) -> None:
    repo = _repo(ledger, clock)
    _disputes(repo, 1)
    _disputes(repo, 1, prefix=POISON.rstrip("-"))
    _disputes(repo, 1, prefix="E")
    with open_counter("sqlite", str(path)) as follower:
        assert follower.catch_up() == 6
        problems = follower.problems()
        assert [(p.position, p.stream_id, p.version) for p in problems] == [(3, "poison-0", 1), (4, "poison-0", 2)]
        assert problems[0].reason == "ValueError: the counter refuses poison-0"
        assert follower.position == 6
    assert _applied(path) == [(1, 1), (2, 1), (5, 1), (6, 1)]


def test_a_row_the_database_refuses_is_set_aside_and_the_rest_of_its_batch_written(
    ledger: SQLiteLedger, clock: fq.FixedClock, path: Path
) -> None:
    """The batch is written behind one savepoint; a refused row sends it back, to be written stream by stream."""
    repo = _repo(ledger, clock)
    _disputes(repo, 2)
    with sqlite3.connect(path) as conn:  # the database itself refuses D-1's row, as a full disk or a constraint would
        conn.execute(
            "CREATE TRIGGER refuse_d1 BEFORE INSERT ON dispute_ledger WHEN NEW.id = 'D-1'"
            " BEGIN SELECT RAISE(ABORT, 'no room for D-1'); END"
        )
    with ledger.follower() as follower:
        assert follower.catch_up() == 4
        problems = follower.problems()
        assert follower.position == 4
    assert [(p.stream_id, p.version) for p in problems] == [("D-1", 1)]  # its run of events, named by the first
    assert "no room for D-1" in problems[0].reason
    assert [row.id for row in ledger.disputes()] == ["D-0"]
    assert ledger.row("D-0").state is fq.State.GRADED


def test_an_unreadable_row_is_quarantined_by_every_follower_which_goes_on(
    ledger: SQLiteLedger, clock: fq.FixedClock, path: Path
) -> None:
    made = _disputes(_repo(ledger, clock), 3)
    with sqlite3.connect(path) as editor:  # someone edits the last event behind the library's back
        editor.execute(
            "UPDATE fengqiao_events SET data = replace(data, 'officer:xiao', 'officer:evil') WHERE position = 6"
        )
    with open_counter("sqlite", str(path)) as follower:
        assert follower.catch_up() == 6
        [problem] = follower.problems()
        assert (problem.position, problem.stream_id, problem.version) == (6, made[2].id, 2)
        assert follower.position == 6
    assert _applied(path) == [(p, 1) for p in range(1, 6)]
    assert ledger.follower().catch_up() == 6
    assert [(p.position, p.stream_id) for p in ledger.problems()] == [(6, made[2].id)]
    # as in a rebuild: the bad row's run of events (D-2's both) is left out, the other disputes are kept
    assert [r.id for r in ledger.disputes()] == [made[0].id, made[1].id]
    assert ledger.position == 6


def test_followers_of_different_names_keep_their_own_checkpoints(
    ledger: SQLiteLedger, clock: fq.FixedClock, path: Path
) -> None:
    seen: list[int] = []
    _disputes(_repo(ledger, clock), 1)
    with (
        open_counter("sqlite", str(path)) as counting,
        SQLiteFollower(path, lambda conn, events: seen.extend(s.position for s in events), name="seen") as listing,
    ):
        assert counting.catch_up() == 2
        assert (counting.position, listing.position) == (2, 0)
        assert listing.catch_up() == 2
    assert seen == [1, 2]


class _Racing:
    """A store whose ``read_all`` lets another follower of the same name apply first."""

    def __init__(self, store: EventStore, other: Follower[Any]) -> None:
        self.store, self.other, self.raced = store, other, False

    def close(self) -> None:
        self.store.close()

    def read_all(self, *args: Any, **kwargs: Any) -> Iterator[StoredEvent]:
        events = list(self.store.read_all(*args, **kwargs))
        if not self.raced:
            self.raced = True
            assert self.other.catch_up() == 4
        return iter(events)


def test_a_follower_that_lost_the_race_applies_nothing_twice(
    ledger: SQLiteLedger, clock: fq.FixedClock, path: Path
) -> None:
    _disputes(_repo(ledger, clock), 2)
    with open_counter("sqlite", str(path)) as first, open_counter("sqlite", str(path)) as second:
        first.store = _Racing(first.store, second)  # type: ignore[assignment]
        assert first.catch_up() == 0  # its batch was dropped: the checkpoint had moved
        assert first.position == 4
    assert _applied(path) == [(p, 1) for p in range(1, 5)]


def test_status_counts_the_events_and_the_seconds_behind(
    ledger: SQLiteLedger, clock: fq.FixedClock, path: Path
) -> None:
    repo = _repo(ledger, clock)
    _disputes(repo, 1)
    follower = ledger.follower()
    assert follower.status() == FollowerStatus(position=0, newest=2, behind=2, seconds=0.0)
    follower.catch_up()
    clock.advance(timedelta(minutes=5))
    _disputes(repo, 1, prefix="E")
    status = follower.status()
    assert status == FollowerStatus(position=2, newest=4, behind=2, seconds=300.0)
    assert str(status) == "position 2 of 4: 2 events, 300.0 s behind"
    follower.catch_up()
    assert follower.status() == FollowerStatus(position=4, newest=4, behind=0, seconds=0.0)


def test_run_follows_until_stopped(ledger: SQLiteLedger, clock: fq.FixedClock) -> None:
    _disputes(_repo(ledger, clock), 1)
    stop = threading.Event()
    batches: list[int] = []

    def progress(count: int) -> None:
        batches.append(count)
        if not count:
            stop.set()  # caught up: stop after this wait

    ledger.follower(interval=0.01).run(stop=stop, progress=progress)
    assert batches == [2, 0]
    assert ledger.count() == 1


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"batch": 0}, "batch"),
        ({"batch": True}, "batch"),
        ({"interval": 0}, "interval"),
        ({"interval": float("nan")}, "interval"),
        ({"name": ""}, "name"),
        ({"name": "a\nb"}, "name"),
        ({"name": 3}, "name"),
        ({"projector": "counter"}, "projector"),
        ({"setup": "CREATE TABLE t (x)"}, "setup"),
    ],
)
def test_a_bad_argument_is_named_and_nothing_is_opened(path: Path, options: dict[str, Any], named: str) -> None:
    arguments: dict[str, Any] = {"projector": counter, "name": "count", "setup": SETUP} | options
    with pytest.raises(ValidationError) as refused:
        SQLiteFollower(path, **arguments)
    assert refused.value.path == named
    assert not path.exists()


def test_a_bad_attached_is_named(path: Path) -> None:
    with pytest.raises(ValidationError) as refused:
        SQLiteLedger(path, attached="no")  # type: ignore[arg-type]
    assert refused.value.path == "attached"


# -- the command line ------------------------------------------------------------------------
def test_ledger_follow_once_catches_up_and_says_where_the_ledger_stands(path: Path, clock: fq.FixedClock) -> None:
    with SQLiteEventStore(path, clock=clock) as store:
        _disputes(Repository(fq.Workflow("baseline", clock=clock), store), 3)
    runner = CliRunner()
    result = runner.invoke(app, ["ledger", "follow", "--db", str(path), "--once", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert f"{path}: applied 6 events (" in result.output
    assert "ledger at position 6 of 6, 0 events and 0.0 s behind" in result.output
    again = runner.invoke(app, ["ledger", "follow", "--db", str(path), "--once", "--lang", "zh"])
    assert again.exit_code == 0, again.output
    assert "本次应用 0 个事件" in again.output
    assert "台账位置 6/6，落后 0 个事件、0.0 秒" in again.output
    with SQLiteLedger(path, attached=False) as ledger:
        assert ledger.count() == 3


def test_ledger_follow_recorded_handles_each_dispute_under_its_own_policy(path: Path, clock: fq.FixedClock) -> None:
    with SQLiteEventStore(path, clock=clock) as store:
        _disputes(Repository(fq.Workflow("yongji-54333", clock=clock), store), 2, prefix="YJ")
        _disputes(Repository(fq.Workflow("huainan-two-clears", clock=clock), store), 1, prefix="HN")
    runner = CliRunner()
    result = runner.invoke(app, ["ledger", "follow", "--db", str(path), "--once", "--recorded"])
    assert result.exit_code == 0, result.output
    with SQLiteLedger(path, attached=False) as ledger:
        assert {row.id: row.policy for row in ledger.disputes()} == {
            "YJ-0": "yongji-54333",
            "YJ-1": "yongji-54333",
            "HN-0": "huainan-two-clears",
        }
    retried = runner.invoke(app, ["db", "retry", "--db", str(path), "--recorded"])
    assert retried.exit_code == 0, retried.output


def test_ledger_follow_lists_what_it_quarantined(path: Path, clock: fq.FixedClock) -> None:
    with SQLiteEventStore(path, clock=clock) as store:
        _disputes(Repository(fq.Workflow("baseline", clock=clock), store), 2)
    with sqlite3.connect(path) as editor:
        editor.execute(
            "UPDATE fengqiao_events SET data = replace(data, 'officer:xiao', 'officer:evil') WHERE position = 4"
        )
    result = CliRunner().invoke(app, ["ledger", "follow", "--db", str(path), "--once"])
    assert result.exit_code == 0, result.output
    assert "quarantined events (left out of the ledger): 1" in result.output
    assert "position 4: stream D-1 version 2" in result.output
    assert f"fengqiao db retry --db {path}" in result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--db", "missing.db"], "error: db: missing.db is not a file"),
        (["--db", "x.db", "--dsn", "postgresql://nowhere"], "error: db: give either --db or --dsn, not both"),
        (["--batch", "0"], "error: batch: expected a whole number from 1 to 100000, got 0"),
    ],
)
def test_ledger_follow_refuses_in_one_line(
    arguments: list[str], message: str, path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    SQLiteEventStore(path).close()
    where = [] if "--db" in arguments else ["--db", str(path)]
    result = subprocess_cli(["ledger", "follow", *where, *arguments, "--once"])
    assert result.returncode == 2
    assert result.stderr.strip() == message
    assert result.stdout == ""


def subprocess_cli(arguments: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fengqiao", *arguments], capture_output=True, text=True, timeout=60, check=False
    )
