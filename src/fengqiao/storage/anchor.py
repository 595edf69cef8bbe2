r"""Anchors: one hash over every stream's head, kept elsewhere, so that a rewritten store shows.

The hash chains (:mod:`fengqiao.storage._chain`) find events edited behind the library's
back, but not a stream rewritten *consistently* (new events, new hashes, a new head), nor
a stream deleted together with its head. An anchor closes that gap:

- ``store.digest()`` reads every stream's head (stream id, version, last hash) in one
  snapshot, in code-point order, and hashes them into an :class:`Anchor`: a *root*
  (SHA-256), the store's highest position, and its numbers of streams and events. Publish
  its one line (``str(anchor)``) where whoever runs the database cannot rewrite it: a
  report, a signed receipt, another system.
- The anchor also keeps the heads it hashed, one line of about 100 bytes per stream: the
  rest of the anchor file (:meth:`Anchor.dumps`). The file needs no protection of its own:
  :meth:`Anchor.loads` refuses one whose heads do not hash to its root.
- ``store.verify(anchor=...)`` checks what ``verify()`` checks, then every stream against
  the anchor. Stores only append, and an append always takes positions after the
  anchor's, so each anchored stream must still hold its events up to the anchored version,
  unchanged (the same hash there, at positions up to the anchor's), and no event may sit
  at a position up to the anchor's that the anchor does not know. Each stream that fails
  is named ``deleted``, ``cut``, ``rewritten`` or ``forged``
  (:data:`~fengqiao.storage.ProblemKind`). Given only the root line, verify can still
  tell *that* the store changed (``anchor-mismatch``: the heads as of the anchor's
  position no longer hash to its root), not where.

The root is the SHA-256 of this ASCII text, with one line per stream in code-point order,
each the stream's head as compact JSON (non-ASCII characters escaped)::

    fengqiao-anchor/1
    ["YJ-2024-000001",8,"9c1e…"]
    ["YJ-2024-000002",5,"04ab…"]
    position=13 streams=2 events=13

``created_at`` is not hashed: two digests of an unchanged store give the same root.

>>> import fengqiao as fq
>>> from fengqiao.storage import MemoryEventStore
>>> store = MemoryEventStore()
>>> d = fq.Workflow().discover(channel="alarm_110", category="neighbour", summary="噪音",
...                            actor="officer:xiao", dispute_id="d-1")
>>> store.append(d.id, d.history, expected_version=0)
1
>>> anchor = store.digest()
>>> (anchor.streams, anchor.events, anchor.position)
(1, 1, 1)
>>> Anchor.loads(anchor.dumps()) == anchor and store.verify(anchor=anchor).ok
True
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import attrs

from fengqiao.domain._checks import require_aware
from fengqiao.errors import StorageError, ValidationError
from fengqiao.storage.base import Head

__all__ = ["FORMAT", "Anchor", "record", "seal"]

FORMAT = "fengqiao-anchor/1"
"""The first word of an anchor's line and of the text its root hashes."""

ROOT_PREFIX = (FORMAT + "\n").encode("ascii")
"""The first line the root hashes."""
_PAGE = 1000
"""Heads hashed (and kept) together."""
_LINE = re.compile(
    r"fengqiao-anchor/1 (?P<root>[0-9a-f]{64}) position=(?P<position>\d{1,19}) streams=(?P<streams>\d{1,19})"
    r" events=(?P<events>\d{1,19}) at=(?P<at>\S{1,64})"
)


def root_trailer(position: int, streams: int, events: int) -> bytes:
    """The last line the root hashes: where the store stood, and how many streams and events it held."""
    return f"position={position} streams={streams} events={events}\n".encode("ascii")


def _plain(text: str) -> bool:
    """Whether JSON writes ``text`` as it is between its quotes: printable ASCII but quote and backslash."""
    return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text


def record(stream_id: str, version: int, digest: str) -> str:
    r"""One head's line in an anchor: ``["<stream id>",<version>,"<hash>"]`` and a newline.

    >>> record("d-1", 3, "ab") == '["d-1",3,"ab"]\n'
    True
    >>> record("枫桥-1", 3, "ab") == '["\\u67ab\\u6865-1",3,"ab"]\n'
    True
    """
    if _plain(stream_id) and _plain(digest) and type(version) is int:
        return f'["{stream_id}",{version},"{digest}"]\n'
    return json.dumps([stream_id, version, digest], separators=(",", ":")) + "\n"


def _count(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(f"expected a whole number of 0 or more, got {type(value).__name__}", attribute.name)


def _root(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not re.fullmatch("[0-9a-f]{64}", value):
        raise ValidationError("expected 64 lowercase hexadecimal digits (a SHA-256)", attribute.name)


def _aware(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    require_aware(value, attribute.name)


def _records(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value.isascii() or value[-1:] not in ("", "\n")):
        raise ValidationError("expected ASCII lines, each ending in a newline, or None", attribute.name)


@attrs.frozen(kw_only=True)
class Anchor:
    """A store's heads hashed into one root, to keep where the store's keepers cannot rewrite it.

    ``str(anchor)`` is its one line (what to publish); :meth:`dumps` adds the heads (what
    lets ``verify`` name streams); :meth:`loads` reads either back. Two anchors are equal
    when everything but the kept heads is.
    """

    root: str = attrs.field(validator=_root)
    """The SHA-256 (hex) of every head, the position and the counts (see the module)."""
    position: int = attrs.field(validator=_count)
    """The store's highest position when the anchor was taken: what it covers."""
    streams: int = attrs.field(validator=_count)
    events: int = attrs.field(validator=_count)
    created_at: datetime = attrs.field(validator=_aware)
    """When it was taken (the store's clock); not covered by the root."""
    records: str | None = attrs.field(default=None, eq=False, repr=False, validator=_records)
    """Every anchored head, one line each (see :func:`record`), or ``None`` if only the root was kept."""

    def __attrs_post_init__(self) -> None:
        if self.records is None:
            return
        if self.records.count("\n") != self.streams:
            raise ValidationError(f"the anchor lists {self.streams} streams but holds other heads", "records")
        digest = hashlib.sha256(ROOT_PREFIX)
        digest.update(self.records.encode("ascii"))
        digest.update(root_trailer(self.position, self.streams, self.events))
        if digest.hexdigest() != self.root:
            raise ValidationError("the anchor's heads do not hash to its root: the anchor was altered", "records")

    def __str__(self) -> str:
        return (
            f"{FORMAT} {self.root} position={self.position} streams={self.streams} events={self.events}"
            f" at={self.created_at.isoformat()}"
        )

    def dumps(self) -> str:
        """The anchor file: its line, then one line per anchored head (just the line if none was kept)."""
        return f"{self}\n{self.records or ''}"

    @classmethod
    def loads(cls, text: str) -> Anchor:
        """An anchor from its line, or from a whole anchor file (:meth:`dumps`).

        Raises:
            ValidationError: not an anchor, or heads that do not hash to its root (``path`` is
                ``anchor``, or ``anchor.records``).
        """
        if not isinstance(text, str):
            raise ValidationError(f"expected the text of an anchor, got {type(text).__name__}", "anchor")
        line, _, rest = text.replace("\r\n", "\n").strip().partition("\n")
        found = _LINE.fullmatch(line.strip())
        if found is None:
            raise ValidationError(f"expected a line '{FORMAT} <root> position=… streams=… events=… at=…'", "anchor")
        try:
            created_at = datetime.fromisoformat(found["at"])
        except ValueError:
            raise ValidationError("at= is not an ISO 8601 time", "anchor") from None
        streams = int(found["streams"])
        try:
            return cls(
                root=found["root"],
                position=int(found["position"]),
                streams=streams,
                events=int(found["events"]),
                created_at=created_at,
                records=rest + "\n" if rest else ("" if streams == 0 else None),
            )
        except ValidationError as exc:
            raise exc.within("anchor") from None

    def heads(self) -> Iterator[Head]:
        """The anchored heads, in code-point order of their streams.

        Raises:
            ValidationError: only the root was kept, or a line is not a head.
        """
        return (Head(*tip) for tip in self._tips())

    def _tips(self) -> Iterator[tuple[str, int, str]]:
        if self.records is None:
            raise ValidationError("this anchor kept only its root; load its file to list heads", "records")
        for number, line in enumerate(self.records.splitlines(), 1):
            try:
                stream_id, version, digest = json.loads(line)
            except (ValueError, TypeError, RecursionError):
                raise ValidationError(f"line {number} is not a head", "records") from None
            if not (isinstance(stream_id, str) and type(version) is int and isinstance(digest, str)):
                raise ValidationError(f"line {number} is not a head", "records")
            yield stream_id, version, digest


def seal(heads: Iterable[tuple[str, int, str]], *, position: int, created_at: datetime, keep: bool = True) -> Anchor:
    """Hash ``heads`` (stream id, version, hash, in code-point order) into an :class:`Anchor`.

    One pass; with ``keep``, the anchor also holds every head's line (else memory stays
    constant).

    >>> from datetime import UTC, datetime
    >>> at = datetime(2024, 1, 31, tzinfo=UTC)
    >>> seal([("d-1", 1, "ab")], position=1, created_at=at).root[:12]
    '971164c60968'
    """
    digest = hashlib.sha256(ROOT_PREFIX)
    kept: list[str] = []
    page: list[str] = []
    streams = events = 0
    for stream_id, version, head in heads:
        if not (isinstance(stream_id, str) and type(version) is int and version >= 0 and isinstance(head, str)):
            raise StorageError(f"a stream's recorded head is garbled ({stream_id!r:.80}); verify() the store")
        page.append(record(stream_id, version, head))
        streams += 1
        events += version
        if len(page) == _PAGE:
            text = "".join(page)
            digest.update(text.encode("ascii"))
            if keep:
                kept.append(text)
            page.clear()
    text = "".join(page)
    digest.update(text.encode("ascii"))
    digest.update(root_trailer(position, streams, events))
    return Anchor(
        root=digest.hexdigest(),
        position=position,
        streams=streams,
        events=events,
        created_at=created_at,
        records="".join((*kept, text)) if keep or not streams else None,
    )
