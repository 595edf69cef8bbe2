"""A dimension of an open set of factors *and* its size, checked together; only the tables package depends on this.

A household's factors come from a catalogue a policy may extend, so rules ask both "any, all
or none of these factors" and "at least N factors of any kind". Two independent dimensions
(:class:`~._dimensions.Factors` and :class:`~._dimensions.Count`) would let the verifier
search inputs no one can have (a set of three factors whose size is 1), and report gaps or
overlaps that are not there. :class:`FactorSet` keeps the two in one state: the factors a
cell says are present, absent or undecided, and the range of the size, which is never below
the number present. The set is *open*: a size can always be made up with factors no rule
names, so the verifier's answer holds for any catalogue.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from fengqiao.domain.vocabulary import Lang
from fengqiao.policies.tables._dimensions import Count, Dimension, Factors, Read, Test

__all__ = ["FactorSet"]

_State = tuple[Mapping[Any, bool], tuple[int, int | None]]
"""The factors decided so far (present or absent), and the size's range (``None``: unbounded)."""


def _present(factors: Mapping[Any, bool]) -> int:
    return sum(1 for v in factors.values() if v)


@attrs.frozen
class FactorSet(Dimension):
    """A set of factors (``factors``) and its size (``size``), tested by one condition.

    The condition's fields are those of ``factors`` (any — at least ``min_any`` — all, none)
    and ``min_<size>``, ``max_<size>`` of ``size``. Both facts are read from the subject by
    their own readers.
    """

    factors: Factors
    size: Count

    @property
    def facts(self) -> tuple[str, ...]:
        """The set's fact, then the size's."""
        return (*self.factors.facts, *self.size.facts)

    @property
    def fields(self) -> tuple[str, ...]:
        """The set's condition fields, then the size's."""
        return (*self.factors.fields, *self.size.fields)

    def readers(self) -> Iterator[tuple[str, Read]]:
        """The set's reader, then the size's."""
        yield from self.factors.readers()
        yield from self.size.readers()

    def tests(self, cond: Any, at: int) -> Iterator[Test]:
        """The set's tests on the value at ``at``, the size's on the one after it."""
        yield from self.factors.tests(cond, at)
        yield from self.size.tests(cond, at + 1)

    def failures(self, cond: Any, facts: Any) -> Iterator[str]:
        """Each test of ``cond`` on the set or its size that ``facts`` fail."""
        yield from self.factors.failures(cond, facts)
        yield from self.size.failures(cond, facts)

    def describe(self, cond: Any, lang: Lang = "en") -> Iterator[str]:
        """``cond``'s tests on the set, then on its size, in words (in ``lang``)."""
        yield from self.factors.describe(cond, lang)
        yield from self.size.describe(cond, lang)

    def start(self) -> _State:
        """Nothing decided: every factor may be there or not, the size anything from its floor."""
        return self.factors.start(), self.size.start()

    def _range(self, state: _State) -> tuple[int, int | None]:
        """The size's range, raised to the number of factors the state says are present."""
        factors, (lo, hi) = state
        return max(lo, _present(factors)), hi

    def truth(self, cond: Any, state: _State) -> tuple[bool | None, Any]:
        """Whether ``cond`` holds; undecided, split on a factor first (``("factor", f)``), then on the size."""
        on_set, which = self.factors.truth(cond, state[0])
        if on_set is False:
            return False, None
        on_size, bounds = self.size.truth(cond, self._range(state))
        if on_size is False:
            return False, None
        if on_set is None:
            return None, ("factor", which)
        if on_size is None:
            return None, ("size", bounds)
        return True, None

    def split(self, state: _State, split: Any, cond: Any) -> Iterator[Any]:
        """``state`` cut on one factor or on the size, leaving out parts no input has (more present than the size)."""
        factors, (lo, hi) = state
        kind, how = split
        if kind == "factor":
            for part in self.factors.split(factors, how, cond):
                if hi is None or _present(part) <= hi:
                    yield part, (lo, hi)
            return
        for part in self.size.split(self._range(state), how, cond):
            yield factors, part

    def example(self, state: _State) -> Iterator[str]:
        """The present factors and the least size the state allows."""
        yield from self.factors.example(state[0])
        yield f"{self.size.fact}={self._range(state)[0]}"
