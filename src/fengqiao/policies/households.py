"""The ``HouseholdPolicy`` protocol and ``HouseholdBasePolicy``: what a household workflow asks of its rules.

A household policy is to a household what a :class:`~fengqiao.policies.base.Policy` is to a
dispute: it assesses (risk class and kinds of work, saying which rule fired), requires roles
for triggers, contributes refusals, declares deadlines, extends the household's graph and
defines its metrics. It does no I/O: everything it needs is in the household and the time it
is asked at.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from typing import ClassVar, Protocol, runtime_checkable

from fengqiao.domain.actor import Role
from fengqiao.domain.household import FactorId, RiskClass, WorkKind
from fengqiao.lifecycle.graph import GraphExtension
from fengqiao.lifecycle.household import Household
from fengqiao.lifecycle.household_events import HouseholdEvent, HouseholdState
from fengqiao.lifecycle.household_payloads import HouseholdAssessment
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import TriggerId
from fengqiao.policies.base import CHINA_TZ, Deadline

__all__ = ["HouseholdBasePolicy", "HouseholdPolicy", "household_metrics"]


@runtime_checkable
class HouseholdPolicy(Protocol):
    """What :class:`~fengqiao.households.HouseholdWorkflow` asks of a policy. Subclass :class:`HouseholdBasePolicy`."""

    @property
    def name(self) -> str:
        """The policy's registered name (``"xiqi-family-risk"``)."""
        ...

    @property
    def timezone(self) -> tzinfo:
        """The timezone of the policy's day boundaries."""
        ...

    def assess(self, household: Household, factors: frozenset[FactorId], at: datetime) -> HouseholdAssessment:
        """The risk class and kinds of work for ``factors``; say which rule fired."""
        ...

    def graph(self) -> GraphExtension:
        """States and edges the policy adds to the household's base graph."""
        ...

    def required_roles(self, action: TriggerId) -> frozenset[Role] | None:
        """Roles of which an actor must hold one to do ``action`` (``"screen"`` opens); ``None``: anyone may."""
        ...

    def preconditions(self, household: Household, trigger: TriggerId, at: datetime) -> Iterable[Refusal]:
        """Refusals that do not depend on the command's payload (used by ``triggers()`` too)."""
        ...

    def refusals(self, household: Household, event: HouseholdEvent) -> Iterable[Refusal]:
        """Refusals of the exact event a command would append."""
        ...

    def deadlines(self, household: Household) -> Iterable[Deadline]:
        """The deadlines that apply to ``household``, computed from its events."""
        ...

    def metrics(self, households: Iterable[Household]) -> Mapping[str, float]:
        """The policy's figures over ``households``."""
        ...


class HouseholdBasePolicy:
    """Defaults for every part of :class:`HouseholdPolicy`: subclass and override what you need.

    The default assessment puts every household in class III with the kinds of work its
    factors usually call for (the default factor catalogue's ``work``; dispute mediation if
    none); anyone may do anything; nothing is refused or due.
    """

    name: ClassVar[str] = "household-base"
    version: ClassVar[str] = "1"
    """Recorded with the name in every household the policy screens (as :attr:`BasePolicy.version`)."""
    timezone: tzinfo = CHINA_TZ

    def assess(self, household: Household, factors: frozenset[FactorId], at: datetime) -> HouseholdAssessment:
        """Class III, with the kinds of work the factors call for (dispute mediation if none)."""
        # The factors' usual work has one source, the default catalogue (imported here: the
        # catalogue's package imports this module for its policy).
        from fengqiao.policies.xiqi_family_risk.catalogue import default_catalogue

        catalogue = default_catalogue()
        work = catalogue.work(f for f in factors if f in catalogue) or frozenset({WorkKind.DISPUTE_MEDIATION})
        return HouseholdAssessment(risk_class=RiskClass.III, work=work, rule=f"{self.name}.default")

    def graph(self) -> GraphExtension:
        """Nothing added: the base household graph."""
        return GraphExtension()

    def required_roles(self, action: TriggerId) -> frozenset[Role] | None:
        """Anyone may do anything."""
        return None

    def preconditions(self, household: Household, trigger: TriggerId, at: datetime) -> Iterable[Refusal]:
        """None."""
        return ()

    def refusals(self, household: Household, event: HouseholdEvent) -> Iterable[Refusal]:
        """None."""
        return ()

    def deadlines(self, household: Household) -> Iterable[Deadline]:
        """None."""
        return ()

    def metrics(self, households: Iterable[Household]) -> Mapping[str, float]:
        """:func:`household_metrics`."""
        return household_metrics(households)


def household_metrics(households: Iterable[Household]) -> dict[str, float]:
    """Households screened, watched (on the list now or assessed since), by state, class and kind of work.

    ``watched`` counts every household that has been put on the watch list and is not released
    or deregistered; ``class.I`` … count the latest assessment of those households.
    """
    states: Counter[str] = Counter()
    classes: Counter[str] = Counter()
    work: Counter[str] = Counter()
    total = 0
    for h in households:
        total += 1
        states[str(h.state)] += 1
        if h.state in (HouseholdState.ASSESSED, HouseholdState.MANAGED) and h.assessment is not None:
            classes[str(h.assessment.risk_class)] += 1
            for kind in h.assessment.work:
                work[str(kind)] += 1
    watched = sum(states[str(s)] for s in (HouseholdState.WATCHED, HouseholdState.ASSESSED, HouseholdState.MANAGED))
    figures: dict[str, float] = {"screened": float(total), "watched": float(watched)}
    figures.update({f"state.{s}": float(states[str(s)]) for s in HouseholdState})
    figures.update({f"class.{c}": float(classes[str(c)]) for c in RiskClass})
    figures.update({f"work.{k}": float(work[str(k)]) for k in WorkKind})
    return figures
