"""Huainan's invariants over random command sequences (driven by ``fengqiao.testing.lifecycles``).

The oracles here are written from the rules' wording, not by calling the policy's helpers.
"""

from __future__ import annotations

import itertools
import math
import random
import uuid
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao.policies.huainan_two_clears import HuainanTwoClears, dispatch_report, spot_check_sample
from fengqiao.testing import Lifecycle, PayloadStrategy, lifecycles

CST = ZoneInfo("Asia/Shanghai")
START = datetime(2024, 7, 8, 8, 0, tzinfo=CST)
DAY = START.date()
WINDOW = timedelta(hours=24)
MISSED = {fq.DeadlineStatus.LATE, fq.DeadlineStatus.OVERDUE}
CONCLUDED = {fq.State.CLOSED, fq.State.ESCALATED, fq.State.MERGED}
ALLOWED_BEFORE_SUPERVISION = {fq.Trigger.ESCALATE, fq.Trigger.ASSIGN, fq.Trigger.LINK_ALERT, fq.Trigger.NOTE}


def make_workflow() -> fq.Workflow:
    return fq.Workflow(HuainanTwoClears(), clock=fq.FixedClock(START), ids=lambda: uuid.uuid4().hex)


def _review_items(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    """Attachments: mostly review findings and correction records, so that closing meets them."""
    kinds = st.sampled_from([fq.DossierKind.REVIEW_FINDING, fq.DossierKind.CORRECTION_RECORD, fq.DossierKind.OTHER])
    return kinds.map(lambda k: {"item": fq.DossierItem(kind=k, title="评查")})


def _assignments(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    """Assignments: often of a supervisor, so that named supervision happens in many runs."""
    roles = st.sampled_from([fq.Role.SUPERVISOR, fq.Role.RESPONSIBLE_OFFICER, fq.Role.RESPONSIBLE_LEADER])
    return roles.map(lambda r: {"person": "李某", "role": r})


PAYLOADS: Mapping[fq.Trigger | str, PayloadStrategy] = {
    fq.Trigger.ATTACH: _review_items,
    fq.Trigger.ASSIGN: _assignments,
}


def runs(max_steps: int = 30) -> st.SearchStrategy[Lifecycle]:
    return lifecycles(make_workflow, max_steps=max_steps, payloads=PAYLOADS)


def befores(run: Lifecycle) -> list[fq.Dispute]:
    """The dispute each step was asked of (the value before the step)."""
    out, accepted = [], 0
    for step in run.steps:
        out.append(run.disputes[accepted])
        accepted += step.accepted
    return out


def awaiting_supervision(d: fq.Dispute, at: datetime) -> bool:
    """The rule as worded: a key dispute, open 24 hours after its first alert, with no supervisor yet."""
    key = d.grading is not None and (d.grading.grade == "key" or "key" in d.grading.flags)
    carried_over = d.state not in CONCLUDED and at > d.alerts[0].received_at + WINDOW
    supervised = any(a.role is fq.Role.SUPERVISOR for a in d.assignments)
    return key and carried_over and not supervised


def uncorrected(d: fq.Dispute) -> bool:
    findings = [i for i, item in enumerate(d.dossier) if item.kind is fq.DossierKind.REVIEW_FINDING]
    corrections = [i for i, item in enumerate(d.dossier) if item.kind is fq.DossierKind.CORRECTION_RECORD]
    # match each finding with the earliest unused correction filed after it
    for f in findings:
        later = [c for c in corrections if c > f]
        if not later:
            return True
        corrections.remove(later[0])
    return False


@settings(max_examples=200, deadline=None)
@given(run=runs(), probe=st.integers(-48 * 60, 48 * 60).map(lambda m: timedelta(minutes=m)))
def test_every_dispute_that_did_not_enter_handling_within_24_hours_is_flagged(run: Lifecycle, probe: timedelta) -> None:
    d = run.dispute
    first = d.alerts[0].received_at
    left = next((v.updated_at for v in run.disputes if v.state is not fq.State.DISCOVERED), None)
    for at in (run.workflow.clock.now(), first + WINDOW, first + WINDOW + timedelta(seconds=1), first + WINDOW + probe):
        (entry,) = (c for c in run.workflow.deadlines(d, at=at) if c.deadline.code == "huainan.enter-handling")
        missed = (left is not None and left > first + WINDOW) or (left is None and at > first + WINDOW)
        assert (entry.status in MISSED) is missed, (entry, left, at)


@settings(max_examples=200, deadline=None)
@given(run=runs())
def test_a_carried_over_key_dispute_does_nothing_but_escalate_or_get_its_supervisor(run: Lifecycle) -> None:
    for before, step in zip(befores(run), run.steps, strict=True):
        gated = awaiting_supervision(before, step.at)
        code = f"huainan.{step.trigger}.key-unsupervised"
        codes = {r.code for r in step.refusals}
        if step.trigger == fq.Trigger.ASSIGN:
            not_supervisor = fq.Role.parse(step.payload["role"]) is not fq.Role.SUPERVISOR
            assert (code in codes) is (gated and not_supervisor)
        else:
            assert (code in codes) is (gated and step.trigger not in ALLOWED_BEFORE_SUPERVISION)
        if step.accepted and gated:
            assert step.trigger in ALLOWED_BEFORE_SUPERVISION


@settings(max_examples=200, deadline=None)
@given(run=runs())
def test_no_dispute_closes_with_an_uncorrected_review_finding(run: Lifecycle) -> None:
    for before, step in zip(befores(run), run.steps, strict=True):
        if step.trigger != fq.Trigger.CLOSE:
            continue
        flagged = "huainan.close.review-uncorrected" in {r.code for r in step.refusals}
        assert flagged is uncorrected(before)
        if step.accepted:
            assert not uncorrected(before)


@settings(max_examples=200, deadline=None)
@given(
    run=runs(),
    when=st.integers(0, 72 * 60).map(lambda m: START + timedelta(minutes=m)),
)
def test_a_non_case_dispute_is_flagged_when_not_concluded_by_the_end_of_its_day(run: Lifecycle, when: datetime) -> None:
    d = run.dispute
    checks = {c.deadline.code: c for c in run.workflow.deadlines(d, at=when)}
    case_type = d.assessment is not None and d.assessment.meets_case_threshold
    assert ("huainan.same-day-close" in checks) is not case_type
    if case_type:
        return
    midnight = datetime(2024, 7, 9, 0, 0, tzinfo=CST)
    concluded = next((v.updated_at for v in run.disputes if v.state in CONCLUDED), None)
    missed = (concluded is not None and concluded > midnight) or (concluded is None and when > midnight)
    assert (checks["huainan.same-day-close"].status in MISSED) is missed


@settings(max_examples=200, deadline=None)
@given(
    batch=st.lists(runs(max_steps=10), min_size=0, max_size=4),
    seed=st.integers(0, 2**32),
    rate=st.floats(0.0, 1.0),
    size=st.none() | st.integers(0, 6),
    order=st.randoms(use_true_random=False),
)
def test_the_spot_check_sample_is_reproducible_and_drawn_from_the_days_handled_disputes(
    batch: list[Lifecycle], seed: int, rate: float, size: int | None, order: random.Random
) -> None:
    disputes = [run.dispute for run in batch]
    sample = spot_check_sample(disputes, DAY, seed=seed, rate=rate, size=size)
    handled = {
        d.id
        for run in batch
        for d in [run.dispute]
        if any(
            v.state != u.state and v.updated_at.astimezone(CST).date() == DAY
            for u, v in itertools.pairwise(run.disputes)
        )
    }
    assert {d.id for d in sample} <= handled
    wanted = size if size is not None else math.ceil(rate * len(handled))
    assert len(sample) == min(wanted, len(handled))
    shuffled = list(disputes)
    order.shuffle(shuffled)
    assert spot_check_sample(shuffled, DAY, seed=seed, rate=rate, size=size) == sample


@settings(max_examples=200, deadline=None)
@given(batch=st.lists(runs(max_steps=10), min_size=0, max_size=4), seed=st.integers(0, 2**32))
def test_the_dispatch_view_adds_up_and_its_random_call_is_a_key_or_frequent_alert(
    batch: list[Lifecycle], seed: int
) -> None:
    disputes = [run.dispute for run in batch]
    report = dispatch_report(disputes, DAY, seed=seed)
    meeting = datetime(2024, 7, 9, 9, 0, tzinfo=CST)
    total = report.total
    assert total.received == len(batch)  # every run discovers its dispute on 8 July
    at_meeting = [next(v for v in reversed(run.disputes) if v.updated_at <= meeting) for run in batch]
    assert total.carried_over == sum(v.state not in CONCLUDED for v in at_meeting)
    assert total.closed_same_day + total.carried_over <= total.received
    assert total.entered_in_time <= total.received
    assert set(report.key_alerts) == {
        v.id for v in at_meeting if v.grading is not None and (v.grade == "key" or "key" in v.grading.flags)
    }
    per_type = Counter(v.category for v in at_meeting)
    assert set(report.frequent_alerts) == {v.id for v in at_meeting if per_type[v.category] >= 3}
    if report.key_alerts or report.frequent_alerts:
        assert report.spot_call is not None
        assert report.spot_call.dispute_id in {*report.key_alerts, *report.frequent_alerts}
        assert report.spot_call.reason == ("key" if report.spot_call.dispute_id in report.key_alerts else "frequent")
    else:
        assert report.spot_call is None
    assert dispatch_report(list(reversed(disputes)), DAY, seed=seed) == report
