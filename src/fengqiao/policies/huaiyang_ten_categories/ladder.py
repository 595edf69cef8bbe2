"""The grade ladder and the way out: stepwise regrades and the conditions for closing.

Kept apart from the policy class so each reads on its own; both are pure functions of the
dispute, its :class:`~fengqiao.policies.huaiyang_ten_categories.trail.Trail` and the policy's
thresholds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Regraded
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import State, Trigger, TriggerId
from fengqiao.policies.huaiyang_ten_categories.trail import Trail, read_trail

if TYPE_CHECKING:
    from fengqiao.policies.huaiyang_ten_categories.policy import HuaiyangTenCategories

__all__ = ["close_refusals", "days", "observation_start", "refusal", "regrade_refusals", "visit_windows", "when", "zh"]

_T = Trigger


def refusal(trigger: TriggerId, reason: str, zh: str, en: str) -> Refusal:
    """A refusal coded ``huaiyang.<trigger>.<reason>``."""
    return Refusal(f"huaiyang.{trigger}.{reason}", zh, en)


def when(at: datetime, tz: tzinfo) -> str:
    """``at`` as local time, to the minute (``2024-06-18 09:00``)."""
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


_GRADE_ZH = {"red": "红色", "yellow": "黄色", "blue": "蓝色"}


def zh(grade: str | None) -> str:
    """The Chinese name of a grade (``红色``); other names pass through."""
    return _GRADE_ZH.get(grade or "", grade or "未分级")


def days(delta: timedelta) -> str:
    """``delta`` in days, without trailing zeros (``15``, ``0.5``)."""
    return f"{delta / timedelta(days=1):g}"


def observation_start(dispute: Dispute, trail: Trail) -> datetime | None:
    """When the current observation period began: the resolution, or a later new risk.

    ``None`` while the dispute is not resolved.
    """
    if dispute.resolved_at is None:
        return None
    risk = trail.last_risk
    if risk is not None and risk.at > dispute.resolved_at:
        return risk.at
    return dispute.resolved_at


def visit_windows(start: datetime, period: timedelta, window: timedelta) -> tuple[tuple[datetime, datetime], ...]:
    """The windows of an observation ``period`` beginning at ``start``; each needs a visit."""
    end = start + period
    windows: list[tuple[datetime, datetime]] = []
    cursor = start
    while cursor < end:
        windows.append((cursor, min(cursor + window, end)))
        cursor += window
    return tuple(windows)


def visited(dispute: Dispute, start: datetime, end: datetime) -> bool:
    """Whether a visit of the current follow-up period falls in ``[start, end)``."""
    return any(start <= v.at < end for v in dispute.visits_since_resolution)


def close_refusals(self: HuaiyangTenCategories, dispute: Dispute, trail: Trail, at: datetime) -> Iterator[Refusal]:
    """Why ``close`` may not fire: not blue, not resolved, relapse, observation or visits lacking."""
    if dispute.grade != self.bottom:
        yield refusal(
            _T.CLOSE,
            "not-blue",
            f"只有蓝色纠纷才能销号，当前为{zh(dispute.grade)}；须逐级降为蓝色",
            f"only a blue dispute may be closed; this one is {dispute.grade}: step it down to blue first",
        )
    if dispute.resolved_at is None:
        yield refusal(
            _T.CLOSE,
            "not-resolved",
            "不化解不销案：纠纷尚未化解",
            "no closing until resolved (不化解不销案): the dispute has not been resolved",
        )
        return
    if any(not v.holding for v in dispute.visits_since_resolution):
        yield refusal(
            _T.CLOSE,
            "relapse",
            "回访期间发现反复，须重新调解、再次化解后方可销号",
            "a follow-up visit found a relapse: reopen and resolve it again before closing",
        )
    start = observation_start(dispute, trail)
    assert start is not None  # resolved
    end = start + self.observation_period
    if at < end:
        yield refusal(
            _T.CLOSE,
            "observation-not-over",
            f"化解后须观察{days(self.observation_period)}天，{when(end, self.timezone)}前不能销号",
            f"a resolved dispute is watched for {days(self.observation_period)} days: "
            f"it may not be closed before {when(end, self.timezone)}",
        )
    missing = [
        (s, e)
        for s, e in visit_windows(start, self.observation_period, self.visit_window)
        if e <= at and not visited(dispute, s, e)
    ]
    if missing:
        spans = "; ".join(f"{when(s, self.timezone)} – {when(e, self.timezone)}" for s, e in missing)
        yield refusal(
            _T.CLOSE,
            "monthly-visit-missing",
            f"观察期内每{days(self.visit_window)}天须至少回访一次，以下时段没有回访：{spans}",
            f"the observation period needs a follow-up visit every {days(self.visit_window)} days; "
            f"none was recorded in: {spans}",
        )


def regrade_refusals(self: HuaiyangTenCategories, dispute: Dispute, event: Regraded) -> Iterator[Refusal]:
    """Why a regrade may not stand: an upgrade owed, a skipped step, too soon, not resolved."""
    old, new = dispute.grade, event.payload.grading.grade
    if old is None or old not in self.grades:
        return
    i_old, i_new = self.grades.index(old), self.grades.index(new)
    if i_new < i_old:
        return  # up, at once: always allowed
    trail = read_trail(dispute, self.grades)
    added = event.payload.assessment.risk_factors - dispute.risk_factors
    if old != self.top and (trail.pending is not None or added):
        what = trail.pending.en if trail.pending is not None else "new risk factors in this assessment"
        what_zh = trail.pending.zh if trail.pending is not None else "本次研判新增风险因素"
        yield refusal(
            _T.REGRADE,
            "must-go-up",
            f"出现新风险（{what_zh}），等级须立即上调，不能维持或下调（当前为{zh(old)}）",
            f"a new risk ({what}) moves the grade up at once: it may not stay {old} or go down",
        )
        return
    if i_new == i_old:
        return
    if i_new > i_old + 1:
        yield refusal(
            _T.REGRADE,
            "skips-a-step",
            f"等级只能逐级下调：{zh(old)}之后只能调为{zh(self.grades[i_old + 1])}，不能直接调为{zh(new)}",
            f"grades move down one step at a time: {old} may become {self.grades[i_old + 1]}, not {new}",
        )
        return
    if old == self.top:
        calm = trail.calm_since()
        if calm is None:
            yield refusal(
                _T.REGRADE,
                "not-under-mediation",
                "红色纠纷须经一段时间调解、仍在可控范围内，方可降为黄色；尚未开始调解",
                "a red dispute becomes yellow only after a period under mediation; mediation has not begun",
            )
        elif event.at - calm < self.red_to_yellow_after:
            yield refusal(
                _T.REGRADE,
                "red-period-not-met",
                f"红色纠纷须调解{days(self.red_to_yellow_after)}天且无新风险方可降为黄色，"
                f"{when(calm + self.red_to_yellow_after, self.timezone)}前不能降级",
                f"a red dispute becomes yellow after {days(self.red_to_yellow_after)} days under mediation "
                f"with no new risk: not before {when(calm + self.red_to_yellow_after, self.timezone)}",
            )
    if new == self.bottom:
        if dispute.state is not State.FOLLOW_UP:
            yield refusal(
                _T.REGRADE,
                "not-resolved",
                "纠纷化解后方可降为蓝色",
                "a dispute becomes blue only once it is resolved (in follow-up)",
            )
        elif any(not v.holding for v in dispute.visits_since_resolution):
            yield refusal(
                _T.REGRADE,
                "relapse-unresolved",
                "回访发现反复，须重新化解后方可降为蓝色",
                "a follow-up visit found a relapse: resolve it again before the dispute becomes blue",
            )
