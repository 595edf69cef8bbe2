"""Yuncheng's invariants over random lifecycles, steered so that each city gate is often passed, not only refused.

The lifecycles (``fengqiao.testing.lifecycles``) start a few days before the police–mediation
docking began (1 March 2024), so hand-overs fall on both sides of it. The payloads mostly
name a room that exists with one of its runners, bring in a joint kind's partner, hand over
to a centre with the docking notice and report a centre's result with its report; the oracles
are written from the rules' wording. ``hypothesis.event`` labels which gates were passed (run
with ``--hypothesis-show-statistics`` to see the shares).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao.policies import CHINA_TZ
from fengqiao.policies.yuncheng_city import ROOM_FORCES, YunchengCity, default_network
from fengqiao.testing import Lifecycle, PayloadStrategy, Step, lifecycles, policy_state_machine
from tests.stages import check_replay_and_graph, commands

START = datetime(2024, 2, 26, 9, 0, tzinfo=CHINA_TZ)
DOCKING = date(2024, 3, 1)
K, F, T = fq.DossierKind, fq.MediationForce, fq.Trigger
POLICY = YunchengCity()
ROOMS = {r.name: r for r in default_network().rooms}
CENTRES = {c.department for c in default_network().centres}
PARTNERS = (F.COURT, F.STATIONED_MEDIATOR, F.LAWYER)


def make() -> fq.Workflow:
    ids = itertools.count(1)
    return fq.Workflow(POLICY, clock=fq.FixedClock(START), ids=lambda: f"YC{next(ids)}")


def _grade(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    return st.fixed_dictionaries(
        {
            "complex": st.booleans(),
            "police_business": st.sampled_from([True, True, True, False]),
            "meets_case_threshold": st.sampled_from([False] * 9 + [True]),
        }
    )


_ROOM = st.sampled_from(
    [
        ([F.POLICE_OFFICE, F.RETIRED_OFFICER], "老李调解室"),
        ([F.POLICE_OFFICE, F.RETIRED_JUDGE], "小马调解室"),
        ([F.POLICE_OFFICE, F.RETIRED_OFFICER], "老警调解室"),
        ([F.POLICE_OFFICE, F.RETIRED_JUDGE], "老警调解室"),  # run by retired officers only
        ([F.POLICE_OFFICE, F.RETIRED_OFFICER], "老王调解室"),  # no such room
        ([F.POLICE_OFFICE, F.RETIRED_OFFICER], ""),
        ([F.POLICE_OFFICE], "老李调解室"),
    ]
)
_JOINT = st.sampled_from(PARTNERS).map(lambda p: ([F.POLICE_OFFICE, p], "李某"))
_PLAIN = st.sampled_from([([F.POLICE_OFFICE], ""), ([F.POLICE_OFFICE, F.VILLAGE_GRID], "")])


def _mediate(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    notice = [fq.DossierItem(kind=K.JOINT_HANDLING_NOTICE)]
    return st.one_of(_ROOM, _JOINT, _JOINT, _PLAIN).map(
        lambda fm: {"forces": fm[0], "mediator": fm[1], "documents": notice}
    )


def _refer(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    where = st.sampled_from(["township_centre", "county_centre", "village_centre", "city_centre", "justice_office"])
    papers = st.sampled_from([[K.POLICE_MEDIATION_NOTICE]] * 3 + [[K.JOINT_HANDLING_NOTICE]])
    return st.builds(lambda w, p: {"department": w, "documents": [fq.DossierItem(kind=k) for k in p]}, where, papers)


def _resolve(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    reporter = d.referral.department if d.referral is not None else None
    docs = st.sampled_from([[fq.DossierItem(kind=K.RESULT_REPORT)]] * 3 + [[]])
    outcome = st.sampled_from(["agreement", "agreement", "failed"])
    return st.fixed_dictionaries({"reported_by": st.just(reporter), "documents": docs, "outcome": outcome})


PAYLOADS: dict[fq.Trigger | str, PayloadStrategy] = {
    T.GRADE: _grade,
    T.MEDIATE: _mediate,
    T.REFER: _refer,
    T.RESOLVE: _resolve,
    T.RECORD_ATTEMPT: lambda wf, d: st.fixed_dictionaries({"outcome": st.sampled_from(["failed", "agreement"])}),
}
WEIGHTS: dict[fq.Trigger | str, int] = {
    **dict.fromkeys((T.MERGE, T.LINK_ALERT, T.NOTE, T.ESCALATE, T.ASSIGN), 0),
    **dict.fromkeys((T.GRADE, T.MEDIATE, T.REFER, T.RESOLVE, T.RECORD_ATTEMPT), 6),
}
"""Away from the exits that end a run early, towards the city's gates."""
RUNS = lifecycles(make, max_steps=25, payloads=PAYLOADS, weights=WEIGHTS)


def _city_codes(step: Step) -> set[str]:
    return {r.code for r in step.refusals if r.code.startswith("yuncheng.")}


def _mediation_refusals(before: fq.Dispute, step: Step) -> set[str]:
    """The city's refusals of a ``mediate``, as the rules word them."""
    forces, mediator = set(step.payload["forces"]), step.payload["mediator"]
    expected = set()
    in_room = bool(forces & ROOM_FORCES)
    if in_room and not mediator:
        expected.add("yuncheng.mediate.room-missing")
    elif in_room or mediator.endswith("调解室"):
        if mediator not in ROOMS:
            expected.add("yuncheng.mediate.room-unknown")
        elif not forces & ROOMS[mediator].run_by:
            expected.add("yuncheng.mediate.room-force-missing")
    a = before.assessment
    joint = F.POLICE_OFFICE in forces and bool(forces & set(PARTNERS))
    if a is not None and a.complex and a.police_business and not a.meets_case_threshold and not (joint or in_room):
        expected.add("yuncheng.mediate.joint-kind-missing")
    return expected


def _referral_refusals(before: fq.Dispute, step: Step) -> set[str]:
    """The city's refusals of a ``refer``, as the rules word them."""
    department = fq.Department(step.payload["department"])
    kinds = {i.kind for i in step.payload["documents"]}
    if department in CENTRES:
        return set() if K.POLICE_MEDIATION_NOTICE in kinds else {"yuncheng.refer.docking-notice-missing"}
    police = before.assessment is not None and before.assessment.police_business
    started = step.at.astimezone(CHINA_TZ).date() >= DOCKING
    return {"yuncheng.refer.centre-missing"} if police and started else set()


@settings(max_examples=200, deadline=None)
@given(RUNS)
def test_the_citys_refusals_come_exactly_when_its_rules_say(run: Lifecycle) -> None:
    for before, step in commands(run):
        if step.trigger == T.MEDIATE and before.state is fq.State.GRADED:
            expected = _mediation_refusals(before, step)
        elif step.trigger == T.REFER and before.state in (fq.State.GRADED, fq.State.MEDIATING):
            expected = _referral_refusals(before, step)
        elif step.trigger == T.RESOLVE and before.state is fq.State.REFERRED:
            centre = before.referral is not None and before.referral.department in CENTRES
            has_report = any(i.kind is K.RESULT_REPORT for i in step.payload["documents"])
            expected = {"yuncheng.resolve.centre-result-missing"} if centre and not has_report else set()
        else:
            continue
        assert _city_codes(step) == expected, step
        event(f"{step.trigger} {'accepted' if step.accepted else 'refused'}{' (city)' if expected else ''}")


@settings(max_examples=200, deadline=None)
@given(RUNS)
def test_every_centre_hand_over_has_its_result_deadline(run: Lifecycle) -> None:
    d = run.dispute
    handed = [e for e in d.history if isinstance(e, fq.Referred) and e.payload.department in CENTRES]
    dues = [c for c in run.workflow.deadlines(d) if c.deadline.code == "yuncheng.centre.result-due"]
    assert len(dues) == len(handed)
    event(f"{len(handed)} centre hand-over(s)")


@settings(max_examples=200, deadline=None)
@given(RUNS)
def test_multi_party_is_a_part_of_resolved_and_the_counts_add_up(run: Lifecycle) -> None:
    m = POLICY.metrics(run.disputes[-1:])
    assert 0 <= m["multi_party"] <= m["resolved"]
    assert m["screened"] == m["resolved"] + m["handed_over"] + m["open"]
    event(f"multi_party {int(m['multi_party'])}, resolved {int(m['resolved'])}")


@settings(max_examples=200, deadline=None)
@given(RUNS)
def test_replay_round_trip_and_the_graph_agree_with_every_command(run: Lifecycle) -> None:
    check_replay_and_graph(run, POLICY)


TestYunchengHarness = policy_state_machine(POLICY, start=START, max_examples=200, step_count=20).TestCase
"""The toolkit's harness: replay, round trip, refusals change nothing, terminal states, deadlines."""
