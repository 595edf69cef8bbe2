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
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.cols import homogenous_tuple_structure_factory
from cattrs.fns import identity
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn
from cattrs.preconf.json import make_converter

from fengqiao.domain._codegen import PLAIN
from fengqiao.domain._quote import quote, said
from fengqiao.domain.vocabulary import Vocabulary
from fengqiao.errors import SerializationError, ValidationError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Event
from fengqiao.lifecycle.fold import fold
from fengqiao.lifecycle.states import State, StateId
from fengqiao.lifecycle.triggers import EVENT_TYPES

__all__ = [
    "SCHEMA_VERSION",
    "converter",
    "dumps",
    "error_location",
    "json_schema",
    "loads",
    "plain_document",
    "structure",
    "unstructure",
]

SCHEMA_VERSION = 1
"""The version of the JSON layout this fengqiao writes and reads."""

T = TypeVar("T")


class _Refused(ValueError):
    """A value refused by one of our own hooks; its message is shown as it is."""


_Unstructure = Callable[[Any], dict[str, Any]]
_EventStructure = tuple[type[Event], Callable[[Any, Any], Event]]


def _make(
    *,
    detailed: bool,
    documents: dict[type[Event], _Unstructure] | None = None,
    events: dict[str, _EventStructure] | None = None,
) -> cattrs.Converter:
    """The converter: every hook registration lives here, for both the detailed and the fast one.

    Args:
        detailed: cattrs' detailed validation (the errors name the place) or not (faster).
        documents: filled, if given, with each event class's whole-document builder (see
            :func:`unstructure`), made from the same generated function as the class's hook.
        events: filled, if given, with each event type tag's class and generated structure
            function (see :func:`read_event`), the ones the class's hook calls.
    """
    conv = make_converter(detailed_validation=detailed, forbid_extra_keys=True)

    def strict(kind: type[Any]) -> Callable[[Any, Any], Any]:
        def hook(value: Any, _cl: Any) -> Any:
            if type(value) is kind:
                return value
            if kind is float and type(value) is int:
                return float(value)
            raise _Refused(f"expected {kind.__name__}, got {type(value).__name__} {quote(value)}")

        return hook

    for kind in (str, bool, int, float):
        conv.register_structure_hook(kind, strict(kind))
    if not detailed:
        # Collections with their item hook bound once, as cattrs itself builds them; the
        # detailed converter keeps cattrs' own, whose errors carry the item's index.
        conv.register_structure_hook_factory(_is_homogeneous_tuple, homogenous_tuple_structure_factory)
        conv.register_structure_hook_factory(_is_frozenset, _frozenset_structure_factory(conv))

    def structure_datetime(value: Any, _cl: Any) -> datetime:
        if not isinstance(value, str):
            raise _Refused(f"expected an ISO 8601 datetime string, got {quote(value)}")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise _Refused(f"not an ISO 8601 datetime: {quote(value)}") from None
        if parsed.tzinfo is None:
            raise _Refused(f"naive datetime {quote(value)} refused: it needs a UTC offset")
        return parsed

    conv.register_structure_hook(datetime, structure_datetime)
    conv.register_unstructure_hook(datetime, lambda dt: dt.isoformat())

    def structure_vocabulary(value: Any, cl: type[Vocabulary]) -> Vocabulary:
        if isinstance(value, str):
            member = cl._value2member_map_.get(value)
            if member is not None:
                return member  # type: ignore[return-value]
        allowed = ", ".join(m.value for m in cl)
        raise _Refused(f"{quote(value)} is not a {cl.__name__}; expected one of: {allowed}")

    # Registered on the class (singledispatch), so it wins over the ``str`` hook for StrEnums.
    conv.register_structure_hook(Vocabulary, structure_vocabulary)

    def structure_state(value: Any, _cl: Any) -> StateId:
        if not isinstance(value, str) or not value:
            raise _Refused(f"expected a state name, got {quote(value)}")
        return State._value2member_map_.get(value, value)  # type: ignore[return-value]

    # A predicate hook: the preconf converter's union passthrough would otherwise hand back a
    # plain ``str`` for ``State | str``.
    conv.register_structure_hook_func(lambda cl: cl == StateId, structure_state)
    conv.register_unstructure_hook(StateId, str)

    def unstructure_set_factory(cl: Any) -> Callable[[frozenset[Any]], list[Any]]:
        (item,) = get_args(cl) or (Any,)
        handler = conv.get_unstructure_hook(item)
        if handler is identity:  # strings, vocabulary members: sorted as they are
            return sorted
        return lambda values: sorted(handler(v) for v in values)

    conv.register_unstructure_hook_factory(_is_frozenset, unstructure_set_factory)

    def unstructure_optional_factory(cl: Any) -> Callable[[Any], Any]:
        (item,) = (a for a in get_args(cl) if a is not types.NoneType)
        handler = conv.get_unstructure_hook(item)
        if handler is identity:  # None and the value both pass as they are: inlined by cattrs
            return identity
        return lambda value: None if value is None else handler(value)

    conv.register_unstructure_hook_factory(_is_optional, unstructure_optional_factory)

    def unstructure_tuple_factory(cl: Any) -> Callable[[tuple[Any, ...]], list[Any]]:
        handler = conv.get_unstructure_hook(get_args(cl)[0])
        if handler is identity:
            return list
        return lambda values: [handler(v) for v in values]  # as cattrs' own, without a generator

    conv.register_unstructure_hook_factory(_is_homogeneous_tuple, unstructure_tuple_factory)

    def unstructure_event(event: Event) -> dict[str, Any]:
        return conv.unstructure(event, unstructure_as=type(event))  # type: ignore[no-any-return]

    def structure_event(value: Any, _cl: Any) -> Event:
        if not isinstance(value, dict):
            raise _Refused(f"expected an event object, got {quote(value)}")
        tag = value.get("type")
        cls = EVENT_TYPES.get(tag) if isinstance(tag, str) else None
        if cls is None:
            raise _Refused(f"unknown event type {quote(tag)}; known: {', '.join(EVENT_TYPES)}")
        return structures[cls]({k: v for k, v in value.items() if k != "type"}, cls)

    structures: dict[type[Event], Callable[[Any, Any], Event]] = {}
    for cls in EVENT_TYPES.values():
        structures[cls] = make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=True)
        fields = make_dict_unstructure_fn(cls, conv)
        conv.register_unstructure_hook(cls, _tagged_unstructure(fields, cls.type))
        conv.register_structure_hook(cls, _tagged_structure(structures[cls], cls))
        if documents is not None:
            documents[cls] = _document_unstructure(fields, cls.type)
        if events is not None:
            events[cls.type] = (cls, structures[cls])
    conv.register_unstructure_hook(Event, unstructure_event)
    conv.register_structure_hook(Event, structure_event)
    return conv


def _is_frozenset(cl: Any) -> bool:
    return get_origin(cl) is frozenset or cl is frozenset


def _is_optional(cl: Any) -> bool:
    args = get_args(cl)
    return get_origin(cl) in (typing.Union, types.UnionType) and len(args) == 2 and types.NoneType in args


def _is_homogeneous_tuple(cl: Any) -> bool:
    args = get_args(cl)
    return get_origin(cl) is tuple and len(args) == 2 and args[1] is Ellipsis


def _frozenset_structure_factory(conv: cattrs.Converter) -> Callable[[Any], Callable[[Any, Any], frozenset[Any]]]:
    def factory(cl: Any) -> Callable[[Any, Any], frozenset[Any]]:
        (item,) = get_args(cl) or (Any,)
        handler = conv.get_structure_hook(item)
        return lambda values, _cl: frozenset([handler(v, item) for v in values])

    return factory


def _tagged_structure(inner: Callable[[Any, Any], Event], cls: type[Event]) -> Callable[[Any, Any], Event]:
    """Structure a concrete event class, accepting (and checking) its ``type`` tag."""

    def hook(value: Any, _cl: Any) -> Event:
        if not isinstance(value, dict):
            raise _Refused(f"expected an event object, got {quote(value)}")
        tag = value.get("type", cls.type)
        if tag != cls.type:
            raise _Refused(f"expected an event of type {quote(cls.type)}, got {quote(tag)}")
        return inner({k: v for k, v in value.items() if k != "type"}, cls)

    return hook


def _tagged_unstructure(fields: _Unstructure, tag: str) -> _Unstructure:
    """Unstructure a concrete event class: its ``type`` tag, then its fields."""

    def hook(event: Any) -> dict[str, Any]:
        return {"type": tag, **fields(event)}

    return hook


def _document_unstructure(fields: _Unstructure, tag: str) -> _Unstructure:
    """What :func:`unstructure` gives for an event: the schema version, the tag, the fields, in one dict."""

    def document(event: Any) -> dict[str, Any]:
        return {"schema": SCHEMA_VERSION, "type": tag, **fields(event)}

    return document


_DOCUMENTS: dict[type[Event], _Unstructure] = {}
"""Each event class's document builder: :func:`unstructure`'s hot path, one dict per event."""

converter = _make(detailed=True, documents=_DOCUMENTS)
"""The one converter: ``converter.unstructure(value)`` / ``converter.structure(data, cls)``."""

_FAST_EVENTS: dict[str, _EventStructure] = {}
"""Each event type tag's class and fast structure function: :func:`read_event`'s table."""

_fast = converter if PLAIN else _make(detailed=False, events=_FAST_EVENTS)
"""The same registrations without cattrs' detailed validation: the hot path of :func:`structure`.

It accepts and builds exactly what ``converter`` does, only faster (no per-field error
bookkeeping); when it fails, ``converter`` runs again on the same data to say where and why.
With ``FENGQIAO_PLAIN=1`` it is ``converter`` itself.
"""


def read_event(raw: dict[str, Any]) -> Event:
    """The event in ``raw``, a document of this schema version that the caller owns: it is consumed.

    The store codec's hot path: what ``structure(raw, Event)`` does through the fast
    converter, without copying the document twice to drop its ``schema`` and ``type``.
    The caller checks the schema version first and, on any error, reads the text again
    through :func:`structure`, which says where and why.
    """
    del raw["schema"]
    cls, build = _FAST_EVENTS[raw.pop("type")]
    return build(raw, cls)


def error_location(exc: BaseException) -> tuple[str, str]:
    """The first (message, path) inside a cattrs error, path without the leading ``$.``.

    Our own ``ValidationError`` (raised by a value's attrs converters and validators) knows
    the field inside the value; its path is joined to the place cattrs was structuring.
    """

    def fmt(err: BaseException, _type: Any) -> str:
        if isinstance(err, ValidationError):
            return f"{err.message}{_SEP}{err.path}"
        if isinstance(err, _Refused):
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


def structure(data: Any, cls: type[T]) -> T:
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
        except (cattrs.BaseValidationError, _Refused, ValueError, TypeError, KeyError) as exc:
            message, path = error_location(exc)
            raise SerializationError(message, path) from exc
    if cls is Dispute:
        _check_folds(value)  # type: ignore[arg-type]
    return value


def _check_folds(dispute: Dispute) -> None:
    """Refuse a dispute whose fields are not what its own history folds to (a document edited by hand)."""
    try:
        rebuilt = fold(dispute.history)
    except ValidationError as exc:
        raise SerializationError(exc.message, exc.path or "history") from None
    if rebuilt == dispute:
        return
    for field in attrs.fields(Dispute):
        if getattr(rebuilt, field.name) != getattr(dispute, field.name):
            raise SerializationError(f"{field.name} is not what the dispute's history gives", field.name)


def dumps(value: Any, *, indent: int | None = None) -> str:
    """``value`` (a dispute, an event or any fengqiao value) as JSON text."""
    return json.dumps(unstructure(value), ensure_ascii=False, indent=indent)


def loads(text: str | bytes, cls: type[T]) -> T:
    """The value of type ``cls`` in JSON ``text``: ``loads(dumps(d), Dispute) == d``.

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
    if "oneOf" in root:  # ``Event``: one of the event documents, each with its version key
        top = {"oneOf": [_document(defs[ref["$ref"].rpartition("/")[2]]) for ref in root["oneOf"]]}
    else:
        top = _document(defs[cls.__name__] if "$ref" in root else root)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"fengqiao {cls.__name__}",
        **top,
        "$defs": defs,
    }


_PLAIN: dict[type[Any], bool] = {}


def plain_document(cls: type[Any]) -> bool:
    """Whether :func:`unstructure` gives ``cls`` only text, whole numbers, booleans, nulls, arrays and objects.

    True for an event class whose JSON Schema (the same field declarations the converter
    writes from) has no ``number`` anywhere. The store codec lets orjson write such a
    document without looking inside it, as it writes these types exactly as the stdlib does
    (and refuses, for the stdlib to handle, what it cannot write alike: ints beyond 64 bits,
    lone surrogates). That holds while the values are what their classes declare, which
    their validators make sure of.

    >>> from fengqiao.lifecycle.events import Closed
    >>> plain_document(Closed)
    True
    """
    known = _PLAIN.get(cls)
    if known is None:
        if cls not in _DOCUMENTS:  # another class may be unstructured by a hook of its own
            known = False
        else:
            try:
                known = not _has_number(json_schema(cls))
            except TypeError:  # a type with no schema: nothing is known of its documents
                known = False
        _PLAIN[cls] = known
    return known


def _has_number(node: Any) -> bool:
    if isinstance(node, dict):
        return node.get("type") == "number" or any(_has_number(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_number(v) for v in node)
    return False


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
    if isinstance(tp, type) and attrs.has(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}
            hints = typing.get_type_hints(tp)
            props: dict[str, Any] = {}
            required: list[str] = []
            if isinstance(tp, type) and issubclass(tp, Event):
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
