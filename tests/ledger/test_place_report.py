"""``place_report``: the stored places, each rhythm's missed periods, and the overdue rows in order."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

import fengqiao as fq
from fengqiao.ledger import MemoryLedger, place_report
from fengqiao.policies import CHINA_TZ
from fengqiao.policies.rhythms import XIQI_DAILY_REPORT, XIQI_WEEKLY_PUSH
from fengqiao.storage import MemoryEventStore, PlaceRepository, SQLiteEventStore


def _day(d: int, hour: int = 0) -> datetime:
    return datetime(2024, 4, d, hour, tzinfo=CHINA_TZ)


def _stored(store: fq.storage.EventStore) -> None:
    clock = fq.FixedClock(_day(1))
    places = PlaceRepository(fq.PlaceWorkflow("xiqi-family-risk", clock=clock), store)
    xiqi = places.register(name="西歧村", actor="grid_worker:li", rhythms=[XIQI_DAILY_REPORT, XIQI_WEEKLY_PUSH])
    daba = places.register(name="大坝村", actor="grid_worker:li", rhythms=[XIQI_DAILY_REPORT])
    clock.set(_day(1, 18))
    xiqi = places.file(xiqi, XIQI_DAILY_REPORT, actor="grid_worker:li")
    daba = places.file(daba, XIQI_DAILY_REPORT, incidents=["田某持刀"], households=["tian"], actor="grid_worker:li")
    clock.set(_day(3, 18))
    places.file(daba, XIQI_DAILY_REPORT, actor="grid_worker:li")


@pytest.mark.parametrize("make", [MemoryEventStore, lambda: SQLiteEventStore(":memory:")])
def test_the_report_counts_missed_periods_per_place_and_rhythm_from_the_store(make: object) -> None:
    store = make()  # type: ignore[operator]
    _stored(store)
    report = place_report(store, at=_day(8, 12))  # a Monday: the week of 1 April is due and missed
    assert report.missing == {
        "place:大坝村": {"xiqi.daily-report": 5},  # 2, 4, 5, 6 and 7 April; 8 April is pending
        "place:西歧村": {"xiqi.daily-report": 6, "xiqi.weekly-push": 1},  # 2 to 7 April; the week of 1 April
    }
    assert [p.name for p in report.places] == ["大坝村", "西歧村"]
    assert report.owed("xiqi.daily-report") == 14
    assert report.owed("xiqi.weekly-push") == 1
    dues = [row.due for row in report.overdue]
    assert dues == sorted(dues)
    assert len(report.overdue) == 12
    weekly = [row for row in report.overdue if row.code == "xiqi.weekly-push"]
    assert [(w.place, w.period, w.message("en")) for w in weekly] == [
        ("西歧村", "2024-W14", "西歧村 2024-W14: weekly push")
    ]


def test_a_day_is_missed_only_once_its_midnight_has_passed() -> None:
    store = MemoryEventStore()
    _stored(store)
    at_midnight = place_report(store, at=_day(3, 0))
    assert at_midnight.missing == {
        "place:大坝村": {"xiqi.daily-report": 0},
        "place:西歧村": {"xiqi.daily-report": 0, "xiqi.weekly-push": 0},
    }
    after = place_report(store, at=_day(3, 0) + timedelta(microseconds=1))
    assert after.missing == {
        "place:大坝村": {"xiqi.daily-report": 1},
        "place:西歧村": {"xiqi.daily-report": 1, "xiqi.weekly-push": 0},
    }


def test_a_ledger_is_read_through_its_store_and_anything_else_is_refused() -> None:
    store = MemoryEventStore()
    _stored(store)
    with MemoryLedger() as ledger:
        _stored(ledger.store)
        assert place_report(ledger, at=_day(8)).missing == place_report(store, at=_day(8)).missing
    with pytest.raises(fq.ValidationError) as caught:
        place_report("fengqiao.db")
    assert caught.value.path == "store"
    with pytest.raises(fq.ValidationError) as naive:
        place_report(store, at=datetime(2024, 4, 8))
    assert naive.value.path == "at"
    with pytest.raises(fq.ValidationError, match="unknown rhythm"):
        place_report(store, [XIQI_WEEKLY_PUSH], at=_day(8))  # the stored places owe the daily report too
