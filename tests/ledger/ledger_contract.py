"""The behaviour every ledger shares: subclass ``LedgerContract`` and give it ``make_ledger``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from ledger_support import (
    DAY,
    POLICIES,
    Boom,
    LedgerFactory,
    choose_policy,
    discover,
    raises_boom,
    scenarios,
    store_all,
    workflow,
)

import fengqiao as fq
from fengqiao.errors import DisputeNotFound, StorageError, ValidationError
from fengqiao.ledger import Ledger, MemoryLedger, Period
from fengqiao.lifecycle.states import TERMINAL_STATES
from fengqiao.policies.base import CHINA_TZ
from fengqiao.policies.huainan_two_clears import dispatch_report
from fengqiao.policies.huaiyang_ten_categories import reward_report
from fengqiao.storage import Append, StoredEvent

Stored = dict[str, fq.Dispute]


class Switch:
    """A projector that fails when armed, to make an append fail after the ledger's projector ran."""

    def __init__(self) -> None:
        self.armed = False

    def __call__(self, tx: Any, events: tuple[StoredEvent, ...], /) -> None:
        if self.armed:
            raise Boom("armed")


def snapshot(ledger: Ledger) -> tuple[Any, ...]:
    """Everything a ledger answers, to compare two ledgers (or one, before and after)."""
    rows = ledger.disputes()
    return (
        rows,
        tuple(ledger.get(r.id) for r in rows),
        ledger.dossier_completeness(),
        ledger.disputes(assignee="所长周某"),
        ledger.disputes(assignee="民警肖某"),
        ledger.position,
    )


def deadlines_by_hand(stored: Stored, at: datetime) -> list[tuple[str, str]]:
    """Overdue deadlines, asking each dispute's policy directly."""
    found = []
    for d in stored.values():
        wf = fq.Workflow(next((p for p in POLICIES if p.name == choose_policy(d)), choose_policy(d)))
        found += [(d.id, c.deadline.code) for c in wf.deadlines(d, at=at) if c.status is fq.DeadlineStatus.OVERDUE]
    return sorted(found)


CONDITIONS: list[tuple[dict[str, Any], Callable[[fq.Dispute], bool]]] = [
    ({"state": "closed"}, lambda d: d.state is fq.State.CLOSED),
    ({"state": ["mediating", "referred"]}, lambda d: d.state in (fq.State.MEDIATING, fq.State.REFERRED)),
    ({"grade": "red"}, lambda d: d.grade == "red"),
    ({"category": "wage_arrears"}, lambda d: d.category is fq.Category.WAGE_ARREARS),
    ({"channel": fq.Channel.SECURITY_INFORMANT}, lambda d: d.channel is fq.Channel.SECURITY_INFORMANT),
    ({"station": "蒲州派出所"}, lambda d: d.station == "蒲州派出所"),
    ({"assignee": "所长周某"}, lambda d: "所长周某" in {a.person for a in d.assignments}),
    (
        {"assignee": "民警肖某", "role": "responsible_officer"},
        lambda d: "民警肖某" in d.assignees(fq.Role.RESPONSIBLE_OFFICER),
    ),
    ({"policy": "yongji-54333"}, lambda d: d.id.startswith("YJ")),
    (
        {"station": "城关派出所", "open_only": True},
        lambda d: d.station == "城关派出所" and d.state not in TERMINAL_STATES,
    ),
]


class LedgerContract:
    """Behaviour every ledger back-end shares. Subclasses provide ``make_ledger``."""

    @pytest.fixture
    def make_ledger(self) -> LedgerFactory:
        raise NotImplementedError("a back-end's test class provides make_ledger")

    @pytest.fixture
    def ledger(self, make_ledger: LedgerFactory) -> Ledger:
        return make_ledger(policy=choose_policy, policies=POLICIES)

    @pytest.fixture
    def stored(self, ledger: Ledger) -> Stored:
        disputes = scenarios()
        store_all(ledger.store, disputes)
        return {d.id: d for d in disputes}

    # -- the projection ------------------------------------------------------------------
    def test_a_dispute_is_listed_as_soon_as_its_discovery_is_appended(self, make_ledger: LedgerFactory) -> None:
        ledger = make_ledger()
        d = discover(workflow())
        ledger.store.append(d.id, d.history, expected_version=0)
        (row,) = ledger.disputes()
        assert (row.id, row.state, row.policy, row.version, row.station) == (
            d.id,
            fq.State.DISCOVERED,
            "baseline",
            1,
            "蒲州派出所",
        )

    def test_each_append_brings_the_row_to_the_disputes_latest_value(self, ledger: Ledger) -> None:
        (d, *_) = scenarios()
        for version, event in enumerate(d.history):
            ledger.store.append(d.id, [event], expected_version=version)
            now = fq.replay(d.history[: version + 1])
            row = ledger.row(d.id)
            assert (row.version, row.state, row.grade, row.updated_at) == (
                now.version,
                now.state,
                now.grade,
                now.updated_at,
            )
            assert ledger.get(d.id) == now

    def test_every_back_end_gives_the_same_rows(self, ledger: Ledger, stored: Stored) -> None:
        memory = MemoryLedger(policy=choose_policy, policies=POLICIES)
        store_all(memory.store, stored.values(), chunk=100)
        assert snapshot(ledger)[:5] == snapshot(memory)[:5]

    def test_get_gives_each_dispute_as_its_stored_history_replays(self, ledger: Ledger, stored: Stored) -> None:
        for dispute_id, d in stored.items():
            assert ledger.get(dispute_id) == fq.replay(ledger.store.load(dispute_id)) == d

    def test_an_unknown_dispute_is_not_found(self, ledger: Ledger) -> None:
        with pytest.raises(DisputeNotFound):
            ledger.row("nobody")

    def test_a_failed_append_leaves_the_ledger_as_it_was(self, make_ledger: LedgerFactory) -> None:
        switch = Switch()
        ledger = make_ledger(policy=choose_policy, policies=POLICIES, projectors=[switch])
        first, second, *rest = scenarios()
        store_all(ledger.store, rest)
        ledger.store.append(first.id, first.history[:4], expected_version=0)
        before = snapshot(ledger)
        switch.armed = True
        with raises_boom():
            ledger.store.append(first.id, first.history[4:], expected_version=4)
        with raises_boom():
            ledger.store.append(second.id, second.history, expected_version=0)
        assert snapshot(ledger) == before
        switch.armed = False
        ledger.store.append(second.id, second.history, expected_version=0)
        ledger.store.append(first.id, first.history[4:], expected_version=4)
        assert ledger.get(first.id) == first
        assert ledger.get(second.id) == second

    # -- poison isolation: one event the ledger cannot project stops nothing ------------------
    def test_an_event_the_ledger_cannot_project_is_quarantined_and_the_append_stands(self, ledger: Ledger) -> None:
        stray = fq.Workflow("baseline", clock=fq.FixedClock(DAY), ids=lambda: "ZZ-1")
        d = stray.discover(channel="alarm_110", category="neighbour", summary="x", actor="officer:a")
        ledger.store.append(d.id, d.history, expected_version=0)  # choose_policy knows no "ZZ" prefix
        assert ledger.store.load(d.id) == d.history
        (problem,) = ledger.problems()
        assert (problem.stream_id, problem.version) == (d.id, 1)
        assert "policy function raised KeyError" in problem.reason
        assert d.id in problem.reason
        assert ledger.count() == 0
        first, *_ = scenarios()
        ledger.store.append(first.id, first.history, expected_version=0)  # other writers go on
        assert ledger.get(first.id) == first
        assert ledger.position == ledger.store.read_all().__next__().position + first.version

    def test_a_quarantined_dispute_heals_with_retry_once_the_cause_is_gone(self, make_ledger: LedgerFactory) -> None:
        known: dict[str, str] = {}
        ledger = make_ledger(policy=lambda d: known[d.station])
        d = discover(workflow())
        ledger.store.append(d.id, d.history[:1], expected_version=0)
        ledger.store.append(d.id, d.history[1:], expected_version=1)
        assert [p.version for p in ledger.problems()] == [1]
        assert ledger.retry() == 0
        assert len(ledger.problems()) == 1
        known[d.station] = "baseline"
        assert ledger.retry() == 1
        assert ledger.problems() == ()
        assert ledger.get(d.id) == d

    def test_a_quarantined_dispute_heals_with_its_next_event(self, make_ledger: LedgerFactory) -> None:
        known: dict[str, str] = {}
        ledger = make_ledger(policy=lambda d: known[d.station])
        wf = workflow()
        d = wf.grade(discover(wf), actor="officer:xiao")
        ledger.store.append(d.id, d.history[:1], expected_version=0)
        known[d.station] = "baseline"
        ledger.store.append(d.id, d.history[1:], expected_version=1)
        assert ledger.problems() == ()
        assert ledger.get(d.id) == d

    def test_a_step_the_graph_does_not_allow_is_not_shown_as_done(self, ledger: Ledger) -> None:
        wf = workflow()
        d = discover(wf)
        later = wf.close(
            wf.record_visit(
                wf.resolve(
                    wf.record_attempt(
                        wf.mediate(wf.grade(d, actor="officer:xiao"), actor="officer:xiao"),
                        actor="officer:xiao",
                        outcome="agreement",
                    ),
                    actor="officer:xiao",
                ),
                actor="grid_worker:wang",
                kind="phone",
            ),
            actor="officer:xiao",
        )
        skipped = (d.history[0], later.history[-1])  # discovered, then closed: what the graph never allows
        ledger.store.append(d.id, skipped, expected_version=0)  # the raw, unchecked storage layer
        (problem,) = ledger.problems()
        assert problem.version == 1
        assert "cannot take a dispute from discovered to closed" in problem.reason
        assert ledger.count(state="closed") == 0

    def test_a_closed_ledger_refuses_to_answer(self, ledger: Ledger, stored: Stored) -> None:
        ledger.close()
        with pytest.raises(StorageError, match="closed"):
            ledger.disputes()
        with pytest.raises(StorageError, match="closed"):
            ledger.store.load("BL-0001")
        ledger.close()

    # -- rebuild ----------------------------------------------------------------------------
    def test_rebuild_gives_exactly_what_the_appends_built(self, ledger: Ledger, stored: Stored) -> None:
        before = snapshot(ledger)
        assert ledger.rebuild() == sum(d.version for d in stored.values())
        assert snapshot(ledger) == before
        assert ledger.overdue(datetime(2025, 1, 1, tzinfo=CHINA_TZ))

    def test_a_ledger_filled_by_append_many_equals_append_by_append_and_its_rebuild(self, ledger: Ledger) -> None:
        disputes = scenarios()
        ledger.store.append_many([Append(d.id, d.history[:3], expected_version=0) for d in disputes])
        ledger.store.append_many([Append(d.id, d.history[3:], expected_version=3) for d in disputes if d.version > 3])
        one_by_one = MemoryLedger(policy=choose_policy, policies=POLICIES)
        store_all(one_by_one.store, disputes)
        assert snapshot(ledger)[:5] == snapshot(one_by_one)[:5]
        before = snapshot(ledger)
        assert ledger.rebuild() == sum(d.version for d in disputes)
        assert snapshot(ledger) == before

    def test_rebuilding_an_empty_store_gives_an_empty_ledger(self, ledger: Ledger) -> None:
        assert ledger.rebuild() == 0
        assert (ledger.disputes(), ledger.position) == ((), 0)

    # -- queries ----------------------------------------------------------------------------
    @pytest.mark.parametrize(("conditions", "wanted"), CONDITIONS, ids=[str(c) for c, _ in CONDITIONS])
    def test_each_condition_keeps_exactly_the_disputes_that_meet_it(
        self, ledger: Ledger, stored: Stored, conditions: dict[str, Any], wanted: Callable[[fq.Dispute], bool]
    ) -> None:
        expected = sorted(d.id for d in stored.values() if wanted(d))
        assert expected, "each condition should select something in the scenarios"
        assert [r.id for r in ledger.disputes(**conditions)] == expected
        assert ledger.count(**conditions) == len(expected)
        assert list(ledger.select(**conditions)) == [stored[i] for i in expected]

    @pytest.mark.parametrize(
        ("span", "when"),
        [("received", lambda d: d.alerts[0].received_at), ("discovered", lambda d: d.discovered_at)],
    )
    def test_select_keeps_the_disputes_of_a_span_of_time(
        self, ledger: Ledger, stored: Stored, span: str, when: Callable[[fq.Dispute], datetime]
    ) -> None:
        day = Period.day(DAY.date())
        expected = [d for i, d in sorted(stored.items()) if when(d) in day]
        assert 0 < len(expected) < len(stored), "some scenarios begin on DAY, not all"
        assert list(ledger.select(**{span: (day.start, day.end)})) == expected

    @pytest.mark.parametrize(("conditions", "where"), [({"limit": 3}, "limit"), ({"received": 5}, "received")])
    def test_select_refuses_a_condition_it_does_not_know_or_a_malformed_one(
        self, ledger: Ledger, conditions: dict[str, Any], where: str
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            ledger.select(**conditions)
        assert caught.value.path == where

    def test_an_assignee_in_another_role_is_not_matched(self, ledger: Ledger, stored: Stored) -> None:
        assert ledger.disputes(assignee="所长周某", role="responsible_officer") == ()

    def test_open_lists_the_disputes_not_in_a_terminal_state(self, ledger: Ledger, stored: Stored) -> None:
        expected = sorted(i for i, d in stored.items() if d.state not in TERMINAL_STATES)
        assert [r.id for r in ledger.open()] == expected
        assert all(r.closed_at is None for r in ledger.open())

    def test_limit_gives_the_first_rows_by_id(self, ledger: Ledger, stored: Stored) -> None:
        assert [r.id for r in ledger.disputes(limit=3)] == sorted(stored)[:3]

    @pytest.mark.parametrize(
        ("conditions", "where"),
        [
            ({"category": "quarrel"}, "category"),
            ({"role": "chief"}, "role"),
            ({"limit": -1}, "limit"),
            ({"state": 5}, "state"),
            ({"grade": object()}, "grade"),
            ({"station": b"bytes"}, "station"),
            ({"policy": ["baseline", 5]}, "policy[1]"),
            ({"limit": 2**63}, "limit"),
            ({"limit": 2**70}, "limit"),
            ({"limit": "3"}, "limit"),
        ],
        ids=repr,
    )
    def test_a_malformed_condition_is_refused_naming_it(
        self, ledger: Ledger, stored: Stored, conditions: dict[str, Any], where: str
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            ledger.disputes(**conditions)
        assert caught.value.path == where

    def test_the_largest_64_bit_limit_gives_every_row(self, ledger: Ledger, stored: Stored) -> None:
        assert [r.id for r in ledger.disputes(limit=2**63 - 1)] == sorted(stored)

    @pytest.mark.parametrize(
        ("conditions", "where"),
        [({"stat": "closed"}, "stat"), ({"discovered": 5}, "discovered"), ({"due_before": "today"}, "due_before")],
    )
    def test_count_and_open_refuse_a_condition_they_do_not_know_or_a_malformed_one(
        self, ledger: Ledger, conditions: dict[str, Any], where: str
    ) -> None:
        with pytest.raises(ValidationError, match="did you mean state" if where == "stat" else None) as caught:
            ledger.count(**conditions)
        assert caught.value.path == where
        with pytest.raises(ValidationError):
            ledger.open(**conditions)

    # -- reports ----------------------------------------------------------------------------
    @pytest.mark.parametrize(
        ("at", "expected"),
        [
            (datetime(2024, 7, 8, 23, 0, tzinfo=CHINA_TZ), []),
            (
                datetime(2024, 7, 9, 0, 30, tzinfo=CHINA_TZ),
                [("HN-0001", "huainan.same-day-close"), ("HN-0003", "huainan.same-day-close")],
            ),
        ],
    )
    def test_overdue_lists_the_deadlines_unmet_and_past_due_at_the_time_asked(
        self, ledger: Ledger, stored: Stored, at: datetime, expected: list[tuple[str, str]]
    ) -> None:
        assert sorted((r.dispute_id, r.code) for r in ledger.overdue(at)) == expected

    @pytest.mark.parametrize("month", [7, 8, 9, 10, 12])
    def test_overdue_agrees_with_asking_each_disputes_policy(self, ledger: Ledger, stored: Stored, month: int) -> None:
        at = datetime(2024, month, 20, tzinfo=CHINA_TZ)
        assert sorted((r.dispute_id, r.code) for r in ledger.overdue(at)) == deadlines_by_hand(stored, at)

    def test_overdue_can_be_limited_to_one_policys_disputes(self, ledger: Ledger, stored: Stored) -> None:
        rows = ledger.overdue(datetime(2024, 12, 1, tzinfo=CHINA_TZ), policy="yongji-54333")
        assert [(r.dispute_id, r.code) for r in rows] == [("YJ-0002", "yongji.refer.result-due")]

    def test_resolution_rate_is_counted_by_the_policys_own_metrics(self, ledger: Ledger, stored: Stored) -> None:
        yongji = POLICIES[0]
        rate = ledger.resolution_rate(Period.year(2024), "yongji-54333")
        assert (rate.screened, rate.resolved, rate.figure("handed_over")) == (3, 1, 1)  # the escalated one is a case
        assert rate.rate == pytest.approx(1 / 3)
        assert dict(rate.figures) == yongji.metrics(d for i, d in stored.items() if i.startswith("YJ"))

    def test_resolution_rate_counts_the_disputes_discovered_in_the_period(self, ledger: Ledger, stored: Stored) -> None:
        assert ledger.resolution_rate(Period.day(date(2024, 7, 8)), "huainan-two-clears").screened == 3
        assert ledger.resolution_rate(Period.day(date(2024, 7, 9)), "huainan-two-clears").screened == 0

    def test_resolution_rates_give_one_row_per_policy(self, ledger: Ledger, stored: Stored) -> None:
        rows = ledger.resolution_rates(Period.year(2024))
        assert [r.policy for r in rows] == ["baseline", "huainan-two-clears", "huaiyang-ten-categories", "yongji-54333"]
        assert [(r.screened, r.resolved) for r in rows] == [(4, 1), (3, 1), (3, 1), (3, 1)]

    @pytest.mark.parametrize("station", [None, "洞山派出所"])
    def test_huainans_dispatch_report_runs_over_that_days_alerts(
        self, ledger: Ledger, stored: Stored, station: str | None
    ) -> None:
        day = date(2024, 7, 8)
        report = ledger.report("huainan-two-clears", "dispatch", day, station=station, seed=7)
        assert report == dispatch_report(stored.values(), day, station=station, seed=7)
        assert report.total.received == (4 if station is None else 1)

    def test_dossier_completeness_lists_unmet_requirements_by_volume(self, ledger: Ledger, stored: Stored) -> None:
        rows = {r.dispute_id: r for r in ledger.dossier_completeness()}
        assert sorted(rows) == ["YJ-0001", "YJ-0002", "YJ-0003"]
        assert rows["YJ-0001"].complete
        assert rows["YJ-0003"].missing_a == (
            "yongji.dossier.source",
            "yongji.dossier.evidence",
            "yongji.dossier.follow-up",
            "yongji.dossier.result",
        )
        assert rows["YJ-0003"].missing_b == (
            "yongji.dossier.parties",
            "yongji.dossier.registration",
            "yongji.dossier.publicity",
        )
        assert rows["YJ-0002"].required == 8  # referred: the hand-over papers too, filed with the referral

    def test_dossier_completeness_can_list_only_incomplete_dossiers(self, ledger: Ledger, stored: Stored) -> None:
        assert [r.dispute_id for r in ledger.dossier_completeness("yongji-54333", incomplete_only=True)] == [
            "YJ-0002",
            "YJ-0003",
        ]

    def test_dossier_gaps_state_the_requirements_as_the_policy_does(self, ledger: Ledger, stored: Stored) -> None:
        gaps = ledger.dossier_gaps("YJ-0003")
        assert [g.code for g in gaps] == [*ledger.dossier_completeness(station="城关派出所")[0].missing]
        assert "一标三实" in gaps[5].zh

    def test_huaiyangs_rewards_report_lists_informant_reports_that_ended_resolved(
        self, ledger: Ledger, stored: Stored
    ) -> None:
        rewards = ledger.report("huaiyang-ten-categories", "rewards")
        assert rewards == reward_report(stored.values())
        assert [(r.dispute_id, r.grade, r.amount) for r in rewards] == [("HY-0001", "red", 500)]

    @pytest.mark.parametrize(("policy", "name"), [("baseline", "dispatch"), ("huainan-two-clears", "rewards")])
    def test_a_report_the_policy_does_not_offer_is_refused_naming_those_it_does(
        self, ledger: Ledger, policy: str, name: str
    ) -> None:
        with pytest.raises(ValidationError, match=f"offers no report called '{name}'") as caught:
            ledger.report(policy, name)
        assert caught.value.path == "name"
