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
from typing import Any

import attrs

from fengqiao._ids import random_id
from fengqiao._refusing import graph_refusal, listed_triggers, role_refusal, time_refusal
from fengqiao.domain._calls import checked_call, suggestion, unknown_keyword
from fengqiao.domain._checks import parse_set, require_aware
from fengqiao.domain._quote import quote
from fengqiao.domain.actor import Actor, ActorLike, Role
from fengqiao.domain.clock import Clock, SystemClock
from fengqiao.domain.vocabulary import Lang
from fengqiao.errors import TransitionRefused, ValidationError
from fengqiao.lifecycle.cases import CaseEvent
from fengqiao.lifecycle.diagram import DiagramFormat, draw
from fengqiao.lifecycle.graph import Graph, GraphExtension
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
from fengqiao.lifecycle.refusals import Decision, Refusal
from fengqiao.policies.registry import get, get_household, household_names
from fengqiao.policies.rhythms import Filing, PlaceCheck, Rhythm

__all__ = ["PlaceWorkflow"]

_PAYLOADS: dict[PlaceTrigger, tuple[type[Any], type[ReportFiled | PlaceClosed]]] = {
    PlaceTrigger.FILE: (FilePayload, ReportFiled),
    PlaceTrigger.CLOSE: (ClosePlacePayload, PlaceClosed),
}


def _rhythms(source: object) -> dict[str, Rhythm]:
    """The rhythms of ``source``: a household policy (its name) with ``rhythms``, or the rhythms themselves."""
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


class PlaceWorkflow:
    """The rhythms places owe, a clock, and the place graph (reporting → closed).

    Args:
        rhythms: the rhythms a place may owe — a policy with a ``rhythms`` attribute or its
            registered name (``"xiqi-family-risk"``: Xiqi's four; ``"jiang-daily-monthly"``:
            Jiang's monthly settlement report …), or the
            :class:`~fengqiao.policies.rhythms.Rhythm` values themselves.
        clock: where time comes from; the system clock (UTC) by default.
        filers: the roles that may file and close (any actor by default). Xiqi's reports are
            kept by village auxiliary police and grid workers; say so with
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
        if clock is not None and not isinstance(clock, Clock):
            raise ValidationError(f"expected a Clock (an object with now()), got {quote(clock)}", "clock")
        if ids is not None and not callable(ids):
            raise ValidationError(f"expected a function that makes a place id, got {quote(ids)}", "ids")
        self.rhythms: Mapping[str, Rhythm] = _rhythms(rhythms)
        """The rhythms a place may owe, by code."""
        self.clock: Clock = clock or SystemClock()
        self.filers: frozenset[Role] | None = None if filers is None else parse_set(Role, filers, "filers")
        """The roles that may register, file and close; ``None``: anyone."""
        self.graph = Graph(GraphExtension(), kind=PLACE)
        self._ids = ids or random_id

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
        refusal = self._role_refusal(who, "register")
        if refusal is not None:
            raise TransitionRefused(payload.place_id, "register", (refusal,), kind="place")
        return start(PlaceRegistered(place_id=payload.place_id, at=at, actor=who, payload=payload))

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
        return self.fire(
            place, PlaceTrigger.FILE, actor=actor, rhythm=code, incidents=incidents, households=households, note=note
        )

    @checked_call()
    def close(self, place: Place, /, *, actor: ActorLike, reason: str) -> Place:
        """The place stops reporting (merged, renamed, dissolved): it owes nothing after now."""
        return self.fire(place, PlaceTrigger.CLOSE, actor=actor, reason=reason)

    @checked_call()
    def check(self, place: Place, trigger: str, /, *, actor: ActorLike, **payload: Any) -> Decision:
        """Every reason ``trigger`` (``"file"``, ``"close"``) may not fire now, as a ``Decision``."""
        trig, _event, refusals = self._decide(place, trigger, actor, payload)
        return Decision(trig, refusals)

    @checked_call()
    def fire(self, place: Place, trigger: str, /, *, actor: ActorLike, **payload: Any) -> Place:
        """Apply ``trigger`` and return the new place; ``place`` itself is unchanged.

        Raises:
            TransitionRefused: the graph, the rhythms or the roles refused; every reason is attached.
            ValidationError: malformed input (unknown trigger, bad payload).
        """
        trig, event, refusals = self._decide(place, trigger, actor, payload)
        if refusals:
            raise TransitionRefused(place.id, str(trig), refusals, kind="place")
        return apply(place, event)

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
        if place is None:
            if not isinstance(event, PlaceRegistered):
                raise ValidationError("a place's first event registers it", "event")
            self._codes(event.payload.rhythms)
            refusal = self._role_refusal(event.actor, "register")
            if refusal is not None:
                raise TransitionRefused(event.place_id, "register", (refusal,), kind="place")
            return start(event)
        p = _check_place(place)
        if not isinstance(event, ReportFiled | PlaceClosed) or event.place_id != p.id:
            raise ValidationError(f"expected a later event of place {p.id}, got {quote(event)}", "event")
        trig = PlaceTrigger(event.trigger)
        refusals = self._refusals(p, trig, event)
        if refusals:
            raise TransitionRefused(p.id, str(trig), refusals, kind="place")
        return apply(p, event)

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
    def triggers(self, place: Place, *, actor: ActorLike | None = None) -> tuple[PlaceTrigger, ...]:
        """The triggers that may fire now: the graph allows them and the actor may."""
        p = _check_place(place)
        who = None if actor is None else Actor.parse(actor)
        found = listed_triggers(
            self.graph,
            p.state,
            self._now(),
            lambda trig: who is not None and self._role_refusal(who, trig) is not None,
            lambda _trig, _at: (),
        )
        return tuple(PlaceTrigger(str(t)) for t in found)

    @checked_call()
    def replay(self, history: Iterable[CaseEvent]) -> Place:
        """Rebuild a place from its events, checking each step against the place graph and its rhythms."""
        place = fold(history)
        self.graph.walk(PLACE.initial, place.history, policy="places")
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
        if place is not None:
            _check_place(place)
        current = None if place is None else place.state
        return draw(self.graph, format=format, lang=lang, title="fengqiao · places", current=current)

    # -- internals -----------------------------------------------------------------------------
    def _now(self) -> datetime:
        return require_aware(self.clock.now(), "clock.now()")

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

    def _trigger(self, trigger: object) -> PlaceTrigger:
        if isinstance(trigger, str) and trigger in PlaceTrigger._value2member_map_:
            return PlaceTrigger(trigger)
        known = ", ".join(str(t) for t in PlaceTrigger)
        hint = suggestion(trigger, [str(t) for t in PlaceTrigger]) if isinstance(trigger, str) else ""
        raise ValidationError(f"unknown trigger {quote(trigger)}{hint}; a place knows: {known}", "trigger")

    def _decide(
        self, place: object, trigger: object, actor: ActorLike, payload: Mapping[str, Any]
    ) -> tuple[PlaceTrigger, PlaceEvent, tuple[Refusal, ...]]:
        p = _check_place(place)
        trig = self._trigger(trigger)
        who = Actor.parse(actor)
        at = self._now()
        body_class, event_class = _PAYLOADS[trig]
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
        if trig is PlaceTrigger.FILE:
            self._rhythm(body.rhythm, f"{trig}.rhythm")
        event = event_class(place_id=p.id, at=at, actor=who, payload=body)
        return trig, event, self._refusals(p, trig, event)

    def _refusals(self, place: Place, trig: PlaceTrigger, event: PlaceEvent) -> tuple[Refusal, ...]:
        refusals: list[Refusal] = []
        if not self.graph.allows(place.state, trig):
            refusals.append(graph_refusal(self.graph, place.state, trig))
        role = self._role_refusal(event.actor, trig)
        if role is not None:
            refusals.append(role)
        if event.at < place.updated_at:
            refusals.append(time_refusal(self.graph, event.at, place.updated_at))
        if isinstance(event, ReportFiled) and event.payload.rhythm not in place.rhythms:
            rhythm = self._rhythm(event.payload.rhythm, "rhythm")
            refusals.append(
                Refusal(
                    "place.rhythm-not-owed",
                    f"{place.name} 不承担“{rhythm.zh}”",
                    f"{place.name} does not owe the {rhythm.en}",
                )
            )
        return tuple(refusals)

    def _role_refusal(self, actor: Actor, action: object) -> Refusal | None:
        if self.filers is None or actor.has_any(self.filers):
            return None
        return role_refusal(self.graph, actor, str(action), self.filers)
