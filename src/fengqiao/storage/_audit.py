"""Comparing a store with an anchor: which streams were deleted, cut, rewritten or forged since it.

Private to :mod:`fengqiao.storage`; every back-end's ``verify(anchor=...)`` passes its rows
through :func:`audit`. The anchor itself is :mod:`fengqiao.storage.anchor`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

import attrs

from fengqiao.errors import ValidationError
from fengqiao.storage._chain import check
from fengqiao.storage.anchor import ROOT_PREFIX, Anchor, record, root_trailer
from fengqiao.storage.base import Head, Problem, ProblemKind, Row, VerificationReport

__all__ = ["audit"]


def audit(
    anchor: Anchor | None,
    rows: Iterable[Row],
    heads: Iterable[Head],
    stream_id: str | None = None,
    *,
    sealed_after: int | None = None,
) -> VerificationReport:
    """What :func:`~fengqiao.storage._chain.check` reports, and each stream changed since ``anchor``.

    ``rows``, ``heads`` and ``sealed_after`` are what ``check`` takes (``stream_id``: they
    hold only that stream). One pass over the rows, beside ``check``'s; memory stays constant.

    Raises:
        ValidationError: ``anchor`` is not an :class:`Anchor`, or has only its root and
            ``stream_id`` asks for one stream (the root covers the whole store).
    """
    if anchor is None:
        return check(rows, heads, sealed_after=sealed_after)
    if not isinstance(anchor, Anchor):
        raise ValidationError(f"expected an Anchor, got {type(anchor).__name__}", "anchor")
    if anchor.records is None and stream_id is not None:
        raise ValidationError("an anchor without its heads can only verify the whole store", "anchor")
    watch = _Watch(anchor, stream_id)
    report = check(watch.tap(rows), heads, sealed_after=sealed_after)
    return attrs.evolve(report, problems=report.problems + watch.finish())


@attrs.define
class _Stream:
    """What one stream's rows showed, against its anchored head (``version`` 0 if none)."""

    stream_id: str
    version: int
    hash: str
    top: int = 0
    at_head: str | None = None
    moved: Row | None = None
    """The first row up to the anchored version written after the anchor."""
    early: Row | None = None
    """The first row beyond the anchored version written before the anchor."""
    as_of: Row | None = None
    """The last row up to the anchor's position."""


class _Watch:
    """Compares the rows ``check`` reads with an anchor as they pass, one stream at a time."""

    def __init__(self, anchor: Anchor, stream_id: str | None) -> None:
        self._anchor = anchor
        self._position = anchor.position
        self._problems: list[Problem] = []
        self._stream: _Stream | None = None
        self._full = anchor.records is not None
        self._anchored: Iterator[tuple[str, int, str]] = iter(())
        self._root = hashlib.sha256(ROOT_PREFIX)
        self._streams = self._events = 0
        if self._full:
            self._anchored = (t for t in anchor._tips() if stream_id is None or t[0] == stream_id)
        self._next = next(self._anchored, None)

    def tap(self, rows: Iterable[Row]) -> Iterator[Row]:
        """Yield ``rows`` unchanged, watching each (a loop kept tight: ``verify`` reads every row)."""
        covered = self._position
        stream = _Stream("", -1, "")
        for row in rows:
            if row.stream_id != stream.stream_id or stream.version < 0:
                self._close()
                stream = self._stream = self._open(row.stream_id)
            version, position = row.version, row.position
            if type(version) is int and type(position) is int:  # else ``check`` names the row
                if version > stream.top:
                    stream.top = version
                if position <= covered:
                    stream.as_of = row
                    if version > stream.version and stream.early is None:
                        stream.early = row
                elif version <= stream.version and stream.moved is None:
                    stream.moved = row
                if version == stream.version:
                    stream.at_head = row.hash
            yield row
        self._close()

    def finish(self) -> tuple[Problem, ...]:
        """Every problem found: streams that changed, then streams gone."""
        self._close()
        if self._full:
            while self._next is not None:
                self._deleted(self._next)
                self._next = next(self._anchored, None)
        else:
            self._root.update(root_trailer(self._position, self._streams, self._events))
            if self._root.hexdigest() != self._anchor.root:
                self._problems.append(
                    Problem(
                        stream_id="",
                        version=0,
                        kind="anchor-mismatch",
                        detail=f"the heads as of position {self._position} no longer hash to the anchor's root"
                        " (give the anchor file, not only its line, to name the streams)",
                    )
                )
        return tuple(self._problems)

    def _open(self, stream_id: str) -> _Stream:
        while self._next is not None and self._next[0] < stream_id:
            self._deleted(self._next)
            self._next = next(self._anchored, None)
        if self._next is None or self._next[0] != stream_id:
            return _Stream(stream_id, 0, "")
        _, version, digest = self._next
        self._next = next(self._anchored, None)
        return _Stream(stream_id, version, digest)

    def _close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        if not self._full:
            if stream.as_of is not None and isinstance(stream.as_of.hash, str):
                self._root.update(record(stream.stream_id, stream.as_of.version, stream.as_of.hash).encode("ascii"))
                self._streams += 1
                self._events += stream.as_of.version
            return
        position = self._position
        if stream.version:
            if stream.top < stream.version:
                detail = f"it holds versions up to {stream.top}; the anchor recorded {stream.version}"
                self._add(stream, stream.top + 1, "cut", detail)
            elif stream.at_head is None:
                self._add(stream, stream.version, "rewritten", "the anchored head version is gone")
            elif stream.at_head != stream.hash:
                detail = "its hash is not the anchored one: the stream was rewritten up to here"
                self._add(stream, stream.version, "rewritten", detail)
            elif stream.moved is not None:
                detail = f"written again after the anchor (position {stream.moved.position}, after {position})"
                self._add(stream, stream.moved.version, "rewritten", detail)
        if stream.early is not None:
            where = f"position {stream.early.position}, not after the anchor's {position}"
            detail = (
                f"at {where}, beyond version {stream.version} the anchor recorded"
                if stream.version
                else f"at {where}, in a stream the anchor does not know"
            )
            self._add(stream, stream.early.version, "forged", detail)

    def _deleted(self, tip: tuple[str, int, str]) -> None:
        detail = f"the anchor recorded {tip[1]} events; the store holds none"
        self._problems.append(Problem(stream_id=tip[0], version=1, kind="deleted", detail=detail))

    def _add(self, stream: _Stream, version: int, kind: ProblemKind, detail: str) -> None:
        self._problems.append(Problem(stream_id=stream.stream_id, version=version, kind=kind, detail=detail))
