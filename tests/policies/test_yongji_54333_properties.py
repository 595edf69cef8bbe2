"""Yongji's invariants over random command sequences (driven by ``fengqiao.testing.lifecycles``)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs
from hypothesis import event, given, settings
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao.policies import CHINA_TZ
from fengqiao.policies.tables import Facts
from fengqiao.policies.yongji_54333 import FOUR_FORCES, THREE_VISITS, Yongji54333, default_grading_table
from fengqiao.testing import Lifecycle, PayloadStrategy, lifecycles, vocabulary
from tests.stages import commands

START = datetime(2024, 1, 31, 9, 0, tzinfo=CHINA_TZ)
K, T = fq.DossierKind, fq.Trigger
PAPERS = frozenset({K.POLICE_MEDIATION_NOTICE, K.JOINT_HANDLING_NOTICE, K.MEDIATION_ENTRUSTMENT})
USEFUL_KINDS = [
    K.ALERT_RECORD,
    K.INQUIRY_RECORD,
    K.FOLLOW_UP_RECORD,
    K.MEDIATION_AGREEMENT,
    K.PARTY_INFO,
    K.STANDARD_ADDRESS,
    K.ANTI_FRAUD,
    *sorted(PAPERS),
]


def make() -> fq.Workflow:
    ids = itertools.count(1)
    return fq.Workflow(Yongji54333(), clock=fq.FixedClock(START), ids=lambda: f"YJ{next(ids)}")


def _grade(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    return st.fixed_dictionaries(
        {
            "complex": st.sampled_from([True, True, False]),
            "police_business": st.sampled_from([True, True, True, False]),
            "meets_case_threshold": st.sampled_from([False, False, False, True]),
        }
    )


def _mediate(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    forces = st.lists(st.sampled_from([*sorted(FOUR_FORCES), fq.MediationForce.COURT]), max_size=3, unique=True)
    docs = st.lists(st.sampled_from([K.JOINT_HANDLING_NOTICE, K.INQUIRY_RECORD]).map(fq.DossierItem), max_size=2)
    return st.fixed_dictionaries({"forces": forces, "documents": docs})


def _refer(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    docs = st.lists(st.sampled_from([*sorted(PAPERS), K.INQUIRY_RECORD]).map(fq.DossierItem), max_size=2)
    return st.fixed_dictionaries({"department": st.none() | vocabulary(fq.Department), "documents": docs})


def _resolve(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    referred_to = [] if d.referral is None else [d.referral.department]
    reporter = st.sampled_from([None, *referred_to, *referred_to, fq.Department.COURT])
    return st.fixed_dictionaries({"reported_by": reporter})


def _attach(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    return st.sampled_from(USEFUL_KINDS).map(lambda k: {"item": fq.DossierItem(kind=k)})


def _visit(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    return st.fixed_dictionaries(
        {"kind": vocabulary(fq.VisitKind), "holding": st.sampled_from([True, True, True, False])}
    )


PAYLOADS: dict[fq.Trigger | str, PayloadStrategy] = {
    T.GRADE: _grade,
    T.MEDIATE: _mediate,
    T.REFER: _refer,
    T.RESOLVE: _resolve,
    T.ATTACH: _attach,
    T.RECORD_VISIT: _visit,
}
RUNS = lifecycles(make, max_steps=30, payloads=PAYLOADS)


def visit_kinds_since_resolution(d: fq.Dispute) -> set[fq.VisitKind]:
    """From the history itself, not from the folded value the policy reads."""
    kinds: set[fq.VisitKind] = set()
    for e in d.history:
        if isinstance(e, fq.Resolved):
            kinds.clear()
        elif isinstance(e, fq.VisitRecorded):
            kinds.add(e.payload.kind)
    return kinds


@settings(max_examples=200, deadline=None)
@given(RUNS)
def test_yongji_never_closes_a_complex_dispute_without_the_three_visits(run: Lifecycle) -> None:
    for before, step in commands(run):
        if step.trigger != T.CLOSE or not before.complex:
            continue
        missing = THREE_VISITS - visit_kinds_since_resolution(before)
        if before.state is fq.State.FOLLOW_UP:
            event(f"close of a complex dispute in follow-up, {3 - len(missing)} of the three visits")
        if step.accepted:
            assert not missing, f"closed {before.id} without {sorted(missing)}"
        elif missing and before.state is fq.State.FOLLOW_UP:
            assert "yongji.close.three-visits-missing" in {r.code for r in step.refusals}


@settings(max_examples=200, deadline=None)
@given(RUNS)
def test_every_accepted_command_obeys_yongjis_routing_papers_and_dossier(run: Lifecycle) -> None:
    policy = Yongji54333()
    for before, step in commands(run):
        if not step.accepted:
            continue
        a = before.assessment
        if a is not None and a.meets_case_threshold:
            assert step.trigger not in (T.MEDIATE, T.REFER, T.RESOLVE, T.CLOSE)
        if step.trigger == T.MEDIATE:
            forces = set(step.payload["forces"])
            assert a is not None
            assert a.police_business
            assert forces & FOUR_FORCES
            if a.complex:
                assert len(forces) >= 2
                assert any(doc.kind is K.JOINT_HANDLING_NOTICE for doc in step.payload["documents"])
        if step.trigger == T.REFER:
            assert step.payload["department"] is not None
            assert any(doc.kind in PAPERS for doc in step.payload["documents"])
        if step.trigger == T.RESOLVE and before.state is fq.State.REFERRED:
            assert before.referral is not None
            assert step.payload["reported_by"] is before.referral.department
        if step.trigger == T.CLOSE:
            assert not [r.code for r in policy.dossier_requirements(before) if not r.met_by(before)]
            assert before.visits_since_resolution
            assert before.visits_since_resolution[-1].holding


FACTS = st.builds(
    Facts,
    category=vocabulary(fq.Category),
    channel=vocabulary(fq.Channel),
    risk_factors=st.frozensets(vocabulary(fq.RiskFactor), max_size=3),
    alerts=st.integers(1, 6),
    parties=st.integers(0, 4),
    police_business=st.booleans(),
    meets_case_threshold=st.booleans(),
    complex=st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(FACTS)
def test_another_alert_about_the_same_dispute_never_lowers_its_grade(facts: Facts) -> None:
    table = default_grading_table()
    rank = table.grades.index
    now = table.decide(facts).rule.grade
    after = table.decide(attrs.evolve(facts, alerts=facts.alerts + 1)).rule.grade
    assert rank(after) <= rank(now)
