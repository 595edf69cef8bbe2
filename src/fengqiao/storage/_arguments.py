"""The arguments every store takes, checked alike before anything is opened.

A bad argument is a :class:`~fengqiao.errors.ValidationError` naming it (``busy_timeout``,
``projectors[1]``), raised before a file, connection or pool exists: never the ``TypeError``,
``ValueError`` or ``OverflowError`` the driver would raise later, and nothing left half open.
Messages say what was given by its type or a bounded number, never by ``repr`` of an
arbitrary object.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from typing import Any

from fengqiao.domain.clock import Clock, SystemClock
from fengqiao.errors import ValidationError

__all__ = ["check_clock", "check_count", "check_path", "check_projectors", "check_seconds", "iterate", "shown"]


def shown(value: object) -> str:
    """``value`` in a message about a number: itself if a bool, float or modest int, else its type.

    >>> shown(-1), shown(2**200), shown(float("nan")), shown("x")
    ('-1', 'an int of 201 bits', 'nan', 'str')
    """
    if isinstance(value, bool | float) or (isinstance(value, int) and value.bit_length() <= 128):
        return repr(value)
    return f"an int of {value.bit_length()} bits" if isinstance(value, int) else type(value).__name__


def iterate(value: object, name: str, what: str) -> Iterator[Any]:
    """An iterator over ``value``, a collection given for ``name`` (text and bytes are not one).

    Raises:
        ValidationError: ``value`` is text, bytes or not iterable at all; ``what`` says what
            was expected.
    """
    if not isinstance(value, str | bytes | bytearray):
        try:
            return iter(value)  # type: ignore[call-overload, no-any-return]
        except TypeError:
            pass
    raise ValidationError(f"expected {what}, got {type(value).__name__}", name)


def check_clock(clock: object) -> Clock:
    """``clock``, or the system clock for ``None``.

    Raises:
        ValidationError: ``clock`` has no ``now()`` method.
    """
    if clock is None:
        return SystemClock()
    if not callable(getattr(clock, "now", None)):
        raise ValidationError(f"expected a Clock (an object with now()), got {type(clock).__name__}", "clock")
    return clock  # type: ignore[return-value]


def check_path(path: object) -> str:
    """``path`` (text or ``os.PathLike``) as the text a database driver opens.

    Raises:
        ValidationError: not a path, or one no file system can hold (NUL, a lone surrogate).
    """
    try:
        text = os.fspath(path)  # type: ignore[call-overload]
    except TypeError:
        raise ValidationError(f"expected a file path, got {type(path).__name__}", "path") from None
    if not isinstance(text, str):
        raise ValidationError(f"expected a file path as text, got {type(text).__name__}", "path")
    if "\x00" in text:
        raise ValidationError("a file path may not contain a NUL character", "path")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("a file path must be valid text (it holds a lone surrogate)", "path") from None
    return text


def check_projectors(projectors: object) -> tuple[Any, ...]:
    """The projectors as a tuple, each checked to be callable.

    Raises:
        ValidationError: not a collection (``projectors``) or an item that cannot be called
            (``projectors[1]``).
    """
    items = tuple(iterate(projectors, "projectors", "a sequence of projectors"))
    for index, project in enumerate(items):
        if not callable(project):
            raise ValidationError(
                f"expected a callable projector, got {type(project).__name__}", f"projectors[{index}]"
            )
    return items


def check_seconds(value: object, name: str, *, zero: bool, most: float) -> float:
    """A duration in seconds: a real number up to ``most`` (whole), more than 0 (or 0 too, with ``zero``).

    Raises:
        ValidationError: not a number (a bool is not one), not finite, or out of range.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"expected a number of seconds, got {type(value).__name__}", name)
    number = float(value) if isinstance(value, float) or value.bit_length() <= 1024 else math.inf
    if not (0 <= number <= most if zero else 0 < number <= most):
        low = "from 0" if zero else "more than 0 and"
        raise ValidationError(f"expected seconds {low} up to {most:.0f}, got {shown(value)}", name)
    return number


def check_count(value: object, name: str, *, least: int, most: int) -> int:
    """A whole number from ``least`` to ``most``.

    Raises:
        ValidationError: not an int (a bool is not one) or out of range.
    """
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise ValidationError(f"expected a whole number from {least} to {most}, got {shown(value)}", name)
    return value
