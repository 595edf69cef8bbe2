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
  whose class :func:`fengqiao.plain_document` vouches for (every built-in one: its
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
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from fengqiao import serde
from fengqiao.domain._codegen import PLAIN
from fengqiao.domain._quote import quote, said
from fengqiao.errors import (
    FengqiaoError,
    SerializationError,
    StorageError,
    UnreadableEventError,
)
from fengqiao.lifecycle.cases import CaseEvent, kind_of
from fengqiao.storage._arguments import shown
from fengqiao.storage._chain import link, link_utf8
from fengqiao.storage.base import StoredEvent

__all__ = [
    "Record",
    "canonical_json",
    "canonical_text",
    "decode",
    "encode",
    "plain_document",
    "project_all",
    "projector_failed",
]

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


def canonical_json(event: CaseEvent) -> str:
    """The one text an event is stored and hashed as.

    The same text as ``json.dumps(serde.unstructure(event), sort_keys=True,
    ensure_ascii=False, separators=(",", ":"))``, written by orjson when it gives that text
    (see the module's docstring).
    """
    return _encoded(serde.unstructure(event), plain_document(type(event)))[0]


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
    :func:`fengqiao.plain_document`), so it is not looked through. With
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
    event: CaseEvent | None
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
            raise projector_failed(project, stored, exc) from exc


def projector_failed(project: object, stored: tuple[StoredEvent, ...], exc: Exception) -> StorageError:
    """The error an append fails with when projector ``project`` raised ``exc`` on ``stored`` (not a fengqiao error)."""
    first = stored[0]
    name = getattr(project, "__qualname__", None) or type(project).__qualname__
    return StorageError(
        f"projector {name} failed on stream {first.stream_id} version {first.version}"
        f" ({len(stored)} events), nothing was stored: {type(exc).__name__}: {said(exc, 200)}"
    )


def encode(stream_id: str, events: tuple[CaseEvent, ...], *, after: int, prev_hash: str) -> tuple[Record, ...]:
    """Rows for ``events``, versions ``after + 1`` onwards, chained from ``prev_hash``."""
    records: list[Record] = []
    schema_version = serde.SCHEMA_VERSION
    document, plain = serde.unstructure, plain_document
    for version, event in enumerate(events, start=after + 1):
        data, utf8 = _encoded(document(event), plain(type(event)))
        if utf8 is None:
            digest = link(prev_hash, stream_id, version, data)
        else:
            digest = link_utf8(prev_hash, stream_id, version, utf8)
        records.append(Record(stream_id, version, event.type, schema_version, data, prev_hash, digest, event))
        prev_hash = digest
    return tuple(records)


def decode(stream_id: str, version: int, schema_version: int, data: str) -> CaseEvent:
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
    event = quick_event(data)
    if event is None:
        try:
            raw = json.loads(data)
        except (ValueError, TypeError) as exc:
            raise UnreadableEventError(stream_id, version, f"corrupt JSON: {exc}") from exc
        try:
            event = serde.structure(raw, CaseEvent)  # stores hold every kind of case
        except SerializationError as exc:
            raise UnreadableEventError(stream_id, version, f"not a readable event: {exc}") from exc
    if event.stream_id != stream_id:
        raise UnreadableEventError(
            stream_id, version, f"the event belongs to {kind_of(event).name} {quote(event.stream_id)}"
        )
    return event


def _version(value: object) -> str:
    """A stored schema version as a message shows it: ``None`` and short text as such, else by :func:`shown`."""
    return repr(value) if value is None or (isinstance(value, str) and len(value) <= 20) else shown(value)


def quick_event(data: str, *, utf8: bool = False) -> CaseEvent | None:
    """The event in ``data`` read by way of orjson, or ``None``: then read it the stdlib's way.

    Where orjson accepts a text it parses it as the stdlib does, but for numbers: an int
    beyond 64 bits becomes a float, and floats are parsed by its own code. No event field
    takes a float (a test pins this) and the schema version must be an ``int`` here, so an
    event built from orjson's parse is the one the stdlib's gives. Anything else (a text
    orjson refuses, such as ``NaN`` or a lone surrogate; data that is not an event) goes the
    stdlib's way, which gives the event or the message it always did, as it does for every
    row with ``FENGQIAO_PLAIN=1``.
    """
    if PLAIN or type(data) is not (bytes if utf8 else str):
        # FENGQIAO_PLAIN=1, or bytes in a tampered SQLite row: the stdlib's rules (UTF-16 …)
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


_PLAIN: dict[type[Any], bool] = {}


def plain_document(cls: type[Any]) -> bool:
    """Whether :func:`unstructure` gives ``cls`` only text, whole numbers, booleans, nulls, arrays and objects.

    True for an event class whose JSON Schema (the same field declarations the converter
    writes from) has no ``number`` anywhere. The store codec lets orjson write such a
    document without looking inside it, as it writes these types exactly as the stdlib does
    (and refuses, for the stdlib to handle, what it cannot write alike: ints beyond 64 bits,
    lone surrogates). That holds while the values are what their classes declare, which
    their validators make sure of.

    >>> from fengqiao.lifecycle.events import Closed
    >>> plain_document(Closed)
    True
    """
    known = _PLAIN.get(cls)
    if known is None:
        if cls not in serde._DOCUMENTS:  # another class may be unstructured by a hook of its own
            known = False
        else:
            try:
                known = not _has_number(serde.json_schema(cls))
            except TypeError:  # a type with no schema: nothing is known of its documents
                known = False
        _PLAIN[cls] = known
    return known


def _has_number(node: Any) -> bool:
    if isinstance(node, dict):
        return node.get("type") == "number" or any(_has_number(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_number(v) for v in node)
    return False
