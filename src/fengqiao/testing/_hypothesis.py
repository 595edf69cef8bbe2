"""Registered through hypothesis' ``hypothesis`` entry point: ``st.from_type(Dispute)`` works.

Hypothesis calls :func:`_hypothesis_setup_hook` when it loads, if fengqiao is installed.
"""

from __future__ import annotations

from datetime import datetime
from itertools import count

from hypothesis import strategies as st

from fengqiao.domain.actor import Actor
from fengqiao.domain.clock import FixedClock
from fengqiao.domain.dossier import DossierItem
from fengqiao.domain.party import Alert, Party
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Event
from fengqiao.lifecycle.payloads import Assessment, Grading
from fengqiao.policies.base import CHINA_TZ
from fengqiao.testing.commands import lifecycles
from fengqiao.testing.strategies import actors, alerts, assessments, dossier_items, events, gradings, parties
from fengqiao.workflow import Workflow


def _baseline() -> Workflow:
    ids = count(1)
    return Workflow("baseline", clock=FixedClock(datetime(2024, 1, 1, 8, tzinfo=CHINA_TZ)), ids=lambda: f"D{next(ids)}")


def _hypothesis_setup_hook() -> None:
    """Tell hypothesis how to build every fengqiao value."""
    st.register_type_strategy(Party, parties())
    st.register_type_strategy(Alert, alerts())
    st.register_type_strategy(DossierItem, dossier_items())
    st.register_type_strategy(Actor, actors())
    st.register_type_strategy(Assessment, assessments())
    st.register_type_strategy(Grading, gradings())
    st.register_type_strategy(Event, events())
    st.register_type_strategy(Dispute, lifecycles(_baseline, max_steps=15).map(lambda run: run.dispute))
