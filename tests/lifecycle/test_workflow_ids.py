from __future__ import annotations

import uuid

import fengqiao as fq
from stages import OFFICER


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
