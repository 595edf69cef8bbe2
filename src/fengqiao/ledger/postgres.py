"""``PostgresLedger``: the ledger in the same PostgreSQL schema as the events, committed with them.

Needs the ``postgres`` extra. Opening one opens a :class:`~fengqiao.storage.PostgresEventStore`
on the same connection pool with the ledger's projector first, creates (or migrates) the
ledger's tables in the first schema of the ``search_path``, and applies any events already
stored.

Concurrency: appends through a store with the ledger's projector run one at a time (they
take the store's advisory lock exclusively; lock-free appends through other stores take it
shared and wait meanwhile). The projector's first statement locks the ledger's state row (``FOR UPDATE``), and
so do :meth:`~fengqiao.ledger.Ledger.rebuild` and :meth:`~fengqiao.ledger.Ledger.catch_up`:
while one of those runs, appends wait in their projector, and see its result when they go on.
The folded dispute's JSON is plain ``text`` (PostgreSQL moves long values out of line, so
the other columns stay compact); cast ``dispute::jsonb`` to query inside it.

With ``attached=False`` the appends do not project the ledger: a follower
(:meth:`PostgresLedger.follower`, :class:`PostgresFollower`; see :mod:`fengqiao.ledger.follow`)
keeps it from its own process, woken by ``LISTEN`` on the schema's channel
(``fengqiao_events_<schema>``) and polling as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

try:
    import psycopg
    from psycopg.rows import tuple_row
    from psycopg_pool import ConnectionPool
except ModuleNotFoundError as exc:  # the postgres extra is not installed
    from fengqiao._extras import extra_error

    raise extra_error("PostgresLedger", exc) from exc

from fengqiao.domain.clock import Clock
from fengqiao.errors import StorageError
from fengqiao.ledger._book import HouseholdPolicyChoice, PolicyBook, PolicyChoice
from fengqiao.ledger._dialect import PAGE, Dialect, index_statements
from fengqiao.ledger._household_sql import household_index_statements
from fengqiao.ledger._projection import SQLProjection
from fengqiao.ledger._sql import SQLLedger
from fengqiao.ledger._subscription import LedgerSubscription, check_attached
from fengqiao.ledger.follow import check_pace
from fengqiao.policies.base import Policy
from fengqiao.storage._arguments import check_count, check_projectors, check_seconds
from fengqiao.storage._migrations import Migration
from fengqiao.storage._sql_dialect import driver_errors
from fengqiao.storage.base import Projector
from fengqiao.storage.postgres import MAX_POOL_SIZE, MAX_TIMEOUT, PostgresEventStore, lock_key

if TYPE_CHECKING:
    from fengqiao.ledger._follow_postgres import PostgresFollower

__all__ = ["MIGRATIONS", "PostgresDialect", "PostgresLedger", "open_pool"]

Connection = psycopg.Connection[Any]

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "dispute ledger, assignees",
        (
            """CREATE TABLE dispute_ledger (
                id TEXT COLLATE "C" PRIMARY KEY,
                state TEXT COLLATE "C" NOT NULL,
                is_open BOOLEAN NOT NULL,
                grade TEXT COLLATE "C",
                route TEXT,
                category TEXT COLLATE "C" NOT NULL,
                channel TEXT COLLATE "C" NOT NULL,
                station TEXT COLLATE "C" NOT NULL,
                policy TEXT COLLATE "C" NOT NULL,
                received_at TIMESTAMPTZ NOT NULL,
                discovered_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL,
                state_since TIMESTAMPTZ NOT NULL,
                resolved_at TIMESTAMPTZ,
                closed_at TIMESTAMPTZ,
                referral_department TEXT,
                complex BOOLEAN NOT NULL,
                alerts INTEGER NOT NULL,
                version INTEGER NOT NULL,
                next_due TIMESTAMPTZ,
                dossier_gaps INTEGER NOT NULL,
                assignees TEXT NOT NULL,
                summary TEXT NOT NULL,
                position BIGINT NOT NULL,
                head_hash TEXT NOT NULL,
                dossier TEXT NOT NULL,
                dispute TEXT NOT NULL
            )""",
            """CREATE TABLE dispute_ledger_assignees (
                person TEXT COLLATE "C" NOT NULL,
                dispute_id TEXT COLLATE "C" NOT NULL,
                role TEXT COLLATE "C" NOT NULL,
                PRIMARY KEY (person, dispute_id, role)
            )""",
            *index_statements(),
        ),
    ),
    Migration(
        2,
        "quarantined events",
        (
            """CREATE TABLE dispute_ledger_problems (
                position BIGINT PRIMARY KEY,
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
                id TEXT COLLATE "C" PRIMARY KEY,
                village TEXT COLLATE "C" NOT NULL,
                grid TEXT COLLATE "C" NOT NULL,
                state TEXT COLLATE "C" NOT NULL,
                is_open BOOLEAN NOT NULL,
                risk_class TEXT COLLATE "C",
                work TEXT NOT NULL,
                factors TEXT NOT NULL,
                disputes INTEGER NOT NULL,
                pending_help INTEGER NOT NULL,
                reassessment_due BOOLEAN NOT NULL,
                screened_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL,
                state_since TIMESTAMPTZ NOT NULL,
                version INTEGER NOT NULL,
                policy TEXT COLLATE "C" NOT NULL,
                next_due TIMESTAMPTZ,
                position BIGINT NOT NULL,
                head_hash TEXT NOT NULL,
                household TEXT NOT NULL
            )""",
            *household_index_statements(),
        ),
    ),
)
"""The PostgreSQL ledger layout's history (its version is kept in ``dispute_ledger_state``)."""


class PostgresDialect(Dialect[Connection]):
    """The ledger's SQL on PostgreSQL (psycopg 3)."""

    name = "postgres"
    migrations = MIGRATIONS
    recorded_policy = "(dispute::jsonb #>> '{policy,name}')"
    lock_state = " WHERE singleton = 1 FOR UPDATE"
    lock_for_update = " FOR UPDATE"

    def run(self, tx: Connection, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run ``sql`` with ``%s`` for each ``?`` and return its rows."""
        cur = tx.cursor(row_factory=tuple_row)
        cur.execute(sql.replace("?", "%s"), tuple(params))
        return cur.fetchall() if cur.description is not None else []

    def stream(self, tx: Connection, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """Yield the rows of a server-side cursor (in ``tx``'s transaction), fetched a page at a time."""
        with tx.cursor("fengqiao_ledger_report", row_factory=tuple_row) as cursor:
            cursor.itersize = PAGE
            cursor.execute(sql.replace("?", "%s"), tuple(params))
            yield from cursor

    def ts(self, at: datetime) -> datetime:
        """``timestamptz`` takes aware datetimes as they are."""
        return at

    def dt(self, value: Any) -> datetime:
        """In UTC, whatever the session's time zone."""
        if not isinstance(value, datetime):  # pragma: no cover - timestamptz always gives one
            raise StorageError(f"PostgreSQL returned {value!r} for a time")
        return value.astimezone(UTC)

    def flag(self, value: bool) -> bool:
        """Booleans are booleans."""
        return value

    def recorded(self, value: Any) -> datetime:
        """``recorded_at`` is a ``timestamptz``."""
        return self.dt(value)


class PostgresLedger(SQLLedger[Connection]):
    """A ledger in PostgreSQL, with the event store it projects (:attr:`store`).

    Args:
        target: a connection string (the ledger opens and owns a pool, shared with its
            store) or a ``psycopg_pool.ConnectionPool`` you own.
        policy: each dispute's policy: a name, a policy object, the one each dispute recorded
            (:class:`~fengqiao.ledger.RecordedPolicy`), or a function of the dispute giving a
            name (see :class:`~fengqiao.ledger.PolicyBook`).
        policies: policy objects to use for their names instead of the registry's.
        projectors: more projectors for the store, run after the ledger's.
        clock: the store's ``recorded_at`` clock and the default time of :meth:`overdue`.
        household_policy: every household's policy: a registered household policy's name or
            a household policy object (``household-base`` by default).
        max_size: the most connections an owned pool opens.
        timeout: seconds to wait for a connection.
        attached: run the ledger's projector inside each append (the default). With ``False``
            the appends do not project it and opening applies nothing: a follower
            (:meth:`follower`, ``fengqiao ledger follow``) keeps it up.

    Raises:
        StorageError: the database cannot be reached, or its ledger layout is newer than this fengqiao.
        ValidationError: an unknown policy or household policy.
    """

    store: PostgresEventStore

    def __init__(
        self,
        target: str | ConnectionPool[Connection],
        /,
        *,
        policy: PolicyChoice = "baseline",
        policies: Iterable[Policy] = (),
        projectors: Sequence[Projector[Connection]] = (),
        clock: Clock | None = None,
        household_policy: HouseholdPolicyChoice = "household-base",
        max_size: int = 8,
        timeout: float = 10.0,
        attached: bool = True,
    ) -> None:
        super().__init__(PolicyBook(policy, policies, household_policy=household_policy), clock)
        self.projection = SQLProjection(PostgresDialect(), self.book)
        self.attached = check_attached(attached)
        self._closed = False
        self._owns_pool = isinstance(target, str)
        self._pool = open_pool(target, max_size, timeout, "fengqiao-ledger")
        try:
            self.store = PostgresEventStore(
                self._pool,
                projectors=[self.projection, *check_projectors(projectors)]
                if attached
                else check_projectors(projectors),
                clock=self.clock,
                timeout=timeout,
            )
            self._key = lock_key("ledger", self.store.schema)
            self._appends = lock_key("append", self.store.schema)
            with self._write() as tx:
                self.projection.upgrade(tx, f"PostgreSQL ledger in schema {self.store.schema}")
                if attached:
                    self.projection.catch_up(tx)
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        schema = getattr(getattr(self, "store", None), "schema", "?")
        return f"PostgresLedger(schema={schema!r})"

    def follower(self, *, batch: int = 500, interval: float = 1.0) -> PostgresFollower:
        """A follower keeping this ledger up from the events after its position (see :mod:`fengqiao.ledger.follow`).

        It shares the ledger's pool and store (closing it closes neither; its listening
        connection is its own). Meant for a ledger opened with ``attached=False``.

        Raises:
            ValidationError: ``batch`` or ``interval`` out of range.
        """
        from fengqiao.ledger._follow_postgres import PostgresFollower  # it builds on this module

        self._check()
        check_pace(batch, interval)
        return PostgresFollower._of(self.store, self._pool, LedgerSubscription(self.projection), batch, interval)

    def close(self) -> None:
        """Close the store, and the pool if the ledger opened it; closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        store = getattr(self, "store", None)
        if store is not None:
            store.close()
        if self._owns_pool:
            self._pool.close()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        self._check()
        with _errors("ledger query"), self._pool.connection() as conn, conn.transaction():
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        self._check()
        with _errors("ledger update"), self._pool.connection() as conn, conn.transaction():
            # serialises the ledger's own upgrades; appends are held off by the state row's lock, and
            # the appends' lock taken exclusively waits for lock-free appends in flight and holds off
            # new ones, so a catch-up or rebuild reads no position that a later commit could precede
            conn.execute("SELECT pg_advisory_xact_lock(%s::bigint)", (self._key,))
            conn.execute("SELECT pg_advisory_xact_lock(%s::bigint)", (self._appends,))
            yield conn

    def _check(self) -> None:
        if self._closed:
            raise StorageError("the PostgreSQL ledger is closed")


def open_pool(
    target: str | ConnectionPool[Connection], max_size: int, timeout: float, name: str
) -> ConnectionPool[Connection]:
    """The pool ``target`` names: a pool as it is, or a new one open on a connection string.

    Raises:
        ValidationError: ``max_size`` or ``timeout`` out of range.
        StorageError: no connection could be made.
    """
    if not isinstance(target, str):
        return target
    size = check_count(max_size, "max_size", least=1, most=MAX_POOL_SIZE)
    wait = check_seconds(timeout, "timeout", zero=False, most=MAX_TIMEOUT)
    pool: ConnectionPool[Connection] = ConnectionPool(
        target, min_size=1, max_size=size, timeout=wait, open=False, name=name
    )
    with _errors("connecting"):
        pool.open(wait=True, timeout=wait)
    return pool


def _errors(what: str) -> AbstractContextManager[None]:
    """Turn psycopg's errors into ``StorageError``, keeping the cause."""
    return driver_errors("PostgreSQL", psycopg.Error, what)
