"""The ``Policy`` protocol and ``BasePolicy``, whose no-op defaults a regional policy overrides.

A policy grades a dispute (saying which rule fired), routes it, contributes refusals to any
trigger, declares deadlines and dossier requirements, extends the graph, requires roles for
triggers, defines its metrics, and may offer reports over a ledger (``reports()``, see
:mod:`fengqiao.policies.reports`). It does no I/O: everything it needs is in the dispute
(and its history) and the time it is asked at.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import ClassVar, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

import attrs

from fengqiao.domain.actor import Role
from fengqiao.domain.dossier import DossierKind, DossierSection
from fengqiao.domain.records import PolicyRef
from fengqiao.domain.terms import Route
from fengqiao.domain.vocabulary import Lang, Vocabulary
from fengqiao.errors import PolicyDefinitionError, ValidationError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Event
from fengqiao.lifecycle.graph import GraphExtension
from fengqiao.lifecycle.payloads import Assessment, Grading
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import State, TriggerId
from fengqiao.policies.reports import NO_REPORTS, Report
from fengqiao.policies.tables import DecisionTable

__all__ = [
    "CHINA_TZ",
    "BasePolicy",
    "Deadline",
    "DeadlineStatus",
    "DossierRequirement",
    "Policy",
    "policy_ref",
]

CHINA_TZ = ZoneInfo("Asia/Shanghai")
"""China Standard Time: the default for a policy's day boundaries ("the same day", 09:00)."""


class DeadlineStatus(Vocabulary):
    """Where a deadline stands at a given time."""

    MET = "met", "按时完成", "met"
    LATE = "late", "逾期完成", "met late"
    PENDING = "pending", "未到期", "pending"
    OVERDUE = "overdue", "已逾期", "overdue"


@attrs.frozen
class Deadline:
    """Something a policy expects by ``due``; ``met_at`` says when (if) it happened.

    Deadlines are computed on read from a dispute's events, so no scheduler is needed to
    know what is overdue.
    """

    code: str
    zh: str
    en: str
    due: datetime
    met_at: datetime | None = None

    def status(self, at: datetime) -> DeadlineStatus:
        """The status at ``at``."""
        if self.met_at is not None:
            return DeadlineStatus.MET if self.met_at <= self.due else DeadlineStatus.LATE
        return DeadlineStatus.OVERDUE if at > self.due else DeadlineStatus.PENDING

    def message(self, lang: Lang = "en") -> str:
        """What is due, in ``lang``."""
        return self.zh if lang == "zh" else self.en


@attrs.frozen
class DossierRequirement:
    """A dossier section that must hold at least one item of ``kinds`` (any of them)."""

    code: str
    section: DossierSection
    kinds: frozenset[DossierKind]
    zh: str
    en: str

    def met_by(self, dispute: Dispute) -> bool:
        """Whether ``dispute``'s dossier satisfies the requirement."""
        return any(item.kind in self.kinds for item in dispute.dossier)


@runtime_checkable
class Policy(Protocol):
    """What the workflow asks of a policy. Subclass :class:`BasePolicy` to get defaults.

    A policy may also offer reports over a ledger by name, with a ``reports()`` method
    returning a mapping of names to :data:`~fengqiao.policies.reports.Report` callables;
    it is optional (:func:`~fengqiao.policies.reports.reports_of` gives none without it).
    So is a ``version`` (text): the workflow records it with the name in every dispute it
    opens (:func:`policy_ref`); without one the version recorded is empty.
    """

    @property
    def name(self) -> str:
        """The policy's registered name (``"yongji-54333"``)."""
        ...

    @property
    def grades(self) -> tuple[str, ...]:
        """The grades, most severe first (``("red", "yellow", "blue")``)."""
        ...

    @property
    def timezone(self) -> tzinfo:
        """The timezone of the policy's day boundaries ("the same day", "09:00")."""
        ...

    def grade(self, dispute: Dispute, assessment: Assessment, at: datetime) -> Grading:
        """Grade ``dispute`` given the officer's assessment; say which rule fired."""
        ...

    def route(self, dispute: Dispute, assessment: Assessment) -> Route:
        """Where the assessment sends the dispute: mediate, refer or escalate."""
        ...

    def graph(self) -> GraphExtension:
        """States and edges the policy adds to the base graph."""
        ...

    def required_roles(self, action: TriggerId) -> frozenset[Role] | None:
        """Roles of which an actor must hold one to do ``action``; ``None``: anyone may.

        ``action`` is a trigger, or ``"discover"`` for opening a dispute.
        """
        ...

    def preconditions(self, dispute: Dispute, trigger: TriggerId, at: datetime) -> Iterable[Refusal]:
        """Refusals that do not depend on the command's payload (used by ``triggers()`` too)."""
        ...

    def refusals(self, dispute: Dispute, event: Event) -> Iterable[Refusal]:
        """Refusals of the exact event a command would append."""
        ...

    def deadlines(self, dispute: Dispute) -> Iterable[Deadline]:
        """The deadlines that apply to ``dispute``, computed from its events."""
        ...

    def dossier_requirements(self, dispute: Dispute) -> Iterable[DossierRequirement]:
        """The dossier sections ``dispute`` must have filled."""
        ...

    def metrics(self, disputes: Iterable[Dispute]) -> Mapping[str, float]:
        """The policy's figures over ``disputes`` (resolution rate as the region defines it …)."""
        ...


@lru_cache(maxsize=1024)
def _grading(grade: str, rule: str, route: Route, reason: str, flags: frozenset[str]) -> Grading:
    """One shared (immutable) ``Grading`` per distinct answer: a table has few, and building one costs more."""
    return Grading(grade=grade, rule=rule, route=route, reason=reason, flags=flags)


class BasePolicy:
    """No-op defaults for every part of :class:`Policy`: subclass and override what you need.

    The defaults grade every dispute with the lowest grade, route by the assessment
    (case threshold → escalate; not police business → refer; else mediate), let anyone do
    anything, refuse nothing and expect nothing.
    """

    name: ClassVar[str] = "base"
    version: ClassVar[str] = "1"
    """The policy's version, recorded with its name in every dispute it opens (:class:`~fengqiao.PolicyRef`).

    Raise it when the rules change in a way a reader of old histories should know about (a
    new grading table, other deadlines); disputes keep the version they were opened under.
    """
    grades: tuple[str, ...] = ("high", "medium", "low")
    timezone: tzinfo = CHINA_TZ
    grading_table: DecisionTable | None = None
    """The decision table that grades; without one, every dispute gets the lowest grade."""

    def grade(self, dispute: Dispute, assessment: Assessment, at: datetime) -> Grading:
        """Grade by ``grading_table`` (the rule's route, else :meth:`route`); else the lowest grade."""
        table = self.grading_table
        if table is None:
            return Grading(grade=self.grades[-1], rule=f"{self.name}.default", route=self.route(dispute, assessment))
        match = table.decide_dispute(dispute, assessment)
        rule = match.rule
        return _grading(rule.grade, rule.id, rule.route or self.route(dispute, assessment), match.reason, rule.flags)

    def route(self, dispute: Dispute, assessment: Assessment) -> Route:
        """Case threshold met → escalate; not police business → refer; otherwise mediate."""
        if assessment.meets_case_threshold:
            return Route.ESCALATE
        if not assessment.police_business:
            return Route.REFER
        return Route.MEDIATE

    def graph(self) -> GraphExtension:
        """Nothing added."""
        return GraphExtension()

    def required_roles(self, action: TriggerId) -> frozenset[Role] | None:
        """Anyone may do anything."""
        return None

    def preconditions(self, dispute: Dispute, trigger: TriggerId, at: datetime) -> Iterable[Refusal]:
        """No preconditions."""
        return ()

    def refusals(self, dispute: Dispute, event: Event) -> Iterable[Refusal]:
        """No refusals."""
        return ()

    def deadlines(self, dispute: Dispute) -> Iterable[Deadline]:
        """No deadlines."""
        return ()

    def dossier_requirements(self, dispute: Dispute) -> Iterable[DossierRequirement]:
        """No dossier requirements."""
        return ()

    def metrics(self, disputes: Iterable[Dispute]) -> Mapping[str, float]:
        """Screened (all), resolved (closed), and their ratio as the resolution rate."""
        screened = resolved = 0
        for d in disputes:
            screened += 1
            resolved += d.state is State.CLOSED
        return {
            "screened": screened,
            "resolved": resolved,
            "resolution_rate": resolved / screened if screened else 0.0,
        }

    def reports(self) -> Mapping[str, Report]:
        """No reports: a policy with its own returns them by name, each bound to ``self``."""
        return NO_REPORTS

    def __repr__(self) -> str:
        return f"<policy {self.name}>"


def policy_ref(policy: object) -> PolicyRef:
    """What a workflow records of ``policy`` in the cases it opens: its ``name`` and ``version``.

    Works for any policy kind (dispute, household); a policy without a ``version`` records ``""``.

    Raises:
        PolicyDefinitionError: the name is not a valid identifier, or the version is not text.
    """
    name = getattr(policy, "name", None)
    version = getattr(policy, "version", "")
    if not isinstance(version, str):
        raise PolicyDefinitionError(f"policy {name}: version must be text, got {type(version).__name__}")
    try:
        return PolicyRef(name, version)  # type: ignore[arg-type]  # checked by PolicyRef's validators
    except ValidationError as exc:
        raise PolicyDefinitionError(f"policy {type(policy).__name__}: {exc.message} ({exc.path})") from None
