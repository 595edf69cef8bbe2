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
"""

from fengqiao.policies.tables._model import Condition, Explanation, Facts, HitPolicy, Match, Rule
from fengqiao.policies.tables._table import DecisionTable

__all__ = ["Condition", "DecisionTable", "Explanation", "Facts", "HitPolicy", "Match", "Rule"]
