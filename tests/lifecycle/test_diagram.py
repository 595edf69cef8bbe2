from __future__ import annotations

from typing import Any

import pytest

import fengqiao as fq
from fengqiao.lifecycle.diagram import draw
from tests.stages import OFFICER, START


def test_a_diagram_starts_with_valid_mermaid_front_matter() -> None:
    lines = fq.Workflow("baseline").diagram().splitlines()
    assert lines[:4] == ["---", "title: fengqiao · baseline", "---", "stateDiagram-v2"]


def test_a_diagram_without_a_dispute_marks_no_state_as_current() -> None:
    text = fq.Workflow("baseline").diagram()
    assert "s_active" not in text
    assert "Class " not in text


def test_a_diagram_of_a_dispute_marks_its_state_with_mermaids_class_keyword() -> None:
    wf = fq.Workflow("baseline", clock=fq.FixedClock(START))
    d = wf.grade(wf.discover(channel="walk_in", category="debt", summary="欠款", actor=OFFICER), actor=OFFICER)
    text = wf.diagram(dispute=d)
    assert "  class graded s_active" in text
    assert "Class " not in text


def test_a_diagram_in_dot_is_graphviz_source_labelled_in_the_language_asked() -> None:
    text = fq.Workflow("baseline").diagram(format="dot", lang="zh")
    assert text.startswith('digraph "fengqiao · baseline"')
    assert 'label="回访跟踪' in text
    assert "follow_up -> closed" in text


def test_an_unknown_diagram_format_is_refused_with_its_path() -> None:
    with pytest.raises(fq.ValidationError) as bad:
        fq.Workflow("baseline").diagram(format="png")  # type: ignore[arg-type]
    assert bad.value.path == "format"


@pytest.mark.parametrize(
    ("arguments", "path"),
    [
        ({"current": "nowhere"}, "current"),
        ({"current": 5}, "current"),
        ({"title": 5}, "title"),
        ({"titel": "x"}, "draw.titel"),
    ],
)
def test_a_drawing_with_an_unknown_state_a_title_not_text_or_an_unknown_keyword_is_refused(
    arguments: dict[str, Any], path: str
) -> None:
    with pytest.raises(fq.ValidationError) as bad:
        draw(fq.Workflow("baseline").graph, **arguments)
    assert bad.value.path == path
