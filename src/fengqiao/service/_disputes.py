"""The dispute routes: discover, fire a trigger, check one, list those allowed, get, history.

Writes go through :class:`~fengqiao.storage.aio.AsyncRepository`, so the event loop never
waits on the database. A command may name the version it was decided on (``version`` in the
body, or ``If-Match: "3"``): if the stored dispute has moved on, nothing is stored and the
answer is 409 with the current version. Without one, the command is decided on what is stored
now, and decided again if another writer gets in first (:meth:`AsyncRepository.update`).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from fengqiao.errors import ConcurrencyConflict, ValidationError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.serde import unstructure
from fengqiao.service._bodies import command, discovery
from fengqiao.service._context import CallerDep, ServiceDep
from fengqiao.service._errors import ERROR_SCHEMAS
from fengqiao.service._openapi import ref

__all__ = ["router"]

router = APIRouter(prefix="/disputes", tags=["disputes"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such dispute", "content": {"application/json": {"schema": ref("NotFound")}}},
    409: {
        "description": "Refused (every refusal, in Chinese and English) or a stale version (the current one)",
        "content": {"application/json": {"schema": {"oneOf": [ref("Refused"), ref("Conflict")]}}},
    },
    422: {
        "description": "Malformed input; `path` names the field",
        "content": {"application/json": {"schema": ref("Invalid")}},
    },
}
_DISPUTE = {
    "description": "The dispute as `fengqiao.dumps` writes it",
    "content": {"application/json": {"schema": ref("Dispute")}},
}
_COMMAND_BODY = {
    "type": "object",
    "properties": {
        "actor": {"type": "string", "description": "who acts, 'role:name' (e.g. 'officer:xiao')"},
        "version": {"type": "integer", "minimum": 0, "description": "the version decided on (or If-Match)"},
    },
    "required": ["actor"],
    "additionalProperties": True,
    "description": "The trigger's payload fields (see the *Payload components: MediatePayload, VisitPayload …; "
    "grade and regrade take Assessment's fields), with the actor and, optionally, the version.",
}
_DISCOVER_BODY = {
    "type": "object",
    "properties": {
        "channel": {"type": "string"},
        "category": {"type": "string"},
        "summary": {"type": "string"},
        "actor": {"type": "string"},
        "parties": {"type": "array", "items": ref("Party")},
        "risk_factors": {"type": "array", "items": {"type": "string"}},
        "station": {"type": "string"},
        "location": {"type": "string"},
        "reporter": {"type": "string"},
        "reference": {"type": "string"},
        "received_at": {"type": "string", "format": "date-time"},
        "dispute_id": {"type": "string"},
    },
    "required": ["channel", "category", "summary", "actor"],
    "additionalProperties": False,
}
_DECISION = {
    "type": "object",
    "properties": {
        "dispute_id": {"type": "string"},
        "version": {"type": "integer"},
        "trigger": {"type": "string"},
        "allowed": {"type": "boolean"},
        "refusals": {"type": "array", "items": ref("Refusal")},
    },
    "required": ["dispute_id", "version", "trigger", "allowed", "refusals"],
}
SCHEMAS = {"Decision": _DECISION, **ERROR_SCHEMAS}
"""The schemas these routes add to the OpenAPI components."""


def _answer(d: Dispute, caller: CallerDep, status: int = 200) -> JSONResponse:
    headers = {"ETag": f'"{d.version}"', "Location": f"/disputes/{d.id}"}
    return JSONResponse(caller.view(unstructure(d)), status_code=status, headers=headers)


async def _body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        raise ValidationError("the body is not JSON", "body") from None


@router.post(
    "",
    status_code=201,
    responses={201: _DISPUTE, **_ERRORS},
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": _DISCOVER_BODY}}}},
)
async def discover(request: Request, service: ServiceDep, caller: CallerDep) -> Response:
    """Open a dispute from its first alert (发现); the body takes `Workflow.discover`'s arguments."""
    kwargs = discovery(await _body(request))
    kwargs["actor"] = caller.acting(kwargs.get("actor"), "discover.actor")  # type: ignore[arg-type]
    return _answer(await service.repository.discover(**kwargs), caller, 201)


@router.get("/{dispute_id}", responses={200: _DISPUTE, **_ERRORS})
async def get(dispute_id: str, service: ServiceDep, caller: CallerDep) -> Response:
    """The dispute as stored (its history replayed); `ETag` is its version."""
    return _answer(await service.repository.get(dispute_id), caller)


@router.get(
    "/{dispute_id}/history",
    responses={
        200: {
            "description": "The dispute's events, oldest first, each as `fengqiao.dumps` writes it",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "dispute_id": {"type": "string"},
                            "version": {"type": "integer"},
                            "events": {"type": "array", "items": ref("EventDocument")},
                        },
                        "required": ["dispute_id", "version", "events"],
                    }
                }
            },
        },
        **_ERRORS,
    },
)
async def history(dispute_id: str, service: ServiceDep, caller: CallerDep) -> Response:
    """The dispute's events (its history), oldest first."""
    d = await service.repository.get(dispute_id)
    events = [unstructure(e) for e in d.history]
    body = {"dispute_id": d.id, "version": d.version, "events": events}
    return JSONResponse(caller.view(body), headers={"ETag": f'"{d.version}"'})


@router.get("/{dispute_id}/triggers", responses=_ERRORS)
async def triggers(
    dispute_id: str,
    service: ServiceDep,
    caller: CallerDep,
    actor: Annotated[str | None, Query(description="only what this actor ('role:name') may fire")] = None,
) -> dict[str, Any]:
    """The triggers that may fire now, the policy's preconditions and (with `actor`) its roles included."""
    d = await service.repository.get(dispute_id)
    who = None if actor is None else caller.acting(actor, "actor")
    return {
        "dispute_id": d.id,
        "version": d.version,
        "state": str(d.state),
        "triggers": [str(t) for t in service.workflow.triggers(d, actor=who)],
    }


@router.get(
    "/{dispute_id}/check/{trigger}",
    responses={
        200: {"description": "Every refusal", "content": {"application/json": {"schema": ref("Decision")}}},
        **_ERRORS,
    },
)
async def check(dispute_id: str, trigger: str, request: Request, service: ServiceDep, caller: CallerDep) -> Response:
    """Whether `trigger` may fire now, with every refusal (code, Chinese, English); never stores anything.

    `actor` is a query parameter; the payload's fields are too, each read as JSON when it
    parses as JSON (`complex=true`, `forces=["police_office"]`), else as text. POST the
    command's body to the same path for a payload JSON says better.
    """
    body: dict[str, Any] = {}
    for key in request.query_params:
        values = [_query_value(v) for v in request.query_params.getlist(key)]
        body[key] = values[0] if len(values) == 1 else values
    return await _check(dispute_id, trigger, body, None, service, caller)


@router.post(
    "/{dispute_id}/check/{trigger}",
    responses={
        200: {"description": "Every refusal", "content": {"application/json": {"schema": ref("Decision")}}},
        **_ERRORS,
    },
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": _COMMAND_BODY}}}},
)
async def check_body(
    dispute_id: str,
    trigger: str,
    request: Request,
    service: ServiceDep,
    caller: CallerDep,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Whether the command in the body may fire now, with every refusal; never stores anything."""
    return await _check(dispute_id, trigger, await _body(request), if_match, service, caller)


async def _check(
    dispute_id: str, trigger: str, body: Any, if_match: str | None, service: ServiceDep, caller: CallerDep
) -> Response:
    cmd = command(trigger, body, if_match)
    actor = caller.acting(cmd.actor, f"{trigger}.actor")
    d = await service.repository.get(dispute_id)
    _check_version(d, cmd.version)
    decision = service.workflow.check(d, trigger, actor=actor, **cmd.payload)
    refusals = [{"code": r.code, "zh": r.zh, "en": r.en} for r in decision.refusals]
    body = {
        "dispute_id": d.id,
        "version": d.version,
        "trigger": str(decision.trigger),
        "allowed": decision.allowed,
        "refusals": refusals,
    }
    return JSONResponse(body, headers={"ETag": f'"{d.version}"'})


@router.post(
    "/{dispute_id}/{trigger}",
    responses={200: _DISPUTE, **_ERRORS},
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": _COMMAND_BODY}}}},
)
async def fire(
    dispute_id: str,
    trigger: str,
    request: Request,
    service: ServiceDep,
    caller: CallerDep,
    if_match: Annotated[str | None, Header(description='the version decided on, as its ETag ("3")')] = None,
) -> Response:
    """Fire `trigger` with the payload in the body and store its event; the answer is the new dispute."""
    cmd = command(trigger, await _body(request), if_match)
    actor = caller.acting(cmd.actor, f"{trigger}.actor")
    wf, repo = service.workflow, service.repository
    if cmd.version is None:
        d = await repo.update(dispute_id, lambda d: wf.fire(d, trigger, actor=actor, **cmd.payload))
    else:
        current = await repo.get(dispute_id)
        _check_version(current, cmd.version)
        d = await repo.fire(current, trigger, actor=actor, **cmd.payload)
    return _answer(d, caller)


def _check_version(d: Dispute, version: int | None) -> None:
    if version is not None and version != d.version:
        raise ConcurrencyConflict(d.id, version, d.version)


def _query_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text
