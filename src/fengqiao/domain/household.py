"""The vocabularies of household risk work (家庭风险摸排、评估、化解), as Xiqi township does it.

Xiqi (西歧乡, Yongshun county, Xiangxi) tracks households, not disputes: every household is
screened, risky ones are watched, assessed against the prefecture's **14 risk factors** into
one or more of **three kinds of work** and one of **three risk classes**, and managed by named
cadres (包联) with a plan and a dedicated team until the risk is gone.

The report names the 14 factors without listing them. :class:`HouseholdFactor` is the
documented default, drawn from the report's own examples (mental illness, a dispute, a
violence threat, hardship from illness or disaster) and from the kinds of household the
prefecture's published practice watches (people under community correction, released
prisoners, drug users, domestic violence, left-behind members …). A policy may add factors of
its own (plain text, like a state a policy adds): see ``fengqiao.policies.xiqi_family_risk``.

>>> HouseholdFactor.MENTAL_ILLNESS.label("zh"), RiskClass.II.label("en")
('精神障碍患者', 'class II')
"""

from __future__ import annotations

from fengqiao.domain.vocabulary import Vocabulary

__all__ = ["FactorId", "HelpDepartment", "HouseholdFactor", "RiskClass", "WorkKind"]


class HouseholdFactor(Vocabulary):
    """One of the 14 risk factors a watched household is assessed against (风险因素), by default."""

    MENTAL_ILLNESS = "mental_illness", "精神障碍患者", "a member with mental illness"
    DISPUTE = "dispute", "矛盾纠纷未化解", "an unresolved dispute"
    VIOLENCE_THREAT = "violence_threat", "扬言实施暴力或报复", "a threat of violence or revenge"
    DOMESTIC_VIOLENCE = "domestic_violence", "家庭暴力", "domestic violence"
    MARRIAGE_CRISIS = "marriage_crisis", "婚姻家庭危机", "a marriage or family crisis"
    ILLNESS_HARDSHIP = "illness_hardship", "因病致困", "hardship from illness"
    DISASTER_HARDSHIP = "disaster_hardship", "因灾致困", "hardship from a disaster"
    DISABILITY = "disability", "残疾或失能", "disability"
    LEFT_BEHIND = "left_behind", "留守或独居", "members left behind or living alone"
    COMMUNITY_CORRECTION = "community_correction", "社区矫正对象", "a member under community correction"
    RELEASED_PRISONER = "released_prisoner", "刑满释放人员", "a released prisoner"
    DRUG_USER = "drug_user", "吸毒人员", "a drug user"
    ALCOHOL_GAMBLING = "alcohol_gambling", "酗酒或赌博", "alcohol or gambling"
    PETITION = "petition", "重复或越级信访", "repeated or bypassing petitions"


FactorId = HouseholdFactor | str
"""A household risk factor: a built-in :class:`HouseholdFactor`, or one a policy's catalogue adds."""


class WorkKind(Vocabulary):
    """The three kinds of work an assessment puts a household in (工作类别); a household may need several."""

    DISPUTE_MEDIATION = "dispute_mediation", "矛盾纠纷化解", "dispute mediation"
    KEY_PERSON_CONTROL = "key_person_control", "重点人员管控", "key-person control"
    HARDSHIP_HELP = "hardship_help", "困难家庭帮扶", "hardship help"


class RiskClass(Vocabulary):
    """The three risk classes (风险等级). Class I is the highest (the report's rarest: 5 of 213)."""

    I = "I", "一类", "class I"  # noqa: E741 - the class's own name
    II = "II", "二类", "class II"
    III = "III", "三类", "class III"


class HelpDepartment(Vocabulary):
    """The departments hardship help is referred to, which must report in (中心吹哨、部门报到)."""

    CIVIL_AFFAIRS = "civil_affairs", "民政", "civil affairs"
    DISABLED_FEDERATION = "disabled_federation", "残联", "disabled persons' federation"
    MEDICAL_INSURANCE = "medical_insurance", "医保", "medical insurance"
    WOMENS_FEDERATION = "womens_federation", "妇联", "women's federation"
