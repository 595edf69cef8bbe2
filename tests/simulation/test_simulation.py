"""The simulation: reproducible, calibrated to the reports, and able to finish disputes under every policy."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

import fengqiao as fq
from fengqiao.simulation import SimulationResult, simulate, yongji_2024
from fengqiao.storage import MemoryEventStore, SQLiteEventStore

SMALL = yongji_2024().scaled(0.1)


@functools.cache
def yongji_year(policy: str) -> SimulationResult:
    return simulate(yongji_2024(), policy)


def histories(result: SimulationResult) -> list[str]:
    return [fq.dumps(event) for d in result.disputes for event in d.history]


def test_same_seed_gives_the_same_histories() -> None:
    first, second = simulate(SMALL, "yongji-54333"), simulate(SMALL, "yongji-54333")
    assert histories(first) == histories(second)
    assert first == second


def test_another_seed_gives_other_histories() -> None:
    assert histories(simulate(SMALL, "baseline")) != histories(simulate(SMALL.with_seed(7), "baseline"))


def test_a_yongji_year_under_baseline_matches_the_report() -> None:
    result = yongji_year("baseline")
    assert result.total == 1050
    assert result.resolution_rate == pytest.approx(0.951, abs=0.015)
    assert result.given_up == 0
    assert 360 <= result.simulated_days <= 420


def test_a_yongji_year_under_yongji_hands_the_rest_to_departments() -> None:
    metrics = yongji_year("yongji-54333").metrics
    assert metrics["resolution_rate_percent"] == pytest.approx(95.1, abs=1.5)
    assert metrics["screened"] == metrics["resolved"] + metrics["handed_over"] + metrics["open"]
    assert metrics["open"] == 0
    assert metrics["ab_dossiers"] >= metrics["resolved"]


def test_focus_areas_dominate_the_yongji_mix() -> None:
    focus = yongji_year("baseline").disputes
    share = sum(
        d.category in (fq.Category.MARRIAGE_FAMILY, fq.Category.EMOTIONAL, fq.Category.NEIGHBOUR, fq.Category.DEBT)
        for d in focus
    )
    assert share / len(focus) == pytest.approx(0.62, abs=0.05)


@pytest.mark.parametrize("policy", fq.policies.names())
def test_every_policy_closes_most_disputes_of_a_scaled_yongji_year(policy: str) -> None:
    result = simulate(yongji_2024().scaled(0.3), policy)
    shares = result.shares()
    print(f"{policy}: {shares} resolution rate {result.resolution_rate:.4f}")
    assert shares.get("closed", 0.0) >= 0.9
    assert result.given_up <= result.total * 0.01
    assert result.resolution_rate >= 0.9


def test_histories_in_memory_and_sqlite_replay_to_the_same_disputes(tmp_path: Path) -> None:
    scenario = yongji_2024().scaled(0.05)
    kept = {d.id: d for d in simulate(scenario, "yongji-54333").disputes}
    memory = MemoryEventStore()
    with SQLiteEventStore(tmp_path / "sim.db") as sqlite:
        for store in (memory, sqlite):
            result = simulate(scenario, "yongji-54333", store=store)
            assert result.disputes == ()
            assert sorted(store.streams()) == sorted(kept)
            for dispute_id, d in kept.items():
                assert fq.replay(store.load(dispute_id), policy="yongji-54333") == d
            assert store.verify().ok


def test_figures_gathered_with_a_store_match_those_without() -> None:
    scenario = yongji_2024().scaled(0.1)
    kept = simulate(scenario, "yongji-54333")
    stored = simulate(scenario, "yongji-54333", store=MemoryEventStore())
    assert stored.states == kept.states
    assert stored.resolution_rate == pytest.approx(kept.resolution_rate)
    assert stored.metrics["resolved"] == kept.metrics["resolved"]


def test_progress_is_reported_and_ends_at_the_total() -> None:
    calls: list[tuple[int, int]] = []
    result = simulate(SMALL, "baseline", progress=lambda done, total: calls.append((done, total)))
    assert len(calls) > 10
    assert calls[-1] == (result.total, result.total)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_refusals_met_are_counted_by_code() -> None:
    result = simulate(SMALL, "huaiyang-ten-categories")
    assert result.refusals.get("huaiyang.close.observation-not-over", 0) > 0
    assert all(isinstance(n, int) and n > 0 for n in result.refusals.values())


def test_a_dispute_the_agent_cannot_finish_is_left_open() -> None:
    class NeverClose(fq.policies.Baseline):
        def preconditions(self, dispute: fq.Dispute, trigger: fq.Trigger | str, at: object) -> tuple[fq.Refusal, ...]:
            if trigger == fq.Trigger.CLOSE:
                return (fq.Refusal("test.close.never", "不能销号", "never closes"),)
            return ()

    result = simulate(yongji_2024().scaled(0.02), NeverClose())
    assert result.given_up == result.states["follow_up"] > 0
    assert "closed" not in result.states
