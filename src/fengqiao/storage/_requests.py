"""What a caller asks of a store, checked before anything is read or written: ids, events, versions, pages.

Private to :mod:`fengqiao.storage`; every back-end checks its arguments here, so each refuses
the same input with the same :class:`~fengqiao.errors.ValidationError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol, TypeVar

from fengqiao.domain._checks import require_text
from fengqiao.domain._quote import quote
from fengqiao.errors import ConcurrencyConflict, ValidationError
from fengqiao.lifecycle.cases import CaseEvent, kind_of
from fengqiao.storage._arguments import iterate, shown
from fengqiao.storage._chain import GENESIS
from fengqiao.storage._migrations import LOG
from fengqiao.storage.base import Append

__all__ = [
    "MAX_POSITION",
    "MAX_STREAM_ID",
    "Tip",
    "Versioned",
    "check_append",
    "check_batch",
    "check_heads",
    "check_lookup",
    "check_many",
    "check_page",
]

ItemT = TypeVar("ItemT", bound="Versioned")

Tip = tuple[int, str]
"""A stream's stored end: its version and the hash of its last event (``(0, GENESIS)`` if new)."""

MAX_STREAM_ID = 200
"""The longest stream id a store accepts (dispute ids are far shorter)."""

MAX_POSITION = 2**63 - 1
"""The largest ``after`` or ``limit`` ``read_all`` takes: positions are 64-bit in every database."""


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


def check_append(stream_id: object, events: Iterable[CaseEvent], expected_version: object) -> tuple[CaseEvent, ...]:
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
        if not isinstance(event, CaseEvent):
            raise ValidationError(f"expected an event, got {type(event).__name__}", f"events[{index}]")
        if event.stream_id != stream_id:
            raise ValidationError(
                f"event of {kind_of(event).name} {quote(event.stream_id)} cannot go to stream {quote(stream_id)}",
                f"events[{index}]",
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
            LOG.debug(
                "conflict on stream %s: expected version %d, stored %d", item.stream_id, item.expected_version, head[0]
            )
            raise ConcurrencyConflict(item.stream_id, item.expected_version, head[0])
        heads[item.stream_id] = head
    return heads
