"""Checking a table when it is built: exhaustive and symbolic; only ``_table`` depends on this.

The input space is split into *cells* in which every rule is decided, so the checks are exact,
not sampled. A cell holds one state per dimension (see :mod:`._dimensions`), and each split
is the one the first undecided dimension of a rule's condition asks for. A rule's condition
may look at fewer dimensions than the table (a prefix of them): the rest leave it free.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from fengqiao.domain._quote import quote
from fengqiao.errors import PolicyDefinitionError
from fengqiao.policies.tables._dimensions import Dimension
from fengqiao.policies.tables._model import HitPolicy, Rule
from fengqiao.policies.tables._schema import BaseCondition, Schema

if TYPE_CHECKING:
    from fengqiao.policies.tables._table import DecisionTable

__all__ = ["verify"]

_MAX_CELLS = 200_000

_Cell = tuple[Any, ...]
"""One state per dimension of the table, in the table's dimension order."""

_Split = tuple[int, Any]
"""Which dimension to split (its index in the cell) and how (as that dimension said)."""


def widest(name: str, rules: tuple[Rule, ...], schema: Schema) -> type[BaseCondition]:
    """The condition class whose dimensions the table's rules look at (the others' are a prefix of them).

    Every rule looks at least at ``schema``'s dimensions (its condition is of the schema's
    class, or of a class that adds dimensions after them).

    Raises:
        PolicyDefinitionError: a rule's condition is not of ``schema``, or two rules'
            conditions look at different dimensions.
    """
    base = schema.dimensions
    for rule in rules:
        if rule.when._dimensions[: len(base)] != base:
            raise PolicyDefinitionError(
                f"table {name}: rule {rule.id} looks at other facts than {schema.condition.__name__} "
                f"(the {schema.name} schema's condition)"
            )
    kinds = sorted({type(r.when) for r in rules}, key=lambda k: len(k._dimensions))
    dims = kinds[-1]._dimensions
    for rule in rules:
        own = rule.when._dimensions
        if own != dims[: len(own)]:
            raise PolicyDefinitionError(
                f"table {name}: rule {rule.id} looks at other facts than {type(rules[0].when).__name__}"
            )
    return kinds[-1]


def _truth(cond: Any, active: tuple[tuple[int, Dimension], ...], cell: _Cell) -> tuple[bool | None, _Split | None]:
    """Whether ``cond`` is true, false or undecided (``None``) in ``cell``, and what to split on.

    Only the ``active`` dimensions are asked: those whose tests ``cond`` sets (a dimension it
    says nothing of in words leaves it free, so it is true in every cell).
    """
    undecided: _Split | None = None
    for i, dim in active:
        value, split = dim.truth(cond, cell[i])
        if value is False:
            return False, None
        if value is None and undecided is None:
            undecided = (i, split)
    return (None, undecided) if undecided else (True, None)


def _leaves(rules: tuple[Rule, ...], dims: tuple[Dimension, ...]) -> Iterator[tuple[_Cell, tuple[Rule, ...]]]:
    """Every cell in which each rule is decided, with the rules that match there."""
    active = [tuple((i, d) for i, d in enumerate(r.when._dimensions) if any(d.describe(r.when))) for r in rules]
    stack: list[_Cell] = [tuple(d.start() for d in dims)]
    seen = 0
    while stack:
        cell = stack.pop()
        seen += 1
        if seen > _MAX_CELLS:
            raise PolicyDefinitionError(f"table too complex to verify (more than {_MAX_CELLS} cells)")
        matched: list[Rule] = []
        for rule, own in zip(rules, active, strict=True):
            value, split = _truth(rule.when, own, cell)
            if split is not None:
                i, how = split
                stack.extend((*cell[:i], part, *cell[i + 1 :]) for part in dims[i].split(cell[i], how, rule.when))
                break
            if value:
                matched.append(rule)
        else:
            yield cell, tuple(matched)


def _example(cell: _Cell, dims: tuple[Dimension, ...]) -> str:
    return ", ".join(part for dim, state in zip(dims, cell, strict=True) for part in dim.example(state))


def verify(table: DecisionTable) -> type[BaseCondition]:
    """Refuse ``table`` unless its rules are sound under its hit policy; return :func:`widest`'s answer.

    Raises:
        PolicyDefinitionError: no rules; a rule id used twice; a grade the table does not
            have; an input no rule covers; rules that overlap under ``unique`` or at equal
            priority; a rule that can never fire. The message names the rules.
    """
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
    kind = widest(table.name, table.rules, table.schema)
    dims = kind._dimensions
    winners: set[str] = set()
    for cell, matched in _leaves(table._ordered(), dims):
        if not matched:
            raise PolicyDefinitionError(f"table {table.name}: no rule covers inputs such as {_example(cell, dims)}")
        if table.hit_policy is HitPolicy.UNIQUE and len(matched) > 1:
            raise PolicyDefinitionError(
                f"table {table.name}: rules {matched[0].id} and {matched[1].id} overlap "
                f"(both match {_example(cell, dims)}) under the unique hit policy"
            )
        if table.hit_policy is HitPolicy.PRIORITY:
            top = [r for r in matched if r.priority == matched[0].priority]
            if len(top) > 1:
                raise PolicyDefinitionError(
                    f"table {table.name}: rules {top[0].id} and {top[1].id} overlap at equal priority "
                    f"{top[0].priority} (both match {_example(cell, dims)})"
                )
        winners.add(matched[0].id)
    never = [r.id for r in table.rules if r.id not in winners]
    if never:
        raise PolicyDefinitionError(
            f"table {table.name}: rule(s) that can never fire: {', '.join(never)} "
            "(impossible condition, or earlier rules take all their cases)"
        )
    return kind
