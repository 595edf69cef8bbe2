"""The toolkit for places and their reports: random report histories, and a story of every trigger.

:func:`place_lifecycles` registers a place and drives it with random reports (some for rhythms
it does not owe, some by actors the workflow's ``filers`` refuse), random clock advances of
minutes to days — so days are missed — and now and then a close. Every command lands or is
refused; both are recorded as :class:`~fengqiao.testing.Step` s.

Examples:
    >>> from datetime import datetime
    >>> from hypothesis import given, settings
    >>> import fengqiao as fq
    >>> from fengqiao.policies import CHINA_TZ
    >>> def make() -> fq.PlaceWorkflow:
    ...     return fq.PlaceWorkflow("xiqi-family-risk", clock=fq.FixedClock(datetime(2024, 4, 1, tzinfo=CHINA_TZ)))
    >>> @settings(max_examples=20)
    ... @given(place_lifecycles(make))
    ... def test_a_report_meets_its_own_day(run):
    ...     checks = run.workflow.checks(run.place, at=run.workflow.clock.now())
    ...     for report in run.place.reports_for("xiqi.daily-report"):
    ...         day = checks["xiqi.daily-report"].rhythm.period_at(report.at)
    ...         assert any(p.period == day and p.status.value == "met" for p in checks["xiqi.daily-report"].periods)
    >>> test_a_report_meets_its_own_day()
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import attrs
from hypothesis import strategies as st

from fengqiao.domain.clock import FixedClock
from fengqiao.errors import TransitionRefused, ValidationError
from fengqiao.lifecycle.place import Place
from fengqiao.lifecycle.place_events import PlaceTrigger
from fengqiao.places import PlaceWorkflow
from fengqiao.policies.base import CHINA_TZ
from fengqiao.testing._sampling import sampled
from fengqiao.testing.commands import Step
from fengqiao.testing.strategies import names, texts

__all__ = ["PlaceLifecycle", "place_lifecycles", "place_story"]

ACTORS = st.sampled_from(("grid_worker:li", "auxiliary_officer:zhang", "party_secretary:tian", "cadre:wu"))
"""Who files by default: grid workers and auxiliary police (who keep the reports), a secretary, a cadre."""

_ADVANCES = st.one_of(
    st.integers(1, 180).map(lambda m: timedelta(minutes=m)),
    st.integers(1, 30).map(lambda h: timedelta(hours=h)),
    st.integers(1, 4).map(lambda d: timedelta(days=d)),
)
# Built once, as every strategy here: hypothesis validates each strategy it has not seen, which
# costs more than drawing from it.
_PLACE_NAMES = st.sampled_from(["西歧村", "龙头村", "那咱村"])
_GRIDS = st.sampled_from(["", "1", "2"])
_CLOSING = st.integers(0, 19)
_UNOWED = st.integers(0, 9)
_REASON = texts(min_size=1)
_INCIDENTS = st.lists(texts(min_size=1), max_size=2)
_HOUSEHOLDS = st.lists(names(), max_size=2)


@lru_cache(maxsize=64)
def _owed(codes: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    """Which of the workflow's rhythms (``codes``) a place owes: at least one."""
    return st.lists(st.sampled_from(codes), min_size=1, max_size=len(codes), unique=True)


@attrs.frozen
class PlaceLifecycle:
    """A driven place: the workflow, every value in order, and every step."""

    workflow: PlaceWorkflow
    places: tuple[Place, ...]
    steps: tuple[Step, ...]

    @property
    def place(self) -> Place:
        """The final value."""
        return self.places[-1]

    def __repr__(self) -> str:
        steps = "\n  ".join(repr(step) for step in self.steps)
        return f"PlaceLifecycle(final={self.place.state}, reports={len(self.place.reports)}):\n  " + (
            steps or "(no steps)"
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


def place_lifecycles(
    make_workflow: Callable[[], PlaceWorkflow],
    *,
    max_steps: int = 25,
    actors: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[PlaceLifecycle]:
    """Random report histories under the workflow ``make_workflow()`` returns (one per example).

    The place owes a random non-empty subset of the workflow's rhythms; reports are filed for
    any of the workflow's rhythms (one owed in most), so ``place.rhythm-not-owed`` is reached.

    Args:
        make_workflow: makes a fresh workflow whose clock is a :class:`~fengqiao.FixedClock`.
        max_steps: how many commands follow registering.
        actors: who acts (grid workers, auxiliary police, a secretary, a cadre by default).
    """
    who = actors if actors is not None else ACTORS

    @st.composite
    def build(draw: st.DrawFn) -> PlaceLifecycle:
        wf = make_workflow()
        clock = wf.clock
        if not isinstance(clock, FixedClock):
            raise ValidationError("place_lifecycles() needs a FixedClock in its workflow", "make_workflow")
        codes = tuple(wf.rhythms)
        owed = draw(_owed(codes))
        place = wf.register(
            name=draw(_PLACE_NAMES),
            grid=draw(_GRIDS),
            rhythms=owed,
            actor="grid_worker:li",
        )
        places, steps = [place], []
        for _ in range(max_steps):
            clock.advance(draw(_ADVANCES))
            closing = draw(_CLOSING) == 0
            actor = draw(who)
            payload: dict[str, Any]
            if closing:
                trigger, payload = PlaceTrigger.CLOSE, {"reason": draw(_REASON)}
            else:
                rhythm = draw(sampled(owed if draw(_UNOWED) else codes))
                incidents = draw(_INCIDENTS)
                households = draw(_HOUSEHOLDS) if incidents else []
                trigger, payload = (
                    PlaceTrigger.FILE,
                    {"rhythm": rhythm, "incidents": incidents, "households": households},
                )
            try:
                place = wf.fire(place, trigger, actor=actor, **payload)
            except TransitionRefused as refused:
                steps.append(Step(trigger, payload, actor, clock.now(), refused.refusals))
                continue
            steps.append(Step(trigger, payload, actor, clock.now()))
            places.append(place)
        return PlaceLifecycle(wf, tuple(places), tuple(steps))

    return build()


def place_story(wf: PlaceWorkflow | None = None) -> Place:
    """A place taken through every place trigger: registered, a quiet report, an incident, closed.

    For examples and tests that need one event of each class. ``wf`` needs a clock that moves
    forward (a :class:`~fengqiao.FixedClock` is advanced here); Xiqi's rhythms by default.
    """
    wf = wf or PlaceWorkflow("xiqi-family-risk", clock=FixedClock(datetime(2024, 4, 1, 8, tzinfo=CHINA_TZ)))
    clock = wf.clock

    def step(hours: int) -> None:
        if isinstance(clock, FixedClock):
            clock.advance(timedelta(hours=hours))

    code = next(iter(wf.rhythms))
    place = wf.register(name="西歧村", grid="3", actor="grid_worker:li", place_id="place-story", note="村辅警值守")
    step(10)
    place = wf.file(place, code, actor="grid_worker:li", note="全村平稳")
    step(24)
    place = wf.file(place, code, actor="auxiliary_officer:zhang", incidents=["田某持刀威胁邻居"], households=["tian"])
    step(1)
    return wf.close(place, actor="party_secretary:tian", reason="并入龙头村")
