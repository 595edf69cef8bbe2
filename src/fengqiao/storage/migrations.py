"""Versioned schema migrations: each back-end lists its own, this module decides which to run.

A store's tables carry their layout version in a meta table. Opening a store compares it
with the newest migration this fengqiao knows: older layouts are migrated (all pending
migrations in one transaction, so a failed upgrade leaves the old layout intact); a newer
layout, written by a later fengqiao, is refused rather than misread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import LiteralString

import attrs

from fengqiao.errors import StorageError

__all__ = ["Migration", "latest", "pending", "require_current"]


@attrs.frozen
class Migration:
    """One step of a layout's history: the SQL that takes version ``version - 1`` to ``version``."""

    version: int
    description: str
    statements: tuple[LiteralString, ...]
    """Literal SQL only: never built from input."""


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
