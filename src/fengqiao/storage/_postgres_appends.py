"""The lock-free append's decisions, without I/O: what the synchronous and the asynchronous store share.

Private to the PostgreSQL stores (:mod:`fengqiao.storage.postgres`, whose docstring explains the design,
and :mod:`fengqiao.storage.aio.postgres`): each drives :meth:`LockFreeAppends._appending` with its own
connections.
"""

from __future__ import annotations

import functools
import time
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import Any, NamedTuple

import psycopg
from psycopg import sql

from fengqiao.domain._checks import require_aware
from fengqiao.domain.clock import Clock
from fengqiao.errors import ConcurrencyConflict, ValidationError
from fengqiao.storage._chain import GENESIS, sealed_time
from fengqiao.storage._postgres_layout import _CONFLICT, _LAYOUT, PER_TRANSACTION
from fengqiao.storage._requests import Tip, check_heads
from fengqiao.storage._sql_dialect import storage_error
from fengqiao.storage.prepared import Item, encode_columns, size

__all__ = ["HEAD_CACHE", "NOTIFY_EVERY", "CallAppend", "LockFreeAppends", "ReadHeads"]

HEAD_CACHE = 10_000
"""How many streams' heads the store remembers (from its loads and appends)."""
NOTIFY_EVERY = 0.05
"""The shortest time between two notifications from one store, in seconds (see ``notify``)."""


class ReadHeads(NamedTuple):
    """A step of :meth:`LockFreeAppends._appending`: read these streams' stored heads (reply: a dict of them)."""

    stream_ids: list[str]


class CallAppend(NamedTuple):
    """A step of :meth:`LockFreeAppends._appending`: call ``fengqiao_append`` with these arguments, and commit."""

    arguments: tuple[Any, ...]


class LockFreeAppends:
    """The lock-free append's decisions, without I/O, shared by the synchronous and the asynchronous store.

    :meth:`_appending` is a generator: it yields the round trips it needs (:class:`ReadHeads`,
    :class:`CallAppend`), is sent their results (or thrown ``_Refused``/``_Broken``), and
    returns the streams' new versions; each store drives it with its own connections.
    """

    _append_key: int
    _current: int
    _clock: Clock
    _heads_seen: OrderedDict[str, Tip]
    _channel: str
    _notify: bool
    _notified_at: float
    _check_layout: Callable[[object], None]
    """From :class:`~fengqiao.storage._sql.LayoutChecks`, which every store using this mixes in."""

    def _appending(self, items: tuple[Item, ...], what: str) -> Generator[ReadHeads | CallAppend, Any, tuple[int, ...]]:
        """The append of ``items``: heads from memory or read, one call, one retry on a stale head or a broken line."""
        ids = [item.stream_id for item in items]
        heads: dict[str, Tip] = {}
        if not any(size(item) for item in items):
            heads = check_heads(items, (yield ReadHeads(ids)))
            return tuple(heads[item.stream_id][0] for item in items)
        unread: list[Item] = []
        for item in items:  # a new stream's genesis, a remembered head at the expected version, else read
            if item.expected_version == 0:
                heads[item.stream_id] = (0, GENESIS)
            elif (tip := self._heads_seen.get(item.stream_id)) is not None and tip[0] == item.expected_version:
                heads[item.stream_id] = tip
            else:
                unread.append(item)
        if unread:
            heads.update(check_heads(unread, (yield ReadHeads([item.stream_id for item in unread]))))
        for again in (False, True):
            at = require_aware(self._clock.now(), "clock.now()")
            columns, after = encode_columns(items, heads, sealed_time(at))
            _check_size(len(columns[0]))
            moved = list(after)
            sids, versions, types, schemas, data, prevs, hashes, seals = columns
            arguments = (  # arrays as literals: psycopg's list dumping cost ~100 µs of CPU an append
                self._append_key,
                str(self._current),
                _texts(moved),
                _integers([heads[sid][0] for sid in moved]),
                _integers([after[sid][0] for sid in moved]),
                _texts([after[sid][1] for sid in moved]),
                _texts([heads[sid][1] for sid in moved]),
                _texts(sids),
                _integers(versions),
                _texts(types),
                _integers(schemas),
                _texts(data),
                at,
                _texts(prevs),
                _texts(hashes),
                _texts(seals),
            )
            try:
                yield CallAppend(arguments)
            except _Refused:
                for sid in moved:
                    self._heads_seen.pop(sid, None)
                heads = check_heads(items, (yield ReadHeads(ids)))
                if again:  # the heads read were right, yet the append was refused: another writer came between
                    first = items[0]
                    raise ConcurrencyConflict(
                        first.stream_id, first.expected_version, first.expected_version + 1
                    ) from None
                continue  # a remembered head was out of date: write again with the heads read
            except _Broken as broken:  # did the append commit before the connection broke?
                found = yield ReadHeads(moved)
                if all(found.get(sid) == head for sid, head in after.items()):
                    break
                if again or any(found.get(sid, (0, GENESIS)) != heads[sid] for sid in moved):
                    raise storage_error("PostgreSQL", what, broken.error) from broken.error
                continue
            break
        for sid, head in after.items():
            self._remember(sid, head)
        return tuple(after.get(item.stream_id, heads[item.stream_id])[0] for item in items)

    def _notifying(self) -> bool:
        """Whether this append notifies the events channel: at most every :data:`NOTIFY_EVERY` seconds.

        The notification goes in a transaction of its own after the append's, committed without
        waiting for the disk (a lost one costs a follower a poll): PostgreSQL serialises the
        commits of notifying transactions, which must not include the append's flush. A follower
        woken reads everything committed, so a burst of appends needs a few notifications, not
        one each.
        """
        if not self._notify or (now := time.monotonic()) - self._notified_at < NOTIFY_EVERY:
            return False
        self._notified_at = now
        return True

    @functools.cached_property
    def _quiet_notify(self) -> str:
        """The notification as one simple-protocol string: a transaction that does not wait for the disk."""
        channel = sql.Literal(self._channel).as_string(None)
        return f"BEGIN; SET LOCAL synchronous_commit = off; SELECT pg_notify({channel}, ''); COMMIT"

    def _append_failed(self, exc: psycopg.Error, what: str) -> Exception:
        """What a failed call of ``fengqiao_append`` means: refused (a stale head), a broken line, or an error."""
        if exc.sqlstate == _CONFLICT or isinstance(exc, psycopg.errors.UniqueViolation):
            return _Refused()
        if exc.sqlstate == _LAYOUT:
            self._check_layout(exc.diag.message_primary or None)
        if isinstance(exc, psycopg.OperationalError):
            return _Broken(exc)
        return storage_error("PostgreSQL", what, exc)

    def _remember(self, stream_id: str, head: Tip) -> None:
        self._heads_seen.pop(stream_id, None)
        self._heads_seen[stream_id] = head
        if len(self._heads_seen) > HEAD_CACHE:
            self._heads_seen.popitem(last=False)


class _Refused(Exception):
    """``fengqiao_append`` refused: a stream was not at the head the append was written against."""


class _Broken(Exception):
    """The append's connection broke: it may or may not have committed."""

    def __init__(self, error: psycopg.Error) -> None:
        super().__init__(str(error))
        self.error = error


def _check_size(count: int) -> None:
    if count > PER_TRANSACTION:
        raise ValidationError(
            f"one append may hold at most {PER_TRANSACTION:,} events on PostgreSQL, got {count:,}", "events"
        )


def _texts(values: Sequence[str]) -> str:
    """A ``text[]`` literal of ``values``: each element quoted, its backslashes and double quotes escaped.

    The server casts it (``%s::text[]``) to the array psycopg would have sent for the list,
    at a tenth of the client's CPU: psycopg inspects every element of a list it dumps.
    """
    return "{" + ",".join(['"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values]) + "}"


def _integers(values: Iterable[int]) -> str:
    """An ``integer[]`` literal of ``values``."""
    return "{" + ",".join(map(str, values)) + "}"
