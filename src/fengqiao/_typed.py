"""One typed method per built-in trigger, for :class:`~fengqiao.Workflow` (which inherits them).

Each method only names its trigger's fields, so editors and type checkers see them; the
workflow's ``_fire`` decides. Private: import :class:`~fengqiao.Workflow`, not this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from fengqiao.domain._calls import checked_call
from fengqiao.domain.actor import ActorLike, Role
from fengqiao.domain.dossier import DossierItem
from fengqiao.domain.party import Alert
from fengqiao.domain.terms import CaseKind, Department, MediationForce, Outcome, RiskFactor, VisitKind
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.states import Trigger, TriggerId

__all__ = ["TriggerMethods"]

# Each trigger read once: ``Trigger.GRADE`` is a metaclass attribute lookup (≈ 70 ns) on every call.
_ASSIGN = Trigger.ASSIGN
_ATTACH = Trigger.ATTACH
_CLOSE = Trigger.CLOSE
_ESCALATE = Trigger.ESCALATE
_GRADE = Trigger.GRADE
_LINK_ALERT = Trigger.LINK_ALERT
_MEDIATE = Trigger.MEDIATE
_MERGE = Trigger.MERGE
_NOTE = Trigger.NOTE
_RECORD_ATTEMPT = Trigger.RECORD_ATTEMPT
_RECORD_VISIT = Trigger.RECORD_VISIT
_REFER = Trigger.REFER
_REGRADE = Trigger.REGRADE
_REOPEN = Trigger.REOPEN
_RESOLVE = Trigger.RESOLVE


R = TypeVar("R")
"""What a command gives: the new dispute (``Workflow``, ``Repository``), or a coroutine of it (``AsyncRepository``)."""


class TriggerMethods(Generic[R]):
    """The typed methods: ``wf.grade(d, actor=...)`` is ``wf.fire(d, "grade", actor=...)`` with named fields.

    Each hands its fields to ``_fire`` and returns what it returns: a class whose ``_fire`` is a
    coroutine function (``TriggerMethods[Coroutine[Any, Any, Dispute]]``) has them awaitable.
    """

    _fire: Callable[[Dispute, TriggerId, ActorLike, Mapping[str, Any]], R]

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
    ) -> R:
        """Grade and route (研判分级); the policy computes the grade from this assessment.

        ``risk_factors`` defaults to those known at discovery.
        """
        return self._fire(
            dispute,
            _GRADE,
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
    ) -> R:
        """Grade again: the policy recomputes (``grade=None``) or checks the grade asked for.

        Assessment fields left ``None`` keep their current value.
        """
        return self._fire(
            dispute,
            _REGRADE,
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
    ) -> R:
        """Begin mediation (调解) with ``forces``; two or more make it joint (联调联处)."""
        return self._fire(
            dispute,
            _MEDIATE,
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
    ) -> R:
        """Hand the dispute to the responsible ``department`` (移交) with its papers."""
        return self._fire(dispute, _REFER, actor, {"department": department, "reason": reason, "documents": documents})

    @checked_call()
    def escalate(
        self,
        dispute: Dispute,
        *,
        actor: ActorLike,
        case_kind: CaseKind | str | None = None,
        reason: str = "",
        case_number: str = "",
    ) -> R:
        """Turn the dispute into a formal administrative or criminal case (转为案件)."""
        return self._fire(
            dispute, _ESCALATE, actor, {"case_kind": case_kind, "reason": reason, "case_number": case_number}
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
    ) -> R:
        """Record the settlement (化解) and begin follow-up."""
        return self._fire(
            dispute,
            _RESOLVE,
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
    ) -> R:
        """Send a relapsed dispute back to mediation."""
        return self._fire(dispute, _REOPEN, actor, {"reason": reason, "risk_factors": risk_factors})

    @checked_call()
    def close(self, dispute: Dispute, *, actor: ActorLike, summary: str = "") -> R:
        """Close the dispute (销号), if the policy's conditions hold."""
        return self._fire(dispute, _CLOSE, actor, {"summary": summary})

    @checked_call()
    def merge(self, dispute: Dispute, *, actor: ActorLike, into: str, reason: str = "") -> R:
        """Fold a duplicate into the dispute ``into``."""
        return self._fire(dispute, _MERGE, actor, {"into": into, "reason": reason})

    @checked_call()
    def assign(self, dispute: Dispute, *, actor: ActorLike, person: str, role: Role | str) -> R:
        """Make ``person`` responsible for the dispute in ``role``."""
        return self._fire(dispute, _ASSIGN, actor, {"person": person, "role": role})

    @checked_call()
    def link_alert(self, dispute: Dispute, *, actor: ActorLike, alert: Alert) -> R:
        """Link another alert about the same dispute (重复警情)."""
        return self._fire(dispute, _LINK_ALERT, actor, {"alert": alert})

    @checked_call()
    def record_attempt(
        self,
        dispute: Dispute,
        *,
        actor: ActorLike,
        outcome: Outcome | str,
        forces: Iterable[MediationForce | str] = (),
        summary: str = "",
    ) -> R:
        """Record one mediation attempt and its outcome."""
        return self._fire(dispute, _RECORD_ATTEMPT, actor, {"outcome": outcome, "forces": forces, "summary": summary})

    @checked_call()
    def record_visit(
        self,
        dispute: Dispute,
        *,
        actor: ActorLike,
        kind: VisitKind | str,
        holding: bool = True,
        finding: str = "",
    ) -> R:
        """Record a follow-up visit (回访); ``holding=False`` records a relapse."""
        return self._fire(dispute, _RECORD_VISIT, actor, {"kind": kind, "holding": holding, "finding": finding})

    @checked_call()
    def attach(self, dispute: Dispute, item: DossierItem, *, actor: ActorLike) -> R:
        """File ``item`` in the dispute's dossier."""
        return self._fire(dispute, _ATTACH, actor, {"item": item})

    @checked_call()
    def note(self, dispute: Dispute, text: str, *, actor: ActorLike) -> R:
        """Add a free-text note."""
        return self._fire(dispute, _NOTE, actor, {"text": text})
