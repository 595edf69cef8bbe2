"""Grading and routing as data: decision tables a region can change without writing code.

A :class:`DecisionTable` is an ordered list of :class:`Rule` s. Each rule has a
:class:`Condition` over the facts of a dispute (category, channel, risk factors, number of
alerts and parties, the officer's assessment) and an outcome (grade, route, flags). The
*hit policy* says which rule wins when several match:

- ``first``: the first matching rule in table order;
- ``priority``: the matching rule with the highest ``priority`` (rules of equal priority
  must not overlap);
- ``unique``: at most one rule may ever match.

Tables are checked when built, exhaustively and symbolically: the input space is split
into cells in which every rule is decided, so the checks are exact, not sampled. A table
raises :class:`~fengqiao.errors.PolicyDefinitionError` naming the rules when two rules
overlap under ``unique`` (or at equal priority), when a rule can never fire (its condition
is impossible, or earlier rules take all its cases), or when some input matches no rule
(the message shows such an input).

>>> from fengqiao.domain.vocab import RiskFactor
>>> table = DecisionTable(
...     name="demo",
...     grades=("high", "low"),
...     rules=(
...         Rule(id="high.weapon", grade="high", when=Condition(any_factors={RiskFactor.WEAPON})),
...         Rule(id="low.other", grade="low"),
...     ),
... )
>>> table.decide(Facts(risk_factors=frozenset({RiskFactor.WEAPON}))).rule.id
'high.weapon'
>>> print(table.explain(Facts()))
demo: rule low.other fired (always)
  high.weapon: no — none of weapon

Tables load from TOML with :meth:`DecisionTable.from_toml` (see the policies docs for the
format).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import cattrs

from fengqiao.domain._quote import quote
from fengqiao.domain.vocab import Category, Channel, RiskFactor, Route
from fengqiao.domain.vocabulary import Vocabulary
from fengqiao.errors import PolicyDefinitionError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.payloads import Assessment
from fengqiao.serde import converter, error_location

__all__ = ["Condition", "DecisionTable", "Explanation", "Facts", "HitPolicy", "Match", "Rule"]

_MAX_CELLS = 200_000


class HitPolicy(Vocabulary):
    """Which rule wins when several match."""

    FIRST = "first", "首条命中", "first match"
    PRIORITY = "priority", "优先级最高", "highest priority"
    UNIQUE = "unique", "唯一命中", "unique match"


def _categories(values: Iterable[Category | str] | None) -> frozenset[Category] | None:
    return None if values is None else frozenset(Category.parse(v, "categories") for v in values)


def _channels(values: Iterable[Channel | str] | None) -> frozenset[Channel] | None:
    return None if values is None else frozenset(Channel.parse(v, "channels") for v in values)


def _factors(values: Iterable[RiskFactor | str]) -> frozenset[RiskFactor]:
    return frozenset(RiskFactor.parse(v, "factors") for v in values)


def _flags(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values)


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _rules(values: Iterable[Rule]) -> tuple[Rule, ...]:
    return tuple(values)


def _hit_policy(value: HitPolicy | str) -> HitPolicy:
    return HitPolicy.parse(value, "hit_policy")


def _route(value: Route | str | None) -> Route | None:
    return None if value is None else Route.parse(value, "route")


@attrs.frozen(kw_only=True)
class Facts:
    """What a rule can look at: category, channel, risk factors, alerts, parties, assessment."""

    category: Category = Category.OTHER
    channel: Channel = Channel.ALARM_110
    risk_factors: frozenset[RiskFactor] = frozenset()
    alerts: int = 1
    parties: int = 0
    police_business: bool = True
    meets_case_threshold: bool = False
    complex: bool = False

    @classmethod
    def of(cls, dispute: Dispute, assessment: Assessment | None = None) -> Facts:
        """The facts of ``dispute`` under ``assessment`` (its current one by default)."""
        a = assessment or dispute.assessment or Assessment(risk_factors=dispute.risk_factors)
        return cls(
            category=dispute.category,
            channel=dispute.channel,
            risk_factors=a.risk_factors,
            alerts=len(dispute.alerts),
            parties=len(dispute.parties),
            police_business=a.police_business,
            meets_case_threshold=a.meets_case_threshold,
            complex=a.complex,
        )


_FLAG_NAMES = ("police_business", "meets_case_threshold", "complex")


def _within(n: int, lo: int, hi: int | None) -> bool:
    return n >= lo and (hi is None or n <= hi)


# -- matching without words --------------------------------------------------------------------
def _always(_facts: Facts) -> bool:
    return True


def _flag_test(name: str, wanted: bool) -> Callable[[Facts], bool]:
    return lambda f: bool(getattr(f, name) == wanted)


def _compile(cond: Condition) -> Callable[[Facts], bool]:
    """``cond``'s tests as one function that builds no text: only the tests ``cond`` sets.

    It answers exactly as "``cond.failures(facts)`` is empty" does (a property test holds the
    two together); ``failures`` stays the one that explains.
    """
    tests: list[Callable[[Facts], bool]] = []
    categories, channels = cond.categories, cond.channels
    if categories is not None:
        tests.append(lambda f: f.category in categories)
    if channels is not None:
        tests.append(lambda f: f.channel in channels)
    any_factors, min_any = cond.any_factors, cond.min_any
    if any_factors and min_any == 1:
        tests.append(lambda f: not any_factors.isdisjoint(f.risk_factors))
    elif any_factors:
        tests.append(lambda f: len(f.risk_factors & any_factors) >= min_any)
    all_factors, no_factors = cond.all_factors, cond.no_factors
    if all_factors:
        tests.append(lambda f: all_factors <= f.risk_factors)
    if no_factors:
        tests.append(lambda f: no_factors.isdisjoint(f.risk_factors))
    # The counts are always tested (even at their default bounds, which only facts with no
    # alert or a negative number of parties fail), so the answer is exact for any facts.
    a_lo, a_hi, p_lo, p_hi = cond.min_alerts, cond.max_alerts, cond.min_parties, cond.max_parties
    if a_hi is None and p_hi is None:
        tests.append(lambda f: f.alerts >= a_lo and f.parties >= p_lo)
    else:
        tests.append(lambda f: _within(f.alerts, a_lo, a_hi) and _within(f.parties, p_lo, p_hi))
    for name in _FLAG_NAMES:
        wanted = getattr(cond, name)
        if wanted is not None:
            tests.append(_flag_test(name, wanted))
    if not tests:
        return _always
    if len(tests) == 1:
        return tests[0]
    every = tuple(tests)

    def test(facts: Facts) -> bool:
        for t in every:  # noqa: SIM110 - a plain loop: all() over a generator costs twice as much here
            if not t(facts):
                return False
        return True

    return test


@attrs.frozen(kw_only=True)
class Condition:
    """A conjunction of tests; a field left at its default does not constrain.

    ``any_factors`` with ``min_any`` means "at least ``min_any`` of these factors".
    """

    categories: frozenset[Category] | None = attrs.field(default=None, converter=_categories)
    channels: frozenset[Channel] | None = attrs.field(default=None, converter=_channels)
    any_factors: frozenset[RiskFactor] = attrs.field(default=frozenset(), converter=_factors)
    min_any: int = 1
    all_factors: frozenset[RiskFactor] = attrs.field(default=frozenset(), converter=_factors)
    no_factors: frozenset[RiskFactor] = attrs.field(default=frozenset(), converter=_factors)
    min_alerts: int = 1
    max_alerts: int | None = None
    min_parties: int = 0
    max_parties: int | None = None
    police_business: bool | None = None
    meets_case_threshold: bool | None = None
    complex: bool | None = None
    _test: Callable[[Facts], bool] = attrs.field(
        init=False, eq=False, repr=False, default=attrs.Factory(lambda self: _compile(self), takes_self=True)
    )
    """:meth:`matches`, compiled once from the tests this condition sets (see :func:`_compile`)."""

    def matches(self, facts: Facts) -> bool:
        """Whether ``facts`` pass every test (the same answer as "no :meth:`failures`", without the words)."""
        return self._test(facts)

    def failures(self, facts: Facts) -> Iterator[str]:
        """A description of each test that ``facts`` fail."""
        if self.categories is not None and facts.category not in self.categories:
            yield f"category not in {_join(self.categories)}"
        if self.channels is not None and facts.channel not in self.channels:
            yield f"channel not in {_join(self.channels)}"
        if self.any_factors and len(facts.risk_factors & self.any_factors) < self.min_any:
            yield _any_text(self.any_factors, self.min_any, negated=True)
        if not self.all_factors <= facts.risk_factors:
            yield f"not all of {_join(self.all_factors)}"
        if self.no_factors & facts.risk_factors:
            yield f"has {_join(self.no_factors & facts.risk_factors)}"
        if not _within(facts.alerts, self.min_alerts, self.max_alerts):
            yield f"alerts {facts.alerts} not in {_range(self.min_alerts, self.max_alerts)}"
        if not _within(facts.parties, self.min_parties, self.max_parties):
            yield f"parties {facts.parties} not in {_range(self.min_parties, self.max_parties)}"
        for name in ("police_business", "meets_case_threshold", "complex"):
            wanted = getattr(self, name)
            if wanted is not None and getattr(facts, name) != wanted:
                yield f"{name} is not {str(wanted).lower()}"

    def describe(self) -> str:
        """The condition in words (``"any of weapon, threat; alerts ≥ 3"``); ``"always"`` if empty."""
        parts: list[str] = []
        if self.categories is not None:
            parts.append(f"category in {_join(self.categories)}")
        if self.channels is not None:
            parts.append(f"channel in {_join(self.channels)}")
        if self.any_factors:
            parts.append(_any_text(self.any_factors, self.min_any, negated=False))
        if self.all_factors:
            parts.append(f"all of {_join(self.all_factors)}")
        if self.no_factors:
            parts.append(f"none of {_join(self.no_factors)}")
        if (self.min_alerts, self.max_alerts) != (1, None):
            parts.append(f"alerts in {_range(self.min_alerts, self.max_alerts)}")
        if (self.min_parties, self.max_parties) != (0, None):
            parts.append(f"parties in {_range(self.min_parties, self.max_parties)}")
        for name in ("police_business", "meets_case_threshold", "complex"):
            wanted = getattr(self, name)
            if wanted is not None:
                parts.append(f"{name} is {str(wanted).lower()}")
        return "; ".join(parts) or "always"


@attrs.frozen(kw_only=True)
class Rule:
    """One row of a table: a condition and its outcome."""

    id: str
    grade: str
    when: Condition = Condition()
    route: Route | None = attrs.field(default=None, converter=_route)
    """``None``: route by the policy's own routing (case threshold, jurisdiction)."""
    flags: frozenset[str] = attrs.field(default=frozenset(), converter=_flags)
    priority: int = 0
    note: str = ""


@attrs.frozen
class Match:
    """The rule that fired, and why."""

    rule: Rule
    reason: str


@attrs.frozen
class Explanation:
    """Which rule fired for some facts, and why each other rule did or did not match."""

    table: str
    match: Match
    checks: tuple[tuple[str, tuple[str, ...]], ...]
    """Each other rule's id and the tests it failed (empty: it matched but lost)."""

    def __str__(self) -> str:
        lines = [f"{self.table}: rule {self.match.rule.id} fired ({self.match.reason})"]
        for rule_id, failed in self.checks:
            lines.append(f"  {rule_id}: " + ("matched, but lost" if not failed else "no — " + "; ".join(failed)))
        return "\n".join(lines)


@attrs.frozen
class DecisionTable:
    """An ordered, validated list of rules with a hit policy. See the module docs."""

    name: str
    grades: tuple[str, ...] = attrs.field(converter=_strings)
    rules: tuple[Rule, ...] = attrs.field(converter=_rules)
    hit_policy: HitPolicy = attrs.field(default=HitPolicy.FIRST, converter=_hit_policy)

    _plan: tuple[tuple[Callable[[Facts], bool], Match], ...] = attrs.field(init=False, eq=False, repr=False)
    """Each rule's compiled test and its ready-made :class:`Match`, in the order rules win."""

    def __attrs_post_init__(self) -> None:
        _validate(self)
        plan = tuple((r.when._test, Match(r, r.when.describe())) for r in self._ordered())
        object.__setattr__(self, "_plan", plan)

    def matches(self, facts: Facts) -> tuple[Rule, ...]:
        """Every rule whose condition ``facts`` meet, in table order."""
        return tuple(r for r in self.rules if r.when._test(facts))

    def decide(self, facts: Facts) -> Match:
        """The winning rule for ``facts`` (a validated table always has one).

        Each rule's :class:`Match` (and the words of its reason) is made once, when the table
        is built, so deciding only runs the compiled tests.
        """
        for test, match in self._plan:
            if test(facts):
                return match
        raise PolicyDefinitionError(f"table {self.name}: no rule matches {facts}")  # pragma: no cover

    def explain(self, facts: Facts) -> Explanation:
        """The winning rule and, for every other rule, the tests it failed."""
        match = self.decide(facts)
        checks = tuple((r.id, tuple(r.when.failures(facts))) for r in self.rules if r is not match.rule)
        return Explanation(self.name, match, checks)

    def _ordered(self) -> tuple[Rule, ...]:
        if self.hit_policy is HitPolicy.PRIORITY:
            return tuple(sorted(self.rules, key=lambda r: -r.priority))
        return self.rules

    # -- loading -------------------------------------------------------------------------
    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "table") -> DecisionTable:
        """Build a table from plain data (as parsed from TOML or JSON).

        Raises:
            PolicyDefinitionError: malformed data (the message names the place) or a table
                that fails validation.
        """
        try:
            spec = converter.structure(dict(data), _TableSpec)
        except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
            message, path = error_location(exc)
            raise PolicyDefinitionError(f"{source}: {path or 'table'}: {message}") from exc
        return spec.build()

    @classmethod
    def from_toml(cls, source: str | Path) -> DecisionTable:
        """Load a table from a TOML file path or TOML text.

        Raises:
            PolicyDefinitionError: unreadable TOML, malformed data or a table that fails validation.
        """
        if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source and source.endswith(".toml")):
            path = Path(source)
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise PolicyDefinitionError(f"cannot read decision table {path}: {exc}") from exc
            name = str(path)
        else:
            text, name = str(source), "TOML text"
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyDefinitionError(f"{name}: invalid TOML: {exc}") from exc
        return cls.from_mapping(data, source=name)


# -- loading specs (plain data, structured by the one cattrs converter) ------------------------
@attrs.frozen
class _ConditionSpec:
    categories: list[Category] | None = None
    channels: list[Channel] | None = None
    any_factors: list[RiskFactor] = attrs.Factory(list)
    min_any: int = 1
    all_factors: list[RiskFactor] = attrs.Factory(list)
    no_factors: list[RiskFactor] = attrs.Factory(list)
    min_alerts: int = 1
    max_alerts: int | None = None
    min_parties: int = 0
    max_parties: int | None = None
    police_business: bool | None = None
    meets_case_threshold: bool | None = None
    complex: bool | None = None


@attrs.frozen
class _RuleSpec:
    id: str
    grade: str
    when: _ConditionSpec = attrs.Factory(_ConditionSpec)
    route: Route | None = None
    flags: list[str] = attrs.Factory(list)
    priority: int = 0
    note: str = ""


@attrs.frozen
class _TableSpec:
    name: str
    grades: list[str]
    rules: list[_RuleSpec]
    hit_policy: HitPolicy = HitPolicy.FIRST

    def build(self) -> DecisionTable:
        return DecisionTable(
            name=self.name,
            grades=tuple(self.grades),
            hit_policy=self.hit_policy,
            rules=tuple(
                Rule(
                    id=r.id,
                    grade=r.grade,
                    route=r.route,
                    flags=frozenset(r.flags),
                    priority=r.priority,
                    note=r.note,
                    when=Condition(**attrs.asdict(r.when, recurse=False)),
                )
                for r in self.rules
            ),
        )


# -- validation --------------------------------------------------------------------------------
@attrs.frozen
class _Cell:
    """A region of the input space: allowed values per dimension; ``None`` means unknown."""

    categories: frozenset[Category]
    channels: frozenset[Channel]
    factors: Mapping[RiskFactor, bool]
    alerts: tuple[int, int | None]
    parties: tuple[int, int | None]
    flags: Mapping[str, bool]


def _truth(cond: Condition, cell: _Cell) -> tuple[bool | None, str]:
    """Whether ``cond`` is true, false or undecided (``None``) in ``cell``, and what to split on."""
    undecided = ""
    if cond.categories is not None:
        if cell.categories <= cond.categories:
            pass
        elif cell.categories.isdisjoint(cond.categories):
            return False, ""
        else:
            undecided = undecided or "categories"
    if cond.channels is not None:
        if cell.channels <= cond.channels:
            pass
        elif cell.channels.isdisjoint(cond.channels):
            return False, ""
        else:
            undecided = undecided or "channels"
    for f in cond.all_factors:
        if cell.factors.get(f) is False:
            return False, ""
        if f not in cell.factors:
            undecided = undecided or f"factor:{f}"
    for f in cond.no_factors:
        if cell.factors.get(f) is True:
            return False, ""
        if f not in cell.factors:
            undecided = undecided or f"factor:{f}"
    if cond.any_factors:
        yes = sum(1 for f in cond.any_factors if cell.factors.get(f) is True)
        unknown = [f for f in sorted(cond.any_factors) if f not in cell.factors]
        if yes + len(unknown) < cond.min_any:
            return False, ""
        if yes < cond.min_any:
            undecided = undecided or f"factor:{unknown[0]}"
    for dim, lo, hi in (("alerts", cond.min_alerts, cond.max_alerts), ("parties", cond.min_parties, cond.max_parties)):
        clo, chi = getattr(cell, dim)
        if _inside(clo, chi, lo, hi):
            continue
        if _disjoint(clo, chi, lo, hi):
            return False, ""
        undecided = undecided or dim
    for name in _FLAG_NAMES:
        wanted = getattr(cond, name)
        if wanted is None:
            continue
        have = cell.flags.get(name)
        if have is None:
            undecided = undecided or f"flag:{name}"
        elif have != wanted:
            return False, ""
    return (None, undecided) if undecided else (True, "")


def _split(cell: _Cell, dim: str, cond: Condition) -> tuple[_Cell, ...]:
    if dim == "categories":
        assert cond.categories is not None
        parts = (cell.categories & cond.categories, cell.categories - cond.categories)
        return tuple(attrs.evolve(cell, categories=p) for p in parts if p)
    if dim == "channels":
        assert cond.channels is not None
        parts2 = (cell.channels & cond.channels, cell.channels - cond.channels)
        return tuple(attrs.evolve(cell, channels=p) for p in parts2 if p)
    if dim.startswith("factor:"):
        f = RiskFactor(dim.removeprefix("factor:"))
        return tuple(attrs.evolve(cell, factors={**cell.factors, f: v}) for v in (True, False))
    if dim.startswith("flag:"):
        name = dim.removeprefix("flag:")
        return tuple(attrs.evolve(cell, flags={**cell.flags, name: v}) for v in (True, False))
    lo, hi = (cond.min_alerts, cond.max_alerts) if dim == "alerts" else (cond.min_parties, cond.max_parties)
    clo, chi = getattr(cell, dim)
    cuts = sorted(
        {c for c in (lo, None if hi is None else hi + 1) if c is not None and clo < c and (chi is None or c <= chi)}
    )
    bounds = [clo, *cuts]
    pieces = []
    for i, start in enumerate(bounds):
        end = bounds[i + 1] - 1 if i + 1 < len(bounds) else chi
        pieces.append(
            attrs.evolve(cell, alerts=(start, end)) if dim == "alerts" else attrs.evolve(cell, parties=(start, end))
        )
    return tuple(pieces)


def _leaves(rules: tuple[Rule, ...]) -> Iterator[tuple[_Cell, tuple[Rule, ...]]]:
    """Every cell in which each rule is decided, with the rules that match there."""
    start = _Cell(frozenset(Category), frozenset(Channel), {}, (1, None), (0, None), {})
    stack = [start]
    seen = 0
    while stack:
        cell = stack.pop()
        seen += 1
        if seen > _MAX_CELLS:
            raise PolicyDefinitionError(f"table too complex to verify (more than {_MAX_CELLS} cells)")
        matched: list[Rule] = []
        for rule in rules:
            value, dim = _truth(rule.when, cell)
            if value is None:
                stack.extend(_split(cell, dim, rule.when))
                break
            if value:
                matched.append(rule)
        else:
            yield cell, tuple(matched)


def _example(cell: _Cell) -> str:
    parts = [f"category={min(cell.categories)}", f"channel={min(cell.channels)}"]
    on = sorted(f for f, v in cell.factors.items() if v)
    parts.append("risk_factors={" + ", ".join(on) + "}")
    parts.append(f"alerts={cell.alerts[0]}")
    parts.append(f"parties={cell.parties[0]}")
    parts += [f"{k}={str(v).lower()}" for k, v in sorted(cell.flags.items())]
    return ", ".join(parts)


def _validate(table: DecisionTable) -> None:
    if not table.rules:
        raise PolicyDefinitionError(f"table {table.name}: no rules")
    ids = [r.id for r in table.rules]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise PolicyDefinitionError(f"table {table.name}: rule id(s) used twice: {', '.join(dupes)}")
    for rule in table.rules:
        if rule.grade not in table.grades:
            raise PolicyDefinitionError(
                f"table {table.name}: rule {rule.id} gives grade {quote(rule.grade)}, "
                f"not one of {', '.join(table.grades)}"
            )
    ordered = table._ordered()
    winners: set[str] = set()
    for cell, matched in _leaves(ordered):
        if not matched:
            raise PolicyDefinitionError(f"table {table.name}: no rule covers inputs such as {_example(cell)}")
        if table.hit_policy is HitPolicy.UNIQUE and len(matched) > 1:
            raise PolicyDefinitionError(
                f"table {table.name}: rules {matched[0].id} and {matched[1].id} overlap "
                f"(both match {_example(cell)}) under the unique hit policy"
            )
        if table.hit_policy is HitPolicy.PRIORITY:
            top = [r for r in matched if r.priority == matched[0].priority]
            if len(top) > 1:
                raise PolicyDefinitionError(
                    f"table {table.name}: rules {top[0].id} and {top[1].id} overlap at equal priority "
                    f"{top[0].priority} (both match {_example(cell)})"
                )
        winners.add(matched[0].id)
    never = [r.id for r in table.rules if r.id not in winners]
    if never:
        raise PolicyDefinitionError(
            f"table {table.name}: rule(s) that can never fire: {', '.join(never)} "
            "(impossible condition, or earlier rules take all their cases)"
        )


# -- small helpers -----------------------------------------------------------------------------
def _join(values: Iterable[str]) -> str:
    return ", ".join(sorted(str(v) for v in values))


def _any_text(factors: frozenset[RiskFactor], k: int, *, negated: bool) -> str:
    head = "any of" if k == 1 else f"at least {k} of"
    return f"{'not ' if negated and k > 1 else ''}{head if not (negated and k == 1) else 'none of'} {_join(factors)}"


def _range(lo: int, hi: int | None) -> str:
    return f"[{lo}, {'∞' if hi is None else hi}]"


def _inside(clo: int, chi: int | None, lo: int, hi: int | None) -> bool:
    return clo >= lo and (hi is None or (chi is not None and chi <= hi))


def _disjoint(clo: int, chi: int | None, lo: int, hi: int | None) -> bool:
    return (hi is not None and clo > hi) or (chi is not None and chi < lo)
