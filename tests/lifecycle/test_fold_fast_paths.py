"""The fold's fast paths give exactly what the plain attrs way gives.

``apply`` copies the dispute with a copy compiled for its fields, and ``fold`` builds the
dispute once from a draft instead of once per event (see ``fengqiao.lifecycle.fold``). Here
the plain way — ``attrs.evolve`` after each event — is the reference, over random lifecycles
of every registered policy.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao.domain._codegen import PLAIN, is_plain
from fengqiao.lifecycle import fold as fold_module
from fengqiao.lifecycle.fold import apply, fold, start
from fengqiao.testing import Lifecycle, lifecycles
from tests.stages import START


def factory(policy: str) -> Callable[[], fq.Workflow]:
    def make() -> fq.Workflow:
        ids = count(1)
        return fq.Workflow(policy, clock=fq.FixedClock(START), ids=lambda: f"D{next(ids)}")

    return make


def reference_apply(dispute: fq.Dispute, event: fq.Event) -> fq.Dispute:
    """``apply`` the plain way: the same changes, through ``attrs.evolve`` (which runs ``__init__``)."""
    changes: dict[str, Any] = fold_module._changes(dispute, event)
    return attrs.evolve(dispute, history=(*dispute.history, event), **changes)


def same_fields(a: fq.Dispute, b: fq.Dispute) -> bool:
    """Equal, and every field the very same object (nothing copied or converted on the way)."""
    return a == b and all(getattr(a, f.name) is getattr(b, f.name) for f in attrs.fields(fq.Dispute))


FAST_ONLY = pytest.mark.skipif(PLAIN, reason="FENGQIAO_PLAIN=1: the fold copies with attrs.evolve")
runs = st.sampled_from(fq.policies.names()).flatmap(lambda name: lifecycles(factory(name), max_steps=20))


@settings(max_examples=60, deadline=None)
@given(runs)
def test_apply_gives_what_attrs_evolve_gives_after_every_event(run: Lifecycle) -> None:
    history = run.dispute.history
    first = history[0]
    assert isinstance(first, fq.Discovered)
    current = start(first)
    for event in history[1:]:
        changes = {**fold_module._changes(current, event), "history": (*current.history, event)}
        copied = fold_module._DISPUTE.copy(current, changes)
        assert same_fields(copied, attrs.evolve(current, **changes))
        assert type(copied) is fq.Dispute
        # ``apply`` uses a copy compiled for exactly the changed fields: the same again.
        assert same_fields(fold_module._DISPUTE.copy_of(tuple(changes))(current, changes), copied)
        assert apply(current, event) == copied
        current = copied
    assert current == run.dispute


@settings(max_examples=60, deadline=None)
@given(runs)
def test_apply_fills_every_field_with_what_the_plain_step_gives(run: Lifecycle) -> None:
    history = run.dispute.history
    first = history[0]
    assert isinstance(first, fq.Discovered)
    current = start(first)
    for event in history[1:]:
        applied, reference = apply(current, event), reference_apply(current, event)
        assert applied == reference
        assert type(applied) is fq.Dispute
        for f in attrs.fields(fq.Dispute):
            a, b = getattr(applied, f.name), getattr(reference, f.name)
            assert a == b
            assert type(a) is type(b)
            assert a is b or f.name in fold_module._changes(current, event) or f.name == "history"
        assert applied.history[-1] is event
        current = applied


@FAST_ONLY
def test_a_built_in_event_is_applied_by_a_step_compiled_for_its_class(disputes: Any) -> None:
    d = disputes.closed()
    first, graded = d.history[0], d.history[1]
    assert isinstance(first, fq.Discovered)
    assert isinstance(graded, fq.Graded)
    assert apply(start(first), graded) == fq.replay(d.history[:2])  # the grading's step is compiled on first use
    steps = fold_module._STEPS_OF[fq.Graded]
    assert steps
    assert all(s.__code__.co_filename.startswith("<fengqiao generated apply_graded ") for s in steps.values())


@settings(max_examples=60, deadline=None)
@given(runs)
def test_fold_gives_what_applying_event_after_event_gives(run: Lifecycle) -> None:
    history = run.dispute.history
    first = history[0]
    assert isinstance(first, fq.Discovered)
    plain = start(first)
    for event in history[1:]:
        plain = reference_apply(plain, event)
    assert fold(history) == plain
    assert fold(history) == run.dispute
    for size in range(1, len(history) + 1):
        assert fold(history[:size]) == run.disputes[size - 1]


def test_the_compiled_copy_is_exact_only_because_dispute_has_no_converters_or_validators() -> None:
    # If this fails, Dispute gained a converter, validator or post-init hook: the fold then
    # falls back to attrs.evolve on its own, and this test should be updated to say so.
    assert is_plain(fq.Dispute)


@FAST_ONLY
def test_the_fold_copies_disputes_with_compiled_code() -> None:
    assert fold_module._DISPUTE.compiled
    assert fold_module._DISPUTE.copy.__code__.co_filename.startswith("<fengqiao generated copy ")


@FAST_ONLY
def test_a_new_dispute_is_built_by_compiled_code_straight_from_its_discovery() -> None:
    assert fold_module._begin is not None
    assert fold_module._begin.__code__.co_filename.startswith("<fengqiao generated begin ")


@settings(max_examples=60, deadline=None)
@given(runs)
def test_start_gives_what_the_discovery_values_give_through_attrs_init(run: Lifecycle) -> None:
    first = run.dispute.history[0]
    assert isinstance(first, fq.Discovered)
    built, made = start(first), fq.Dispute(**fold_module._started(first))
    assert built == made
    assert all(type(getattr(built, f.name)) is type(getattr(made, f.name)) for f in attrs.fields(fq.Dispute))


@FAST_ONLY
def test_new_values_are_filled_through_the_plain_slotted_twin() -> None:
    # If this fails, CPython refused to turn a filled twin into a Dispute (a changed layout,
    # a __weakref__ slot): the fold then keeps to the slot descriptors, correct but slower.
    twin = fold_module._DISPUTE.twin
    assert twin is not None
    assert getattr(twin, "__slots__", None) == tuple(f.name for f in attrs.fields(fq.Dispute))


@pytest.mark.skipif(not PLAIN, reason="only with FENGQIAO_PLAIN=1")
def test_in_plain_mode_the_fold_uses_attrs_evolve_and_init() -> None:
    assert not fold_module._DISPUTE.compiled
    assert fold_module._DISPUTE.twin is None


def test_a_copied_dispute_stays_frozen(disputes: Any) -> None:
    d = disputes.closed()
    copy = apply(d, attrs.evolve(d.history[-1]))
    try:
        copy.summary = "changed"  # type: ignore[misc]
    except attrs.exceptions.FrozenInstanceError:
        pass
    else:  # pragma: no cover - the copy must be frozen
        raise AssertionError("the copy could be changed")
    assert copy.summary == d.summary
    assert hash(copy) == hash(attrs.evolve(copy))
