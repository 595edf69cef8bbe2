"""The query side of the SQL ledgers: filters become ``WHERE`` clauses on ``dispute_ledger``.

Reports read the folded disputes of one query a page at a time (a cursor on SQLite, a
server-side cursor on PostgreSQL), so no report holds every dispute's JSON at once.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Generic, TypeVar

from fengqiao import serde
from fengqiao.ledger._dialect import COLUMNS, dossier_from, row_from
from fengqiao.ledger._filters import Filters
from fengqiao.ledger._household_filters import HouseholdFilters
from fengqiao.ledger._household_sql import HOUSEHOLD_COLUMNS, household_row_from
from fengqiao.ledger._projection import SQLProjection
from fengqiao.ledger.base import Ledger
from fengqiao.ledger.follow import Follower
from fengqiao.ledger.rows import DossierRow, HouseholdRow, LedgerProblem, LedgerRow
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.household import Household

__all__ = ["SQLLedger"]

Tx = TypeVar("Tx")


class SQLLedger(Ledger, Generic[Tx]):
    """The query side of a SQL ledger; a back-end supplies connections and the projection."""

    projection: SQLProjection[Tx]
    attached: bool
    """Whether the appends run the ledger's projector; if not, a follower keeps it (:meth:`follower`)."""

    @abc.abstractmethod
    def _read(self) -> AbstractContextManager[Tx]:
        """A connection for reading."""

    @abc.abstractmethod
    def _write(self) -> AbstractContextManager[Tx]:
        """A transaction for the ledger's own writes (catch-up, rebuild), committed on exit."""

    @abc.abstractmethod
    def follower(self, *, batch: int = 500, interval: float = 1.0) -> Follower[Tx]:
        """A follower keeping this ledger up from the events after its position (see :mod:`fengqiao.ledger.follow`)."""

    def _select(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self._read() as tx:
            return self.projection.dialect.run(tx, sql, params)

    def _where(self, f: Filters) -> tuple[str, list[Any]]:
        q = self.projection.dialect
        return f.where(q.ts)

    def _rows(self, f: Filters, limit: int | None) -> tuple[LedgerRow, ...]:
        where, params = self._where(f)
        tail = "" if limit is None else " LIMIT ?"
        found = self._select(
            f"SELECT {COLUMNS} FROM dispute_ledger WHERE {where} ORDER BY id{tail}",
            params if limit is None else [*params, limit],
        )
        return tuple(row_from(v, self.projection.dialect) for v in found)

    def _count(self, f: Filters) -> int:
        where, params = self._where(f)
        return int(self._select(f"SELECT count(*) FROM dispute_ledger WHERE {where}", params)[0][0])

    def _disputes(self, f: Filters) -> Iterator[tuple[LedgerRow, Dispute]]:
        where, params = self._where(f)
        q = self.projection.dialect
        with self._read() as tx:  # one query, fetched a page at a time
            for values in q.stream(
                tx, f"SELECT {COLUMNS}, dispute FROM dispute_ledger WHERE {where} ORDER BY id", params
            ):
                yield row_from(values, q), serde.loads(values[-1], Dispute)

    def _policies(self, f: Filters) -> tuple[str, ...]:
        where, params = self._where(f)
        found = self._select(f"SELECT DISTINCT policy FROM dispute_ledger WHERE {where} ORDER BY policy", params)
        return tuple(v[0] for v in found)

    def _recorded(self, f: Filters) -> dict[str | None, int]:
        where, params = self._where(f)
        name = self.projection.dialect.recorded_policy
        found = self._select(f"SELECT {name}, count(*) FROM dispute_ledger WHERE {where} GROUP BY {name}", params)
        return {v[0]: int(v[1]) for v in found}

    def _dossiers(self, f: Filters) -> tuple[DossierRow, ...]:
        where, params = self._where(f)
        found = self._select(
            f"SELECT id, policy, station, state, dossier FROM dispute_ledger WHERE {where} ORDER BY id", params
        )
        return tuple(dossier_from(v) for v in found)

    def _find(self, dispute_id: str) -> tuple[LedgerRow, Dispute] | None:
        found = self._select(f"SELECT {COLUMNS}, dispute FROM dispute_ledger WHERE id = ?", [dispute_id])
        if not found:
            return None
        return row_from(found[0], self.projection.dialect), serde.loads(found[0][-1], Dispute)

    def _household_rows(self, f: HouseholdFilters, limit: int | None) -> tuple[HouseholdRow, ...]:
        where, params = f.where(self.projection.dialect.ts)
        tail = "" if limit is None else " LIMIT ?"
        found = self._select(
            f"SELECT {HOUSEHOLD_COLUMNS} FROM household_ledger WHERE {where} ORDER BY id{tail}",
            params if limit is None else [*params, limit],
        )
        return tuple(household_row_from(v, self.projection.dialect) for v in found)

    def _household_count(self, f: HouseholdFilters) -> int:
        where, params = f.where(self.projection.dialect.ts)
        return int(self._select(f"SELECT count(*) FROM household_ledger WHERE {where}", params)[0][0])

    def _households(self, f: HouseholdFilters) -> Iterator[tuple[HouseholdRow, Household]]:
        where, params = f.where(self.projection.dialect.ts)
        q = self.projection.dialect
        with self._read() as tx:  # one query, fetched a page at a time
            for values in q.stream(
                tx, f"SELECT {HOUSEHOLD_COLUMNS}, household FROM household_ledger WHERE {where} ORDER BY id", params
            ):
                yield household_row_from(values, q), serde.loads(values[-1], Household)

    def _find_household(self, household_id: str) -> tuple[HouseholdRow, Household] | None:
        found = self._select(
            f"SELECT {HOUSEHOLD_COLUMNS}, household FROM household_ledger WHERE id = ?", [household_id]
        )
        if not found:
            return None
        return household_row_from(found[0], self.projection.dialect), serde.loads(found[0][-1], Household)

    @property
    def position(self) -> int:
        """The global position of the last event the ledger applied (0: none)."""
        return int(self._select("SELECT position FROM dispute_ledger_state", [])[0][0])

    def rebuild(self) -> int:
        """Empty the ledger and project the whole event log again in one transaction; return the events applied.

        Appends wait until it commits (their projector needs the ledger's state row).
        """
        with self._write() as tx:
            return self.projection.rebuild(tx)

    def catch_up(self) -> int:
        """Apply events appended without this ledger's projector (by another program); return how many.

        A detached ledger (``attached=False``) catches up as its follower does, a batch per
        transaction, reading through the store's ``read_all``.
        """
        if not self.attached:
            return self.follower().catch_up()
        with self._write() as tx:
            return self.projection.catch_up(tx)

    def problems(self) -> tuple[LedgerProblem, ...]:
        """The events the ledger could not project and set aside (quarantine), by position."""
        with self._read() as tx:
            return self.projection.problems(tx)

    def retry(self) -> int:
        """Project every quarantined dispute again from its whole history; return how many now project."""
        with self._write() as tx:
            return self.projection.retry(tx)
