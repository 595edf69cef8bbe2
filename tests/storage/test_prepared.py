"""Prepared histories: encoded where they were made, cheap to send, the same rows as an append."""

from __future__ import annotations

import pickle

import pytest
from contract import closed, discover, workflow

from fengqiao.errors import ValidationError
from fengqiao.storage import Prepared, prepare
from fengqiao.storage.chain import GENESIS, link
from fengqiao.storage.codec import canonical_json


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
