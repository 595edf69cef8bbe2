"""What the officer hands in with each command: forces, departments, papers.

The payloads start plain and grow with what the officer has *learned* (the last part of a
refusal code it met, such as ``"joint-notice-missing"``): a lesson adds a paper or a force to
every later payload where it applies.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Mapping
from typing import Any

from fengqiao.domain.dossier import DossierItem, DossierKind
from fengqiao.domain.terms import Category, Channel, Department, MediationForce, Outcome
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.policies.base import DossierRequirement
from fengqiao.simulation.plan import Chooser

__all__ = [
    "DEPARTMENTS",
    "Payload",
    "attempt_payload",
    "correction_payload",
    "gap_payload",
    "mediate_payload",
    "refer_payload",
    "resolve_payload",
]

Payload = Callable[[Dispute], dict[str, Any]]
"""Builds a command's keyword payload from the dispute as it stands at that try."""

DEPARTMENTS: Mapping[Category, Department] = {
    Category.MARRIAGE_FAMILY: Department.WOMENS_FEDERATION,
    Category.EMOTIONAL: Department.WOMENS_FEDERATION,
    Category.NEIGHBOUR: Department.VILLAGE_COMMITTEE,
    Category.DEBT: Department.COURT,
    Category.LAND_CONTRACT: Department.AGRICULTURE,
    Category.ELDER_SUPPORT: Department.CIVIL_AFFAIRS,
    Category.PRIVATE_LOAN: Department.COURT,
    Category.TRADE: Department.MARKET_REGULATION,
    Category.INJURY_COMPENSATION: Department.JUSTICE_OFFICE,
    Category.WAGE_ARREARS: Department.LABOUR_INSPECTION,
    Category.BOUNDARY_DRAINAGE: Department.NATURAL_RESOURCES,
    Category.PROPERTY_MANAGEMENT: Department.HOUSING,
    Category.TRAFFIC: Department.JUSTICE_OFFICE,
    Category.CONSUMER: Department.MARKET_REGULATION,
    Category.OTHER: Department.TOWNSHIP_GOVERNMENT,
}
"""Where a dispute that is not police business is handed over, by category."""

_FOUR_FORCES = (
    MediationForce.POLICE_OFFICE,
    MediationForce.VILLAGE_GRID,
    MediationForce.TOWNSHIP_PEOPLES,
    MediationForce.JUDICIAL_PROFESSIONAL,
)
_JOINING_FORCES = _FOUR_FORCES[1:]
"""Who joins the police office in mediating a complex dispute."""
_SIMPLE_FORCE = Chooser(tuple(zip(_FOUR_FORCES, (5, 2, 2, 1), strict=True)))
"""The one force of a simple dispute; draws as ``rng.choices(_FOUR_FORCES, weights=(5, 2, 2, 1))[0]``
would, without adding the weights up again at every draw."""

_CITY_PARTNER: Mapping[Category, MediationForce] = {
    **dict.fromkeys(
        (Category.DEBT, Category.PRIVATE_LOAN, Category.LAND_CONTRACT, Category.FOREST_LAND), MediationForce.COURT
    ),
    **dict.fromkeys(
        (
            Category.INJURY_COMPENSATION,
            Category.TRAFFIC,
            Category.PROPERTY_MANAGEMENT,
            Category.CONSUMER,
            Category.TRADE,
            Category.WAGE_ARREARS,
        ),
        MediationForce.LAWYER,
    ),
}
"""Who joins the station in a joint mediation Yuncheng asks for (``joint-kind-missing``): the court for
debts, loans and land (庭所对接), a lawyer for compensation, contracts and wages (律师进所), and a
stationed people's mediator for the rest — family, neighbours, feelings (民调入所)."""

# The papers the officer files, built once: they are immutable, and every payload may share them.
_JOINT_NOTICE = DossierItem(kind=DossierKind.JOINT_HANDLING_NOTICE, title="联调联处通知单")
_HANDOVER_NOTICE = DossierItem(kind=DossierKind.POLICE_MEDIATION_NOTICE, title="公调对接通知单")
_COMMITTEE_REPORT = DossierItem(kind=DossierKind.COMMITTEE_REPORT, title="报政法委材料")
_AGREEMENT = DossierItem(kind=DossierKind.MEDIATION_AGREEMENT, title="调解协议书")
_CORRECTION_RECORD = DossierItem(kind=DossierKind.CORRECTION_RECORD, title="执法评查意见整改记录")


def mediate_payload(d: Dispute, rng: random.Random, learned: Collection[str], mediator: str) -> dict[str, Any]:
    """One of the four forces for a simple dispute; the police office and one or two more for a complex one.

    A complex dispute also gets the partner of a joint kind once the officer has learned it
    (``joint-kind-missing``: the court, a lawyer or a stationed mediator, by category).
    """
    if d.complex:
        forces = {MediationForce.POLICE_OFFICE, *rng.sample(_JOINING_FORCES, rng.randint(1, 2))}
    else:
        forces = {_SIMPLE_FORCE(rng)}
    if "force-missing" in learned:
        forces.add(MediationForce.POLICE_OFFICE)
    if "joint-forces-missing" in learned and d.complex and len(forces) < 2:
        forces.add(MediationForce.JUDICIAL_PROFESSIONAL)
    if "court-force-missing" in learned and d.channel is Channel.COURT_PRE_FILING:
        forces.add(MediationForce.COURT)
    if "joint-kind-missing" in learned and d.complex:
        forces |= {MediationForce.POLICE_OFFICE, _CITY_PARTNER.get(d.category, MediationForce.STATIONED_MEDIATOR)}
    documents = (_JOINT_NOTICE,) if "joint-notice-missing" in learned and (d.complex or len(forces) >= 2) else ()
    # Tuples, as the payload keeps them: a payload built from its own kind of values skips its converters.
    return {"forces": tuple(sorted(forces)), "documents": documents, "mediator": mediator.partition(":")[2]}


def refer_payload(d: Dispute, learned: Collection[str], reason: str) -> dict[str, Any]:
    """The department for the category, and the papers the officer has learned to send.

    Once it has learned that police business goes to a dispute-resolution centre
    (``centre-missing``, Yuncheng's 警调对接), such a dispute goes to the township's centre.
    """
    documents: tuple[DossierItem, ...] = ()
    if "handover-paper-missing" in learned:
        documents += (_HANDOVER_NOTICE,)
    if "committee-report-missing" in learned:
        documents += (_COMMITTEE_REPORT,)
    department = DEPARTMENTS[d.category]
    if "centre-missing" in learned and d.assessment is not None and d.assessment.police_business:
        department = Department.TOWNSHIP_CENTRE
    return {"department": department, "reason": reason, "documents": documents}


def resolve_payload(_d: Dispute) -> dict[str, Any]:
    """An agreement, with the signed agreement filed."""
    return {"outcome": Outcome.AGREEMENT, "summary": "达成调解协议", "documents": (_AGREEMENT,)}


def attempt_payload(outcome: Outcome) -> Payload:
    """One mediation attempt with ``outcome``, by the forces mediating."""
    return lambda d: {"outcome": outcome, "forces": d.forces}


def gap_payload(gap: DossierRequirement) -> Payload:
    """An ``attach`` that fills ``gap`` (with the first kind it accepts)."""
    kind = min(gap.kinds)
    item = DossierItem(kind=kind, title=kind.label("zh"))
    return lambda _d: {"item": item}


def correction_payload(_d: Dispute) -> dict[str, Any]:
    """A correction record for an uncorrected review finding (规范执法)."""
    return {"item": _CORRECTION_RECORD}
