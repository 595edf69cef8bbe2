r"""The hash chain that makes each stream tamper-evident, and the check behind ``verify``.

Each stored event carries ``prev_hash`` (the hash of the event before it in its stream;
:data:`GENESIS` for version 1) and its own ``hash``::

    hash = sha256(prev_hash + "\n" + stream_id + "\n" + str(version) + "\n" + data)

hex-encoded, over UTF-8, where ``data`` is the event's canonical JSON exactly as stored.
Stream ids never contain control characters, so the fields cannot run into each other.
Binding the stream id and version means a row moved to another place no longer matches;
linking ``prev_hash`` means a deleted or reordered event breaks the chain after it; each
stream's head (last version and hash) is also kept apart, so a deleted *last* event shows.

This finds edits made behind the library's back; it cannot stop someone who rewrites a whole
chain and its head. For that, keep an anchor of every head elsewhere (``store.digest()``)
and ``verify(anchor=...)`` later: see :mod:`fengqiao.storage.anchor`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from itertools import groupby

import attrs

from fengqiao.storage.base import Problem, ProblemKind, VerificationReport

__all__ = ["GENESIS", "Head", "Row", "check", "link", "link_utf8"]

GENESIS = "0" * 64
"""The ``prev_hash`` of every stream's first event."""


def link(prev_hash: str, stream_id: str, version: int, data: str) -> str:
    """The hash of one event: its content, its place, and the hash before it.

    >>> link(GENESIS, "d-1", 1, '{"schema":1}')[:12]
    '6567ebba4f52'
    """
    text = f"{prev_hash}\n{stream_id}\n{version}\n{data}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def link_utf8(prev_hash: str, stream_id: str, version: int, data: bytes) -> str:
    """:func:`link` for ``data`` already UTF-8-encoded, as the store's encoder has it.

    >>> link_utf8(GENESIS, "d-1", 1, b'{"schema":1}') == link(GENESIS, "d-1", 1, '{"schema":1}')
    True
    """
    head = f"{prev_hash}\n{stream_id}\n{version}\n"
    return hashlib.sha256(head.encode("utf-8") + data).hexdigest()


@attrs.frozen
class Row:
    """A stored event as ``check`` needs it: the raw columns, nothing decoded."""

    stream_id: str
    version: int
    position: int
    type: str
    schema_version: int
    data: str
    prev_hash: str
    hash: str


@attrs.frozen
class Head:
    """What a store records as a stream's end: its version and last hash."""

    stream_id: str
    version: int
    hash: str


def check(rows: Iterable[Row], heads: Iterable[Head]) -> VerificationReport:
    """Check every chain; ``rows`` by (stream, version), ``heads`` by stream, both in code-point order."""
    problems: list[Problem] = []
    streams = events = 0
    pending = iter(heads)
    head = next(pending, None)
    for stream_id, group in groupby(rows, key=lambda r: r.stream_id):
        while head is not None and head.stream_id < stream_id:
            problems.append(_headless(head))
            streams += 1
            head = next(pending, None)
        mine = head if head is not None and head.stream_id == stream_id else None
        if mine is not None:
            head = next(pending, None)
        streams += 1
        events += _check_stream(stream_id, group, mine, problems)
    while head is not None:
        problems.append(_headless(head))
        streams += 1
        head = next(pending, None)
    return VerificationReport(streams=streams, events=events, problems=tuple(problems))


def _headless(head: Head) -> Problem:
    return Problem(
        stream_id=head.stream_id,
        version=1,
        kind="missing",
        detail=f"the stream is recorded at version {head.version} but holds no events",
    )


def _check_stream(stream_id: str, rows: Iterator[Row], head: Head | None, problems: list[Problem]) -> int:
    prev_hash, expected, last_position, count = GENESIS, 1, 0, 0
    for row in rows:
        count += 1
        gap = row.version > expected
        if gap:
            missing = str(expected) if row.version == expected + 1 else f"{expected}–{row.version - 1}"
            problems.append(_problem(stream_id, expected, "missing", f"version {missing} is not in the store"))
        elif row.prev_hash != prev_hash:
            problems.append(
                _problem(stream_id, row.version, "broken-chain", "does not link to the hash of the event before it")
            )
        if link(row.prev_hash, stream_id, row.version, row.data) != row.hash:
            problems.append(
                _problem(stream_id, row.version, "tampered", "its content, stream or version does not match its hash")
            )
        else:
            mismatch = _columns_mismatch(row)
            if mismatch:
                problems.append(_problem(stream_id, row.version, "tampered", mismatch))
        if row.position <= last_position:
            problems.append(
                _problem(
                    stream_id, row.version, "out-of-order", f"position {row.position} is not after {last_position}"
                )
            )
        prev_hash, expected, last_position = row.hash, row.version + 1, row.position
    last = expected - 1
    if head is None:
        problems.append(_problem(stream_id, last, "head-mismatch", "the stream has events but no recorded head"))
    elif head.version > last:
        missing = str(last + 1) if head.version == last + 1 else f"{last + 1}–{head.version}"
        problems.append(
            _problem(
                stream_id, last + 1, "missing", f"version {missing} is not in the store (the head is {head.version})"
            )
        )
    elif head.version < last:
        problems.append(
            _problem(stream_id, head.version + 1, "head-mismatch", f"events after the recorded head {head.version}")
        )
    elif head.hash != prev_hash:
        problems.append(
            _problem(stream_id, last, "head-mismatch", "the recorded head hash differs from the last event's")
        )
    return count


def _columns_mismatch(row: Row) -> str:
    """Why the ``type``/``schema_version`` columns disagree with the (authentic) data, or ''."""
    try:
        data = json.loads(row.data)
    except ValueError:
        return "its data is not JSON"
    if not isinstance(data, dict):
        return "its data is not a JSON object"
    if data.get("type") != row.type:
        return f"the type column says {row.type!r} but the event is {data.get('type')!r}"
    if data.get("schema") != row.schema_version:
        return f"the schema column says {row.schema_version} but the event has {data.get('schema')!r}"
    return ""


def _problem(stream_id: str, version: int, kind: ProblemKind, detail: str) -> Problem:
    return Problem(stream_id=stream_id, version=version, kind=kind, detail=detail)
