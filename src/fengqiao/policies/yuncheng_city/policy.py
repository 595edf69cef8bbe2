"""``YunchengCity``: Yongji's "54333" composed with what Yuncheng city adds (:class:`CityRules`).

See the package docstring for the mechanism.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from fengqiao.errors import PolicyDefinitionError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.policies.compose import Composite
from fengqiao.policies.yongji_54333 import Yongji54333
from fengqiao.policies.yuncheng_city.figures import count_city
from fengqiao.policies.yuncheng_city.rules import CityRules

__all__ = ["YunchengCity"]


class YunchengCity(Composite):
    """Yuncheng city (运城市公安局): ``compose(yongji, city)`` under the name ``yuncheng-city``.

    Yongji grades, routes and keeps its rules (the four forces, 联调联处, the A/B dossier, the
    three visits, referrals tracked); the city's rules are added to them, and the figures are
    the city's (:func:`~fengqiao.policies.yuncheng_city.count_city`).

    Args:
        yongji: Yongji's "54333", the city-wide practice (``Yongji54333()`` by default); pass
            your own to change its grading table, forces, visits or dossier.
        city: the city's own rules (``CityRules()`` by default): its rooms and centres
            (``CityRules(network=CityNetwork.from_toml(...))``), joint kinds, docking date.
    """

    def __init__(self, yongji: Yongji54333 | None = None, city: CityRules | None = None) -> None:
        yongji = Yongji54333() if yongji is None else yongji
        city = CityRules() if city is None else city
        if not isinstance(yongji, Yongji54333):
            raise PolicyDefinitionError(f"yuncheng-city: yongji must be a Yongji54333, got {type(yongji).__name__}")
        if not isinstance(city, CityRules):
            raise PolicyDefinitionError(f"yuncheng-city: city must be CityRules, got {type(city).__name__}")
        super().__init__((yongji, city))
        self.name = "yuncheng-city"
        self.yongji, self.city = yongji, city

    @property
    def rate_decimals(self) -> int:
        """The decimals of the city's resolution rate (the city rules', 2: 97.68%)."""
        return self.city.rate_decimals

    def metrics(self, disputes: Iterable[Dispute]) -> Mapping[str, float]:
        """The city's figures: Yongji's counts with the centres' results and ``multi_party`` (see ``figures``)."""
        return count_city(disputes, yongji=self.yongji, city=self.city)
