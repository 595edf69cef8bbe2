"""Shared fixtures: a fixed clock in China Standard Time, a baseline workflow, disputes at each stage."""

from __future__ import annotations

import itertools

import pytest

import fengqiao as fq
from tests.stages import START, Disputes


@pytest.fixture
def clock() -> fq.FixedClock:
    return fq.FixedClock(START)


@pytest.fixture
def wf(clock: fq.FixedClock) -> fq.Workflow:
    counter = itertools.count(1)
    return fq.Workflow("baseline", clock=clock, ids=lambda: f"D-{next(counter):04d}")


@pytest.fixture
def disputes(wf: fq.Workflow, clock: fq.FixedClock) -> Disputes:
    return Disputes(wf, clock)
