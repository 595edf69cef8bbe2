"""One typed method per built-in household trigger, for :class:`~fengqiao.HouseholdWorkflow` (which inherits them).

Each method only names its trigger's fields, so editors and type checkers see them; the
workflow's ``fire`` decides. Private: import :class:`~fengqiao.HouseholdWorkflow`, not this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fengqiao.domain._calls import checked_call
from fengqiao.domain.actor import ActorLike
from fengqiao.lifecycle.household import Household
from fengqiao.lifecycle.household_events import HouseholdTrigger

__all__ = ["HouseholdTriggerMethods"]


class HouseholdTriggerMethods:
    """The typed methods: ``wf.watch(h, actor=..., reason=...)`` is ``wf.fire(h, "watch", ...)`` with named fields."""

    fire: Callable[..., Household]
    """The workflow's own ``fire``: it decides every typed method's command."""

    @checked_call()
    def watch(self, household: Household, *, actor: ActorLike, reason: str, factors: Iterable[Any] = ()) -> Household:
        """Put the household on the watch list (列为重点关注)."""
        return self.fire(household, HouseholdTrigger.WATCH, actor=actor, reason=reason, factors=factors)

    @checked_call()
    def incident(
        self,
        household: Household,
        *,
        actor: ActorLike,
        summary: str,
        factors: Iterable[Any] = (),
        daily_report: bool = False,
    ) -> Household:
        """Report an incident (有事报事): the household is watched again."""
        return self.fire(
            household,
            HouseholdTrigger.INCIDENT,
            actor=actor,
            summary=summary,
            factors=factors,
            daily_report=daily_report,
        )

    @checked_call()
    def assess(
        self,
        household: Household,
        *,
        actor: ActorLike,
        factors: Iterable[Any] | None = None,
        meeting: bool = False,
        note: str = "",
    ) -> Household:
        """Assess (风险评估): the policy classes ``factors`` (the household's own, by default) and names the work."""
        return self.fire(household, HouseholdTrigger.ASSESS, actor=actor, factors=factors, meeting=meeting, note=note)

    @checked_call()
    def reassess(
        self,
        household: Household,
        *,
        actor: ActorLike,
        factors: Iterable[Any] | None = None,
        meeting: bool = False,
        note: str = "",
    ) -> Household:
        """Assess again, while assessed or managed."""
        return self.fire(household, HouseholdTrigger.REASSESS, actor=actor, factors=factors, meeting=meeting, note=note)

    @checked_call()
    def manage(self, household: Household, *, actor: ActorLike, plan: str = "", team: Iterable[str] = ()) -> Household:
        """Begin management (包联管控) with the plan and the dedicated team."""
        return self.fire(household, HouseholdTrigger.MANAGE, actor=actor, plan=plan, team=team)

    @checked_call()
    def release(self, household: Household, *, actor: ActorLike, reason: str = "") -> Household:
        """The risk is gone (风险解除)."""
        return self.fire(household, HouseholdTrigger.RELEASE, actor=actor, reason=reason)

    @checked_call()
    def deregister(self, household: Household, *, actor: ActorLike, reason: str) -> Household:
        """Take the household off the register (moved away, no longer exists)."""
        return self.fire(household, HouseholdTrigger.DEREGISTER, actor=actor, reason=reason)

    @checked_call()
    def assign_cadre(self, household: Household, *, actor: ActorLike, person: str) -> Household:
        """A cadre takes charge of the household (包联)."""
        return self.fire(household, HouseholdTrigger.ASSIGN_CADRE, actor=actor, person=person)

    @checked_call()
    def link_dispute(self, household: Household, *, actor: ActorLike, dispute_id: str) -> Household:
        """Link a dispute one of the members is party to; an assessed household is due for reassessment."""
        return self.fire(household, HouseholdTrigger.LINK_DISPUTE, actor=actor, dispute_id=dispute_id)

    @checked_call()
    def refer_help(self, household: Household, *, actor: ActorLike, department: Any, need: str) -> Household:
        """Ask a department for hardship help (中心吹哨); it must report in (部门报到)."""
        return self.fire(household, HouseholdTrigger.REFER_HELP, actor=actor, department=department, need=need)

    @checked_call()
    def help_reported(
        self, household: Household, *, actor: ActorLike, department: Any, result: str, resolved: bool = True
    ) -> Household:
        """A department reports in on the help it was asked for."""
        return self.fire(
            household,
            HouseholdTrigger.HELP_REPORTED,
            actor=actor,
            department=department,
            result=result,
            resolved=resolved,
        )

    @checked_call()
    def attach(self, household: Household, *, actor: ActorLike, item: Any) -> Household:
        """File a document in the household's file (一户一档)."""
        return self.fire(household, HouseholdTrigger.ATTACH, actor=actor, item=item)

    @checked_call()
    def note(self, household: Household, *, actor: ActorLike, text: str) -> Household:
        """Add a note."""
        return self.fire(household, HouseholdTrigger.NOTE, actor=actor, text=text)
