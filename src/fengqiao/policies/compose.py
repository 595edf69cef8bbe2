"""``compose(a, b, …)``: one policy made of several.

The first policy grades, routes and names the grades; refusals and preconditions of all
are united; deadlines, dossier requirements and graph extensions are merged; an actor
must hold a role that every policy accepts; metrics and reports are merged, earlier
policies winning on a name clash.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from fengqiao.domain.actor import Role
from fengqiao.domain.terms import Route
from fengqiao.errors import PolicyDefinitionError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Event
from fengqiao.lifecycle.graph import GraphExtension
from fengqiao.lifecycle.payloads import Assessment, Grading
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import TriggerId
from fengqiao.policies.base import Deadline, DossierRequirement, Policy
from fengqiao.policies.reports import Report, reports_of

__all__ = ["Composite", "compose"]


class Composite:
    """Several policies acting as one (see :func:`compose`)."""

    def __init__(self, parts: tuple[Policy, ...]) -> None:
        if not parts:
            raise PolicyDefinitionError("compose() needs at least one policy")
        self.parts = parts
        self.name = "+".join(p.name for p in parts)
        self.version = "+".join(getattr(p, "version", "") for p in parts)
        """The parts' versions, in their order (``"1+1"``)."""
        self.grades = parts[0].grades
        self.timezone = parts[0].timezone

    def grade(self, dispute: Dispute, assessment: Assessment, at: datetime) -> Grading:
        """The first policy's grading."""
        return self.parts[0].grade(dispute, assessment, at)

    def route(self, dispute: Dispute, assessment: Assessment) -> Route:
        """The first policy's route."""
        return self.parts[0].route(dispute, assessment)

    def graph(self) -> GraphExtension:
        """Every part's extension, combined."""
        total = GraphExtension()
        for p in self.parts:
            total = total + p.graph()
        return total

    def required_roles(self, action: TriggerId) -> frozenset[Role] | None:
        """The roles every part accepts (``None`` when none of them restricts ``action``)."""
        required = [r for p in self.parts if (r := p.required_roles(action)) is not None]
        if not required:
            return None
        return frozenset.intersection(*required)

    def preconditions(self, dispute: Dispute, trigger: TriggerId, at: datetime) -> Iterable[Refusal]:
        """Every part's preconditions."""
        for p in self.parts:
            yield from p.preconditions(dispute, trigger, at)

    def refusals(self, dispute: Dispute, event: Event) -> Iterable[Refusal]:
        """Every part's refusals."""
        for p in self.parts:
            yield from p.refusals(dispute, event)

    def deadlines(self, dispute: Dispute) -> Iterable[Deadline]:
        """Every part's deadlines."""
        for p in self.parts:
            yield from p.deadlines(dispute)

    def dossier_requirements(self, dispute: Dispute) -> Iterable[DossierRequirement]:
        """Every part's dossier requirements."""
        for p in self.parts:
            yield from p.dossier_requirements(dispute)

    def metrics(self, disputes: Iterable[Dispute]) -> Mapping[str, float]:
        """Every part's metrics; on a clash of names the earlier part wins."""
        materialised = tuple(disputes)
        merged: dict[str, float] = {}
        for p in reversed(self.parts):
            merged.update(p.metrics(materialised))
        return merged

    def reports(self) -> Mapping[str, Report]:
        """Every part's reports, each bound to its part; on a clash of names the earlier part wins."""
        merged: dict[str, Report] = {}
        for p in reversed(self.parts):
            merged.update(reports_of(p))
        return merged

    def __repr__(self) -> str:
        return f"<policy {self.name}>"


def compose(*policies: Policy) -> Composite:
    """One policy made of ``policies``; the first grades and routes.

    Raises:
        PolicyDefinitionError: no policy given, or something that is not a policy.
    """
    for index, policy in enumerate(policies):
        if isinstance(policy, type) or not isinstance(policy, Policy):
            raise PolicyDefinitionError(f"compose() takes policies; argument {index} is a {type(policy).__name__}")
    return Composite(tuple(policies))
