"""Mashan's figures as a pure function over disputes.

The report: since 2016, more than **7,000** disputes resolved by 贝侬 mediation + judicial
confirmation (通过“贝侬”调解+司法确认解决矛盾纠纷7000多件), and a mediation rate first among
Nanning's courts for nine years running. Each dispute that is not a merged duplicate nor a
formal case counts as screened, and as **resolved** when it ended settled — resolved into
follow-up or closed (unless the outcome was a failure), confirmed by the court (then
tracked and closed), or ended by the suit's withdrawal. A dispute awaiting the court's
decision is not resolved yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from fengqiao.domain.terms import Outcome
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.states import State, StateId
from fengqiao.policies._figures import resolution_rate, screened
from fengqiao.policies.mashan_beinong.levels import (
    AWAITING_CONFIRMATION,
    CONFIRMED,
    PERFORMANCE_TRACKING,
    WITHDRAWN,
    Trail,
)

__all__ = ["SETTLED_STATES", "count_disputes"]

SETTLED_STATES: frozenset[StateId] = frozenset(
    {State.FOLLOW_UP, State.CLOSED, CONFIRMED, PERFORMANCE_TRACKING, WITHDRAWN}
)
"""The states of a settled dispute (unless its outcome was a failure)."""


def count_disputes(
    disputes: Iterable[Dispute], trail_of: Callable[[Dispute], Trail], *, major: Callable[[Dispute], bool]
) -> dict[str, float]:
    """Mashan's figures over ``disputes``; ``trail_of`` and ``major`` are the policy's readings.

    Returns ``screened``, ``resolved`` (the report's 贝侬 mediation + judicial confirmation),
    ``resolved_at_station``, ``resolved_at_room``, ``resolved_at_centre`` (by the highest
    level reached), ``confirmed`` (confirmed by the court), ``withdrawn`` (suits withdrawn),
    ``awaiting_confirmation``, ``potentially_major``, ``reported_to_centre``,
    ``joint_sessions``, ``referred``, ``open``, ``escalated``, ``merged``,
    ``mediation_rate`` (resolved ÷ screened), ``mediation_rate_percent`` (one decimal) and
    ``resolution_rate``, the same fraction under the name every policy's figures give it (the
    simulation's and the ledger's resolution rate).
    """
    keys = (
        "screened",
        "resolved",
        "resolved_at_station",
        "resolved_at_room",
        "resolved_at_centre",
        "confirmed",
        "withdrawn",
        "awaiting_confirmation",
        "potentially_major",
        "reported_to_centre",
        "joint_sessions",
        "referred",
        "open",
        "escalated",
        "merged",
    )
    c = dict.fromkeys(keys, 0)
    for d in screened(disputes, c):
        trail = trail_of(d)
        c["confirmed"] += trail.confirmed_at is not None
        c["potentially_major"] += major(d)
        c["reported_to_centre"] += trail.reported_at is not None
        c["joint_sessions"] += trail.joint_session_at is not None
        if d.state in SETTLED_STATES and d.outcome is not Outcome.FAILED:
            c["resolved"] += 1
            c["withdrawn"] += d.state == WITHDRAWN
            if trail.level is not None:
                c[f"resolved_at_{trail.level.value}"] += 1
        elif d.state == AWAITING_CONFIRMATION:
            c["awaiting_confirmation"] += 1
        elif d.state is State.REFERRED:
            c["referred"] += 1
        else:
            c["open"] += 1
    figures: dict[str, float] = dict(c)
    figures["mediation_rate"] = figures["resolution_rate"] = c["resolved"] / c["screened"] if c["screened"] else 0.0
    figures["mediation_rate_percent"] = resolution_rate(c["screened"], c["resolved"])
    return figures
