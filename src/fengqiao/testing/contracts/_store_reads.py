"""The store contract's reads: ``read_all``, ``streams``, ``verify``, anchors, projectors, closing."""

from __future__ import annotations

from typing import Any

import pytest

from fengqiao.errors import StorageError, ValidationError
from fengqiao.storage import Anchor, Append, EventStore, MemoryEventStore, StoredEvent
from fengqiao.storage._chain import GENESIS, link
from fengqiao.storage._codec import canonical_json
from fengqiao.testing.contracts.support import (
    OFFICER,
    StoreFactory,
    Tamper,
    anchored,
    closed,
    discover,
    failing_projector,
    found,
    histories,
    raises_boom,
    rewritten_history,
    with_notes,
    workflow,
)


class _Reads:
    """Reading the log back, verifying it, anchoring it; projectors and closing."""

    # -- read_all and streams ----------------------------------------------------------
    def test_read_all_yields_every_event_in_commit_order(self, store: EventStore) -> None:
        wf = workflow()
        a, b = discover(wf), discover(wf)
        store.append(a.id, a.history, expected_version=0)
        store.append(b.id, b.history, expected_version=0)
        a2 = with_notes(wf, a, 2)
        store.append(a.id, a2.history[1:], expected_version=1)
        b2 = wf.grade(b, actor=OFFICER)
        store.append(b.id, b2.history[1:], expected_version=1)
        stored = list(store.read_all())
        assert [(s.stream_id, s.version) for s in stored] == [(a.id, 1), (b.id, 1), (a.id, 2), (a.id, 3), (b.id, 2)]
        assert [s.event for s in stored] == [a.history[0], b.history[0], *a2.history[1:], b2.history[1]]
        positions = [s.position for s in stored]
        assert positions == sorted(set(positions))
        assert all(s.recorded_at.tzinfo is not None for s in stored)

    def test_read_all_after_a_position_resumes_right_after_it(self, store: EventStore) -> None:
        wf = workflow()
        for d in histories(wf):
            store.append(d.id, d.history, expected_version=0)
        everything = list(store.read_all())
        pages: list[StoredEvent] = []
        after = 0
        for _ in range(100):
            page = list(store.read_all(after=after, limit=4))
            if not page:
                break
            assert len(page) <= 4
            pages.extend(page)
            after = page[-1].position
        assert pages == everything
        middle = everything[5].position
        assert list(store.read_all(after=middle)) == everything[6:]
        assert list(store.read_all(limit=0)) == []

    def test_read_all_pages_through_more_events_than_one_batch(self, store: EventStore) -> None:
        wf = workflow()
        d = with_notes(wf, discover(wf), 1199)
        store.append(d.id, d.history[:600], expected_version=0)
        store.append(d.id, d.history[600:], expected_version=600)
        stored = list(store.read_all())
        assert [s.version for s in stored] == list(range(1, 1201))
        assert len(list(store.read_all(after=stored[10].position, limit=700))) == 700

    @pytest.mark.parametrize(
        ("after", "limit", "name"),
        [
            (-1, None, "after"),
            (0, -1, "limit"),
            ("0", None, "after"),
            (True, None, "after"),
            (2**63, None, "after"),
            (2**70, None, "after"),
            (0, 2**63, "limit"),
            (0, 2**70, "limit"),
            (0, 1.5, "limit"),
        ],
    )
    def test_read_all_refuses_malformed_bounds(self, store: EventStore, after: Any, limit: Any, name: str) -> None:
        d = discover(workflow())
        store.append(d.id, d.history, expected_version=0)
        with pytest.raises(ValidationError) as caught:
            store.read_all(after=after, limit=limit)
        assert caught.value.path == name

    def test_read_all_takes_the_largest_64_bit_bounds(self, store: EventStore) -> None:
        d = discover(workflow())
        store.append(d.id, d.history, expected_version=0)
        assert list(store.read_all(after=2**63 - 1)) == []
        assert [e.event for e in store.read_all(limit=2**63 - 1)] == list(d.history)

    @pytest.mark.parametrize("events", [None, 5, object(), "text", b"bytes"], ids=repr)
    def test_append_refuses_events_that_are_not_a_collection_and_stores_nothing(
        self, store: EventStore, events: Any
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            store.append("YJ-0001", events, expected_version=0)
        assert caught.value.path == "events"
        assert list(store.read_all()) == []

    @pytest.mark.parametrize("batch", [None, 5, object()], ids=repr)
    def test_append_many_and_append_prepared_refuse_a_batch_that_is_not_a_collection(
        self, store: EventStore, batch: Any
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            store.append_many(batch)
        assert caught.value.path == "appends"
        with pytest.raises(ValidationError) as caught:
            store.append_prepared(batch)
        assert caught.value.path == "prepared"
        assert list(store.read_all()) == []

    def test_stored_hashes_chain_each_stream(self, store: EventStore) -> None:
        d = closed(workflow())
        store.append(d.id, d.history[:3], expected_version=0)
        store.append(d.id, d.history[3:], expected_version=3)
        prev = GENESIS
        for s in store.read_all():
            assert s.hash == link(prev, d.id, s.version, canonical_json(s.event))
            prev = s.hash

    def test_streams_lists_every_stream_once_in_code_point_order(self, store: EventStore) -> None:
        wf = workflow()
        ids = ["b-2", "a-10", "a-9", "纠纷-1", "B-1"]
        for dispute_id in ids:
            d = wf.discover(
                channel="alarm_110", category="neighbour", summary="x", actor=OFFICER, dispute_id=dispute_id
            )
            store.append(d.id, d.history, expected_version=0)
            store.append(d.id, wf.note(d, "again", actor=OFFICER).history[1:], expected_version=1)
        assert list(store.streams()) == sorted(ids)

    def test_an_empty_store_has_no_streams_and_no_events(self, store: EventStore) -> None:
        assert list(store.streams()) == []
        assert list(store.read_all()) == []

    # -- verify ------------------------------------------------------------------------
    def test_verify_passes_on_data_written_by_the_store(self, store: EventStore) -> None:
        ds = histories(workflow())
        for d in ds:
            store.append(d.id, d.history, expected_version=0)
        report = store.verify()
        assert report.ok, str(report)
        assert (report.streams, report.events) == (len(ds), sum(d.version for d in ds))
        one = store.verify(ds[0].id)
        assert one.ok
        assert (one.streams, one.events) == (1, ds[0].version)

    def test_verify_of_an_unknown_stream_checks_nothing(self, store: EventStore) -> None:
        report = store.verify("nobody")
        assert report.ok
        assert (report.streams, report.events) == (0, 0)

    # -- anchors -----------------------------------------------------------------------
    @pytest.fixture
    def tamper(self) -> Tamper:
        pytest.skip("the back-end's test class gives no tamper fixture: the tampering checks do not run")

    def test_an_anchor_counts_the_store_and_verifies_it_untouched(self, store: EventStore) -> None:
        _, ds, anchor = anchored(store)
        events = sum(d.version for d in ds)
        assert (anchor.streams, anchor.events) == (len(ds), events)
        assert anchor.position == list(store.read_all())[-1].position  # the highest: positions may have gaps
        assert [(h.stream_id, h.version) for h in anchor.heads()] == sorted((d.id, d.version) for d in ds)
        report = store.verify(anchor=anchor)
        assert report.ok, str(report)
        assert (report.streams, report.events) == (len(ds), events)
        assert store.verify(anchor=Anchor.loads(str(anchor))).ok

    def test_an_empty_store_has_an_anchor_too(self, store: EventStore) -> None:
        anchor = store.digest()
        assert (anchor.streams, anchor.events, anchor.position, anchor.records) == (0, 0, 0, "")
        assert store.verify(anchor=anchor).ok
        d = discover(workflow())
        store.append(d.id, d.history, expected_version=0)
        assert store.verify(anchor=anchor).ok
        assert store.digest().root != anchor.root

    def test_digest_is_the_same_whatever_order_the_streams_were_written_in(self, store: EventStore) -> None:
        ds = histories(workflow())
        for d in reversed(ds):
            store.append(d.id, d.history, expected_version=0)
        other = MemoryEventStore()
        for d in ds:
            for version, event in enumerate(d.history):
                other.append(d.id, [event], expected_version=version)
        first, again, elsewhere = store.digest(), store.digest(), other.digest()
        assert first.root == again.root
        assert first.records == elsewhere.records
        assert (first.streams, first.events) == (elsewhere.streams, elsewhere.events)
        if first.position == elsewhere.position:  # the root covers the position, which a store may number with gaps
            assert first.root == elsewhere.root
        assert store.digest(heads=False).root == first.root
        assert store.digest(heads=False).records is None

    def test_appending_after_the_anchor_is_no_problem_but_a_rewrite_after_it_still_is(
        self, store: EventStore, tamper: Tamper
    ) -> None:
        wf, (_, b, c, _), anchor = anchored(store)
        more = with_notes(wf, b, 2)
        store.append(b.id, more.history[b.version :], expected_version=b.version)
        late = discover(wf, "锚定之后的纠纷")
        store.append(late.id, late.history, expected_version=0)
        line = Anchor.loads(str(anchor))
        for each in (anchor, line):
            report = store.verify(anchor=each)
            assert report.ok, str(report)
        tamper(c.id, rewritten_history(c))
        assert store.verify().ok
        assert found(store, anchor) == [(c.id, c.version, "rewritten")]
        assert found(store, line) == [("", 0, "anchor-mismatch")]

    def test_an_anchor_names_a_stream_rewritten_with_a_consistent_chain(
        self, store: EventStore, tamper: Tamper
    ) -> None:
        _, (a, b, *_), anchor = anchored(store)
        rewritten = rewritten_history(a)
        tamper(a.id, rewritten)
        assert store.verify().ok  # the chains alone cannot tell
        assert store.load(a.id) == rewritten
        assert found(store, anchor) == [(a.id, a.version, "rewritten")]
        assert found(store, anchor, b.id) == []
        assert found(store, anchor, a.id) == [(a.id, a.version, "rewritten")]

    def test_an_anchor_names_a_deleted_stream(self, store: EventStore, tamper: Tamper) -> None:
        _, (a, b, *_), anchor = anchored(store)
        tamper(b.id, ())
        assert store.verify().ok
        assert found(store, anchor) == [(b.id, 1, "deleted")]
        assert found(store, anchor, b.id) == [(b.id, 1, "deleted")]
        assert found(store, anchor, a.id) == []

    def test_an_anchor_names_a_cut_stream(self, store: EventStore, tamper: Tamper) -> None:
        _, (a, *_), anchor = anchored(store)
        tamper(a.id, a.history[:5])
        assert store.verify().ok
        assert found(store, anchor) == [(a.id, 6, "cut")]

    def test_an_anchor_names_a_forged_stream_in_the_place_of_another(self, store: EventStore, tamper: Tamper) -> None:
        _, (_, b, *_), anchor = anchored(store)
        forged = with_notes(workflow("FK"), discover(workflow("FK"), "伪造的纠纷"), 1)
        assert forged.version < b.version
        tamper(b.id, forged.history, rename=forged.id)
        assert store.verify().ok
        assert sorted(found(store, anchor)) == sorted([(b.id, 1, "deleted"), (forged.id, 1, "forged")])
        assert found(store, anchor, forged.id) == [(forged.id, 1, "forged")]

    def test_an_anchor_names_a_stream_deleted_and_written_again_after_it(
        self, store: EventStore, tamper: Tamper
    ) -> None:
        _, (_, b, *_), anchor = anchored(store)
        tamper(b.id, ())
        store.append(b.id, b.history, expected_version=0)  # the same events, at new positions
        assert store.verify().ok
        assert found(store, anchor) == [(b.id, 1, "rewritten")]
        assert found(store, Anchor.loads(str(anchor))) == [("", 0, "anchor-mismatch")]

    def test_an_anchor_line_alone_tells_that_the_store_changed_but_not_where(
        self, store: EventStore, tamper: Tamper
    ) -> None:
        _, (a, *_), anchor = anchored(store)
        line = Anchor.loads(str(anchor))
        assert line.records is None
        tamper(a.id, rewritten_history(a))
        problems = store.verify(anchor=line).problems
        assert [(p.stream_id, p.version, p.kind) for p in problems] == [("", 0, "anchor-mismatch")]
        assert str(problems[0]).startswith("store: anchor-mismatch: ")
        with pytest.raises(ValidationError, match="whole store"):
            store.verify(a.id, anchor=line)

    def test_verify_refuses_an_anchor_that_is_not_one(self, store: EventStore) -> None:
        with pytest.raises(ValidationError) as caught:
            store.verify(anchor=str(store.digest()))  # type: ignore[arg-type]
        assert caught.value.path == "anchor"

    # -- projectors --------------------------------------------------------------------
    def test_projectors_see_the_appended_events_as_stored(self, make_store: StoreFactory) -> None:
        seen: list[tuple[StoredEvent, ...]] = []
        store = make_store([lambda _tx, events: seen.append(events)])
        wf = workflow()
        d = with_notes(wf, discover(wf), 2)
        store.append(d.id, d.history[:1], expected_version=0)
        store.append(d.id, d.history[1:], expected_version=1)
        assert [tuple(s.version for s in batch) for batch in seen] == [(1,), (2, 3)]
        assert [s for batch in seen for s in batch] == list(store.read_all())

    def test_a_failing_projector_rolls_the_whole_append_back(self, make_store: StoreFactory) -> None:
        calls: list[int] = []
        store = make_store([lambda _tx, events: calls.append(len(events)), failing_projector])
        wf = workflow()
        d = with_notes(wf, discover(wf), 2)
        with raises_boom():
            store.append(d.id, d.history, expected_version=0)
        assert calls == [3]
        assert store.load(d.id) == ()
        assert list(store.read_all()) == []
        assert list(store.streams()) == []
        assert store.verify().ok

    # -- closing -----------------------------------------------------------------------
    def test_a_closed_store_refuses_to_work(self, store: EventStore) -> None:
        d = discover(workflow())
        with store:
            store.append(d.id, d.history, expected_version=0)
        with pytest.raises(StorageError, match="closed"):
            store.load(d.id)
        with pytest.raises(StorageError, match="closed"):
            store.append(d.id, d.history, expected_version=1)
        with pytest.raises(StorageError, match="closed"):
            store.read_all()
        with pytest.raises(StorageError, match="closed"):
            store.streams()
        with pytest.raises(StorageError, match="closed"):
            store.verify()
        with pytest.raises(StorageError, match="closed"):
            store.append_many([Append(d.id, [], expected_version=1)])
        store.close()
