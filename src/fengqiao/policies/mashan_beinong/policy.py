"""The ``MashanBeinong`` policy class: levels, 贝侬 routing, parallel work, linkage and judicial confirmation.

See the package docstring for the mechanism; every choice the report leaves open is a
constructor argument.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import ClassVar

import attrs

from fengqiao.domain.actor import OFFICER_ROLES, Role
from fengqiao.domain.dossier import DossierKind, DossierSection
from fengqiao.domain.terms import Category, Channel, MediationForce, Outcome, RiskFactor, Route
from fengqiao.errors import PolicyDefinitionError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Assigned, Event, Graded, MediationStarted, Regraded, Transitioned
from fengqiao.lifecycle.graph import GraphExtension
from fengqiao.lifecycle.payloads import Assessment
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import State, Trigger, TriggerId
from fengqiao.policies.base import BasePolicy, Deadline, DossierRequirement
from fengqiao.policies.mashan_beinong import levels as lv
from fengqiao.policies.mashan_beinong.figures import count_disputes
from fengqiao.policies.mashan_beinong.levels import Level, Trail, extension, read_trail
from fengqiao.policies.mashan_beinong.pool import (
    CLAN_CATEGORIES,
    PROFESSIONAL_CATEGORIES,
    SPECIAL_GROUP_FACTORS,
    MediatorPool,
    default_pool,
)
from fengqiao.policies.mashan_beinong.routing import mediator_refusals, need_of, officer_refusals, refusal
from fengqiao.policies.tables import DecisionTable

__all__ = ["DEFAULT_PERMISSIONS", "JOINT_SESSION_FORCES", "MashanBeinong", "default_grading_table"]

JOINT_SESSION_FORCES = frozenset(
    {
        MediationForce.COURT,
        MediationForce.POLICE_OFFICE,
        MediationForce.JUDICIAL_PROFESSIONAL,
        MediationForce.AGRICULTURE,
    }
)
"""Who sits at the centre's joint session (联席解纷): court, police, justice office, agriculture bureau."""

_COURT = frozenset({Role.COURT_OFFICER})
DEFAULT_PERMISSIONS: Mapping[str, frozenset[Role]] = {
    "discover": frozenset({Role.COURT_OFFICER, Role.MEDIATOR, Role.GRID_WORKER, *OFFICER_ROLES}),
    lv.CONFIRM: _COURT,
    lv.DECLINE_CONFIRMATION: _COURT,
    lv.WITHDRAW: _COURT,
}
"""Exceptions to ``acting_roles``: grid workers and the police find disputes too; only the court confirms."""

_ENDINGS = frozenset({Trigger.RESOLVE, lv.REQUEST_CONFIRMATION, lv.WITHDRAW, Trigger.CLOSE})
"""The triggers that end (or move to end) a dispute: a potentially major one needs the centre first."""


@cache
def default_grading_table() -> DecisionTable:
    """The grading table shipped with fengqiao (``policies/data/mashan_beinong.toml``)."""
    text = resources.files("fengqiao.policies").joinpath("data/mashan_beinong.toml").read_text(encoding="utf-8")
    return DecisionTable.from_toml(text)


def _positive(_instance: object, attribute: attrs.Attribute[timedelta], value: timedelta) -> None:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise PolicyDefinitionError(f"mashan-beinong: {attribute.name} must be a positive timedelta, got {value!r}")


def _days(delta: timedelta) -> str:
    return f"{delta / timedelta(days=1):g}"


@attrs.frozen
class MashanBeinong(BasePolicy):
    """Mashan county court's "贝侬" mediation + judicial confirmation (马山县人民法院, Guangxi).

    Args:
        grading_table: major / complex / ordinary; the shipped TOML by default.
        pool: the 贝侬 mediators and the court officers' villages (173 and 13 by default).
        professional_categories: disputes a professional 贝侬 mediates (forest and land).
        special_group_factors: risk factors that make a dispute one of a special group.
        clan_categories: family matters, which between members of one clan are clan disputes.
        joint_forces: who must sit at the centre's joint session on a potentially major dispute.
        report_within: how soon a potentially major dispute is reported to the centre; 1 day.
        apply_within: how long after the agreement the parties may apply for confirmation; 30 days.
        decide_within: how long the court has to decide an application; 15 days.
        find_before_mediation: mediation needs the 查人找物 record first; true.
        withdraw_needs_agreement: a suit is withdrawn only on a mediated agreement; true.
        permissions: actions open to other roles than ``acting_roles`` (or only to some).
        acting_roles: who may do every other action: court officers and 贝侬 mediators.
    """

    name: ClassVar[str] = "mashan-beinong"
    led_by: ClassVar[str] = "court"
    """Court-led: the simulation drives it with the court's agent, not a station's police officer."""

    grading_table: DecisionTable = attrs.field(factory=default_grading_table)
    grades: tuple[str, ...] = attrs.field(
        init=False, default=attrs.Factory(lambda self: self.grading_table.grades, takes_self=True)
    )
    pool: MediatorPool = attrs.field(factory=default_pool)
    professional_categories: frozenset[Category] = PROFESSIONAL_CATEGORIES
    special_group_factors: frozenset[RiskFactor] = SPECIAL_GROUP_FACTORS
    clan_categories: frozenset[Category] = CLAN_CATEGORIES
    joint_forces: frozenset[MediationForce] = JOINT_SESSION_FORCES
    report_within: timedelta = attrs.field(default=timedelta(days=1), validator=_positive)
    apply_within: timedelta = attrs.field(default=timedelta(days=30), validator=_positive)
    decide_within: timedelta = attrs.field(default=timedelta(days=15), validator=_positive)
    find_before_mediation: bool = True
    withdraw_needs_agreement: bool = True
    permissions: Mapping[str, frozenset[Role]] = attrs.field(factory=lambda: dict(DEFAULT_PERMISSIONS))
    acting_roles: frozenset[Role] = frozenset({Role.COURT_OFFICER, Role.MEDIATOR})

    # -- grading, graph, roles -----------------------------------------------------------
    def route(self, dispute: Dispute, assessment: Assessment) -> Route:
        """Court-led: every civil dispute below the case threshold is mediated (jurisdiction does not refer it)."""
        return Route.ESCALATE if assessment.meets_case_threshold else Route.MEDIATE

    def graph(self) -> GraphExtension:
        """Judicial confirmation, performance tracking, withdrawal and the two moves up a level."""
        return extension()

    def required_roles(self, action: TriggerId) -> frozenset[Role] | None:
        """Court officers and 贝侬 for everything; see ``permissions`` for the exceptions."""
        return self.permissions.get(action, self.acting_roles)

    def potentially_major(self, dispute: Dispute) -> bool:
        """Graded at the top grade and not a formal case: 潜在重大矛盾纠纷."""
        a = dispute.assessment
        return dispute.grade == self.grades[0] and a is not None and not a.meets_case_threshold

    def trail(self, dispute: Dispute) -> Trail:
        """``dispute``'s handling: level, reports, agreement, joint session, confirmation."""
        return read_trail(dispute, self.joint_forces)

    def _serious(self, dispute: Dispute) -> bool:
        return dispute.grade in self.grades[:2] or dispute.complex

    # -- refusals ------------------------------------------------------------------------
    def preconditions(self, dispute: Dispute, trigger: TriggerId, at: datetime) -> Iterable[Refusal]:
        """The moves up, the centre before the end, the agreement, the suit, the performance."""
        if trigger not in _GUARDED:
            return
        trail = self.trail(dispute)
        if trigger in _ENDINGS and self.potentially_major(dispute):
            yield from self._linkage(trigger, trail)
        if trigger == lv.REFER_TO_ROOM:
            yield from self._to_room(dispute, trail)
        elif trigger == lv.REPORT_TO_CENTRE:
            yield from self._to_centre(dispute, trail)
        elif trigger == lv.REQUEST_CONFIRMATION:
            yield from self._application(trail, at)
        elif trigger == lv.TRACK_PERFORMANCE and not (trail.mediators or dispute.assignees(Role.MEDIATOR)):
            yield refusal(
                trigger,
                "no-beinong",
                "须有“贝侬”调解员跟踪协议履行：请先指派",
                "a Beinong mediator sees the agreement performed: assign one first",
            )
        elif trigger == lv.WITHDRAW:
            yield from self._withdrawal(dispute, trail)
        elif trigger == Trigger.CLOSE and not self._performed(dispute):
            yield refusal(
                trigger,
                "not-performed",
                "协议履行情况未记录：“贝侬”跟踪履行协议后方可销号",
                "the agreement's performance is not on file: the Beinong sees it performed before closing",
            )

    @staticmethod
    def _performed(dispute: Dispute) -> bool:
        """A failed resolution needs no performance; a settled one its performance record."""
        return dispute.outcome is Outcome.FAILED or dispute.has_document(DossierKind.PERFORMANCE_RECORD)

    def _linkage(self, trigger: TriggerId, trail: Trail) -> Iterator[Refusal]:
        if trail.reported_at is None:
            yield refusal(
                trigger,
                "not-reported-to-centre",
                "潜在重大矛盾纠纷须上报县乡社会矛盾纠纷调处中心，联席解纷后方可了结",
                "a potentially major dispute must be reported to the dispute centre and settled in a joint session",
            )
        elif trail.joint_session_at is None:
            zh = "、".join(f.label("zh") for f in sorted(self.joint_forces))
            en = ", ".join(f.label("en") for f in sorted(self.joint_forces))
            yield refusal(
                trigger,
                "joint-session-missing",
                f"调处中心尚未召集联席解纷（须有{zh}参加的调解记录）",
                f"the centre has not held the joint session yet (an attempt there with {en})",
            )

    def _to_room(self, dispute: Dispute, trail: Trail) -> Iterator[Refusal]:
        if trail.level is not Level.STATION:
            yield refusal(
                lv.REFER_TO_ROOM,
                "already-higher",
                f"纠纷已在{trail.level.label('zh') if trail.level else '上级'}调处，不能再转“贝侬”调解室",
                "the dispute is already mediated above the village station",
            )
        elif not (trail.last_outcome is Outcome.FAILED or self._serious(dispute)):
            yield refusal(
                lv.REFER_TO_ROOM,
                "no-grounds",
                "转“贝侬”调解室须有理由：调处站调解不成、纠纷疑难复杂或潜在重大",
                "moving up to the Beinong room needs grounds: a failed attempt at the station, "
                "a complex dispute, or a potentially major one",
            )

    def _to_centre(self, dispute: Dispute, trail: Trail) -> Iterator[Refusal]:
        if trail.level is Level.CENTRE:
            yield refusal(
                lv.REPORT_TO_CENTRE, "already-reported", "纠纷已在调处中心调处", "the dispute is already at the centre"
            )
        elif not (
            self.potentially_major(dispute) or (trail.level is Level.ROOM and trail.last_outcome is Outcome.FAILED)
        ):
            yield refusal(
                lv.REPORT_TO_CENTRE,
                "no-grounds",
                "上报调处中心须有理由：潜在重大矛盾纠纷，或“贝侬”调解室调解不成",
                "reporting to the centre needs grounds: a potentially major dispute, or a failed attempt "
                "at the Beinong room",
            )

    def _application(self, trail: Trail, at: datetime) -> Iterator[Refusal]:
        if trail.agreement_at is None:
            yield refusal(
                lv.REQUEST_CONFIRMATION,
                "no-agreement",
                "尚未达成调解协议（最近一次调解须为达成协议），不能申请司法确认",
                "there is no agreement to confirm: the last mediation attempt must have reached agreement",
            )
        elif at - trail.agreement_at > self.apply_within:
            yield refusal(
                lv.REQUEST_CONFIRMATION,
                "too-late",
                f"须在调解协议生效之日起{_days(self.apply_within)}日内申请司法确认",
                f"confirmation must be applied for within {_days(self.apply_within)} days of the agreement",
            )

    def _withdrawal(self, dispute: Dispute, trail: Trail) -> Iterator[Refusal]:
        if dispute.channel is not Channel.FILED_SUIT:
            yield refusal(
                lv.WITHDRAW,
                "no-suit",
                "该纠纷未经起诉立案，无诉可撤",
                "the dispute did not come in as a suit filed in court: there is no suit to withdraw",
            )
        if self.withdraw_needs_agreement and trail.agreement_at is None:
            yield refusal(
                lv.WITHDRAW,
                "not-settled",
                "调解尚未达成协议，不能以撤诉结案",
                "the suit ends by withdrawal on a mediated agreement, and none has been reached",
            )

    def refusals(self, dispute: Dispute, event: Event) -> Iterable[Refusal]:
        """The 查人找物 record and the 贝侬 of ``mediate``; assignments; the papers of ``confirm``."""
        if isinstance(event, MediationStarted):
            yield from self._search(Trigger.MEDIATE, dispute, event.payload.documents)
            need = need_of(
                dispute,
                professional_categories=self.professional_categories,
                special_group_factors=self.special_group_factors,
                clan_categories=self.clan_categories,
            )
            yield from mediator_refusals(
                Trigger.MEDIATE, self.pool, event.payload.mediator, need, serious=self._serious(dispute)
            )
        elif isinstance(event, Assigned):
            yield from self._assignment(dispute, event)
        elif isinstance(event, Transitioned):
            trigger, docs = event.payload.trigger, event.payload.documents
            if trigger == lv.REPORT_TO_CENTRE and dispute.state is State.GRADED:
                yield from self._search(trigger, dispute, docs)
            elif trigger == lv.CONFIRM:
                yield from self._confirmation_papers(dispute, docs)
            elif trigger == lv.DECLINE_CONFIRMATION and not event.payload.note.strip():
                yield refusal(
                    trigger, "no-reason", "裁定不予确认须写明理由", "declining to confirm needs the reason in the note"
                )

    def _search(self, trigger: TriggerId, dispute: Dispute, docs: Iterable[object]) -> Iterator[Refusal]:
        kind = DossierKind.SEARCH_RECORD
        if self.find_before_mediation and not (
            dispute.has_document(kind) or any(getattr(d, "kind", None) is kind for d in docs)
        ):
            yield refusal(
                trigger,
                "people-and-property-not-found",
                "调解前须由“贝侬”查人找物，并归档查人找物记录",
                "before mediation the Beinong find the people and property: file the record of what was found",
            )

    def _assignment(self, dispute: Dispute, event: Assigned) -> Iterator[Refusal]:
        person, role = event.payload.person, event.payload.role
        if role is Role.COURT_OFFICER:
            yield from officer_refusals(Trigger.ASSIGN, self.pool, person, dispute.station)
        elif role is Role.MEDIATOR:
            need = need_of(
                dispute,
                professional_categories=self.professional_categories,
                special_group_factors=self.special_group_factors,
                clan_categories=self.clan_categories,
            )
            yield from mediator_refusals(Trigger.ASSIGN, self.pool, person, need, serious=self._serious(dispute))

    def _confirmation_papers(self, dispute: Dispute, docs: Iterable[object]) -> Iterator[Refusal]:
        kinds = {getattr(d, "kind", None) for d in docs}
        if not (dispute.has_document(DossierKind.MEDIATION_AGREEMENT) or DossierKind.MEDIATION_AGREEMENT in kinds):
            yield refusal(
                lv.CONFIRM,
                "no-signed-agreement",
                "未归档经双方签字的调解协议书，不能司法确认",
                "no signed mediation agreement is on file: the court cannot confirm it",
            )
        if not (dispute.has_document(DossierKind.COURT_CONFIRMATION) or DossierKind.COURT_CONFIRMATION in kinds):
            yield refusal(
                lv.CONFIRM,
                "ruling-missing",
                "司法确认须附法院的确认裁定书（司法确认书）",
                "confirmation needs the court's ruling (the confirmation document) attached",
            )

    # -- deadlines, dossier, figures -------------------------------------------------------
    def deadlines(self, dispute: Dispute) -> Iterable[Deadline]:
        """The report to the centre of a potentially major dispute; the court's decision on each application."""
        trail: Trail | None = None
        if self.potentially_major(dispute):
            trail = self.trail(dispute)
            since = _major_since(dispute, self.grades[0])
            yield Deadline(
                "mashan.report_to_centre.due",
                f"潜在重大矛盾纠纷须在研判后{_days(self.report_within)}日内上报调处中心",
                f"a potentially major dispute is reported to the centre within {_days(self.report_within)} "
                "day(s) of grading",
                since + self.report_within,
                trail.reported_at,
            )
        pending: datetime | None = None
        for e in dispute.history:
            if not isinstance(e, Transitioned):
                continue
            if e.payload.trigger == lv.REQUEST_CONFIRMATION:
                pending = e.at
            elif pending is not None and e.payload.trigger in (lv.CONFIRM, lv.DECLINE_CONFIRMATION):
                yield self._decision(pending, e.at)
                pending = None
        if pending is not None:
            yield self._decision(pending, None)

    def _decision(self, applied: datetime, decided: datetime | None) -> Deadline:
        days = _days(self.decide_within)
        return Deadline(
            "mashan.confirm.decision-due",
            f"法院须在受理司法确认申请后{days}日内作出是否确认的决定",
            f"the court decides an application for confirmation within {days} days",
            applied + self.decide_within,
            decided,
        )

    def dossier_requirements(self, dispute: Dispute) -> Iterable[DossierRequirement]:
        """The 查人找物 record; the signed agreement, the ruling and the performance record once due."""
        a = dispute.assessment
        if a is None or a.meets_case_threshold:
            return
        if self.find_before_mediation:
            yield _requirement(
                "search-record", DossierKind.SEARCH_RECORD, "查人找物记录", "the record of people and property found"
            )
        trail = self.trail(dispute)
        if trail.agreement_at is not None or trail.requested_at is not None:
            yield _requirement(
                "signed-agreement",
                DossierKind.MEDIATION_AGREEMENT,
                "双方签字的调解协议书",
                "the signed mediation agreement",
            )
        if trail.confirmed_at is not None:
            yield _requirement(
                "court-confirmation", DossierKind.COURT_CONFIRMATION, "司法确认书", "the court's confirmation ruling"
            )
        if trail.confirmed_at is not None or (
            dispute.resolved_at is not None and dispute.outcome is not Outcome.FAILED
        ):
            yield _requirement(
                "performance-record",
                DossierKind.PERFORMANCE_RECORD,
                "协议履行记录",
                "the record of the agreement performed",
            )

    def metrics(self, disputes: Iterable[Dispute]) -> Mapping[str, float]:
        """Screened, resolved (by level, confirmed, withdrawn), the mediation rate; see ``figures``."""
        return count_disputes(disputes, self.trail, major=self.potentially_major)


_GUARDED = frozenset({*_ENDINGS, lv.REFER_TO_ROOM, lv.REPORT_TO_CENTRE, lv.TRACK_PERFORMANCE})
"""The triggers :meth:`MashanBeinong.preconditions` looks at (the rest cost nothing)."""


def _requirement(code: str, kind: DossierKind, zh: str, en: str) -> DossierRequirement:
    section: DossierSection = kind.section
    return DossierRequirement(
        f"mashan.dossier.{code}", section, frozenset({kind}), f"须归档{zh}", f"{en} must be on file"
    )


def _major_since(dispute: Dispute, top: str) -> datetime:
    """When the dispute was last graded (or regraded) to ``top`` from below."""
    since, previous = dispute.updated_at, None
    for e in dispute.history:
        if isinstance(e, Graded | Regraded):
            grade = e.payload.grading.grade
            if grade == top and previous != top:
                since = e.at
            previous = grade
    return since
