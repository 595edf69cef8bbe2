"""Policies: the ``Policy`` protocol, its base class, composition, the registry and built-ins.

>>> import fengqiao as fq
>>> "baseline" in fq.policies.names()
True
>>> fq.policies.get("baseline").name
'baseline'
"""

from fengqiao.policies.base import (
    CHINA_TZ,
    BasePolicy,
    Deadline,
    DeadlineStatus,
    DossierRequirement,
    Policy,
)
from fengqiao.policies.baseline import Baseline
from fengqiao.policies.compose import Composite, compose
from fengqiao.policies.huainan_two_clears import HuainanTwoClears
from fengqiao.policies.huaiyang_ten_categories import HuaiyangTenCategories
from fengqiao.policies.registry import ENTRY_POINT_GROUP, get, names, register
from fengqiao.policies.yongji_54333 import Yongji54333

__all__ = [
    "CHINA_TZ",
    "ENTRY_POINT_GROUP",
    "BasePolicy",
    "Baseline",
    "Composite",
    "Deadline",
    "DeadlineStatus",
    "DossierRequirement",
    "HuainanTwoClears",
    "HuaiyangTenCategories",
    "Policy",
    "Yongji54333",
    "compose",
    "get",
    "names",
    "register",
]

register("baseline", Baseline)
register("huainan-two-clears", HuainanTwoClears)
register("huaiyang-ten-categories", HuaiyangTenCategories)
register("yongji-54333", Yongji54333)
