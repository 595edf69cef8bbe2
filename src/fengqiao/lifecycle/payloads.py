"""One payload class per trigger: the validated input of a command, kept whole in its event.

``wf.fire(d, Trigger.RECORD_VISIT, actor=..., kind="phone")`` builds a :class:`VisitPayload`
from the keyword arguments; bad input raises :class:`~fengqiao.errors.ValidationError` naming
the field (``record_visit.kind``), before anything else happens.

Text fields are prose (summaries, notes, reasons, findings: line breaks and tabs allowed),
one line (names, numbers, titles, the station) or an identifier (the dispute id and the
dispute merged into); none may hold a control, bidi or lone surrogate character (see
:mod:`fengqiao.domain._checks`).
"""

from __future__ import annotations

from typing import Any

import attrs

from fengqiao.domain._checks import (
    canonical,
    identifier,
    is_bool,
    is_prose,
    is_text,
    non_empty,
    non_empty_prose,
    quick_init,
)
from fengqiao.domain._quote import quote
from fengqiao.domain.actor import Role
from fengqiao.domain.dossier import DossierItem
from fengqiao.domain.party import Alert, Party
from fengqiao.domain.terms import (
    CaseKind,
    Category,
    Department,
    MediationForce,
    Outcome,
    RiskFactor,
    Route,
    VisitKind,
)
from fengqiao.errors import ValidationError
from fengqiao.lifecycle._fields import (
    _alert,
    _documents,
    _flags,
    _one_category,
    _one_outcome,
    _one_role,
    _one_route,
    _one_visitkind,
    _opt_casekind,
    _opt_department,
    _opt_department_reported_by,
    _set_riskfactor,
    _sorted_mediationforce,
    _tuple_party,
)

__all__ = [
    "Assessment",
    "AssignPayload",
    "AttachPayload",
    "AttemptPayload",
    "ClosePayload",
    "DiscoveryPayload",
    "EscalatePayload",
    "GradePayload",
    "Grading",
    "LinkAlertPayload",
    "MediatePayload",
    "MergePayload",
    "NotePayload",
    "ReferPayload",
    "RegradePayload",
    "ReopenPayload",
    "ResolvePayload",
    "TransitionPayload",
    "VisitPayload",
]


@quick_init
@attrs.frozen(kw_only=True)
class DiscoveryPayload:
    """What is known when a dispute is first found (发现): the alert, the parties, the category."""

    dispute_id: str = attrs.field(validator=identifier)
    alert: Alert = attrs.field(validator=_alert)
    category: Category = attrs.field(converter=_one_category)
    summary: str = attrs.field(validator=non_empty_prose)
    parties: tuple[Party, ...] = attrs.field(default=(), converter=_tuple_party)
    risk_factors: frozenset[RiskFactor] = attrs.field(default=frozenset(), converter=_set_riskfactor)
    station: str = attrs.field(default="", validator=is_text)


@quick_init
@attrs.frozen(kw_only=True)
class Assessment:
    """The facts an officer finds in grading (研判): risk factors, jurisdiction, case threshold."""

    risk_factors: frozenset[RiskFactor] = attrs.field(default=frozenset(), converter=_set_riskfactor)
    police_business: bool = attrs.field(default=True, validator=is_bool)
    """Within police jurisdiction (属于公安管辖); if not, it is referred."""
    meets_case_threshold: bool = attrs.field(default=False, validator=is_bool)
    """Meets the threshold for a formal case (达到立案标准); then it is escalated."""
    complex: bool = attrs.field(default=False, validator=is_bool)
    """Complex (疑难复杂): needs joint mediation and, in Yongji, the three visits."""
    note: str = attrs.field(default="", validator=is_prose)


@quick_init
@attrs.frozen(kw_only=True)
class Grading:
    """A policy's grading answer: the grade, the rule that fired, the route, and why."""

    grade: str = attrs.field(validator=non_empty)
    rule: str = attrs.field(validator=non_empty)
    route: Route = attrs.field(converter=_one_route)
    reason: str = attrs.field(default="", validator=is_prose)
    flags: frozenset[str] = attrs.field(default=frozenset(), converter=_flags)
    """Markers a policy's rule attached (``"focus_area"``, ``"joint_mediation"`` …)."""


@quick_init
@attrs.frozen(kw_only=True)
class GradePayload:
    """The assessment the officer gave and the grading the policy derived from it."""

    assessment: Assessment
    grading: Grading


@quick_init
@attrs.frozen(kw_only=True)
class RegradePayload:
    """A new grading of a graded dispute; ``manual`` when the officer asked for the grade."""

    assessment: Assessment
    grading: Grading
    manual: bool = attrs.field(default=False, validator=is_bool)


@quick_init
@attrs.frozen(kw_only=True)
class MediatePayload:
    """Mediation begins (启动调解) with one or more forces; two or more make it joint (联调联处)."""

    forces: tuple[MediationForce, ...] = attrs.field(default=(), converter=_sorted_mediationforce)
    mediator: str = attrs.field(default="", validator=is_text)
    documents: tuple[DossierItem, ...] = _documents()
    note: str = attrs.field(default="", validator=is_prose)

    @property
    def joint(self) -> bool:
        """Joint mediation by several forces (联调联处)."""
        return len(self.forces) >= 2


@quick_init
@attrs.frozen(kw_only=True)
class ReferPayload:
    """A hand-over to the responsible department (移交), with the papers that go with it."""

    department: Department | None = attrs.field(default=None, converter=_opt_department)
    reason: str = attrs.field(default="", validator=is_prose)
    documents: tuple[DossierItem, ...] = _documents()


@quick_init
@attrs.frozen(kw_only=True)
class EscalatePayload:
    """The dispute becomes a formal administrative or criminal case (转为案件)."""

    case_kind: CaseKind | None = attrs.field(default=None, converter=_opt_casekind)
    reason: str = attrs.field(default="", validator=is_prose)
    case_number: str = attrs.field(default="", validator=is_text)


@quick_init
@attrs.frozen(kw_only=True)
class ResolvePayload:
    """The dispute is settled (化解) and goes to follow-up."""

    outcome: Outcome = attrs.field(default=Outcome.AGREEMENT, converter=_one_outcome)
    summary: str = attrs.field(default="", validator=is_prose)
    reported_by: Department | None = attrs.field(default=None, converter=_opt_department_reported_by)
    """For a referred dispute: the department that reported the result."""
    documents: tuple[DossierItem, ...] = _documents()


@quick_init
@attrs.frozen(kw_only=True)
class ReopenPayload:
    """A relapse in follow-up sends the dispute back to mediation."""

    reason: str = attrs.field(default="", validator=is_prose)
    risk_factors: frozenset[RiskFactor] = attrs.field(default=frozenset(), converter=_set_riskfactor)
    """New risk factors seen in the relapse; they join the dispute's risk factors."""


@quick_init
@attrs.frozen(kw_only=True)
class ClosePayload:
    """The dispute is closed (销号)."""

    summary: str = attrs.field(default="", validator=is_prose)


@quick_init
@attrs.frozen(kw_only=True)
class MergePayload:
    """A duplicate is folded into another dispute (重复警情合并)."""

    into: str = attrs.field(validator=identifier)
    reason: str = attrs.field(default="", validator=is_prose)


@quick_init
@attrs.frozen(kw_only=True)
class AssignPayload:
    """A person is made responsible in a role."""

    person: str = attrs.field(validator=non_empty)
    role: Role = attrs.field(converter=_one_role)


@quick_init
@attrs.frozen(kw_only=True)
class LinkAlertPayload:
    """Another alert about the same dispute (重复警情)."""

    alert: Alert = attrs.field(validator=_alert)


@quick_init
@attrs.frozen(kw_only=True)
class AttemptPayload:
    """One mediation attempt and its outcome."""

    outcome: Outcome = attrs.field(converter=_one_outcome)
    forces: tuple[MediationForce, ...] = attrs.field(default=(), converter=_sorted_mediationforce)
    summary: str = attrs.field(default="", validator=is_prose)


@quick_init
@attrs.frozen(kw_only=True)
class VisitPayload:
    """A follow-up visit (回访): phone, on-site or public return visit."""

    kind: VisitKind = attrs.field(converter=_one_visitkind)
    holding: bool = attrs.field(default=True, validator=is_bool)
    """Whether the settlement still holds; ``False`` is a relapse."""
    finding: str = attrs.field(default="", validator=is_prose)


def _item(_instance: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, DossierItem):
        raise ValidationError(f"expected a DossierItem, got {quote(value)}", attribute.name)


canonical(_item, "isinstance({v}, DossierItem)", DossierItem=DossierItem)


@quick_init
@attrs.frozen(kw_only=True)
class AttachPayload:
    """A document, evidence item or publicity record filed in the dossier."""

    item: DossierItem = attrs.field(validator=_item)


@quick_init
@attrs.frozen(kw_only=True)
class NotePayload:
    """A free-text note."""

    text: str = attrs.field(validator=non_empty_prose)


@quick_init
@attrs.frozen(kw_only=True)
class TransitionPayload:
    """A trigger a policy added to the graph; ``target`` is the state it led to."""

    trigger: str = attrs.field(validator=non_empty)
    target: str = attrs.field(validator=non_empty)
    note: str = attrs.field(default="", validator=is_prose)
    documents: tuple[DossierItem, ...] = _documents()
