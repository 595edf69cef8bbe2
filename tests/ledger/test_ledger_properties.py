"""Rebuild equals incremental, for random lifecycles under several policies (fengqiao.testing)."""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao.ledger import MemoryLedger, SQLiteLedger
from fengqiao.testing import Lifecycle, lifecycles
from fengqiao.testing.contracts.ledger_support import DAY, POLICIES, PREFIXES, choose_policy, snapshot, store_all

IDS = itertools.count(1)


def workflow_for(prefix: str) -> Callable[[], fq.Workflow]:
    policy = next((p for p in POLICIES if p.name == PREFIXES[prefix]), PREFIXES[prefix])

    def make() -> fq.Workflow:
        return fq.Workflow(policy, clock=fq.FixedClock(DAY), ids=lambda: f"{prefix}-{next(IDS):06d}")

    return make


RUNS = st.lists(
    st.sampled_from(sorted(PREFIXES)).flatmap(lambda prefix: lifecycles(workflow_for(prefix), max_steps=12)),
    min_size=1,
    max_size=4,
)


@settings(max_examples=20, deadline=None)
@given(runs=RUNS, chunk=st.integers(1, 4))
def test_rebuild_equals_incremental_for_random_lifecycles_under_several_policies(
    runs: list[Lifecycle], chunk: int
) -> None:
    disputes = [run.dispute for run in runs]
    memory = MemoryLedger(policy=choose_policy, policies=POLICIES)
    store_all(memory.store, disputes, chunk=chunk)
    with (
        tempfile.TemporaryDirectory() as tmp,
        SQLiteLedger(Path(tmp) / "x.db", policy=choose_policy, policies=POLICIES) as sqlite,
    ):
        store_all(sqlite.store, disputes, chunk=chunk)
        incremental = snapshot(sqlite)
        assert incremental[1] == tuple(sorted(disputes, key=lambda d: d.id))
        assert snapshot(memory) == incremental
        assert sqlite.rebuild() == memory.rebuild() == sum(d.version for d in disputes)
        assert snapshot(sqlite) == snapshot(memory) == incremental
