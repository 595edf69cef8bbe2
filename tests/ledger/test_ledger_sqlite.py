from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from fengqiao.ledger import Ledger, SQLiteLedger
from fengqiao.storage import EventStore, SQLiteEventStore
from fengqiao.testing.contracts import LedgerFactory, Raw, SQLLedgerContract
from fengqiao.testing.contracts.sql_ledger import PlainStore


class TestSQLiteLedger(SQLLedgerContract):
    @pytest.fixture
    def path(self, tmp_path: Path) -> Path:
        return tmp_path / "station.db"

    @pytest.fixture
    def make_ledger(self, path: Path) -> Iterator[LedgerFactory]:
        opened: list[Ledger] = []

        def make(**options: Any) -> Ledger:
            ledger = SQLiteLedger(path, **options)
            opened.append(ledger)
            return ledger

        yield make
        for ledger in opened:
            ledger.close()

    @pytest.fixture
    def plain_store(self, path: Path) -> Iterator[PlainStore]:
        opened: list[EventStore] = []

        def make() -> EventStore:
            opened.append(SQLiteEventStore(path))
            return opened[-1]

        yield make
        for store in opened:
            store.close()

    @pytest.fixture
    def raw(self, path: Path) -> Raw:
        def run(sql: str, params: Sequence[Any] = (), /) -> list[tuple[Any, ...]]:
            conn = sqlite3.connect(path, isolation_level=None)
            try:
                return conn.execute(sql, tuple(params)).fetchall()
            finally:
                conn.close()

        return run
