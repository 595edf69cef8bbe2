from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import fengqiao as fq
import fengqiao.storage
from fengqiao.cli import app

PYTHON = Path(sys.executable)
WIDE = {"COLUMNS": "200"}


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # the demo writes its SQLite file in the working directory
    return CliRunner()


def run_main(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PYTHON), "-m", "fengqiao", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_demo_prints_the_timeline_in_english(runner: CliRunner) -> None:
    result = runner.invoke(app, ["demo"], env=WIDE)
    assert result.exit_code == 0, result.output
    for line in ("grade → graded · low (baseline.low.no-risk)", "mediate → mediating", "close → closed"):
        assert line in result.output
    assert "grid_worker:wang" in result.output
    assert "final state: closed · v8" in result.output


def test_demo_stores_every_command_in_sqlite_and_verifies_the_chain(runner: CliRunner, tmp_path: Path) -> None:
    first = runner.invoke(app, ["demo", "--db", "station.db"], env=WIDE)
    second = runner.invoke(app, ["demo", "--db", "station.db"], env=WIDE)
    assert "stored in station.db: read back equal, hash chain verified" in first.output
    assert "YJ-2024-0002" in second.output
    with fq.storage.SQLiteEventStore(tmp_path / "station.db") as store:
        assert sorted(store.streams()) == ["YJ-2024-0001", "YJ-2024-0002"]
        assert len(store.load("YJ-2024-0001")) == 8
        assert store.verify().ok


def test_demo_shows_the_early_close_refused_for_want_of_a_visit(runner: CliRunner) -> None:
    result = runner.invoke(app, ["demo"], env=WIDE)
    assert "baseline.close.no-visit" in result.output
    assert "close needs at least one follow-up visit" in result.output


def test_demo_prints_the_timeline_in_chinese(runner: CliRunner) -> None:
    result = runner.invoke(app, ["demo", "--lang", "zh"], env=WIDE)
    assert result.exit_code == 0, result.output
    for text in ("研判分级", "启动调解 → 调解中", "销号 → 已销号", "经办人", "最终状态"):
        assert text in result.output
    assert "baseline.close.no-visit" in result.output
    assert "销号前须至少回访一次" in result.output
    assert "final state" not in result.output


def test_demo_refuses_an_unknown_language(runner: CliRunner) -> None:
    result = runner.invoke(app, ["demo", "--lang", "fr"])
    assert result.exit_code == 2


def test_policies_lists_every_registered_policy_with_its_grades(runner: CliRunner) -> None:
    result = runner.invoke(app, ["policies"], env=WIDE)
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if "baseline" in line]
    assert any("high, medium, low" in row for row in rows)
    for name in fq.policies.names():
        assert name in result.output


def test_diagram_prints_a_mermaid_state_diagram_in_chinese(runner: CliRunner) -> None:
    result = runner.invoke(app, ["diagram", "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert "stateDiagram-v2" in result.output
    assert "follow_up --> closed: 销号" in result.output
    assert '"回访跟踪" as follow_up' in result.output


def test_diagram_is_in_english_by_default(runner: CliRunner) -> None:
    result = runner.invoke(app, ["diagram"])
    assert "follow_up --> closed: close" in result.output


def test_an_unknown_policy_exits_2_with_one_line_and_no_traceback() -> None:
    result = run_main("diagram", "--policy", "nope")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("error: ")
    assert "unknown policy 'nope'" in result.stderr
    assert "baseline" in result.stderr


def test_a_long_error_message_stays_on_one_line() -> None:
    name = "no-such-policy-with-a-rather-long-name-from-a-typo"
    result = run_main("diagram", "--policy", name)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert f"'{name}'" in result.stderr


def test_an_error_message_is_printed_verbatim_even_if_it_looks_like_markup() -> None:
    result = run_main("diagram", "--policy", "[/bold]nope")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "'[/bold]nope'" in result.stderr


def test_policies_lists_the_regional_policies_with_their_grades(runner: CliRunner) -> None:
    result = runner.invoke(app, ["policies"], env=WIDE)
    assert result.exit_code == 0, result.output
    for name in fq.policies.names():
        assert name in result.output
    assert "red, yellow, blue" in result.output


def test_policies_describes_one_policy_with_its_grading_rules(runner: CliRunner) -> None:
    result = runner.invoke(app, ["policies", "huaiyang-ten-categories"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "huaiyang.red.severe-factor" in result.output
    assert "first match" in result.output


def test_diagram_prints_graphviz_dot_when_asked(runner: CliRunner) -> None:
    result = runner.invoke(app, ["diagram", "--policy", "yongji-54333", "--format", "dot", "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith('digraph "fengqiao · yongji-54333"')
    assert 'label="调解中' in result.output


def test_db_upgrade_creates_the_sqlite_tables_and_reports_the_layout(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade", "--db", "new.db"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "new.db: layout version 1" in result.output
    with fq.storage.SQLiteEventStore(tmp_path / "new.db", upgrade=False) as store:
        assert list(store.streams()) == []


def test_db_upgrade_refuses_both_a_file_and_a_dsn_in_one_line() -> None:
    result = run_main("db", "upgrade", "--db", "a.db", "--dsn", "postgresql://x")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: db: give either --db or --dsn, not both"
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [("db", "upgrade", "--db"), ("report", "--db")])
def test_a_garbage_layout_version_ends_in_one_line_not_a_traceback(tmp_path: Path, command: tuple[str, ...]) -> None:
    path = tmp_path / "station.db"
    fq.storage.SQLiteEventStore(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("UPDATE fengqiao_meta SET value = 'abc' WHERE key = 'schema_version'")
    finally:
        conn.close()
    result = run_main(*command, str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: ")
    assert "the layout version in fengqiao_meta is 'abc', not a whole number" in result.stderr


def test_simulate_stores_a_scaled_year_and_prints_the_final_states(runner: CliRunner, tmp_path: Path) -> None:
    args = ["simulate", "yongji", "--policy", "yongji-54333", "--scale", "0.05", "--db", "sim.db", "--seed", "7"]
    result = runner.invoke(app, args, env=WIDE)
    assert result.exit_code == 0, result.output
    assert "closed" in result.output
    assert "resolution rate (yongji-54333):" in result.output
    with fq.storage.SQLiteEventStore(tmp_path / "sim.db") as store:
        streams = list(store.streams())
        assert len(streams) == 52
        assert store.verify().ok
        assert fq.replay(store.load(streams[0])).state in set(fq.State)


def test_simulate_prints_the_same_figures_on_one_worker_as_on_several(runner: CliRunner, tmp_path: Path) -> None:
    outputs = []
    for workers, db in (("1", "one.db"), ("2", "two.db")):
        args = ["simulate", "yongji", "--scale", "0.2", "--db", db, "--workers", workers]
        result = runner.invoke(app, args, env=WIDE)
        assert result.exit_code == 0, result.output
        outputs.append(result.output.replace(db, "DB"))
    assert outputs[0] == outputs[1]


def test_simulate_refuses_a_scale_of_zero_in_one_line() -> None:
    result = run_main("simulate", "yongji", "--scale", "0")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: scale: scale must be more than 0, got 0.0"


@pytest.fixture
def simulated(runner: CliRunner, tmp_path: Path) -> Path:
    args = ["simulate", "yongji", "--policy", "yongji-54333", "--scale", "0.03", "--db", "sim.db"]
    assert runner.invoke(app, args, env=WIDE).exit_code == 0
    return tmp_path / "sim.db"


def test_report_shows_the_ledger_overdue_deadlines_and_the_dispatch_view(runner: CliRunner, simulated: Path) -> None:
    result = runner.invoke(app, ["report", "--db", str(simulated), "--policy", "yongji-54333"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "32 disputes" in result.output
    assert "closed" in result.output
    assert "overdue at the end of" in result.output
    assert "09:00 dispatch view of" in result.output


def test_report_refuses_a_malformed_day_in_one_line(simulated: Path) -> None:
    result = run_main("report", "--db", str(simulated), "--day", "2024-13-01")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: day: '2024-13-01' is not a day; write it as YYYY-MM-DD"


def test_replay_lists_where_another_policy_would_have_decided_differently(runner: CliRunner, simulated: Path) -> None:
    result = runner.invoke(app, ["replay", "--db", str(simulated), "--policy", "huaiyang-ten-categories"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "32 disputes" in result.output
    assert "would have gone differently" in result.output
    same = runner.invoke(app, ["replay", "--db", str(simulated), "--policy", "yongji-54333"], env=WIDE)
    assert "0 would have gone differently" in same.output


def test_simulate_refuses_to_run_the_same_simulation_into_one_store_twice(simulated: Path) -> None:
    result = run_main("simulate", "yongji", "--policy", "yongji-54333", "--scale", "0.03", "--db", str(simulated))
    assert result.returncode == 2
    assert "already holds a simulation named yongji-2024-x0.03" in result.stderr
    assert "Traceback" not in result.stderr
