"""The Mashan preset under ``mashan-beinong``, driven by the court: 7,000+ resolved since 2016, every gate passed."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterator
from datetime import date

import pytest

import fengqiao as fq
from fengqiao.lifecycle.events import Assigned, Attached, MediationStarted, Transitioned
from fengqiao.policies.mashan_beinong import MashanBeinong, default_pool
from fengqiao.simulation import (
    Court,
    Officer,
    SimulationResult,
    _agents,
    agent_for,
    led_by,
    mashan_since_2016,
    register_agent,
    simulate,
)
from fengqiao.storage import MemoryEventStore

SMALL = mashan_since_2016().scaled(0.05)


@functools.cache
def small() -> SimulationResult:
    return simulate(SMALL, "mashan-beinong")


def transitions(d: fq.Dispute) -> Iterator[Transitioned]:
    return (e for e in d.history if isinstance(e, Transitioned))


def triggers(result: SimulationResult) -> Counter[str]:
    return Counter(e.payload.trigger for d in result.disputes for e in transitions(d))


def test_the_preset_covers_2016_to_mid_2024_at_the_pools_villages() -> None:
    scenario = mashan_since_2016()
    assert (scenario.start, scenario.days) == (date(2016, 1, 1), (date(2024, 7, 1) - date(2016, 1, 1)).days)
    assert scenario.staff.stations == len({m.village for m in default_pool().mediators if m.village})
    assert scenario.staff.officers == len(default_pool().court_officers)
    assert dict(scenario.channel_mix)[fq.Channel.FILED_SUIT] > 0


def test_a_scaled_run_settles_with_no_dispute_given_up_or_left_open() -> None:
    result = small()
    figures = result.metrics
    assert result.total == 395
    assert result.given_up == 0
    assert figures["open"] == figures["awaiting_confirmation"] == 0
    assert figures["screened"] == figures["resolved"] + figures["referred"]
    assert set(result.states) == {"closed", "withdrawn", "referred", "escalated"}
    assert 0.9 < result.resolution_rate == figures["mediation_rate"] < 0.97


def test_every_gate_is_passed_in_a_good_share() -> None:
    figures, done = small().metrics, triggers(small())
    resolved = figures["resolved"]
    assert figures["confirmed"] > 0.35 * resolved
    assert figures["withdrawn"] > 0.12 * resolved
    assert figures["resolved_at_room"] > 0.1 * resolved
    assert figures["resolved_at_centre"] > 0.05 * resolved
    assert figures["joint_sessions"] == figures["reported_to_centre"] >= figures["potentially_major"] > 10
    assert done["refer_to_room"] > 50
    assert done["report_to_centre"] == figures["reported_to_centre"]
    assert done["confirm"] == done["track_performance"] == figures["confirmed"]
    assert 0 < done["decline_confirmation"] < 0.1 * done["request_confirmation"]


def test_the_court_does_what_the_mechanism_asks_of_every_dispute() -> None:
    pool = default_pool()
    for d in small().disputes:
        if d.state is fq.State.ESCALATED:
            continue
        officers = [
            e.payload.person for e in d.history if isinstance(e, Assigned) and e.payload.role is fq.Role.COURT_OFFICER
        ]
        assert officers
        assert all(d.station in pool.officer(name).villages for name in officers)  # type: ignore[union-attr]
        started = [e for e in d.history if isinstance(e, MediationStarted)]
        if started:  # 查人找物 before mediation, by a 贝侬 of the pool
            assert pool.mediator(started[0].payload.mediator) is not None
            before = d.history[: d.history.index(started[0])]
            assert any(isinstance(e, Attached) and e.payload.item.kind is fq.DossierKind.SEARCH_RECORD for e in before)
        if d.state is fq.State.CLOSED:  # 履行协议 after it
            assert d.has_document(fq.DossierKind.PERFORMANCE_RECORD)
        if d.state == "withdrawn":
            assert d.channel is fq.Channel.FILED_SUIT


def reported_at_once(d: fq.Dispute) -> bool:
    """Reported to the centre before any mediation began at the station."""
    first = next((e for e in d.history if isinstance(e, MediationStarted | Transitioned)), None)
    return isinstance(first, Transitioned) and first.payload.trigger == "report_to_centre"


def test_potentially_major_disputes_are_reported_within_a_day_once_the_court_has_learned_to() -> None:
    policy = MashanBeinong()
    wf = fq.Workflow(policy)
    major = [d for d in small().disputes if policy.potentially_major(d)]
    late = [
        index
        for index, d in enumerate(major)
        for c in wf.deadlines(d)
        if c.deadline.code == "mashan.report_to_centre.due" and c.status is not fq.DeadlineStatus.MET
    ]
    learned = next(index for index, d in enumerate(major) if reported_at_once(d))
    assert len(major) > 10
    assert 0 < len(late) <= learned < 5  # the first ones, before a refusal taught the court
    assert all(index < learned for index in late)
    assert sum(map(reported_at_once, major)) >= len(major) - learned
    assert all(policy.trail(d).joint_session_at is not None for d in major if d.state != "referred")


def test_the_court_learns_each_paper_once() -> None:
    refusals = small().refusals
    for code in ("mashan.confirm.no-signed-agreement", "mashan.confirm.ruling-missing"):
        assert refusals[code] == 1
    assert sum(n for code, n in refusals.items() if code.endswith("not-reported-to-centre")) == 1
    assert sum(refusals.values()) < 0.05 * small().events


def test_the_same_seed_gives_the_same_result_and_another_seed_another() -> None:
    again = simulate(SMALL, "mashan-beinong")
    assert again == small()
    assert simulate(SMALL.with_seed(7), "mashan-beinong").metrics != small().metrics


def test_two_workers_give_the_result_one_gives() -> None:
    scenario = mashan_since_2016().scaled(0.1)
    assert simulate(scenario, "mashan-beinong", workers=2) == simulate(scenario, "mashan-beinong")


def test_the_full_preset_resolves_more_than_7000() -> None:
    result = simulate(mashan_since_2016(), "mashan-beinong", store=MemoryEventStore())
    assert result.total == 7900
    assert result.given_up == 0
    assert 7000 < result.metrics["resolved"] < 7500
    assert 0.9 < result.resolution_rate < 0.95


# -- which agent -------------------------------------------------------------------------------


def test_the_court_drives_court_led_policies_and_the_officer_the_rest() -> None:
    assert (led_by(MashanBeinong()), led_by(fq.policies.get("yongji-54333"))) == ("court", "police")
    assert agent_for(MashanBeinong()) is Court
    assert agent_for(fq.policies.get("huaiyang-ten-categories")) is Officer
    assert agent_for(fq.policies.compose(MashanBeinong(), fq.policies.Baseline())) is Court
    assert agent_for(fq.policies.compose(fq.policies.Baseline(), MashanBeinong())) is Officer


def test_a_policy_led_by_someone_unknown_needs_an_agent_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    class Procuratorate(fq.policies.Baseline):
        led_by = "procuratorate"

    with pytest.raises(fq.ValidationError, match="led by 'procuratorate'") as caught:
        simulate(SMALL, Procuratorate())
    assert caught.value.path == "policy"
    monkeypatch.setattr(_agents, "_AGENTS", dict(_agents._AGENTS))  # registered for this test only
    register_agent("procuratorate", Officer)
    assert agent_for(Procuratorate()) is Officer
    assert simulate(SMALL.scaled(0.1), Procuratorate()).given_up == 0


@pytest.mark.parametrize("lead", ["", " court", 3])
def test_registering_an_agent_for_no_lead_is_refused(lead: str) -> None:
    with pytest.raises(fq.ValidationError, match="expected who leads"):
        register_agent(lead, Court)
