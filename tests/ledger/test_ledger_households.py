"""The ledger's households beyond the contract: the report from rows equals the scan, other families, policy changes."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao.ledger import HouseholdReport, MemoryLedger, SQLiteLedger, household_report
from fengqiao.ledger._household_facts import kind_of
from fengqiao.simulation import simulate_households, xiqi
from fengqiao.storage import StoredEvent
from fengqiao.testing.contracts._ledger_households import XIQI, history, household_scenarios
from fengqiao.testing.households import HouseholdLifecycle, household_lifecycles
from tests.stages import START

_IDS = itertools.count(1)


def _workflow() -> fq.HouseholdWorkflow:
    return fq.HouseholdWorkflow(XIQI, clock=fq.FixedClock(START), ids=lambda: f"h-{next(_IDS):06d}")


def _agree(projected: HouseholdReport, scanned: HouseholdReport) -> None:
    assert (projected.projected, scanned.projected) == (True, False)
    assert projected.policy == scanned.policy
    assert projected.households == scanned.households
    assert projected.metrics == scanned.metrics
    assert projected.overdue == scanned.overdue
    assert projected.figures() == scanned.figures()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lifecycles=st.lists(household_lifecycles(_workflow, max_steps=12), max_size=4),
    days=st.integers(0, 120),
)
def test_the_report_from_the_ledgers_rows_equals_replaying_every_household(
    lifecycles: list[HouseholdLifecycle], days: int
) -> None:
    ledger = MemoryLedger(household_policy=XIQI)
    for lifecycle in lifecycles:
        h = lifecycle.household
        ledger.store.append(h.id, history(h), expected_version=0)
    at = START + timedelta(days=days)
    assert ledger.problems() == ()
    _agree(household_report(ledger, XIQI, at=at), household_report(ledger.store, XIQI, at=at))


def test_the_full_xiqi_preset_reads_back_the_reports_figures_from_the_ledger(tmp_path: Path) -> None:
    with SQLiteLedger(tmp_path / "xiqi.db", household_policy=XIQI) as ledger:
        result = simulate_households(xiqi(), XIQI, store=ledger.store)
        projected = household_report(ledger, at=result.end)
        _agree(projected, household_report(ledger.store, at=result.end))
        assert ledger.household_figures() == projected.figures() == result.figures()
    assert projected.figures() == xiqi().figures()  # 3,027 screened, 257 watched, 5 + 23 + 185 classed, 44 not


def test_the_figures_narrow_by_village() -> None:
    ledger = MemoryLedger(household_policy=XIQI)
    result = simulate_households(xiqi().scaled(0.05), XIQI, store=ledger.store)
    village = result.households[0].village
    mine = [h for h in result.households if h.village == village]
    assert 0 < len(mine) < len(result.households)
    assert ledger.household_figures(village=village) == fq.ledger.household_figures(mine)


def test_overdue_is_judged_under_the_ledgers_policy_even_for_rows_projected_under_another(tmp_path: Path) -> None:
    tian = household_scenarios()[3]  # help referred to civil affairs: overdue after seven days under xiqi
    at = tian.help[0].at + timedelta(days=8)
    with SQLiteLedger(tmp_path / "town.db") as base:  # household-base: no deadlines, no next_due
        base.store.append(tian.id, history(tian), expected_version=0)
        assert base.household(tian.id).next_due is None
        assert base.household_overdue(at) == ()
    with SQLiteLedger(tmp_path / "town.db", household_policy=XIQI) as ledger:
        assert ledger.household(tian.id).policy == "household-base"
        assert [(r.household_id, r.code) for r in ledger.household_overdue(at)] == [(tian.id, "xiqi.help.report-in")]
        _agree(household_report(ledger, XIQI, at=at), household_report(ledger.store, XIQI, at=at))


@attrs.frozen
class PlaceReported:
    """An event of a third family (a village's daily report, say), as a later fengqiao may store."""

    type: ClassVar[str] = "place_reported"
    place: str
    at: datetime

    @property
    def stream_id(self) -> str:
        return self.place


def _place(position: int) -> StoredEvent:
    event: Any = PlaceReported("村01", START)  # neither a dispute's event nor a household's
    return StoredEvent(
        position=position, stream_id="place-村01", version=1, event=event, hash="0" * 64, recorded_at=START
    )


def test_a_stream_of_neither_kind_is_no_row_and_no_problem() -> None:
    assert kind_of((_place(1),)) == "other"
    ledger = MemoryLedger()
    problems: dict[int, fq.ledger.LedgerProblem] = {}
    assert ledger._fold([_place(1)], lambda _sid: None, problems, {}) == {}
    assert problems == {}


def test_a_sql_ledger_passes_over_a_stream_of_neither_kind(tmp_path: Path) -> None:
    with SQLiteLedger(tmp_path / "x.db") as ledger:
        d = household_scenarios()[0]
        ledger.store.append(d.id, history(d), expected_version=0)
        with ledger._write() as tx:
            assert ledger.projection._apply(tx, [_place(2)], isolate=True) == (1, 2)
        assert ledger.problems() == ()
        assert (ledger.count(), ledger.household_count()) == (0, 1)


def test_household_rows_keep_their_times_in_utc() -> None:
    ledger = MemoryLedger(household_policy=XIQI)
    h = household_scenarios()[0]
    ledger.store.append(h.id, history(h), expected_version=0)
    row = ledger.household(h.id)
    assert row.screened_at.tzinfo is UTC
    assert row.screened_at == h.screened_at
