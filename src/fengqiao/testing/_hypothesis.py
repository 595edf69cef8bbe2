"""Registered through hypothesis' ``hypothesis`` entry point: ``st.from_type(Dispute)`` works.

Hypothesis calls :func:`_hypothesis_setup_hook` while it is being imported, which may be in
the middle of importing :mod:`fengqiao.testing` itself; so the hook imports only core types
and registers *deferred* strategies that import the toolkit when first drawn from.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from fengqiao.domain.actor import Actor
from fengqiao.domain.dossier import DossierItem
from fengqiao.domain.party import Alert, Party
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Event
from fengqiao.lifecycle.payloads import Assessment, Grading


def _strategy(name: str) -> st.SearchStrategy[Any]:
    def build() -> st.SearchStrategy[Any]:
        from fengqiao.testing import strategies

        return getattr(strategies, name)()  # type: ignore[no-any-return]

    return st.deferred(build)


def _disputes() -> st.SearchStrategy[Dispute]:
    def build() -> st.SearchStrategy[Dispute]:
        from datetime import datetime
        from itertools import count

        from fengqiao.domain.clock import FixedClock
        from fengqiao.policies.base import CHINA_TZ
        from fengqiao.testing.commands import lifecycles
        from fengqiao.workflow import Workflow

        def baseline() -> Workflow:
            ids = count(1)
            clock = FixedClock(datetime(2024, 1, 1, 8, tzinfo=CHINA_TZ))
            return Workflow("baseline", clock=clock, ids=lambda: f"D{next(ids)}")

        return lifecycles(baseline, max_steps=15).map(lambda run: run.dispute)

    return st.deferred(build)


def _hypothesis_setup_hook() -> None:
    """Tell hypothesis how to build every fengqiao value."""
    st.register_type_strategy(Party, _strategy("parties"))
    st.register_type_strategy(Alert, _strategy("alerts"))
    st.register_type_strategy(DossierItem, _strategy("dossier_items"))
    st.register_type_strategy(Actor, _strategy("actors"))
    st.register_type_strategy(Assessment, _strategy("assessments"))
    st.register_type_strategy(Grading, _strategy("gradings"))
    st.register_type_strategy(Event, _strategy("events"))
    st.register_type_strategy(Dispute, _disputes())
