"""How the SQL ledgers keep a row: the columns, the dialects' common ground, encoding and decoding.

One ``dispute_ledger`` row per dispute holds the :class:`~fengqiao.ledger.LedgerRow` columns
(indexed for the queries), the projector's bookkeeping (``position``, ``head_hash``), the
dossier gaps by volume (JSON) and, last, the folded dispute as JSON (``dispute``), so that
reports read values instead of folding histories again. ``dispute_ledger_assignees`` lists
who is assigned to what, for queries by person; ``dispute_ledger_state`` holds the layout
version and the last position applied.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from fengqiao import serde
from fengqiao.domain.actor import Role
from fengqiao.domain.terms import Category, Channel, Department, Route
from fengqiao.ledger._facts import Projected
from fengqiao.ledger.rows import DossierRow, LedgerRow
from fengqiao.lifecycle.states import State, StateId
from fengqiao.storage._migrations import Migration, latest, pending

__all__ = [
    "ALL_COLUMNS",
    "COLUMNS",
    "STATE_TABLE",
    "UPSERT",
    "Dialect",
    "dossier_from",
    "encode",
    "index_statements",
    "row_from",
    "state_of",
]

Tx = TypeVar("Tx")

PAGE = 500
"""How many rows a streamed query fetches at a time."""

COLUMNS = (
    "id, state, is_open, grade, route, category, channel, station, policy, received_at, discovered_at,"
    " updated_at, state_since, resolved_at, closed_at, referral_department, complex, alerts, version,"
    " next_due, dossier_gaps, assignees, summary"
)
"""The columns a :class:`~fengqiao.ledger.LedgerRow` is read from, in its field order."""
ALL_COLUMNS = COLUMNS + ", position, head_hash, dossier, dispute"
UPSERT = (
    f"INSERT INTO dispute_ledger ({ALL_COLUMNS}) VALUES ({', '.join('?' * (ALL_COLUMNS.count(',') + 1))})"
    " ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c.strip()} = excluded.{c.strip()}" for c in ALL_COLUMNS.split(",")[1:])
)
STATE_TABLE = (
    "CREATE TABLE IF NOT EXISTS dispute_ledger_state (singleton INTEGER PRIMARY KEY CHECK (singleton = 1),"
    " schema_version INTEGER NOT NULL, position BIGINT NOT NULL)"
)
"""The ledger's own meta row: the layout version and the last position applied."""


class Dialect(abc.ABC, Generic[Tx]):
    """How one database runs the ledger's SQL: statements, placeholders, times and booleans."""

    name: str
    migrations: tuple[Migration, ...]
    lock_state: str = ""
    """What follows ``SELECT … FROM dispute_ledger_state`` to lock the row until commit."""
    lock_for_update: str = ""
    """What ends a ``SELECT`` to lock the rows it reads until commit (SQLite's write lock already does)."""
    recorded_policy: str = "NULL"
    """The SQL of a row's recorded policy name: ``Dispute.policy.name`` read from its ``dispute`` JSON."""

    @abc.abstractmethod
    def run(self, tx: Tx, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run ``sql`` (``?`` placeholders) and return its rows (none for a statement without)."""

    @abc.abstractmethod
    def stream(self, tx: Tx, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """Run a query and yield its rows, fetched a page at a time."""

    @abc.abstractmethod
    def ts(self, at: datetime) -> Any:
        """A time as the database stores it."""

    @abc.abstractmethod
    def dt(self, value: Any) -> datetime:
        """A stored time back, in UTC."""

    @abc.abstractmethod
    def flag(self, value: bool) -> Any:
        """A boolean as the database stores it."""

    @abc.abstractmethod
    def recorded(self, value: Any) -> datetime:
        """``fengqiao_events.recorded_at`` as a datetime."""

    def opt(self, at: datetime | None) -> Any:
        """An optional time as stored."""
        return None if at is None else self.ts(at)

    def upgrade(self, tx: Tx, where: str) -> int:
        """Create or migrate the ledger's tables in ``tx``; return the layout version found (0: none)."""
        self.run(tx, STATE_TABLE)
        found = self.run(tx, "SELECT schema_version FROM dispute_ledger_state")
        current = int(found[0][0]) if found else 0
        for migration in pending(self.migrations, current, where=where):
            for statement in migration.statements:
                self.run(tx, statement)
        if not found:
            self.run(
                tx,
                "INSERT INTO dispute_ledger_state (singleton, schema_version, position) VALUES (1, ?, 0)",
                (latest(self.migrations),),
            )
        else:
            self.run(tx, "UPDATE dispute_ledger_state SET schema_version = ?", (latest(self.migrations),))
        return current


def index_statements() -> tuple[str, ...]:
    """The secondary indexes, the same in every dialect: one per query the ledger narrows by.

    Most are ``(column, id)``, so a filtered list comes out in id order without sorting and
    a count reads the index alone. "Open" is low in selectivity, so it gets partial indexes
    (open rows only) rather than a column of its own; the query spells the condition
    ``is_open = TRUE`` exactly as the indexes do, which is what lets SQLite use them.
    """
    return (
        "CREATE INDEX dispute_ledger_state_ix ON dispute_ledger (state, id)",
        "CREATE INDEX dispute_ledger_grade_ix ON dispute_ledger (grade, id)",
        "CREATE INDEX dispute_ledger_category_ix ON dispute_ledger (category, id)",
        "CREATE INDEX dispute_ledger_channel_ix ON dispute_ledger (channel, id)",
        "CREATE INDEX dispute_ledger_station_ix ON dispute_ledger (station, id)",
        "CREATE INDEX dispute_ledger_open_ix ON dispute_ledger (id) WHERE is_open = TRUE",
        "CREATE INDEX dispute_ledger_open_station_ix ON dispute_ledger (station, id) WHERE is_open = TRUE",
        "CREATE INDEX dispute_ledger_policy_ix ON dispute_ledger (policy, discovered_at)",
        "CREATE INDEX dispute_ledger_received_ix ON dispute_ledger (received_at)",
        "CREATE INDEX dispute_ledger_due_ix ON dispute_ledger (next_due) WHERE next_due IS NOT NULL",
        "CREATE INDEX dispute_ledger_dossier_ix ON dispute_ledger (policy, id) WHERE dossier_gaps > 0",
        "CREATE INDEX dispute_ledger_assignees_dispute_ix ON dispute_ledger_assignees (dispute_id)",
    )


def encode(p: Projected, q: Dialect[Any]) -> tuple[Any, ...]:
    """The values of one ``dispute_ledger`` row, in the order of its columns (:data:`ALL_COLUMNS`)."""
    r = p.row
    dossier = {
        "required": p.dossier.required,
        "a": p.dossier.missing_a,
        "b": p.dossier.missing_b,
        "other": p.dossier.missing_other,
    }
    return (
        r.id,
        str(r.state),
        q.flag(r.open),
        r.grade,
        None if r.route is None else r.route.value,
        r.category.value,
        r.channel.value,
        r.station,
        r.policy,
        q.ts(r.received_at),
        q.ts(r.discovered_at),
        q.ts(r.updated_at),
        q.ts(r.state_since),
        q.opt(r.resolved_at),
        q.opt(r.closed_at),
        None if r.referral_department is None else r.referral_department.value,
        q.flag(r.complex),
        r.alerts,
        r.version,
        q.opt(r.next_due),
        r.dossier_gaps,
        json.dumps([[role.value, person] for role, person in r.assignees], ensure_ascii=False),
        r.summary,
        p.position,
        p.head_hash,
        json.dumps(dossier, ensure_ascii=False),
        serde.dumps(p.dispute),
    )


def state_of(value: str) -> StateId:
    """A stored state: a built-in :class:`State` if it is one, else the policy's own state name."""
    return State(value) if value in State._value2member_map_ else value


def row_from(v: Sequence[Any], q: Dialect[Any]) -> LedgerRow:
    """A :class:`LedgerRow` from the :data:`COLUMNS` of one table row."""
    return LedgerRow(
        id=v[0],
        state=state_of(v[1]),
        open=bool(v[2]),
        grade=v[3],
        route=None if v[4] is None else Route(v[4]),
        category=Category(v[5]),
        channel=Channel(v[6]),
        station=v[7],
        policy=v[8],
        received_at=q.dt(v[9]),
        discovered_at=q.dt(v[10]),
        updated_at=q.dt(v[11]),
        state_since=q.dt(v[12]),
        resolved_at=None if v[13] is None else q.dt(v[13]),
        closed_at=None if v[14] is None else q.dt(v[14]),
        referral_department=None if v[15] is None else Department(v[15]),
        complex=bool(v[16]),
        alerts=int(v[17]),
        version=int(v[18]),
        next_due=None if v[19] is None else q.dt(v[19]),
        dossier_gaps=int(v[20]),
        assignees=tuple((Role(role), person) for role, person in json.loads(v[21])),
        summary=v[22],
    )


def dossier_from(v: Sequence[Any]) -> DossierRow:
    """A :class:`DossierRow` from ``id, policy, station, state, dossier`` of one table row."""
    dossier = json.loads(v[4])
    return DossierRow(
        dispute_id=v[0],
        policy=v[1],
        station=v[2],
        state=state_of(v[3]),
        required=int(dossier["required"]),
        missing_a=tuple(dossier["a"]),
        missing_b=tuple(dossier["b"]),
        missing_other=tuple(dossier["other"]),
    )
