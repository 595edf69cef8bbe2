"""The officer: an agent that drives one dispute at a time through the workflow, as a station would.

discover → grade → route (mediate with forces / refer with a department and papers /
escalate) → attempts → resolve → follow-up visits → close, and a relapse reopens.

The officer knows no policy. It does the plain thing first and reads what a refusal says
(:class:`~fengqiao.errors.TransitionRefused` and its codes): it hands a command its role may
not do to the station's member of a role the policy requires (Shanxi's command room or
case-handling team), assigns a responsible leader, officer or supervisor when one is missing,
files what ``wf.dossier_gaps(d)`` lists (also when a refusal says a record is missing), records
the visits a close is waiting for, regrades up when a new risk demands it and down a step at
a time when only a lower grade may close, lets time pass when a period has to run, and
remembers payload lessons (a hand-over paper, a joint-handling notice, the court among the
forces) for the next dispute. After a bounded number of tries it gives up and leaves the
dispute open. Only ``TransitionRefused`` is caught: anything else is a bug and propagates.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from fengqiao.domain.actor import Actor, Role
from fengqiao.domain.clock import FixedClock
from fengqiao.domain.dossier import DossierItem, DossierKind
from fengqiao.domain.party import Alert
from fengqiao.domain.terms import CaseKind, Channel, Outcome, VisitKind
from fengqiao.errors import TransitionRefused
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.states import State, Trigger, TriggerId
from fengqiao.simulation.papers import (
    Payload,
    attempt_payload,
    correction_payload,
    gap_payload,
    mediate_payload,
    refer_payload,
    resolve_payload,
)
from fengqiao.simulation.plan import Case
from fengqiao.simulation.scenario import Scenario
from fengqiao.workflow import Workflow

__all__ = ["Officer"]

MAX_TRIES = 4
"""Tries of one command (each after answering the previous refusals) before giving up."""
MAX_CLOSE_TRIES = 12
"""Tries of ``close``: an observation period may need a visit a month for half a year."""
MAX_RELAPSES = 2

_THREE_VISITS = (VisitKind.PHONE, VisitKind.ON_SITE, VisitKind.PUBLIC_RETURN)
_LESSONS = frozenset(
    {
        "handover-paper-missing",
        "committee-report-missing",
        "joint-notice-missing",
        "joint-forces-missing",
        "court-force-missing",
        "force-missing",
        "joint-kind-missing",
        "centre-missing",
    }
)
"""Refusals answered by a better payload next time (and for every later dispute)."""
_PERIOD_RUNNING = frozenset({"observation-not-over", "monthly-visit-missing"})
_WAIT = frozenset({"red-period-not-met", "not-under-mediation"})
_TO_REFER = frozenset({"not-police-business", "court-pre-filing-out-of-scope"})
_MINUTE, _HOUR, _DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
"""Units to count whole numbers of: ``n * _HOUR == timedelta(hours=n)``, and is quicker to make.
Fractions of a day still go through ``timedelta(days=x)``: a float times a timedelta may round
the last microsecond the other way."""
_VISIT_INTERVAL = timedelta(days=28)
"""How long the officer lets an observation period run before the next monthly visit."""
_WAIT_A_WHILE = timedelta(days=5)
"""How long the officer waits when a refusal says a period has not run yet."""


def _what(code: str) -> str:
    """The part of a refusal code that says what is wrong: ``yongji.close.no-visit`` → ``no-visit``."""
    parts = code.split(".")
    return parts[2] if len(parts) >= 3 else parts[-1]


class Officer:
    """Handles dispute after dispute under one workflow, learning what the policy asks.

    Args:
        wf: the workflow; its clock must be ``clock``.
        clock: set to each dispute's arrival and moved along its story.
        scenario: the rates the story is drawn with, and the staff.
        refusals: counts every refusal met, by code (shared with the caller).
    """

    def __init__(self, wf: Workflow, clock: FixedClock, scenario: Scenario, refusals: Counter[str]) -> None:
        self.wf = wf
        self.clock = clock
        self.scenario = scenario
        self.refusals = refusals
        self.learned: set[str] = set()
        self.gave_up = False
        self._last: tuple[str, ...] = ()
        self._rng = random.Random(0)
        """The dispute's own generator, seeded afresh with each case's seed."""
        self._case: Case | None = None
        self._spot = False
        """Whether the dispute is settled on the spot (agreed at once, within the hour)."""
        self._station = ""
        """The dispute's station (``station-001``)."""
        self._officer = ""
        """The dispute's officer, as an actor (``community_officer:station-001-01``)."""
        self._leader = ""
        """The station's responsible leader, as an actor."""
        self._hands: dict[TriggerId, Role] = {}
        """Triggers the officer's role may not fire → the role the policy wants (learned from refusals)."""

    # -- one dispute -----------------------------------------------------------------------
    def handle(self, case: Case) -> Dispute:
        """Drive ``case`` from its first alert as far as the policy lets; return the last value."""
        self.gave_up = False
        self._last = ()
        self._case = case
        self._station = station = f"station-{case.station + 1:03d}"
        self._officer = f"community_officer:{station}-{case.officer + 1:02d}"
        self._leader = f"responsible_leader:{station}-head"
        rng = self._rng
        rng.seed(case.seed)  # the same state as a new random.Random(case.seed), without making one
        share = self.scenario.on_the_spot_share
        self._spot = spot = (
            case.fate.on_the_spot
            if case.fate is not None
            else share > 0  # no draw without a share: a scenario without one draws as it always did
            and case.police_business
            and not (case.meets_case_threshold or case.complex)
            and rng.random() < share
        )
        self.clock.set(case.arrival)
        d = self._discover(case)
        if case.second_alert:
            self.clock.advance((rng.randint(1, 10) if spot else rng.randint(10, 240)) * _MINUTE)
            d = self._fire(d, Trigger.LINK_ALERT, lambda _d: {"alert": self._second_alert()})
        self.clock.advance((rng.randint(5, 20) if spot else rng.randint(15, 240)) * _MINUTE)
        assessment = {
            "police_business": case.police_business,
            "meets_case_threshold": case.meets_case_threshold,
            "complex": case.complex,
        }
        d = self._fire(d, Trigger.GRADE, lambda _d: assessment)
        if d.state is not State.GRADED:
            return d
        if case.meets_case_threshold:
            return self._escalate(d)
        if not case.police_business:
            return self._refer(d)
        return self._mediate(d)

    def _discover(self, case: Case) -> Dispute:
        reporter = self._grid_worker() if case.channel is Channel.GRID_WORKER else None
        actor = reporter or self._officer
        if case.channel is Channel.SECURITY_INFORMANT:
            reporter = f"治安信息员{case.parties[0].name[0]}某（{self._station}）"
        for who in (actor, self._officer):
            try:
                return self.wf.discover(
                    channel=case.channel,
                    category=case.category,
                    summary=f"{case.category.label('zh')}：{case.parties[0].name}与{case.parties[1].name}",
                    parties=case.parties,
                    risk_factors=case.risk_factors,
                    station=self._station,
                    reporter="" if reporter is None else reporter,
                    actor=who,
                    dispute_id=case.dispute_id,
                )
            except TransitionRefused as refused:
                self._count(refused)
        raise AssertionError("unreachable: an officer may always discover")  # pragma: no cover

    # -- routes ----------------------------------------------------------------------------
    def _escalate(self, d: Dispute) -> Dispute:
        kind = CaseKind.CRIMINAL if self._rng.random() < 0.3 else CaseKind.ADMINISTRATIVE
        self.clock.advance(self._rng.randint(1, 24) * _HOUR)
        payload = {"case_kind": kind, "reason": "达到立案标准，转为案件办理"}
        return self._fire(d, Trigger.ESCALATE, lambda _d: payload)

    def _refer(self, d: Dispute, reason: str = "不属于公安管辖，移交责任部门", relapses: int = 0) -> Dispute:
        self.clock.advance(self._rng.randint(1, 48) * _HOUR)
        d = self._fire(d, Trigger.REFER, lambda x: refer_payload(x, self.learned, reason))
        if d.state is not State.REFERRED:
            return self._reroute(d)
        fate = self._case.fate if self._case is not None else None
        if fate is not None and (not fate.police_business or not fate.agrees_at):
            reports = fate.department_reports  # dealt a hand-over: dealt whether the department reports
        else:  # drawn; also when the policy routes to a department what the deal kept at the station
            reports = self._rng.random() < self.scenario.referral_report_rate
        if not reports:
            return d  # handed over; the department never reports within the period
        self.clock.advance(self._rng.randint(5, 30) * _DAY)
        department = d.referral.department if d.referral is not None else None
        payload = {
            "outcome": Outcome.AGREEMENT,
            "reported_by": department,
            "summary": "责任部门反馈已化解",
            "documents": (DossierItem(kind=DossierKind.RESULT_REPORT, title="责任部门处理结果"),),
        }
        d = self._fire(d, Trigger.RESOLVE, lambda _d: payload)
        return self._follow_up(d, relapses) if d.state is State.FOLLOW_UP else d

    def _mediate(self, d: Dispute) -> Dispute:
        self.clock.advance(self._rng.randint(1, 10) * _MINUTE if self._spot else self._rng.randint(1, 24) * _HOUR)
        d = self._fire(d, Trigger.MEDIATE, lambda x: mediate_payload(x, self._rng, self.learned, self._officer))
        if d.state is not State.MEDIATING:
            return self._reroute(d)
        return self._attempts(d)

    def _attempts(self, d: Dispute, relapses: int = 0) -> Dispute:
        rng, scenario = self._rng, self.scenario
        fate = self._case.fate if self._case is not None else None
        # An exact scenario dealt the attempt that agrees; after a relapse, the next one does.
        agrees_at = None if fate is None else fate.agrees_at if relapses == 0 else 1
        spot = self._spot and relapses == 0
        for attempt in range(1, scenario.max_attempts + 1):
            if spot:
                self.clock.advance(rng.randint(5, 15) * _MINUTE)
            else:
                self.clock.advance(timedelta(days=rng.uniform(2, 10) if d.complex else rng.uniform(0.05, 3)))
            agreed = spot or (
                attempt == agrees_at if agrees_at is not None else rng.random() < scenario.mediation_success
            )
            outcome = Outcome.AGREEMENT if agreed else (Outcome.PARTIAL if rng.random() < 0.5 else Outcome.FAILED)
            d = self._fire(d, Trigger.RECORD_ATTEMPT, attempt_payload(outcome))
            if self.gave_up:
                return d
            if agreed:
                self.clock.advance(rng.randint(2, 10) * _MINUTE if spot else rng.randint(1, 12) * _HOUR)
                d = self._fire(d, Trigger.RESOLVE, resolve_payload)
                return self._follow_up(d, relapses) if d.state is State.FOLLOW_UP else d
        return self._refer(d, reason="多次调解不成，移交责任部门", relapses=relapses)

    def _reroute(self, d: Dispute) -> Dispute:
        """After a route was refused for good: try the one the refusals point to, else stop."""
        whats = {_what(c) for c in self._last}
        if "case-threshold-met" in whats and d.state in (State.GRADED, State.MEDIATING, State.REFERRED):
            self.gave_up = False
            return self._escalate(d)
        if whats & _TO_REFER and d.state in (State.GRADED, State.MEDIATING):
            self.gave_up = False
            return self._refer(d)
        return d

    # -- follow-up and close ---------------------------------------------------------------
    def _follow_up(self, d: Dispute, relapses: int = 0) -> Dispute:
        rng = self._rng
        self.clock.advance(timedelta(days=rng.uniform(1, 7)))
        fate = self._case.fate if self._case is not None else None
        if fate is not None:
            relapse = relapses == 0 and fate.relapses
        else:
            relapse = relapses < MAX_RELAPSES and rng.random() < self.scenario.relapse_rate
        visit = {
            "kind": VisitKind.PHONE,
            "holding": not relapse,
            "finding": "协议履行中" if not relapse else "纠纷反复",
        }
        d = self._fire(d, Trigger.RECORD_VISIT, lambda _d: visit, actor=self._visitor())
        if self.gave_up:
            return d
        if relapse:
            self.clock.advance(rng.randint(2, 48) * _HOUR)
            d = self._fire(d, Trigger.REOPEN, lambda _d: {"reason": "回访发现纠纷反复"})
            return self._attempts(d, relapses + 1) if d.state is State.MEDIATING else d
        d = self._attach_gaps(d)
        self.clock.advance(rng.randint(1, 24) * _HOUR)
        return self._fire(d, Trigger.CLOSE, lambda _d: {"summary": "回访无反复，销号"}, tries=MAX_CLOSE_TRIES)

    # -- firing and answering refusals -----------------------------------------------------
    def _fire(
        self,
        d: Dispute,
        trigger: TriggerId,
        payload: Payload,
        *,
        actor: str | None = None,
        tries: int = MAX_TRIES,
        depth: int = 0,
    ) -> Dispute:
        """Fire ``trigger``, answering refusals up to ``tries`` times; on giving up, mark it."""
        who = actor or self._officer
        if trigger in self._hands:
            who = f"{self._hands[trigger].value}:{self._station}"
        for _ in range(tries):
            try:
                return self.wf.fire(d, trigger, actor=who, **payload(d))
            except TransitionRefused as refused:
                self._count(refused)
                self._last = codes = tuple(r.code for r in refused.refusals)
            if "auth.role-required" in codes and (stand_in := self._stand_in(trigger, who)) is not None:
                who = stand_in
                continue
            d, progressed = self._answer(d, trigger, codes, depth)
            if not progressed:
                break
        if depth == 0:
            self.gave_up = True
        return d

    def _answer(self, d: Dispute, trigger: TriggerId, codes: tuple[str, ...], depth: int) -> tuple[Dispute, bool]:
        """Do what the refusals ask; say whether anything changed that could make a retry land."""
        progressed = False
        done: set[str] = set()
        for code in codes:
            what = _what(code)
            if what in done:
                continue
            done.add(what)
            before = d.version
            if what in _LESSONS:
                progressed |= what not in self.learned
                self.learned.add(what)
                continue
            if depth > 1:
                continue
            if what == "responsible-leader-missing":
                d = self._assign(d, f"{self._station}所长", Role.RESPONSIBLE_LEADER, depth)
            elif what == "responsible-officer-missing":
                d = self._assign(d, self._officer.partition(":")[2], Role.RESPONSIBLE_OFFICER, depth)
            elif what == "key-unsupervised":
                d = self._assign(d, f"{self._station}督办领导", Role.SUPERVISOR, depth, actor=self._leader)
            elif what in ("upgrade-pending", "must-go-up"):
                d = self._regrade(d, -1, depth)
            elif what == "not-blue":
                d = self._regrade(d, +1, depth)
            elif what == "dossier-missing":
                d = self._attach_gaps(d, depth)
            elif what == "no-visit":
                d = self._visit(d, VisitKind.PHONE, depth)
            elif what == "three-visits-missing":
                seen = {v.kind for v in d.visits_since_resolution}
                for kind in _THREE_VISITS:
                    if kind not in seen:
                        self.clock.advance(timedelta(days=self._rng.uniform(1, 5)))
                        d = self._visit(d, kind, depth)
            elif what in _PERIOD_RUNNING:
                if done.isdisjoint(_PERIOD_RUNNING - {what}):
                    self.clock.advance(_VISIT_INTERVAL)
                    d = self._visit(d, VisitKind.ON_SITE, depth)
                    progressed = True
            elif what in _WAIT:
                self.clock.advance(_WAIT_A_WHILE)
                progressed = True
            elif what == "review-uncorrected":
                d = self._fire(d, Trigger.ATTACH, correction_payload, depth=depth + 1)
            elif what.endswith("-missing"):
                d = self._attach_gaps(d, depth)  # a record the policy lists as a gap (Shanxi's survey …)
            progressed |= d.version > before
        return d, progressed

    def _stand_in(self, trigger: TriggerId, who: str) -> str | None:
        """Who else may do ``trigger`` after ``who`` was refused for their role, or ``None``.

        The dispute's officer if the policy lets officers do it; else the station's member of
        the first role the policy requires (``command_room:station-001``), remembered for
        every later dispute.
        """
        roles = self.wf.policy.required_roles(trigger)
        if who != self._officer and (roles is None or Actor.parse(self._officer).has_any(roles)):
            return self._officer
        if not roles:
            return None
        role = min(roles, key=lambda r: r.value)
        self._hands[trigger] = role
        stand_in = f"{role.value}:{self._station}"
        return None if stand_in == who else stand_in

    # -- the actions answers are made of -------------------------------------------------------
    def _assign(self, d: Dispute, person: str, role: Role, depth: int, *, actor: str | None = None) -> Dispute:
        if person in d.assignees(role):
            return d
        return self._fire(d, Trigger.ASSIGN, lambda _d: {"person": person, "role": role}, actor=actor, depth=depth + 1)

    def _regrade(self, d: Dispute, step: int, depth: int) -> Dispute:
        grades = self.wf.policy.grades
        if d.grade not in grades:
            return d
        target = grades.index(d.grade) + step
        if not 0 <= target < len(grades):
            return d
        reason = "出现新风险，上调等级" if step < 0 else "风险下降，逐级下调"
        payload = {"grade": grades[target], "reason": reason}
        return self._fire(d, Trigger.REGRADE, lambda _d: payload, actor=self._leader, depth=depth + 1)

    def _visit(self, d: Dispute, kind: VisitKind, depth: int) -> Dispute:
        payload = {"kind": kind, "holding": True, "finding": "协议履行良好"}
        return self._fire(d, Trigger.RECORD_VISIT, lambda _d: payload, actor=self._visitor(), depth=depth + 1)

    def _attach_gaps(self, d: Dispute, depth: int = 0) -> Dispute:
        """File one item for each dossier requirement the policy says is unmet."""
        for gap in self.wf.dossier_gaps(d):
            d = self._fire(d, Trigger.ATTACH, gap_payload(gap), depth=depth + 1)
        return d

    # -- people, time, bookkeeping -------------------------------------------------------------
    def _grid_worker(self) -> str | None:
        workers = self.scenario.staff.grid_workers
        return None if workers == 0 else f"grid_worker:g{self._rng.randrange(workers) + 1:05d}"

    def _visitor(self) -> str:
        return (self._grid_worker() if self._rng.random() < 0.5 else None) or self._officer

    def _second_alert(self) -> Alert:
        return Alert(channel=Channel.ALARM_110, received_at=self.clock.now(), summary="同一纠纷再次报警")

    def _count(self, refused: TransitionRefused) -> None:
        self.refusals.update(r.code for r in refused.refusals)
