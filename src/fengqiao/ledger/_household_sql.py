"""How the SQL ledgers keep a household's row: the ``household_ledger`` columns, encoding and decoding.

One row per household holds the :class:`~fengqiao.ledger.HouseholdRow` columns (indexed for
the queries), the projector's bookkeeping (``position``, ``head_hash``) and, last, the folded
household as JSON (``household``), so reports read values instead of folding histories again.
Kinds of work and factors are JSON arrays of their values, sorted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from fengqiao import serde
from fengqiao.domain.household import FactorId, HouseholdFactor, RiskClass, WorkKind
from fengqiao.ledger._dialect import Dialect
from fengqiao.ledger._household_facts import HouseholdProjected
from fengqiao.ledger.rows import HouseholdRow
from fengqiao.lifecycle.household_events import HouseholdState
from fengqiao.lifecycle.states import StateId

__all__ = [
    "HOUSEHOLD_ALL_COLUMNS",
    "HOUSEHOLD_COLUMNS",
    "HOUSEHOLD_UPSERT",
    "encode_household",
    "household_index_statements",
    "household_row_from",
]

HOUSEHOLD_COLUMNS = (
    "id, village, grid, state, is_open, risk_class, work, factors, disputes, pending_help, reassessment_due,"
    " screened_at, updated_at, state_since, version, policy, next_due"
)
"""The columns a :class:`~fengqiao.ledger.HouseholdRow` is read from, in its field order."""
HOUSEHOLD_ALL_COLUMNS = HOUSEHOLD_COLUMNS + ", position, head_hash, household"
HOUSEHOLD_UPSERT = (
    f"INSERT INTO household_ledger ({HOUSEHOLD_ALL_COLUMNS})"
    f" VALUES ({', '.join('?' * (HOUSEHOLD_ALL_COLUMNS.count(',') + 1))})"
    " ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c.strip()} = excluded.{c.strip()}" for c in HOUSEHOLD_ALL_COLUMNS.split(",")[1:])
)


def household_index_statements() -> tuple[str, ...]:
    """The household table's secondary indexes, the same in every dialect: ``(column, id)`` per filter."""
    return (
        "CREATE INDEX household_ledger_village_ix ON household_ledger (village, id)",
        "CREATE INDEX household_ledger_state_ix ON household_ledger (state, risk_class, id)",
        "CREATE INDEX household_ledger_class_ix ON household_ledger (risk_class, id)",
        "CREATE INDEX household_ledger_due_ix ON household_ledger (next_due) WHERE next_due IS NOT NULL",
    )


def encode_household(p: HouseholdProjected, q: Dialect[Any]) -> tuple[Any, ...]:
    """The values of one ``household_ledger`` row, in the order of its columns (:data:`HOUSEHOLD_ALL_COLUMNS`)."""
    r = p.row
    return (
        r.id,
        r.village,
        r.grid,
        str(r.state),
        q.flag(r.open),
        None if r.risk_class is None else r.risk_class.value,
        json.dumps([str(k) for k in r.work]),
        json.dumps([str(f) for f in r.factors], ensure_ascii=False),
        r.disputes,
        r.pending_help,
        q.flag(r.reassessment_due),
        q.ts(r.screened_at),
        q.ts(r.updated_at),
        q.ts(r.state_since),
        r.version,
        r.policy,
        q.opt(r.next_due),
        p.position,
        p.head_hash,
        serde.dumps(p.household),
    )


def _state(value: str) -> StateId:
    return HouseholdState(value) if value in HouseholdState._value2member_map_ else value


def _factor(value: str) -> FactorId:
    return HouseholdFactor(value) if value in HouseholdFactor._value2member_map_ else value


def household_row_from(v: Sequence[Any], q: Dialect[Any]) -> HouseholdRow:
    """A :class:`HouseholdRow` from the :data:`HOUSEHOLD_COLUMNS` of one table row."""
    return HouseholdRow(
        id=v[0],
        village=v[1],
        grid=v[2],
        state=_state(v[3]),
        open=bool(v[4]),
        risk_class=None if v[5] is None else RiskClass(v[5]),
        work=tuple(WorkKind(k) for k in json.loads(v[6])),
        factors=tuple(_factor(f) for f in json.loads(v[7])),
        disputes=int(v[8]),
        pending_help=int(v[9]),
        reassessment_due=bool(v[10]),
        screened_at=q.dt(v[11]),
        updated_at=q.dt(v[12]),
        state_since=q.dt(v[13]),
        version=int(v[14]),
        policy=v[15],
        next_due=None if v[16] is None else q.dt(v[16]),
    )
