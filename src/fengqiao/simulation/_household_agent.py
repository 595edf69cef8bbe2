"""The township's household work as an agent: one household at a time, through ``HouseholdWorkflow``.

screen → (watch, or an incident in the village's daily report) → assess → assign a cadre →
manage with a plan and a team → refer hardship help → the department reports in.

The agent asks the policy only what the protocol lets anyone ask: which roles an action needs
(``required_roles``), so it acts as someone the policy allows, and what class a set of risk
factors gets (``assess``), so the assessment group's findings give the class the scenario
wants (see :func:`HouseholdAgent.findings`). It always assigns a cadre and files a plan and a
team before ``manage`` (一事一方案，一案一专班，包联). A refusal it did not expect leaves the
household where it stands: counted in ``refusals`` and ``given_up``. Only
:class:`~fengqiao.errors.TransitionRefused` is caught.

Also here: each village's daily reports over the year (:func:`reports_of`), the days missing
from them (:func:`missing_days`) and when and how a watched household comes onto the list
(:func:`story_of`).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from fengqiao.domain.actor import Actor
from fengqiao.domain.clock import FixedClock
from fengqiao.domain.household import FactorId, HelpDepartment, HouseholdFactor, RiskClass, WorkKind
from fengqiao.errors import TransitionRefused
from fengqiao.households import HouseholdWorkflow
from fengqiao.lifecycle.household import Household
from fengqiao.policies.rhythms import PlaceCheck

if TYPE_CHECKING:
    from fengqiao.simulation.households import HouseholdScenario

__all__ = [
    "FACTOR_WEIGHTS",
    "HELP_FOR",
    "MAX_DRAWS",
    "ROOM_DAYS",
    "SERIOUS",
    "HouseholdAgent",
    "Story",
    "missing_days",
    "reports_of",
    "story_of",
]

ROOM_DAYS = 36
"""Days a classed household's work needs after the day it is watched: assessment (≤ 7⅓ days),
a cadre, management (≤ 3 days), a day per referral for help (≤ 4) and the answer (≤ 20 days)."""

MAX_DRAWS = 60
"""Factor sets the assessment group tries before it keeps the policy's answer, whatever it is."""
_PROFILE_DRAWS = 12
"""The first draws follow the wanted class's profile; the rest are any 1 to 5 factors."""

_F = HouseholdFactor
FACTOR_WEIGHTS: tuple[tuple[HouseholdFactor, float], ...] = (
    (_F.DISPUTE, 0.22),
    (_F.ILLNESS_HARDSHIP, 0.14),
    (_F.LEFT_BEHIND, 0.10),
    (_F.DISABILITY, 0.08),
    (_F.MARRIAGE_CRISIS, 0.08),
    (_F.MENTAL_ILLNESS, 0.07),
    (_F.DISASTER_HARDSHIP, 0.05),
    (_F.ALCOHOL_GAMBLING, 0.05),
    (_F.DOMESTIC_VIOLENCE, 0.04),
    (_F.RELEASED_PRISONER, 0.04),
    (_F.COMMUNITY_CORRECTION, 0.04),
    (_F.VIOLENCE_THREAT, 0.03),
    (_F.PETITION, 0.03),
    (_F.DRUG_USER, 0.03),
)
"""How often each default factor is found (fengqiao's choice: the report lists none; disputes and
hardship from illness are the commonest in its examples and the prefecture's practice)."""
SERIOUS = (_F.VIOLENCE_THREAT, _F.DOMESTIC_VIOLENCE, _F.MENTAL_ILLNESS, _F.DRUG_USER)
"""A class I profile has one of these and two more factors; class II two factors; class III one."""
_PROFILE_SIZE = {RiskClass.I: 3, RiskClass.II: 2, RiskClass.III: 1}

HELP_FOR: dict[FactorId, HelpDepartment] = {
    _F.ILLNESS_HARDSHIP: HelpDepartment.MEDICAL_INSURANCE,
    _F.DISABILITY: HelpDepartment.DISABLED_FEDERATION,
    _F.DISASTER_HARDSHIP: HelpDepartment.CIVIL_AFFAIRS,
    _F.LEFT_BEHIND: HelpDepartment.WOMENS_FEDERATION,
}
"""Which department hardship help goes to, by factor (民政、残联、医保、妇联); civil affairs otherwise."""

_FACTORS = tuple(f for f, _ in FACTOR_WEIGHTS)
_WEIGHTS = tuple(w for _, w in FACTOR_WEIGHTS)
_DAY, _HOUR, _MINUTE = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)


@attrs.frozen
class Story:
    """One watched household's year, drawn from its own seed before the workflow is asked anything."""

    watched_at: datetime
    by_incident: bool
    """Reported in the village's daily report (有事报事) rather than put on the list after a visit."""
    wanted: RiskClass | None
    """The class the scenario wants it in; ``None``: watched, not (yet) assessed."""
    rng: random.Random


class HouseholdAgent:
    """Drives households through ``wf`` on ``clock``, counting the refusals it meets in ``refusals``."""

    def __init__(self, wf: HouseholdWorkflow, clock: FixedClock, help_report_rate: float) -> None:
        self.wf, self.clock, self.help_report_rate = wf, clock, help_report_rate
        self.refusals: Counter[str] = Counter()
        self.given_up = 0
        self.unmatched = 0
        """Households whose assessment never gave the wanted class (the policy's answer was kept)."""

    # -- actors ------------------------------------------------------------------------------
    def actor(self, action: str, preferred: str) -> Actor:
        """``preferred`` (``"role:name"``), or the same name in a role the policy requires for ``action``."""
        who = Actor.parse(preferred)
        roles = self.wf.policy.required_roles(action)
        if roles is None or who.has_any(roles):
            return who
        role = min(roles, key=lambda r: r.value)
        return Actor.parse(f"{role.value}:{preferred.partition(':')[2]}")

    # -- the steps ---------------------------------------------------------------------------
    def screen(self, *, household_id: str, village: str, grid: str, at: datetime, worker: str) -> Household:
        """Put the household on the register (摸排) at ``at``."""
        self.clock.set(at)
        return self.wf.screen(village=village, grid=grid, household_id=household_id, actor=self.actor("screen", worker))

    def follow(self, h: Household, story: Story, *, worker: str, secretary: str, township: str) -> Household:
        """Watch the household, then (if a class is wanted) assess, assign a cadre, manage and refer help."""
        rng = story.rng
        self.clock.set(story.watched_at)
        first = _draw(rng, 1)
        if story.by_incident:
            summary = "日报告：发现家庭风险苗头"
            done = self._fire(
                self.wf.incident, h, actor=self.actor("incident", worker), summary=summary, factors=first,
                daily_report=True,
            )  # fmt: skip
        else:
            reason = "走访摸排：列为重点关注家庭"
            done = self._fire(self.wf.watch, h, actor=self.actor("watch", worker), reason=reason, factors=first)
        if done is None or story.wanted is None:
            return h if done is None else done
        h = done
        serious = story.wanted is not RiskClass.III
        assessor = self.actor("assess", township if serious else secretary)
        self.clock.advance(_DAY * rng.randint(1, 7 if serious else 14) + _MINUTE * rng.randint(0, 480))
        factors = self.findings(h, story.wanted, rng)
        done = self._fire(self.wf.assess, h, actor=assessor, factors=factors, meeting=serious)
        if done is None:
            return h
        h = done
        self.clock.advance(_HOUR)
        done = self._fire(self.wf.assign_cadre, h, actor=assessor, person=f"{h.village}-包联干部")
        if done is None:
            return h
        h = done
        self.clock.advance(_DAY * rng.randint(1, 3))
        team = tuple(f"{h.village}-专班{i}" for i in range(1, rng.randint(2, 4) + 1))
        plan = "一事一方案：包联化解管控"
        done = self._fire(self.wf.manage, h, actor=self.actor("manage", township), plan=plan, team=team)
        if done is None:
            return h
        return self._help(done, rng, township)

    def findings(self, h: Household, wanted: RiskClass, rng: random.Random) -> frozenset[FactorId]:
        """Factors for which the policy's assessment gives ``wanted``: profile draws first, then any.

        After :data:`MAX_DRAWS` draws the last one is kept, whatever class it gets (a policy
        such as ``household-base`` that gives one class to everything), and counted in
        ``unmatched``. The policy is asked exactly what the workflow will ask it.
        """
        at = self.clock.now()
        found: frozenset[FactorId] = frozenset()
        for draw in range(MAX_DRAWS):
            size = _PROFILE_SIZE[wanted] if draw < _PROFILE_DRAWS else rng.randint(1, 5)
            found = _draw(rng, size, serious=wanted is RiskClass.I and draw < _PROFILE_DRAWS)
            if self.wf.policy.assess(h, found, at).risk_class is wanted:
                return found
        self.unmatched += 1
        return found

    def _help(self, h: Household, rng: random.Random, township: str) -> Household:
        """Refer hardship help (中心吹哨) and have each department report in (部门报到), or not."""
        if WorkKind.HARDSHIP_HELP not in h.work:
            return h
        departments = sorted({HELP_FOR[f] for f in h.factors if f in HELP_FOR}, key=lambda d: d.value)
        for department in departments or [HelpDepartment.CIVIL_AFFAIRS]:
            self.clock.advance(_DAY)
            who = self.actor("refer_help", township)
            done = self._fire(self.wf.refer_help, h, actor=who, department=department, need="困难帮扶")
            if done is None:
                return h
            h = done
        answers = [
            (referral.at + _DAY * rng.randint(3, 20), referral.department)
            for referral in h.pending_help
            if rng.random() < self.help_report_rate
        ]
        who = self.actor("help_reported", township)  # the centre records the department reporting in
        for at, department in sorted(answers, key=lambda answer: (answer[0], answer[1].value)):
            self.clock.set(at)
            result = "已落实救助帮扶"
            done = self._fire(self.wf.help_reported, h, actor=who, department=department, result=result)
            if done is None:
                return h
            h = done
        return h

    def _fire(self, command: Callable[..., Household], h: Household, /, **payload: Any) -> Household | None:
        """``command(h, **payload)``, or ``None`` after a refusal (counted; the household is given up)."""
        try:
            return command(h, **payload)
        except TransitionRefused as refused:
            self.refusals.update(r.code for r in refused.refusals)
            self.given_up += 1
            return None


def _draw(rng: random.Random, size: int, *, serious: bool = False) -> frozenset[FactorId]:
    """``size`` distinct factors by :data:`FACTOR_WEIGHTS`; with ``serious``, one of :data:`SERIOUS` first."""
    found: set[FactorId] = {rng.choice(SERIOUS)} if serious else set()
    while len(found) < size:
        found.add(rng.choices(_FACTORS, _WEIGHTS)[0])
    return frozenset(found)


def missing_days(check: PlaceCheck, end: datetime) -> int:
    """Days due by ``end`` with no report (the day that begins at ``end`` is not yet due)."""
    return sum(1 for p in check.periods if p.filing is None and p.period.due <= end)


def reports_of(scenario: HouseholdScenario, first: datetime, rng: random.Random) -> list[datetime | None]:
    """One village's daily report per day: when it was filed (17:00 to 22:00), or ``None`` if missed."""
    out: list[datetime | None] = []
    for day in range(scenario.days):
        missed = rng.random() < scenario.missed_report_share
        minute = rng.randint(17 * 60, 22 * 60 - 1)
        out.append(None if missed else first + _DAY * day + _MINUTE * minute)
    return out


def story_of(
    scenario: HouseholdScenario,
    first: datetime,
    screened: datetime,
    reports: list[datetime | None],
    want: RiskClass | None,
    seed: int,
) -> Story:
    """When a watched household goes on the list, and how: from its own seed."""
    rng = random.Random(seed)
    last = scenario.days - 1 - (ROOM_DAYS if want is not None else 0)
    day = rng.randint((screened - first) // _DAY + 1, last)
    filed = reports[day]
    if rng.random() < scenario.incident_share and filed is not None:
        return Story(filed, True, want, rng)
    return Story(first + _DAY * day + _MINUTE * rng.randint(540, 1079), False, want, rng)
