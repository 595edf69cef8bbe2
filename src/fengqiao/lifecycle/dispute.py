"""The dispute (矛盾纠纷): the unit of work, and the fold of its events.

A ``Dispute`` is never edited: each command appends one event and yields a new value, and
``fengqiao.replay(d.history) == d`` always holds.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from fengqiao.domain.actor import Role
from fengqiao.domain.dossier import DossierItem, DossierKind, DossierSection
from fengqiao.domain.party import Alert, Party
from fengqiao.domain.records import Assignment, Attempt, Escalation, PolicyRef, Referral, Visit
from fengqiao.domain.terms import Category, Channel, MediationForce, Outcome, RiskFactor, Route
from fengqiao.lifecycle.events import Event
from fengqiao.lifecycle.payloads import Assessment, Grading
from fengqiao.lifecycle.states import StateId

__all__ = ["Dispute"]


class _Referable:
    """A base that gives ``Dispute`` weak references and still lets the fold fill it through a twin.

    CPython refuses ``__class__`` assignment between slotted classes when ``__weakref__`` is
    one of a class's own slots (it sits after the fields, which the layout check does not
    allow for); in a shared base it sits ahead of the fields, in the twin too
    (:func:`fengqiao.domain._codegen.slots_twin` gives the twin the class's bases).
    """

    __slots__ = ("__weakref__",)


@attrs.frozen(kw_only=True, weakref_slot=False)
class Dispute(_Referable):
    """A dispute's current value, folded from ``history``. Build one with ``Workflow.discover``.

    It takes weak references through its base (``_Referable``), not its own ``__weakref__``
    slot (``weakref_slot=False``): that way the fold can still fill a new value through a
    plain slotted twin, which makes each command's copy several times cheaper (see
    ``fengqiao.lifecycle.fold``), and a ``Repository`` can remember the values it served
    without keeping them alive.
    """

    id: str
    state: StateId
    category: Category
    summary: str
    station: str
    discovered_at: datetime
    updated_at: datetime
    state_since: datetime
    """When the dispute entered its current state."""
    parties: tuple[Party, ...]
    alerts: tuple[Alert, ...]
    risk_factors: frozenset[RiskFactor]
    assessment: Assessment | None = None
    grading: Grading | None = None
    """The current grading: grade, the rule that gave it, route, reason and flags."""
    forces: tuple[MediationForce, ...] = ()
    """The forces of the current (or last) mediation."""
    attempts: tuple[Attempt, ...] = ()
    visits: tuple[Visit, ...] = ()
    visits_since_resolution: tuple[Visit, ...] = ()
    """The visits of the current follow-up period (reset by each ``resolve``)."""
    resolved_at: datetime | None = None
    """When the dispute was last resolved; ``None`` again after a ``reopen``."""
    outcome: Outcome | None = None
    referral: Referral | None = None
    escalation: Escalation | None = None
    assignments: tuple[Assignment, ...] = ()
    dossier: tuple[DossierItem, ...] = ()
    merged_into: str | None = None
    policy: PolicyRef | None = None
    """The policy it was opened under, as its ``Discovered`` event records it (``None`` if not recorded)."""
    history: tuple[Event, ...] = attrs.field(default=(), repr=False)

    @property
    def version(self) -> int:
        """How many events the dispute has: the expected version for the next append."""
        return len(self.history)

    @property
    def grade(self) -> str | None:
        """The policy grade (``"red"``, ``"high"``, ``"II"`` …), ``None`` before grading."""
        return None if self.grading is None else self.grading.grade

    @property
    def grade_rule(self) -> str | None:
        """The id of the policy rule that gave the current grade."""
        return None if self.grading is None else self.grading.rule

    @property
    def route(self) -> Route | None:
        """Where grading sent the dispute: mediate, refer or escalate."""
        return None if self.grading is None else self.grading.route

    @property
    def channel(self) -> Channel:
        """The channel of the first alert."""
        return self.alerts[0].channel

    @property
    def complex(self) -> bool:
        """Graded as complex (疑难复杂)."""
        return self.assessment is not None and self.assessment.complex

    def assignees(self, role: Role) -> tuple[str, ...]:
        """Who has been assigned in ``role``, oldest first.

        Raises:
            ValidationError: ``role`` is not a :class:`Role` (or its value).
        """
        wanted = Role.parse(role, "role")
        return tuple(a.person for a in self.assignments if a.role is wanted)

    def has_document(self, *kinds: DossierKind) -> bool:
        """Whether the dossier holds at least one item of any of ``kinds``.

        Raises:
            ValidationError: a kind is not a :class:`DossierKind` (or its value).
        """
        wanted = {DossierKind.parse(k, f"kinds[{i}]") for i, k in enumerate(kinds)}
        return any(item.kind in wanted for item in self.dossier)

    def sections(self) -> frozenset[DossierSection]:
        """The dossier sections that hold at least one item."""
        return frozenset(item.kind.section for item in self.dossier)
