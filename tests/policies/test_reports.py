"""How a policy offers reports: ``reports()`` by name, optional in the protocol."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

import fengqiao as fq
from fengqiao.errors import PolicyDefinitionError
from fengqiao.policies.reports import reports_of


@pytest.mark.parametrize(
    ("name", "offered"),
    [
        ("baseline", []),
        ("yongji-54333", []),
        ("huainan-two-clears", ["dispatch"]),
        ("huaiyang-ten-categories", ["rewards"]),
    ],
)
def test_each_built_in_policy_names_its_reports(name: str, offered: list[str]) -> None:
    assert sorted(reports_of(fq.policies.get(name))) == offered


def test_a_policys_reports_are_bound_to_that_policy() -> None:
    policy = fq.policies.get("huainan-two-clears")
    assert getattr(reports_of(policy)["dispatch"], "__self__", None) is policy


def test_a_policy_without_a_reports_method_offers_none() -> None:
    class Bare:
        name = "bare"

    assert dict(reports_of(Bare())) == {}


@pytest.mark.parametrize("given", [["dispatch"], {"dispatch": 5}, {5: print}])
def test_reports_that_are_not_a_mapping_of_names_to_callables_are_a_definition_error(given: Any) -> None:
    class Broken(fq.BasePolicy):
        name = "broken"

        def reports(self) -> Mapping[str, Any]:
            return given  # type: ignore[no-any-return]

    with pytest.raises(PolicyDefinitionError, match="broken"):
        reports_of(Broken())
