"""Seeded synthetic dispute streams, calibrated to the reports, run through any policy.

>>> from fengqiao.simulation import simulate, yongji_2024
>>> result = simulate(yongji_2024().scaled(0.02), "yongji-54333")
>>> result.total == sum(result.states.values())
True

See ``docs/simulation.md`` for the calibrations and a comparison of policies.
"""

from fengqiao.simulation.agent import Officer
from fengqiao.simulation.run import CHUNK, Progress, SimulationResult, simulate
from fengqiao.simulation.scenario import Scenario, Staff, huaiyang_year, province, yongji_2024, yuncheng_2024

__all__ = [
    "CHUNK",
    "Officer",
    "Progress",
    "Scenario",
    "SimulationResult",
    "Staff",
    "huaiyang_year",
    "province",
    "simulate",
    "yongji_2024",
    "yuncheng_2024",
]
