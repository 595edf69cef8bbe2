from __future__ import annotations

from typing import Any

import attrs
import pytest

import fengqiao as fq
from fengqiao.lifecycle.fold import apply
from tests.stages import OFFICER, Disputes


def test_replay_of_a_history_gives_back_the_same_dispute(disputes: Disputes) -> None:
    d = disputes.closed()
    assert fq.replay(d.history) == d


def test_replay_of_a_prefix_gives_the_dispute_as_it_was_then(disputes: Disputes, wf: fq.Workflow) -> None:
    graded = disputes.graded()
    later = wf.mediate(graded, actor=OFFICER)
    assert fq.replay(later.history[: graded.version]) == graded


def test_replay_of_an_empty_history_is_refused_at_history_0() -> None:
    with pytest.raises(fq.ValidationError) as info:
        fq.replay(())
    assert info.value.path == "history[0]"
    assert "Discovered" in info.value.message


def test_replay_of_a_history_not_starting_with_discovered_is_refused_at_history_0(disputes: Disputes) -> None:
    d = disputes.graded()
    with pytest.raises(fq.ValidationError) as info:
        fq.replay(d.history[1:])
    assert info.value.path == "history[0]"


def test_replay_of_a_history_with_a_second_discovered_is_refused_where_it_stands(disputes: Disputes) -> None:
    d = disputes.mediating()
    history = (*d.history, d.history[0])
    with pytest.raises(fq.ValidationError) as info:
        fq.replay(history)
    assert info.value.path == f"history[{d.version}]"
    assert "only the first event may be Discovered" in info.value.message


def test_replay_of_a_history_mixing_disputes_is_refused_at_the_stranger(disputes: Disputes) -> None:
    d = disputes.mediating()
    history = list(d.history)
    history[2] = attrs.evolve(history[2], dispute_id="D-9999")
    with pytest.raises(fq.ValidationError) as info:
        fq.replay(history)
    assert info.value.path == "history[2]"
    assert "D-9999" in info.value.message


def test_replay_of_a_history_holding_something_that_is_not_an_event_is_refused(disputes: Disputes) -> None:
    d = disputes.graded()
    history: list[Any] = [*d.history, {"type": "noted"}]
    with pytest.raises(fq.ValidationError) as info:
        fq.replay(history)
    assert info.value.path == "history[2]"


def test_replay_accepts_any_iterable_of_events(disputes: Disputes) -> None:
    d = disputes.follow_up()
    assert fq.replay(iter(d.history)) == d


def test_apply_leaves_the_dispute_it_was_given_unchanged(disputes: Disputes, wf: fq.Workflow) -> None:
    graded = disputes.graded()
    event = wf.mediate(graded, actor=OFFICER).history[-1]
    before = fq.dumps(graded)
    after = apply(graded, event)
    assert fq.dumps(graded) == before
    assert after.state is fq.State.MEDIATING


def test_a_state_change_records_when_the_state_was_entered(
    disputes: Disputes, wf: fq.Workflow, clock: fq.FixedClock
) -> None:
    d = disputes.graded()
    entered = clock.advance(hours=1)
    d = wf.mediate(d, actor=OFFICER)
    clock.advance(hours=1)
    d = wf.note(d, "双方情绪平稳", actor=OFFICER)
    assert d.state_since == entered
    assert d.updated_at == clock.now()
