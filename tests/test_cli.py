from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import attrs
import pytest
from typer.testing import CliRunner

import fengqiao as fq
import fengqiao.storage
from fengqiao.cli import app
from fengqiao.ledger import SQLiteLedger
from fengqiao.simulation.figures import REPRODUCTIONS
from fengqiao.storage import Anchor, Repository

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
    assert result.output.splitlines()[0] == "huaiyang-ten-categories  grades: red, yellow, blue  version 1"


def test_diagram_prints_graphviz_dot_when_asked(runner: CliRunner) -> None:
    result = runner.invoke(app, ["diagram", "--policy", "yongji-54333", "--format", "dot", "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith('digraph "fengqiao · yongji-54333"')
    assert 'label="调解中' in result.output


def test_db_upgrade_creates_the_sqlite_tables_and_reports_the_layout(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade", "--db", "new.db"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "new.db: layout version 2" in result.output
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
        assert len(streams) == 53  # 5% of 1,061
        assert store.verify().ok
        assert fq.replay(store.load(streams[0])).state in set(fq.State)


def test_simulate_mashan_runs_the_court_led_preset(runner: CliRunner, tmp_path: Path) -> None:
    args = [
        "simulate",
        "mashan",
        "--policy",
        "mashan-beinong",
        "--scale",
        "0.02",
        "--db",
        "mashan.db",
        "--workers",
        "1",
    ]
    result = runner.invoke(app, args, env=WIDE)
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())  # the table's title wraps
    assert "mashan-since-2016-x0.02 · mashan-beinong · seed 2016 · 158 disputes" in output
    assert "withdrawn" in output
    assert "resolution rate (mashan-beinong): 9" in output
    with fq.storage.SQLiteEventStore(tmp_path / "mashan.db") as store:
        states = {fq.replay(store.load(s), policy="mashan-beinong").state for s in store.streams()}
    assert {"closed", "withdrawn"} <= states


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


def test_report_shows_the_ledger_and_overdue_deadlines_and_no_view_the_policy_does_not_offer(
    runner: CliRunner, simulated: Path
) -> None:
    result = runner.invoke(app, ["report", "--db", str(simulated), "--policy", "yongji-54333"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "32 disputes" in " ".join(result.output.split())  # the title wraps with the database's path
    assert "closed" in result.output
    assert "overdue at the end of" in result.output
    assert "dispatch view" not in result.output  # Yongji offers no "dispatch" report


def test_report_shows_the_dispatch_view_the_policy_offers(runner: CliRunner, tmp_path: Path) -> None:
    args = ["simulate", "yongji", "--policy", "huainan-two-clears", "--scale", "0.03", "--db", "hn.db"]
    assert runner.invoke(app, args, env=WIDE).exit_code == 0
    result = runner.invoke(app, ["report", "--db", "hn.db", "--policy", "huainan-two-clears"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "09:00 dispatch view of" in result.output
    for column in ("received", "entered in time", "closed same day", "carried over", "overdue", "total"):
        assert column in result.output


def test_report_refuses_a_malformed_day_in_one_line(simulated: Path) -> None:
    result = run_main("report", "--db", str(simulated), "--day", "2024-13-01")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: day: '2024-13-01' is not a day; write it as YYYY-MM-DD"


def test_replay_lists_where_another_policy_would_have_decided_differently(runner: CliRunner, simulated: Path) -> None:
    result = runner.invoke(app, ["replay", "--db", str(simulated), "--policy", "huaiyang-ten-categories"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "32 disputes" in " ".join(result.output.split())  # the title wraps with the database's path
    assert "would have gone differently" in result.output
    same = runner.invoke(app, ["replay", "--db", str(simulated), "--policy", "yongji-54333"], env=WIDE)
    assert "0 would have gone differently" in same.output
    assert "re-deciding" not in result.output + same.output  # the progress display only shows on a terminal


def test_simulate_refuses_to_run_the_same_simulation_into_one_store_twice(simulated: Path) -> None:
    result = run_main("simulate", "yongji", "--policy", "yongji-54333", "--scale", "0.03", "--db", str(simulated))
    assert result.returncode == 2
    assert "already holds a simulation named yongji-2024-x0.03" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def station(runner: CliRunner, tmp_path: Path) -> Path:
    """Two demo disputes of 8 events each, YJ-2024-0001 and YJ-2024-0002."""
    for _ in range(2):
        assert runner.invoke(app, ["demo", "--db", "station.db"], env=WIDE).exit_code == 0
    return tmp_path / "station.db"


def edit(path: Path, *statements: tuple[str, tuple[object, ...]]) -> None:
    """Run SQL on the file behind the library's back."""
    conn = sqlite3.connect(path)
    with conn:
        for sql, params in statements:
            conn.execute(sql, params)
    conn.close()


def cut(path: Path, stream_id: str, keep: int) -> None:
    """Drop every event after ``keep`` and move the head back: a consistent cut no chain shows."""
    edit(
        path,
        ("DELETE FROM fengqiao_events WHERE stream_id = ? AND version > ?", (stream_id, keep)),
        (
            "UPDATE fengqiao_streams SET version = ?, hash = (SELECT hash FROM fengqiao_events"
            " WHERE stream_id = ? AND version = ?) WHERE stream_id = ?",
            (keep, stream_id, keep, stream_id),
        ),
    )


def delete(path: Path, stream_id: str) -> None:
    edit(
        path,
        ("DELETE FROM fengqiao_events WHERE stream_id = ?", (stream_id,)),
        ("DELETE FROM fengqiao_streams WHERE stream_id = ?", (stream_id,)),
    )


def test_db_digest_prints_the_anchor_line_of_the_store(runner: CliRunner, station: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "digest", "--db", str(station)], env=WIDE)
    assert result.exit_code == 0, result.output
    anchor = Anchor.loads(result.output)
    assert (anchor.streams, anchor.events, anchor.position, anchor.records) == (2, 16, 16, None)
    with fq.storage.SQLiteEventStore(station) as store:
        assert anchor.root == store.digest().root
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("station.db")) == []


def test_db_digest_writes_the_anchor_file_with_out(runner: CliRunner, station: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "digest", "--db", str(station), "--out", "anchor.txt"], env=WIDE)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "anchor.txt").read_text()
    assert text.splitlines()[0] == result.output.strip()
    assert [(h.stream_id, h.version) for h in Anchor.loads(text).heads()] == [("YJ-2024-0001", 8), ("YJ-2024-0002", 8)]


def test_db_verify_passes_an_untouched_store_with_and_without_its_anchor(runner: CliRunner, station: Path) -> None:
    assert runner.invoke(app, ["db", "digest", "--db", str(station), "--out", "anchor.txt"]).exit_code == 0
    plain = runner.invoke(app, ["db", "verify", "--db", str(station)], env=WIDE)
    assert (plain.exit_code, plain.output) == (0, f"{station}: 2 streams, 16 events: ok\n")
    anchored = runner.invoke(app, ["db", "verify", "--db", str(station), "--anchor", "anchor.txt"], env=WIDE)
    assert anchored.exit_code == 0, anchored.output
    assert anchored.output.endswith("(position 16): ok\n")


def test_db_verify_names_each_stream_changed_since_the_anchor_one_per_line_and_exits_1(
    runner: CliRunner, station: Path
) -> None:
    assert runner.invoke(app, ["db", "digest", "--db", str(station), "--out", "anchor.txt"]).exit_code == 0
    cut(station, "YJ-2024-0001", 5)
    delete(station, "YJ-2024-0002")
    assert runner.invoke(app, ["db", "verify", "--db", str(station)]).exit_code == 0  # the chains cannot tell
    result = runner.invoke(app, ["db", "verify", "--db", str(station), "--anchor", "anchor.txt"], env=WIDE)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].endswith(": 2 problems")
    assert [line.split(": ")[:2] for line in lines[1:]] == [
        ["stream YJ-2024-0001 version 6", "cut"],
        ["stream YJ-2024-0002 version 1", "deleted"],
    ]


def test_db_verify_with_the_anchor_line_alone_says_only_that_the_store_changed(
    runner: CliRunner, station: Path, tmp_path: Path
) -> None:
    line = runner.invoke(app, ["db", "digest", "--db", str(station)]).output
    (tmp_path / "line.txt").write_text(line)
    cut(station, "YJ-2024-0001", 7)
    result = runner.invoke(app, ["db", "verify", "--db", str(station), "--anchor", "line.txt"], env=WIDE)
    assert result.exit_code == 1
    assert result.output.splitlines()[1].startswith("store: anchor-mismatch: ")


def test_db_verify_lists_an_edited_event_without_an_anchor(runner: CliRunner, station: Path) -> None:
    edit(station, ("UPDATE fengqiao_events SET data = replace(data, '车库', '仓库') WHERE version = 1", ()))
    result = runner.invoke(app, ["db", "verify", "--db", str(station)], env=WIDE)
    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == [
        "stream YJ-2024-0001 version 1: tampered: its content, stream or version does not match its hash",
        "stream YJ-2024-0002 version 1: tampered: its content, stream or version does not match its hash",
    ]


def test_db_verify_reports_in_chinese_with_lang_zh(runner: CliRunner, station: Path) -> None:
    assert runner.invoke(app, ["db", "digest", "--db", str(station), "--out", "anchor.txt"]).exit_code == 0
    ok = runner.invoke(app, ["db", "verify", "--db", str(station), "--anchor", "anchor.txt", "--lang", "zh"])
    assert "2 个案件流，16 个事件" in ok.output
    assert ok.output.endswith("：校验通过\n")
    delete(station, "YJ-2024-0002")
    bad = runner.invoke(app, ["db", "verify", "--db", str(station), "--anchor", "anchor.txt", "--lang", "zh"])
    assert bad.exit_code == 1
    assert "发现 1 个问题" in bad.output


def test_db_verify_refuses_a_store_that_does_not_exist_in_one_line_and_creates_none(tmp_path: Path) -> None:
    result = run_main("db", "verify", "--db", str(tmp_path / "nope.db"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: db: {tmp_path / 'nope.db'} is not a file"
    assert list(tmp_path.iterdir()) == []


def test_db_verify_refuses_an_altered_anchor_file_in_one_line(runner: CliRunner, station: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["db", "digest", "--db", str(station), "--out", "anchor.txt"]).exit_code == 0
    path = tmp_path / "anchor.txt"
    path.write_text(path.read_text().replace('"YJ-2024-0002",8', '"YJ-2024-0002",7'))
    result = run_main("db", "verify", "--db", str(station), "--anchor", str(path))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: anchor.records: the anchor's heads do not hash to its root: the anchor was altered"
    )


def quarantined(path: Path, *unknown: str) -> Path:
    """A ledger whose policy function knows only 蒲州派出所: a dispute at each ``unknown`` station is set aside."""
    known = {"蒲州派出所": "baseline"}
    with SQLiteLedger(path, policy=lambda d: known[d.station]) as ledger:
        repo = Repository(fq.Workflow("baseline"), ledger.store)
        for n, station in enumerate(("蒲州派出所", *unknown), start=1):
            d = repo.discover(
                channel="alarm_110",
                category="neighbour",
                summary="噪音",
                actor="officer:xiao",
                station=station,
                dispute_id=f"D-{n}",
            )
            repo.fire(d, "grade", actor="officer:xiao")
        assert len(ledger.problems()) == 2 * len(unknown)
    return path


QUARANTINED = "policy: the policy function raised KeyError for dispute D-2: '洞山派出所'"


def test_report_lists_each_quarantined_event_and_the_command_that_retries_them(
    runner: CliRunner, tmp_path: Path
) -> None:
    db = quarantined(tmp_path / "city.db", "洞山派出所")
    result = runner.invoke(app, ["report", "--db", str(db)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-4:] == [
        "quarantined events (left out of the ledger): 2",
        f"  position 3: stream D-2 version 1: {QUARANTINED}",
        f"  position 4: stream D-2 version 2: {QUARANTINED}",
        f"fix the cause, then run: fengqiao db retry --db {db}",
    ]


def test_report_heads_the_quarantine_in_chinese_with_lang_zh(runner: CliRunner, tmp_path: Path) -> None:
    db = quarantined(tmp_path / "city.db", "洞山派出所")
    result = runner.invoke(app, ["report", "--db", str(db), "--policy", "baseline", "--lang", "zh"], env=WIDE)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-4] == "隔离事件（台账未计入）：2"
    assert lines[-1] == f"排除原因后运行：fengqiao db retry --db {db}"


def test_report_lists_the_quarantine_even_when_no_dispute_is_in_the_ledger(runner: CliRunner, station: Path) -> None:
    edit(station, ("UPDATE fengqiao_events SET data = replace(data, '车库', '仓库') WHERE version = 1", ()))
    result = runner.invoke(app, ["report", "--db", str(station)], env=WIDE)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{station}: no disputes"
    assert lines[1] == "quarantined events (left out of the ledger): 2"
    assert lines[2].startswith("  position 1: stream YJ-2024-0001 version 1: ")
    assert lines[2].endswith("does not match its hash (edited)")


def test_report_shows_ten_quarantined_events_and_counts_the_rest(runner: CliRunner, tmp_path: Path) -> None:
    db = quarantined(tmp_path / "city.db", *(f"站{n}" for n in range(6)))
    result = runner.invoke(app, ["report", "--db", str(db), "--lang", "zh"], env=WIDE)
    lines = result.output.splitlines()
    assert lines[-13] == "隔离事件（台账未计入）：12"
    assert lines[-2] == "  ……另有 2 个"


def test_report_escapes_control_characters_in_a_stored_stream_id(runner: CliRunner, station: Path) -> None:
    edit(station, ("UPDATE fengqiao_events SET stream_id = ? WHERE position = 1", ("YJ\x1b[2J\u202e\r",)))
    result = runner.invoke(app, ["report", "--db", str(station)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert not any(c in result.output for c in "\x1b\u202e\r")
    assert "  position 1: stream YJ\\x1b[2J\\u202e\\r version 1: stream YJ\\x1b[2J\\u202e\\r version 1: " in (
        result.output
    )


def test_db_retry_projects_a_dispute_whose_policy_is_now_known_and_exits_0(runner: CliRunner, tmp_path: Path) -> None:
    db = quarantined(tmp_path / "city.db", "洞山派出所")
    result = runner.invoke(app, ["db", "retry", "--db", str(db)], env=WIDE)
    assert (result.exit_code, result.output) == (0, f"{db}: 1 dispute projects again; nothing is quarantined now\n")
    with SQLiteLedger(db) as ledger:
        assert ledger.problems() == ()
        assert (ledger.row("D-2").station, ledger.row("D-2").grade) == ("洞山派出所", "low")
    report = runner.invoke(app, ["report", "--db", str(db)], env=WIDE)
    assert "quarantine" not in report.output


def test_db_retry_lists_each_event_still_quarantined_escaped_and_exits_1(runner: CliRunner, station: Path) -> None:
    edit(station, ("UPDATE fengqiao_events SET stream_id = ? WHERE position = 1", ("YJ\x1b[2J",)))
    result = runner.invoke(app, ["db", "retry", "--db", str(station)], env=WIDE)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == f"{station}: 0 disputes project again; 2 events still quarantined:"
    assert lines[1].startswith("position 1: stream YJ\\x1b[2J version 1: stream YJ\\x1b[2J version 1: ")
    assert lines[2] == "position 2: stream YJ-2024-0001 version 2: stream YJ-2024-0001 version 1: version 1 is missing"
    assert len(lines) == 3
    assert "\x1b" not in result.output


def test_db_retry_says_in_chinese_that_nothing_is_quarantined(runner: CliRunner, station: Path) -> None:
    result = runner.invoke(app, ["db", "retry", "--db", str(station), "--lang", "zh"], env=WIDE)
    assert (result.exit_code, result.output) == (0, f"{station}：没有被隔离的事件\n")


def test_db_retry_refuses_a_store_that_does_not_exist_in_one_line_and_creates_none(tmp_path: Path) -> None:
    result = run_main("db", "retry", "--db", str(tmp_path / "nope.db"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: db: {tmp_path / 'nope.db'} is not a file"
    assert list(tmp_path.iterdir()) == []


def test_figures_prints_each_reported_figure_beside_the_simulated_one(runner: CliRunner) -> None:
    result = runner.invoke(app, ["figures", "puzhou-2024", "yongji-2024"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "Puzhou station (Yongji), 2024 · puzhou-2024" in result.output
    assert "99.7%" in result.output
    assert "162" in result.output
    assert "all 8 figures match" in result.output
    assert "command: fengqiao simulate yongji --policy yongji-54333" in result.output
    zh = runner.invoke(app, ["figures", "puzhou-2024", "--lang", "zh"], env=WIDE)
    assert "永济市公安局蒲州派出所，2024年" in zh.output
    assert "全部 3 个数字一致" in zh.output


def test_figures_json_is_for_machines(runner: CliRunner) -> None:
    result = runner.invoke(app, ["figures", "huaiyang-year", "--json"], env=WIDE)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["all_match"] is True
    (huaiyang,) = data["reproductions"]
    assert [(f["key"], f["reported"], f["simulated_text"]) for f in huaiyang["figures"]] == [
        ("screened", "510", "510"),
        ("resolved", "510", "510"),
        ("resolution_rate_percent", "100%", "100%"),
    ]


def test_figures_exits_1_when_a_figure_does_not_match(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    puzhou = REPRODUCTIONS["puzhou-2024"]
    wrong = attrs.evolve(puzhou.figures[2], value=163, text="163")  # the report says 162
    monkeypatch.setitem(
        cast(dict[str, Any], REPRODUCTIONS), "puzhou-2024", attrs.evolve(puzhou, figures=(*puzhou.figures[:2], wrong))
    )
    result = runner.invoke(app, ["figures", "puzhou-2024"], env=WIDE)
    assert result.exit_code == 1
    assert "1 figure(s) do not match" in result.output
    assert json.loads(runner.invoke(app, ["figures", "puzhou-2024", "--json"]).output)["all_match"] is False


def test_figures_refuses_an_unknown_name_in_one_line() -> None:
    result = run_main("figures", "nosuch")
    assert result.returncode == 2
    assert result.stderr.startswith("error: names: no reproduction named 'nosuch'; known: yongji-2024, ")
    assert result.stderr.count("\n") == 1


def test_version_prints_the_packages_version_and_exits(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"fengqiao {fq.__version__}\n"
    main = run_main("--version")
    assert (main.returncode, main.stdout) == (0, f"fengqiao {fq.__version__}\n")


def test_the_license_file_is_the_mit_license_the_metadata_names() -> None:
    root = Path(__file__).parents[1]
    text = (root / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text
    assert 'license = "MIT"' in (root / "pyproject.toml").read_text(encoding="utf-8")


READERS = [
    ("report",),
    ("replay", "--policy", "baseline"),
    ("ledger", "follow", "--once"),
    ("households", "report"),
    ("db", "digest"),
    ("db", "verify"),
    ("db", "retry"),
]


@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_a_command_that_reads_a_store_refuses_a_missing_path_and_creates_nothing(
    runner: CliRunner, tmp_path: Path, command: tuple[str, ...]
) -> None:
    result = runner.invoke(app, [*command, "--db", "missing.db"])
    assert isinstance(result.exception, fq.ValidationError), result.output
    assert str(result.exception) == "db: missing.db is not a file"
    assert list(tmp_path.iterdir()) == []


def test_report_on_a_mistyped_path_exits_2_with_one_line_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    result = run_main("report", "--db", str(path), "--policy", "yongji-54333")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"error: db: {path} is not a file\n"
    assert not path.exists()


def test_simulate_refuses_an_unknown_policy_before_making_the_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["simulate", "yongji", "--policy", "nosuch", "--db", "sim.db"])
    assert isinstance(result.exception, fq.ValidationError)
    assert "unknown policy 'nosuch'" in str(result.exception)
    assert list(tmp_path.iterdir()) == []


def stored_streams(path: Path) -> int:
    """How many streams the SQLite file holds as another process writes it (0 before its tables exist)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM fengqiao_streams").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def test_an_interrupted_simulate_says_so_and_resume_finishes_it_as_an_uninterrupted_run(tmp_path: Path) -> None:
    db = tmp_path / "sim.db"
    args = [str(PYTHON), "-m", "fengqiao", "simulate", "yongji", "--scale", "0.5", "--workers", "1", "--db", str(db)]
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as run:
        while run.poll() is None and not (db.exists() and stored_streams(db)):
            time.sleep(0.01)
        run.send_signal(signal.SIGINT)  # Ctrl-C, once the first chunk is stored
        _, stderr = run.communicate(timeout=60)
    stored = stored_streams(db)
    scenario = fq.simulation.yongji_2024().scaled(0.5)  # 530 disputes, stored 5 a transaction on one worker
    assert 0 < stored < scenario.disputes
    assert run.returncode == 130, stderr
    assert stderr == (
        f"interrupted after {stored} of {scenario.disputes} disputes, which stay in {db}: run the same command with"
        " --resume to finish it, or with --replace to start over\n"
    )
    again = CliRunner().invoke(app, args[3:])
    assert str(again.exception) == (
        f"db: {db} already holds a simulation named yongji-2024-x0.5, interrupted after {stored} of"
        f" {scenario.disputes} disputes; add --resume to finish it, or --replace to start it over"
    )
    resumed = CliRunner().invoke(app, [*args[3:], "--resume"])
    assert resumed.exit_code == 0, resumed.output
    with fq.storage.SQLiteEventStore(db) as store, fq.storage.SQLiteEventStore(tmp_path / "whole.db") as whole:
        fq.simulation.simulate(scenario, store=whole)
        assert store.verify().ok
        assert store.digest().root == whole.digest().root


def test_simulate_resume_refuses_a_store_simulated_under_another_policy(runner: CliRunner, simulated: Path) -> None:
    args = ["simulate", "yongji", "--policy", "baseline", "--scale", "0.03", "--db", str(simulated), "--resume"]
    result = runner.invoke(app, args)
    assert isinstance(result.exception, fq.ValidationError)
    assert "is not the one this simulation makes" in str(result.exception)
    assert "cannot be resumed" in str(result.exception)


def test_simulate_replace_starts_over_a_store_that_holds_the_simulation_alone(
    runner: CliRunner, simulated: Path
) -> None:
    args = ["simulate", "yongji", "--policy", "baseline", "--scale", "0.03", "--db", str(simulated), "--replace"]
    result = runner.invoke(app, args, env=WIDE)
    assert result.exit_code == 0, result.output
    with fq.storage.SQLiteEventStore(simulated) as store:
        streams = list(store.streams())
        assert len(streams) == 32
        graded = [fq.replay(store.load(s)).grade_rule for s in streams]
    assert all(rule is not None and rule.startswith("baseline.") for rule in graded)


def test_simulate_replace_refuses_a_store_that_holds_other_streams(runner: CliRunner, station: Path) -> None:
    before = station.read_bytes()
    result = runner.invoke(app, ["simulate", "yongji", "--scale", "0.03", "--db", str(station), "--replace"])
    assert isinstance(result.exception, fq.ValidationError)
    assert "holds 2 other streams besides the simulation yongji-2024-x0.03" in str(result.exception)
    assert station.read_bytes() == before


def test_report_lists_the_dispatch_views_overdue_dispute_judged_at_the_same_moment(
    runner: CliRunner, tmp_path: Path
) -> None:
    args = ["simulate", "yongji", "--policy", "huainan-two-clears", "--scale", "0.05", "--db", "hn.db"]
    assert runner.invoke(app, [*args, "--workers", "1"]).exit_code == 0
    result = runner.invoke(app, ["report", "--db", "hn.db", "--policy", "huainan-two-clears"], env=WIDE)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    view = next(n for n, line in enumerate(lines) if "09:00 dispatch view of 2024-12-30" in line)
    assert lines[view + 4].split() == ["│", "station-005", "│", "1", "│", "1", "│", "0", "│", "1", "│", "1", "│"]
    # Its one dispute, received on the 30th, had missed its same-day close at the meeting (it closed later).
    assert "overdue at the dispatch of 2024-12-31 09:00: 6 (6 disputes)" in lines
    assert any(
        line.startswith("  yongji-2024-x0.05-000053  huainan.same-day-close  due 2024-12-31 00:00") for line in lines
    )


def test_report_cuts_the_overdue_list_at_ten_and_counts_the_rest_in_both_languages(
    runner: CliRunner, tmp_path: Path
) -> None:
    args = ["simulate", "yongji", "--policy", "yongji-54333", "--scale", "0.3", "--db", "y.db", "--workers", "1"]
    assert runner.invoke(app, args).exit_code == 0
    en = runner.invoke(app, ["report", "--db", "y.db", "--policy", "yongji-54333"], env=WIDE).output.splitlines()
    start = en.index("overdue at the end of 2024-12-30: 13 (13 disputes)")
    assert [line.split()[1] for line in en[start + 1 : start + 11]] == ["yongji.refer.result-due"] * 10
    assert en[start + 11] == "  … and 3 more"
    zh = runner.invoke(app, ["report", "--db", "y.db", "--policy", "yongji-54333", "--lang", "zh"], env=WIDE)
    lines = zh.output.splitlines()
    start = lines.index("2024-12-30 日终逾期：13 项（13 件纠纷）")
    assert lines[start + 1].endswith("2024-02-09 00:00 到期  移交司法所后30日内须反馈处理结果（跟踪督办）")
    assert lines[start + 11] == "  ……另有 3 项"


def says(output: str, present: Sequence[str], absent: Sequence[str] = ()) -> None:
    """``output`` holds every text of ``present`` and none of ``absent``."""
    assert [text for text in present if text not in output] == [], output
    assert [text for text in absent if text in output] == [], output


def test_policies_lists_grades_headers_and_descriptions_in_chinese(runner: CliRunner) -> None:
    result = runner.invoke(app, ["policies", "--lang", "zh"], env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    zh = ["名称", "适用", "等级", "简介", "红色、黄色、蓝色", "淮阳“十类重大纠纷”红黄蓝分级。", "西歧乡家庭风险工作"]
    says(result.output, zh, ["what it is", "grades", "disputes", "Huaiyang's"])


def test_policies_renders_a_policys_docstring_without_rest_or_raw_sections(runner: CliRunner) -> None:
    result = runner.invoke(app, ["policies", "huainan-two-clears"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Settings (constructor arguments):" in lines
    assert (
        "  • handling_window — 警情清零 — how long after its first alert a dispute may stay discovered (24 hours)."
        in lines
    )
    says(result.output, [], ["``", ":class:", ":func:", "Args:"])


def test_policies_describes_a_policy_in_chinese(runner: CliRunner) -> None:
    result = runner.invoke(app, ["policies", "huaiyang-ten-categories", "--lang", "zh"], env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:2] == ["huaiyang-ten-categories  等级：红色、黄色、蓝色  版本 1", "淮阳“十类重大纠纷”红黄蓝分级。"]
    zh = [
        "分级：huaiyang.grading（首条命中）",
        "规则",
        "条件",
        "│ 红色 ",
        "警情次数 ≥ 3",
        "风险因素含以下至少 2 项：",
        "任何情况",
    ]
    says(result.output, zh, ["Settings", "grading:", "first match", "│ red ", "alerts in", "any of", "always"])


def test_simulate_and_replay_print_states_triggers_and_headers_in_chinese(runner: CliRunner, tmp_path: Path) -> None:
    args = ["simulate", "yongji", "--policy", "yongji-54333", "--scale", "0.03", "--db", "z.db", "--lang", "zh"]
    simulated = runner.invoke(app, args, env=WIDE)
    assert simulated.exit_code == 0, simulated.output
    zh = ["最终状态", "件数", "占比", "│ 已销号 ", "化解率（yongji-54333）：", "已存入 z.db："]
    says(simulated.output, zh, ["closed", "disputes"])
    replayed = runner.invoke(app, ["replay", "--db", "z.db", "--policy", "huaiyang-ten-categories", "--lang", "zh"])
    assert replayed.exit_code == 0, replayed.output
    zh = ["32 件纠纷", "重新判定", "操作", "实际", "│ 启动调解 ", "│ 已执行 ", "│ 被拒绝 "]
    says(replayed.output, zh, ["mediate", "allowed", "refused"])


def test_report_prints_grades_and_the_dispatch_views_headers_in_chinese(runner: CliRunner, tmp_path: Path) -> None:
    args = ["simulate", "yongji", "--policy", "huainan-two-clears", "--scale", "0.03", "--db", "hn.db"]
    assert runner.invoke(app, args).exit_code == 0
    result = runner.invoke(app, ["report", "--db", "hn.db", "--policy", "huainan-two-clears", "--lang", "zh"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert any(line.startswith("等级：一般 ") and "、重点 " in line for line in result.output.splitlines())
    zh = ["32 件纠纷", "警情调度（次日 09:00）", "派出所", "接警", "按时进入处置", "当日销号", "结转", "逾期", "合计"]
    says(result.output, zh, ["general", "received", "total", "disputes"])


def test_demo_prints_the_grade_in_chinese(runner: CliRunner) -> None:
    result = runner.invoke(app, ["demo", "--lang", "zh"], env=WIDE)
    assert "研判分级 → 研判分级 · 低 (baseline.low.no-risk)" in result.output


def test_policy_options_show_the_registered_names_as_choices(runner: CliRunner) -> None:
    result = runner.invoke(app, ["simulate", "--help"], env={"COLUMNS": "400"})
    assert "[" + "|".join(fq.policies.names()) + "]" in result.output
    households = runner.invoke(app, ["households", "report", "--help"], env={"COLUMNS": "400"})
    assert "[household-base|xiqi-family-risk]" in households.output


def test_a_mistyped_policy_is_refused_in_one_line_that_lists_the_choices(tmp_path: Path) -> None:
    result = run_main("report", "--policy", "yongji", "--db", str(tmp_path / "nope.db"))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "error: policy: unknown policy 'yongji' (did you mean 'yongji-54333'?); known policies: "
        + ", ".join(fq.policies.names())
        + "\n"
    )


@pytest.mark.parametrize(
    ("words", "offered"),
    [
        ("fengqiao simulate --policy yon", ["yongji-54333"]),
        ("fengqiao report --policy hua", ["huainan-two-clears", "huaiyang-ten-categories"]),
        ("fengqiao households simulate --policy x", ["xiqi-family-risk"]),
    ],
)
def test_shell_completion_offers_the_registered_policy_names(runner: CliRunner, words: str, offered: list[str]) -> None:
    env = {"_FENGQIAO_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1)}
    result = runner.invoke(app, [], env=env, prog_name="fengqiao")
    assert result.output.split() == offered


def test_report_refuses_a_policy_the_stored_disputes_were_not_opened_under(simulated: Path) -> None:
    result = run_main("report", "--db", str(simulated), "--policy", "baseline")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(
        f"error: policy: the disputes in {simulated} were handled under another policy than baseline"
        " (opened under yongji-54333 (32)):"
    )
    assert "add --what-if" in result.stderr
    assert result.stderr.count("\n") == 1


def test_report_with_what_if_judges_them_under_the_policy_and_says_so(runner: CliRunner, simulated: Path) -> None:
    result = runner.invoke(app, ["report", "--db", str(simulated), "--policy", "baseline", "--what-if"], env=WIDE)
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first == "what-if: judged under baseline; the grades are the recorded ones (opened under yongji-54333 (32))"
    zh = runner.invoke(
        app, ["report", "--db", str(simulated), "--policy", "baseline", "--what-if", "--lang", "zh"], env=WIDE
    )
    expected = "假设分析：按 baseline 判断，等级仍为记录的等级（纠纷按 yongji-54333（32 件）办理）"
    assert zh.output.splitlines()[0] == expected
    under_its_own = runner.invoke(app, ["report", "--db", str(simulated), "--policy", "yongji-54333"], env=WIDE)
    assert "what-if" not in under_its_own.output


def _unrecorded(history: Sequence[fq.Event]) -> tuple[fq.Event, ...]:
    """``history`` as fengqiao wrote it before it recorded the policy: no policy in the discovery."""
    first = history[0]
    assert isinstance(first, fq.Discovered)
    assert first.policy is not None
    return (attrs.evolve(first, policy=None), *history[1:])


def test_report_on_a_store_that_records_no_policy_judges_by_the_grading_rules(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    wf = fq.Workflow("yongji-54333")
    officer = "officer:xiao"
    d = wf.grade(
        wf.discover(channel="alarm_110", category="neighbour", summary="铁锹", actor=officer, risk_factors=["weapon"]),
        actor=officer,
    )
    with SQLiteLedger(db, policy="yongji-54333") as ledger:
        ledger.store.append(d.id, _unrecorded(d.history), expected_version=0)
        assert ledger.recorded_policies() == {None: 1}
    result = run_main("report", "--db", str(db), "--policy", "baseline")
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"error: policy: the disputes in {db} were handled under another policy than baseline"
        " (graded by the rule 'yongji."
    )
    assert run_main("report", "--db", str(db), "--policy", "yongji-54333").returncode == 0
