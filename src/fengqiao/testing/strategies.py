"""Hypothesis strategies for every fengqiao value, from vocabularies to events.

>>> from hypothesis import given
>>> from fengqiao.testing import parties
>>> @given(parties())
... def test_party_names_are_never_blank(party):
...     assert party.name.strip()
>>> test_party_names_are_never_blank()
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from functools import cache, lru_cache
from typing import Any, TypeVar

import attrs
from hypothesis import strategies as st

from fengqiao.domain._checks import TextKind
from fengqiao.domain.actor import OFFICER_ROLES, Actor, Role
from fengqiao.domain.dossier import DossierItem, DossierKind
from fengqiao.domain.party import Alert, Party
from fengqiao.domain.records import PolicyRef
from fengqiao.domain.terms import (
    CaseKind,
    Category,
    Channel,
    Department,
    MediationForce,
    Outcome,
    PartyKind,
    PartyRole,
    RiskFactor,
    Route,
    VisitKind,
)
from fengqiao.domain.vocabulary import Vocabulary
from fengqiao.lifecycle import events as ev
from fengqiao.lifecycle import payloads as pl
from fengqiao.lifecycle.triggers import EVENT_TYPES
from fengqiao.policies.base import CHINA_TZ

__all__ = [
    "actors",
    "alerts",
    "assessments",
    "aware_datetimes",
    "dossier_items",
    "events",
    "gradings",
    "names",
    "parties",
    "policy_refs",
    "refused_texts",
    "texts",
    "vocabulary",
]

V = TypeVar("V", bound=Vocabulary)

_SUMMARIES = (
    "邻里因排水沟发生争执",
    "车辆堵住车库出口",
    "拖欠钢筋工工资",
    "土地承包合同到期纠纷",
    "子女拒绝赡养老人",
    "小额借款到期未还",
    "夫妻感情不和引发争吵",
)
_NAMES = ("赵某", "钱某", "孙某", "李某", "周某", "吴某", "郑某", "王某", "某建筑公司", "某物业公司")


def vocabulary(cls: type[V]) -> st.SearchStrategy[V]:
    """Any member of the vocabulary ``cls``."""
    return _members(cls)


# The strategies below are built once and handed out again: hypothesis validates every strategy
# the first time it is drawn from, so one built afresh for each draw (in a lifecycle's loop, or a
# payload function called at every step) costs far more than the draw itself.
@cache
def _members(cls: type[Vocabulary]) -> st.SearchStrategy[Any]:
    return st.sampled_from(list(cls))


_TEXT_CHARACTERS = st.characters(exclude_categories=("Cc", "Cf", "Cs", "Zl", "Zp"))
"""Any character a text field of any kind takes: no control, format (bidi, invisible) or surrogate ones."""


def texts(*, min_size: int = 0, max_size: int = 24) -> st.SearchStrategy[str]:
    """Text as officers write it: Chinese phrases, or any Unicode text a field takes; never blank if ``min_size``.

    The text fits every kind of field (one line, without control, format or surrogate
    characters); :func:`refused_texts` draws text that no field takes.
    """
    return _texts(min_size, max_size)


@lru_cache(maxsize=256)
def _texts(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    any_text = st.text(_TEXT_CHARACTERS, min_size=min_size, max_size=max_size)
    if min_size:
        any_text = any_text.filter(lambda s: bool(s.strip()))
    return st.sampled_from(_SUMMARIES) | any_text


_REFUSED_EVERYWHERE = st.one_of(
    st.sampled_from([*map(chr, range(0x20)), "\x7f", *map(chr, range(0x80, 0xA0))]).filter(lambda c: c not in "\t\n\r"),
    st.integers(0xD800, 0xDFFF).map(chr),
    st.sampled_from(["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]),
)
_BREAKS = st.sampled_from(["\t", "\n", "\r", "\u2028", "\u2029"])
_INVISIBLE = st.sampled_from(["\u00ad", "\u061c", "\u180e", "\u200b", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff"])
_REFUSED: dict[str, st.SearchStrategy[str]] = {
    "prose": _REFUSED_EVERYWHERE,
    "line": _REFUSED_EVERYWHERE | _BREAKS,
    "id": _REFUSED_EVERYWHERE | _BREAKS | _INVISIBLE,
}


def refused_texts(kind: TextKind = "line") -> st.SearchStrategy[str]:
    """Text that a ``kind`` field refuses: good text with one refused character somewhere in it.

    The character is a C0 or C1 control (for ``"prose"`` not a line break or tab), a lone
    surrogate or a bidi embedding, override or isolate; for ``"line"`` also a line break or
    tab, for ``"id"`` also an invisible character (see :mod:`fengqiao.domain._checks`).
    """
    return st.builds(lambda a, c, b: a + c + b, texts(max_size=6), _REFUSED[kind], texts(max_size=6))


def names() -> st.SearchStrategy[str]:
    """Non-blank names of people and organisations."""
    return _names()


@cache
def _names() -> st.SearchStrategy[str]:
    return st.sampled_from(_NAMES) | texts(min_size=1, max_size=12)


def policy_refs() -> st.SearchStrategy[PolicyRef]:
    """What a discovery records of its policy: a registered name or any identifier, and a version."""
    return st.builds(
        PolicyRef,
        st.sampled_from(("baseline", "yongji-54333", "xiqi-family-risk")) | texts(min_size=1, max_size=12),
        st.sampled_from(("1", "2", "")) | texts(max_size=6),
    )


def aware_datetimes(
    min_value: datetime = datetime(2000, 1, 1), max_value: datetime = datetime(2100, 1, 1)
) -> st.SearchStrategy[datetime]:
    """Timezone-aware datetimes (UTC, Asia/Shanghai or a fixed offset), at whole microseconds."""
    zones = st.sampled_from([UTC, CHINA_TZ, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30))])
    return st.datetimes(min_value=min_value, max_value=max_value, timezones=zones)


def _digits(size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=size, max_size=size)


def parties() -> st.SearchStrategy[Party]:
    """Parties with or without ID numbers and phones."""
    return _parties()


@cache
def _parties() -> st.SearchStrategy[Party]:
    return st.builds(
        Party,
        name=names(),
        kind=vocabulary(PartyKind),
        role=vocabulary(PartyRole),
        id_number=st.none() | _digits(18),
        phone=st.none() | _digits(11),
        address=texts(max_size=16),
        household=texts(max_size=8),
    )


def alerts(received_at: st.SearchStrategy[datetime] | None = None) -> st.SearchStrategy[Alert]:
    """Alerts through any channel."""
    return st.builds(
        Alert,
        channel=vocabulary(Channel),
        received_at=received_at or aware_datetimes(),
        reporter=texts(max_size=8),
        summary=texts(),
        location=texts(max_size=12),
        reference=texts(max_size=10),
    )


def dossier_items(kinds: st.SearchStrategy[DossierKind] | None = None) -> st.SearchStrategy[DossierItem]:
    """Dossier items of any kind (or of ``kinds``)."""
    return st.builds(
        DossierItem, kind=kinds or vocabulary(DossierKind), title=texts(max_size=12), reference=texts(max_size=8)
    )


def actors(roles: st.SearchStrategy[Role] | None = None) -> st.SearchStrategy[Actor]:
    """Actors holding one or two roles (officer roles by default)."""
    role = roles or st.sampled_from(sorted(OFFICER_ROLES))
    return st.builds(
        lambda r, extra, n: Actor(id=f"{r.value}:{n}", roles=frozenset({r, *extra})),
        role,
        st.frozensets(vocabulary(Role), max_size=1),
        st.sampled_from(("xiao", "wang", "li", "zhang")),
    )


def _factors(max_size: int = 3) -> st.SearchStrategy[frozenset[RiskFactor]]:
    return st.frozensets(vocabulary(RiskFactor), max_size=max_size)


def assessments() -> st.SearchStrategy[pl.Assessment]:
    """Grading assessments: mostly police business below the case threshold."""
    return st.builds(
        pl.Assessment,
        risk_factors=_factors(),
        police_business=st.booleans() | st.just(True),
        meets_case_threshold=st.just(False) | st.booleans(),
        complex=st.booleans(),
        note=texts(max_size=12),
    )


def gradings(grades: tuple[str, ...] = ("high", "medium", "low")) -> st.SearchStrategy[pl.Grading]:
    """Gradings with one of ``grades``."""
    return st.builds(
        pl.Grading,
        grade=st.sampled_from(grades),
        rule=st.sampled_from(("baseline.low.no-risk", "manual", "huaiyang.red.weapon")),
        route=vocabulary(Route),
        reason=texts(max_size=12),
        flags=st.frozensets(st.sampled_from(("focus_area", "joint", "key")), max_size=2),
    )


def _forces() -> st.SearchStrategy[tuple[MediationForce, ...]]:
    return st.frozensets(vocabulary(MediationForce), max_size=3).map(lambda s: tuple(sorted(s)))


def _documents() -> st.SearchStrategy[tuple[DossierItem, ...]]:
    return st.lists(dossier_items(), max_size=2).map(tuple)


_PAYLOADS: dict[type[Any], st.SearchStrategy[Any]] = {
    pl.MediatePayload: st.builds(
        pl.MediatePayload, forces=_forces(), mediator=texts(max_size=8), documents=_documents(), note=texts(max_size=8)
    ),
    pl.ReferPayload: st.builds(
        pl.ReferPayload, department=st.none() | vocabulary(Department), reason=texts(max_size=8), documents=_documents()
    ),
    pl.EscalatePayload: st.builds(
        pl.EscalatePayload,
        case_kind=st.none() | vocabulary(CaseKind),
        reason=texts(max_size=8),
        case_number=texts(max_size=8),
    ),
    pl.ResolvePayload: st.builds(
        pl.ResolvePayload,
        outcome=vocabulary(Outcome),
        summary=texts(max_size=8),
        reported_by=st.none() | vocabulary(Department),
        documents=_documents(),
    ),
    pl.ReopenPayload: st.builds(pl.ReopenPayload, reason=texts(max_size=8), risk_factors=_factors(2)),
    pl.ClosePayload: st.builds(pl.ClosePayload, summary=texts(max_size=8)),
    pl.MergePayload: st.builds(pl.MergePayload, into=names(), reason=texts(max_size=8)),
    pl.AssignPayload: st.builds(pl.AssignPayload, person=names(), role=vocabulary(Role)),
    pl.LinkAlertPayload: st.builds(pl.LinkAlertPayload, alert=alerts()),
    pl.AttemptPayload: st.builds(
        pl.AttemptPayload, outcome=vocabulary(Outcome), forces=_forces(), summary=texts(max_size=8)
    ),
    pl.VisitPayload: st.builds(
        pl.VisitPayload, kind=vocabulary(VisitKind), holding=st.booleans(), finding=texts(max_size=8)
    ),
    pl.AttachPayload: st.builds(pl.AttachPayload, item=dossier_items()),
    pl.NotePayload: st.builds(pl.NotePayload, text=texts(min_size=1)),
    pl.TransitionPayload: st.builds(
        pl.TransitionPayload,
        trigger=st.sampled_from(("confirm", "request_confirmation")),
        target=st.sampled_from(("awaiting_confirmation", "follow_up")),
        note=texts(max_size=8),
        documents=_documents(),
    ),
    pl.GradePayload: st.builds(pl.GradePayload, assessment=assessments(), grading=gradings()),
    pl.RegradePayload: st.builds(pl.RegradePayload, assessment=assessments(), grading=gradings(), manual=st.booleans()),
    pl.DiscoveryPayload: st.builds(
        pl.DiscoveryPayload,
        dispute_id=names(),
        alert=alerts(),
        category=vocabulary(Category),
        summary=texts(min_size=1),
        parties=st.lists(parties(), max_size=3).map(tuple),
        risk_factors=_factors(),
        station=texts(max_size=8),
    ),
}


def events(types: tuple[type[ev.Event], ...] | None = None) -> st.SearchStrategy[ev.Event]:
    """Events of every class (or of ``types``), each with a fitting payload."""
    chosen = types or tuple(EVENT_TYPES.values())
    options = []
    for cls in chosen:
        payload_type = cls.__attrs_attrs__.payload.type  # type: ignore[attr-defined]
        payload = _PAYLOADS[_resolve(payload_type)]
        recorded = {"policy": st.none() | policy_refs()} if "policy" in attrs.fields_dict(cls) else {}
        options.append(
            st.builds(cls, dispute_id=names(), at=aware_datetimes(), actor=actors(), payload=payload, **recorded)
        )
    return st.one_of(options)


def _resolve(annotation: Any) -> type[Any]:
    if isinstance(annotation, str):
        return getattr(pl, annotation)  # type: ignore[no-any-return]
    return annotation  # type: ignore[no-any-return]
