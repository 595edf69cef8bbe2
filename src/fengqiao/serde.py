"""Serialization: one ``cattrs`` converter for every entity and event, JSON in and out.

Every document carries ``"schema": SCHEMA_VERSION``; events carry their ``"type"`` tag.
Datetimes are ISO 8601 with their offset (naive ones are refused); sets are written sorted,
so the same value always gives the same text. Anything that cannot become a value raises
:class:`~fengqiao.errors.SerializationError` naming the place (``history[3].payload.kind``).

>>> from fengqiao import DossierItem, DossierKind, dumps, loads
>>> text = dumps(DossierItem(kind=DossierKind.JOINT_HANDLING_NOTICE, title="联调联处通知单"))
>>> text
'{"schema": 1, "kind": "joint_handling_notice", "title": "联调联处通知单", "reference": ""}'
>>> loads(text, DossierItem).kind
<DossierKind.JOINT_HANDLING_NOTICE: 'joint_handling_notice'>

:func:`json_schema` exports a JSON Schema (draft 2020-12) for systems in other languages.
No well-kept library derives JSON Schema from attrs classes, so it is generated here from
the same field declarations the converter uses.
"""

from __future__ import annotations

import json
import types
import typing
from datetime import datetime
from typing import Any, TypeVar, get_args, get_origin, overload

import attrs
import cattrs

from fengqiao._serde_hooks import SCHEMA_VERSION, Refused, Unstructure, make
from fengqiao._serde_readers import EventReaders
from fengqiao.domain._codegen import PLAIN
from fengqiao.domain._quote import quote, said
from fengqiao.domain.vocabulary import Vocabulary
from fengqiao.errors import SerializationError, ValidationError
from fengqiao.lifecycle.cases import CASE_EVENT_TYPES, CaseEvent
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Event
from fengqiao.lifecycle.fold import fold
from fengqiao.lifecycle.household import HOUSEHOLD_EVENT_TYPES, Household
from fengqiao.lifecycle.household import fold as fold_household
from fengqiao.lifecycle.household_events import HouseholdEvent
from fengqiao.lifecycle.place import PLACE_EVENT_TYPES, Place
from fengqiao.lifecycle.place import fold as fold_place
from fengqiao.lifecycle.place_events import PlaceEvent
from fengqiao.lifecycle.states import StateId
from fengqiao.lifecycle.triggers import EVENT_TYPES

__all__ = [
    "SCHEMA_VERSION",
    "converter",
    "dumps",
    "error_location",
    "json_schema",
    "loads",
    "structure",
    "unstructure",
]


T = TypeVar("T")


_DOCUMENTS: dict[type[Any], Unstructure] = {}
"""Each event class's document builder: :func:`unstructure`'s hot path (the store codec's too)."""

converter = make(detailed=True, documents=_DOCUMENTS)
"""The one converter: ``converter.unstructure(value)`` / ``converter.structure(data, cls)``."""

_FAST_EVENTS = EventReaders()
"""Each event type tag's class and compiled reader: :func:`read_event`'s table."""

_fast = converter if PLAIN else make(detailed=False, events=_FAST_EVENTS)
"""The same registrations without cattrs' detailed validation: the hot path of :func:`structure`.

It accepts and builds exactly what ``converter`` does, only faster (no per-field error
bookkeeping); when it fails, ``converter`` runs again on the same data to say where and why.
With ``FENGQIAO_PLAIN=1`` it is ``converter`` itself.
"""


def read_event(raw: dict[str, Any]) -> CaseEvent:
    """The event in ``raw``, a document of this schema version that the caller owns: it is consumed.

    The store codec's hot path: what ``structure(raw, Event)`` does through the fast
    converter, without copying the document twice to drop its ``schema`` and ``type``.
    The caller checks the schema version first and, on any error, reads the text again
    through :func:`structure`, which says where and why.
    """
    del raw["schema"]
    cls, build = _FAST_EVENTS[raw.pop("type")]
    event: CaseEvent = build(raw, cls)
    return event


def error_location(exc: BaseException) -> tuple[str, str]:
    """The first (message, path) inside a cattrs error, path without the leading ``$.``.

    Our own ``ValidationError`` (raised by a value's attrs converters and validators) knows
    the field inside the value; its path is joined to the place cattrs was structuring.
    """

    def fmt(err: BaseException, _type: Any) -> str:
        if isinstance(err, ValidationError):
            return f"{err.message}{_SEP}{err.path}"
        if isinstance(err, Refused):
            return str(err)
        if isinstance(err, KeyError):
            return "required field missing"
        if isinstance(err, cattrs.ForbiddenExtraKeysError):
            return f"unknown field(s): {', '.join(sorted(err.extra_fields))}"
        return str(cattrs.v.format_exception(err, _type))

    lines = cattrs.transform_error(exc, path="$", format_exception=fmt)
    first = lines[0] if lines else str(exc)
    message, _, path = first.rpartition(" @ ")
    if not message:
        message, path = first, "$"
    message, _, inner = message.partition(_SEP)
    path = path.removeprefix("$").removeprefix(".")
    if inner:
        path = f"{path}.{inner}" if path else inner
    return message, path


_SEP = "\x00"


def unstructure(value: Any) -> dict[str, Any]:
    """A JSON-ready dict of ``value`` with the schema version.

    An event's dict is built in one go (``schema``, ``type``, then its fields: the same keys
    in the same order as ``{"schema": ..., **converter.unstructure(event)}``), since every
    append does this once per event.
    """
    document = _DOCUMENTS.get(type(value))
    if document is not None:
        return document(value)
    if not attrs.has(type(value)):
        raise SerializationError(f"cannot serialize {type(value).__name__}: not a fengqiao value")
    data = converter.unstructure(value)
    if not isinstance(data, dict):
        raise SerializationError(f"cannot serialize {type(value).__name__}: not a fengqiao value")
    return {"schema": SCHEMA_VERSION, **data}


@overload
def structure(data: Any, cls: type[T]) -> T: ...
@overload
def structure(data: Any, cls: types.UnionType) -> Any: ...
def structure(data: Any, cls: Any) -> Any:
    """The value of type ``cls`` in ``data`` (a dict as written by :func:`unstructure`).

    Raises:
        SerializationError: missing or unknown schema version, or data that does not fit
            ``cls``; ``path`` names the place.
    """
    if not isinstance(data, dict):
        raise SerializationError(f"expected a JSON object, got {type(data).__name__}")
    version = data.get("schema")
    if version is None:
        raise SerializationError("missing schema version", "schema")
    if version != SCHEMA_VERSION:
        raise SerializationError(
            f"unknown schema version {quote(version)}; this fengqiao reads version {SCHEMA_VERSION}", "schema"
        )
    body = {k: v for k, v in data.items() if k != "schema"}
    try:
        value = _fast.structure(body, cls)
    except Exception:  # any failure: the detailed converter below says where and why
        try:
            value = converter.structure(body, cls)
        except RecursionError:
            raise SerializationError("nested too deeply to read") from None
        except (cattrs.BaseValidationError, Refused, ValueError, TypeError, KeyError) as exc:
            message, path = error_location(exc)
            raise SerializationError(message, path) from exc
    if cls is Dispute:
        _check_folds(value, fold, "dispute")
    elif cls is Household:
        _check_folds(value, fold_household, "household")
    elif cls is Place:
        _check_folds(value, fold_place, "place")
    return value


def _check_folds(value: Any, fold_history: Any, noun: str) -> None:
    """Refuse a case whose fields are not what its own history folds to (a document edited by hand)."""
    try:
        rebuilt = fold_history(value.history)
    except ValidationError as exc:
        raise SerializationError(exc.message, exc.path or "history") from None
    if rebuilt == value:
        return
    for field in attrs.fields(type(value)):
        if getattr(rebuilt, field.name) != getattr(value, field.name):
            raise SerializationError(f"{field.name} is not what the {noun}'s history gives", field.name)


def dumps(value: Any, *, indent: int | None = None) -> str:
    """``value`` (a dispute, an event or any fengqiao value) as JSON text."""
    return json.dumps(unstructure(value), ensure_ascii=False, indent=indent)


@overload
def loads(text: str | bytes, cls: type[T]) -> T: ...
@overload
def loads(text: str | bytes, cls: types.UnionType) -> Any: ...
def loads(text: str | bytes, cls: Any) -> Any:
    """The value of type ``cls`` in JSON ``text``: ``loads(dumps(d), Dispute) == d``.

    ``cls`` may also be :data:`~fengqiao.CaseEvent`: an event of any kind of case, by its ``type`` tag.

    Raises:
        SerializationError: corrupt JSON, an unknown schema version, or wrong types; the
            error's ``path`` names the place (``history[3].payload.kind``).
    """
    try:
        data = json.loads(text)
    except RecursionError:
        raise SerializationError("JSON nested too deeply to read") from None
    except (ValueError, TypeError) as exc:  # JSONDecodeError, a number too long, bytes that are not UTF-8
        raise SerializationError(f"corrupt JSON: {said(exc)}") from None
    return structure(data, cls)


# -- JSON Schema ----------------------------------------------------------------------------
def json_schema(cls: type[Any] = Dispute) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) for ``cls`` as :func:`dumps` writes it.

    Examples:
        >>> schema = json_schema()
        >>> schema["$defs"]["Dispute"]["properties"]["state"]["type"]
        'string'
    """
    defs: dict[str, Any] = {}
    try:
        root = _schema_for(cls, defs)
    except (TypeError, KeyError, AttributeError) as exc:  # not a class this converter knows
        raise ValidationError(f"no JSON Schema for {quote(cls)}", "cls") from exc
    if (
        "oneOf" in root
    ):  # ``Event``, ``HouseholdEvent``, ``CaseEvent``: one of the event documents, each with its version key
        top = {"oneOf": [_document(defs[ref["$ref"].rpartition("/")[2]]) for ref in root["oneOf"]]}
    else:
        top = _document(defs[cls.__name__] if "$ref" in root else root)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"fengqiao {'CaseEvent' if cls == CaseEvent else cls.__name__}",
        **top,
        "$defs": defs,
    }


def _document(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` as a top-level document, which :func:`unstructure` gives a ``schema`` key."""
    top = dict(schema)
    if "properties" in top:
        top["properties"] = {"schema": {"const": SCHEMA_VERSION}, **top["properties"]}
        top["required"] = ["schema", *top.get("required", [])]
    return top


def _schema_for(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    if tp is StateId or tp == StateId:
        return {"type": "string", "description": "a built-in state or one a policy added"}
    if tp == CaseEvent:
        return {"oneOf": [_schema_for(c, defs) for c in CASE_EVENT_TYPES.values()]}
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [_schema_for(a, defs) for a in get_args(tp)]
        return {"anyOf": options}
    if origin is tuple:
        args = get_args(tp)
        return {"type": "array", "items": _schema_for(args[0], defs)}
    if origin is frozenset:
        return {"type": "array", "uniqueItems": True, "items": _schema_for(get_args(tp)[0], defs)}
    if tp is type(None):
        return {"type": "null"}
    if tp is str:
        return {"type": "string"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is datetime:
        return {"type": "string", "format": "date-time"}
    if isinstance(tp, type) and issubclass(tp, Vocabulary):
        return {"type": "string", "enum": [m.value for m in tp]}
    if tp is Event:
        return {"oneOf": [_schema_for(c, defs) for c in EVENT_TYPES.values()]}
    if tp is HouseholdEvent:
        return {"oneOf": [_schema_for(c, defs) for c in HOUSEHOLD_EVENT_TYPES.values()]}
    if tp is PlaceEvent:
        return {"oneOf": [_schema_for(c, defs) for c in PLACE_EVENT_TYPES.values()]}
    if isinstance(tp, type) and attrs.has(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}
            hints = typing.get_type_hints(tp)
            props: dict[str, Any] = {}
            required: list[str] = []
            if isinstance(tp, type) and issubclass(tp, CaseEvent):
                props["type"] = {"const": tp.type}
                required.append("type")
            for field in attrs.fields(tp):
                props[field.name] = _schema_for(hints[field.name], defs)
                if field.default is attrs.NOTHING:
                    required.append(field.name)
            defs[name] = {
                "type": "object",
                "properties": props,
                "required": required,
                "additionalProperties": False,
            }
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON Schema for {quote(tp)}")
