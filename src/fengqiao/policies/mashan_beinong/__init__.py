"""``mashan-beinong``: Mashan county court's "贝侬" mediation + judicial confirmation (马山县人民法院, Guangxi).

"贝侬" is Zhuang for brothers and sisters, kin and close friends. The court settles disputes
before they are filed (诉源治理) through kin and village elders, and has the agreements they
reach confirmed by the court (调解 + 司法确认). The rules, and the defaults chosen where the
report is vague (all constructor arguments):

- **Three levels, "一站一室一中心"**: mediation begins at the village dispute station
  (``mediate``); ``refer_to_room`` moves it up to the 贝侬 mediation room — after a failed
  attempt at the station, or for a complex or potentially major dispute; ``report_to_centre``
  moves it to the county and township dispute centre — for a potentially major dispute (from
  any level, even before mediation), or after a failed attempt at the room. The level never
  goes down (:class:`~fengqiao.policies.mashan_beinong.levels.Level`).
- **Who mediates**: ``mediate`` names a 贝侬 of the pool (173 by default, as TOML data) as
  ``mediator``: a forest and land dispute or one involving a special group needs a
  professional 贝侬, a clan's family dispute the clan's, any other dispute a 贝侬 of its
  village (the dispute's ``station``); a professional may take any complex or major dispute.
  ``assign`` checks a 贝侬 the same way, and a court officer against their one to four
  villages (see :mod:`~fengqiao.policies.mashan_beinong.pool`).
- **Parallel work (平行解决)**: ``mediate`` needs the 查人找物 record (people and property
  found, ``DossierKind.SEARCH_RECORD``); ``close`` of a settled dispute needs the record of
  the agreement performed (``DossierKind.PERFORMANCE_RECORD``, 履行协议).
- **Up-and-down linkage (上下联动)**: a potentially major dispute (graded ``major``) must be
  reported to the centre within a day, and ``resolve``, ``request_confirmation``,
  ``withdraw`` and ``close`` wait until the centre has held a joint session — an attempt
  there with the court, the police, the justice office and the agriculture bureau.
- **Judicial confirmation** as states: agreement → ``request_confirmation`` (within 30 days
  of the agreement) → *awaiting confirmation* → ``confirm`` (the signed agreement and the
  ruling on file; only a court officer; decided within 15 days) → *confirmed* (enforceable)
  → ``track_performance`` (a 贝侬 on the dispute) → *performance tracked* → ``close``. The
  court may ``decline_confirmation`` (with a reason), which sends it back to mediation.
- **Withdrawal (撤诉)**: a dispute that came in as a suit filed in court
  (``Channel.FILED_SUIT``) ends by ``withdraw`` once mediation reached agreement.

>>> from datetime import datetime
>>> import fengqiao as fq
>>> clock = fq.FixedClock(datetime(2024, 3, 5, 9, tzinfo=fq.policies.CHINA_TZ))
>>> wf = fq.Workflow(MashanBeinong(), clock=clock)
>>> d = wf.discover(channel="grid_worker", category="forest_land", summary="两屯争山界",
...                 station="林圩镇高德村", actor="mediator:韦某")
>>> d = wf.grade(d, actor="court_officer:蒋某")
>>> d = wf.attach(d, fq.DossierItem(kind="search_record"), actor="mediator:韦某")
>>> wf.check(d, "mediate", actor="court_officer:蒋某", mediator="林圩镇高德村贝侬1").codes
('mashan.mediate.professional-beinong-needed',)
"""

from fengqiao.policies.mashan_beinong.figures import SETTLED_STATES, count_disputes
from fengqiao.policies.mashan_beinong.levels import (
    AWAITING_CONFIRMATION,
    CONFIRM,
    CONFIRMED,
    DECLINE_CONFIRMATION,
    PERFORMANCE_TRACKING,
    REFER_TO_ROOM,
    REPORT_TO_CENTRE,
    REQUEST_CONFIRMATION,
    TRACK_PERFORMANCE,
    WITHDRAW,
    WITHDRAWN,
    Level,
    Trail,
    read_trail,
)
from fengqiao.policies.mashan_beinong.policy import (
    DEFAULT_PERMISSIONS,
    JOINT_SESSION_FORCES,
    MashanBeinong,
    default_grading_table,
)
from fengqiao.policies.mashan_beinong.pool import (
    CLAN_CATEGORIES,
    PROFESSIONAL_CATEGORIES,
    SPECIAL_GROUP_FACTORS,
    BeinongKind,
    CourtOfficer,
    Mediator,
    MediatorPool,
    clan_of,
    default_pool,
)
from fengqiao.policies.mashan_beinong.routing import Need, need_of

__all__ = [
    "AWAITING_CONFIRMATION",
    "CLAN_CATEGORIES",
    "CONFIRM",
    "CONFIRMED",
    "DECLINE_CONFIRMATION",
    "DEFAULT_PERMISSIONS",
    "JOINT_SESSION_FORCES",
    "PERFORMANCE_TRACKING",
    "PROFESSIONAL_CATEGORIES",
    "REFER_TO_ROOM",
    "REPORT_TO_CENTRE",
    "REQUEST_CONFIRMATION",
    "SETTLED_STATES",
    "SPECIAL_GROUP_FACTORS",
    "TRACK_PERFORMANCE",
    "WITHDRAW",
    "WITHDRAWN",
    "BeinongKind",
    "CourtOfficer",
    "Level",
    "MashanBeinong",
    "Mediator",
    "MediatorPool",
    "Need",
    "Trail",
    "clan_of",
    "count_disputes",
    "default_grading_table",
    "default_pool",
    "need_of",
    "read_trail",
]
