"""Reading a Huaiyang dispute's history: its grade path, new risks and whether an upgrade is owed.

Huaiyang's grades move down one step at a time and up at once. Whether a step is allowed
depends on what happened before it — when mediation began, when the last new risk appeared,
whether that risk has been answered by an upward regrade — so the policy reads it all from
the events, once per question, with :func:`read_trail`. Pure: no clock, no I/O.

What counts as a **new risk** (新风险):

- a ``reopen`` (the dispute came back), unless a visit of the same follow-up period already
  recorded the relapse and the reopen brings no new risk factor — one relapse, one risk;
- a follow-up visit with ``holding=False`` (回访发现反复);
- a linked alert (another report of the same quarrel, 重复警情);
- a regrade whose assessment adds risk factors the dispute did not have.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from fengqiao.domain.terms import RiskFactor
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import (
    AlertLinked,
    Discovered,
    Escalated,
    Graded,
    MediationStarted,
    Referred,
    Regraded,
    Reopened,
    Resolved,
    VisitRecorded,
)

__all__ = ["Risk", "Trail", "grade_path", "read_trail"]


@attrs.frozen
class Risk:
    """A new risk recorded at ``at``, described in Chinese and English."""

    at: datetime
    zh: str
    en: str


@attrs.frozen
class Trail:
    """What the policy needs to know about a dispute's past, read from its events."""

    handling_since: datetime | None
    """When mediation (or a referral) first began; ``None`` while never handled."""
    last_up_at: datetime | None
    """When the grade last moved up (more severe)."""
    last_risk: Risk | None
    """The most recent new risk."""
    pending: Risk | None
    """The first new risk not yet answered by an upward regrade (never set while at the top grade)."""
    first_top_at: datetime | None
    """When the dispute first reached the most severe grade."""
    last_referral_at: datetime | None
    """When the dispute was last referred to a department."""
    referral_answered_at: datetime | None
    """When the last referral ended: resolved (the department reported) or escalated."""

    def calm_since(self) -> datetime | None:
        """Since when the dispute has been handled with no new risk and no upward move.

        ``None`` if it was never handled (mediated or referred).
        """
        if self.handling_since is None:
            return None
        marks = [self.handling_since]
        marks += [t for t in (self.last_up_at, None if self.last_risk is None else self.last_risk.at) if t is not None]
        return max(marks)


def _factor_text(factors: frozenset[RiskFactor]) -> tuple[str, str]:
    ordered = sorted(factors)
    return "、".join(f.label("zh") for f in ordered), ", ".join(f.label("en") for f in ordered)


def read_trail(dispute: Dispute, grades: tuple[str, ...]) -> Trail:
    """Read ``dispute``'s history under a policy whose grades are ``grades`` (most severe first)."""
    top = grades[0]
    rank = {g: i for i, g in enumerate(grades)}
    factors: frozenset[RiskFactor] = frozenset()
    grade: str | None = None
    relapse_seen = False
    handling_since = last_up_at = first_top_at = last_referral_at = answered_at = None
    last_risk: Risk | None = None
    pending: Risk | None = None
    for event in dispute.history:
        risk: Risk | None = None
        new_grade: str | None = None
        if isinstance(event, Discovered):
            factors = event.payload.risk_factors
        elif isinstance(event, Graded | Regraded):
            added = event.payload.assessment.risk_factors - factors
            if isinstance(event, Regraded) and added:
                zh, en = _factor_text(added)
                risk = Risk(event.at, f"新增风险因素：{zh}", f"new risk factors: {en}")
            factors = event.payload.assessment.risk_factors
            new_grade = event.payload.grading.grade
        elif isinstance(event, Reopened):
            added = event.payload.risk_factors - factors
            factors = factors | event.payload.risk_factors
            if added:
                zh, en = _factor_text(added)
                risk = Risk(event.at, f"纠纷反复并新增风险因素：{zh}", f"reopened with new risk factors: {en}")
            elif not relapse_seen:
                risk = Risk(event.at, "纠纷反复，重新调解", "the dispute was reopened")
            relapse_seen = False
        elif isinstance(event, VisitRecorded):
            if not event.payload.holding:
                relapse_seen = True
                risk = Risk(event.at, "回访发现纠纷反复", "a follow-up visit found a relapse")
        elif isinstance(event, AlertLinked):
            risk = Risk(event.at, "同一纠纷再次报警", "another alert about the dispute was linked")
        elif isinstance(event, Resolved):
            relapse_seen = False
            if last_referral_at is not None and answered_at is None:
                answered_at = event.at
        elif isinstance(event, MediationStarted):
            handling_since = handling_since or event.at
        elif isinstance(event, Referred):
            handling_since = handling_since or event.at
            last_referral_at, answered_at = event.at, None
        elif isinstance(event, Escalated) and last_referral_at is not None and answered_at is None:
            answered_at = event.at

        if risk is not None:
            last_risk = risk
            if grade is not None and grade != top and pending is None:
                pending = risk
        if new_grade is not None:
            if grade is not None and rank.get(new_grade, len(grades)) < rank.get(grade, len(grades)):
                pending, last_up_at = None, event.at
            grade = new_grade
            if grade == top and first_top_at is None:
                first_top_at = event.at
    return Trail(
        handling_since=handling_since,
        last_up_at=last_up_at,
        last_risk=last_risk,
        pending=pending,
        first_top_at=first_top_at,
        last_referral_at=last_referral_at,
        referral_answered_at=answered_at,
    )


def grade_path(dispute: Dispute) -> tuple[str, ...]:
    """The grades ``dispute`` was given, in order, repeats collapsed (``("red", "yellow", "blue")``)."""
    path: list[str] = []
    for event in dispute.history:
        if isinstance(event, Graded | Regraded) and (not path or path[-1] != event.payload.grading.grade):
            path.append(event.payload.grading.grade)
    return tuple(path)
