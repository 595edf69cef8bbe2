"""``shanxi-fengqiao-station``: Shanxi's "Fengqiao-style police stations" (楓橋式公安派出所, seed 003).

- **两队一室** (:mod:`~fengqiao.policies.shanxi_fengqiao_station.teams`): the community policing
  team (社区警务队) discovers, mediates and visits; the command room (综合指挥室) grades,
  dispatches, hands over and closes; the case-handling team (案件办理队) takes case-type matters
  (``escalate``). Teams are roles (``"command_room:han"``); an action done by the wrong team is
  refused with ``auth.role-required``, naming the team it needs. A case-type matter may not be
  mediated or referred (``shanxi.{mediate,refer}.case-type``): the case-handling team takes it.
- **The Zhao Shuli method** (:mod:`~fengqiao.policies.shanxi_fengqiao_station.zhao_shuli`), for
  every dispute the station mediates: a legal-education record (典型案例教育), then an on-site
  survey with the departments concerned recording facts and liability (先把脉、后治病: no
  agreement before it, ``shanxi.{record_attempt,resolve}.survey-missing``), then the accounts
  settled (先算账、后了事: no close before the settlement record, ``shanxi.close.settlement-missing``).
  A record filed before the one it follows is refused (``shanxi.<trigger>.education-missing``,
  ``shanxi.<trigger>.survey-missing``).
- **Grading** by the command room, a decision table (``policies/data/shanxi_fengqiao_station.toml``):
  case / key / general. **Deadlines**: graded within 24 hours, surveyed within 7 days of mediation.
- **Figures** (:mod:`~fengqiao.policies.shanxi_fengqiao_station.figures`): nearly 400,000 disputes
  in three years across 1,400+ stations, success above 90% (172 is the number of stations running
  两队一室); the other local methods and rooms the report names are data
  (:mod:`~fengqiao.policies.shanxi_fengqiao_station.methods`).

>>> from datetime import datetime
>>> import fengqiao as fq
>>> clock = fq.FixedClock(datetime(2024, 6, 11, 8, tzinfo=fq.policies.CHINA_TZ))
>>> wf = fq.Workflow(ShanxiFengqiaoStation(), clock=clock)
>>> d = wf.discover(channel="house_visit", category="trade", summary="电动自行车电瓶被盗",
...                 actor="community_team:guo")
>>> wf.check(d, "grade", actor="community_team:guo").codes
('auth.role-required',)
>>> wf.grade(d, actor="command_room:han", meets_case_threshold=True).grade
'case'
"""

from fengqiao.policies.shanxi_fengqiao_station.figures import REPORTED, count_disputes
from fengqiao.policies.shanxi_fengqiao_station.methods import LOCAL_METHODS, MEDIATION_ROOMS, LocalMethod
from fengqiao.policies.shanxi_fengqiao_station.policy import ShanxiFengqiaoStation, default_grading_table
from fengqiao.policies.shanxi_fengqiao_station.teams import CASE_TEAM, COMMAND_ROOM, COMMUNITY_TEAM, DEFAULT_DUTIES
from fengqiao.policies.shanxi_fengqiao_station.zhao_shuli import STEPS

__all__ = [
    "CASE_TEAM",
    "COMMAND_ROOM",
    "COMMUNITY_TEAM",
    "DEFAULT_DUTIES",
    "LOCAL_METHODS",
    "MEDIATION_ROOMS",
    "REPORTED",
    "STEPS",
    "LocalMethod",
    "ShanxiFengqiaoStation",
    "count_disputes",
    "default_grading_table",
]
