"""What the regions' figures share: the rounded resolution rate, and which disputes count as screened.

Every report counts a dispute as screened unless it was merged into another (a duplicate) or
became a formal case (escalated: no longer a 矛盾纠纷); the rate is resolved ÷ screened as a
percentage, rounded half up as the reports round it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping
from decimal import ROUND_HALF_UP, Decimal

from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.states import State

__all__ = ["resolution_rate", "screened"]


def resolution_rate(screened: int, resolved: int, *, decimals: int = 1) -> float:
    """``resolved / screened`` as a percentage rounded half up to ``decimals`` (0.0 if none screened).

    >>> resolution_rate(1050, 999)
    95.1
    >>> resolution_rate(10705, 10457, decimals=2)
    97.68
    """
    if screened <= 0:
        return 0.0
    exact = Decimal(resolved) * 100 / Decimal(screened)
    return float(exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def screened(disputes: Iterable[Dispute], counts: MutableMapping[str, int]) -> Iterator[Dispute]:
    """The screened disputes of ``disputes``; counts ``merged``, ``escalated`` and ``screened`` on the way.

    >>> counts = {"merged": 0, "escalated": 0, "screened": 0}
    >>> list(screened([], counts)), counts
    ([], {'merged': 0, 'escalated': 0, 'screened': 0})
    """
    for d in disputes:
        if d.state is State.MERGED:
            counts["merged"] += 1
        elif d.state is State.ESCALATED:
            counts["escalated"] += 1
        else:
            counts["screened"] += 1
            yield d
