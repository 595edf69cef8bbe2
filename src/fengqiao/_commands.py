"""Turning a command's keyword arguments into the event it records: payloads built, gradings asked.

Private; :class:`~fengqiao.Workflow` calls :func:`make_event` and :func:`grading_of`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import attrs

from fengqiao.domain._calls import suggestion, unknown_keyword
from fengqiao.domain._checks import require_text
from fengqiao.domain._codegen import quick_new
from fengqiao.domain._quote import quote
from fengqiao.domain.actor import Actor
from fengqiao.errors import PolicyDefinitionError, ValidationError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Event, Graded, Regraded, Transitioned
from fengqiao.lifecycle.payloads import (
    Assessment,
    GradePayload,
    Grading,
    RegradePayload,
    TransitionPayload,
)
from fengqiao.lifecycle.states import StateId, Trigger, TriggerId
from fengqiao.lifecycle.triggers import TRIGGERS
from fengqiao.policies.base import Policy

__all__ = ["build", "grading_of", "make_event"]

_ASSESSMENT_FIELDS = frozenset(a.name for a in attrs.fields(Assessment))
_REGRADE_FIELDS = (*sorted(_ASSESSMENT_FIELDS), "grade", "reason")
"""What ``regrade`` takes: the assessment's fields, and the grade asked for with its reason."""
_CUSTOM_FIELDS = ("note", "documents")
"""What a policy's own trigger takes; its ``trigger`` and ``target`` come from the graph."""


_PLAIN_TRIGGERS: dict[str, tuple[type[Any], Callable[..., Event]]] = {
    spec.trigger: (spec.payload, quick_new(spec.event))
    for spec in TRIGGERS
    if spec.trigger not in (Trigger.GRADE, Trigger.REGRADE)
}
"""Each built-in trigger whose payload is the command's keywords: its payload class and what makes its event."""
_GRADED, _REGRADED = quick_new(Graded), quick_new(Regraded)
_GRADE_PAYLOAD, _REGRADE_PAYLOAD = quick_new(GradePayload), quick_new(RegradePayload)
_GRADE, _REGRADE = Trigger.GRADE, Trigger.REGRADE  # read once: an enum member is a metaclass attribute lookup


def _refuse_unknown(trigger: str, values: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise unknown_keyword(trigger, unknown[0], allowed, noun="field")


_Shape = tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]
_SHAPES: dict[type[Any], _Shape] = {}


def _shape(cls: type[Any]) -> _Shape:
    """A payload class's field names (as a set and in order) and its required fields, looked up once."""
    shape = _SHAPES.get(cls)
    if shape is None:
        fields = attrs.fields(cls)
        names = tuple(a.name for a in fields)
        shape = _SHAPES[cls] = (frozenset(names), names, tuple(a.name for a in fields if a.default is attrs.NOTHING))
    return shape


def build(cls: type[Any], trigger: str, values: Mapping[str, Any]) -> Any:
    """Build a payload from keyword arguments, turning every mistake into a ValidationError.

    The payload is built first and the fields are looked at only when that fails: an unknown
    or missing keyword fails the call itself (before any converter runs), so the error is the
    same as checking first, and a valid command pays nothing for it.
    """
    try:
        return cls(**values)
    except ValidationError as exc:
        raise exc.within(trigger) from None
    except TypeError:
        _explain_fields(cls, trigger, values)
        raise  # pragma: no cover - a TypeError from inside the class, not from its fields


def _explain_fields(cls: type[Any], trigger: str, values: Mapping[str, Any]) -> None:
    """Raise the ValidationError for an unknown or missing field of ``cls``, if there is one."""
    known, names, required = _shape(cls)
    if not known.issuperset(values):
        raise unknown_keyword(trigger, sorted(set(values) - known)[0], names, noun="field")
    for name in required:
        if name not in values:
            raise ValidationError(f"required field {name!r} is missing", f"{trigger}.{name}")


def make_event(
    policy: Policy,
    custom_targets: Mapping[str, StateId | None],
    dispute: Dispute,
    trig: TriggerId,
    who: Actor,
    at: datetime,
    values: Mapping[str, Any],
) -> Event:
    """The event ``trig`` records for ``dispute`` with the command's keyword ``values``.

    Raises:
        ValidationError: an unknown, missing or invalid field (the path names it).
        PolicyDefinitionError: the policy graded outside its own grades.
    """
    plain = _PLAIN_TRIGGERS.get(trig)
    if plain is not None:
        payload_cls, event_cls = plain
        payload: Any = build(payload_cls, trig, values)
        return event_cls(dispute_id=dispute.id, at=at, actor=who, payload=payload)
    if trig is _GRADE:
        assessment = _assessment(dispute, str(trig), values, keep_current=False)
        grading = grading_of(policy, dispute, assessment, at)
        payload = _GRADE_PAYLOAD(assessment=assessment, grading=grading)
        return _GRADED(dispute_id=dispute.id, at=at, actor=who, payload=payload)
    if trig is _REGRADE:
        _refuse_unknown(str(trig), values, _REGRADE_FIELDS)
        extra = {k: v for k, v in values.items() if k in ("grade", "reason")}
        rest = {k: v for k, v in values.items() if k not in extra}
        assessment = _assessment(dispute, str(trig), rest, keep_current=True)
        grading, manual = _regrading(policy, dispute, assessment, at, extra)
        payload = _REGRADE_PAYLOAD(assessment=assessment, grading=grading, manual=manual)
        return _REGRADED(dispute_id=dispute.id, at=at, actor=who, payload=payload)
    target = custom_targets[trig]
    assert target is not None  # checked when the graph was built
    _refuse_unknown(str(trig), values, _CUSTOM_FIELDS)
    payload = build(TransitionPayload, trig, {**values, "trigger": trig, "target": target})
    return Transitioned(dispute_id=dispute.id, at=at, actor=who, payload=payload)


def _assessment(dispute: Dispute, trigger: str, values: Mapping[str, Any], *, keep_current: bool) -> Assessment:
    given = {k: v for k, v in values.items() if v is not None}
    current = dispute.assessment
    if keep_current and current is not None:
        # The dispute's risk factors, not the last assessment's: a ``reopen`` may have
        # added some since, and a regrade must not silently drop them.
        given = {**attrs.asdict(current, recurse=False), "risk_factors": dispute.risk_factors, **given}
    given.setdefault("risk_factors", dispute.risk_factors)
    return build(Assessment, trigger, given)  # type: ignore[no-any-return]


def grading_of(policy: Policy, dispute: Dispute, assessment: Assessment, at: datetime) -> Grading:
    """The policy's grading of ``assessment``, checked to be one of its grades."""
    grading = policy.grade(dispute, assessment, at)
    if not isinstance(grading, Grading) or grading.grade not in policy.grades:
        raise PolicyDefinitionError(
            f"policy {policy.name!r} graded {quote(grading)}; expected a Grading with a grade in {policy.grades}"
        )
    return grading


def _regrading(
    policy: Policy, dispute: Dispute, assessment: Assessment, at: datetime, extra: Mapping[str, Any]
) -> tuple[Grading, bool]:
    asked = extra.get("grade")
    reason = extra.get("reason", "")
    require_text(reason, "regrade.reason", "prose")
    if asked is None:
        grading = grading_of(policy, dispute, assessment, at)
        return (attrs.evolve(grading, reason=reason or grading.reason), False)
    if asked not in policy.grades:
        hint = suggestion(asked, policy.grades) if isinstance(asked, str) else ""
        raise ValidationError(
            f"unknown grade {quote(asked)}{hint}; policy {policy.name} grades: {', '.join(policy.grades)}",
            "regrade.grade",
        )
    # The policy still grades, so the route and its flags are kept; only the grade is the officer's.
    computed = grading_of(policy, dispute, assessment, at)
    return attrs.evolve(computed, grade=asked, rule="manual", reason=reason), True
