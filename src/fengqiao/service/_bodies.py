"""Request bodies: JSON objects turned into the keyword arguments of ``discover`` and ``fire``.

A command's JSON is its keywords as :meth:`~fengqiao.Workflow.fire` takes them (``forces``,
``outcome``, ``kind`` …). Values the workflow takes as fengqiao values — parties, alerts, dossier
items, times — are read through the one converter (:mod:`fengqiao.serde`), so a dossier item
is written as ``fq.dumps`` writes one, without its ``schema`` key; a mistake is a
:class:`~fengqiao.ValidationError` whose path names the field (``mediate.documents[0].kind``).
"""

from __future__ import annotations

import inspect
import types
import typing
from datetime import datetime
from typing import Any

import attrs

from fengqiao.domain._quote import quote
from fengqiao.domain.party import Party
from fengqiao.errors import ValidationError
from fengqiao.lifecycle.payloads import TransitionPayload
from fengqiao.lifecycle.triggers import TRIGGERS
from fengqiao.serde import converter, error_location

__all__ = ["Command", "command", "discovery"]

_FIELDS: dict[str, dict[str, Any]] = {str(spec.trigger): typing.get_type_hints(spec.payload) for spec in TRIGGERS}
"""Each built-in trigger's payload fields and their types."""
_CUSTOM = typing.get_type_hints(TransitionPayload)
"""A trigger a policy added: its payload is a note and documents."""
_DISCOVER: dict[str, Any] = {"parties": tuple[Party, ...], "received_at": datetime}
"""The fields of :meth:`~fengqiao.Workflow.discover` that JSON cannot give as they are."""


@attrs.frozen
class Command:
    """A command's body read: who acts, the version it was decided on (if given) and the payload."""

    actor: str
    version: int | None
    payload: dict[str, Any]


def command(trigger: str, body: object, if_match: str | None) -> Command:
    """The command in ``body`` for ``trigger``; ``If-Match`` (an ETag, ``"3"``) may give the version instead.

    Raises:
        ValidationError: not a JSON object, no ``actor``, a version that is not a whole number
            (or disagrees with ``If-Match``), or a field that cannot be read.
    """
    data = _object(body, trigger)
    actor = data.pop("actor", None)
    if not isinstance(actor, str):
        raise ValidationError("required: the actor, as 'role:name' text (e.g. 'officer:xiao')", f"{trigger}.actor")
    version = _version(data.pop("version", None), if_match, trigger)
    hints = _FIELDS.get(trigger, _CUSTOM)
    return Command(actor, version, {k: _read(v, hints.get(k), f"{trigger}.{k}") for k, v in data.items()})


def discovery(body: object) -> dict[str, Any]:
    """The keyword arguments of :meth:`~fengqiao.Workflow.discover` in ``body``.

    Raises:
        ValidationError: not a JSON object, or a field that cannot be read (the path names it).
    """
    data = _object(body, "discover")
    return {k: _read(v, _DISCOVER.get(k), f"discover.{k}") for k, v in data.items()}


def _object(body: object, where: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationError(f"expected a JSON object, got {quote(body)}", where)
    return dict(body)


def _version(field: object, if_match: str | None, trigger: str) -> int | None:
    header = None
    if if_match is not None:
        text = if_match.strip().removeprefix("W/").strip('"')
        if not text.isdigit():
            raise ValidationError(
                f"If-Match must be a version's ETag such as '\"3\"', got {quote(if_match)}", "If-Match"
            )
        header = int(text)
    if field is None:
        return header
    if isinstance(field, bool) or not isinstance(field, int) or field < 0:
        raise ValidationError(f"expected a version (a whole number from 0), got {quote(field)}", f"{trigger}.version")
    if header is not None and header != field:
        raise ValidationError(f"version {field} disagrees with If-Match {quote(if_match)}", f"{trigger}.version")
    return field


def _read(value: Any, hint: Any, path: str) -> Any:
    """``value`` as the workflow takes it: fengqiao values structured, anything else as JSON gave it."""
    if hint is None or value is None or not _structured(hint):
        return value
    try:
        return converter.structure(value, hint)
    except Exception as exc:  # cattrs' error groups, our ValidationError: error_location says where
        message, inner = error_location(exc)
        place = f"{path}.{inner}" if inner and not inner.startswith("[") else f"{path}{inner}"
        raise ValidationError(message, place) from None


def _structured(hint: Any) -> bool:
    """Whether ``hint`` holds a fengqiao value or a time, which JSON cannot give as they are."""
    if hint is datetime or (inspect.isclass(hint) and attrs.has(hint)):
        return True
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is not None:
        return any(_structured(arg) for arg in typing.get_args(hint))
    return False
