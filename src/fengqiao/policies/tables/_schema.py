"""What a table looks at, as a parameter: the bases of facts and conditions, and the :class:`Schema` tying them.

Only the tables package depends on this module directly; everyone else imports these names
from :mod:`fengqiao.policies.tables`.

A *schema* is one declared set of input dimensions (see :mod:`._dimensions`) with the facts
class that answers them, the condition class whose fields test them, and how the facts are
read from a *subject* (a dispute under an assessment, a household's factors …). The dispute
tables' schema is :data:`~._model.DISPUTES`; a policy declares its own for another kind of
case, and a :class:`~fengqiao.policies.tables.DecisionTable` takes it as ``schema=``.
Matching, the words of ``describe`` and ``failures``, loading and the verifier's search all
follow from the dimensions, so they work for any schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar, Literal, TypeVar

import attrs

from fengqiao.domain.vocabulary import Lang
from fengqiao.errors import PolicyDefinitionError
from fengqiao.policies.tables._dimensions import Dimension, Read, Test, values_of

__all__ = ["BaseCondition", "BaseFacts", "Schema", "declared"]

_T = TypeVar("_T")


def declared(kind: Literal["facts", "fields"]) -> Callable[[type[_T]], type[_T]]:
    """Check that a class has exactly the ``kind`` its dimensions name (facts, or condition fields).

    It also caches what the class reads with: each fact's reader for :meth:`Schema.facts_of`,
    or the getter of the facts' values a condition's compiled test takes.

    Raises:
        PolicyDefinitionError: a dimension names a field the class lacks, or the class has a
            field no dimension owns.
    """

    def check(cls: type[_T]) -> type[_T]:
        dims: tuple[Dimension, ...] = cls._dimensions  # type: ignore[attr-defined]
        names = [name for dim in dims for name in getattr(dim, kind)]
        have = [a.name for a in attrs.fields(cls) if a.init]  # type: ignore[arg-type]
        missing, extra = sorted(set(names) - set(have)), sorted(set(have) - set(names))
        if missing or extra or len(names) != len(set(names)):
            raise PolicyDefinitionError(
                f"{cls.__name__} disagrees with its dimensions: missing {', '.join(missing) or 'nothing'}, "
                f"undeclared {', '.join(extra) or 'nothing'}"
            )
        if kind == "facts":
            cls._readers = tuple(reader for dim in dims for reader in dim.readers())  # type: ignore[attr-defined]
        else:
            cls._values = values_of(dims)  # type: ignore[attr-defined]
        return cls

    return check


class BaseFacts:
    """The base of every facts class: one attribute per fact its dimensions name (see :func:`declared`)."""

    _dimensions: ClassVar[tuple[Dimension, ...]] = ()
    """The dimensions these facts answer."""
    _readers: ClassVar[tuple[tuple[str, Read], ...]] = ()
    """Each fact's name and reader, from :attr:`_dimensions` (set by :func:`declared`)."""


def _always(_values: Sequence[Any]) -> bool:
    return True


def _compile(cond: BaseCondition) -> Test:
    """``cond``'s tests as one function that builds no text: only the tests ``cond`` sets.

    The function takes the facts' values in the order of ``cond``'s dimensions (see
    :func:`~._dimensions.values_of`), so each test indexes them instead of looking them up.
    It answers exactly as "``cond.failures(facts)`` is empty" does (a property test holds the
    two together); ``failures`` stays the one that explains.
    """
    tests: list[Test] = []
    at = 0
    for dim in cond._dimensions:
        tests += dim.tests(cond, at)
        at += len(dim.facts)
    return _all(*tests) if tests else _always


def _all(first: Test, second: Test | None = None, third: Test | None = None, *rest: Test) -> Test:
    """The conjunction of tests, unrolled up to three (a loop costs more than the calls here)."""
    if second is None:
        return first
    if third is None:
        return lambda v: first(v) and second(v)
    if not rest:
        return lambda v: first(v) and second(v) and third(v)
    every = (first, second, third, *rest)

    def test(values: Sequence[Any]) -> bool:
        for t in every:  # noqa: SIM110 - a plain loop: all() over a generator costs twice as much here
            if not t(values):
                return False
        return True

    return test


@attrs.frozen(kw_only=True)
class BaseCondition:
    """The base of every condition class: a conjunction of tests, one set of fields per dimension.

    A subclass declares its ``_dimensions`` and the typed fields they name, and is checked
    by ``@declared("fields")``; a field left at its default does not constrain.
    """

    _dimensions: ClassVar[tuple[Dimension, ...]] = ()
    """The dimensions whose fields this condition has."""
    _values: ClassVar[Callable[[Any], Sequence[Any]]]
    """The values of the facts :attr:`_test` takes, in order (set by :func:`declared`)."""
    _test: Test = attrs.field(init=False, eq=False, repr=False)
    """:meth:`matches`, compiled once from the tests this condition sets (see :func:`_compile`)."""

    def __attrs_post_init__(self) -> None:
        # After every field is set, a subclass's own included (a Factory would run before them).
        object.__setattr__(self, "_test", _compile(self))

    def matches(self, facts: BaseFacts) -> bool:
        """Whether ``facts`` pass every test (the same answer as "no :meth:`failures`", without the words)."""
        return self._test(type(self)._values(facts))

    def failures(self, facts: BaseFacts) -> Iterator[str]:
        """A description of each test that ``facts`` fail."""
        for dim in self._dimensions:
            yield from dim.failures(self, facts)

    def describe(self, lang: Lang = "en") -> str:
        """The condition in words (``"any of threat, weapon; alerts in [3, ∞]"``); ``"always"`` if empty.

        In Chinese (``lang="zh"``) the facts and values go by their Chinese names
        (``"风险因素含以下任一：威胁、持械；警情次数 ≥ 3"``; ``"任何情况"`` if empty).
        """
        if lang == "zh":
            return "；".join(part for dim in self._dimensions for part in dim.describe(self, "zh")) or "任何情况"
        return "; ".join(part for dim in self._dimensions for part in dim.describe(self)) or "always"


def _context_as_given(_subject: Any, given: Any) -> Any:
    return given


@attrs.frozen
class Schema:
    """What a decision table looks at: dimensions, their facts and condition classes, and how facts are read.

    ``facts`` and ``condition`` must be declared over the same dimensions (their
    ``_dimensions``). ``context(subject, given)`` is what each dimension's reader reads a
    subject with (for disputes: the given assessment, else the dispute's current one); by
    default it is ``given`` itself. A table's rules use ``condition`` (or a subclass of it
    that adds dimensions after the schema's).

    Raises:
        PolicyDefinitionError: the two classes are declared over different dimensions, or
            ``condition`` is not a :class:`BaseCondition`.
    """

    name: str
    facts: type[BaseFacts]
    condition: type[BaseCondition]
    context: Callable[[Any, Any], Any] = attrs.field(default=_context_as_given, repr=False)

    def __attrs_post_init__(self) -> None:
        if not issubclass(self.condition, BaseCondition) or not issubclass(self.facts, BaseFacts):
            raise PolicyDefinitionError(f"schema {self.name}: its classes must derive from BaseFacts and BaseCondition")
        if self.facts._dimensions != self.condition._dimensions:
            raise PolicyDefinitionError(
                f"schema {self.name}: {self.facts.__name__} and {self.condition.__name__} declare different dimensions"
            )

    @property
    def dimensions(self) -> tuple[Dimension, ...]:
        """The dimensions, in the order conditions test, describe and explain them."""
        return self.condition._dimensions

    def facts_of(self, subject: Any, given: Any = None) -> BaseFacts:
        """The facts of ``subject`` (read under ``context(subject, given)``)."""
        ctx = self.context(subject, given)
        return self.facts(**{name: read(subject, ctx) for name, read in self.facts._readers})
