"""The store contract's checks for more than one kind of case in one store: disputes and households."""

from __future__ import annotations

from typing import Any

import pytest

from fengqiao.errors import ValidationError
from fengqiao.households import HouseholdWorkflow
from fengqiao.lifecycle.events import Event
from fengqiao.lifecycle.household_events import HouseholdEvent
from fengqiao.storage import Append, EventStore
from fengqiao.testing.contracts.support import discover, with_notes, workflow
from fengqiao.testing.households import household_story


class _Kinds:
    """Both kinds in one store: each stream reads back as its own kind, and nothing mixes them up."""

    def test_disputes_and_households_share_a_store_and_read_back_equal(self, store: EventStore) -> None:
        wf = workflow()
        d = with_notes(wf, discover(wf), 2)
        h = household_story()
        events: tuple[Any, ...] = h.history  # the store's protocol still names dispute events only
        store.append_many([Append(d.id, d.history, expected_version=0), Append(h.id, events, expected_version=0)])
        assert store.load(d.id) == d.history
        loaded: tuple[Any, ...] = store.load(h.id)
        assert loaded == events
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
        events: tuple[Any, ...] = household_story().history
        for version, event in enumerate(events):
            assert store.append("story-1", (event,), expected_version=version) == version + 1
        assert store.load("story-1") == events
        assert store.verify("story-1").ok

    def test_a_household_event_for_another_stream_is_refused(self, store: EventStore) -> None:
        events: tuple[Any, ...] = household_story().history
        with pytest.raises(ValidationError, match="event of household 'story-1' cannot go to stream 'other'") as caught:
            store.append("other", events[:1], expected_version=0)
        assert caught.value.path == "events[0]"
        assert list(store.streams()) == []
