"""The ledger routes (台账): its queries, reports, the daily dispatch view and where its follower stands.

The ledger's queries are synchronous, so these routes are plain functions, which FastAPI runs
in its thread pool: the event loop never waits on them. The ledger is kept by a follower in
the service's own process (:mod:`fengqiao.ledger.follow`), so it may be a moment behind the
events: ``GET /ledger/status`` says how far.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from fengqiao.ledger.rows import Period
from fengqiao.serde import converter
from fengqiao.service._context import CallerDep, ServiceDep

__all__ = ["router"]

router = APIRouter(prefix="/ledger", tags=["ledger"])

Values = Annotated[list[str] | None, Query()]
"""A condition given once or repeated (``?state=graded&state=mediating``): any of them matches."""


def _answer(value: Any, caller: CallerDep) -> JSONResponse:
    return JSONResponse(caller.view(converter.unstructure(value)))


def _conditions(**given: Any) -> dict[str, Any]:
    return {k: v for k, v in given.items() if v is not None}


@router.get("/disputes")
def disputes(
    service: ServiceDep,
    caller: CallerDep,
    state: Values = None,
    grade: Values = None,
    category: Values = None,
    channel: Values = None,
    station: Values = None,
    policy: Values = None,
    assignee: str | None = None,
    role: str | None = None,
    open_only: bool = False,
    limit: int | None = None,
) -> JSONResponse:
    """The ledger's rows meeting every condition given, by dispute id (`Ledger.disputes`)."""
    found = _conditions(
        state=state,
        grade=grade,
        category=category,
        channel=channel,
        station=station,
        policy=policy,
        assignee=assignee,
        role=role,
    )
    return _answer({"rows": service.ledger.disputes(open_only=open_only, limit=limit, **found)}, caller)


@router.get("/count")
def count(
    service: ServiceDep,
    state: Values = None,
    grade: Values = None,
    category: Values = None,
    channel: Values = None,
    station: Values = None,
    policy: Values = None,
    assignee: str | None = None,
    role: str | None = None,
    open_only: bool = False,
) -> dict[str, int]:
    """How many rows meet every condition given (`Ledger.count`)."""
    found = _conditions(
        state=state,
        grade=grade,
        category=category,
        channel=channel,
        station=station,
        policy=policy,
        assignee=assignee,
        role=role,
    )
    return {"count": service.ledger.count(open_only=open_only, **found)}


@router.get("/disputes/{dispute_id}")
def row(dispute_id: str, service: ServiceDep, caller: CallerDep) -> JSONResponse:
    """One dispute's row (`Ledger.row`); 404 until the follower has applied its first event."""
    return _answer(service.ledger.row(dispute_id), caller)


@router.get("/overdue")
def overdue(
    service: ServiceDep,
    caller: CallerDep,
    at: datetime | None = None,
    policy: str | None = None,
    station: Values = None,
) -> JSONResponse:
    """Every deadline unmet and past due at `at` (now by default; with its UTC offset), earliest first."""
    return _answer({"rows": service.ledger.overdue(at, policy=policy, station=station)}, caller)


@router.get("/resolution-rate")
def resolution_rate(
    service: ServiceDep, caller: CallerDep, start: datetime, end: datetime, policy: str | None = None
) -> JSONResponse:
    """The policy's figures over its disputes discovered in `[start, end)` (the service's policy by default)."""
    chosen = policy or service.workflow.policy.name
    return _answer(service.ledger.resolution_rate(Period(start, end), chosen), caller)


@router.get("/dossiers")
def dossiers(
    service: ServiceDep,
    caller: CallerDep,
    policy: str | None = None,
    station: Values = None,
    incomplete_only: bool = False,
) -> JSONResponse:
    """Each dispute's dossier against its policy's requirements, by volume (A/B卷)."""
    rows = service.ledger.dossier_completeness(policy, station=station, incomplete_only=incomplete_only)
    return _answer({"rows": rows}, caller)


@router.get("/dispatch")
def dispatch(
    service: ServiceDep,
    caller: CallerDep,
    day: date,
    station: str | None = None,
    seed: int = 0,
    policy: str | None = None,
) -> JSONResponse:
    """The daily dispatch view of the alerts received on `day`: a policy's `"dispatch"` report.

    `policy` names the policy whose view it is (the service's by default); one that offers no
    dispatch view is a 422 listing the reports it does offer. Huainan's (`huainan-two-clears`)
    counts the disputes of every policy in the ledger.
    """
    chosen = policy or service.workflow.policy.name
    return _answer(service.ledger.report(chosen, "dispatch", day, station=station, seed=seed), caller)


@router.get("/problems")
def problems(service: ServiceDep, caller: CallerDep) -> JSONResponse:
    """The events the ledger could not project and set aside (quarantine), by position."""
    return _answer({"rows": service.ledger.problems()}, caller)


@router.get("/status")
def status(service: ServiceDep) -> dict[str, Any]:
    """Where the ledger's follower stands: its checkpoint, the newest position, and how far behind it is."""
    found: dict[str, Any] = converter.unstructure(service.follower.status())
    return found
