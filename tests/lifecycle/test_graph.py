from __future__ import annotations

import itertools
from collections.abc import Iterable

import pytest

import fengqiao as fq
from fengqiao import Edge, GraphExtension, StateSpec
from fengqiao.lifecycle.graph import Graph
from fengqiao.lifecycle.states import TERMINAL_STATES
from fengqiao.lifecycle.triggers import INTERNAL_TRIGGERS
from tests.stages import OFFICER, START

S, T = fq.State, fq.Trigger
OPEN = (S.DISCOVERED, S.GRADED, S.MEDIATING, S.REFERRED, S.FOLLOW_UP)

# The lifecycle table of design.md, copied by hand: trigger -> (from, to).
DESIGN_TABLE: dict[fq.Trigger, tuple[frozenset[fq.State], fq.State]] = {
    T.GRADE: (frozenset({S.DISCOVERED}), S.GRADED),
    T.MEDIATE: (frozenset({S.GRADED}), S.MEDIATING),
    T.REFER: (frozenset({S.GRADED, S.MEDIATING}), S.REFERRED),
    T.ESCALATE: (frozenset({S.GRADED, S.MEDIATING, S.REFERRED}), S.ESCALATED),
    T.RESOLVE: (frozenset({S.MEDIATING, S.REFERRED}), S.FOLLOW_UP),
    T.REOPEN: (frozenset({S.FOLLOW_UP}), S.MEDIATING),
    T.CLOSE: (frozenset({S.FOLLOW_UP}), S.CLOSED),
    T.MERGE: (frozenset({S.DISCOVERED, S.GRADED}), S.MERGED),
}
# The internal triggers of design.md and the states they may fire in.
DESIGN_INTERNAL: dict[fq.Trigger, frozenset[fq.State]] = {
    T.REGRADE: frozenset({S.GRADED, S.MEDIATING, S.REFERRED, S.FOLLOW_UP}),
    T.ASSIGN: frozenset(OPEN),
    T.LINK_ALERT: frozenset(OPEN),
    T.ATTACH: frozenset(OPEN),
    T.NOTE: frozenset(OPEN),
    T.RECORD_ATTEMPT: frozenset({S.MEDIATING}),
    T.RECORD_VISIT: frozenset({S.FOLLOW_UP}),
}


@pytest.fixture(scope="module")
def base() -> Graph:
    return Graph()


def graph(states: Iterable[StateSpec] = (), edges: Iterable[Edge] = ()) -> Graph:
    return Graph(GraphExtension(states=tuple(states), edges=tuple(edges)))


def confirmation() -> GraphExtension:
    """Court confirmation of an agreement (司法确认), between mediation and follow-up."""
    return GraphExtension(
        states=(StateSpec("awaiting_confirmation", "待司法确认", "awaiting court confirmation"),),
        edges=(
            Edge(
                "request_confirmation",
                S.MEDIATING,
                "awaiting_confirmation",
                zh="申请司法确认",
                en="request court confirmation",
            ),
            Edge("confirm", "awaiting_confirmation", S.FOLLOW_UP, zh="司法确认", en="confirm"),
        ),
    )


# -- the base graph ------------------------------------------------------------------------
@pytest.mark.parametrize(("trigger", "source"), list(itertools.product(DESIGN_TABLE, S)))
def test_base_graph_state_changing_trigger_matches_the_design_table(
    base: Graph, trigger: fq.Trigger, source: fq.State
) -> None:
    sources, dest = DESIGN_TABLE[trigger]
    expected = dest if source in sources else None
    assert base.target(source, trigger) == expected


@pytest.mark.parametrize(("trigger", "source"), list(itertools.product(DESIGN_INTERNAL, S)))
def test_base_graph_internal_trigger_keeps_the_state_exactly_where_the_design_allows_it(
    base: Graph, trigger: fq.Trigger, source: fq.State
) -> None:
    expected = source if source in DESIGN_INTERNAL[trigger] else None
    assert base.target(source, trigger) == expected


def test_base_graph_knows_every_trigger_and_no_other(base: Graph) -> None:
    assert set(base.triggers) == set(T)


def test_base_graph_has_the_eight_states_of_the_design(base: Graph) -> None:
    assert set(base.states) == set(S)


def test_escalated_closed_and_merged_are_the_terminal_states(base: Graph) -> None:
    assert {s for s in S if base.is_terminal(s)} == {S.ESCALATED, S.CLOSED, S.MERGED}
    assert frozenset({S.ESCALATED, S.CLOSED, S.MERGED}) == TERMINAL_STATES


@pytest.mark.parametrize(("state", "trigger"), list(itertools.product(sorted(TERMINAL_STATES), sorted(T))))
def test_nothing_fires_from_a_terminal_state(base: Graph, state: fq.State, trigger: fq.Trigger) -> None:
    assert not base.allows(state, trigger)


def test_internal_triggers_are_never_allowed_from_terminal_states(base: Graph) -> None:
    for state, trigger in itertools.product(TERMINAL_STATES, INTERNAL_TRIGGERS):
        assert trigger not in base.allowed(state)


def test_allowed_lists_the_triggers_of_a_state_in_declaration_order(base: Graph) -> None:
    assert base.allowed(S.FOLLOW_UP) == (
        T.REOPEN,
        T.CLOSE,
        T.REGRADE,
        T.ASSIGN,
        T.LINK_ALERT,
        T.ATTACH,
        T.NOTE,
        T.RECORD_VISIT,
    )


def test_an_unknown_state_allows_nothing(base: Graph) -> None:
    assert base.allowed("limbo") == ()
    assert base.target("limbo", T.NOTE) is None


def test_the_base_graph_labels_states_and_triggers_in_both_languages(base: Graph) -> None:
    assert base.label(S.MEDIATING, "zh") == "调解中"
    assert base.label(T.CLOSE, "zh") == "销号"
    assert base.label(T.CLOSE, "en") == "close"


# -- extension faults ----------------------------------------------------------------------
def test_an_added_state_that_nothing_leads_to_is_unreachable() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match=r"unreachable state.*limbo"):
        graph(states=[StateSpec("limbo")], edges=[Edge("leave", "limbo", S.CLOSED)])


def test_an_added_state_that_cannot_reach_a_terminal_state_is_a_dead_end() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match=r"dead end: state 'limbo'"):
        graph(states=[StateSpec("limbo")], edges=[Edge("enter", S.MEDIATING, "limbo")])


def test_an_added_state_that_only_loops_on_itself_is_a_dead_end() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match=r"dead end: state 'loop'"):
        graph(
            states=[StateSpec("loop")],
            edges=[Edge("enter", S.MEDIATING, "loop"), Edge("again", "loop", "loop")],
        )


def test_an_edge_leaving_a_built_in_terminal_state_is_refused() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match=r"leaves terminal state 'closed'"):
        graph(edges=[Edge("revive", S.CLOSED, S.MEDIATING)])


def test_an_edge_leaving_an_added_terminal_state_is_refused() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match=r"leaves terminal state 'withdrawn'"):
        graph(
            states=[StateSpec("withdrawn", terminal=True)],
            edges=[Edge("withdraw", S.MEDIATING, "withdrawn"), Edge("undo", "withdrawn", S.MEDIATING)],
        )


def test_an_internal_trigger_added_to_a_terminal_state_is_refused() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match=r"leaves terminal state 'merged'"):
        graph(edges=[Edge(T.NOTE, S.MERGED)])


@pytest.mark.parametrize("where", ["source", "dest"])
def test_an_edge_naming_an_unknown_state_is_refused(where: str) -> None:
    edge = Edge("go", "nowhere", S.CLOSED) if where == "source" else Edge("go", S.MEDIATING, "nowhere")
    with pytest.raises(fq.PolicyDefinitionError, match=r"unknown state 'nowhere'"):
        graph(edges=[edge])


def test_a_custom_trigger_declared_twice_from_one_state_is_refused() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match=r"trigger 'go' is declared twice from state 'mediating'"):
        graph(edges=[Edge("go", S.MEDIATING, S.FOLLOW_UP), Edge("go", S.MEDIATING, S.FOLLOW_UP)])


def test_a_built_in_trigger_redeclared_from_its_own_state_is_refused() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match=r"trigger 'grade' is declared twice from state 'discovered'"):
        graph(edges=[Edge(T.GRADE, S.DISCOVERED, S.GRADED)])


def test_a_built_in_trigger_to_a_wrong_destination_is_refused() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match=r"built-in trigger 'close' must lead to 'closed'"):
        graph(edges=[Edge(T.CLOSE, S.MEDIATING, S.FOLLOW_UP)])


def test_a_built_in_internal_trigger_given_a_destination_is_refused() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match=r"built-in trigger 'record_visit' must lead to None"):
        graph(edges=[Edge(T.RECORD_VISIT, S.MEDIATING, S.CLOSED)])


def test_a_built_in_trigger_from_a_new_source_to_its_own_destination_is_allowed() -> None:
    g = graph(edges=[Edge(T.CLOSE, S.MEDIATING, S.CLOSED)])
    assert g.target(S.MEDIATING, T.CLOSE) is S.CLOSED


def test_a_custom_trigger_without_a_destination_is_refused() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match=r"trigger 'pause' needs a destination state"):
        graph(edges=[Edge("pause", S.MEDIATING)])


def test_a_custom_trigger_with_two_destinations_is_refused() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match=r"trigger 'go' leads to both 'follow_up' and 'closed'"):
        graph(edges=[Edge("go", S.MEDIATING, S.FOLLOW_UP), Edge("go", S.GRADED, S.CLOSED)])


def test_discover_cannot_be_declared_as_a_trigger() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match=r"'discover' is not a trigger"):
        graph(edges=[Edge("discover", S.MEDIATING, S.CLOSED)])


@pytest.mark.parametrize("name", ["awaiting confirmation", "", "待确认", "a-b", "x!"])
def test_a_state_name_that_is_not_ascii_letters_digits_and_underscores_is_refused(name: str) -> None:
    with pytest.raises(fq.PolicyDefinitionError, match=r"must be ASCII letters, digits and underscores"):
        graph(states=[StateSpec(name)])


def test_a_state_declared_twice_is_refused() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match=r"state 'hold' is declared twice"):
        graph(states=[StateSpec("hold"), StateSpec("hold")])


def test_a_state_named_like_a_built_in_state_is_refused() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match=r"state 'closed' is a built-in state"):
        graph(states=[StateSpec("closed", terminal=True)])


# -- a valid extension ---------------------------------------------------------------------
def test_a_valid_extension_adds_its_state_and_transitions() -> None:
    g = Graph(confirmation())
    assert "awaiting_confirmation" in g.states
    assert g.target(S.MEDIATING, "request_confirmation") == "awaiting_confirmation"
    assert g.target("awaiting_confirmation", "confirm") is S.FOLLOW_UP


def test_an_added_open_state_gets_the_common_internal_triggers() -> None:
    g = Graph(confirmation())
    assert {T.REGRADE, T.ASSIGN, T.LINK_ALERT, T.ATTACH, T.NOTE} <= set(g.allowed("awaiting_confirmation"))
    assert not g.allows("awaiting_confirmation", T.RECORD_VISIT)


def test_an_added_terminal_state_gets_no_internal_triggers() -> None:
    g = graph(states=[StateSpec("withdrawn", terminal=True)], edges=[Edge("withdraw", S.MEDIATING, "withdrawn")])
    assert g.is_terminal("withdrawn")
    assert g.allowed("withdrawn") == ()


def test_extensions_combine_with_plus() -> None:
    withdrawal = GraphExtension(
        states=(StateSpec("withdrawn", terminal=True),), edges=(Edge("withdraw", S.MEDIATING, "withdrawn"),)
    )
    g = Graph(confirmation() + withdrawal)
    assert {"awaiting_confirmation", "withdrawn"} <= set(g.states)


def test_added_states_and_triggers_carry_their_labels() -> None:
    g = Graph(confirmation())
    assert g.label("awaiting_confirmation", "zh") == "待司法确认"
    assert g.label("awaiting_confirmation", "en") == "awaiting court confirmation"
    assert g.label("request_confirmation", "zh") == "申请司法确认"


def test_an_unlabelled_added_state_is_labelled_by_its_name() -> None:
    g = graph(
        states=[StateSpec("hold")], edges=[Edge("hold_on", S.MEDIATING, "hold"), Edge("go_on", "hold", S.MEDIATING)]
    )
    assert g.label("hold", "zh") == "hold"


class Confirmation(fq.BasePolicy):
    """Mediated agreements go to court for confirmation (司法确认) before follow-up."""

    name = "test-confirmation"

    def graph(self) -> GraphExtension:
        return confirmation()


@pytest.fixture
def confirming(clock: fq.FixedClock) -> fq.Workflow:
    return fq.Workflow(Confirmation(), clock=clock, ids=lambda: "C-0001")


def mediating(wf: fq.Workflow) -> fq.Dispute:
    d = wf.discover(channel=fq.Channel.WALK_IN, category=fq.Category.DEBT, summary="借款未还", actor=OFFICER)
    d = wf.grade(d, actor=OFFICER)
    return wf.mediate(d, actor=OFFICER, forces=[fq.MediationForce.COURT])


def awaiting(wf: fq.Workflow) -> fq.Dispute:
    court_paper = fq.DossierItem(kind=fq.DossierKind.MEDIATION_AGREEMENT, title="调解协议书")
    return wf.fire(mediating(wf), "request_confirmation", actor=OFFICER, note="申请司法确认", documents=[court_paper])


def test_a_custom_trigger_is_offered_where_the_extension_allows_it(confirming: fq.Workflow) -> None:
    assert "request_confirmation" in confirming.triggers(mediating(confirming))


def test_firing_a_custom_trigger_moves_to_the_added_state(confirming: fq.Workflow) -> None:
    d = awaiting(confirming)
    assert d.state == "awaiting_confirmation"
    assert isinstance(d.history[-1], fq.Transitioned)
    assert d.history[-1].payload.trigger == "request_confirmation"
    assert d.dossier[-1].kind is fq.DossierKind.MEDIATION_AGREEMENT


def test_the_added_state_offers_only_its_own_triggers(confirming: fq.Workflow) -> None:
    assert set(confirming.triggers(awaiting(confirming))) == {
        T.REGRADE,
        T.ASSIGN,
        T.LINK_ALERT,
        T.ATTACH,
        T.NOTE,
        "confirm",
    }


def test_internal_triggers_work_in_the_added_state(confirming: fq.Workflow) -> None:
    d = confirming.note(awaiting(confirming), "法院已受理", actor=OFFICER)
    assert d.state == "awaiting_confirmation"


def test_the_second_custom_trigger_leads_back_into_the_base_graph(confirming: fq.Workflow) -> None:
    d = confirming.fire(awaiting(confirming), "confirm", actor=OFFICER)
    assert d.state is S.FOLLOW_UP
    d = confirming.record_visit(d, actor=OFFICER, kind=fq.VisitKind.ON_SITE)
    assert confirming.close(d, actor=OFFICER).state is S.CLOSED


def test_a_custom_trigger_from_the_wrong_state_is_refused_by_the_graph(confirming: fq.Workflow) -> None:
    decision = confirming.check(mediating(confirming), "confirm", actor=OFFICER)
    assert decision.codes == ("graph.not-allowed",)
    assert decision.refusals[0].en == "confirm is not allowed from state mediating"


def test_refusals_about_the_added_state_use_its_labels(confirming: fq.Workflow) -> None:
    decision = confirming.check(awaiting(confirming), "request_confirmation", actor=OFFICER)
    assert decision.codes == ("graph.not-allowed",)
    assert "待司法确认" in decision.refusals[0].zh
    assert "申请司法确认" in decision.refusals[0].zh


def test_the_diagram_shows_the_added_state_with_its_labels(confirming: fq.Workflow) -> None:
    assert "待司法确认" in confirming.diagram(lang="zh")
    en = confirming.diagram(lang="en")
    assert "awaiting court confirmation" in en
    assert "mediating --> awaiting_confirmation: request court confirmation" in en
    assert "awaiting_confirmation --> follow_up: confirm" in en


def test_a_history_through_the_added_state_replays_to_the_same_dispute(confirming: fq.Workflow) -> None:
    d = confirming.fire(awaiting(confirming), "confirm", actor=OFFICER)
    assert confirming.replay(d.history) == d
    assert fq.replay(d.history, policy=Confirmation()) == d


def test_a_dispute_in_the_added_state_survives_a_json_round_trip(confirming: fq.Workflow) -> None:
    d = awaiting(confirming)
    back = fq.loads(fq.dumps(d), fq.Dispute)
    assert back == d
    assert back.state == "awaiting_confirmation"


def test_the_baseline_graph_refuses_to_replay_a_history_through_the_added_state(confirming: fq.Workflow) -> None:
    d = awaiting(confirming)
    with pytest.raises(fq.ValidationError) as info:
        fq.replay(d.history, policy="baseline")
    assert info.value.path == "history[3]"
    assert "request_confirmation" in info.value.message


def test_a_workflow_with_a_malformed_extension_is_refused_when_built() -> None:
    class Broken(fq.BasePolicy):
        name = "test-broken"

        def graph(self) -> GraphExtension:
            return GraphExtension(states=(StateSpec("limbo"),))

    with pytest.raises(fq.PolicyDefinitionError, match="unreachable"):
        fq.Workflow(Broken(), clock=fq.FixedClock(START))


def test_a_custom_trigger_refuses_a_target_given_as_payload(confirming: fq.Workflow) -> None:
    with pytest.raises(fq.ValidationError) as bad:
        confirming.fire(mediating(confirming), "request_confirmation", actor=OFFICER, target="closed")
    assert bad.value.path == "request_confirmation.target"
    assert "takes: note, documents" in bad.value.message
