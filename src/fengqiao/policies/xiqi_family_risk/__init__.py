"""``xiqi-family-risk``: Xiqi township's household risk work — the factors and assessment as data, and the policy.

Xiqi township (西歧乡, Yongshun county, Xiangxi, Hunan) tracks households, not disputes
("摸排 + 评估 + 化解"). Each watched household (重点关注家庭) is assessed against the
prefecture's **14 risk factors** into one or more of **three kinds of work** (dispute
mediation 矛盾纠纷化解, key-person control 重点人员管控, hardship help 困难家庭帮扶) and one of
**three risk classes**. This package holds the factors and the assessment as data, and the
policy :class:`XiqiFamilyRisk` (who may assess, management, hardship referrals, deadlines,
the recurring reports), registered as ``xiqi-family-risk`` for ``HouseholdWorkflow``.

**The reading, and the defaults chosen where the report is silent** (all data, in
``policies/data/xiqi_family_risk.toml``; a region loads its own with
:meth:`AssessmentTable.from_toml`):

- The report names 14 factors but does not list them. The default :func:`default_catalogue`
  is :class:`~fengqiao.domain.household.HouseholdFactor`'s 14, drawn from the report's
  examples (mental illness, a dispute, a violence threat, hardship from illness or disaster)
  and the kinds of household such measures watch; each carries zh/en labels, a line of
  description and the kinds of work it usually calls for. A policy adds its own factors
  (``extra_factors=``; codes are ASCII lower-case words joined by underscores).
- The report gives the counts (class I 5, class II 23, class III 185 of 257 watched; 213
  classed) but not the rules. Class I is read as the highest (the rarest). The default
  table, first match wins, top to bottom:

  - class I, ``xiqi.I.threat-and-volatile``: a threat of violence together with mental
    illness, drugs, alcohol or gambling, domestic violence or a released prisoner;
  - class I, ``xiqi.I.several-severe``: three or more of violence threat, domestic
    violence, mental illness, drugs;
  - class II, ``xiqi.II.violence``: a threat of violence, or domestic violence;
  - class II, ``xiqi.II.key-person-in-dispute``: a dispute together with a key person
    (mental illness, drugs, alcohol or gambling, released prisoner, community correction)
    — 彭某某's case;
  - class II, ``xiqi.II.many-factors``: three or more factors of any kind;
  - class III, ``xiqi.III.watched``: every other watched household.

  No rule asks for a factor's absence and the classes run from I down, so **adding a factor
  never lowers the class** (a property test holds the default to it).
- **Kinds of work** are those the household's factors usually call for (the catalogue's
  ``work``) together with the winning rule's ``flags`` (class I and the violence rules add
  key-person control; a key person in a dispute, dispute mediation and key-person control).
  A household with no factor gets class III and no kind of work. (The report's 44 watched
  households outside the 213 classed are not assessed at all; that is the lifecycle's
  business, not the table's.)
- The table is verified when loaded, like the dispute grading tables: a gap, an overlap under
  ``unique`` (or at equal priority) or a rule that can never fire is refused, naming the rules
  (:class:`~fengqiao.errors.PolicyDefinitionError`); a rule naming a factor the catalogue does
  not have, or a flag that is not a kind of work, is refused with a
  :class:`~fengqiao.errors.ValidationError` whose path names the rule's field.

The worked example: 彭某某, intermittently mentally ill, quarrels with his neighbour over the
drainage ditch — two factors; the monthly political-legal meeting assesses class II, and a
包联 plan follows.

>>> a = assess(["mental_illness", "dispute"])
>>> a.risk_class.label("zh"), [k.label("zh") for k in sorted(a.work)]
('二类', ['矛盾纠纷化解', '重点人员管控'])
>>> print(a.explain("en").splitlines()[1])
factors (2): a member with mental illness, an unresolved dispute
>>> print(a.explain("zh").splitlines()[2])
工作类别：矛盾纠纷化解、重点人员管控
"""

from fengqiao.policies.xiqi_family_risk.assessment import (
    CLASSES,
    AssessmentTable,
    RiskAssessment,
    assess,
    default_assessment_table,
)
from fengqiao.policies.xiqi_family_risk.catalogue import Factor, FactorCatalogue, default_catalogue, factor_id
from fengqiao.policies.xiqi_family_risk.policy import XiqiFamilyRisk
from fengqiao.policies.xiqi_family_risk.schema import HOUSEHOLDS, HouseholdCondition, HouseholdFacts, factors_of

__all__ = [
    "CLASSES",
    "HOUSEHOLDS",
    "AssessmentTable",
    "Factor",
    "FactorCatalogue",
    "HouseholdCondition",
    "HouseholdFacts",
    "RiskAssessment",
    "XiqiFamilyRisk",
    "assess",
    "default_assessment_table",
    "default_catalogue",
    "factor_id",
    "factors_of",
]
