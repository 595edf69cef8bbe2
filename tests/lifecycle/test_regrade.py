from __future__ import annotations

import fengqiao as fq
from fengqiao.policies.tables import Condition, DecisionTable, Rule
from tests.stages import OFFICER, START


def followed_up(wf: fq.Workflow) -> fq.Dispute:
    d = wf.discover(channel="alarm_110", category="neighbour", summary="排水纠纷", actor=OFFICER)
    d = wf.resolve(wf.mediate(wf.grade(d, actor=OFFICER), actor=OFFICER), actor=OFFICER)
    return d


def test_a_recomputed_regrade_keeps_the_risk_factors_a_reopen_added() -> None:
    wf = fq.Workflow("baseline", clock=fq.FixedClock(START))
    d = wf.reopen(followed_up(wf), actor=OFFICER, reason="又起冲突", risk_factors=["weapon"])
    d = wf.regrade(d, actor=OFFICER)
    assert fq.RiskFactor.WEAPON in d.risk_factors
    assert (d.grade, d.grade_rule) == ("high", "baseline.high.severe-factor")


def test_a_manual_regrade_keeps_the_route_and_flags_the_policy_gives() -> None:
    class Flagging(fq.BasePolicy):
        name = "flagging"
        grading_table = DecisionTable(
            name="flagging",
            grades=("high", "medium", "low"),
            rules=(Rule(id="low.focus", grade="low", flags={"focus_area"}, when=Condition()),),
        )

    wf = fq.Workflow(Flagging(), clock=fq.FixedClock(START))
    d = wf.regrade(
        wf.grade(wf.discover(channel="walk_in", category="debt", summary="欠款", actor=OFFICER), actor=OFFICER),
        actor=OFFICER,
        grade="high",
        reason="当事人扬言报复",
    )
    assert d.grading is not None
    assert (d.grade, d.grade_rule, d.grading.reason) == ("high", "manual", "当事人扬言报复")
    assert d.grading.flags == frozenset({"focus_area"})
    assert d.route is fq.Route.MEDIATE


def test_an_unknown_regrade_field_is_refused_naming_what_regrade_takes() -> None:
    import pytest

    wf = fq.Workflow("baseline", clock=fq.FixedClock(START))
    d = wf.grade(wf.discover(channel="walk_in", category="debt", summary="欠款", actor=OFFICER), actor=OFFICER)
    with pytest.raises(fq.ValidationError) as bad:
        wf.fire(d, fq.Trigger.REGRADE, actor=OFFICER, colour="red")
    assert bad.value.path == "regrade.colour"
    assert "grade" in bad.value.message
    assert "reason" in bad.value.message
