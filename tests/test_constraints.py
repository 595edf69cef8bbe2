"""The development install is the pinned one: every package installed is in constraints.txt, at its version.

`make` installs under the pins; a dependency added to pyproject.toml without `make lock` is
installed unpinned, and this test names it.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest

CONSTRAINTS = Path(__file__).resolve().parents[1] / "constraints.txt"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[_canonical(name)] = version.strip()
    return pins


def test_every_installed_package_is_pinned_at_the_version_installed() -> None:
    pins = _pins()
    installed = {_canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}
    installed.pop("fengqiao", None)
    if not {"mypy", "ruff", "pytest-markdown-docs"} <= installed.keys():
        pytest.skip("not the development install (make installs it): nothing to compare")
    unpinned = sorted(name for name in installed if name not in pins)
    assert unpinned == [], "installed without a pin: run `make lock`"
    moved = {name: (installed[name], pin) for name, pin in pins.items() if name in installed and installed[name] != pin}
    assert moved == {}, "installed at another version than pinned (installed, pinned): run `make` or `make lock`"


def test_the_pins_are_one_version_each_and_name_no_fengqiao() -> None:
    lines = [line for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.+\-!]+", line) for line in lines), lines
    assert len(_pins()) == len(lines)
    assert "fengqiao" not in _pins()
