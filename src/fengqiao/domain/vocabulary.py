"""The base of every vocabulary (the built-in ones are in ``terms.py``): a stable ASCII value and zh/en labels.

Values are what gets stored and serialized and never change; labels are for people.

>>> from fengqiao.domain.terms import VisitKind
>>> VisitKind.PHONE.value, VisitKind.PHONE.label("zh"), VisitKind.PHONE.label("en")
('phone', '电话回访', 'phone follow-up')
>>> VisitKind.parse("on_site")
<VisitKind.ON_SITE: 'on_site'>
"""

from __future__ import annotations

import enum
from typing import Any, Literal, Self

from fengqiao.domain._quote import quote
from fengqiao.errors import ValidationError

__all__ = ["Lang", "Vocabulary"]

Lang = Literal["zh", "en"]
"""A label language: ``"zh"`` (Chinese) or ``"en"`` (English)."""


class _VocabularyType(enum.EnumType):
    """Looking a member up by anything but text is refused before ``enum`` tries to ``repr`` it."""

    def __call__(cls, value: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or isinstance(value, str):
            return super().__call__(value, *args, **kwargs)
        allowed = ", ".join(str(m) for m in cls)  # type: ignore[var-annotated]
        raise ValidationError(f"{quote(value)} is not a {cls.__name__}; expected one of: {allowed}")


class Vocabulary(enum.StrEnum, metaclass=_VocabularyType):
    """A ``StrEnum`` whose members carry a Chinese and an English label.

    Members are declared as ``NAME = "value", "中文", "English"``.
    """

    _zh: str
    _en: str

    def __new__(cls, value: str, zh: str = "", en: str = "") -> Self:  # noqa: D102
        member = str.__new__(cls, value)
        member._value_ = value
        member._zh = zh or value
        member._en = en or value.replace("_", " ")
        return member

    @classmethod
    def _missing_(cls, value: object) -> Self:
        """``Category("nope")`` raises a :class:`~fengqiao.errors.ValidationError` (a ``ValueError``)."""
        allowed = ", ".join(m.value for m in cls)
        raise ValidationError(f"{quote(value)} is not a {cls.__name__}; expected one of: {allowed}")

    def label(self, lang: Lang = "en") -> str:
        """The member's label in ``lang`` (``"zh"`` or ``"en"``)."""
        if lang == "zh":
            return self._zh
        if lang == "en":
            return self._en
        raise ValidationError(f"unknown language {quote(lang)}; expected 'zh' or 'en'", "lang")

    @classmethod
    def parse(cls, value: object, path: str = "") -> Self:
        """Return the member for ``value`` (a member or its value string).

        Raises:
            ValidationError: ``value`` is not one of this vocabulary's values.
        """
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            try:
                return cls(value)
            except ValueError:
                pass
        allowed = ", ".join(m.value for m in cls)
        raise ValidationError(f"{quote(value)} is not a {cls.__name__}; expected one of: {allowed}", path)
