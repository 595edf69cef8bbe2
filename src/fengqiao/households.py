"""``HouseholdWorkflow``: one household policy, one clock, one validated graph; the way to handle households.

It decides as :class:`~fengqiao.workflow.Workflow` does for disputes, on the same engine: bad
input is a :class:`~fengqiao.errors.ValidationError` (nothing happens); the graph, the
policy's roles, preconditions and refusals are all asked; :meth:`HouseholdWorkflow.check`
returns every refusal as a ``Decision``, :meth:`HouseholdWorkflow.fire` raises
:class:`~fengqiao.errors.TransitionRefused` with all of them or returns the new household.
The household passed in is never changed.

>>> from datetime import UTC, datetime
>>> import fengqiao as fq
>>> wf = HouseholdWorkflow(clock=fq.FixedClock(datetime(2024, 3, 1, 9, tzinfo=UTC)))
>>> h = wf.screen(village="西歧村", grid="3", actor="grid_worker:li", household_id="h-1")
>>> h = wf.watch(h, reason="与邻居因排水沟争吵", factors=["dispute"], actor="grid_worker:li")
>>> h = wf.assess(h, actor="party_secretary:tian")
>>> h.state, h.risk_class, sorted(h.work)
(<HouseholdState.ASSESSED: 'assessed'>, <RiskClass.III: 'III'>, [<WorkKind.DISPUTE_MEDIATION: 'dispute_mediation'>])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, ClassVar

import attrs

from fengqiao._case_workflow import CaseWorkflow, DeadlineCheck
from fengqiao._household_typed import HouseholdTriggerMethods
from fengqiao.domain._calls import checked_call, suggestion
from fengqiao.domain._quote import quote
from fengqiao.domain.actor import Actor, ActorLike
from fengqiao.domain.clock import Clock
from fengqiao.domain.vocabulary import Lang
from fengqiao.errors import TransitionRefused, ValidationError
from fengqiao.lifecycle.cases import CaseEvent
from fengqiao.lifecycle.diagram import DiagramFormat
from fengqiao.lifecycle.household import HOUSEHOLD, HOUSEHOLD_TRIGGERS, Household, apply, fold, start
from fengqiao.lifecycle.household_events import (
    HouseholdAssessed,
    HouseholdEvent,
    HouseholdReassessed,
    HouseholdScreened,
    HouseholdTransitioned,
    HouseholdTrigger,
)
from fengqiao.lifecycle.household_payloads import AssessPayload, ScreenPayload, parse_factors
from fengqiao.lifecycle.payloads import TransitionPayload
from fengqiao.lifecycle.states import TriggerId
from fengqiao.policies.households import HouseholdBasePolicy, HouseholdPolicy
from fengqiao.policies.registry import get_household

__all__ = ["HouseholdWorkflow", "replay_household"]

_ROWS: dict[str, Any] = {str(row.trigger): row for row in HOUSEHOLD_TRIGGERS}
_ASSESSING = (HouseholdTrigger.ASSESS, HouseholdTrigger.REASSESS)


def _resolve(policy: object) -> HouseholdPolicy:
    if policy is None:
        return HouseholdBasePolicy()
    if isinstance(policy, str):
        return get_household(policy)
    if not isinstance(policy, HouseholdPolicy):
        raise ValidationError(f"expected a household policy or its name, got {quote(policy)}", "policy")
    return policy


def _check_household(household: object) -> Household:
    if not isinstance(household, Household):
        raise ValidationError(f"expected a Household, got {quote(household)}", "household")
    return household


class HouseholdWorkflow(HouseholdTriggerMethods, CaseWorkflow[Household, HouseholdEvent, HouseholdPolicy]):
    """A household policy, a clock and the household graph they build.

    Args:
        policy: a household policy object or a registered name (``"xiqi-family-risk"``);
            :class:`~fengqiao.policies.households.HouseholdBasePolicy` by default.
        clock: where time comes from; the system clock (UTC) by default.
        ids: makes a new household id; random UUID hex by default.
        adopts: names of other household policies whose households this workflow may go on
            handling (as :class:`~fengqiao.Workflow`'s ``adopts``: every household records the
            policy it was screened under, :attr:`Household.policy <fengqiao.Household.policy>`).

    Raises:
        ValidationError: an unknown policy name, a ``clock`` that is not a :class:`Clock`, an
            ``ids`` that cannot be called, or an unknown keyword.
        PolicyDefinitionError: the policy's graph extension is malformed.
    """

    @checked_call("HouseholdWorkflow")
    def __init__(
        self,
        policy: str | HouseholdPolicy | None = None,
        *,
        clock: Clock | None = None,
        ids: Callable[[], str] | None = None,
        adopts: Iterable[str] = (),
    ) -> None:
        self._configure(policy, clock, ids, _resolve, adopts)

    _kind: ClassVar = HOUSEHOLD
    _event_class: ClassVar = HouseholdEvent
    _opening_noun: ClassVar = "screening"
    _check_case = staticmethod(_check_household)
    _start = staticmethod(start)
    _apply = staticmethod(apply)

    # -- the core ------------------------------------------------------------------------
    @checked_call()
    def screen(
        self,
        *,
        village: str,
        actor: ActorLike,
        grid: str = "",
        address: str = "",
        members: Iterable[Any] = (),
        factors: Iterable[Any] = (),
        note: str = "",
        household_id: str | None = None,
    ) -> Household:
        """Put a household on the register (摸排) and return it, in state ``screened``.

        Raises:
            ValidationError: bad input (the path names the field, e.g. ``screen.village``).
            TransitionRefused: the actor's roles may not screen (``auth.role-required``).
        """
        at = self._now()
        who = Actor.parse(actor)
        try:
            payload = ScreenPayload(
                household_id=self._ids() if household_id is None else household_id,
                village=village,
                grid=grid,
                address=address,
                members=members,
                factors=factors,
                note=note,
            )
        except ValidationError as exc:
            raise exc.within("screen") from None
        refusal = self._role_refusal(who, "screen")
        if refusal is not None:
            raise TransitionRefused(payload.household_id, "screen", (refusal,), kind="household")
        return start(
            HouseholdScreened(
                household_id=payload.household_id, at=at, actor=who, payload=payload, policy=self.policy_ref
            )
        )

    @checked_call()
    def triggers(self, household: Household, *, actor: ActorLike | None = None) -> tuple[TriggerId, ...]:
        """The triggers that may fire now: the graph allows them, the policy's preconditions hold, the actor may."""
        return self._triggers(household, actor)

    @checked_call()
    def deadlines(self, household: Household, *, at: datetime | None = None) -> tuple[DeadlineCheck, ...]:
        """The policy's deadlines for ``household`` and their status at ``at`` (now by default)."""
        return self._deadlines(household, at)

    @checked_call()
    def replay(self, history: Iterable[CaseEvent]) -> Household:
        """Rebuild a household from its events, checking each step against this workflow's graph.

        ``history`` may come straight from a store's ``load``; one that is not a household's is
        refused (``ValidationError``).
        """
        household = fold(history)
        self.graph.walk(HOUSEHOLD.initial, household.history, policy=self.policy.name)
        return household

    @checked_call()
    def diagram(
        self, *, lang: Lang = "en", household: Household | None = None, format: DiagramFormat = "mermaid"
    ) -> str:
        """The household graph as a mermaid ``stateDiagram-v2`` (or Graphviz ``dot``), in ``lang``."""
        return self._diagram(lang, household, format)

    # -- internals -----------------------------------------------------------------------
    def _event(
        self, household: Household, trig: TriggerId, who: Actor, at: datetime, payload: Mapping[str, Any]
    ) -> HouseholdEvent:
        row = _ROWS.get(str(trig))
        if row is None:  # a trigger the policy added: recorded as HouseholdTransitioned
            return self._custom_event(household, trig, who, at, payload)
        given = dict(payload)
        try:
            if trig in _ASSESSING:
                factors = given.pop("factors", None)
                chosen = household.factors if factors is None else parse_factors(factors)
                body: Any = AssessPayload(factors=chosen, assessment=self.policy.assess(household, chosen, at), **given)
            else:
                body = row.payload(**given)
        except TypeError:
            raise _unknown_keyword(str(trig), given, row.payload) from None
        except ValidationError as exc:
            raise exc.within(str(trig)) from None
        event: HouseholdEvent = row.event(household_id=household.id, at=at, actor=who, payload=body)
        return event

    def _custom_event(
        self, household: Household, trig: TriggerId, who: Actor, at: datetime, payload: Mapping[str, Any]
    ) -> HouseholdEvent:
        target = self._custom_targets[str(trig)]
        given = dict(payload)
        for reserved in ("trigger", "target"):
            if reserved in given:
                raise ValidationError(f"{reserved} is set by the graph, not given", f"{trig}.{reserved}")
        try:
            body = TransitionPayload(trigger=str(trig), target=str(target), **given)
        except TypeError:
            raise _unknown_keyword(str(trig), given, TransitionPayload) from None
        except ValidationError as exc:
            raise exc.within(str(trig)) from None
        return HouseholdTransitioned(household_id=household.id, at=at, actor=who, payload=body)

    def admit(self, household: Household | None, event: HouseholdEvent) -> Household:
        """Apply an event made elsewhere as :meth:`fire` would have decided it; return the new household.

        For code that stores events it did not get from :meth:`fire` (``HouseholdRepository.save``,
        an import): ``event`` must be one this workflow accepts from ``household`` — of this
        household, not dated before its last event, a step the graph allows to the state the
        event records, by an actor with the roles, refused by no policy rule, and, for an
        assessment, assessed as the policy assesses those factors. With ``household`` ``None``,
        the event must be a screening by an actor who may screen.

        Raises:
            TransitionRefused: the graph, a role, the clock or the policy refuses the event.
            ValidationError: not an event of this household, or one that records something
                other than what this workflow decides (another target state, another assessment).
        """
        return self._admit(household, event)

    def _check_decided(self, household: Household, event: HouseholdEvent) -> None:
        if isinstance(event, HouseholdAssessed | HouseholdReassessed):
            decided = self.policy.assess(household, event.payload.factors, event.at)
            if decided != event.payload.assessment:
                raise ValidationError(
                    f"the event records class {event.payload.assessment.risk_class} by rule "
                    f"{event.payload.assessment.rule}, but policy {self.policy.name} assesses those factors "
                    f"class {decided.risk_class} by rule {decided.rule}",
                    "event.payload.assessment",
                )


def _unknown_keyword(trigger: str, given: Mapping[str, Any], payload: type[Any]) -> ValidationError:
    known = [f.name for f in attrs.fields(payload)]
    wrong = sorted(k for k in given if k not in known)
    if not wrong:
        missing = [f.name for f in attrs.fields(payload) if f.default is attrs.NOTHING and f.name not in given]
        return ValidationError(f"missing {', '.join(missing) or 'a field'}", trigger)
    return ValidationError(
        f"unknown field {quote(wrong[0])}{suggestion(wrong[0], known)}; {trigger} takes: {', '.join(known)}",
        f"{trigger}.{wrong[0]}",
    )


def replay_household(history: Iterable[CaseEvent], policy: str | HouseholdPolicy | None = None) -> Household:
    """Rebuild a household from its events, checked against ``policy``'s graph (the base graph by default)."""
    return HouseholdWorkflow(policy).replay(history)
