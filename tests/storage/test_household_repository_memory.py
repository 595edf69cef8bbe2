"""What a ``HouseholdRepository`` remembers of its households: enough to skip a reload, nothing it keeps alive."""

from __future__ import annotations

import gc
import weakref
from datetime import UTC, datetime

import fengqiao as fq
from fengqiao.storage import HouseholdRepository
from tests.storage.test_repository_memory import CountingStore

GRID = "grid_worker:li"


def _repo(store: CountingStore) -> HouseholdRepository:
    return HouseholdRepository(fq.HouseholdWorkflow(clock=fq.FixedClock(datetime(2024, 3, 1, 9, tzinfo=UTC))), store)


def _screen(repo: HouseholdRepository, i: int = 0) -> fq.Household:
    return repo.screen(village="西歧村", actor=GRID, household_id=f"h-{i}")


def test_a_command_on_a_household_the_repository_handed_out_needs_no_reload() -> None:
    store = CountingStore()
    repo = _repo(store)
    h = repo.fire(_screen(repo), "watch", reason="争吵", actor=GRID)
    h = repo.fire(h, "note", text="走访", actor=GRID)
    assert store.loads == 0
    fetched = repo.get(h.id)
    assert store.loads == 1
    saved = repo.save(repo.workflow.note(fetched, text="再访", actor=GRID), expected_version=fetched.version)
    repo.fire(saved, "note", text="三访", actor=GRID)
    assert store.loads == 1


def test_a_household_read_elsewhere_is_checked_against_the_store() -> None:
    store = CountingStore()
    repo = _repo(store)
    copy = fq.loads(fq.dumps(_screen(repo)), fq.Household)
    repo.fire(copy, "watch", reason="争吵", actor=GRID)
    assert store.loads == 1


def test_the_household_repository_keeps_no_household_alive() -> None:
    store = CountingStore()
    repo = _repo(store)
    ids = [_screen(repo, i).id for i in range(50)]
    refs = [weakref.ref(repo.get(i)) for i in ids]
    gc.collect()
    assert [r() for r in refs] == [None] * len(ids)
    watched = repo.fire(repo.get(ids[0]), "watch", reason="争吵", actor=GRID)
    assert repo.get(ids[0]) == watched


def test_the_household_repository_forgets_dropped_households_as_it_goes() -> None:
    repo = _repo(CountingStore())
    held = [_screen(repo, i) for i in range(10)]
    for i in range(10, 3000):  # each value dropped at once
        _screen(repo, i)
    gc.collect()
    assert len(repo._known) <= 2 * 1024
    for h in held:
        assert repo._held(h.id) is h
