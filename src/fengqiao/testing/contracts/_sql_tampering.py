"""The SQL store contract's checks of projector tables, two stores on one database, and tampering."""

from __future__ import annotations

from typing import Any

import pytest

from fengqiao.errors import BrokenStreamError, ConcurrencyConflict, StorageError, UnreadableEventError
from fengqiao.storage import Append, EventStore, Repository, StoredEvent
from fengqiao.storage._chain import link
from fengqiao.testing.contracts.sql_support import (
    _REWRITE_ROW,
    Placeholders,
    Raw,
    named,
    reseal,
    restamp,
    seed,
)
from fengqiao.testing.contracts.support import (
    StoreFactory,
    anchored,
    discover,
    failing_projector,
    forge,
    found,
    raises_boom,
    with_notes,
    workflow,
)


class _SQLTampering:
    """Projector tables, a second store on the same database, and rows rewritten behind the store."""

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
