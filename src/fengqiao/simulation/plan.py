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

__all__ = ["Case", "Chooser", "Fate", "arrivals", "cases", "deal", "skip"]

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
class Fate:
    """How one dispute's story goes, as an exact scenario deals it (see :func:`deal`).

    An exact scenario (``Scenario.exact``) turns its shares into counts and deals them out, so
    that a year's totals are the ones the scenario's mix implies, not a binomial draw near them.
    """

    meets_case_threshold: bool
    police_business: bool
    complex: bool
    agrees_at: int
    """The mediation attempt that reaches agreement (1 … ``max_attempts``); 0: none does."""
    relapses: bool
    """The settlement is found not holding at its first follow-up (the next attempt agrees)."""
    department_reports: bool
    """The department it is handed to reports a result back within the period."""
    on_the_spot: bool
    """A simple dispute settled on the spot (当场化解): agreed at once, within the hour."""


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
    fate: Fate | None = None
    """How the story goes, when the scenario deals exact counts; ``None``: drawn as it goes."""


def cases(
    scenario: Scenario,
    times: Sequence[datetime],
    rng: random.Random,
    *,
    first: int = 0,
    total: int | None = None,
    fates: Sequence[Fate] | None = None,
) -> Iterator[Case]:
    """The facts of each dispute arriving at ``times``, drawn from ``rng`` in arrival order.

    ``times`` may be a slice of the scenario's arrivals: ``first`` is then the index of its
    first dispute and ``total`` the number of all arrivals (which sets the width of the ids),
    and ``rng`` must be in the state it was in before that dispute was drawn (see :func:`skip`).
    ``fates`` (the same slice of what :func:`deal` dealt) decide the threshold, police
    business and complexity in place of the draws, which are made all the same, so an exact
    scenario draws everything else as the drawn one does.
    """
    width = max(6, len(str(len(times) if total is None else total)))
    dealt: Iterator[Fate | None] = iter(fates) if fates is not None else itertools.repeat(None)
    for index, at, facts, fate in zip(itertools.count(first), times, _draws(scenario, rng), dealt, strict=False):
        first_party, second_party, station, officer, category, channel, risks, police, threshold, hard, again, seed = (
            facts
        )
        if fate is not None:
            police, threshold, hard = fate.police_business, fate.meets_case_threshold, fate.complex
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
            fate=fate,
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


def deal(scenario: Scenario, rng: random.Random) -> list[Fate]:
    """Each dispute's fate, in arrival order: the scenario's shares as exact counts, dealt at random.

    Every share is turned into a count of the group it applies to (half up: 4.1% of 1,050 is
    43) and that many members of the group, chosen by ``rng``, get it:

    1. the case threshold, of all disputes; the rest are the screened disputes;
    2. not police business, of the screened; the rest is police business;
    3. the attempt at which mediation agrees, of police business: the geometric chances of
       ``mediation_success`` over ``max_attempts`` attempts, and of none agreeing, apportioned
       by largest remainder (ties to the earlier attempt);
    4. complex, of each group so far apart (threshold, not police, never agreed, agreed at
       attempt 1, 2, …), so the complex disputes settled are a count too (joint mediation,
       multi-party resolution);
    5. a relapse, of the complex and of the simple disputes agreed at each attempt apart;
       a department reporting back, of those handed over (not police business, or never
       agreed); settled on the spot (``on_the_spot_share``), of the simple disputes agreed at
       the first attempt that do not relapse.

    The counts depend on the scenario alone; ``rng`` decides only who gets what.
    """
    n = scenario.disputes
    everyone = list(range(n))
    threshold, screened = _pick(everyone, scenario.case_threshold_share, rng)
    not_police, police = _pick(screened, scenario.not_police_share, rng)
    p, tries = scenario.mediation_success, scenario.max_attempts
    chances = [p * (1 - p) ** k for k in range(tries)]
    chances.append((1 - p) ** tries)
    rng.shuffle(police)
    agrees_at = [0] * n
    by_attempt: list[list[int]] = []  # the disputes agreeing at attempt 1, 2, …; the last: never
    start = 0
    for attempt, count in enumerate(_apportion(len(police), chances), start=1):
        group = sorted(police[start : start + count])
        for i in group:
            agrees_at[i] = attempt if attempt <= tries else 0
        by_attempt.append(group)
        start += count
    failed = by_attempt.pop()
    complex_: set[int] = set()
    relapsed: set[int] = set()
    for group in (threshold, not_police, failed, *by_attempt):
        hard, simple = _pick(group, scenario.complex_share, rng)
        complex_.update(hard)
        if group is not threshold and group is not not_police and group is not failed:
            for cell in (hard, simple):
                relapsed.update(_pick(cell, scenario.relapse_rate, rng)[0])
    handed = sorted({*not_police, *failed})
    reporting = set(_pick(handed, scenario.referral_report_rate, rng)[0])
    first = by_attempt[0] if by_attempt else []
    simple_first = [i for i in first if i not in complex_ and i not in relapsed]
    spot = set(_pick(simple_first, scenario.on_the_spot_share, rng)[0])
    over_threshold = set(threshold)
    police_business = set(police)
    return [
        Fate(
            meets_case_threshold=i in over_threshold,
            police_business=i in police_business,
            complex=i in complex_,
            agrees_at=agrees_at[i],
            relapses=i in relapsed,
            department_reports=i in reporting,
            on_the_spot=i in spot,
        )
        for i in range(n)
    ]


def _pick(group: Sequence[int], share: float, rng: random.Random) -> tuple[list[int], list[int]]:
    """``share`` of ``group`` (rounded half up), chosen by ``rng``, and the rest, both in order."""
    count = int(len(group) * share + 0.5)
    chosen = set(rng.sample(group, count))
    return sorted(chosen), [i for i in group if i not in chosen]


def _apportion(total: int, chances: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``chances`` (which sum to one) by largest remainder."""
    quotas = [total * c for c in chances]
    counts = [int(q) for q in quotas]
    by_remainder = sorted(range(len(quotas)), key=lambda k: (counts[k] - quotas[k], k))
    for k in by_remainder[: total - sum(counts)]:
        counts[k] += 1
    return counts
