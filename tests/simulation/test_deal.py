"""Exact scenarios: the shares dealt as counts, the same counts for every seed, and the officer following them."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengqiao.lifecycle.states import State
from fengqiao.simulation import Scenario, simulate, yongji_2024
from fengqiao.simulation.plan import Fate, arrivals, deal

shares = st.floats(0, 1, allow_nan=False)


def half_up(n: int, share: float) -> int:
    return int(n * share + 0.5)


def tally(fates: list[Fate]) -> Counter[str]:
    c: Counter[str] = Counter()
    for f in fates:
        c["threshold"] += f.meets_case_threshold
        screened = not f.meets_case_threshold
        c["not_police"] += screened and not f.police_business
        c["police"] += f.police_business
        c[f"agrees_at_{f.agrees_at}"] += f.police_business
        c["complex_agreed"] += f.complex and f.agrees_at > 0
        c[f"complex_at_{f.agrees_at}"] += f.complex and f.police_business
        c[f"relapses_at_{f.agrees_at}_{f.complex}"] += f.relapses
        c["relapses"] += f.relapses
        c["reports"] += f.department_reports
        c["spot"] += f.on_the_spot
        c["handed"] += screened and (not f.police_business or f.agrees_at == 0)
    return c


@given(
    n=st.integers(0, 3_000),
    threshold=shares,
    not_police=shares,
    complex_=shares,
    success=st.floats(0.01, 1, allow_nan=False),
    attempts=st.integers(1, 5),
    relapse=shares,
    reports=shares,
    spot=shares,
    seeds=st.tuples(st.integers(0, 2**32), st.integers(0, 2**32)),
)
def test_the_counts_are_the_shares_of_their_groups_for_every_seed(
    n: int,
    threshold: float,
    not_police: float,
    complex_: float,
    success: float,
    attempts: int,
    relapse: float,
    reports: float,
    spot: float,
    seeds: tuple[int, int],
) -> None:
    scenario = attrs.evolve(
        yongji_2024(),
        disputes=n,
        case_threshold_share=threshold,
        not_police_share=not_police,
        complex_share=complex_,
        mediation_success=success,
        max_attempts=attempts,
        relapse_rate=relapse,
        referral_report_rate=reports,
        on_the_spot_share=spot,
        exact=True,
    )
    one, two = (deal(scenario, random.Random(seed)) for seed in seeds)
    assert len(one) == n
    c = tally(one)
    assert tally(two) == c  # who gets what depends on the seed, how many does not
    assert c["threshold"] == half_up(n, threshold)
    screened = n - c["threshold"]
    assert c["not_police"] == half_up(screened, not_police)
    assert c["police"] == screened - c["not_police"]
    agreed = sum(c[f"agrees_at_{k}"] for k in range(1, attempts + 1))
    assert agreed + c["agrees_at_0"] == c["police"]
    expected_failures = c["police"] * (1 - success) ** attempts
    assert abs(c["agrees_at_0"] - expected_failures) < attempts + 1  # largest remainder: within one per cell
    for k in range(attempts + 1):  # complex, of each attempt's group; relapses, of each cell of it
        group = c[f"agrees_at_{k}"]
        assert c[f"complex_at_{k}"] == half_up(group, complex_)
        if k:
            hard = c[f"complex_at_{k}"]
            assert c[f"relapses_at_{k}_True"] == half_up(hard, relapse)
            assert c[f"relapses_at_{k}_False"] == half_up(group - hard, relapse)
    assert c["relapses_at_0_False"] == c["relapses_at_0_True"] == 0
    simple_first = c["agrees_at_1"] - c["complex_at_1"] - c["relapses_at_1_False"]
    assert c["spot"] == half_up(simple_first, spot)
    assert c["reports"] == half_up(c["handed"], reports)
    for f in one:
        assert not (f.meets_case_threshold and f.police_business)
        assert f.agrees_at == 0 or f.police_business
        assert not f.on_the_spot or (f.agrees_at == 1 and not f.complex and not f.relapses)
        assert not f.relapses or f.agrees_at > 0


def test_largest_remainders_go_to_the_earlier_attempt_on_a_tie() -> None:
    scenario = attrs.evolve(yongji_2024(), disputes=2, case_threshold_share=0, not_police_share=0, exact=True)
    scenario = attrs.evolve(scenario, mediation_success=0.5, max_attempts=1)
    c = tally(deal(scenario, random.Random(0)))
    assert (c["agrees_at_1"], c["agrees_at_0"]) == (1, 1)
    three = attrs.evolve(scenario, disputes=3)
    c = tally(deal(three, random.Random(0)))
    assert (c["agrees_at_1"], c["agrees_at_0"]) == (2, 1)  # 1.5 and 1.5: the tie goes to the agreement


def test_an_exact_year_gives_the_same_figures_for_every_seed() -> None:
    figures = {seed: simulate(yongji_2024().with_seed(seed), "yongji-54333").metrics for seed in (2024, 7, 12345)}
    wanted = {"screened": 1050, "resolved": 999, "handed_over": 51, "ab_dossiers": 999, "open": 0}
    for seed, metrics in figures.items():
        assert {k: metrics[k] for k in wanted} == wanted, seed


def test_a_drawn_year_varies_with_the_seed() -> None:
    drawn = attrs.evolve(yongji_2024(), exact=False)
    resolved = {simulate(drawn.with_seed(seed), "yongji-54333").metrics["resolved"] for seed in (1, 2, 3, 4)}
    assert len(resolved) > 1


@pytest.mark.parametrize("workers", [1, 2])
def test_the_officer_follows_the_deal(workers: int) -> None:
    scenario: Scenario = attrs.evolve(
        yongji_2024().scaled(0.3), on_the_spot_share=0.5, relapse_rate=0.2, referral_report_rate=0.5
    )
    result = simulate(scenario, "baseline", workers=workers)
    rng = random.Random(scenario.seed)
    arrivals(scenario, rng)
    fates = deal(scenario, rng)
    assert result.given_up == 0
    seen: Counter[str] = Counter()
    for d, f in zip(result.disputes, fates, strict=True):
        if f.meets_case_threshold:
            assert d.state is State.ESCALATED
            seen["escalated"] += 1
        elif f.police_business and f.agrees_at:
            assert d.resolved_at is not None
            assert len(d.attempts) == f.agrees_at + f.relapses  # a relapse is mediated again, agreed at once
            if f.on_the_spot:
                assert d.resolved_at - d.discovered_at < timedelta(hours=1)
                seen["spot"] += 1
            seen["relapsed"] += f.relapses
        else:
            assert d.referral is not None
            assert (d.resolved_at is not None) == f.department_reports
            seen["handed_over"] += 1
    assert len(seen) == 4  # every branch was taken
    assert min(seen.values()) > 0
