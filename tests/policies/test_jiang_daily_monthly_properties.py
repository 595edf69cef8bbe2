"""Jiang county's "日清月结" over random command sequences (driven by ``fengqiao.testing.lifecycles``).

The oracles are written from the rules' wording, not by calling the policy's helpers. The
attachments are steered to carry-over statements (most with a reason), so both sides of the
carry-over gate are reached in most runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao.policies import CHINA_TZ
from fengqiao.testing import Lifecycle, PayloadStrategy, lifecycles

START = datetime(2024, 6, 20, 9, 0, tzinfo=CHINA_TZ)
HANDLED = {
    fq.State.MEDIATING,
    fq.State.REFERRED,
    fq.State.ESCALATED,
    fq.State.FOLLOW_UP,
    fq.State.CLOSED,
    fq.State.MERGED,
}
SETTLED = {fq.State.FOLLOW_UP, fq.State.CLOSED, fq.State.ESCALATED, fq.State.MERGED}
MISSED = {fq.DeadlineStatus.LATE, fq.DeadlineStatus.OVERDUE}
CARRY = fq.DossierKind.CARRY_OVER_STATEMENT


def make_workflow() -> fq.Workflow:
    return fq.Workflow("jiang-daily-monthly", clock=fq.FixedClock(START), ids=lambda: uuid.uuid4().hex)


def _carry_overs(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    reason = st.sampled_from(["当事人外出务工", "等待鉴定结论", "", "  "])
    kind = st.sampled_from([CARRY, CARRY, CARRY, fq.DossierKind.FOLLOW_UP_RECORD])
    return st.builds(lambda k, r: {"item": fq.DossierItem(kind=k, title=r)}, kind, reason)


PAYLOADS: Mapping[fq.Trigger | str, PayloadStrategy] = {fq.Trigger.ATTACH: _carry_overs}
RUNS = lifecycles(
    make_workflow,
    payloads=PAYLOADS,
    weights={
        fq.Trigger.ATTACH: 6,
        fq.Trigger.MERGE: 0,
        fq.Trigger.GRADE: 8,
        fq.Trigger.MEDIATE: 6,
        fq.Trigger.REFER: 3,
    },
)


def _month_end(at: datetime) -> datetime:
    day = at.astimezone(CHINA_TZ).date()
    return datetime.combine(date(day.year + day.month // 12, day.month % 12 + 1, 1), time(0), tzinfo=CHINA_TZ)


def _first(run: Lifecycle, states: set[fq.State]) -> datetime | None:
    return next((v.updated_at for v in run.disputes if v.state in states), None)


def _befores(run: Lifecycle) -> list[fq.Dispute]:
    out, accepted = [], 0
    for step in run.steps:
        out.append(run.disputes[accepted])
        accepted += step.accepted
    return out


@settings(max_examples=200, deadline=None)
@given(run=RUNS, probe=st.integers(0, 96 * 60).map(lambda m: START + timedelta(minutes=m)))
def test_a_dispute_not_handled_by_the_end_of_its_day_is_flagged(run: Lifecycle, probe: datetime) -> None:
    d = run.dispute
    midnight = datetime.combine(d.discovered_at.astimezone(CHINA_TZ).date() + timedelta(days=1), time(0), CHINA_TZ)
    handled = _first(run, HANDLED)
    event(f"handled {'never' if handled is None else 'same day' if handled <= midnight else 'later'}")
    for at in (midnight, midnight + timedelta(microseconds=1), probe):
        (check,) = (c for c in run.workflow.deadlines(d, at=at) if c.deadline.code == "jiang.cleared-daily")
        missed = (handled is not None and handled > midnight) or (handled is None and at > midnight)
        assert (check.status in MISSED) is missed


@settings(max_examples=200, deadline=None)
@given(run=RUNS)
def test_each_month_end_is_settled_or_carried_over_or_flagged(run: Lifecycle) -> None:
    d = run.dispute
    settled = _first(run, SETTLED)
    carried = [e.at for e in d.history if isinstance(e, fq.Attached) and e.payload.item.kind is CARRY]
    months = [
        c.deadline for c in run.workflow.deadlines(d, at=d.updated_at) if c.deadline.code == "jiang.settled-monthly"
    ]
    assert months
    due, begin = _month_end(d.discovered_at), d.discovered_at
    for i, month in enumerate(months):
        assert month.due == due
        carry = next((at for at in carried if begin <= at <= due), None)
        if settled is not None and settled <= due:
            assert month.met_at == settled
            assert i == len(months) - 1  # settled: the list ends
        elif carry is not None:
            assert month.met_at == carry
        else:
            assert month.met_at == settled  # late when settled later; unmet while open
        begin, due = due, _month_end(due)
    event(f"{len(months)} month(s); {'carried' if carried else 'never carried'}")


@settings(max_examples=200, deadline=None)
@given(run=RUNS)
def test_a_carry_over_is_refused_exactly_when_settled_or_without_a_reason(run: Lifecycle) -> None:
    for before, step in zip(_befores(run), run.steps, strict=True):
        if step.trigger != fq.Trigger.ATTACH:
            continue
        item = step.payload["item"]
        codes = {r.code for r in step.refusals}
        is_carry = item.kind is CARRY
        assert ("jiang.carry-over.settled" in codes) is (is_carry and before.state in SETTLED)
        assert ("jiang.carry-over.no-reason" in codes) is (is_carry and not item.title.strip())
        if is_carry:
            event(f"carry-over {'accepted' if step.accepted else 'refused'}")


@settings(max_examples=200, deadline=None)
@given(run=RUNS)
def test_replay_and_json_keep_every_value(run: Lifecycle) -> None:
    for d in run.disputes:
        assert run.workflow.replay(d.history) == d
    assert fq.loads(fq.dumps(run.dispute), fq.Dispute) == run.dispute
