"""The household: its base graph, fold, workflow commands, refusals and replay (issue #14)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import fengqiao as fq
from fengqiao.domain.household import HelpDepartment, HouseholdFactor, RiskClass, WorkKind
from fengqiao.errors import PolicyDefinitionError, TransitionRefused, ValidationError
from fengqiao.households import HouseholdWorkflow, replay_household
from fengqiao.lifecycle.graph import Edge, Graph, GraphExtension, StateSpec
from fengqiao.lifecycle.household import HOUSEHOLD, Household, fold
from fengqiao.lifecycle.household_events import HouseholdState, HouseholdTrigger
from fengqiao.lifecycle.kinds import DISPUTE
from fengqiao.policies import HouseholdBasePolicy, get, get_household

T0 = datetime(2024, 3, 1, 9, tzinfo=UTC)
GRID = "grid_worker:li"
SECRETARY = "party_secretary:tian"


class Ticking:
    """A clock that moves a minute each time it is read."""

    def __init__(self) -> None:
        self.t = T0

    def now(self) -> datetime:
        self.t += timedelta(minutes=1)
        return self.t


def workflow(policy: object = None) -> HouseholdWorkflow:
    return HouseholdWorkflow(policy, clock=Ticking(), ids=iter(f"h-{i}" for i in range(1000)).__next__)  # type: ignore[arg-type]


def screened(wf: HouseholdWorkflow) -> Household:
    return wf.screen(village="西歧村", grid="3", address="二组12号", actor=GRID, members=[fq.Party(name="彭某某")])


def managed(wf: HouseholdWorkflow) -> Household:
    h = wf.watch(screened(wf), reason="与邻居争吵", factors=["dispute"], actor=GRID)
    h = wf.assess(h, actor=SECRETARY)
    h = wf.assign_cadre(h, person="村主任田某", actor=SECRETARY)
    return wf.manage(h, plan="每周走访一次", team=["田某", "李某"], actor=SECRETARY)


def test_the_household_graph_is_the_documented_default() -> None:
    g = Graph(kind=HOUSEHOLD)
    S, T = HouseholdState, HouseholdTrigger
    assert g.target(S.SCREENED, T.WATCH) is S.WATCHED
    assert g.target(S.WATCHED, T.ASSESS) is S.ASSESSED
    assert g.target(S.ASSESSED, T.MANAGE) is S.MANAGED
    assert g.target(S.MANAGED, T.RELEASE) is S.RELEASED
    assert g.target(S.RELEASED, T.INCIDENT) is S.WATCHED
    assert g.target(S.MANAGED, T.INCIDENT) is S.WATCHED
    assert g.target(S.MANAGED, T.REASSESS) is S.MANAGED
    assert g.target(S.WATCHED, T.REASSESS) is None
    assert g.terminal == {S.DEREGISTERED}
    assert all(not g.allowed(s) for s in g.terminal)
    assert g.label(S.MANAGED, "zh") == "包联管控"


def test_a_kind_keeps_its_own_vocabulary_and_opening() -> None:
    assert HOUSEHOLD.opening_trigger == "screen"
    assert DISPUTE.opening_trigger == "discover"
    assert HOUSEHOLD.internal >= {"reassess", "note", "link_dispute"}
    with pytest.raises(PolicyDefinitionError, match="'screen' is not a trigger; it creates a household"):
        Graph(GraphExtension(edges=(Edge("screen", "watched", "assessed"),)), kind=HOUSEHOLD)
    with pytest.raises(PolicyDefinitionError, match="'managed' is a built-in state"):
        Graph(GraphExtension(states=(StateSpec("managed"),)), kind=HOUSEHOLD)
    with pytest.raises(PolicyDefinitionError, match="expected a Kind"):
        Graph(kind="household")  # type: ignore[arg-type]


def test_a_policy_extends_the_household_graph() -> None:
    ext = GraphExtension(
        states=(StateSpec("transferred", "转出", "transferred", terminal=True),),
        edges=(Edge("transfer", ("watched", "managed"), "transferred"),),
    )
    g = Graph(ext, kind=HOUSEHOLD)
    assert g.target(HouseholdState.MANAGED, "transfer") == "transferred"
    assert g.is_terminal("transferred")


def test_a_household_goes_through_its_lifecycle_and_replays_equal() -> None:
    wf = workflow()
    h = managed(wf)
    assert h.state is HouseholdState.MANAGED
    assert h.risk_class is RiskClass.III
    assert h.work == {WorkKind.DISPUTE_MEDIATION}
    assert h.plan == "每周走访一次"
    assert h.team == ("田某", "李某")
    assert [c.person for c in h.cadres] == ["村主任田某"]
    h = wf.release(h, reason="纠纷已化解", actor=SECRETARY)
    assert h.state is HouseholdState.RELEASED
    h = wf.incident(h, summary="持刀威胁家人", factors=["violence_threat"], daily_report=True, actor=GRID)
    assert h.state is HouseholdState.WATCHED
    assert h.incidents[-1].daily_report
    assert HouseholdFactor.VIOLENCE_THREAT in h.factors
    assert h.reassessment_due
    assert wf.replay(h.history) == h
    assert replay_household(h.history) == h
    assert fold(h.history) == h


def test_a_refused_command_changes_nothing_and_says_every_reason() -> None:
    wf = workflow()
    h = screened(wf)
    before = h
    decision = wf.check(h, "manage", actor=GRID, plan="x")
    assert decision.codes == ("graph.not-allowed",)
    with pytest.raises(TransitionRefused) as caught:
        wf.manage(h, plan="x", actor=GRID)
    assert caught.value.refusals[0].message("zh") == "“已摸排”状态下不能“纳入包联管控”"
    assert h == before
    assert h.version == 1


def test_nothing_fires_once_deregistered() -> None:
    wf = workflow()
    h = wf.deregister(screened(wf), reason="全家迁出", actor=GRID)
    assert h.state is HouseholdState.DEREGISTERED
    assert wf.triggers(h) == ()
    assert wf.check(h, "note", actor=GRID, text="x").codes == ("graph.terminal",)


def test_reassessment_is_due_after_a_linked_dispute_and_cleared_by_reassessing() -> None:
    wf = workflow()
    h = managed(wf)
    assert not h.reassessment_due
    h = wf.link_dispute(h, dispute_id="d-42", actor=GRID)
    assert h.disputes == ("d-42",)
    assert h.reassessment_due
    h = wf.reassess(h, factors=["dispute", "mental_illness"], actor=SECRETARY)
    assert not h.reassessment_due
    assert h.state is HouseholdState.MANAGED
    assert h.factors == {HouseholdFactor.DISPUTE, HouseholdFactor.MENTAL_ILLNESS}


def test_help_is_tracked_until_the_department_reports_in() -> None:
    wf = workflow()
    h = managed(wf)
    h = wf.refer_help(h, department="civil_affairs", need="低保申请", actor=SECRETARY)
    assert [r.department for r in h.pending_help] == [HelpDepartment.CIVIL_AFFAIRS]
    h = wf.help_reported(h, department="civil_affairs", result="已纳入低保", actor="system:civil")
    assert h.pending_help == ()
    assert h.help[0].resolved
    assert h.help[0].result == "已纳入低保"


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (lambda wf, h: wf.watch(h, reason="", actor=GRID), "watch.reason"),
        (lambda wf, h: wf.fire(h, "watch", reason="x", factors=["Nope!"], actor=GRID), "watch.factors[0]"),
        (lambda wf, h: wf.fire(h, "watch", reason="x", color="red", actor=GRID), "watch.color"),
        (lambda wf, h: wf.fire(h, "wach", actor=GRID), "trigger"),
        (lambda wf, h: wf.fire("h", "watch", reason="x", actor=GRID), "household"),
        (lambda wf, h: wf.screen(village="", actor=GRID), "screen.village"),
        (lambda wf, h: wf.manage(h, team=[""], actor=GRID), "manage.team[0]"),
    ],
)
def test_bad_input_is_a_validation_error_naming_the_field(call: object, path: str) -> None:
    wf = workflow()
    h = screened(wf)
    with pytest.raises(ValidationError) as caught:
        call(wf, h)  # type: ignore[operator]
    assert caught.value.path == path


def test_an_unknown_trigger_suggests_the_closest() -> None:
    wf = workflow()
    with pytest.raises(ValidationError, match="did you mean 'watch'"):
        wf.fire(screened(wf), "wach", actor=GRID)


def test_policies_of_each_kind_are_kept_apart() -> None:
    assert isinstance(get_household("household-base"), HouseholdBasePolicy)
    with pytest.raises(ValidationError, match="is a household policy: use HouseholdWorkflow"):
        get("household-base")
    with pytest.raises(ValidationError, match="is a dispute policy: use Workflow"):
        get_household("baseline")
    with pytest.raises(ValidationError, match="known household policies"):
        HouseholdWorkflow("nosuch")


def test_replay_refuses_a_step_the_graph_does_not_allow() -> None:
    wf = workflow()
    h = managed(wf)
    events = list(h.history)
    events.insert(1, events[-1])  # a manage right after screening
    with pytest.raises(ValidationError, match="manage cannot take a household from screened") as caught:
        wf.replay(events)
    assert caught.value.path == "history[1]"


def test_the_diagram_draws_the_household_graph_in_both_languages() -> None:
    wf = workflow()
    en = wf.diagram()
    zh = wf.diagram(lang="zh", household=managed(wf))
    assert "screened --> watched" in en
    assert "deregistered" in en
    assert "包联管控" in zh
    assert "digraph" in wf.diagram(format="dot")


class Transfers(HouseholdBasePolicy):
    """A policy that adds a state and a trigger of its own: a household moved to another township."""

    name = "transfers"

    def graph(self) -> GraphExtension:
        return GraphExtension(
            states=(StateSpec("transferred", "已转出", "transferred out", terminal=True),),
            edges=(Edge("transfer", ("watched", "managed"), "transferred", zh="转出", en="transfer out"),),
        )


def test_a_policys_own_trigger_is_recorded_replayed_stored_and_read_back() -> None:
    wf = workflow(Transfers())
    h = wf.watch(screened(wf), reason="外出务工", actor=GRID)
    assert wf.check(screened(wf), "transfer", actor=GRID).codes == ("graph.not-allowed",)
    h = wf.fire(h, "transfer", note="迁往县城", actor=GRID)
    assert h.state == "transferred"
    assert wf.graph.is_terminal(h.state)
    assert wf.triggers(h) == ()
    assert wf.replay(h.history) == h
    assert fq.loads(fq.dumps(h), fq.Household) == h
    with pytest.raises(ValidationError, match="cannot take a household from screened"):
        HouseholdWorkflow(Transfers()).replay((h.history[0], h.history[-1]))
    with pytest.raises(ValidationError) as caught:
        wf.fire(wf.watch(screened(wf), reason="x", actor=GRID), "transfer", target="closed", actor=GRID)
    assert caught.value.path == "transfer.target"
    assert "转出" in wf.diagram(lang="zh")


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (lambda wf, h: wf.watch(h, reasn="x", actor=GRID), "watch.reasn"),
        (lambda wf, h: wf.watch(h, actor=GRID), "watch.reason"),
        (lambda wf, h: wf.manage(h, "plan", actor=GRID), "manage"),
        (lambda wf, h: wf.note(actor=GRID, text="x"), "note.household"),
        (lambda wf, h: wf.screen(villag="x", actor=GRID), "screen.villag"),
    ],
)
def test_a_typed_method_called_with_the_wrong_shape_is_a_validation_error(call: object, path: str) -> None:
    wf = workflow()
    h = screened(wf)
    with pytest.raises(ValidationError) as caught:
        call(wf, h)  # type: ignore[operator]
    assert caught.value.path == path


def test_an_unknown_keyword_to_a_typed_method_suggests_the_closest() -> None:
    wf = workflow()
    with pytest.raises(ValidationError, match="did you mean 'reason'"):
        wf.watch(screened(wf), reasn="x", actor=GRID)  # type: ignore[call-arg]
