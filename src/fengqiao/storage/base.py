"""The ``EventStore`` protocol and the values it deals in.

An event store keeps one *stream* of events per case, of any kind (the stream id is the
dispute's or the household's id; its events are :data:`~fengqiao.lifecycle.cases.CaseEvent`
values) and one global order over all streams:

- ``append`` is atomic and optimistic: the writer says which version it read
  (``expected_version``, the number of events it saw; 0 creates the stream) and either all
  its events are stored, right after that version, or none is and
  :class:`~fengqiao.errors.ConcurrencyConflict` says someone wrote first. Never a lost
  update, never half a command.
- ``append_many`` does the same for many streams in *one* transaction (an import, a
  simulation's batch of finished disputes): every stream's events are stored, or none is.
  ``append_prepared`` takes new streams' histories encoded elsewhere (another process) by
  :func:`~fengqiao.storage.prepare`, and stores the same rows.
- ``read_all`` yields every event in *position* order, the order in which appends
  committed, so a projection that remembers the last position it saw never skips one.
- Each stream is hash-chained (see :mod:`fengqiao.storage._chain`); ``verify`` recomputes the
  chains and names every edited, reordered or missing event. ``digest`` hashes every
  stream's head into an anchor to keep elsewhere, and ``verify(anchor=...)`` names the
  streams deleted, cut, rewritten or forged since (see :mod:`fengqiao.storage.anchor`).

Projections can run *inside* an append's transaction through :class:`Projector` hooks, so
that a ledger table and the events it is built from are committed together, or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Literal, NamedTuple, Protocol, TypeVar

import attrs

from fengqiao.errors import UnreadableEventError, ValidationError
from fengqiao.lifecycle.cases import CaseEvent

if TYPE_CHECKING:
    from fengqiao.storage.anchor import Anchor
    from fengqiao.storage.prepared import Prepared

__all__ = [
    "Append",
    "EventStore",
    "Head",
    "Problem",
    "ProblemKind",
    "Projector",
    "Row",
    "StoredEvent",
    "VerificationReport",
]

TxT_contra = TypeVar("TxT_contra", contravariant=True)


@attrs.frozen(kw_only=True)
class StoredEvent:
    """An event as a store holds it: where it sits and the hash that seals it."""

    position: int
    """Global position: strictly increasing in commit order, across all streams (gaps allowed)."""
    stream_id: str
    version: int
    """The event's place in its stream, from 1; the stream's version after it was appended."""
    event: CaseEvent
    hash: str
    """The hex SHA-256 link of the stream's hash chain ending at this event."""
    recorded_at: datetime
    """When the store recorded it (the store's clock), not when it happened (``event.at``)."""


class Row(NamedTuple):
    """One stored event as its columns: what a :class:`~fengqiao.storage.RowStore` back-end keeps and gives back.

    The store makes every row (:meth:`RowBatch.encode <fengqiao.storage.RowBatch.encode>`):
    a back-end keeps its fields as they are and returns them from its reads. A named tuple
    (one is made per event), so a back-end can also store it as the plain tuple it is.
    """

    stream_id: str
    version: int
    """The event's place in its stream, from 1."""
    position: int
    """Its global position: strictly increasing in commit order, across all streams (gaps allowed)."""
    type: str
    """The event's type tag (``"graded"``), as its data holds it."""
    schema_version: int
    """The event schema version ``data`` was written in."""
    data: str
    """The event's canonical JSON: the exact text its hash seals (keep it byte for byte)."""
    prev_hash: str
    """The hash of the event before it in its stream (64 zeros for version 1)."""
    hash: str
    """The hex SHA-256 link of the stream's hash chain ending at this event (see :mod:`fengqiao.storage._chain`)."""
    recorded_at: datetime
    """When the store recorded it; timezone-aware (the SQL stores' ``verify`` passes the column as stored)."""
    seal: str | None = None
    """The SQL stores' seal of ``recorded_at``; ``None`` elsewhere."""
    stored: StoredEvent | None = None
    """The event as the store wrote it, if the back-end kept the row it was given (a store in memory).

    Then ``load`` and ``read_all`` serve it as it is, without decoding ``data`` again. A back-end
    that writes rows out asks for none (``RowBatch.encode(..., keep=False)``): a row read back
    from a file or a database has ``None``, and its data is decoded and its hash checked.
    """


class Head(NamedTuple):
    """What a store records as a stream's end: its version and the hash of its last event."""

    stream_id: str
    version: int
    hash: str


def _events(value: Iterable[CaseEvent]) -> tuple[CaseEvent, ...]:
    if isinstance(value, str | bytes):
        raise ValidationError(f"expected events, got {type(value).__name__}", "events")
    try:
        return tuple(value)
    except TypeError:
        raise ValidationError(f"expected events, got {type(value).__name__}", "events") from None


@attrs.frozen
class Append:
    """One stream's part of :meth:`EventStore.append_many`: ``events`` to go after ``expected_version``.

    The same three things :meth:`EventStore.append` takes; the store checks them (a bad one
    is named by its place in the batch, ``appends[3].events[2]``).

    >>> Append("d-1", [], expected_version=0)
    Append(stream_id='d-1', events=(), expected_version=0)
    """

    stream_id: str
    events: tuple[CaseEvent, ...] = attrs.field(converter=_events)
    expected_version: int = attrs.field(kw_only=True)


class Projector(Protocol[TxT_contra]):
    """A hook run inside each append's transaction, after the events are written.

    ``tx`` is the back-end's open transaction: the ``sqlite3.Connection`` for
    :class:`~fengqiao.storage.SQLiteEventStore`, the ``psycopg.Connection`` for
    :class:`~fengqiao.storage.PostgresEventStore`, ``None`` for the memory store (which has
    no transaction: its projectors run under its lock before the events become visible), and
    for a :class:`~fengqiao.storage.RowStore` whatever its back-end gives ``RowBatch.encode``.
    ``events`` are the events just appended, positions and hashes included, in position
    order; after :meth:`EventStore.append_many` they span many streams (each stream's events
    together, in the batch's order), and the projector is called once for the whole batch.

    A projector may read and write its own tables through ``tx``; it must not commit, roll
    back or close it, nor call back into the store (which would use another connection, or
    wait on the store's own lock). If it raises, the whole append is rolled back (its own
    writes included) and the caller gets a :class:`~fengqiao.errors.StorageError` naming
    the projector and the first event, with the projector's exception as its
    ``__cause__`` (a fengqiao error it raises passes as it is). Projectors run in the order
    they were given.

    A ledger builds on this: its projector upserts its rows from ``events`` and records the
    last position it applied, in the same transaction, so the ledger is never behind or
    ahead of the events; to rebuild, it replays ``read_all()`` from position 0.

    The same hook can run *out of* the write path: a follower
    (:mod:`fengqiao.ledger.follow`) calls it with batches read by ``read_all`` after its
    checkpoint, in transactions of its own that also move the checkpoint.
    """

    def __call__(self, tx: TxT_contra, events: tuple[StoredEvent, ...], /) -> None:
        """Project ``events`` through ``tx``."""


ProblemKind = Literal[
    "tampered",
    "missing",
    "broken-chain",
    "out-of-order",
    "head-mismatch",
    "deleted",
    "cut",
    "rewritten",
    "forged",
    "anchor-mismatch",
]
"""What ``verify`` found wrong with one event:

- ``tampered``: the stored hash does not match the event's content, stream or version;
- ``missing``: a version the stream should have is not there (deleted);
- ``broken-chain``: the event does not link to the hash of the event before it;
- ``out-of-order``: its global position is not after the previous version's;
- ``head-mismatch``: the stream's recorded head disagrees with its last event.

And, with ``verify(anchor=...)``, what changed since the anchor (see :mod:`fengqiao.storage.anchor`),
even when every chain checks out:

- ``deleted``: a stream the anchor recorded has no events left (``version`` 1);
- ``cut``: the stream ends before the version the anchor recorded (``version``: the first gone);
- ``rewritten``: the event at the anchored version no longer has the anchored hash, is gone,
  or an event up to it was written again after the anchor (``version`` names it);
- ``forged``: an event at a position the anchor covers that the anchor does not know: in a
  stream it does not know, or beyond the version it recorded (``version`` names the first);
- ``anchor-mismatch``: given only an anchor's root line, the store's heads as of its
  position no longer hash to its root; a problem of the whole store (``stream_id`` is
  empty), which the anchor file would break down by stream.
"""


@attrs.frozen(kw_only=True)
class Problem:
    """One thing ``verify`` found wrong, named by stream and version (an empty stream id: the whole store)."""

    stream_id: str
    version: int
    kind: ProblemKind
    detail: str

    def __str__(self) -> str:
        if not self.stream_id:
            return f"store: {self.kind}: {self.detail}"
        return f"stream {self.stream_id} version {self.version}: {self.kind}: {self.detail}"


@attrs.frozen(kw_only=True)
class VerificationReport:
    """What ``verify`` checked and every problem it found; ``ok`` when there is none."""

    streams: int
    """How many streams were checked."""
    events: int
    """How many events were checked."""
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether every chain checked out."""
        return not self.problems

    def __str__(self) -> str:
        head = f"{self.streams} streams, {self.events} events: "
        if self.ok:
            return head + "ok"
        return head + f"{len(self.problems)} problems\n" + "\n".join(f"  {p}" for p in self.problems)


class EventStore(Protocol):
    """Where the histories of every kind of case live. Every back-end passes one shared contract test suite."""

    def append(self, stream_id: str, events: Iterable[CaseEvent], *, expected_version: int) -> int:
        """Append ``events`` after version ``expected_version``, atomically; return the new version.

        ``expected_version`` is how many events the writer saw in the stream (0 creates
        it). Appending no events stores nothing but still checks the version.

        Raises:
            ConcurrencyConflict: the stream is not at ``expected_version``; nothing was stored.
            ValidationError: an event belongs to another dispute, or the arguments are malformed.
            StorageError: the back-end failed; nothing was stored.
        """
        ...

    def append_many(self, appends: Iterable[Append], /) -> tuple[int, ...]:
        """Append to many streams in one transaction, all or nothing; return each stream's new version.

        Each :class:`Append` is checked as :meth:`append` checks its arguments, against its own
        ``expected_version``. A stream may appear once per batch. The events are stored in the
        batch's order (positions increase through it) and chained exactly as one ``append`` per
        stream would chain them; projectors run once, with every stored event.

        Raises:
            ConcurrencyConflict: one stream is not at its ``expected_version`` (the error names
                it: the first in the batch's order); nothing was stored.
            ValidationError: a malformed item, an event of another dispute, or a stream given
                twice; ``path`` names the item (``appends[3].events[2]``). Nothing was stored.
            StorageError: the back-end failed; nothing was stored.
        """
        ...

    def append_prepared(self, prepared: Iterable[Prepared], /) -> tuple[int, ...]:
        """Append histories encoded elsewhere (:func:`~fengqiao.storage.prepare`) as new streams, in one transaction.

        The same rows and hashes ``append_many`` would store for those histories, without
        encoding them again: the store recomputes each hash link and keeps the text as
        prepared (see :mod:`fengqiao.storage.prepared`). Projectors see the decoded events.

        Raises:
            ConcurrencyConflict: a stream already exists (the first such in the batch is
                named); nothing was stored.
            ValidationError: not a ``Prepared``, a stream given twice, or a hash that does
                not seal its text (``prepared[3].hashes[1]``). Nothing was stored.
            StorageError: the back-end failed; nothing was stored.
        """
        ...

    def load(self, stream_id: str) -> tuple[CaseEvent, ...]:
        """Every event of ``stream_id`` in version order; empty if the stream is unknown.

        Before serving, the versions must run 1 to the stream's recorded head without a gap
        and every event must link into the stream's hash chain.

        Raises:
            BrokenStreamError: a version is missing, or an event was edited, moved or
                reordered (its hash does not match); nothing is served.
            UnreadableEventError: a stored event is corrupt or of an unknown schema version.
        """
        ...

    def read_all(
        self,
        after: int = 0,
        limit: int | None = None,
        *,
        unreadable: Callable[[UnreadableEventError], object] | None = None,
    ) -> Iterator[StoredEvent]:
        """Events with a position greater than ``after``, in position order, at most ``limit``.

        Each event's hash is checked against its stored data.

        Raises:
            UnreadableEventError: a row cannot be read or does not match its hash
                (``BrokenStreamError``); with ``unreadable``, such a row is passed to it
                instead and skipped (``limit`` counts the events given), so a rebuild can report
                the bad rows and go on.
        """
        ...

    def streams(self) -> Iterator[str]:
        """Every stream id, in code-point order."""
        ...

    def verify(self, stream_id: str | None = None, *, anchor: Anchor | None = None) -> VerificationReport:
        """Recompute the hash chains of one stream (or all) and report every problem.

        With ``anchor`` (from :meth:`digest`, kept elsewhere), also name every stream
        deleted, cut, rewritten or forged since it was taken (see :mod:`fengqiao.storage.anchor`).

        Raises:
            ValidationError: ``anchor`` is not an ``Anchor``, or holds only its root and
                ``stream_id`` is given.
        """
        ...

    def digest(self, *, heads: bool = True) -> Anchor:
        """Hash every stream's head into an :class:`~fengqiao.storage.Anchor`, in one snapshot.

        One ordered pass over the heads. With ``heads`` (the default) the anchor keeps them
        (about 100 bytes a stream) so that ``verify(anchor=...)`` can name what changed;
        without, it holds only the root, and memory stays constant.
        """
        ...

    def upgrade(self) -> int:
        """Create or migrate the store's tables to the layout this fengqiao knows; return its version."""
        ...

    def close(self) -> None:
        """Release connections; further use raises ``StorageError``. Closing twice is harmless."""
        ...

    def __enter__(self) -> EventStore: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
