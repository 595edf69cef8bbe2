"""A SQLite transaction whose ``COMMIT`` fails is rolled back, in the store and in the ledger alike.

SQLite leaves a transaction open when ``COMMIT`` fails; a connection that did not roll it
back would keep the write lock and refuse every later ``BEGIN``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

import fengqiao as fq
from fengqiao.errors import StorageError
from fengqiao.ledger import SQLiteLedger
from fengqiao.storage import SQLiteEventStore


class CommitRefusal:
    """Every ``sqlite3`` connection opened meanwhile, and a switch making their next ``COMMIT`` fail."""

    def __init__(self) -> None:
        self.connections: list[sqlite3.Connection] = []
        self.armed = False

    def connect(self, real: Any) -> Any:
        def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            conn: sqlite3.Connection = real(*args, **kwargs)
            conn.set_authorizer(self.authorize)
            self.connections.append(conn)
            return conn

        return connect

    def arm(self) -> None:
        """Fail the next ``COMMIT`` (setting the authorizer again makes SQLite prepare cached statements anew)."""
        self.armed = True
        for conn in self.connections:
            conn.set_authorizer(self.authorize)

    def authorize(self, action: int, arg1: str | None, *_: object) -> int:
        if self.armed and action == sqlite3.SQLITE_TRANSACTION and arg1 == "COMMIT":
            self.armed = False
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK


@pytest.fixture
def refusal(monkeypatch: pytest.MonkeyPatch) -> CommitRefusal:
    refusal = CommitRefusal()
    monkeypatch.setattr(sqlite3, "connect", refusal.connect(sqlite3.connect))
    return refusal


def dispute() -> fq.Dispute:
    wf = fq.Workflow("baseline")
    return wf.discover(channel="alarm_110", category="neighbour", summary="噪音扰民", actor="officer:xiao")


def test_a_ledger_update_whose_commit_fails_is_rolled_back(tmp_path: Path, refusal: CommitRefusal) -> None:
    path = tmp_path / "station.db"
    with SQLiteLedger(path) as ledger, SQLiteEventStore(path) as plain:
        d = dispute()
        plain.append(d.id, d.history, expected_version=0)  # around the ledger: catch_up applies it
        refusal.arm()
        with pytest.raises(StorageError, match="ledger update failed"):
            ledger.catch_up()
        assert not any(conn.in_transaction for conn in refusal.connections)
        assert ledger.catch_up() == 1
        assert [row.id for row in ledger.disputes()] == [d.id]
        e = dispute()
        assert ledger.store.append(e.id, e.history, expected_version=0) == 1


def test_an_append_whose_commit_fails_is_rolled_back(tmp_path: Path, refusal: CommitRefusal) -> None:
    with SQLiteEventStore(tmp_path / "station.db") as store:
        d = dispute()
        refusal.arm()
        with pytest.raises(StorageError, match="append to"):
            store.append(d.id, d.history, expected_version=0)
        assert not any(conn.in_transaction for conn in refusal.connections)
        assert store.load(d.id) == ()
        assert store.append(d.id, d.history, expected_version=0) == 1
