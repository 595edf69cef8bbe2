"""The ``Yongji54333`` policy class: grading, routing, joint mediation, the three visits, A/B dossier.

See the package docstring for the mechanism; every threshold is a constructor argument.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, time, timedelta
from functools import cache
from importlib import resources
from typing import ClassVar

import attrs

from fengqiao.domain.actor import OFFICER_ROLES, Role
from fengqiao.domain.dossier import HANDOVER_PAPERS, DossierKind, DossierSection
from fengqiao.domain.party import Alert, Party
from fengqiao.domain.terms import Category, Channel, MediationForce, Outcome, VisitKind
from fengqiao.domain.vocabulary import Lang
from fengqiao.errors import PolicyDefinitionError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Escalated, Event, MediationStarted, Referred, Resolved
from fengqiao.lifecycle.payloads import Assessment, Grading
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import State, Trigger, TriggerId
from fengqiao.policies.base import BasePolicy, Deadline, DossierRequirement
from fengqiao.policies.baseline import DEFAULT_PERMISSIONS
from fengqiao.policies.tables import DecisionTable
from fengqiao.policies.yongji_54333.dossier import AB_SECTIONS, ab_requirements
from fengqiao.policies.yongji_54333.duplicates import DEFAULT_DUPLICATE_WINDOW, find_duplicate
from fengqiao.policies.yongji_54333.figures import count_disputes, screening_queue

__all__ = [
    "FOCUS_AREAS",
    "FOUR_FORCES",
    "N_CHANNELS",
    "THREE_PLATFORMS",
    "THREE_VISITS",
    "Yongji54333",
    "default_grading_table",
]

FOCUS_AREAS = frozenset({Category.MARRIAGE_FAMILY, Category.EMOTIONAL, Category.NEIGHBOUR, Category.DEBT})
"""The four focus areas of active screening: marriage 婚姻, emotional relationships 情感, neighbours 邻里, debt 债务."""

THREE_PLATFORMS = frozenset({Channel.ALARM_110, Channel.LEGAL_SUPERVISION, Channel.ONLINE_OPINION})
"""The "3" of "3+N": 110 dispatch, the legal-supervision platform, the online-opinion platform."""

N_CHANNELS = frozenset(
    {
        Channel.PUBLIC_SENTIMENT,
        Channel.CYBERSPACE_OFFICE,
        Channel.GRID_WORKER,
        Channel.HOTLINE_12345,
        Channel.HOTLINE_12389,
        Channel.TIP_OFF,
        Channel.ON_SITE,
    }
)
"""The "N" of "3+N" the report names: public sentiment, cyberspace office, grid workers, 12345,
12389, tip-offs, on-site reports."""

FOUR_FORCES = frozenset(
    {
        MediationForce.VILLAGE_GRID,
        MediationForce.TOWNSHIP_PEOPLES,
        MediationForce.POLICE_OFFICE,
        MediationForce.JUDICIAL_PROFESSIONAL,
    }
)
"""The four mediating forces of front-end prevention (村网格、镇人民、警务室民警、司法专职调解)."""

THREE_VISITS = frozenset(VisitKind)
"""The "三访": phone follow-up, on-site visit, public return visit."""

_BARRED_WORDS = {
    Trigger.MEDIATE: ("调解", "mediated"),
    Trigger.REFER: ("移交", "referred"),
    Trigger.RESOLVE: ("按调解化解办结", "resolved by mediation"),
    Trigger.CLOSE: ("作为纠纷销号", "closed as a dispute"),
}


@cache
def default_grading_table() -> DecisionTable:
    """The grading table shipped with fengqiao (``policies/data/yongji_54333.toml``)."""
    text = resources.files("fengqiao.policies").joinpath("data/yongji_54333.toml").read_text(encoding="utf-8")
    return DecisionTable.from_toml(text)


def _labels(members: Iterable[VisitKind | MediationForce], lang: Lang) -> str:
    """The members' labels in declaration order (phone, on-site, public return …)."""
    order = {m: i for i, m in enumerate((*VisitKind, *MediationForce))}
    return ("、" if lang == "zh" else ", ").join(m.label(lang) for m in sorted(members, key=order.__getitem__))


def _positive(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise PolicyDefinitionError(f"yongji-54333: {attribute.name} must be at least 1, got {value}")


def _not_negative(_instance: object, attribute: attrs.Attribute[timedelta], value: timedelta) -> None:
    if value < timedelta(0):
        raise PolicyDefinitionError(f"yongji-54333: {attribute.name} must not be negative, got {value}")


@attrs.frozen
class Yongji54333(BasePolicy):
    """Yongji "54333" (永济市公安局, Shanxi, 2024); every threshold is a constructor argument.

    Args:
        grading_table: the graded early-warning table; the shipped TOML by default.
        focus_areas: the four focus areas (flagged ``focus_area``, counted in the metrics).
        three_platforms: the "3" channels (flag ``three_platforms``).
        n_channels: the named "N" channels (flag ``n_channel``).
        forces: the mediating forces police business must be mediated by (one at least).
        joint_min_forces: forces a joint mediation (联调联处) needs; 2.
        complex_visits: the visits a complex dispute needs since resolution (the three visits).
        simple_visits: how many visits a simple dispute needs since resolution; 1.
        referral_days: calendar days a department has to report its result, counted from the
            day after the referral and ending at midnight (Beijing time); 30.
        duplicate_window: how far apart two alerts of one dispute may be; 7 days (the weekly
            review, 局党委周研判).
        ab_sections: the A/B dossier sections every dispute below the threshold must fill.
        on_the_spot: when set, a simple dispute settled on the spot — agreed at its first
            mediation attempt and resolved within this long of its discovery, never referred —
            is recorded on the alert alone and needs no A/B dossier (the reading that makes
            Puzhou's figures, 376 resolved and 162 dossiers, agree); ``None`` (the default):
            every dispute below the threshold gets one, as the Yongji report says.
        rate_decimals: decimals of the reported resolution rate; 1 (95.1%).
        permissions: actions open to more than the officer roles (baseline's by default).
        officer_roles: the roles that may do every other action.
    """

    name: ClassVar[str] = "yongji-54333"

    grading_table: DecisionTable = attrs.field(factory=default_grading_table)
    grades: tuple[str, ...] = attrs.field(
        init=False, default=attrs.Factory(lambda self: self.grading_table.grades, takes_self=True)
    )
    focus_areas: frozenset[Category] = FOCUS_AREAS
    three_platforms: frozenset[Channel] = THREE_PLATFORMS
    n_channels: frozenset[Channel] = N_CHANNELS
    forces: frozenset[MediationForce] = FOUR_FORCES
    joint_min_forces: int = attrs.field(default=2, validator=_positive)
    complex_visits: frozenset[VisitKind] = THREE_VISITS
    simple_visits: int = attrs.field(default=1, validator=_positive)
    referral_days: int = attrs.field(default=30, validator=_positive)
    duplicate_window: timedelta = attrs.field(default=DEFAULT_DUPLICATE_WINDOW, validator=_not_negative)
    ab_sections: frozenset[DossierSection] = AB_SECTIONS
    on_the_spot: timedelta | None = attrs.field(default=None, validator=attrs.validators.optional(_not_negative))
    rate_decimals: int = 1
    permissions: Mapping[str, frozenset[Role]] = attrs.field(factory=lambda: dict(DEFAULT_PERMISSIONS))
    officer_roles: frozenset[Role] = OFFICER_ROLES

    # -- grading -------------------------------------------------------------------------
    def grade(self, dispute: Dispute, assessment: Assessment, at: datetime) -> Grading:
        """Grade by the table, then flag focus area, 3+N source, repeated alerts and joint mediation."""
        grading = super().grade(dispute, assessment, at)
        flags = set(grading.flags)
        if dispute.category in self.focus_areas:
            flags.add("focus_area")
        if dispute.channel in self.three_platforms:
            flags.add("three_platforms")
        elif dispute.channel in self.n_channels:
            flags.add("n_channel")
        if len(dispute.alerts) >= 2:
            flags.add("repeated_alerts")
        if assessment.complex and assessment.police_business and not assessment.meets_case_threshold:
            flags.add("joint_mediation")
        return attrs.evolve(grading, flags=frozenset(flags))

    def required_roles(self, action: TriggerId) -> frozenset[Role] | None:
        """Officer roles for everything; grid workers also for what ``permissions`` opens."""
        return self.permissions.get(action, self.officer_roles)

    # -- refusals ------------------------------------------------------------------------
    def preconditions(self, dispute: Dispute, trigger: TriggerId, at: datetime) -> Iterable[Refusal]:
        """Routing by the assessment, and the conditions of ``close``."""
        a = dispute.assessment
        if a is not None and a.meets_case_threshold:
            if trigger in _BARRED_WORDS:
                zh, en = _BARRED_WORDS[Trigger(trigger)]
                yield Refusal(
                    f"yongji.{trigger}.case-threshold-met",
                    f"该纠纷已达到立案标准，只能转为案件办理，不能{zh}",
                    f"the dispute meets the threshold for a formal case: it may only be escalated, not {en}",
                )
            return
        if a is not None and trigger == Trigger.MEDIATE and not a.police_business:
            yield Refusal(
                "yongji.mediate.not-police-business",
                "该纠纷不属于公安管辖，应附“两书一函”移交责任部门并跟踪督办",
                "the dispute is not police business: refer it to the responsible department with its papers",
            )
        if a is not None and trigger == Trigger.REFER and a.police_business and not _mediation_failed(dispute):
            yield Refusal(
                "yongji.refer.police-business",
                "属于公安管辖的纠纷先由四支调解力量调解；调解不成或改判为非公安管辖后方可移交",
                "police business is mediated by the four mediating forces first: refer it only after a "
                "mediation attempt failed, or regrade it as not police business",
            )
        if trigger == Trigger.CLOSE:
            yield from self._visit_refusals(dispute)
            for req in self.dossier_requirements(dispute):
                if not req.met_by(dispute):
                    suffix = req.code.removeprefix("yongji.dossier.")
                    yield Refusal(
                        f"yongji.close.dossier-missing.{suffix}",
                        f"A/B卷不完整：{req.zh}，不能销号",
                        f"the A/B dossier is incomplete: {req.en}; close refused",
                    )

    def _visit_refusals(self, dispute: Dispute) -> Iterator[Refusal]:
        visits = dispute.visits_since_resolution
        if dispute.complex:
            missing = self.complex_visits - {v.kind for v in visits}
            if missing:
                yield Refusal(
                    "yongji.close.three-visits-missing",
                    f"疑难复杂纠纷销号前须完成“三访”（{_labels(self.complex_visits, 'zh')}），"
                    f"尚缺：{_labels(missing, 'zh')}",
                    f"a complex dispute needs the three visits ({_labels(self.complex_visits, 'en')}) since it "
                    f"was resolved before closing; missing: {_labels(missing, 'en')}",
                )
        elif len(visits) < self.simple_visits:
            yield Refusal(
                "yongji.close.no-visit",
                f"纠纷化解后须至少回访{self.simple_visits}次方可销号",
                f"close needs at least {self.simple_visits} follow-up visit(s) since the dispute was resolved",
            )
        if visits and not visits[-1].holding:
            yield Refusal(
                "yongji.close.relapse",
                "最近一次回访发现纠纷反复，须重新调解后方可销号",
                "the last follow-up visit found a relapse: reopen and mediate before closing",
            )

    def refusals(self, dispute: Dispute, event: Event) -> Iterable[Refusal]:
        """The forces and papers of ``mediate`` and ``refer``; who reports a referral's result."""
        if isinstance(event, MediationStarted):
            yield from self._mediation_refusals(dispute, event)
        elif isinstance(event, Referred):
            if event.payload.department is None:
                yield Refusal(
                    "yongji.refer.department-missing",
                    "移交须指明接收的责任部门",
                    "refer needs the responsible department the dispute is handed to",
                )
            if not any(doc.kind in HANDOVER_PAPERS for doc in event.payload.documents):
                yield Refusal(
                    "yongji.refer.handover-paper-missing",
                    "移交须随附“两书一函”之一（公调对接通知单、联调联处通知单或委托调解函）",
                    "refer needs one of the hand-over papers attached (police-mediation docking notice, "
                    "joint-handling notice or letter entrusting mediation)",
                )
        elif isinstance(event, Resolved) and dispute.state == State.REFERRED:
            referral = dispute.referral
            reported = event.payload.reported_by
            if reported is None:
                yield Refusal(
                    "yongji.resolve.result-not-reported",
                    "已移交的纠纷须由接收部门反馈处理结果后方可化解办结，请注明反馈部门",
                    "a referred dispute is resolved when the receiving department reports a result: "
                    "name it in reported_by",
                )
            elif referral is not None and reported != referral.department:
                yield Refusal(
                    "yongji.resolve.wrong-department",
                    f"反馈结果的部门（{reported.label('zh')}）不是接收移交的部门（{referral.department.label('zh')}）",
                    f"the result was reported by {reported.label('en')}, but the dispute was referred to "
                    f"{referral.department.label('en')}",
                )
        elif isinstance(event, Escalated):
            threshold = dispute.assessment is not None and dispute.assessment.meets_case_threshold
            if not threshold and not event.payload.reason.strip():
                yield Refusal(
                    "yongji.escalate.no-grounds",
                    "未研判达到立案标准，转为案件须说明理由",
                    "escalate needs the case threshold assessed as met, or a stated reason",
                )

    def _mediation_refusals(self, dispute: Dispute, event: MediationStarted) -> Iterator[Refusal]:
        forces = event.payload.forces
        if not self.forces.intersection(forces):
            yield Refusal(
                "yongji.mediate.force-missing",
                f"调解须由四支调解力量之一承担（{_labels(self.forces, 'zh')}）",
                f"mediation needs one of the mediating forces ({_labels(self.forces, 'en')})",
            )
        if dispute.complex:
            if len(forces) < self.joint_min_forces:
                yield Refusal(
                    "yongji.mediate.joint-forces-missing",
                    f"疑难复杂纠纷须联调联处，至少{self.joint_min_forces}支调解力量参与",
                    f"a complex dispute needs joint mediation by at least {self.joint_min_forces} forces",
                )
            if not any(doc.kind is DossierKind.JOINT_HANDLING_NOTICE for doc in event.payload.documents):
                yield Refusal(
                    "yongji.mediate.joint-notice-missing",
                    "疑难复杂纠纷联调联处须随附联调联处通知单",
                    "joint mediation of a complex dispute needs the joint-handling notice attached",
                )

    # -- deadlines, dossier, figures -------------------------------------------------------
    def deadlines(self, dispute: Dispute) -> Iterable[Deadline]:
        """Each referral: the department reports its result within ``referral_days`` calendar days."""
        pending: Referred | None = None
        for event in dispute.history:
            if isinstance(event, Referred):
                pending = event
            elif pending is not None and isinstance(event, Resolved | Escalated):
                yield self._referral_deadline(pending, event.at)
                pending = None
        if pending is not None:
            yield self._referral_deadline(pending, None)

    def _referral_deadline(self, referred: Referred, met_at: datetime | None) -> Deadline:
        day = referred.at.astimezone(self.timezone).date() + timedelta(days=self.referral_days + 1)
        due = datetime.combine(day, time.min, tzinfo=self.timezone)
        dept = referred.payload.department
        zh = dept.label("zh") if dept else "责任部门"
        en = dept.label("en") if dept else "the responsible department"
        return Deadline(
            "yongji.refer.result-due",
            f"移交{zh}后{self.referral_days}日内须反馈处理结果（跟踪督办）",
            f"{en} must report its result within {self.referral_days} days of the referral",
            due,
            met_at,
        )

    def dossier_requirements(self, dispute: Dispute) -> Iterable[DossierRequirement]:
        """The A/B dossier of a graded dispute below the case threshold (see ``dossier``).

        None for a dispute settled on the spot when ``on_the_spot`` is set.
        """
        if self.settled_on_the_spot(dispute):
            return ()
        return ab_requirements(dispute, self.ab_sections, joint_min_forces=self.joint_min_forces)

    def settled_on_the_spot(self, dispute: Dispute) -> bool:
        """Whether ``dispute`` was settled on the spot (当场化解), as ``on_the_spot`` defines it.

        Always ``False`` when ``on_the_spot`` is ``None``.
        """
        window = self.on_the_spot
        return (
            window is not None
            and dispute.resolved_at is not None
            and dispute.referral is None
            and not dispute.complex
            and len(dispute.attempts) == 1
            and dispute.resolved_at - dispute.discovered_at <= window
        )

    def metrics(self, disputes: Iterable[Dispute]) -> Mapping[str, float]:
        """Screened, resolved, handed over, resolution rate as Yongji reports it, and more.

        See :func:`fengqiao.policies.yongji_54333.figures.count_disputes`; ``ab_dossiers`` adds the
        disputes below the threshold whose A/B dossier is required and complete, and
        ``on_the_spot`` those settled on the spot (see ``on_the_spot``).
        """
        materialised = tuple(disputes)
        figures = count_disputes(
            materialised,
            focus_areas=self.focus_areas,
            three_platforms=self.three_platforms,
            n_channels=self.n_channels,
            decimals=self.rate_decimals,
        )
        ab = spot = 0
        for d in materialised:
            if d.assessment is None or d.assessment.meets_case_threshold or d.state is State.MERGED:
                continue
            if self.settled_on_the_spot(d):
                spot += 1
            elif all(r.met_by(d) for r in self.dossier_requirements(d)):
                ab += 1
        figures["ab_dossiers"] = ab
        figures["on_the_spot"] = spot
        return figures

    # -- work lists ------------------------------------------------------------------------
    def find_duplicate(
        self, candidates: Iterable[Dispute], *, alert: Alert, parties: Iterable[Party] = ()
    ) -> Dispute | None:
        """The open dispute ``alert`` repeats, within ``duplicate_window`` (see ``duplicates``)."""
        return find_duplicate(candidates, alert=alert, parties=parties, window=self.duplicate_window)

    def screening_queue(self, disputes: Iterable[Dispute]) -> Sequence[Dispute]:
        """Disputes waiting to be graded, the focus areas first (see ``figures``)."""
        return screening_queue(disputes, focus_areas=self.focus_areas)


def _mediation_failed(dispute: Dispute) -> bool:
    """Mediating, and the last attempt did not reach agreement."""
    if dispute.state != State.MEDIATING or not dispute.attempts:
        return False
    return dispute.attempts[-1].outcome is not Outcome.AGREEMENT
