"""What a follower keeps up: the projection, where its checkpoint lives and where its poison goes.

Two kinds, one protocol (:class:`Subscription`):

- :class:`ProjectorSubscription`: a user's :class:`~fengqiao.storage.Projector` under a name;
  its checkpoint is a row of ``fengqiao_subscriptions``, its quarantine rows of
  ``fengqiao_subscription_problems`` (both in the follower's database, made on opening).
- :class:`LedgerSubscription`: the ledger's own projection; its checkpoint is
  ``dispute_ledger_state.position`` and its quarantine ``dispute_ledger_problems``, exactly
  as when it runs inside the appends.

Every ``apply`` first locks the checkpoint and checks it is still where the events were read
from; otherwise it does nothing (another follower of the same name got there first), so no
event is applied twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, Protocol, TypeVar, cast

from fengqiao.errors import ValidationError
from fengqiao.ledger._dialect import Dialect
from fengqiao.ledger._facts import reason_of
from fengqiao.ledger._projection import SQLProjection
from fengqiao.ledger.rows import LedgerProblem
from fengqiao.storage.base import Projector, StoredEvent

__all__ = [
    "SUBSCRIPTION_TABLES",
    "Item",
    "LedgerSubscription",
    "ProjectorSubscription",
    "Subscription",
    "check_attached",
    "check_name",
]

Tx = TypeVar("Tx")
Tx_contra = TypeVar("Tx_contra", contravariant=True)

Item = StoredEvent | LedgerProblem
"""An event read after the checkpoint, or a row that could not be read (already a problem)."""

SUBSCRIPTION_TABLES = (
    "CREATE TABLE IF NOT EXISTS fengqiao_subscriptions (name TEXT PRIMARY KEY, position BIGINT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS fengqiao_subscription_problems (
        name TEXT NOT NULL,
        position BIGINT NOT NULL,
        stream_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (name, position)
    )""",
)
"""Every named subscription's checkpoint and quarantine, in the follower's database."""

_NAME_MOST = 200


def check_name(name: object) -> str:
    """A subscription's name: text of 1 to 200 printable characters.

    Raises:
        ValidationError: not text, empty, too long, or holding a control character.
    """
    if not isinstance(name, str):
        raise ValidationError(f"expected a name (text), got {type(name).__name__}", "name")
    if not 0 < len(name) <= _NAME_MOST or not name.isprintable():
        raise ValidationError(f"a subscription's name is 1 to {_NAME_MOST} printable characters", "name")
    return name


def check_attached(attached: object) -> bool:
    """A ledger's ``attached``: ``True`` or ``False``.

    Raises:
        ValidationError: anything else.
    """
    if not isinstance(attached, bool):
        raise ValidationError(f"expected True or False, got {type(attached).__name__}", "attached")
    return attached


class Subscription(Protocol[Tx_contra]):
    """A projection a follower keeps, with its checkpoint and its quarantine."""

    name: str

    def setup(self, tx: Tx_contra) -> None:
        """Create the checkpoint's and the projection's tables if missing."""

    def position(self, tx: Tx_contra) -> int:
        """The checkpoint, as committed (no lock)."""

    def apply(self, tx: Tx_contra, after: int, items: Sequence[Item]) -> int | None:
        """Lock the checkpoint; if it is at ``after``, apply ``items`` and move it to the last; return how many.

        ``None``: the checkpoint has moved; nothing was done.
        """

    def problems(self, tx: Tx_contra) -> tuple[LedgerProblem, ...]:
        """The events set aside, by position."""


class ProjectorSubscription(Generic[Tx]):
    """A user's projector under ``name``; ``setup`` statements make its own tables.

    The projector is called with the follower's transaction and a batch of events in
    position order; if it raises, the batch is undone (a savepoint) and its events are given
    to it one at a time, each behind its own savepoint: the one that raises is quarantined
    and the others are applied.
    """

    def __init__(self, name: str, projector: Projector[Tx], dialect: Dialect[Tx], setup: Sequence[str] = ()) -> None:
        if not callable(projector):
            raise ValidationError(f"expected a projector (a callable), got {type(projector).__name__}", "projector")
        if isinstance(setup, str) or not all(isinstance(s, str) for s in setup):
            raise ValidationError("expected SQL statements (a list of text)", "setup")
        self.name = check_name(name)
        self.projector = projector
        self.dialect = dialect
        self._setup = tuple(setup)

    def __repr__(self) -> str:
        return f"ProjectorSubscription({self.name!r})"

    def setup(self, tx: Tx) -> None:
        """The checkpoint tables, this name's row, and the projection's own statements."""
        for statement in (*SUBSCRIPTION_TABLES, *self._setup):
            cast("Any", tx).execute(statement)
        self.dialect.run(
            tx,
            "INSERT INTO fengqiao_subscriptions (name, position) VALUES (?, 0) ON CONFLICT (name) DO NOTHING",
            (self.name,),
        )

    def position(self, tx: Tx) -> int:
        """The committed checkpoint."""
        return self._position(tx, "")

    def apply(self, tx: Tx, after: int, items: Sequence[Item]) -> int | None:
        """Apply ``items`` if the checkpoint is at ``after``; quarantine what cannot be applied."""
        if self._position(tx, self.dialect.lock_for_update) != after:
            return None
        events = tuple(i for i in items if isinstance(i, StoredEvent))
        for item in items:
            if isinstance(item, LedgerProblem):
                self._quarantine(tx, item)
        if events and not self._try(tx, events):
            for stored in events:
                self._try(tx, (stored,), quarantine=True)
        self.dialect.run(
            tx, "UPDATE fengqiao_subscriptions SET position = ? WHERE name = ?", (items[-1].position, self.name)
        )
        return len(items)

    def problems(self, tx: Tx) -> tuple[LedgerProblem, ...]:
        """This name's quarantined events."""
        rows = self.dialect.run(
            tx,
            "SELECT position, stream_id, version, reason FROM fengqiao_subscription_problems"
            " WHERE name = ? ORDER BY position",
            (self.name,),
        )
        return tuple(LedgerProblem(position=int(p), stream_id=s, version=int(v), reason=r) for p, s, v, r in rows)

    def _position(self, tx: Tx, lock: str) -> int:
        found = self.dialect.run(tx, f"SELECT position FROM fengqiao_subscriptions WHERE name = ?{lock}", (self.name,))
        return int(found[0][0]) if found else 0

    def _try(self, tx: Tx, events: tuple[StoredEvent, ...], *, quarantine: bool = False) -> bool:
        """Run the projector on ``events`` behind a savepoint; on an error undo it (and quarantine the one event)."""
        self.dialect.run(tx, "SAVEPOINT fengqiao_follow")
        try:
            self.projector(tx, events)
        except Exception as exc:  # a poison event: undone, set aside if it is alone, never a stop
            self.dialect.run(tx, "ROLLBACK TO SAVEPOINT fengqiao_follow")
            self.dialect.run(tx, "RELEASE SAVEPOINT fengqiao_follow")
            if quarantine:
                first = events[0]
                problem = LedgerProblem(
                    position=first.position, stream_id=first.stream_id, version=first.version, reason=reason_of(exc)
                )
                self._quarantine(tx, problem)
            return False
        self.dialect.run(tx, "RELEASE SAVEPOINT fengqiao_follow")
        return True

    def _quarantine(self, tx: Tx, problem: LedgerProblem) -> None:
        self.dialect.run(
            tx,
            "INSERT INTO fengqiao_subscription_problems (name, position, stream_id, version, reason)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (name, position) DO UPDATE SET reason = excluded.reason",
            (self.name, problem.position, problem.stream_id, problem.version, problem.reason),
        )


class LedgerSubscription(Generic[Tx]):
    """The ledger's projection, followed: the same rows, checkpoint and quarantine as inside the appends."""

    name = "ledger"

    def __init__(self, projection: SQLProjection[Tx]) -> None:
        self.projection = projection

    def __repr__(self) -> str:
        return f"LedgerSubscription({self.projection!r})"

    def setup(self, tx: Tx) -> None:
        """Nothing: the ledger made its tables when it opened."""

    def position(self, tx: Tx) -> int:
        """``dispute_ledger_state.position``."""
        return int(self.projection.dialect.run(tx, "SELECT position FROM dispute_ledger_state")[0][0])

    def apply(self, tx: Tx, after: int, items: Sequence[Item]) -> int | None:
        """The projection's own catch-up step (:meth:`SQLProjection.follow`)."""
        return self.projection.follow(tx, after, items)

    def problems(self, tx: Tx) -> tuple[LedgerProblem, ...]:
        """``dispute_ledger_problems``."""
        return self.projection.problems(tx)
