"""The lifecycle graph, declared once and built into one ``transitions.Machine`` per workflow.

The machine is the single source of truth for which trigger may fire from which state, and
the source of every diagram. It has no model: disputes are values, not objects the machine
decorates with ``to_x()`` methods. For speed, :class:`Graph` derives a plain dispatch table
from the machine's own transitions once, when it is built.

Policies extend the base graph with a :class:`GraphExtension` (extra states and edges, such
as ``awaiting_confirmation`` for court confirmation of an agreement). The built graph is
validated: every state reachable from ``discovered``, every non-terminal state able to
reach a terminal one, nothing leaving a terminal state; otherwise
:class:`~fengqiao.errors.PolicyDefinitionError` names the fault.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import attrs
from transitions import Machine

from fengqiao.domain._quote import quote
from fengqiao.domain.vocabulary import Lang, Vocabulary
from fengqiao.errors import PolicyDefinitionError, ValidationError
from fengqiao.lifecycle.kinds import DISPUTE, Kind
from fengqiao.lifecycle.states import StateId, TriggerId
from fengqiao.lifecycle.triggers import TRIGGERS

__all__ = ["BASE_EDGES", "Edge", "Graph", "GraphExtension", "StateSpec"]


def _name(value: object, what: str = "a name") -> str:
    """A state or trigger name: text (a ``State``/``Trigger`` member is its value)."""
    if not isinstance(value, str):
        raise PolicyDefinitionError(f"expected {what} (text), got {type(value).__name__}")
    return str(value)


def _names(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (str(value),)
    if not isinstance(value, Iterable):
        raise PolicyDefinitionError(f"expected a state name or names, got {type(value).__name__}")
    return tuple(_name(v, "a state name") for v in value)


def _optional_name(value: object) -> str | None:
    return None if value is None else _name(value, "a state name")


def _text(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise PolicyDefinitionError(f"{attribute.name}: expected text, got {type(value).__name__}")


def _flag(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise PolicyDefinitionError(f"{attribute.name}: expected True or False, got {type(value).__name__}")


def _items(value: object, kind: type[Any]) -> tuple[Any, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise PolicyDefinitionError(f"expected a collection of {kind.__name__}, got {type(value).__name__}")
    items = tuple(value)
    for item in items:
        if not isinstance(item, kind):
            raise PolicyDefinitionError(f"expected a {kind.__name__}, got {type(item).__name__}")
    return items


def _state_name(value: object) -> str:
    return _name(value, "a state name")


def _trigger_name(value: object) -> str:
    return _name(value, "a trigger name")


@attrs.frozen
class StateSpec:
    """A state a policy adds, with its labels; ``terminal`` states end a dispute's handling."""

    name: str = attrs.field(converter=_state_name)
    zh: str = attrs.field(default="", validator=_text)
    en: str = attrs.field(default="", validator=_text)
    terminal: bool = attrs.field(default=False, validator=_flag)


@attrs.frozen
class Edge:
    """A transition: ``trigger`` from any of ``source`` to ``dest`` (``None``: internal).

    A custom trigger may carry labels (``zh``/``en``) for diagrams and messages.
    """

    trigger: str = attrs.field(converter=_trigger_name)
    source: tuple[str, ...] = attrs.field(converter=_names)
    dest: str | None = attrs.field(default=None, converter=_optional_name)
    zh: str = attrs.field(default="", validator=_text)
    en: str = attrs.field(default="", validator=_text)


def _state_specs(value: object) -> tuple[StateSpec, ...]:
    return _items(value, StateSpec)


def _edges(value: object) -> tuple[Edge, ...]:
    return _items(value, Edge)


@attrs.frozen
class GraphExtension:
    """What a policy adds to the base graph. Extensions combine with ``+``."""

    states: tuple[StateSpec, ...] = attrs.field(default=(), converter=_state_specs)
    edges: tuple[Edge, ...] = attrs.field(default=(), converter=_edges)

    def __add__(self, other: GraphExtension) -> GraphExtension:
        if not isinstance(other, GraphExtension):
            return NotImplemented
        return GraphExtension(self.states + other.states, self.edges + other.edges)


BASE_EDGES: tuple[Edge, ...] = tuple(Edge(spec.trigger, spec.sources, spec.target) for spec in TRIGGERS)
"""The base lifecycle graph of the design notes, internal triggers included: the trigger table's edges."""

_NOWHERE: Any = object()
"""What :meth:`Graph.walk` finds for a step the graph does not have (``None`` means internal)."""


class _Never:
    """No event is one of these: what :meth:`Graph.walk` tests for a kind without policy triggers."""


class Graph:
    """A validated lifecycle graph and its ``transitions`` machine: a kind's base graph and a policy's extension.

    ``kind`` (:data:`~fengqiao.lifecycle.kinds.DISPUTE` by default) gives the base graph: its
    states, trigger table, initial and terminal states.

    >>> from fengqiao.lifecycle.states import State, Trigger
    >>> g = Graph()
    >>> g.target(State.FOLLOW_UP, Trigger.CLOSE)
    <State.CLOSED: 'closed'>
    >>> g.allows(State.CLOSED, Trigger.NOTE)
    False
    """

    def __init__(self, extension: GraphExtension | None = None, *, kind: Kind = DISPUTE) -> None:
        if extension is not None and not isinstance(extension, GraphExtension):
            raise PolicyDefinitionError(f"expected a GraphExtension, got {type(extension).__name__}")
        if not isinstance(kind, Kind):
            raise PolicyDefinitionError(f"expected a Kind, got {type(kind).__name__}")
        extension = extension or GraphExtension()
        self.kind = kind
        self.extension = extension
        self._specs = {s.name: s for s in extension.states}
        self._check_states(extension.states)
        self.terminal: frozenset[StateId] = kind.terminal | {s.name for s in extension.states if s.terminal}
        self.states: tuple[StateId, ...] = (*kind.states, *(s.name for s in extension.states))
        base = BASE_EDGES if kind is DISPUTE else tuple(Edge(r.trigger, r.sources, r.target) for r in kind.rows)
        edges = base + self._auto_edges(extension) + extension.edges
        self._check_edges(edges, extension.edges)
        self.machine = Machine(
            model=None,
            states=[str(s) for s in self.states],
            transitions=[{"trigger": e.trigger, "source": list(e.source), "dest": e.dest} for e in edges],
            initial=str(kind.initial),
            auto_transitions=False,
        )
        self._table = self._derive_table()
        self.table: Mapping[tuple[StateId, TriggerId], StateId | None] = MappingProxyType(self._table)
        """The dispatch table: ``(state, trigger)`` to where it leads (``None``: the state is kept); read-only."""
        self._labels = {e.trigger: (e.zh, e.en) for e in edges if e.zh or e.en}
        self._check_reachability()
        self.triggers: tuple[TriggerId, ...] = tuple(dict.fromkeys(self._as_trigger(n) for n in self.machine.events))
        self._allowed = {state: tuple(t for t in self.triggers if (state, t) in self._table) for state in self.states}

    # -- queries -------------------------------------------------------------------------
    def allows(self, state: StateId, trigger: TriggerId) -> bool:
        """Whether the graph lets ``trigger`` fire from ``state``."""
        return (state, trigger) in self._table

    def target(self, state: StateId, trigger: TriggerId) -> StateId | None:
        """Where ``trigger`` leads from ``state``; ``state`` if internal, ``None`` if not allowed."""
        if (state, trigger) not in self._table:
            return None
        dest = self._table[state, trigger]
        return state if dest is None else dest

    def walk(self, state: StateId, events: Iterable[Any], *, first: int = 0, policy: str = "") -> StateId:
        """Follow ``events`` from ``state`` and return the state they end in; a discovery is skipped.

        ``first`` is the index of the first event in its history, for the error's path.

        Raises:
            ValidationError: an event takes a step this graph does not allow, or records a
                state other than the one the step leads to (``history[k]`` names it).
        """
        table, targets = self._table, self.kind.targets  # what target_of() and target() read, inlined: every load walks
        custom: type[Any] = self.kind.custom or _Never
        opening = self.kind.opening
        for index, event in enumerate(events, start=first):
            if isinstance(event, custom):
                trig, actual = event.payload.trigger, event.payload.target or state
            elif isinstance(event, opening):
                continue
            else:
                trig = event.trigger
                actual = targets.get(trig) or state
            dest = table.get((state, trig), _NOWHERE)
            if (state if dest is None else dest) != actual:
                under = f" under policy {policy}" if policy else ""
                raise ValidationError(
                    f"{trig} cannot take a {self.kind.name} from {state} to {actual}{under}", f"history[{index}]"
                )
            state = actual
        return state

    def allowed(self, state: StateId) -> tuple[TriggerId, ...]:
        """The triggers the graph allows from ``state``, in declaration order."""
        return self._allowed.get(state, ())

    def is_terminal(self, state: StateId) -> bool:
        """Whether ``state`` ends a case's handling."""
        return state in self.terminal

    def is_internal(self, trigger: TriggerId) -> bool:
        """Whether ``trigger`` keeps the state (the built-in internal triggers)."""
        return trigger in self.kind.internal

    def knows(self, trigger: str) -> bool:
        """Whether ``trigger`` is a trigger of this graph."""
        return trigger in self.machine.events

    def label(self, name: StateId | TriggerId, lang: Lang = "en") -> str:
        """The label of a state or trigger, built-in or added by a policy."""
        if isinstance(name, Vocabulary):
            return name.label(lang)
        if name in self._specs:
            spec = self._specs[name]
            return (spec.zh if lang == "zh" else spec.en) or name
        zh, en = self._labels.get(name, ("", ""))
        return (zh if lang == "zh" else en) or name

    def state(self, name: str) -> StateId:
        """The state called ``name`` (a member of the kind's states for a built-in one)."""
        return self.kind.state(name)

    # -- building ------------------------------------------------------------------------
    def _as_trigger(self, name: str) -> TriggerId:
        return self.kind.trigger(name)

    def _derive_table(self) -> dict[tuple[StateId, TriggerId], StateId | None]:
        table: dict[tuple[StateId, TriggerId], StateId | None] = {}
        for name, event in self.machine.events.items():
            trigger = self._as_trigger(name)
            for source, transitions in event.transitions.items():
                dest = transitions[0].dest
                table[self.state(source), trigger] = None if dest is None else self.state(dest)
        return table

    def _auto_edges(self, extension: GraphExtension) -> tuple[Edge, ...]:
        open_added = tuple(s.name for s in extension.states if not s.terminal)
        if not open_added:
            return ()
        return tuple(Edge(t, open_added) for t in self.kind.auto_internal)

    def _check_states(self, specs: Iterable[StateSpec]) -> None:
        seen: set[str] = set()
        for spec in specs:
            if not spec.name or not spec.name.replace("_", "").isalnum() or not spec.name.isascii():
                raise PolicyDefinitionError(
                    f"state name {quote(spec.name)} must be ASCII letters, digits and underscores"
                )
            if spec.name in self.kind.states._value2member_map_:
                raise PolicyDefinitionError(f"state {quote(spec.name)} is a built-in state; choose another name")
            if spec.name in seen:
                raise PolicyDefinitionError(f"state {quote(spec.name)} is declared twice")
            seen.add(spec.name)

    def _check_edges(self, edges: tuple[Edge, ...], added: tuple[Edge, ...]) -> None:
        known = {str(s) for s in self.states}
        pairs: set[tuple[str, str]] = set()
        custom_dest: dict[str, str] = {}
        for edge in edges:
            for name in (*edge.source, *(() if edge.dest is None else (edge.dest,))):
                if name not in known:
                    raise PolicyDefinitionError(
                        f"edge {quote(edge.trigger)} names unknown state {quote(name)}; declare it in the extension"
                    )
            for source in edge.source:
                if source in self.terminal:
                    raise PolicyDefinitionError(
                        f"edge {quote(edge.trigger)} leaves terminal state {quote(source)}: "
                        "nothing may leave a terminal state"
                    )
                if (source, edge.trigger) in pairs:
                    raise PolicyDefinitionError(
                        f"trigger {quote(edge.trigger)} is declared twice from state {quote(source)}"
                    )
                pairs.add((source, edge.trigger))
        for edge in added:
            if edge.trigger in self.kind.triggers._value2member_map_:
                trigger = edge.trigger
                expected = None if trigger in self.kind.internal else str(self.kind.targets[trigger])
                if edge.dest != expected:
                    raise PolicyDefinitionError(
                        f"built-in trigger {quote(edge.trigger)} must lead to {quote(expected)}, "
                        f"not {quote(edge.dest)}; add a trigger of your own instead"
                    )
            elif edge.trigger == self.kind.opening_trigger:
                raise PolicyDefinitionError(f"{quote(edge.trigger)} is not a trigger; it creates a {self.kind.name}")
            else:
                if edge.dest is None:
                    raise PolicyDefinitionError(
                        f"trigger {quote(edge.trigger)} needs a destination state: "
                        "only the built-in internal triggers keep the state"
                    )
                if custom_dest.setdefault(edge.trigger, edge.dest) != edge.dest:
                    raise PolicyDefinitionError(
                        f"trigger {quote(edge.trigger)} leads to both {quote(custom_dest[edge.trigger])} "
                        f"and {quote(edge.dest)}; a trigger has one destination"
                    )

    def _check_reachability(self) -> None:
        forward: dict[StateId, set[StateId]] = {s: set() for s in self.states}
        for (source, _trigger), dest in self._table.items():
            if dest is not None:
                forward[source].add(dest)
        reached = _closure(self.kind.initial, forward)
        unreachable = [str(s) for s in self.states if s not in reached]
        if unreachable:
            raise PolicyDefinitionError(
                f"unreachable state(s) from {quote(str(self.kind.initial))}: {', '.join(unreachable)}"
            )
        for state in self.states:
            if state in self.terminal:
                continue
            if not any(s in self.terminal for s in _closure(state, forward)):
                raise PolicyDefinitionError(f"dead end: state {quote(str(state))} cannot reach any terminal state")


def _closure(start: StateId, forward: dict[StateId, set[StateId]]) -> set[StateId]:
    seen = {start}
    queue = deque([start])
    while queue:
        for nxt in forward[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen
