"""Rebuilding a dispute from its history, with or without a policy's graph: :func:`replay`.

Private; :func:`replay` is public as ``fengqiao.replay`` (and ``fengqiao.workflow.replay``).
"""

from __future__ import annotations

from collections.abc import Iterable

from fengqiao.domain._calls import checked_call
from fengqiao.domain._quote import quote
from fengqiao.errors import ValidationError
from fengqiao.lifecycle.cases import CaseEvent
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.fold import fold
from fengqiao.lifecycle.graph import Graph
from fengqiao.lifecycle.states import State
from fengqiao.policies import registry
from fengqiao.policies.base import Policy

__all__ = ["check_dispute", "replay", "replay_on", "resolve_policy"]


def resolve_policy(policy: str | Policy) -> Policy:
    if isinstance(policy, str):
        return registry.get(policy)
    if isinstance(policy, type) or not isinstance(policy, Policy):
        raise ValidationError(f"expected a policy or a policy name, got {quote(policy)}", "policy")
    return policy


def check_dispute(dispute: object) -> None:
    if not isinstance(dispute, Dispute):
        raise ValidationError(f"expected a Dispute, got {type(dispute).__name__}", "dispute")


def replay_on(history: Iterable[CaseEvent], graph: Graph, policy_name: str) -> Dispute:
    events = _history(history)
    dispute = fold(events)
    graph.walk(State.DISCOVERED, events[1:], first=1, policy=policy_name)
    return dispute


def _history(history: Iterable[CaseEvent]) -> tuple[CaseEvent, ...]:
    try:
        events = iter(history)
    except TypeError:
        raise ValidationError(f"expected a sequence of events, got {quote(history)}", "history") from None
    return tuple(events)


@checked_call()
def replay(history: Iterable[CaseEvent], policy: str | Policy | None = None) -> Dispute:
    """Rebuild the exact dispute from its events: ``replay(d.history) == d``.

    With ``policy``, every transition is also checked against that policy's graph. ``history``
    may come straight from a store's ``load`` (:data:`~fengqiao.CaseEvent` values); a history
    that is not a dispute's is refused.

    Raises:
        ValidationError: the history is not a sequence of events or is malformed, or (with
            ``policy``) takes a transition that policy's graph does not allow; ``path`` names
            the event (``history[3]``).
    """
    if policy is None:
        return fold(history)
    resolved = resolve_policy(policy)
    return replay_on(history, Graph(resolved.graph()), resolved.name)
