"""The repository's typed commands: each stores what the workflow decides, and a type checker sees its fields."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

import fengqiao as fq
from fengqiao.errors import ValidationError
from fengqiao.storage import MemoryEventStore, Repository
from fengqiao.storage.aio import AsyncRepository, ThreadedEventStore
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

ASYNC_USER_SCRIPT = """\
import fengqiao as fq
from fengqiao.storage import MemoryEventStore
from fengqiao.storage.aio import AsyncRepository, ThreadedEventStore


async def station() -> fq.Dispute:
    repo = AsyncRepository(fq.Workflow("baseline"), ThreadedEventStore(MemoryEventStore()))
    d = await repo.discover(channel="alarm_110", category="neighbour", summary="x", actor="officer:a")
    d = await repo.grade(d, actor="officer:a", {grade_field}=True)
    return await repo.mediate(d, actor="officer:a")
"""


def test_the_async_repository_has_the_typed_commands_awaited() -> None:
    async def life() -> fq.Dispute:
        repo = AsyncRepository(workflow(), ThreadedEventStore(MemoryEventStore()))
        d = await repo.discover(channel="alarm_110", category="neighbour", summary="噪音", actor=OFFICER)
        d = await repo.grade(d, actor=OFFICER, complex=True)
        d = await repo.mediate(d, actor=OFFICER)
        with pytest.raises(ValidationError) as caught:
            repo.record_attempt(d, actor=OFFICER, outcom="agreement")  # type: ignore[call-arg, unused-coroutine]
        assert caught.value.path == "record_attempt.outcom"
        return await repo.get(d.id)

    d = asyncio.run(life())
    assert (d.state, d.version) == (fq.State.MEDIATING, 3)


@pytest.mark.parametrize("script", [USER_SCRIPT, ASYNC_USER_SCRIPT], ids=["sync", "async"])
@pytest.mark.parametrize(("field", "errors"), [("complex", []), ("compelx", ['"compelx"'])])
def test_mypy_strict_catches_a_misspelt_field_in_a_users_script(
    tmp_path: Path, script: str, field: str, errors: list[str]
) -> None:
    path = tmp_path / "station.py"
    path.write_text(script.format(grade_field=field), encoding="utf-8")
    found = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            str(path),
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
