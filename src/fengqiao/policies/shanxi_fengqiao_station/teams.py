"""两队一室: the two teams and the room of a Shanxi station, and which of them does what.

172 of Shanxi's stations run the "两队一室" model (the report): a **community policing team**
(社区警务队) patrols, visits and finds things; a **command room** (综合指挥室) analyses and
dispatches; a **case-handling team** (案件办理队) takes the case-type matters. In fengqiao the
teams are roles (:class:`~fengqiao.domain.actor.Role`), so an actor names its team:
``"community_team:guo"``, ``"command_room:han"``, ``"case_team:li"``. A community officer
(``Role.COMMUNITY_OFFICER``, 社区民警) counts as a member of the community policing team.

:data:`DEFAULT_DUTIES` says whose work each action is; the policy returns it from
``required_roles``, so an actor of the wrong team is refused with the engine's
``auth.role-required`` (its message names the team the action needs) and
``wf.triggers(d, actor=...)`` lists only what the actor's team may do. Who does what is the
library's reading of the report (which names the teams' work, not a table of actions):

- discovering is open to every police role, the community team, the command room (which takes
  the 110 calls, 接警) and grid workers (警网融合); the case-handling team takes cases, not reports;
- the command room grades and regrades (研判), dispatches (``assign``), links repeated alerts,
  merges duplicates, hands over to departments (``refer``) and closes (销号);
- the community policing team mediates (the Zhao Shuli method included), records attempts,
  resolves, reopens, and visits (with grid workers);
- the case-handling team escalates: it takes a case-type matter as a formal case;
- filing papers (``attach``) and notes are open to everyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from fengqiao.domain.actor import OFFICER_ROLES, Role
from fengqiao.lifecycle.states import Trigger

__all__ = ["CASE_TEAM", "COMMAND_ROOM", "COMMUNITY_TEAM", "DEFAULT_DUTIES"]

COMMUNITY_TEAM = frozenset({Role.COMMUNITY_TEAM, Role.COMMUNITY_OFFICER})
"""社区警务队: the community policing team (a community officer is one of its members)."""

COMMAND_ROOM = frozenset({Role.COMMAND_ROOM})
"""综合指挥室: the command room."""

CASE_TEAM = frozenset({Role.CASE_TEAM})
"""案件办理队: the case-handling team."""

_T = Trigger
DEFAULT_DUTIES: Mapping[str, frozenset[Role]] = MappingProxyType(
    {
        "discover": OFFICER_ROLES | COMMUNITY_TEAM | COMMAND_ROOM | {Role.GRID_WORKER},
        _T.GRADE: COMMAND_ROOM,
        _T.REGRADE: COMMAND_ROOM,
        _T.ASSIGN: COMMAND_ROOM,
        _T.LINK_ALERT: COMMAND_ROOM,
        _T.MERGE: COMMAND_ROOM,
        _T.REFER: COMMAND_ROOM,
        _T.CLOSE: COMMAND_ROOM,
        _T.MEDIATE: COMMUNITY_TEAM,
        _T.RECORD_ATTEMPT: COMMUNITY_TEAM,
        _T.RESOLVE: COMMUNITY_TEAM | COMMAND_ROOM,
        _T.REOPEN: COMMUNITY_TEAM,
        _T.RECORD_VISIT: COMMUNITY_TEAM | {Role.GRID_WORKER},
        _T.ESCALATE: CASE_TEAM,
    }
)
"""Action (a trigger, or ``"discover"``) → the roles of which an actor must hold one.

Actions not listed (``attach``, ``note``) are open to everyone. ``resolve`` is the community
team's when it settles a mediation and the command room's when it records the result a
department reported for a dispute it handed over.
"""
