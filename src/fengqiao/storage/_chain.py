r"""The hash chain that makes each stream tamper-evident, and the check behind ``verify``.

Each stored event carries ``prev_hash`` (the hash of the event before it in its stream;
:data:`GENESIS` for version 1) and its own ``hash``::

    hash = sha256(prev_hash + "\n" + stream_id + "\n" + str(version) + "\n" + data)

hex-encoded, over UTF-8, where ``data`` is the event's canonical JSON exactly as stored.
Stream ids never contain control characters, so the fields cannot run into each other.
Binding the stream id and version means a row moved to another place no longer matches;
linking ``prev_hash`` means a deleted or reordered event breaks the chain after it; each
stream's head (last version and hash) is also kept apart, so a deleted *last* event shows.

The SQL stores (layout 2 onwards) also keep a ``seal`` beside each row, binding the time the
store recorded the event (``recorded_at``, which the link leaves out) to the row's hash::

    seal = sha256(hash + "\n" + recorded_at in UTC, ISO form with microseconds)

(see :func:`seal`), so an edited ``recorded_at`` shows as ``tampered``. The link itself is
unchanged, so histories prepared elsewhere keep their hashes. Rows written before the
store's layout reached 2 have no seal and their recorded time cannot be vouched for: the
store keeps the last position it held then (``sealed_after`` in ``fengqiao_meta``), and a
row after it without a seal is ``tampered``.

This finds edits made behind the library's back; it cannot stop someone who rewrites a whole
chain and its head. For that, keep an anchor of every head elsewhere (``store.digest()``)
and ``verify(anchor=...)`` later: see :mod:`fengqiao.storage.anchor`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import groupby

from fengqiao.storage.base import Head, Problem, ProblemKind, Row, VerificationReport

__all__ = ["GENESIS", "check", "link", "link_utf8", "seal", "sealed_time", "seals", "unsealed_time"]

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


def sealed_time(recorded_at: datetime) -> str:
    """The text of ``recorded_at`` that a seal covers: UTC, ISO form, always with microseconds.

    The same instant gives the same text whatever zone it was read in, so SQLite (which
    keeps the time as text) and PostgreSQL (``timestamptz``) seal it alike.

    >>> from datetime import timedelta, timezone
    >>> sealed_time(datetime(2024, 1, 31, 17, tzinfo=timezone(timedelta(hours=8))))
    '2024-01-31T09:00:00.000000+00:00'

    Raises:
        ValueError: ``recorded_at`` is naive (it names no instant).
    """
    if recorded_at.tzinfo is not UTC:  # the usual clock's zone needs no conversion
        if recorded_at.utcoffset() is None:
            raise ValueError("a naive time names no instant")
        recorded_at = recorded_at.astimezone(UTC)
    if recorded_at.microsecond:  # the plain form has them already, and is quicker
        return recorded_at.isoformat()
    return recorded_at.isoformat(timespec="microseconds")


def seal(digest: str, recorded_at: datetime) -> str:
    """The seal of a row whose hash is ``digest``, recorded at ``recorded_at``.

    >>> at = datetime(2024, 1, 31, 9, tzinfo=UTC)
    >>> seal(GENESIS, at) == seals([GENESIS], at)[0]
    True
    """
    return hashlib.sha256(f"{digest}\n{sealed_time(recorded_at)}".encode()).hexdigest()


def seals(digests: Iterable[str], recorded_at: datetime | str) -> list[str]:
    """:func:`seal` of each of ``digests``, all recorded at ``recorded_at`` (one batch): the time is written once.

    ``recorded_at`` may be given as its :func:`sealed_time` text, if the caller has it already.
    """
    text = recorded_at if isinstance(recorded_at, str) else sealed_time(recorded_at)
    tail = f"\n{text}".encode("ascii")
    sha256 = hashlib.sha256
    return [sha256(digest.encode("ascii") + tail).hexdigest() for digest in digests]


def check(rows: Iterable[Row], heads: Iterable[Head], *, sealed_after: int | None = None) -> VerificationReport:
    """Check every chain; ``rows`` by (stream, version), ``heads`` by stream, both in code-point order.

    With ``sealed_after`` (the stores that seal ``recorded_at``), each row's seal is checked
    too; a row after that position must have one.
    """
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
        events += _check_stream(stream_id, group, mine, problems, sealed_after)
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


def _check_stream(
    stream_id: str, rows: Iterator[Row], head: Head | None, problems: list[Problem], sealed_after: int | None
) -> int:
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
            if sealed_after is not None:
                unsealed = unsealed_time(row.hash, row.recorded_at, row.seal, row.position, sealed_after)
                if unsealed:
                    problems.append(_problem(stream_id, row.version, "tampered", unsealed))
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


def unsealed_time(digest: str, recorded_at: object, stored: object, position: object, sealed_after: int) -> str:
    """Why a row's ``seal`` does not vouch for its ``recorded_at``, or '' if it does.

    ``recorded_at`` as the back-end gives it: ISO text or a ``datetime``. A row at a
    ``position`` up to ``sealed_after`` (written before seals) may have none.
    """
    if stored is None:
        if type(position) is int and position <= sealed_after:
            return ""
        return f"it has no seal of its recorded time, yet was written after seals began (position {sealed_after})"
    try:
        at = datetime.fromisoformat(recorded_at) if isinstance(recorded_at, str) else recorded_at
        if not isinstance(at, datetime):
            return "its recorded time (recorded_at) is not a time: it was edited"
        expected = seal(digest, at)
    except (ValueError, OverflowError, UnicodeEncodeError):
        return "its recorded time (recorded_at) is not a valid time: it was edited"
    if expected != stored:
        return "its recorded time (recorded_at) was edited: it does not match the row's seal"
    return ""


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
