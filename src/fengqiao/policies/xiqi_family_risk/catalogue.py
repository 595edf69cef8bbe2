"""The household risk factors as data: each factor's code, zh/en labels, a line of description, its usual work.

The default catalogue is the ``[[factors]]`` list of ``policies/data/xiqi_family_risk.toml``:
the 14 factors of :class:`~fengqiao.domain.household.HouseholdFactor`. A policy may add
factors of its own (:meth:`FactorCatalogue.extended`) and a region may load its own list
(:meth:`FactorCatalogue.from_mapping`). A code is ASCII lower-case words joined by
underscores (``gun_owner``); a built-in code reads as its ``HouseholdFactor`` member, any
other as plain text. Unknown codes are refused with a ``ValidationError`` naming the code,
its path and the closest known code.

>>> catalogue = default_catalogue()
>>> len(catalogue), catalogue.label("mental_illness", "zh")
(14, '精神障碍患者')
>>> catalogue.parse("mental_ilness", "factors")
Traceback (most recent call last):
    ...
fengqiao.errors.ValidationError: factors: unknown factor 'mental_ilness' (did you mean 'mental_illness'?)
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

import attrs
import cattrs

from fengqiao.domain._calls import suggestion
from fengqiao.domain._quote import quote
from fengqiao.domain.household import FactorId, HouseholdFactor, WorkKind
from fengqiao.domain.vocabulary import Lang
from fengqiao.errors import ValidationError
from fengqiao.serde import converter, error_location

__all__ = ["Factor", "FactorCatalogue", "default_catalogue", "factor_id", "read_data"]

_CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_BUILT_IN = {m.value: m for m in HouseholdFactor}


def factor_id(value: object, path: str = "") -> FactorId:
    """``value`` as a factor id: a ``HouseholdFactor`` member for a built-in code, else the code itself.

    This checks the form only (ASCII lower-case words joined by underscores); whether a
    catalogue has the factor is :meth:`FactorCatalogue.parse`'s question.

    Raises:
        ValidationError: ``value`` is not text of that form.
    """
    if isinstance(value, HouseholdFactor):
        return value
    if not isinstance(value, str) or not _CODE.fullmatch(value):
        raise ValidationError(
            f"{quote(value)} is not a factor code (ASCII lower-case words joined by underscores)", path
        )
    return _BUILT_IN.get(value, value)


def _factor_id(value: object) -> FactorId:
    return factor_id(value, "code")


def _work(values: Iterable[WorkKind | str]) -> frozenset[WorkKind]:
    return frozenset(WorkKind.parse(v, "work") for v in values)


def _filled(_instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("must be non-blank text", attribute.name)


@attrs.frozen(kw_only=True)
class Factor:
    """One household risk factor (风险因素): its code, labels, a one-line description, its usual work."""

    code: FactorId = attrs.field(converter=_factor_id)
    zh: str = attrs.field(validator=_filled)
    en: str = attrs.field(validator=_filled)
    description: str = ""
    """One line on what counts as this factor."""
    work: frozenset[WorkKind] = attrs.field(default=frozenset(), converter=_work)
    """The kinds of work (工作类别) a household with this factor usually calls for."""

    def label(self, lang: Lang = "zh") -> str:
        """The factor's label in ``lang``."""
        if lang not in ("zh", "en"):
            raise ValidationError(f"unknown language {quote(lang)}; expected 'zh' or 'en'", "lang")
        return self.zh if lang == "zh" else self.en


def _factors(values: Iterable[Factor]) -> tuple[Factor, ...]:
    factors = tuple(values)
    seen: set[str] = set()
    for i, factor in enumerate(factors):
        if factor.code in seen:
            raise ValidationError(f"factor {quote(str(factor.code))} is listed twice", f"factors[{i}].code")
        seen.add(factor.code)
    return factors


@attrs.frozen
class FactorCatalogue:
    """The factors a policy assesses households against, in order; codes are unique."""

    factors: tuple[Factor, ...] = attrs.field(converter=_factors)
    _by_code: Mapping[str, Factor] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {f.code: f for f in self.factors})

    def __len__(self) -> int:
        return len(self.factors)

    def __iter__(self) -> Iterator[Factor]:
        return iter(self.factors)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    @property
    def codes(self) -> tuple[FactorId, ...]:
        """Every factor's code, in catalogue order."""
        return tuple(f.code for f in self.factors)

    def get(self, code: FactorId | str, path: str = "") -> Factor:
        """The factor with ``code``.

        Raises:
            ValidationError: the catalogue has no such factor (with the closest code, if any).
        """
        return self._by_code[self.parse(code, path)]

    def parse(self, value: object, path: str = "") -> FactorId:
        """``value`` as the id of one of this catalogue's factors.

        Raises:
            ValidationError: ``value`` is not a code, or not one of this catalogue's (the
                message names it and suggests the closest known code).
        """
        if isinstance(value, str) and value not in self._by_code:
            known = [str(c) for c in self._by_code]
            raise ValidationError(f"unknown factor {quote(value)}{suggestion(value, known)}", path)
        return factor_id(value, path)

    def parse_all(self, values: Iterable[object], path: str = "") -> frozenset[FactorId]:
        """Each of ``values`` as one of this catalogue's factor ids (see :meth:`parse`).

        ``values`` may also be one code (a string): it is one factor, not its letters.
        """
        if isinstance(values, str):
            values = (values,)
        return frozenset(self.parse(v, path) for v in values)

    def position(self, code: FactorId | str) -> int:
        """Where the factor ``code`` stands in the catalogue (how lists of factors are ordered)."""
        return self.factors.index(self.get(code))

    def label(self, code: FactorId | str, lang: Lang = "zh") -> str:
        """The label of the factor ``code`` in ``lang``."""
        return self.get(code).label(lang)

    def work(self, codes: Iterable[FactorId]) -> frozenset[WorkKind]:
        """The kinds of work the factors ``codes`` usually call for, together."""
        return frozenset(kind for code in codes for kind in self.get(code).work)

    def extended(self, *factors: Factor) -> FactorCatalogue:
        """This catalogue with a policy's own ``factors`` after its own.

        Raises:
            ValidationError: a code is already in the catalogue (``factors[i].code``).
        """
        return FactorCatalogue((*self.factors, *factors))

    @classmethod
    def from_mapping(cls, data: Iterable[Mapping[str, Any]], *, path: str = "factors") -> FactorCatalogue:
        """A catalogue from plain data: a list of ``{code, zh, en, description, work}`` tables.

        Raises:
            ValidationError: malformed data, a bad or repeated code; the path names the place
                (``factors[3].code``).
        """
        try:
            factors = converter.structure(list(data), tuple[Factor, ...])
        except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
            message, where = error_location(exc)
            raise ValidationError(
                message, f"{path}{where}" if where.startswith("[") or not where else f"{path}.{where}"
            ) from exc
        try:
            return cls(factors)
        except ValidationError as exc:
            raise ValidationError(exc.message, exc.path.replace("factors", path, 1)) from None


def read_data(name: str = "xiqi_family_risk.toml") -> str:
    """The text of a data file shipped in ``fengqiao/policies/data``."""
    return resources.files("fengqiao.policies").joinpath("data", name).read_text("utf-8")


@cache
def default_catalogue() -> FactorCatalogue:
    """The 14 default factors, from ``policies/data/xiqi_family_risk.toml``."""
    return FactorCatalogue.from_mapping(tomllib.loads(read_data())["factors"])
