"""What the tests share: the time they start at, the actors, and disputes built up to each stage.

Imported as ``from tests.stages import ...``: ``tests`` is a package, found from the rootdir.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import fengqiao as fq
from fengqiao.testing import Lifecycle, Step

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2024, 1, 31, 9, 0, tzinfo=SHANGHAI)
OFFICER = "officer:xiao"
GRID_WORKER = "grid_worker:wang"


class Disputes:
    """Builds disputes at a given stage of the baseline lifecycle, one command per step."""

    def __init__(self, wf: fq.Workflow, clock: fq.FixedClock) -> None:
        self.wf = wf
        self.clock = clock

    def discovered(
        self,
        *,
        risk_factors: Iterable[fq.RiskFactor | str] = (),
        parties: Iterable[fq.Party] = (fq.Party(name="赵某"),),
        category: fq.Category = fq.Category.NEIGHBOUR,
    ) -> fq.Dispute:
        return self.wf.discover(
            channel=fq.Channel.ALARM_110,
            category=category,
            summary="车辆堵住车库出口",
            parties=parties,
            risk_factors=risk_factors,
            actor=OFFICER,
            station="蒲州派出所",
        )

    def graded(
        self,
        *,
        police_business: bool = True,
        meets_case_threshold: bool = False,
        complex: bool = False,
    ) -> fq.Dispute:
        d = self.discovered()
        self.clock.advance(minutes=20)
        return self.wf.grade(
            d,
            actor=OFFICER,
            police_business=police_business,
            meets_case_threshold=meets_case_threshold,
            complex=complex,
        )

    def mediating(self) -> fq.Dispute:
        d = self.graded()
        self.clock.advance(minutes=10)
        return self.wf.mediate(d, actor=OFFICER, forces=[fq.MediationForce.POLICE_OFFICE])

    def referred(self) -> fq.Dispute:
        d = self.graded(police_business=False)
        self.clock.advance(minutes=10)
        return self.wf.refer(d, actor=OFFICER, department=fq.Department.JUSTICE_OFFICE, reason="not police business")

    def follow_up(self) -> fq.Dispute:
        d = self.mediating()
        self.clock.advance(hours=3)
        d = self.wf.record_attempt(d, actor=OFFICER, outcome=fq.Outcome.AGREEMENT)
        return self.wf.resolve(d, actor=OFFICER, summary="agreement signed")

    def visited(self, *, holding: bool = True) -> fq.Dispute:
        d = self.follow_up()
        self.clock.advance(days=7)
        return self.wf.record_visit(d, actor=GRID_WORKER, kind=fq.VisitKind.PHONE, holding=holding)

    def closed(self) -> fq.Dispute:
        return self.wf.close(self.visited(), actor=OFFICER)


def commands(run: Lifecycle) -> Iterator[tuple[fq.Dispute, Step]]:
    """Each command of a random lifecycle with the dispute it was given."""
    accepted = iter(run.disputes)
    before = next(accepted)
    for step in run.steps:
        yield before, step
        if step.accepted:
            before = next(accepted)


def check_replay_and_graph(run: Lifecycle, policy: fq.Policy) -> None:
    """Each accepted command moved the dispute along the graph by one event; replay and JSON give the value back."""
    graph, values = run.workflow.graph, iter(run.disputes[1:])
    for before, step in commands(run):
        if step.accepted:
            after = next(values)
            assert after.state == graph.target(before.state, step.trigger)
            assert after.history[:-1] == before.history
    d = run.dispute
    assert fq.replay(d.history, policy=policy) == d
    assert fq.loads(fq.dumps(d), fq.Dispute) == d
