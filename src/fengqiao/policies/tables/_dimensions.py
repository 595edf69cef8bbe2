"""The kinds of input dimension a decision table has; only the tables package depends on this.

A *dimension* is one thing a rule can look at (the category, the risk factors, the number of
alerts, the officer's flags …). Each kind below knows, for the condition fields it owns,
everything the table needs: how to read the fact from a subject (a dispute …), the test a condition
compiles to, the words of that test and of its failure, and how the verifier splits the
input space along it. Which dimensions a table has is declared once per schema (see
:mod:`._schema`): the dispute tables' in :data:`fengqiao.policies.tables._model.DIMENSIONS`.

A dimension never holds a condition: it reads the condition's fields by name, so the same
kinds serve any condition class that declares the fields (a test extends the table this way).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import attrgetter
from typing import Any

import attrs

from fengqiao.domain.vocabulary import Lang, Vocabulary

__all__ = ["Count", "Dimension", "Factors", "Flags", "OneOf", "Read", "Test", "join", "values_of"]

Test = Callable[[Sequence[Any]], bool]
"""A compiled test over the facts' values, in the order the dimensions name them: true when they pass."""

Read = Callable[[Any, Any], Any]
"""How a fact is read from a subject under its context (a dispute under an assessment, for disputes).

The context is what the table's :class:`~._schema.Schema` makes of the subject and what the
caller gave (see ``Schema.context``)."""


class Dimension:
    """One input dimension of a decision table; see the module docs.

    The verifier's *state* of a dimension is the part of its values a cell still allows; a
    *split* is what :meth:`truth` says to split on when a condition is undecided in a cell.
    """

    @property
    def facts(self) -> tuple[str, ...]:
        """The :class:`Facts` attributes this dimension reads."""
        raise NotImplementedError

    @property
    def fields(self) -> tuple[str, ...]:
        """The :class:`Condition` fields this dimension owns."""
        raise NotImplementedError

    def readers(self) -> Iterator[tuple[str, Read]]:
        """Each fact of this dimension by name, with how to read it from a subject under its context."""
        raise NotImplementedError

    def tests(self, cond: Any, at: int) -> Iterator[Test]:
        """The tests ``cond`` sets on this dimension (none if it leaves it free); its facts' values start at ``at``."""
        raise NotImplementedError

    def failures(self, cond: Any, facts: Any) -> Iterator[str]:
        """A description of each test of ``cond`` that ``facts`` fail."""
        raise NotImplementedError

    def describe(self, cond: Any, lang: Lang = "en") -> Iterator[str]:
        """``cond``'s tests on this dimension in words, in ``lang`` (``"zh"`` or ``"en"``)."""
        raise NotImplementedError

    def start(self) -> Any:
        """The state of a cell that allows every value."""
        raise NotImplementedError

    def truth(self, cond: Any, state: Any) -> tuple[bool | None, Any]:
        """Whether ``cond`` holds in ``state`` (``None``: undecided) and, if undecided, the split."""
        raise NotImplementedError

    def split(self, state: Any, split: Any, cond: Any) -> Iterator[Any]:
        """``state`` cut by ``split`` into states in which ``cond`` is decided further."""
        raise NotImplementedError

    def example(self, state: Any) -> Iterator[str]:
        """The facts of one input ``state`` allows, as ``name=value`` words."""
        raise NotImplementedError


class _OneFact(Dimension):
    """A dimension of one fact, read by one reader."""

    fact: str
    reader: Read

    @property
    def facts(self) -> tuple[str, ...]:
        return (self.fact,)

    def readers(self) -> Iterator[tuple[str, Read]]:
        yield self.fact, self.reader


@attrs.frozen
class OneOf(_OneFact):
    """A fact from a vocabulary; the condition names the values it allows (``None``: any)."""

    fact: str
    field: str
    vocabulary: type[Vocabulary]
    reader: Read = attrs.field(repr=False)

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.field,)

    def tests(self, cond: Any, at: int) -> Iterator[Test]:
        allowed = getattr(cond, self.field)
        if allowed is not None:
            yield lambda v: v[at] in allowed

    def failures(self, cond: Any, facts: Any) -> Iterator[str]:
        allowed = getattr(cond, self.field)
        if allowed is not None and getattr(facts, self.fact) not in allowed:
            yield f"{self.fact} not in {join(allowed)}"

    def describe(self, cond: Any, lang: Lang = "en") -> Iterator[str]:
        allowed = getattr(cond, self.field)
        if allowed is None:
            return
        yield f"{fact_label(self.fact)}属于 {labels(allowed)}" if lang == "zh" else f"{self.fact} in {join(allowed)}"

    def start(self) -> frozenset[Vocabulary]:
        return frozenset(self.vocabulary)

    def truth(self, cond: Any, state: frozenset[Vocabulary]) -> tuple[bool | None, Any]:
        allowed = getattr(cond, self.field)
        if allowed is None or state <= allowed:
            return True, None
        if state.isdisjoint(allowed):
            return False, None
        return None, allowed

    def split(self, state: frozenset[Vocabulary], split: frozenset[Vocabulary], cond: Any) -> Iterator[Any]:
        return (part for part in (state & split, state - split) if part)

    def example(self, state: frozenset[Vocabulary]) -> Iterator[str]:
        yield f"{self.fact}={min(state)}"


@attrs.frozen
class Factors(_OneFact):
    """A set of factors; the condition asks for any (at least ``count``), all, or none of some."""

    fact: str
    any: str
    count: str
    all: str
    none: str
    reader: Read = attrs.field(repr=False)

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.any, self.count, self.all, self.none)

    def _sets(self, cond: Any) -> tuple[frozenset[Any], int, frozenset[Any], frozenset[Any]]:
        return getattr(cond, self.any), getattr(cond, self.count), getattr(cond, self.all), getattr(cond, self.none)

    def tests(self, cond: Any, at: int) -> Iterator[Test]:
        any_of, k, all_of, none_of = self._sets(cond)
        if any_of and k == 1:
            yield lambda v: not any_of.isdisjoint(v[at])
        elif any_of:
            yield lambda v: len(v[at] & any_of) >= k
        if all_of:
            yield lambda v: all_of <= v[at]
        if none_of:
            yield lambda v: none_of.isdisjoint(v[at])

    def failures(self, cond: Any, facts: Any) -> Iterator[str]:
        any_of, k, all_of, none_of = self._sets(cond)
        have = getattr(facts, self.fact)
        if any_of and len(have & any_of) < k:
            yield _any_text(any_of, k, negated=True)
        if not all_of <= have:
            yield f"not all of {join(all_of)}"
        if none_of & have:
            yield f"has {join(none_of & have)}"

    def describe(self, cond: Any, lang: Lang = "en") -> Iterator[str]:
        any_of, k, all_of, none_of = self._sets(cond)
        if lang == "zh":
            name = fact_label(self.fact)
            if any_of:
                yield f"{name}含以下任一：{labels(any_of)}" if k == 1 else f"{name}含以下至少 {k} 项：{labels(any_of)}"
            if all_of:
                yield f"{name}含以下全部：{labels(all_of)}"
            if none_of:
                yield f"{name}不含：{labels(none_of)}"
            return
        if any_of:
            yield _any_text(any_of, k, negated=False)
        if all_of:
            yield f"all of {join(all_of)}"
        if none_of:
            yield f"none of {join(none_of)}"

    def start(self) -> Mapping[Any, bool]:
        return {}

    def truth(self, cond: Any, state: Mapping[Any, bool]) -> tuple[bool | None, Any]:
        any_of, k, all_of, none_of = self._sets(cond)
        undecided = None
        for f in all_of:
            if state.get(f) is False:
                return False, None
            if f not in state:
                undecided = undecided or f
        for f in none_of:
            if state.get(f) is True:
                return False, None
            if f not in state:
                undecided = undecided or f
        if any_of:
            yes = sum(1 for f in any_of if state.get(f) is True)
            unknown = [f for f in sorted(any_of) if f not in state]
            if yes + len(unknown) < k:
                return False, None
            if yes < k:
                undecided = undecided or unknown[0]
        return (None, undecided) if undecided else (True, None)

    def split(self, state: Mapping[Any, bool], split: Any, cond: Any) -> Iterator[Any]:
        return ({**state, split: v} for v in (True, False))

    def example(self, state: Mapping[Any, bool]) -> Iterator[str]:
        yield f"{self.fact}={{" + ", ".join(sorted(f for f, v in state.items() if v)) + "}"


@attrs.frozen
class Count(_OneFact):
    """A number; the condition bounds it by ``min_<fact>`` and ``max_<fact>`` (``None``: no bound).

    ``floor`` is the least value a dispute has (the default lower bound): the verifier covers
    the counts from there up.
    """

    fact: str
    floor: int
    reader: Read = attrs.field(repr=False)

    @property
    def fields(self) -> tuple[str, ...]:
        return (f"min_{self.fact}", f"max_{self.fact}")

    def _bounds(self, cond: Any) -> tuple[int, int | None]:
        return getattr(cond, f"min_{self.fact}"), getattr(cond, f"max_{self.fact}")

    def tests(self, cond: Any, at: int) -> Iterator[Test]:
        # Always tested (even at the default bounds, which only facts below the floor fail),
        # so the answer is exact for any facts.
        lo, hi = self._bounds(cond)
        if hi is None:
            yield lambda v: v[at] >= lo
        else:
            yield lambda v: lo <= v[at] <= hi

    def failures(self, cond: Any, facts: Any) -> Iterator[str]:
        lo, hi = self._bounds(cond)
        n = getattr(facts, self.fact)
        if not (n >= lo and (hi is None or n <= hi)):
            yield f"{self.fact} {n} not in {_range(lo, hi)}"

    def describe(self, cond: Any, lang: Lang = "en") -> Iterator[str]:
        lo, hi = self._bounds(cond)
        if (lo, hi) != (self.floor, None):
            yield f"{fact_label(self.fact)} {_range_zh(lo, hi)}" if lang == "zh" else f"{self.fact} in {_range(lo, hi)}"

    def start(self) -> tuple[int, int | None]:
        return self.floor, None

    def truth(self, cond: Any, state: tuple[int, int | None]) -> tuple[bool | None, Any]:
        lo, hi = self._bounds(cond)
        clo, chi = state
        if clo >= lo and (hi is None or (chi is not None and chi <= hi)):
            return True, None
        if (hi is not None and clo > hi) or (chi is not None and chi < lo):
            return False, None
        return None, (lo, hi)

    def split(self, state: tuple[int, int | None], split: tuple[int, int | None], cond: Any) -> Iterator[Any]:
        (clo, chi), (lo, hi) = state, split
        cuts = sorted(
            {c for c in (lo, None if hi is None else hi + 1) if c is not None and clo < c and (chi is None or c <= chi)}
        )
        bounds = [clo, *cuts]
        for i, start in enumerate(bounds):
            yield start, (bounds[i + 1] - 1 if i + 1 < len(bounds) else chi)

    def example(self, state: tuple[int, int | None]) -> Iterator[str]:
        yield f"{self.fact}={state[0]}"


@attrs.frozen
class Flags(Dimension):
    """Yes/no facts read by name from the context (a dispute's assessment); wanted true, false or either."""

    names: tuple[str, ...]

    @property
    def facts(self) -> tuple[str, ...]:
        return self.names

    @property
    def fields(self) -> tuple[str, ...]:
        return self.names

    def readers(self) -> Iterator[tuple[str, Read]]:
        return ((name, _of_context(name)) for name in self.names)

    def tests(self, cond: Any, at: int) -> Iterator[Test]:
        for i, name in enumerate(self.names, start=at):
            wanted = getattr(cond, name)
            if wanted is not None:
                yield _flag_test(i, wanted)

    def failures(self, cond: Any, facts: Any) -> Iterator[str]:
        for name in self.names:
            wanted = getattr(cond, name)
            if wanted is not None and getattr(facts, name) != wanted:
                yield f"{name} is not {str(wanted).lower()}"

    def describe(self, cond: Any, lang: Lang = "en") -> Iterator[str]:
        for name in self.names:
            wanted = getattr(cond, name)
            if wanted is None:
                continue
            answer = ("是" if wanted else "否") if lang == "zh" else str(wanted).lower()
            yield f"{fact_label(name)}：{answer}" if lang == "zh" else f"{name} is {answer}"

    def start(self) -> Mapping[str, bool]:
        return {}

    def truth(self, cond: Any, state: Mapping[str, bool]) -> tuple[bool | None, Any]:
        undecided = None
        for name in self.names:
            wanted = getattr(cond, name)
            if wanted is None:
                continue
            have = state.get(name)
            if have is None:
                undecided = undecided or name
            elif have != wanted:
                return False, None
        return (None, undecided) if undecided else (True, None)

    def split(self, state: Mapping[str, bool], split: str, cond: Any) -> Iterator[Any]:
        return ({**state, split: v} for v in (True, False))

    def example(self, state: Mapping[str, bool]) -> Iterator[str]:
        return (f"{k}={str(v).lower()}" for k, v in sorted(state.items()))


def _of_context(name: str) -> Read:
    get = attrgetter(name)
    return lambda _subject, context: get(context)


def _flag_test(at: int, wanted: bool) -> Test:
    return lambda v: bool(v[at] == wanted)


def values_of(dims: Iterable[Dimension]) -> Callable[[Any], Sequence[Any]]:
    """A function giving the values of ``dims``' facts, in order, from facts (one C call for them all)."""
    names = [name for dim in dims for name in dim.facts]
    if len(names) == 1:
        get = attrgetter(names[0])
        return lambda facts: (get(facts),)
    return attrgetter(*names)


# -- words -------------------------------------------------------------------------------------
def join(values: Iterable[object]) -> str:
    """``values`` sorted and joined with commas: how a set reads in messages."""
    return ", ".join(sorted(str(v) for v in values))


def _any_text(factors: frozenset[Any], k: int, *, negated: bool) -> str:
    head = "any of" if k == 1 else f"at least {k} of"
    return f"{'not ' if negated and k > 1 else ''}{head if not (negated and k == 1) else 'none of'} {join(factors)}"


def _range(lo: int, hi: int | None) -> str:
    return f"[{lo}, {'∞' if hi is None else hi}]"


def _range_zh(lo: int, hi: int | None) -> str:
    if hi is None:
        return f"≥ {lo}"
    return f"= {lo}" if lo == hi else f"{lo}–{hi}"


FACT_LABELS_ZH: dict[str, str] = {
    "category": "纠纷类别",
    "channel": "来源渠道",
    "risk_factors": "风险因素",
    "alerts": "警情次数",
    "parties": "当事人数",
    "police_business": "属于公安管辖",
    "meets_case_threshold": "达到立案标准",
    "complex": "疑难复杂",
    "factors": "风险因素",
    "count": "风险因素个数",
}
"""The Chinese names of the built-in tables' facts, for rules described in Chinese (others keep their own)."""


def fact_label(fact: str) -> str:
    """A fact's Chinese name (the fact itself when it has none)."""
    return FACT_LABELS_ZH.get(fact, fact)


def labels(values: Iterable[object]) -> str:
    """``values`` in Chinese, joined with 、 in :func:`join`'s order: a member by its label, other text as it is."""
    return "、".join(v.label("zh") if isinstance(v, Vocabulary) else str(v) for v in sorted(values, key=str))
