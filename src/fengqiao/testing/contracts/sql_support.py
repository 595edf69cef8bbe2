"""What the SQL contracts need of a back-end's test: raw SQL, placeholders, and rewriting rows as a forger would."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

import fengqiao as fq
from fengqiao.storage import EventStore
from fengqiao.storage._chain import GENESIS, link, seal
from fengqiao.testing.contracts.support import (
    closed,
    referred,
    workflow,
)

_REWRITE_ROW = (
    "UPDATE fengqiao_events SET stream_id = ?, version = ?, type = ?, schema_version = ?, data = ?,"
    " prev_hash = ?, hash = ? WHERE position = ?"
)


class RawError(Exception):
    """A driver error from ``raw``, whichever the driver."""


class Raw(Protocol):
    """Runs SQL on a separate connection, outside the library, committing at once (``?`` placeholders)."""

    def __call__(self, sql: str, params: Sequence[Any] = (), /) -> list[tuple[Any, ...]]: ...


class Placeholders(Protocol):
    """Turns ``?`` placeholders into the back-end's."""

    def __call__(self, sql: str, /) -> str: ...


def seed(store: EventStore) -> tuple[fq.Dispute, fq.Dispute]:
    """Two disputes stored: one closed (nearly every kind of event), one referred."""
    wf = workflow()
    a, b = closed(wf), referred(wf)
    for d in (a, b):
        half = d.version // 2
        store.append(d.id, d.history[:half], expected_version=0)
        store.append(d.id, d.history[half:], expected_version=half)
    return a, b


def reseal(raw: Raw, stream_id: str) -> None:
    """Recompute ``stream_id``'s hash chain and head over its rows as they are now: a consistent rewrite."""
    prev = GENESIS
    rows = raw("SELECT version, data FROM fengqiao_events WHERE stream_id = ? ORDER BY version", (stream_id,))
    for version, data in rows:
        digest = link(prev, stream_id, version, data)
        raw(
            "UPDATE fengqiao_events SET prev_hash = ?, hash = ? WHERE stream_id = ? AND version = ?",
            (prev, digest, stream_id, version),
        )
        prev = digest
    raw("UPDATE fengqiao_streams SET version = ?, hash = ? WHERE stream_id = ?", (len(rows), prev, stream_id))
    restamp(raw)


def restamp(raw: Raw) -> None:
    """Recompute the seal of every sealed row over its hash and recorded time as they are now, as a forger would."""
    for position, digest, recorded_at in raw(
        "SELECT position, hash, recorded_at FROM fengqiao_events WHERE seal IS NOT NULL"
    ):
        at = datetime.fromisoformat(recorded_at) if isinstance(recorded_at, str) else recorded_at
        raw("UPDATE fengqiao_events SET seal = ? WHERE position = ?", (seal(digest, at), position))


def backdate(raw: Raw, stream_id: str, version: int) -> None:
    """Move one row's ``recorded_at`` three days earlier, leaving everything else."""
    where = " WHERE stream_id = ? AND version = ?"
    [(recorded_at,)] = raw("SELECT recorded_at FROM fengqiao_events" + where, (stream_id, version))
    at = datetime.fromisoformat(recorded_at) if isinstance(recorded_at, str) else recorded_at
    earlier = at - timedelta(days=3)
    raw(
        "UPDATE fengqiao_events SET recorded_at = ?" + where,
        (earlier.isoformat() if isinstance(recorded_at, str) else earlier, stream_id, version),
    )


def named(store: EventStore) -> list[tuple[str, int, str]]:
    """``(stream, version, kind)`` of every problem ``verify()`` finds."""
    return [(p.stream_id, p.version, p.kind) for p in store.verify().problems]
