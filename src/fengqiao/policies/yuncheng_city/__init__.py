"""``yuncheng-city``: Yuncheng city's dispute work (运城市公安局, Shanxi, 2024), built on Yongji's "54333".

The city promoted Yongji's "54333" city-wide, so the policy is ``compose(Yongji54333(), CityRules())``
(:class:`YunchengCity`), and the city adds (every part a constructor argument of :class:`CityRules`):

- **警调对接 (police–mediation docking)**, with the city justice bureau from March 2024, resting
  on the **four levels of dispute-resolution centre** (市县乡村四级"矛调中心"): a centre is a
  ``refer`` target — ``department`` names its level (``Department.TOWNSHIP_CENTRE`` …) —
  with the police-mediation docking notice (公调对接通知单), and from the docking's start
  police business that mediation did not settle goes to a centre, not a department. The
  centre reports its result within its days (deadline ``yuncheng.centre.result-due``), as a
  ``resolve`` with ``reported_by`` (the centre) and its result report. Each centre links
  kinds of mediation (行政调解、人民调解、司法调解: ``MediationKind``), as data.
- **Branded station mediation rooms** (派出所品牌调解室) run by retired officers and retired
  judges (``MediationForce.RETIRED_OFFICER``, ``RETIRED_JUDGE``): a mediation names its room
  as the ``mediator``; the room must exist (rooms are data: ``policies/data/yuncheng_city.toml``)
  and be run by one of the forces named.
- **庭所对接, 民调入所, 律师进所** (``JointKind``): joint mediation of public-order disputes — the
  station's police with the court, a stationed people's mediator or a lawyer. A complex
  public-order dispute is mediated through one of them or in a branded room.
- **Figures** as the city reports them: multi-party resolution (多元化解) is a part of resolved,
  and the rate has two decimals (10,457 of 10,705 → 97.68), see
  :mod:`~fengqiao.policies.yuncheng_city.figures`.

>>> from datetime import datetime
>>> import fengqiao as fq
>>> clock = fq.FixedClock(datetime(2024, 5, 6, 9, tzinfo=fq.policies.CHINA_TZ))
>>> wf = fq.Workflow("yuncheng-city", clock=clock)
>>> d = wf.discover(channel="alarm_110", category="neighbour", summary="邻居因占道堆放杂物争吵",
...                 station="张店派出所", actor="officer:li")
>>> d = wf.grade(d, actor="officer:li")
>>> wf.check(d, "mediate", actor="officer:li", forces=["police_office", "retired_officer"],
...          mediator="老王调解室").codes
('yuncheng.mediate.room-unknown',)
"""

from fengqiao.policies.yuncheng_city.figures import count_city, settled_by_centre
from fengqiao.policies.yuncheng_city.network import ROOM_FORCES, Centre, CityNetwork, Room, default_network
from fengqiao.policies.yuncheng_city.policy import YunchengCity
from fengqiao.policies.yuncheng_city.rules import DOCKING_SINCE, ROOM_SUFFIX, CityRules, joint_kinds_of

__all__ = [
    "DOCKING_SINCE",
    "ROOM_FORCES",
    "ROOM_SUFFIX",
    "Centre",
    "CityNetwork",
    "CityRules",
    "Room",
    "YunchengCity",
    "count_city",
    "default_network",
    "joint_kinds_of",
    "settled_by_centre",
]
