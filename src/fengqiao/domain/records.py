"""What a dispute accumulates as it is handled: assignments, mediation attempts, visits, referrals.

These are folded from events (see ``fengqiao.lifecycle.fold``); each carries the time and the
actor of the event that made it, so a ledger can say who did what when. Their text is checked
as the events' is (no control, bidi or lone surrogate characters; line breaks only in a
summary, finding or reason), so a record built or loaded by hand holds what an event could.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from fengqiao.domain._checks import identifier, is_prose, is_text, quick_init
from fengqiao.domain.actor import Role
from fengqiao.domain.dossier import DossierItem
from fengqiao.domain.terms import CaseKind, Department, MediationForce, Outcome, VisitKind

__all__ = ["Assignment", "Attempt", "Escalation", "PolicyRef", "Referral", "Visit"]


@quick_init
@attrs.frozen
class Assignment:
    """A person made responsible for a dispute in a role (包片民警, 责任领导, 督办人 …)."""

    person: str = attrs.field(validator=is_text)
    role: Role
    at: datetime
    by: str = attrs.field(validator=is_text)


@quick_init
@attrs.frozen
class Attempt:
    """One mediation attempt: who mediated, with what outcome."""

    forces: tuple[MediationForce, ...]
    outcome: Outcome
    summary: str = attrs.field(validator=is_prose)
    at: datetime
    by: str = attrs.field(validator=is_text)


@quick_init
@attrs.frozen
class Visit:
    """One follow-up visit (回访) and whether the settlement still holds."""

    kind: VisitKind
    holding: bool
    finding: str = attrs.field(validator=is_prose)
    at: datetime
    by: str = attrs.field(validator=is_text)


@quick_init
@attrs.frozen
class Referral:
    """A hand-over to the responsible department (移交), tracked until it reports a result."""

    department: Department
    reason: str = attrs.field(validator=is_prose)
    at: datetime
    by: str = attrs.field(validator=is_text)
    documents: tuple[DossierItem, ...] = ()


@quick_init
@attrs.frozen
class Escalation:
    """A dispute turned into a formal case (转为案件)."""

    case_kind: CaseKind | None
    reason: str = attrs.field(validator=is_prose)
    case_number: str = attrs.field(validator=is_text)
    at: datetime
    by: str = attrs.field(validator=is_text)


@quick_init
@attrs.frozen
class PolicyRef:
    """The policy a case was opened under, as its opening event records it: name and version.

    :meth:`Workflow.discover <fengqiao.Workflow.discover>` records its policy's ``name`` and
    ``version`` (see :class:`~fengqiao.BasePolicy`) in the
    ``Discovered`` event (households: ``HouseholdScreened``), inside the hash chain, so a
    store can tell which policy its histories were written under. Histories written before
    fengqiao recorded it carry none (``Dispute.policy`` is ``None``).
    """

    name: str = attrs.field(validator=identifier)
    version: str = attrs.field(validator=is_text)
    """The policy's own version (``"1"``); empty when the policy does not say."""

    def __str__(self) -> str:
        return f"{self.name} v{self.version}" if self.version else self.name
