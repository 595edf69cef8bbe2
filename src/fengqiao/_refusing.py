"""The refusals every workflow gives whatever its policy and kind of case: the graph's, a role's, the clock's.

Shared by :class:`~fengqiao.workflow.Workflow` and :class:`~fengqiao.households.HouseholdWorkflow`,
so a dispute and a household are refused in the same words (the kind's noun in each language).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from fengqiao.domain.actor import Actor, Role
from fengqiao.domain.records import PolicyRef
from fengqiao.lifecycle.graph import Graph
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import TriggerId

__all__ = ["graph_refusal", "listed_triggers", "policy_refusal", "role_refusal", "time_refusal"]


def role_refusal(graph: Graph, actor: Actor, action: TriggerId, roles: frozenset[Role]) -> Refusal:
    """The refusal for ``actor``, who holds none of ``roles``, the roles ``action`` needs."""
    wanted = ", ".join(sorted(r.value for r in roles))
    return Refusal(
        "auth.role-required",
        f"{actor.id} 无权执行“{graph.label(action, 'zh')}”，需具备以下角色之一：{wanted}",
        f"{actor.id} may not {action}: needs one of the roles {wanted}",
    )


def graph_refusal(graph: Graph, state: Any, trig: TriggerId) -> Refusal:
    """The refusal of a step ``graph`` does not allow from ``state`` (terminal or not)."""
    label, kind = graph.label, graph.kind
    if graph.is_terminal(state):
        return Refusal(
            "graph.terminal",
            f"{kind.zh}已处于终结状态“{label(state, 'zh')}”，不能再“{label(trig, 'zh')}”",
            f"{kind.name} is {state}, a terminal state: {trig} is not allowed",
        )
    return Refusal(
        "graph.not-allowed",
        f"“{label(state, 'zh')}”状态下不能“{label(trig, 'zh')}”",
        f"{trig} is not allowed from state {state}",
    )


def time_refusal(graph: Graph, at: datetime, last: datetime) -> Refusal:
    """The refusal of a command dated ``at``, before the case's last event at ``last``."""
    kind = graph.kind
    return Refusal(
        "time.before-last-event",
        f"操作时间 {at.isoformat()} 早于该{kind.zh}上一条记录的时间 {last.isoformat()}",
        f"the command is dated {at.isoformat()}, before the {kind.name}'s last event "
        f"({last.isoformat()}); a late record is not back-dated",
    )


def policy_refusal(graph: Graph, case_id: str, recorded: PolicyRef, policy: str) -> Refusal:
    """The refusal of a command on a case opened under another policy (``recorded``) than this workflow's."""
    kind = graph.kind
    return Refusal(
        "policy.other",
        f"{kind.zh} {case_id} 按政策 {recorded} 办理，不能按 {policy} 处理（除非工作流接管该政策：adopts）",
        f"{kind.name} {case_id} was opened under policy {recorded}, not {policy}; a workflow continues another"
        " policy's cases only when it adopts that policy (adopts=...)",
    )


def listed_triggers(
    graph: Graph,
    state: Any,
    at: datetime,
    refuses_role: Callable[[TriggerId], bool],
    preconditions: Callable[[TriggerId, datetime], Iterable[Refusal]],
) -> tuple[TriggerId, ...]:
    """The triggers the graph allows from ``state`` that no role and no precondition refuses at ``at``."""
    allowed: list[TriggerId] = []
    for trig in graph.allowed(state):
        if refuses_role(trig):
            continue
        if any(True for _ in preconditions(trig, at)):
            continue
        allowed.append(trig)
    return tuple(allowed)
