"""The store contract's checks for more than one kind of case in one store: disputes, households and places."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

import fengqiao as fq
from fengqiao.errors import ConcurrencyConflict, DisputeNotFound, HouseholdNotFound, TransitionRefused, ValidationError
from fengqiao.households import HouseholdWorkflow
from fengqiao.lifecycle.events import Event
from fengqiao.lifecycle.household_events import HouseholdEvent
from fengqiao.lifecycle.place_events import PlaceEvent
from fengqiao.storage import Append, EventStore, HouseholdRepository, PlaceRepository, Repository
from fengqiao.testing.contracts.support import discover, with_notes, workflow
from fengqiao.testing.households import household_story
from fengqiao.testing.places import place_story


class _Kinds:
    """Both kinds in one store: each stream reads back as its own kind, and nothing mixes them up."""

    def test_disputes_and_households_share_a_store_and_read_back_equal(self, store: EventStore) -> None:
        wf = workflow()
        d = with_notes(wf, discover(wf), 2)
        h = household_story()
        store.append_many([Append(d.id, d.history, expected_version=0), Append(h.id, h.history, expected_version=0)])
        assert store.load(d.id) == d.history
        loaded = store.load(h.id)
        assert loaded == h.history
        assert all(isinstance(e, Event) for e in store.load(d.id))
        assert all(isinstance(e, HouseholdEvent) for e in loaded)
        assert HouseholdWorkflow().replay(loaded) == h
        assert wf.replay(store.load(d.id)) == d
        assert sorted(store.streams()) == sorted([d.id, h.id])
        report = store.verify()
        assert report.ok
        assert report.events == len(d.history) + len(h.history)
        assert [e.event for e in store.read_all()] == [*d.history, *h.history]

    def test_a_household_event_appended_one_at_a_time_chains_like_a_dispute_event(self, store: EventStore) -> None:
        events = household_story().history
        for version, event in enumerate(events):
            assert store.append("story-1", (event,), expected_version=version) == version + 1
        assert store.load("story-1") == events
        assert store.verify("story-1").ok

    def test_a_household_event_for_another_stream_is_refused(self, store: EventStore) -> None:
        events = household_story().history
        with pytest.raises(ValidationError, match="event of household 'story-1' cannot go to stream 'other'") as caught:
            store.append("other", events[:1], expected_version=0)
        assert caught.value.path == "events[0]"
        assert list(store.streams()) == []

    def test_a_place_and_its_reports_share_the_store_with_both_kinds_of_case(self, store: EventStore) -> None:
        wf = workflow()
        d = with_notes(wf, discover(wf), 1)
        h, p = household_story(), place_story()
        households, places = h.history, p.history
        store.append_many(
            [
                Append(d.id, d.history, expected_version=0),
                Append(h.id, households, expected_version=0),
                Append(p.id, places, expected_version=0),
            ]
        )
        loaded = store.load(p.id)
        assert loaded == places
        assert all(isinstance(e, PlaceEvent) for e in loaded)
        assert PlaceRepository(fq.PlaceWorkflow("xiqi-family-risk"), store).get(p.id) == p
        assert [x.id for x in PlaceRepository(fq.PlaceWorkflow("xiqi-family-risk"), store).places()] == [p.id]
        assert [x.id for x in HouseholdRepository(HouseholdWorkflow(), store).households()] == [h.id]
        assert store.verify().ok
        assert store.verify().events == len(d.history) + len(h.history) + len(p.history)
        assert [e.event for e in store.read_all()] == [*d.history, *households, *places]
        with pytest.raises(fq.PlaceNotFound):
            PlaceRepository(fq.PlaceWorkflow("xiqi-family-risk"), store).get(h.id)

    def test_a_place_repository_stores_what_its_workflow_decides(self, store: EventStore) -> None:
        clock = _clock()
        repo = PlaceRepository(fq.PlaceWorkflow("xiqi-family-risk", clock=clock), store)
        place = repo.register(name="西歧村", actor="grid_worker:li", rhythms=["xiqi.daily-report"])
        place = repo.file(
            place, "xiqi.daily-report", incidents=["田某持刀"], households=["tian"], actor="grid_worker:li"
        )
        with pytest.raises(TransitionRefused, match=r"place\.rhythm-not-owed"):
            repo.file(place, "xiqi.weekly-push", actor="grid_worker:li")
        with pytest.raises(ConcurrencyConflict):
            repo.register(name="西歧村", actor="grid_worker:li")
        assert repo.get(place.id) == place
        assert len(store.load(place.id)) == 2
        clock.advance(timedelta(days=3))
        assert repo.missing(at=clock.now()) == {place.id: {"xiqi.daily-report": 2}}

    # -- the household repository and the link ------------------------------------------
    def test_a_household_repository_stores_what_its_workflow_decides(self, store: EventStore) -> None:
        repo = HouseholdRepository(HouseholdWorkflow(clock=_clock()), store)
        h = repo.screen(village="西歧村", actor="grid_worker:li", household_id="h-1")
        h = repo.fire(h, "watch", reason="争吵", factors=["dispute"], actor="grid_worker:li")
        assert repo.get("h-1") == h
        stale = h
        h = repo.fire(h, "assess", actor="party_secretary:tian")
        with pytest.raises(ConcurrencyConflict):
            repo.fire(stale, "note", text="x", actor="grid_worker:li")
        doctored = attrs.evolve(h, village="别村")
        with pytest.raises(ValidationError, match="not the stored one"):
            repo.fire(doctored, "note", text="x", actor="grid_worker:li")
        assert repo.get("h-1") == h
        wf = workflow()
        d = discover(wf)
        store.append(d.id, d.history, expected_version=0)
        with pytest.raises(HouseholdNotFound):
            repo.get(d.id)
        with pytest.raises(HouseholdNotFound):
            repo.get("nobody")
        with pytest.raises(DisputeNotFound):
            Repository(wf, store).get("h-1")

    def test_a_household_repository_saves_typed_workflow_commands_together(self, store: EventStore) -> None:
        wf = HouseholdWorkflow("xiqi-family-risk", clock=_clock())
        repo = HouseholdRepository(wf, store)
        h = repo.screen(village="西歧村", actor="grid_worker:li", household_id="h-1")
        later = wf.assess(wf.watch(h, reason="争吵", factors=["dispute"], actor="grid_worker:li"), actor=_LEAD)
        assert repo.save(later, expected_version=h.version) is later
        assert store.load("h-1") == later.history
        assert HouseholdRepository(wf, store).get("h-1") == later
        with pytest.raises(ConcurrencyConflict):
            repo.save(wf.note(later, text="x", actor="grid_worker:li"), expected_version=h.version)
        fresh = wf.screen(village="西歧村", actor="grid_worker:li", household_id="h-2")
        assert repo.save(wf.note(fresh, text="新户", actor="grid_worker:li"), expected_version=0).version == 2
        assert store.load("h-1") == later.history

    def test_a_household_repository_save_refuses_what_the_policy_refuses_and_stores_nothing(
        self, store: EventStore
    ) -> None:
        wf = HouseholdWorkflow("xiqi-family-risk", clock=_clock())
        repo = HouseholdRepository(wf, store)
        h = repo.screen(village="西歧村", actor="grid_worker:li", household_id="h-1")
        h = repo.fire(h, "watch", reason="争吵", factors=["dispute"], actor="grid_worker:li")
        h = repo.fire(h, "assess", actor=_LEAD)
        lenient = HouseholdWorkflow(clock=wf.clock, adopts=[wf.policy.name])  # the base policy: management asks nothing
        forged = lenient.manage(h, actor="grid_worker:li")
        with pytest.raises(TransitionRefused) as caught:
            repo.save(forged, expected_version=h.version)
        assert {"xiqi.manage.no-cadre", "xiqi.manage.no-plan"} <= {r.code for r in caught.value.refusals}
        assert store.load("h-1") == h.history

    def test_a_household_repository_refuses_a_household_edited_by_hand_naming_the_field(
        self, store: EventStore
    ) -> None:
        wf = HouseholdWorkflow(clock=_clock())
        repo = HouseholdRepository(wf, store)
        h = repo.screen(village="西歧村", actor="grid_worker:li", household_id="h-1")
        doctored = attrs.evolve(wf.watch(h, reason="争吵", actor="grid_worker:li"), village="别村")
        with pytest.raises(ValidationError, match="its village differs") as caught:
            repo.save(doctored, expected_version=h.version)
        assert caught.value.path == "household.village"
        with pytest.raises(ValidationError, match="not the stored one: its grid differs") as caught:
            repo.fire(attrs.evolve(h, grid="9"), "note", text="x", actor="grid_worker:li")
        assert caught.value.path == "household.grid"
        other = attrs.evolve(h.history[0], actor=fq.Actor.parse("grid_worker:evil"))
        with pytest.raises(ValidationError, match="event 1 is not the stored one of household h-1") as caught:
            HouseholdRepository(wf, store).save(
                wf.note(wf.replay((other,)), text="x", actor="grid_worker:li"), expected_version=1
            )
        assert caught.value.path == "history[0]"
        with pytest.raises(ValidationError, match="outside the household's history"):
            repo.save(h, expected_version=2)
        assert store.load("h-1") == h.history

    def test_a_dispute_and_a_household_are_linked_in_one_transaction(self, store: EventStore) -> None:
        clock = _clock()
        disputes = Repository(fq.Workflow(clock=clock), store)
        households = HouseholdRepository(HouseholdWorkflow(clock=clock), store)
        h = households.screen(village="西歧村", actor="grid_worker:li", household_id="peng")
        h = households.fire(h, "watch", reason="争吵", actor="grid_worker:li")
        h = households.fire(h, "assess", actor="party_secretary:tian")
        member = fq.Party(name="彭某某", household="peng")
        outsider = fq.Party(name="邓某某", household="deng")  # no such household stored
        d = disputes.discover(
            channel="alarm_110",
            category="neighbour",
            summary="排水沟",
            parties=[member, outsider],
            actor="officer:xiao",
            dispute_id="d-1",
        )
        d, linked = households.link_parties(disputes, d, actor="auxiliary_officer:zhang")
        (h,) = linked
        assert h.disputes == ("d-1",)
        assert h.reassessment_due
        note = d.history[-1]
        assert isinstance(note, fq.Noted)
        assert note.payload.text.startswith("关联家庭 peng")
        assert households.get("peng") == h
        assert disputes.get("d-1") == d
        assert households.link_parties(disputes, d, actor="auxiliary_officer:zhang") == (d, ())  # already linked
        before = (store.load("d-1"), store.load("peng"))
        with pytest.raises(TransitionRefused, match=r"link\.household-unknown"):
            households.link(disputes, d, "deng", actor="auxiliary_officer:zhang")
        assert (store.load("d-1"), store.load("peng")) == before
        assert store.verify().ok


_LEAD = "political_legal_member:peng"


def _clock() -> fq.FixedClock:
    class Ticking(fq.FixedClock):
        def now(self) -> datetime:
            self.advance(timedelta(minutes=1))
            return super().now()

    return Ticking(datetime(2024, 3, 1, 9, tzinfo=UTC))
