"""``SQLiteLedger``: the ledger in the same SQLite file as the events, committed with them.

Opening a ``SQLiteLedger`` opens a :class:`~fengqiao.storage.SQLiteEventStore` on the file
with the ledger's projector first among its ``projectors``, creates (or migrates) the
ledger's tables, and applies any events the file already held. Append through
:attr:`SQLiteLedger.store`; query through the ledger, which reads with its own connection
(WAL mode: readers never wait for the writer). With ``attached=False`` the appends do not
project it: a follower (:meth:`SQLiteLedger.follower`, :class:`SQLiteFollower`; see
:mod:`fengqiao.ledger.follow`) keeps it, in a process of its own.

Times are stored as whole microseconds since 1970-01-01 UTC, so they compare and index as
integers.

>>> import tempfile, pathlib
>>> from datetime import UTC, datetime
>>> import fengqiao as fq
>>> from fengqiao.storage import Repository
>>> with tempfile.TemporaryDirectory() as tmp, SQLiteLedger(pathlib.Path(tmp) / "station.db") as ledger:
...     wf = fq.Workflow("baseline", clock=fq.FixedClock(datetime(2024, 1, 31, 9, tzinfo=UTC)))
...     repo = Repository(wf, ledger.store)
...     d = repo.discover(channel="alarm_110", category="neighbour", summary="噪音扰民", actor="officer:xiao")
...     d = repo.fire(d, "grade", actor="officer:xiao")
...     [(r.state.value, r.grade) for r in ledger.disputes(state="graded")]
[('graded', 'low')]
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from fengqiao.domain.clock import Clock
from fengqiao.ledger._book import HouseholdPolicyChoice, PolicyBook, PolicyChoice
from fengqiao.ledger._dialect import PAGE, Dialect, index_statements
from fengqiao.ledger._household_sql import household_index_statements
from fengqiao.ledger._projection import SQLProjection
from fengqiao.ledger._sql import SQLLedger
from fengqiao.ledger._subscription import LedgerSubscription, check_attached
from fengqiao.ledger.follow import check_pace
from fengqiao.policies.base import Policy
from fengqiao.storage._arguments import check_path, check_projectors
from fengqiao.storage._migrations import Migration
from fengqiao.storage._sqlite_connection import SQLiteConnection, sqlite_errors
from fengqiao.storage.base import Projector
from fengqiao.storage.sqlite import SQLiteEventStore, Synchronous

if TYPE_CHECKING:
    from fengqiao.ledger._follow_sqlite import SQLiteFollower

__all__ = ["MIGRATIONS", "SQLiteDialect", "SQLiteLedger"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "dispute ledger, assignees",
        (
            """CREATE TABLE dispute_ledger (
                id TEXT PRIMARY KEY,
                state TEXT NOT NULL,
                is_open INTEGER NOT NULL,
                grade TEXT,
                route TEXT,
                category TEXT NOT NULL,
                channel TEXT NOT NULL,
                station TEXT NOT NULL,
                policy TEXT NOT NULL,
                received_at INTEGER NOT NULL,
                discovered_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                state_since INTEGER NOT NULL,
                resolved_at INTEGER,
                closed_at INTEGER,
                referral_department TEXT,
                complex INTEGER NOT NULL,
                alerts INTEGER NOT NULL,
                version INTEGER NOT NULL,
                next_due INTEGER,
                dossier_gaps INTEGER NOT NULL,
                assignees TEXT NOT NULL,
                summary TEXT NOT NULL,
                position INTEGER NOT NULL,
                head_hash TEXT NOT NULL,
                dossier TEXT NOT NULL,
                dispute TEXT NOT NULL
            )""",
            """CREATE TABLE dispute_ledger_assignees (
                person TEXT NOT NULL,
                dispute_id TEXT NOT NULL,
                role TEXT NOT NULL,
                PRIMARY KEY (person, dispute_id, role)
            ) WITHOUT ROWID""",
            *index_statements(),
        ),
    ),
    Migration(
        2,
        "quarantined events",
        (
            """CREATE TABLE dispute_ledger_problems (
                position INTEGER PRIMARY KEY,
                stream_id TEXT NOT NULL,
                version INTEGER NOT NULL,
                reason TEXT NOT NULL
            )""",
            "CREATE INDEX dispute_ledger_problems_stream ON dispute_ledger_problems (stream_id)",
        ),
    ),
    Migration(
        3,
        "household ledger",
        (
            """CREATE TABLE household_ledger (
                id TEXT PRIMARY KEY,
                village TEXT NOT NULL,
                grid TEXT NOT NULL,
                state TEXT NOT NULL,
                is_open INTEGER NOT NULL,
                risk_class TEXT,
                work TEXT NOT NULL,
                factors TEXT NOT NULL,
                disputes INTEGER NOT NULL,
                pending_help INTEGER NOT NULL,
                reassessment_due INTEGER NOT NULL,
                screened_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                state_since INTEGER NOT NULL,
                version INTEGER NOT NULL,
                policy TEXT NOT NULL,
                next_due INTEGER,
                position INTEGER NOT NULL,
                head_hash TEXT NOT NULL,
                household TEXT NOT NULL
            )""",
            *household_index_statements(),
        ),
    ),
)
"""The SQLite ledger layout's history (its version is kept in ``dispute_ledger_state``).

The folded dispute's JSON is the last column: SQLite keeps a long row's tail in overflow
pages, so queries that read only the other columns do not touch it.
"""


class SQLiteDialect(Dialect[sqlite3.Connection]):
    """The ledger's SQL on SQLite."""

    name = "sqlite"
    migrations = MIGRATIONS
    recorded_policy = "json_extract(dispute, '$.policy.name')"

    def run(self, tx: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run ``sql`` and return its rows."""
        return tx.execute(sql, tuple(params)).fetchall()

    def stream(self, tx: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """Yield the rows of one cursor, fetched a page at a time."""
        cursor = tx.execute(sql, tuple(params))
        try:
            while page := cursor.fetchmany(PAGE):
                yield from page
        finally:
            cursor.close()

    def ts(self, at: datetime) -> int:
        """Microseconds since the epoch, UTC."""
        return (at - _EPOCH) // _MICROSECOND

    def dt(self, value: Any) -> datetime:
        """Microseconds since the epoch back to a UTC datetime."""
        return _EPOCH + timedelta(microseconds=int(value))

    def flag(self, value: bool) -> int:
        """1 or 0."""
        return int(value)

    def recorded(self, value: Any) -> datetime:
        """The store keeps ``recorded_at`` as ISO 8601 text."""
        return datetime.fromisoformat(value)


class SQLiteLedger(SQLLedger[sqlite3.Connection]):
    """A ledger in a SQLite file, with the event store it projects (:attr:`store`).

    Args:
        path: the database file, created if missing.
        policy: each dispute's policy: a name, a policy object, the one each dispute recorded
            (:class:`~fengqiao.ledger.RecordedPolicy`), or a function of the dispute giving a
            name (see :class:`~fengqiao.ledger.PolicyBook`).
        policies: policy objects to use for their names instead of the registry's.
        projectors: more projectors for the store, run after the ledger's.
        clock: the store's ``recorded_at`` clock and the default time of :meth:`overdue`.
        household_policy: every household's policy: a registered household policy's name or
            a household policy object (``household-base`` by default).
        synchronous: the store's durability (see :class:`~fengqiao.storage.SQLiteEventStore`).
        busy_timeout: seconds to wait for another writer.
        attached: run the ledger's projector inside each append (the default). With ``False``
            the appends do not project it and opening applies nothing: a follower
            (:meth:`follower`, ``fengqiao ledger follow``) keeps it up.

    Raises:
        StorageError: the file cannot be opened, or its ledger layout is newer than this fengqiao.
        ValidationError: an unknown policy or household policy.
    """

    store: SQLiteEventStore

    def __init__(
        self,
        path: str | os.PathLike[str] = "fengqiao.db",
        *,
        policy: PolicyChoice = "baseline",
        policies: Iterable[Policy] = (),
        projectors: Sequence[Projector[sqlite3.Connection]] = (),
        clock: Clock | None = None,
        household_policy: HouseholdPolicyChoice = "household-base",
        synchronous: Synchronous = "NORMAL",
        busy_timeout: float = 5.0,
        attached: bool = True,
    ) -> None:
        self.path = check_path(path)
        super().__init__(PolicyBook(policy, policies, household_policy=household_policy), clock)
        self.projection = SQLProjection(SQLiteDialect(), self.book)
        self.attached = check_attached(attached)
        self._db: SQLiteConnection | None = None
        self.store = SQLiteEventStore(
            self.path,
            synchronous=synchronous,
            busy_timeout=busy_timeout,
            projectors=[self.projection, *check_projectors(projectors)] if attached else check_projectors(projectors),
            clock=self.clock,
        )
        try:
            self._db = SQLiteConnection(
                self.path,
                timeout=busy_timeout,
                opening=f"opening the ledger in {self.path}",
                closed=f"the ledger on {self.path} is closed",
            )
            with self._write() as tx:
                self.projection.upgrade(tx, f"SQLite ledger {self.path}")
                if attached:
                    self.projection.catch_up(tx)
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"SQLiteLedger({self.path!r})"

    def follower(self, *, batch: int = 500, interval: float = 1.0) -> SQLiteFollower:
        """A follower keeping this ledger up from the events after its position (see :mod:`fengqiao.ledger.follow`).

        It shares the ledger's store and connection (closing it closes neither). Meant for a
        ledger opened with ``attached=False``; on an attached one it only applies what other
        programs appended, as :meth:`catch_up` does.

        Raises:
            ValidationError: ``batch`` is not a whole number from 1 to ``MAX_BATCH``, or
                ``interval`` not a number of seconds above 0 (at most a day).
        """
        from fengqiao.ledger._follow_sqlite import SQLiteFollower  # it builds on this module

        check_pace(batch, interval)
        return SQLiteFollower._of(self.store, self._connection(), LedgerSubscription(self.projection), batch, interval)

    def close(self) -> None:
        """Close the store and the ledger's connection; closing twice is harmless."""
        self.store.close()
        if self._db is not None:
            self._db.close()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with sqlite_errors("ledger query"), self._connection().read() as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with sqlite_errors("ledger update"), self._connection().transaction() as conn:
            yield conn

    def _connection(self) -> SQLiteConnection:
        assert self._db is not None, "opened in __init__"
        return self._db
