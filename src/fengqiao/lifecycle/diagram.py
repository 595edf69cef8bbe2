"""Diagrams of a lifecycle graph, drawn by ``transitions``' own ``GraphMachine``.

Labels come from the vocabularies (``调解中`` / ``mediating``), so a diagram reads in the
language of its audience. Mermaid needs no system packages; Graphviz ``dot`` output needs
the ``graphviz`` Python package and binaries and is not wired here.
"""

from __future__ import annotations

from typing import Any

from transitions import State as _State
from transitions.extensions.diagrams import GraphMachine, TransitionGraphSupport

from fengqiao.domain.vocabulary import Lang
from fengqiao.lifecycle.graph import Graph
from fengqiao.lifecycle.states import State, StateId, Trigger, TriggerId

__all__ = ["draw_mermaid"]


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


def draw_mermaid(graph: Graph, *, lang: Lang = "en", title: str = "fengqiao", current: StateId | None = None) -> str:
    """``graph`` as mermaid ``stateDiagram-v2`` text, state-changing transitions only."""
    transitions = []
    for name, event in graph.machine.events.items():
        for source, items in event.transitions.items():
            for t in items:
                if t.dest is None:
                    continue
                transitions.append(
                    {
                        "trigger": name,
                        "source": source,
                        "dest": t.dest,
                        "label": graph.label(_trigger(name), lang),
                    }
                )
    machine = _LabelledMachine(
        model=None,
        states=[{"name": str(s), "label": graph.label(s, lang)} for s in graph.states],
        transitions=transitions,
        initial=str(State.DISCOVERED),
        auto_transitions=False,
        graph_engine="mermaid",
        title=title,
        show_state_attributes=False,
    )
    holder = _Holder()
    machine.add_model(holder, initial=str(current) if current is not None else str(State.DISCOVERED))
    text = str(holder.get_graph().draw(None))  # type: ignore[attr-defined]
    return _tidy(text, highlight=current is not None)


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


def _trigger(name: str) -> TriggerId:
    return Trigger(name) if name in Trigger._value2member_map_ else name
