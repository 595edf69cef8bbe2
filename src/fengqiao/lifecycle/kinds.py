"""Kinds of case: what the engine needs to know about one, declared once.

fengqiao's engine — the graph, its validation and diagrams, the replay check — is the same for
every kind of case it holds. A :class:`Kind` says what differs: the states and triggers
(vocabularies with zh/en labels), the state a case begins in and the states that end it, the
trigger table (each built-in trigger's event, sources, target and fold handler), the event
that opens a case, and the event a policy's own trigger records (if the kind lets policies
add triggers).

Two kinds are built in: :data:`DISPUTE` (矛盾纠纷, the one fengqiao began with: discovered →
graded → mediating … closed) and ``HOUSEHOLD`` (家庭, Xiqi's family-risk work: screened →
watched → assessed → managed → released), declared in :mod:`fengqiao.lifecycle.household`.

>>> DISPUTE.name, str(DISPUTE.initial), sorted(str(s) for s in DISPUTE.terminal)
('dispute', 'discovered', ['closed', 'escalated', 'merged'])
>>> DISPUTE.target("close")
<State.CLOSED: 'closed'>
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from fengqiao.domain._quote import quote
from fengqiao.domain.vocabulary import Vocabulary
from fengqiao.errors import PolicyDefinitionError
from fengqiao.lifecycle.events import Discovered, Transitioned
from fengqiao.lifecycle.states import TERMINAL_STATES, State, Trigger
from fengqiao.lifecycle.triggers import TRIGGERS, TriggerSpec

__all__ = ["DISPUTE", "Kind"]


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise PolicyDefinitionError(f"Kind.{field}: expected text, got {quote(value)}")
    return value


def _vocabulary(value: object, field: str) -> type[Vocabulary]:
    if not (isinstance(value, type) and issubclass(value, Vocabulary)):
        raise PolicyDefinitionError(f"Kind.{field}: expected a Vocabulary class, got {quote(value)}")
    return value


def _members(value: object, field: str) -> frozenset[Vocabulary]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise PolicyDefinitionError(f"Kind.{field}: expected a set of states, got {quote(value)}")
    members = frozenset(value)
    if not all(isinstance(m, Vocabulary) for m in members):
        raise PolicyDefinitionError(f"Kind.{field}: expected built-in states, got {quote(value)}")
    return members


def _rows(value: object) -> tuple[TriggerSpec[Any, Any], ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise PolicyDefinitionError(f"Kind.rows: expected trigger rows, got {quote(value)}")
    rows = tuple(value)
    if not all(isinstance(r, TriggerSpec) for r in rows):
        raise PolicyDefinitionError(f"Kind.rows: expected TriggerSpec rows, got {quote(value)}")
    return rows


def _event_class(value: object, field: str) -> type[Any]:
    if not (isinstance(value, type) and isinstance(getattr(value, "trigger", None), str)):
        raise PolicyDefinitionError(f"Kind.{field}: expected an event class, got {quote(value)}")
    return value


def _name(value: object) -> str:
    return _text(value, "name")


def _zh(value: object) -> str:
    return _text(value, "zh")


def _states(value: object) -> type[Vocabulary]:
    return _vocabulary(value, "states")


def _triggers(value: object) -> type[Vocabulary]:
    return _vocabulary(value, "triggers")


def _terminal(value: object) -> frozenset[Vocabulary]:
    return _members(value, "terminal")


def _opening(value: object) -> type[Any]:
    return _event_class(value, "opening")


def _custom(value: object) -> type[Any] | None:
    return None if value is None else _event_class(value, "custom")


def _targets(kind: Kind) -> Mapping[str, Vocabulary]:
    return {r.trigger: r.target for r in kind.rows if r.target is not None}  # a dict: every load reads it per event


def _internal(kind: Kind) -> frozenset[str]:
    return frozenset(r.trigger for r in kind.rows if r.target is None)


def _auto_internal(kind: Kind) -> tuple[str, ...]:
    return tuple(r.trigger for r in kind.rows if r.in_added_states)


@attrs.frozen(eq=False)
class Kind:
    """One kind of case, as the engine sees it.

    Attributes:
        name: the kind's stable name (``"dispute"``, ``"household"``), as stored and shown.
        zh: the kind's noun in Chinese, for messages (``"纠纷"``).
        states: the vocabulary of its built-in states.
        triggers: the vocabulary of its built-in triggers.
        initial: the state a case begins in (its opening event leads there).
        terminal: the built-in states that end a case's handling; nothing leaves them.
        rows: the trigger table: each built-in trigger's event, sources, target and fold.
        opening: the event class that opens a case (its trigger, e.g. ``"discover"``, is not
            in the table: it creates the case).
        custom: the event class a policy's own trigger records, or ``None`` if policies of
            this kind cannot add triggers.
    """

    name: str = attrs.field(converter=_name)
    zh: str = attrs.field(converter=_zh)
    states: type[Vocabulary] = attrs.field(converter=_states)
    triggers: type[Vocabulary] = attrs.field(converter=_triggers)
    initial: Vocabulary = attrs.field()
    terminal: frozenset[Vocabulary] = attrs.field(converter=_terminal)
    rows: tuple[TriggerSpec[Any, Any], ...] = attrs.field(converter=_rows)
    opening: type[Any] = attrs.field(converter=_opening)
    custom: type[Any] | None = attrs.field(default=None, converter=_custom)

    @property
    def opening_trigger(self) -> str:
        """The trigger that creates a case (``"discover"``, ``"screen"``)."""
        return str(self.opening.trigger)

    targets: Mapping[str, Vocabulary] = attrs.field(init=False, default=attrs.Factory(_targets, takes_self=True))
    """Where each built-in state-changing trigger leads, from whichever state it fires."""
    internal: frozenset[str] = attrs.field(init=False, default=attrs.Factory(_internal, takes_self=True))
    """The built-in triggers that are recorded as events but keep the state."""
    auto_internal: tuple[str, ...] = attrs.field(init=False, default=attrs.Factory(_auto_internal, takes_self=True))
    """The internal triggers every non-terminal state a policy adds gets without asking."""

    def target(self, trigger: str) -> Vocabulary | None:
        """Where built-in ``trigger`` leads (``None``: it keeps the state, or is not built in)."""
        return self.targets.get(trigger)

    def state(self, name: str) -> Vocabulary | str:
        """The state called ``name``: a member of :attr:`states` for a built-in one, else the text."""
        return self.states(name) if name in self.states._value2member_map_ else name

    def trigger(self, name: str) -> Vocabulary | str:
        """The trigger called ``name``: a member of :attr:`triggers` for a built-in one, else the text."""
        return self.triggers(name) if name in self.triggers._value2member_map_ else name

    def __repr__(self) -> str:
        return f"Kind({self.name!r})"

    @initial.validator
    def _initial_is_a_state(self, _attribute: Any, value: object) -> None:
        if not isinstance(value, self.states) or value in self.terminal:
            raise PolicyDefinitionError(f"Kind.initial: expected an open state of {self.states.__name__}")


DISPUTE = Kind(
    name="dispute",
    zh="纠纷",
    states=State,
    triggers=Trigger,
    initial=State.DISCOVERED,
    terminal=TERMINAL_STATES,
    rows=TRIGGERS,
    opening=Discovered,
    custom=Transitioned,
)
"""The dispute (矛盾纠纷): discovered → graded → mediating or referred → follow-up → closed."""
