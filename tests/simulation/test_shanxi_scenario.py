"""The Shanxi preset: nearly 400,000 disputes over three years at 1,400+ stations, above 90% under the Shanxi policy."""

from __future__ import annotations

from datetime import date

import fengqiao as fq
from fengqiao.policies.shanxi_fengqiao_station import REPORTED
from fengqiao.simulation import shanxi_three_years, simulate


def test_the_preset_is_the_provinces_three_years_at_every_station_not_the_172() -> None:
    scenario = shanxi_three_years()
    assert scenario.disputes == REPORTED["disputes_three_years"]
    assert scenario.staff.stations > REPORTED["stations"] > REPORTED["two_teams_one_room_stations"]  # "1400余个"
    assert (scenario.staff.officers, scenario.staff.grid_workers) == (20_000, 70_000)
    assert (scenario.start, scenario.days) == (date(2021, 7, 1), 1096)


def test_the_shanxi_policy_settles_more_than_90_percent_of_a_scaled_run() -> None:
    result = simulate(shanxi_three_years().scaled(0.005), "shanxi-fengqiao-station")
    figures = result.metrics
    assert result.total == 2000
    assert result.given_up == 0
    assert figures["open"] == 0
    assert figures["screened"] == figures["resolved"] + figures["handed_over"]
    assert result.resolution_rate * 100 > REPORTED["success_rate_percent_above"]
    assert 0.92 < result.resolution_rate < 0.96
    # The officer went through the Zhao Shuli method for every dispute it settled by mediation.
    assert figures["zhao_shuli"] >= 0.9 * figures["resolved"]
    assert result.refusals["shanxi.record_attempt.survey-missing"] > 0


def test_the_preset_is_reproducible_from_its_seed() -> None:
    scenario = shanxi_three_years().scaled(0.001)
    first, again = (simulate(scenario, fq.policies.get("shanxi-fengqiao-station")) for _ in range(2))
    assert first.metrics == again.metrics
    assert first.states == again.states
