"""Yongji's figures, and the screening queue, as pure functions over disputes.

The 2024 report: 1,050 disputes screened, 999 resolved, 999 A/B dossiers, resolution rate
95.1%, "the rest handed to responsible departments". So, for each dispute that is not a
merged duplicate, exactly one of:

- **escalated** — it met the case threshold and became a formal case; no longer a dispute
  (矛盾纠纷), so *not* counted as screened (the report's 1,050 = 999 + the rest handed over);
- **resolved** — settled by the station and its mediating forces (in follow-up or closed);
- **handed over** — referred to a responsible department, whether or not that department
  has reported its result yet;
- **open** — still being graded or mediated.

The resolution rate is resolved ÷ screened as a percentage, rounded half up as the report
rounds it (one decimal: 999 / 1,050 → 95.1; Yuncheng's 10,457 / 10,705 → 97.68 with two).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from fengqiao.domain.terms import Category, Channel
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Resolved
from fengqiao.lifecycle.states import State
from fengqiao.policies._figures import resolution_rate, screened
from fengqiao.policies.yongji_54333.dossier import mediated_jointly

__all__ = ["count_disputes", "resolution_rate", "screening_queue"]


def _resolved_by_station(d: Dispute) -> bool:
    """Settled now, and not on the report of the department it was referred to (handed over)."""
    if d.resolved_at is None:
        return False
    if d.referral is None:
        return True
    last = next(e for e in reversed(d.history) if isinstance(e, Resolved))
    return last.payload.reported_by is None


def count_disputes(
    disputes: Iterable[Dispute],
    *,
    focus_areas: frozenset[Category],
    three_platforms: frozenset[Channel],
    n_channels: frozenset[Channel],
    decimals: int = 1,
) -> dict[str, float]:
    """Yongji's figures over ``disputes`` (see the module docs for what each count means).

    Returns ``screened``, ``resolved``, ``handed_over``, ``open``, ``escalated``, ``merged``,
    ``resolution_rate`` (a fraction), ``resolution_rate_percent`` (as reported),
    ``resolved_jointly`` (resolved after joint mediation), ``focus_area``, ``repeated_alerts``
    (disputes with two or more alerts), ``three_platforms`` and ``n_channels`` (screened
    disputes by the channel of their first alert).
    """
    c = dict.fromkeys(
        (
            "screened",
            "resolved",
            "handed_over",
            "open",
            "escalated",
            "merged",
            "resolved_jointly",
            "focus_area",
            "repeated_alerts",
            "three_platforms",
            "n_channels",
        ),
        0,
    )
    for d in screened(disputes, c):
        if _resolved_by_station(d):
            c["resolved"] += 1
            c["resolved_jointly"] += mediated_jointly(d)
        elif d.referral is not None:
            c["handed_over"] += 1
        else:
            c["open"] += 1
        c["focus_area"] += d.category in focus_areas
        c["repeated_alerts"] += len(d.alerts) >= 2
        c["three_platforms"] += d.channel in three_platforms
        c["n_channels"] += d.channel in n_channels
    figures: dict[str, float] = dict(c)
    figures["resolution_rate"] = c["resolved"] / c["screened"] if c["screened"] else 0.0
    figures["resolution_rate_percent"] = resolution_rate(c["screened"], c["resolved"], decimals=decimals)
    return figures


def screening_queue(disputes: Iterable[Dispute], *, focus_areas: frozenset[Category]) -> Sequence[Dispute]:
    """Disputes waiting to be graded, in the order Yongji screens them.

    The four focus areas first (重点摸排), then disputes with more alerts, then the oldest.
    """

    def key(d: Dispute) -> tuple[bool, int, datetime, str]:
        return (d.category not in focus_areas, -len(d.alerts), d.discovered_at, d.id)

    return tuple(sorted((d for d in disputes if d.state is State.DISCOVERED), key=key))
