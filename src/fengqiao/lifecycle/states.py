"""The base lifecycle's states and triggers (see the lifecycle graph in the design notes).

Both are ``StrEnum`` vocabularies, so a state or trigger that a policy adds (plain text such
as ``"awaiting_confirmation"``) compares and serializes just like a built-in one.
"""

from __future__ import annotations

from fengqiao.domain.vocabulary import Vocabulary

__all__ = ["TERMINAL_STATES", "State", "StateId", "Trigger", "TriggerId"]


class State(Vocabulary):
    """Where a dispute stands."""

    DISCOVERED = "discovered", "发现", "discovered"
    GRADED = "graded", "研判分级", "graded"
    MEDIATING = "mediating", "调解中", "mediating"
    REFERRED = "referred", "已移交", "referred"
    ESCALATED = "escalated", "转为案件", "escalated to a formal case"
    FOLLOW_UP = "follow_up", "回访跟踪", "follow-up"
    CLOSED = "closed", "已销号", "closed"
    MERGED = "merged", "已合并", "merged into another dispute"


class Trigger(Vocabulary):
    """What can happen to a dispute. Seven are internal: they keep the state (see :attr:`is_internal`)."""

    GRADE = "grade", "研判分级", "grade"
    MEDIATE = "mediate", "启动调解", "mediate"
    REFER = "refer", "移交责任部门", "refer"
    ESCALATE = "escalate", "转为案件", "escalate"
    RESOLVE = "resolve", "化解", "resolve"
    REOPEN = "reopen", "重新调解", "reopen"
    CLOSE = "close", "销号", "close"
    MERGE = "merge", "合并", "merge"
    REGRADE = "regrade", "调整等级", "regrade"
    ASSIGN = "assign", "指定责任人", "assign"
    LINK_ALERT = "link_alert", "关联警情", "link an alert"
    RECORD_ATTEMPT = "record_attempt", "记录调解", "record a mediation attempt"
    RECORD_VISIT = "record_visit", "记录回访", "record a visit"
    ATTACH = "attach", "归档材料", "attach to the dossier"
    NOTE = "note", "备注", "note"

    @property
    def is_internal(self) -> bool:
        """Internal triggers are recorded as events but leave the state unchanged (the trigger table says which)."""
        from fengqiao.lifecycle.triggers import INTERNAL_TRIGGERS  # the table is built on this vocabulary

        return self in INTERNAL_TRIGGERS


TERMINAL_STATES = frozenset({State.ESCALATED, State.CLOSED, State.MERGED})
"""The base graph's terminal states: nothing leaves them (a policy may add more)."""

StateId = State | str
"""A state: a built-in :class:`State`, or the name of one a policy added."""
TriggerId = Trigger | str
"""A trigger: a built-in :class:`Trigger`, or the name of one a policy added."""
