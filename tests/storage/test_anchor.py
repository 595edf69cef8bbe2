"""The anchor value on its own: the root's formula, its text forms, and anchors that were altered."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao.errors import FengqiaoError, ValidationError
from fengqiao.storage import Anchor, Head
from fengqiao.storage.anchor import record, seal

AT = datetime(2024, 1, 31, 9, tzinfo=UTC)
HEADS = [("YJ-0001", 17, "a" * 64), ("YJ-0002", 3, "b" * 64), ('纠纷 "甲"', 1, "c" * 64)]


def test_the_root_is_the_sha256_of_the_documented_text() -> None:
    text = (
        "fengqiao-anchor/1\n"
        f'["YJ-0001",17,"{"a" * 64}"]\n'
        f'["YJ-0002",3,"{"b" * 64}"]\n'
        f'["\\u7ea0\\u7eb7 \\"\\u7532\\"",1,"{"c" * 64}"]\n'
        "position=40 streams=3 events=21\n"
    )
    anchor = seal(HEADS, position=40, created_at=AT)
    assert anchor.root == hashlib.sha256(text.encode("ascii")).hexdigest()
    assert anchor.records == text.split("\n", 1)[1].rsplit("position=", 1)[0]


def test_the_root_covers_every_head_and_the_position_but_not_the_time() -> None:
    root = seal(HEADS, position=40, created_at=AT).root
    assert seal(HEADS, position=40, created_at=AT + timedelta(days=1)).root == root
    assert seal(HEADS, position=41, created_at=AT).root != root
    assert seal(HEADS[:2], position=40, created_at=AT).root != root
    assert seal([("YJ-0001", 16, "a" * 64), *HEADS[1:]], position=40, created_at=AT).root != root
    assert seal([("YJ-0001", 17, "d" * 64), *HEADS[1:]], position=40, created_at=AT).root != root


def test_the_anchor_file_reads_back_with_every_head() -> None:
    anchor = seal(HEADS, position=40, created_at=AT)
    text = anchor.dumps()
    assert text.splitlines()[0] == str(anchor)
    assert (
        str(anchor) == f"fengqiao-anchor/1 {anchor.root} position=40 streams=3 events=21 at=2024-01-31T09:00:00+00:00"
    )
    back = Anchor.loads(text)
    assert back == anchor
    assert list(back.heads()) == [Head(*h) for h in HEADS]
    assert Anchor.loads(text.replace("\n", "\r\n")).records == anchor.records
    assert Anchor.loads(f"  {anchor}\n\n").records is None


def test_the_line_alone_reads_back_without_heads() -> None:
    anchor = seal(HEADS, position=40, created_at=AT, keep=False)
    assert anchor.records is None
    assert Anchor.loads(str(anchor)) == anchor == seal(HEADS, position=40, created_at=AT)
    with pytest.raises(ValidationError, match="kept only its root"):
        next(anchor.heads())


def test_an_anchor_round_trips_through_the_json_converter() -> None:
    anchor = seal(HEADS, position=40, created_at=AT)
    back = fq.loads(fq.dumps(anchor), Anchor)
    assert (back, back.records) == (anchor, anchor.records)


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (lambda t: t.replace('"YJ-0002",3', '"YJ-0002",2'), "anchor.records"),
        (lambda t: t.replace('"YJ-0002"', '"YJ-0009"'), "anchor.records"),
        (lambda t: t.replace("position=40", "position=39"), "anchor.records"),
        (lambda t: t.replace("events=21", "events=20"), "anchor.records"),
        (lambda t: "\n".join(t.splitlines()[:-1]) + "\n", "anchor.records"),
        (lambda t: t.replace("fengqiao-anchor/1", "fengqiao-anchor/2"), "anchor"),
        (lambda t: t.replace("+00:00", ""), "anchor"),
        (lambda t: t.replace("at=2024", "at=x2024"), "anchor"),
        (lambda t: "", "anchor"),
    ],
)
def test_an_altered_anchor_file_is_refused(edit: object, path: str) -> None:
    text = seal(HEADS, position=40, created_at=AT).dumps()
    assert callable(edit)
    with pytest.raises(ValidationError) as caught:
        Anchor.loads(edit(text))
    assert caught.value.path.startswith(path)


@pytest.mark.parametrize("bad", [None, b"fengqiao-anchor/1", 5, "[" * 100_000])
def test_garbage_is_refused_with_a_fengqiao_error(bad: object) -> None:
    with pytest.raises(FengqiaoError):
        Anchor.loads(bad)  # type: ignore[arg-type]


@given(st.text(), st.integers(min_value=0, max_value=10**9), st.text())
def test_a_head_line_is_always_its_compact_json(stream_id: str, version: int, digest: str) -> None:
    assert record(stream_id, version, digest) == json.dumps([stream_id, version, digest], separators=(",", ":")) + "\n"


@given(st.text(), st.integers(min_value=0, max_value=10**9), st.text())
def test_every_head_line_reads_back_as_its_head(stream_id: str, version: int, digest: str) -> None:
    anchor = seal([(stream_id, version, digest)], position=version, created_at=AT)
    assert list(Anchor.loads(anchor.dumps()).heads()) == [Head(stream_id, version, digest)]
