"""Yuncheng's figures: Yongji's counts, with the centres' results and multi-party resolution (多元化解).

The 2024 report: "全市共摸排矛盾纠纷10705条，化解10457条，其中多元化解124条，化解率97.68%" —
10,705 screened, 10,457 resolved, *of which* 124 by multi-party resolution, rate 97.68%. So:

- **screened**, **escalated**, **merged**, **open**: as Yongji counts them
  (:func:`~fengqiao.policies.yongji_54333.count_disputes`);
- **resolved**: Yongji's (settled by the station and its forces) *and* those a
  dispute-resolution centre settled after the police handed them over (警调对接): the centre's
  report of an agreement;
- **handed_over**: the rest of the hand-overs — to a department, or to a centre that has not
  reported an agreement;
- **multi_party** (多元化解, a part of resolved): resolved disputes whose mediation brought in
  more than the station — a mediation begun by two or more forces (which every joint kind and
  every room mediation is: the station's police with the court, a stationed people's mediator,
  a lawyer, or a room's retired officer or judge) — and those settled by a centre;
- **resolution_rate_percent**: resolved ÷ screened, rounded half up to two decimals
  (10,457 / 10,705 → 97.68).
"""

from __future__ import annotations

from collections.abc import Iterable

from fengqiao.domain.terms import JointKind, Outcome
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import MediationStarted, Resolved
from fengqiao.policies._figures import resolution_rate, screened
from fengqiao.policies.yongji_54333 import Yongji54333
from fengqiao.policies.yuncheng_city.network import ROOM_FORCES
from fengqiao.policies.yuncheng_city.rules import CityRules

__all__ = ["count_city", "settled_by_centre"]


def settled_by_centre(dispute: Dispute, city: CityRules) -> bool:
    """Resolved now, on a centre's report of an agreement (the centre named in ``reported_by``)."""
    if dispute.resolved_at is None or dispute.referral is None:
        return False
    last = next(e for e in reversed(dispute.history) if isinstance(e, Resolved))
    return city.network.centre(last.payload.reported_by) is not None and last.payload.outcome is Outcome.AGREEMENT


def count_city(disputes: Iterable[Dispute], *, yongji: Yongji54333, city: CityRules) -> dict[str, float]:
    """The city's figures over ``disputes`` (see the module docs for each count).

    Returns Yongji's metrics (``yongji.metrics``) with ``resolved``, ``handed_over``,
    ``resolution_rate`` and ``resolution_rate_percent`` counted the city's way, and
    ``multi_party``; ``yuncheng.<joint kind>`` (resolved disputes mediated with that joint kind),
    ``yuncheng.branded_rooms`` (resolved in a branded room), ``yuncheng.centre_referrals``
    (screened disputes handed to a centre) and ``yuncheng.centre_settled``.
    """
    chosen = tuple(disputes)
    figures = dict(yongji.metrics(chosen))
    extra = dict.fromkeys(
        (*(f"yuncheng.{k.value}" for k in JointKind), "yuncheng.branded_rooms", "yuncheng.centre_referrals"), 0
    )
    by_centre = 0
    for d in screened(chosen, {"merged": 0, "escalated": 0, "screened": 0}):
        referrals = list(city.centre_referrals(d))
        extra["yuncheng.centre_referrals"] += bool(referrals)
        centre = bool(referrals) and settled_by_centre(d, city)
        by_centre += centre
        if d.resolved_at is None or (d.referral is not None and not centre and _reported(d)):
            continue  # not resolved the city's way: open, or settled on a department's report
        mediations = [e.payload for e in d.history if isinstance(e, MediationStarted)]
        for kind in frozenset().union(*(city.joint_kinds_in(m.forces) for m in mediations)):
            extra[f"yuncheng.{kind.value}"] += 1
        extra["yuncheng.branded_rooms"] += any(ROOM_FORCES.intersection(m.forces) for m in mediations)
    resolved = int(figures["resolved"]) + by_centre
    figures["resolved"] = resolved
    figures["handed_over"] -= by_centre
    figures["multi_party"] = figures["resolved_jointly"] + by_centre
    figures["resolution_rate"] = resolved / figures["screened"] if figures["screened"] else 0.0
    figures["resolution_rate_percent"] = resolution_rate(
        int(figures["screened"]), resolved, decimals=city.rate_decimals
    )
    figures.update(extra)
    figures["yuncheng.centre_settled"] = by_centre
    return figures


def _reported(d: Dispute) -> bool:
    """The last resolution was a department's report (``reported_by`` set)."""
    last = next(e for e in reversed(d.history) if isinstance(e, Resolved))
    return last.payload.reported_by is not None
