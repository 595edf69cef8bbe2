"""fengqiao's testing toolkit: hypothesis strategies and random lifecycles for your own rules.

Needs the ``testing`` extra (hypothesis). See the docs page "Testing your policy".
"""

from fengqiao.testing.commands import Lifecycle, PayloadStrategy, Step, lifecycles, payloads_for
from fengqiao.testing.harness import Invariant, PolicyStateMachine, policy_state_machine
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
    refused_texts,
    texts,
    vocabulary,
)

__all__ = [
    "Invariant",
    "Lifecycle",
    "PayloadStrategy",
    "PolicyStateMachine",
    "Step",
    "actors",
    "alerts",
    "assessments",
    "aware_datetimes",
    "dossier_items",
    "events",
    "gradings",
    "lifecycles",
    "names",
    "parties",
    "payloads_for",
    "policy_state_machine",
    "refused_texts",
    "texts",
    "vocabulary",
]
