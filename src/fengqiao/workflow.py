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

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any, ClassVar, Required, TypedDict
from zoneinfo import ZoneInfo

from fengqiao._case_workflow import CaseWorkflow, DeadlineCheck
from fengqiao._commands import grading_of, make_event
from fengqiao._refusing import policy_refusal, time_refusal
from fengqiao._replay import check_dispute, replay, replay_on, resolve_policy
from fengqiao._typed import TriggerMethods
from fengqiao.domain._calls import checked_call
from fengqiao.domain._checks import require_aware
from fengqiao.domain.actor import Actor, ActorLike
from fengqiao.domain.clock import Clock
from fengqiao.domain.party import Alert, Party
from fengqiao.domain.terms import Category, Channel, RiskFactor
from fengqiao.domain.vocabulary import Lang
from fengqiao.errors import TransitionRefused, ValidationError
from fengqiao.lifecycle.cases import CaseEvent
from fengqiao.lifecycle.diagram import DiagramFormat
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Discovered, Event, Graded, Merged
from fengqiao.lifecycle.fold import apply, start
from fengqiao.lifecycle.graph import Graph
from fengqiao.lifecycle.kinds import DISPUTE
from fengqiao.lifecycle.payloads import DiscoveryPayload
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import Trigger, TriggerId
from fengqiao.policies.base import DossierRequirement, Policy

__all__ = ["ActorLike", "DeadlineCheck", "DiscoverArguments", "Workflow", "replay"]


class DiscoverArguments(TypedDict, total=False):
    """:meth:`Workflow.discover`'s arguments, for a function that hands them on (``**kwargs: Unpack[...]``).

    The repositories' ``discover`` take them this way, so a type checker sees every name.
    """

    channel: Required[Channel | str]
    category: Required[Category | str]
    summary: Required[str]
    actor: Required[ActorLike]
    parties: Iterable[Party]
    risk_factors: Iterable[RiskFactor | str]
    station: str
    location: str
    reporter: str
    reference: str
    received_at: datetime | None
    dispute_id: str | None


_log = logging.getLogger("fengqiao.workflow")
"""Refusals, at DEBUG: the trigger, the dispute's id and the refusal codes (never a payload)."""

_FIRST_ACTOR = "system:nobody"
"""What a workflow's last actor is before its first command: any valid text (with what it reads as) will do."""
_DISPUTE_GRAPH = Graph()
"""The base dispute graph: what the clock's refusal reads the kind's nouns from."""
_MERGE = Trigger.MERGE  # read once: an enum member is a metaclass attribute lookup (≈ 70 ns)
_AWARE_ZONES = (timezone, ZoneInfo)
"""tzinfo types whose ``utcoffset`` is never ``None``: a ``datetime`` with one is aware (no ``require_aware`` call)."""


class Workflow(TriggerMethods[Dispute], CaseWorkflow[Dispute, Event, Policy]):
    """A policy, a clock and the lifecycle graph they build: the way to handle disputes.

    Args:
        policy: a policy object or a registered name (``"yongji-54333"``); default ``"baseline"``.
        clock: where time comes from; the system clock (UTC) by default.
        ids: makes a new dispute id; random UUID hex by default (pass a seeded one for
            reproducible simulations).
        adopts: names of other policies whose disputes this workflow may go on handling.
            Every dispute records the policy it was opened under (:attr:`Dispute.policy
            <fengqiao.Dispute.policy>`); a command on one opened under another policy is
            refused (``policy.other``) unless that policy's name is adopted here — for a
            station moving its open disputes to new rules. Disputes that record no policy
            (written before fengqiao recorded it) are handled by any workflow.

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
        adopts: Iterable[str] = (),
    ) -> None:
        self._configure(policy, clock, ids, resolve_policy, adopts)  # type: ignore[arg-type]  # it checks what it is given
        self._last_actor: tuple[str, Actor] = (_FIRST_ACTOR, Actor.parse(_FIRST_ACTOR))
        """The last actor text a command named and the actor it reads as (one tuple, replaced whole)."""

    _kind: ClassVar = DISPUTE
    _event_class: ClassVar = Event
    _opening_noun: ClassVar = "discovery"
    _check_case = staticmethod(check_dispute)
    _start = staticmethod(start)
    _apply = staticmethod(apply)

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
        return start(
            Discovered(dispute_id=payload.dispute_id, at=at, actor=who, payload=payload, policy=self.policy_ref)
        )

    @checked_call()
    def triggers(self, dispute: Dispute, *, actor: ActorLike | None = None) -> tuple[TriggerId, ...]:
        """The triggers that may fire now, policy included.

        A trigger is listed when the graph allows it, the policy's preconditions hold and (if
        ``actor`` is given) the actor has a required role. Payload checks still apply on fire.
        """
        return self._triggers(dispute, actor)

    @checked_call()
    def deadlines(self, dispute: Dispute, *, at: datetime | None = None) -> tuple[DeadlineCheck, ...]:
        """The policy's deadlines for ``dispute`` and their status at ``at`` (now by default)."""
        return self._deadlines(dispute, at)

    @checked_call()
    def dossier_gaps(self, dispute: Dispute) -> tuple[DossierRequirement, ...]:
        """The policy's dossier requirements that ``dispute`` does not meet yet."""
        check_dispute(dispute)
        return tuple(r for r in self.policy.dossier_requirements(dispute) if not r.met_by(dispute))

    @checked_call()
    def replay(self, history: Iterable[CaseEvent]) -> Dispute:
        """Rebuild a dispute from its events, checking each transition against this graph.

        ``history`` may come straight from a store's ``load``; one that is not a dispute's is
        refused (``ValidationError``).
        """
        return replay_on(history, self.graph, self.policy.name)

    @checked_call()
    def diagram(self, *, lang: Lang = "en", dispute: Dispute | None = None, format: DiagramFormat = "mermaid") -> str:
        """The lifecycle graph as a mermaid ``stateDiagram-v2`` (or Graphviz ``dot``), in ``lang``.

        Drawn by ``transitions``' own diagram support from this workflow's machine; internal
        triggers are left out to keep the picture readable, and ``dispute``'s state (if given)
        is highlighted.

        Raises:
            ValidationError: an unknown ``format`` or ``lang``, or a ``dispute`` that is not a Dispute.
        """
        return self._diagram(lang, dispute, format)

    # -- internals -----------------------------------------------------------------------
    def _fire(self, dispute: Dispute, trigger: object, actor: ActorLike, payload: Mapping[str, Any]) -> Dispute:
        """:meth:`fire` with the payload as a mapping (the typed methods call this directly)."""
        trig, event, refusals = self._decide(dispute, trigger, actor, payload)
        if refusals:
            _log.debug("refused %s on dispute %s: %s", trig, dispute.id, " ".join(r.code for r in refusals))
            raise TransitionRefused(dispute.id, str(trig), refusals)
        return apply(dispute, event)

    def _decide(
        self, dispute: Dispute, trigger: object, actor: ActorLike, payload: Mapping[str, Any]
    ) -> tuple[TriggerId, Event, tuple[Refusal, ...]]:
        if type(dispute) is not Dispute:
            check_dispute(dispute)
        trig = trigger if type(trigger) is Trigger else self._trigger(trigger)
        if type(actor) is Actor:
            who = actor
        elif type(actor) is not str:
            who = Actor.parse(actor)  # a subclass passes, anything else is refused
        elif actor == (last := self._last_actor)[0]:  # the same officer sends the next command too
            who = last[1]  # reading text is pure: what it read as then, it reads as now
        else:
            who = Actor.parse(actor)
            self._last_actor = (actor, who)
        at = self.clock.now()
        if type(at) is not datetime or type(at.tzinfo) not in _AWARE_ZONES:  # else surely aware: no call
            at = require_aware(at, "clock.now()")
        policy = self.policy
        event = make_event(policy, self._custom_targets, dispute, trig, who, at, payload)
        state = dispute.state
        # A terminal state allows nothing (the graph is validated so), so one lookup decides
        # the common case; the terminal check only chooses which refusal to give.
        refusals = [] if (state, trig) in self._edges else [self._graph_refusal(state, trig)]
        roles = policy.required_roles(trig)
        if roles is not None and not who.has_any(roles):
            refusals.append(self._roles_refusal(who, trig, roles))
        if at < dispute.updated_at or trig is _MERGE:
            refusals.extend(_own_refusals(dispute, event))
        recorded = dispute.policy
        if recorded is not None and recorded is not self.policy_ref and recorded.name not in self._accepts:
            refusals.append(policy_refusal(self.graph, dispute.id, recorded, self.policy_ref.name))
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
        return self._admit(dispute, event)

    def _own_refusals(self, dispute: Dispute, event: Event) -> list[Refusal]:
        return _own_refusals(dispute, event)

    def _check_decided(self, dispute: Dispute, event: Event) -> None:
        if isinstance(event, Graded):
            decided = grading_of(self.policy, dispute, event.payload.assessment, event.at)
            if decided != event.payload.grading:
                raise ValidationError(
                    f"the event records grade {event.payload.grading.grade}, but policy {self.policy.name} "
                    f"grades that assessment {decided.grade}",
                    "event.payload.grading",
                )


def _own_refusals(dispute: Dispute, event: Event) -> list[Refusal]:
    """What every workflow refuses, whatever its policy: going back in time, merging into oneself."""
    found: list[Refusal] = []
    if event.at < dispute.updated_at:
        found.append(time_refusal(_DISPUTE_GRAPH, event.at, dispute.updated_at))
    if isinstance(event, Merged) and event.payload.into == dispute.id:
        found.append(Refusal("merge.into-itself", "纠纷不能合并到其自身", f"{dispute.id} cannot be merged into itself"))
    return found
