"""The store contract's repository: one decision path from command to stored event."""

from __future__ import annotations

import attrs
import pytest

import fengqiao as fq
from fengqiao.errors import ConcurrencyConflict, DisputeNotFound, StorageError, ValidationError
from fengqiao.lifecycle.payloads import ClosePayload
from fengqiao.storage import EventStore, Repository
from fengqiao.testing.contracts.support import (
    OFFICER,
    discover,
    graded_noise,
    noise,
    tick,
    workflow,
)


class _RepositoryRules:
    """What a repository over the store stores, and what it refuses."""

    # -- the repository ----------------------------------------------------------------
    def test_repository_keeps_each_command_as_it_is_made(self, store: EventStore) -> None:
        repo = Repository(workflow(), store)
        d = noise(repo)
        d = repo.fire(d, fq.Trigger.GRADE, actor=OFFICER)
        d = repo.fire(d, "mediate", actor=OFFICER, forces=["police_office"])
        assert store.load(d.id) == d.history
        assert repo.get(d.id) == d

    def test_repository_get_of_an_unknown_dispute_raises_not_found(self, store: EventStore) -> None:
        with pytest.raises(DisputeNotFound) as caught:
            Repository(workflow(), store).get("YJ-9999")
        assert caught.value.dispute_id == "YJ-9999"
        assert isinstance(caught.value, StorageError)

    def test_repository_discover_refuses_a_second_dispute_with_the_same_id(self, store: EventStore) -> None:
        repo = Repository(workflow(), store)
        repo.discover(channel="alarm_110", category="neighbour", summary="a", actor=OFFICER, dispute_id="D-1")
        with pytest.raises(ConcurrencyConflict):
            repo.discover(channel="alarm_110", category="neighbour", summary="b", actor=OFFICER, dispute_id="D-1")
        assert repo.get("D-1").summary == "a"

    def test_repository_save_stores_typed_workflow_commands_together(self, store: EventStore) -> None:
        wf = workflow()
        repo = Repository(wf, store)
        d = noise(repo)
        later = wf.mediate(wf.grade(d, actor=OFFICER), actor=OFFICER)
        assert repo.save(later, expected_version=d.version) is later
        assert repo.get(d.id) == later
        with pytest.raises(ConcurrencyConflict):
            repo.save(wf.note(later, "x", actor=OFFICER), expected_version=d.version)
        assert repo.get(d.id) == later

    @pytest.mark.parametrize("bad", [-1, 99])
    def test_repository_save_refuses_a_version_outside_the_history(self, store: EventStore, bad: int) -> None:
        d = discover(workflow())
        with pytest.raises(ValidationError):
            Repository(workflow(), store).save(d, expected_version=bad)

    def test_two_officers_cannot_overwrite_each_other_and_the_second_retries(self, store: EventStore) -> None:
        wf = workflow()
        repo = Repository(wf, store)
        d = graded_noise(repo)
        xiao, wang = repo.get(d.id), repo.get(d.id)
        xiao = repo.fire(xiao, "mediate", actor="officer:xiao")
        with pytest.raises(ConcurrencyConflict) as caught:
            repo.fire(wang, "refer", actor="officer:wang", department="justice_office")
        assert (caught.value.expected, caught.value.actual) == (2, 3)
        wang = repo.get(d.id)
        assert wang == xiao
        wang = repo.fire(wang, "record_attempt", actor="officer:wang", outcome="agreement")
        final = repo.get(d.id)
        assert final == wang
        assert [e.actor.id for e in final.history[-2:]] == ["officer:xiao", "officer:wang"]
        assert store.verify().ok

    # -- one decision path: only what the workflow accepts from the stored head is stored ---
    def test_repository_save_refuses_a_close_the_policy_refuses_and_stores_nothing(self, store: EventStore) -> None:
        wf = workflow()
        repo = Repository(wf, store)
        d = noise(repo)
        resolved = wf.resolve(
            wf.record_attempt(
                wf.mediate(wf.grade(d, actor=OFFICER), actor=OFFICER), actor=OFFICER, outcome="agreement"
            ),
            actor=OFFICER,
        )
        close = fq.Closed(
            dispute_id=d.id,
            at=resolved.updated_at,
            actor=fq.Actor.parse("grid_worker:wang"),
            payload=ClosePayload(summary="销号"),
        )
        forged = fq.replay((*resolved.history, close))  # folded without asking anyone
        assert forged.state is fq.State.CLOSED
        with pytest.raises(fq.TransitionRefused) as caught:
            repo.save(forged, expected_version=d.version)
        assert "baseline.close.no-visit" in {r.code for r in caught.value.refusals}
        assert store.load(d.id) == d.history

    def test_repository_save_refuses_a_history_that_is_not_the_stored_one(self, store: EventStore) -> None:
        wf = workflow()
        repo = Repository(wf, store)
        d = graded_noise(repo)
        other = fq.replay((attrs.evolve(d.history[0], actor=fq.Actor.parse("officer:evil")), *d.history[1:]))
        with pytest.raises(ValidationError, match="not the stored one") as caught:
            Repository(wf, store).save(wf.note(other, "x", actor=OFFICER), expected_version=d.version)
        assert caught.value.path == "history[0]"
        assert store.load(d.id) == d.history

    def test_repository_save_refuses_a_dispute_whose_fields_disagree_with_its_history(self, store: EventStore) -> None:
        wf = workflow()
        repo = Repository(wf, store)
        d = noise(repo)
        doctored = attrs.evolve(wf.grade(d, actor=OFFICER), state=fq.State.CLOSED)
        with pytest.raises(ValidationError, match="its state differs") as caught:
            repo.save(doctored, expected_version=d.version)
        assert caught.value.path == "dispute.state"
        assert store.load(d.id) == d.history

    def test_repository_fire_refuses_a_doctored_dispute_and_stores_nothing(self, store: EventStore) -> None:
        wf = workflow()
        repo = Repository(wf, store)
        d = graded_noise(repo)
        doctored = attrs.evolve(d, state=fq.State.FOLLOW_UP, visits=())
        with pytest.raises(ValidationError, match="its state differs") as caught:
            repo.fire(doctored, "close", actor=OFFICER)
        assert caught.value.path == "dispute.state"
        assert store.load(d.id) == d.history

    def test_repository_fire_decides_on_an_equal_value_read_elsewhere(self, store: EventStore) -> None:
        wf = workflow()
        d = Repository(wf, store).discover(channel="alarm_110", category="neighbour", summary="噪音", actor=OFFICER)
        copy = fq.loads(fq.dumps(d), fq.Dispute)  # equal, not the same object: compared with the store
        graded = Repository(wf, store).fire(copy, "grade", actor=OFFICER)
        assert store.load(d.id) == graded.history

    def test_a_command_dated_before_the_last_event_is_refused(self, store: EventStore) -> None:
        wf = workflow()
        repo = Repository(wf, store)
        d = noise(repo)
        tick(wf, hours=-1)
        with pytest.raises(fq.TransitionRefused) as caught:
            repo.fire(d, "grade", actor=OFFICER)
        assert [r.code for r in caught.value.refusals] == ["time.before-last-event"]
        assert store.load(d.id) == d.history

    def test_a_merge_into_itself_is_refused(self, store: EventStore) -> None:
        repo = Repository(workflow(), store)
        d = noise(repo)
        with pytest.raises(fq.TransitionRefused) as caught:
            repo.fire(d, "merge", actor=OFFICER, into=d.id)
        assert [r.code for r in caught.value.refusals] == ["merge.into-itself"]
        assert store.load(d.id) == d.history

    def test_a_merge_into_an_unknown_dispute_is_refused_and_stores_nothing(self, store: EventStore) -> None:
        repo = Repository(workflow(), store)
        d = noise(repo)
        with pytest.raises(fq.TransitionRefused) as caught:
            repo.fire(d, "merge", actor=OFFICER, into="YJ-9999")
        assert [r.code for r in caught.value.refusals] == ["merge.into-unknown"]
        assert store.load(d.id) == d.history
        assert list(store.streams()) == [d.id]

    def test_a_merge_is_recorded_on_both_streams_together(self, store: EventStore) -> None:
        wf = workflow()
        repo = Repository(wf, store)
        first = noise(repo)
        second = noise(repo, "同一噪音")
        merged = repo.fire(second, "merge", actor=OFFICER, into=first.id)
        assert merged.state is fq.State.MERGED
        target = repo.get(first.id)
        assert target.version == 2
        note = target.history[-1]
        assert isinstance(note, fq.Noted)
        assert second.id in note.payload.text
        positions = [s.position for s in store.read_all() if s.version > 1]
        assert len(positions) == 2
        assert store.verify().ok

    def test_a_merge_into_an_ended_dispute_is_refused(self, store: EventStore) -> None:
        wf = workflow()
        repo = Repository(wf, store)
        first = repo.fire(
            noise(repo),
            "grade",
            actor=OFFICER,
            meets_case_threshold=True,
        )
        first = repo.fire(first, "escalate", actor=OFFICER, case_kind="administrative", case_number="2024-1")
        second = noise(repo, "同一噪音")
        with pytest.raises(fq.TransitionRefused) as caught:
            repo.fire(second, "merge", actor=OFFICER, into=first.id)
        assert [r.code for r in caught.value.refusals] == ["merge.into-ended"]
        assert store.load(second.id) == second.history
