"""Every policy's docs page shows the diagram its workflow draws (its python blocks run as docs tests)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import fengqiao as fq

PAGES = Path(__file__).resolve().parents[2] / "docs" / "policies"


@pytest.mark.parametrize("policy", fq.policies.names())
def test_the_policys_docs_page_shows_its_own_diagram(policy: str) -> None:
    text = (PAGES / f"{policy.replace('-', '_')}.md").read_text(encoding="utf-8")
    (diagram,) = re.findall(r"```mermaid\n(.*?)```", text, flags=re.DOTALL)
    assert diagram.strip() == fq.Workflow(policy).diagram().strip()


@pytest.mark.parametrize("policy", [n for n in fq.policies.household_names() if n != "household-base"])
def test_a_household_policys_docs_page_shows_its_own_diagram(policy: str) -> None:
    text = (PAGES / f"{policy.replace('-', '_')}.md").read_text(encoding="utf-8")
    (diagram,) = re.findall(r"```mermaid\n(.*?)```", text, flags=re.DOTALL)
    assert diagram.strip() == fq.HouseholdWorkflow(policy).diagram().strip()
