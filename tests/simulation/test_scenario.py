"""Scenarios: calibrated built-ins, validated fields, scaling."""

from __future__ import annotations

import random
from datetime import date

import attrs
import pytest

import fengqiao as fq
from fengqiao.simulation import huaiyang_year, province, simulate, yongji_2024, yuncheng_2024
from fengqiao.simulation.plan import arrivals


def test_built_in_scenarios_carry_the_reported_totals() -> None:
    # Yongji and Yuncheng count formal cases apart: the reported screened disputes and 1% more.
    scenarios = (yongji_2024(), yuncheng_2024(), huaiyang_year())
    assert [s.disputes for s in scenarios] == [1061, 10813, 510]
    assert [s.disputes - round(s.disputes * s.case_threshold_share) for s in scenarios] == [1050, 10705, 510]
    assert all(s.exact for s in scenarios)
    assert province().disputes == 400_000
    assert province().days == (date(2025, 1, 1) - date(2022, 1, 1)).days


def test_huaiyang_draws_only_the_ten_major_categories_and_resolves_them_all() -> None:
    scenario = huaiyang_year().scaled(0.5)
    result = simulate(scenario, "huaiyang-ten-categories")
    assert result.metrics["major"] == result.total
    assert result.resolution_rate == 1.0


def test_scaling_keeps_the_rates_and_changes_the_count() -> None:
    small = yongji_2024().scaled(0.1)
    assert small.disputes == 106
    assert small.mediation_success == yongji_2024().mediation_success
    assert small.name == "yongji-2024-x0.1"


def test_arrivals_fall_in_the_period_in_order() -> None:
    scenario = yongji_2024()
    times = arrivals(scenario, random.Random(1))
    assert len(times) == scenario.disputes
    assert times == sorted(times)
    assert times[0].date() >= scenario.start
    assert (times[-1].date() - scenario.start).days < scenario.days
    assert all(7 <= t.hour < 23 for t in times)


def test_a_share_outside_zero_and_one_is_refused() -> None:
    with pytest.raises(fq.ValidationError, match="share"):
        attrs.evolve(yongji_2024(), relapse_rate=1.5)


def test_an_unknown_category_in_a_mix_is_refused() -> None:
    with pytest.raises(fq.ValidationError, match="category_mix"):
        attrs.evolve(yongji_2024(), category_mix={"gossip": 1.0})


@pytest.mark.parametrize("factor", [0, -1.0, float("nan"), float("inf"), 1e300, True, "2"])
def test_a_scale_that_is_not_a_number_above_zero_and_at_most_a_thousand_is_refused(factor: float) -> None:
    with pytest.raises(fq.ValidationError, match="factor above 0 and at most 1,000") as caught:
        yongji_2024().scaled(factor)
    assert caught.value.path == "factor"
