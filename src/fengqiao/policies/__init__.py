"""Policies: the ``Policy`` protocol, its base class, composition, the registry, built-ins and rhythms.

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
from fengqiao.policies.households import HouseholdBasePolicy, HouseholdPolicy
from fengqiao.policies.huainan_two_clears import HuainanTwoClears
from fengqiao.policies.huaiyang_ten_categories import HuaiyangTenCategories
from fengqiao.policies.jiang_daily_monthly import JiangDailyMonthly
from fengqiao.policies.mashan_beinong import MashanBeinong
from fengqiao.policies.registry import (
    ENTRY_POINT_GROUP,
    get,
    get_household,
    household_names,
    names,
    register,
    register_household,
)
from fengqiao.policies.rhythms import (
    XIQI_DAILY_REPORT,
    XIQI_MONTHLY_DISPATCH,
    XIQI_MONTHLY_MEETING,
    XIQI_RHYTHMS,
    XIQI_WEEKLY_PUSH,
    Cadence,
    Filing,
    LateFiling,
    Period,
    PeriodCheck,
    PlaceCheck,
    Rhythm,
    Weekday,
)
from fengqiao.policies.shanxi_fengqiao_station import ShanxiFengqiaoStation
from fengqiao.policies.xiqi_family_risk import XiqiFamilyRisk
from fengqiao.policies.yongji_54333 import Yongji54333
from fengqiao.policies.yuncheng_city import YunchengCity

__all__ = [
    "CHINA_TZ",
    "ENTRY_POINT_GROUP",
    "XIQI_DAILY_REPORT",
    "XIQI_MONTHLY_DISPATCH",
    "XIQI_MONTHLY_MEETING",
    "XIQI_RHYTHMS",
    "XIQI_WEEKLY_PUSH",
    "BasePolicy",
    "Baseline",
    "Cadence",
    "Composite",
    "Deadline",
    "DeadlineStatus",
    "DossierRequirement",
    "Filing",
    "HouseholdBasePolicy",
    "HouseholdPolicy",
    "HuainanTwoClears",
    "HuaiyangTenCategories",
    "JiangDailyMonthly",
    "LateFiling",
    "MashanBeinong",
    "Period",
    "PeriodCheck",
    "PlaceCheck",
    "Policy",
    "Rhythm",
    "ShanxiFengqiaoStation",
    "Weekday",
    "XiqiFamilyRisk",
    "Yongji54333",
    "YunchengCity",
    "compose",
    "get",
    "get_household",
    "household_names",
    "names",
    "register",
    "register_household",
]

register("baseline", Baseline)
register("huainan-two-clears", HuainanTwoClears)
register("huaiyang-ten-categories", HuaiyangTenCategories)
register("jiang-daily-monthly", JiangDailyMonthly)
register("mashan-beinong", MashanBeinong)
register("shanxi-fengqiao-station", ShanxiFengqiaoStation)
register("yongji-54333", Yongji54333)
register("yuncheng-city", YunchengCity)
register_household("household-base", HouseholdBasePolicy)
register_household("xiqi-family-risk", XiqiFamilyRisk)
