r"""attrs validators and converters that turn bad input into :class:`ValidationError` with a path.

Every public value runs its input through these, so that a wrong enum, an empty name or a
naive datetime is reported as *what* was wrong and *where*, never as a bare ``TypeError``.
Enum fields convert with ``lambda v: Category.parse(v, "category")``, so they take a member
or its value string.

Text fields refuse what would make a stored record unreadable, unhashable or misleading:
NUL and the other C0 and C1 control characters, lone surrogates (``"\ud800"``: not text,
they cannot be encoded), and the bidi embeddings, overrides and isolates (U+202A–U+202E,
U+2066–U+2069: they make text display differently from what is stored). Each field is one
of three kinds (:data:`TextKind`):

* ``"prose"`` (summaries, notes, reasons, findings) may also hold line breaks and tabs
  (``\n``, ``\r``, ``\t``, U+2028, U+2029);
* ``"line"`` (names, addresses, titles, numbers) may not;
* ``"id"`` (dispute and actor ids) may not hold the invisible format characters either
  (U+00AD, U+061C, U+180E, U+200B–U+200F, U+2060–U+206F, U+FEFF), so that two ids that
  look alike are alike. Direction marks (U+200E, U+200F, U+061C) are allowed in prose and
  lines, where right-to-left scripts need them: unlike overrides, they only steer the
  neutral characters next to them.

A refusal names the character by its code point and position, never quoting the value.

Values are built often (a command builds several), so each of these is declared
:func:`canonical`: a quick inline test for "nothing to do here", which :func:`quick_init`
compiles into a class's ``__init__`` to skip the calls when every argument already passes
(both live in :mod:`fengqiao.domain._codegen`, with all of fengqiao's generated code).
A text test is ``str.isprintable()`` (true for nearly all text as typed), and only when
that fails a precompiled regular expression's ``search``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from itertools import pairwise
from typing import Any, Literal, TypeGuard, TypeVar
from zoneinfo import ZoneInfo

from fengqiao.domain._codegen import canonical, quick_init
from fengqiao.domain._quote import quote
from fengqiao.domain.vocabulary import Vocabulary
from fengqiao.errors import ValidationError

__all__ = [
    "TextKind",
    "aware",
    "canonical",
    "identifier",
    "is_bool",
    "is_instance_tuple",
    "is_member_run",
    "is_member_set",
    "is_prose",
    "is_text",
    "non_empty",
    "non_empty_prose",
    "optional_aware",
    "parse_set",
    "parse_sorted",
    "parse_tuple",
    "quick_init",
    "require_aware",
    "require_text",
    "text_fault",
    "text_test",
]

V = TypeVar("V", bound=Vocabulary)
T = TypeVar("T")
C = TypeVar("C", bound=Callable[..., Any])


def require_aware(value: object, path: str) -> datetime:
    """Return ``value`` if it is a timezone-aware datetime, else raise ``ValidationError``."""
    if not isinstance(value, datetime):
        raise ValidationError(f"expected a timezone-aware datetime, got {quote(value)}", path)
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


_ZONES = (timezone, ZoneInfo)
"""tzinfo types whose ``utcoffset`` is never ``None``: a datetime with one is aware."""
_AWARE = "type({v}) is datetime and type({v}.tzinfo) in _ZONES"
canonical(aware, _AWARE, datetime=datetime, _ZONES=_ZONES)
canonical(optional_aware, f"{{v}} is None or {_AWARE}", datetime=datetime, _ZONES=_ZONES)


# -- text ----------------------------------------------------------------------------------------

TextKind = Literal["line", "prose", "id"]
"""What a text field holds: one line, prose (line breaks allowed) or an identifier."""

_BIDI = "\u202a-\u202e\u2066-\u2069"
_PROSE_REFUSED = f"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff{_BIDI}"
_LINE_REFUSED = f"{_PROSE_REFUSED}\t\n\r\u2028\u2029"
_ID_REFUSED = f"{_LINE_REFUSED}\u00ad\u061c\u180e\u200b-\u200f\u2060-\u206f\ufeff"
_REFUSED: dict[str, Callable[[str], re.Match[str] | None]] = {
    "prose": re.compile(f"[{_PROSE_REFUSED}]").search,
    "line": re.compile(f"[{_LINE_REFUSED}]").search,
    "id": re.compile(f"[{_ID_REFUSED}]").search,
}
"""Each kind's first refused character, found by a precompiled regular expression."""
_BREAKS = frozenset("\t\n\r\u2028\u2029")


def text_test(kind: TextKind) -> tuple[str, dict[str, object]]:
    """The quick test (over ``{v}``) that a ``str`` is fine as a ``kind`` field, and the names it uses.

    For :func:`canonical` declarations of validators that check text with :func:`require_text`.
    """
    name = f"_refused_in_{kind}"
    return f"({{v}}.isprintable() or not {name}({{v}}))", {name: _REFUSED[kind]}


def text_fault(value: str, kind: TextKind = "line") -> str | None:
    """Why ``value`` may not be a ``kind`` text field, or ``None`` if it may; never quotes ``value``."""
    if str.isprintable(value):  # the class's own, not a subclass's
        return None
    found = _REFUSED[kind](value)
    if found is None:
        return None
    char, at = found.group(), found.start()
    code = f"U+{ord(char):04X}"
    if 0xD800 <= ord(char) <= 0xDFFF:
        return f"a lone surrogate ({code}) at position {at} is not text: it cannot be encoded or stored"
    if char in _BREAKS:
        return f"a line break or tab ({code}) at position {at} is allowed only in prose (summaries, notes, reasons)"
    name = unicodedata.name(char, "")
    named = f"{code} {name}" if name else code
    if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069":
        return f"the bidi control {named} at position {at} is not allowed: it makes text display other than it is"
    if kind == "id" and unicodedata.category(char) == "Cf":
        return f"the invisible character {named} at position {at} is not allowed in an identifier"
    return f"the control character {named} at position {at} is not allowed in text"


def require_text(value: object, path: str, kind: TextKind = "line", *, personal: bool = False) -> str:
    """Return ``value`` if it is text fit for a ``kind`` field, else raise ``ValidationError`` at ``path``.

    ``personal`` (an ID number, a phone): a refusal then does not quote the value at all.
    """
    if not isinstance(value, str):
        shown = "" if personal else f" {quote(value)}"
        raise ValidationError(f"expected text, got {type(value).__name__}{shown}", path)
    fault = text_fault(value, kind)
    if fault is not None:
        raise ValidationError(fault, path)
    return value


def _declare_text(check: C, kind: TextKind, *, blank: bool) -> C:
    test, names = text_test(kind)
    if blank:  # an empty string (the usual default) passes without a method call
        return canonical(check, f"type({{v}}) is str and (not {{v}} or {test})", **names)
    return canonical(check, f"type({{v}}) is str and {{v}} and not {{v}}.isspace() and {test}", **names)


def is_text(_instance: Any, attribute: Any, value: Any) -> None:
    """Attrs validator: the field holds one line of text (see :data:`TextKind`)."""
    require_text(value, attribute.name)


def is_prose(_instance: Any, attribute: Any, value: Any) -> None:
    """Attrs validator: the field holds prose: text that may have line breaks and tabs."""
    require_text(value, attribute.name, "prose")


def require_filled(value: object, path: str, kind: TextKind = "line") -> str:
    """:func:`require_text`, and not blank either."""
    text = require_text(value, path, kind)
    if not text.strip():
        raise ValidationError("must not be empty", path)
    return text


def non_empty(_instance: Any, attribute: Any, value: Any) -> None:
    """Attrs validator: the field holds one non-blank line of text."""
    require_filled(value, attribute.name)


def non_empty_prose(_instance: Any, attribute: Any, value: Any) -> None:
    """Attrs validator: the field holds non-blank prose."""
    require_filled(value, attribute.name, "prose")


def identifier(_instance: Any, attribute: Any, value: Any) -> None:
    """Attrs validator: the field holds a non-blank identifier (no invisible characters either)."""
    require_text(value, attribute.name, "id")
    if not value.strip():
        raise ValidationError("must not be empty", attribute.name)


_declare_text(is_text, "line", blank=True)
_declare_text(is_prose, "prose", blank=True)
_declare_text(non_empty, "line", blank=False)
_declare_text(non_empty_prose, "prose", blank=False)
_declare_text(identifier, "id", blank=False)


def is_bool(_instance: Any, attribute: Any, value: Any) -> None:
    """Attrs validator: the field holds a ``bool`` (not merely something truthy)."""
    if not isinstance(value, bool):
        raise ValidationError(f"expected true or false, got {quote(value)}", attribute.name)


canonical(is_bool, "{v} is True or {v} is False")


_PLAIN_COLLECTIONS = (tuple, list, frozenset, set)


def _collection(values: object, what: str, path: str) -> tuple[Any, ...]:
    if type(values) in _PLAIN_COLLECTIONS:  # the common case, without asking the Iterable ABC
        return tuple(values)  # type: ignore[arg-type]
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ValidationError(f"expected a collection of {what}, got {quote(values)}", path)
    return tuple(values)


def _all_of(cls: type[Any], values: tuple[Any, ...] | frozenset[Any]) -> bool:
    for v in values:  # noqa: SIM110 - a plain loop: all() over a generator costs twice as much here
        if type(v) is not cls:
            return False
    return True


def is_member_set(values: object, cls: type[V]) -> TypeGuard[frozenset[V]]:
    """Whether ``values`` is what :func:`parse_set` makes: a ``frozenset`` of members of ``cls``."""
    return type(values) is frozenset and _all_of(cls, values)


def is_member_run(values: object, cls: type[V]) -> TypeGuard[tuple[V, ...]]:
    """Whether ``values`` is what :func:`parse_sorted` makes: a sorted tuple of distinct members of ``cls``."""
    return type(values) is tuple and _all_of(cls, values) and all(a < b for a, b in pairwise(values))


def is_instance_tuple(values: object, cls: type[T]) -> TypeGuard[tuple[T, ...]]:
    """Whether ``values`` is what :func:`parse_tuple` makes: a ``tuple`` of instances of ``cls``."""
    if type(values) is not tuple:
        return False
    for item in values:  # noqa: SIM110 - a plain loop, as in _all_of
        if not isinstance(item, cls):
            return False
    return True


def parse_set(cls: type[V], values: object, path: str) -> frozenset[V]:
    """Members of ``cls`` (or their value strings) in ``values``, as a ``frozenset``."""
    if is_member_set(values, cls):  # already parsed: the common case
        return values
    items = _collection(values, cls.__name__, path)
    if not items:
        return _EMPTY
    return frozenset(v if type(v) is cls else cls.parse(v, f"{path}[{i}]") for i, v in enumerate(items))


_EMPTY: frozenset[Any] = frozenset()


def parse_sorted(cls: type[V], values: object, path: str) -> tuple[V, ...]:
    """Members of ``cls`` (or their value strings) in ``values``, sorted, each once, as a tuple."""
    if is_member_run(values, cls):
        return values  # already parsed, sorted and without repeats: the common case
    return tuple(sorted(parse_set(cls, values, path)))


def parse_tuple(cls: type[T], values: object, path: str) -> tuple[T, ...]:
    """``values`` as a tuple whose items are all instances of ``cls``."""
    if type(values) is tuple and not values:
        return values
    items = _collection(values, cls.__name__, path)
    for i, item in enumerate(items):
        if not isinstance(item, cls):
            raise ValidationError(f"expected {cls.__name__}, got {type(item).__name__} {quote(item)}", f"{path}[{i}]")
    return items
