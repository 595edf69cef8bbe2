"""``PolicyContract``: what every policy must satisfy, whatever its region's rules.

Subclass it with a ``policy`` fixture giving your policy object; the checks drive random
command sequences (:func:`~fengqiao.testing.lifecycles`) through a workflow of it and the
stateful harness (:func:`~fengqiao.testing.policy_state_machine`)::

    class TestJiangxianDaily(PolicyContract):
        @pytest.fixture
        def policy(self) -> fq.Policy:
            return JiangxianDaily()

Set ``max_examples`` on the subclass to run more (or fewer) random lifecycles.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime

import pytest
from hypothesis import given, settings

import fengqiao as fq
from fengqiao.policies.base import CHINA_TZ
from fengqiao.policies.reports import reports_of
from fengqiao.testing.commands import Lifecycle, lifecycles
from fengqiao.testing.harness import policy_state_machine

__all__ = ["PolicyContract"]

START = datetime(2024, 1, 31, 9, 0, tzinfo=CHINA_TZ)


def _factory(policy: fq.Policy) -> Callable[[], fq.Workflow]:
    def make() -> fq.Workflow:
        ids = itertools.count(1)
        return fq.Workflow(policy, clock=fq.FixedClock(START), ids=lambda: f"D{next(ids)}")

    return make


class PolicyContract:
    """Behaviour every policy shares. Subclasses provide the ``policy`` fixture."""

    max_examples = 50
    """How many random lifecycles each property runs."""
    max_steps = 25
    """How many commands each lifecycle takes at most."""

    @pytest.fixture
    def policy(self) -> fq.Policy:
        """The policy under test (a subclass's fixture gives it)."""
        raise NotImplementedError("a policy's test class provides the policy fixture")

    def _check_lifecycles(self, policy: fq.Policy, check: Callable[[Lifecycle], None]) -> None:
        @settings(max_examples=self.max_examples, deadline=None, database=None)
        @given(lifecycles(_factory(policy), max_steps=self.max_steps))
        def run(lifecycle: Lifecycle) -> None:
            check(lifecycle)

        run()

    # -- definition --------------------------------------------------------------------------
    def test_the_policy_names_itself_and_its_grades_most_severe_first(self, policy: fq.Policy) -> None:
        assert isinstance(policy, fq.Policy)
        assert isinstance(policy.name, str)
        assert policy.name
        assert policy.grades
        assert all(isinstance(g, str) and g for g in policy.grades)
        assert len(set(policy.grades)) == len(policy.grades), "each grade once"

    def test_the_graph_it_extends_validates(self, policy: fq.Policy) -> None:
        wf = fq.Workflow(policy)  # a PolicyDefinitionError names the fault
        assert not wf.graph.is_terminal(fq.State.DISCOVERED)
        assert all(wf.graph.is_terminal(s) for s in (fq.State.CLOSED, fq.State.ESCALATED, fq.State.MERGED))

    def test_its_reports_are_named_and_callable(self, policy: fq.Policy) -> None:
        assert all(isinstance(name, str) and callable(report) for name, report in reports_of(policy).items())

    # -- behaviour over random lifecycles ---------------------------------------------------------
    def test_replay_gives_the_value_every_command_returned(self, policy: fq.Policy) -> None:
        def check(run: Lifecycle) -> None:
            for d in run.disputes:
                assert run.workflow.replay(d.history) == d

        self._check_lifecycles(policy, check)

    def test_every_refusal_has_a_code_and_both_languages(self, policy: fq.Policy) -> None:
        def check(run: Lifecycle) -> None:
            for step in run.steps:
                for r in step.refusals:
                    assert r.code, f"{step!r}: a refusal without a code"
                    assert r.zh, f"{step!r}: {r.code} has no Chinese text"
                    assert r.en, f"{step!r}: {r.code} has no English text"

        self._check_lifecycles(policy, check)

    def test_grading_is_deterministic(self, policy: fq.Policy) -> None:
        def check(run: Lifecycle) -> None:
            d = run.dispute
            if d.assessment is not None:
                assert policy.grade(d, d.assessment, START) == policy.grade(d, d.assessment, START)

        self._check_lifecycles(policy, check)

    def test_deadlines_and_dossier_requirements_say_what_is_due_in_both_languages(self, policy: fq.Policy) -> None:
        def check(run: Lifecycle) -> None:
            for d in run.disputes:
                for dl in policy.deadlines(d):
                    assert dl.code
                    assert dl.zh
                    assert dl.en
                    assert dl.due.tzinfo is not None
                for req in policy.dossier_requirements(d):
                    assert req.code
                    assert req.zh
                    assert req.en

        self._check_lifecycles(policy, check)

    def test_nothing_fires_from_a_terminal_state(self, policy: fq.Policy) -> None:
        def check(run: Lifecycle) -> None:
            wf = run.workflow
            for d in run.disputes:
                if wf.graph.is_terminal(d.state):
                    assert wf.triggers(d) == ()

        self._check_lifecycles(policy, check)

    def test_metrics_are_numbers(self, policy: fq.Policy) -> None:
        def check(run: Lifecycle) -> None:
            figures = policy.metrics(run.disputes[-1:])
            assert all(isinstance(k, str) and isinstance(v, int | float) for k, v in figures.items())

        self._check_lifecycles(policy, check)

    def test_the_stateful_harness_keeps_its_invariants(self, policy: fq.Policy) -> None:
        machine = policy_state_machine(policy, max_examples=max(1, self.max_examples // 2), step_count=self.max_steps)
        machine.TestCase().runTest()
