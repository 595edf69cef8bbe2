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
    """Wrap a function so that a call of the wrong shape raises ``ValidationError``, not ``TypeError``.

    The call is made as it is; only when it raises ``TypeError`` are the arguments bound to
    the signature to see whether they were the cause (an unknown keyword, a missing one, too
    many positional arguments). If they were not, the ``TypeError`` goes on unchanged. The
    path is ``<where>.<keyword>``; ``where`` is the function's name unless given.
    """

    def wrap(function: F) -> F:
        signature = inspect.signature(function)
        name = where or function.__name__
        known = tuple(
            p.name
            for p in signature.parameters.values()
            if p.name != "self" and p.kind in (_P.KEYWORD_ONLY, _P.POSITIONAL_OR_KEYWORD)
        )

        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except TypeError:
                _explain(signature, name, known, args, kwargs)
                raise

        return call  # type: ignore[return-value]

    return wrap


_P = inspect.Parameter


def _explain(
    signature: inspect.Signature, where: str, known: tuple[str, ...], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """Raise the ``ValidationError`` for arguments that do not fit ``signature``, if they do not."""
    parameters = signature.parameters
    if not any(p.kind is _P.VAR_KEYWORD for p in parameters.values()):
        for key in kwargs:
            if key not in parameters or parameters[key].kind is _P.POSITIONAL_ONLY:
                raise unknown_keyword(where, key, known) from None
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        given = {p.name for p, _ in zip(parameters.values(), args, strict=False)} | set(kwargs)
        for key, p in parameters.items():
            if p.default is _P.empty and p.kind not in (_P.VAR_POSITIONAL, _P.VAR_KEYWORD) and key not in given:
                raise ValidationError(f"required argument {key!r} is missing", f"{where}.{key}") from None
        raise ValidationError(f"{where} called with the wrong arguments: {exc}", where) from None
