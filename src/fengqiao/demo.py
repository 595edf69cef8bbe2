"""The worked example behind ``fengqiao demo``: a dispute from discovery to closing.

It follows the Yongji garage-entrance case of 31 January 2024 (an owner blocks a garage
exit with his car over a parking-space hand-over) through the ``baseline`` policy, and
tries to close too early once, so the refusal and its reason show. Every command is saved
through a :class:`~fengqiao.storage.Repository` into the given event store (the CLI uses
the embedded SQLite default), and the dispute is read back and its hash chain verified.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import attrs

from fengqiao.domain.clock import FixedClock
from fengqiao.domain.dossier import DossierItem, DossierKind
from fengqiao.domain.party import Party
from fengqiao.domain.terms import Category, Channel, MediationForce, Outcome, PartyKind, PartyRole, VisitKind
from fengqiao.errors import TransitionRefused
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import Trigger
from fengqiao.policies.base import CHINA_TZ
from fengqiao.storage import EventStore, MemoryEventStore, Repository, VerificationReport
from fengqiao.workflow import Workflow

__all__ = ["DemoRun", "garage_entrance"]


@attrs.frozen
class DemoRun:
    """What the demo produced, and the dispute as read back and verified from the store.

    ``stored`` is the dispute loaded again from the store; ``verification`` is the store's
    check of its hash chain.
    """

    dispute: Dispute
    refusals: tuple[Refusal, ...]
    workflow: Workflow
    stored: Dispute
    verification: VerificationReport


def garage_entrance(store: EventStore | None = None, on_step: Callable[[Dispute], None] | None = None) -> DemoRun:
    """Run the garage-entrance dispute under ``baseline``, saving each command in ``store``.

    ``store`` defaults to a fresh :class:`~fengqiao.storage.MemoryEventStore`; ``on_step`` is
    called after each event. The dispute id is ``YJ-2024-NNNN``, numbered after the disputes
    already in the store, so the demo can run again and again on one database.
    """
    store = store if store is not None else MemoryEventStore()
    clock = FixedClock(datetime(2024, 1, 31, 8, 40, tzinfo=CHINA_TZ))
    number = sum(1 for _ in store.streams()) + 1
    wf = Workflow("baseline", clock=clock, ids=lambda: f"YJ-2024-{number:04d}")
    repo = Repository(wf, store)
    officer = "officer:xiao"
    step = on_step or (lambda _d: None)

    d = repo.discover(
        channel=Channel.ALARM_110,
        category=Category.PROPERTY_MANAGEMENT,
        summary="业主驾车堵住小区地下车库入口：2017年经复工组购买车位，开发商拒绝出具交接单并要求补差价",
        parties=[
            Party(name="赵某", role=PartyRole.COMPLAINANT, phone="13812345678"),
            Party(name="某房地产开发公司", kind=PartyKind.ORGANISATION, role=PartyRole.RESPONDENT),
            Party(name="某物业公司", kind=PartyKind.ORGANISATION, role=PartyRole.THIRD_PARTY),
        ],
        location="永济市某小区车库入口",
        actor=officer,
        station="城东派出所",
    )
    step(d)
    clock.advance(minutes=20)
    d = repo.fire(d, Trigger.GRADE, actor=officer, note="属公安管辖、未达立案标准，可调解")
    step(d)
    clock.advance(minutes=10)
    d = repo.fire(
        d,
        Trigger.MEDIATE,
        actor=officer,
        forces=[MediationForce.POLICE_OFFICE, MediationForce.VILLAGE_GRID, MediationForce.JUDICIAL_PROFESSIONAL],
        mediator="司法所律师、社区工作者、网格员",
        note="依据《民法典》咨询司法所律师，召集各方",
    )
    step(d)
    clock.advance(hours=3)
    d = repo.fire(d, Trigger.RECORD_ATTEMPT, actor=officer, outcome=Outcome.AGREEMENT, summary="各方达成协议")
    step(d)
    agreement = DossierItem(kind=DossierKind.MEDIATION_AGREEMENT, title="车位交接调解协议")
    d = repo.fire(d, Trigger.ATTACH, actor=officer, item=agreement)
    step(d)
    d = repo.fire(d, Trigger.RESOLVE, actor=officer, summary="物业公司将业主车辆录入门禁系统")
    step(d)

    refusals: tuple[Refusal, ...] = ()
    try:
        repo.fire(d, Trigger.CLOSE, actor=officer)
    except TransitionRefused as refused:
        refusals = refused.refusals

    clock.advance(timedelta(days=7))
    d = repo.fire(
        d, Trigger.RECORD_VISIT, actor="grid_worker:wang", kind=VisitKind.PHONE, finding="协议履行良好，车辆正常进出"
    )
    step(d)
    d = repo.fire(d, Trigger.CLOSE, actor=officer, summary="纠纷化解，回访无反复，销号")
    step(d)
    return DemoRun(d, refusals, wf, repo.get(d.id), store.verify(d.id))
