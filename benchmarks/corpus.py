"""Dispute histories to replay, encode and store: built through the real command path."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count

import fengqiao as fq

__all__ = ["LONG", "SHORT", "histories"]

OFFICER = "officer:xiao"
GRID_WORKER = "grid_worker:wang"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

SHORT = "6-event"
"""discover, grade, mediate, resolve, record_visit, close: the compared lifecycle."""
LONG = "11-event"
"""The same with an assignment, two attempts, a document and a note."""


def _short(wf: fq.Workflow, clock: fq.FixedClock) -> fq.Dispute:
    d = wf.discover(
        channel=fq.Channel.ALARM_110,
        category=fq.Category.NEIGHBOUR,
        summary="车辆堵住车库出口",
        parties=(fq.Party(name="赵某"), fq.Party(name="钱某")),
        actor=OFFICER,
        station="蒲州派出所",
    )
    clock.advance(minutes=20)
    d = wf.grade(d, actor=OFFICER)
    d = wf.mediate(d, actor=OFFICER, forces=(fq.MediationForce.POLICE_OFFICE,))
    clock.advance(hours=2)
    d = wf.resolve(d, actor=OFFICER, summary="双方达成协议")
    clock.advance(days=7)
    d = wf.record_visit(d, actor=GRID_WORKER, kind=fq.VisitKind.PHONE)
    return wf.close(d, actor=OFFICER)


def _long(wf: fq.Workflow, clock: fq.FixedClock) -> fq.Dispute:
    d = wf.discover(
        channel=fq.Channel.HOTLINE_12345,
        category=fq.Category.PROPERTY_MANAGEMENT,
        summary="物业费纠纷",
        parties=(fq.Party(name="孙某"), fq.Party(name="李某")),
        risk_factors=(fq.RiskFactor.THREAT,),
        actor=OFFICER,
        station="蒲州派出所",
    )
    clock.advance(minutes=30)
    d = wf.grade(d, actor=OFFICER, complex=True)
    d = wf.assign(d, actor=OFFICER, person="王某", role=fq.Role.RESPONSIBLE_OFFICER)
    d = wf.mediate(d, actor=OFFICER, forces=(fq.MediationForce.POLICE_OFFICE, fq.MediationForce.TOWNSHIP_PEOPLES))
    clock.advance(days=1)
    d = wf.record_attempt(d, actor=OFFICER, outcome=fq.Outcome.FAILED, summary="未达成一致")
    clock.advance(days=2)
    d = wf.record_attempt(d, actor=OFFICER, outcome=fq.Outcome.AGREEMENT, summary="达成协议")
    d = wf.attach(d, fq.DossierItem(kind=fq.DossierKind.MEDIATION_AGREEMENT, title="调解协议书"), actor=OFFICER)
    d = wf.resolve(d, actor=OFFICER, summary="履行中")
    clock.advance(days=7)
    d = wf.record_visit(d, actor=GRID_WORKER, kind=fq.VisitKind.ON_SITE)
    d = wf.note(d, "双方关系缓和", actor=OFFICER)
    return wf.close(d, actor=OFFICER)


def histories(n: int, kind: str = SHORT, *, prefix: str = "D") -> list[tuple[fq.Event, ...]]:
    """``n`` closed disputes' histories of ``kind`` (``SHORT`` or ``LONG``), with ids ``{prefix}{i}``."""
    clock = fq.FixedClock(START)
    ids = count()
    wf = fq.Workflow("baseline", clock=clock, ids=lambda: f"{prefix}{next(ids)}")
    build = _short if kind == SHORT else _long
    return [build(wf, clock).history for _ in range(n)]
