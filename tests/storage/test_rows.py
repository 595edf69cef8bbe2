"""``RowStore``'s own promises: a back-end's errors named, its mistakes caught, its read-back rows checked."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import pytest

from fengqiao.errors import BrokenStreamError, ConcurrencyConflict, StorageError, UnreadableEventError
from fengqiao.storage import Append, EventStore, Head, Projector, Row, RowBatch, prepare
from fengqiao.testing.contracts import EventStoreContract, StoreFactory
from fengqiao.testing.contracts.support import discover, with_notes, workflow
from tests.storage.test_third_party_store import ListStore


class Failing(ListStore):
    """Every primitive raises what a driver might: not a fengqiao error."""

    def _read_stream(self, stream_id: str, /) -> tuple[Head | None, list[Row]]:
        raise OSError("disk gone")

    def _read_log(self, after: int, limit: int, /) -> list[Row]:
        raise OSError("disk gone")

    def _read_heads(self) -> tuple[int, list[Head]]:
        raise OSError("disk gone")

    def _write(self, batch: RowBatch[None], /) -> None:
        raise OSError("disk gone")


D = discover(workflow())

OPERATIONS: list[tuple[str, Callable[[EventStore], object]]] = [
    (f"load '{D.id}'", lambda s: s.load(D.id)),
    (f"append to '{D.id}'", lambda s: s.append(D.id, D.history, expected_version=0)),
    ("append_many of 1 streams", lambda s: s.append_many([Append(D.id, D.history, expected_version=0)])),
    ("append_prepared of 1 streams", lambda s: s.append_prepared([prepare(D.id, D.history)])),
    ("read_all", lambda s: list(s.read_all())),
    ("streams", lambda s: s.streams()),
    ("verify", lambda s: s.verify()),
    ("digest", lambda s: s.digest()),
]


@pytest.mark.parametrize(("what", "call"), OPERATIONS, ids=[what.split()[0] for what, _ in OPERATIONS])
def test_a_back_end_error_is_a_storage_error_naming_the_operation(
    what: str, call: Callable[[EventStore], object]
) -> None:
    with pytest.raises(StorageError) as caught:
        call(Failing())
    assert type(caught.value) is StorageError
    assert str(caught.value) == f"Failing: {what} failed: OSError: disk gone"
    assert isinstance(caught.value.__cause__, OSError)


def test_a_fengqiao_error_a_primitive_raises_passes_as_it_is() -> None:
    refusal = UnreadableEventError(D.id, 1, "the back-end's own words")

    class Refusing(ListStore):
        def _read_stream(self, stream_id: str, /) -> tuple[Head | None, list[Row]]:
            raise refusal

    with pytest.raises(UnreadableEventError) as caught:
        Refusing().load(D.id)
    assert caught.value is refusal


def test_values_that_are_not_rows_or_heads_are_a_storage_error_not_their_own() -> None:
    class Sloppy(ListStore):
        def _read_stream(self, stream_id: str, /) -> tuple[Head | None, list[Row]]:
            return None, [{"version": 1}]  # type: ignore[list-item]

        def _read_heads(self) -> tuple[int, list[Head]]:
            return 1, [("d-1", 1, "0" * 64)]  # type: ignore[list-item]

    store = Sloppy()
    with pytest.raises(StorageError, match=rf"^Sloppy: load '{D.id}' failed: AttributeError") as caught:
        store.load(D.id)
    assert isinstance(caught.value.__cause__, AttributeError)
    for call, what in ((store.streams, "streams"), (store.digest, "digest"), (store.verify, "verify")):
        with pytest.raises(StorageError, match=rf"^Sloppy: {what} failed: TypeError: _read_heads gave a tuple where"):
            call()


def test_a_write_that_never_encodes_is_refused_and_stores_nothing() -> None:
    class Careless(ListStore):
        def _write(self, batch: RowBatch[None], /) -> None:
            pass

    store = Careless()
    with pytest.raises(StorageError, match=r"Careless: _write returned without calling batch\.encode\(\)"):
        store.append(D.id, D.history, expected_version=0)
    assert store.load(D.id) == ()


@pytest.mark.parametrize("first", [0, -1, True, 1.0, "1"])
def test_encode_refuses_a_first_position_that_is_not_one_or_more(first: Any) -> None:
    class Miscounting(ListStore):
        def _write(self, batch: RowBatch[None], /) -> None:
            batch.encode(self.heads, first=first, tx=None)

    with pytest.raises(StorageError, match="first position"):
        Miscounting().append(D.id, D.history, expected_version=0)


def test_encode_given_heads_that_are_not_a_mapping_fails_as_a_storage_error() -> None:
    class Confused(ListStore):
        def _write(self, batch: RowBatch[None], /) -> None:
            batch.encode(list(self.heads.values()), first=1, tx=None)  # type: ignore[arg-type]

    store = Confused()
    with pytest.raises(StorageError, match=rf"^Confused: append to '{D.id}' failed: AttributeError"):
        store.append(D.id, D.history, expected_version=0)
    assert store.load(D.id) == ()


def test_encode_checks_versions_against_the_heads_the_back_end_gives_it() -> None:
    seen: list[tuple[str, ...]] = []

    class Stale(ListStore):
        """Gives ``encode`` the heads as they were when the store opened: every stream looks new."""

        def _write(self, batch: RowBatch[None], /) -> None:
            seen.append(batch.streams)
            with self.lock:
                rows, heads = batch.encode({}, first=self.last + 1, tx=None)
                self.rows += rows
                self.heads.update(heads)
                self.last += len(rows)

    store = Stale()
    wf = workflow()
    d = discover(wf)
    store.append(d.id, d.history, expected_version=0)
    with pytest.raises(ConcurrencyConflict) as caught:  # the stored head is at 1, but this back-end says 0
        store.append(d.id, wf.note(d, "more", actor="officer:xiao").history[1:], expected_version=1)
    assert (caught.value.expected, caught.value.actual) == (1, 0)
    assert seen == [(d.id,), (d.id,)]
    assert store.load(d.id) == d.history


def test_a_back_end_that_forgets_to_move_its_heads_is_caught_on_load() -> None:
    class Headless(ListStore):
        def _write(self, batch: RowBatch[None], /) -> None:
            with self.lock:
                rows, _ = batch.encode(self.heads, first=self.last + 1, tx=None)
                self.rows += rows
                self.last += len(rows)

    store = Headless()
    store.append(D.id, D.history, expected_version=0)
    with pytest.raises(BrokenStreamError) as caught:
        store.load(D.id)
    assert caught.value.kind == "head-mismatch"
    assert not store.verify(D.id).ok


def test_kept_rows_given_out_of_order_are_refused_on_load() -> None:
    class Reversed(ListStore):
        def _read_stream(self, stream_id: str, /) -> tuple[Head | None, list[Row]]:
            head, rows = super()._read_stream(stream_id)
            return head, rows[::-1]

    wf = workflow()
    d = with_notes(wf, discover(wf), 2)
    store = Reversed()
    store.append(d.id, d.history, expected_version=0)
    with pytest.raises(BrokenStreamError) as caught:
        store.load(d.id)
    assert (caught.value.version, caught.value.kind) == (1, "missing")


def test_read_all_refuses_a_page_that_does_not_move_on() -> None:
    class Stuck(ListStore):
        def _read_log(self, after: int, limit: int, /) -> list[Row]:
            return super()._read_log(0, limit)  # ignores ``after``: would page forever

    wf = workflow()
    store = Stuck()
    for d in (discover(wf), discover(wf)):
        store.append(d.id, d.history, expected_version=0)
    assert len(list(store.read_all(limit=2))) == 2
    with pytest.raises(StorageError, match="read_all after 2 gave a row at position 2"):
        list(store.read_all())


class ReadBack(ListStore):
    """Keeps rows as a database would give them back, without the event the store made (``keep=False``)."""

    def _write(self, batch: RowBatch[None], /) -> None:
        with self.lock:
            rows, heads = batch.encode(self.heads, first=self.last + 1, tx=None, keep=False)
            assert all(row.stored is None for row in rows)
            self.rows += rows
            self.heads.update(heads)
            self.last += len(rows)


class TestReadBackStore(EventStoreContract):
    """The whole contract on rows that are decoded and checked link by link on every read."""

    @pytest.fixture
    def make_store(self) -> StoreFactory:
        def make(projectors: Sequence[Projector[Any]] = (), *, upgrade: bool = True) -> EventStore:
            return ReadBack(projectors)

        return make

    @pytest.fixture
    def store(self, make_store: StoreFactory) -> EventStore:
        return make_store()


def _edited(store: ListStore, version: int, change: Callable[[Row], Row]) -> None:
    store.rows = [change(row) if row.version == version else row for row in store.rows]


def test_a_read_back_row_whose_data_was_edited_is_refused_on_load_and_skipped_on_request() -> None:
    wf = workflow()
    d = with_notes(wf, discover(wf), 2)
    store = ReadBack()
    store.append(d.id, d.history, expected_version=0)
    _edited(store, 2, lambda row: row._replace(data=row.data.replace("note 0", "note X")))
    with pytest.raises(BrokenStreamError) as caught:
        store.load(d.id)
    assert (caught.value.version, caught.value.kind) == (2, "tampered")
    skipped: list[UnreadableEventError] = []
    assert [e.version for e in store.read_all(unreadable=skipped.append)] == [1, 3]
    assert [(e.stream, e.version) for e in skipped] == [(d.id, 2)]
    assert [p.kind for p in store.verify().problems] == ["tampered"]


@pytest.mark.parametrize("recorded_at", [None, "2024-01-31T09:00:00+08:00", datetime(2024, 1, 31, 9)])
def test_a_read_back_row_without_an_aware_recorded_time_is_unreadable(recorded_at: Any) -> None:
    store = ReadBack()
    store.append(D.id, D.history, expected_version=0)
    _edited(store, 1, lambda row: row._replace(recorded_at=recorded_at))
    with pytest.raises(UnreadableEventError, match="recorded_at"):
        list(store.read_all())
    assert store.load(D.id) == D.history  # the chain does not cover the time: load serves the events


def test_digest_takes_the_position_and_heads_of_one_read() -> None:
    class Counted(ListStore):
        reads = 0

        def _read_heads(self) -> tuple[int, list[Head]]:
            self.reads += 1
            return super()._read_heads()

    wf = workflow()
    store = Counted()
    ds = [discover(wf), discover(wf)]
    for d in reversed(ds):
        store.append(d.id, d.history, expected_version=0)
    anchor = store.digest()
    assert store.reads == 1
    assert (anchor.position, [h.stream_id for h in anchor.heads()]) == (2, sorted(d.id for d in ds))


def test_upgrade_has_nothing_to_do_and_says_layout_one() -> None:
    assert ListStore().upgrade() == 1
