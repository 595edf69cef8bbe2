"""How an error message shows the value it refuses: short, safe to compute, and without personal numbers.

Every message that quotes a user's value goes through :func:`quote` rather than ``{value!r}``:

* it is bounded: long text, deep nesting and big collections are cut (``reprlib``), and an
  integer too long to print is described by its size;
* it cannot fail: a ``__repr__`` that raises, recurses or returns something odd gives
  ``<TypeName object>``, and a list that contains itself is cut at a few levels;
* it shows no personal number: any run of six or more digits is masked as
  :func:`~fengqiao.domain._privacy.mask` masks an ID number or a phone (``138******78``).

>>> quote("赵某"), quote(13812345678), quote("电话13812345678"), len(quote("x" * 10_000))
("'赵某'", '138******78', "'电话138******78'", 60)
>>> loop = []; loop.append(loop); quote(loop)
'[[[[...]]]]'
"""

from __future__ import annotations

import re
import reprlib
from typing import Any

from fengqiao.domain._privacy import mask

__all__ = ["quote", "said"]

_LONGEST = 120
"""The most characters a quoted value takes in a message."""

_DIGITS = re.compile(r"\d{6,}")
"""A run of digits long enough to be (part of) an ID number or a phone number."""


class _Bounded(reprlib.Repr):
    """``reprlib.Repr`` with small limits, never asking a huge integer or an odd object to print itself whole."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxstring = 60
        self.maxother = 100
        self.maxlong = 40
        self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = self.maxdeque = self.maxarray = 6
        self.maxdict = 4

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 128:  # printing it costs time (and past 4,300 digits raises)
            return f"<int of {x.bit_length()} bits>"
        return super().repr_int(x, level)

    def repr_instance(self, x: Any, level: int) -> str:
        try:
            text = repr(x)
        except Exception:
            return _anonymous(x)
        if not isinstance(text, str):  # pragma: no cover - repr() itself refuses a non-str
            return _anonymous(x)
        if len(text) > self.maxother:
            half = max(0, (self.maxother - 3) // 2)
            text = text[:half] + "..." + text[len(text) - half :]
        return text


_REPR = _Bounded()


def _anonymous(value: object) -> str:
    return f"<{type(value).__name__} object>"


def quote(value: object) -> str:
    """``value`` as an error message shows it: a bounded ``repr`` with every long run of digits masked.

    Never raises (short of ``MemoryError`` or ``KeyboardInterrupt``): anything that cannot be
    shown is named by its type.
    """
    try:
        text = _REPR.repr(value)
    except Exception:
        text = _anonymous(value)
    if len(text) > _LONGEST:
        text = text[: _LONGEST - 3] + "..."
    return _DIGITS.sub(_masked, text)


def said(error: BaseException, longest: int = _LONGEST) -> str:
    """What another library's ``error`` says, for our message: its words, bounded, every long run of digits masked.

    >>> said(KeyError("派出所")), said(ValueError("call 13812345678"))
    ("'派出所'", 'call 138******78')
    """
    try:
        text = str(error)
    except Exception:
        return _anonymous(error)
    if len(text) > longest:
        text = text[: longest - 3] + "..."
    return _DIGITS.sub(_masked, text)


def _masked(match: re.Match[str]) -> str:
    return mask(match.group()) or ""
