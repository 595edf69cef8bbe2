"""``yongji-54333``: Yongji's "54333" dispute work (永济市公安局, Shanxi, 2024).

- **Graded early warning (警情分级分类预警)** over the "3+N" channels: a decision table
  (``policies/data/yongji_54333.toml``) grades red / orange / yellow / blue. The four focus
  areas (婚姻, 情感, 邻里, 债务) are graded higher and flagged ``focus_area``; the source is
  flagged ``three_platforms`` or ``n_channel``. Repeated alerts (重复警情) are found by
  :func:`find_duplicate` (within ``duplicate_window``, a week by default: the party
  committee's weekly review, 局党委周研判) and linked with ``link_alert``; a ``regrade`` then raises the grade
  (two alerts: yellow, or orange in a focus area; three: red).
- **Routing**: a dispute meeting the formal-case threshold may only be escalated
  (``mediate``, ``refer``, ``resolve`` and ``close`` are refused); police business is mediated
  by one of the four forces (村网格调解, 镇人民调解, 警务室民警调解, 司法专职调解) and
  referred only after an attempt failed; other business is referred with one of the
  "两书一函" papers and tracked until the department reports its result (a deadline; the
  result is a ``resolve`` with ``reported_by``).
- **联调联处**: a complex dispute is mediated jointly, by two or more forces, with the
  joint-handling notice.
- **A/B dossier (A/B卷)**: ``close`` is refused while a required section is missing, naming
  it (see :mod:`~fengqiao.policies.yongji_54333.dossier`).
- **三访**: closing a complex dispute needs a phone follow-up, an on-site visit and a public
  return visit since it was resolved; a simple one at least one visit.
- **Figures**: screened, resolved, handed over, resolution rate as reported (999 of 1,050
  is 95.1%), see :mod:`~fengqiao.policies.yongji_54333.figures`.

>>> from datetime import datetime
>>> import fengqiao as fq
>>> from fengqiao.policies.yongji_54333 import Yongji54333
>>> clock = fq.FixedClock(datetime(2024, 1, 31, 9, tzinfo=fq.policies.CHINA_TZ))
>>> wf = fq.Workflow(Yongji54333(), clock=clock)
>>> d = wf.discover(channel="alarm_110", category="neighbour", summary="邻居堵门",
...                 parties=[fq.Party(name="赵某")], actor="officer:xiao")
>>> d = wf.grade(d, actor="officer:xiao")
>>> d.grade, sorted(d.grading.flags)
('yellow', ['focus_area', 'three_platforms'])
"""

from fengqiao.policies.yongji_54333.dossier import AB_SECTIONS, ab_requirements
from fengqiao.policies.yongji_54333.duplicates import DEFAULT_DUPLICATE_WINDOW, find_duplicate
from fengqiao.policies.yongji_54333.figures import count_disputes, resolution_rate, screening_queue
from fengqiao.policies.yongji_54333.policy import (
    FOCUS_AREAS,
    FOUR_FORCES,
    N_CHANNELS,
    THREE_PLATFORMS,
    THREE_VISITS,
    Yongji54333,
    default_grading_table,
)

__all__ = [
    "AB_SECTIONS",
    "DEFAULT_DUPLICATE_WINDOW",
    "FOCUS_AREAS",
    "FOUR_FORCES",
    "N_CHANNELS",
    "THREE_PLATFORMS",
    "THREE_VISITS",
    "Yongji54333",
    "ab_requirements",
    "count_disputes",
    "default_grading_table",
    "find_duplicate",
    "resolution_rate",
    "screening_queue",
]
