"""Shanxi's figures: what the report states, and the policy's counts over disputes.

The report (seed 003) gives the province's scale and one result:

- **1,400+ stations** (1400余个基层派出所) with 20,000+ community police and auxiliaries, 70,000+
  grid workers, 2,000+ safety-related social organisations and 240,000 volunteers;
- **nearly 400,000 disputes** screened and mediated by the province's stations in three years
  (近40万件), with a **success rate above 90%** (调处成功率达90%以上);
- **172 stations** run the "两队一室" model — a different number from the 1,400+: the three
  years' disputes are the whole province's, not the 172 stations';
- 948 station heads and 4,077 community officers sit on township and village committees
  ("两委"); 8 national and 124 provincial "Fengqiao-style" stations.

:func:`count_disputes` counts disputes as the report's figure reads: screened and mediated
disputes (not merged duplicates, not those taken as formal cases by the case-handling team),
and the share of them settled.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Referred
from fengqiao.policies._figures import resolution_rate
from fengqiao.policies._figures import screened as screened_disputes
from fengqiao.policies.shanxi_fengqiao_station.zhao_shuli import STEPS

__all__ = ["REPORTED", "count_disputes"]

REPORTED = MappingProxyType(
    {
        "stations": 1400,
        "two_teams_one_room_stations": 172,
        "disputes_three_years": 400_000,
        "success_rate_percent_above": 90,
        "community_police_and_auxiliaries": 20_000,
        "grid_workers": 70_000,
        "social_organisations": 2000,
        "volunteers": 240_000,
        "station_heads_on_committees": 948,
        "community_officers_on_committees": 4077,
        "national_fengqiao_stations": 8,
        "provincial_fengqiao_stations": 124,
    }
)
"""The report's figures, as stated: "1,400+" is 1400, "nearly 400,000" is 400000, ">90%" is 90."""


def _protocol_done(d: Dispute) -> bool:
    kinds = {item.kind for item in d.dossier}
    return all(k in kinds for k in STEPS)


def count_disputes(disputes: Iterable[Dispute], *, decimals: int = 1) -> dict[str, float]:
    """The figures over ``disputes``.

    Returns ``screened`` (all but merged and escalated), ``resolved`` (settled: in follow-up or
    closed), ``handed_over`` (referred and not settled), ``open``, ``escalated`` (taken by the
    case-handling team), ``merged``, ``resolution_rate`` (resolved ÷ screened, a
    fraction: the report's success rate, 调处成功率), ``resolution_rate_percent`` (rounded half up
    to ``decimals``) and ``zhao_shuli`` (resolved
    disputes whose dossier holds all three records of the method).
    """
    counts = dict.fromkeys(("screened", "resolved", "handed_over", "open", "escalated", "merged", "zhao_shuli"), 0)
    for d in screened_disputes(disputes, counts):
        if d.resolved_at is not None:
            counts["resolved"] += 1
            counts["zhao_shuli"] += _protocol_done(d)
        elif any(isinstance(e, Referred) for e in d.history):
            counts["handed_over"] += 1
        else:
            counts["open"] += 1
    figures: dict[str, float] = dict(counts)
    screened, resolved = counts["screened"], counts["resolved"]
    figures["resolution_rate"] = resolved / screened if screened else 0.0
    figures["resolution_rate_percent"] = resolution_rate(screened, resolved, decimals=decimals)
    return figures
