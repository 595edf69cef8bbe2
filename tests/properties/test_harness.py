"""The stateful harness on every registered policy, and on a user's own invariant."""

from __future__ import annotations

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao.testing import policy_state_machine


@pytest.mark.parametrize("policy", fq.policies.names())
def test_every_registered_policy_keeps_the_harness_invariants(policy: str) -> None:
    policy_state_machine(policy, max_examples=40, step_count=25).TestCase().runTest()


def test_the_harness_reports_a_broken_invariant_of_your_own() -> None:
    def never_graded_high(wf: fq.Workflow, d: fq.Dispute) -> None:
        assert d.grade != "high", f"{d.id} was graded high"

    machine = policy_state_machine("baseline", invariants=[never_graded_high], max_examples=200, step_count=20)
    # Only the report matters here, not the smallest counterexample: skip shrinking.
    machine.TestCase.settings = settings(
        max_examples=200, stateful_step_count=20, deadline=None, phases=[Phase.generate], database=None
    )
    with pytest.raises(AssertionError, match="was graded high"):
        machine.TestCase().runTest()


@settings(max_examples=30, deadline=None)
@given(d=st.from_type(fq.Dispute), event=st.from_type(fq.Event), party=st.from_type(fq.Party))
def test_hypothesis_builds_fengqiao_values_from_their_types(d: fq.Dispute, event: fq.Event, party: fq.Party) -> None:
    assert fq.replay(d.history) == d
    assert fq.loads(fq.dumps(event), fq.Event) == event
    assert party.name.strip()


def test_the_toolkit_imports_in_a_fresh_interpreter_before_hypothesis_is_loaded() -> None:
    # Hypothesis runs its entry points on import; under pytest it is always loaded first, so
    # only a fresh interpreter shows a circular import between the hook and the toolkit.
    import subprocess
    import sys

    code = "import fengqiao.testing; from hypothesis import strategies as st; import fengqiao as fq; "
    code += "print(type(st.from_type(fq.Dispute)).__name__)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
