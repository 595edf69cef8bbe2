"""Dossier items (卷宗材料): documents, evidence and publicity kept with a dispute.

Yongji keeps two volumes for every dispute below the case threshold: the **A volume** (A卷,
the process: source, evidence, the "两书一函" hand-over papers, follow-up records, result)
and the **B volume** (B卷, the people: parties and households, the "一标三实" registration,
publicity delivered). Each :class:`DossierKind` belongs to one :class:`DossierSection`, and
each section to a volume, so any policy can ask what a dispute's dossier still lacks.
"""

from __future__ import annotations

import attrs

from fengqiao.domain._checks import canonical, is_text, quick_init
from fengqiao.domain.vocabulary import Vocabulary

__all__ = ["DossierItem", "DossierKind", "DossierSection", "Volume"]


class Volume(Vocabulary):
    """A dossier volume."""

    A = "a", "A卷（过程卷）", "A volume (the process)"
    B = "b", "B卷（人员卷）", "B volume (the people)"
    OTHER = "other", "其他材料", "other papers"


class DossierSection(Vocabulary):
    """A section of a dossier volume."""

    SOURCE = "source", "纠纷来源", "source"
    EVIDENCE = "evidence", "证据材料", "evidence"
    HANDOVER = "handover", "两书一函", "hand-over papers"
    FOLLOW_UP = "follow_up", "回访记录", "follow-up records"
    RESULT = "result", "化解结果", "result"
    PARTIES = "parties", "当事人及家庭情况", "parties and households"
    REGISTRATION = "registration", "一标三实信息", "standard address and real population, housing, units"
    PUBLICITY = "publicity", "宣传教育", "publicity delivered"
    SUPERVISION = "supervision", "督办与评查", "supervision and review"
    OTHER = "other", "其他", "other"

    @property
    def volume(self) -> Volume:
        """The volume this section belongs to."""
        return _SECTION_VOLUME[self]


_SECTION_VOLUME = {
    DossierSection.SOURCE: Volume.A,
    DossierSection.EVIDENCE: Volume.A,
    DossierSection.HANDOVER: Volume.A,
    DossierSection.FOLLOW_UP: Volume.A,
    DossierSection.RESULT: Volume.A,
    DossierSection.PARTIES: Volume.B,
    DossierSection.REGISTRATION: Volume.B,
    DossierSection.PUBLICITY: Volume.B,
    DossierSection.SUPERVISION: Volume.OTHER,
    DossierSection.OTHER: Volume.OTHER,
}


class DossierKind(Vocabulary):
    """What a dossier item is. ``.section`` says where it is filed."""

    ALERT_RECORD = "alert_record", "警情记录", "alert record"
    INVESTIGATION_RECORD = "investigation_record", "调查笔录", "investigation record"
    INQUIRY_RECORD = "inquiry_record", "询问笔录", "inquiry record"
    MEDIATION_PHOTO = "mediation_photo", "调解照片", "mediation photos"
    MEDIATION_VIDEO = "mediation_video", "调解视频", "mediation video"
    PROPERTY_PROOF = "property_proof", "房产证明", "property proof"
    HOMESTEAD_PROOF = "homestead_proof", "宅基地证明", "homestead proof"
    BOUNDARY_PROOF = "boundary_proof", "地界证明", "boundary proof"
    RIVERBANK_PROOF = "riverbank_proof", "河滩地证明", "riverbank proof"
    SEARCH_RECORD = "search_record", "查人找物记录", "record of the people and property found"
    POLICE_MEDIATION_NOTICE = "police_mediation_notice", "公调对接通知单", "police-mediation docking notice"
    JOINT_HANDLING_NOTICE = "joint_handling_notice", "联调联处通知单", "joint-handling notice"
    MEDIATION_ENTRUSTMENT = "mediation_entrustment", "委托调解函", "letter entrusting mediation"
    FOLLOW_UP_RECORD = "follow_up_record", "回访记录", "follow-up record"
    PERFORMANCE_RECORD = "performance_record", "协议履行记录", "record of the agreement performed"
    MEDIATION_AGREEMENT = "mediation_agreement", "调解协议书", "mediation agreement"
    RESULT_REPORT = "result_report", "处理结果", "result report"
    COURT_CONFIRMATION = "court_confirmation", "司法确认书", "court confirmation"
    PARTY_INFO = "party_info", "当事人信息", "party information"
    HOUSEHOLD_INFO = "household_info", "家庭成员情况", "household information"
    STANDARD_ADDRESS = "standard_address", "标准地址", "standard address"
    REAL_POPULATION = "real_population", "实有人口", "real population"
    REAL_HOUSING = "real_housing", "实有房屋", "real housing"
    REAL_UNITS = "real_units", "实有单位", "real units"
    ANTI_FRAUD = "anti_fraud", "反诈宣传", "anti-fraud publicity"
    ANTI_DRUG = "anti_drug", "禁毒宣传", "anti-drug publicity"
    TRICYCLE_PASSENGERS = (
        "tricycle_passengers",
        "三轮车电动车不载人宣传",
        "no passengers on tricycles and e-bikes",
    )
    HELMET_SEATBELT = "helmet_seatbelt", "一盔一带宣传", "helmet and seat belt publicity"
    SAFETY_REMINDER = "safety_reminder", "安全提示函", "safety-reminder letter"
    SUPERVISION_NOTICE = "supervision_notice", "挂牌督办通知", "named-supervision notice"
    REVIEW_FINDING = "review_finding", "执法评查意见", "review finding"
    CORRECTION_RECORD = "correction_record", "整改记录", "correction record"
    COMMITTEE_REPORT = "committee_report", "上报属地政法部门材料", "report to the local political-legal departments"
    CASE_DISCUSSION = "case_discussion", "一案一议记录", "case discussion record"
    CARRY_OVER_STATEMENT = "carry_over_statement", "结转说明", "carry-over statement"
    LEGAL_EDUCATION = "legal_education", "典型案例教育记录", "legal-education record (typical cases)"
    SETTLEMENT_RECORD = "settlement_record", "赔偿结算记录", "compensation settlement record"
    SITE_SURVEY = "site_survey", "现场勘查记录（事实与责任）", "on-site survey record (facts and liability)"
    OTHER = "other", "其他材料", "other"

    @property
    def section(self) -> DossierSection:
        """The section this kind of item is filed under."""
        return _KIND_SECTION[self]


_S = DossierSection
_K = DossierKind
_KIND_SECTION: dict[DossierKind, DossierSection] = {
    _K.ALERT_RECORD: _S.SOURCE,
    **dict.fromkeys(
        (
            _K.INVESTIGATION_RECORD,
            _K.INQUIRY_RECORD,
            _K.MEDIATION_PHOTO,
            _K.MEDIATION_VIDEO,
            _K.PROPERTY_PROOF,
            _K.HOMESTEAD_PROOF,
            _K.BOUNDARY_PROOF,
            _K.RIVERBANK_PROOF,
            _K.SEARCH_RECORD,
            _K.SITE_SURVEY,
        ),
        _S.EVIDENCE,
    ),
    **dict.fromkeys((_K.POLICE_MEDIATION_NOTICE, _K.JOINT_HANDLING_NOTICE, _K.MEDIATION_ENTRUSTMENT), _S.HANDOVER),
    **dict.fromkeys((_K.FOLLOW_UP_RECORD, _K.PERFORMANCE_RECORD), _S.FOLLOW_UP),
    **dict.fromkeys((_K.MEDIATION_AGREEMENT, _K.RESULT_REPORT, _K.COURT_CONFIRMATION, _K.SETTLEMENT_RECORD), _S.RESULT),
    **dict.fromkeys((_K.PARTY_INFO, _K.HOUSEHOLD_INFO), _S.PARTIES),
    **dict.fromkeys((_K.STANDARD_ADDRESS, _K.REAL_POPULATION, _K.REAL_HOUSING, _K.REAL_UNITS), _S.REGISTRATION),
    **dict.fromkeys(
        (
            _K.ANTI_FRAUD,
            _K.ANTI_DRUG,
            _K.TRICYCLE_PASSENGERS,
            _K.HELMET_SEATBELT,
            _K.SAFETY_REMINDER,
            _K.LEGAL_EDUCATION,
        ),
        _S.PUBLICITY,
    ),
    **dict.fromkeys(
        (
            _K.SUPERVISION_NOTICE,
            _K.REVIEW_FINDING,
            _K.CORRECTION_RECORD,
            _K.COMMITTEE_REPORT,
            _K.CASE_DISCUSSION,
            _K.CARRY_OVER_STATEMENT,
        ),
        _S.SUPERVISION,
    ),
    _K.OTHER: _S.OTHER,
}
HANDOVER_PAPERS = frozenset(k for k, s in _KIND_SECTION.items() if s is _S.HANDOVER)
"""The "两书一函" hand-over papers."""


def _one_dossierkind(value: DossierKind | str) -> DossierKind:
    return DossierKind.parse(value, "kind")


canonical(_one_dossierkind, "type({v}) is DossierKind", DossierKind=DossierKind)


@quick_init
@attrs.frozen
class DossierItem:
    """One item in a dispute's dossier: its kind, a title and a reference (file number, URI …)."""

    kind: DossierKind = attrs.field(converter=_one_dossierkind)
    title: str = attrs.field(default="", validator=is_text)
    reference: str = attrs.field(default="", validator=is_text)

    @property
    def section(self) -> DossierSection:
        """The section this item is filed under."""
        return self.kind.section
