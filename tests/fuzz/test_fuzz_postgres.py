"""The PostgreSQL store and ledger called with anything: only ``FengqiaoError`` escapes, a refusal changes no row.

The server is named by ``FENGQIAO_PG_DSN`` (the storage tests' fixtures: each test gets a
schema of its own; without the variable these tests skip, and with ``CI=true`` they fail).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengqiao.ledger import PostgresLedger
from fengqiao.storage import PostgresEventStore
from tests.fuzz.garbage import SAMPLE, calls
from tests.fuzz.test_fuzz_api import FUZZ, check_outcome, invoke
from tests.storage.test_postgres import Pool, conninfo, dsn, pool, schema

pytestmark = pytest.mark.postgres

__all__ = ["conninfo", "dsn", "pool", "schema"]  # the fixtures this module takes from the storage tests

SKIPPED = {"close"}
STORE_METHODS = sorted(
    n for n, v in inspect.getmembers(PostgresEventStore) if inspect.isfunction(v) and not n.startswith("_")
)
LEDGER_METHODS = sorted(
    n for n, v in inspect.getmembers(PostgresLedger) if inspect.isfunction(v) and not n.startswith("_")
)


def rows(conninfo: str) -> list[list[tuple[Any, ...]]]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                " ORDER BY table_name"
            )
        ]
        return [conn.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables]


@pytest.fixture
def store(pool: Pool) -> Iterator[PostgresEventStore]:
    with PostgresEventStore(pool) as opened:
        opened.append(SAMPLE.id, SAMPLE.history, expected_version=0)
        yield opened


@pytest.fixture
def ledger(pool: Pool) -> Iterator[PostgresLedger]:
    with PostgresLedger(pool) as opened:
        opened.store.append(SAMPLE.id, SAMPLE.history, expected_version=0)
        yield opened


def _fuzz(obj: Any, method: str, data: st.DataObject, conninfo: str) -> None:
    bound = getattr(obj, method)
    args, kwargs = calls(bound, data.draw)
    before = rows(conninfo)

    refused = check_outcome(lambda: invoke(method, bound, args, kwargs))
    if refused is not None:
        assert rows(conninfo) == before, f"{method} refused ({refused}) but changed the database"


METHODS = [("store", m) for m in STORE_METHODS if m not in SKIPPED] + [
    ("ledger", m) for m in LEDGER_METHODS if m not in SKIPPED
]


@pytest.mark.parametrize(("holder", "method"), METHODS, ids=[f"{h}.{m}" for h, m in METHODS])
@FUZZ
@given(data=st.data())
def test_every_store_and_ledger_method_raises_only_fengqiao_errors_and_a_refusal_changes_nothing(
    request: pytest.FixtureRequest, conninfo: str, holder: str, method: str, data: st.DataObject
) -> None:
    _fuzz(request.getfixturevalue(holder), method, data, conninfo)


@FUZZ
@given(data=st.data())
def test_the_store_and_ledger_constructors_raise_only_fengqiao_errors(data: st.DataObject) -> None:
    made: list[Any] = []
    for cls in (PostgresEventStore, PostgresLedger):
        args, kwargs = calls(cls, data.draw)
        kwargs["timeout"] = 1  # a garbage timeout is fuzzed elsewhere; a valid long one would be waited out

        def open_one(cls: Any = cls, args: list[Any] = args, kwargs: dict[str, Any] = kwargs) -> None:
            made.append(cls(*args, **kwargs))

        check_outcome(open_one)
    for opened in made:
        opened.close()
