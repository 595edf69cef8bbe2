"""``update``: load, decide, save, and on a conflict load and decide again — never a lost update."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

import fengqiao as fq
from fengqiao.storage import HouseholdRepository, MemoryEventStore, Repository, SQLiteEventStore
from fengqiao.testing.contracts.support import OFFICER, graded_noise, workflow

Decide = Callable[[fq.Dispute], fq.Dispute]


class Counted:
    """``decide`` that counts its calls and keeps what it was given."""

    def __init__(self, make: Decide) -> None:
        self.make = make
        self.given: list[fq.Dispute] = []

    def __call__(self, d: fq.Dispute) -> fq.Dispute:
        self.given.append(d)
        return self.make(d)


def notes(d: fq.Dispute) -> list[str]:
    return [e.payload.text for e in d.history if isinstance(e, fq.Noted)]


@pytest.fixture
def repo() -> Repository:
    return Repository(workflow(), MemoryEventStore())


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[Repository, Repository]]:
    """Two repositories on one SQLite file, as two stations would be."""
    with SQLiteEventStore(tmp_path / "station.db") as mine, SQLiteEventStore(tmp_path / "station.db") as theirs:
        yield Repository(workflow(), mine), Repository(workflow(), theirs)


def test_update_stores_what_decide_made_from_the_stored_value_and_returns_it(repo: Repository) -> None:
    d = graded_noise(repo)
    decide = Counted(lambda d: repo.workflow.note(d, "电话回访", actor=OFFICER))
    updated = repo.update(d.id, decide)
    assert decide.given == [d]
    assert (updated.version, notes(updated)) == (3, ["电话回访"])
    assert repo.store.load(d.id) == updated.history
    assert repo.get(d.id) == updated


def wang_first(two: tuple[Repository, Repository], times: int) -> Counted:
    """Xiao's ``decide`` (a note), before which Wang saves a note of his own the first ``times`` times."""
    mine, theirs = two

    def interleaved(d: fq.Dispute) -> fq.Dispute:
        if len(decide.given) <= times:  # between Xiao's load and his save
            theirs.fire(theirs.get(d.id), "note", actor="officer:wang", text=f"王某 {d.version}")
        return mine.workflow.note(d, "肖某", actor=OFFICER)

    decide = Counted(interleaved)
    return decide


def test_a_save_between_the_load_and_the_save_is_kept_and_decide_runs_again_on_it(
    two: tuple[Repository, Repository],
) -> None:
    mine, theirs = two
    d = graded_noise(mine)
    decide = wang_first(two, times=1)
    updated = mine.update(d.id, decide)
    assert [g.version for g in decide.given] == [2, 3]  # reloaded after the conflict
    assert notes(updated) == ["王某 2", "肖某"]
    assert theirs.get(d.id) == updated
    assert mine.store.verify().ok


def test_update_gives_up_after_its_attempts_naming_how_many_and_the_last_conflict(
    two: tuple[Repository, Repository],
) -> None:
    mine, _ = two
    d = graded_noise(mine)
    with pytest.raises(fq.ConcurrencyConflict) as raised:
        mine.update(d.id, wang_first(two, times=100), attempts=3)
    error = raised.value
    assert (error.stream, error.expected, error.actual, error.attempts) == (d.id, 4, 5, 3)
    assert "gave up after 3 attempts" in str(error)
    assert isinstance(error.__cause__, fq.ConcurrencyConflict)
    assert (error.__cause__.expected, error.__cause__.actual, error.__cause__.attempts) == (4, 5, None)
    assert notes(mine.get(d.id)) == ["王某 2", "王某 3", "王某 4"]  # Wang's, each time; none of Xiao's


def test_a_single_attempt_that_conflicts_says_one_attempt(two: tuple[Repository, Repository]) -> None:
    d = graded_noise(two[0])
    with pytest.raises(fq.ConcurrencyConflict, match="gave up after 1 attempt, each"):
        two[0].update(d.id, wang_first(two, times=1), attempts=1)


@pytest.mark.parametrize(
    "raised",
    [
        fq.TransitionRefused("YJ-0001", "close", (fq.Refusal("baseline.close.no-visit", "须回访", "needs a visit"),)),
        fq.ConcurrencyConflict("YJ-0002", 1, 2),  # from the decision itself, not the update's save
        fq.ValidationError("must not be empty", "note.text"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_an_error_from_decide_is_passed_on_untouched_and_not_retried(
    repo: Repository, raised: fq.FengqiaoError
) -> None:
    d = graded_noise(repo)

    def refuse(d: fq.Dispute) -> fq.Dispute:
        raise raised

    decide = Counted(refuse)
    with pytest.raises(type(raised)) as caught:
        repo.update(d.id, decide, attempts=5)
    assert caught.value is raised
    assert len(decide.given) == 1
    assert repo.get(d.id) == d


def test_a_refusal_of_the_workflow_is_passed_on_with_its_codes(repo: Repository) -> None:
    d = graded_noise(repo)
    with pytest.raises(fq.TransitionRefused) as refused:
        repo.update(d.id, lambda d: repo.workflow.close(d, actor=OFFICER))
    assert "graph.not-allowed" in [r.code for r in refused.value.refusals]
    assert repo.get(d.id) == d


def test_decide_returning_the_value_it_was_given_stores_nothing_and_returns_it(repo: Repository) -> None:
    d = graded_noise(repo)
    before = list(repo.store.read_all())
    decide = Counted(lambda d: d)
    assert repo.update(d.id, decide) is decide.given[0]
    equal = repo.update(d.id, lambda d: fq.loads(fq.dumps(d), fq.Dispute))  # equal, not the same object
    assert equal == d
    assert list(repo.store.read_all()) == before


def _returns(repo: Repository, d: fq.Dispute) -> dict[str, tuple[Callable[[fq.Dispute], object], str, int]]:
    """Each wrong thing ``decide`` may return: what the refusal says, and how many events were stored anyway."""
    wf = repo.workflow
    other = graded_noise(repo)
    earlier = wf.replay(d.history[:2])  # graded, before the note
    elsewhere = wf.discover(channel="alarm_110", category="neighbour", summary="另案", actor=OFFICER, dispute_id=d.id)
    wang = Repository(wf, repo.store)  # another officer's repository on the same store

    def read_again(d: fq.Dispute) -> fq.Dispute:
        wang.fire(wang.get(d.id), "note", actor="officer:wang", text="王某")
        return repo.get(d.id)

    return {
        "not a dispute": (lambda d: "closed", "decide returned a str, not a Dispute", 0),
        "another dispute": (
            lambda d: wf.note(other, "x", actor=OFFICER),
            f"decide returned dispute YJ-0002, not {d.id}",
            0,
        ),
        "an earlier value": (
            lambda d: earlier,
            "does not continue the one it was given \\(version 3\\)",
            0,
        ),
        "another history": (lambda d: wf.note(elsewhere, "x", actor=OFFICER), "does not continue", 0),
        "a value it stored itself": (
            lambda d: repo.fire(d, "note", actor=OFFICER, text="自存"),
            "decide must make the new value with the workflow, not store it",
            1,  # what it stored stays, once: no retry stores it again
        ),
        "a later value it read": (read_again, "this repository stored or loaded itself", 1),
        "a value edited by hand": (
            lambda d: attrs.evolve(wf.note(d, "x", actor=OFFICER), state=fq.State.CLOSED),
            "is not what its history folds to: its state differs",
            0,
        ),
    }


WRONG = [
    "not a dispute",
    "another dispute",
    "an earlier value",
    "another history",
    "a value it stored itself",
    "a later value it read",
    "a value edited by hand",
]


@pytest.mark.parametrize("wrong", WRONG)
def test_decide_returning_something_that_is_not_a_later_value_of_the_dispute_is_refused(
    repo: Repository, wrong: str
) -> None:
    d = repo.fire(graded_noise(repo), "note", actor=OFFICER, text="先")
    returns = _returns(repo, d)
    assert sorted(returns) == sorted(WRONG)
    make, message, stored_anyway = returns[wrong]
    decide = Counted(make)  # type: ignore[arg-type]  # decide returning what it should not
    with pytest.raises(fq.ValidationError, match=message) as refused:
        repo.update(d.id, decide, attempts=3)
    assert refused.value.path == ("dispute.state" if wrong == "a value edited by hand" else "decide")
    assert len(decide.given) == 1  # not retried
    assert repo.get(d.id).version == d.version + stored_anyway


@pytest.mark.parametrize("attempts", [0, -1, 1.5, True, "3", None])
def test_attempts_must_be_a_whole_number_of_at_least_one(repo: Repository, attempts: Any) -> None:
    d = graded_noise(repo)
    with pytest.raises(fq.ValidationError, match="at least 1") as refused:
        repo.update(d.id, lambda d: d, attempts=attempts)
    assert refused.value.path == "attempts"


def test_decide_must_be_a_function(repo: Repository) -> None:
    d = graded_noise(repo)
    with pytest.raises(fq.ValidationError, match="expected a function of the dispute, got str") as refused:
        repo.update(d.id, "note")  # type: ignore[arg-type]
    assert refused.value.path == "decide"


def test_updating_a_dispute_that_is_not_stored_is_not_found(repo: Repository) -> None:
    with pytest.raises(fq.DisputeNotFound):
        repo.update("YJ-9999", lambda d: d)


def test_households_are_updated_the_same_way() -> None:
    wf = fq.HouseholdWorkflow(clock=fq.FixedClock(datetime(2024, 3, 1, 9, tzinfo=UTC)))
    households = HouseholdRepository(wf, MemoryEventStore())
    h = households.fire(households.screen(village="西歧村", actor="grid_worker:li", household_id="peng"), "watch",
                        reason="争吵", actor="grid_worker:li")  # fmt: skip

    def decide(h: fq.Household) -> fq.Household:
        return wf.note(h, text="走访", actor="grid_worker:li")

    updated = households.update(h.id, decide)
    assert updated.version == h.version + 1
    assert households.get(h.id) == updated
    with pytest.raises(fq.ValidationError, match="decide returned a Dispute, not a Household"):
        households.update(h.id, lambda h: graded_noise(Repository(workflow(), MemoryEventStore())))  # type: ignore[arg-type,return-value]
