"""How refusals and errors become responses: one JSON shape per kind, in Chinese and English, nothing internal.

=========================================  ======  =====================================================
error                                      status  body (besides ``zh`` and ``en``)
=========================================  ======  =====================================================
:class:`~fengqiao.TransitionRefused`       409     ``error: "refused"``, ``trigger``, every refusal's
                                                   ``code``, ``zh`` and ``en``
:class:`~fengqiao.ConcurrencyConflict`     409     ``error: "conflict"``, ``expected_version``,
                                                   ``current_version``
:class:`~fengqiao.DisputeNotFound`         404     ``error: "not_found"``, ``dispute_id``
:class:`~fengqiao.ValidationError`,        422     ``error: "invalid"``, ``path`` (the field)
:class:`~fengqiao.SerializationError`
any other :class:`~fengqiao.StorageError`  503     ``error: "storage"``
anything else                              500     ``error: "internal"`` (no detail)
=========================================  ======  =====================================================

fengqiao's messages quote what a caller sent with every long run of digits masked; the messages
that may quote input (422, 500, 503) pass through :func:`~fengqiao.service._redaction.scrub`
once more, so a number a caller sent never comes back whole.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from fengqiao.errors import (
    ConcurrencyConflict,
    DisputeNotFound,
    FengqiaoError,
    HouseholdNotFound,
    PlaceNotFound,
    SerializationError,
    StorageError,
    TransitionRefused,
    UnreadableEventError,
    ValidationError,
)
from fengqiao.lifecycle.states import Trigger
from fengqiao.service._redaction import scrub

__all__ = ["ERROR_SCHEMAS", "install", "problem"]

_log = logging.getLogger("fengqiao.service")


def install(app: FastAPI) -> None:
    """Map every error the routes may meet to its response."""
    app.add_exception_handler(FengqiaoError, _fengqiao)
    app.add_exception_handler(RequestValidationError, _request)
    app.add_exception_handler(Exception, _internal)


def problem(error: FengqiaoError) -> tuple[int, dict[str, Any]]:
    """The status and body that answer ``error``."""
    if isinstance(error, TransitionRefused):
        refusals = [{"code": r.code, "zh": r.zh, "en": r.en} for r in error.refusals]
        return 409, {
            "error": "refused",
            "dispute_id": error.dispute_id,
            "trigger": str(error.trigger),
            "refusals": refusals,
            "zh": f"“{_label(error.trigger)}”被拒绝：" + "；".join(r.zh for r in error.refusals),
            "en": str(error),
        }
    if isinstance(error, ConcurrencyConflict):
        return 409, {
            "error": "conflict",
            "dispute_id": error.stream,
            "expected_version": error.expected,
            "current_version": error.actual,
            "zh": f"版本冲突：您依据的是第 {error.expected} 版，当前已是第 {error.actual} 版；请重新读取后再决定",
            "en": str(error),
        }
    if isinstance(error, DisputeNotFound | HouseholdNotFound | PlaceNotFound):
        return 404, {"error": "not_found", "dispute_id": _case_id(error), "zh": "未找到该纠纷", "en": str(error)}
    if isinstance(error, ValidationError | SerializationError):
        return 422, {
            "error": "invalid",
            "path": error.path,
            "zh": f"输入无效（{error.path or '请求'}）：{scrub(error.message)}",
            "en": scrub(str(error)),
        }
    if isinstance(error, UnreadableEventError):
        return 500, {"error": "unreadable", "zh": "存储的事件无法读取", "en": scrub(str(error))}
    if isinstance(error, StorageError):
        _log.warning("storage error: %s", scrub(str(error)))
        return 503, {"error": "storage", "zh": "存储暂时不可用", "en": "the event store is not available now"}
    _log.error("fengqiao error: %s", scrub(str(error)))
    return 500, _INTERNAL


def _label(trigger: str) -> str:
    """A built-in trigger's Chinese label (销号); a policy's own trigger as it is named."""
    try:
        return Trigger(trigger).label("zh")
    except ValueError:
        return trigger


def _case_id(error: DisputeNotFound | HouseholdNotFound | PlaceNotFound) -> str:
    if isinstance(error, DisputeNotFound):
        return error.dispute_id
    return error.household_id if isinstance(error, HouseholdNotFound) else error.place_id


_INTERNAL = {"error": "internal", "zh": "服务内部错误", "en": "internal error"}


async def _fengqiao(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, FengqiaoError)
    status, body = problem(error)
    return JSONResponse(body, status_code=status)


async def _request(_request: Request, error: Exception) -> JSONResponse:
    """FastAPI's own checks of path and query parameters, in the same shape as ours."""
    assert isinstance(error, RequestValidationError)
    first = error.errors()[0] if error.errors() else {}
    path = ".".join(str(part) for part in first.get("loc", ()) if part not in ("path", "query", "header", "body"))
    message = scrub(str(first.get("msg", "invalid request")))
    status, body = problem(ValidationError(message, path))
    return JSONResponse(body, status_code=status)


async def _internal(_request: Request, error: Exception) -> JSONResponse:
    _log.exception("unexpected error", exc_info=error)
    return JSONResponse(_INTERNAL, status_code=500)


_TEXTS = {"zh": {"type": "string"}, "en": {"type": "string"}}
ERROR_SCHEMAS: dict[str, dict[str, Any]] = {
    "Refusal": {
        "type": "object",
        "properties": {"code": {"type": "string"}, "zh": {"type": "string"}, "en": {"type": "string"}},
        "required": ["code", "zh", "en"],
    },
    "Refused": {
        "type": "object",
        "properties": {
            "error": {"const": "refused"},
            "dispute_id": {"type": "string"},
            "trigger": {"type": "string"},
            "refusals": {"type": "array", "items": {"$ref": "#/components/schemas/Refusal"}},
            **_TEXTS,
        },
        "required": ["error", "dispute_id", "trigger", "refusals", "zh", "en"],
    },
    "Conflict": {
        "type": "object",
        "properties": {
            "error": {"const": "conflict"},
            "dispute_id": {"type": "string"},
            "expected_version": {"type": "integer"},
            "current_version": {"type": "integer"},
            **_TEXTS,
        },
        "required": ["error", "dispute_id", "expected_version", "current_version", "zh", "en"],
    },
    "NotFound": {
        "type": "object",
        "properties": {"error": {"const": "not_found"}, "dispute_id": {"type": "string"}, **_TEXTS},
        "required": ["error", "dispute_id", "zh", "en"],
    },
    "Invalid": {
        "type": "object",
        "properties": {"error": {"const": "invalid"}, "path": {"type": "string"}, **_TEXTS},
        "required": ["error", "path", "zh", "en"],
    },
}
"""The error bodies' JSON Schemas, added to the OpenAPI components."""
