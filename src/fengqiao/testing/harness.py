"""A stateful test harness: random commands on several disputes, invariants after every step.

:func:`policy_state_machine` builds a hypothesis ``RuleBasedStateMachine`` for a policy. It
discovers disputes, fires random commands at them (mostly triggers the graph allows, with
random payloads and actors), moves the clock, and after every step checks the invariants
every policy must keep:

- replaying a dispute's history gives the dispute (``replay(d.history) == d``);
- every dispute survives a JSON round trip unchanged;
- a refused command changed nothing, and ``check()`` gave the same refusals as ``fire()``;
- every refusal carries a code and a message in Chinese and English;
- nothing ever left a terminal state;
- every deadline's status agrees with its due time and the clock;

plus your own, as functions ``(workflow, dispute) -> None`` that raise ``AssertionError``.

>>> from fengqiao.testing import policy_state_machine
>>> TestBaseline = policy_state_machine("baseline").TestCase
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from itertools import count
from typing import Any, ClassVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from fengqiao.domain.clock import FixedClock
from fengqiao.domain.terms import Category, Channel
from fengqiao.errors import TransitionRefused
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.refusals import Decision, Refusal
from fengqiao.policies.base import CHINA_TZ, DeadlineStatus, Policy
from fengqiao.serde import dumps, loads
from fengqiao.testing._sampling import sampled
from fengqiao.testing.commands import ACTORS, payloads_for
from fengqiao.testing.strategies import texts, vocabulary
from fengqiao.workflow import DeadlineCheck, Workflow, replay

__all__ = ["Invariant", "PolicyStateMachine", "check_deadlines", "check_refusal", "policy_state_machine"]

Invariant = Callable[[Workflow, Dispute], None]
"""A check of your own: raise ``AssertionError`` when ``dispute`` breaks your rule."""


class PolicyStateMachine(RuleBasedStateMachine):
    """The harness; make one with :func:`policy_state_machine` (or subclass and set ``policy``)."""

    policy: ClassVar[str | Policy] = "baseline"
    start: ClassVar[datetime] = datetime(2024, 1, 1, 8, 0, tzinfo=CHINA_TZ)
    extra_invariants: ClassVar[tuple[Invariant, ...]] = ()

    def __init__(self) -> None:
        super().__init__()
        ids = count(1)
        self.clock = FixedClock(self.start)
        self.workflow = Workflow(self.policy, clock=self.clock, ids=lambda: f"H{next(ids)}")
        self.disputes: list[Dispute] = []
        self.terminal_seen: dict[str, Any] = {}

    @initialize(channel=vocabulary(Channel), category=vocabulary(Category), summary=texts(min_size=1))
    def discover_first(self, channel: Channel, category: Category, summary: str) -> None:
        """Open the first dispute."""
        self.discover(channel, category, summary)

    @rule(channel=vocabulary(Channel), category=vocabulary(Category), summary=texts(min_size=1))
    @precondition(lambda self: len(self.disputes) < 4)
    def discover(self, channel: Channel, category: Category, summary: str) -> None:
        """Open another dispute (up to four)."""
        self.disputes.append(
            self.workflow.discover(channel=channel, category=category, summary=summary, actor="officer:xiao")
        )

    @rule(minutes=st.sampled_from((0, 30, 600, 1440, 10080, 43200)))
    def advance(self, minutes: int) -> None:
        """Move the clock on (0 min to 30 days)."""
        self.clock.advance(minutes=minutes)

    @rule(data=st.data())
    def command(self, data: st.DataObject) -> None:
        """Fire a random command at a random dispute; a refusal must change nothing."""
        index = data.draw(st.integers(0, len(self.disputes) - 1), label="dispute")
        d = self.disputes[index]
        allowed = self.workflow.graph.allowed(d.state)
        pool = allowed if allowed and data.draw(st.integers(0, 4), label="any") != 4 else self.workflow.graph.triggers
        trigger = data.draw(sampled(pool), label="trigger")
        payload = dict(data.draw(payloads_for(trigger, self.workflow, d), label="payload"))
        actor = data.draw(ACTORS, label="actor")
        before = dumps(d)
        decision = self.workflow.check(d, trigger, actor=actor, **payload)
        new: Dispute | None = None
        refusals: tuple[Any, ...] = ()
        try:
            new = self.workflow.fire(d, trigger, actor=actor, **payload)
        except TransitionRefused as refused:
            refusals = refused.refusals
        if new is None:
            check_refusal(decision, refusals)
            assert dumps(d) == before, "a refused command changed the dispute"
            return
        assert decision.allowed, f"check() refused what fire() allowed: {decision.codes}"
        assert new.version == d.version + 1
        if self.workflow.graph.is_terminal(d.state):
            raise AssertionError(f"{trigger} left terminal state {d.state}")
        self.disputes[index] = new

    @invariant()
    def replay_gives_the_dispute(self) -> None:
        """``replay(d.history) == d`` for every dispute."""
        for d in self.disputes:
            assert replay(d.history) == d

    @invariant()
    def json_round_trip_keeps_the_dispute(self) -> None:
        """Every dispute survives ``loads(dumps(d))``."""
        for d in self.disputes:
            assert loads(dumps(d), Dispute) == d

    @invariant()
    def terminal_states_stay_terminal(self) -> None:
        """A dispute once terminal never changes again."""
        for d in self.disputes:
            if d.id in self.terminal_seen:
                assert d.version == self.terminal_seen[d.id], f"{d.id} changed after reaching {d.state}"
            elif self.workflow.graph.is_terminal(d.state):
                self.terminal_seen[d.id] = d.version

    @invariant()
    def deadlines_agree_with_the_clock(self) -> None:
        """A deadline is overdue exactly when it is unmet and its due time has passed."""
        now = self.clock.now()
        for d in self.disputes:
            check_deadlines(self.workflow.deadlines(d, at=now), now)

    @invariant()
    def your_invariants_hold(self) -> None:
        """The invariants the harness was made with."""
        for check in self.extra_invariants:
            for d in self.disputes:
                check(self.workflow, d)


def check_refusal(decision: Decision, refusals: tuple[Refusal, ...]) -> None:
    """What a refused command must show: check() refused it too, with the same refusals, each coded, zh and en."""
    assert not decision.allowed, "check() allowed what fire() refused"
    assert refusals == decision.refusals, "check() and fire() gave different refusals"
    for r in refusals:
        assert r.code, f"refusal without a code: {r!r}"
        assert r.zh, f"refusal without a Chinese message: {r!r}"
        assert r.en, f"refusal without an English message: {r!r}"


def check_deadlines(checks: Iterable[DeadlineCheck], now: datetime) -> None:
    """Each deadline's status is what its due time, its meeting and ``now`` make it; each has a code."""
    for check in checks:
        dl = check.deadline
        if dl.met_at is None:
            expected = DeadlineStatus.OVERDUE if now > dl.due else DeadlineStatus.PENDING
        else:
            expected = DeadlineStatus.MET if dl.met_at <= dl.due else DeadlineStatus.LATE
        assert check.status is expected, (dl.code, check.status, expected)
        assert dl.code, "a deadline without a code"


def policy_state_machine(
    policy: str | Policy,
    *,
    invariants: Iterable[Invariant] = (),
    start: datetime | None = None,
    max_examples: int = 100,
    step_count: int = 30,
) -> type[PolicyStateMachine]:
    """A harness class for ``policy``; run it with its ``.TestCase`` under pytest or unittest.

    Args:
        policy: a policy or a registered name.
        invariants: your own checks, ``(workflow, dispute) -> None``, raising ``AssertionError``.
        start: when the clock starts (2024-01-01 08:00 in Asia/Shanghai by default).
        max_examples: how many random programs hypothesis runs.
        step_count: how many steps each program takes at most.
    """
    name = policy if isinstance(policy, str) else policy.name
    attrs_: dict[str, Any] = {
        "policy": policy,
        "extra_invariants": tuple(invariants),
        "start": start or PolicyStateMachine.start,
    }
    machine = type(f"{name.title().replace('-', '')}StateMachine", (PolicyStateMachine,), attrs_)
    machine.TestCase.settings = settings(  # type: ignore[attr-defined]
        max_examples=max_examples, stateful_step_count=step_count, deadline=None
    )
    return machine
