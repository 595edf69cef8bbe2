"""One dispute lifecycle, five ways: fengqiao and the libraries and hand-written code it is compared with.

Every implementation declares the same graph (the base lifecycle of ``design.md``: eight states,
eight state-changing and seven internal triggers) and runs the same path through it::

    grade -> mediate -> resolve -> record_visit -> close

with one guard: ``close`` is refused until a follow-up visit has been recorded. Each is written
the way its documentation recommends:

1. ``fengqiao``: the full command path of ``Workflow`` under the baseline policy (actor, role
   and policy checks, a validated payload, an event appended to the history, a new frozen
   ``Dispute``); ``discover`` opens each dispute.
2. ``transitions`` with one ``Machine`` per object (``Machine(model=self, ...)`` in the
   model's ``__init__``), triggers called as the convenience methods it adds (``d.grade()``).
3. ``transitions`` with one machine shared by all objects (``machine.add_model(d)``).
4. ``python-statemachine``: one ``StateMachine`` instance per object, triggers called as
   its events (``sm.grade()``), the guard as a ``cond`` method.
5. A hand-written transition table (a dict of ``(state, trigger) -> state``) that also
   appends a frozen ``attrs`` event record per transition: the pure-Python floor.

Each implementation also proves the guard works (``check_guard``), outside any timing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import attrs
from statemachine import State as PsmState
from statemachine import StateMachine
from statemachine.exceptions import TransitionNotAllowed
from statemachine.transition_list import TransitionList
from transitions import Machine

import fengqiao as fq
from fengqiao.lifecycle.graph import BASE_EDGES

__all__ = ["IMPLEMENTATIONS", "PATH", "Implementation"]

PATH = ("grade", "mediate", "resolve", "record_visit", "close")
"""The triggers every implementation fires, in order: five transitions per dispute."""

OFFICER = "officer:xiao"
STATES = [str(s) for s in fq.State]
TERMINAL = ("escalated", "closed", "merged")
TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": str(e.trigger), "source": list(e.source), "dest": e.dest} for e in BASE_EDGES
]
"""The base graph as ``transitions`` takes it (internal triggers have ``dest=None``)."""


class Refused(Exception):
    """A transition the graph or the guard did not allow (hand-written table)."""


class Implementation(Protocol):
    """What the benchmark asks of each implementation."""

    name: str
    label: str

    def create(self, index: int) -> object:
        """Set up dispute number ``index`` in its initial state."""
        ...

    def lifecycle(self, dispute: object) -> object:
        """Fire the five triggers of ``PATH``; return the dispute (a new value for fengqiao)."""
        ...

    def check_guard(self) -> None:
        """Raise ``AssertionError`` unless ``close`` is refused before a visit and allowed after."""
        ...


# -- 1. fengqiao ---------------------------------------------------------------------------------
class Fengqiao:
    """The full command path: ``Workflow`` under ``baseline``, system clock, random ids."""

    name = "fengqiao"
    label = "fengqiao full command path (baseline)"

    def __init__(self) -> None:
        self.wf = fq.Workflow("baseline")

    def create(self, index: int) -> fq.Dispute:
        return self.wf.discover(
            channel=fq.Channel.ALARM_110,
            category=fq.Category.NEIGHBOUR,
            summary="车辆堵住车库出口",
            parties=(fq.Party(name="赵某"),),
            actor=OFFICER,
        )

    def lifecycle(self, dispute: object) -> fq.Dispute:
        assert isinstance(dispute, fq.Dispute)
        wf = self.wf
        d = wf.grade(dispute, actor=OFFICER)
        d = wf.mediate(d, actor=OFFICER, forces=(fq.MediationForce.POLICE_OFFICE,))
        d = wf.resolve(d, actor=OFFICER)
        d = wf.record_visit(d, actor=OFFICER, kind=fq.VisitKind.PHONE)
        return wf.close(d, actor=OFFICER)

    def check_guard(self) -> None:
        wf = self.wf
        d = wf.resolve(wf.mediate(wf.grade(self.create(0), actor=OFFICER), actor=OFFICER), actor=OFFICER)
        assert wf.check(d, fq.Trigger.CLOSE, actor=OFFICER).codes == ("baseline.close.no-visit",)
        d = wf.close(wf.record_visit(d, actor=OFFICER, kind=fq.VisitKind.PHONE), actor=OFFICER)
        assert d.state is fq.State.CLOSED
        assert d.version == 6


# -- 2. transitions, one machine per object ----------------------------------------------------
class PerObjectModel:
    """A dispute that owns its own ``transitions.Machine``, as the transitions README shows."""

    grade: Callable[[], bool]
    mediate: Callable[[], bool]
    resolve: Callable[[], bool]
    record_visit: Callable[[], bool]
    close: Callable[[], bool]
    state: str

    def __init__(self, dispute_id: str) -> None:
        self.id = dispute_id
        self.visits = 0
        self.machine = Machine(
            model=self,
            states=STATES,
            transitions=_guarded(TRANSITIONS),
            initial="discovered",
            auto_transitions=False,
        )

    def has_visit(self) -> bool:
        return self.visits > 0

    def count_visit(self) -> None:
        self.visits += 1


def _guarded(transitions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The base graph with the guard on ``close`` and the visit counter on ``record_visit``."""
    out = []
    for t in transitions:
        t = dict(t)
        if t["trigger"] == "close":
            t["conditions"] = "has_visit"
        if t["trigger"] == "record_visit":
            t["after"] = "count_visit"
        out.append(t)
    return out


def _run_transitions(d: Any) -> Any:
    d.grade()
    d.mediate()
    d.resolve()
    d.record_visit()
    if not d.close():
        raise AssertionError("close refused after a visit")
    return d


def _check_transitions(d: PerObjectModel | SharedModel) -> None:
    d.grade()
    d.mediate()
    d.resolve()
    assert d.close() is False
    assert d.state == "follow_up"
    d.record_visit()
    assert d.close() is True
    assert d.state == "closed"


class TransitionsPerObject:
    """``transitions``: one ``Machine`` per dispute (how most users use it)."""

    name = "transitions-per-object"
    label = "transitions, one Machine per object"

    def create(self, index: int) -> PerObjectModel:
        return PerObjectModel(f"D{index}")

    def lifecycle(self, dispute: object) -> object:
        return _run_transitions(dispute)

    def check_guard(self) -> None:
        _check_transitions(self.create(0))


# -- 3. transitions, one shared machine ---------------------------------------------------------
class SharedModel:
    """A plain dispute object; the shared machine adds its trigger methods in ``add_model``."""

    grade: Callable[[], bool]
    mediate: Callable[[], bool]
    resolve: Callable[[], bool]
    record_visit: Callable[[], bool]
    close: Callable[[], bool]
    state: str

    def __init__(self, dispute_id: str) -> None:
        self.id = dispute_id
        self.visits = 0

    def has_visit(self) -> bool:
        return self.visits > 0

    def count_visit(self) -> None:
        self.visits += 1


class TransitionsShared:
    """``transitions``: one ``Machine`` for every dispute, each added with ``add_model``."""

    name = "transitions-shared"
    label = "transitions, one shared Machine"

    def __init__(self) -> None:
        self.machine = self.new_machine()

    @staticmethod
    def new_machine() -> Any:
        return Machine(
            model=None, states=STATES, transitions=_guarded(TRANSITIONS), initial="discovered", auto_transitions=False
        )

    def reset(self) -> None:
        """Forget every model (between measurement rounds), as ``remove_model`` would."""
        self.machine = self.new_machine()

    def create(self, index: int) -> SharedModel:
        d = SharedModel(f"D{index}")
        self.machine.add_model(d)
        return d

    def lifecycle(self, dispute: object) -> object:
        return _run_transitions(dispute)

    def check_guard(self) -> None:
        _check_transitions(self.create(0))


# -- 4. python-statemachine, one instance per object --------------------------------------------
def _internal(*states: PsmState, on: str | None = None) -> TransitionList:
    """A trigger that keeps the state (``to.itself(internal=True)``) from each of ``states``."""
    out: TransitionList = states[0].to.itself(internal=True, on=on)  # type: ignore[no-untyped-call]
    for state in states[1:]:
        out = out | state.to.itself(internal=True, on=on)  # type: ignore[no-untyped-call]
    return out


class PsmLifecycle(StateMachine):
    """The base graph in python-statemachine's declarative style; the machine is the dispute."""

    discovered = PsmState(initial=True)
    graded = PsmState()
    mediating = PsmState()
    referred = PsmState()
    escalated = PsmState(final=True)
    follow_up = PsmState()
    closed = PsmState(final=True)
    merged = PsmState(final=True)

    grade = discovered.to(graded)
    mediate = graded.to(mediating)
    refer = graded.to(referred) | mediating.to(referred)
    escalate = graded.to(escalated) | mediating.to(escalated) | referred.to(escalated)
    resolve = mediating.to(follow_up) | referred.to(follow_up)
    reopen = follow_up.to(mediating)
    close = follow_up.to(closed, cond="has_visit")
    merge = discovered.to(merged) | graded.to(merged)
    _OPEN = (discovered, graded, mediating, referred, follow_up)
    regrade = _internal(graded, mediating, referred, follow_up)
    assign = _internal(*_OPEN)
    link_alert = _internal(*_OPEN)
    attach = _internal(*_OPEN)
    note = _internal(*_OPEN)
    record_attempt = _internal(mediating)
    record_visit = _internal(follow_up, on="count_visit")

    def __init__(self, dispute_id: str) -> None:
        self.dispute_id = dispute_id
        self.visits = 0
        super().__init__()

    def has_visit(self) -> bool:
        return self.visits > 0

    def count_visit(self) -> None:
        self.visits += 1


class PythonStatemachine:
    """python-statemachine 3: one ``StateMachine`` per dispute."""

    name = "python-statemachine"
    label = "python-statemachine, one per object"

    def create(self, index: int) -> PsmLifecycle:
        return PsmLifecycle(f"D{index}")

    def lifecycle(self, dispute: object) -> object:
        assert isinstance(dispute, PsmLifecycle)
        dispute.grade()
        dispute.mediate()
        dispute.resolve()
        dispute.record_visit()
        dispute.close()
        return dispute

    def check_guard(self) -> None:
        d = self.create(0)
        d.grade()
        d.mediate()
        d.resolve()
        try:
            d.close()
        except TransitionNotAllowed:
            pass
        else:  # pragma: no cover - the guard failed
            raise AssertionError("close was not refused before a visit")
        assert d.current_state_value == "follow_up"
        d.record_visit()
        d.close()
        assert d.current_state_value == "closed"


# -- 5. a hand-written transition table with attrs event records ---------------------------------
@attrs.frozen
class Record:
    """The event record the hand-written table appends for each transition."""

    dispute_id: str
    trigger: str
    source: str
    dest: str


@attrs.define
class TableDispute:
    """A mutable dispute for the hand-written table: its state and its history of records."""

    id: str
    state: str = "discovered"
    visits: int = 0
    history: list[Record] = attrs.Factory(list)


TABLE: dict[tuple[str, str], str | None] = {(source, str(e.trigger)): e.dest for e in BASE_EDGES for source in e.source}


def _close_guard(d: TableDispute) -> bool:
    return d.visits > 0


def _no_guard(d: TableDispute) -> bool:
    return True


GUARDS: dict[str, Callable[[TableDispute], bool]] = {"close": _close_guard}


def table_fire(d: TableDispute, trigger: str) -> None:
    """Fire ``trigger`` on ``d`` through the table; raise ``Refused`` if not allowed."""
    source = d.state
    key = (source, trigger)
    if key not in TABLE or not GUARDS.get(trigger, _no_guard)(d):
        raise Refused(f"{trigger} not allowed from {source}")
    dest = TABLE[key] or source
    d.history.append(Record(d.id, trigger, source, dest))
    d.state = dest
    if trigger == "record_visit":
        d.visits += 1


class HandWrittenTable:
    """A dict transition table and a guard function, appending an attrs record: the floor."""

    name = "table+attrs"
    label = "hand-written table + attrs record"

    def create(self, index: int) -> TableDispute:
        return TableDispute(f"D{index}")

    def lifecycle(self, dispute: object) -> object:
        assert isinstance(dispute, TableDispute)
        table_fire(dispute, "grade")
        table_fire(dispute, "mediate")
        table_fire(dispute, "resolve")
        table_fire(dispute, "record_visit")
        table_fire(dispute, "close")
        return dispute

    def check_guard(self) -> None:
        d = self.create(0)
        for trigger in PATH[:3]:
            table_fire(d, trigger)
        try:
            table_fire(d, "close")
        except Refused:
            pass
        else:  # pragma: no cover - the guard failed
            raise AssertionError("close was not refused before a visit")
        table_fire(d, "record_visit")
        table_fire(d, "close")
        assert d.state == "closed"
        assert len(d.history) == 5


IMPLEMENTATIONS: tuple[Callable[[], Implementation], ...] = (
    Fengqiao,
    TransitionsPerObject,
    TransitionsShared,
    PythonStatemachine,
    HandWrittenTable,
)
"""Factories of the five implementations, in report order; the second is the reference (ratio 1.0)."""
