from __future__ import annotations

import multiprocessing
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

import fengqiao as fq
from fengqiao import _ids
from tests.stages import OFFICER


def test_default_dispute_ids_are_random_version_4_uuids_in_hex() -> None:
    wf = fq.Workflow("baseline")
    ids = [
        wf.discover(channel="alarm_110", category="neighbour", summary="噪音扰民", actor=OFFICER).id for _ in range(500)
    ]
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(hex=text)
        assert parsed.hex == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


def test_random_ids_are_made_in_batches_yet_each_is_given_once_across_threads() -> None:
    with ThreadPoolExecutor(4) as pool:
        batches = list(pool.map(lambda _: [_ids.random_id() for _ in range(1_000)], range(8)))
    ids = [i for batch in batches for i in batch]
    assert len(set(ids)) == len(ids) == 8_000
    assert all(uuid.UUID(hex=i).version == 4 and uuid.UUID(hex=i).variant == uuid.RFC_4122 for i in ids)


def test_a_forked_child_does_not_repeat_the_ids_its_parent_has_in_hand() -> None:
    if sys.platform != "linux":
        pytest.skip("fork is the default start method only on Linux")
    _ids.random_id()  # the parent now holds a batch of spare ids
    spare = set(_ids._SPARE_IDS)
    assert spare
    with multiprocessing.get_context("fork").Pool(1) as pool:
        child = pool.apply(_ids_in_a_child)
    assert not spare & set(child)


def _ids_in_a_child() -> list[str]:
    return [_ids.random_id() for _ in range(_ids._ID_BATCH)]
