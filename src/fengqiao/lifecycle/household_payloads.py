"""One payload class per household trigger: the validated input of a household command, kept whole in its event.

``wf.fire(h, "watch", actor=..., reason="…", factors=["dispute"])`` builds a :class:`WatchPayload`
from the keyword arguments; bad input raises :class:`~fengqiao.errors.ValidationError` naming
the field (``watch.factors[0]``). Text fields refuse control, bidi and lone surrogate
characters as a dispute's do. Risk factors are the built-in :class:`~fengqiao.domain.household.HouseholdFactor`
members or a policy's own codes (ASCII lower-case words joined by underscores), which the policy checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

from fengqiao.domain._checks import (
    identifier,
    is_bool,
    is_prose,
    is_text,
    non_empty,
    non_empty_prose,
    parse_set,
    require_filled,
)
from fengqiao.domain._quote import quote
from fengqiao.domain.household import FactorId, HelpDepartment, HouseholdFactor, RiskClass, WorkKind
from fengqiao.domain.party import Party
from fengqiao.errors import ValidationError
from fengqiao.lifecycle._fields import _tuple_party

__all__ = [
    "AssessPayload",
    "AssignCadrePayload",
    "DeregisterPayload",
    "HelpReportedPayload",
    "HouseholdAssessment",
    "IncidentPayload",
    "LinkDisputePayload",
    "ManagePayload",
    "ReferHelpPayload",
    "ReleasePayload",
    "ScreenPayload",
    "WatchPayload",
    "parse_factors",
]

_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")


def _factor(value: object, path: str) -> FactorId:
    if isinstance(value, HouseholdFactor):
        return value
    if isinstance(value, str):
        if value in HouseholdFactor._value2member_map_:
            return HouseholdFactor(value)
        if _CODE.fullmatch(value):
            return value  # a factor a policy's catalogue adds: the policy checks it
    allowed = ", ".join(f.value for f in HouseholdFactor)
    raise ValidationError(
        f"{quote(value)} is not a household risk factor (a built-in one: {allowed}; or a policy's own code, "
        "ASCII lower-case letters, digits and underscores)",
        path,
    )


def parse_factors(values: Iterable[FactorId]) -> frozenset[FactorId]:
    """``values`` as household risk factors: built-in ones as members, a policy's own codes as text."""
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise ValidationError(f"expected a collection of risk factors, got {quote(values)}", "factors")
    return frozenset(_factor(v, f"factors[{i}]") for i, v in enumerate(values))


def _work(values: Iterable[WorkKind | str]) -> frozenset[WorkKind]:
    return parse_set(WorkKind, values, "work")


def _risk_class(value: RiskClass | str) -> RiskClass:
    return RiskClass.parse(value, "risk_class")


def _department(value: HelpDepartment | str) -> HelpDepartment:
    return HelpDepartment.parse(value, "department")


def _names(values: Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise ValidationError(f"expected a collection of names, got {quote(values)}", "team")
    return tuple(require_filled(name, f"team[{i}]") for i, name in enumerate(values))


@attrs.frozen(kw_only=True)
class ScreenPayload:
    """A household on the register (摸排): where it lives, who belongs to it, what was seen."""

    household_id: str = attrs.field(validator=identifier)
    village: str = attrs.field(validator=non_empty)
    grid: str = attrs.field(default="", validator=is_text)
    address: str = attrs.field(default="", validator=is_text)
    members: tuple[Party, ...] = attrs.field(default=(), converter=_tuple_party)
    factors: frozenset[FactorId] = attrs.field(default=frozenset(), converter=parse_factors)
    note: str = attrs.field(default="", validator=is_prose)


@attrs.frozen(kw_only=True)
class WatchPayload:
    """The household goes on the watch list (列为重点关注家庭), and why."""

    reason: str = attrs.field(validator=non_empty_prose)
    factors: frozenset[FactorId] = attrs.field(default=frozenset(), converter=parse_factors)


@attrs.frozen(kw_only=True)
class IncidentPayload:
    """Something happened (有事报事): it puts the household (back) on the watch list."""

    summary: str = attrs.field(validator=non_empty_prose)
    factors: frozenset[FactorId] = attrs.field(default=frozenset(), converter=parse_factors)
    daily_report: bool = attrs.field(default=False, validator=is_bool)
    """Found through the village's daily report (日报告)."""


@attrs.frozen(kw_only=True)
class HouseholdAssessment:
    """A policy's assessment answer: the risk class, the kinds of work, the rule that fired, and why."""

    risk_class: RiskClass = attrs.field(converter=_risk_class)
    work: frozenset[WorkKind] = attrs.field(converter=_work)
    rule: str = attrs.field(validator=non_empty)
    reason: str = attrs.field(default="", validator=is_prose)


@attrs.frozen(kw_only=True)
class AssessPayload:
    """The assessment group's findings (the factors) and the policy's answer for them."""

    factors: frozenset[FactorId] = attrs.field(converter=parse_factors)
    assessment: HouseholdAssessment
    meeting: bool = attrs.field(default=False, validator=is_bool)
    """Assessed at the monthly political-legal meeting (政法月例会)."""
    note: str = attrs.field(default="", validator=is_prose)


@attrs.frozen(kw_only=True)
class ManagePayload:
    """Management begins (包联管控): one matter, one plan; one case, one dedicated team (一事一方案，一案一专班)."""

    plan: str = attrs.field(default="", validator=is_prose)
    team: tuple[str, ...] = attrs.field(default=(), converter=_names)


@attrs.frozen(kw_only=True)
class ReleasePayload:
    """The risk is gone (风险解除): the household stays screened."""

    reason: str = attrs.field(default="", validator=is_prose)


@attrs.frozen(kw_only=True)
class DeregisterPayload:
    """The household leaves the register (moved away, no longer exists)."""

    reason: str = attrs.field(validator=non_empty_prose)


@attrs.frozen(kw_only=True)
class AssignCadrePayload:
    """A cadre takes charge of the household (包联)."""

    person: str = attrs.field(validator=non_empty)


@attrs.frozen(kw_only=True)
class LinkDisputePayload:
    """A dispute one of the household's members is a party to."""

    dispute_id: str = attrs.field(validator=identifier)


@attrs.frozen(kw_only=True)
class ReferHelpPayload:
    """Hardship help asked of a department (中心吹哨): it must report in (部门报到)."""

    department: HelpDepartment = attrs.field(converter=_department)
    need: str = attrs.field(validator=non_empty_prose)


@attrs.frozen(kw_only=True)
class HelpReportedPayload:
    """A department reports in on help it was asked for."""

    department: HelpDepartment = attrs.field(converter=_department)
    result: str = attrs.field(validator=non_empty_prose)
    resolved: bool = attrs.field(default=True, validator=is_bool)
