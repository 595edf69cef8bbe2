"""Households: a seeded year of Xiqi-style family-risk work (摸排 + 评估 + 化解), run through any household policy.

A :class:`HouseholdScenario` says how many households each village has, how many go on the
watch list and how many the assessment puts in each risk class; :func:`simulate_households`
runs every household through :class:`~fengqiao.households.HouseholdWorkflow` on a
:class:`~fengqiao.domain.clock.FixedClock` and has every village file its daily report
(日报告, "有事报事，无事报平安") as :class:`~fengqiao.policies.rhythms.Filing` records, some days
missed. The counts are **exact by construction**: the watched households and their classes are
chosen by count, and the assessment group's findings are drawn until the policy's own
assessment gives the wanted class (see :mod:`fengqiao.simulation._household_agent`).

>>> from fengqiao.simulation import simulate_households, xiqi
>>> r = simulate_households(xiqi().scaled(0.1))
>>> r.figures()["screened"], r.figures()["watched"], r.figures()["unclassed"]
(303, 26, 6)
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

import attrs

from fengqiao.domain._checks import non_empty
from fengqiao.domain.clock import FixedClock
from fengqiao.domain.household import RiskClass
from fengqiao.errors import ValidationError
from fengqiao.households import HouseholdWorkflow
from fengqiao.ledger.households import household_figures
from fengqiao.lifecycle.household import Household
from fengqiao.lifecycle.place import Place
from fengqiao.places import PlaceWorkflow
from fengqiao.policies.base import CHINA_TZ
from fengqiao.policies.households import HouseholdPolicy
from fengqiao.policies.rhythms import XIQI_DAILY_REPORT, Filing, PlaceCheck
from fengqiao.simulation._household_agent import ROOM_DAYS, HouseholdAgent, missing_days, reports_of, story_of
from fengqiao.simulation.run import CHUNK
from fengqiao.simulation.scenario import MAX_SCALE, _count, _positive, _share
from fengqiao.storage.base import Append, EventStore

__all__ = ["HouseholdScenario", "HouseholdSimulationResult", "Village", "simulate_households", "xiqi"]

_DAY, _MINUTE = timedelta(days=1), timedelta(minutes=1)
_TOWNSHIP = "political_legal_member:township"
"""Who leads the township's assessment group and its centre (政法委员): class I and II, cadres, management."""


@attrs.frozen
class Village:
    """An administrative village: its name, how many households it has and in how many grids (网格)."""

    name: str = attrs.field(validator=non_empty)
    households: int = attrs.field(validator=_positive)
    grids: int = attrs.field(default=1, validator=_positive)


def _villages(value: Any) -> tuple[Village, ...]:
    villages = tuple(value)
    if not villages or not all(isinstance(v, Village) for v in villages):
        raise ValidationError("expected one Village or more", "villages")
    if len({v.name for v in villages}) != len(villages):
        raise ValidationError("two villages have the same name", "villages")
    return villages


def _classes(value: Mapping[Any, int] | Iterable[tuple[Any, int]]) -> tuple[tuple[RiskClass, int], ...]:
    try:
        pairs = list(value.items() if isinstance(value, Mapping) else value)
        counts = {RiskClass.parse(k, "classes"): n for k, n in pairs}
    except (TypeError, ValueError):
        raise ValidationError(f"expected a mapping of risk classes to counts, got {value!r}", "classes") from None
    for n in counts.values():
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValidationError(f"expected a whole number of 0 or more, got {n!r}", "classes")
    return tuple((c, counts.get(c, 0)) for c in RiskClass)


@attrs.frozen(kw_only=True)
class HouseholdScenario:
    """A seeded household year: villages, how many are watched and classed, and the daily reports.

    Every household is screened in the first ``screening_days``; exactly ``watched`` of them
    go on the watch list, at a time drawn over the rest of the year; exactly
    ``classes[c]`` of those are assessed into class ``c``, get a cadre (包联), a plan and a
    team (managed), and hardship help where the assessment calls for it. The watched
    households beyond the classes' total stay **watched, not assessed**.

    Raises:
        ValidationError: a malformed field, more classed than watched, more watched than
            households, or too few days after screening for a classed household's work.
    """

    name: str = attrs.field(validator=non_empty)
    start: date
    """The first day (Beijing time); every village's daily report is owed from its 00:00."""
    days: int = attrs.field(validator=_positive)
    villages: tuple[Village, ...] = attrs.field(converter=_villages)
    watched: int = attrs.field(validator=_count)
    """Households put on the watch list (重点关注家庭) over the year."""
    classes: tuple[tuple[RiskClass, int], ...] = attrs.field(converter=_classes)
    """Households assessed into each class (given as a mapping; kept as pairs, class I first)."""
    screening_days: int = attrs.field(default=60, validator=_positive)
    """Every household is screened (摸排) within this many days of ``start``."""
    incident_share: float = attrs.field(default=0.3, validator=_share)
    """Of the watched, the share reported through the village's daily report (有事报事, an
    incident) when that day's report is filed; the rest go on the list after a visit."""
    missed_report_share: float = attrs.field(default=0.03, validator=_share)
    """The chance that a village files no daily report on a day."""
    help_report_rate: float = attrs.field(default=0.9, validator=_share)
    """The chance that a department asked for hardship help reports in (部门报到)."""
    seed: int = 0

    def __attrs_post_init__(self) -> None:
        if self.classed > self.watched:
            raise ValidationError(f"{self.classed} households classed but only {self.watched} watched", "classes")
        if self.watched > self.households:
            raise ValidationError(f"{self.watched} households watched but only {self.households} exist", "watched")
        if self.screening_days > self.days:
            raise ValidationError("screening takes longer than the scenario", "screening_days")
        if self.watched and self.days < self.screening_days + 1:
            raise ValidationError("a watched household is watched the day after it is screened at the earliest", "days")
        if self.classed and self.days < self.screening_days + ROOM_DAYS + 1:
            raise ValidationError(
                f"a classed household needs {ROOM_DAYS} days after it is watched: at least "
                f"{self.screening_days + ROOM_DAYS + 1} days",
                "days",
            )

    @property
    def households(self) -> int:
        """Households in every village."""
        return sum(v.households for v in self.villages)

    @property
    def classed(self) -> int:
        """Households assessed into a class."""
        return sum(n for _, n in self.classes)

    @property
    def unclassed(self) -> int:
        """Households watched and not (yet) assessed."""
        return self.watched - self.classed

    def figures(self) -> dict[str, int]:
        """What the scenario asks for: ``screened``, ``watched``, ``class.I`` … and ``unclassed``."""
        out = {"screened": self.households, "watched": self.watched}
        out.update({f"class.{c}": n for c, n in self.classes})
        out["unclassed"] = self.unclassed
        return out

    def scaled(self, factor: float) -> HouseholdScenario:
        """The same scenario with about ``factor`` times the households, watched and classed (rounded).

        Shares and days are kept; a village keeps at least one household, a class what rounding gives.
        """
        if not isinstance(factor, float | int) or isinstance(factor, bool) or not 0 < factor <= MAX_SCALE:
            raise ValidationError(f"expected a factor above 0 and at most {MAX_SCALE:,}, got {factor!r}", "factor")
        villages = tuple(
            attrs.evolve(v, households=(n := max(1, round(v.households * factor))), grids=min(v.grids, n))
            for v in self.villages
        )
        classes = {c: round(n * factor) for c, n in self.classes}
        total = sum(v.households for v in villages)
        watched = min(total, max(sum(classes.values()), round(self.watched * factor)))
        return attrs.evolve(self, name=f"{self.name}-x{factor:g}", villages=villages, watched=watched, classes=classes)

    def with_seed(self, seed: int) -> HouseholdScenario:
        """The same scenario under another seed."""
        return attrs.evolve(self, seed=seed)


_XIQI_VILLAGES = (
    ("村01", 318, 4),
    ("村02", 276, 3),
    ("村03", 229, 3),
    ("村04", 301, 4),
    ("村05", 197, 2),
    ("村06", 254, 3),
    ("村07", 288, 3),
    ("村08", 213, 3),
    ("村09", 245, 3),
    ("村10", 236, 3),
    ("村11", 199, 2),
    ("村12", 271, 3),
)


def xiqi(*, seed: int = 2024) -> HouseholdScenario:
    """Xiqi township (西歧乡, Yongshun, Hunan), one year: 3,027 households screened, 257 watched, classes 5/23/185.

    Calibration:

    - **3,027 households screened, 257 watched** (重点关注家庭), as the report gives them.
    - **Class I 5, class II 23, class III 185.** These make 213, not 257: the report does not
      class the other **44 watched households**, so they are simulated as **watched, not yet
      assessed** (state ``watched``, no assessment). Nothing is released in the year, so every
      figure is still standing at its end.
    - **Twelve invented villages**, ``村01`` … ``村12``: the report names none (Xiqi has about a
      dozen administrative villages). Their sizes (197 to 318 households) and grids (one per
      about 100 households) are fengqiao's choice; they add up to 3,027.
    - **The year 2024** (366 days): the report says "this year" and appears beside 2023-onward
      figures. Screening covers every household in the first 60 days.
    - **Daily reports**: every village files one a day ("有事报事，无事报平安"), between 17:00 and
      22:00; **3 %** of village-days go unreported (the report gives no figure; a village's
      duty slips on about one day a month).
    - **30 %** of the watched come onto the list through the daily report (an incident, as
      田某's knife threat did) on a day it was filed; the rest after a visit (``watch``).
    - **Class I and II** are assessed at the township's political-legal meeting (政法委员,
      ``meeting=True``) within a week, **class III** by the village group (村支部书记) within
      two; each gets a cadre, a plan and a team; hardship help is referred by factor (医保,
      残联, 民政, 妇联) and **90 %** of departments report in.
    - **Under ``household-base``**, which puts every household in class III, the classes come
      out as 0 / 0 / 213 and ``unmatched`` is 28: only a policy with an assessment table
      (``xiqi-family-risk``) can reproduce 5 / 23 / 185, and then exactly.
    """
    return HouseholdScenario(
        name="xiqi",
        start=date(2024, 1, 1),
        days=366,
        villages=tuple(Village(name, n, grids) for name, n, grids in _XIQI_VILLAGES),
        watched=257,
        classes={RiskClass.I: 5, RiskClass.II: 23, RiskClass.III: 185},
        seed=seed,
    )


@attrs.frozen(kw_only=True)
class HouseholdSimulationResult:
    """What a household simulation produced: the households, the policy's figures, the daily reports."""

    scenario: HouseholdScenario
    policy: str
    households: tuple[Household, ...] = attrs.field(repr=False)
    """Every household's final value, in the order of their ids."""
    metrics: Mapping[str, float]
    """The policy's ``metrics()`` over every household."""
    filings: Mapping[str, tuple[Filing, ...]] = attrs.field(repr=False)
    """Village → its daily reports, in time order (kind ``"incident"`` or ``"all_quiet"``)."""
    places: tuple[Place, ...] = attrs.field(repr=False)
    """Every village as a place, with its daily reports as events (what ``store=`` stores)."""
    missing_daily_reports: Mapping[str, int]
    """Village → days with no daily report, checked at the end of the scenario's last day."""
    refusals: Mapping[str, int]
    """Refusal code → how many times the agent met one (each leaves a household where it stood)."""
    given_up: int
    unmatched: int
    """Classed households whose assessment never gave the wanted class (the policy's answer kept)."""
    events: int

    @property
    def start(self) -> datetime:
        """00:00 (Beijing time) of the scenario's first day: when the daily reports are first owed."""
        return datetime.combine(self.scenario.start, time(0), tzinfo=CHINA_TZ)

    @property
    def end(self) -> datetime:
        """24:00 of the scenario's last day."""
        return self.start + _DAY * self.scenario.days

    def figures(self) -> dict[str, int]:
        """The simulated ``screened``, ``watched``, ``class.I`` … and ``unclassed`` (as the scenario's figures)."""
        return household_figures(self.households)

    def matches(self) -> bool:
        """Whether every figure is the scenario's (the report's, for :func:`xiqi`)."""
        return self.figures() == self.scenario.figures()

    def daily_report_checks(self, at: datetime | None = None) -> dict[str, PlaceCheck]:
        """Every village's daily reports checked by ``XIQI_DAILY_REPORT`` at ``at`` (the end by default)."""
        starts = {v.name: self.start for v in self.scenario.villages}
        return XIQI_DAILY_REPORT.check_places(starts, self.filings, at=self.end if at is None else at)

    def summary(self) -> str:
        """A small table: each figure simulated against the scenario's, then the missing daily reports."""
        wanted = self.scenario.figures()
        lines = [f"{self.scenario.name} under {self.policy} (seed {self.scenario.seed})"]
        for key, value in self.figures().items():
            mark = "" if value == wanted[key] else "  ≠"
            lines.append(f"  {key:<10} {value:>6}   report {wanted[key]:>6}{mark}")
        missing = sum(self.missing_daily_reports.values())
        owed = self.scenario.days * len(self.scenario.villages)
        lines.append(f"  daily reports missing: {missing} of {owed} village-days")
        return "\n".join(lines)


def simulate_households(
    scenario: HouseholdScenario, policy: str | HouseholdPolicy = "household-base", *, store: EventStore | None = None
) -> HouseholdSimulationResult:
    """Run ``scenario`` through ``policy``: every household screened, the chosen ones watched and classed.

    Everything is drawn from ``random.Random(scenario.seed)``: first each village's daily
    reports (missed or filed, and when), then each household's screening, then which are
    watched and which class each is meant for, then a seed per watched household from which
    its own story is drawn, so two policies see the same households with the same stories.

    With ``store``, every household's history is appended to it too, :data:`CHUNK` households
    per ``append_many`` (one transaction each), in the order of their ids; the result is the
    same as without; then each village's daily reports, as a place's stream (``place:`` and
    the village's tag, :class:`~fengqiao.PlaceWorkflow`), all in one ``append_many``.

    Raises:
        ValidationError: ``store`` is not an event store, or already holds a household or a
            village of this scenario (its ids are the scenario's name, village and number:
            another scenario name, e.g. scaled, does not clash); nothing was stored.

    >>> from fengqiao.simulation import HouseholdScenario, Village, simulate_households
    >>> from datetime import date
    >>> tiny = HouseholdScenario(name="tiny", start=date(2024, 4, 1), days=3, villages=[Village("村A", 2)],
    ...                          watched=0, classes={}, screening_days=1, missed_report_share=1.0)
    >>> simulate_households(tiny).missing_daily_reports
    {'村A': 3}
    """
    homes = _homes(scenario)
    if store is not None:
        villages = {place_id(f"{scenario.name}-{vi + 1:02d}") for vi in range(len(scenario.villages))}
        _check_empty(store, {home[0] for home in homes} | villages, scenario.name)
    rng = random.Random(scenario.seed)
    first = datetime.combine(scenario.start, time(0), tzinfo=CHINA_TZ)
    reports = {v.name: reports_of(scenario, first, rng) for v in scenario.villages}
    clock = FixedClock(first)
    wf = HouseholdWorkflow(policy, clock=clock)
    agent = HouseholdAgent(wf, clock, scenario.help_report_rate)
    screened_at = [
        first + _DAY * rng.randrange(scenario.screening_days) + _MINUTE * rng.randint(480, 1079) for _ in homes
    ]
    chosen = rng.sample(range(len(homes)), scenario.watched)
    wanted: list[RiskClass | None] = [c for c, n in scenario.classes for _ in range(n)]
    wanted += [None] * scenario.unclassed
    stories = {index: (want, rng.getrandbits(64)) for index, want in zip(chosen, wanted, strict=True)}
    incidents: dict[str, dict[int, list[str]]] = {v.name: {} for v in scenario.villages}
    households = []
    for index, (household_id, tag, village, i) in enumerate(homes):
        grid = str(i % village.grids + 1)
        worker = f"grid_worker:{tag}-g{grid}"
        h = agent.screen(
            household_id=household_id, village=village.name, grid=grid, at=screened_at[index], worker=worker
        )
        if index in stories:
            story = story_of(scenario, first, screened_at[index], reports[village.name], *stories[index])
            if story.by_incident:
                incidents[village.name].setdefault((story.watched_at - first) // _DAY, []).append(household_id)
            h = agent.follow(h, story, worker=worker, secretary=f"party_secretary:{tag}", township=_TOWNSHIP)
        households.append(h)
    filings = {
        name: tuple(
            Filing(at, "incident" if day in incidents[name] else "all_quiet")
            for day, at in enumerate(times)
            if at is not None
        )
        for name, times in reports.items()
    }
    places = _places(scenario, first, reports, incidents)
    if store is not None:
        for n in range(0, len(households), CHUNK):
            store.append_many(Append(h.id, h.history, expected_version=0) for h in households[n : n + CHUNK])
        store.append_many(Append(p.id, p.history, expected_version=0) for p in places)
    end = first + _DAY * scenario.days
    checks = XIQI_DAILY_REPORT.check_places(dict.fromkeys(filings, first), filings, at=end)
    return HouseholdSimulationResult(
        scenario=scenario,
        policy=wf.policy.name,
        households=tuple(households),
        metrics=dict(wf.policy.metrics(households)),
        filings=filings,
        places=places,
        missing_daily_reports={name: missing_days(check, end) for name, check in checks.items()},
        refusals=dict(sorted(agent.refusals.items())),
        given_up=agent.given_up,
        unmatched=agent.unmatched,
        events=sum(h.version for h in households),
    )


def _places(
    scenario: HouseholdScenario,
    first: datetime,
    reports: Mapping[str, list[datetime | None]],
    incidents: Mapping[str, Mapping[int, list[str]]],
) -> tuple[Place, ...]:
    """Every village as a place owing the daily report from ``first``, with each report it filed, as events.

    A report on a day a household went on the watch list through it names that household
    (有事报事); any other report says all is quiet.
    """
    clock = FixedClock(first)
    wf = PlaceWorkflow([XIQI_DAILY_REPORT], clock=clock)
    places = []
    for vi, village in enumerate(scenario.villages):
        clock.set(first)
        tag = f"{scenario.name}-{vi + 1:02d}"
        place = wf.register(name=village.name, place_id=place_id(tag), actor=f"grid_worker:{tag}-g1")
        for day, at in enumerate(reports[village.name]):
            if at is None:
                continue
            clock.set(at)
            named = incidents[village.name].get(day, [])
            said = [f"{household} 有新情况，列为重点关注" for household in named]
            place = wf.file(place, XIQI_DAILY_REPORT, incidents=said, households=named, actor=f"grid_worker:{tag}-g1")
        places.append(place)
    return tuple(places)


def place_id(village_tag: str) -> str:
    """The stream id of a simulated village's reports: ``place:`` and its tag (``place:xiqi-03``)."""
    return f"place:{village_tag}"


def _homes(scenario: HouseholdScenario) -> list[tuple[str, str, Village, int]]:
    """Every household of ``scenario``: its id (``xiqi-03-0042``), village tag (``xiqi-03``), village, number from 0."""
    tags = [(f"{scenario.name}-{vi + 1:02d}", v) for vi, v in enumerate(scenario.villages)]
    return [(f"{tag}-{i + 1:04d}", tag, v, i) for tag, v in tags for i in range(v.households)]


def _check_empty(store: EventStore, ids: set[str], name: str) -> None:
    """Refuse a store that is not one, or that already holds one of ``ids``: before anything is simulated."""
    if not (callable(getattr(store, "streams", None)) and callable(getattr(store, "append_many", None))):
        raise ValidationError(f"expected an event store, got {type(store).__name__}", "store")
    clash = next((stream_id for stream_id in store.streams() if stream_id in ids), None)
    if clash is not None:
        raise ValidationError(f"the store already holds {clash} of the simulation {name}; nothing was stored", "store")
