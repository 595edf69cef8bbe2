"""PostgreSQL back-end tests: the server is named by ``FENGQIAO_PG_DSN``; each test gets a fresh schema."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool
from typer.testing import CliRunner

from fengqiao.cli import app
from fengqiao.errors import ConcurrencyConflict, StorageError, UnreadableEventError, ValidationError
from fengqiao.storage import Anchor, EventStore, PostgresEventStore, Projector, Repository, StoredEvent
from fengqiao.storage import postgres as postgres_backend
from fengqiao.storage._channel import events_channel
from fengqiao.testing.contracts import Placeholders, Raw, RawError, SQLStoreContract, StoreFactory
from fengqiao.testing.contracts.support import OFFICER, anchored, discover, with_notes, workflow
from tests.storage.processes import check_race, check_updates, in_follow_up, race

pytestmark = pytest.mark.postgres

DSN_VARIABLE = "FENGQIAO_PG_DSN"

Pool = ConnectionPool[psycopg.Connection[Any]]


@pytest.fixture(scope="module")
def dsn() -> str:
    value = os.environ.get(DSN_VARIABLE, "")
    if not value:
        message = (
            f"{DSN_VARIABLE} is not set, so the PostgreSQL tests cannot run; "
            f"set it, e.g. {DSN_VARIABLE}=postgresql://postgres@127.0.0.1:5432/test"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI=true: these tests must run in CI)")
        pytest.skip(message)
    return value


@pytest.fixture
def schema(dsn: str) -> Iterator[str]:
    name = f"fengqiao_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


@pytest.fixture
def conninfo(dsn: str, schema: str) -> str:
    """The DSN with the test's schema first on the search path."""
    return make_conninfo(dsn, options=f"-c search_path={schema}")


@pytest.fixture
def pool(conninfo: str) -> Iterator[Pool]:
    pool: Pool = ConnectionPool(conninfo, min_size=1, max_size=6, open=False)
    pool.open(wait=True, timeout=10)
    try:
        yield pool
    finally:
        pool.close()


class TestPostgresStore(SQLStoreContract):
    @pytest.fixture
    def make_store(self, pool: Pool) -> Iterator[StoreFactory]:
        opened: list[PostgresEventStore] = []

        def make(projectors: Sequence[Projector[Any]] = (), *, upgrade: bool = True) -> EventStore:
            store = PostgresEventStore(pool, projectors=projectors, upgrade=upgrade)
            opened.append(store)
            return store

        yield make
        for store in opened:
            store.close()

    @pytest.fixture
    def store(self, make_store: StoreFactory) -> EventStore:
        return make_store()

    @pytest.fixture
    def raw(self, conninfo: str) -> Raw:
        def run(query: str, params: Sequence[Any] = (), /) -> list[tuple[Any, ...]]:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                try:
                    cur = conn.execute(query.replace("?", "%s"), tuple(params))
                except psycopg.Error as exc:
                    raise RawError(str(exc)) from exc
                return cur.fetchall() if cur.description else []

        return run

    @pytest.fixture
    def q(self) -> Placeholders:
        return lambda query: query.replace("?", "%s")

    @pytest.fixture
    def backend(self) -> ModuleType:
        return postgres_backend


def test_projectors_run_inside_an_open_transaction(pool: Pool) -> None:
    statuses: list[TransactionStatus] = []

    def project(tx: psycopg.Connection[Any], events: tuple[StoredEvent, ...]) -> None:
        statuses.append(tx.info.transaction_status)

    d = discover(workflow())
    with PostgresEventStore(pool, projectors=[project]) as store:
        store.append(d.id, d.history, expected_version=0)
    assert statuses == [TransactionStatus.INTRANS]


def test_a_later_append_waits_so_positions_commit_in_order(pool: Pool) -> None:
    """While one append is still open, another cannot take a position, so readers never skip one."""
    inside, release = threading.Event(), threading.Event()

    def hold(tx: psycopg.Connection[Any], events: tuple[StoredEvent, ...]) -> None:
        if events[0].stream_id == "slow":
            inside.set()
            release.wait(timeout=10)

    wf = workflow()
    slow = wf.discover(channel="alarm_110", category="neighbour", summary="x", actor="officer:a", dispute_id="slow")
    fast = wf.discover(channel="alarm_110", category="neighbour", summary="y", actor="officer:b", dispute_id="fast")
    with PostgresEventStore(pool, projectors=[hold]) as store:
        first = threading.Thread(target=store.append, args=("slow", slow.history), kwargs={"expected_version": 0})
        second = threading.Thread(target=store.append, args=("fast", fast.history), kwargs={"expected_version": 0})
        first.start()
        assert inside.wait(timeout=10)
        second.start()
        time.sleep(0.3)
        assert second.is_alive(), "the second append should wait for the first to commit"
        assert list(store.read_all()) == []
        release.set()
        first.join(timeout=10)
        second.join(timeout=10)
        assert [s.stream_id for s in store.read_all()] == ["slow", "fast"]


def test_a_reader_never_skips_a_position_that_commits_after_a_larger_one(pool: Pool, conninfo: str) -> None:
    """An append still open holds the horizon: a later, larger position waits until it commits."""
    held: list[psycopg.Connection[Any]] = []

    class Held(PostgresEventStore):
        def _call(self, arguments: tuple[Any, ...], what: str) -> None:
            conn = psycopg.connect(conninfo)  # the append's transaction, left open: its positions are drawn
            conn.execute(postgres_backend._APPEND, arguments)
            held.append(conn)

    wf = workflow()
    early, late = discover(wf, "先开始的纠纷"), discover(wf, "后开始的纠纷")
    naive = "SELECT position FROM fengqiao_events WHERE position > %s ORDER BY position"
    with Held(pool) as slow, PostgresEventStore(pool) as store, pool.connection() as raw:
        slow.append(early.id, early.history, expected_version=0)
        store.append(late.id, late.history, expected_version=0)
        assert list(store.read_all()) == []  # the early append is in flight, with smaller positions
        seen_naively = [p for (p,) in raw.execute(naive, (0,)).fetchall()]
        raw.commit()
        assert len(seen_naively) == late.version  # without the horizon, a reader would go past them …
        held[0].commit()
        held[0].close()
        stored = list(store.read_all())
        assert [s.stream_id for s in stored] == [early.id] * early.version + [late.id] * late.version
        assert [p for (p,) in raw.execute(naive, (seen_naively[-1],)).fetchall()] == []  # … and never see these
        assert stored[0].position < seen_naively[0]


def test_readers_see_every_position_once_while_writers_commit_out_of_order(
    pool: Pool, conninfo: str, tmp_path: Path
) -> None:
    """Four processes append, each waiting a random while before each commit; a reader polls meanwhile."""
    seen: list[int] = []
    stop = threading.Event()
    with PostgresEventStore(pool) as store:

        def follow() -> None:
            after = 0
            while True:
                done = stop.is_set()
                for event in store.read_all(after=after):
                    assert event.position > after
                    seen.append(event.position)
                    after = event.position
                if done:
                    return

        reader = threading.Thread(target=follow)
        reader.start()
        try:
            outcomes = race("postgres", conninfo, ["-"], processes=4, commands=40, logs=tmp_path, mode="lagging")
        finally:
            stop.set()
            reader.join(timeout=60)
        assert len(outcomes) == 4 * 40
        every = [e.position for e in store.read_all()]
        assert len(every) == 4 * 40
        assert seen == every  # each once, in order: none became visible behind the reader


def test_a_pool_of_autocommit_connections_works_and_keeps_its_setting(conninfo: str) -> None:
    own: Pool = ConnectionPool(conninfo, min_size=1, max_size=2, open=False, kwargs={"autocommit": True})
    own.open(wait=True, timeout=10)
    wf = workflow()
    d = with_notes(wf, discover(wf), 2)
    try:
        with PostgresEventStore(own) as store:
            assert store.append(d.id, d.history[:2], expected_version=0) == 2
            assert store.append(d.id, d.history[2:], expected_version=2) == d.version
            assert store.load(d.id) == d.history
            assert [e.version for e in store.read_all()] == list(range(1, d.version + 1))
            assert store.digest().events == d.version
            with pytest.raises(ConcurrencyConflict):
                store.append(d.id, d.history[2:], expected_version=2)
        with own.connection() as conn:
            assert conn.autocommit
    finally:
        own.close()


def test_an_append_notifies_the_schemas_events_channel_unless_told_not_to(pool: Pool, conninfo: str) -> None:
    wf = workflow()
    with PostgresEventStore(pool) as store, psycopg.connect(conninfo, autocommit=True) as listener:
        channel = events_channel(store.schema)
        listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        d = discover(wf)
        store.append(d.id, d.history, expected_version=0)
        assert [n.channel for n in listener.notifies(timeout=10, stop_after=1)] == [channel]
        with PostgresEventStore(pool, notify=False) as quiet:
            other = discover(wf, "不通知的纠纷")
            quiet.append(other.id, other.history, expected_version=0)
            assert list(listener.notifies(timeout=0.5)) == []
    with pytest.raises(ValidationError, match="notify"):
        PostgresEventStore(pool, notify="yes")  # type: ignore[arg-type]


def test_many_processes_racing_on_the_same_disputes_each_land_once_or_conflict(
    pool: Pool, conninfo: str, tmp_path: Path
) -> None:
    with PostgresEventStore(pool) as store:
        repo = Repository(workflow(), store)
        ids = ["D-1", "D-2"]
        for dispute_id in ids:
            repo.discover(
                channel="alarm_110", category="neighbour", summary="x", actor="officer:a", dispute_id=dispute_id
            )
        outcomes = race("postgres", conninfo, ids, processes=3, commands=30, logs=tmp_path)
        check_race(repo, ids, outcomes, expected=90)


def test_processes_updating_one_dispute_at_once_lose_no_update(pool: Pool, conninfo: str, tmp_path: Path) -> None:
    with PostgresEventStore(pool) as store:
        repo = Repository(workflow(), store)
        d = in_follow_up(repo, "D-1")
        outcomes = race("postgres", conninfo, [d.id], processes=4, commands=25, logs=tmp_path, mode="update")
        check_updates(repo, d.id, outcomes, expected=100)


def test_a_store_opened_from_a_dsn_owns_and_closes_its_pool(conninfo: str) -> None:
    wf = workflow()
    d = with_notes(wf, discover(wf), 1)
    with PostgresEventStore(conninfo) as store:
        store.append(d.id, d.history, expected_version=0)
    with PostgresEventStore(conninfo) as again:
        assert again.load(d.id) == d.history
    with pytest.raises(StorageError, match="closed"):
        again.load(d.id)


def test_text_with_backslashes_quotes_and_characters_beyond_the_bmp_loads_back_as_written(conninfo: str) -> None:
    wf = workflow()
    d = wf.note(discover(wf), 'C:\\档案\\"枫桥" \\u00e9 é 😀 𠀀 \\n', actor=OFFICER)
    with PostgresEventStore(conninfo) as store:
        store.append(d.id, d.history, expected_version=0)
        assert store.load(d.id) == d.history
        assert store.verify().ok


def test_loads_and_appends_go_on_after_the_server_drops_the_stores_connections(conninfo: str) -> None:
    name = f"fengqiao-test-{uuid.uuid4().hex[:8]}"
    wf = workflow()
    d = discover(wf)

    def drop() -> None:
        with psycopg.connect(conninfo, autocommit=True) as admin:
            dropped = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s", (name,)
            ).fetchall()
        assert dropped

    with PostgresEventStore(make_conninfo(conninfo, application_name=name), max_size=1) as store:
        store.append(d.id, d.history, expected_version=0)
        for _ in range(3):  # more connections than the pool holds come and go
            drop()
            assert store.load(d.id) == d.history
            drop()
            d = wf.note(d, "又来电", actor=OFFICER)
            assert store.append(d.id, d.history[-1:], expected_version=d.version - 1) == d.version
        assert store.load(d.id) == d.history


def test_a_store_leaves_a_pool_it_was_given_open(pool: Pool) -> None:
    PostgresEventStore(pool).close()
    with pool.connection() as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_an_unreachable_server_gives_a_storage_error_naming_the_cause_in_one_line() -> None:
    started = time.monotonic()
    with pytest.raises(StorageError, match="PostgreSQL") as caught:
        PostgresEventStore("postgresql://postgres@127.0.0.1:1/test?connect_timeout=1", timeout=1)
    assert time.monotonic() - started < 10
    message = str(caught.value)
    assert "port 1 failed: Connection refused" in message
    assert "\n" not in message
    assert "pool initialization incomplete" not in message


def test_a_refused_login_is_named_as_the_cause(dsn: str) -> None:
    with pytest.raises(StorageError, match='database "fengqiao_no_such_database" does not exist'):
        PostgresEventStore(make_conninfo(dsn, dbname="fengqiao_no_such_database"), timeout=1)


@pytest.mark.parametrize(
    "target",
    ["not a dsn ===", "postgresql://u:s3cr3t@[::1", "host=db password=s3cr3t cret", "postgresql://u:s3cr3t@h/db?bad=1"],
)
def test_a_malformed_connection_string_is_refused_at_once_without_quoting_it(target: str) -> None:
    started = time.monotonic()
    with pytest.raises(ValidationError, match="not a PostgreSQL connection string") as caught:
        PostgresEventStore(target, timeout=30)
    assert time.monotonic() - started < 1
    assert caught.value.path == "target"
    assert "s3cr3t" not in str(caught.value)
    assert "cret" not in str(caught.value)


@pytest.mark.parametrize(
    ("arguments", "path"),
    [
        ({"target": 5}, "target"),
        ({"target": None}, "target"),
        ({"max_size": "x"}, "max_size"),
        ({"max_size": 0}, "max_size"),
        ({"max_size": 2**70}, "max_size"),
        ({"timeout": -1}, "timeout"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": "x"}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"clock": 5}, "clock"),
        ({"projectors": 5}, "projectors"),
    ],
    ids=repr,
)
def test_a_malformed_argument_is_refused_naming_it(conninfo: str, arguments: dict[str, Any], path: str) -> None:
    target = arguments.pop("target", conninfo)
    started = time.monotonic()
    with pytest.raises(ValidationError) as caught:
        PostgresEventStore(target, **arguments)
    assert caught.value.path == path
    assert time.monotonic() - started < 1


def test_tables_go_to_the_first_schema_on_the_search_path(pool: Pool, schema: str) -> None:
    with PostgresEventStore(pool) as store:
        assert store.schema == schema


def test_the_cli_digests_and_verifies_a_postgresql_store_named_by_its_dsn(
    pool: Pool, conninfo: str, tmp_path: Path
) -> None:
    with PostgresEventStore(pool) as store:
        _, (a, *_), _ = anchored(store)
        expected = store.digest().root
    runner = CliRunner()
    out = tmp_path / "anchor.txt"
    digest = runner.invoke(app, ["db", "digest", "--dsn", conninfo, "--out", str(out)])
    assert digest.exit_code == 0, digest.output
    assert Anchor.loads(digest.output).root == expected
    ok = runner.invoke(app, ["db", "verify", "--dsn", conninfo, "--anchor", str(out)])
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("PostgreSQL: 4 streams")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("DELETE FROM fengqiao_events WHERE stream_id = %s", (a.id,))
        conn.execute("DELETE FROM fengqiao_streams WHERE stream_id = %s", (a.id,))
    bad = runner.invoke(app, ["db", "verify", "--dsn", conninfo, "--anchor", str(out)])
    assert bad.exit_code == 1
    assert bad.output.splitlines()[1].startswith(f"stream {a.id} version 1: deleted: ")


@pytest.mark.parametrize("stored", ["1", None, "abc"], ids=["text-one", "null", "text"])
def test_a_schema_version_cell_that_is_not_an_integer_makes_the_event_unreadable(
    pool: Pool, conninfo: str, stored: str | None
) -> None:
    wf = workflow()
    d = with_notes(wf, discover(wf), 2)
    with PostgresEventStore(pool) as store:
        store.append(d.id, d.history, expected_version=0)
        with psycopg.connect(conninfo, autocommit=True) as raw:  # a layout changed behind the library's back
            raw.execute(
                "ALTER TABLE fengqiao_events ALTER COLUMN schema_version DROP NOT NULL,"
                " ALTER COLUMN schema_version TYPE text"
            )
            raw.execute("UPDATE fengqiao_events SET schema_version = %s WHERE version = 1", (stored,))
        for read in (lambda: store.load(d.id), lambda: list(store.read_all())):
            with pytest.raises(UnreadableEventError, match=f"schema version {stored!r} is unknown to") as caught:
                read()
            assert (caught.value.stream, caught.value.version) == (d.id, 1)
