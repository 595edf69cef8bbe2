"""Diagrams of a lifecycle graph, drawn by ``transitions``' own ``GraphMachine``.

Labels come from the vocabularies (``调解中`` / ``mediating``), so a diagram reads in the
language of its audience. Mermaid text and Graphviz ``dot`` source are both produced
without system packages (rendering dot to an image is left to Graphviz itself).
"""

from __future__ import annotations

from typing import Any, Literal

from transitions import State as _State
from transitions.extensions.diagrams import GraphMachine, TransitionGraphSupport

from fengqiao.domain._calls import checked_call
from fengqiao.domain._checks import require_text
from fengqiao.domain._quote import quote
from fengqiao.domain.vocabulary import Lang
from fengqiao.errors import ValidationError
from fengqiao.lifecycle.graph import Graph
from fengqiao.lifecycle.states import StateId

__all__ = ["DiagramFormat", "draw", "draw_mermaid"]


class _LabelledState(_State):
    def __init__(self, *args: Any, label: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label: str = label or str(self.name)


class _LabelledTransition(TransitionGraphSupport):
    def __init__(self, *args: Any, label: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label: str = label or ""


class _LabelledMachine(GraphMachine):
    state_cls = _LabelledState
    transition_cls = _LabelledTransition


class _Holder:
    """The throwaway model the diagram machine draws; users never see it."""


DiagramFormat = Literal["mermaid", "dot"]
"""``"mermaid"`` (a ``stateDiagram-v2``) or ``"dot"`` (Graphviz source)."""


@checked_call()
def draw(
    graph: Graph,
    *,
    format: DiagramFormat = "mermaid",
    lang: Lang = "en",
    title: str = "fengqiao",
    current: StateId | None = None,
) -> str:
    """``graph`` as diagram text, state-changing transitions only, labelled in ``lang``.

    Raises:
        ValidationError: an unknown ``format``, ``lang`` or ``current`` state, a ``title`` that
            is not one line of text, or an unknown keyword.
    """
    if format not in ("mermaid", "dot"):
        raise ValidationError(f"unknown diagram format {quote(format)}; expected 'mermaid' or 'dot'", "format")
    require_text(title, "title")
    if current is not None and current not in graph.states:
        known = ", ".join(map(str, graph.states))
        raise ValidationError(f"unknown state {quote(current)}; this graph has: {known}", "current")
    transitions = [
        {"trigger": name, "source": source, "dest": t.dest, "label": graph.label(graph.kind.trigger(name), lang)}
        for name, event in graph.machine.events.items()
        for source, items in event.transitions.items()
        for t in items
        if t.dest is not None
    ]
    machine = _LabelledMachine(
        model=None,
        states=[{"name": str(s), "label": graph.label(s, lang)} for s in graph.states],
        transitions=transitions,
        initial=str(graph.kind.initial),
        auto_transitions=False,
        graph_engine="mermaid" if format == "mermaid" else "graphviz",
        title=title,
        show_state_attributes=False,
    )
    holder = _Holder()
    machine.add_model(holder, initial=str(current) if current is not None else str(graph.kind.initial))
    rendered = holder.get_graph()  # type: ignore[attr-defined]
    if format == "dot":
        return str(rendered.source)
    return _tidy(str(rendered.draw(None)), highlight=current is not None)


@checked_call()
def draw_mermaid(graph: Graph, *, lang: Lang = "en", title: str = "fengqiao", current: StateId | None = None) -> str:
    """``graph`` as mermaid ``stateDiagram-v2`` text (see :func:`draw`)."""
    return draw(graph, format="mermaid", lang=lang, title=title, current=current)


def _tidy(text: str, *, highlight: bool) -> str:
    """Make transitions' mermaid output valid and quiet.

    transitions writes ``Class state style`` where mermaid's keyword is ``class``, and a bare
    title between the ``---`` lines where mermaid's front matter wants ``title: ...``; with no
    dispute to show, the styling (which would mark ``discovered`` as current) is dropped.
    """
    lines: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("classDef ", "Class ")) and not highlight:
            continue
        if stripped.startswith("Class "):
            line = line.replace("Class ", "class ", 1)
        lines.append(line)
    if len(lines) > 2 and lines[0] == lines[2] == "---" and not lines[1].startswith("title:"):
        lines[1] = f"title: {lines[1]}"
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"
