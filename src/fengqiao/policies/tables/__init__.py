"""Grading and routing as data: decision tables a region can change without writing code (API; policies use it).

A :class:`DecisionTable` is an ordered list of :class:`Rule` s. Each rule has a
:class:`Condition` over the facts of a dispute (category, channel, risk factors, number of
alerts and parties, the officer's assessment) and an outcome (grade, route, flags). The
*hit policy* says which rule wins when several match:

- ``first``: the first matching rule in table order;
- ``priority``: the matching rule with the highest ``priority`` (rules of equal priority
  must not overlap);
- ``unique``: at most one rule may ever match.

Tables are checked when built, exhaustively and symbolically: the input space is split
into cells in which every rule is decided, so the checks are exact, not sampled. A table
raises :class:`~fengqiao.errors.PolicyDefinitionError` naming the rules when two rules
overlap under ``unique`` (or at equal priority), when a rule can never fire (its condition
is impossible, or earlier rules take all its cases), or when some input matches no rule
(the message shows such an input).

>>> from fengqiao.domain.terms import RiskFactor
>>> table = DecisionTable(
...     name="demo",
...     grades=("high", "low"),
...     rules=(
...         Rule(id="high.weapon", grade="high", when=Condition(any_factors={RiskFactor.WEAPON})),
...         Rule(id="low.other", grade="low"),
...     ),
... )
>>> table.decide(Facts(risk_factors=frozenset({RiskFactor.WEAPON}))).rule.id
'high.weapon'
>>> print(table.explain(Facts()))
demo: rule low.other fired (always)
  high.weapon: no — none of weapon

Tables load from TOML with :meth:`DecisionTable.from_toml` (see the policies docs for the
format).

**What a table looks at is a parameter**, its :class:`Schema`: the input dimensions, the
facts class that answers them, the condition class whose fields test them, and how facts are
read from a subject. Dispute tables use :data:`DISPUTES` (the default); another kind of case
declares its own from the dimension kinds here (:class:`OneOf`, :class:`Factors`,
:class:`Count`, :class:`Flags`, :class:`FactorSet`) with :func:`declared`, and passes
``schema=`` to :class:`DecisionTable` (or to :meth:`DecisionTable.from_toml`). Matching,
``explain()``, loading and the verifier work the same for every schema.
"""

from fengqiao.policies.tables._dimensions import Count, Dimension, Factors, Flags, OneOf
from fengqiao.policies.tables._factor_sets import FactorSet
from fengqiao.policies.tables._model import DISPUTES, Condition, Explanation, Facts, HitPolicy, Match, Rule
from fengqiao.policies.tables._schema import BaseCondition, BaseFacts, Schema, declared
from fengqiao.policies.tables._table import DecisionTable

__all__ = [
    "DISPUTES",
    "BaseCondition",
    "BaseFacts",
    "Condition",
    "Count",
    "DecisionTable",
    "Dimension",
    "Explanation",
    "FactorSet",
    "Factors",
    "Facts",
    "Flags",
    "HitPolicy",
    "Match",
    "OneOf",
    "Rule",
    "Schema",
    "declared",
]
