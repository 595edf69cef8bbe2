"""Shanxi's invariants over random command sequences, steered so that every gate is also passed, not only refused."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao.policies.shanxi_fengqiao_station import STEPS, ShanxiFengqiaoStation
from fengqiao.policies.shanxi_fengqiao_station.zhao_shuli import filed_by, resolved_in_mediation
from fengqiao.testing import Lifecycle, PayloadStrategy, Step, lifecycles
from tests.stages import START, commands

K, T, S = fq.DossierKind, fq.Trigger, fq.State
EDUCATION, SURVEY, SETTLEMENT = STEPS
ROOM, TEAM, CASES = "command_room:han", "community_team:guo", "case_team:li"
ACTORS = st.sampled_from([*[ROOM] * 4, *[TEAM] * 5, CASES, "grid_worker:wang", "officer:xiao"])
"""Who acts: the three teams (the community team most, as it does most of the work), a grid worker, a plain officer."""


def make() -> fq.Workflow:
    ids = itertools.count(1)
    return fq.Workflow(ShanxiFengqiaoStation(), clock=fq.FixedClock(START), ids=lambda: f"SX{next(ids)}")


def _grade(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    return st.fixed_dictionaries(
        {
            "police_business": st.sampled_from([True] * 7 + [False]),
            "meets_case_threshold": st.sampled_from([False] * 7 + [True]),
        }
    )


def _kinds(d: fq.Dispute) -> st.SearchStrategy[fq.DossierKind]:
    """The method's records, often the next one due, sometimes out of order, sometimes another paper."""
    have = {item.kind for item in d.dossier}
    due = [k for k in STEPS if k not in have][:1]
    return st.sampled_from([*(due * 3), *STEPS, K.MEDIATION_AGREEMENT])


def _records(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[tuple[fq.DossierItem, ...]]:
    return st.lists(_kinds(d).map(fq.DossierItem), max_size=2).map(tuple)


def _mediate(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    return st.fixed_dictionaries({"forces": st.just(["police_office"]), "documents": _records(wf, d)})


def _attach(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    return _kinds(d).map(lambda kind: {"item": fq.DossierItem(kind)})


def _attempt(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    return st.fixed_dictionaries({"outcome": st.sampled_from(["agreement", "agreement", "partial", "failed"])})


def _resolve(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    reported = None if d.referral is None else d.referral.department
    return st.fixed_dictionaries({"reported_by": st.just(reported), "documents": _records(wf, d)})


PAYLOADS: dict[fq.Trigger | str, PayloadStrategy] = {
    T.GRADE: _grade,
    T.MEDIATE: _mediate,
    T.ATTACH: _attach,
    T.RECORD_ATTEMPT: _attempt,
    T.RESOLVE: _resolve,
}
WEIGHTS: dict[fq.Trigger | str, int] = {
    **dict.fromkeys((T.GRADE, T.MEDIATE, T.RESOLVE, T.ATTACH, T.RECORD_ATTEMPT, T.CLOSE), 5),
    **dict.fromkeys((T.MERGE, T.ESCALATE, T.REFER, T.REOPEN, T.NOTE, T.REGRADE, T.ASSIGN, T.LINK_ALERT), 1),
    T.RECORD_VISIT: 1,
}
"""Fixed weights: the protocol's triggers often, the ways out early (merge, escalate, refer) rarely."""
RUNS = lifecycles(make, max_steps=30, payloads=PAYLOADS, actors=ACTORS, weights=WEIGHTS)


def _mediating_without_survey(d: fq.Dispute) -> bool:
    return d.state is S.MEDIATING and not d.has_document(SURVEY)


def gates(before: fq.Dispute, step: Step) -> Iterator[str]:
    """The gates ``step`` met, each as ``"<gate>: accepted"`` or ``"<gate>: refused"``."""
    side = "accepted" if step.accepted else "refused"
    codes = {r.code for r in step.refusals}
    if "graph.not-allowed" in codes or "graph.terminal" in codes:
        return
    roles = ShanxiFengqiaoStation().required_roles(step.trigger)
    if roles is not None:
        right = fq.Actor.parse(step.actor).has_any(roles)
        yield f"team ({'right' if right else 'wrong'}): {side}"
    if not roles or fq.Actor.parse(step.actor).has_any(roles):
        agreement = step.trigger == T.RECORD_ATTEMPT and step.payload["outcome"] != "failed"
        if agreement or (step.trigger == T.RESOLVE and before.state is S.MEDIATING):
            yield f"agreement {'before' if _mediating_without_survey(before) else 'after'} the survey: {side}"
        if step.trigger == T.CLOSE and resolved_in_mediation(before):
            yield f"close {'with' if before.has_document(SETTLEMENT) else 'without'} the settlement: {side}"
        kinds = [item.kind for item in filed_by_step(step)]
        if SURVEY in kinds or SETTLEMENT in kinds:
            yield f"survey or settlement record filed: {side}"


def filed_by_step(step: Step) -> tuple[fq.DossierItem, ...]:
    if step.trigger == T.ATTACH:
        return (step.payload["item"],)
    return tuple(step.payload.get("documents", ()))


def in_order(d: fq.Dispute) -> bool:
    """Whether the method's records were filed in its order (each one's predecessor first)."""
    seen: set[fq.DossierKind] = set()
    for e in d.history:
        for item in filed_by(e):
            if item.kind in (SURVEY, SETTLEMENT) and STEPS[STEPS.index(item.kind) - 1] not in seen:
                return False
            seen.add(item.kind)
    return True


@settings(max_examples=200, deadline=None)
@given(RUNS)
def test_every_run_keeps_shanxis_rules_replays_round_trips_and_agrees_with_the_graph(run: Lifecycle) -> None:
    clock = fq.FixedClock(START)
    wf = fq.Workflow(ShanxiFengqiaoStation(), clock=clock)
    policy = wf.policy
    for before, step in commands(run):
        for gate in gates(before, step):
            event(gate)
        graph_refused = {"graph.not-allowed", "graph.terminal"} & {r.code for r in step.refusals}
        assert bool(graph_refused) != wf.graph.allows(before.state, step.trigger)
        if not step.accepted:  # a refusal changed nothing, and check() says what fire() said
            clock.set(step.at)
            again = wf.check(before, step.trigger, actor=step.actor, **step.payload)
            assert again.codes == tuple(r.code for r in step.refusals)
            assert all(r.code and r.message("zh") and r.message("en") for r in step.refusals)
            continue
        roles = policy.required_roles(step.trigger)
        assert roles is None or fq.Actor.parse(step.actor).has_any(roles), step
        a = before.assessment
        if step.trigger in (T.MEDIATE, T.REFER):
            assert a is not None
            assert not a.meets_case_threshold
        if step.trigger == T.RECORD_ATTEMPT and step.payload["outcome"] != "failed":
            assert before.has_document(SURVEY)
        if step.trigger == T.RESOLVE and before.state is S.MEDIATING:
            assert before.has_document(SURVEY)
        if step.trigger == T.CLOSE and resolved_in_mediation(before):
            assert before.has_document(SETTLEMENT)
    assert in_order(run.disputes[-1])
    for d in run.disputes:
        assert fq.replay(d.history, policy=policy) == d
        assert fq.loads(fq.dumps(d), fq.Dispute) == d


def test_the_steering_reaches_the_accepting_side_of_every_gate() -> None:
    runs: list[int] = [0]
    seen: Counter[str] = Counter()

    @settings(max_examples=200, deadline=None, derandomize=True, database=None)
    @given(RUNS)
    def count(run: Lifecycle) -> None:
        runs[0] += 1
        seen.update({gate for before, step in commands(run) for gate in gates(before, step)})

    count()
    shares = {gate: n / runs[0] for gate, n in sorted(seen.items())}
    print(shares)
    for gate in (
        "team (right): accepted",
        "team (wrong): refused",
        "agreement after the survey: accepted",
        "agreement before the survey: refused",
        "close with the settlement: accepted",
        "survey or settlement record filed: accepted",
        "survey or settlement record filed: refused",
    ):
        assert shares.get(gate, 0.0) >= 0.1, (gate, shares)
