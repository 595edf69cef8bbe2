"""Events to rows and back, the same for every back-end.

An event is stored as its *canonical JSON*: ``serde.unstructure(event)`` dumped with sorted
keys, no spaces and UTF-8 text, so the same event always gives the same text (and the same
hash). Reading a row never drops or guesses: a row that cannot be read raises
:class:`~fengqiao.errors.UnreadableEventError` naming its stream and version.

The canonical text is by definition what ``json.dumps(data, sort_keys=True,
ensure_ascii=False, separators=(",", ":"))`` writes, and stored chains hash exactly that,
so it must never change. Both directions are on every append and load, so both take a
quicker way that gives the same result:

* :func:`canonical_text` has ``orjson`` write the text (as UTF-8 bytes, which the hash
  chain takes as they are) when the value holds nothing but dicts, lists, tuples, strings,
  ints, bools and ``None``, ``str`` and ``int`` subclasses included (vocabulary members):
  for these orjson writes what the stdlib writes, escapes and key order alike. Anything
  else goes to the stdlib encoder, which writes it or raises what it always raised: a float
  (orjson writes ``1e-7`` for ``1e-07`` and ``null`` for NaN), a plain enum member, a UUID
  or a date (orjson writes them, the stdlib refuses them), a dict or list subclass (the
  stdlib asks its own ``items()`` or ``__iter__``), and whatever orjson refuses (an int
  beyond 64 bits, a lone surrogate, a key that is not a ``str``, deep nesting). An event
  whose class :func:`fengqiao.serde.plain_document` vouches for (every built-in one: its
  JSON Schema has no number) is not looked through: orjson writes it, or refuses it for
  the stdlib to write.
* :func:`decode` parses with ``orjson`` and builds the event with
  :func:`fengqiao.serde.structure` (whose fast converter falls back to the detailed one
  only to explain a failure). A row orjson refuses (``NaN``, a lone surrogate), or whose
  data does not make an event, is read again the stdlib's way, so what it gives or says is
  exactly what it always did.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple, Protocol, TypeVar

import orjson

from fengqiao import serde
from fengqiao.domain._codegen import PLAIN
from fengqiao.domain._quote import quote, said
from fengqiao.domain.checks import require_text
from fengqiao.errors import (
    BrokenStreamError,
    ConcurrencyConflict,
    FengqiaoError,
    SerializationError,
    StorageError,
    UnreadableEventError,
    ValidationError,
)
from fengqiao.lifecycle.events import Event
from fengqiao.storage.arguments import iterate, shown
from fengqiao.storage.base import Append, StoredEvent
from fengqiao.storage.chain import GENESIS, Row, link, link_utf8, unsealed_time

__all__ = [
    "Record",
    "Tip",
    "Versioned",
    "canonical_json",
    "canonical_text",
    "check_append",
    "check_batch",
    "check_heads",
    "check_lookup",
    "check_many",
    "check_page",
    "decode",
    "encode",
]

ItemT = TypeVar("ItemT", bound="Versioned")

Tip = tuple[int, str]
"""A stream's stored end: its version and the hash of its last event (``(0, GENESIS)`` if new)."""

MAX_STREAM_ID = 200
"""The longest stream id a store accepts (dispute ids are far shorter)."""

MAX_POSITION = 2**63 - 1
"""The largest ``after`` or ``limit`` ``read_all`` takes: positions are 64-bit in every database."""


_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
"""The definition of the canonical text: what ``json.dumps`` would build on every call."""

_ORJSON = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
"""Sorted keys, and refuse datetimes and dataclasses (which the stdlib refuses) outright."""

_SAME_TEXT: set[type[Any]] = {str, int, bool, type(None)}
"""Leaf types orjson writes as the stdlib does; the ``str`` and ``int`` subclasses met join it.

Both write a ``str`` subclass's text and an ``int`` subclass's number (for an enum member
too: orjson tries the subclass before the enum, so ``StrEnum`` members are their text).
"""

_MAX_SAME_TEXT = 256
"""At most this many types are remembered; others are checked each time."""


def canonical_json(event: Event) -> str:
    """The one text an event is stored and hashed as.

    The same text as ``json.dumps(serde.unstructure(event), sort_keys=True,
    ensure_ascii=False, separators=(",", ":"))``, written by orjson when it gives that text
    (see the module's docstring).
    """
    return _encoded(serde.unstructure(event), serde.plain_document(type(event)))[0]


def canonical_text(value: Any) -> str:
    """``json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))``, quicker.

    >>> canonical_text({"b": [1, True, None], "a": "枫桥", "c": 1e-07})
    '{"a":"枫桥","b":[1,true,null],"c":1e-07}'

    Raises:
        TypeError: what ``json.dumps`` raises for ``value``; ``ValueError`` for a
            circular reference, ``RecursionError`` for one nested too deep.
    """
    return _encoded(value)[0]


def _encoded(value: Any, plain: bool = False) -> tuple[str, bytes | None]:
    """The canonical text of ``value``, and its UTF-8 bytes if orjson wrote them.

    ``plain``: the value is known to hold only what orjson writes as the stdlib does (see
    :func:`fengqiao.serde.plain_document`), so it is not looked through. With
    ``FENGQIAO_PLAIN=1`` the stdlib writes every value.
    """
    if PLAIN:
        return _CANONICAL.encode(value), None
    try:
        utf8 = orjson.dumps(value, option=_ORJSON)
    except Exception:  # whatever orjson refuses (or trips on): the stdlib below decides
        pass
    else:
        # Checked after orjson succeeded: the value is then neither circular nor deep.
        if plain or _same_text(value):
            return utf8.decode("utf-8"), utf8
    return _CANONICAL.encode(value), None


def _same_text(value: Any) -> bool:
    """Whether ``value`` holds only what orjson writes as the stdlib does."""
    kind = type(value)
    if kind is dict:
        return _same_text_all(value.values())
    if kind is list or kind is tuple:
        return _same_text_all(value)
    return kind in _SAME_TEXT or _same_text_leaf(kind)


def _same_text_all(values: Iterable[Any]) -> bool:
    for value in values:
        kind = type(value)
        if kind in _SAME_TEXT:
            continue
        if kind is dict:
            if not _same_text_all(value.values()):
                return False
        elif kind is list or kind is tuple:
            if not _same_text_all(value):
                return False
        elif not _same_text_leaf(kind):
            return False
    return True


def _same_text_leaf(kind: type[Any]) -> bool:
    """Whether a leaf of this (not yet known) type is written alike: ``str`` and ``int`` subclasses."""
    if issubclass(kind, (str, int)):
        if len(_SAME_TEXT) < _MAX_SAME_TEXT:
            _SAME_TEXT.add(kind)
        return True
    return False


class Record(NamedTuple):
    """One event ready to be written: every column but the position and the time.

    A named tuple, not an attrs class: a batch makes one per event, and only the store's
    own code handles them.
    """

    stream_id: str
    version: int
    type: str
    schema_version: int
    data: str
    prev_hash: str
    hash: str
    event: Event | None
    """The event, or ``None`` if the record came encoded (a prepared history): read from ``data`` when asked."""

    def stored(self, position: int, recorded_at: datetime) -> StoredEvent:
        """The record as written at ``position``."""
        event = self.event
        if event is None:
            event = decode(self.stream_id, self.version, self.schema_version, self.data)
        return StoredEvent(
            position=position,
            stream_id=self.stream_id,
            version=self.version,
            event=event,
            hash=self.hash,
            recorded_at=recorded_at,
        )

    def row(self, position: int) -> Row:
        """The record's columns, as ``verify`` reads them back."""
        return Row(
            self.stream_id, self.version, position, self.type, self.schema_version, self.data, self.prev_hash, self.hash
        )


def project_all(projectors: Iterable[Any], tx: Any, stored: tuple[StoredEvent, ...]) -> None:
    """Run each projector on ``stored`` in ``tx``; one that raises fails the append as a ``StorageError``.

    A fengqiao error (a ``StorageError`` from the projector's own SQL, say) passes as it is;
    anything else is wrapped, naming the projector and the first event of the batch, with
    the projector's exception as its cause.
    """
    for project in projectors:
        try:
            project(tx, stored)
        except FengqiaoError:
            raise
        except Exception as exc:
            first = stored[0]
            name = getattr(project, "__qualname__", None) or type(project).__qualname__
            raise StorageError(
                f"projector {name} failed on stream {first.stream_id} version {first.version}"
                f" ({len(stored)} events), nothing was stored: {type(exc).__name__}: {said(exc, 200)}"
            ) from exc


def check_lookup(stream_id: object, name: str = "stream_id") -> str:
    """A stream id to look up (``load``, ``verify``): any text a stream id could be; unknown ones are fine.

    Raises:
        ValidationError: not text, or text no stream id can hold (NUL, a lone surrogate).
    """
    if not isinstance(stream_id, str):
        raise ValidationError(f"expected a stream id, got {type(stream_id).__name__}", name)
    if "\x00" in stream_id or not _encodable(stream_id):
        raise ValidationError("a stream id cannot contain NUL or a lone surrogate", name)
    return stream_id


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_append(stream_id: object, events: Iterable[Event], expected_version: object) -> tuple[Event, ...]:
    """The events of an ``append`` call, after checking its arguments.

    Raises:
        ValidationError: a malformed stream id or version, a non-event, or an event of
            another dispute (``path`` names it: ``events[2]``).
    """
    if not isinstance(stream_id, str) or not stream_id or len(stream_id) > MAX_STREAM_ID:
        got = f"{len(stream_id)} characters" if isinstance(stream_id, str) else shown(stream_id)
        raise ValidationError(f"expected a stream id of 1 to {MAX_STREAM_ID} characters, got {got}", "stream_id")
    if not str.isprintable(stream_id):  # rare: then say which character no identifier may hold, if any
        require_text(stream_id, "stream_id", "id")
    if isinstance(expected_version, bool) or not isinstance(expected_version, int) or expected_version < 0:
        raise ValidationError(f"expected a version of 0 or more, got {shown(expected_version)}", "expected_version")
    batch = tuple(iterate(events, "events", "events"))
    for index, event in enumerate(batch):
        if not isinstance(event, Event):
            raise ValidationError(f"expected an event, got {type(event).__name__}", f"events[{index}]")
        if event.dispute_id != stream_id:
            raise ValidationError(
                f"event of dispute {quote(event.dispute_id)} cannot go to stream {quote(stream_id)}", f"events[{index}]"
            )
    return batch


def check_many(appends: Iterable[Append]) -> tuple[Append, ...]:
    """The items of an ``append_many`` call, each checked as :func:`check_append` checks one append.

    Raises:
        ValidationError: an item that is not an :class:`Append`, a malformed one, or a stream
            given twice; ``path`` names the item (``appends[3].events[2]``).
    """
    return check_batch(
        appends, Append, "appends", "an Append", lambda i: check_append(i.stream_id, i.events, i.expected_version)
    )


def check_batch(
    items: Iterable[ItemT], kind: type[ItemT], name: str, what: str, check_item: Callable[[ItemT], object]
) -> tuple[ItemT, ...]:
    """The items of a batch (``append_many``, ``append_prepared``), each of ``kind``, checked once.

    ``check_item`` checks one item and raises :class:`ValidationError` with a path inside it;
    here the path is put after the item's place (``appends[3]``), and a stream may come once.

    Raises:
        ValidationError: one ``kind`` instead of a sequence, an item of another type (``what``
            names the one expected), one ``check_item`` refuses, or a stream given twice.
    """
    if isinstance(items, kind):
        raise ValidationError(f"expected a sequence of {kind.__name__} values, got one {kind.__name__}", name)
    batch = tuple(iterate(items, name, f"a sequence of {kind.__name__} values"))
    first: dict[str, int] = {}
    for index, item in enumerate(batch):
        where = f"{name}[{index}]"
        if not isinstance(item, kind):
            raise ValidationError(f"expected {what}, got {type(item).__name__}", where)
        try:
            check_item(item)
        except ValidationError as exc:
            raise exc.within(where) from None
        stream_id = item.stream_id
        earlier = first.setdefault(stream_id, index)
        if earlier != index:
            raise ValidationError(
                f"stream {stream_id!r} is already in the batch at {name}[{earlier}]; give each stream once",
                f"{where}.stream_id",
            )
    return batch


def check_page(after: object, limit: object) -> None:
    """Check the arguments of ``read_all``: whole numbers from 0 to :data:`MAX_POSITION`.

    No position goes beyond a 64-bit integer, so a larger ``after`` could only find nothing
    and a larger ``limit`` could only mean "all"; both are refused rather than guessed at.

    Raises:
        ValidationError: ``after`` or ``limit`` is not a whole number from 0 to ``2**63 - 1``.
    """
    for name, value in (("after", after), ("limit", limit)):
        if value is None and name == "limit":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_POSITION:
            raise ValidationError(f"expected a whole number from 0 to 2**63 - 1, got {shown(value)}", name)


def encode(stream_id: str, events: tuple[Event, ...], *, after: int, prev_hash: str) -> tuple[Record, ...]:
    """Rows for ``events``, versions ``after + 1`` onwards, chained from ``prev_hash``."""
    records: list[Record] = []
    schema_version = serde.SCHEMA_VERSION
    document, plain = serde.unstructure, serde.plain_document
    for version, event in enumerate(events, start=after + 1):
        data, utf8 = _encoded(document(event), plain(type(event)))
        if utf8 is None:
            digest = link(prev_hash, stream_id, version, data)
        else:
            digest = link_utf8(prev_hash, stream_id, version, utf8)
        records.append(Record(stream_id, version, event.type, schema_version, data, prev_hash, digest, event))
        prev_hash = digest
    return tuple(records)


class Versioned(Protocol):
    """A batch item as the version check sees it: :class:`~fengqiao.storage.Append` or ``Prepared``."""

    @property
    def stream_id(self) -> str:
        """The stream the item appends to."""
        ...

    @property
    def expected_version(self) -> int:
        """The version the writer saw (0: a new stream)."""
        ...


def check_heads(items: Iterable[Versioned], stored: Mapping[str, Tip]) -> dict[str, Tip]:
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


def decode(stream_id: str, version: int, schema_version: int, data: str) -> Event:
    """The event stored in one row.

    Raises:
        UnreadableEventError: unknown schema version, corrupt JSON, or JSON that is not an
            event of this stream; it names the stream and version.
    """
    if type(schema_version) is not int or schema_version != serde.SCHEMA_VERSION:  # not True, 1.0 or "1"
        newer = type(schema_version) is int and schema_version > serde.SCHEMA_VERSION
        raise UnreadableEventError(
            stream_id,
            version,
            f"event schema version {_version(schema_version)} is {'newer than' if newer else 'unknown to'} "
            f"this fengqiao, which reads version {serde.SCHEMA_VERSION}",
        )
    event = _quick_event(data)
    if event is None:
        try:
            raw = json.loads(data)
        except (ValueError, TypeError) as exc:
            raise UnreadableEventError(stream_id, version, f"corrupt JSON: {exc}") from exc
        try:
            event = serde.structure(raw, Event)
        except SerializationError as exc:
            raise UnreadableEventError(stream_id, version, f"not a readable event: {exc}") from exc
    if event.dispute_id != stream_id:
        raise UnreadableEventError(stream_id, version, f"the event belongs to dispute {quote(event.dispute_id)}")
    return event


def decode_chain(stream_id: str, rows: Iterable[Sequence[Any]]) -> tuple[tuple[Event, ...], str]:
    """A stream's events from its rows ``(version, schema_version, data, hash, _)`` in version order, checked.

    The versions must run 1, 2, … without a gap, and each row's hash must seal its data and
    link to the hash before it (:func:`~fengqiao.storage.chain.link`). Returns the events
    and the last hash (:data:`~fengqiao.storage.chain.GENESIS` for none).

    Raises:
        BrokenStreamError: a missing version, or a broken or tampered link; it names the
            stream, the version and what was found.
        UnreadableEventError: an event that cannot be decoded.
    """
    events: list[Event] = []
    prev = GENESIS
    expected = 1
    for version, schema_version, data, digest, _ in rows:
        if version != expected:
            gone = f"{expected}" if version == expected + 1 else f"{expected} to {version - 1}"
            raise BrokenStreamError(stream_id, expected, f"version {gone} is missing", "missing")
        if _seal(prev, stream_id, version, data) != digest:
            raise BrokenStreamError(
                stream_id, version, "its content, place or link does not match its hash (edited or reordered)"
            )
        events.append(decode(stream_id, version, schema_version, data))
        prev, expected = digest, expected + 1
    return tuple(events), prev


def decode_stream(stream_id: str, rows: Iterable[Sequence[Any]], head: tuple[int, str] | None) -> tuple[Event, ...]:
    """:func:`decode_chain`, and the stream's recorded ``head`` (version, hash) must be its last event.

    ``head`` is ``None`` when the store has no head for the stream; then there must be no
    rows either (an unknown stream loads as empty).

    Raises:
        BrokenStreamError: as :func:`decode_chain`, or a head that disagrees.
        UnreadableEventError: an event that cannot be decoded.
    """
    events, prev = decode_chain(stream_id, rows)
    last = len(events)
    if head is None:
        if last:
            raise BrokenStreamError(stream_id, last, "the stream has events but no recorded head", "head-mismatch")
        return ()
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
    return events


def read_row(stream_id: str, version: int, schema_version: int, data: str, prev_hash: str, digest: str) -> Event:
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
    :mod:`fengqiao.storage.chain`). A row that cannot be read raises, or with
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


def _version(value: object) -> str:
    """A stored schema version as a message shows it: ``None`` and short text as such, else by :func:`shown`."""
    return repr(value) if value is None or (isinstance(value, str) and len(value) <= 20) else shown(value)


def _quick_event(data: str) -> Event | None:
    """The event in ``data`` read by way of orjson, or ``None``: then read it the stdlib's way.

    Where orjson accepts a text it parses it as the stdlib does, but for numbers: an int
    beyond 64 bits becomes a float, and floats are parsed by its own code. No event field
    takes a float (a test pins this) and the schema version must be an ``int`` here, so an
    event built from orjson's parse is the one the stdlib's gives. Anything else (a text
    orjson refuses, such as ``NaN`` or a lone surrogate; data that is not an event) goes the
    stdlib's way, which gives the event or the message it always did, as it does for every
    row with ``FENGQIAO_PLAIN=1``.
    """
    if (
        PLAIN or type(data) is not str
    ):  # FENGQIAO_PLAIN=1, or bytes in a tampered SQLite row: the stdlib's rules (UTF-16 …)
        return None
    try:
        raw = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if type(raw) is not dict or type(raw.get("schema")) is not int or raw["schema"] != serde.SCHEMA_VERSION:
        return None
    try:
        return serde.read_event(raw)
    except Exception:  # unreadable: the stdlib's way says why, in its words
        return None
