"""The asynchronous API: both async stores through the whole store contract, and the repository awaited.

The contract runs through :class:`~fengqiao.testing.contracts.AsyncSQLStoreContract`; the
tests below it are the async API's own: the loop keeps running while a store waits, the
repository's commands, merges and retries, and processes updating one dispute at once.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

import fengqiao as fq
from fengqiao.errors import ConcurrencyConflict, DisputeNotFound, StorageError, TransitionRefused, ValidationError
from fengqiao.storage import Append, MemoryEventStore, Repository, StoredEvent, postgres
from fengqiao.storage.aio import (
    AsyncEventStore,
    AsyncPostgresEventStore,
    AsyncRepository,
    AsyncSQLiteEventStore,
    ThreadedEventStore,
)
from fengqiao.testing.contracts import (
    AsyncEventStoreContract,
    AsyncSQLStoreContract,
    AsyncStoreFactory,
)
from fengqiao.testing.contracts.support import discover, with_notes, workflow
from tests.storage import test_postgres, test_sqlite
from tests.storage.processes import check_updates, in_follow_up, race
from tests.storage.test_postgres import conninfo, dsn, schema  # noqa: F401 - the PostgreSQL fixtures

T = TypeVar("T")
OFFICER = "officer:xiao"
AsyncPool = AsyncConnectionPool[psycopg.AsyncConnection[Any]]


def run(make: Callable[[], Awaitable[T]]) -> T:
    """``make()`` awaited on a new event loop."""

    async def main() -> T:
        return await make()

    return asyncio.run(main())


# -- the contract, on both back-ends -------------------------------------------------------
class TestAsyncSQLiteStore(AsyncSQLStoreContract):
    synchronous_projectors = True  # the threaded store's projectors are the SQLite store's

    path = test_sqlite.TestSQLiteStore.path
    raw = test_sqlite.TestSQLiteStore.raw
    q = test_sqlite.TestSQLiteStore.q
    backend = test_sqlite.TestSQLiteStore.backend

    @pytest.fixture
    def make_async_store(self, path: Path) -> AsyncStoreFactory:
        async def make(projectors: Sequence[Any] = (), *, upgrade: bool = True) -> AsyncEventStore:
            return await AsyncSQLiteEventStore.open(path, projectors=projectors, upgrade=upgrade)

        return make


class TestThreadedMemoryStore(AsyncEventStoreContract):
    """The docs' example (docs/testing-contracts.md), run: the generic threaded store over the memory store."""

    synchronous_projectors = True

    @pytest.fixture
    def make_async_store(self) -> AsyncStoreFactory:
        async def make(projectors: Sequence[Any] = (), *, upgrade: bool = True) -> AsyncEventStore:
            return ThreadedEventStore(MemoryEventStore(projectors=projectors))

        return make


@pytest.mark.postgres
class TestAsyncPostgresStore(AsyncSQLStoreContract):
    @pytest.fixture
    def make_async_store(self, conninfo: str) -> AsyncStoreFactory:  # noqa: F811
        async def make(projectors: Sequence[Any] = (), *, upgrade: bool = True) -> AsyncEventStore:
            return await AsyncPostgresEventStore.open(conninfo, projectors=projectors, upgrade=upgrade, max_size=2)

        return make

    raw = test_postgres.TestPostgresStore.raw
    q = test_postgres.TestPostgresStore.q
    backend = test_postgres.TestPostgresStore.backend


# -- the repository, awaited ---------------------------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Awaitable[AsyncEventStore]]:
    """Opens an asynchronous store of each kind on the test's own database."""
    if request.param == "sqlite":
        return lambda: AsyncSQLiteEventStore.open(tmp_path / "station.db")
    target = request.getfixturevalue("conninfo")
    return lambda: AsyncPostgresEventStore.open(target, max_size=2)


def test_a_dispute_lives_its_whole_life_through_the_async_repository(
    opener: Callable[[], Awaitable[AsyncEventStore]],
) -> None:
    async def life() -> tuple[fq.Dispute, fq.Dispute, list[StoredEvent]]:
        async with await opener() as store:
            wf = workflow()
            repo = AsyncRepository(wf, store)
            d = await repo.discover(
                channel="alarm_110", category="neighbour", summary="邻里噪音纠纷", actor=OFFICER, dispute_id="D-1"
            )
            for trigger, payload in (
                ("grade", {}),
                ("mediate", {}),
                ("record_attempt", {"outcome": "agreement"}),
                ("resolve", {}),
            ):
                d = await repo.fire(d, trigger, actor=OFFICER, **payload)
            visited = wf.record_visit(d, actor="grid_worker:wang", kind="phone", holding=True)
            d = await repo.save(visited, expected_version=d.version)
            loaded = await AsyncRepository(wf, store).get("D-1")
            return d, loaded, [e async for e in store.read_all()]

    d, loaded, log = run(life)
    assert d.state is fq.State.FOLLOW_UP
    assert loaded == d
    assert [e.version for e in log] == list(range(1, d.version + 1))
    assert [e.event for e in log] == list(d.history)


def test_the_async_repository_refuses_as_the_synchronous_one_does_and_stores_nothing(
    opener: Callable[[], Awaitable[AsyncEventStore]],
) -> None:
    async def refusals() -> tuple[list[BaseException], int]:
        async with await opener() as store:
            wf = workflow()
            repo = AsyncRepository(wf, store)
            d = await repo.discover(channel="alarm_110", category="neighbour", summary="x", actor=OFFICER)
            caught: list[BaseException] = []
            attempts: list[Callable[[], Awaitable[object]]] = [
                lambda: repo.fire(d, "resolve", actor=OFFICER),  # not yet mediated
                lambda: repo.get("nobody"),
                lambda: repo.save(wf.note(d, "x", actor=OFFICER), expected_version=5),
                lambda: repo.fire(wf.note(d, "edited", actor=OFFICER), "grade", actor=OFFICER),
            ]
            for attempt in attempts:
                with pytest.raises(fq.FengqiaoError) as error:
                    await attempt()
                caught.append(error.value)
            return caught, len([e async for e in store.read_all()])

    caught, stored = run(refusals)
    assert [type(e) for e in caught] == [TransitionRefused, DisputeNotFound, ValidationError, ConcurrencyConflict]
    assert stored == 1


def test_a_stale_value_conflicts_and_update_decides_again_on_the_stored_one(
    opener: Callable[[], Awaitable[AsyncEventStore]],
) -> None:
    async def race_twice() -> tuple[ConcurrencyConflict, fq.Dispute, list[int]]:
        async with await opener() as store:
            wf = workflow()
            first, second = AsyncRepository(wf, store), AsyncRepository(wf, store)
            d = await first.discover(channel="alarm_110", category="neighbour", summary="x", actor=OFFICER)
            stale = await second.get(d.id)
            await first.fire(d, "note", actor=OFFICER, text="first")
            with pytest.raises(ConcurrencyConflict) as caught:
                await second.fire(stale, "note", actor=OFFICER, text="second")
            seen: list[int] = []

            async def decide(current: fq.Dispute) -> fq.Dispute:
                seen.append(current.version)
                if len(seen) == 1:  # another writer gets in between this load and its save
                    await first.fire(await first.get(d.id), "note", actor=OFFICER, text="in between")
                return wf.note(current, "decided", actor=OFFICER)

            return caught.value, await second.update(d.id, decide), seen

    conflict, updated, seen = run(race_twice)
    assert (conflict.expected, conflict.actual) == (1, 2)
    assert seen == [2, 3]
    assert [e.payload.text for e in updated.history if isinstance(e, fq.Noted)] == ["first", "in between", "decided"]


def test_update_gives_up_after_its_attempts_and_checks_its_arguments(tmp_path: Path) -> None:
    async def hopeless() -> tuple[ConcurrencyConflict, list[ValidationError]]:
        async with await AsyncSQLiteEventStore.open(tmp_path / "station.db") as store:
            wf = workflow()
            repo = AsyncRepository(wf, store)
            d = await repo.discover(channel="alarm_110", category="neighbour", summary="x", actor=OFFICER)

            async def always_overtaken(current: fq.Dispute) -> fq.Dispute:
                await store.append(
                    d.id, [wf.note(current, "other", actor=OFFICER).history[-1]], expected_version=current.version
                )
                return wf.note(current, "mine", actor=OFFICER)

            with pytest.raises(ConcurrencyConflict) as caught:
                await repo.update(d.id, always_overtaken, attempts=2)
            invalid: list[ValidationError] = []
            bad_calls: list[Callable[[], Awaitable[object]]] = [
                lambda: repo.update(d.id, always_overtaken, attempts=0),
                lambda: repo.update(d.id, "x"),  # type: ignore[arg-type]
            ]
            for bad in bad_calls:
                with pytest.raises(ValidationError) as error:
                    await bad()
                invalid.append(error.value)
            return caught.value, invalid

    conflict, invalid = run(hopeless)
    assert conflict.attempts == 2
    assert [e.path for e in invalid] == ["attempts", "decide"]


def test_a_merge_stores_both_sides_in_one_transaction(opener: Callable[[], Awaitable[AsyncEventStore]]) -> None:
    async def merge() -> tuple[fq.Dispute, fq.Dispute, TransitionRefused]:
        async with await opener() as store:
            wf = workflow()
            repo = AsyncRepository(wf, store)
            a = await repo.discover(channel="alarm_110", category="neighbour", summary="a", actor=OFFICER)
            b = await repo.discover(channel="alarm_110", category="neighbour", summary="b", actor=OFFICER)
            with pytest.raises(TransitionRefused) as refused:
                await repo.fire(b, "merge", actor=OFFICER, into="nobody")
            b = await repo.fire(b, "merge", actor=OFFICER, into=a.id)
            return await repo.get(a.id), b, refused.value

    a, b, refused = run(merge)
    assert b.state is fq.State.MERGED
    note = a.history[-1]
    assert isinstance(note, fq.Noted)
    assert "merged into this one" in note.payload.text
    assert [r.code for r in refused.refusals] == ["merge.into-unknown"]


# -- the loop is never held ----------------------------------------------------------------
async def _ticks_while(blocked: Awaitable[T], release: Callable[[], None]) -> tuple[T, int]:
    """Await ``blocked`` (which waits on a lock held elsewhere) while a ticker runs; ``release`` after 20 ticks."""
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1
            if ticks == 20:
                await asyncio.to_thread(release)

    ticking = asyncio.create_task(ticker())
    try:
        result = await asyncio.wait_for(blocked, timeout=30)
    finally:
        ticking.cancel()
    return result, ticks


@pytest.mark.postgres
def test_the_loop_keeps_running_while_a_postgresql_append_waits_for_a_lock(conninfo: str) -> None:  # noqa: F811
    d = discover(workflow())

    async def main() -> tuple[int, int]:
        async def project(tx: Any, events: tuple[StoredEvent, ...]) -> None:
            return None

        async with await AsyncPostgresEventStore.open(conninfo, projectors=[project]) as store:
            holder = psycopg.connect(conninfo)  # holds the appends lock the projecting append must take
            holder.execute("SELECT pg_advisory_xact_lock(%s)", (postgres.lock_key("append", store.schema),))

            def release() -> None:
                holder.commit()
                holder.close()

            return await _ticks_while(store.append(d.id, d.history, expected_version=0), release)

    version, ticks = run(main)
    assert version == d.version
    assert ticks >= 20  # the loop ran on while the append waited: it released the lock itself


def test_the_loop_keeps_running_while_a_sqlite_append_waits_for_the_file(tmp_path: Path) -> None:
    d = discover(workflow())
    path = tmp_path / "station.db"

    async def main() -> tuple[int, int]:
        async with await AsyncSQLiteEventStore.open(path, busy_timeout=20) as store:
            holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            holder.execute("BEGIN IMMEDIATE")  # the write lock the append waits for

            def release() -> None:
                holder.execute("COMMIT")
                holder.close()

            return await _ticks_while(store.append(d.id, d.history, expected_version=0), release)

    version, ticks = run(main)
    assert version == d.version
    assert ticks >= 20


# -- the PostgreSQL store's own --------------------------------------------------------------
@pytest.mark.postgres
def test_processes_of_concurrent_tasks_updating_one_dispute_lose_no_update(
    conninfo: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Three processes, each with 20 tasks at once on one loop, record visits on one dispute through ``update``."""
    with postgres.PostgresEventStore(conninfo) as store:
        repo = Repository(workflow(), store)
        d = in_follow_up(repo, "D-1")
        outcomes = race("postgres", conninfo, [d.id], processes=3, commands=20, logs=tmp_path, mode="async-update")
        check_updates(repo, d.id, outcomes, expected=60)


@pytest.mark.postgres
def test_a_pool_you_give_is_used_and_left_open_and_audits_connect_like_it(conninfo: str) -> None:  # noqa: F811
    wf = workflow()
    d = with_notes(wf, discover(wf), 2)

    async def main() -> tuple[bool, int, bool, int]:
        pool: AsyncPool = AsyncConnectionPool(conninfo, min_size=1, max_size=2, open=False, kwargs={"autocommit": True})
        await pool.open(wait=True, timeout=10)
        try:
            async with await AsyncPostgresEventStore.open(pool) as store:
                await store.append(d.id, d.history, expected_version=0)
                report = await store.verify()
                anchor = await store.digest()
            async with pool.connection() as conn:
                still = conn.autocommit
            return report.ok, anchor.events, still and not pool.closed, report.events
        finally:
            await pool.close()

    ok, anchored, kept, checked = run(main)
    assert (ok, anchored, kept, checked) == (True, d.version, True, d.version)


@pytest.mark.postgres
def test_an_async_reader_never_skips_a_position_that_commits_after_a_larger_one(conninfo: str) -> None:  # noqa: F811
    wf = workflow()
    late = discover(wf, "后开始的纠纷")

    async def main() -> tuple[list[str], list[str]]:
        async with await AsyncPostgresEventStore.open(conninfo) as store:
            with psycopg.connect(conninfo) as held:  # a writing transaction left open, its id drawn
                held.execute("SELECT pg_current_xact_id()")
                await store.append(late.id, late.history, expected_version=0)
                before = [e.stream_id async for e in store.read_all()]
                held.commit()
            return before, [e.stream_id async for e in store.read_all()]

    before, after = run(main)
    assert before == []  # the open transaction began first: everything after it waits
    assert after == [late.id] * late.version


@pytest.mark.parametrize(
    ("target", "arguments", "path"),
    [
        (42, {}, "target"),
        ("postgresql://x", {"max_size": 0}, "max_size"),
        ("postgresql://x", {"timeout": -1}, "timeout"),
        ("postgresql://x", {"notify": "yes"}, "notify"),
        ("postgresql://x", {"clock": object()}, "clock"),
        ("host='unterminated", {}, "target"),
    ],
)
def test_a_malformed_argument_is_refused_naming_it_before_connecting(
    target: Any, arguments: dict[str, Any], path: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        run(lambda: AsyncPostgresEventStore.open(target, **arguments))
    assert caught.value.path == path


def test_an_unreachable_server_is_a_storage_error_in_one_line() -> None:
    with pytest.raises(StorageError, match=r"^PostgreSQL: connecting failed: [^\n]*$"):
        run(lambda: AsyncPostgresEventStore.open("postgresql://nobody@127.0.0.1:1/x", timeout=1))


def test_a_closed_async_store_refuses_to_work(tmp_path: Path) -> None:
    async def main() -> list[str]:
        store = await AsyncSQLiteEventStore.open(tmp_path / "station.db")
        await store.close()
        said = []
        for attempt in (lambda: store.load("D-1"), lambda: store.verify()):
            with pytest.raises(StorageError) as caught:
                await attempt()
            said.append(str(caught.value))
        with pytest.raises(StorageError) as at_once:
            store.read_all()  # at the call, not at the first step
        said.append(str(at_once.value))
        return said

    assert all("closed" in message for message in run(main))


def test_a_threaded_store_needs_a_store_and_the_sqlite_one_a_sqlite_store() -> None:
    with pytest.raises(ValidationError, match="event store"):
        ThreadedEventStore(object())  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="SQLiteEventStore"):
        AsyncSQLiteEventStore(MemoryEventStore())  # type: ignore[arg-type]


def test_a_memory_store_threaded_appends_in_many_streams_at_once() -> None:
    async def main() -> tuple[tuple[int, ...], list[str]]:
        async with ThreadedEventStore(MemoryEventStore()) as store:
            wf = workflow()
            a, b = discover(wf, "a"), discover(wf, "b")
            versions = await store.append_many(
                [Append(a.id, a.history, expected_version=0), Append(b.id, b.history, expected_version=0)]
            )
            return versions, [s async for s in store.streams()]

    versions, streams = run(main)
    assert versions == (1, 1)
    assert len(streams) == 2
    assert streams == sorted(streams)
