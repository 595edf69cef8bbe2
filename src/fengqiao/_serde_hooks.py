"""How :mod:`fengqiao.serde`'s converters are built: every structure and unstructure hook, registered once.

Private; :mod:`fengqiao.serde` holds the converters this builds and is the API.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any, get_args, get_origin

import attrs
import cattrs
from cattrs.cols import homogenous_tuple_structure_factory
from cattrs.fns import identity
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.json import make_converter

from fengqiao._serde_readers import EventReaders, Readers
from fengqiao.domain._quote import quote
from fengqiao.domain.household import FactorId, HouseholdFactor
from fengqiao.domain.vocabulary import Vocabulary
from fengqiao.lifecycle.cases import CASE_EVENT_TYPES, CaseEvent
from fengqiao.lifecycle.events import Event
from fengqiao.lifecycle.household import HOUSEHOLD_EVENT_TYPES
from fengqiao.lifecycle.household_events import HouseholdEvent, HouseholdState
from fengqiao.lifecycle.place import PLACE_EVENT_TYPES
from fengqiao.lifecycle.place_events import PlaceEvent
from fengqiao.lifecycle.states import State, StateId
from fengqiao.lifecycle.triggers import EVENT_TYPES

__all__ = ["SCHEMA_VERSION", "HouseholdStateId", "Refused", "Unstructure", "make"]

SCHEMA_VERSION = 1
"""The version of the JSON layout this fengqiao writes and reads."""


class Refused(ValueError):
    """A value refused by one of our own hooks; its message is shown as it is."""


Unstructure = Callable[[Any], dict[str, Any]]
HouseholdStateId = HouseholdState | str
"""A household's state: a built-in :class:`HouseholdState`, or one a policy added."""


def make(
    *,
    detailed: bool,
    documents: dict[type[Any], Unstructure] | None = None,
    events: EventReaders | None = None,
) -> cattrs.Converter:
    """The converter: every hook registration lives here, for both the detailed and the fast one.

    Args:
        detailed: cattrs' detailed validation (the errors name the place) or not (faster).
        documents: filled, if given, with each event class's whole-document builder (see
            :func:`unstructure`), made from the same generated function as the class's hook.
        events: filled, if given, with each event type tag's class and its compiled reader
            (see :mod:`fengqiao._serde_readers` and :func:`read_event`), which builds what the
            class's hook builds.
    """
    conv = make_converter(detailed_validation=detailed, forbid_extra_keys=True)

    def strict(kind: type[Any]) -> Callable[[Any, Any], Any]:
        def hook(value: Any, _cl: Any) -> Any:
            if type(value) is kind:
                return value
            if kind is float and type(value) is int:
                return float(value)
            raise Refused(f"expected {kind.__name__}, got {type(value).__name__} {quote(value)}")

        return hook

    exact: dict[Callable[..., Any], type] = {}
    for kind in (str, bool, int, float):
        hook = strict(kind)
        conv.register_structure_hook(kind, hook)
        if kind is not float:  # a float hook takes an int too
            exact[hook] = kind
    if not detailed:
        # Collections with their item hook bound once, as cattrs itself builds them; the
        # detailed converter keeps cattrs' own, whose errors carry the item's index.
        conv.register_structure_hook_factory(_is_homogeneous_tuple, homogenous_tuple_structure_factory)
        conv.register_structure_hook_factory(_is_frozenset, _frozenset_structure_factory(conv))

    def structure_datetime(value: Any, _cl: Any) -> datetime:
        if not isinstance(value, str):
            raise Refused(f"expected an ISO 8601 datetime string, got {quote(value)}")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise Refused(f"not an ISO 8601 datetime: {quote(value)}") from None
        if parsed.tzinfo is None:
            raise Refused(f"naive datetime {quote(value)} refused: it needs a UTC offset")
        return parsed

    conv.register_structure_hook(datetime, structure_datetime)
    conv.register_unstructure_hook(datetime, lambda dt: dt.isoformat())

    def structure_vocabulary(value: Any, cl: type[Vocabulary]) -> Vocabulary:
        if isinstance(value, str):
            member = cl._value2member_map_.get(value)
            if member is not None:
                return member  # type: ignore[return-value]
        allowed = ", ".join(m.value for m in cl)
        raise Refused(f"{quote(value)} is not a {cl.__name__}; expected one of: {allowed}")

    # Registered on the class (singledispatch), so it wins over the ``str`` hook for StrEnums.
    conv.register_structure_hook(Vocabulary, structure_vocabulary)

    def structure_state(value: Any, _cl: Any) -> StateId:
        if not isinstance(value, str) or not value:
            raise Refused(f"expected a state name, got {quote(value)}")
        return State._value2member_map_.get(value, value)  # type: ignore[return-value]

    # A predicate hook: the preconf converter's union passthrough would otherwise hand back a
    # plain ``str`` for ``State | str``.
    conv.register_structure_hook_func(lambda cl: cl == StateId, structure_state)
    conv.register_unstructure_hook(StateId, str)
    for union, members, what in (
        (HouseholdStateId, HouseholdState, "a state name"),
        (FactorId, HouseholdFactor, "a risk factor"),
    ):
        conv.register_structure_hook_func(_is(union), _member_or_text(members, what))
        conv.register_unstructure_hook(union, str)

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

    def unstructure_event(event: Any) -> dict[str, Any]:
        return conv.unstructure(event, unstructure_as=type(event))  # type: ignore[no-any-return]

    def union_of(table: typing.Mapping[str, type[Any]]) -> Callable[[Any, Any], Any]:
        def structure_event(value: Any, _cl: Any) -> Any:
            if not isinstance(value, dict):
                raise Refused(f"expected an event object, got {quote(value)}")
            tag = value.get("type")
            cls = table.get(tag) if isinstance(tag, str) else None
            if cls is None:
                raise Refused(f"unknown event type {quote(tag)}; known: {', '.join(table)}")
            return structures[cls]({k: v for k, v in value.items() if k != "type"}, cls)

        return structure_event

    structures: dict[type[Any], Callable[[Any, Any], Any]] = {}
    for cls in CASE_EVENT_TYPES.values():
        structures[cls] = make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=True)
        fields = make_dict_unstructure_fn(cls, conv, **_later_fields(cls))
        conv.register_unstructure_hook(cls, _tagged_unstructure(fields, cls.type))
        conv.register_structure_hook(cls, _tagged_structure(structures[cls], cls))
        if documents is not None:
            documents[cls] = _document_unstructure(fields, cls.type)
    conv.register_unstructure_hook(Event, unstructure_event)
    conv.register_structure_hook(Event, union_of(EVENT_TYPES))
    conv.register_unstructure_hook(HouseholdEvent, unstructure_event)
    conv.register_structure_hook(HouseholdEvent, union_of(HOUSEHOLD_EVENT_TYPES))
    conv.register_unstructure_hook(PlaceEvent, unstructure_event)
    conv.register_structure_hook(PlaceEvent, union_of(PLACE_EVENT_TYPES))
    conv.register_structure_hook_func(_is(CaseEvent), union_of(CASE_EVENT_TYPES))
    conv.register_unstructure_hook_func(_is(CaseEvent), unstructure_event)
    if events is not None:  # once every hook is registered: the readers write them inline
        readers = Readers(conv, exact=exact, members=structure_vocabulary)
        events.bind(readers, {cls.type: cls for cls in CASE_EVENT_TYPES.values()}, structures)
    return conv


def _later_fields(cls: type[Any]) -> dict[str, Any]:
    """An event class's fields added after its first release (default ``None``): written only when set.

    An event's stored text is hashed, so an event made before a field existed must still
    give the same text: a ``None`` such field is left out of the document (and a document
    without it reads as ``None``).
    """
    return {f.name: override(omit_if_default=True) for f in attrs.fields(cls) if f.default is None}


def _is(union: Any) -> Callable[[Any], bool]:
    """The predicate of a hook for exactly ``union``."""
    return lambda cl: bool(cl == union)


def _member_or_text(members: type[Vocabulary], what: str) -> Callable[[Any, Any], Any]:
    """The structure hook of ``members | str``: a built-in member, or the text a policy added."""

    def hook(value: Any, _cl: Any) -> Any:
        if not isinstance(value, str):
            raise Refused(f"expected {what}, got {quote(value)}")
        return members._value2member_map_.get(value, value)  # other text: the value's own checks decide

    return hook


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

        def structure_frozenset(values: Any, _cl: Any) -> frozenset[Any]:
            return frozenset([handler(v, item) for v in values])

        return structure_frozenset

    return factory


def _tagged_structure(inner: Callable[[Any, Any], Any], cls: type[Any]) -> Callable[[Any, Any], Any]:
    """Structure a concrete event class, accepting (and checking) its ``type`` tag."""

    def hook(value: Any, _cl: Any) -> Any:
        if not isinstance(value, dict):
            raise Refused(f"expected an event object, got {quote(value)}")
        tag = value.get("type", cls.type)
        if tag != cls.type:
            raise Refused(f"expected an event of type {quote(cls.type)}, got {quote(tag)}")
        return inner({k: v for k, v in value.items() if k != "type"}, cls)

    return hook


def _tagged_unstructure(fields: Unstructure, tag: str) -> Unstructure:
    """Unstructure a concrete event class: its ``type`` tag, then its fields."""

    def hook(event: Any) -> dict[str, Any]:
        return {"type": tag, **fields(event)}

    return hook


def _document_unstructure(fields: Unstructure, tag: str) -> Unstructure:
    """What :func:`unstructure` gives for an event: the schema version, the tag, the fields, in one dict."""

    def document(event: Any) -> dict[str, Any]:
        return {"schema": SCHEMA_VERSION, "type": tag, **fields(event)}

    return document
