"""What the ledger tests share: disputes from several policies, and how to store them.

The storage tests' helpers are reused, not copied: pytest's ``pythonpath`` setting (in
pyproject.toml) puts ``tests/storage`` on the path, so ``contract`` and ``test_postgres``
import by bare name, here as in ``tests/storage``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

from contract import Boom, discover, histories, raises_boom, workflow

import fengqiao as fq
from fengqiao.ledger import Ledger
from fengqiao.policies.base import CHINA_TZ
from fengqiao.policies.huainan_two_clears import HuainanTwoClears
from fengqiao.policies.huaiyang_ten_categories import HuaiyangTenCategories
from fengqiao.policies.yongji_54333 import Yongji54333
from fengqiao.storage import EventStore

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
POLICIES: tuple[fq.Policy, ...] = (Yongji54333(), HuainanTwoClears(), HuaiyangTenCategories())
"""Objects for the policy names, so the tests do not depend on what the registry holds."""


def choose_policy(d: fq.Dispute) -> str:
    """Each scenario's dispute id begins with its policy's prefix."""
    return PREFIXES[d.id[:2]]


class LedgerFactory(Protocol):
    """Opens a ledger on the test's database (the same database each time, for the SQL ones)."""

    def __call__(self, **options: Any) -> Ledger: ...


def make_workflow(prefix: str, at: datetime = DAY) -> fq.Workflow:
    counter = itertools.count(1)
    policy = next((p for p in POLICIES if p.name == PREFIXES[prefix]), PREFIXES[prefix])
    return fq.Workflow(policy, clock=fq.FixedClock(at), ids=lambda: f"{prefix}-{next(counter):04d}")


def doc(kind: fq.DossierKind, title: str = "材料") -> fq.DossierItem:
    return fq.DossierItem(kind=kind, title=title)


def _tick(wf: fq.Workflow, **delta: float) -> None:
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
    _tick(wf, minutes=30)
    d = wf.grade(d, actor=OFFICER, complex=True, risk_factors=[fq.RiskFactor.LONG_STANDING])
    for kind in (K.ALERT_RECORD, K.INQUIRY_RECORD, K.PARTY_INFO, K.STANDARD_ADDRESS, K.ANTI_FRAUD):
        d = wf.attach(d, doc(kind), actor=OFFICER)
    d = wf.assign(d, actor=OFFICER, person="民警肖某", role=fq.Role.RESPONSIBLE_OFFICER)
    d = wf.mediate(d, actor=OFFICER, forces=[F.POLICE_OFFICE, F.VILLAGE_GRID], documents=[doc(K.JOINT_HANDLING_NOTICE)])
    _tick(wf, hours=3)
    d = wf.record_attempt(d, actor=OFFICER, outcome=fq.Outcome.AGREEMENT)
    d = wf.resolve(d, actor=OFFICER, documents=[doc(K.MEDIATION_AGREEMENT)])
    for visit in (V.PHONE, V.ON_SITE, V.PUBLIC_RETURN):
        _tick(wf, days=3)
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
    _tick(wf, hours=1)
    d = wf.grade(_discover(wf, summary="占道停车"), actor=OFFICER)
    d = wf.mediate(d, actor=OFFICER, forces=[F.POLICE_OFFICE])
    d = wf.resolve(wf.record_attempt(d, actor=OFFICER, outcome=fq.Outcome.AGREEMENT), actor=OFFICER)
    _tick(wf, hours=2)
    same_day = wf.close(wf.record_visit(d, actor=GRID, kind=V.PHONE), actor=OFFICER)
    # a general alert mediated across midnight: its same-day deadline is missed
    d = wf.grade(_discover(wf, summary="宠物伤人", station="洞山派出所"), actor=OFFICER)
    late = wf.mediate(d, actor=OFFICER, forces=[F.POLICE_OFFICE])
    return [key, same_day, late]


def huaiyang() -> list[fq.Dispute]:
    wf = make_workflow("HY", datetime(2024, 9, 10, 20, 15, tzinfo=CHINA_TZ))
    # an informant's report, red, its responsible people named, resolved: reward-eligible
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
    d = wf.assign(d, actor=OFFICER, person="所长周某", role=fq.Role.RESPONSIBLE_LEADER)
    d = wf.assign(d, actor=OFFICER, person="社区民警刘某", role=fq.Role.RESPONSIBLE_OFFICER)
    d = wf.mediate(d, actor=LEADER, forces=[F.POLICE_OFFICE])
    _tick(wf, hours=2)
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
