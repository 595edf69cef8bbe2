"""Histories encoded where they were made — in another process — and appended as they are.

Most of what an append costs is *encoding*: each event's canonical JSON and its hash link.
Events are also dear to send between processes: pickling a history costs more than encoding
it. :func:`prepare` does the encoding where the events are (a worker of a simulation, an
import job), :class:`Prepared` carries only text (a few microseconds an event to pickle), and
a store's ``append_prepared`` writes such histories as *new* streams in one transaction.

The store recomputes every hash link (cheap) and takes the text as :func:`prepare` wrote it:
it does not decode the events again unless a projector needs them. The rows and hashes are
exactly those ``append_many`` would store for the same histories.

>>> from datetime import UTC, datetime
>>> import fengqiao as fq
>>> from fengqiao.storage import MemoryEventStore, prepare
>>> wf = fq.Workflow(clock=fq.FixedClock(datetime(2024, 1, 31, 9, tzinfo=UTC)))
>>> d = wf.discover(channel="alarm_110", category="neighbour", summary="噪音扰民",
...                 actor="officer:xiao", dispute_id="d-1")
>>> store = MemoryEventStore()
>>> store.append_prepared([prepare(d.id, d.history)])
(1,)
>>> fq.replay(store.load("d-1")) == d
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from itertools import repeat
from typing import Any, NamedTuple

import attrs

from fengqiao import serde
from fengqiao.errors import ValidationError
from fengqiao.lifecycle.cases import CaseEvent
from fengqiao.lifecycle.triggers import EVENT_TYPES
from fengqiao.storage._chain import GENESIS, link, seals
from fengqiao.storage._codec import Record, encode
from fengqiao.storage._requests import Tip, check_append, check_batch
from fengqiao.storage.base import Append

__all__ = [
    "Columns",
    "Insert",
    "Item",
    "Prepared",
    "check_prepared",
    "encode_columns",
    "encode_items",
    "encode_rows",
    "prepare",
    "records",
    "size",
]


@attrs.frozen
class Prepared:
    """A new stream's whole history as a store will keep it: types, canonical JSON, hash chain.

    Made by :func:`prepare`; appended with ``store.append_prepared([...])`` as a new stream
    (expected version 0). Equal histories give equal values.
    """

    stream_id: str
    types: tuple[str, ...]
    """Each event's type tag, in version order."""
    data: tuple[str, ...]
    """Each event's canonical JSON (see :func:`fengqiao.storage._codec.canonical_json`)."""
    hashes: tuple[str, ...]
    """Each event's link of the stream's hash chain, from :data:`~fengqiao.storage._chain.GENESIS`."""
    schema_version: int = serde.SCHEMA_VERSION

    @property
    def expected_version(self) -> int:
        """Always 0: a prepared history starts a stream."""
        return 0


def prepare(stream_id: str, events: Iterable[CaseEvent]) -> Prepared:
    """Encode ``events`` as the whole history of the new stream ``stream_id``.

    Raises:
        ValidationError: a malformed stream id, a non-event, or an event of another dispute
            (``path`` names it: ``events[2]``).
    """
    batch = check_append(stream_id, events, 0)
    rows = encode(stream_id, batch, after=0, prev_hash=GENESIS)
    return Prepared(
        stream_id,
        tuple(r.type for r in rows),
        tuple(r.data for r in rows),
        tuple(r.hash for r in rows),
    )


_MARKERS = {kind: f'"type":"{kind}"' for kind in EVENT_TYPES}
"""Each event type's tag as its canonical JSON holds it."""


def check_prepared(items: Iterable[Prepared]) -> tuple[Prepared, ...]:
    """The items of an ``append_prepared`` call, after checking them; the hash links are recomputed.

    Raises:
        ValidationError: an item that is not a :class:`Prepared`, a malformed stream id, a
            stream given twice, columns of different lengths, another schema version, or a
            hash that does not seal its text; ``path`` names the place (``prepared[3].hashes[1]``).
    """
    return check_batch(items, Prepared, "prepared", "a Prepared history", _check_one)


def _check_one(item: Prepared) -> None:
    """Check one prepared history; paths are inside it (``hashes[1]``)."""
    check_append(item.stream_id, (), 0)
    if not len(item.types) == len(item.data) == len(item.hashes):
        raise ValidationError(
            f"types, data and hashes differ in length ({len(item.types)}, {len(item.data)}, {len(item.hashes)})", ""
        )
    if item.schema_version != serde.SCHEMA_VERSION:
        raise ValidationError(
            f"prepared with event schema version {item.schema_version!r}; this fengqiao writes "
            f"version {serde.SCHEMA_VERSION}",
            "schema_version",
        )
    prev_hash = GENESIS
    for version, (kind, data, digest) in enumerate(zip(item.types, item.data, item.hashes, strict=True), start=1):
        marker = _MARKERS.get(kind) if type(kind) is str else None
        if marker is None or type(data) is not str or marker not in data:
            raise ValidationError(f"version {version} is not a {kind!r} event's canonical JSON", f"data[{version - 1}]")
        if link(prev_hash, item.stream_id, version, data) != digest:
            raise ValidationError(
                f"the hash of version {version} does not seal its text; prepare the history again",
                f"hashes[{version - 1}]",
            )
        prev_hash = digest


def records(item: Prepared) -> list[Record]:
    """The rows of a checked ``item``, versions 1 onwards; their events are decoded only if asked for."""
    sid, schema = item.stream_id, item.schema_version
    return [
        Record(sid, version, kind, schema, data, prev_hash, digest, None)
        for version, kind, data, prev_hash, digest in zip(
            range(1, len(item.data) + 1), item.types, item.data, (GENESIS, *item.hashes), item.hashes, strict=False
        )
    ]


Item = Append | Prepared
"""What a store's batch holds: events to encode, or a history encoded already."""


def size(item: Item) -> int:
    """How many events ``item`` holds."""
    return len(item.data) if isinstance(item, Prepared) else len(item.events)


def encode_items(items: Sequence[Item], heads: Mapping[str, Tip]) -> tuple[list[Record], dict[str, Tip]]:
    """Rows for every item's events, in the batch's order, and the new head of each stream that got any.

    ``heads`` holds each item's stream head, checked against its expected version (a
    prepared history's is therefore the genesis).
    """
    rows: list[Record] = []
    moved: dict[str, Tip] = {}
    for item in items:
        mine: Sequence[Record]
        if isinstance(item, Prepared):
            mine = records(item)
        elif item.events:
            version, prev_hash = heads[item.stream_id]
            mine = encode(item.stream_id, item.events, after=version, prev_hash=prev_hash)
        else:
            continue
        if mine:
            rows.extend(mine)
            moved[item.stream_id] = (mine[-1].version, mine[-1].hash)
    return rows, moved


class Insert(NamedTuple):
    """What a SQL store inserts for a batch: :func:`encode_rows`' answer."""

    rows: Iterable[tuple[Any, ...]]
    """The event rows, in the batch's order: ``stream_id, version, type, schema_version, data,
    recorded_at, prev_hash, hash, seal``. Iterate once."""
    total: int
    """How many rows."""
    records: list[Record]
    """The rows' records, if asked for (projectors need the events); else empty."""
    heads: dict[str, Tip]
    """The new head of each stream that got events."""


def encode_rows(
    items: Sequence[Item], heads: Mapping[str, Tip], at: datetime | str, recorded_at: object, *, keep: bool
) -> Insert:
    """What a SQL store inserts for ``items`` (checked, with ``heads`` checked against them).

    Every row is recorded at ``at`` (a time, or its :func:`~fengqiao.storage._chain.sealed_time`
    text), which the ``recorded_at`` column holds as ``recorded_at`` (the back-end's form of
    it), and sealed with it (:func:`~fengqiao.storage._chain.seals`).

    With ``keep`` the records are built too, and the rows from them. Without, the rows come
    from one column list per field, zipped as the driver takes them: a prepared history's
    columns are appended whole, no Python object is made per event, and ``zip`` hands the
    driver the same tuple again once it lets go of it. A list of row tuples instead made the
    collector pass over them about once per thousand rows, a tenth of an import's writer.
    """
    if keep:
        records, moved = encode_items(items, heads)
        rows = _rows(records, recorded_at, seals([r.hash for r in records], at))
        return Insert(rows, len(rows), records, moved)
    (sids, versions, types, schemas, data, prev_hashes, hashes, sealed), moved = encode_columns(items, heads, at)
    columns = (sids, versions, types, schemas, data, repeat(recorded_at), prev_hashes, hashes, sealed)
    return Insert(zip(*columns, strict=False), len(sids), [], moved)


Columns = tuple[list[str], list[int], list[str], list[int], list[str], list[str], list[str], list[str]]
"""The event rows as columns: ``stream_id, version, type, schema_version, data, prev_hash, hash, seal``."""


def encode_columns(
    items: Sequence[Item], heads: Mapping[str, Tip], at: datetime | str
) -> tuple[Columns, dict[str, Tip]]:
    """The rows :func:`encode_rows` inserts, as one list per column (for an array-taking insert), and the new heads.

    Every row is sealed with ``at`` (a time, or its sealed text).
    """
    sids: list[str] = []
    versions: list[int] = []
    types: list[str] = []
    schemas: list[int] = []
    data: list[str] = []
    prev_hashes: list[str] = []
    hashes: list[str] = []
    moved = {}
    for item in items:
        if isinstance(item, Prepared):
            n = len(item.data)
            if not n:
                continue
            sids += repeat(item.stream_id, n)
            versions += range(1, n + 1)
            types += item.types
            schemas += repeat(item.schema_version, n)
            data += item.data
            prev_hashes.append(GENESIS)
            prev_hashes += item.hashes[:-1]
            hashes += item.hashes
            moved[item.stream_id] = (n, item.hashes[-1])
        elif item.events:
            version, prev_hash = heads[item.stream_id]
            for r in encode(item.stream_id, item.events, after=version, prev_hash=prev_hash):
                sids.append(r.stream_id)
                versions.append(r.version)
                types.append(r.type)
                schemas.append(r.schema_version)
                data.append(r.data)
                prev_hashes.append(r.prev_hash)
                hashes.append(r.hash)
            moved[item.stream_id] = (versions[-1], hashes[-1])
    return (sids, versions, types, schemas, data, prev_hashes, hashes, seals(hashes, at)), moved


def _rows(records: Iterable[Record], recorded_at: object, sealed: Iterable[str]) -> list[tuple[Any, ...]]:
    return [
        (r.stream_id, r.version, r.type, r.schema_version, r.data, recorded_at, r.prev_hash, r.hash, s)
        for r, s in zip(records, sealed, strict=True)
    ]
