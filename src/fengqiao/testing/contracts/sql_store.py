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

import pytest

from fengqiao.errors import BrokenStreamError, StorageError, UnreadableEventError
from fengqiao.lifecycle.events import Event
from fengqiao.storage import Append, EventStore, Repository
from fengqiao.storage._migrations import Migration
from fengqiao.testing.contracts._sql_tampering import _SQLTampering
from fengqiao.testing.contracts.sql_support import (
    _REWRITE_ROW,
    Placeholders,
    Raw,
    RawError,
    backdate,
    named,
    reseal,
    restamp,
    seed,
)
from fengqiao.testing.contracts.store import EventStoreContract
from fengqiao.testing.contracts.support import (
    StoreFactory,
    Tamper,
    discover,
    forge,
    with_notes,
    workflow,
)


def layout(backend: ModuleType) -> int:
    """The layout version the back-end's module writes: its last migration's."""
    migrations: tuple[Migration, ...] = backend.MIGRATIONS
    return max(m.version for m in migrations)


class SQLStoreContract(EventStoreContract, _SQLTampering):
    """What every SQL store adds to :class:`~fengqiao.testing.contracts.store.EventStoreContract`."""

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
        self, store: EventStore, raw: Raw, make_store: StoreFactory, backend: ModuleType
    ) -> None:
        a, b = seed(store)
        # the layout fengqiao wrote before seals: no seal column, no sealed_after
        raw("ALTER TABLE fengqiao_events DROP COLUMN seal")
        raw("DELETE FROM fengqiao_meta WHERE key = 'sealed_after'")
        raw("UPDATE fengqiao_meta SET value = '1' WHERE key = 'schema_version'")
        old = a.version + b.version
        upgraded = make_store()
        assert raw("SELECT value FROM fengqiao_meta WHERE key = 'schema_version'") == [(str(layout(backend)),)]
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
    def test_the_meta_table_holds_the_schema_version(self, store: EventStore, raw: Raw, backend: ModuleType) -> None:
        assert layout(backend) >= 2
        assert raw("SELECT value FROM fengqiao_meta WHERE key = 'schema_version'") == [(str(layout(backend)),)]
        assert raw("SELECT value FROM fengqiao_meta WHERE key = 'sealed_after'") == [("0",)]  # a new store: all sealed
        assert store.upgrade() == layout(backend)

    def test_a_newer_schema_version_is_refused_naming_both_versions(
        self, store: EventStore, raw: Raw, make_store: StoreFactory, backend: ModuleType
    ) -> None:
        raw("UPDATE fengqiao_meta SET value = '7' WHERE key = 'schema_version'")
        for upgrade in (True, False):
            with pytest.raises(StorageError, match=rf"schema version 7, newer than version {layout(backend)}"):
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
        self, store: EventStore, raw: Raw, backend: ModuleType
    ) -> None:
        wf = workflow()
        d = with_notes(wf, discover(wf), 1)
        store.append(d.id, d.history[:1], expected_version=0)
        now, later = layout(backend), layout(backend) + 1
        raw("UPDATE fengqiao_meta SET value = ? WHERE key = 'schema_version'", (str(later),))  # an upgrade's
        with pytest.raises(
            StorageError, match=f"changed from layout version {now} to {later} while this store was open"
        ):
            store.append(d.id, d.history[1:], expected_version=1)
        with pytest.raises(StorageError, match=f"schema version {later}, newer than version {now}"):
            store.append_many([Append(d.id, d.history[1:], expected_version=1)])
        assert raw("SELECT count(*) FROM fengqiao_events") == [(1,)]

    @pytest.mark.parametrize("known", [True, False], ids=["stream-written", "new-stream"])
    def test_the_first_write_after_a_layout_change_is_refused_whatever_heads_the_store_remembers(
        self, store: EventStore, raw: Raw, known: bool, backend: ModuleType
    ) -> None:
        wf = workflow()
        d, other = with_notes(wf, discover(wf), 1), discover(wf)
        store.append(d.id, d.history[:1], expected_version=0)  # a head the store may remember
        now, later = layout(backend), layout(backend) + 1
        raw("UPDATE fengqiao_meta SET value = ? WHERE key = 'schema_version'", (str(later),))
        target, history, expected = (d.id, d.history[1:], 1) if known else (other.id, other.history, 0)
        with pytest.raises(
            StorageError, match=f"changed from layout version {now} to {later} while this store was open"
        ):
            store.append(target, history, expected_version=expected)
        assert raw("SELECT count(*) FROM fengqiao_events") == [(1,)]
        assert raw("SELECT count(*) FROM fengqiao_streams") == [(1,)]

    def test_a_layout_version_garbled_while_a_store_is_open_stops_its_writes(
        self, store: EventStore, raw: Raw, backend: ModuleType
    ) -> None:
        wf = workflow()
        d = with_notes(wf, discover(wf), 1)
        store.append(d.id, d.history[:1], expected_version=0)
        raw("UPDATE fengqiao_meta SET value = 'garbage' WHERE key = 'schema_version'")
        for _ in range(2):
            with pytest.raises(StorageError, match="'garbage', not a whole number"):
                store.append(d.id, d.history[1:], expected_version=1)
        raw("UPDATE fengqiao_meta SET value = ? WHERE key = 'schema_version'", (str(layout(backend)),))
        assert store.append(d.id, d.history[1:], expected_version=1) == 2

    def test_an_outdated_schema_opens_but_refuses_work_until_upgraded(
        self, store: EventStore, raw: Raw, make_store: StoreFactory, backend: ModuleType
    ) -> None:
        for table in ("fengqiao_events", "fengqiao_streams", "fengqiao_meta"):
            raw(f"DROP TABLE {table}")
        store = make_store(upgrade=False)
        d = discover(workflow())
        with pytest.raises(StorageError, match=rf"schema version 0, older than version {layout(backend)}.*upgrade\(\)"):
            store.append(d.id, d.history, expected_version=0)
        assert store.upgrade() == layout(backend)
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
        now = layout(backend)
        nxt = now + 1
        bad = Migration(nxt, "half done", ("CREATE TABLE fengqiao_half (x INTEGER)", "CREATE TABLE oops (((("))
        monkeypatch.setattr(backend, "MIGRATIONS", (*backend.MIGRATIONS, bad))
        with pytest.raises(StorageError, match="upgrade failed"):
            make_store()
        assert raw("SELECT value FROM fengqiao_meta WHERE key = 'schema_version'") == [(str(now),)]
        assert raw("SELECT count(*) FROM fengqiao_events") == [(a.version + b.version,)]
        with pytest.raises(RawError):
            raw("SELECT count(*) FROM fengqiao_half")
        good = Migration(nxt, "an index", ("CREATE INDEX fengqiao_events_type ON fengqiao_events (type)",))
        monkeypatch.setattr(backend, "MIGRATIONS", (*backend.MIGRATIONS[:now], good))
        assert make_store().load(a.id) == a.history
        assert raw("SELECT value FROM fengqiao_meta WHERE key = 'schema_version'") == [(str(nxt),)]
        monkeypatch.undo()
        with pytest.raises(StorageError, match=f"schema version {nxt}, newer than version {now}"):
            make_store()
