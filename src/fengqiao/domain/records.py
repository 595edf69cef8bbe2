"""What a dispute accumulates as it is handled: assignments, mediation attempts, visits, referrals.

These are folded from events (see ``fengqiao.lifecycle.fold``); each carries the time and the
actor of the event that made it, so a ledger can say who did what when.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from fengqiao.domain.actor import Role
from fengqiao.domain.dossier import DossierItem
from fengqiao.domain.vocab import CaseKind, Department, MediationForce, Outcome, VisitKind

__all__ = ["Assignment", "Attempt", "Escalation", "Referral", "Visit"]


@attrs.frozen
class Assignment:
    """A person made responsible for a dispute in a role (包片民警, 责任领导, 督办人 …)."""

    person: str
    role: Role
    at: datetime
    by: str


@attrs.frozen
class Attempt:
    """One mediation attempt: who mediated, with what outcome."""

    forces: tuple[MediationForce, ...]
    outcome: Outcome
    summary: str
    at: datetime
    by: str


@attrs.frozen
class Visit:
    """One follow-up visit (回访) and whether the settlement still holds."""

    kind: VisitKind
    holding: bool
    finding: str
    at: datetime
    by: str


@attrs.frozen
class Referral:
    """A hand-over to the responsible department (移交), tracked until it reports a result."""

    department: Department
    reason: str
    at: datetime
    by: str
    documents: tuple[DossierItem, ...] = ()


@attrs.frozen
class Escalation:
    """A dispute turned into a formal case (转为案件)."""

    case_kind: CaseKind | None
    reason: str
    case_number: str
    at: datetime
    by: str
