"""The simulation: reproducible, calibrated to the reports, and able to finish disputes under every policy."""

from __future__ import annotations

import contextlib
import functools
import gc
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import fengqiao as fq
from fengqiao.simulation import SimulationResult, run, simulate, yongji_2024
from fengqiao.simulation.plan import arrivals
from fengqiao.storage import MemoryEventStore, SQLiteEventStore

SMALL = yongji_2024().scaled(0.1)


@functools.cache
def yongji_year(policy: str) -> SimulationResult:
    return simulate(yongji_2024(), policy)


def never_close() -> fq.policies.Baseline:
    """A baseline that refuses every close, its class defined here: it cannot be imported by name."""

    class NeverClose(fq.policies.Baseline):
        def preconditions(self, dispute: fq.Dispute, trigger: fq.Trigger | str, at: object) -> tuple[fq.Refusal, ...]:
            if trigger == fq.Trigger.CLOSE:
                return (fq.Refusal("test.close.never", "不能销号", "never closes"),)
            return ()

    return NeverClose()


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
    assert result.total == 1061  # 1,050 screened and 11 formal cases
    assert result.metrics["resolved"] == 999  # the baseline counts every closed dispute: none was reported back
    assert result.given_up == 0
    assert 360 <= result.simulated_days <= 420


def test_a_yongji_year_under_yongji_hands_the_rest_to_departments() -> None:
    metrics = yongji_year("yongji-54333").metrics
    assert metrics["resolution_rate_percent"] == 95.1
    assert metrics["screened"] == metrics["resolved"] + metrics["handed_over"] + metrics["open"]
    assert (metrics["screened"], metrics["resolved"], metrics["handed_over"], metrics["open"]) == (1050, 999, 51, 0)
    assert metrics["ab_dossiers"] == metrics["resolved"]


def test_focus_areas_dominate_the_yongji_mix() -> None:
    focus = yongji_year("baseline").disputes
    share = sum(
        d.category in (fq.Category.MARRIAGE_FAMILY, fq.Category.EMOTIONAL, fq.Category.NEIGHBOUR, fq.Category.DEBT)
        for d in focus
    )
    assert share / len(focus) == pytest.approx(0.62, abs=0.05)


@pytest.mark.parametrize("policy", fq.policies.names())
def test_every_policy_closes_most_disputes_of_a_scaled_yongji_year(policy: str) -> None:
    """Police-led policies by the officer, court-led ``mashan-beinong`` by the court (``simulation.agent_for``)."""
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
    result = simulate(yongji_2024().scaled(0.02), never_close())
    assert result.given_up == result.states["follow_up"] > 0
    assert "closed" not in result.states


# -- several workers ---------------------------------------------------------------------------


def rows(store: fq.storage.EventStore) -> list[tuple[int, str, int, str]]:
    return [(e.position, e.stream_id, e.version, e.hash) for e in store.read_all()]


@pytest.mark.parametrize("policy", ["yongji-54333", "huaiyang-ten-categories"])
def test_two_workers_give_the_result_one_gives(policy: str) -> None:
    scenario = yongji_2024().scaled(0.5)
    assert simulate(scenario, policy, workers=2) == simulate(scenario, policy)


def test_two_workers_store_the_same_rows_in_the_same_order(tmp_path: Path) -> None:
    scenario = yongji_2024().scaled(0.3)
    with SQLiteEventStore(tmp_path / "one.db") as one, SQLiteEventStore(tmp_path / "two.db") as two:
        alone = simulate(scenario, "yongji-54333", store=one)
        shared = simulate(scenario, "yongji-54333", store=two, workers=2)
        assert shared == alone
        assert rows(two) == rows(one)
        assert two.verify().ok


def test_a_chunk_that_started_from_a_wrong_guess_of_what_was_learned_is_handled_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Yongji's officer learns its lessons (hand-over papers, notices) on the first disputes, so
    # every chunk sent before the first came back started from a wrong guess (nothing learned).
    import random

    from fengqiao.simulation import run
    from fengqiao.simulation.plan import arrivals, skip

    scenario = yongji_2024().scaled(0.3)
    monkeypatch.setattr(run, "CHUNK", 50)
    rng = random.Random(scenario.seed)
    times = arrivals(scenario, rng)
    runner = run._Runner(scenario, "yongji-54333", keep=True)
    first = runner.run(run._Job(0, tuple(times[:50]), len(times), frozenset(), rng.getstate()))
    skip(scenario, 50, rng)
    later = tuple(times[50:100])
    guessed = runner.run(run._Job(50, later, len(times), frozenset(), rng.getstate()))
    known = runner.run(run._Job(50, later, len(times), first.learned_after, rng.getstate()))
    assert first.learned_after, "the officer must learn on the first chunk for this test to mean anything"
    assert guessed.refusals != known.refusals  # the guess matters ...
    assert simulate(scenario, "yongji-54333", workers=2) == simulate(scenario, "yongji-54333")  # ... and is undone


def test_a_policy_defined_in_place_works_in_workers() -> None:
    result = simulate(yongji_2024().scaled(0.2), never_close(), workers=2)
    assert result.given_up == result.states["follow_up"] > 0


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2"])
def test_a_bad_number_of_workers_is_refused(workers: object) -> None:
    with pytest.raises(fq.ValidationError) as caught:
        simulate(SMALL, "baseline", workers=workers)  # type: ignore[arg-type]
    assert caught.value.path == "workers"


def test_a_failure_in_a_worker_reaches_the_caller() -> None:
    class Broken(fq.policies.Baseline):
        def preconditions(self, dispute: fq.Dispute, trigger: fq.Trigger | str, at: object) -> tuple[fq.Refusal, ...]:
            if trigger == fq.Trigger.CLOSE:
                raise ZeroDivisionError("a bug in a policy")
            return ()

    with pytest.raises(ZeroDivisionError, match="a bug in a policy"):
        simulate(yongji_2024().scaled(0.2), Broken(), workers=2)


def test_a_store_that_refuses_a_chunk_stops_the_workers_and_keeps_what_it_had(tmp_path: Path) -> None:
    scenario = yongji_2024().scaled(0.2)
    with SQLiteEventStore(tmp_path / "sim.db") as store:
        simulate(scenario, "baseline", store=store)
        before = rows(store)
        with pytest.raises(fq.ConcurrencyConflict) as caught:
            simulate(scenario, "baseline", store=store, workers=2)
        assert caught.value.stream == f"{scenario.name}-000001"
        assert rows(store) == before
    assert multiprocessing.active_children() == []


SLOW_RUN = """
import os, signal, sys, time
from pathlib import Path

import fengqiao as fq
from fengqiao.simulation import simulate, yongji_2024

markers, parent = Path(sys.argv[1]), os.getpid()


class Slow(fq.policies.Baseline):
    def preconditions(self, dispute, trigger, at):
        if os.getpid() != parent:  # in a worker: say so, then take an hour over the chunk
            (markers / str(os.getpid())).touch()
            time.sleep(3600)
        return ()


if sys.argv[2] == "noted":  # as the command line does: SIGTERM only noted, and inherited by the workers
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
simulate(yongji_2024(), Slow(), workers=2)
"""


def stat(pid: int) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` from the third (the state) on; none when there is no such process."""
    try:
        line = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return []
    return line[line.rindex(")") + 2 :].split()  # after the command's name, which may hold anything


def running(pid: int, started: str) -> bool:
    """Whether the process ``pid`` that started at ``started`` still runs (neither gone nor a zombie)."""
    fields = stat(pid)
    return bool(fields) and fields[19] == started and fields[0] != "Z"


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked and seen in /proc")
@pytest.mark.parametrize("sigterm", ["default", "noted"])
def test_ctrl_c_ends_a_run_on_workers_at_once_with_one_traceback_and_no_worker_left(
    tmp_path: Path, sigterm: str
) -> None:
    markers, errors = tmp_path / "markers", tmp_path / "stderr"
    markers.mkdir()
    args = [sys.executable, "-c", SLOW_RUN, str(markers), sigterm]
    with errors.open("w") as stderr, subprocess.Popen(args, stderr=stderr, start_new_session=True) as child:
        try:
            deadline = time.monotonic() + 300  # a guard against a start that never comes, not a measure
            while child.poll() is None and len(list(markers.iterdir())) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            workers = {int(marker.name): stat(int(marker.name))[19] for marker in markers.iterdir()}
            assert len(workers) == 2, errors.read_text()  # both workers are an hour into a chunk
            os.killpg(child.pid, signal.SIGINT)  # Ctrl-C reaches every process of the terminal's group
            child.wait(timeout=60)  # not an hour later, when the chunks begun are done
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
    traceback = errors.read_text()
    assert child.returncode == -signal.SIGINT, traceback  # how Python ends on an uncaught KeyboardInterrupt
    assert traceback.count("Traceback") == 1, traceback  # the caller's, none from the workers
    assert traceback.endswith("\nKeyboardInterrupt\n"), traceback
    assert [pid for pid, started in workers.items() if running(pid, started)] == []


STOPPED_RUNS = """
import sys

import fengqiao as fq
from fengqiao.simulation import simulate, yongji_2024
from fengqiao.storage import SQLiteEventStore

scenario, refused = yongji_2024().scaled(0.2), 0
with SQLiteEventStore(sys.argv[1]) as store:
    simulate(scenario, "baseline", store=store)
    for _ in range(50):  # in one run of a few, a worker is ended as it sends a chunk back
        try:
            simulate(scenario, "baseline", store=store, workers=2)
        except fq.ConcurrencyConflict:
            refused += 1
print(refused)
"""


def test_a_program_whose_workers_were_ended_mid_chunk_exits(tmp_path: Path) -> None:
    args = [sys.executable, "-c", STOPPED_RUNS, str(tmp_path / "sim.db")]
    # Unless run._stop closes the results pipe, the pool's thread waits for the rest of such a
    # chunk, and the program for the thread at exit: forever.
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert (done.returncode, done.stdout) == (0, "50\n"), done.stderr


def test_a_worker_collects_garbage_after_each_chunk_and_not_during_it() -> None:
    context = multiprocessing.get_context("fork")
    with context.Pool(1, initializer=run._start_worker, initargs=(SMALL, fq.policies.get("baseline"), False)) as pool:
        enabled, young = pool.apply(_chunk_in_worker)
    assert enabled is False  # the collector does not interrupt a chunk ...
    assert young == 0  # ... and a pass after it leaves nothing young behind
    assert gc.isenabled()  # this process is untouched


def _chunk_in_worker() -> tuple[bool, int]:
    rng = random.Random(SMALL.seed)
    times = tuple(arrivals(SMALL, rng)[:50])
    run._work(run._Job(0, times, len(times), frozenset(), rng.getstate()))
    return gc.isenabled(), gc.get_count()[0]
