"""The repository's typed commands: each stores what the workflow decides, and a type checker sees its fields."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import fengqiao as fq
from fengqiao.errors import ValidationError
from fengqiao.storage import MemoryEventStore, Repository
from fengqiao.testing.contracts.support import workflow

ROOT = Path(__file__).resolve().parents[2]
OFFICER = "officer:xiao"


def test_each_typed_command_stores_what_the_workflow_decides() -> None:
    wf = workflow()
    repo = Repository(wf, MemoryEventStore())
    d = repo.discover(channel="alarm_110", category="neighbour", summary="噪音", actor=OFFICER)
    d = repo.grade(d, actor=OFFICER, complex=True)
    d = repo.mediate(d, actor=OFFICER)
    d = repo.record_attempt(d, actor=OFFICER, outcome="agreement")
    d = repo.resolve(d, actor=OFFICER, summary="和解")
    assert d.state is fq.State.FOLLOW_UP
    assert repo.store.load(d.id) == d.history
    assert repo.get(d.id) == d


def test_a_misspelt_field_is_a_validation_error_naming_it_and_stores_nothing() -> None:
    repo = Repository(workflow(), MemoryEventStore())
    with pytest.raises(ValidationError) as caught:
        repo.discover(chanel="alarm_110", category="neighbour", summary="x", actor=OFFICER)  # type: ignore[call-arg]
    assert caught.value.path == "discover.chanel"
    d = repo.discover(channel="alarm_110", category="neighbour", summary="x", actor=OFFICER)
    with pytest.raises(ValidationError) as caught:
        repo.grade(d, actor=OFFICER, compelx=True)  # type: ignore[call-arg]
    assert caught.value.path == "grade.compelx"
    assert repo.store.load(d.id) == d.history


USER_SCRIPT = """\
import fengqiao as fq
from fengqiao.storage import MemoryEventStore, Repository

repo = Repository(fq.Workflow("baseline"), MemoryEventStore())
d = repo.discover(channel="alarm_110", category="neighbour", summary="x", actor="officer:a")
d = repo.grade(d, actor="officer:a", {grade_field}=True)
d = repo.fire(d, "mediate", actor="officer:a")
"""


@pytest.mark.parametrize(("field", "errors"), [("complex", []), ("compelx", ['"compelx"'])])
def test_mypy_strict_catches_a_misspelt_field_in_a_users_script(tmp_path: Path, field: str, errors: list[str]) -> None:
    script = tmp_path / "station.py"
    script.write_text(USER_SCRIPT.format(grade_field=field), encoding="utf-8")
    found = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            str(script),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    lines = [line for line in found.stdout.splitlines() if ": error:" in line]
    assert [e for e in errors if not any(e in line for line in lines)] == [], found.stdout
    assert len(lines) == len(errors), found.stdout
    assert found.returncode == (1 if errors else 0), found.stdout + found.stderr
