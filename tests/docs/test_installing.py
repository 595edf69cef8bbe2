"""The Installing page says what the package metadata says: its Pythons and its extras."""

from __future__ import annotations

import re
import tomllib

from tests.docs.conftest import ROOT

PAGE = (ROOT / "docs" / "installing.md").read_text(encoding="utf-8")
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_page_names_every_python_the_classifiers_list() -> None:
    pythons = [c.rpartition(":: ")[2] for c in PROJECT["classifiers"] if re.fullmatch(r".*Python :: 3\.\d+", c)]
    assert pythons
    minimum = PROJECT["requires-python"].removeprefix(">=")
    assert f"Python {minimum} or newer" in PAGE
    supported = re.search(r"supports Python ([\d., and]+)", PAGE)
    assert supported is not None
    assert re.findall(r"3\.\d+", supported.group(1)) == pythons


def test_the_page_lists_every_extra_a_user_installs() -> None:
    extras = set(PROJECT["optional-dependencies"]) - {"dev", "bench"}  # the project's own tooling
    listed = set(re.findall(r"^\| `([a-z]+)` \|", PAGE, re.MULTILINE))
    assert listed == extras
