"""The A/B dossier (A/B卷) every Yongji dispute below the case threshold keeps.

- **A volume** (A卷, the process): source 纠纷来源, evidence 证据材料, the "两书一函" hand-over
  papers, follow-up records 回访记录, result 化解结果.
- **B volume** (B卷, the people): parties and households 当事人及家庭情况, the "一标三实"
  registration (standard address; real population, housing, units), publicity delivered
  宣传教育 (anti-fraud, anti-drug, no passengers on tricycles, helmet and seat belt).

Which sections are required (the reports list the contents, not when each is needed, so
this is the library's documented default):

- every section above except the hand-over papers, for every graded dispute below the case
  threshold (configurable with ``ab_sections``); they are listed from grading on, so
  ``wf.dossier_gaps(d)`` always says what ``close`` still lacks;
- the hand-over papers only when the dispute was referred (any one of the three papers) or
  is mediated jointly (联调联处: then the joint-handling notice itself) — that is, mediated
  with two or more forces, or complex and police business (which Yongji mediates jointly);
- nothing for a dispute that meets the case threshold: it leaves mediation and is filed in
  the formal case's main and sub dossiers (正副卷).

A section is met by any item whose kind is filed under it (``DossierKind.section``).
"""

from __future__ import annotations

from collections.abc import Iterator

from fengqiao.domain.dossier import DossierKind, DossierSection
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import MediationStarted, Referred
from fengqiao.policies.base import DossierRequirement

__all__ = ["AB_SECTIONS", "ab_requirements", "mediated_jointly", "was_referred"]

_S = DossierSection
AB_SECTIONS = frozenset({_S.SOURCE, _S.EVIDENCE, _S.FOLLOW_UP, _S.RESULT, _S.PARTIES, _S.REGISTRATION, _S.PUBLICITY})
"""The sections every A/B dossier must fill (the hand-over papers are conditional)."""

_ORDER = (_S.SOURCE, _S.EVIDENCE, _S.HANDOVER, _S.FOLLOW_UP, _S.RESULT, _S.PARTIES, _S.REGISTRATION, _S.PUBLICITY)
_KINDS = {s: frozenset(k for k in DossierKind if k.section is s) for s in DossierSection}

_ZH = {
    _S.SOURCE: "纠纷来源（警情记录）",
    _S.EVIDENCE: "证据材料（调查询问笔录、调解照片视频、房产宅基地地界河滩地证明等）",
    _S.HANDOVER: "“两书一函”（公调对接通知单、联调联处通知单、委托调解函）",
    _S.FOLLOW_UP: "回访记录",
    _S.RESULT: "化解结果（调解协议书、处理结果或司法确认书）",
    _S.PARTIES: "当事人及家庭情况",
    _S.REGISTRATION: "“一标三实”信息（标准地址、实有人口、实有房屋、实有单位）",
    _S.PUBLICITY: "宣传教育记录（反诈、禁毒、三轮车电动车不载人、一盔一带）",
}
_EN = {
    _S.SOURCE: "the source (alert record)",
    _S.EVIDENCE: "evidence (investigation or inquiry records, mediation photos or video, property, "
    "homestead, boundary or riverbank proofs)",
    _S.HANDOVER: "the hand-over papers (police-mediation docking notice, joint-handling notice or "
    "letter entrusting mediation)",
    _S.FOLLOW_UP: "follow-up records",
    _S.RESULT: "the result (mediation agreement, result report or court confirmation)",
    _S.PARTIES: "the parties and their households",
    _S.REGISTRATION: 'the "one standard, three real" registration (standard address; real population, housing, units)',
    _S.PUBLICITY: "publicity delivered (anti-fraud, anti-drug, no passengers on tricycles, helmet and seat belt)",
}


def was_referred(dispute: Dispute) -> bool:
    """Whether the dispute was ever handed to a responsible department."""
    return any(isinstance(e, Referred) for e in dispute.history)


def mediated_jointly(dispute: Dispute, min_forces: int = 2) -> bool:
    """Whether any mediation of the dispute began with ``min_forces`` or more forces (联调联处)."""
    return any(isinstance(e, MediationStarted) and len(e.payload.forces) >= min_forces for e in dispute.history)


def _requirement(section: DossierSection, *, joint: bool = False) -> DossierRequirement:
    volume = section.volume.value.upper()
    if joint:
        return DossierRequirement(
            code="yongji.dossier.joint-notice",
            section=section,
            kinds=frozenset({DossierKind.JOINT_HANDLING_NOTICE}),
            zh=f"{volume}卷须附联调联处通知单",
            en=f"the {volume} volume needs the joint-handling notice of the joint mediation",
        )
    return DossierRequirement(
        code=f"yongji.dossier.{section.value.replace('_', '-')}",
        section=section,
        kinds=_KINDS[section],
        zh=f"{volume}卷须有{_ZH[section]}",
        en=f"the {volume} volume needs {_EN[section]}",
    )


def ab_requirements(
    dispute: Dispute, sections: frozenset[DossierSection] = AB_SECTIONS, *, joint_min_forces: int = 2
) -> Iterator[DossierRequirement]:
    """The A/B dossier requirements of ``dispute``, in volume order (see the module docs)."""
    a = dispute.assessment
    if a is None or a.meets_case_threshold:
        return
    joint = mediated_jointly(dispute, joint_min_forces) or (a.complex and a.police_business)
    for section in _ORDER:
        if section is _S.HANDOVER:
            if section in sections or was_referred(dispute):
                yield _requirement(section)
            if joint:
                yield _requirement(section, joint=True)
        elif section in sections:
            yield _requirement(section)
