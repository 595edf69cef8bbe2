"""attrs validators and converters that turn bad input into :class:`ValidationError` with a path.

Every public value runs its input through these, so that a wrong enum, an empty name or a
naive datetime is reported as *what* was wrong and *where*, never as a bare ``TypeError``.
Enum fields convert with ``lambda v: Category.parse(v, "category")``, so they take a member
or its value string.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import pairwise
from typing import Any, TypeVar

from fengqiao.domain.vocabulary import Vocabulary
from fengqiao.errors import ValidationError

__all__ = [
    "aware",
    "is_bool",
    "is_text",
    "non_empty",
    "optional_aware",
    "parse_set",
    "parse_sorted",
    "parse_tuple",
    "require_aware",
]

V = TypeVar("V", bound=Vocabulary)
T = TypeVar("T")


def require_aware(value: object, path: str) -> datetime:
    """Return ``value`` if it is a timezone-aware datetime, else raise ``ValidationError``."""
    if not isinstance(value, datetime):
        raise ValidationError(f"expected a timezone-aware datetime, got {value!r}", path)
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValidationError(
            f"naive datetime {value.isoformat()} refused; give it a timezone "
            "(for example tzinfo=ZoneInfo('Asia/Shanghai'))",
            path,
        )
    return value


def aware(_instance: Any, attribute: Any, value: Any) -> None:
    """Attrs validator: the field holds a timezone-aware datetime."""
    require_aware(value, attribute.name)


def optional_aware(_instance: Any, attribute: Any, value: Any) -> None:
    """Attrs validator: the field is ``None`` or a timezone-aware datetime."""
    if value is not None:
        require_aware(value, attribute.name)


def is_text(_instance: Any, attribute: Any, value: Any) -> None:
    """Attrs validator: the field holds a ``str``."""
    if not isinstance(value, str):
        raise ValidationError(f"expected text, got {type(value).__name__} {value!r}", attribute.name)


def non_empty(_instance: Any, attribute: Any, value: Any) -> None:
    """Attrs validator: the field holds a non-blank ``str``."""
    is_text(_instance, attribute, value)
    if not value.strip():
        raise ValidationError("must not be empty", attribute.name)


def is_bool(_instance: Any, attribute: Any, value: Any) -> None:
    """Attrs validator: the field holds a ``bool`` (not merely something truthy)."""
    if not isinstance(value, bool):
        raise ValidationError(f"expected true or false, got {value!r}", attribute.name)


_PLAIN_COLLECTIONS = (tuple, list, frozenset, set)


def _collection(values: object, what: str, path: str) -> tuple[Any, ...]:
    if type(values) in _PLAIN_COLLECTIONS:  # the common case, without asking the Iterable ABC
        return tuple(values)  # type: ignore[arg-type]
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ValidationError(f"expected a collection of {what}, got {values!r}", path)
    return tuple(values)


def _all_of(cls: type[Any], values: tuple[Any, ...] | frozenset[Any]) -> bool:
    for v in values:  # noqa: SIM110 - a plain loop: all() over a generator costs twice as much here
        if type(v) is not cls:
            return False
    return True


def parse_set(cls: type[V], values: object, path: str) -> frozenset[V]:
    """Members of ``cls`` (or their value strings) in ``values``, as a ``frozenset``."""
    if type(values) is frozenset and _all_of(cls, values):  # already parsed: the common case
        return values
    items = _collection(values, cls.__name__, path)
    if not items:
        return _EMPTY
    return frozenset(v if type(v) is cls else cls.parse(v, f"{path}[{i}]") for i, v in enumerate(items))


_EMPTY: frozenset[Any] = frozenset()


def parse_sorted(cls: type[V], values: object, path: str) -> tuple[V, ...]:
    """Members of ``cls`` (or their value strings) in ``values``, sorted, each once, as a tuple."""
    if type(values) is tuple and _all_of(cls, values) and all(a < b for a, b in pairwise(values)):
        return values  # already parsed, sorted and without repeats: the common case
    return tuple(sorted(parse_set(cls, values, path)))


def parse_tuple(cls: type[T], values: object, path: str) -> tuple[T, ...]:
    """``values`` as a tuple whose items are all instances of ``cls``."""
    if type(values) is tuple and not values:
        return values
    items = _collection(values, cls.__name__, path)
    for i, item in enumerate(items):
        if not isinstance(item, cls):
            raise ValidationError(f"expected {cls.__name__}, got {type(item).__name__} {item!r}", f"{path}[{i}]")
    return items
