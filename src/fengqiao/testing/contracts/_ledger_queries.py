"""The ledger contract's queries and reports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import attrs
import pytest

import fengqiao as fq
from fengqiao.errors import ValidationError
from fengqiao.ledger import Ledger, Period
from fengqiao.lifecycle.states import TERMINAL_STATES
from fengqiao.policies.base import CHINA_TZ
from fengqiao.policies.reports import reports_of
from fengqiao.testing.contracts.ledger_support import (
    CONDITIONS,
    DAY,
    POLICIES,
    Stored,
    Unnarrowed,
    deadlines_by_hand,
)


class _Queries:
    """Queries by condition, spans of time, limits; and the reports the policies offer."""

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

    def test_recorded_policies_count_the_disputes_by_the_policy_their_discovery_records(
        self, ledger: Ledger, stored: Stored
    ) -> None:
        by_name = Counter(d.policy.name for d in stored.values() if d.policy is not None)
        assert len(by_name) >= 3, "the scenarios open disputes under several policies"
        assert ledger.recorded_policies() == dict(by_name)
        some = next(iter(stored.values()))
        at_station = Counter(d.policy.name for d in stored.values() if d.station == some.station and d.policy)
        assert ledger.recorded_policies(station=some.station) == dict(at_station)
        old = fq.Workflow("baseline").discover(
            channel="alarm_110", category="neighbour", summary="旧", actor="officer:li", dispute_id="BL-old"
        )
        first = old.history[0]
        assert isinstance(first, fq.Discovered)
        ledger.store.append(old.id, (attrs.evolve(first, policy=None),), expected_version=0)  # as written before
        with_old: dict[str | None, int] = {None: 1}
        with_old.update(by_name)
        assert ledger.recorded_policies() == with_old
        with pytest.raises(ValidationError, match="no condition is called 'colour'"):
            ledger.recorded_policies(colour="red")

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
        dispatch = reports_of(ledger.book.policy("huainan-two-clears"))["dispatch"]
        assert report == dispatch(Unnarrowed(stored.values()), day, station=station, seed=7)
        assert report.total.received == (4 if station is None else 1)

    def test_dossier_completeness_lists_unmet_requirements_by_volume(self, ledger: Ledger, stored: Stored) -> None:
        rows = {r.dispute_id: r for r in ledger.dossier_completeness()}
        assert sorted(rows) == ["HY-0001", "HY-0002", "HY-0003", "YJ-0001", "YJ-0002", "YJ-0003"]
        assert rows["HY-0001"].complete  # discussed (一案一议)
        assert rows["HY-0003"].missing == ("huaiyang.dossier.case-discussion",)
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
        assert [g.code for g in gaps] == [*ledger.dossier_completeness("yongji-54333", station="城关派出所")[0].missing]
        assert "一标三实" in gaps[5].zh

    def test_huaiyangs_rewards_report_lists_informant_reports_that_ended_resolved(
        self, ledger: Ledger, stored: Stored
    ) -> None:
        rewards = ledger.report("huaiyang-ten-categories", "rewards")
        rewards_of = reports_of(ledger.book.policy("huaiyang-ten-categories"))["rewards"]
        assert rewards == rewards_of(Unnarrowed(stored.values()))
        assert [(r.dispute_id, r.grade, r.amount) for r in rewards] == [("HY-0001", "red", 500)]

    @pytest.mark.parametrize(("policy", "name"), [("baseline", "dispatch"), ("huainan-two-clears", "rewards")])
    def test_a_report_the_policy_does_not_offer_is_refused_naming_those_it_does(
        self, ledger: Ledger, policy: str, name: str
    ) -> None:
        with pytest.raises(ValidationError, match=f"offers no report called '{name}'") as caught:
            ledger.report(policy, name)
        assert caught.value.path == "name"
