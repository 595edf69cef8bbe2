"""Huaiyang's invariants over random lifecycles (``fengqiao.testing``) and random follow-up schedules."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import event, given, settings
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao.policies.huaiyang_ten_categories import HuaiyangTenCategories
from fengqiao.testing import Lifecycle, PayloadStrategy, lifecycles

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2024, 6, 3, 9, 0, tzinfo=SHANGHAI)
OFFICER = "officer:liu"

# A short red period and one observation window as long as a typical run's clock jumps, so that
# random lifecycles reach yellow, blue and closing within a few dozen commands.
BRISK = HuaiyangTenCategories(
    red_to_yellow_after=timedelta(days=1),
    observation_period=timedelta(days=20),
    visit_window=timedelta(days=20),
)
GRADES = BRISK.grades
PROGRESS = (fq.MediationStarted, fq.Referred, fq.AttemptRecorded, fq.Resolved, fq.VisitRecorded, fq.Closed)
"""Events that move handling forward, which a new risk holds up until the grade goes up."""
REPORT = fq.DossierItem(kind=fq.DossierKind.COMMITTEE_REPORT, title="关于纠纷情况的报告")


def brisk() -> fq.Workflow:
    return fq.Workflow(BRISK, clock=fq.FixedClock(START))


def default() -> fq.Workflow:
    return fq.Workflow(HuaiyangTenCategories(), clock=fq.FixedClock(START))


def _regrade(wf: fq.Workflow, d: fq.Dispute) -> st.SearchStrategy[Mapping[str, Any]]:
    """Mostly one step down or one step up, sometimes a jump, a recomputation or a new risk factor."""
    i = GRADES.index(d.grade) if d.grade in GRADES else 0
    near = [GRADES[min(i + 1, 2)], GRADES[max(i - 1, 0)]]
    return st.fixed_dictionaries(
        {"grade": st.sampled_from([*near, *near, *GRADES, None])},
        optional={"risk_factors": st.just(d.risk_factors | {fq.RiskFactor.ALCOHOL})},
    )


PAYLOADS: Mapping[fq.Trigger | str, PayloadStrategy] = {
    fq.Trigger.ASSIGN: lambda wf, d: st.fixed_dictionaries(
        {
            "person": st.sampled_from(["所长周某", "民警刘某"]),
            "role": st.sampled_from([fq.Role.RESPONSIBLE_LEADER, fq.Role.RESPONSIBLE_OFFICER, fq.Role.SUPERVISOR]),
        }
    ),
    fq.Trigger.GRADE: lambda wf, d: st.fixed_dictionaries(
        {
            "risk_factors": st.sampled_from(
                [frozenset(), frozenset(), frozenset({fq.RiskFactor.WEAPON}), frozenset({fq.RiskFactor.LONG_STANDING})]
            ),
            "police_business": st.sampled_from([True, True, True, False]),
        }
    ),
    fq.Trigger.REFER: lambda wf, d: st.fixed_dictionaries(
        {"department": st.sampled_from(list(fq.Department)), "documents": st.sampled_from([[REPORT], [REPORT], []])}
    ),
    fq.Trigger.RESOLVE: lambda wf, d: st.fixed_dictionaries(
        {"reported_by": st.none() | st.sampled_from(list(fq.Department))}
    ),
    fq.Trigger.REGRADE: _regrade,
    fq.Trigger.RECORD_VISIT: lambda wf, d: st.fixed_dictionaries(
        {"kind": st.sampled_from(list(fq.VisitKind)), "holding": st.sampled_from([True, True, True, True, False])}
    ),
}
"""Payloads that keep the walk inside Huaiyang's rules often enough to go deep."""


def brisk_lifecycles() -> st.SearchStrategy[Lifecycle]:
    return lifecycles(brisk, max_steps=40, payloads=PAYLOADS)


def transitions(run: Lifecycle) -> Iterator[tuple[fq.Dispute, fq.Event]]:
    """Each accepted event with the dispute just before it."""
    for before, after in zip(run.disputes, run.disputes[1:], strict=False):
        yield before, after.history[-1]


# -- never closes unless blue with the observation period met -------------------------------------------
def lawful_to_close(d: fq.Dispute, policy: HuaiyangTenCategories, at: datetime) -> bool:
    """The rule stated plainly: blue, resolved, observed long enough, a visit in every window, no relapse."""
    if d.grade != "blue" or d.resolved_at is None or at - d.resolved_at < policy.observation_period:
        return False
    if not all(v.holding for v in d.visits_since_resolution):
        return False
    start = policy.observation_start(d)
    assert start is not None
    return at - start >= policy.observation_period and all(
        any(s <= v.at < end for v in d.visits_since_resolution) for s, end in policy.visit_windows(start)
    )


def assert_closes_lawfully(run: Lifecycle, policy: HuaiyangTenCategories) -> None:
    """Every close that landed was lawful, and so is every close the policy would allow now."""
    for before, e in transitions(run):
        if isinstance(e, fq.Closed):
            event("closed")
            assert lawful_to_close(before, policy, e.at)
    now = run.workflow.clock.now()
    for d in run.disputes:
        if d.state is fq.State.FOLLOW_UP and run.workflow.check(d, fq.Trigger.CLOSE, actor=OFFICER).allowed:
            event("close allowed on a dispute reached")
            assert lawful_to_close(d, policy, now)


@settings(max_examples=200, deadline=None)
@given(brisk_lifecycles())
def test_never_closes_unless_blue_resolved_observed_and_visited(run: Lifecycle) -> None:
    assert_closes_lawfully(run, BRISK)


@settings(max_examples=200, deadline=None)
@given(lifecycles(default, max_steps=40, payloads=PAYLOADS))
def test_never_closes_under_the_default_periods_unless_they_are_met(run: Lifecycle) -> None:
    assert_closes_lawfully(run, HuaiyangTenCategories())


# -- never skips a step downward ---------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(brisk_lifecycles())
def test_grades_move_down_one_lawful_step_at_a_time(run: Lifecycle) -> None:
    """Checked on every regrade that landed, and asked of every dispute value the run reached."""
    mediation_began: datetime | None = None
    for before, e in transitions(run):
        if isinstance(e, fq.MediationStarted | fq.Referred):
            mediation_began = mediation_began or e.at
        if not isinstance(e, fq.Regraded) or before.grade is None:
            continue
        old, new = GRADES.index(before.grade), GRADES.index(e.payload.grading.grade)
        assert new <= old + 1, f"{before.grade} → {e.payload.grading.grade} skips a step"
        if new == old + 1:
            event(f"stepped down {before.grade} → {e.payload.grading.grade}")
        if (before.grade, e.payload.grading.grade) == ("red", "yellow"):
            assert mediation_began is not None
            assert e.at - mediation_began >= BRISK.red_to_yellow_after
        if (before.grade, e.payload.grading.grade) == ("yellow", "blue"):
            assert before.state is fq.State.FOLLOW_UP
    wf = run.workflow
    for d in run.disputes:
        if d.grade == "red" and fq.Trigger.REGRADE in wf.graph.allowed(d.state):
            event("asked red → blue")
            assert not wf.check(d, fq.Trigger.REGRADE, actor=OFFICER, grade="blue").allowed


# -- any new risk moves the grade up before anything else proceeds ---------------------------------------
@settings(max_examples=200, deadline=None)
@given(brisk_lifecycles())
def test_a_relapse_or_new_alert_below_red_holds_everything_up_until_the_grade_rises(run: Lifecycle) -> None:
    owed = False
    for before, e in transitions(run):
        if isinstance(e, fq.Regraded) and before.grade is not None:
            if GRADES.index(e.payload.grading.grade) < GRADES.index(before.grade):
                owed = False
            else:
                assert not owed, "a regrade that did not go up landed while an upgrade was owed"
        if owed:
            assert not isinstance(e, PROGRESS), f"{type(e).__name__} landed while an upgrade was owed"
        risky = isinstance(e, fq.AlertLinked) or (isinstance(e, fq.VisitRecorded) and not e.payload.holding)
        if risky and before.grade not in (None, "red"):
            event("upgrade owed")
            owed = True


# -- a red dispute moves only with its responsible leader and officer named ---------------------------------
@settings(max_examples=200, deadline=None)
@given(brisk_lifecycles())
def test_red_disputes_make_no_progress_without_their_responsible_people(run: Lifecycle) -> None:
    for before, e in transitions(run):
        if before.grade == "red" and isinstance(
            e, fq.MediationStarted | fq.Referred | fq.AttemptRecorded | fq.Resolved
        ):
            event(f"red dispute: {type(e).__name__}")
            assert before.assignees(fq.Role.RESPONSIBLE_LEADER)
            assert before.assignees(fq.Role.RESPONSIBLE_OFFICER)


# -- closing is decided by the observation period and its monthly visits alone ------------------------------
MONTH = 30 * 24


@settings(max_examples=200, deadline=None)
@given(
    monthly=st.lists(st.integers(0, MONTH - 1), min_size=6, max_size=6),
    skipped=st.just(set[int]()) | st.sets(st.integers(0, 5), min_size=1, max_size=2),
    extra=st.lists(st.integers(0, 200 * 24), max_size=3),
    close_after=st.integers(180 * 24, 200 * 24) | st.integers(150 * 24, 180 * 24 - 1),
)
def test_close_is_allowed_exactly_when_every_month_of_half_a_year_had_a_visit(
    monthly: list[int], skipped: set[int], extra: list[int], close_after: int
) -> None:
    """Random follow-up schedules (hours after resolution) against the rule stated plainly."""
    clock = fq.FixedClock(START)
    wf = fq.Workflow(HuaiyangTenCategories(), clock=clock)
    d = wf.discover(channel="alarm_110", category="neighbour", summary="邻里因排水沟争执", actor=OFFICER)
    d = wf.attach(wf.grade(d, actor=OFFICER), fq.DossierItem(kind="case_discussion"), actor=OFFICER)  # 一案一议
    d = wf.assign(d, actor=OFFICER, person="所长张某", role="responsible_leader")
    d = wf.assign(d, actor=OFFICER, person="民警刘某", role="responsible_officer")
    d = wf.mediate(d, actor=OFFICER, forces=["police_office"])
    d = wf.resolve(d, actor=OFFICER)
    assert d.grade == "blue"
    resolved = clock.now()
    visits = sorted({m * MONTH + h for m, h in enumerate(monthly) if m not in skipped} | set(extra))
    for hours in (h for h in visits if h <= close_after):
        clock.set(resolved + timedelta(hours=hours))
        d = wf.record_visit(d, actor=OFFICER, kind="phone")
    clock.set(resolved + timedelta(hours=close_after))

    months_visited = {h // MONTH for h in visits if h <= close_after}
    lawful = close_after >= 6 * MONTH and set(range(6)) <= months_visited
    event(f"close {'allowed' if lawful else 'refused'}")
    assert wf.check(d, "close", actor=OFFICER).allowed == lawful
