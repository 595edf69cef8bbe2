"""Mashan's invariants over random lifecycles, steered so that every gate is often passed, not only refused.

The lifecycles (``fengqiao.testing.lifecycles``) discover disputes at the toolkit's three
stations, so the policy here is built with a pool whose villages are those stations. The
payloads mostly name the 贝侬 a dispute needs, file the papers a gate asks for and record
agreements; ``hypothesis.event`` labels which gates were passed (run with
``--hypothesis-show-statistics`` to see the shares).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import rule

import fengqiao as fq
from fengqiao.policies import CHINA_TZ
from fengqiao.policies.mashan_beinong import (
    JOINT_SESSION_FORCES,
    CourtOfficer,
    Level,
    MashanBeinong,
    Mediator,
    MediatorPool,
    need_of,
)
from fengqiao.testing import Lifecycle, PayloadStrategy, PolicyStateMachine, Step, lifecycles, payloads_for
from fengqiao.testing.harness import check_refusal

START = datetime(2024, 3, 5, 9, 0, tzinfo=CHINA_TZ)
K, F, T = fq.DossierKind, fq.MediationForce, fq.Trigger
STATIONS = ("城关派出所", "蒲州派出所", "西关派出所")
SURNAMES = ("赵", "钱", "孙", "李", "周", "吴", "郑", "王")
POOL = MediatorPool(
    [Mediator(f"{s}贝侬", "village", village=s) for s in STATIONS]
    + [Mediator(f"{c}氏贝侬", "clan", clan=c) for c in SURNAMES]
    + [Mediator("专业贝侬", "professional")],
    [CourtOfficer("干警甲", STATIONS[:2]), CourtOfficer("干警乙", ("别村",))],
)
POLICY = MashanBeinong(pool=POOL)
JUDGE = "court_officer:蒋某"
ACTORS = st.sampled_from([JUDGE] * 6 + ["mediator:城关派出所贝侬", "mediator:专业贝侬", "grid_worker:zhao"])
ENDINGS = (T.RESOLVE, "request_confirmation", "withdraw", T.CLOSE)


def make() -> fq.Workflow:
    ids = itertools.count(1)
    return fq.Workflow(POLICY, clock=fq.FixedClock(START), ids=lambda: f"MS{next(ids)}")


def fitting(d: fq.Dispute) -> str:
    """A 贝侬 of the kind ``d`` needs (or the professional one)."""
    need = need_of(
        d,
        professional_categories=POLICY.professional_categories,
        special_group_factors=POLICY.special_group_factors,
        clan_categories=POLICY.clan_categories,
    )
    if need.kind.value == "clan":
        return f"{sorted(need.clans)[0]}氏贝侬"
    if need.kind.value == "village" and need.village in STATIONS:
        return f"{need.village}贝侬"
    return "专业贝侬"


def _mediator(d: fq.Dispute, *, blank: bool = True) -> st.SearchStrategy[str]:
    return st.sampled_from([fitting(d)] * 4 + ["城关派出所贝侬", "专业贝侬", "张三"] + [""] * blank)


def _docs(*kinds: fq.DossierKind) -> st.SearchStrategy[list[fq.DossierItem]]:
    return st.sampled_from([[fq.DossierItem(kind=k) for k in kinds], []])


def _grade(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    factors = st.sampled_from([[], [], ["threat"], ["drugs"], ["long_standing"]])
    return st.fixed_dictionaries(
        {
            "risk_factors": factors,
            "complex": st.booleans(),
            "meets_case_threshold": st.sampled_from([False] * 7 + [True]),
        }
    )


def _attempt(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    forces = st.sampled_from([[F.BEINONG], sorted(JOINT_SESSION_FORCES | {F.BEINONG}), sorted(JOINT_SESSION_FORCES)])
    return st.fixed_dictionaries(
        {"outcome": st.sampled_from(["agreement", "agreement", "failed", "partial"]), "forces": forces}
    )


def _assign(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    officer = st.fixed_dictionaries(
        {"person": st.sampled_from(["干警甲", "干警乙", "无名"]), "role": st.just("court_officer")}
    )
    mediator = st.fixed_dictionaries({"person": _mediator(d, blank=False), "role": st.just("mediator")})
    return officer | mediator


_USEFUL = [K.SEARCH_RECORD, K.SEARCH_RECORD, K.MEDIATION_AGREEMENT, K.PERFORMANCE_RECORD, K.COURT_CONFIRMATION]
PAYLOADS: dict[fq.Trigger | str, PayloadStrategy] = {
    T.GRADE: _grade,
    T.MEDIATE: lambda wf, d: st.fixed_dictionaries({"mediator": _mediator(d), "documents": _docs(K.SEARCH_RECORD)}),
    T.RECORD_ATTEMPT: _attempt,
    T.ASSIGN: _assign,
    T.ATTACH: lambda wf, d: st.sampled_from(_USEFUL).map(lambda k: {"item": fq.DossierItem(kind=k)}),
    T.RESOLVE: lambda wf, d: st.fixed_dictionaries({"outcome": st.sampled_from(["agreement", "agreement", "failed"])}),
    "report_to_centre": lambda wf, d: st.fixed_dictionaries({"documents": _docs(K.SEARCH_RECORD)}),
    "confirm": lambda wf, d: st.fixed_dictionaries({"documents": _docs(K.COURT_CONFIRMATION, K.MEDIATION_AGREEMENT)}),
    "decline_confirmation": lambda wf, d: st.fixed_dictionaries({"note": st.sampled_from(["", "协议违法"])}),
}
WEIGHTS: dict[fq.Trigger | str, int] = {
    **dict.fromkeys((T.MERGE, T.REFER, T.LINK_ALERT, T.NOTE, T.REGRADE, T.ESCALATE), 0),
    **dict.fromkeys((T.GRADE, T.MEDIATE, T.RECORD_ATTEMPT, T.ATTACH, "request_confirmation", "confirm"), 6),
    **dict.fromkeys(("track_performance", T.CLOSE, "report_to_centre", "refer_to_room", "withdraw"), 4),
}
"""Away from the exits that end a run early, towards the gates."""
RUNS = lifecycles(make, max_steps=30, payloads=PAYLOADS, actors=ACTORS, weights=WEIGHTS)


def commands(run: Lifecycle) -> Iterator[tuple[fq.Dispute, Step, fq.Dispute | None]]:
    """Each command with the dispute it was given and (if it landed) the one it gave."""
    values = iter(run.disputes)
    before = next(values)
    for step in run.steps:
        after = next(values) if step.accepted else None
        yield before, step, after
        before = after or before


def _kinds(d: fq.Dispute, step: Step) -> set[fq.DossierKind]:
    return {i.kind for i in d.dossier} | {i.kind for i in step.payload.get("documents", ())}


def lawful(before: fq.Dispute, step: Step) -> None:
    """The policy's rules, stated plainly against the dispute before an accepted command."""
    trail, trigger, kinds = POLICY.trail(before), step.trigger, _kinds(before, step)
    if trigger in ENDINGS and POLICY.potentially_major(before):
        assert trail.reported_at is not None
        assert trail.joint_session_at is not None
    if trigger == T.MEDIATE:
        assert K.SEARCH_RECORD in kinds
        assert POOL.mediator(step.payload["mediator"]) is not None
    elif trigger == "refer_to_room":
        assert trail.level is Level.STATION
        assert trail.last_outcome is fq.Outcome.FAILED or before.grade in ("major", "complex") or before.complex
    elif trigger == "report_to_centre":
        failed_in_room = trail.level is Level.ROOM and trail.last_outcome is fq.Outcome.FAILED
        assert POLICY.potentially_major(before) or failed_in_room
    elif trigger == "request_confirmation":
        assert before.attempts
        assert before.attempts[-1].outcome is fq.Outcome.AGREEMENT
    elif trigger == "confirm":
        assert {K.MEDIATION_AGREEMENT, K.COURT_CONFIRMATION} <= kinds
        assert step.actor.startswith("court_officer:")
    elif trigger == "withdraw":
        assert before.channel is fq.Channel.FILED_SUIT
        assert before.attempts[-1].outcome is fq.Outcome.AGREEMENT
    elif trigger == T.CLOSE:
        assert before.outcome is fq.Outcome.FAILED or K.PERFORMANCE_RECORD in kinds
    elif trigger == T.ASSIGN and step.payload["role"] == "court_officer":
        officer = POOL.officer(step.payload["person"])
        assert officer is not None
        assert before.station in officer.villages


@settings(max_examples=200, deadline=None)
@given(RUNS)
def test_every_accepted_command_keeps_mashans_rules(run: Lifecycle) -> None:
    for before, step, _after in commands(run):
        if step.accepted:
            event(f"accepted: {step.trigger}")
            lawful(before, step)


@settings(max_examples=200, deadline=None)
@given(RUNS)
def test_replay_round_trip_and_the_graph_agree_with_every_command(run: Lifecycle) -> None:
    wf = run.workflow
    for before, step, after in commands(run):
        if after is None:
            continue
        assert after.state == wf.graph.target(before.state, step.trigger)
        assert after.history[:-1] == before.history
    d = run.dispute
    event(f"ended in {d.state}")
    assert fq.replay(d.history, policy=POLICY) == d
    assert fq.loads(fq.dumps(d), fq.Dispute) == d


class MashanMachine(PolicyStateMachine):
    """The toolkit's harness (replay, round trip, terminal states, deadlines), with steered commands."""

    policy = POLICY

    @rule(data=st.data())
    def steered_command(self, data: st.DataObject) -> None:
        """A command the graph allows, with Mashan's steered payloads; a refusal changes nothing."""
        index = data.draw(st.integers(0, len(self.disputes) - 1), label="dispute")
        d = self.disputes[index]
        allowed = self.workflow.graph.allowed(d.state)
        if not allowed:
            return
        weighted = [t for t in allowed for _ in range(WEIGHTS.get(t, 1))] or list(allowed)
        trigger = data.draw(st.sampled_from(weighted), label="trigger")
        strategy = (
            PAYLOADS[trigger](self.workflow, d) if trigger in PAYLOADS else payloads_for(trigger, self.workflow, d)
        )
        payload = dict(data.draw(strategy, label="payload"))
        actor = data.draw(ACTORS, label="actor")
        before = fq.dumps(d)
        decision = self.workflow.check(d, trigger, actor=actor, **payload)
        try:
            self.disputes[index] = self.workflow.fire(d, trigger, actor=actor, **payload)
        except fq.TransitionRefused as refused:
            check_refusal(decision, refused.refusals)
            assert fq.dumps(d) == before, "a refused command changed the dispute"
            return
        event(f"harness accepted: {trigger}")


@settings(max_examples=200, deadline=None)
@given(outcomes=st.lists(st.sampled_from(list(fq.Outcome)), max_size=4), suit=st.booleans())
def test_a_suit_is_withdrawn_exactly_when_it_was_filed_and_the_last_attempt_agreed(
    outcomes: list[fq.Outcome], suit: bool
) -> None:
    wf = make()
    d = wf.discover(
        channel="filed_suit" if suit else "walk_in",
        category="debt",
        summary="借款纠纷",
        station=STATIONS[0],
        actor=JUDGE,
    )
    d = wf.grade(d, actor=JUDGE)
    d = wf.mediate(d, actor=JUDGE, mediator=f"{STATIONS[0]}贝侬", documents=[fq.DossierItem(kind=K.SEARCH_RECORD)])
    for outcome in outcomes:
        d = wf.record_attempt(d, actor=JUDGE, outcome=outcome)
    lawful = suit and bool(outcomes) and outcomes[-1] is fq.Outcome.AGREEMENT
    event(f"withdraw {'allowed' if lawful else 'refused'}")
    assert wf.check(d, "withdraw", actor=JUDGE).allowed == lawful


MashanMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=20, deadline=None)
TestMashanHarness = MashanMachine.TestCase
