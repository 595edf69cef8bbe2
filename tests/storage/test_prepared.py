"""Prepared histories: encoded where they were made, cheap to send, the same rows as an append."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pytest

from fengqiao.errors import ValidationError
from fengqiao.storage import Append, Prepared, prepare
from fengqiao.storage._chain import GENESIS, link, seal
from fengqiao.storage._codec import canonical_json
from fengqiao.storage.prepared import encode_rows
from fengqiao.testing.contracts.support import closed, discover, workflow


def test_a_prepared_history_holds_each_event_s_canonical_text_and_hash_chain() -> None:
    d = closed(workflow())
    prepared = prepare(d.id, d.history)
    assert prepared.types == tuple(e.type for e in d.history)
    assert prepared.data == tuple(canonical_json(e) for e in d.history)
    chain, prev = [], GENESIS
    for version, text in enumerate(prepared.data, start=1):
        prev = link(prev, d.id, version, text)
        chain.append(prev)
    assert prepared.hashes == tuple(chain)
    assert prepared.expected_version == 0


def test_a_prepared_history_survives_pickling_unchanged() -> None:
    d = closed(workflow())
    prepared = prepare(d.id, d.history)
    assert pickle.loads(pickle.dumps(prepared)) == prepared


def test_prepare_refuses_an_event_of_another_dispute_naming_it() -> None:
    wf = workflow()
    a, b = discover(wf), discover(wf)
    with pytest.raises(ValidationError) as caught:
        prepare(a.id, [*a.history, *b.history])
    assert caught.value.path == "events[1]"


def test_prepare_refuses_a_malformed_stream_id() -> None:
    d = discover(workflow())
    with pytest.raises(ValidationError) as caught:
        prepare("", d.history)
    assert caught.value.path == "stream_id"


def test_an_empty_history_prepares_to_an_empty_value() -> None:
    assert prepare("d-1", []) == Prepared("d-1", (), (), ())


def test_the_rows_zipped_from_columns_are_those_built_from_records() -> None:
    wf = workflow()
    a, b, c = closed(wf), discover(wf), closed(wf)
    head_b = (1, link(GENESIS, b.id, 1, canonical_json(b.history[0])))
    later = wf.fire(b, "grade", actor="officer:xiao")
    items = (
        prepare(a.id, a.history),
        Append(b.id, later.history[1:], expected_version=1),
        prepare("empty", []),
        prepare(c.id, c.history),
    )
    heads = {a.id: (0, GENESIS), b.id: head_b, "empty": (0, GENESIS), c.id: (0, GENESIS)}
    at = datetime(2024, 1, 31, 9, tzinfo=UTC)
    lazy, count, none, moved = encode_rows(items, heads, at, at.isoformat(), keep=False)
    eager, count_too, records, moved_too = encode_rows(items, heads, at, at.isoformat(), keep=True)
    zipped, built = [tuple(row) for row in lazy], list(eager)  # copies: zip may hand out one tuple again
    assert count == count_too == len(zipped)
    assert zipped == built
    assert none == []
    assert len(records) == len(built) == a.version + 1 + c.version
    assert zipped[a.version][6] == head_b[1]  # the appended event chains from the stored head
    assert all(row[8] == seal(row[7], at) for row in zipped)  # each row seals its hash and the batch's time
    assert moved == moved_too
    assert moved == {
        a.id: (a.version, zipped[a.version - 1][7]),
        b.id: (2, zipped[a.version][7]),
        c.id: (c.version, zipped[-1][7]),
    }
