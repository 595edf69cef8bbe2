from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

import pytest

import fengqiao as fq
from fengqiao.lifecycle.states import TriggerId
from fengqiao.policies import Baseline, BasePolicy
from tests.stages import OFFICER, START

S, T = fq.State, fq.Trigger


class Quiet(BasePolicy):
    """A test policy that contributes one of everything a policy can contribute."""

    name = "test-quiet"
    grades = ("loud", "quiet")

    def grade(self, dispute: fq.Dispute, assessment: fq.Assessment, at: datetime) -> fq.Grading:
        return fq.Grading(grade="quiet", rule="quiet.always", route=fq.Route.REFER)

    def route(self, dispute: fq.Dispute, assessment: fq.Assessment) -> fq.Route:
        return fq.Route.REFER

    def graph(self) -> fq.GraphExtension:
        return fq.GraphExtension(
            states=(fq.StateSpec("withdrawn", "撤回", "withdrawn", terminal=True),),
            edges=(fq.Edge("withdraw", (S.GRADED, S.MEDIATING), "withdrawn"),),
        )

    def required_roles(self, action: TriggerId) -> frozenset[fq.Role] | None:
        if action == T.GRADE:
            return frozenset({fq.Role.SUPERVISOR, fq.Role.MEDIATOR})
        return None

    def preconditions(self, dispute: fq.Dispute, trigger: TriggerId, at: datetime) -> Iterable[fq.Refusal]:
        if trigger == T.CLOSE:
            yield fq.Refusal("quiet.close.wait", "须静候", "wait before closing")

    def refusals(self, dispute: fq.Dispute, event: fq.Event) -> Iterable[fq.Refusal]:
        if isinstance(event, fq.Referred):
            yield fq.Refusal("quiet.refer.never", "不得移交", "never refer")

    def deadlines(self, dispute: fq.Dispute) -> Iterable[fq.Deadline]:
        yield fq.Deadline("quiet.week", "一周内", "within a week", due=dispute.discovered_at + timedelta(days=7))

    def dossier_requirements(self, dispute: fq.Dispute) -> Iterable[fq.DossierRequirement]:
        yield fq.DossierRequirement(
            "quiet.photo", fq.DossierSection.EVIDENCE, frozenset({fq.DossierKind.MEDIATION_PHOTO}), "照片", "photo"
        )

    def metrics(self, disputes: Iterable[fq.Dispute]) -> Mapping[str, float]:
        return {"screened": -1, "quiet": 1.0}


class Daily(BasePolicy):
    name = "test-daily"

    def deadlines(self, dispute: fq.Dispute) -> Iterable[fq.Deadline]:
        yield fq.Deadline("daily.clear", "日清", "cleared daily", due=dispute.discovered_at + timedelta(days=1))

    def dossier_requirements(self, dispute: fq.Dispute) -> Iterable[fq.DossierRequirement]:
        yield fq.DossierRequirement(
            "daily.source", fq.DossierSection.SOURCE, frozenset({fq.DossierKind.ALERT_RECORD}), "警情", "alert"
        )


def workflow(*policies: fq.Policy) -> fq.Workflow:
    return fq.Workflow(fq.compose(*policies), clock=fq.FixedClock(START))


def discovered(wf: fq.Workflow) -> fq.Dispute:
    return wf.discover(channel="alarm_110", category="neighbour", summary="噪音扰民", actor=OFFICER)


def test_compose_needs_at_least_one_policy() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match="at least one policy"):
        fq.compose()


def test_a_composite_is_named_after_its_parts() -> None:
    assert fq.compose(Baseline(), Quiet()).name == "baseline+test-quiet"


def test_a_composite_is_a_policy() -> None:
    assert isinstance(fq.compose(Baseline(), Quiet()), fq.Policy)


def test_the_first_policy_grades_and_routes() -> None:
    wf = workflow(Quiet(), Baseline())
    d = wf.grade(discovered(wf), actor="supervisor:zhang", risk_factors=["weapon"])
    assert (d.grade, d.grade_rule, d.route) == ("quiet", "quiet.always", fq.Route.REFER)


def test_the_first_policy_names_the_grades_and_the_timezone() -> None:
    composite = fq.compose(Quiet(), Baseline())
    assert composite.grades == ("loud", "quiet")
    assert composite.timezone == Quiet.timezone


def test_preconditions_of_every_part_are_united_in_order() -> None:
    wf = workflow(Baseline(), Quiet())
    d = discovered(wf)
    d = wf.grade(d, actor="supervisor:zhang")
    d = wf.resolve(wf.mediate(d, actor=OFFICER), actor=OFFICER)
    assert wf.check(d, T.CLOSE, actor=OFFICER).codes == ("baseline.close.no-visit", "quiet.close.wait")


def test_refusals_of_every_part_are_united() -> None:
    wf = workflow(Baseline(), Quiet())
    d = wf.grade(discovered(wf), actor="supervisor:zhang")
    assert wf.check(d, T.REFER, actor=OFFICER).codes == ("baseline.refer.department-missing", "quiet.refer.never")


def test_an_actor_needs_a_role_every_part_accepts() -> None:
    wf = workflow(Baseline(), Quiet())
    d = discovered(wf)
    assert wf.check(d, T.GRADE, actor="supervisor:zhang").allowed
    assert wf.check(d, T.GRADE, actor=OFFICER).codes == ("auth.role-required",)
    assert wf.check(d, T.GRADE, actor="mediator:li").codes == ("auth.role-required",)


def test_no_role_is_required_when_no_part_restricts_the_action() -> None:
    assert fq.compose(Quiet(), Daily()).required_roles(T.NOTE) is None


def test_deadlines_of_every_part_are_merged() -> None:
    wf = workflow(Daily(), Quiet())
    assert [c.deadline.code for c in wf.deadlines(discovered(wf))] == ["daily.clear", "quiet.week"]


def test_dossier_requirements_of_every_part_are_merged() -> None:
    wf = workflow(Daily(), Quiet())
    assert [r.code for r in wf.dossier_gaps(discovered(wf))] == ["daily.source", "quiet.photo"]


def test_graph_extensions_of_every_part_are_combined() -> None:
    wf = workflow(Baseline(), Quiet())
    d = wf.grade(discovered(wf), actor="supervisor:zhang")
    d = wf.fire(d, "withdraw", actor=OFFICER)
    assert d.state == "withdrawn"
    assert wf.graph.is_terminal("withdrawn")


def test_metrics_are_merged_with_the_earlier_part_winning_a_clash() -> None:
    wf = workflow(Baseline(), Quiet())
    metrics = wf.policy.metrics([discovered(wf)])
    assert metrics["screened"] == 1
    assert metrics["quiet"] == 1.0
    assert metrics["resolution_rate"] == 0.0


class Counting(BasePolicy):
    name = "test-counting"

    def metrics(self, disputes: Iterable[fq.Dispute]) -> Mapping[str, float]:
        return {"counted": sum(1 for _ in disputes)}


def test_metrics_of_every_part_see_every_dispute_of_a_one_shot_iterable() -> None:
    wf = workflow(Baseline(), Counting())
    metrics = wf.policy.metrics(discovered(wf) for _ in range(3))
    assert metrics["counted"] == 3
    assert metrics["screened"] == 3
