"""fengqiao's testing toolkit: hypothesis strategies and random lifecycles for your own rules.

Needs the ``testing`` extra (hypothesis, and pytest for the contract suites). See the docs
pages "Testing your policy" and "Testing your back-end or policy". The contract suites
(:mod:`fengqiao.testing.contracts`) load on first use, so the strategies need no pytest.
"""

from typing import TYPE_CHECKING, Any

try:
    import hypothesis  # noqa: F401  (the strategies are hypothesis strategies)
except ModuleNotFoundError as exc:  # the testing extra is not installed
    from fengqiao._extras import extra_error

    raise extra_error("fengqiao.testing", exc) from exc

from fengqiao.testing.commands import Lifecycle, PayloadStrategy, Step, lifecycles, payloads_for
from fengqiao.testing.harness import Invariant, PolicyStateMachine, policy_state_machine
from fengqiao.testing.households import (
    HouseholdInvariant,
    HouseholdLifecycle,
    HouseholdStateMachine,
    household_lifecycles,
    household_payloads_for,
    household_state_machine,
    household_story,
)
from fengqiao.testing.places import PlaceLifecycle, place_lifecycles, place_story
from fengqiao.testing.strategies import (
    actors,
    alerts,
    assessments,
    aware_datetimes,
    dossier_items,
    events,
    gradings,
    names,
    parties,
    policy_refs,
    refused_texts,
    texts,
    vocabulary,
)

if TYPE_CHECKING:
    from fengqiao.testing.contracts import EventStoreContract, LedgerContract, PolicyContract

_CONTRACTS = ("EventStoreContract", "LedgerContract", "PolicyContract")

__all__ = [
    "EventStoreContract",
    "HouseholdInvariant",
    "HouseholdLifecycle",
    "HouseholdStateMachine",
    "Invariant",
    "LedgerContract",
    "Lifecycle",
    "PayloadStrategy",
    "PlaceLifecycle",
    "PolicyContract",
    "PolicyStateMachine",
    "Step",
    "actors",
    "alerts",
    "assessments",
    "aware_datetimes",
    "dossier_items",
    "events",
    "gradings",
    "household_lifecycles",
    "household_payloads_for",
    "household_state_machine",
    "household_story",
    "lifecycles",
    "names",
    "parties",
    "payloads_for",
    "place_lifecycles",
    "place_story",
    "policy_refs",
    "policy_state_machine",
    "refused_texts",
    "texts",
    "vocabulary",
]


def __getattr__(name: str) -> Any:
    """Import the contract suites on first use: they need pytest, the strategies do not."""
    if name in _CONTRACTS:
        from fengqiao.testing import contracts

        return getattr(contracts, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
