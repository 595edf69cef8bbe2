from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import attrs
import pytest

import fengqiao as fq
from fengqiao.errors import ValidationError
from fengqiao.ledger import MemoryLedger, what_if
from fengqiao.policies import Baseline
from fengqiao.policies.base import CHINA_TZ
from fengqiao.policies.huaiyang_ten_categories import HuaiyangTenCategories
from fengqiao.policies.yongji_54333 import Yongji54333
from fengqiao.testing.contracts.ledger_support import POLICIES, choose_policy, doc, scenarios, store_all

OFFICER = "officer:xiao"
START = datetime(2024, 5, 6, 9, 0, tzinfo=CHINA_TZ)


@attrs.frozen
class ReferEverything(Baseline):
    """Baseline's rules, but every dispute is routed to a department."""

    name: ClassVar[str] = "refer-everything"

    def route(self, dispute: fq.Dispute, assessment: fq.Assessment) -> fq.Route:
        return fq.Route.REFER


def baseline() -> fq.Workflow:
    return fq.Workflow("baseline", clock=fq.FixedClock(START), ids=lambda: "BL-9")


def complex_case_closed_after_one_visit() -> fq.Dispute:
    wf = baseline()
    d = wf.discover(channel="alarm_110", category="neighbour", summary="宅基地边界纠纷", actor=OFFICER)
    d = wf.grade(d, actor=OFFICER, complex=True)
    d = wf.mediate(
        d,
        actor=OFFICER,
        forces=[fq.MediationForce.POLICE_OFFICE, fq.MediationForce.VILLAGE_GRID],
        documents=[doc(fq.DossierKind.JOINT_HANDLING_NOTICE)],
    )
    d = wf.resolve(wf.record_attempt(d, actor=OFFICER, outcome="agreement"), actor=OFFICER)
    d = wf.record_visit(d, actor="grid_worker:wang", kind="phone")
    return wf.close(d, actor=OFFICER)


def weapon_case_mediated() -> fq.Dispute:
    wf = baseline()
    d = wf.discover(
        channel="alarm_110", category="boundary_drainage", summary="持铁锨对峙", actor=OFFICER, risk_factors=["weapon"]
    )
    d = wf.grade(d, actor=OFFICER)
    d = wf.mediate(d, actor=OFFICER, forces=[fq.MediationForce.POLICE_OFFICE])
    return wf.note(d, "双方冷静", actor=OFFICER)


def test_histories_replayed_under_their_own_policy_show_no_divergence() -> None:
    disputes = scenarios()
    for policy in {choose_policy(d) for d in disputes}:
        own = [d for d in disputes if choose_policy(d) == policy]
        rules = next((p for p in POLICIES if p.name == policy), policy)
        report = what_if(own, rules)
        assert report.divergences == (), policy
        assert (report.disputes, report.events) == (len(own), sum(d.version for d in own))


def test_closing_a_complex_case_after_one_visit_would_be_refused_under_yongji() -> None:
    d = complex_case_closed_after_one_visit()
    last = what_if([d], Yongji54333()).divergences[-1]
    assert (last.index, last.trigger, last.kind, last.recorded, last.other) == (
        6,
        "close",
        "refused",
        "allowed",
        "refused",
    )
    assert "yongji.close.three-visits-missing" in last.codes
    assert last.at == d.history[6].at
    assert last.stopped
    assert last.unchecked == 0


def test_a_grade_difference_is_reported_with_both_grades() -> None:
    first = what_if([weapon_case_mediated()], HuaiyangTenCategories()).divergences[0]
    assert (first.index, first.trigger, first.kind, first.recorded, first.other) == (1, "grade", "grade", "high", "red")
    assert "huaiyang.red" in first.detail
    assert not first.stopped


def test_re_deciding_stops_at_the_first_refusal_and_counts_what_was_left() -> None:
    d = weapon_case_mediated()
    report = what_if([d], HuaiyangTenCategories())
    stop = report.divergences[-1]
    assert (stop.index, stop.trigger, stop.kind) == (2, "mediate", "refused")  # 一案一议: not discussed, nobody named
    assert stop.codes == (
        "huaiyang.mediate.case-discussion-missing",
        "huaiyang.mediate.responsible-leader-missing",
        "huaiyang.mediate.responsible-officer-missing",
    )
    assert (stop.stopped, stop.unchecked) == (True, 1)
    assert report.events == 3
    assert report.stopped == (d.id,)


def test_a_route_difference_is_reported() -> None:
    divergences = what_if([weapon_case_mediated()], ReferEverything()).divergences
    assert [(v.kind, v.recorded, v.other) for v in divergences[:1]] == [("route", "mediate", "refer")]


def test_a_grade_the_other_policy_does_not_have_is_reported_as_invalid() -> None:
    closed = scenarios()[0]  # regraded by hand to baseline's "high" at event 4
    stop = what_if([closed], HuaiyangTenCategories()).divergences[-1]
    assert (stop.index, stop.trigger, stop.kind, stop.other) == (4, "regrade", "invalid", "invalid")
    assert stop.codes == ("regrade.grade",)
    assert stop.stopped


def test_a_discovery_the_other_policy_refuses_stops_at_once() -> None:
    by_informant = next(d for d in scenarios() if d.id == "HY-0001")
    (only,) = what_if([by_informant], "baseline").divergences
    assert (only.index, only.trigger, only.codes) == (0, "discover", ("auth.role-required",))
    assert only.unchecked == by_informant.version - 1


def test_what_if_reads_every_history_of_a_store_or_a_ledger() -> None:
    disputes = scenarios()
    ledger = MemoryLedger(policy=choose_policy, policies=POLICIES)
    store_all(ledger.store, disputes)
    in_order: list[fq.Dispute] = sorted(disputes, key=lambda d: d.id)
    by_value = what_if(in_order, Yongji54333())
    assert what_if(ledger.store, Yongji54333()) == by_value
    assert what_if(ledger, Yongji54333()) == by_value
    assert by_value.disputes == len(disputes)
    assert set(by_value.diverged) < {d.id for d in disputes}


def test_a_history_that_does_not_begin_with_a_discovery_is_refused() -> None:
    d = weapon_case_mediated()
    with pytest.raises(ValidationError):
        what_if([d.history[1:]], "baseline")


def test_progress_is_told_every_hundred_histories_and_at_the_end() -> None:
    wf = fq.Workflow("baseline")
    histories = [
        wf.discover(channel="alarm_110", category="neighbour", summary=f"x{i}", actor="officer:a").history
        for i in range(250)
    ]
    told: list[int] = []
    result = what_if(histories, "yongji-54333", progress=told.append)
    assert told == [100, 200, 250]
    assert result.disputes == 250


def test_progress_must_be_a_function() -> None:
    with pytest.raises(ValidationError) as caught:
        what_if([], "baseline", progress=3)  # type: ignore[arg-type]
    assert caught.value.path == "progress"
