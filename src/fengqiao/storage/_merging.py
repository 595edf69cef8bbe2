"""A merge's other side, the same for the synchronous and the asynchronous repository.

Private to :mod:`fengqiao.storage`: the merged dispute's ``Merged`` event and a note on the
dispute it folds into are stored in one transaction (``append_many``), so each stream
records the link.
"""

from __future__ import annotations

from fengqiao.errors import TransitionRefused
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Merged
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import Trigger
from fengqiao.storage.base import Append
from fengqiao.workflow import Workflow

__all__ = ["merge_appends", "merge_note"]


def merge_note(workflow: Workflow, dispute: Dispute, merged: Merged, target: Dispute | None) -> tuple[Dispute, Dispute]:
    """``target`` (the stored dispute ``merged`` folds into, ``None`` if none) and it with a note of the merge.

    Raises:
        TransitionRefused: there is no such dispute (``merge.into-unknown``) or it has ended
            (``merge.into-ended``).
    """
    into = merged.payload.into
    if target is None:
        raise TransitionRefused(
            dispute.id,
            str(Trigger.MERGE),
            (
                Refusal(
                    "merge.into-unknown",
                    f"合并目标纠纷 {into} 不存在",
                    f"there is no stored dispute {into} to merge into",
                ),
            ),
        )
    if workflow.graph.is_terminal(target.state):
        raise TransitionRefused(
            dispute.id,
            str(Trigger.MERGE),
            (
                Refusal(
                    "merge.into-ended",
                    f"合并目标纠纷 {into} 已终结（{target.state}），不能再并入",
                    f"dispute {into} is {target.state}: nothing can be merged into it",
                ),
            ),
        )
    text = f"纠纷 {dispute.id} 已并入本纠纷 / dispute {dispute.id} was merged into this one"
    noted = workflow.fire(target, Trigger.NOTE, actor=merged.actor, text=text)
    return target, noted


def merge_appends(after: Dispute, version: int, target: Dispute, noted: Dispute) -> list[Append]:
    """A merge's appends: ``after``'s events since ``version``, and the note ``noted`` adds to ``target``."""
    return [
        Append(after.id, after.history[version:], expected_version=version),
        Append(target.id, noted.history[target.version :], expected_version=target.version),
    ]
