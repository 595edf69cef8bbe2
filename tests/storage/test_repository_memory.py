"""What a ``Repository`` remembers of the values it hands out: enough to skip a reload, nothing it keeps alive."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterable

import fengqiao as fq
from fengqiao.lifecycle.cases import CaseEvent
from fengqiao.storage import MemoryEventStore, Repository
from fengqiao.testing.contracts.support import OFFICER, noise, workflow


class CountingStore(MemoryEventStore):
    """A memory store that counts its loads (the repository's reloads)."""

    loads = 0

    def load(self, stream_id: str) -> tuple[CaseEvent, ...]:
        self.loads += 1
        return super().load(stream_id)


def test_a_command_on_a_value_the_repository_handed_out_needs_no_reload() -> None:
    store = CountingStore()
    repo = Repository(workflow(), store)
    d = noise(repo)
    d = repo.fire(d, fq.Trigger.GRADE, actor=OFFICER)
    assert store.loads == 0
    fetched = repo.get(d.id)
    assert store.loads == 1
    repo.fire(fetched, "mediate", actor=OFFICER, forces=["police_office"])
    assert store.loads == 1


def test_a_value_read_elsewhere_is_checked_against_the_store() -> None:
    store = CountingStore()
    repo = Repository(workflow(), store)
    d = noise(repo)
    copy = fq.loads(fq.dumps(d), fq.Dispute)
    repo.fire(copy, fq.Trigger.GRADE, actor=OFFICER)
    assert store.loads == 1


def test_the_repository_keeps_no_value_alive() -> None:
    store = CountingStore()
    repo = Repository(workflow(), store)
    ids = [noise(repo, summary=f"噪音{i}").id for i in range(50)]
    refs: Iterable[weakref.ref[fq.Dispute]] = [weakref.ref(repo.get(i)) for i in ids]
    gc.collect()
    assert [r() for r in refs] == [None] * len(ids)
    again = repo.get(ids[0])  # forgotten, so a command on a new value works as before
    graded = repo.fire(again, fq.Trigger.GRADE, actor=OFFICER)
    assert repo.get(ids[0]) == graded


def test_the_repository_forgets_dropped_values_as_it_goes() -> None:
    repo = Repository(workflow(), MemoryEventStore())
    held = [noise(repo, summary=f"噪音{i}") for i in range(10)]
    for i in range(3000):  # each value dropped at once
        noise(repo, summary=f"噪音{i}")
    gc.collect()
    assert len(repo._known) <= 2 * 1024  # the dead are pruned, not kept for ever
    for d in held:  # what is still held is still known: no reload
        assert repo._held(d.id) is d
