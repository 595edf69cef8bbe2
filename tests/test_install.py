"""The built wheel in a clean venv without extras: what a new user gets from ``pip install fengqiao``.

Slow (a wheel build and a venv with the core dependencies, from pip's cache once it is warm), so the
venv is made once per run and every check here shares it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]

pytestmark = pytest.mark.install


def run(argv: Sequence[str | Path], **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "COLUMNS": "120", **env}
    environment.pop("PYTHONPATH", None)  # nothing of the working tree leaks in
    return subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, timeout=900, check=False, env=environment
    )


@pytest.fixture(scope="session")
def clean_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the wheel built from this tree, installed without extras; its ``bin`` directory."""
    where = tmp_path_factory.mktemp("clean-install")
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", where / "dist", ROOT])
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (where / "dist").glob("fengqiao-*.whl")
    made = run([sys.executable, "-m", "venv", where / "venv"])
    assert made.returncode == 0, made.stderr[-2000:]
    bin_ = where / "venv" / "bin"
    installed = run([bin_ / "python", "-m", "pip", "install", "--quiet", wheel])
    assert installed.returncode == 0, installed.stderr[-2000:]
    return bin_


def test_fengqiao_help_works_on_a_plain_install(clean_venv: Path) -> None:
    result = run([clean_venv / "fengqiao", "--help"])
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    for command in ("simulate", "report", "replay", "policies"):
        assert command in result.stdout


def test_python_m_fengqiao_help_works_on_a_plain_install(clean_venv: Path) -> None:
    result = run([clean_venv / "python", "-m", "fengqiao", "--help"])
    assert result.returncode == 0, result.stderr[-2000:]
    assert "simulate" in result.stdout


def test_a_plain_install_runs_a_command_end_to_end(clean_venv: Path, tmp_path: Path) -> None:
    result = run([clean_venv / "fengqiao", "demo", "--db", tmp_path / "demo.db"])
    assert result.returncode == 0, result.stderr[-2000:]
    assert "final state: closed" in result.stdout


def test_the_cli_extra_still_installs_for_old_install_lines(clean_venv: Path) -> None:
    (wheel,) = (clean_venv.parents[1] / "dist").glob("fengqiao-*.whl")
    result = run([clean_venv / "python", "-m", "pip", "install", f"fengqiao[cli] @ {wheel.as_uri()}"])
    assert result.returncode == 0, result.stderr[-2000:]
    assert "does not provide the extra" not in result.stderr


def test_a_plain_install_names_the_extra_a_feature_needs(clean_venv: Path) -> None:
    testing = run([clean_venv / "python", "-c", "import fengqiao.testing"])
    assert testing.returncode == 1
    assert testing.stderr.splitlines()[-1] == (
        "ModuleNotFoundError: fengqiao.testing needs the testing extra (hypothesis is not installed):"
        " pip install 'fengqiao[testing]'"
    )
    postgres = run([clean_venv / "fengqiao", "db", "verify", "--dsn", "postgresql://nobody@127.0.0.1:1/none"])
    assert (postgres.returncode, postgres.stdout) == (2, "")
    assert postgres.stderr == (
        "error: PostgresEventStore needs the postgres extra (psycopg is not installed):"
        " pip install 'fengqiao[postgres]'\n"
    )
