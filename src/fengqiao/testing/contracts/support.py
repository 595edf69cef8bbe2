"""Histories, stores and tampering the contract suites share; use them in your own back-end's tests too."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Protocol

import pytest

import fengqiao as fq
from fengqiao.errors import StorageError
from fengqiao.lifecycle.events import Event
from fengqiao.policies.base import CHINA_TZ
from fengqiao.serde import SCHEMA_VERSION
from fengqiao.storage import Anchor, EventStore, Projector, Repository, StoredEvent
from fengqiao.storage._chain import GENESIS, link
from fengqiao.storage._codec import canonical_json

START = datetime(2024, 1, 31, 8, 40, tzinfo=CHINA_TZ)
OFFICER = "officer:xiao"


class StoreFactory(Protocol):
    """Opens a store on the test's database (the same one each time)."""

    def __call__(self, projectors: Sequence[Projector[Any]] = (), *, upgrade: bool = True) -> EventStore: ...


def workflow(prefix: str = "YJ") -> fq.Workflow:
    """A baseline workflow on a fixed clock, with readable, reproducible ids."""
    counter = itertools.count(1)
    return fq.Workflow("baseline", clock=fq.FixedClock(START), ids=lambda: f"{prefix}-{next(counter):04d}")


def tick(wf: fq.Workflow, **delta: float) -> None:
    """Advance ``wf``'s fixed clock by ``delta`` (``timedelta``'s arguments)."""
    clock = wf.clock
    assert isinstance(clock, fq.FixedClock)
    clock.advance(timedelta(**delta))


def discover(wf: fq.Workflow, summary: str = "邻里噪音纠纷") -> fq.Dispute:
    """A neighbours' dispute discovered at 蒲州派出所 (with repeated alerts if the summary says 重复)."""
    return wf.discover(
        channel=fq.Channel.ALARM_110,
        category=fq.Category.NEIGHBOUR,
        summary=summary,
        parties=[fq.Party(name="赵某", role=fq.PartyRole.COMPLAINANT, phone="13812345678"), fq.Party(name="钱某")],
        risk_factors=[fq.RiskFactor.REPEATED_ALERTS] if "重复" in summary else [],
        station="蒲州派出所",
        location="永济市某小区",
        actor=OFFICER,
    )


def closed(wf: fq.Workflow) -> fq.Dispute:
    """Discovered to closed, through a relapse: nearly every kind of event."""
    d = discover(wf, "业主驾车堵住车库出口（重复报警）")
    d = wf.assign(d, actor=OFFICER, person="民警肖某", role=fq.Role.RESPONSIBLE_OFFICER)
    tick(wf, minutes=5)
    d = wf.link_alert(d, actor=OFFICER, alert=fq.Alert(channel=fq.Channel.HOTLINE_12345, received_at=wf.clock.now()))
    tick(wf, minutes=15)
    d = wf.grade(d, actor=OFFICER, note="可调解")
    d = wf.regrade(d, actor=OFFICER, grade="high", reason="多次报警")
    tick(wf, minutes=10)
    d = wf.mediate(
        d,
        actor=OFFICER,
        forces=[fq.MediationForce.POLICE_OFFICE, fq.MediationForce.VILLAGE_GRID],
        documents=[fq.DossierItem(kind=fq.DossierKind.JOINT_HANDLING_NOTICE, title="联调联处通知单")],
    )
    tick(wf, hours=3)
    d = wf.record_attempt(d, actor=OFFICER, outcome=fq.Outcome.AGREEMENT, summary="达成协议")
    d = wf.attach(d, fq.DossierItem(kind=fq.DossierKind.MEDIATION_AGREEMENT, title="调解协议"), actor=OFFICER)
    d = wf.resolve(d, actor=OFFICER, summary="录入门禁")
    tick(wf, days=3)
    d = wf.record_visit(d, actor="grid_worker:wang", kind=fq.VisitKind.PHONE, holding=False, finding="又堵车库")
    d = wf.reopen(d, actor=OFFICER, reason="反复")
    d = wf.record_attempt(d, actor=OFFICER, outcome=fq.Outcome.AGREEMENT)
    d = wf.resolve(d, actor=OFFICER)
    tick(wf, days=7)
    d = wf.record_visit(d, actor="grid_worker:wang", kind=fq.VisitKind.ON_SITE, finding="正常进出")
    d = wf.note(d, "回访无反复", actor=OFFICER)
    return wf.close(d, actor=OFFICER, summary="销号")


def referred(wf: fq.Workflow) -> fq.Dispute:
    """Discovered, graded not police business, referred to the justice office."""
    d = wf.grade(discover(wf, "劳资纠纷"), actor=OFFICER, police_business=False)
    return wf.refer(d, actor=OFFICER, department=fq.Department.JUSTICE_OFFICE, reason="非警务")


def escalated(wf: fq.Workflow) -> fq.Dispute:
    """Discovered, graded as meeting the case threshold, escalated to a case."""
    d = wf.grade(discover(wf, "殴打他人"), actor=OFFICER, meets_case_threshold=True)
    return wf.escalate(d, actor=OFFICER, case_kind=fq.CaseKind.ADMINISTRATIVE, case_number="2024-001")


def histories(wf: fq.Workflow) -> tuple[fq.Dispute, ...]:
    """Complete disputes of every ending, from one workflow."""
    first = closed(wf)
    merged = wf.merge(discover(wf, "同一纠纷的重复警情"), actor=OFFICER, into=first.id)
    return (first, referred(wf), escalated(wf), merged)


def with_notes(wf: fq.Workflow, d: fq.Dispute, count: int) -> fq.Dispute:
    """``d`` with ``count`` notes more."""
    for i in range(count):
        d = wf.note(d, f"note {i}", actor=OFFICER)
    return d


class Tamper(Protocol):
    """Rewrites a stream behind the store's back, as someone holding the database could.

    The rows of ``stream_id`` become ``events``, chained under ``rename or stream_id`` with
    correct hashes (see :func:`forge`), in the positions the first rows held (their
    ``recorded_at`` kept); its other rows are deleted and its head follows (gone with the
    last row). Plain ``verify()`` finds nothing wrong afterwards.
    """

    def __call__(self, stream_id: str, events: Sequence[Event], *, rename: str | None = None) -> None: ...


ForgedRow = tuple[int, str, int, str, str, str]
"""version, type, schema_version, data, prev_hash, hash."""


def forge(stream_id: str, events: Sequence[Event], *, after: int = 0, prev_hash: str = GENESIS) -> list[ForgedRow]:
    """The rows that chain ``events`` into ``stream_id`` after version ``after``, hashes and all."""
    rows: list[ForgedRow] = []
    for version, event in enumerate(events, after + 1):
        data = canonical_json(event)
        digest = link(prev_hash, stream_id, version, data)
        rows.append((version, event.type, SCHEMA_VERSION, data, prev_hash, digest))
        prev_hash = digest
    return rows


def anchored(store: EventStore) -> tuple[fq.Workflow, tuple[fq.Dispute, ...], Anchor]:
    """Four complete disputes stored (closed, referred, escalated, merged) and the store's anchor."""
    wf = workflow()
    ds = histories(wf)
    for d in ds:
        store.append(d.id, d.history, expected_version=0)
    return wf, ds, store.digest()


def found(store: EventStore, anchor: Anchor, stream_id: str | None = None) -> list[tuple[str, int, str]]:
    """``(stream, version, kind)`` of every problem ``verify(stream_id, anchor=anchor)`` finds."""
    return [(p.stream_id, p.version, p.kind) for p in store.verify(stream_id, anchor=anchor).problems]


def rewritten_history(d: fq.Dispute) -> tuple[Event, ...]:
    """Another history of as many events for ``d``'s id: what a consistent rewrite would store."""
    wf = fq.Workflow("baseline", clock=fq.FixedClock(START + timedelta(days=1)))
    other = wf.discover(channel="hotline_12345", category="debt", summary="改写的历史", actor=OFFICER, dispute_id=d.id)
    return with_notes(wf, other, d.version - 1).history


def noise(repo: Repository, summary: str = "噪音") -> fq.Dispute:
    """A neighbours' noise dispute, discovered and stored through ``repo``."""
    return repo.discover(channel="alarm_110", category="neighbour", summary=summary, actor=OFFICER)


def graded_noise(repo: Repository) -> fq.Dispute:
    """:func:`noise`, graded and stored."""
    return repo.fire(noise(repo), "grade", actor=OFFICER)


class Boom(Exception):
    """What the failing projector raises."""


@contextmanager
def raises_boom() -> Iterator[None]:
    """A projector's own exception fails the append as a ``StorageError`` naming it, with it as the cause."""
    with pytest.raises(StorageError, match=r"projector .* failed on stream") as caught:
        yield
    assert isinstance(caught.value.__cause__, Boom)


def failing_projector(tx: Any, events: tuple[StoredEvent, ...]) -> None:
    """A projector that always raises :class:`Boom`."""
    raise Boom(f"projector failed on {len(events)} events")
