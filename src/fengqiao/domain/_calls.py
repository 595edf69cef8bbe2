"""Mistakes in the shape of a call (an unknown or missing keyword) as ``ValidationError``, with a suggestion.

Python answers ``wf.grade(d, actor=..., risk_factor=[...])`` with a ``TypeError`` before the
method runs; fengqiao's methods answer it as any other bad input, with a
:class:`~fengqiao.errors.ValidationError` whose path names the keyword (``grade.risk_factor``)
and a "did you mean" when a known keyword is close.

>>> error = unknown_keyword("grade", "risk_factor", ("actor", "risk_factors"))
>>> error.path, error.message
('grade.risk_factor', "unknown keyword 'risk_factor' (did you mean 'risk_factors'?); grade takes: actor, risk_factors")
"""

from __future__ import annotations

import difflib
import functools
import inspect
import types
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from fengqiao.domain._quote import quote
from fengqiao.errors import ValidationError

__all__ = ["checked_call", "suggestion", "unknown_keyword"]

F = TypeVar("F", bound=Callable[..., Any])


def suggestion(given: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``known`` to ``given``, or ``""`` if none is close."""
    close = difflib.get_close_matches(given, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def unknown_keyword(where: str, given: str, known: tuple[str, ...], *, noun: str = "keyword") -> ValidationError:
    """The error for the keyword ``given`` that ``where`` does not take; ``known`` are those it takes."""
    shown = given if given.isidentifier() and given.isascii() else quote(given)
    return ValidationError(
        f"unknown {noun} {quote(given)}{suggestion(given, known)}; {where} takes: {', '.join(known)}",
        f"{where}.{shown}",
    )


def checked_call(where: str | None = None) -> Callable[[F], F]:
    """Give a function a front that turns a call of the wrong shape into ``ValidationError``, not ``TypeError``.

    The front is compiled for the function's own signature, with every parameter optional
    and a catch-all for extra positional and keyword arguments. A call of the right shape is
    handed on, every argument by position, to a twin of the function (its own code, see
    :func:`_positional_twin`): about 0.1 µs, against 0.4 µs for a ``*args, **kwargs``
    wrapper. One of the wrong shape (an unknown keyword, a missing one, too many positional
    arguments) raises ``ValidationError`` at ``<where>.<keyword>``; ``where`` is the
    function's name unless given. The signature shown to ``help()`` and ``inspect`` is the
    function's own, and ``__wrapped__`` is the function.
    """

    def wrap(function: F) -> F:
        signature = inspect.signature(function)
        name = where or function.__name__
        known = tuple(
            p.name
            for p in signature.parameters.values()
            if p.name != "self" and p.kind in (_P.KEYWORD_ONLY, _P.POSITIONAL_OR_KEYWORD)
        )
        front = _compile_front(function, signature, name, known)
        functools.update_wrapper(front, function)
        return front  # type: ignore[return-value]

    return wrap


_MISSING: Any = type("_Missing", (), {"__repr__": lambda self: "<missing>"})()
"""The default the front gives a required parameter, to see that it was not given."""
_P = inspect.Parameter


def _compile_front(
    function: Callable[..., Any], signature: inspect.Signature, where: str, known: tuple[str, ...]
) -> Callable[..., Any]:
    """The front of ``function``: its parameters, all optional, then ``*_args`` and ``**_kwargs`` unless it has them."""
    namespace: dict[str, Any] = {"_f": function, "_M": _MISSING, "_refuse": _refuse}
    parameters = list(signature.parameters.values())
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
    names = [t.partition("=")[0] for t in head]
    params = [*head[:slash], *(["/"] if slash else []), *head[slash:], f"*{rest or '_args'}", *keyword_only]
    params.append(f"**{extra or '_kwargs'}")
    wrong = [f"{n} is _M" for n in required]
    wrong += [] if rest else ["_args"]
    wrong += [] if extra else ["_kwargs"]
    keywords = [t.partition("=")[0] for t in keyword_only]
    twin = None if rest else _positional_twin(function)
    if twin is not None:  # the same code, every parameter passed by position: the cheapest hand-over
        namespace["_f"] = twin
        call = [*names, *keywords, *([extra] if extra else [])]
    else:  # pragma: no cover - fengqiao's own fronts all have twins
        call = [*names, *([f"*{rest}"] if rest else []), *(f"{k}={k}" for k in keywords)]
        call += [f"**{extra}"] if extra else []
    missing = ", ".join(f"({n!r}, {n})" for n in required)
    lines = [
        f"def {function.__name__}({', '.join(params)}):",
        f"    if {' or '.join(wrong) or 'False'}:",
        f"        _refuse({where!r}, {known!r}, ({missing}{',' if len(required) == 1 else ''}), "
        f"{'()' if rest else '_args'}, {'{}' if extra else '_kwargs'})",
        f"    return _f({', '.join(call)})",
    ]
    exec("\n".join(lines), namespace)  # the function's own parameter names, and the names above
    return namespace[function.__name__]  # type: ignore[no-any-return]


def _positional_twin(function: Callable[..., Any]) -> Callable[..., Any] | None:
    """``function`` taking all its parameters by position, its ``**`` dict too; ``None`` if it has ``*args``.

    CPython lays a function's parameters out as the positional ones, then the keyword-only
    ones, then the ``**`` dict, so counting all of them as positional (and the dict as a plain
    parameter) gives the same code a signature that is cheaper to call, and changes nothing
    else: the body, its line numbers and its closure are the function's own.
    """
    code = getattr(function, "__code__", None)
    if code is None or code.co_flags & inspect.CO_VARARGS:
        return None
    count = code.co_argcount + code.co_kwonlyargcount + (1 if code.co_flags & inspect.CO_VARKEYWORDS else 0)
    if code.co_varnames[:count] != tuple(inspect.signature(function, follow_wrapped=False).parameters):
        return None  # not the code of the signature shown (a decorated function): call it by keyword
    twin = code.replace(
        co_argcount=count, co_posonlyargcount=0, co_kwonlyargcount=0, co_flags=code.co_flags & ~inspect.CO_VARKEYWORDS
    )
    return types.FunctionType(twin, function.__globals__, function.__name__, None, function.__closure__)


def _refuse(
    where: str,
    known: tuple[str, ...],
    required: tuple[tuple[str, object], ...],
    rest: tuple[object, ...],
    extra: dict[str, object],
) -> None:
    """Raise the ``ValidationError`` for a call of the wrong shape: an unknown keyword, extra arguments, a gap."""
    if extra:
        raise unknown_keyword(where, sorted(extra)[0], known)
    if rest:
        raise ValidationError(f"{where} takes fewer positional arguments; give the others by keyword", where)
    for name, value in required:
        if value is _MISSING:
            raise ValidationError(f"required argument {name!r} is missing", f"{where}.{name}")
