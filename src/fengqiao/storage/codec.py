"""Events to rows and back, the same for every back-end.

An event is stored as its *canonical JSON*: ``serde.unstructure(event)`` dumped with sorted
keys, no spaces and UTF-8 text, so the same event always gives the same text (and the same
hash). Reading a row never drops or guesses: a row that cannot be read raises
:class:`~fengqiao.errors.UnreadableEventError` naming its stream and version.

Both directions are on every append and load, so both take the quick way the library
offers: one ``json.JSONEncoder`` built once (what ``json.dumps`` would build on every call,
with the same options, hence the same text), and :func:`fengqiao.serde.structure`, whose
fast converter falls back to the detailed one only to explain a failure.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime

import attrs

from fengqiao import serde
from fengqiao.errors import ConcurrencyConflict, SerializationError, UnreadableEventError, ValidationError
from fengqiao.lifecycle.events import Event
from fengqiao.storage.base import Append, StoredEvent
from fengqiao.storage.chain import GENESIS, Row, link

__all__ = [
    "Record",
    "Tip",
    "canonical_json",
    "check_append",
    "check_heads",
    "check_many",
    "check_page",
    "decode",
    "encode",
    "encode_many",
]

Tip = tuple[int, str]
"""A stream's stored end: its version and the hash of its last event (``(0, GENESIS)`` if new)."""

MAX_STREAM_ID = 200
"""The longest stream id a store accepts (dispute ids are far shorter)."""


_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical_json(event: Event) -> str:
    """The one text an event is stored and hashed as.

    The same text as ``json.dumps(serde.unstructure(event), sort_keys=True,
    ensure_ascii=False, separators=(",", ":"))``, without building an encoder per call.
    """
    return _CANONICAL.encode(serde.unstructure(event))


@attrs.frozen
class Record:
    """One event ready to be written: every column but the position and the time."""

    stream_id: str
    version: int
    type: str
    schema_version: int
    data: str
    prev_hash: str
    hash: str
    event: Event

    def stored(self, position: int, recorded_at: datetime) -> StoredEvent:
        """The record as written at ``position``."""
        return StoredEvent(
            position=position,
            stream_id=self.stream_id,
            version=self.version,
            event=self.event,
            hash=self.hash,
            recorded_at=recorded_at,
        )

    def row(self, position: int) -> Row:
        """The record's columns, as ``verify`` reads them back."""
        return Row(
            self.stream_id, self.version, position, self.type, self.schema_version, self.data, self.prev_hash, self.hash
        )


def check_append(stream_id: object, events: Iterable[Event], expected_version: object) -> tuple[Event, ...]:
    """The events of an ``append`` call, after checking its arguments.

    Raises:
        ValidationError: a malformed stream id or version, a non-event, or an event of
            another dispute (``path`` names it: ``events[2]``).
    """
    if not isinstance(stream_id, str) or not stream_id or len(stream_id) > MAX_STREAM_ID:
        raise ValidationError(
            f"expected a stream id of 1 to {MAX_STREAM_ID} characters, got {stream_id!r}", "stream_id"
        )
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in stream_id):
        raise ValidationError(f"a stream id may not contain control characters: {stream_id!r}", "stream_id")
    if isinstance(expected_version, bool) or not isinstance(expected_version, int) or expected_version < 0:
        raise ValidationError(f"expected a version of 0 or more, got {expected_version!r}", "expected_version")
    batch = tuple(events)
    for index, event in enumerate(batch):
        if not isinstance(event, Event):
            raise ValidationError(f"expected an event, got {type(event).__name__}", f"events[{index}]")
        if event.dispute_id != stream_id:
            raise ValidationError(
                f"event of dispute {event.dispute_id!r} cannot go to stream {stream_id!r}", f"events[{index}]"
            )
    return batch


def check_many(appends: Iterable[Append]) -> tuple[Append, ...]:
    """The items of an ``append_many`` call, each checked as :func:`check_append` checks one append.

    Raises:
        ValidationError: an item that is not an :class:`Append`, a malformed one, or a stream
            given twice; ``path`` names the item (``appends[3].events[2]``).
    """
    if isinstance(appends, Append):
        raise ValidationError("expected a sequence of Append values, got one Append", "appends")
    items = tuple(appends)
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        where = f"appends[{index}]"
        if not isinstance(item, Append):
            raise ValidationError(f"expected an Append, got {type(item).__name__}", where)
        try:
            check_append(item.stream_id, item.events, item.expected_version)
        except ValidationError as exc:
            raise exc.within(where) from None
        earlier = first.setdefault(item.stream_id, index)
        if earlier != index:
            raise ValidationError(
                f"stream {item.stream_id!r} is already in the batch at appends[{earlier}]; give each stream once",
                f"{where}.stream_id",
            )
    return items


def check_page(after: object, limit: object) -> None:
    """Check the arguments of ``read_all``.

    Raises:
        ValidationError: ``after`` or ``limit`` is not a whole number of 0 or more.
    """
    for name, value in (("after", after), ("limit", limit)):
        if value is None and name == "limit":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError(f"expected a whole number of 0 or more, got {value!r}", name)


def encode(stream_id: str, events: tuple[Event, ...], *, after: int, prev_hash: str) -> tuple[Record, ...]:
    """Rows for ``events``, versions ``after + 1`` onwards, chained from ``prev_hash``."""
    records = []
    for version, event in enumerate(events, start=after + 1):
        data = canonical_json(event)
        digest = link(prev_hash, stream_id, version, data)
        records.append(Record(stream_id, version, event.type, serde.SCHEMA_VERSION, data, prev_hash, digest, event))
        prev_hash = digest
    return tuple(records)


def check_heads(items: Iterable[Append], stored: Mapping[str, Tip]) -> dict[str, Tip]:
    """Each item's head from the ``stored`` ones (read under the write lock; absent means new).

    Raises:
        ConcurrencyConflict: the first item, in the batch's order, whose stream is not at its
            expected version.
    """
    heads: dict[str, Tip] = {}
    for item in items:
        head = stored.get(item.stream_id, (0, GENESIS))
        if head[0] != item.expected_version:
            raise ConcurrencyConflict(item.stream_id, item.expected_version, head[0])
        heads[item.stream_id] = head
    return heads


def encode_many(items: Iterable[Append], heads: Mapping[str, Tip]) -> tuple[list[Record], dict[str, Tip]]:
    """Rows for every item's events, in the batch's order, and the new head of each stream that got any."""
    records: list[Record] = []
    moved: dict[str, Tip] = {}
    for item in items:
        if item.events:
            version, prev_hash = heads[item.stream_id]
            mine = encode(item.stream_id, item.events, after=version, prev_hash=prev_hash)
            records.extend(mine)
            moved[item.stream_id] = (mine[-1].version, mine[-1].hash)
    return records, moved


def decode(stream_id: str, version: int, schema_version: int, data: str) -> Event:
    """The event stored in one row.

    Raises:
        UnreadableEventError: unknown schema version, corrupt JSON, or JSON that is not an
            event of this stream; it names the stream and version.
    """
    if schema_version != serde.SCHEMA_VERSION:
        newer = isinstance(schema_version, int) and schema_version > serde.SCHEMA_VERSION
        raise UnreadableEventError(
            stream_id,
            version,
            f"event schema version {schema_version!r} is {'newer than' if newer else 'unknown to'} "
            f"this fengqiao, which reads version {serde.SCHEMA_VERSION}",
        )
    try:
        raw = json.loads(data)
    except (ValueError, TypeError) as exc:
        raise UnreadableEventError(stream_id, version, f"corrupt JSON: {exc}") from exc
    try:
        event = serde.structure(raw, Event)
    except SerializationError as exc:
        raise UnreadableEventError(stream_id, version, f"not a readable event: {exc}") from exc
    if event.dispute_id != stream_id:
        raise UnreadableEventError(stream_id, version, f"the event belongs to dispute {event.dispute_id!r}")
    return event
