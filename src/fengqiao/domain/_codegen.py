"""Generated code: every function fengqiao compiles from source, in one place, its source on record.

It imports only attrs and the standard library, so any layer may use it, the domain first.
Three things are compiled here, each the fast twin of a plain way that gives the same
values and raises the same errors:

* :func:`quick_init`: a frozen value class's ``__init__`` that skips the converters and
  validators when every argument already passes them (plain: attrs' own ``__init__``), and
  its twin :func:`quick_new`, which also makes the instance (plain: the class itself);
  :func:`quick_parts` gives what they are made of to code that writes them out inline;
* :func:`call_front`: the front :func:`fengqiao.domain._calls.checked_call` puts before a
  function so that a call of the wrong shape is a ``ValidationError`` (it has no plain twin:
  it is how fengqiao reports such a call, so it is compiled in both modes);
* :class:`Builder`: ``attrs.evolve(instance, **changes)`` and ``cls(**values)`` compiled for
  the fields of one plain frozen class, the dispute (plain: those two themselves).

Each goes through :func:`compile_function`, which registers the source in :mod:`linecache`
under a readable, unique name such as ``<fengqiao generated __init__ fengqiao.domain.party.Party>``
(as attrs does for its own methods), so a traceback shows the generated line and pdb steps
through it.

``FENGQIAO_PLAIN=1`` in the environment when fengqiao is first imported (read once, into
:data:`PLAIN`) turns every fast path off, for debugging: plain attrs ``__init__`` and
``attrs.evolve`` everywhere, with the same results and the same errors (:mod:`fengqiao.serde`
reads it too: its fast converter is then the detailed one).
"""

from __future__ import annotations

import inspect
import linecache
import os
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, Generic, NamedTuple, TypeVar, cast

import attrs

__all__ = [
    "PLAIN",
    "Builder",
    "QuickField",
    "call_front",
    "canonical",
    "compile_function",
    "quick_init",
    "quick_new",
    "quick_parts",
    "values_maker",
]

T = TypeVar("T")
C = TypeVar("C", bound=Callable[..., Any])

PLAIN: bool = os.environ.get("FENGQIAO_PLAIN", "").strip() not in ("", "0")
"""Whether ``FENGQIAO_PLAIN`` was set (to anything but ``0``) at import: every fast path off."""


def compile_function(name: str, lines: Iterable[str], namespace: dict[str, Any], *, what: str) -> Any:
    """Compile the source ``lines`` defining ``name`` in ``namespace``; return the function.

    The source is registered in :mod:`linecache` as ``<fengqiao generated {what}>`` (with
    ``-1``, ``-2`` … added when another source already has that name), so that tracebacks
    and debuggers show it.
    """
    source = "\n".join(lines) + "\n"
    entry_lines = source.splitlines(keepends=True)
    base = f"<fengqiao generated {what}>"
    filename, count = base, 0
    while True:
        entry = (len(source), None, entry_lines, filename)
        if linecache.cache.setdefault(filename, entry) == entry:
            break
        count += 1
        filename = f"{base[:-1]}-{count}>"
    exec(compile(source, filename, "exec"), namespace)  # source built here from names we chose
    return namespace[name]


# -- quick construction ---------------------------------------------------------------------------

_CANONICAL: dict[Callable[..., Any], tuple[str, dict[str, object]]] = {}
"""Each declared converter or validator: its "nothing to do" test on ``{v}``, and the names it uses."""


def canonical(check: C, test: str, /, **names: object) -> C:
    """Declare when the converter or validator ``check`` has nothing to do, for :func:`quick_init`; return it.

    ``test`` is a Python expression over the value, written ``{v}``: whenever it is true the
    validator passes and the converter returns the value as it is (or an equal one).
    ``names`` are the globals it uses. A test that is too strict only costs speed (the value
    is then checked the usual way); one too lax would let a bad value in, which
    ``tests/domain/test_quick_init.py`` looks for in every declaration.
    It is called after the ``def``, as in ``canonical(_one_category, "type({v}) is Category",
    Category=Category)``, not used as a decorator: attrs' mypy plugin reads converters only
    from plain functions.
    """
    _CANONICAL[check] = (test, names)
    return check


QUICK: list[type[Any]] = []
"""Every class given to :func:`quick_init`, in both modes (the tests compare them with attrs)."""


def quick_init(cls: type[T]) -> type[T]:
    """Give a frozen, slotted attrs class an ``__init__`` that skips work already done.

    attrs' own ``__init__`` calls every field's converter and validator, each a Python
    call, and sets each field through ``object.__setattr__``. The one built here first
    tests, inline, whether every argument is already what its converter would make of it
    and what its validator accepts (see :func:`canonical`); if so it sets the fields
    directly through their slots. Otherwise it hands the arguments to attrs' ``__init__``
    (kept as ``__init__.__wrapped__``), so every conversion, refusal and error message is
    exactly attrs'. Values built either way are equal. With :data:`PLAIN`, the class keeps
    attrs' ``__init__`` (after the same checks).

    Raises:
        TypeError: at decoration, for a class this cannot speed up without changing what it
            does: not slotted, a hook (``__attrs_pre_init__``/``__attrs_post_init__``), a field
            left out of ``__init__`` or with a factory default, or a converter or validator
            that was not declared :func:`canonical`.
    """
    original = cls.__init__
    name = cls.__qualname__
    if "__slots__" not in cls.__dict__:
        raise TypeError(f"quick_init: {name} is not a slotted attrs class")
    if hasattr(cls, "__attrs_pre_init__") or hasattr(cls, "__attrs_post_init__"):
        raise TypeError(f"quick_init: {name} has an attrs init hook")
    namespace: dict[str, object] = {"_init": original}
    parts: list[QuickField] = []
    params: list[str] = []
    keywords: list[str] = []
    tests: list[str] = []
    sets: list[str] = []
    star = False
    aliases = {f.alias for f in attrs.fields(cast(Any, cls))}
    for field in attrs.fields(cast(Any, cls)):
        arg = field.alias
        if not field.init or isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            raise TypeError(f"quick_init: {name}.{field.name} is not a plain __init__ argument")
        if field.kw_only and not star:
            params.append("*")
            star = True
        if field.default is attrs.NOTHING:
            params.append(arg)
        else:
            namespace[f"_default_{arg}"] = field.default
            params.append(f"{arg}=_default_{arg}")
        keywords.append(f"{arg}={arg}")
        checks: list[tuple[str, dict[str, object]]] = []
        for check in (field.converter, field.validator):
            if check is None:
                continue
            if check not in _CANONICAL:
                raise TypeError(f"quick_init: {name}.{field.name}: {check!r} is not declared canonical")
            test, names = _CANONICAL[check]
            for key, value in names.items():
                if namespace.setdefault(key, value) is not value or key in aliases:
                    raise TypeError(f"quick_init: {name}: the name {key!r} means two things")
            tests.append(f"({test.format(v=arg)})")
            checks.append((test, names))
        namespace[f"_set_{arg}"] = getattr(cls, field.name).__set__
        parts.append(QuickField(arg, tuple(checks), getattr(cls, field.name).__set__))
        sets.append(f"        _set_{arg}(self, {arg})")
    QUICK.append(cls)
    if PLAIN:
        return cls
    test = " and ".join(tests) or "True"
    lines = [
        f"def __init__(self, {', '.join(params)}):",
        f"    if {test}:",
        *sets,
        "    else:",
        f"        _init(self, {', '.join(keywords)})",
    ]
    owner = f"{cls.__module__}.{name}"
    init = compile_function("__init__", lines, namespace, what=f"__init__ {owner}")
    init.__qualname__ = f"{name}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = original.__doc__
    init.__wrapped__ = original
    cls.__init__ = init  # type: ignore[method-assign]
    new = [f"def new({', '.join(params)}):", f"    if {test}:", "        self = _new(_cls)"]
    lines = [*new, *sets, "        return self", f"    return _cls({', '.join(keywords)})"]
    _NEW[cls] = compile_function("new", lines, {**namespace, "_new": object.__new__, "_cls": cls}, what=f"new {owner}")
    _PARTS[cls] = tuple(parts)
    return cls


class QuickField(NamedTuple):
    """One field of a class :func:`quick_init` compiled: what its quick test is made of, and how it is set."""

    arg: str
    """The ``__init__`` argument."""
    checks: tuple[tuple[str, dict[str, object]], ...]
    """Each converter's and validator's "nothing to do" test on ``{v}``, and the names it uses (:func:`canonical`)."""
    setter: Callable[[Any, Any], None]
    """Sets the field of a new instance (its slot's ``__set__``)."""


_PARTS: dict[type[Any], tuple[QuickField, ...]] = {}


def quick_parts(cls: type[Any]) -> tuple[QuickField, ...] | None:
    """The fields :func:`quick_init` compiled ``cls``'s quick construction from, in order; ``None`` if it did not.

    For other compiled code that builds a ``cls`` inline (the serde readers): when every
    field's tests hold, a new instance with each field set is the value ``cls(...)`` gives;
    otherwise call ``cls(...)``. ``None`` with :data:`PLAIN`.
    """
    return _PARTS.get(cls)


_NEW: dict[type[Any], Callable[..., Any]] = {}


def quick_new(cls: type[T]) -> Callable[..., T]:
    """A compiled twin of ``cls(...)`` for a class :func:`quick_init` compiled; else (and with :data:`PLAIN`) ``cls``.

    Calling a class whose ``__init__`` is Python code costs a dict of the keywords and a
    method lookup (≈ 0.2 µs). The twin takes the same arguments, makes the instance itself
    when every one passes its quick test, and otherwise calls ``cls(...)``: the same value
    or the same error either way.
    """
    return _NEW.get(cls, cls)


# -- call-shape fronts ----------------------------------------------------------------------------

MISSING: Any = type("_Missing", (), {"__repr__": lambda self: "<missing>"})()
"""The default a front gives a required parameter, to see that it was not given."""
_P = inspect.Parameter


def call_front(function: Callable[..., Any], where: str, refuse: Callable[..., None]) -> Callable[..., Any]:
    """A front for ``function``: its own parameters, all optional, then ``*_args`` and ``**_kwargs`` unless it has them.

    A call of the right shape is handed on to ``function`` (positional parameters by
    position, keyword-only ones by keyword). Any other calls ``refuse(where, known, required,
    extra_positional, extra_keywords)``, where ``required`` pairs each required parameter
    with its value (:data:`MISSING` if not given).
    """
    signature = inspect.signature(function)
    parameters = list(signature.parameters.values())
    namespace: dict[str, Any] = {"_f": function, "_M": MISSING, "_refuse": refuse}
    named = (_P.KEYWORD_ONLY, _P.POSITIONAL_OR_KEYWORD)
    known = tuple(p.name for p in parameters if p.name != "self" and p.kind in named)
    rest = next((p.name for p in parameters if p.kind is _P.VAR_POSITIONAL), None)
    extra = next((p.name for p in parameters if p.kind is _P.VAR_KEYWORD), None)
    head: list[str] = []  # positional-only (before "/"), then positional-or-keyword
    keyword_only: list[str] = []
    required: list[str] = []
    for p in parameters:
        if p.kind in (_P.VAR_POSITIONAL, _P.VAR_KEYWORD):
            continue
        if p.default is _P.empty and not (p.name == "self" and p is parameters[0]):
            required.append(p.name)
            default = "_M"
        elif p.default is _P.empty:
            default = ""
        else:
            namespace[f"_d_{p.name}"] = p.default
            default = f"_d_{p.name}"
        text = f"{p.name}={default}" if default else p.name
        (keyword_only if p.kind is _P.KEYWORD_ONLY else head).append(text)
    slash = sum(1 for p in parameters if p.kind is _P.POSITIONAL_ONLY)
    params = [*head[:slash], *(["/"] if slash else []), *head[slash:], f"*{rest or '_args'}", *keyword_only]
    params.append(f"**{extra or '_kwargs'}")
    wrong = [f"{n} is _M" for n in required] + ([] if rest else ["_args"]) + ([] if extra else ["_kwargs"])
    call = [t.partition("=")[0] for t in head] + ([f"*{rest}"] if rest else [])
    call += [f"{k}={k}" for k in (t.partition("=")[0] for t in keyword_only)] + ([f"**{extra}"] if extra else [])
    missing = ", ".join(f"({n!r}, {n})" for n in required)
    lines = [
        f"def {function.__name__}({', '.join(params)}):",
        f"    if {' or '.join(wrong) or 'False'}:",
        f"        _refuse({where!r}, {known!r}, ({missing}{',' if len(required) == 1 else ''}), "
        f"{'()' if rest else '_args'}, {'{}' if extra else '_kwargs'})",
        f"    return _f({', '.join(call)})",
    ]
    owner = f"{function.__module__}.{function.__qualname__}"
    return compile_function(function.__name__, lines, namespace, what=f"front {owner}")  # type: ignore[no-any-return]


def values_maker(
    name: str, params: str, exprs: Mapping[str, str], *, prelude: str = "", what: str, **values: Any
) -> Callable[..., dict[str, Any]]:
    """``def name(params)`` returning a new dict: the ``defaults`` value's items, then ``exprs`` evaluated.

    For a table of field expressions that is also compiled into a :meth:`Builder.maker`: the
    one table gives both the values and (compiled) the instance. Compiled in plain mode too,
    since the table is the definition, not a fast path.
    """
    items = ", ".join(f"{k!r}: {v}" for k, v in exprs.items())
    lines = [f"def {name}({params}):", *([f"    {prelude}"] if prelude else []), f"    return {{**defaults, {items}}}"]
    return compile_function(name, lines, dict(values), what=what)  # type: ignore[no-any-return]


# -- copies of a plain frozen class ---------------------------------------------------------------

Copy = Callable[[T, dict[str, Any]], T]
"""``copy(instance, changes)``: what ``attrs.evolve(instance, **changes)`` gives."""


def is_plain(cls: type[Any]) -> bool:
    """Whether ``cls(**values)`` does nothing but store ``values`` in its slots (so a copy may skip it)."""
    return (
        "__slots__" in cls.__dict__
        and not hasattr(cls, "__attrs_post_init__")
        and not hasattr(cls, "__attrs_pre_init__")
        and all(f.init and f.converter is None and f.validator is None and f.alias == f.name for f in attrs.fields(cls))
    )


def slots_twin(cls: type[Any]) -> type | None:
    """A plain class with ``cls``'s slots, whose filled instances can become ``cls`` instances.

    Filling a frozen attrs instance has to go through each slot's descriptor (frozen classes
    refuse ``setattr``), about 90 ns a field; a plain slotted class takes a plain attribute
    store (about 10 ns, which CPython specialises). Its instance, once every field is set,
    has its ``__class__`` changed to ``cls``: the two layouts are the same (same bases, same
    own slots; a class that takes weak references needs the slot in a base: see ``Dispute``), so
    the result is an ordinary frozen instance in every respect. ``None`` (fill through the
    descriptors) if ``cls`` is not plain or CPython refuses.
    """
    if not is_plain(cls):
        return None
    slots = tuple(cls.__dict__["__slots__"])
    twin = type(f"_{cls.__name__}Slots", cls.__bases__, {"__slots__": slots, "__module__": __name__})
    probe: Any = object.__new__(twin)
    try:
        probe.__class__ = cls
    except TypeError:  # pragma: no cover - another layout or another Python
        return None
    return twin


class _Copies(dict[tuple[str, ...], Copy[T]]):
    """The copy for each set of changed fields, compiled on first use (at most ``limit`` of them)."""

    def __init__(self, builder: Builder[T], limit: int) -> None:
        super().__init__()
        self.builder, self.limit = builder, limit

    def __missing__(self, keys: tuple[str, ...]) -> Copy[T]:
        if len(self) >= self.limit:
            return self.builder.copy
        copy = self[keys] = self.builder.copy_of(keys)
        return copy


class Builder(Generic[T]):
    """``attrs.evolve`` and ``cls(**values)`` for one frozen attrs class, compiled for its fields.

    Compiled only when the class is plain (:func:`is_plain`: no converters, validators or
    hooks, so the attrs way would only store the values) and :data:`PLAIN` is off; otherwise
    each is the attrs way itself. ``copies[tuple(changes)]`` is a copy compiled for exactly
    those changed fields (no "is this field changed?" test per field): a caller that changes
    the same fields each time meets only a handful of key sets.
    """

    def __init__(self, cls: type[T], *, max_copies: int = 256) -> None:
        self.cls = cls
        self.names = tuple(f.name for f in attrs.fields(cast(Any, cls)))
        self.compiled = not PLAIN and is_plain(cls)
        self.twin = slots_twin(cls) if self.compiled else None
        self.copy: Copy[T] = self._plain_copy
        self.make: Callable[[dict[str, Any]], T] = self._plain_make
        if self.compiled:
            self.copy = self._function("copy", "d, c", [(n, f"c[{n!r}] if {n!r} in c else d.{n}") for n in self.names])
            self.make = self._function("make", "v", [(n, f"v[{n!r}]") for n in self.names])
        self.copies: dict[tuple[str, ...], Copy[T]] = _Copies(self, max_copies)

    def _plain_copy(self, instance: T, changes: dict[str, Any]) -> T:
        return attrs.evolve(instance, **changes)  # type: ignore[misc]

    def _plain_make(self, values: dict[str, Any]) -> T:
        return self.cls(**values)

    def copy_of(self, keys: tuple[str, ...]) -> Copy[T]:
        """The copy for changes with exactly ``keys`` (the general one if a key is not a field)."""
        if not self.compiled or not set(keys) <= set(self.names):
            return self.copy
        fields = [(n, f"c[{n!r}]" if n in keys else f"d.{n}") for n in self.names]
        return self._function("copy", "d, c", fields, f" ({', '.join(keys)})")  # type: ignore[no-any-return]

    def maker(
        self, name: str, params: str, exprs: Mapping[str, str], *, prelude: str = "", **values: Any
    ) -> Callable[..., T] | None:
        """``def name(params)`` building an instance: the fields in ``exprs`` evaluated, the others their defaults.

        ``prelude`` is one statement run first (``p = e.payload``); ``values`` are names the
        expressions use. ``None`` when the class is not compiled: build its values and call
        :attr:`make` instead.
        """
        if not self.compiled:
            return None
        defaults = {f.name: f.default for f in attrs.fields(cast(Any, self.cls)) if f.default is not attrs.NOTHING}
        if not set(exprs) | set(defaults) >= set(self.names):  # pragma: no cover - a field with no default left out
            raise ValueError(f"{name}: no value for {sorted(set(self.names) - set(exprs) - set(defaults))}")
        namespace = {**values, **{f"_default_{n}": v for n, v in defaults.items()}}
        fields = [(n, exprs.get(n, f"_default_{n}")) for n in self.names]
        return self._function(name, params, fields, prelude=prelude, namespace=namespace)  # type: ignore[no-any-return]

    def _function(
        self,
        name: str,
        params: str,
        fields: list[tuple[str, str]],
        detail: str = "",
        *,
        prelude: str = "",
        namespace: Mapping[str, Any] = MappingProxyType({}),
    ) -> Any:
        """Compile ``def name(params)`` returning a new instance whose fields are the given expressions."""
        names = {**namespace, "_new": object.__new__, "_cls": self.cls, "_Twin": self.twin}
        lines = [f"def {name}({params}):", *([f"    {prelude}"] if prelude else [])]
        if self.twin is not None:
            lines.append("    n = _new(_Twin)")
            lines += [f"    n.{field} = {expr}" for field, expr in fields]
            lines.append("    n.__class__ = _cls")
        else:  # pragma: no cover - the descriptors, as attrs' own __init__ would
            lines.append("    n = _new(_cls)")
            for field, expr in fields:
                names[f"_set_{field}"] = getattr(self.cls, field).__set__
                lines.append(f"    _set_{field}(n, {expr})")
        lines.append("    return n")
        owner = f"{self.cls.__module__}.{self.cls.__qualname__}"
        return compile_function(name, lines, names, what=f"{name} {owner}{detail}")
