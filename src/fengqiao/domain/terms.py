"""The terms of dispute mediation: the built-in vocabularies (categories, channels, risk factors …).

Each is a :class:`~fengqiao.domain.vocabulary.Vocabulary` (the base, with its zh/en labels,
lives in ``vocabulary.py``), with stable values.

Where the press reports (see the domain notes) name a list, it is followed; where they are
vague, the list here is the library's documented default. Categories cover Yongji's four
focus areas and Huaiyang's ten major-dispute categories; channels cover Yongji's "3+N"
platforms and the other ways a dispute reaches a station.
"""

from __future__ import annotations

from fengqiao.domain.vocabulary import Vocabulary

__all__ = [
    "CaseKind",
    "Category",
    "Channel",
    "Department",
    "JointKind",
    "MediationForce",
    "MediationKind",
    "Outcome",
    "PartyKind",
    "PartyRole",
    "RiskFactor",
    "Route",
    "VisitKind",
]


class Category(Vocabulary):
    """What a dispute is about (纠纷类别)."""

    MARRIAGE_FAMILY = "marriage_family", "婚姻家庭纠纷", "marriage and family"
    EMOTIONAL = "emotional", "情感纠纷", "emotional relationship"
    NEIGHBOUR = "neighbour", "邻里纠纷", "neighbours"
    DEBT = "debt", "债务纠纷", "debt"
    LAND_CONTRACT = "land_contract", "土地承包纠纷", "land contracting"
    ELDER_SUPPORT = "elder_support", "赡养纠纷", "elder support"
    PRIVATE_LOAN = "private_loan", "小额民间借贷纠纷", "small private loan"
    TRADE = "trade", "行业纠纷", "sector (trade) dispute"
    INJURY_COMPENSATION = (
        "injury_compensation",
        "人身损害及财产损害赔偿纠纷",
        ("personal injury and property compensation"),
    )
    WAGE_ARREARS = "wage_arrears", "欠薪纠纷", "unpaid wages"
    BOUNDARY_DRAINAGE = "boundary_drainage", "宅基地、地界及排水纠纷", "boundary and drainage"
    FOREST_LAND = "forest_land", "山林土地纠纷", "forest and land ownership"
    PROPERTY_MANAGEMENT = "property_management", "物业纠纷", "property management"
    TRAFFIC = "traffic", "交通事故纠纷", "traffic accident"
    CONSUMER = "consumer", "消费纠纷", "consumer"
    OTHER = "other", "其他纠纷", "other"


class Channel(Vocabulary):
    """How a dispute reached the system (来源渠道)."""

    ALARM_110 = "alarm_110", "110接处警", "110 emergency call"
    LEGAL_SUPERVISION = "legal_supervision", "法制监督平台", "legal-supervision platform"
    ONLINE_OPINION = "online_opinion", "网络舆情平台", "online-opinion platform"
    PUBLIC_SENTIMENT = "public_sentiment", "社情民意", "public sentiment"
    CYBERSPACE_OFFICE = "cyberspace_office", "网信办", "cyberspace office"
    GRID_WORKER = "grid_worker", "网格员", "grid worker"
    HOTLINE_12345 = "hotline_12345", "12345政务服务热线", "12345 government hotline"
    HOTLINE_12389 = "hotline_12389", "12389举报热线", "12389 discipline hotline"
    TIP_OFF = "tip_off", "群众举报", "tip-off"
    ON_SITE = "on_site", "现场发现", "on-site report"
    SECURITY_INFORMANT = "security_informant", "治安信息员", "security informant"
    HOUSE_VISIT = "house_visit", "社区民警走访", "community officer's house visit"
    COURT_PRE_FILING = "court_pre_filing", "法院诉前移交（警法联调）", "court pre-filing referral"
    FILED_SUIT = "filed_suit", "法院已立案的诉讼", "a suit filed in court"
    WALK_IN = "walk_in", "群众来访", "walk-in"

    @property
    def is_core_platform(self) -> bool:
        """One of Yongji's three core platforms (110, legal supervision, online opinion)."""
        return self in _CORE_PLATFORMS


_CORE_PLATFORMS = frozenset({Channel.ALARM_110, Channel.LEGAL_SUPERVISION, Channel.ONLINE_OPINION})


class Department(Vocabulary):
    """A department a dispute is handed to (责任部门), or a dispute-resolution centre (矛调中心).

    The last four are Yuncheng's four levels of dispute-resolution centre (市县乡村四级"矛调中心"),
    to which the police hand disputes under the police–mediation docking (警调对接).
    """

    JUSTICE_OFFICE = "justice_office", "司法所", "justice office"
    COURT = "court", "人民法院", "court"
    CIVIL_AFFAIRS = "civil_affairs", "民政部门", "civil affairs"
    WOMENS_FEDERATION = "womens_federation", "妇联", "women's federation"
    LABOUR_INSPECTION = "labour_inspection", "人社部门（劳动监察）", "labour inspection"
    MARKET_REGULATION = "market_regulation", "市场监管部门", "market regulation"
    PETITIONS_OFFICE = "petitions_office", "信访部门", "petitions office"
    TOWNSHIP_GOVERNMENT = "township_government", "乡镇政府", "township government"
    POLITICAL_LEGAL_COMMITTEE = "political_legal_committee", "政法委", "political-legal committee"
    NATURAL_RESOURCES = "natural_resources", "自然资源部门", "natural resources"
    AGRICULTURE = "agriculture", "农业农村部门", "agriculture and rural affairs"
    HOUSING = "housing", "住建部门", "housing and construction"
    VILLAGE_COMMITTEE = "village_committee", "村（居）委会", "village or residents' committee"
    CITY_CENTRE = "city_centre", "市级矛调中心", "city dispute-resolution centre"
    COUNTY_CENTRE = "county_centre", "县级矛调中心", "county dispute-resolution centre"
    TOWNSHIP_CENTRE = "township_centre", "乡镇矛调中心", "township dispute-resolution centre"
    VILLAGE_CENTRE = "village_centre", "村级矛调中心", "village dispute-resolution centre"

    @property
    def is_centre(self) -> bool:
        """One of the four levels of dispute-resolution centre (矛调中心)."""
        return self in _CENTRES


_CENTRES = frozenset(
    {Department.CITY_CENTRE, Department.COUNTY_CENTRE, Department.TOWNSHIP_CENTRE, Department.VILLAGE_CENTRE}
)


class MediationForce(Vocabulary):
    """Who mediates (调解力量). The first four are Yongji's four mediating forces.

    Yuncheng adds the people's mediators stationed in police stations (民调入所) and the retired
    officers and retired judges who run the stations' branded mediation rooms.
    """

    VILLAGE_GRID = "village_grid", "村网格调解", "village grid mediation"
    TOWNSHIP_PEOPLES = "township_peoples", "镇人民调解", "township people's mediation"
    POLICE_OFFICE = "police_office", "警务室民警调解", "police office mediation"
    JUDICIAL_PROFESSIONAL = "judicial_professional", "司法专职调解", "professional judicial mediation"
    COURT = "court", "法院调解", "court mediation"
    LAWYER = "lawyer", "值班律师调解", "lawyer on duty"
    BEINONG = "beinong", "“贝侬”调解", "Beinong mediators (kin and elders)"
    AGRICULTURE = "agriculture", "农业农村部门", "agriculture and rural affairs bureau"
    STATIONED_MEDIATOR = "stationed_mediator", "驻所人民调解员调解", "people's mediator stationed in the police station"
    RETIRED_OFFICER = "retired_officer", "退休民警调解", "retired police officer"
    RETIRED_JUDGE = "retired_judge", "退休法官调解", "retired judge"


class JointKind(Vocabulary):
    """A kind of joint mediation of public-order disputes (治安纠纷) in a police station (Yuncheng).

    Each is the station's police (``MediationForce.POLICE_OFFICE``) mediating together with a
    partner, named by :attr:`force`.
    """

    COURT_STATION = "court_station", "庭所对接", "court-station docking"
    MEDIATORS_IN_STATION = "mediators_in_station", "民调入所", "people's mediators in the station"
    LAWYERS_IN_STATION = "lawyers_in_station", "律师进所", "lawyers in the station"

    @property
    def force(self) -> MediationForce:
        """The partner who mediates with the station's police: the court, a stationed mediator, a lawyer."""
        return _JOINT_PARTNER[self]


_JOINT_PARTNER = {
    JointKind.COURT_STATION: MediationForce.COURT,
    JointKind.MEDIATORS_IN_STATION: MediationForce.STATIONED_MEDIATOR,
    JointKind.LAWYERS_IN_STATION: MediationForce.LAWYER,
}


class MediationKind(Vocabulary):
    """The three kinds of mediation a dispute-resolution centre links (三调衔接)."""

    ADMINISTRATIVE = "administrative", "行政调解", "administrative mediation"
    PEOPLES = "peoples", "人民调解", "people's mediation"
    JUDICIAL = "judicial", "司法调解", "judicial mediation"


class VisitKind(Vocabulary):
    """A follow-up visit (回访). Yongji's "三访" is one of each."""

    PHONE = "phone", "电话回访", "phone follow-up"
    ON_SITE = "on_site", "实地走访", "on-site visit"
    PUBLIC_RETURN = "public_return", "群众回访", "public return visit"


class RiskFactor(Vocabulary):
    """A finding that raises a dispute's risk (风险因素)."""

    THREAT = "threat", "扬言报复或威胁", "threats"
    WEAPON = "weapon", "持械或涉及凶器", "weapons"
    VIOLENCE = "violence", "已发生肢体冲突", "physical violence"
    MISSING_PARTY = "missing_party", "当事人失联", "a party gone missing"
    GROUP = "group", "群体性", "group involvement"
    VULNERABLE_PARTY = "vulnerable_party", "涉及老幼病残孕等弱势人员", "vulnerable parties"
    MENTAL_ILLNESS = "mental_illness", "精神障碍", "mental illness"
    EXTREME_EMOTION = "extreme_emotion", "情绪激动或极端言行", "extreme emotion"
    SELF_HARM = "self_harm", "自伤自杀倾向", "self-harm risk"
    REPEATED_ALERTS = "repeated_alerts", "重复警情", "repeated alerts"
    LONG_STANDING = "long_standing", "积怨已久", "long-standing grievance"
    ALCOHOL = "alcohol", "酗酒", "alcohol abuse"
    DRUGS = "drugs", "涉毒", "drug use"
    PRIOR_RECORD = "prior_record", "有违法犯罪前科", "prior record"
    LARGE_SUM = "large_sum", "涉及金额较大", "large sum involved"
    HARDSHIP = "hardship", "生活困难", "hardship"
    PETITION = "petition", "越级上访风险", "petition risk"
    PUBLIC_OPINION = "public_opinion", "舆情风险", "public-opinion risk"


class Route(Vocabulary):
    """Where grading sends a dispute (分流)."""

    MEDIATE = "mediate", "调解", "mediate"
    REFER = "refer", "移交责任部门", "refer to the responsible department"
    ESCALATE = "escalate", "转为案件办理", "escalate to a formal case"


class Outcome(Vocabulary):
    """The outcome of a mediation attempt."""

    AGREEMENT = "agreement", "达成协议", "agreement"
    PARTIAL = "partial", "部分达成", "partial agreement"
    FAILED = "failed", "调解不成", "failed"


class CaseKind(Vocabulary):
    """The kind of formal case an escalated dispute becomes."""

    ADMINISTRATIVE = "administrative", "行政案件", "administrative case"
    CRIMINAL = "criminal", "刑事案件", "criminal case"


class PartyKind(Vocabulary):
    """Whether a party is a person or an organisation."""

    PERSON = "person", "自然人", "person"
    ORGANISATION = "organisation", "单位", "organisation"


class PartyRole(Vocabulary):
    """A party's role in the dispute."""

    PARTY = "party", "当事人", "party"
    COMPLAINANT = "complainant", "报警人或申请人", "complainant"
    RESPONDENT = "respondent", "被反映人", "respondent"
    RELATIVE = "relative", "亲属", "relative"
    WITNESS = "witness", "证人", "witness"
    THIRD_PARTY = "third_party", "第三方", "third party"
