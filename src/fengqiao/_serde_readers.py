"""Compiled readers: an event's document to the event, with the fast converter's hooks written inline.

Private to :mod:`fengqiao._serde_hooks`, which builds one reader per event class for the
fast converter (:func:`fengqiao.serde.read_event`, every stored row a load reads). cattrs'
generated structure function calls a hook per field (``hook(value, type)``), each a Python
call, builds a dict of the fields, a set of the document's keys to find unknown ones, and
calls the class with keywords. A reader does the same work in one function per class:

* a field whose hook takes one exact type as it is (``str``, ``int``, ``bool``: the
  converter's strict hooks) is checked inline (``type(v) is str``);
* a vocabulary member is looked up in its class's value table inline;
* ``X | None``, ``tuple[X, ...]`` and ``frozenset[X]`` are written out around ``X``'s own
  reading (a collection must be a JSON array);
* an attrs class cattrs would structure with its generated function is read inline, so a
  whole event is one call (a list's items, and a class inside itself, call a reader of their
  own);
* every other type (a datetime, a state name, a union) calls the converter's own hook;
* unknown keys are found by counting the fields present;
* the value is built as :func:`~fengqiao.domain._codegen.quick_new` builds it, written out
  (:func:`~fengqiao.domain._codegen.quick_parts`): when every field passes the quick test of
  its converters and validators, a new instance with its slots set; else the class itself,
  every converter and validator.

A reader accepts no document the converter refuses, and builds from any document it accepts
the value the converter builds (``tests/test_serde_readers.py`` checks both on every event
class, also on damaged documents). It may refuse more: a collection that is not a list, a
document that is not a ``dict``. Whatever it refuses it raises on, with no message to speak
of, and the caller reads the document again the converter's way, which says where and why.
"""

from __future__ import annotations

import threading
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, get_args, get_origin

import attrs
import cattrs

from fengqiao.domain._codegen import compile_function, quick_new, quick_parts

__all__ = ["EventReaders", "Readers"]

Reader = Callable[..., Any]
"""``reader(document)``: the value of its class in ``document`` (a ``dict`` it does not change)."""


class _Refused(Exception):
    """A document a reader does not read; the converter's way says why."""


def _refuse() -> Any:
    raise _Refused


class Readers:
    """The compiled readers of a converter's attrs classes; :meth:`of` compiles one on first asking.

    Args:
        conv: the converter whose hooks the readers write inline or call.
        exact: each hook that accepts only values of one type, as they are, with that type.
        members: the hook that turns text into a member of the vocabulary it is asked for.
    """

    def __init__(
        self, conv: cattrs.Converter, *, exact: Mapping[Callable[..., Any], type], members: Callable[..., Any]
    ) -> None:
        self._conv, self._exact, self._members = conv, dict(exact), members
        self._names: dict[type[Any], str | None] = {}
        self._namespace: dict[str, Any] = {"_refuse": _refuse, "_object_new": object.__new__}
        self._bound: dict[int, str] = {}
        self._classes_read = 0
        self._inside: list[type[Any]] = []
        """The classes whose reading is being written, outermost first (a class inside itself is called)."""

    def of(self, cls: type[Any]) -> Reader | None:
        """``cls``'s reader, or ``None`` for a class this cannot read (a field left out of ``__init__`` …)."""
        name = self._reader(cls)
        return None if name is None else self._namespace[name]

    def _bind(self, prefix: str, value: object) -> str:
        """The name of ``value`` in the readers' namespace (a new one the first time)."""
        name = self._bound.get(id(value))
        if name is None:
            name = f"_{prefix}{len(self._namespace)}"
            while name in self._namespace:  # a name a quick test brought in
                name += "_"
            self._bound[id(value)] = name
            self._namespace[name] = value  # kept there, so its id stays its own
        return name

    def _reader(self, cls: type[Any]) -> str | None:
        """The name of ``cls``'s reader function, compiled on first asking; ``None`` if it has none."""
        if cls in self._names:
            return self._names[cls]
        if not _readable(cls):
            self._names[cls] = None
            return None
        name = self._names[cls] = f"read_{cls.__name__}_{len(self._names)}"
        outer, self._classes_read = self._classes_read, 0  # a reader asked for while another is written
        body = self._read(cls, "o", "value", "    ")
        self._classes_read = outer
        lines = [f"def {name}(o, _cl=None):", *body, "    return value"]
        compile_function(name, lines, self._namespace, what=f"reader {cls.__module__}.{cls.__qualname__}")
        return name

    def _read(self, cls: type[Any], source: str, target: str, indent: str) -> list[str]:
        """Lines that read the document in ``source`` as a ``cls`` (a readable class) into ``target``.

        Each field is read into a variable of its own (``f_3_summary``: the third class read
        in this function), and a nested class is read inline, so a whole event is one call.
        """
        self._inside.append(cls)
        self._classes_read += 1
        prefix = f"{self._classes_read}_"
        fields = attrs.fields(cls)
        hints = typing.get_type_hints(cls)
        required = sum(1 for f in fields if f.default is attrs.NOTHING)
        count = f"n{prefix}"
        if required == len(fields):  # no field may be missing: count the keys at once
            lines = [f"{indent}if type({source}) is not dict or len({source}) != {required}:"]
        else:
            lines = [f"{indent}if type({source}) is not dict:"]
        lines.append(f"{indent}    _refuse()")
        if required != len(fields):
            lines.append(f"{indent}{count} = {required}")
        for f in fields:
            var = f"f_{prefix}{f.name}"
            if f.default is attrs.NOTHING:
                lines += [f"{indent}{var} = {source}[{f.name!r}]", *self._converted(hints[f.name], var, indent)]
            else:
                lines += [
                    f"{indent}if {f.name!r} in {source}:",
                    f"{indent}    {var} = {source}[{f.name!r}]",
                    *self._converted(hints[f.name], var, indent + "    "),
                    f"{indent}    {count} += 1",
                    f"{indent}else:",
                    f"{indent}    {var} = {self._bind('default', f.default)}",
                ]
        if required != len(fields):
            lines += [f"{indent}if len({source}) != {count}:", f"{indent}    _refuse()"]
        lines += self._built(cls, fields, prefix, target, indent)
        self._inside.pop()
        return lines

    def _built(self, cls: type[Any], fields: Any, prefix: str, target: str, indent: str) -> list[str]:
        """Lines that build ``target``, a ``cls``, from the fields read: the class's quick construction inline.

        What :func:`~fengqiao.domain._codegen.quick_new` does, written out (no call, no
        keywords): if every field passes its converter's and validator's quick test, a new
        instance with its fields set; else ``cls(...)``, every converter and validator. A
        class ``quick_init`` did not compile, or whose tests use a name that means something
        else here, is built by ``quick_new``.
        """
        arguments = ", ".join(f"{f.alias}=f_{prefix}{f.name}" for f in fields)
        parts = quick_parts(cls)
        tests: list[str] = []
        for part in parts or ():
            for test, names in part.checks:
                for key, value in names.items():
                    if _local(key) or self._namespace.setdefault(key, value) is not value:
                        parts = None
                tests.append(f"({test.format(v=f'f_{prefix}{part.arg}')})")
        if parts is None:
            return [f"{indent}{target} = {self._bind('new', quick_new(cls))}({arguments})"]
        made = self._bind("cls", cls)
        return [
            f"{indent}if {' and '.join(tests) or 'True'}:",
            f"{indent}    {target} = _object_new({made})",
            *(f"{indent}    {self._bind('set', part.setter)}({target}, f_{prefix}{part.arg})" for part in parts),
            f"{indent}else:",
            f"{indent}    {target} = {made}({arguments})",
        ]

    def _converted(self, tp: Any, var: str, indent: str) -> list[str]:
        """Lines that check ``var`` (a value from the document) and replace it with its value of type ``tp``."""
        hook = self._conv.get_structure_hook(tp)
        kind = self._exact.get(hook)
        if kind is not None:
            return [f"{indent}if type({var}) is not {self._bind('type', kind)}:", f"{indent}    _refuse()"]
        origin, args = get_origin(tp), get_args(tp)
        if hook == getattr(self._conv, "_structure_optional", None):  # ``X | None``: None, or read as X
            (inner,) = (a for a in args if a is not types.NoneType)
            return [f"{indent}if {var} is not None:", *self._converted(inner, var, indent + "    ")]
        if getattr(hook, "__name__", "") in _COLLECTIONS and origin in (tuple, frozenset):
            item = self._item(args[0], "e")
            if item is not None:
                return [
                    f"{indent}if type({var}) is not list:",
                    f"{indent}    _refuse()",
                    f"{indent}{var} = {origin.__name__}([{item} for e in {var}])",
                ]
        if self._generated(tp, hook) and tp not in self._inside:
            return self._read(tp, var, var, indent)
        item = self._item(tp, var)
        if item is None:
            item = f"{self._bind('hook', hook)}({var}, {self._bind('tp', tp)})"
        return [f"{indent}{var} = {item}"]

    def _item(self, tp: Any, var: str) -> str | None:
        """An expression for the value of type ``tp`` in ``var``, if it is one written inline; else ``None``."""
        hook = self._conv.get_structure_hook(tp)
        kind = self._exact.get(hook)
        if kind is not None:
            return f"({var} if type({var}) is {self._bind('type', kind)} else _refuse())"
        if hook is self._members:
            return f"{self._bind('members', tp._value2member_map_)}[{var}]"
        if self._generated(tp, hook):
            reader = self._reader(tp)
            if reader is not None:
                return f"{reader}({var})"
        return None

    @staticmethod
    def _generated(tp: Any, hook: Callable[..., Any]) -> bool:
        """Whether ``hook`` is cattrs' generated function for the attrs class ``tp``: a reader reads it alike."""
        return (
            isinstance(tp, type)
            and attrs.has(tp)
            and _readable(tp)
            and getattr(hook, "__name__", "") == f"structure_{tp.__name__}"
        )


def _local(name: str) -> bool:
    """Whether ``name`` may be one of a reader's own variables, which a quick test's names may not be."""
    counter = name.startswith("n") and name.endswith("_") and name[1:-1].isdigit()
    return name in ("o", "_cl", "e", "value") or name.startswith("f_") or counter


_COLLECTIONS = ("structure_tuple", "structure_frozenset")
"""The names of the fast converter's hooks for ``tuple[X, ...]`` (cattrs') and ``frozenset[X]`` (``_serde_hooks``')."""


def _readable(cls: type[Any]) -> bool:
    """Whether a reader can build ``cls``: every field an ``__init__`` argument of its own name, no factory default."""
    return not any(
        not f.init or f.alias != f.name or isinstance(f.default, attrs.Factory)  # type: ignore[arg-type]
        for f in attrs.fields(cls)
    )


class EventReaders(dict[str, tuple[type[Any], Reader]]):
    """Each event type tag's class and reader, the reader compiled when a tag is first read.

    Empty until :meth:`bind` (and for ever with ``FENGQIAO_PLAIN=1``, where nothing is
    compiled): an unknown tag is a ``KeyError``.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._readers: Readers | None = None
        self._classes: Mapping[str, type[Any]] = {}
        self._fallbacks: Mapping[type[Any], Reader] = {}

    def bind(self, readers: Readers, classes: Mapping[str, type[Any]], fallbacks: Mapping[type[Any], Reader]) -> None:
        """Read the events of ``classes`` (by tag) with ``readers``, or a class's fallback if it has no reader."""
        self._readers, self._classes, self._fallbacks = readers, classes, fallbacks

    def __missing__(self, tag: str) -> tuple[type[Any], Reader]:
        cls, readers = self._classes[tag], self._readers  # an unknown tag: KeyError
        if readers is None:  # pragma: no cover - bound together with the classes
            raise KeyError(tag)
        with self._lock:  # one thread compiles: the readers share one namespace
            if tag not in self:
                self[tag] = (cls, readers.of(cls) or self._fallbacks[cls])
            return dict.__getitem__(self, tag)
