"""The ledger on PostgreSQL: the server is named by ``FENGQIAO_PG_DSN``; each test gets a fresh schema.

The fixtures are the storage tests' own (``tests/storage/test_postgres.py``): without the
variable these tests skip, and with ``CI=true`` they fail.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from fengqiao.cli import app
from fengqiao.errors import StorageError, UnreadableEventError, ValidationError
from fengqiao.ledger import Ledger, PostgresLedger
from fengqiao.storage import EventStore, PostgresEventStore
from fengqiao.storage._chain import GENESIS, link
from fengqiao.testing.contracts import LedgerFactory, Raw, SQLLedgerContract
from fengqiao.testing.contracts.sql_ledger import PlainStore
from fengqiao.testing.contracts.support import discover, workflow
from tests.storage.test_postgres import Pool, conninfo, dsn, pool, schema

pytestmark = pytest.mark.postgres

__all__ = ["conninfo", "dsn", "pool", "schema"]  # the fixtures this module takes from the storage tests


class TestPostgresLedger(SQLLedgerContract):
    @pytest.fixture
    def make_ledger(self, pool: Pool) -> Iterator[LedgerFactory]:
        opened: list[Ledger] = []

        def make(**options: Any) -> Ledger:
            ledger = PostgresLedger(pool, **options)
            opened.append(ledger)
            return ledger

        yield make
        for ledger in opened:
            ledger.close()

    @pytest.fixture
    def plain_store(self, pool: Pool) -> Iterator[PlainStore]:
        opened: list[EventStore] = []

        def make() -> EventStore:
            opened.append(PostgresEventStore(pool))
            return opened[-1]

        yield make
        for store in opened:
            store.close()

    @pytest.fixture
    def raw(self, conninfo: str) -> Raw:
        def run(query: str, params: Sequence[Any] = (), /) -> list[tuple[Any, ...]]:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                cur = conn.execute(query.replace("?", "%s"), tuple(params))
                return cur.fetchall() if cur.description else []

        return run

    # PostgreSQL only: a NUL in text, which an event's JSON escapes and a text column refuses.
    def test_a_row_postgres_cannot_hold_is_set_aside_and_every_writer_goes_on(
        self, make_ledger: LedgerFactory, plain_store: PlainStore, raw: Raw
    ) -> None:
        wf = workflow()
        poison, good = discover(wf), discover(wf)
        plain_store().append(poison.id, poison.history, expected_version=0)
        raw(
            "UPDATE fengqiao_events SET data = replace(data, ?, ?) WHERE stream_id = ?",
            ("蒲州派出所", "蒲州\\u0000派出所", poison.id),
        )
        ((data,),) = raw("SELECT data FROM fengqiao_events WHERE stream_id = ?", (poison.id,))
        digest = link(GENESIS, poison.id, 1, data)
        raw("UPDATE fengqiao_events SET hash = ? WHERE stream_id = ?", (digest, poison.id))
        raw("UPDATE fengqiao_streams SET hash = ? WHERE stream_id = ?", (digest, poison.id))
        with pytest.raises(UnreadableEventError, match="U\\+0000"):  # text fields refuse NUL since
            plain_store().load(poison.id)  # ... but a row written before that must not stop the city
        city = make_ledger()  # opening catches up: the poison is set aside, not a stop
        (problem,) = city.problems()
        assert (problem.stream_id, problem.version) == (poison.id, 1)
        station = make_ledger()
        station.store.append(good.id, good.history, expected_version=0)
        assert [r.id for r in city.open()] == [good.id]
        assert city.problems() == station.problems()


def test_a_ledger_opened_from_a_connection_string_owns_and_closes_its_pool(conninfo: str) -> None:
    with PostgresLedger(conninfo) as ledger:
        d = discover(workflow())
        ledger.store.append(d.id, d.history, expected_version=0)
        assert [r.id for r in ledger.open()] == [d.id]
    with pytest.raises(StorageError, match="closed"):
        ledger.disputes()
    with PostgresLedger(conninfo) as again:
        assert again.get(d.id) == d


def test_the_cli_retries_the_quarantine_of_a_postgresql_ledger_named_by_its_dsn(conninfo: str) -> None:
    d = discover(workflow())  # at 蒲州派出所, which the policy function below does not know
    with PostgresLedger(conninfo, policy=lambda d: {"洞山派出所": "baseline"}[d.station]) as ledger:
        ledger.store.append(d.id, d.history, expected_version=0)
        assert [p.stream_id for p in ledger.problems()] == [d.id]
    result = CliRunner().invoke(app, ["db", "retry", "--dsn", conninfo])
    assert (result.exit_code, result.output) == (
        0,
        "PostgreSQL: 1 dispute projects again; nothing is quarantined now\n",
    )
    with PostgresLedger(conninfo) as again:
        assert again.problems() == ()
        assert again.get(d.id) == d


@pytest.mark.parametrize(
    ("options", "path"),
    [({"max_size": [[1]]}, "max_size"), ({"max_size": 0}, "max_size"), ({"timeout": -1}, "timeout")],
)
def test_a_malformed_pool_size_or_timeout_is_refused_before_any_connection(
    conninfo: str, options: dict[str, Any], path: str
) -> None:
    # Found by the constructor fuzz test: psycopg_pool raised a bare TypeError for max_size=[[1]].
    with pytest.raises(ValidationError) as caught:
        PostgresLedger(conninfo, **options)
    assert caught.value.path == path
