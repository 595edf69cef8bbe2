"""A call of the wrong shape is bad input like any other: ``ValidationError`` naming the argument, not ``TypeError``."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fengqiao as fq
from tests.stages import OFFICER, START, Disputes

TYPED = [
    "grade",
    "regrade",
    "mediate",
    "refer",
    "escalate",
    "resolve",
    "reopen",
    "close",
    "merge",
    "assign",
    "link_alert",
    "record_attempt",
    "record_visit",
    "attach",
    "note",
]


@pytest.mark.parametrize("method", TYPED)
def test_a_typed_method_refuses_an_unknown_keyword_with_a_validation_error_naming_it(
    wf: fq.Workflow, disputes: Disputes, method: str
) -> None:
    d = disputes.discovered()
    with pytest.raises(fq.ValidationError) as caught:
        getattr(wf, method)(d, actor=OFFICER, no_such_field=1)
    assert caught.value.path == f"{method}.no_such_field"
    assert "unknown keyword 'no_such_field'" in caught.value.message
    assert d.version == 1


@pytest.mark.parametrize(
    ("call", "path", "meant"),
    [
        (lambda wf, d: wf.grade(d, actor=OFFICER, risk_factor=["threat"]), "grade.risk_factor", "risk_factors"),
        (lambda wf, d: wf.refer(d, actor=OFFICER, departement="court"), "refer.departement", "department"),
        (
            lambda wf, d: wf.record_visit(d, actor=OFFICER, kind="phone", findings=""),
            "record_visit.findings",
            "finding",
        ),
        (
            lambda wf, d: wf.discover(channel="walk_in", category="debt", summery="", actor=OFFICER),
            "discover.summery",
            "summary",
        ),
    ],
    ids=["grade", "refer", "record_visit", "discover"],
)
def test_a_misspelt_keyword_gets_a_did_you_mean(
    wf: fq.Workflow, disputes: Disputes, call: Callable[..., Any], path: str, meant: str
) -> None:
    with pytest.raises(fq.ValidationError) as caught:
        call(wf, disputes.discovered())
    assert caught.value.path == path
    assert f"did you mean {meant!r}?" in caught.value.message


def test_fire_suggests_the_field_meant_too(wf: fq.Workflow, disputes: Disputes) -> None:
    d = disputes.follow_up()
    with pytest.raises(fq.ValidationError) as caught:
        wf.fire(d, fq.Trigger.RECORD_VISIT, actor=OFFICER, kind="phone", findings="x")
    assert caught.value.path == "record_visit.findings"
    assert "did you mean 'finding'?" in caught.value.message


def test_fire_suggests_the_trigger_meant(wf: fq.Workflow, disputes: Disputes) -> None:
    with pytest.raises(fq.ValidationError, match="did you mean 'record_visit'"):
        wf.fire(disputes.follow_up(), "record_vist", actor=OFFICER)


def test_a_missing_keyword_is_a_validation_error_naming_it(wf: fq.Workflow, disputes: Disputes) -> None:
    with pytest.raises(fq.ValidationError) as caught:
        wf.merge(disputes.discovered(), actor=OFFICER)  # type: ignore[call-arg]
    assert caught.value.path == "merge.into"
    with pytest.raises(fq.ValidationError) as caught:
        wf.grade(disputes.discovered())  # type: ignore[call-arg]
    assert caught.value.path == "grade.actor"


def test_too_many_positional_arguments_are_a_validation_error(wf: fq.Workflow, disputes: Disputes) -> None:
    with pytest.raises(fq.ValidationError) as caught:
        wf.close(disputes.discovered(), "officer:xiao")  # type: ignore[call-arg]
    assert caught.value.path == "close"


def test_only_a_bad_call_becomes_a_validation_error_not_a_type_error_from_inside_a_policy() -> None:
    class Broken(fq.BasePolicy):
        name = "broken"

        def refusals(self, dispute: fq.Dispute, event: fq.Event) -> tuple[fq.Refusal, ...]:
            raise TypeError("the policy's own bug")

    wf = fq.Workflow(Broken(), clock=fq.FixedClock(START))
    d = wf.discover(channel="walk_in", category="debt", summary="欠款", actor=OFFICER)
    with pytest.raises(TypeError, match="the policy's own bug"):
        wf.note(d, "备注", actor=OFFICER)
    with pytest.raises(fq.ValidationError):
        wf.note(d, "备注", actor=OFFICER, txt="备注")  # type: ignore[call-arg]


def test_a_keyword_error_lists_what_the_method_takes_as_its_signature_shows(
    wf: fq.Workflow, disputes: Disputes
) -> None:
    takes = list(inspect.signature(wf.record_visit).parameters)
    assert takes == ["dispute", "actor", "kind", "holding", "finding"]  # kept for editors and type checkers
    with pytest.raises(fq.ValidationError) as caught:
        wf.record_visit(disputes.follow_up(), actor=OFFICER, kind="phone", holds=False)  # type: ignore[call-arg]
    assert caught.value.message.endswith(f"record_visit takes: {', '.join(takes)}")


@given(name=st.from_regex(r"[a-z_]{1,12}", fullmatch=True))
def test_any_unknown_keyword_to_note_is_a_validation_error(name: str) -> None:
    wf = fq.Workflow("baseline", clock=fq.FixedClock(START))
    d = wf.discover(channel="walk_in", category="debt", summary="欠款", actor=OFFICER)
    if name in ("dispute", "text", "actor"):
        return
    with pytest.raises(fq.ValidationError) as caught:
        wf.note(d, "备注", actor=OFFICER, **{name: 1})
    assert caught.value.path == f"note.{name}"


# -- constructor and function arguments --------------------------------------------------------
@pytest.mark.parametrize(
    ("arguments", "path"),
    [
        ({"clock": 5}, "clock"),
        ({"clock": "now"}, "clock"),
        ({"ids": 5}, "ids"),
        ({"polcy": "baseline"}, "Workflow.polcy"),
    ],
)
def test_a_workflow_with_a_bad_argument_is_a_validation_error_naming_it(arguments: dict[str, Any], path: str) -> None:
    with pytest.raises(fq.ValidationError) as caught:
        fq.Workflow(**arguments)
    assert caught.value.path == path


@pytest.mark.parametrize("history", [None, 5, object()])
def test_replay_of_something_not_a_history_is_a_validation_error(history: Any) -> None:
    with pytest.raises(fq.ValidationError) as caught:
        fq.replay(history)
    assert caught.value.path == "history"
    with pytest.raises(fq.ValidationError):
        fq.replay(history, policy="baseline")


def test_workflow_replay_of_none_is_a_validation_error(wf: fq.Workflow) -> None:
    with pytest.raises(fq.ValidationError) as caught:
        wf.replay(None)  # type: ignore[arg-type]
    assert caught.value.path == "history"


@pytest.mark.parametrize("dispute", [5, "D-0001", object()])
def test_a_diagram_of_something_not_a_dispute_is_a_validation_error(wf: fq.Workflow, dispute: Any) -> None:
    with pytest.raises(fq.ValidationError) as caught:
        wf.diagram(dispute=dispute)
    assert caught.value.path == "dispute"


def test_a_diagram_with_an_unknown_keyword_is_a_validation_error(wf: fq.Workflow) -> None:
    with pytest.raises(fq.ValidationError, match="did you mean 'format'") as caught:
        wf.diagram(fromat="dot")  # type: ignore[call-arg]
    assert caught.value.path == "diagram.fromat"
