"""``PlaceWorkflow``: the reports a village or grid owes (日报告 …), filed as events and checked on read.

A place owes the :class:`~fengqiao.policies.rhythms.Rhythm` values it was registered with — Xiqi's
daily report ("有事报事，无事报平安"), weekly push, monthly dispatch and monthly meeting — and
each report it files is an event of its own stream (:mod:`fengqiao.lifecycle.place`). Whether
a period was met, is pending or is overdue is never stored: :meth:`PlaceWorkflow.checks`
computes it from the stored reports at any ``at``. Commands decide as the other workflows
do: bad input is a :class:`~fengqiao.errors.ValidationError`, a refusal a
:class:`~fengqiao.errors.TransitionRefused` with codes, and the place passed in is unchanged.

Examples:
    >>> from datetime import datetime, timedelta
    >>> import fengqiao as fq
    >>> from fengqiao.policies import CHINA_TZ
    >>> clock = fq.FixedClock(datetime(2024, 4, 1, 8, tzinfo=CHINA_TZ))
    >>> wf = PlaceWorkflow("xiqi-family-risk", clock=clock)
    >>> village = wf.register(name="西歧村", actor="grid_worker:li", rhythms=["xiqi.daily-report"], place_id="xiqi")
    >>> _ = clock.advance(timedelta(hours=10))
    >>> village = wf.file(village, "xiqi.daily-report", actor="grid_worker:li")  # 无事报平安
    >>> _ = clock.advance(timedelta(days=2))
    >>> village = wf.file(village, "xiqi.daily-report", incidents=["田某持刀威胁邻居"], households=["tian"],
    ...                   actor="grid_worker:li")
    >>> check = wf.checks(village)["xiqi.daily-report"]
    >>> [(p.period.label, p.status.value) for p in check.periods]
    [('2024-04-01', 'met'), ('2024-04-02', 'overdue'), ('2024-04-03', 'met')]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, ClassVar

import attrs

from fengqiao._case_workflow import CaseWorkflow
from fengqiao.domain._calls import checked_call, suggestion, unknown_keyword
from fengqiao.domain._checks import parse_set, require_aware
from fengqiao.domain._quote import quote
from fengqiao.domain.actor import Actor, ActorLike, Role
from fengqiao.domain.clock import Clock
from fengqiao.domain.vocabulary import Lang
from fengqiao.errors import ValidationError
from fengqiao.lifecycle.cases import CaseEvent
from fengqiao.lifecycle.diagram import DiagramFormat
from fengqiao.lifecycle.graph import GraphExtension
from fengqiao.lifecycle.place import PLACE, Place, apply, fold, start
from fengqiao.lifecycle.place_events import (
    ClosePlacePayload,
    FilePayload,
    PlaceClosed,
    PlaceEvent,
    PlaceRegistered,
    PlaceTrigger,
    RegisterPlacePayload,
    ReportFiled,
)
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import TriggerId
from fengqiao.policies.base import Deadline
from fengqiao.policies.registry import get, get_household, household_names
from fengqiao.policies.rhythms import Filing, PlaceCheck, Rhythm

__all__ = ["PlaceWorkflow"]

_PAYLOADS: dict[PlaceTrigger, tuple[type[Any], type[ReportFiled | PlaceClosed]]] = {
    PlaceTrigger.FILE: (FilePayload, ReportFiled),
    PlaceTrigger.CLOSE: (ClosePlacePayload, PlaceClosed),
}


def _rhythms(source: object) -> dict[str, Rhythm]:
    """The rhythms of ``source``: a policy (its name) with ``rhythms``, or the rhythms themselves."""
    named = source if isinstance(source, str) else None
    if named is not None:
        source = get_household(named) if named in household_names() else get(named)
        if not hasattr(source, "rhythms"):
            raise ValidationError(f"the policy {quote(named)} has no rhythms a place could owe", "rhythms")
    owned = getattr(source, "rhythms", source)
    if isinstance(owned, str | bytes) or not isinstance(owned, Iterable):
        raise ValidationError(
            f"expected rhythms, or a policy (or its name) that has them, got {quote(source)}", "rhythms"
        )
    found: dict[str, Rhythm] = {}
    for i, rhythm in enumerate(owned):
        if not isinstance(rhythm, Rhythm):
            raise ValidationError(f"expected a Rhythm, got {quote(rhythm)}", f"rhythms[{i}]")
        if rhythm.code in found:
            raise ValidationError(f"two rhythms are coded {quote(rhythm.code)}", f"rhythms[{i}]")
        found[rhythm.code] = rhythm
    if not found:
        raise ValidationError("a place workflow needs at least one rhythm", "rhythms")
    return found


def _check_place(place: object) -> Place:
    if not isinstance(place, Place):
        raise ValidationError(f"expected a Place, got {quote(place)}", "place")
    return place


@attrs.frozen
class _PlaceRules:
    """What a place workflow decides by, in the shape the shared workflow base asks a policy for."""

    rhythms: Mapping[str, Rhythm]
    filers: frozenset[Role] | None
    name: str = "places"

    def graph(self) -> GraphExtension:
        return GraphExtension()

    def required_roles(self, action: object) -> frozenset[Role] | None:
        return self.filers

    def preconditions(self, place: Place, trigger: object, at: datetime) -> Iterable[Refusal]:
        return ()

    def refusals(self, place: Place, event: PlaceEvent) -> Iterable[Refusal]:
        if isinstance(event, ReportFiled) and event.payload.rhythm not in place.rhythms:
            rhythm = self.rhythms.get(event.payload.rhythm)
            zh, en = (rhythm.zh, rhythm.en) if rhythm is not None else (event.payload.rhythm, event.payload.rhythm)
            yield Refusal("place.rhythm-not-owed", f"{place.name} 不承担“{zh}”", f"{place.name} does not owe the {en}")

    def deadlines(self, place: Place) -> Iterable[Deadline]:
        return ()


def _rules(rules: object) -> _PlaceRules:
    assert isinstance(rules, _PlaceRules)  # made by PlaceWorkflow itself
    return rules


class PlaceWorkflow(CaseWorkflow[Place, PlaceEvent, _PlaceRules]):
    """The rhythms places owe, a clock, and the place graph (reporting → closed).

    It is the shared workflow base's third kind (as :class:`~fengqiao.Workflow` and
    :class:`~fengqiao.HouseholdWorkflow` are its first two): ``check``, ``fire``,
    ``triggers``, ``admit`` and ``diagram`` decide as theirs do.

    Args:
        rhythms: the rhythms a place may owe — a policy with a ``rhythms`` attribute or its
            registered name (``"xiqi-family-risk"``: Xiqi's four; ``"jiang-daily-monthly"``:
            Jiang's monthly settlement report …), or the
            :class:`~fengqiao.policies.rhythms.Rhythm` values themselves.
        clock: where time comes from; the system clock (UTC) by default.
        filers: the roles that may register, file and close (any actor by default). Xiqi's
            reports are kept by village auxiliary police and grid workers; say so with
            ``filers=["auxiliary_officer", "grid_worker"]``.
        ids: makes a place id when ``register`` is given none; random UUID hex by default.

    Raises:
        ValidationError: unknown policy name, no rhythms or two with one code, a malformed
            clock, role or ``ids``, or an unknown keyword.
    """

    @checked_call("PlaceWorkflow")
    def __init__(
        self,
        rhythms: object,
        *,
        clock: Clock | None = None,
        filers: Iterable[Role | str] | None = None,
        ids: Callable[[], str] | None = None,
    ) -> None:
        owed = _rhythms(rhythms)
        roles = None if filers is None else parse_set(Role, filers, "filers")
        self._configure(_PlaceRules(owed, roles), clock, ids, _rules)
        self.rhythms: Mapping[str, Rhythm] = owed
        """The rhythms a place may owe, by code."""
        self.filers: frozenset[Role] | None = roles
        """The roles that may register, file and close; ``None``: anyone."""

    _kind: ClassVar = PLACE
    _event_class: ClassVar = PlaceEvent
    _opening_noun: ClassVar = "registration"
    _check_case = staticmethod(_check_place)
    _start = staticmethod(start)
    _apply = staticmethod(apply)

    def __repr__(self) -> str:
        return f"PlaceWorkflow(rhythms={list(self.rhythms)!r}, clock={self.clock!r})"

    # -- commands --------------------------------------------------------------------------
    @checked_call()
    def register(
        self,
        *,
        name: str,
        actor: ActorLike,
        village: str | None = None,
        grid: str = "",
        rhythms: Iterable[str | Rhythm] | None = None,
        note: str = "",
        place_id: str | None = None,
    ) -> Place:
        """A place begins to owe ``rhythms`` (codes or rhythms; all of this workflow's by default) from now.

        ``village`` is ``name`` unless given. The place's id is ``place_id``, or a new one.

        Raises:
            ValidationError: bad input (the path names the field: ``register.rhythms[1]``), or a
                rhythm this workflow does not know.
            TransitionRefused: the actor may not register places (``auth.role-required``).
        """
        at = self._now()
        who = Actor.parse(actor)
        codes = list(self.rhythms) if rhythms is None else self._codes(rhythms)
        try:
            payload = RegisterPlacePayload(
                place_id=self._ids() if place_id is None else place_id,
                name=name,
                village=name if village is None else village,
                grid=grid,
                rhythms=codes,
                note=note,
            )
        except ValidationError as exc:
            raise exc.within("register") from None
        return self.admit(None, PlaceRegistered(place_id=payload.place_id, at=at, actor=who, payload=payload))

    @checked_call()
    def file(
        self,
        place: Place,
        rhythm: str | Rhythm,
        /,
        *,
        actor: ActorLike,
        incidents: Iterable[str] = (),
        households: Iterable[str] = (),
        note: str = "",
    ) -> Place:
        """File a report for ``rhythm``: the incidents (有事报事), or none for "all quiet" (无事报平安).

        Raises:
            TransitionRefused: the place is closed (``graph.terminal``), does not owe ``rhythm``
                (``place.rhythm-not-owed``), the actor may not file, or the clock is behind the
                place's last event.
            ValidationError: malformed input, or a rhythm this workflow does not know.
        """
        code = rhythm.code if isinstance(rhythm, Rhythm) else rhythm
        values = {"rhythm": code, "incidents": incidents, "households": households, "note": note}
        return self._fire(place, PlaceTrigger.FILE, actor, values)

    @checked_call()
    def close(self, place: Place, /, *, actor: ActorLike, reason: str) -> Place:
        """The place stops reporting (merged, renamed, dissolved): it owes nothing after now."""
        return self._fire(place, PlaceTrigger.CLOSE, actor, {"reason": reason})

    @checked_call()
    def admit(self, place: Place | None, event: PlaceEvent) -> Place:
        """``place`` after ``event``, an event made elsewhere, if this workflow would have decided it.

        The first event (``place`` is ``None``) must register the place with rhythms this
        workflow knows; a later one is checked as :meth:`fire` checks the command, at the
        event's own instant.

        Raises:
            TransitionRefused: the graph, the rhythms or the roles refuse the event.
            ValidationError: ``event`` is not a place event, or not of ``place``.
        """
        if place is None and isinstance(event, PlaceRegistered):
            self._codes(event.payload.rhythms)
        return self._admit(place, event)

    # -- reading -----------------------------------------------------------------------------
    @checked_call()
    def checks(self, place: Place, *, at: datetime | None = None) -> dict[str, PlaceCheck]:
        """Where ``place`` stands at ``at`` (now by default) with each rhythm it owes, by rhythm code.

        A period is ``met`` by a report filed by its due instant, ``late`` by one after,
        ``pending`` until due and ``overdue`` after (the rhythm's rules). A closed place owes
        nothing after it closed: its checks stop at the close.
        """
        p = _check_place(place)
        when = self._now() if at is None else require_aware(at, "at")
        if p.closed_at is not None and p.closed_at < when:
            when = p.closed_at
        when = max(when, p.registered_at)
        found: dict[str, PlaceCheck] = {}
        for code in p.rhythms:
            rhythm = self._rhythm(code, "rhythm")
            filings = [Filing(r.at, "all_quiet" if r.quiet else "incident") for r in p.reports_for(code)]
            found[code] = rhythm.check(p.name, p.registered_at, filings, at=when)
        return found

    @checked_call()
    def triggers(self, place: Place, *, actor: ActorLike | None = None) -> tuple[TriggerId, ...]:
        """The triggers that may fire now: the graph allows them and the actor may."""
        return self._triggers(place, actor)

    @checked_call()
    def replay(self, history: Iterable[CaseEvent]) -> Place:
        """Rebuild a place from its events, checking each step against the place graph and its rhythms."""
        place = fold(history)
        self.graph.walk(PLACE.initial, place.history, policy=self.policy.name)
        self._codes(place.rhythms)
        for i, report in enumerate(place.reports):
            if report.rhythm not in place.rhythms:
                raise ValidationError(
                    f"a report for {quote(report.rhythm)}, which the place does not owe", f"reports[{i}]"
                )
        return place

    @checked_call()
    def diagram(self, *, lang: Lang = "en", place: Place | None = None, format: DiagramFormat = "mermaid") -> str:
        """The place graph as a mermaid ``stateDiagram-v2`` (or Graphviz ``dot``), in ``lang``."""
        return self._diagram(lang, place, format)

    # -- what the base asks of a kind ----------------------------------------------------------
    def _event(self, case: Place, trig: TriggerId, who: Actor, at: datetime, payload: Mapping[str, Any]) -> PlaceEvent:
        body_class, event_class = _PAYLOADS[PlaceTrigger(str(trig))]
        given = dict(payload)
        try:
            body = body_class(**given)
        except TypeError:
            known = tuple(f.name for f in attrs.fields(body_class))
            wrong = sorted(k for k in given if k not in known)
            if wrong:
                raise unknown_keyword(str(trig), wrong[0], known) from None
            raise ValidationError(f"missing {', '.join(k for k in known if k not in given)}", str(trig)) from None
        except ValidationError as exc:
            raise exc.within(str(trig)) from None
        if isinstance(body, FilePayload):
            self._rhythm(body.rhythm, f"{trig}.rhythm")
        return event_class(place_id=case.id, at=at, actor=who, payload=body)

    # -- internals -----------------------------------------------------------------------------
    def _rhythm(self, code: object, path: str) -> Rhythm:
        if isinstance(code, str) and code in self.rhythms:
            return self.rhythms[code]
        known = ", ".join(self.rhythms)
        hint = suggestion(code, list(self.rhythms)) if isinstance(code, str) else ""
        raise ValidationError(f"unknown rhythm {quote(code)}{hint}; this workflow knows: {known}", path)

    def _codes(self, rhythms: Iterable[str | Rhythm]) -> list[str]:
        if isinstance(rhythms, str) or not isinstance(rhythms, Iterable):
            raise ValidationError(f"expected a collection of rhythm codes, got {quote(rhythms)}", "rhythms")
        codes = [r.code if isinstance(r, Rhythm) else r for r in rhythms]
        for i, code in enumerate(codes):
            self._rhythm(code, f"rhythms[{i}]")
        return codes
