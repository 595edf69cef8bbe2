"""The CLI with arbitrary arguments: an answer or one error line, never a traceback, never a personal number."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from fengqiao.cli import app
from fengqiao.errors import FengqiaoError
from tests.fuzz.garbage import ID_NUMBER, PERSONAL, PHONE

COMMANDS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("policies",): ("--lang",),
    ("diagram",): ("--policy", "--format", "--lang"),
    ("simulate",): ("--policy", "--db", "--scale", "--seed", "--workers"),
    ("report",): ("--policy", "--db", "--day", "--station", "--lang"),
    ("replay",): ("--policy", "--db", "--show"),
    ("db", "upgrade"): ("--db", "--dsn"),
    ("db", "digest"): ("--db", "--dsn", "--out"),
    ("db", "verify"): ("--db", "--dsn", "--anchor", "--lang"),
    ("db", "retry"): ("--db", "--dsn", "--policy", "--lang"),
}
PATHS = ("--db", "--dsn", "--out", "--anchor")
CHOICES = ("--format", "--lang")
VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            "baseline",
            "yongji-54333",
            "nosuch",
            "zh",
            "en",
            "dot",
            "0",
            "-1",
            "0.0001",
            "nan",
            "1e400",
            str(2**70),
            "2024-02-30",
            "2024-01-31",
            "store.db",
            "missing/dir/x.db",
            "anchor.txt",
            "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1",
            "not a dsn ===",
            PHONE,
            ID_NUMBER,
            "\u202e",
            "\x1b[31m",
        ]
    ),
    st.text(max_size=8),
)


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with a small store in ``store.db`` (a simulated Yongji season) and its anchor."""
    where = tmp_path_factory.mktemp("cli-fuzz")
    runner = CliRunner()
    cwd = Path.cwd()
    os.chdir(where)
    try:
        made = runner.invoke(
            app, ["simulate", "yongji", "--policy", "yongji-54333", "--scale", "0.002", "--db", "store.db"]
        )
        assert made.exit_code == 0, made.output
        digest = runner.invoke(app, ["db", "digest", "--db", "store.db", "--out", "anchor.txt"])
        assert digest.exit_code == 0, digest.output
    finally:
        os.chdir(cwd)
    return where


@settings(
    max_examples=int(os.environ.get("FENGQIAO_FUZZ_EXAMPLES", "25")) * 4,
    deadline=None,
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_command_line_gets_an_answer_or_one_error_line(
    data: st.DataObject, station: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(station)
    command = data.draw(st.sampled_from(sorted(COMMANDS)))
    argv = list(command)
    for option in data.draw(st.lists(st.sampled_from(COMMANDS[command]), max_size=4, unique=True)):
        value = data.draw(VALUES)
        if option in PATHS + CHOICES and value in PERSONAL:
            # A path is the caller's own configuration, and click's usage error repeats a bad
            # choice as typed: neither is personal data handled by fengqiao.
            value = "store.db"
        if option == "--scale":
            value = data.draw(st.sampled_from(["0", "-1", "nan", "inf", "0.0001", "x", "1e400"]))
        argv += [option, value]
    if command == ("simulate",):
        argv.insert(1, data.draw(st.sampled_from(["yongji", "nosuch", ""])))
    result = CliRunner().invoke(app, argv)
    error = result.exception
    if isinstance(error, FengqiaoError):  # what fengqiao.cli.main prints as one line, exit 2
        for number in PERSONAL:
            assert number not in str(error), (argv, str(error)[:500])
        return
    assert error is None or isinstance(error, SystemExit), f"{argv}: {type(error).__name__}: {error}"
    assert result.exit_code in (0, 1, 2), (argv, result.exit_code, result.output[-500:])
    assert "Traceback" not in result.output, (argv, result.output[-1500:])
    for number in PERSONAL:
        assert number not in result.output, (argv, result.output[-500:])
