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
from fengqiao.domain.terms import Category, Channel, RiskFactor
from fengqiao.policies.base import CHINA_TZ
from fengqiao.simulation.scenario import Mix, Scenario

__all__ = ["Case", "Chooser", "arrivals", "cases", "skip"]

_SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
_FIRST_PARTIES = tuple(Party(name=f"{s}某") for s in _SURNAMES)
_SECOND_PARTIES = tuple(Party(name=f"{s}某某") for s in _SURNAMES)
"""A dispute's two parties, one per surname, built once: ``rng.choice`` looks only at the length,
so choosing a party draws exactly what choosing its surname would."""
_DAY_OPENS = 7 * 60
"""Alerts arrive between 07:00 and 23:00, Beijing time."""
_DAY_MINUTES = 16 * 60


class Chooser:
    """Draws members of a weighted mix in O(log n) per draw."""

    def __init__(self, mix: Mix) -> None:
        self._members = tuple(m for m, _ in mix)
        self._cumulative = list(accumulate(w for _, w in mix))
        self._total = self._cumulative[-1]
        self._last = len(self._members) - 1

    def __call__(self, rng: random.Random) -> Any:
        """One member, with probability proportional to its weight.

        Takes one ``rng.random()`` and gives the member ``rng.choices(members, weights)[0]``
        would give from the same state: a draw that rounds up to the total falls on the last.
        """
        return self._members[bisect(self._cumulative, rng.random() * self._total, 0, self._last)]


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
        first_party, second_party, station, officer, category, channel, risks, police, threshold, hard, again, seed = (
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
            parties=(first_party, second_party),
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


_Facts = tuple[Party, Party, int, int, Category, Channel, frozenset[RiskFactor], bool, bool, bool, bool, int]


def _draws(scenario: Scenario, rng: random.Random) -> Iterator[_Facts]:
    """Every random fact of one dispute after another: the one place the draws and their order live."""
    category = Chooser(scenario.category_mix)
    channel = Chooser(scenario.channel_mix)
    rates = scenario.risk_factor_rates
    stations = scenario.staff.stations
    per_station = max(1, scenario.staff.officers // stations)
    not_police, threshold = scenario.not_police_share, scenario.case_threshold_share
    complex_, repeat = scenario.complex_share, scenario.repeat_alert_rate
    chance = rng.random  # looked up once: the loop below runs once a dispute
    while True:
        yield (
            rng.choice(_FIRST_PARTIES),
            rng.choice(_SECOND_PARTIES),
            rng.randrange(stations),
            rng.randrange(per_station),
            category(rng),
            channel(rng),
            frozenset([f for f, r in rates if chance() < r]),
            chance() >= not_police,
            chance() < threshold,
            chance() < complex_,
            chance() < repeat,
            rng.getrandbits(64),
        )
