"""From a folded household to its ledger row, and which kind of case a run of events is.

The household twin of :mod:`fengqiao.ledger._facts`: the one place a household's row is
computed, for every back-end, for the incremental projection and a rebuild alike. ``next_due``
is computed ahead, as a dispute's is: the household policy's deadlines come from the
household's events alone, so the households with an overdue deadline at ``at`` are exactly
those with ``next_due < at``.

A store may hold more than disputes and households (a later fengqiao, or another program,
adds families of events of its own): :func:`kind_of` names the kind of a run of one stream's
events by its first event, and a run of neither kind is no business of the ledger's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import attrs

from fengqiao.households import HouseholdWorkflow
from fengqiao.ledger.rows import HouseholdRow, utc
from fengqiao.lifecycle.events import Event
from fengqiao.lifecycle.household import HOUSEHOLD, Household, apply, fold
from fengqiao.lifecycle.household_events import HouseholdEvent
from fengqiao.storage.base import StoredEvent

__all__ = [
    "HouseholdProjected",
    "RunKind",
    "check_household_steps",
    "fold_household_onto",
    "kind_of",
    "project_household",
]

RunKind = Literal["dispute", "household", "other"]


def kind_of(run: Sequence[StoredEvent]) -> RunKind:
    """The kind of case a run of one stream's stored events belongs to, by its first event.

    ``"other"``: neither a dispute's nor a household's (a family of events the ledger does not
    project); the ledger passes it over, neither a row nor a problem.
    """
    first = run[0].event
    if isinstance(first, Event):
        return "dispute"
    if isinstance(first, HouseholdEvent):
        return "household"
    return "other"


@attrs.frozen
class HouseholdProjected:
    """Everything the ledger stores about one household after an append."""

    row: HouseholdRow
    household: Household
    head_hash: str
    """The hash of the household's last event: it seals the whole history the row was folded from."""
    position: int
    """The global position of the household's last event."""


def project_household(
    household: Household, workflow: HouseholdWorkflow, *, head_hash: str, position: int
) -> HouseholdProjected:
    """The ledger's record of ``household`` under ``workflow``'s policy."""
    policy = workflow.policy
    pending = [dl.due for dl in policy.deadlines(household) if dl.met_at is None]
    row = HouseholdRow(
        id=household.id,
        village=household.village,
        grid=household.grid,
        state=household.state,
        open=not workflow.graph.is_terminal(household.state),
        risk_class=household.risk_class,
        work=tuple(sorted(household.work, key=str)),
        factors=tuple(sorted(household.factors, key=str)),
        disputes=len(household.disputes),
        pending_help=len(household.pending_help),
        reassessment_due=household.reassessment_due,
        screened_at=utc(household.screened_at),
        updated_at=utc(household.updated_at),
        state_since=utc(household.state_since),
        version=household.version,
        policy=policy.name,
        next_due=utc(min(pending)) if pending else None,
    )
    return HouseholdProjected(row, household, head_hash, position)


def check_household_steps(
    workflow: HouseholdWorkflow, before: Household | None, after: Household, events: Sequence[HouseholdEvent]
) -> None:
    """Check that ``events``, taking ``before`` to ``after``, are steps the household policy's graph allows.

    Raises:
        ValidationError: a step the graph does not allow; the message names the event.
    """
    state = HOUSEHOLD.initial if before is None else before.state
    workflow.graph.walk(state, events, first=after.version - len(events), policy=workflow.policy.name)


def fold_household_onto(previous: Household | None, events: Iterable[HouseholdEvent]) -> Household:
    """``previous`` with ``events`` applied (the pure fold); ``None`` when they begin the history.

    Raises:
        ValidationError: a history that does not begin with ``HouseholdScreened``, or an event
            that is not a household's.
    """
    if previous is None:
        return fold(events)
    household = previous
    for event in events:
        household = apply(household, event)
    return household
