"""The ledger (台账): one row per dispute, kept in the same transaction as its events.

Open a store *through* its ledger, and append through the ledger's :attr:`~Ledger.store`::

    ledger = open_ledger("station.db", policy="yongji-54333")        # SQLite
    ledger = open_ledger("postgresql://…/city", policy=RecordedPolicy())  # PostgreSQL (fengqiao[postgres]):
                                                   # each dispute under the policy it recorded
    ledger = open_ledger(None)                                       # in memory
    repo = Repository(Workflow("yongji-54333"), ledger.store)

Each append runs the ledger's projector inside the append's own transaction (the
:class:`~fengqiao.storage.Projector` hook), so the ``dispute_ledger`` row — state, grade,
category, channel, station, policy, times, assignees, referral, next deadline, dossier
gaps, and the folded dispute as JSON — commits with the events or not at all.
:meth:`Ledger.rebuild` projects the whole event log again and gives the same rows.

Queries return frozen rows (:class:`LedgerRow` …): :meth:`Ledger.disputes` by state,
grade, category, channel, station, assignee or policy, :meth:`Ledger.open`,
:meth:`Ledger.count`, and the folded disputes themselves with :meth:`Ledger.select`; reports
delegate to the policies' own rules: :meth:`Ledger.overdue`, :meth:`Ledger.resolution_rate`,
:meth:`Ledger.dossier_completeness` (A/B卷), and :meth:`Ledger.report`, which runs a report a
policy offers (Huainan's ``"dispatch"``, Huaiyang's ``"rewards"``, a third party's own). The
ledger imports no region.
:func:`to_dataframe` turns rows into a pandas ``DataFrame`` when pandas is installed.
:func:`what_if` re-decides stored histories under another policy.
Households have a row each too (``household_ledger``), kept by the same projector under the
ledger's one household policy (``household_policy=``): :meth:`Ledger.households`,
:meth:`Ledger.household_count`, :meth:`Ledger.household`, :meth:`Ledger.household_figures`,
:meth:`Ledger.household_overdue`; :func:`household_report` gives a household policy's figures
and the overdue deadlines from them (or, from a bare store, by reading every household).
A stream of any other family of events is passed over: neither a row nor a problem.

Out of the write path: a ledger opened with ``attached=False`` is not projected by the appends;
its :meth:`~SQLiteLedger.follower` (or ``fengqiao ledger follow``) keeps it from a process of
its own, and :class:`SQLiteFollower` / :class:`PostgresFollower` do the same for a projector
of yours (see :mod:`fengqiao.ledger.follow`).

Which policy handles each dispute is the ledger's choice: one policy for all, each dispute's
own (:class:`RecordedPolicy`: the one its discovery recorded), or a function of the dispute
(see :class:`PolicyBook`).
"""

from __future__ import annotations

import inspect
import os
from typing import TYPE_CHECKING, Any

from fengqiao.domain._calls import unknown_keyword
from fengqiao.errors import ValidationError
from fengqiao.ledger._book import PolicyBook, PolicyChoice, RecordedPolicy
from fengqiao.ledger._follow_sqlite import SQLiteFollower
from fengqiao.ledger._frames import to_dataframe
from fengqiao.ledger.base import Ledger
from fengqiao.ledger.follow import Follower, FollowerStatus
from fengqiao.ledger.households import HouseholdReport, household_figures, household_report
from fengqiao.ledger.memory import MemoryLedger
from fengqiao.ledger.places import PlaceOverdue, PlaceReport, place_report
from fengqiao.ledger.rows import (
    DossierRow,
    HouseholdOverdue,
    HouseholdRow,
    LedgerProblem,
    LedgerRow,
    OverdueRow,
    Period,
    ResolutionRate,
)
from fengqiao.ledger.sqlite import SQLiteLedger
from fengqiao.ledger.whatif import Divergence, DivergenceKind, WhatIf, what_if

if TYPE_CHECKING:
    from fengqiao.ledger._follow_postgres import PostgresFollower
    from fengqiao.ledger.postgres import PostgresLedger

__all__ = [
    "Divergence",
    "DivergenceKind",
    "DossierRow",
    "Follower",
    "FollowerStatus",
    "HouseholdOverdue",
    "HouseholdReport",
    "HouseholdRow",
    "Ledger",
    "LedgerProblem",
    "LedgerRow",
    "MemoryLedger",
    "OverdueRow",
    "Period",
    "PlaceOverdue",
    "PlaceReport",
    "PolicyBook",
    "PolicyChoice",
    "PostgresFollower",
    "PostgresLedger",
    "RecordedPolicy",
    "ResolutionRate",
    "SQLiteFollower",
    "SQLiteLedger",
    "WhatIf",
    "household_figures",
    "household_report",
    "open_ledger",
    "place_report",
    "to_dataframe",
    "what_if",
]


def open_ledger(target: str | os.PathLike[str] | None = None, **options: Any) -> Ledger:
    """Open a ledger and its store: in memory (``None``), PostgreSQL (a ``postgresql://`` URL) or SQLite (a path).

    ``options`` go to :class:`MemoryLedger`, :class:`PostgresLedger` or :class:`SQLiteLedger`
    (``policy=``, ``policies=``, ``clock=`` …).

    >>> with open_ledger(None, policy="baseline") as ledger:
    ...     ledger.count()
    0
    """
    if target is None:
        return MemoryLedger(**_options(MemoryLedger, options))
    if not isinstance(target, str | os.PathLike):
        raise ValidationError(f"expected a path, a postgresql:// URL or None, got {type(target).__name__}", "target")
    if isinstance(target, str) and target.startswith(("postgresql://", "postgres://")):
        from fengqiao.ledger.postgres import PostgresLedger

        return PostgresLedger(target, **_options(PostgresLedger, options))
    return SQLiteLedger(target, **_options(SQLiteLedger, options))


def _options(ledger: type[Ledger], options: dict[str, Any]) -> dict[str, Any]:
    """``options``, if ``ledger`` takes each of them by keyword."""
    known = tuple(
        name
        for name, p in inspect.signature(ledger).parameters.items()
        if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and name not in ("path", "target")
    )
    for name in options:
        if name not in known:
            raise unknown_keyword(f"open_ledger ({ledger.__name__})", name, known)
    return options


def __getattr__(name: str) -> Any:
    """Import ``PostgresLedger`` and ``PostgresFollower`` on first use, so psycopg stays optional."""
    if name in ("PostgresLedger", "PostgresFollower"):
        from fengqiao.ledger import _follow_postgres  # without psycopg: names the postgres extra

        return _follow_postgres.PostgresFollower if name == "PostgresFollower" else _follow_postgres.PostgresLedger
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
