"""The field converters and validators the payload classes share, each with its ``canonical`` check.

Private to :mod:`fengqiao.lifecycle.payloads`. Each converter is registered with
:func:`~fengqiao.domain._checks.canonical` so a value already in canonical form skips it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from fengqiao.domain._checks import (
    canonical,
    is_instance_tuple,
    is_member_run,
    is_member_set,
    parse_set,
    parse_sorted,
    parse_tuple,
    require_text,
    text_fault,
)
from fengqiao.domain._quote import quote
from fengqiao.domain.actor import Role
from fengqiao.domain.dossier import DossierItem
from fengqiao.domain.party import Alert, Party
from fengqiao.domain.terms import CaseKind, Category, Department, MediationForce, Outcome, RiskFactor, Route, VisitKind
from fengqiao.errors import ValidationError

__all__ = [
    "_alert",
    "_documents",
    "_flags",
    "_one_category",
    "_one_outcome",
    "_one_role",
    "_one_route",
    "_one_visitkind",
    "_opt_casekind",
    "_opt_department",
    "_opt_department_reported_by",
    "_plain_lines",
    "_set_riskfactor",
    "_sorted_mediationforce",
    "_tuple_dossieritem",
    "_tuple_party",
]


def _sorted_mediationforce(values: Iterable[MediationForce | str]) -> tuple[MediationForce, ...]:
    return parse_sorted(MediationForce, values, "forces")


_NONE: tuple[Any, ...] = ()
"""The empty tuple (CPython has one): ``{v} is _NONE`` is the cheapest test of the usual default."""

canonical(
    _sorted_mediationforce,
    # None, or one force (sorted and distinct by itself), are tested inline; more take the call.
    "({v} is _NONE or (type({v}) is tuple and len({v}) == 1 and type({v}[0]) is MediationForce)"
    " or is_member_run({v}, MediationForce))",
    is_member_run=is_member_run,
    MediationForce=MediationForce,
    _NONE=_NONE,
)


def _opt_department(value: Department | str | None) -> Department | None:
    return None if value is None else Department.parse(value, "department")


canonical(_opt_department, "{v} is None or type({v}) is Department", Department=Department)


def _opt_casekind(value: CaseKind | str | None) -> CaseKind | None:
    return None if value is None else CaseKind.parse(value, "case_kind")


canonical(_opt_casekind, "{v} is None or type({v}) is CaseKind", CaseKind=CaseKind)


def _opt_department_reported_by(value: Department | str | None) -> Department | None:
    return None if value is None else Department.parse(value, "reported_by")


canonical(_opt_department_reported_by, "{v} is None or type({v}) is Department", Department=Department)


def _one_category(value: Category | str) -> Category:
    return Category.parse(value, "category")


canonical(_one_category, "type({v}) is Category", Category=Category)


def _flags(values: Iterable[str]) -> frozenset[str]:
    flags = parse_tuple(str, values, "flags")
    for i, flag in enumerate(flags):
        require_text(flag, f"flags[{i}]")
    return frozenset(flags)


def _plain_lines(values: frozenset[str]) -> bool:
    for v in values:  # noqa: SIM110 - a plain loop, as in checks._all_of
        if not (v.isprintable() or text_fault(v) is None):
            return False
    return True


canonical(
    _flags, "is_member_set({v}, str) and _plain_lines({v})", is_member_set=is_member_set, _plain_lines=_plain_lines
)


def _one_route(value: Route | str) -> Route:
    return Route.parse(value, "route")


canonical(_one_route, "type({v}) is Route", Route=Route)


def _one_outcome(value: Outcome | str) -> Outcome:
    return Outcome.parse(value, "outcome")


canonical(_one_outcome, "type({v}) is Outcome", Outcome=Outcome)


def _one_role(value: Role | str) -> Role:
    return Role.parse(value, "role")


canonical(_one_role, "type({v}) is Role", Role=Role)


def _one_visitkind(value: VisitKind | str) -> VisitKind:
    return VisitKind.parse(value, "kind")


canonical(_one_visitkind, "type({v}) is VisitKind", VisitKind=VisitKind)


def _set_riskfactor(values: Iterable[RiskFactor | str]) -> frozenset[RiskFactor]:
    return parse_set(RiskFactor, values, "risk_factors")


canonical(
    _set_riskfactor,
    "(type({v}) is frozenset and (not {v} or is_member_set({v}, RiskFactor)))",  # none: no call
    is_member_set=is_member_set,
    RiskFactor=RiskFactor,
)


def _tuple_dossieritem(values: Iterable[DossierItem]) -> tuple[DossierItem, ...]:
    return parse_tuple(DossierItem, values, "documents")


canonical(
    _tuple_dossieritem,
    "({v} is _NONE or is_instance_tuple({v}, DossierItem))",
    is_instance_tuple=is_instance_tuple,
    DossierItem=DossierItem,
    _NONE=_NONE,
)


def _tuple_party(values: Iterable[Party]) -> tuple[Party, ...]:
    return parse_tuple(Party, values, "parties")


canonical(
    _tuple_party,
    "({v} is _NONE or is_instance_tuple({v}, Party))",
    is_instance_tuple=is_instance_tuple,
    Party=Party,
    _NONE=_NONE,
)


def _documents() -> Any:
    return attrs.field(default=(), converter=_tuple_dossieritem)


def _alert(_instance: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, Alert):
        raise ValidationError(f"expected an Alert, got {quote(value)}", attribute.name)


canonical(_alert, "isinstance({v}, Alert)", Alert=Alert)
