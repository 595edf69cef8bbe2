"""The simulation's draws and timeline: pinned, so that making it quicker cannot change a story."""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import attrs
import pytest

import fengqiao as fq
from fengqiao.domain.terms import MediationForce
from fengqiao.simulation import Officer, Scenario, Staff, province, simulate, yongji_2024
from fengqiao.simulation.plan import Case, Chooser, arrivals, cases

START = datetime(2024, 1, 31, 9, 0, tzinfo=UTC)


def facts_digest(scenario: Scenario) -> str:
    """Every drawn fact of every case, and where the generator stands after them."""
    rng = random.Random(scenario.seed)
    times = arrivals(scenario, rng)
    digest = hashlib.sha256()
    for c in cases(scenario, times, rng):
        facts = (
            c.index,
            c.dispute_id,
            c.arrival.isoformat(),
            c.station,
            c.officer,
            c.category.value,
            c.channel.value,
            tuple(p.name for p in c.parties),
            sorted(f.value for f in c.risk_factors),
            c.police_business,
            c.meets_case_threshold,
            c.complex,
            c.second_alert,
            c.seed,
        )
        digest.update(repr(facts).encode())
    digest.update(repr(rng.random()).encode())
    return digest.hexdigest()


def story_digest(scenario: Scenario, policy: str) -> str:
    """Every event of every dispute, as canonical JSON; each discovery without the policy it records.

    The discoveries record their policy since session 12; hashed without it, every story
    still gives the digest pinned before, so the draws and every decision are unchanged.
    """
    digest = hashlib.sha256()
    for d in simulate(scenario, policy).disputes:
        assert d.policy is not None
        assert d.policy.name == policy
        for event in d.history:
            if isinstance(event, fq.Discovered):
                event = attrs.evolve(event, policy=None)
            digest.update(fq.dumps(event).encode())
    return digest.hexdigest()


DRAWN_PROVINCE = attrs.evolve(province(), staff=Staff(stations=172, officers=172 * 6, grid_workers=50_000))
"""The province as it was before it counted Shanxi's 1,400+ stations (session 10): drawn, not dealt."""
DRAWN_YONGJI = attrs.evolve(yongji_2024(), disputes=1050, not_police_share=0.04, referral_report_rate=0.2, exact=False)
"""Yongji as it was before its figures were dealt exactly (session 10)."""


# The drawn scenarios keep their pins from before exact scenarios were added (session 10):
# dealing counts changed nothing for a scenario that draws. The dealt ones are pinned apart.
@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        (DRAWN_PROVINCE.scaled(2_000 / 400_000), "436d70aac8fe8d910dca70997f6817f08095fc93c3f03ad3d44ab29e318dfd93"),
        (province(disputes=2_000), "4eb956ca7862b6bbe844473be0281a98851e6d772a77df684c79ee4cf8527631"),
    ],
)
def test_the_facts_drawn_for_a_province_are_pinned(scenario: Scenario, expected: str) -> None:
    assert facts_digest(attrs.evolve(scenario, name="province-3y")) == expected


# Re-pinned in session 9: the stories' texts name categories by label, and Category.TRADE's
# label was corrected to 行业纠纷 (the draws and every decision are unchanged: with the old
# label the old digests still come out).
@pytest.mark.parametrize(
    ("scenario", "policy", "expected"),
    [
        (
            DRAWN_YONGJI.scaled(0.2),
            "yongji-54333",
            "e2e120a444531b6d68bed8adb0e8deb93cf9436dafb9bb5791b3a32309ff6f3f",
        ),
        (
            attrs.evolve(DRAWN_PROVINCE, disputes=1_000),
            "baseline",
            "d637728e65737043f0a48bd1629ac7c31bcd39e77d7f16013c122549497c76e7",
        ),
        (
            yongji_2024().scaled(0.2),
            "yongji-54333",
            "b16e0ea5acae58dca223cf17c34e0d34b0fb56806eca5dfa2b7f3d50d287fae1",
        ),
        (province(disputes=1_000), "baseline", "9d2fd91c59c18717429676f724c2b8ebb15ebaa5cbdb8e3eaf06534696649a79"),
    ],
)
def test_the_stories_told_are_pinned(scenario: Scenario, policy: str, expected: str) -> None:
    assert story_digest(scenario, policy) == expected


@pytest.mark.parametrize(
    "weights",
    [(5, 2, 2, 1), (0.42, 0.14, 0.2, 0.24), (1.0, 0.0, 3.0, 0.0), (0.0, 0.0, 0.0, 1e-9), (0.1, 0.2, 0.3)],
)
def test_a_chooser_draws_what_random_choices_draws(weights: tuple[float, ...]) -> None:
    members = tuple(MediationForce)[: len(weights)]
    chooser = Chooser(tuple(zip(members, weights, strict=True)))
    ours, theirs = random.Random(7), random.Random(7)
    for _ in range(5_000):
        assert chooser(ours) == theirs.choices(members, weights=weights)[0]
    assert ours.getstate() == theirs.getstate()


def test_a_dispute_tells_the_same_story_whatever_the_officer_handled_before() -> None:
    scenario = yongji_2024().scaled(0.05)
    rng = random.Random(scenario.seed)
    first, *_, last = cases(scenario, arrivals(scenario, rng), rng)

    def handled(*these: Case) -> fq.Dispute:
        clock = fq.FixedClock(START)
        officer = Officer(fq.Workflow("baseline", clock=clock), clock, scenario, Counter())
        return [officer.handle(case) for case in these][-1]

    assert [fq.dumps(e) for e in handled(first, last).history] == [fq.dumps(e) for e in handled(last).history]


@pytest.mark.parametrize(
    ("delta", "units"),
    [
        (None, {}),
        (timedelta(hours=3), {}),
        (None, {"days": 1.5}),
        (timedelta(0), {"minutes": 90}),
        (timedelta(days=1), {"hours": 2, "minutes": 30, "seconds": 5}),
        (timedelta(days=-1), {"seconds": -0.5}),
        (None, {"days": 2.3456789012345}),
    ],
)
def test_a_fixed_clock_moves_by_the_delta_and_the_units_together(
    delta: timedelta | None, units: dict[str, float]
) -> None:
    clock = fq.FixedClock(START)
    moved = clock.advance(delta, **units)
    assert moved == clock.now() == START + (delta or timedelta()) + timedelta(**units)


def test_whole_units_counted_out_are_the_units_named() -> None:
    hour, minute, day = timedelta(hours=1), timedelta(minutes=1), timedelta(days=1)
    for n in range(500):
        assert n * hour == timedelta(hours=n, minutes=0, days=0)
        assert n * minute == timedelta(minutes=n, hours=0, days=0)
        assert n * day == timedelta(days=n, hours=0, minutes=0)
