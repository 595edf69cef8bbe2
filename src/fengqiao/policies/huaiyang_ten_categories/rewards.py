"""Informant rewards (治安信息员奖励): who reported a major dispute that ended resolved, and how much.

Huaiyang appointed 484 grid heads and 6,415 grid workers as security informants; one who
reports a major dispute that prevents a serious case earns 200–500 yuan. The reports give
the range, not the rule, so the library's default is:

- the dispute's **first** alert came from a security informant (``Channel.SECURITY_INFORMANT``);
- it belongs to one of the ten categories of major disputes;
- it **ended resolved without a case**: it was resolved (follow-up or closed, outcome not
  ``failed``) and never escalated to a formal case;
- the amount goes by the **most severe grade it ever held** — the danger the report helped
  avert: red 500, yellow 300, blue 200 yuan.

Everything is configurable through :class:`RewardRule`. The functions are pure; the committee
that pays is told, not the dispute changed. Over a ledger, :func:`rewards_over` (the policy's
``"rewards"`` report) selects the candidates and hands them to :func:`reward_report`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

import attrs

from fengqiao.domain._quote import quote
from fengqiao.domain.terms import Category, Channel, Outcome
from fengqiao.errors import PolicyDefinitionError, ValidationError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.states import State
from fengqiao.policies.huaiyang_ten_categories.trail import grade_path
from fengqiao.policies.reports import DisputeQuery

__all__ = [
    "DEFAULT_AMOUNTS",
    "TEN_CATEGORIES",
    "InformantReward",
    "RewardRule",
    "informant_reward",
    "reward_report",
    "rewards_over",
]

TEN_CATEGORIES = frozenset(
    {
        Category.MARRIAGE_FAMILY,
        Category.EMOTIONAL,
        Category.NEIGHBOUR,
        Category.LAND_CONTRACT,
        Category.ELDER_SUPPORT,
        Category.PRIVATE_LOAN,
        Category.TRADE,
        Category.INJURY_COMPENSATION,
        Category.WAGE_ARREARS,
        Category.BOUNDARY_DRAINAGE,
    }
)
"""Huaiyang's ten categories of major disputes (十类重大矛盾纠纷), as the library's default.

The report names the ten categories but never lists them. The default is the seven kinds
the court hands over before filing (family, land contract, neighbour, elder support, small
loans, 行业纠纷 sector disputes, injury), with emotional disputes, unpaid wages and
drainage/boundary quarrels, which the report's examples show.
"""

DEFAULT_AMOUNTS: Mapping[str, int] = MappingProxyType({"red": 500, "yellow": 300, "blue": 200})
"""Reward in yuan by the most severe grade a dispute held (the reports give 200–500 yuan)."""


def _amounts(value: Mapping[str, int]) -> Mapping[str, int]:
    amounts = dict(value)
    for grade, amount in amounts.items():
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise PolicyDefinitionError(
                f"reward for grade {quote(grade)} must be a positive number of yuan, not {quote(amount)}"
            )
    return MappingProxyType(amounts)


def _categories(values: Iterable[Category | str]) -> frozenset[Category]:
    return frozenset(Category.parse(v, "categories") for v in values)


def _channels(values: Iterable[Channel | str]) -> frozenset[Channel]:
    return frozenset(Channel.parse(v, "channels") for v in values)


def _is_bool(_instance: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, bool):
        raise PolicyDefinitionError(f"{attribute.name} must be true or false, not {quote(value)}")


@attrs.frozen
class RewardRule:
    """When an informant's report is reward-eligible, and for how much."""

    amounts: Mapping[str, int] = attrs.field(default=DEFAULT_AMOUNTS, converter=_amounts)
    """Yuan by grade; the most severe grade the dispute held that has an amount decides."""
    categories: frozenset[Category] = attrs.field(default=TEN_CATEGORIES, converter=_categories)
    """Only major disputes earn a reward."""
    channels: frozenset[Channel] = attrs.field(default=frozenset({Channel.SECURITY_INFORMANT}), converter=_channels)
    """The channels of the first alert that count as an informant's report."""
    require_closed: bool = attrs.field(default=False, validator=_is_bool)
    """``True``: only once the dispute is closed (不化解不销案), not as soon as it is resolved."""


@attrs.frozen
class InformantReward:
    """A dispute reported as reward-eligible: who reported it, the grade that sets the amount, how much."""

    dispute_id: str
    informant: str
    """The reporter of the first alert (may be empty if the alert did not name one)."""
    channel: Channel
    category: Category
    grade: str
    """The most severe grade the dispute held (among those ``RewardRule.amounts`` prices)."""
    amount: int
    """Yuan."""
    resolved_at: datetime


def informant_reward(dispute: Dispute, rule: RewardRule | None = None) -> InformantReward | None:
    """The reward ``dispute`` earns its informant under ``rule`` (the default rule if omitted), or ``None``."""
    rule = RewardRule() if rule is None else rule
    first = dispute.alerts[0]
    if first.channel not in rule.channels or dispute.category not in rule.categories:
        return None
    if dispute.escalation is not None or dispute.state not in (State.FOLLOW_UP, State.CLOSED):
        return None
    if dispute.resolved_at is None or dispute.outcome is Outcome.FAILED:
        return None
    if rule.require_closed and dispute.state is not State.CLOSED:
        return None
    priced = [(rule.amounts[g], g) for g in grade_path(dispute) if g in rule.amounts]
    if not priced:
        return None
    amount, grade = max(priced)
    return InformantReward(
        dispute_id=dispute.id,
        informant=first.reporter,
        channel=first.channel,
        category=dispute.category,
        grade=grade,
        amount=amount,
        resolved_at=dispute.resolved_at,
    )


def reward_report(disputes: Iterable[Dispute], rule: RewardRule | None = None) -> tuple[InformantReward, ...]:
    """Every reward-eligible dispute among ``disputes``, oldest resolution first, for the committee."""
    found = [r for d in disputes if (r := informant_reward(d, rule)) is not None]
    return tuple(sorted(found, key=lambda r: (r.resolved_at, r.dispute_id)))


def rewards_over(ledger: DisputeQuery, rule: RewardRule, *, policy: str) -> tuple[InformantReward, ...]:
    """:func:`reward_report` over ``ledger``'s disputes handled under ``policy`` that could be eligible.

    The candidates: first alert through one of the rule's channels, in its categories, now in
    follow-up or closed.

    Raises:
        ValidationError: ``rule`` is not a :class:`RewardRule` or ``policy`` not a name.
    """
    if not isinstance(rule, RewardRule):
        raise ValidationError(f"expected a RewardRule, got {type(rule).__name__}", "rule")
    if not isinstance(policy, str):
        raise ValidationError(f"expected a policy name, got {type(policy).__name__}", "policy")
    chosen = ledger.select(
        policy=policy, channel=rule.channels, category=rule.categories, state={State.FOLLOW_UP, State.CLOSED}
    )
    return reward_report(chosen, rule)
