"""Versioned schema migrations: each back-end lists its own, this module decides which to run.

A store's tables carry their layout version in a meta table. Opening a store compares it
with the newest migration this fengqiao knows: older layouts are migrated (all pending
migrations in one transaction, so a failed upgrade leaves the old layout intact); a newer
layout, written by a later fengqiao, is refused rather than misread.

Each write transaction reads the version again (a single-row ``SELECT`` under the write
lock), so a process that opened a store before another one upgraded it stops writing the
old layout: its next append raises :class:`~fengqiao.errors.StorageError` and stores nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import LiteralString

import attrs

from fengqiao.errors import StorageError

__all__ = [
    "LOG",
    "Migration",
    "latest",
    "layout_changed",
    "layout_version",
    "migrated",
    "pending",
    "require_current",
    "sealed_position",
]


@attrs.frozen
class Migration:
    """One step of a layout's history: the SQL that takes version ``version - 1`` to ``version``."""

    version: int
    description: str
    statements: tuple[LiteralString, ...]
    """Literal SQL only: never built from input."""


LOG = logging.getLogger("fengqiao.storage")
"""The stores' logger: opening (INFO), migrations (INFO), conflicts (DEBUG). Ids and versions only, never content."""


def migrated(where: str, steps: Sequence[Migration]) -> None:
    """Log the layout migrations just committed in ``where`` (nothing if there were none)."""
    for step in steps:
        LOG.info("%s: layout %d (%s)", where, step.version, step.description)


def latest(migrations: Sequence[Migration]) -> int:
    """The layout version the migrations lead to."""
    return migrations[-1].version if migrations else 0


def pending(migrations: Sequence[Migration], current: int, *, where: str) -> tuple[Migration, ...]:
    """The migrations to run on a layout at version ``current``, in order.

    Raises:
        StorageError: the layout is newer than every migration known here.
    """
    if [m.version for m in migrations] != list(range(1, len(migrations) + 1)):
        raise StorageError(f"{where}: migrations must be numbered 1, 2, 3 … without gaps")
    known = latest(migrations)
    if current > known:
        raise StorageError(
            f"{where} has schema version {current}, newer than version {known} that this fengqiao knows; "
            "upgrade fengqiao to open it"
        )
    return tuple(m for m in migrations if m.version > current)


def require_current(migrations: Sequence[Migration], current: int, *, where: str) -> None:
    """Refuse to work on a layout that is not the one this fengqiao writes.

    Raises:
        StorageError: the layout is newer (upgrade fengqiao) or older (call ``upgrade()``).
    """
    if pending(migrations, current, where=where):
        raise StorageError(
            f"{where} has schema version {current}, older than version {latest(migrations)} that this "
            "fengqiao needs; call upgrade() on the store"
        )


def layout_version(value: object, *, where: str) -> int:
    """The layout version held in the meta table's cell ``value`` (``None``: no row, so 0).

    Raises:
        StorageError: the cell holds anything but a whole number (it was written around fengqiao).
    """
    return _meta_number(value, "the layout version", digits=9, where=where)


def layout_changed(opened: int, found: int, known: int, *, where: str) -> StorageError:
    """The error for a layout that changed from ``opened`` to ``found`` while a store was open."""
    advice = "upgrade fengqiao and reopen the store" if found > known else "reopen the store"
    return StorageError(
        f"{where} changed from layout version {opened} to {found} while this store was open; "
        f"nothing was written: {advice}"
    )


def sealed_position(value: object, *, where: str) -> int:
    """The ``sealed_after`` cell of the meta table: the last position written before seals (layout 2).

    A missing cell is 0, the strictest reading: every row must then carry a seal.

    Raises:
        StorageError: the cell holds anything but a whole number (it was written around fengqiao).
    """
    return _meta_number(value, "sealed_after", digits=18, where=where)


def _meta_number(value: object, what: str, *, digits: int, where: str) -> int:
    """A whole number kept as text in ``fengqiao_meta`` (``None``, no row: 0); anything else is a ``StorageError``."""
    if value is None:
        return 0
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= digits:
        return int(value)
    if isinstance(value, str):
        shown = repr(value[:40]) + ("…" if len(value) > 40 else "")
    else:
        shown = f"a value of type {type(value).__name__}"
    raise StorageError(
        f"{where}: {what} in fengqiao_meta is {shown}, not a whole number; the table was changed outside fengqiao"
    )
