"""Seeded synthetic dispute streams and household years, calibrated to the reports, run through any policy.

>>> from fengqiao.simulation import simulate, yongji_2024
>>> result = simulate(yongji_2024().scaled(0.02), "yongji-54333")
>>> result.total == sum(result.states.values())
True

Households (Xiqi's family-risk work) have a simulation of their own: :func:`simulate_households`
with the preset :func:`xiqi`. See ``docs/simulation.md`` for the calibrations and a comparison
of policies.
"""

from fengqiao.simulation._agents import Agent, AgentFactory, agent_for, led_by, register_agent
from fengqiao.simulation._court_agent import Court
from fengqiao.simulation.agent import Officer
from fengqiao.simulation.households import (
    HouseholdScenario,
    HouseholdSimulationResult,
    Village,
    simulate_households,
    xiqi,
)
from fengqiao.simulation.run import CHUNK, Progress, SimulationResult, simulate
from fengqiao.simulation.scenario import (
    Scenario,
    Staff,
    huaiyang_year,
    mashan_since_2016,
    province,
    puzhou_2024,
    shanxi_three_years,
    yongji_2024,
    yuncheng_2024,
)

__all__ = [
    "CHUNK",
    "Agent",
    "AgentFactory",
    "Court",
    "HouseholdScenario",
    "HouseholdSimulationResult",
    "Officer",
    "Progress",
    "Scenario",
    "SimulationResult",
    "Staff",
    "Village",
    "agent_for",
    "huaiyang_year",
    "led_by",
    "mashan_since_2016",
    "province",
    "puzhou_2024",
    "register_agent",
    "shanxi_three_years",
    "simulate",
    "simulate_households",
    "xiqi",
    "yongji_2024",
    "yuncheng_2024",
]
