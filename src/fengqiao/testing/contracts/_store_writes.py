"""The store contract's writes: ``append``, ``append_many``, ``append_prepared``."""

from __future__ import annotations

import threading
from typing import Any

import attrs
import pytest

import fengqiao as fq
from fengqiao.errors import ConcurrencyConflict, ValidationError
from fengqiao.storage import Append, EventStore, MemoryEventStore, StoredEvent, prepare
from fengqiao.testing.contracts.support import (
    OFFICER,
    StoreFactory,
    closed,
    discover,
    failing_projector,
    histories,
    raises_boom,
    referred,
    with_notes,
    workflow,
)


class _Writes:
    """Appending one stream, many streams, and prepared batches."""

    # -- append and load ---------------------------------------------------------------
    def test_full_histories_round_trip_through_append_and_load(self, store: EventStore) -> None:
        for d in histories(workflow()):
            assert store.append(d.id, d.history, expected_version=0) == d.version
        for d in histories(workflow()):
            loaded = store.load(d.id)
            assert loaded == d.history
            assert fq.replay(loaded) == d

    def test_events_appended_one_command_at_a_time_round_trip(self, store: EventStore) -> None:
        d = closed(workflow())
        for version, event in enumerate(d.history):
            assert store.append(d.id, [event], expected_version=version) == version + 1
        assert fq.replay(store.load(d.id)) == d

    def test_an_unknown_stream_loads_as_empty(self, store: EventStore) -> None:
        assert store.load("nobody") == ()

    def test_a_new_stream_must_be_created_at_version_zero(self, store: EventStore) -> None:
        d = discover(workflow())
        with pytest.raises(ConcurrencyConflict) as caught:
            store.append(d.id, d.history, expected_version=1)
        assert (caught.value.expected, caught.value.actual) == (1, 0)
        assert store.load(d.id) == ()

    def test_a_stale_writer_gets_a_conflict_and_stores_nothing(self, store: EventStore) -> None:
        wf = workflow()
        d = discover(wf)
        store.append(d.id, d.history, expected_version=0)
        graded = wf.grade(d, actor=OFFICER)
        store.append(d.id, graded.history[1:], expected_version=1)
        noted = wf.note(d, "stale", actor=OFFICER)
        with pytest.raises(ConcurrencyConflict) as caught:
            store.append(d.id, noted.history[1:], expected_version=1)
        assert (caught.value.stream, caught.value.expected, caught.value.actual) == (d.id, 1, 2)
        assert store.load(d.id) == graded.history

    def test_creating_an_existing_stream_conflicts(self, store: EventStore) -> None:
        d = discover(workflow())
        store.append(d.id, d.history, expected_version=0)
        with pytest.raises(ConcurrencyConflict):
            store.append(d.id, d.history, expected_version=0)
        assert store.load(d.id) == d.history

    def test_a_writer_ahead_of_the_stream_gets_a_conflict(self, store: EventStore) -> None:
        d = discover(workflow())
        store.append(d.id, d.history, expected_version=0)
        with pytest.raises(ConcurrencyConflict):
            store.append(d.id, with_notes(workflow(), d, 1).history[1:], expected_version=5)

    def test_a_stale_multi_event_append_stores_none_of_its_events(self, store: EventStore) -> None:
        wf = workflow()
        d = with_notes(wf, discover(wf), 2)
        store.append(d.id, d.history, expected_version=0)
        longer = with_notes(wf, d, 3)
        with pytest.raises(ConcurrencyConflict):
            store.append(d.id, longer.history[d.version :], expected_version=d.version - 1)
        assert store.load(d.id) == d.history
        assert [e.version for e in store.read_all()] == [1, 2, 3]

    def test_an_event_of_another_dispute_is_refused_before_anything_is_stored(self, store: EventStore) -> None:
        wf = workflow()
        a, b = discover(wf), discover(wf)
        with pytest.raises(ValidationError) as caught:
            store.append(a.id, [*a.history, *b.history], expected_version=0)
        assert caught.value.path == "events[1]"
        assert store.load(a.id) == ()

    @pytest.mark.parametrize("bad", [-1, True, "0", None])
    def test_a_malformed_expected_version_is_refused(self, store: EventStore, bad: Any) -> None:
        d = discover(workflow())
        with pytest.raises(ValidationError):
            store.append(d.id, d.history, expected_version=bad)

    def test_appending_nothing_only_checks_the_version(self, store: EventStore) -> None:
        d = discover(workflow())
        store.append(d.id, d.history, expected_version=0)
        assert store.append(d.id, [], expected_version=1) == 1
        with pytest.raises(ConcurrencyConflict):
            store.append(d.id, [], expected_version=0)
        assert list(store.read_all()) == list(store.read_all(limit=1))

    def test_only_one_of_many_threads_at_the_same_version_wins(self, store: EventStore) -> None:
        wf = workflow()
        d = discover(wf)
        store.append(d.id, d.history, expected_version=0)
        attempts = [with_notes(wf, d, 2) for _ in range(4)]
        barrier = threading.Barrier(len(attempts))
        outcomes: list[str] = []

        def write(candidate: fq.Dispute) -> None:
            barrier.wait(timeout=10)
            try:
                store.append(d.id, candidate.history[1:], expected_version=1)
                outcomes.append("won")
            except ConcurrencyConflict:
                outcomes.append("conflict")

        threads = [threading.Thread(target=write, args=(c,)) for c in attempts]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        assert sorted(outcomes) == ["conflict", "conflict", "conflict", "won"]
        assert len(store.load(d.id)) == 3
        assert store.verify().ok

    # -- append_many -------------------------------------------------------------------
    def test_append_many_stores_every_stream_and_returns_each_new_version(self, store: EventStore) -> None:
        ds = histories(workflow())
        assert store.append_many([Append(d.id, d.history, expected_version=0) for d in ds]) == tuple(
            d.version for d in ds
        )
        for d in ds:
            assert store.load(d.id) == d.history
        assert [s.stream_id for s in store.read_all()] == [d.id for d in ds for _ in d.history]
        assert store.verify().ok

    def test_append_many_stores_the_rows_and_hashes_appending_one_by_one_would(self, store: EventStore) -> None:
        wf = workflow()
        a, b, c = closed(wf), referred(wf), with_notes(wf, discover(wf), 3)
        reference = MemoryEventStore()
        for target in (store, reference):
            target.append(a.id, a.history[:4], expected_version=0)
            target.append(c.id, c.history[:1], expected_version=0)
        store.append_many(
            [
                Append(a.id, a.history[4:], expected_version=4),
                Append(b.id, b.history, expected_version=0),
                Append(c.id, c.history[1:], expected_version=1),
            ]
        )
        reference.append(a.id, a.history[4:], expected_version=4)
        reference.append(b.id, b.history, expected_version=0)
        reference.append(c.id, c.history[1:], expected_version=1)

        def rows(s: EventStore) -> list[tuple[str, int, str, fq.CaseEvent]]:
            return [(e.stream_id, e.version, e.hash, e.event) for e in s.read_all()]

        assert rows(store) == rows(reference)
        positions = [e.position for e in store.read_all()]
        assert positions == sorted(set(positions))
        assert store.verify().ok

    def test_append_many_with_a_stale_stream_stores_nothing_and_names_it(self, store: EventStore) -> None:
        wf = workflow()
        a, b, c = discover(wf), discover(wf), discover(wf)
        store.append(b.id, b.history, expected_version=0)
        before = list(store.read_all())
        noted = wf.note(b, "stale", actor=OFFICER)
        with pytest.raises(ConcurrencyConflict) as caught:
            store.append_many(
                [
                    Append(a.id, a.history, expected_version=0),
                    Append(b.id, noted.history, expected_version=0),
                    Append(c.id, c.history, expected_version=0),
                ]
            )
        assert (caught.value.stream, caught.value.expected, caught.value.actual) == (b.id, 0, 1)
        assert list(store.read_all()) == before
        assert store.load(a.id) == store.load(c.id) == ()
        assert list(store.streams()) == [b.id]
        assert store.append_many([Append(a.id, a.history, expected_version=0)]) == (1,)

    def test_append_many_names_the_first_stale_stream_in_the_batch(self, store: EventStore) -> None:
        wf = workflow()
        a, b = discover(wf), discover(wf)
        store.append(a.id, a.history, expected_version=0)
        store.append(b.id, b.history, expected_version=0)
        with pytest.raises(ConcurrencyConflict) as caught:
            store.append_many(
                [
                    Append(b.id, with_notes(wf, b, 1).history[1:], expected_version=3),
                    Append(a.id, with_notes(wf, a, 1).history[1:], expected_version=0),
                ]
            )
        assert (caught.value.stream, caught.value.expected, caught.value.actual) == (b.id, 3, 1)
        assert [e.version for e in store.read_all()] == [1, 1]

    @pytest.mark.parametrize(
        ("bad", "where"),
        [
            (lambda a, b: [Append(a.id, a.history, expected_version=0), "nope"], "appends[1]"),
            (
                lambda a, b: [Append(a.id, a.history, expected_version=0), Append(a.id, [], expected_version=1)],
                "appends[1].stream_id",
            ),
            (
                lambda a, b: [
                    Append(b.id, b.history, expected_version=0),
                    Append(a.id, [*a.history, *b.history], expected_version=0),
                ],
                "appends[1].events[1]",
            ),
            (lambda a, b: [Append(a.id, a.history, expected_version=-1)], "appends[0].expected_version"),
            (lambda a, b: [Append("", a.history, expected_version=0)], "appends[0].stream_id"),
        ],
        ids=["not-an-append", "stream-twice", "event-of-another-dispute", "bad-version", "bad-stream-id"],
    )
    def test_append_many_refuses_a_malformed_item_naming_it_and_stores_nothing(
        self, store: EventStore, bad: Any, where: str
    ) -> None:
        # (not "path": the SQLite suite's fixture of that name says where the database file goes)
        wf = workflow()
        a, b = discover(wf), discover(wf)
        with pytest.raises(ValidationError) as caught:
            store.append_many(bad(a, b))
        assert caught.value.path == where
        assert list(store.read_all()) == []

    def test_append_many_refuses_events_that_are_not_a_collection(self) -> None:
        with pytest.raises(ValidationError) as caught:
            Append("d-1", 3, expected_version=0)  # type: ignore[arg-type]
        assert caught.value.path == "events"

    def test_append_many_of_nothing_stores_nothing_and_empty_items_only_check_versions(self, store: EventStore) -> None:
        assert store.append_many([]) == ()
        d = discover(workflow())
        store.append(d.id, d.history, expected_version=0)
        assert store.append_many([Append(d.id, [], expected_version=1), Append("new", [], expected_version=0)]) == (
            1,
            0,
        )
        with pytest.raises(ConcurrencyConflict):
            store.append_many([Append(d.id, [], expected_version=0)])
        assert len(list(store.read_all())) == 1
        assert list(store.streams()) == [d.id]

    def test_append_many_runs_projectors_once_with_every_event_as_stored(self, make_store: StoreFactory) -> None:
        seen: list[tuple[StoredEvent, ...]] = []
        store = make_store([lambda _tx, events: seen.append(events)])
        ds = histories(workflow())
        store.append_many([Append(d.id, d.history, expected_version=0) for d in ds])
        assert len(seen) == 1
        assert list(seen[0]) == list(store.read_all())

    def test_a_failing_projector_rolls_the_whole_batch_back(self, make_store: StoreFactory) -> None:
        store = make_store([failing_projector])
        ds = histories(workflow())
        with raises_boom():
            store.append_many([Append(d.id, d.history, expected_version=0) for d in ds])
        assert list(store.read_all()) == []
        assert list(store.streams()) == []
        plain = make_store()
        assert plain.append_many([Append(d.id, d.history, expected_version=0) for d in ds]) == tuple(
            d.version for d in ds
        )

    # -- append_prepared ---------------------------------------------------------------
    def test_append_prepared_stores_the_rows_and_hashes_append_many_would(self, store: EventStore) -> None:
        ds = histories(workflow())
        reference = MemoryEventStore()
        reference.append_many([Append(d.id, d.history, expected_version=0) for d in ds])
        assert store.append_prepared([prepare(d.id, d.history) for d in ds]) == tuple(d.version for d in ds)

        def rows(s: EventStore) -> list[tuple[str, int, str, fq.CaseEvent]]:
            return [(e.stream_id, e.version, e.hash, e.event) for e in s.read_all()]

        assert rows(store) == rows(reference)
        for d in ds:
            assert store.load(d.id) == d.history
        assert store.verify().ok

    def test_append_prepared_to_an_existing_stream_stores_nothing_and_names_it(self, store: EventStore) -> None:
        wf = workflow()
        a, b = discover(wf), discover(wf)
        store.append(b.id, b.history, expected_version=0)
        before = list(store.read_all())
        with pytest.raises(ConcurrencyConflict) as caught:
            store.append_prepared([prepare(a.id, a.history), prepare(b.id, wf.note(b, "again", actor=OFFICER).history)])
        assert (caught.value.stream, caught.value.expected, caught.value.actual) == (b.id, 0, 1)
        assert list(store.read_all()) == before
        assert list(store.streams()) == [b.id]

    @pytest.mark.parametrize(
        ("bad", "where"),
        [
            (lambda a, b: [prepare(a.id, a.history), "nope"], "prepared[1]"),
            (lambda a, b: [prepare(a.id, a.history), prepare(a.id, a.history)], "prepared[1].stream_id"),
            (
                lambda a, b: [
                    attrs.evolve(prepare(a.id, a.history), hashes=("0" * 64, *prepare(a.id, a.history).hashes[1:]))
                ],
                "prepared[0].hashes[0]",
            ),
            (
                lambda a, b: [
                    attrs.evolve(
                        prepare(a.id, a.history),
                        data=tuple(t.replace("邻里", "相邻") for t in prepare(a.id, a.history).data),
                    )
                ],
                "prepared[0].hashes[0]",
            ),
            (lambda a, b: [attrs.evolve(prepare(a.id, a.history), types=("noted",))], "prepared[0].data[0]"),
            (lambda a, b: [attrs.evolve(prepare(a.id, a.history), types=())], "prepared[0]"),
            (lambda a, b: [attrs.evolve(prepare(a.id, a.history), schema_version=99)], "prepared[0].schema_version"),
            (lambda a, b: [attrs.evolve(prepare(a.id, a.history), stream_id=b.id)], "prepared[0].hashes[0]"),
            (lambda a, b: prepare(a.id, a.history), "prepared"),
            (
                lambda a, b: [attrs.evolve(prepare(a.id, a.history), types=(["discovered"],))],  # type: ignore[arg-type]
                "prepared[0].data[0]",
            ),
            (
                lambda a, b: [attrs.evolve(prepare(a.id, a.history), data=(3,))],  # type: ignore[arg-type]
                "prepared[0].data[0]",
            ),
        ],
        ids=[
            "not-prepared",
            "stream-twice",
            "bad-hash",
            "edited-text",
            "wrong-type",
            "short-column",
            "schema",
            "moved",
            "one",
            "unhashable-type",
            "data-not-text",
        ],
    )
    def test_append_prepared_refuses_a_malformed_item_naming_it_and_stores_nothing(
        self, store: EventStore, bad: Any, where: str
    ) -> None:
        wf = workflow()
        a, b = discover(wf), discover(wf)
        with pytest.raises(ValidationError) as caught:
            store.append_prepared(bad(a, b))
        assert caught.value.path == where
        assert list(store.read_all()) == []

    def test_append_prepared_runs_projectors_once_with_the_events_as_stored(self, make_store: StoreFactory) -> None:
        seen: list[tuple[StoredEvent, ...]] = []
        store = make_store([lambda _tx, events: seen.append(events)])
        ds = histories(workflow())
        store.append_prepared([prepare(d.id, d.history) for d in ds])
        assert len(seen) == 1
        assert list(seen[0]) == list(store.read_all())
        assert [e.event for e in seen[0]] == [e for d in ds for e in d.history]

    def test_a_failing_projector_rolls_a_prepared_batch_back(self, make_store: StoreFactory) -> None:
        store = make_store([failing_projector])
        ds = histories(workflow())
        with raises_boom():
            store.append_prepared([prepare(d.id, d.history) for d in ds])
        assert list(store.read_all()) == []
        assert list(store.streams()) == []
