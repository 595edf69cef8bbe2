"""The court: an agent that drives disputes through a court-led policy as Mashan's court and its 贝侬 would.

discover (by a village 贝侬, a grid worker, or the court for a suit) → grade → the court officer
linked to the village takes it → the 贝侬 find the people and property (查人找物) → mediation at
the village station with a 贝侬 → attempts; a failed attempt moves it up to the 贝侬 room (a
complex dispute goes there at once), a failed attempt there to the dispute centre → on
agreement: a filed suit is withdrawn (撤诉); otherwise the court confirms a share of the
agreements (申请司法确认 → 确认 → the 贝侬 see it performed → closed) and the rest are resolved,
visited, performed and closed. A potentially major dispute is reported to the centre and
settled in a joint session (court, police, justice office, agriculture bureau). Mediation that
fails at the centre too is handed to the court's trial (``refer`` to the court).

What the court knows: the mechanism's triggers (the three levels, confirmation, withdrawal),
and the policy's data any user of it can read — its 贝侬 pool and court officers (``pool``) and
who sits at a joint session (``joint_forces``), found on the policy or on a part of a composed
one. What it learns from refusals (:class:`~fengqiao.errors.TransitionRefused` codes):

- which kind of 贝侬 a dispute needs (``*-beinong-needed``: the village's, the clan's or a
  professional): it asks the village's 贝侬 first, a professional for a dispute of the top
  grade or one the grading flags ``professional``, and the clan's for a dispute between kin of a category it met
  ``clan-beinong-needed`` on before;
- which grade must go to the centre (``not-reported-to-centre``: it reports the dispute, holds
  the joint session, and reports every later dispute of that grade as soon as it is graded);
- the papers of a confirmation (``no-signed-agreement``, ``ruling-missing``: filed with every
  later one);
- anything a refusal says is missing from the dossier (it files ``wf.dossier_gaps(d)``), a 贝侬
  for the performance (``no-beinong``), the joint session (``joint-session-missing``), and the
  court officer for a command a 贝侬 may not do (``auth.role-required``).

An assignment of a court officer outside their villages is left undone; any other refusal it
cannot answer, after a bounded number of tries, leaves the dispute open (``gave_up``). Only
``TransitionRefused`` is caught: anything else is a bug and propagates.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any, Protocol, cast

from fengqiao.domain.actor import Actor, Role
from fengqiao.domain.clock import FixedClock
from fengqiao.domain.dossier import DossierItem, DossierKind
from fengqiao.domain.party import Alert, Party
from fengqiao.domain.terms import CaseKind, Channel, Department, MediationForce, Outcome, VisitKind
from fengqiao.errors import TransitionRefused
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.states import State, Trigger, TriggerId
from fengqiao.policies.base import Policy
from fengqiao.simulation.papers import Payload, gap_payload, resolve_payload
from fengqiao.simulation.plan import Case
from fengqiao.simulation.scenario import Scenario
from fengqiao.workflow import Workflow

__all__ = ["Court"]

REFER_TO_ROOM = "refer_to_room"
REPORT_TO_CENTRE = "report_to_centre"
REQUEST_CONFIRMATION = "request_confirmation"
CONFIRM = "confirm"
DECLINE_CONFIRMATION = "decline_confirmation"
TRACK_PERFORMANCE = "track_performance"
WITHDRAW = "withdraw"
"""The court-led mechanism's triggers (the graph a court-led policy adds)."""

MAX_TRIES = 4
"""Tries of one command (each after answering the previous refusals) before giving up."""
MAX_RELAPSES = 2
MAX_DECLINES = 1
"""Confirmations the court declines for one dispute at most (the next agreement is confirmed)."""
_LEVELS = ("station", "room", "centre")
_SURNAMES = "韦蓝黄覃陆李梁潘蒙罗莫卢"
"""Mashan's parties: common surnames of a Zhuang county (the pool's clans come first)."""
_MINUTE, _HOUR, _DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
_SEARCH = DossierItem(kind=DossierKind.SEARCH_RECORD, title="“贝侬”查人找物记录")
_AGREEMENT = DossierItem(kind=DossierKind.MEDIATION_AGREEMENT, title="调解协议书（双方签字）")
_RULING = DossierItem(kind=DossierKind.COURT_CONFIRMATION, title="民事裁定书（确认调解协议有效）")
_PERFORMED = DossierItem(kind=DossierKind.PERFORMANCE_RECORD, title="“贝侬”跟踪履行协议记录")
_PAPERS = {"no-signed-agreement": _AGREEMENT, "ruling-missing": _RULING}
"""Refusals of ``confirm`` answered by filing the paper with every later confirmation."""
_KINDS = {
    "village-beinong-needed": "village",
    "clan-beinong-needed": "clan",
    "professional-beinong-needed": "professional",
}
_CLAN = "clan-category:"
"""A lesson ``clan-category:elder_support``: between kin, that category is the clan 贝侬's."""
_REPORT = "report-grade:"
"""A lesson ``report-grade:major``: disputes of that grade go to the centre as soon as graded."""


class _Beinong(Protocol):
    """What the court reads of a 贝侬 in the policy's pool."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def village(self) -> str: ...
    @property
    def clan(self) -> str: ...


class _CourtOfficer(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def villages(self) -> frozenset[str]: ...


class _Pool(Protocol):
    @property
    def mediators(self) -> Sequence[_Beinong]: ...
    @property
    def court_officers(self) -> Sequence[_CourtOfficer]: ...


def _what(code: str) -> str:
    """The part of a refusal code that says what is wrong: ``mashan.close.not-performed`` → ``not-performed``."""
    parts = code.split(".")
    return parts[2] if len(parts) >= 3 else parts[-1]


def _lead_parts(policy: Policy) -> Iterable[object]:
    """The policy, or the parts of a composed one (the first leads)."""
    return cast("Iterable[object]", getattr(policy, "parts", (policy,)))


def _pool_of(policy: Policy) -> _Pool | None:
    for part in _lead_parts(policy):
        pool = getattr(part, "pool", None)
        if pool is not None and hasattr(pool, "mediators") and hasattr(pool, "court_officers"):
            return cast("_Pool", pool)
    return None


def _joint_forces_of(policy: Policy) -> frozenset[MediationForce]:
    for part in _lead_parts(policy):
        forces = getattr(part, "joint_forces", None)
        if forces:
            return frozenset(cast("Iterable[MediationForce]", forces))
    return frozenset({MediationForce.COURT})


class Court:
    """Handles dispute after dispute under a court-led workflow, as the court and its 贝侬 would.

    Args:
        wf: the workflow; its clock must be ``clock``. Its policy (or the first of a composed
            one) should carry a 贝侬 ``pool`` and ``joint_forces``, as ``mashan-beinong`` does.
        clock: set to each dispute's arrival and moved along its story.
        scenario: the rates the story is drawn with; its stations are the pool's villages, in
            the pool's order (a station number past the last wraps round).
        refusals: counts every refusal met, by code (shared with the caller).

    Class attributes (the library's choices; subclass and register to change them):
    ``confirmation_share`` of the agreements outside a suit are confirmed by the court, the
    court declines ``decline_share`` of the applications (once per dispute at most), and
    ``kin_share`` of the disputes are between two people of one clan.
    """

    confirmation_share = 0.6
    decline_share = 0.03
    kin_share = 0.3

    def __init__(self, wf: Workflow, clock: FixedClock, scenario: Scenario, refusals: Counter[str]) -> None:
        self.wf = wf
        self.clock = clock
        self.scenario = scenario
        self.refusals = refusals
        self.learned: set[str] = set()
        self.gave_up = False
        self._rng = random.Random(0)
        pool = _pool_of(wf.policy)
        mediators: Sequence[_Beinong] = () if pool is None else pool.mediators
        self._mediators = tuple(mediators)
        self._officers: tuple[_CourtOfficer, ...] = () if pool is None else tuple(pool.court_officers)
        self._villages = tuple(dict.fromkeys(m.village for m in mediators if m.kind == "village")) or ("village",)
        clans = [m.clan for m in mediators if m.kind == "clan"]
        self._clans = tuple(dict.fromkeys(clans)) or tuple(_SURNAMES[:1])
        self._joint = tuple(sorted(_joint_forces_of(wf.policy) | {MediationForce.BEINONG}))
        self._village = ""
        self._judge = ""
        """The court officer linked to the dispute's village, as an actor."""
        self._beinong = ""
        """The 贝侬 on the dispute (a name of the pool)."""
        self._level = 0
        """Where the dispute is mediated: an index of ``_LEVELS``."""
        self._declines = 0

    # -- one dispute -----------------------------------------------------------------------
    def handle(self, case: Case) -> Dispute:
        """Drive ``case`` from its first report as far as the policy lets; return the last value."""
        self.gave_up = False
        self._level = self._declines = 0
        rng = self._rng
        rng.seed(case.seed)
        self._village = village = self._villages[case.station % len(self._villages)]
        linked = [o.name for o in self._officers if village in o.villages] or [o.name for o in self._officers]
        self._judge = f"court_officer:{linked[case.officer % len(linked)] if linked else '法院干警'}"
        self._beinong = self._choose("village", village) or ""
        self.clock.set(case.arrival)
        d = self._discover(case)
        if case.second_alert:
            self.clock.advance(rng.randint(10, 240) * _MINUTE)
            alert = Alert(channel=Channel.WALK_IN, received_at=self.clock.now(), summary="当事人再次反映同一纠纷")
            d = self._fire(d, Trigger.LINK_ALERT, lambda _d: {"alert": alert})
        self.clock.advance(rng.randint(30, 480) * _MINUTE)
        assessment = {
            "police_business": case.police_business,
            "meets_case_threshold": case.meets_case_threshold,
            "complex": case.complex,
        }
        d = self._fire(d, Trigger.GRADE, lambda _d: assessment)
        if d.state is not State.GRADED:
            return d
        if case.meets_case_threshold:
            self.clock.advance(rng.randint(1, 24) * _HOUR)
            payload = {"case_kind": CaseKind.CRIMINAL, "reason": "达到立案标准，转为案件办理"}
            return self._fire(d, Trigger.ESCALATE, lambda _d: payload)
        d = self._fire(
            d, Trigger.ASSIGN, lambda _d: {"person": self._name(self._judge), "role": Role.COURT_OFFICER}, depth=1
        )
        if f"{_REPORT}{d.grade}" in self.learned:
            return self._report_at_once(d)
        self.clock.advance(timedelta(days=rng.uniform(0.2, 3)))
        d = self._fire(d, Trigger.ATTACH, lambda _d: {"item": _SEARCH}, actor=self._mediator())
        self._beinong = self._first_choice(d)
        d = self._fire(d, Trigger.MEDIATE, self._mediate_payload)
        if d.state is not State.MEDIATING:
            return d
        if d.complex:  # 疑难复杂: the 贝侬 room takes it at once
            d = self._move_up(d)
        return self._mediation(d)

    def _discover(self, case: Case) -> Dispute:
        if case.channel in (Channel.FILED_SUIT, Channel.WALK_IN, Channel.COURT_PRE_FILING):
            actor = self._judge
        elif case.channel is Channel.GRID_WORKER and self.scenario.staff.grid_workers:
            actor = f"grid_worker:g{self._rng.randrange(self.scenario.staff.grid_workers) + 1:05d}"
        else:
            actor = self._mediator()  # 乡贤“贝侬”摸排风险
        parties = self._parties()
        for who in dict.fromkeys((actor, self._judge)):
            try:
                return self.wf.discover(
                    channel=case.channel,
                    category=case.category,
                    summary=f"{case.category.label('zh')}：{parties[0].name}与{parties[1].name}",
                    parties=parties,
                    risk_factors=case.risk_factors,
                    station=self._village,
                    actor=who,
                    dispute_id=case.dispute_id,
                )
            except TransitionRefused as refused:  # this reporter may not open it: the court does
                self._count(refused)
        raise AssertionError("unreachable: a court-led policy lets its court officers discover")  # pragma: no cover

    def _parties(self) -> tuple[Party, Party]:
        """Two parties: of one clan (kin, 贝侬) for ``kin_share`` of the disputes, else of two surnames."""
        rng = self._rng
        if rng.random() < self.kin_share:
            first = second = rng.choice(self._clans)
        else:
            first, second = rng.sample(_SURNAMES, 2)
        return Party(name=f"{first}某"), Party(name=f"{second}某某")

    # -- the three levels --------------------------------------------------------------------
    def _report_at_once(self, d: Dispute) -> Dispute:
        """A dispute of a grade the centre must hear: reported within hours of grading, then a joint session."""
        self.clock.advance(self._rng.randint(1, 12) * _HOUR)
        d = self._fire(d, REPORT_TO_CENTRE, lambda _d: {"documents": (_SEARCH,), "note": "潜在重大矛盾纠纷，及时上报"})
        if d.state is not State.MEDIATING:
            return d
        self._level = 2
        self._beinong = self._first_choice(d)
        d = self._assign_beinong(d)
        return self._mediation(d)

    def _mediation(self, d: Dispute, relapses: int = 0) -> Dispute:
        """Attempts at each level from the current one up; agreement settles, failure moves up a level."""
        rng, scenario = self._rng, self.scenario
        while True:
            for attempt in range(scenario.max_attempts):
                self.clock.advance(timedelta(days=rng.uniform(1, 10) if d.complex else rng.uniform(0.1, 3)))
                if rng.random() < scenario.mediation_success:
                    outcome = Outcome.AGREEMENT
                elif attempt == scenario.max_attempts - 1 or rng.random() < 0.5:
                    outcome = Outcome.FAILED
                else:
                    outcome = Outcome.PARTIAL
                d = self._attempt(d, outcome)
                if self.gave_up:
                    return d
                if outcome is Outcome.AGREEMENT:
                    return self._settle(d, relapses)
                if outcome is Outcome.FAILED:
                    break
            if self._level == len(_LEVELS) - 1:
                return self._to_trial(d)
            d = self._move_up(d)
            if self.gave_up:
                return d

    def _attempt(self, d: Dispute, outcome: Outcome) -> Dispute:
        """One attempt: by the 贝侬 with the court below the centre; a joint session at the centre."""
        if self._level == 2:
            payload = {"outcome": outcome, "forces": self._joint, "summary": "调处中心联席解纷"}
            return self._fire(d, Trigger.RECORD_ATTEMPT, lambda _d: payload)
        payload = {"outcome": outcome, "forces": d.forces, "summary": "“贝侬”调解"}
        return self._fire(d, Trigger.RECORD_ATTEMPT, lambda _d: payload, actor=self._mediator())

    def _move_up(self, d: Dispute) -> Dispute:
        trigger = REFER_TO_ROOM if self._level == 0 else REPORT_TO_CENTRE
        self.clock.advance(self._rng.randint(2, 72) * _HOUR)
        d = self._fire(d, trigger, lambda _d: {"note": "调解不成或疑难复杂，上移一级"})
        if not self.gave_up:
            self._level += 1
        return d

    def _to_trial(self, d: Dispute) -> Dispute:
        """Mediation failed at every level: the dispute goes to the court's trial."""
        self.clock.advance(self._rng.randint(1, 10) * _DAY)
        payload = {"department": Department.COURT, "reason": "三级调处未能化解，依法转入诉讼程序"}
        return self._fire(d, Trigger.REFER, lambda _d: payload)

    # -- settling ----------------------------------------------------------------------------
    def _settle(self, d: Dispute, relapses: int) -> Dispute:
        """An agreement: a suit is withdrawn; otherwise confirmed by the court, or resolved."""
        rng = self._rng
        self.clock.advance(rng.randint(1, 48) * _HOUR)
        if d.channel is Channel.FILED_SUIT:
            return self._fire(d, WITHDRAW, lambda _d: {"note": "调解达成协议，当事人撤诉"})
        if rng.random() < self.confirmation_share:
            return self._confirm(d, relapses)
        d = self._fire(d, Trigger.RESOLVE, resolve_payload)
        if d.state is not State.FOLLOW_UP:
            return d
        self.clock.advance(timedelta(days=rng.uniform(3, 30)))
        relapse = relapses < MAX_RELAPSES and rng.random() < self.scenario.relapse_rate
        visit = {"kind": VisitKind.ON_SITE, "holding": not relapse, "finding": "纠纷反复" if relapse else "协议履行中"}
        d = self._fire(d, Trigger.RECORD_VISIT, lambda _d: visit, actor=self._mediator())
        if relapse and not self.gave_up:
            d = self._fire(d, Trigger.REOPEN, lambda _d: {"reason": "回访发现纠纷反复"})
            return self._mediation(d, relapses + 1) if d.state is State.MEDIATING else d
        return self._performed(d)

    def _confirm(self, d: Dispute, relapses: int) -> Dispute:
        """调解 + 司法确认: apply, the court decides, the 贝侬 see the agreement performed."""
        rng = self._rng
        agreement = (_AGREEMENT,) if "no-signed-agreement" in self.learned else ()
        d = self._fire(d, REQUEST_CONFIRMATION, lambda _d: {"documents": agreement})
        if d.state != "awaiting_confirmation":
            return d
        self.clock.advance(timedelta(days=rng.uniform(1, 12)))
        if self._declines < MAX_DECLINES and rng.random() < self.decline_share:
            self._declines += 1
            d = self._fire(d, DECLINE_CONFIRMATION, lambda _d: {"note": "协议内容违反法律规定，裁定不予确认"})
            return self._mediation(d, relapses) if d.state is State.MEDIATING else d
        d = self._fire(d, CONFIRM, lambda _d: {"documents": self._confirm_papers()})
        if d.state != "confirmed":
            return d
        d = self._fire(d, TRACK_PERFORMANCE, lambda _d: {"note": "“贝侬”跟踪协议履行"}, actor=self._mediator())
        self.clock.advance(timedelta(days=rng.uniform(15, 90)))
        visit = {"kind": VisitKind.ON_SITE, "holding": True, "finding": "协议已履行"}
        d = self._fire(d, Trigger.RECORD_VISIT, lambda _d: visit, actor=self._mediator())
        return self._performed(d)

    def _joint_session(self, _d: Dispute) -> dict[str, Any]:
        """The centre's joint session, confirming the agreement reached below (联席解纷)."""
        return {"outcome": Outcome.AGREEMENT, "forces": self._joint, "summary": "联席解纷，确认调解方案"}

    def _confirm_papers(self) -> tuple[DossierItem, ...]:
        return tuple(paper for lesson, paper in _PAPERS.items() if lesson in self.learned)

    def _performed(self, d: Dispute) -> Dispute:
        """履行协议: the 贝侬 file the record of the agreement performed; the court closes."""
        if self.gave_up:
            return d
        d = self._fire(d, Trigger.ATTACH, lambda _d: {"item": _PERFORMED}, actor=self._mediator())
        self.clock.advance(self._rng.randint(1, 72) * _HOUR)
        return self._fire(d, Trigger.CLOSE, lambda _d: {"summary": "协议履行完毕，结案"})

    # -- firing and answering refusals -----------------------------------------------------
    def _fire(
        self, d: Dispute, trigger: TriggerId, payload: Payload, *, actor: str | None = None, depth: int = 0
    ) -> Dispute:
        """Fire ``trigger``, answering refusals up to :data:`MAX_TRIES` times; on giving up, mark it.

        ``depth`` above 0: a command done to answer another, or one the court may leave undone
        (assigning the court officer): failing it does not give the dispute up.
        """
        who = actor or self._judge
        for _ in range(MAX_TRIES):
            try:
                return self.wf.fire(d, trigger, actor=who, **payload(d))
            except TransitionRefused as refused:
                self._count(refused)
                codes = tuple(r.code for r in refused.refusals)
            if "auth.role-required" in codes and who != self._judge and self._judge_may(trigger):
                who = self._judge
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
        for what in dict.fromkeys(map(_what, codes)):
            before = d.version
            if what in _KINDS:
                if what == "clan-beinong-needed":
                    self.learned.add(f"{_CLAN}{d.category.value}")
                chosen = self._choose(_KINDS[what], d.station, d.parties)
                progressed |= chosen is not None and chosen != self._beinong
                self._beinong = chosen or self._beinong
            elif what in _PAPERS:
                progressed |= what not in self.learned
                self.learned.add(what)
            elif depth > 1:
                continue
            elif what == "not-reported-to-centre":
                self.learned.add(f"{_REPORT}{d.grade}")
                d = self._fire(
                    d, REPORT_TO_CENTRE, lambda _d: {"note": "潜在重大矛盾纠纷，上报调处中心"}, depth=depth + 1
                )
                self._level = 2 if d.version > before else self._level
            elif what == "joint-session-missing":
                d = self._fire(d, Trigger.RECORD_ATTEMPT, self._joint_session, depth=depth + 1)
            elif what == "no-beinong":
                d = self._assign_beinong(d, depth + 1)
            elif what == "people-and-property-not-found":
                d = self._fire(d, Trigger.ATTACH, lambda _d: {"item": _SEARCH}, actor=self._mediator(), depth=depth + 1)
            elif what.endswith(("-missing", "not-performed")):
                for gap in self.wf.dossier_gaps(d):
                    d = self._fire(d, Trigger.ATTACH, gap_payload(gap), actor=self._mediator(), depth=depth + 1)
            progressed |= d.version > before
        return d, progressed

    def _judge_may(self, trigger: TriggerId) -> bool:
        roles = self.wf.policy.required_roles(trigger)
        return roles is None or Actor.parse(self._judge).has_any(roles)

    # -- the 贝侬 ---------------------------------------------------------------------------
    def _choose(self, kind: str, village: str, parties: Iterable[Party] = ()) -> str | None:
        """A 贝侬 of ``kind`` for a dispute of ``village`` between ``parties``, or ``None`` if the pool has none."""
        if kind == "clan":
            clans = Counter(p.name[:1] for p in parties)
            candidates = [m.name for m in self._mediators if m.kind == kind and clans[m.clan] >= 2]
        elif kind == "village":
            candidates = [m.name for m in self._mediators if m.kind == kind and m.village == village]
        else:
            candidates = [m.name for m in self._mediators if m.kind == kind]
        return self._rng.choice(candidates) if candidates else None

    def _first_choice(self, d: Dispute) -> str:
        """The 贝侬 the court asks first (复杂纠纷由专业“贝侬”调解，家族纠纷家族“贝侬”解).

        A professional for a dispute of the policy's top grade or one the grading flags
        ``professional``; the clan's when the parties are of one clan and the category was
        learned to be a clan matter; else the village's own (本村屯纠纷本村屯“贝侬”调).
        """
        flags = () if d.grading is None else d.grading.flags
        kind = "village"
        if "professional" in flags or d.grade == self.wf.policy.grades[0]:
            kind = "professional"
        elif f"{_CLAN}{d.category.value}" in self.learned:
            kind = "clan"
        return self._choose(kind, d.station, d.parties) or self._choose("village", d.station) or self._beinong

    def _mediator(self) -> str:
        return f"mediator:{self._beinong}" if self._beinong else self._judge

    def _mediate_payload(self, _d: Dispute) -> dict[str, Any]:
        return {"mediator": self._beinong, "forces": (MediationForce.BEINONG, MediationForce.COURT)}

    def _assign_beinong(self, d: Dispute, depth: int = 0) -> Dispute:
        """Put the dispute's 贝侬 on it (one reported to the centre straight from grading has none yet)."""
        if not self._beinong:
            return d
        return self._fire(d, Trigger.ASSIGN, lambda _d: {"person": self._beinong, "role": Role.MEDIATOR}, depth=depth)

    @staticmethod
    def _name(actor: str) -> str:
        return actor.partition(":")[2]

    def _count(self, refused: TransitionRefused) -> None:
        self.refusals.update(r.code for r in refused.refusals)
