"""The contract every event store back-end passes: subclass ``EventStoreContract`` and give it stores."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Protocol

import attrs
import pytest

import fengqiao as fq
from fengqiao.errors import ConcurrencyConflict, DisputeNotFound, StorageError, ValidationError
from fengqiao.lifecycle.events import Event
from fengqiao.lifecycle.payloads import ClosePayload
from fengqiao.policies.base import CHINA_TZ
from fengqiao.serde import SCHEMA_VERSION
from fengqiao.storage import Anchor, Append, EventStore, MemoryEventStore, Projector, Repository, StoredEvent, prepare
from fengqiao.storage.chain import GENESIS, link
from fengqiao.storage.codec import canonical_json

START = datetime(2024, 1, 31, 8, 40, tzinfo=CHINA_TZ)
OFFICER = "officer:xiao"


class StoreFactory(Protocol):
    """Opens a store on the test's database (the same one each time)."""

    def __call__(self, projectors: Sequence[Projector[Any]] = (), *, upgrade: bool = True) -> EventStore: ...


def workflow(prefix: str = "YJ") -> fq.Workflow:
    """A baseline workflow on a fixed clock, with readable, reproducible ids."""
    counter = itertools.count(1)
    return fq.Workflow("baseline", clock=fq.FixedClock(START), ids=lambda: f"{prefix}-{next(counter):04d}")


def _tick(wf: fq.Workflow, **delta: float) -> None:
    clock = wf.clock
    assert isinstance(clock, fq.FixedClock)
    clock.advance(timedelta(**delta))


def discover(wf: fq.Workflow, summary: str = "邻里噪音纠纷") -> fq.Dispute:
    return wf.discover(
        channel=fq.Channel.ALARM_110,
        category=fq.Category.NEIGHBOUR,
        summary=summary,
        parties=[fq.Party(name="赵某", role=fq.PartyRole.COMPLAINANT, phone="13812345678"), fq.Party(name="钱某")],
        risk_factors=[fq.RiskFactor.REPEATED_ALERTS] if "重复" in summary else [],
        station="蒲州派出所",
        location="永济市某小区",
        actor=OFFICER,
    )


def closed(wf: fq.Workflow) -> fq.Dispute:
    """Discovered to closed, through a relapse: nearly every kind of event."""
    d = discover(wf, "业主驾车堵住车库出口（重复报警）")
    d = wf.assign(d, actor=OFFICER, person="民警肖某", role=fq.Role.RESPONSIBLE_OFFICER)
    _tick(wf, minutes=5)
    d = wf.link_alert(d, actor=OFFICER, alert=fq.Alert(channel=fq.Channel.HOTLINE_12345, received_at=wf.clock.now()))
    _tick(wf, minutes=15)
    d = wf.grade(d, actor=OFFICER, note="可调解")
    d = wf.regrade(d, actor=OFFICER, grade="high", reason="多次报警")
    _tick(wf, minutes=10)
    d = wf.mediate(
        d,
        actor=OFFICER,
        forces=[fq.MediationForce.POLICE_OFFICE, fq.MediationForce.VILLAGE_GRID],
        documents=[fq.DossierItem(kind=fq.DossierKind.JOINT_HANDLING_NOTICE, title="联调联处通知单")],
    )
    _tick(wf, hours=3)
    d = wf.record_attempt(d, actor=OFFICER, outcome=fq.Outcome.AGREEMENT, summary="达成协议")
    d = wf.attach(d, fq.DossierItem(kind=fq.DossierKind.MEDIATION_AGREEMENT, title="调解协议"), actor=OFFICER)
    d = wf.resolve(d, actor=OFFICER, summary="录入门禁")
    _tick(wf, days=3)
    d = wf.record_visit(d, actor="grid_worker:wang", kind=fq.VisitKind.PHONE, holding=False, finding="又堵车库")
    d = wf.reopen(d, actor=OFFICER, reason="反复")
    d = wf.record_attempt(d, actor=OFFICER, outcome=fq.Outcome.AGREEMENT)
    d = wf.resolve(d, actor=OFFICER)
    _tick(wf, days=7)
    d = wf.record_visit(d, actor="grid_worker:wang", kind=fq.VisitKind.ON_SITE, finding="正常进出")
    d = wf.note(d, "回访无反复", actor=OFFICER)
    return wf.close(d, actor=OFFICER, summary="销号")


def referred(wf: fq.Workflow) -> fq.Dispute:
    d = wf.grade(discover(wf, "劳资纠纷"), actor=OFFICER, police_business=False)
    return wf.refer(d, actor=OFFICER, department=fq.Department.JUSTICE_OFFICE, reason="非警务")


def escalated(wf: fq.Workflow) -> fq.Dispute:
    d = wf.grade(discover(wf, "殴打他人"), actor=OFFICER, meets_case_threshold=True)
    return wf.escalate(d, actor=OFFICER, case_kind=fq.CaseKind.ADMINISTRATIVE, case_number="2024-001")


def histories(wf: fq.Workflow) -> tuple[fq.Dispute, ...]:
    """Complete disputes of every ending, from one workflow."""
    first = closed(wf)
    merged = wf.merge(discover(wf, "同一纠纷的重复警情"), actor=OFFICER, into=first.id)
    return (first, referred(wf), escalated(wf), merged)


def with_notes(wf: fq.Workflow, d: fq.Dispute, count: int) -> fq.Dispute:
    for i in range(count):
        d = wf.note(d, f"note {i}", actor=OFFICER)
    return d


class Tamper(Protocol):
    """Rewrites a stream behind the store's back, as someone holding the database could.

    The rows of ``stream_id`` become ``events``, chained under ``rename or stream_id`` with
    correct hashes (see :func:`forge`), in the positions the first rows held (their
    ``recorded_at`` kept); its other rows are deleted and its head follows (gone with the
    last row). Plain ``verify()`` finds nothing wrong afterwards.
    """

    def __call__(self, stream_id: str, events: Sequence[Event], *, rename: str | None = None) -> None: ...


ForgedRow = tuple[int, str, int, str, str, str]
"""version, type, schema_version, data, prev_hash, hash."""


def forge(stream_id: str, events: Sequence[Event], *, after: int = 0, prev_hash: str = GENESIS) -> list[ForgedRow]:
    """The rows that chain ``events`` into ``stream_id`` after version ``after``, hashes and all."""
    rows: list[ForgedRow] = []
    for version, event in enumerate(events, after + 1):
        data = canonical_json(event)
        digest = link(prev_hash, stream_id, version, data)
        rows.append((version, event.type, SCHEMA_VERSION, data, prev_hash, digest))
        prev_hash = digest
    return rows


def anchored(store: EventStore) -> tuple[fq.Workflow, tuple[fq.Dispute, ...], Anchor]:
    """Four complete disputes stored (closed, referred, escalated, merged) and the store's anchor."""
    wf = workflow()
    ds = histories(wf)
    for d in ds:
        store.append(d.id, d.history, expected_version=0)
    return wf, ds, store.digest()


def found(store: EventStore, anchor: Anchor, stream_id: str | None = None) -> list[tuple[str, int, str]]:
    return [(p.stream_id, p.version, p.kind) for p in store.verify(stream_id, anchor=anchor).problems]


def _rewritten(d: fq.Dispute) -> tuple[Event, ...]:
    """Another history of as many events for ``d``'s id: what a consistent rewrite would store."""
    wf = fq.Workflow("baseline", clock=fq.FixedClock(START + timedelta(days=1)))
    other = wf.discover(channel="hotline_12345", category="debt", summary="改写的历史", actor=OFFICER, dispute_id=d.id)
    return with_notes(wf, other, d.version - 1).history


def noise(repo: Repository, summary: str = "噪音") -> fq.Dispute:
    """A neighbours' noise dispute, discovered and stored through ``repo``."""
    return repo.discover(channel="alarm_110", category="neighbour", summary=summary, actor=OFFICER)


def graded_noise(repo: Repository) -> fq.Dispute:
    """:func:`noise`, graded and stored."""
    return repo.fire(noise(repo), "grade", actor=OFFICER)


class Boom(Exception):
    """What the failing projector raises."""


@contextmanager
def raises_boom() -> Iterator[None]:
    """A projector's own exception fails the append as a ``StorageError`` naming it, with it as the cause."""
    with pytest.raises(StorageError, match=r"projector .* failed on stream") as caught:
        yield
    assert isinstance(caught.value.__cause__, Boom)


def failing_projector(tx: Any, events: tuple[StoredEvent, ...]) -> None:
    raise Boom(f"projector failed on {len(events)} events")


class EventStoreContract:
    """Behaviour every back-end shares. Subclasses provide ``make_store`` and ``store``."""

    @pytest.fixture
    def make_store(self) -> StoreFactory:
        raise NotImplementedError("a back-end's test class provides make_store")

    @pytest.fixture
    def store(self) -> EventStore:
        raise NotImplementedError("a back-end's test class provides store")

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

        def rows(s: EventStore) -> list[tuple[str, int, str, fq.Event]]:
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

        def rows(s: EventStore) -> list[tuple[str, int, str, fq.Event]]:
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
        raise NotImplementedError("a back-end's test class provides tamper")

    def test_an_anchor_counts_the_store_and_verifies_it_untouched(self, store: EventStore) -> None:
        _, ds, anchor = anchored(store)
        events = sum(d.version for d in ds)
        assert (anchor.streams, anchor.events, anchor.position) == (len(ds), events, events)
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
        assert first.root == again.root == elsewhere.root
        assert first.records == elsewhere.records
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
        tamper(c.id, _rewritten(c))
        assert store.verify().ok
        assert found(store, anchor) == [(c.id, c.version, "rewritten")]
        assert found(store, line) == [("", 0, "anchor-mismatch")]

    def test_an_anchor_names_a_stream_rewritten_with_a_consistent_chain(
        self, store: EventStore, tamper: Tamper
    ) -> None:
        _, (a, b, *_), anchor = anchored(store)
        rewritten = _rewritten(a)
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
        tamper(a.id, _rewritten(a))
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

    # -- the repository ----------------------------------------------------------------
    def test_repository_keeps_each_command_as_it_is_made(self, store: EventStore) -> None:
        repo = Repository(workflow(), store)
        d = noise(repo)
        d = repo.fire(d, fq.Trigger.GRADE, actor=OFFICER)
        d = repo.fire(d, "mediate", actor=OFFICER, forces=["police_office"])
        assert store.load(d.id) == d.history
        assert repo.get(d.id) == d

    def test_repository_get_of_an_unknown_dispute_raises_not_found(self, store: EventStore) -> None:
        with pytest.raises(DisputeNotFound) as caught:
            Repository(workflow(), store).get("YJ-9999")
        assert caught.value.dispute_id == "YJ-9999"
        assert isinstance(caught.value, StorageError)

    def test_repository_discover_refuses_a_second_dispute_with_the_same_id(self, store: EventStore) -> None:
        repo = Repository(workflow(), store)
        repo.discover(channel="alarm_110", category="neighbour", summary="a", actor=OFFICER, dispute_id="D-1")
        with pytest.raises(ConcurrencyConflict):
            repo.discover(channel="alarm_110", category="neighbour", summary="b", actor=OFFICER, dispute_id="D-1")
        assert repo.get("D-1").summary == "a"

    def test_repository_save_stores_typed_workflow_commands_together(self, store: EventStore) -> None:
        wf = workflow()
        repo = Repository(wf, store)
        d = noise(repo)
        later = wf.mediate(wf.grade(d, actor=OFFICER), actor=OFFICER)
        assert repo.save(later, expected_version=d.version) is later
        assert repo.get(d.id) == later
        with pytest.raises(ConcurrencyConflict):
            repo.save(wf.note(later, "x", actor=OFFICER), expected_version=d.version)
        assert repo.get(d.id) == later

    @pytest.mark.parametrize("bad", [-1, 99])
    def test_repository_save_refuses_a_version_outside_the_history(self, store: EventStore, bad: int) -> None:
        d = discover(workflow())
        with pytest.raises(ValidationError):
            Repository(workflow(), store).save(d, expected_version=bad)

    def test_two_officers_cannot_overwrite_each_other_and_the_second_retries(self, store: EventStore) -> None:
        wf = workflow()
        repo = Repository(wf, store)
        d = graded_noise(repo)
        xiao, wang = repo.get(d.id), repo.get(d.id)
        xiao = repo.fire(xiao, "mediate", actor="officer:xiao")
        with pytest.raises(ConcurrencyConflict) as caught:
            repo.fire(wang, "refer", actor="officer:wang", department="justice_office")
        assert (caught.value.expected, caught.value.actual) == (2, 3)
        wang = repo.get(d.id)
        assert wang == xiao
        wang = repo.fire(wang, "record_attempt", actor="officer:wang", outcome="agreement")
        final = repo.get(d.id)
        assert final == wang
        assert [e.actor.id for e in final.history[-2:]] == ["officer:xiao", "officer:wang"]
        assert store.verify().ok

    # -- one decision path: only what the workflow accepts from the stored head is stored ---
    def test_repository_save_refuses_a_close_the_policy_refuses_and_stores_nothing(self, store: EventStore) -> None:
        wf = workflow()
        repo = Repository(wf, store)
        d = noise(repo)
        resolved = wf.resolve(
            wf.record_attempt(
                wf.mediate(wf.grade(d, actor=OFFICER), actor=OFFICER), actor=OFFICER, outcome="agreement"
            ),
            actor=OFFICER,
        )
        close = fq.Closed(
            dispute_id=d.id,
            at=resolved.updated_at,
            actor=fq.Actor.parse("grid_worker:wang"),
            payload=ClosePayload(summary="销号"),
        )
        forged = fq.replay((*resolved.history, close))  # folded without asking anyone
        assert forged.state is fq.State.CLOSED
        with pytest.raises(fq.TransitionRefused) as caught:
            repo.save(forged, expected_version=d.version)
        assert "baseline.close.no-visit" in {r.code for r in caught.value.refusals}
        assert store.load(d.id) == d.history

    def test_repository_save_refuses_a_history_that_is_not_the_stored_one(self, store: EventStore) -> None:
        wf = workflow()
        repo = Repository(wf, store)
        d = graded_noise(repo)
        other = fq.replay((attrs.evolve(d.history[0], actor=fq.Actor.parse("officer:evil")), *d.history[1:]))
        with pytest.raises(ValidationError, match="not the stored one") as caught:
            Repository(wf, store).save(wf.note(other, "x", actor=OFFICER), expected_version=d.version)
        assert caught.value.path == "history[0]"
        assert store.load(d.id) == d.history

    def test_repository_save_refuses_a_dispute_whose_fields_disagree_with_its_history(self, store: EventStore) -> None:
        wf = workflow()
        repo = Repository(wf, store)
        d = noise(repo)
        doctored = attrs.evolve(wf.grade(d, actor=OFFICER), state=fq.State.CLOSED)
        with pytest.raises(ValidationError, match="its state differs") as caught:
            repo.save(doctored, expected_version=d.version)
        assert caught.value.path == "dispute.state"
        assert store.load(d.id) == d.history

    def test_repository_fire_refuses_a_doctored_dispute_and_stores_nothing(self, store: EventStore) -> None:
        wf = workflow()
        repo = Repository(wf, store)
        d = graded_noise(repo)
        doctored = attrs.evolve(d, state=fq.State.FOLLOW_UP, visits=())
        with pytest.raises(ValidationError, match="its state differs") as caught:
            repo.fire(doctored, "close", actor=OFFICER)
        assert caught.value.path == "dispute.state"
        assert store.load(d.id) == d.history

    def test_repository_fire_decides_on_an_equal_value_read_elsewhere(self, store: EventStore) -> None:
        wf = workflow()
        d = Repository(wf, store).discover(channel="alarm_110", category="neighbour", summary="噪音", actor=OFFICER)
        copy = fq.loads(fq.dumps(d), fq.Dispute)  # equal, not the same object: compared with the store
        graded = Repository(wf, store).fire(copy, "grade", actor=OFFICER)
        assert store.load(d.id) == graded.history

    def test_a_command_dated_before_the_last_event_is_refused(self, store: EventStore) -> None:
        wf = workflow()
        repo = Repository(wf, store)
        d = noise(repo)
        _tick(wf, hours=-1)
        with pytest.raises(fq.TransitionRefused) as caught:
            repo.fire(d, "grade", actor=OFFICER)
        assert [r.code for r in caught.value.refusals] == ["time.before-last-event"]
        assert store.load(d.id) == d.history

    def test_a_merge_into_itself_is_refused(self, store: EventStore) -> None:
        repo = Repository(workflow(), store)
        d = noise(repo)
        with pytest.raises(fq.TransitionRefused) as caught:
            repo.fire(d, "merge", actor=OFFICER, into=d.id)
        assert [r.code for r in caught.value.refusals] == ["merge.into-itself"]
        assert store.load(d.id) == d.history

    def test_a_merge_into_an_unknown_dispute_is_refused_and_stores_nothing(self, store: EventStore) -> None:
        repo = Repository(workflow(), store)
        d = noise(repo)
        with pytest.raises(fq.TransitionRefused) as caught:
            repo.fire(d, "merge", actor=OFFICER, into="YJ-9999")
        assert [r.code for r in caught.value.refusals] == ["merge.into-unknown"]
        assert store.load(d.id) == d.history
        assert list(store.streams()) == [d.id]

    def test_a_merge_is_recorded_on_both_streams_together(self, store: EventStore) -> None:
        wf = workflow()
        repo = Repository(wf, store)
        first = noise(repo)
        second = noise(repo, "同一噪音")
        merged = repo.fire(second, "merge", actor=OFFICER, into=first.id)
        assert merged.state is fq.State.MERGED
        target = repo.get(first.id)
        assert target.version == 2
        note = target.history[-1]
        assert isinstance(note, fq.Noted)
        assert second.id in note.payload.text
        positions = [s.position for s in store.read_all() if s.version > 1]
        assert len(positions) == 2
        assert store.verify().ok

    def test_a_merge_into_an_ended_dispute_is_refused(self, store: EventStore) -> None:
        wf = workflow()
        repo = Repository(wf, store)
        first = repo.fire(
            noise(repo),
            "grade",
            actor=OFFICER,
            meets_case_threshold=True,
        )
        first = repo.fire(first, "escalate", actor=OFFICER, case_kind="administrative", case_number="2024-1")
        second = noise(repo, "同一噪音")
        with pytest.raises(fq.TransitionRefused) as caught:
            repo.fire(second, "merge", actor=OFFICER, into=first.id)
        assert [r.code for r in caught.value.refusals] == ["merge.into-ended"]
        assert store.load(second.id) == second.history
