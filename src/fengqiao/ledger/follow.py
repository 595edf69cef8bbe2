"""Catch-up subscribers: a projection kept up to date from outside the write path, in a process of its own.

Inside the appends, a :class:`~fengqiao.storage.Projector` commits its rows with the events
(the default for one station's SQLite file). A **follower** runs the same kind of projector
*after* the appends instead: it reads the events after its checkpoint with
:meth:`EventStore.read_all(after=checkpoint, limit=batch) <fengqiao.storage.EventStore.read_all>`,
applies them, and commits the projection's rows **and** its new checkpoint in one
transaction of the store's database. So:

- killed at any moment (``kill -9`` included), it resumes from the last committed
  checkpoint, and every event is applied **exactly once**: a batch is committed whole or
  not at all, and ``read_all`` never skips an event behind a checkpoint it handed out;
- two followers of the same subscription may run at once: each batch locks the checkpoint
  and is dropped if another follower moved it meanwhile, so neither applies an event twice;
- a **poison** event is quarantined, never a stop: a row that cannot be read (corrupt, not
  sealed by its hash) and an event the projection raises on are set aside as
  :class:`~fengqiao.ledger.LedgerProblem` values (:meth:`Follower.problems`) and the
  checkpoint moves past them.

Followers (:class:`~fengqiao.ledger.SQLiteFollower`, :class:`~fengqiao.ledger.PostgresFollower`)
run a projector of yours under a name, its checkpoint kept in ``fengqiao_subscriptions``;
:meth:`SQLiteLedger.follower() <fengqiao.ledger.SQLiteLedger.follower>` gives the one that keeps a
ledger opened with ``attached=False`` (the appends then do not project it). :meth:`Follower.run`
follows until stopped: PostgreSQL wakes it as soon as an append notifies the schema's channel
(``fengqiao_events_<schema>``), and every follower also polls every ``interval`` seconds, so it
is correct without any notification. ``fengqiao ledger follow`` runs the ledger's from the
command line.
"""

from __future__ import annotations

import abc
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from types import TracebackType
from typing import Generic, Self, TypeVar

import attrs

from fengqiao.errors import UnreadableEventError
from fengqiao.ledger._dialect import Dialect
from fengqiao.ledger._facts import reason_of
from fengqiao.ledger._subscription import Item, Subscription
from fengqiao.ledger.rows import LedgerProblem
from fengqiao.storage._arguments import check_count, check_seconds
from fengqiao.storage.base import EventStore, StoredEvent

__all__ = ["MAX_BATCH", "MAX_INTERVAL", "Follower", "FollowerStatus", "check_pace"]

_log = logging.getLogger("fengqiao.ledger")
"""Followers: starting (INFO), each batch applied (DEBUG), events set aside (WARNING)."""

Tx = TypeVar("Tx")

MAX_BATCH = 100_000
"""The most events one batch (one transaction) may apply."""

MAX_INTERVAL = 86_400.0
"""The longest wait between two polls, in seconds: a day."""


def check_pace(batch: object, interval: object) -> tuple[int, float]:
    """A follower's ``batch`` (1 to :data:`MAX_BATCH` events) and ``interval`` (seconds, above 0, at most a day).

    Raises:
        ValidationError: either is out of range or not a number; the error names it.
    """
    return (
        check_count(batch, "batch", least=1, most=MAX_BATCH),
        check_seconds(interval, "interval", zero=False, most=MAX_INTERVAL),
    )


@attrs.frozen(kw_only=True)
class FollowerStatus:
    """Where a follower stands against its store: its checkpoint and how far behind the newest event it is."""

    position: int
    """The checkpoint: the position of the last event applied (or set aside); 0 before the first."""
    newest: int
    """The newest event's position in the store (0: none)."""
    behind: int
    """How many stored events are after the checkpoint."""
    seconds: float
    """How far behind in time: the newest event's ``recorded_at`` minus the last applied one's (0: caught up)."""

    def __str__(self) -> str:
        return f"position {self.position} of {self.newest}: {self.behind} events, {self.seconds:.1f} s behind"


class Follower(abc.ABC, Generic[Tx]):
    """Keeps one projection up to date from the events after its checkpoint; one batch, one transaction.

    Open one with :class:`~fengqiao.ledger.SQLiteFollower`, :class:`~fengqiao.ledger.PostgresFollower`
    or a detached ledger's ``follower()``. ``Tx`` is the database's connection, as a
    :class:`~fengqiao.storage.Projector` of that database receives it.
    """

    store: EventStore
    """The store the events are read from (the same database the projection is kept in)."""
    batch: int
    """The most events applied in one transaction."""
    interval: float
    """Seconds :meth:`run` waits between polls when nothing wakes it."""

    def __init__(
        self, store: EventStore, subscription: Subscription[Tx], dialect: Dialect[Tx], *, batch: int, interval: float
    ) -> None:
        self.store = store
        self.batch, self.interval = check_pace(batch, interval)
        self._subscription = subscription
        self._dialect = dialect

    # -- what a back-end provides ---------------------------------------------------------
    @abc.abstractmethod
    def _read(self) -> AbstractContextManager[Tx]:
        """A connection to the store's database, for reading."""

    @abc.abstractmethod
    def _write(self) -> AbstractContextManager[Tx]:
        """A write transaction on the store's database, committed on exit, rolled back on any error."""

    @abc.abstractmethod
    def _wait(self, seconds: float, stop: threading.Event | None) -> None:
        """Return after ``seconds``, or sooner: when ``stop`` is set, or (PostgreSQL) an append notifies."""

    @abc.abstractmethod
    def close(self) -> None:
        """Close what the follower opened; closing twice is harmless."""

    def _setup(self) -> None:
        """Create the subscription's tables; back-ends call it at the end of opening."""
        with self._write() as tx:
            self._subscription.setup(tx)

    # -- the subscription -----------------------------------------------------------------
    @property
    def name(self) -> str:
        """The subscription's name (``"ledger"`` for a ledger's follower)."""
        return self._subscription.name

    @property
    def position(self) -> int:
        """The checkpoint: the position of the last event applied or set aside (0: none yet)."""
        with self._read() as tx:
            return self._subscription.position(tx)

    def problems(self) -> tuple[LedgerProblem, ...]:
        """The events set aside (unreadable, or refused by the projection), by position."""
        with self._read() as tx:
            return self._subscription.problems(tx)

    def step(self) -> int:
        """Apply one batch of events after the checkpoint, in one transaction; return how many (0: caught up)."""
        while (count := self._step()) is None:
            pass  # another follower of the same subscription moved the checkpoint: read again from there
        return count

    def catch_up(self) -> int:
        """Apply every event after the checkpoint, a batch per transaction; return how many."""
        total = 0
        while count := self.step():
            total += count
        return total

    def run(self, *, stop: threading.Event | None = None, progress: Callable[[int], object] | None = None) -> None:
        """Follow the store until ``stop`` is set (or the process is interrupted): catch up, wait, again.

        ``progress`` is called after each batch with how many events it applied, and with 0
        after each wait that found nothing new (so a display can refresh its lag).
        Interrupted mid-batch, the batch is rolled back: nothing is half applied.
        """
        self._listen()
        _log.info("following %r (batches of %d, polling every %s s)", self.store, self.batch, self.interval)
        while stop is None or not stop.is_set():
            count = self.step()
            if progress is not None:
                progress(count)
            if not count:
                self._wait(self.interval, stop)

    def status(self) -> FollowerStatus:
        """The checkpoint, the newest position and how far behind (events and seconds) the follower is."""
        q = self._dialect
        with self._read() as tx:
            position = self._subscription.position(tx)
            behind, newest = q.run(
                tx, "SELECT count(*), coalesce(max(position), 0) FROM fengqiao_events WHERE position > ?", (position,)
            )[0]
            seconds = 0.0
            if behind:
                since = position or int(q.run(tx, "SELECT min(position) FROM fengqiao_events")[0][0])
                seconds = self._between(tx, since, int(newest))
            else:
                newest = q.run(tx, "SELECT coalesce(max(position), 0) FROM fengqiao_events")[0][0]
        return FollowerStatus(position=position, newest=int(newest), behind=int(behind), seconds=seconds)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- internals ------------------------------------------------------------------------------
    def _listen(self) -> None:
        """Start listening for the appends' notifications (PostgreSQL), before the first catch-up."""

    def _step(self) -> int | None:
        """One batch: read after the committed checkpoint, then apply under its lock (``None``: it moved)."""
        with self._read() as tx:
            after = self._subscription.position(tx)
        bad: list[UnreadableEventError] = []
        events = list(self.store.read_all(after, self.batch, unreadable=bad.append))
        if not events and not bad:
            return 0
        with self._write() as tx:
            items = _merged(events, (p for e in bad if (p := self._problem(tx, e, after)) is not None))
            if not items:  # pragma: no cover - an unreadable row that vanished before it was looked up
                return 0
            applied = self._subscription.apply(tx, after, items)
        _log.debug("applied %s events after position %d", applied, after)
        return applied

    def _problem(self, tx: Tx, error: UnreadableEventError, after: int) -> LedgerProblem | None:
        """The unreadable row ``error`` names, as a problem at its position (``None`` if it is gone)."""
        found = self._dialect.run(
            tx,
            "SELECT position FROM fengqiao_events WHERE stream_id = ? AND version = ? AND position > ?",
            (error.stream, error.version, after),
        )
        if not found:  # pragma: no cover - deleted between the read and now
            return None
        return LedgerProblem(
            position=int(found[0][0]), stream_id=error.stream, version=error.version, reason=reason_of(error)
        )

    def _between(self, tx: Tx, since: int, newest: int) -> float:
        """Seconds from the ``recorded_at`` of position ``since`` to that of ``newest`` (0 if either is unreadable)."""
        q = self._dialect
        rows = q.run(tx, "SELECT position, recorded_at FROM fengqiao_events WHERE position IN (?, ?)", (since, newest))
        times: dict[int, datetime] = {}
        for pos, recorded in rows:
            try:
                times[int(pos)] = q.recorded(recorded)
            except (TypeError, ValueError):
                return 0.0
        if since not in times or newest not in times:
            return 0.0
        return max(0.0, (times[newest] - times[since]).total_seconds())


def _merged(events: list[StoredEvent], problems: Iterator[LedgerProblem]) -> list[Item]:
    """The events and the unreadable rows' problems, in position order."""
    items: list[Item] = [*events, *problems]
    items.sort(key=lambda item: item.position)
    return items
