"""Which agent drives a policy's disputes: the police officer, the court, or one you register.

A policy says who leads its work with an optional class attribute ``led_by`` (a short word;
``"police"`` when absent). ``mashan-beinong`` says ``"court"``: its court officers and 贝侬 act,
not a station's police. A composed policy is led by its first part. :func:`simulate` asks
:func:`agent_for` for the agent of the policy it runs:

>>> import fengqiao as fq
>>> from fengqiao.simulation import Court, Officer, agent_for
>>> agent_for(fq.policies.get("yongji-54333")) is Officer, agent_for(fq.policies.get("mashan-beinong")) is Court
(True, True)

A third-party policy led by someone else registers its own agent with :func:`register_agent`
(any callable with :class:`~fengqiao.simulation.Officer`'s constructor arguments that returns
an :class:`Agent`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Protocol

from fengqiao.domain._quote import quote
from fengqiao.domain.clock import FixedClock
from fengqiao.errors import ValidationError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.policies.base import Policy
from fengqiao.simulation._court_agent import Court
from fengqiao.simulation.agent import Officer
from fengqiao.simulation.plan import Case
from fengqiao.simulation.scenario import Scenario
from fengqiao.workflow import Workflow

__all__ = ["Agent", "AgentFactory", "agent_for", "led_by", "register_agent"]


class Agent(Protocol):
    """What :func:`~fengqiao.simulation.simulate` asks of an agent."""

    learned: set[str]
    """What it learned from refusals; the only thing one dispute hands the next (see ``run``)."""
    gave_up: bool
    """Whether it left the last dispute open after a bounded number of tries."""

    def handle(self, case: Case) -> Dispute:
        """Drive ``case`` as far as the policy lets; return the last value."""
        ...


AgentFactory = Callable[[Workflow, FixedClock, Scenario, Counter[str]], Agent]
"""Makes an agent from the workflow, its clock, the scenario and the shared refusal counter."""

_AGENTS: dict[str, AgentFactory] = {"police": Officer, "court": Court}


def led_by(policy: Policy) -> str:
    """Who leads ``policy``'s work: its ``led_by`` attribute (of the first part, if composed), else ``"police"``."""
    parts = getattr(policy, "parts", None)
    lead = parts[0] if isinstance(parts, tuple) and parts else policy
    value = getattr(lead, "led_by", "police")
    return value if isinstance(value, str) else "police"


def agent_for(policy: Policy) -> AgentFactory:
    """The agent registered for whoever leads ``policy``.

    Raises:
        ValidationError: no agent is registered for the policy's ``led_by``.
    """
    lead = led_by(policy)
    try:
        return _AGENTS[lead]
    except KeyError:
        known = ", ".join(sorted(_AGENTS))
        raise ValidationError(
            f"no simulated agent for a policy led by {quote(lead)} (known: {known}); "
            "register one with register_agent()",
            "policy",
        ) from None


def register_agent(lead: str, factory: AgentFactory) -> None:
    """Have ``factory`` make the agent of every policy whose ``led_by`` is ``lead`` (replacing any before).

    Raises:
        ValidationError: ``lead`` is not a non-empty word, or ``factory`` is not callable.
    """
    if not isinstance(lead, str) or not lead.strip() or lead != lead.strip():
        raise ValidationError(f"expected who leads as a word such as 'court', got {quote(lead)}", "lead")
    if not callable(factory):
        raise ValidationError(f"expected a callable that makes an agent, got {quote(factory)}", "factory")
    _AGENTS[lead] = factory
