"""Reports found through the policy, and the deprecated per-region methods that now delegate to them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

import attrs
import pytest

import fengqiao as fq
from fengqiao.errors import ValidationError
from fengqiao.ledger import Ledger, MemoryLedger
from fengqiao.policies.huainan_two_clears import HuainanTwoClears, dispatch_report
from fengqiao.policies.huaiyang_ten_categories import RewardRule, reward_report
from fengqiao.policies.reports import DisputeQuery, Report
from fengqiao.testing.contracts.ledger_support import DAY, POLICIES, choose_policy, scenarios, store_all


@pytest.fixture
def ledger() -> Ledger:
    ledger = MemoryLedger(policy=choose_policy, policies=POLICIES)
    store_all(ledger.store, scenarios())
    return ledger


@attrs.frozen
class Counts:
    station: str
    disputes: int


class Stations(fq.BasePolicy):
    """A third party's policy, never registered: one report counting a state's disputes per station."""

    name = "county-stations"

    def reports(self) -> Mapping[str, Report]:
        return {"stations": self.stations}

    def stations(self, ledger: DisputeQuery, state: str) -> tuple[Counts, ...]:
        seen: dict[str, int] = {}
        for d in ledger.select(state=state):
            seen[d.station] = seen.get(d.station, 0) + 1
        return tuple(Counts(s, n) for s, n in sorted(seen.items()))


def test_a_third_partys_policy_offers_its_report_through_the_ledger_as_built_ins_do(ledger: Ledger) -> None:
    disputes = scenarios()
    expected: dict[str, int] = {}
    for d in disputes:
        if d.state is fq.State.CLOSED:
            expected[d.station] = expected.get(d.station, 0) + 1
    assert ledger.report(Stations(), "stations", "closed") == tuple(Counts(s, n) for s, n in sorted(expected.items()))


def test_a_composed_policy_offers_every_parts_reports(ledger: Ledger) -> None:
    both = fq.policies.compose(Stations(), HuainanTwoClears())
    day = DAY.date()
    assert ledger.report(both, "dispatch", day) == ledger.report("huainan-two-clears", "dispatch", day)
    assert ledger.report(both, "stations", "closed") == ledger.report(Stations(), "stations", "closed")


@pytest.mark.parametrize(
    ("arguments", "where"),
    [
        ({"day": datetime(2024, 7, 8, tzinfo=fq.policies.CHINA_TZ)}, "day"),
        ({"day": "2024-07-08"}, "day"),
        ({"day": date(2024, 7, 8), "station": 5}, "station"),
        ({"day": date(2024, 7, 8), "seed": True}, "seed"),
        ({"day": date(2024, 7, 8), "seed": 1.5}, "seed"),
    ],
)
def test_the_dispatch_report_refuses_a_malformed_argument_naming_it(
    ledger: Ledger, arguments: dict[str, object], where: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        ledger.report("huainan-two-clears", "dispatch", **arguments)
    assert caught.value.path == where


def test_the_rewards_report_refuses_a_rule_that_is_not_one(ledger: Ledger) -> None:
    with pytest.raises(ValidationError) as caught:
        ledger.report("huaiyang-ten-categories", "rewards", {"red": 500})
    assert caught.value.path == "rule"


def test_the_rewards_report_takes_another_rule(ledger: Ledger) -> None:
    rule = RewardRule(amounts={"red": 800})
    rewards = ledger.report("huaiyang-ten-categories", "rewards", rule)
    assert [(r.dispute_id, r.amount) for r in rewards] == [("HY-0001", 800)]


# -- the deprecated methods ---------------------------------------------------------------------
def everything(ledger: Ledger) -> Iterable[fq.Dispute]:
    return [ledger.get(r.id) for r in ledger.disputes()]


@pytest.mark.parametrize("station", [None, "洞山派出所"])
def test_dispatch_report_still_gives_huainans_view_and_says_it_is_deprecated(
    ledger: Ledger, station: str | None
) -> None:
    day = DAY.date()
    with pytest.warns(DeprecationWarning, match=r'report\("huainan-two-clears", "dispatch"'):
        report = ledger.dispatch_report(day, station=station, seed=7)
    assert report == dispatch_report(everything(ledger), day, station=station, seed=7)
    assert report == ledger.report("huainan-two-clears", "dispatch", day, station=station, seed=7)


def test_dispatch_report_still_takes_a_huainan_policy_object_and_refuses_another(ledger: Ledger) -> None:
    strict = HuainanTwoClears(key_flag=None)
    day = DAY.date()
    with pytest.warns(DeprecationWarning, match="is deprecated"):
        report = ledger.dispatch_report(day, policy=strict)
    assert report == dispatch_report(everything(ledger), day, policy=strict)
    with (
        pytest.warns(DeprecationWarning, match="is deprecated"),
        pytest.raises(ValidationError, match="HuainanTwoClears") as caught,
    ):
        ledger.dispatch_report(day, policy=fq.policies.Baseline())
    assert caught.value.path == "policy"


def test_reward_eligible_still_lists_huaiyangs_rewards_and_says_it_is_deprecated(ledger: Ledger) -> None:
    with pytest.warns(DeprecationWarning, match=r'report\("huaiyang-ten-categories", "rewards"'):
        rewards = ledger.reward_eligible()
    assert rewards == reward_report(everything(ledger)) == ledger.report("huaiyang-ten-categories", "rewards")
    assert [r.dispute_id for r in rewards] == ["HY-0001"]


@pytest.mark.parametrize("policy", ["baseline", "no-such-policy"])
def test_reward_eligible_of_a_policy_without_rewards_uses_the_default_rule_over_its_disputes(
    ledger: Ledger, policy: str
) -> None:
    with pytest.warns(DeprecationWarning, match="is deprecated"):
        assert ledger.reward_eligible(policy=policy) == ()
    with pytest.warns(DeprecationWarning, match="is deprecated"), pytest.raises(ValidationError) as caught:
        ledger.reward_eligible(policy=5)  # type: ignore[arg-type]
    assert caught.value.path == "policy"
