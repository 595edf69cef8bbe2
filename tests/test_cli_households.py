"""``fengqiao households simulate`` and ``fengqiao households report``: the xiqi year into a store, and back out."""

from __future__ import annotations

import functools
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

import fengqiao as fq
from fengqiao.cli import app
from fengqiao.ledger import household_report
from fengqiao.policies import CHINA_TZ
from fengqiao.simulation import HouseholdSimulationResult, simulate_households, xiqi
from fengqiao.storage import HouseholdRepository, SQLiteEventStore

WIDE = {"COLUMNS": "200"}
SMALL = xiqi().scaled(0.05)
REFERRED = datetime(2024, 3, 1, 9, tzinfo=CHINA_TZ)
"""When the households of :func:`referred` are asked for help: due at 09:00 on 8 March."""


def run_main(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fengqiao", *args], capture_output=True, text=True, timeout=60, check=False
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one error line of a refused command, checked to be alone, and nothing on stdout."""
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def cells(output: str, label: str) -> list[str]:
    """The cells of the table row whose first cell is ``label``."""
    for line in output.splitlines():
        parts = [p.strip() for p in line.split("│")]
        if len(parts) > 2 and parts[1] == label:
            return parts[2:-1]
    raise AssertionError(f"no row {label!r} in:\n{output}")


@functools.cache
def expected() -> HouseholdSimulationResult:
    return simulate_households(SMALL, "xiqi-family-risk")


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The xiqi preset at a twentieth, simulated into a SQLite file; and what ``simulate`` printed."""
    db = tmp_path_factory.mktemp("households") / "xiqi.db"
    result = CliRunner().invoke(app, ["households", "simulate", "--scale", "0.05", "--db", str(db)], env=WIDE)
    assert result.exit_code == 0, result.output
    return db, result.output


def referred(db: Path, household_ids: list[str], *, village: str = "西歧村") -> None:
    """Households asked for civil-affairs help at :data:`REFERRED`, never answered."""
    clock = fq.FixedClock(REFERRED)
    with SQLiteEventStore(db) as store:
        repo = HouseholdRepository(fq.HouseholdWorkflow("xiqi-family-risk", clock=clock), store)
        for household_id in household_ids:
            h = repo.screen(village=village, actor="grid_worker:li", household_id=household_id)
            h = repo.fire(h, "watch", reason="因病致困", factors=["illness_hardship"], actor="grid_worker:li")
            h = repo.fire(h, "assess", actor="party_secretary:tian")
            repo.fire(h, "refer_help", department="civil_affairs", need="低保", actor="grid_worker:li")


def report(db: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["households", "report", "--db", str(db), *args], env=WIDE)
    assert result.exit_code == 0, result.output
    return result.output


# -- simulate -------------------------------------------------------------------------------
def test_households_simulate_and_report_are_commands_with_their_options() -> None:
    for command, options in (("simulate", ("--policy", "--db", "--seed", "--scale", "--lang")), ("report", ("--at",))):
        result = CliRunner().invoke(app, ["households", command, "--help"], env=WIDE)
        assert result.exit_code == 0, result.output
        for option in options:
            assert option in result.output


def test_simulate_prints_each_figure_next_to_the_scaled_report(small_db: tuple[Path, str]) -> None:
    _, output = small_db
    wanted = SMALL.figures()
    assert "report ×0.05" in output
    rows = {
        "households screened": "screened",
        "households watched": "watched",
        "class I": "class.I",
        "class II": "class.II",
        "class III": "class.III",
        "watched, not classed": "unclassed",
    }
    for label, key in rows.items():
        assert cells(output, label) == [str(wanted[key]), str(wanted[key])]
    assert "≠" not in output


def test_simulate_lists_the_missing_daily_reports_of_every_village(small_db: tuple[Path, str]) -> None:
    _, output = small_db
    missing = expected().missing_daily_reports
    assert len(missing) == 12
    for village, days in missing.items():
        assert cells(output, village) == [f"{days} / 366"]
    assert cells(output, "total") == [f"{sum(missing.values())} / {366 * 12}"]


def test_simulate_stores_every_household_of_the_year(small_db: tuple[Path, str]) -> None:
    db, output = small_db
    assert f"events stored in {db}: {expected().events}" in output
    with SQLiteEventStore(db) as store:
        stored = household_report(store, at=expected().end)
        assert store.verify().ok
    assert stored.households == expected().households


def test_simulate_the_full_preset_gives_the_reports_figures(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["households", "simulate", "--db", str(tmp_path / "x.db")], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "xiqi · xiqi-family-risk · seed 2024" in result.output
    for label, n in [
        ("households screened", 3027),
        ("households watched", 257),
        ("class I", 5),
        ("class II", 23),
        ("class III", 185),
        ("watched, not classed", 44),
    ]:
        assert cells(result.output, label) == [str(n), str(n)]


def test_simulate_in_chinese_labels_the_figures_with_the_vocabularies(tmp_path: Path) -> None:
    args = ["households", "simulate", "--scale", "0.05", "--db", str(tmp_path / "x.db"), "--lang", "zh"]
    result = CliRunner().invoke(app, args, env=WIDE)
    assert result.exit_code == 0, result.output
    wanted = SMALL.figures()
    assert cells(result.output, "摸排户数") == [str(wanted["screened"])] * 2
    assert cells(result.output, fq.RiskClass.III.label("zh")) == [str(wanted["class.III"])] * 2
    assert "各村日报告缺报" in result.output
    assert "households screened" not in result.output


def test_simulate_with_another_seed_keeps_the_figures_and_says_its_seed(tmp_path: Path) -> None:
    args = ["households", "simulate", "--scale", "0.05", "--seed", "7", "--db", str(tmp_path / "x.db")]
    result = CliRunner().invoke(app, args, env=WIDE)
    assert result.exit_code == 0, result.output
    assert "seed 7" in result.output
    other = simulate_households(SMALL.with_seed(7), "xiqi-family-risk")
    assert other.missing_daily_reports != expected().missing_daily_reports
    village, days = next(iter(other.missing_daily_reports.items()))
    assert cells(result.output, village) == [f"{days} / 366"]


def test_simulate_refuses_a_store_that_holds_the_simulation_in_one_line(small_db: tuple[Path, str]) -> None:
    db, _ = small_db
    with SQLiteEventStore(db) as store:
        before = store.digest().root
    line = one_line(run_main("households", "simulate", "--scale", "0.05", "--seed", "9", "--db", str(db)))
    assert line == f"error: db: {db} already holds the households of the simulation xiqi-x0.05; " + (
        "give another --db, or another --scale"
    )
    with SQLiteEventStore(db) as store:
        assert store.digest().root == before


def test_simulate_refuses_an_unknown_policy_in_one_line_and_creates_no_file(tmp_path: Path) -> None:
    line = one_line(run_main("households", "simulate", "--policy", "yongji-54333", "--db", str(tmp_path / "x.db")))
    assert "'yongji-54333' is a dispute policy" in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("scale", ["0", "-1", "inf", "nan"])
def test_simulate_refuses_a_scale_that_is_not_a_number_above_zero(tmp_path: Path, scale: str) -> None:
    line = one_line(run_main("households", "simulate", "--scale", scale, "--db", str(tmp_path / "x.db")))
    assert line.startswith("error: scale: scale must be a number more than 0, got ")
    assert list(tmp_path.iterdir()) == []


# -- report ---------------------------------------------------------------------------------
def test_report_gives_the_simulations_figures(small_db: tuple[Path, str]) -> None:
    db, _ = small_db
    output = report(db, "--at", "2024-12-31")
    figures, metrics = expected().figures(), expected().metrics
    assert f"xiqi-family-risk · {figures['screened']} households" in output
    assert cells(output, "households screened") == [str(figures["screened"])]
    assert cells(output, "households watched") == [str(figures["watched"])]
    assert cells(output, "watched, not classed") == [str(figures["unclassed"])]
    assert cells(output, "help not reported in") == [str(int(metrics["help.pending"]))]
    classes = ", ".join(f"{c.label('en')} {int(metrics[f'class.{c}'])}" for c in fq.RiskClass if metrics[f"class.{c}"])
    assert f"risk classes: {classes}\n" in output
    work = ", ".join(f"{k.label('en')} {int(metrics[f'work.{k}'])}" for k in fq.WorkKind)
    assert f"kinds of work: {work}\n" in output


def test_report_in_chinese_labels_the_classes_and_kinds_of_work(small_db: tuple[Path, str]) -> None:
    db, _ = small_db
    output = report(db, "--at", "2024-12-31", "--lang", "zh")
    metrics = expected().metrics
    assert f"三类 {int(metrics['class.III'])}" in output
    assert f"困难家庭帮扶 {int(metrics['work.hardship_help'])}" in output
    assert cells(output, "摸排户数") == [str(SMALL.households)]
    assert "2024-12-31 日终逾期：" in output
    assert "risk classes" not in output


def test_report_shows_help_overdue_only_after_the_day_it_fell_due(tmp_path: Path) -> None:
    db = tmp_path / "town.db"
    referred(db, ["tian"])
    assert "overdue at the end of 2024-03-07: 0" in report(db, "--at", "2024-03-07")
    output = report(db, "--at", "2024-03-08")
    assert "overdue at the end of 2024-03-08: 1" in output
    assert "  tian  西歧村  xiqi.help.report-in  due 2024-03-08 09:00  civil affairs reports in within 7 days" in output


def test_report_lists_ten_overdue_deadlines_and_counts_the_rest(tmp_path: Path) -> None:
    db = tmp_path / "town.db"
    referred(db, [f"h-{n:02d}" for n in range(13)])
    output = report(db, "--at", "2024-04-01")
    assert "overdue at the end of 2024-04-01: 13" in output
    listed = [line for line in output.splitlines() if "xiqi.help.report-in" in line]
    assert [line.split()[0] for line in listed] == [f"h-{n:02d}" for n in range(10)]
    assert "  … and 3 more" in output
    assert "另有 3 项" in report(db, "--at", "2024-04-01", "--lang", "zh")


def test_report_shows_a_village_name_as_it_is_even_if_it_looks_like_markup(tmp_path: Path) -> None:
    db = tmp_path / "town.db"
    referred(db, ["tian"], village="[red]西歧村")
    assert "  tian  [red]西歧村  xiqi.help.report-in" in report(db, "--at", "2024-04-01")


def test_report_judges_the_deadlines_today_by_default(tmp_path: Path) -> None:
    db = tmp_path / "town.db"
    referred(db, ["tian"])
    today = datetime.now(CHINA_TZ).date()
    assert f"overdue at the end of {today}: 1" in report(db)


def test_report_of_a_store_without_households_says_so(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    assert CliRunner().invoke(app, ["demo", "--db", str(db)], env=WIDE).exit_code == 0
    assert report(db).strip() == f"{db}: no households"


def test_report_refuses_a_store_that_does_not_exist_in_one_line_and_creates_none(tmp_path: Path) -> None:
    line = one_line(run_main("households", "report", "--db", str(tmp_path / "nope.db")))
    assert line == f"error: db: {tmp_path / 'nope.db'} is not a file"
    assert list(tmp_path.iterdir()) == []


def test_report_refuses_a_malformed_day_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "town.db"
    referred(db, ["tian"])
    line = one_line(run_main("households", "report", "--db", str(db), "--at", "2024-02-30"))
    assert line == "error: at: '2024-02-30' is not a day; write it as YYYY-MM-DD"


def test_report_refuses_a_dispute_policy_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "town.db"
    referred(db, ["tian"])
    line = one_line(run_main("households", "report", "--db", str(db), "--policy", "yongji-54333"))
    assert line.startswith("error: policy: unknown household policy 'yongji-54333'")


def test_report_reads_the_households_from_the_ledger_table_it_keeps_in_the_file(tmp_path: Path) -> None:
    db = tmp_path / "town.db"
    referred(db, ["tian", "wang"])
    assert "overdue at the end of 2024-03-08: 2" in report(db, "--at", "2024-03-08")
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT id, policy, pending_help FROM household_ledger ORDER BY id").fetchall()
    assert rows == [("tian", "xiqi-family-risk", 1), ("wang", "xiqi-family-risk", 1)]


# -- fengqiao report: the households section ---------------------------------------------------
def dispute_report(db: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["report", "--db", str(db), *args], env=WIDE)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_dispute_report_counts_the_households_from_the_ledger(small_db: tuple[Path, str]) -> None:
    db, _ = small_db
    output = dispute_report(db, "--day", "2024-12-31")
    figures = expected().figures()
    assert "no disputes\n" in output
    assert "households · xiqi-family-risk" in output
    for key, label in (("screened", "households screened"), ("watched", "households watched")):
        assert cells(output, label) == [str(figures[key])]
    for c in fq.RiskClass:
        assert cells(output, c.label("en")) == [str(figures[f"class.{c}"])]
    assert cells(output, "watched, not classed") == [str(figures["unclassed"])]
    assert cells(output, "household deadlines overdue (2024-12-31)") == ["0"]


def test_the_dispute_report_in_chinese_labels_the_households_section(small_db: tuple[Path, str]) -> None:
    db, _ = small_db
    output = dispute_report(db, "--day", "2024-12-31", "--lang", "zh")
    figures = expected().figures()
    assert "家庭 · xiqi-family-risk" in output
    assert cells(output, "摸排户数") == [str(figures["screened"])]
    assert cells(output, "二类") == [str(figures["class.II"])]
    assert cells(output, "关注未定级") == [str(figures["unclassed"])]
    assert cells(output, "家庭逾期（2024-12-31 日终）") == ["0"]


def test_the_dispute_report_counts_household_deadlines_overdue_at_the_end_of_the_day(tmp_path: Path) -> None:
    db = tmp_path / "town.db"
    assert CliRunner().invoke(app, ["demo", "--db", str(db)], env=WIDE).exit_code == 0
    referred(db, ["tian", "wang"])
    assert cells(dispute_report(db, "--day", "2024-03-07"), "household deadlines overdue (2024-03-07)") == ["0"]
    output = dispute_report(db, "--day", "2024-03-08")
    assert cells(output, "household deadlines overdue (2024-03-08)") == ["2"]
    assert cells(output, "closed") == ["1"]  # the demo's dispute, above the households


def test_the_dispute_report_of_a_store_without_households_shows_nothing_of_them(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    assert CliRunner().invoke(app, ["demo", "--db", str(db)], env=WIDE).exit_code == 0
    output = dispute_report(db)
    assert "closed" in output
    assert "household" not in output


def test_policies_lists_the_household_policies_and_describes_one() -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["policies"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    line = next(row for row in listed.output.splitlines() if "xiqi-family-risk" in row)
    assert "households" in line
    described = runner.invoke(app, ["policies", "xiqi-family-risk"], env={"COLUMNS": "200"})
    assert described.exit_code == 0, described.output
    assert "(households)" in described.output
    assert "xiqi.manage.no-cadre" in described.output


def test_diagram_draws_a_household_policys_graph() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["diagram", "--policy", "xiqi-family-risk", "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert result.output == fq.HouseholdWorkflow("xiqi-family-risk").diagram(lang="zh")


def test_report_counts_each_villages_missed_daily_reports_from_the_stored_reports(small_db: tuple[Path, str]) -> None:
    db, _ = small_db
    output = report(db, "--at", "2024-12-31")
    end = expected().end  # 24:00 on 31 December: that day's report is due, not yet overdue
    wf = fq.PlaceWorkflow("xiqi-family-risk")
    missed = {p.name: len(wf.checks(p, at=end)["xiqi.daily-report"].missed) for p in expected().places}
    assert sum(missed.values()) > 0
    for village, days in missed.items():
        assert cells(output, village) == [f"{days} / 365"]
    assert cells(output, "total") == [f"{sum(missed.values())} / {365 * 12}"]
    chinese = report(db, "--at", "2024-12-31", "--lang", "zh")
    assert "各村报告缺报" in chinese
    assert cells(chinese, "合计") == [f"{sum(missed.values())} / {365 * 12}"]


def test_report_of_a_store_without_places_shows_no_reports_table(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    referred(db, ["h-1"])
    output = report(db, "--at", "2024-12-31")
    assert "reports missed per place" not in output


def test_report_refuses_households_screened_under_another_policy_unless_what_if(small_db: tuple[Path, str]) -> None:
    db, _ = small_db
    figures = expected().figures()
    line = one_line(run_main("households", "report", "--db", str(db), "--policy", "household-base"))
    assert line == (
        f"error: policy: the households in {db} were handled under another policy than household-base"
        f" (opened under xiqi-family-risk ({figures['screened']})): give the policy they were handled under,"
        " or add --what-if to judge them under household-base"
    )
    what_if = report(db, "--policy", "household-base", "--what-if", "--at", "2024-12-31")
    assert (
        what_if.splitlines()[0]
        == f"what-if: judged under household-base (opened under xiqi-family-risk ({figures['screened']}))"
    )
    zh = report(db, "--policy", "household-base", "--what-if", "--at", "2024-12-31", "--lang", "zh")
    assert (
        zh.splitlines()[0]
        == f"假设分析：按 household-base 判断（家庭按 xiqi-family-risk（{figures['screened']} 户）办理）"
    )
    assert "what-if" not in report(db, "--at", "2024-12-31")


def test_the_dispute_report_refuses_households_screened_under_another_household_policy(
    small_db: tuple[Path, str],
) -> None:
    db, _ = small_db
    line = one_line(run_main("report", "--db", str(db), "--household-policy", "household-base"))
    assert line.startswith(
        f"error: policy: the households in {db} were handled under another policy than household-base"
    )
    output = dispute_report(db, "--household-policy", "household-base", "--what-if", "--day", "2024-12-31")
    assert output.startswith("what-if: judged under household-base (opened under xiqi-family-risk (")
