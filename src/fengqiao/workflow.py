"""``Workflow``: one policy, one clock, one validated graph; the typed way to handle disputes.

The workflow holds the only ``transitions.Machine`` (one per workflow and policy, never one
per dispute) and turns commands into events:

1. the trigger must be known, the actor well-formed and the payload valid, else
   :class:`~fengqiao.errors.ValidationError` (nothing happens);
2. the graph, the policy's role requirements, its preconditions and its refusals are all
   asked, and every refusal is collected;
3. :meth:`Workflow.check` returns them as a :class:`Decision`; :meth:`Workflow.fire` raises
   :class:`~fengqiao.errors.TransitionRefused` with all of them, or appends the event and
   returns the new dispute. The dispute passed in is never changed.

>>> from datetime import UTC, datetime
>>> import fengqiao as fq
>>> wf = fq.Workflow(policy="baseline", clock=fq.FixedClock(datetime(2024, 1, 31, 9, tzinfo=UTC)))
>>> d = wf.discover(channel="alarm_110", category="neighbour", summary="车辆堵住车库出口",
...                 parties=[fq.Party(name="赵某")], actor="officer:xiao")
>>> d = wf.grade(d, actor="officer:xiao")
>>> d.state, d.grade
(<State.GRADED: 'graded'>, 'low')
>>> wf.check(d, "close", actor="officer:xiao").codes
('graph.not-allowed', 'baseline.close.no-visit')
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from fengqiao.domain._calls import checked_call, suggestion, unknown_keyword
from fengqiao.domain._quote import quote
from fengqiao.domain.actor import Actor, Role
from fengqiao.domain.checks import require_aware, require_text
from fengqiao.domain.clock import Clock, SystemClock
from fengqiao.domain.dossier import DossierItem
from fengqiao.domain.party import Alert, Party
from fengqiao.domain.vocab import (
    CaseKind,
    Category,
    Channel,
    Department,
    MediationForce,
    Outcome,
    RiskFactor,
    VisitKind,
)
from fengqiao.domain.vocabulary import Lang
from fengqiao.errors import PolicyDefinitionError, TransitionRefused, ValidationError
from fengqiao.lifecycle.diagram import DiagramFormat, draw
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import (
    EVENT_FOR_TRIGGER,
    Discovered,
    Event,
    Graded,
    Merged,
    Regraded,
    Transitioned,
)
from fengqiao.lifecycle.fold import apply, fold, start, target_of
from fengqiao.lifecycle.graph import Graph
from fengqiao.lifecycle.payloads import (
    Assessment,
    AssignPayload,
    AttachPayload,
    AttemptPayload,
    ClosePayload,
    DiscoveryPayload,
    EscalatePayload,
    GradePayload,
    Grading,
    LinkAlertPayload,
    MediatePayload,
    MergePayload,
    NotePayload,
    ReferPayload,
    RegradePayload,
    ReopenPayload,
    ResolvePayload,
    TransitionPayload,
    VisitPayload,
)
from fengqiao.lifecycle.refusals import Decision, Refusal
from fengqiao.lifecycle.states import State, StateId, Trigger, TriggerId
from fengqiao.policies import registry
from fengqiao.policies.base import Deadline, DeadlineStatus, DossierRequirement, Policy

__all__ = ["ActorLike", "DeadlineCheck", "Workflow", "replay"]

ActorLike = Actor | str
"""An :class:`Actor`, or ``"role:name"`` text such as ``"officer:xiao"``."""

_PAYLOADS: dict[Trigger, type[Any]] = {
    Trigger.MEDIATE: MediatePayload,
    Trigger.REFER: ReferPayload,
    Trigger.ESCALATE: EscalatePayload,
    Trigger.RESOLVE: ResolvePayload,
    Trigger.REOPEN: ReopenPayload,
    Trigger.CLOSE: ClosePayload,
    Trigger.MERGE: MergePayload,
    Trigger.ASSIGN: AssignPayload,
    Trigger.LINK_ALERT: LinkAlertPayload,
    Trigger.RECORD_ATTEMPT: AttemptPayload,
    Trigger.RECORD_VISIT: VisitPayload,
    Trigger.ATTACH: AttachPayload,
    Trigger.NOTE: NotePayload,
}
_ASSESSMENT_FIELDS = frozenset(a.name for a in attrs.fields(Assessment))
_REGRADE_FIELDS = (*sorted(_ASSESSMENT_FIELDS), "grade", "reason")
"""What ``regrade`` takes: the assessment's fields, and the grade asked for with its reason."""
_CUSTOM_FIELDS = ("note", "documents")
"""What a policy's own trigger takes; its ``trigger`` and ``target`` come from the graph."""


def _refuse_unknown(trigger: str, values: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise unknown_keyword(trigger, unknown[0], allowed, noun="field")


@attrs.frozen
class DeadlineCheck:
    """A deadline and where it stands at ``at``."""

    deadline: Deadline
    status: DeadlineStatus
    at: datetime


def _resolve_policy(policy: str | Policy) -> Policy:
    if isinstance(policy, str):
        return registry.get(policy)
    if isinstance(policy, type) or not isinstance(policy, Policy):
        raise ValidationError(f"expected a policy or a policy name, got {quote(policy)}", "policy")
    return policy


_Shape = tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]
_SHAPES: dict[type[Any], _Shape] = {}


def _shape(cls: type[Any]) -> _Shape:
    """A payload class's field names (as a set and in order) and its required fields, looked up once."""
    shape = _SHAPES.get(cls)
    if shape is None:
        fields = attrs.fields(cls)
        names = tuple(a.name for a in fields)
        shape = _SHAPES[cls] = (frozenset(names), names, tuple(a.name for a in fields if a.default is attrs.NOTHING))
    return shape


def _build(cls: type[Any], trigger: str, values: Mapping[str, Any]) -> Any:
    """Build a payload from keyword arguments, turning every mistake into a ValidationError.

    The payload is built first and the fields are looked at only when that fails: an unknown
    or missing keyword fails the call itself (before any converter runs), so the error is the
    same as checking first, and a valid command pays nothing for it.
    """
    try:
        return cls(**values)
    except ValidationError as exc:
        raise exc.within(trigger) from None
    except TypeError:
        _explain_fields(cls, trigger, values)
        raise  # pragma: no cover - a TypeError from inside the class, not from its fields


def _explain_fields(cls: type[Any], trigger: str, values: Mapping[str, Any]) -> None:
    """Raise the ValidationError for an unknown or missing field of ``cls``, if there is one."""
    known, names, required = _shape(cls)
    if not known.issuperset(values):
        raise unknown_keyword(trigger, sorted(set(values) - known)[0], names, noun="field")
    for name in required:
        if name not in values:
            raise ValidationError(f"required field {name!r} is missing", f"{trigger}.{name}")


class Workflow:
    """A policy, a clock and the lifecycle graph they build: the way to handle disputes.

    Args:
        policy: a policy object or a registered name (``"yongji-54333"``); default ``"baseline"``.
        clock: where time comes from; the system clock (UTC) by default.
        ids: makes a new dispute id; random UUID hex by default (pass a seeded one for
            reproducible simulations).

    Raises:
        ValidationError: an unknown policy name, a ``clock`` that is not a :class:`Clock`, an
            ``ids`` that cannot be called, or an unknown keyword.
        PolicyDefinitionError: the policy's graph extension is malformed.
    """

    @checked_call("Workflow")
    def __init__(
        self,
        policy: str | Policy = "baseline",
        *,
        clock: Clock | None = None,
        ids: Callable[[], str] | None = None,
    ) -> None:
        if clock is not None and not isinstance(clock, Clock):
            raise ValidationError(f"expected a Clock (an object with now()), got {quote(clock)}", "clock")
        if ids is not None and not callable(ids):
            raise ValidationError(f"expected a function that makes a dispute id, got {quote(ids)}", "ids")
        self.policy: Policy = _resolve_policy(policy)
        self.clock: Clock = clock or SystemClock()
        self.graph = Graph(self.policy.graph())
        self._ids = ids or _random_id
        self._custom_targets = {
            e.trigger: e.dest for e in self.policy.graph().edges if e.trigger not in Trigger._value2member_map_
        }

    def __repr__(self) -> str:
        return f"Workflow(policy={self.policy.name!r}, clock={self.clock!r})"

    # -- the core ------------------------------------------------------------------------
    @checked_call()
    def discover(
        self,
        *,
        channel: Channel | str,
        category: Category | str,
        summary: str,
        actor: ActorLike,
        parties: Iterable[Party] = (),
        risk_factors: Iterable[RiskFactor | str] = frozenset(),
        station: str = "",
        location: str = "",
        reporter: str = "",
        reference: str = "",
        received_at: datetime | None = None,
        dispute_id: str | None = None,
    ) -> Dispute:
        """Open a dispute from its first alert (发现) and return it, in state ``discovered``.

        Raises:
            ValidationError: bad input (the path names the field, e.g. ``discover.channel``).
            TransitionRefused: the actor's roles may not discover (``auth.role-required``).
        """
        at = self._now()
        who = Actor.parse(actor)
        try:
            alert = Alert(
                channel=channel,
                received_at=at if received_at is None else received_at,
                reporter=reporter,
                summary=summary,
                location=location,
                reference=reference,
            )
            payload = DiscoveryPayload(
                dispute_id=self._ids() if dispute_id is None else dispute_id,
                alert=alert,
                category=category,
                summary=summary,
                parties=parties,
                risk_factors=risk_factors,
                station=station,
            )
        except ValidationError as exc:
            raise exc.within("discover") from None
        refusal = self._role_refusal(who, "discover")
        if refusal is not None:
            raise TransitionRefused(payload.dispute_id, "discover", (refusal,))
        return start(Discovered(dispute_id=payload.dispute_id, at=at, actor=who, payload=payload))

    @checked_call()
    def check(self, dispute: Dispute, trigger: TriggerId, /, *, actor: ActorLike, **payload: Any) -> Decision:
        """Every reason ``trigger`` may not fire now, as a :class:`Decision`; never refuses by raising.

        Raises:
            ValidationError: malformed input (unknown trigger, bad payload), not a refusal.
        """
        trig, _event, refusals = self._decide(dispute, trigger, actor, payload)
        return Decision(trig, refusals)

    @checked_call()
    def fire(self, dispute: Dispute, trigger: TriggerId, /, *, actor: ActorLike, **payload: Any) -> Dispute:
        """Apply ``trigger`` and return the new dispute; ``dispute`` itself is unchanged.

        Raises:
            TransitionRefused: the graph or the policy refused; every reason is attached.
            ValidationError: malformed input (unknown trigger, bad payload).
        """
        return self._fire(dispute, trigger, actor, payload)

    @checked_call()
    def triggers(self, dispute: Dispute, *, actor: ActorLike | None = None) -> tuple[TriggerId, ...]:
        """The triggers that may fire now, policy included.

        A trigger is listed when the graph allows it, the policy's preconditions hold and (if
        ``actor`` is given) the actor has a required role. Payload checks still apply on fire.
        """
        _check_dispute(dispute)
        who = None if actor is None else Actor.parse(actor)
        at = self._now()
        allowed: list[TriggerId] = []
        for trig in self.graph.allowed(dispute.state):
            if who is not None and self._role_refusal(who, trig) is not None:
                continue
            if any(True for _ in self.policy.preconditions(dispute, trig, at)):
                continue
            allowed.append(trig)
        return tuple(allowed)

    @checked_call()
    def deadlines(self, dispute: Dispute, *, at: datetime | None = None) -> tuple[DeadlineCheck, ...]:
        """The policy's deadlines for ``dispute`` and their status at ``at`` (now by default)."""
        _check_dispute(dispute)
        when = self._now() if at is None else require_aware(at, "at")
        return tuple(DeadlineCheck(dl, dl.status(when), when) for dl in self.policy.deadlines(dispute))

    @checked_call()
    def dossier_gaps(self, dispute: Dispute) -> tuple[DossierRequirement, ...]:
        """The policy's dossier requirements that ``dispute`` does not meet yet."""
        _check_dispute(dispute)
        return tuple(r for r in self.policy.dossier_requirements(dispute) if not r.met_by(dispute))

    @checked_call()
    def replay(self, history: Iterable[Event]) -> Dispute:
        """Rebuild a dispute from its events, checking each transition against this graph."""
        return _replay(history, self.graph, self.policy.name)

    @checked_call()
    def diagram(self, *, lang: Lang = "en", dispute: Dispute | None = None, format: DiagramFormat = "mermaid") -> str:
        """The lifecycle graph as a mermaid ``stateDiagram-v2`` (or Graphviz ``dot``), in ``lang``.

        Drawn by ``transitions``' own diagram support from this workflow's machine; internal
        triggers are left out to keep the picture readable, and ``dispute``'s state (if given)
        is highlighted.

        Raises:
            ValidationError: an unknown ``format`` or ``lang``, or a ``dispute`` that is not a Dispute.
        """
        if dispute is not None:
            _check_dispute(dispute)
        return draw(
            self.graph,
            format=format,
            lang=lang,
            title=f"fengqiao · {self.policy.name}",
            current=None if dispute is None else dispute.state,
        )

    # -- one typed method per trigger ------------------------------------------------------
    @checked_call()
    def grade(
        self,
        dispute: Dispute,
        *,
        actor: ActorLike,
        risk_factors: Iterable[RiskFactor | str] | None = None,
        police_business: bool = True,
        meets_case_threshold: bool = False,
        complex: bool = False,
        note: str = "",
    ) -> Dispute:
        """Grade and route (研判分级); the policy computes the grade from this assessment.

        ``risk_factors`` defaults to those known at discovery.
        """
        return self._fire(
            dispute,
            Trigger.GRADE,
            actor,
            {
                "risk_factors": risk_factors,
                "police_business": police_business,
                "meets_case_threshold": meets_case_threshold,
                "complex": complex,
                "note": note,
            },
        )

    @checked_call()
    def regrade(
        self,
        dispute: Dispute,
        *,
        actor: ActorLike,
        grade: str | None = None,
        reason: str = "",
        risk_factors: Iterable[RiskFactor | str] | None = None,
        police_business: bool | None = None,
        meets_case_threshold: bool | None = None,
        complex: bool | None = None,
    ) -> Dispute:
        """Grade again: the policy recomputes (``grade=None``) or checks the grade asked for.

        Assessment fields left ``None`` keep their current value.
        """
        return self._fire(
            dispute,
            Trigger.REGRADE,
            actor,
            {
                "grade": grade,
                "reason": reason,
                "risk_factors": risk_factors,
                "police_business": police_business,
                "meets_case_threshold": meets_case_threshold,
                "complex": complex,
            },
        )

    @checked_call()
    def mediate(
        self,
        dispute: Dispute,
        *,
        actor: ActorLike,
        forces: Iterable[MediationForce | str] = (),
        mediator: str = "",
        documents: Iterable[DossierItem] = (),
        note: str = "",
    ) -> Dispute:
        """Begin mediation (调解) with ``forces``; two or more make it joint (联调联处)."""
        return self._fire(
            dispute,
            Trigger.MEDIATE,
            actor,
            {"forces": forces, "mediator": mediator, "documents": documents, "note": note},
        )

    @checked_call()
    def refer(
        self,
        dispute: Dispute,
        *,
        actor: ActorLike,
        department: Department | str | None = None,
        reason: str = "",
        documents: Iterable[DossierItem] = (),
    ) -> Dispute:
        """Hand the dispute to the responsible ``department`` (移交) with its papers."""
        return self._fire(
            dispute, Trigger.REFER, actor, {"department": department, "reason": reason, "documents": documents}
        )

    @checked_call()
    def escalate(
        self,
        dispute: Dispute,
        *,
        actor: ActorLike,
        case_kind: CaseKind | str | None = None,
        reason: str = "",
        case_number: str = "",
    ) -> Dispute:
        """Turn the dispute into a formal administrative or criminal case (转为案件)."""
        return self._fire(
            dispute, Trigger.ESCALATE, actor, {"case_kind": case_kind, "reason": reason, "case_number": case_number}
        )

    @checked_call()
    def resolve(
        self,
        dispute: Dispute,
        *,
        actor: ActorLike,
        outcome: Outcome | str = Outcome.AGREEMENT,
        summary: str = "",
        reported_by: Department | str | None = None,
        documents: Iterable[DossierItem] = (),
    ) -> Dispute:
        """Record the settlement (化解) and begin follow-up."""
        return self._fire(
            dispute,
            Trigger.RESOLVE,
            actor,
            {"outcome": outcome, "summary": summary, "reported_by": reported_by, "documents": documents},
        )

    @checked_call()
    def reopen(
        self,
        dispute: Dispute,
        *,
        actor: ActorLike,
        reason: str = "",
        risk_factors: Iterable[RiskFactor | str] = frozenset(),
    ) -> Dispute:
        """Send a relapsed dispute back to mediation."""
        return self._fire(dispute, Trigger.REOPEN, actor, {"reason": reason, "risk_factors": risk_factors})

    @checked_call()
    def close(self, dispute: Dispute, *, actor: ActorLike, summary: str = "") -> Dispute:
        """Close the dispute (销号), if the policy's conditions hold."""
        return self._fire(dispute, Trigger.CLOSE, actor, {"summary": summary})

    @checked_call()
    def merge(self, dispute: Dispute, *, actor: ActorLike, into: str, reason: str = "") -> Dispute:
        """Fold a duplicate into the dispute ``into``."""
        return self._fire(dispute, Trigger.MERGE, actor, {"into": into, "reason": reason})

    @checked_call()
    def assign(self, dispute: Dispute, *, actor: ActorLike, person: str, role: Role | str) -> Dispute:
        """Make ``person`` responsible for the dispute in ``role``."""
        return self._fire(dispute, Trigger.ASSIGN, actor, {"person": person, "role": role})

    @checked_call()
    def link_alert(self, dispute: Dispute, *, actor: ActorLike, alert: Alert) -> Dispute:
        """Link another alert about the same dispute (重复警情)."""
        return self._fire(dispute, Trigger.LINK_ALERT, actor, {"alert": alert})

    @checked_call()
    def record_attempt(
        self,
        dispute: Dispute,
        *,
        actor: ActorLike,
        outcome: Outcome | str,
        forces: Iterable[MediationForce | str] = (),
        summary: str = "",
    ) -> Dispute:
        """Record one mediation attempt and its outcome."""
        return self._fire(
            dispute, Trigger.RECORD_ATTEMPT, actor, {"outcome": outcome, "forces": forces, "summary": summary}
        )

    @checked_call()
    def record_visit(
        self,
        dispute: Dispute,
        *,
        actor: ActorLike,
        kind: VisitKind | str,
        holding: bool = True,
        finding: str = "",
    ) -> Dispute:
        """Record a follow-up visit (回访); ``holding=False`` records a relapse."""
        return self._fire(dispute, Trigger.RECORD_VISIT, actor, {"kind": kind, "holding": holding, "finding": finding})

    @checked_call()
    def attach(self, dispute: Dispute, item: DossierItem, *, actor: ActorLike) -> Dispute:
        """File ``item`` in the dispute's dossier."""
        return self._fire(dispute, Trigger.ATTACH, actor, {"item": item})

    @checked_call()
    def note(self, dispute: Dispute, text: str, *, actor: ActorLike) -> Dispute:
        """Add a free-text note."""
        return self._fire(dispute, Trigger.NOTE, actor, {"text": text})

    # -- internals -----------------------------------------------------------------------
    def _fire(self, dispute: Dispute, trigger: object, actor: ActorLike, payload: Mapping[str, Any]) -> Dispute:
        """:meth:`fire` with the payload as a mapping (the typed methods call this directly)."""
        trig, event, refusals = self._decide(dispute, trigger, actor, payload)
        if refusals:
            raise TransitionRefused(dispute.id, str(trig), refusals)
        return apply(dispute, event)

    def _now(self) -> datetime:
        return require_aware(self.clock.now(), "clock.now()")

    def _trigger(self, trigger: object) -> TriggerId:
        if isinstance(trigger, Trigger):
            return trigger
        if isinstance(trigger, str) and self.graph.knows(trigger):
            return Trigger(trigger) if trigger in Trigger._value2member_map_ else trigger
        known = ", ".join(str(t) for t in self.graph.triggers)
        hint = suggestion(trigger, map(str, self.graph.triggers)) if isinstance(trigger, str) else ""
        raise ValidationError(f"unknown trigger {quote(trigger)}{hint}; this workflow knows: {known}", "trigger")

    def _role_refusal(self, actor: Actor, action: TriggerId) -> Refusal | None:
        roles = self.policy.required_roles(action)
        if roles is None or actor.has_any(roles):
            return None
        wanted = ", ".join(sorted(r.value for r in roles))
        return Refusal(
            "auth.role-required",
            f"{actor.id} 无权执行“{self.graph.label(action, 'zh')}”，需具备以下角色之一：{wanted}",
            f"{actor.id} may not {action}: needs one of the roles {wanted}",
        )

    def _decide(
        self, dispute: Dispute, trigger: object, actor: ActorLike, payload: Mapping[str, Any]
    ) -> tuple[TriggerId, Event, tuple[Refusal, ...]]:
        if type(dispute) is not Dispute:
            _check_dispute(dispute)
        trig = trigger if type(trigger) is Trigger else self._trigger(trigger)
        who = actor if type(actor) is Actor else Actor.parse(actor)
        at = self._now()
        event = self._event(dispute, trig, who, at, payload)
        state = dispute.state
        policy = self.policy
        # A terminal state allows nothing (the graph is validated so), so one lookup decides
        # the common case; the terminal check only chooses which refusal to give.
        refusals = [] if self.graph.allows(state, trig) else [self._graph_refusal(state, trig)]
        role = self._role_refusal(who, trig)
        if role is not None:
            refusals.append(role)
        if at < dispute.updated_at or trig is Trigger.MERGE:
            refusals.extend(_own_refusals(dispute, event))
        refusals.extend(policy.preconditions(dispute, trig, at))
        refusals.extend(policy.refusals(dispute, event))
        return trig, event, tuple(refusals) if refusals else ()

    def admit(self, dispute: Dispute | None, event: Event) -> Dispute:
        """Apply an event made elsewhere as :meth:`fire` would have decided it; return the new dispute.

        For code that stores events it did not get from :meth:`fire` (``Repository.save``, an
        import): ``event`` must be one this workflow accepts from ``dispute`` — of this
        dispute, not dated before its last event, a step the graph allows to the state the
        event records, by an actor with the roles, refused by no policy rule, and, for a
        grading, graded as the policy grades that assessment. With ``dispute`` ``None``, the
        event must be a discovery by an actor who may discover.

        Raises:
            TransitionRefused: the graph, a role, the clock or the policy refuses the event.
            ValidationError: not an event of this dispute, or one that records something
                other than what this workflow decides (another target state, another grade).
        """
        if dispute is None:
            if not isinstance(event, Discovered):
                raise ValidationError(f"a history begins with a discovery, not {type(event).__name__}", "event")
            refusal = self._role_refusal(event.actor, "discover")
            if refusal is not None:
                raise TransitionRefused(event.dispute_id, "discover", (refusal,))
            return start(event)
        _check_dispute(dispute)
        if not isinstance(event, Event) or isinstance(event, Discovered):
            raise ValidationError(f"expected an event after discovery, got {type(event).__name__}", "event")
        if event.dispute_id != dispute.id:
            raise ValidationError(f"the event belongs to dispute {event.dispute_id}, not {dispute.id}", "event")
        trig = event.payload.trigger if isinstance(event, Transitioned) else event.trigger
        state = dispute.state
        refusals: list[Refusal] = []
        if not self.graph.allows(state, trig):
            refusals.append(self._graph_refusal(state, trig))
        elif (target_of(event) or state) != self.graph.target(state, trig):
            raise ValidationError(
                f"{trig} takes a dispute from {state} to {self.graph.target(state, trig)}, "
                f"not to {target_of(event)}, under policy {self.policy.name}",
                "event",
            )
        role = self._role_refusal(event.actor, trig)
        if role is not None:
            refusals.append(role)
        refusals.extend(_own_refusals(dispute, event))
        refusals.extend(self.policy.preconditions(dispute, trig, event.at))
        refusals.extend(self.policy.refusals(dispute, event))
        if refusals:
            raise TransitionRefused(dispute.id, str(trig), tuple(refusals))
        if isinstance(event, Graded):
            decided = self._grading(dispute, event.payload.assessment, event.at)
            if decided != event.payload.grading:
                raise ValidationError(
                    f"the event records grade {event.payload.grading.grade}, but policy {self.policy.name} "
                    f"grades that assessment {decided.grade}",
                    "event.payload.grading",
                )
        return apply(dispute, event)

    def _graph_refusal(self, state: StateId, trig: TriggerId) -> Refusal:
        label = self.graph.label
        if self.graph.is_terminal(state):
            return Refusal(
                "graph.terminal",
                f"纠纷已处于终结状态“{label(state, 'zh')}”，不能再“{label(trig, 'zh')}”",
                f"dispute is {state}, a terminal state: {trig} is not allowed",
            )
        return Refusal(
            "graph.not-allowed",
            f"“{label(state, 'zh')}”状态下不能“{label(trig, 'zh')}”",
            f"{trig} is not allowed from state {state}",
        )

    def _event(self, dispute: Dispute, trig: TriggerId, who: Actor, at: datetime, values: Mapping[str, Any]) -> Event:
        if trig is Trigger.GRADE:
            assessment = self._assessment(dispute, str(trig), values, keep_current=False)
            grading = self._grading(dispute, assessment, at)
            payload: Any = GradePayload(assessment=assessment, grading=grading)
            return Graded(dispute_id=dispute.id, at=at, actor=who, payload=payload)
        if trig is Trigger.REGRADE:
            _refuse_unknown(str(trig), values, _REGRADE_FIELDS)
            extra = {k: v for k, v in values.items() if k in ("grade", "reason")}
            rest = {k: v for k, v in values.items() if k not in extra}
            assessment = self._assessment(dispute, str(trig), rest, keep_current=True)
            grading, manual = self._regrading(dispute, assessment, at, extra)
            payload = RegradePayload(assessment=assessment, grading=grading, manual=manual)
            return Regraded(dispute_id=dispute.id, at=at, actor=who, payload=payload)
        if isinstance(trig, Trigger):
            event_cls: Any = EVENT_FOR_TRIGGER[trig]
            payload = _build(_PAYLOADS[trig], trig, values)
            return event_cls(dispute_id=dispute.id, at=at, actor=who, payload=payload)  # type: ignore[no-any-return]
        target = self._custom_targets[trig]
        assert target is not None  # checked when the graph was built
        _refuse_unknown(str(trig), values, _CUSTOM_FIELDS)
        payload = _build(TransitionPayload, trig, {**values, "trigger": trig, "target": target})
        return Transitioned(dispute_id=dispute.id, at=at, actor=who, payload=payload)

    def _assessment(
        self, dispute: Dispute, trigger: str, values: Mapping[str, Any], *, keep_current: bool
    ) -> Assessment:
        given = {k: v for k, v in values.items() if v is not None}
        current = dispute.assessment
        if keep_current and current is not None:
            # The dispute's risk factors, not the last assessment's: a ``reopen`` may have
            # added some since, and a regrade must not silently drop them.
            given = {**attrs.asdict(current, recurse=False), "risk_factors": dispute.risk_factors, **given}
        given.setdefault("risk_factors", dispute.risk_factors)
        return _build(Assessment, trigger, given)  # type: ignore[no-any-return]

    def _grading(self, dispute: Dispute, assessment: Assessment, at: datetime) -> Grading:
        grading = self.policy.grade(dispute, assessment, at)
        if not isinstance(grading, Grading) or grading.grade not in self.policy.grades:
            raise PolicyDefinitionError(
                f"policy {self.policy.name!r} graded {quote(grading)}; expected a Grading with a grade in "
                f"{self.policy.grades}"
            )
        return grading

    def _regrading(
        self, dispute: Dispute, assessment: Assessment, at: datetime, extra: Mapping[str, Any]
    ) -> tuple[Grading, bool]:
        asked = extra.get("grade")
        reason = extra.get("reason", "")
        require_text(reason, "regrade.reason", "prose")
        if asked is None:
            grading = self._grading(dispute, assessment, at)
            return (attrs.evolve(grading, reason=reason or grading.reason), False)
        if asked not in self.policy.grades:
            hint = suggestion(asked, self.policy.grades) if isinstance(asked, str) else ""
            raise ValidationError(
                f"unknown grade {quote(asked)}{hint}; "
                f"policy {self.policy.name} grades: {', '.join(self.policy.grades)}",
                "regrade.grade",
            )
        # The policy still grades, so the route and its flags are kept; only the grade is the officer's.
        computed = self._grading(dispute, assessment, at)
        return attrs.evolve(computed, grade=asked, rule="manual", reason=reason), True


_ID_BATCH = 128
"""Random ids made at a time: one ``os.urandom`` call and one hex conversion for them all."""
_VERSION_4 = bytes(b & 0x0F | 0x40 for b in range(256))
"""Byte 6 of a UUID with its high nibble set to the version, 4."""
_RFC_4122 = bytes(b & 0x3F | 0x80 for b in range(256))
"""Byte 8 of a UUID with its two top bits set to the RFC 4122 variant, ``10``."""
_SPARE_IDS: list[str] = []
"""Random ids made and not yet given out (emptied in a forked child, which must not repeat them)."""
os.register_at_fork(after_in_child=_SPARE_IDS.clear)


def _random_id() -> str:
    """A random UUID (version 4) as 32 hex digits, as ``uuid4().hex`` gives, without building a ``UUID``.

    Ids are made :data:`_ID_BATCH` at a time; ``list.pop`` hands each out once, also to
    several threads.
    """
    while True:
        try:
            return _SPARE_IDS.pop()
        except IndexError:
            _SPARE_IDS.extend(_random_ids(_ID_BATCH))


def _random_ids(n: int) -> list[str]:
    raw = bytearray(os.urandom(16 * n))
    raw[6::16] = raw[6::16].translate(_VERSION_4)
    raw[8::16] = raw[8::16].translate(_RFC_4122)
    text = raw.hex()
    return [text[i : i + 32] for i in range(0, 32 * n, 32)]


def _own_refusals(dispute: Dispute, event: Event) -> list[Refusal]:
    """What every workflow refuses, whatever its policy: going back in time, merging into oneself."""
    found: list[Refusal] = []
    if event.at < dispute.updated_at:
        found.append(
            Refusal(
                "time.before-last-event",
                f"操作时间 {event.at.isoformat()} 早于该纠纷上一条记录的时间 {dispute.updated_at.isoformat()}",
                f"the command is dated {event.at.isoformat()}, before the dispute's last event "
                f"({dispute.updated_at.isoformat()}); a late record is not back-dated",
            )
        )
    if isinstance(event, Merged) and event.payload.into == dispute.id:
        found.append(Refusal("merge.into-itself", "纠纷不能合并到其自身", f"{dispute.id} cannot be merged into itself"))
    return found


def _check_dispute(dispute: object) -> None:
    if not isinstance(dispute, Dispute):
        raise ValidationError(f"expected a Dispute, got {type(dispute).__name__}", "dispute")


def _replay(history: Iterable[Event], graph: Graph, policy_name: str) -> Dispute:
    events = _history(history)
    dispute = fold(events)
    graph.walk(State.DISCOVERED, events[1:], first=1, policy=policy_name)
    return dispute


def _history(history: Iterable[Event]) -> tuple[Event, ...]:
    try:
        events = iter(history)
    except TypeError:
        raise ValidationError(f"expected a sequence of events, got {quote(history)}", "history") from None
    return tuple(events)


@checked_call()
def replay(history: Iterable[Event], policy: str | Policy | None = None) -> Dispute:
    """Rebuild the exact dispute from its events: ``replay(d.history) == d``.

    With ``policy``, every transition is also checked against that policy's graph.

    Raises:
        ValidationError: the history is not a sequence of events or is malformed, or (with
            ``policy``) takes a transition that policy's graph does not allow; ``path`` names
            the event (``history[3]``).
    """
    if policy is None:
        return fold(history)
    resolved = _resolve_policy(policy)
    return _replay(history, Graph(resolved.graph()), resolved.name)
