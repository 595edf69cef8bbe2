"""Disputes of several policies, and how to store them: what the ledger contracts share."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any, Protocol

import fengqiao as fq
from fengqiao.ledger import Ledger
from fengqiao.lifecycle.states import TERMINAL_STATES
from fengqiao.policies import registry
from fengqiao.policies.base import CHINA_TZ
from fengqiao.storage import EventStore, StoredEvent
from fengqiao.testing.contracts.support import Boom, discover, histories, raises_boom, workflow

__all__ = [
    "DAY",
    "POLICIES",
    "Boom",
    "LedgerFactory",
    "choose_policy",
    "discover",
    "doc",
    "make_workflow",
    "raises_boom",
    "scenarios",
    "store_all",
    "workflow",
]

K, F, V = fq.DossierKind, fq.MediationForce, fq.VisitKind
OFFICER = "community_officer:xiao"
LEADER = "responsible_leader:zhou"
GRID = "grid_worker:wang"
DAY = datetime(2024, 7, 8, 8, 30, tzinfo=CHINA_TZ)
"""The day most scenarios begin (a Monday)."""

PREFIXES = {"BL": "baseline", "YJ": "yongji-54333", "HN": "huainan-two-clears", "HY": "huaiyang-ten-categories"}
POLICIES: tuple[fq.Policy, ...] = tuple(
    registry.get(name) for name in ("yongji-54333", "huainan-two-clears", "huaiyang-ten-categories")
)
"""The built-in regional policies, given to every ledger as objects (the ledger contract imports no region)."""


def choose_policy(d: fq.Dispute) -> str:
    """Each scenario's dispute id begins with its policy's prefix."""
    return PREFIXES[d.id[:2]]


class LedgerFactory(Protocol):
    """Opens a ledger on the test's database (the same database each time, for the SQL ones)."""

    def __call__(self, **options: Any) -> Ledger: ...


def make_workflow(prefix: str, at: datetime = DAY) -> fq.Workflow:
    """A workflow of the policy ``prefix`` stands for, on a fixed clock, with ids ``{prefix}-0001`` …."""
    counter = itertools.count(1)
    policy = next((p for p in POLICIES if p.name == PREFIXES[prefix]), PREFIXES[prefix])
    return fq.Workflow(policy, clock=fq.FixedClock(at), ids=lambda: f"{prefix}-{next(counter):04d}")


def doc(kind: fq.DossierKind, title: str = "材料") -> fq.DossierItem:
    """A dossier item of ``kind``."""
    return fq.DossierItem(kind=kind, title=title)


def tick(wf: fq.Workflow, **delta: float) -> None:
    clock = wf.clock
    assert isinstance(clock, fq.FixedClock)
    clock.advance(timedelta(**delta))


def _discover(wf: fq.Workflow, **kw: Any) -> fq.Dispute:
    base: dict[str, Any] = {
        "channel": fq.Channel.ALARM_110,
        "category": fq.Category.NEIGHBOUR,
        "summary": "邻里纠纷",
        "parties": [fq.Party(name="赵某")],
        "station": "城关派出所",
        "actor": OFFICER,
    }
    return wf.discover(**(base | kw))


def yongji() -> list[fq.Dispute]:
    wf = make_workflow("YJ")
    # complex, joint mediation, three visits, full A/B dossier: closed
    d = _discover(wf, category=fq.Category.PROPERTY_MANAGEMENT, summary="车库入口被堵", station="蒲州派出所")
    tick(wf, minutes=30)
    d = wf.grade(d, actor=OFFICER, complex=True, risk_factors=[fq.RiskFactor.LONG_STANDING])
    for kind in (K.ALERT_RECORD, K.INQUIRY_RECORD, K.PARTY_INFO, K.STANDARD_ADDRESS, K.ANTI_FRAUD):
        d = wf.attach(d, doc(kind), actor=OFFICER)
    d = wf.assign(d, actor=OFFICER, person="民警肖某", role=fq.Role.RESPONSIBLE_OFFICER)
    d = wf.mediate(d, actor=OFFICER, forces=[F.POLICE_OFFICE, F.VILLAGE_GRID], documents=[doc(K.JOINT_HANDLING_NOTICE)])
    tick(wf, hours=3)
    d = wf.record_attempt(d, actor=OFFICER, outcome=fq.Outcome.AGREEMENT)
    d = wf.resolve(d, actor=OFFICER, documents=[doc(K.MEDIATION_AGREEMENT)])
    for visit in (V.PHONE, V.ON_SITE, V.PUBLIC_RETURN):
        tick(wf, days=3)
        d = wf.record_visit(d, actor=GRID, kind=visit)
    d = wf.attach(d, doc(K.FOLLOW_UP_RECORD), actor=OFFICER)
    closed = wf.close(d, actor=OFFICER)
    # not police business: referred with a hand-over paper, the department's result pending
    d = _discover(wf, category=fq.Category.WAGE_ARREARS, summary="拖欠工资", station="蒲州派出所")
    d = wf.grade(d, actor=OFFICER, police_business=False)
    referred = wf.refer(
        d, actor=OFFICER, department=fq.Department.LABOUR_INSPECTION, documents=[doc(K.MEDIATION_ENTRUSTMENT)]
    )
    # mediating, dossier incomplete
    d = wf.grade(_discover(wf, summary="噪音扰民", station="城关派出所"), actor=OFFICER)
    mediating = wf.mediate(d, actor=OFFICER, forces=[F.POLICE_OFFICE])
    # meets the case threshold: escalated
    d = wf.grade(_discover(wf, summary="殴打他人"), actor=OFFICER, meets_case_threshold=True)
    escalated = wf.escalate(d, actor=OFFICER, case_kind=fq.CaseKind.ADMINISTRATIVE)
    return [closed, referred, mediating, escalated]


def huainan() -> list[fq.Dispute]:
    wf = make_workflow("HN")
    # a key alert (a group) left ungraded: its 24 hours to enter handling run out
    key = _discover(wf, category=fq.Category.WAGE_ARREARS, summary="钢筋工讨薪", risk_factors=["group"])
    # a general alert concluded the same day
    tick(wf, hours=1)
    d = wf.grade(_discover(wf, summary="占道停车"), actor=OFFICER)
    d = wf.mediate(d, actor=OFFICER, forces=[F.POLICE_OFFICE])
    d = wf.resolve(wf.record_attempt(d, actor=OFFICER, outcome=fq.Outcome.AGREEMENT), actor=OFFICER)
    tick(wf, hours=2)
    same_day = wf.close(wf.record_visit(d, actor=GRID, kind=V.PHONE), actor=OFFICER)
    # a general alert mediated across midnight: its same-day deadline is missed
    d = wf.grade(_discover(wf, summary="宠物伤人", station="洞山派出所"), actor=OFFICER)
    late = wf.mediate(d, actor=OFFICER, forces=[F.POLICE_OFFICE])
    return [key, same_day, late]


def huaiyang() -> list[fq.Dispute]:
    wf = make_workflow("HY", datetime(2024, 9, 10, 20, 15, tzinfo=CHINA_TZ))
    # an informant's report, red, discussed (一案一议) and its responsible people named, resolved: reward-eligible
    d = _discover(
        wf,
        channel=fq.Channel.SECURITY_INFORMANT,
        category=fq.Category.WAGE_ARREARS,
        summary="扬言找包工头算账",
        risk_factors=[fq.RiskFactor.THREAT],
        reporter="治安信息员陈某",
        station="西关派出所",
        actor="informant:chen",
    )
    d = wf.grade(d, actor=OFFICER)
    d = wf.attach(d, fq.DossierItem(kind=fq.DossierKind.CASE_DISCUSSION, title="一案一议记录"), actor=OFFICER)
    d = wf.assign(d, actor=OFFICER, person="所长周某", role=fq.Role.RESPONSIBLE_LEADER)
    d = wf.assign(d, actor=OFFICER, person="社区民警刘某", role=fq.Role.RESPONSIBLE_OFFICER)
    d = wf.mediate(d, actor=LEADER, forces=[F.POLICE_OFFICE])
    tick(wf, hours=2)
    d = wf.record_attempt(d, actor=LEADER, outcome=fq.Outcome.AGREEMENT)
    rewarded = wf.resolve(d, actor=LEADER)
    # red with nobody named yet: its one-day deadline to name them runs out
    unnamed = wf.grade(_discover(wf, summary="持刀争吵", risk_factors=[fq.RiskFactor.WEAPON]), actor=OFFICER)
    # blue, routine
    blue = wf.grade(_discover(wf, category=fq.Category.TRADE, summary="买卖纠纷"), actor=OFFICER)
    return [rewarded, unnamed, blue]


def scenarios() -> tuple[fq.Dispute, ...]:
    """Disputes handled under four policies, at every stage, each id prefixed by its policy."""
    return (*histories(workflow("BL")), *yongji(), *huainan(), *huaiyang())


def store_all(store: EventStore, disputes: Iterable[fq.Dispute], *, chunk: int = 5) -> None:
    """Append the disputes' histories a few events at a time, round robin, as stations would."""
    pending = [(d.id, d.history) for d in disputes]
    stored = dict.fromkeys((sid for sid, _ in pending), 0)
    while pending:
        for sid, history in list(pending):
            start = stored[sid]
            store.append(sid, history[start : start + chunk], expected_version=start)
            stored[sid] = min(start + chunk, len(history))
            if stored[sid] == len(history):
                pending.remove((sid, history))


Stored = dict[str, fq.Dispute]


class Switch:
    """A projector that fails when armed, to make an append fail after the ledger's projector ran."""

    def __init__(self) -> None:
        self.armed = False

    def __call__(self, tx: Any, events: tuple[StoredEvent, ...], /) -> None:
        if self.armed:
            raise Boom("armed")


def snapshot(ledger: Ledger) -> tuple[Any, ...]:
    """Everything a ledger answers, to compare two ledgers (or one, before and after)."""
    rows = ledger.disputes()
    return (
        rows,
        tuple(ledger.get(r.id) for r in rows),
        ledger.dossier_completeness(),
        ledger.disputes(assignee="所长周某"),
        ledger.disputes(assignee="民警肖某"),
        ledger.position,
    )


def deadlines_by_hand(stored: Stored, at: datetime) -> list[tuple[str, str]]:
    """Overdue deadlines, asking each dispute's policy directly."""
    found = []
    for d in stored.values():
        wf = fq.Workflow(next((p for p in POLICIES if p.name == choose_policy(d)), choose_policy(d)))
        found += [(d.id, c.deadline.code) for c in wf.deadlines(d, at=at) if c.status is fq.DeadlineStatus.OVERDUE]
    return sorted(found)


CONDITIONS: list[tuple[dict[str, Any], Callable[[fq.Dispute], bool]]] = [
    ({"state": "closed"}, lambda d: d.state is fq.State.CLOSED),
    ({"state": ["mediating", "referred"]}, lambda d: d.state in (fq.State.MEDIATING, fq.State.REFERRED)),
    ({"grade": "red"}, lambda d: d.grade == "red"),
    ({"category": "wage_arrears"}, lambda d: d.category is fq.Category.WAGE_ARREARS),
    ({"channel": fq.Channel.SECURITY_INFORMANT}, lambda d: d.channel is fq.Channel.SECURITY_INFORMANT),
    ({"station": "蒲州派出所"}, lambda d: d.station == "蒲州派出所"),
    ({"assignee": "所长周某"}, lambda d: "所长周某" in {a.person for a in d.assignments}),
    (
        {"assignee": "民警肖某", "role": "responsible_officer"},
        lambda d: "民警肖某" in d.assignees(fq.Role.RESPONSIBLE_OFFICER),
    ),
    ({"policy": "yongji-54333"}, lambda d: d.id.startswith("YJ")),
    (
        {"station": "城关派出所", "open_only": True},
        lambda d: d.station == "城关派出所" and d.state not in TERMINAL_STATES,
    ),
]


class Unnarrowed:
    """A :class:`~fengqiao.policies.reports.DisputeQuery` that ignores every condition: all ``disputes``, by id.

    A report run over it decides on every dispute itself, which is what the ledger's narrowed
    answer must agree with.
    """

    def __init__(self, disputes: Iterable[fq.Dispute]) -> None:
        self._disputes = sorted(disputes, key=lambda d: d.id)

    def select(self, **conditions: Any) -> Iterator[fq.Dispute]:
        """Every dispute, whatever the conditions."""
        return iter(self._disputes)
