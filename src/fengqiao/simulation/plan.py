"""The facts of each simulated dispute, drawn from a scenario before any is handled.

Everything is drawn from one ``random.Random(scenario.seed)``: the arrival times first, then,
for each dispute in arrival order, its facts and a seed of its own. The agent draws the rest
of the dispute's story (mediation outcomes, relapses, delays) from that per-dispute seed, so
the same dispute gets the same story under every policy, and a policy comparison compares
like with like.
"""

from __future__ import annotations

import itertools
import random
from bisect import bisect
from collections.abc import Iterator, Sequence
from datetime import datetime, time, timedelta
from itertools import accumulate
from typing import Any

import attrs

from fengqiao.domain.party import Party
from fengqiao.domain.vocab import Category, Channel, RiskFactor
from fengqiao.policies.base import CHINA_TZ
from fengqiao.simulation.scenario import Mix, Scenario

__all__ = ["Case", "Chooser", "arrivals", "cases", "skip"]

_SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
_DAY_OPENS = 7 * 60
"""Alerts arrive between 07:00 and 23:00, Beijing time."""
_DAY_MINUTES = 16 * 60


class Chooser:
    """Draws members of a weighted mix in O(log n) per draw."""

    def __init__(self, mix: Mix) -> None:
        self._members = [m for m, _ in mix]
        self._cumulative = list(accumulate(w for _, w in mix))
        self._total = self._cumulative[-1]

    def __call__(self, rng: random.Random) -> Any:
        """One member, with probability proportional to its weight."""
        index = bisect(self._cumulative, rng.random() * self._total)
        return self._members[min(index, len(self._members) - 1)]


def arrivals(scenario: Scenario, rng: random.Random) -> list[datetime]:
    """When each dispute's first alert arrives, sorted.

    The reports give yearly totals, so exactly ``scenario.disputes`` arrive: a Poisson process
    at ``disputes / days`` a day, conditioned on its total, which spreads them uniformly over
    the days (each day's count is then binomial, close to Poisson). Alerts come between 07:00
    and 23:00, Beijing time.
    """
    first = datetime.combine(scenario.start, time(0), tzinfo=CHINA_TZ)
    span = scenario.days * 24 * 60
    stamps = sorted(
        rng.randrange(scenario.days) * 24 * 60 + _DAY_OPENS + rng.randrange(_DAY_MINUTES)
        for _ in range(scenario.disputes)
    )
    assert not stamps or stamps[-1] < span
    return [first + timedelta(minutes=m) for m in stamps]


@attrs.frozen(kw_only=True)
class Case:
    """One dispute's facts as the scenario drew them, before anyone handles it."""

    index: int
    dispute_id: str
    arrival: datetime
    station: int
    officer: int
    """The officer's number within the station."""
    category: Category
    channel: Channel
    parties: tuple[Party, ...]
    risk_factors: frozenset[RiskFactor]
    police_business: bool
    meets_case_threshold: bool
    complex: bool
    second_alert: bool
    seed: int
    """Seeds the dispute's own ``random.Random`` for the rest of its story."""


def cases(
    scenario: Scenario, times: Sequence[datetime], rng: random.Random, *, first: int = 0, total: int | None = None
) -> Iterator[Case]:
    """The facts of each dispute arriving at ``times``, drawn from ``rng`` in arrival order.

    ``times`` may be a slice of the scenario's arrivals: ``first`` is then the index of its
    first dispute and ``total`` the number of all arrivals (which sets the width of the ids),
    and ``rng`` must be in the state it was in before that dispute was drawn (see :func:`skip`).
    """
    width = max(6, len(str(len(times) if total is None else total)))
    for index, at, facts in zip(itertools.count(first), times, _draws(scenario, rng), strict=False):
        first_name, second_name, station, officer, category, channel, risks, police, threshold, hard, again, seed = (
            facts
        )
        yield Case(
            index=index,
            dispute_id=f"{scenario.name}-{index + 1:0{width}d}",
            arrival=at,
            station=station,
            officer=officer,
            category=category,
            channel=channel,
            parties=(Party(name=f"{first_name}某"), Party(name=f"{second_name}某某")),
            risk_factors=risks,
            police_business=police,
            meets_case_threshold=threshold,
            complex=hard,
            second_alert=again,
            seed=seed,
        )


def skip(scenario: Scenario, count: int, rng: random.Random) -> None:
    """Move ``rng`` past the draws of ``count`` disputes, as :func:`cases` would, building nothing."""
    for _ in itertools.islice(_draws(scenario, rng), count):
        pass


_Facts = tuple[str, str, int, int, Category, Channel, frozenset[RiskFactor], bool, bool, bool, bool, int]


def _draws(scenario: Scenario, rng: random.Random) -> Iterator[_Facts]:
    """Every random fact of one dispute after another: the one place the draws and their order live."""
    category = Chooser(scenario.category_mix)
    channel = Chooser(scenario.channel_mix)
    rates = scenario.risk_factor_rates
    staff = scenario.staff
    per_station = max(1, staff.officers // staff.stations)
    while True:
        yield (
            rng.choice(_SURNAMES),
            rng.choice(_SURNAMES),
            rng.randrange(staff.stations),
            rng.randrange(per_station),
            category(rng),
            channel(rng),
            frozenset(f for f, r in rates if rng.random() < r),
            rng.random() >= scenario.not_police_share,
            rng.random() < scenario.case_threshold_share,
            rng.random() < scenario.complex_share,
            rng.random() < scenario.repeat_alert_rate,
            rng.getrandbits(64),
        )
