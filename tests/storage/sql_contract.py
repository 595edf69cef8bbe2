"""What SQL back-ends add to the contract: tables a projector can join, tampering found, schema versions.

Subclasses provide, besides ``make_store`` and ``store``: ``raw`` (run SQL on a separate
connection, outside the library, committing at once; ``?`` placeholders; driver errors
become ``RawError``), ``q`` (turn ``?``
placeholders into the back-end's) and ``backend`` (the store's module, whose ``MIGRATIONS``
a test may replace).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from types import ModuleType
from typing import Any, Protocol

import pytest
from contract import (
    EventStoreContract,
    StoreFactory,
    Tamper,
    anchored,
    closed,
    discover,
    failing_projector,
    forge,
    found,
    raises_boom,
    referred,
    with_notes,
    workflow,
)

import fengqiao as fq
from fengqiao.errors import BrokenStreamError, ConcurrencyConflict, StorageError, UnreadableEventError
from fengqiao.lifecycle.events import Event
from fengqiao.storage import Append, EventStore, Repository, StoredEvent
from fengqiao.storage.chain import GENESIS, link, seal
from fengqiao.storage.migrations import Migration

_REWRITE_ROW = (
    "UPDATE fengqiao_events SET stream_id = ?, version = ?, type = ?, schema_version = ?, data = ?,"
    " prev_hash = ?, hash = ? WHERE position = ?"
)


class RawError(Exception):
    """A driver error from ``raw``, whichever the driver."""


class Raw(Protocol):
    def __call__(self, sql: str, params: Sequence[Any] = (), /) -> list[tuple[Any, ...]]: ...


class Placeholders(Protocol):
    def __call__(self, sql: str, /) -> str: ...


def seed(store: EventStore) -> tuple[fq.Dispute, fq.Dispute]:
    wf = workflow()
    a, b = closed(wf), referred(wf)
    for d in (a, b):
        half = d.version // 2
        store.append(d.id, d.history[:half], expected_version=0)
        store.append(d.id, d.history[half:], expected_version=half)
    return a, b


def reseal(raw: Raw, stream_id: str) -> None:
    """Recompute ``stream_id``'s hash chain and head over its rows as they are now: a consistent rewrite."""
    prev = GENESIS
    rows = raw("SELECT version, data FROM fengqiao_events WHERE stream_id = ? ORDER BY version", (stream_id,))
    for version, data in rows:
        digest = link(prev, stream_id, version, data)
        raw(
            "UPDATE fengqiao_events SET prev_hash = ?, hash = ? WHERE stream_id = ? AND version = ?",
            (prev, digest, stream_id, version),
        )
        prev = digest
    raw("UPDATE fengqiao_streams SET version = ?, hash = ? WHERE stream_id = ?", (len(rows), prev, stream_id))
    restamp(raw)


def restamp(raw: Raw) -> None:
    """Recompute the seal of every sealed row over its hash and recorded time as they are now, as a forger would."""
    for position, digest, recorded_at in raw(
        "SELECT position, hash, recorded_at FROM fengqiao_events WHERE seal IS NOT NULL"
    ):
        at = datetime.fromisoformat(recorded_at) if isinstance(recorded_at, str) else recorded_at
        raw("UPDATE fengqiao_events SET seal = ? WHERE position = ?", (seal(digest, at), position))


def backdate(raw: Raw, stream_id: str, version: int) -> None:
    """Move one row's ``recorded_at`` three days earlier, leaving everything else."""
    where = " WHERE stream_id = ? AND version = ?"
    [(recorded_at,)] = raw("SELECT recorded_at FROM fengqiao_events" + where, (stream_id, version))
    at = datetime.fromisoformat(recorded_at) if isinstance(recorded_at, str) else recorded_at
    earlier = at - timedelta(days=3)
    raw(
        "UPDATE fengqiao_events SET recorded_at = ?" + where,
        (earlier.isoformat() if isinstance(recorded_at, str) else earlier, stream_id, version),
    )


def named(store: EventStore) -> list[tuple[str, int, str]]:
    return [(p.stream_id, p.version, p.kind) for p in store.verify().problems]


class SQLStoreContract(EventStoreContract):
    @pytest.fixture
    def raw(self) -> Raw:
        raise NotImplementedError

    @pytest.fixture
    def q(self) -> Placeholders:
        raise NotImplementedError

    @pytest.fixture
    def backend(self) -> ModuleType:
        raise NotImplementedError

    @pytest.fixture
    def tamper(self, raw: Raw) -> Tamper:
        """Rewrites rows and heads with plain SQL, as someone with the database's password could."""

        def rewrite(stream_id: str, events: Sequence[Event], *, rename: str | None = None) -> None:
            name = rename or stream_id
            query = "SELECT position FROM fengqiao_events WHERE stream_id = ? ORDER BY version"
            positions = [position for (position,) in raw(query, (stream_id,))]
            assert len(events) <= len(positions)
            raw("DELETE FROM fengqiao_streams WHERE stream_id = ?", (stream_id,))
            raw("DELETE FROM fengqiao_events WHERE stream_id = ? AND version > ?", (stream_id, len(events)))
            rows = forge(name, events)
            for row, position in zip(rows, positions, strict=False):
                raw(_REWRITE_ROW, (name, *row, position))
            if rows:
                raw(
                    "INSERT INTO fengqiao_streams (stream_id, version, hash) VALUES (?, ?, ?)",
                    (name, rows[-1][0], rows[-1][5]),
                )
            restamp(raw)

        return rewrite

    # -- projectors share the append's transaction -----------------------------------
    def test_a_projector_writes_its_table_in_the_appends_transaction(
        self, make_store: StoreFactory, raw: Raw, q: Placeholders
    ) -> None:
        raw("CREATE TABLE ledger (stream_id TEXT, version INTEGER)")

        def project(tx: Any, events: tuple[StoredEvent, ...]) -> None:
            for e in events:
                tx.execute(q("INSERT INTO ledger (stream_id, version) VALUES (?, ?)"), (e.stream_id, e.version))

        wf = workflow()
        d = with_notes(wf, discover(wf), 2)
        make_store([project]).append(d.id, d.history, expected_version=0)
        assert raw("SELECT stream_id, version FROM ledger ORDER BY version") == [(d.id, 1), (d.id, 2), (d.id, 3)]
        more = with_notes(wf, d, 1)
        with raises_boom():
            make_store([project, failing_projector]).append(d.id, more.history[3:], expected_version=3)
        assert raw("SELECT count(*) FROM ledger") == [(3,)]
        assert raw("SELECT count(*) FROM fengqiao_events") == [(3,)]

    def test_a_projector_sees_its_events_before_anyone_else_does(
        self, make_store: StoreFactory, raw: Raw, q: Placeholders
    ) -> None:
        inside: list[int] = []
        outside: list[int] = []

        def project(tx: Any, events: tuple[StoredEvent, ...]) -> None:
            count = q("SELECT count(*) FROM fengqiao_events WHERE stream_id = ?")
            inside.append(tx.execute(count, (events[0].stream_id,)).fetchone()[0])
            outside.append(raw("SELECT count(*) FROM fengqiao_events")[0][0])

        wf = workflow()
        d = with_notes(wf, discover(wf), 2)
        make_store([project]).append(d.id, d.history, expected_version=0)
        assert (inside, outside) == ([3], [0])
        assert raw("SELECT count(*) FROM fengqiao_events") == [(3,)]

    def test_a_projectors_database_error_is_a_storage_error_and_stores_nothing(
        self, make_store: StoreFactory, raw: Raw
    ) -> None:
        def project(tx: Any, events: tuple[StoredEvent, ...]) -> None:
            tx.execute("INSERT INTO no_such_table VALUES (1)")

        d = discover(workflow())
        with pytest.raises(StorageError, match="no_such_table"):
            make_store([project]).append(d.id, d.history, expected_version=0)
        assert raw("SELECT count(*) FROM fengqiao_events") == [(0,)]
        store = make_store()
        assert store.append(d.id, d.history, expected_version=0) == 1

    # -- two stores on one database -----------------------------------------------------
    def test_a_store_never_trusts_a_head_another_store_moved(self, make_store: StoreFactory) -> None:
        first, second = make_store(), make_store()
        wf = workflow()
        d = discover(wf)
        d2, stale = with_notes(wf, d, 1), wf.note(d, "stale", actor="officer:xiao")
        first.append(d.id, d.history, expected_version=0)
        second.append(d.id, d2.history[1:], expected_version=1)
        with pytest.raises(ConcurrencyConflict) as caught:
            first.append(d.id, stale.history[1:], expected_version=1)
        assert (caught.value.expected, caught.value.actual) == (1, 2)
        with pytest.raises(ConcurrencyConflict):
            first.append_many([Append(d.id, stale.history[1:], expected_version=1)])
        d3 = with_notes(wf, d2, 1)
        assert first.append(d.id, d3.history[2:], expected_version=2) == 3
        d4 = with_notes(wf, d3, 1)
        assert second.append_many([Append(d.id, d4.history[3:], expected_version=3)]) == (4,)
        assert first.load(d.id) == second.load(d.id) == d4.history
        assert first.verify().ok

    def test_a_batch_meets_a_stream_created_by_another_store_as_a_conflict(self, make_store: StoreFactory) -> None:
        first, second = make_store(), make_store()
        wf = workflow()
        a, b = discover(wf), discover(wf)
        second.append(b.id, b.history, expected_version=0)
        with pytest.raises(ConcurrencyConflict) as caught:
            first.append_many(
                [Append(a.id, a.history, expected_version=0), Append(b.id, b.history, expected_version=0)]
            )
        assert (caught.value.stream, caught.value.actual) == (b.id, 1)
        assert first.load(a.id) == ()

    # -- tampering behind the library's back -----------------------------------------
    def test_verify_names_an_edited_event(self, store: EventStore, raw: Raw) -> None:
        a, b = seed(store)
        raw(
            "UPDATE fengqiao_events SET data = replace(data, 'officer:xiao', 'officer:evil')"
            " WHERE stream_id = ? AND version = ?",
            (a.id, 6),
        )
        assert named(store) == [(a.id, 6, "tampered")]
        assert store.verify(b.id).ok

    def test_verify_names_an_edited_type_column(self, store: EventStore, raw: Raw) -> None:
        a, _ = seed(store)
        raw("UPDATE fengqiao_events SET type = 'closed' WHERE stream_id = ? AND version = 2", (a.id,))
        problems = store.verify().problems
        assert [(p.stream_id, p.version, p.kind) for p in problems] == [(a.id, 2, "tampered")]
        assert "type column" in problems[0].detail

    def test_verify_names_a_deleted_event(self, store: EventStore, raw: Raw) -> None:
        a, _ = seed(store)
        raw("DELETE FROM fengqiao_events WHERE stream_id = ? AND version = 3", (a.id,))
        assert named(store) == [(a.id, 3, "missing")]

    def test_verify_names_a_deleted_last_event(self, store: EventStore, raw: Raw) -> None:
        _, b = seed(store)
        raw("DELETE FROM fengqiao_events WHERE stream_id = ? AND version = ?", (b.id, b.version))
        assert named(store) == [(b.id, b.version, "missing")]

    def test_verify_names_a_reordered_pair(self, store: EventStore, raw: Raw) -> None:
        a, b = seed(store)
        for old, new in ((3, 1000), (4, 3), (1000, 4)):
            raw("UPDATE fengqiao_events SET version = ? WHERE stream_id = ? AND version = ?", (new, a.id, old))
        problems = named(store)
        assert {(s, v) for s, v, k in problems if k == "tampered"} == {(a.id, 3), (a.id, 4)}
        assert {(s, v) for s, v, _ in problems} == {(a.id, 3), (a.id, 4), (a.id, 5)}  # 5 no longer links to 4
        assert store.verify(b.id).ok

    def test_verify_names_a_stream_whose_events_are_all_gone(self, store: EventStore, raw: Raw) -> None:
        _, b = seed(store)
        raw("DELETE FROM fengqiao_events WHERE stream_id = ?", (b.id,))
        assert named(store) == [(b.id, 1, "missing")]

    # -- load checks versions, the head and the hash chain before it serves --------------
    def test_load_refuses_an_edited_event_naming_its_version(self, store: EventStore, raw: Raw) -> None:
        a, b = seed(store)
        raw(
            "UPDATE fengqiao_events SET data = replace(data, 'officer:xiao', 'officer:evil')"
            " WHERE stream_id = ? AND version = ?",
            (a.id, 6),
        )
        for load in (store.load, Repository(workflow(), store).get):
            with pytest.raises(BrokenStreamError) as caught:
                load(a.id)
            assert (caught.value.stream, caught.value.version, caught.value.kind) == (a.id, 6, "tampered")
        assert store.load(b.id) == b.history

    def test_load_refuses_a_stream_with_a_deleted_event(self, store: EventStore, raw: Raw) -> None:
        a, _ = seed(store)
        raw("DELETE FROM fengqiao_events WHERE stream_id = ? AND version = 3", (a.id,))
        with pytest.raises(BrokenStreamError, match=f"stream {a.id} version 3: version 3 is missing") as caught:
            Repository(workflow(), store).get(a.id)
        assert caught.value.kind == "missing"

    def test_load_refuses_a_stream_whose_first_event_is_deleted(self, store: EventStore, raw: Raw) -> None:
        a, _ = seed(store)
        raw("DELETE FROM fengqiao_events WHERE stream_id = ? AND version = 1", (a.id,))
        with pytest.raises(BrokenStreamError, match="version 1 is missing"):
            store.load(a.id)

    def test_a_deleted_last_event_is_refused_on_load_not_served_as_an_older_state(
        self, store: EventStore, raw: Raw
    ) -> None:
        # Served as the older state, every later append would conflict with the head, forever.
        _, b = seed(store)
        raw("DELETE FROM fengqiao_events WHERE stream_id = ? AND version = ?", (b.id, b.version))
        with pytest.raises(BrokenStreamError, match=f"version {b.version} is missing") as caught:
            store.load(b.id)
        assert caught.value.version == b.version

    def test_load_refuses_events_beyond_the_recorded_head(self, store: EventStore, raw: Raw) -> None:
        a, _ = seed(store)
        raw("UPDATE fengqiao_streams SET version = 2 WHERE stream_id = ?", (a.id,))
        with pytest.raises(BrokenStreamError, match="after the recorded head 2") as caught:
            store.load(a.id)
        assert caught.value.kind == "head-mismatch"

    def test_load_refuses_events_whose_head_was_deleted(self, store: EventStore, raw: Raw) -> None:
        a, _ = seed(store)
        raw("DELETE FROM fengqiao_streams WHERE stream_id = ?", (a.id,))
        with pytest.raises(BrokenStreamError, match="no recorded head"):
            store.load(a.id)

    def test_load_refuses_a_head_hash_that_is_not_the_last_events(self, store: EventStore, raw: Raw) -> None:
        a, _ = seed(store)
        raw("UPDATE fengqiao_streams SET hash = ? WHERE stream_id = ?", ("f" * 64, a.id))
        with pytest.raises(BrokenStreamError, match="head hash differs"):
            store.load(a.id)

    def test_load_refuses_a_reordered_pair(self, store: EventStore, raw: Raw) -> None:
        a, _ = seed(store)
        for old, new in ((3, 1000), (4, 3), (1000, 4)):
            raw("UPDATE fengqiao_events SET version = ? WHERE stream_id = ? AND version = ?", (new, a.id, old))
        with pytest.raises(BrokenStreamError) as caught:
            store.load(a.id)
        assert (caught.value.version, caught.value.kind) == (3, "tampered")

    def test_a_consistent_rewrite_of_a_whole_stream_still_loads(self, store: EventStore, raw: Raw) -> None:
        # What the chain cannot see alone; an anchor kept elsewhere is what finds it.
        a, _ = seed(store)
        raw(
            "UPDATE fengqiao_events SET data = replace(data, 'officer:xiao', 'officer:evil') WHERE stream_id = ?",
            (a.id,),
        )
        reseal(raw, a.id)
        assert str(store.load(a.id)[0].actor) == "officer:evil"

    def test_read_all_refuses_an_edited_event(self, store: EventStore, raw: Raw) -> None:
        a, _ = seed(store)
        raw(
            "UPDATE fengqiao_events SET data = replace(data, 'officer:xiao', 'officer:evil') WHERE stream_id = ?"
            " AND version = 2",
            (a.id,),
        )
        with pytest.raises(BrokenStreamError) as caught:
            list(store.read_all())
        assert (caught.value.stream, caught.value.version) == (a.id, 2)

    def test_read_all_can_skip_and_report_unreadable_rows(self, store: EventStore, raw: Raw) -> None:
        a, b = seed(store)
        raw('UPDATE fengqiao_events SET data = \'{"schema":1,"type":\' WHERE stream_id = ? AND version = 5', (a.id,))
        raw(
            "UPDATE fengqiao_events SET data = replace(data, 'officer:xiao', 'officer:evil') WHERE stream_id = ?"
            " AND version = 2",
            (b.id,),
        )
        skipped: list[UnreadableEventError] = []
        read = [(s.stream_id, s.version) for s in store.read_all(unreadable=skipped.append)]
        assert [(e.stream, e.version) for e in skipped] == [(a.id, 5), (b.id, 2)]
        everything = [(d.id, v) for d in (a, b) for v in range(1, d.version + 1)]
        assert sorted(read) == sorted(set(everything) - {(a.id, 5), (b.id, 2)})
        assert len(list(store.read_all(limit=5, unreadable=skipped.append))) == 5

    def test_an_anchor_names_events_forged_into_a_known_stream_before_its_position(
        self, store: EventStore, raw: Raw
    ) -> None:
        wf, (_, b, _, d), anchor = anchored(store)
        extra = with_notes(wf, b, 2).history[b.version :]
        rows = forge(
            b.id,
            extra,
            after=b.version,
            prev_hash=raw("SELECT hash FROM fengqiao_streams WHERE stream_id = ?", (b.id,))[0][0],
        )
        positions = [
            p for (p,) in raw("SELECT position FROM fengqiao_events WHERE stream_id = ? ORDER BY version", (d.id,))
        ]
        assert len(positions) == len(rows) == 2
        raw("DELETE FROM fengqiao_streams WHERE stream_id = ?", (d.id,))
        for row, position in zip(rows, positions, strict=True):  # the merged dispute's places, after b's
            raw(_REWRITE_ROW, (b.id, *row, position))
        raw("UPDATE fengqiao_streams SET version = ?, hash = ? WHERE stream_id = ?", (rows[-1][0], rows[-1][5], b.id))
        restamp(raw)
        assert store.verify().ok
        assert sorted(found(store, anchor)) == sorted([(b.id, b.version + 1, "forged"), (d.id, 1, "deleted")])

    def test_verify_names_a_deleted_first_event_as_version_one_missing(self, store: EventStore, raw: Raw) -> None:
        a, b = seed(store)
        raw("DELETE FROM fengqiao_events WHERE stream_id = ? AND version = 1", (a.id,))
        problems = store.verify().problems
        assert [(p.stream_id, p.version, p.kind) for p in problems] == [(a.id, 1, "missing")]
        assert "version 1 is not in the store" in problems[0].detail
        assert store.verify(b.id).ok

    @pytest.mark.parametrize("emptied", ["first", "last"])
    def test_verify_counts_a_stream_with_no_rows_left_wherever_it_sorts(
        self, store: EventStore, raw: Raw, emptied: str
    ) -> None:
        a, b = seed(store)
        assert a.id < b.id
        gone, kept = (a, b) if emptied == "first" else (b, a)
        raw("DELETE FROM fengqiao_events WHERE stream_id = ?", (gone.id,))
        report = store.verify()
        assert [(p.stream_id, p.version, p.kind) for p in report.problems] == [(gone.id, 1, "missing")]
        assert (report.streams, report.events) == (2, kept.version)

    @pytest.mark.parametrize(("data", "detail"), [("not json", "not JSON"), ("[1]", "not a JSON object")])
    def test_verify_calls_a_row_tampered_when_its_data_is_no_event_though_its_hash_matches_it(
        self, store: EventStore, raw: Raw, data: str, detail: str
    ) -> None:
        _, b = seed(store)
        where = " WHERE stream_id = ? AND version = ?"
        [(prev,)] = raw("SELECT prev_hash FROM fengqiao_events" + where, (b.id, b.version))
        digest = link(prev, b.id, b.version, data)  # a forger's consistent rewrite of the last event
        raw("UPDATE fengqiao_events SET data = ?, hash = ?" + where, (data, digest, b.id, b.version))
        raw("UPDATE fengqiao_streams SET hash = ? WHERE stream_id = ?", (digest, b.id))
        restamp(raw)
        problems = store.verify().problems
        assert [(p.stream_id, p.version, p.kind) for p in problems] == [(b.id, b.version, "tampered")]
        assert detail in problems[0].detail

    # -- rows that cannot be read ------------------------------------------------------
    def test_a_corrupt_json_row_raises_naming_stream_and_version(self, store: EventStore, raw: Raw) -> None:
        a, _ = seed(store)
        raw('UPDATE fengqiao_events SET data = \'{"schema":1,"type":\' WHERE stream_id = ? AND version = 5', (a.id,))
        reseal(raw, a.id)
        with pytest.raises(UnreadableEventError, match="corrupt JSON") as caught:
            store.load(a.id)
        assert (caught.value.stream, caught.value.version) == (a.id, 5)
        assert f"stream {a.id} version 5" in str(caught.value)
        with pytest.raises(UnreadableEventError):
            list(store.read_all())
        with pytest.raises(UnreadableEventError):
            Repository(workflow(), store).get(a.id)
        assert named(store) == [(a.id, 5, "tampered")]  # its columns disagree with its (sealed) data

    def test_an_unknown_event_schema_version_raises_naming_stream_and_version(
        self, store: EventStore, raw: Raw
    ) -> None:
        a, _ = seed(store)
        raw(
            "UPDATE fengqiao_events SET schema_version = 2, data = replace(data, '\"schema\":1', '\"schema\":2')"
            " WHERE stream_id = ? AND version = 2",
            (a.id,),
        )
        reseal(raw, a.id)
        with pytest.raises(UnreadableEventError, match="schema version 2 is newer") as caught:
            store.load(a.id)
        assert (caught.value.stream, caught.value.version) == (a.id, 2)

    def test_an_older_event_schema_version_is_unknown_not_newer(self, store: EventStore, raw: Raw) -> None:
        a, _ = seed(store)
        raw("UPDATE fengqiao_events SET schema_version = 0 WHERE stream_id = ? AND version = 3", (a.id,))
        for read in (lambda: store.load(a.id), lambda: list(store.read_all())):
            with pytest.raises(UnreadableEventError, match="schema version 0 is unknown to") as caught:
                read()
            assert (caught.value.stream, caught.value.version) == (a.id, 3)
            assert "newer" not in str(caught.value)

    def test_a_row_of_another_dispute_raises_naming_stream_and_version(self, store: EventStore, raw: Raw) -> None:
        a, b = seed(store)
        raw(
            "UPDATE fengqiao_events SET data = replace(data, ?, ?) WHERE stream_id = ? AND version = 1",
            (a.id, b.id, a.id),
        )
        reseal(raw, a.id)
        with pytest.raises(UnreadableEventError, match="belongs to dispute") as caught:
            store.load(a.id)
        assert (caught.value.stream, caught.value.version) == (a.id, 1)

    # -- the seal of recorded_at -------------------------------------------------------
    def test_an_edited_recorded_time_is_found_by_verify_and_refused_by_read_all(
        self, store: EventStore, raw: Raw
    ) -> None:
        a, _ = seed(store)
        backdate(raw, a.id, 2)
        problems = store.verify().problems
        assert [(p.stream_id, p.version, p.kind) for p in problems] == [(a.id, 2, "tampered")]
        assert "recorded time (recorded_at) was edited" in problems[0].detail
        with pytest.raises(BrokenStreamError, match="recorded time") as caught:
            list(store.read_all())
        assert (caught.value.stream, caught.value.version) == (a.id, 2)
        skipped: list[UnreadableEventError] = []
        assert len(list(store.read_all(unreadable=skipped.append))) == a.version + _.version - 1
        assert [(e.stream, e.version) for e in skipped] == [(a.id, 2)]

    def test_the_seal_covers_the_recorded_instant_not_the_zone_it_is_written_in(
        self, store: EventStore, raw: Raw
    ) -> None:
        a, _ = seed(store)
        where = " WHERE stream_id = ? AND version = 1"
        [(recorded_at,)] = raw("SELECT recorded_at FROM fengqiao_events" + where, (a.id,))
        at = datetime.fromisoformat(recorded_at) if isinstance(recorded_at, str) else recorded_at
        beijing = at.astimezone(timezone(timedelta(hours=8)))  # the same instant, spelt in another zone
        raw(
            "UPDATE fengqiao_events SET recorded_at = ?" + where,
            (beijing.isoformat() if isinstance(recorded_at, str) else beijing, a.id),
        )
        assert store.verify().ok
        assert next(iter(store.read_all())).recorded_at == at
        backdate(raw, a.id, 1)
        assert named(store) == [(a.id, 1, "tampered")]

    def test_a_row_without_a_seal_after_the_sealing_began_is_tampered(self, store: EventStore, raw: Raw) -> None:
        a, _ = seed(store)
        raw("UPDATE fengqiao_events SET seal = NULL WHERE stream_id = ? AND version = 3", (a.id,))
        problems = store.verify().problems
        assert [(p.stream_id, p.version, p.kind) for p in problems] == [(a.id, 3, "tampered")]
        assert "no seal" in problems[0].detail
        with pytest.raises(BrokenStreamError, match="no seal") as caught:
            list(store.read_all())
        assert (caught.value.stream, caught.value.version) == (a.id, 3)

    def test_a_layout_1_store_upgraded_keeps_its_rows_and_seals_what_comes_after(
        self, store: EventStore, raw: Raw, make_store: StoreFactory
    ) -> None:
        a, b = seed(store)
        # the layout fengqiao wrote before seals: no seal column, no sealed_after
        raw("ALTER TABLE fengqiao_events DROP COLUMN seal")
        raw("DELETE FROM fengqiao_meta WHERE key = 'sealed_after'")
        raw("UPDATE fengqiao_meta SET value = '1' WHERE key = 'schema_version'")
        old = a.version + b.version
        upgraded = make_store()
        assert raw("SELECT value FROM fengqiao_meta WHERE key = 'schema_version'") == [("2",)]
        [(last,)] = raw("SELECT max(position) FROM fengqiao_events")
        assert raw("SELECT value FROM fengqiao_meta WHERE key = 'sealed_after'") == [(str(last),)]
        assert upgraded.load(a.id) == a.history
        assert upgraded.verify().ok
        assert len(list(upgraded.read_all())) == old
        d = discover(workflow("HN"))
        upgraded.append(d.id, d.history, expected_version=0)
        assert raw("SELECT count(*) FROM fengqiao_events WHERE seal IS NULL") == [(old,)]
        assert raw("SELECT count(*) FROM fengqiao_events WHERE seal IS NOT NULL") == [(1,)]
        assert upgraded.verify().ok
        backdate(raw, a.id, 1)  # an unsealed row: its time cannot be vouched for (the documented limit)
        backdate(raw, d.id, 1)
        assert named(upgraded) == [(d.id, 1, "tampered")]

    # -- schema versions and migrations ------------------------------------------------
    def test_the_meta_table_holds_the_schema_version(self, store: EventStore, raw: Raw) -> None:
        assert raw("SELECT value FROM fengqiao_meta WHERE key = 'schema_version'") == [("2",)]
        assert raw("SELECT value FROM fengqiao_meta WHERE key = 'sealed_after'") == [("0",)]  # a new store: all sealed
        assert store.upgrade() == 2

    def test_a_newer_schema_version_is_refused_naming_both_versions(
        self, store: EventStore, raw: Raw, make_store: StoreFactory
    ) -> None:
        raw("UPDATE fengqiao_meta SET value = '7' WHERE key = 'schema_version'")
        for upgrade in (True, False):
            with pytest.raises(StorageError, match=r"schema version 7, newer than version 2"):
                make_store(upgrade=upgrade)

    @pytest.mark.parametrize("garbage", ["abc", "", "1.0", " 1", "１", "9" * 5000])
    def test_a_garbage_layout_version_is_a_storage_error_on_opening(
        self, store: EventStore, raw: Raw, make_store: StoreFactory, garbage: str
    ) -> None:
        raw("UPDATE fengqiao_meta SET value = ? WHERE key = 'schema_version'", (garbage,))
        for upgrade in (True, False):
            with pytest.raises(StorageError, match=r"layout version in fengqiao_meta is .* not a whole number"):
                make_store(upgrade=upgrade)

    def test_a_store_opened_before_a_later_fengqiao_upgraded_the_layout_stops_writing(
        self, store: EventStore, raw: Raw
    ) -> None:
        wf = workflow()
        d = with_notes(wf, discover(wf), 1)
        store.append(d.id, d.history[:1], expected_version=0)
        raw("UPDATE fengqiao_meta SET value = '3' WHERE key = 'schema_version'")  # what an upgrade would leave
        with pytest.raises(StorageError, match="changed from layout version 2 to 3 while this store was open"):
            store.append(d.id, d.history[1:], expected_version=1)
        with pytest.raises(StorageError, match="schema version 3, newer than version 2"):
            store.append_many([Append(d.id, d.history[1:], expected_version=1)])
        assert raw("SELECT count(*) FROM fengqiao_events") == [(1,)]

    def test_a_layout_version_garbled_while_a_store_is_open_stops_its_writes(self, store: EventStore, raw: Raw) -> None:
        wf = workflow()
        d = with_notes(wf, discover(wf), 1)
        store.append(d.id, d.history[:1], expected_version=0)
        raw("UPDATE fengqiao_meta SET value = 'garbage' WHERE key = 'schema_version'")
        for _ in range(2):
            with pytest.raises(StorageError, match="'garbage', not a whole number"):
                store.append(d.id, d.history[1:], expected_version=1)
        raw("UPDATE fengqiao_meta SET value = '2' WHERE key = 'schema_version'")
        assert store.append(d.id, d.history[1:], expected_version=1) == 2

    def test_an_outdated_schema_opens_but_refuses_work_until_upgraded(
        self, store: EventStore, raw: Raw, make_store: StoreFactory
    ) -> None:
        for table in ("fengqiao_events", "fengqiao_streams", "fengqiao_meta"):
            raw(f"DROP TABLE {table}")
        store = make_store(upgrade=False)
        d = discover(workflow())
        with pytest.raises(StorageError, match=r"schema version 0, older than version 2.*upgrade\(\)"):
            store.append(d.id, d.history, expected_version=0)
        assert store.upgrade() == 2
        assert store.append(d.id, d.history, expected_version=0) == 1

    def test_a_failing_migration_leaves_the_schema_as_it_was(
        self,
        store: EventStore,
        raw: Raw,
        make_store: StoreFactory,
        backend: ModuleType,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        a, b = seed(store)
        bad = Migration(3, "half done", ("CREATE TABLE fengqiao_half (x INTEGER)", "CREATE TABLE oops (((("))
        monkeypatch.setattr(backend, "MIGRATIONS", (*backend.MIGRATIONS, bad))
        with pytest.raises(StorageError, match="upgrade failed"):
            make_store()
        assert raw("SELECT value FROM fengqiao_meta WHERE key = 'schema_version'") == [("2",)]
        assert raw("SELECT count(*) FROM fengqiao_events") == [(a.version + b.version,)]
        with pytest.raises(RawError):
            raw("SELECT count(*) FROM fengqiao_half")
        good = Migration(3, "an index", ("CREATE INDEX fengqiao_events_type ON fengqiao_events (type)",))
        monkeypatch.setattr(backend, "MIGRATIONS", (*backend.MIGRATIONS[:2], good))
        assert make_store().load(a.id) == a.history
        assert raw("SELECT value FROM fengqiao_meta WHERE key = 'schema_version'") == [("3",)]
        monkeypatch.undo()
        with pytest.raises(StorageError, match="schema version 3, newer than version 2"):
            make_store()
