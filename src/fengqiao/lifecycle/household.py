"""The household (家庭/户): its value, its trigger table, its fold, and its :class:`~fengqiao.lifecycle.kinds.Kind`.

A ``Household`` is never edited: each command appends one event and yields a new value, and
``replay_household(h.history) == h`` always holds, as for a dispute. The table below is the
household's base graph (see :mod:`fengqiao.lifecycle.household_events` for the picture) and
how each event folds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from fengqiao.domain.actor import Role
from fengqiao.domain.dossier import DossierItem, DossierKind
from fengqiao.domain.household import FactorId, HelpDepartment, RiskClass, WorkKind
from fengqiao.domain.party import Party
from fengqiao.domain.records import Assignment, PolicyRef
from fengqiao.errors import ValidationError
from fengqiao.lifecycle._folding import fold_case
from fengqiao.lifecycle.household_events import (
    HOUSEHOLD_TERMINAL,
    CadreAssigned,
    DisputeLinked,
    HouseholdAssessed,
    HouseholdAttached,
    HouseholdDeregistered,
    HouseholdEvent,
    HouseholdHelpReferred,
    HouseholdHelpReported,
    HouseholdIncident,
    HouseholdManaged,
    HouseholdNoted,
    HouseholdReassessed,
    HouseholdReleased,
    HouseholdScreened,
    HouseholdState,
    HouseholdTransitioned,
    HouseholdTrigger,
    HouseholdWatched,
)
from fengqiao.lifecycle.household_payloads import HouseholdAssessment
from fengqiao.lifecycle.kinds import Kind
from fengqiao.lifecycle.triggers import TriggerSpec

if TYPE_CHECKING:
    from fengqiao.lifecycle.cases import CaseEvent

__all__ = [
    "HOUSEHOLD",
    "HOUSEHOLD_EVENT_TYPES",
    "HOUSEHOLD_TRIGGERS",
    "HelpReferral",
    "Household",
    "Incident",
    "apply",
    "fold",
    "start",
]


@attrs.frozen
class Incident:
    """Something reported about a household (有事报事)."""

    summary: str
    factors: frozenset[FactorId]
    daily_report: bool
    at: datetime
    by: str


@attrs.frozen
class HelpReferral:
    """Hardship help asked of a department, and its answer once the department reports in."""

    department: HelpDepartment
    need: str
    at: datetime
    by: str
    reported_at: datetime | None = None
    result: str = ""
    resolved: bool = False

    @property
    def answered(self) -> bool:
        """Whether the department has reported in (部门报到)."""
        return self.reported_at is not None


@attrs.frozen(kw_only=True)
class Household:
    """A household's current value, folded from ``history``. Begin one with ``HouseholdWorkflow.screen``."""

    id: str
    state: HouseholdState | str
    village: str
    grid: str
    address: str
    screened_at: datetime
    updated_at: datetime
    state_since: datetime
    """When the household entered its current state."""
    members: tuple[Party, ...]
    factors: frozenset[FactorId]
    """The risk factors found so far (screening, watch, incidents) or, after an assessment, the assessed ones."""
    assessment: HouseholdAssessment | None = None
    """The latest assessment: risk class, kinds of work, the rule that gave them."""
    reassessment_due: bool = False
    """A new incident or a linked dispute since the latest assessment."""
    plan: str = ""
    """The management plan on file (一事一方案)."""
    team: tuple[str, ...] = ()
    """The dedicated team on file (一案一专班)."""
    cadres: tuple[Assignment, ...] = ()
    """The cadres in charge of the household (包联), oldest first."""
    incidents: tuple[Incident, ...] = ()
    help: tuple[HelpReferral, ...] = ()
    disputes: tuple[str, ...] = ()
    """The disputes its members are party to, as linked."""
    dossier: tuple[DossierItem, ...] = ()
    """The household's file (一户一档)."""
    policy: PolicyRef | None = None
    """The household policy it was screened under, as its first event records it (``None`` if not recorded)."""
    history: tuple[HouseholdEvent, ...] = attrs.field(default=(), repr=False)

    @property
    def version(self) -> int:
        """How many events the household has: the expected version for the next append."""
        return len(self.history)

    @property
    def risk_class(self) -> RiskClass | None:
        """The latest assessment's risk class, ``None`` before the first."""
        return None if self.assessment is None else self.assessment.risk_class

    @property
    def work(self) -> frozenset[WorkKind]:
        """The latest assessment's kinds of work (empty before the first)."""
        return frozenset() if self.assessment is None else self.assessment.work

    @property
    def pending_help(self) -> tuple[HelpReferral, ...]:
        """Help asked for that no department has reported on yet."""
        return tuple(h for h in self.help if not h.answered)

    def has_document(self, *kinds: DossierKind) -> bool:
        """Whether the file holds at least one item of any of ``kinds``."""
        wanted = {DossierKind.parse(k, f"kinds[{i}]") for i, k in enumerate(kinds)}
        return any(item.kind in wanted for item in self.dossier)


# -- the handlers ------------------------------------------------------------------------------
def _watched(h: Household, e: HouseholdWatched) -> dict[str, Any]:
    return {"factors": h.factors | e.payload.factors}


def _incident(h: Household, e: HouseholdIncident) -> dict[str, Any]:
    p = e.payload
    incident = Incident(p.summary, p.factors, p.daily_report, e.at, e.actor.id)
    return {
        "incidents": (*h.incidents, incident),
        "factors": h.factors | p.factors,
        "reassessment_due": h.assessment is not None,
    }


def _assessed(h: Household, e: HouseholdAssessed | HouseholdReassessed) -> dict[str, Any]:
    return {"factors": e.payload.factors, "assessment": e.payload.assessment, "reassessment_due": False}


def _managed(h: Household, e: HouseholdManaged) -> dict[str, Any]:
    return {"plan": e.payload.plan, "team": e.payload.team}


def _cadre(h: Household, e: CadreAssigned) -> dict[str, Any]:
    return {"cadres": (*h.cadres, Assignment(e.payload.person, Role.CADRE, e.at, e.actor.id))}


def _linked(h: Household, e: DisputeLinked) -> dict[str, Any]:
    due = h.reassessment_due or h.state in (HouseholdState.ASSESSED, HouseholdState.MANAGED)
    return {"disputes": (*h.disputes, e.payload.dispute_id), "reassessment_due": due}


def _referred(h: Household, e: HouseholdHelpReferred) -> dict[str, Any]:
    return {"help": (*h.help, HelpReferral(e.payload.department, e.payload.need, e.at, e.actor.id))}


def _reported(h: Household, e: HouseholdHelpReported) -> dict[str, Any]:
    """The oldest unanswered referral to that department gets the answer (a report with none pending is kept too)."""
    p, help_ = e.payload, list(h.help)
    for i, referral in enumerate(help_):
        if referral.department is p.department and not referral.answered:
            help_[i] = attrs.evolve(referral, reported_at=e.at, result=p.result, resolved=p.resolved)
            break
    return {"help": tuple(help_)}


def _attached(h: Household, e: HouseholdAttached) -> dict[str, Any]:
    return {"dossier": (*h.dossier, e.payload.item)}


def _nothing(h: Household, e: HouseholdEvent) -> dict[str, Any]:
    return {}


def _transitioned(h: Household, e: HouseholdTransitioned) -> dict[str, Any]:
    """A policy's own trigger: its documents go to the file; its target is in its payload."""
    target = e.payload.target
    state = HouseholdState(target) if target in HouseholdState._value2member_map_ else target
    return {"dossier": h.dossier + e.payload.documents, "state": state, "state_since": e.at}


_S, _T = HouseholdState, HouseholdTrigger
_OPEN = tuple(s for s in HouseholdState if s not in HOUSEHOLD_TERMINAL)
_ACTIVE = (_S.ASSESSED, _S.MANAGED)

HOUSEHOLD_TRIGGERS: tuple[TriggerSpec[HouseholdState, HouseholdTrigger], ...] = (
    TriggerSpec(HouseholdWatched, (_S.SCREENED, _S.RELEASED), _S.WATCHED, _watched),
    TriggerSpec(HouseholdIncident, (_S.SCREENED, _S.ASSESSED, _S.MANAGED, _S.RELEASED), _S.WATCHED, _incident),
    TriggerSpec(HouseholdAssessed, (_S.WATCHED,), _S.ASSESSED, _assessed),
    TriggerSpec(HouseholdManaged, (_S.ASSESSED,), _S.MANAGED, _managed),
    TriggerSpec(HouseholdReleased, (_S.MANAGED,), _S.RELEASED, _nothing),
    TriggerSpec(HouseholdDeregistered, _OPEN, _S.DEREGISTERED, _nothing),
    TriggerSpec(HouseholdReassessed, _ACTIVE, None, _assessed, in_added_states=True),
    TriggerSpec(CadreAssigned, _OPEN, None, _cadre, in_added_states=True),
    TriggerSpec(DisputeLinked, _OPEN, None, _linked, in_added_states=True),
    TriggerSpec(HouseholdHelpReferred, _ACTIVE, None, _referred, in_added_states=True),
    TriggerSpec(HouseholdHelpReported, _OPEN, None, _reported, in_added_states=True),
    TriggerSpec(HouseholdAttached, _OPEN, None, _attached, in_added_states=True),
    TriggerSpec(HouseholdNoted, _OPEN, None, _nothing, in_added_states=True),
)
"""Every built-in household trigger: the household's base graph, and how each event folds."""

HOUSEHOLD = Kind(
    name="household",
    zh="家庭",
    states=HouseholdState,
    triggers=HouseholdTrigger,
    initial=HouseholdState.SCREENED,
    terminal=HOUSEHOLD_TERMINAL,
    rows=HOUSEHOLD_TRIGGERS,
    opening=HouseholdScreened,
    custom=HouseholdTransitioned,
)
"""The household (家庭): screened → watched → assessed → managed → released; deregistered ends it."""

if {row.trigger for row in HOUSEHOLD_TRIGGERS} != set(HouseholdTrigger):  # pragma: no cover - a definition fault
    raise AssertionError("a built-in household trigger has no row")

_STEPS: dict[type[Any], tuple[Any, HouseholdState | None]] = {
    **{row.event: (row.fold, row.target) for row in HOUSEHOLD_TRIGGERS},
    HouseholdTransitioned: (_transitioned, None),
}

_CLASSES: tuple[type[HouseholdEvent], ...] = (
    HouseholdScreened,
    *(row.event for row in HOUSEHOLD_TRIGGERS),
    HouseholdTransitioned,
)
HOUSEHOLD_EVENT_TYPES: Mapping[str, type[HouseholdEvent]] = {cls.type: cls for cls in _CLASSES}
"""Every household event class by its ``type`` tag (all begin ``household_``: none is a dispute event's)."""


def start(event: HouseholdScreened) -> Household:
    """The household a ``HouseholdScreened`` event begins."""
    p = event.payload
    return Household(
        id=p.household_id,
        state=HouseholdState.SCREENED,
        village=p.village,
        grid=p.grid,
        address=p.address,
        screened_at=event.at,
        updated_at=event.at,
        state_since=event.at,
        members=p.members,
        factors=p.factors,
        policy=event.policy,
        history=(event,),
    )


def apply(household: Household, event: HouseholdEvent) -> Household:
    """The household after ``event``. Pure: ``household`` is unchanged.

    Raises:
        ValidationError: ``event`` is not a household event that may follow the first.
    """
    step = _STEPS.get(type(event))
    if step is None:
        raise ValidationError(f"{type(event).__name__} cannot follow the first event of a household", "event")
    handler, target = step
    changes = handler(household, event)
    if target is not None:
        changes["state"] = target
        changes["state_since"] = event.at
    changes["updated_at"] = event.at
    changes["history"] = (*household.history, event)
    return attrs.evolve(household, **changes)


def fold(history: Iterable[CaseEvent]) -> Household:
    """Fold a whole history into its household (no graph check: see ``HouseholdWorkflow.replay``).

    It takes a stream as a store gives it (of any kind of case) and refuses one that is not a household's.

    Raises:
        ValidationError: the history is empty, does not begin with ``HouseholdScreened``, has a
            second one, or mixes households; ``path`` names the event (``history[3]``).
    """
    return fold_case(
        history,
        noun="household",
        opening=HouseholdScreened,
        base=HouseholdEvent,
        start=start,
        apply=apply,
        stream_of=_stream_of,
    )


def _stream_of(household: Household) -> str:
    return household.id
