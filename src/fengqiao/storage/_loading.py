"""What a load serves, checked: versions 1..n, each hash sealing its row and linking to the last, the head.

Private to :mod:`fengqiao.storage`: every back-end's ``load`` and ``read_all`` read their rows
through these (the SQL stores' raw tuples, a :class:`~fengqiao.storage.RowStore`'s rows), so
each refuses a broken stream with the same :class:`~fengqiao.errors.BrokenStreamError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from hashlib import sha256 as _sha256
from typing import Any, cast

from fengqiao.errors import BrokenStreamError, UnreadableEventError
from fengqiao.lifecycle.cases import CaseEvent
from fengqiao.serde import SCHEMA_VERSION
from fengqiao.storage._chain import GENESIS, link, unsealed_time
from fengqiao.storage._codec import decode, quick_event
from fengqiao.storage.base import Head, Row, StoredEvent

__all__ = [
    "Unreadable",
    "decode_chain",
    "decode_stream",
    "read_row",
    "serve_rows",
    "split_head",
    "stored_page",
    "stored_rows",
]


def decode_chain(
    stream_id: str, rows: Iterable[Sequence[Any]], *, utf8: bool = False
) -> tuple[tuple[CaseEvent, ...], str]:
    """A stream's events from its rows ``(version, schema_version, data, hash, _)`` in version order, checked.

    The versions must run 1, 2, … without a gap, and each row's hash must seal its data and
    link to the hash before it (:func:`~fengqiao.storage._chain.link`). Returns the events
    and the last hash (:data:`~fengqiao.storage._chain.GENESIS` for none).

    ``utf8``: the back-end gives each row's data as the UTF-8 bytes of the stored text
    (PostgreSQL's load), which are hashed and parsed as they are; any other value in that
    place cannot match its hash.

    Raises:
        BrokenStreamError: a missing version, or a broken or tampered link; it names the
            stream, the version and what was found.
        UnreadableEventError: an event that cannot be decoded.
    """
    events: list[CaseEvent] = []
    prev = GENESIS
    expected = 1
    sealed = _seal_utf8 if utf8 else _seal
    for version, schema_version, data, digest, _ in rows:
        if version != expected:
            gone = f"{expected}" if version == expected + 1 else f"{expected} to {version - 1}"
            raise BrokenStreamError(stream_id, expected, f"version {gone} is missing", "missing")
        if sealed(prev, stream_id, version, data) != digest:
            raise BrokenStreamError(
                stream_id, version, "its content, place or link does not match its hash (edited or reordered)"
            )
        # decode()'s fast path taken here (every load runs this loop); decode() itself
        # reads anything else, and says why it cannot.
        if schema_version == SCHEMA_VERSION and type(schema_version) is int:
            event = quick_event(data, utf8=utf8)
        else:
            event = None
        if event is None or event.stream_id != stream_id:
            event = decode(stream_id, version, schema_version, data.decode("utf-8") if utf8 else data)
        events.append(event)
        prev, expected = digest, expected + 1
    return tuple(events), prev


def decode_stream(
    stream_id: str, rows: Iterable[Sequence[Any]], head: tuple[int, str] | None, *, utf8: bool = False
) -> tuple[CaseEvent, ...]:
    """:func:`decode_chain`, and the stream's recorded ``head`` (version, hash) must be its last event.

    ``head`` is ``None`` when the store has no head for the stream; then there must be no
    rows either (an unknown stream loads as empty).

    Raises:
        BrokenStreamError: as :func:`decode_chain`, or a head that disagrees.
        UnreadableEventError: an event that cannot be decoded.
    """
    events, prev = decode_chain(stream_id, rows, utf8=utf8)
    _check_head(stream_id, len(events), prev, head)
    return events


def serve_rows(stream_id: str, head: Head | None, rows: Sequence[Row]) -> tuple[CaseEvent, ...]:
    """A :class:`~fengqiao.storage.RowStore`'s ``load``: the events of ``rows``, checked as :func:`decode_stream` does.

    A row that carries the event the store wrote (:attr:`Row.stored <fengqiao.storage.Row.stored>`,
    a back-end in memory) was chained when the store made it, so rows that link one to the
    next from the genesis to the head's hash (which binds the stream id), as many as the head
    says, are the stream's, all of them, in order: their events are served as they are. Any
    other row's hash must seal its data, which is decoded.

    Raises:
        BrokenStreamError: a missing version, a broken or tampered link, or a head that disagrees.
        UnreadableEventError: an event that cannot be decoded.
    """
    events: list[CaseEvent] = []
    keep = events.append
    prev = GENESIS
    for row in rows:  # a loop kept tight: every load of a store in memory runs it
        stored = row.stored
        if stored is None or row.prev_hash != prev:
            return _serve_read(stream_id, head, rows)
        keep(stored.event)
        prev = row.hash
    if head is None or head.hash != prev or head.version != len(events):
        _check_head(stream_id, len(events), prev, None if head is None else (head.version, head.hash))
    return tuple(events)


def _serve_read(stream_id: str, head: Head | None, rows: Iterable[Row]) -> tuple[CaseEvent, ...]:
    """:func:`serve_rows` for rows read back (or broken ones): every version and link checked, every message exact."""
    events: list[CaseEvent] = []
    prev = GENESIS
    expected = 1
    for row in rows:
        version = row.version
        if version != expected:
            gone = f"{expected}" if version == expected + 1 else f"{expected} to {version - 1}"
            raise BrokenStreamError(stream_id, expected, f"version {gone} is missing", "missing")
        stored = row.stored
        if stored is None:
            if _seal(prev, stream_id, version, row.data) != row.hash:
                raise BrokenStreamError(
                    stream_id, version, "its content, place or link does not match its hash (edited or reordered)"
                )
            events.append(decode(stream_id, version, row.schema_version, row.data))
        elif row.prev_hash != prev:
            raise BrokenStreamError(stream_id, version, "it does not link to the event before it", "broken-chain")
        else:
            events.append(stored.event)
        prev = row.hash
        expected += 1
    _check_head(stream_id, len(events), prev, None if head is None else (head.version, head.hash))
    return tuple(events)


def _check_head(stream_id: str, last: int, prev: str, head: tuple[int, str] | None) -> None:
    """Refuse a stream of ``last`` events ending in hash ``prev`` whose recorded ``head`` disagrees."""
    if head is None:
        if last:
            raise BrokenStreamError(stream_id, last, "the stream has events but no recorded head", "head-mismatch")
        return
    if head[0] != last:
        if head[0] > last:
            raise BrokenStreamError(
                stream_id, last + 1, f"version {last + 1} is missing (the head is at {head[0]})", "missing"
            )
        raise BrokenStreamError(stream_id, head[0] + 1, f"events after the recorded head {head[0]}", "head-mismatch")
    if head[1] != prev:
        raise BrokenStreamError(
            stream_id, last, "the recorded head hash differs from the last event's", "head-mismatch"
        )


def read_row(stream_id: str, version: int, schema_version: int, data: str, prev_hash: str, digest: str) -> CaseEvent:
    """The event of one row read out of stream order (``read_all``): its own seal checked, then decoded.

    Out of stream order the link to the event before cannot be followed, but the row's hash
    must still seal its data, place and ``prev_hash``: an event edited behind the library's
    back is refused here, as :func:`decode_stream` refuses it on load.

    Raises:
        BrokenStreamError: the row's hash does not seal it.
        UnreadableEventError: the event cannot be decoded.
    """
    if _seal(prev_hash, stream_id, version, data) != digest:
        raise BrokenStreamError(stream_id, version, "its content, place or link does not match its hash (edited)")
    return decode(stream_id, version, schema_version, data)


Unreadable = Callable[[UnreadableEventError], object]
"""What ``read_all(unreadable=...)`` calls with each row it skips."""


def stored_page(
    page: Iterable[Sequence[Any]],
    recorded: Callable[[Any], datetime],
    unreadable: Unreadable | None,
    sealed_after: int,
) -> list[StoredEvent]:
    """The events of one ``read_all`` page; ``recorded`` reads the back-end's ``recorded_at``.

    The rows are ``(position, stream_id, version, schema_version, data, prev_hash, hash,
    recorded_at, seal)``. Each row's hash must seal its data, and its seal its hash and
    ``recorded_at`` (a row after position ``sealed_after`` must have a seal; see
    :mod:`fengqiao.storage._chain`). A row that cannot be read raises, or with
    ``unreadable`` is passed to it and skipped.
    """
    events: list[StoredEvent] = []
    for position, stream_id, version, schema, data, prev_hash, digest, recorded_at, stored_seal in page:
        try:
            event = read_row(stream_id, version, schema, data, prev_hash, digest)
            try:
                at = recorded(recorded_at)
            except (TypeError, ValueError) as exc:
                raise UnreadableEventError(stream_id, version, f"unreadable recorded_at: {exc}") from exc
            unsealed = unsealed_time(digest, at, stored_seal, position, sealed_after)
            if unsealed:
                raise BrokenStreamError(stream_id, version, unsealed)
        except UnreadableEventError as exc:
            if unreadable is None:
                raise
            unreadable(exc)
            continue
        events.append(
            StoredEvent(
                position=position, stream_id=stream_id, version=version, event=event, hash=digest, recorded_at=at
            )
        )
    return events


def stored_rows(page: Iterable[Row], unreadable: Unreadable | None) -> list[StoredEvent]:
    """The events of one page of a :class:`~fengqiao.storage.RowStore`'s ``read_all``.

    A row that carries the event the store wrote (:attr:`Row.stored <fengqiao.storage.Row.stored>`)
    is served as it is; any other row's hash must seal its data, which is decoded, and its
    ``recorded_at`` must be a timezone-aware time. A row that cannot be read raises, or with
    ``unreadable`` is passed to it and skipped.
    """
    kept = [row.stored for row in page]
    if all(kept):  # rows kept as the store made them (a store in memory): nothing to read
        return cast(list[StoredEvent], kept)
    events: list[StoredEvent] = []
    for row in page:
        stored = row.stored
        if stored is None:
            try:
                stored = _read_stored(row)
            except UnreadableEventError as exc:
                if unreadable is None:
                    raise
                unreadable(exc)
                continue
        events.append(stored)
    return events


def _read_stored(row: Row) -> StoredEvent:
    stream_id, version, at = row.stream_id, row.version, row.recorded_at
    event = read_row(stream_id, version, row.schema_version, row.data, row.prev_hash, row.hash)
    if not isinstance(at, datetime) or at.utcoffset() is None:
        raise UnreadableEventError(stream_id, version, "its recorded_at is not a timezone-aware time")
    return StoredEvent(
        position=row.position, stream_id=stream_id, version=version, event=event, hash=row.hash, recorded_at=at
    )


def split_head(rows: list[Any]) -> tuple[list[Any], tuple[int, str] | None]:
    """Split a load query's result into the event rows and the head.

    The query's first row is the head (version 0, its hash in the fourth column and its
    version in the fifth) when the stream has one; the rows after it are the events.
    """
    if rows and rows[0][0] == 0 and rows[0][4] is not None:
        head = rows[0]
        return rows[1:], (head[4], head[3])
    return rows, None


def _seal(prev: str, stream_id: str, version: int, data: object) -> str:
    """The hash ``data`` should carry at ``version``; anything not text cannot match."""
    if type(data) is not str:
        return ""
    try:
        return link(prev, stream_id, version, data)
    except UnicodeEncodeError:
        return ""


def _seal_utf8(prev: str, stream_id: str, version: int, data: object) -> str:
    """:func:`_seal` of ``data`` given as the UTF-8 bytes of the stored text; anything else cannot match.

    :func:`~fengqiao.storage._chain.link_utf8` written out: every row of every PostgreSQL load.
    """
    if type(data) is not bytes:
        return ""
    return _sha256(f"{prev}\n{stream_id}\n{version}\n".encode() + data).hexdigest()
