"""``CaseWorkflow``: what a workflow does whatever the kind of case, once, for ``Workflow`` and ``HouseholdWorkflow``.

Private; :class:`~fengqiao.Workflow` (disputes) and :class:`~fengqiao.HouseholdWorkflow`
(households) build on it. The base holds a policy, a clock and the kind's validated graph,
and does everything that reads only the kind (:class:`~fengqiao.lifecycle.kinds.Kind`): it
names a trigger, asks the graph, the roles, the clock and the policy (``check``, ``fire``,
``triggers``, ``deadlines``, ``admit``), draws the diagram and words the refusals. A kind adds:

- its opening command (``discover``, ``screen``) and its ``replay``;
- :meth:`CaseWorkflow._event`: a command's event (the payload built from the keywords);
- the public methods whose keywords name the case (``triggers(dispute, ...)``), each a line
  that calls the base's ``_triggers`` …, so that their signatures stay the kind's own;
- the refusals and checks of its own, if any (:meth:`_own_refusals`, :meth:`_check_decided`).

``Workflow`` keeps its own ``_fire`` and ``_decide``: the dispute command path is tuned (see
``benchmarks/README.md``, "Issue #14, one workflow base"), and decides exactly what the
generic ones here decide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import attrs

from fengqiao._ids import random_id
from fengqiao._refusing import graph_refusal, listed_triggers, policy_refusal, role_refusal, time_refusal
from fengqiao.domain._calls import checked_call, suggestion
from fengqiao.domain._checks import require_aware
from fengqiao.domain._quote import quote
from fengqiao.domain.actor import Actor, ActorLike, Role
from fengqiao.domain.clock import Clock, SystemClock
from fengqiao.domain.records import PolicyRef
from fengqiao.domain.vocabulary import Lang
from fengqiao.errors import TransitionRefused, ValidationError
from fengqiao.lifecycle.diagram import DiagramFormat, draw
from fengqiao.lifecycle.graph import Graph
from fengqiao.lifecycle.kinds import Kind
from fengqiao.lifecycle.refusals import Decision, Refusal
from fengqiao.lifecycle.states import TriggerId
from fengqiao.policies.base import Deadline, DeadlineStatus, policy_ref

__all__ = ["CaseWorkflow", "DeadlineCheck"]


@attrs.frozen
class DeadlineCheck:
    """A deadline and where it stands at ``at``."""

    deadline: Deadline
    status: DeadlineStatus
    at: datetime


class _Case(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def state(self) -> Any: ...

    @property
    def updated_at(self) -> datetime: ...


class _CasePolicy(Protocol):
    """What the base asks of a policy of any kind (``Policy``, ``HouseholdPolicy``)."""

    @property
    def name(self) -> str: ...

    def graph(self) -> Any: ...

    def required_roles(self, action: TriggerId) -> frozenset[Role] | None: ...

    def preconditions(self, case: Any, trigger: TriggerId, at: datetime) -> Iterable[Refusal]: ...

    def refusals(self, case: Any, event: Any) -> Iterable[Refusal]: ...

    def deadlines(self, case: Any) -> Iterable[Deadline]: ...


CaseT = TypeVar("CaseT", bound=_Case)
EventT = TypeVar("EventT")
PolicyT = TypeVar("PolicyT", bound=_CasePolicy)


class CaseWorkflow(Generic[CaseT, EventT, PolicyT]):
    """A policy, a clock and the graph they build, for one kind of case (see the module)."""

    _kind: ClassVar[Kind]
    """The kind of case: its states, triggers, opening and custom events, trigger table."""
    _event_class: ClassVar[type[Any]]
    """The base class of the kind's events (``Event``, ``HouseholdEvent``)."""
    _opening_noun: ClassVar[str]
    """The opening event in messages: "a history begins with a discovery"."""
    _check_case: Callable[[object], object]
    """Refuses (``ValidationError``) a value that is not a case of the kind."""
    _start: Callable[[Any], CaseT]
    """The case the opening event begins."""
    _apply: Callable[[CaseT, Any], CaseT]
    """The case after one more event (the pure fold's step)."""

    policy: PolicyT
    clock: Clock
    graph: Graph

    def _configure(
        self,
        policy: object,
        clock: object,
        ids: object,
        resolve: Callable[[object], PolicyT],
        adopts: object = (),
    ) -> None:
        """Check ``clock``, ``ids`` and ``adopts``, resolve ``policy`` and build its graph (the kind's ``__init__``)."""
        if clock is not None and not isinstance(clock, Clock):
            raise ValidationError(f"expected a Clock (an object with now()), got {quote(clock)}", "clock")
        if ids is not None and not callable(ids):
            raise ValidationError(f"expected a function that makes a {self._kind.name} id, got {quote(ids)}", "ids")
        adopted = _names(adopts)
        self.policy = resolve(policy)
        self.policy_ref: PolicyRef = policy_ref(self.policy)
        """What this workflow records in the cases it opens: its policy's name and version."""
        self.adopts: frozenset[str] = adopted
        """Other policies' names whose cases this workflow continues (see ``adopts``)."""
        self._accepts = adopted | {self.policy_ref.name}
        self.clock = clock or SystemClock()
        extension = self.policy.graph()
        self.graph = Graph(extension, kind=self._kind)
        self._edges = self.graph.table
        self._ids: Callable[[], str] = ids or random_id
        self._custom_targets = {
            e.trigger: e.dest for e in extension.edges if e.trigger not in self._kind.triggers._value2member_map_
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}(policy={self.policy.name!r}, clock={self.clock!r})"

    # -- the commands every kind has ---------------------------------------------------------
    @checked_call()
    def check(self, case: CaseT, trigger: TriggerId, /, *, actor: ActorLike, **payload: Any) -> Decision:
        """Every reason ``trigger`` may not fire now, as a :class:`Decision`; never refuses by raising.

        Raises:
            ValidationError: malformed input (unknown trigger, bad payload), not a refusal.
        """
        trig, _event, refusals = self._decide(case, trigger, actor, payload)
        return Decision(trig, refusals)

    @checked_call()
    def fire(self, case: CaseT, trigger: TriggerId, /, *, actor: ActorLike, **payload: Any) -> CaseT:
        """Apply ``trigger`` and return the new case (dispute, household); ``case`` itself is unchanged.

        Raises:
            TransitionRefused: the graph or the policy refused; every reason is attached.
            ValidationError: malformed input (unknown trigger, bad payload).
        """
        return self._fire(case, trigger, actor, payload)

    # -- what the kind's public methods call -------------------------------------------------
    def _triggers(self, case: CaseT, actor: ActorLike | None) -> tuple[TriggerId, ...]:
        """The triggers that may fire now: the graph allows them, the preconditions hold, the actor may."""
        self._check_case(case)
        who = None if actor is None else Actor.parse(actor)
        if self._foreign(case) is not None:
            return ()
        return listed_triggers(
            self.graph,
            case.state,
            self._now(),
            lambda trig: who is not None and self._role_refusal(who, trig) is not None,
            lambda trig, at: self.policy.preconditions(case, trig, at),
        )

    def _deadlines(self, case: CaseT, at: datetime | None) -> tuple[DeadlineCheck, ...]:
        """The policy's deadlines for ``case`` and their status at ``at`` (now by default)."""
        self._check_case(case)
        when = self._now() if at is None else require_aware(at, "at")
        return tuple(DeadlineCheck(dl, dl.status(when), when) for dl in self.policy.deadlines(case))

    def _diagram(self, lang: Lang, case: CaseT | None, format: DiagramFormat) -> str:
        """The graph drawn in ``lang`` (mermaid or dot), ``case``'s state highlighted if given."""
        if case is not None:
            self._check_case(case)
        return draw(
            self.graph,
            format=format,
            lang=lang,
            title=f"fengqiao · {self.policy.name}",
            current=None if case is None else case.state,
        )

    def _admit(self, case: CaseT | None, event: EventT) -> CaseT:
        """``admit``: ``event`` applied to ``case`` if this workflow would have decided it (see ``Workflow.admit``)."""
        kind = self._kind
        if case is None:
            if not isinstance(event, kind.opening):
                raise ValidationError(
                    f"a history begins with a {self._opening_noun}, not {type(event).__name__}", "event"
                )
            refusal = self._role_refusal(event.actor, kind.opening_trigger) or self._foreign(event, event.stream_id)
            if refusal is not None:
                raise TransitionRefused(event.stream_id, kind.opening_trigger, (refusal,), kind=kind.name)
            return self._start(event)
        self._check_case(case)
        if not isinstance(event, self._event_class) or isinstance(event, kind.opening):
            raise ValidationError(f"expected an event after {self._opening_noun}, got {type(event).__name__}", "event")
        if event.stream_id != case.id:
            raise ValidationError(f"the event belongs to {kind.name} {event.stream_id}, not {case.id}", "event")
        trig: TriggerId
        recorded: object  # the state the event says it leads to (None: it keeps the state)
        if kind.custom is not None and isinstance(event, kind.custom):
            trig, recorded = kind.trigger(event.payload.trigger), kind.state(event.payload.target)
        else:
            trig, recorded = event.trigger, kind.target(event.trigger)
        state = case.state
        refusals: list[Refusal] = []
        if not self.graph.allows(state, trig):
            refusals.append(self._graph_refusal(state, trig))
        elif (recorded or state) != self.graph.target(state, trig):
            raise ValidationError(
                f"{trig} takes a {kind.name} from {state} to {self.graph.target(state, trig)}, "
                f"not to {recorded}, under policy {self.policy.name}",
                "event",
            )
        role = self._role_refusal(event.actor, trig)
        if role is not None:
            refusals.append(role)
        foreign = self._foreign(case)
        if foreign is not None:
            refusals.append(foreign)
        refusals.extend(self._own_refusals(case, event))
        refusals.extend(self.policy.preconditions(case, trig, event.at))
        refusals.extend(self.policy.refusals(case, event))
        if refusals:
            raise TransitionRefused(case.id, str(trig), tuple(refusals), kind=kind.name)
        self._check_decided(case, event)
        return self._apply(case, event)

    # -- the generic decision (Workflow keeps its tuned own) ------------------------------------
    def _fire(self, case: CaseT, trigger: object, actor: ActorLike, payload: Mapping[str, Any]) -> CaseT:
        """:meth:`fire` with the payload as a mapping."""
        trig, event, refusals = self._decide(case, trigger, actor, payload)
        if refusals:
            raise TransitionRefused(case.id, str(trig), refusals, kind=self._kind.name)
        return self._apply(case, event)

    def _decide(
        self, current: CaseT, trigger: object, actor: ActorLike, payload: Mapping[str, Any]
    ) -> tuple[TriggerId, EventT, tuple[Refusal, ...]]:
        """The trigger, the event it would record and every refusal: graph, role, clock, policy."""
        self._check_case(current)
        trig = self._trigger(trigger)
        who = Actor.parse(actor)
        at = self._now()
        event = self._event(current, trig, who, at, payload)
        refusals: list[Refusal] = []
        if not self.graph.allows(current.state, trig):
            refusals.append(self._graph_refusal(current.state, trig))
        role = self._role_refusal(who, trig)
        if role is not None:
            refusals.append(role)
        foreign = self._foreign(current)
        if foreign is not None:
            refusals.append(foreign)
        refusals.extend(self._own_refusals(current, event))
        refusals.extend(self.policy.preconditions(current, trig, at))
        refusals.extend(self.policy.refusals(current, event))
        return trig, event, tuple(refusals)

    # -- what a kind supplies ------------------------------------------------------------------
    def _event(
        self, case: CaseT, trig: TriggerId, who: Actor, at: datetime, payload: Mapping[str, Any]
    ) -> EventT:  # pragma: no cover - every kind has its own
        """The event ``trig`` records on ``case`` with ``payload``; ``ValidationError`` for a bad payload."""
        raise NotImplementedError

    def _own_refusals(self, case: CaseT, event: Any) -> list[Refusal]:
        """What every workflow of the kind refuses, whatever its policy: by default, going back in time."""
        if event.at < case.updated_at:
            return [time_refusal(self.graph, event.at, case.updated_at)]
        return []

    def _check_decided(self, case: CaseT, event: Any) -> None:
        """Refuse (``ValidationError``) an admitted event that records what the policy would decide otherwise."""

    # -- internals ------------------------------------------------------------------------------
    def _foreign(self, case: Any, case_id: str | None = None) -> Refusal | None:
        """The refusal of a case (or opening event) recorded under a policy this workflow neither is nor adopts."""
        recorded = getattr(case, "policy", None)
        if recorded is None or recorded is self.policy_ref or recorded.name in self._accepts:
            return None
        return policy_refusal(self.graph, case.id if case_id is None else case_id, recorded, self.policy_ref.name)

    def _now(self) -> datetime:
        return require_aware(self.clock.now(), "clock.now()")

    def _trigger(self, trigger: object) -> TriggerId:
        kind = self._kind
        if isinstance(trigger, kind.triggers):
            return trigger
        if isinstance(trigger, str) and self.graph.knows(trigger):
            return kind.trigger(trigger)
        known = ", ".join(str(t) for t in self.graph.triggers)
        hint = suggestion(trigger, map(str, self.graph.triggers)) if isinstance(trigger, str) else ""
        raise ValidationError(f"unknown trigger {quote(trigger)}{hint}; this workflow knows: {known}", "trigger")

    def _role_refusal(self, actor: Actor, action: TriggerId) -> Refusal | None:
        roles = self.policy.required_roles(action)
        if roles is None or actor.has_any(roles):
            return None
        return self._roles_refusal(actor, action, roles)

    def _roles_refusal(self, actor: Actor, action: TriggerId, roles: frozenset[Role]) -> Refusal:
        """The refusal for ``actor``, who holds none of ``roles``, the roles ``action`` needs."""
        return role_refusal(self.graph, actor, action, roles)

    def _graph_refusal(self, state: Any, trig: TriggerId) -> Refusal:
        return graph_refusal(self.graph, state, trig)


def _names(adopts: object) -> frozenset[str]:
    """``adopts`` as a set of policy names: an iterable of text, not text itself.

    Raises:
        ValidationError: anything else (path ``adopts``).
    """
    if isinstance(adopts, str) or not isinstance(adopts, Iterable):
        raise ValidationError(f"expected policy names (a list of text), got {quote(adopts)}", "adopts")
    names = tuple(adopts)
    for index, name in enumerate(names):
        if not isinstance(name, str) or not name.strip():
            raise ValidationError(f"expected a policy name, got {quote(name)}", f"adopts[{index}]")
    return frozenset(names)
