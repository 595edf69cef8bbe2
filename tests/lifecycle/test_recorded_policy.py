"""Every case records the policy it was opened under, and only that policy (or one adopting it) goes on."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, ClassVar

import attrs
import pytest

import fengqiao as fq
from fengqiao import serde
from fengqiao.errors import PolicyDefinitionError, TransitionRefused, ValidationError
from fengqiao.policies.base import policy_ref
from fengqiao.storage import MemoryEventStore, Repository

START = datetime(2024, 3, 1, 9, tzinfo=UTC)
OFFICER = "officer:li"


def discovered(policy: str | fq.Policy = "baseline", **options: Any) -> fq.Dispute:
    wf = fq.Workflow(policy, clock=fq.FixedClock(START), **options)
    return wf.discover(channel="alarm_110", category="neighbour", summary="噪音", actor=OFFICER, dispute_id="D-1")


def unrecorded(d: fq.Dispute) -> fq.Dispute:
    """``d`` as fengqiao wrote it before it recorded the policy."""
    first = d.history[0]
    assert isinstance(first, fq.Discovered)
    return fq.replay((attrs.evolve(first, policy=None), *d.history[1:]))


def test_discover_records_the_policys_name_and_version_in_the_first_event() -> None:
    d = discovered("yongji-54333")
    assert d.policy == fq.PolicyRef("yongji-54333", "1")
    first = d.history[0]
    assert isinstance(first, fq.Discovered)
    assert first.policy == d.policy
    assert serde.unstructure(first)["policy"] == {"name": "yongji-54333", "version": "1"}
    assert fq.replay(d.history) == d


def test_an_event_without_a_policy_is_written_as_before_so_stored_hashes_still_hold() -> None:
    first = unrecorded(discovered()).history[0]
    data = serde.unstructure(first)
    assert "policy" not in data
    assert serde.loads(json.dumps(data), fq.Event) == first


def test_a_command_on_a_dispute_opened_under_another_policy_is_refused_in_both_languages() -> None:
    d = discovered("yongji-54333")
    baseline = fq.Workflow("baseline", clock=fq.FixedClock(START))
    with pytest.raises(TransitionRefused) as caught:
        baseline.grade(d, actor=OFFICER)
    (refusal,) = caught.value.refusals
    assert refusal.code == "policy.other"
    assert refusal.en.startswith("dispute D-1 was opened under policy yongji-54333 v1, not baseline")
    assert refusal.zh.startswith("纠纷 D-1 按政策 yongji-54333 v1 办理，不能按 baseline 处理")
    assert baseline.triggers(d) == ()
    assert baseline.check(d, "note", actor=OFFICER, text="x").codes == ("policy.other",)


def test_a_workflow_that_adopts_the_policy_goes_on_and_the_dispute_keeps_where_it_began() -> None:
    d = discovered("baseline")
    yongji = fq.Workflow("yongji-54333", clock=fq.FixedClock(START), adopts=["baseline"])
    assert yongji.adopts == frozenset({"baseline"})
    graded = yongji.grade(d, actor=OFFICER)
    assert graded.grading is not None
    assert graded.grading.rule.startswith("yongji.")
    assert graded.policy == fq.PolicyRef("baseline", "1")


def test_another_version_of_the_same_policy_goes_on() -> None:
    class Newer(fq.BasePolicy):
        name = "county"
        version = "2"

    class Older(fq.BasePolicy):
        name = "county"

    d = discovered(Older())
    graded = fq.Workflow(Newer(), clock=fq.FixedClock(START)).grade(d, actor=OFFICER)
    assert graded.policy == fq.PolicyRef("county", "1")


def test_a_dispute_that_records_no_policy_is_handled_by_any_workflow() -> None:
    d = unrecorded(discovered("yongji-54333"))
    assert d.policy is None
    assert fq.Workflow("huaiyang-ten-categories", clock=fq.FixedClock(START)).grade(d, actor=OFFICER).version == 2


def test_admit_refuses_another_policys_discovery_and_its_later_events() -> None:
    d = discovered("yongji-54333")
    baseline = fq.Workflow("baseline", clock=fq.FixedClock(START))
    with pytest.raises(TransitionRefused) as opening:
        baseline.admit(None, d.history[0])
    assert [r.code for r in opening.value.refusals] == ["policy.other"]
    graded = fq.Workflow("yongji-54333", clock=fq.FixedClock(START)).grade(d, actor=OFFICER)
    with pytest.raises(TransitionRefused) as later:
        baseline.admit(d, graded.history[-1])
    assert "policy.other" in [r.code for r in later.value.refusals]
    adopting = fq.Workflow("baseline", clock=fq.FixedClock(START), adopts=["yongji-54333"])
    assert adopting.admit(None, d.history[0]) == d


def test_a_repository_stores_nothing_another_policys_workflow_decides() -> None:
    store = MemoryEventStore()
    d = Repository(fq.Workflow("yongji-54333", clock=fq.FixedClock(START)), store).discover(
        channel="alarm_110", category="neighbour", summary="噪音", actor=OFFICER
    )
    other = Repository(fq.Workflow("baseline", clock=fq.FixedClock(START)), store)
    with pytest.raises(TransitionRefused, match=r"policy\.other"):
        other.grade(other.get(d.id), actor=OFFICER)
    assert len(store.load(d.id)) == 1


@pytest.mark.parametrize(
    ("adopts", "path"),
    [("baseline", "adopts"), (3, "adopts"), ([""], "adopts[0]"), (["baseline", 7], "adopts[1]")],
)
def test_adopts_takes_policy_names_only(adopts: object, path: str) -> None:
    with pytest.raises(ValidationError) as caught:
        fq.Workflow("baseline", adopts=adopts)  # type: ignore[arg-type]
    assert caught.value.path == path
    with pytest.raises(ValidationError):
        fq.HouseholdWorkflow(adopts=adopts)  # type: ignore[arg-type]


def test_a_policy_whose_version_is_not_text_is_refused_when_the_workflow_is_made() -> None:
    class Numbered(fq.BasePolicy):
        name = "numbered"
        version: ClassVar[Any] = 2

    with pytest.raises(PolicyDefinitionError, match="numbered: version must be text, got int"):
        fq.Workflow(Numbered())


def test_a_policy_without_a_version_records_an_empty_one_and_a_composite_joins_its_parts() -> None:
    class Bare:
        name = "bare"

    assert policy_ref(Bare()) == fq.PolicyRef("bare", "")
    assert str(policy_ref(Bare())) == "bare"
    both = fq.compose(fq.policies.get("yongji-54333"), fq.policies.get("baseline"))
    assert discovered(both).policy == fq.PolicyRef("yongji-54333+baseline", "1+1")


def test_households_record_their_policy_and_refuse_another() -> None:
    xiqi = fq.HouseholdWorkflow("xiqi-family-risk", clock=fq.FixedClock(START))
    h = xiqi.screen(village="西歧村", actor="grid_worker:li", household_id="h-1")
    assert h.policy == fq.PolicyRef("xiqi-family-risk", "1")
    assert serde.unstructure(h.history[0])["policy"] == {"name": "xiqi-family-risk", "version": "1"}
    base = fq.HouseholdWorkflow(clock=fq.FixedClock(START))
    with pytest.raises(TransitionRefused) as caught:
        base.watch(h, actor="grid_worker:li", reason="家中争吵")
    assert [r.code for r in caught.value.refusals] == ["policy.other"]
    assert caught.value.refusals[0].en.startswith("household h-1 was opened under policy xiqi-family-risk v1")
    assert base.triggers(h) == ()
