"""Places and their stored reports: every rule of ``PlaceWorkflow``, and overdue days at the right instants."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest

import fengqiao as fq
from fengqiao.errors import PlaceNotFound, TransitionRefused, ValidationError
from fengqiao.lifecycle.place import fold
from fengqiao.lifecycle.place_events import FilePayload, PlaceRegistered, RegisterPlacePayload, ReportFiled
from fengqiao.policies import CHINA_TZ
from fengqiao.policies.base import DeadlineStatus
from fengqiao.policies.rhythms import XIQI_DAILY_REPORT, XIQI_RHYTHMS, Cadence, Rhythm
from fengqiao.storage import MemoryEventStore, PlaceRepository
from fengqiao.testing.places import place_story

DAILY = "xiqi.daily-report"
START = datetime(2024, 4, 1, 8, tzinfo=CHINA_TZ)


def _wf(**kwargs: Any) -> tuple[fq.PlaceWorkflow, fq.FixedClock]:
    clock = fq.FixedClock(START)
    return fq.PlaceWorkflow("xiqi-family-risk", clock=clock, **kwargs), clock


def _codes(refused: pytest.ExceptionInfo[TransitionRefused]) -> set[str]:
    return {r.code for r in refused.value.refusals}


def test_a_policy_name_gives_its_rhythms_and_so_do_the_rhythms_themselves() -> None:
    assert list(fq.PlaceWorkflow("xiqi-family-risk").rhythms) == [r.code for r in XIQI_RHYTHMS]
    assert list(fq.PlaceWorkflow([XIQI_DAILY_REPORT]).rhythms) == [DAILY]
    with pytest.raises(ValidationError, match=r"no household policy|unknown") as caught:
        fq.PlaceWorkflow("nosuch")
    assert caught.value.path
    with pytest.raises(ValidationError, match="at least one rhythm"):
        fq.PlaceWorkflow([])
    with pytest.raises(ValidationError, match="two rhythms are coded") as twice:
        fq.PlaceWorkflow([XIQI_DAILY_REPORT, XIQI_DAILY_REPORT])
    assert twice.value.path == "rhythms[1]"
    with pytest.raises(ValidationError, match="expected a Rhythm") as wrong:
        fq.PlaceWorkflow([XIQI_DAILY_REPORT, "daily"])
    assert wrong.value.path == "rhythms[1]"
    with pytest.raises(ValidationError) as keyword:
        fq.PlaceWorkflow(XIQI_RHYTHMS, clocks=None)  # type: ignore[call-arg]
    assert keyword.value.path == "PlaceWorkflow.clocks"


def test_register_owes_every_rhythm_by_default_and_only_known_ones() -> None:
    wf, _ = _wf()
    place = wf.register(name="西歧村", actor="grid_worker:li", place_id="p")
    assert place.rhythms == tuple(r.code for r in XIQI_RHYTHMS)
    assert (place.village, place.grid, place.state) == ("西歧村", "", fq.PlaceState.REPORTING)
    with pytest.raises(ValidationError, match=r"unknown rhythm 'xiqi\.daily'") as caught:
        wf.register(name="西歧村", actor="grid_worker:li", rhythms=["xiqi.daily"])
    assert caught.value.path == "rhythms[0]"
    assert "did you mean" in caught.value.message
    with pytest.raises(ValidationError) as empty:
        wf.register(name="", actor="grid_worker:li", place_id="p")
    assert empty.value.path == "register.name"
    with pytest.raises(ValidationError, match="named twice"):
        wf.register(name="西歧村", actor="grid_worker:li", rhythms=[DAILY, DAILY])


def test_a_missing_day_is_overdue_once_its_midnight_has_passed_and_not_before() -> None:
    wf, clock = _wf()
    place = wf.register(name="西歧村", actor="grid_worker:li", rhythms=[DAILY])
    clock.advance(timedelta(hours=10))  # 18:00 on 1 April
    place = wf.file(place, DAILY, actor="grid_worker:li")
    day2_end = datetime(2024, 4, 3, 0, tzinfo=CHINA_TZ)
    before = wf.checks(place, at=day2_end)[DAILY]  # due at 24:00: pending until then
    assert [(p.period.label, p.status) for p in before.periods][:2] == [
        ("2024-04-01", DeadlineStatus.MET),
        ("2024-04-02", DeadlineStatus.PENDING),
    ]
    at_end = wf.checks(place, at=day2_end + timedelta(microseconds=1))[DAILY]
    assert [p.status for p in at_end.periods][:2] == [DeadlineStatus.MET, DeadlineStatus.OVERDUE]
    assert [p.period.label for p in at_end.missed] == ["2024-04-02"]
    assert at_end.missed[0].deadline.message("zh") == "西歧村 2024-04-02：日报告（有事报事，无事报平安）"


def test_an_incident_report_meets_the_day_like_all_quiet_and_keeps_what_it_said() -> None:
    wf, clock = _wf()
    place = wf.register(name="西歧村", actor="grid_worker:li", rhythms=[DAILY])
    clock.advance(timedelta(hours=12))
    place = wf.file(place, DAILY, incidents=["田某持刀威胁邻居"], households=["tian"], actor="auxiliary_officer:zhang")
    (report,) = place.reports
    assert (report.quiet, report.incidents, report.households, report.by) == (
        False,
        ("田某持刀威胁邻居",),
        ("tian",),
        "auxiliary_officer:zhang",
    )
    check = wf.checks(place, at=clock.now())[DAILY]
    assert check.periods[0].status is DeadlineStatus.MET
    assert check.periods[0].filing is not None
    assert check.periods[0].filing.kind == "incident"


def test_a_report_for_a_rhythm_the_place_does_not_owe_is_refused_and_changes_nothing() -> None:
    wf, clock = _wf()
    place = wf.register(name="西歧村", actor="grid_worker:li", rhythms=[DAILY])
    clock.advance(timedelta(hours=1))
    with pytest.raises(TransitionRefused) as refused:
        wf.file(place, "xiqi.weekly-push", actor="grid_worker:li")
    assert _codes(refused) == {"place.rhythm-not-owed"}
    assert "西歧村 不承担“周推送”" in refused.value.refusals[0].zh
    assert refused.value.kind == "place"
    decision = wf.check(place, "file", rhythm="xiqi.weekly-push", actor="grid_worker:li")
    assert {r.code for r in decision.refusals} == {"place.rhythm-not-owed"}
    assert place.version == 1
    assert place.reports == ()
    with pytest.raises(ValidationError, match="unknown rhythm") as unknown:
        wf.file(place, "jiang.cleared-daily", actor="grid_worker:li")
    assert unknown.value.path == "file.rhythm"


def test_filers_restrict_who_registers_files_and_closes() -> None:
    wf, clock = _wf(filers=["grid_worker", "auxiliary_officer"])
    with pytest.raises(TransitionRefused) as refused:
        wf.register(name="西歧村", actor="cadre:wu")
    assert _codes(refused) == {"auth.role-required"}
    place = wf.register(name="西歧村", actor="grid_worker:li", rhythms=[DAILY])
    clock.advance(timedelta(hours=1))
    with pytest.raises(TransitionRefused) as filing:
        wf.file(place, DAILY, actor="cadre:wu")
    assert _codes(filing) == {"auth.role-required"}
    assert wf.triggers(place, actor="cadre:wu") == ()
    assert set(wf.triggers(place, actor="grid_worker:li")) == {fq.PlaceTrigger.FILE, fq.PlaceTrigger.CLOSE}
    with pytest.raises(ValidationError) as bad_role:
        fq.PlaceWorkflow(XIQI_RHYTHMS, filers=["village_chief"])
    assert bad_role.value.path.startswith("filers")


def test_a_closed_place_files_nothing_and_owes_nothing_after_its_close() -> None:
    wf, clock = _wf()
    place = wf.register(name="西歧村", actor="grid_worker:li", rhythms=[DAILY])
    clock.advance(timedelta(days=2))
    place = wf.close(place, actor="party_secretary:tian", reason="并入龙头村")
    assert place.state is fq.PlaceState.CLOSED
    assert place.closed_at == clock.now()
    with pytest.raises(TransitionRefused) as refused:
        wf.file(place, DAILY, actor="grid_worker:li")
    assert _codes(refused) == {"graph.terminal"}
    assert wf.triggers(place) == ()
    much_later = clock.now() + timedelta(days=30)
    check = wf.checks(place, at=much_later)[DAILY]
    assert [p.period.label for p in check.periods] == ["2024-04-01", "2024-04-02", "2024-04-03"]
    assert len(check.missed) == 2  # 1 and 2 April; 3 April was still pending when the place closed at 08:00


def test_a_command_behind_the_last_event_is_refused() -> None:
    wf, clock = _wf()
    place = wf.register(name="西歧村", actor="grid_worker:li", rhythms=[DAILY])
    clock.advance(timedelta(hours=-1))
    with pytest.raises(TransitionRefused) as refused:
        wf.file(place, DAILY, actor="grid_worker:li")
    assert _codes(refused) == {"time.before-last-event"}


def test_bad_commands_are_validation_errors_naming_the_field() -> None:
    wf, _clock = _wf()
    place = wf.register(name="西歧村", actor="grid_worker:li", rhythms=[DAILY])
    with pytest.raises(ValidationError) as unknown:
        wf.fire(place, "fil", actor="grid_worker:li", rhythm=DAILY)
    assert "did you mean 'file'" in unknown.value.message
    with pytest.raises(ValidationError) as keyword:
        wf.fire(place, "file", actor="grid_worker:li", rhythm=DAILY, incident=["x"])
    assert keyword.value.path == "file.incident"
    with pytest.raises(ValidationError) as missing:
        wf.fire(place, "close", actor="grid_worker:li")
    assert "reason" in missing.value.message
    with pytest.raises(ValidationError) as text:
        wf.file(place, DAILY, actor="grid_worker:li", incidents="one")
    assert text.value.path == "file.incidents"
    with pytest.raises(ValidationError) as household:
        wf.file(place, DAILY, actor="grid_worker:li", incidents=["x"], households=["a\u202eb"])
    assert household.value.path == "file.households[0]"
    with pytest.raises(ValidationError) as not_place:
        wf.checks("西歧村")  # type: ignore[arg-type]
    assert not_place.value.path == "place"


def test_replay_and_admit_accept_what_the_workflow_decides_and_nothing_else() -> None:
    story = place_story()
    wf = fq.PlaceWorkflow("xiqi-family-risk")
    assert wf.replay(story.history) == story == fold(story.history)
    place = None
    for event in story.history:
        place = wf.admit(place, event)
    assert place == story
    owed_daily_only = PlaceRegistered(
        place_id="p",
        at=START,
        actor=fq.Actor.parse("grid_worker:li"),
        payload=RegisterPlacePayload(place_id="p", name="西歧村", village="西歧村", rhythms=[DAILY]),
    )
    weekly = ReportFiled(
        place_id="p", at=START, actor=fq.Actor.parse("grid_worker:li"), payload=FilePayload(rhythm="xiqi.weekly-push")
    )
    with pytest.raises(TransitionRefused, match=r"place\.rhythm-not-owed"):
        wf.admit(wf.admit(None, owed_daily_only), weekly)
    with pytest.raises(ValidationError, match="does not owe"):
        wf.replay([owed_daily_only, weekly])
    other = fq.PlaceWorkflow([Rhythm("jiang.cleared-daily", "日清", "cleared daily", Cadence.DAILY)])
    with pytest.raises(ValidationError, match="unknown rhythm"):
        other.replay(story.history)
    with pytest.raises(ValidationError, match="a history begins with a registration"):
        wf.admit(None, weekly)


def test_json_round_trips_keep_the_place_and_refuse_a_doctored_one() -> None:
    story = place_story()
    assert fq.loads(fq.dumps(story), fq.Place) == story
    doctored = attrs.evolve(story, name="别村")
    with pytest.raises(fq.SerializationError) as caught:
        fq.loads(fq.dumps(doctored), fq.Place)
    assert caught.value.path == "name"


def test_the_place_diagram_draws_reporting_and_closed_in_both_languages() -> None:
    wf, _ = _wf()
    assert 'state "停报" as closed' in wf.diagram(lang="zh")
    assert "reporting --> closed: stop reporting" in wf.diagram()


def test_the_repository_stores_reports_and_refuses_stale_or_doctored_places() -> None:
    clock = fq.FixedClock(START)
    store = MemoryEventStore()
    repo = PlaceRepository(fq.PlaceWorkflow("xiqi-family-risk", clock=clock), store)
    place = repo.register(name="西歧村", actor="grid_worker:li", rhythms=[DAILY])
    assert place.id == "place:西歧村"
    clock.advance(timedelta(hours=3))
    stale = place
    place = repo.file(place, DAILY, actor="grid_worker:li")
    with pytest.raises(fq.ConcurrencyConflict):
        repo.file(stale, DAILY, actor="grid_worker:li")
    with pytest.raises(ValidationError, match="not the stored one"):
        repo.file(attrs.evolve(place, grid="9"), DAILY, actor="grid_worker:li")
    with pytest.raises(TransitionRefused):
        repo.file(place, "xiqi.weekly-push", actor="grid_worker:li")
    assert repo.get(place.id) == place
    assert len(store.load(place.id)) == 2
    with pytest.raises(fq.ConcurrencyConflict):
        repo.register(name="西歧村", actor="grid_worker:li")
    with pytest.raises(PlaceNotFound):
        repo.get("place:nowhere")
    clock.advance(timedelta(days=3))
    assert repo.missing(at=clock.now()) == {"place:西歧村": {DAILY: 2}}  # 2 and 3 April; 4 April is pending
    place = repo.close(place, actor="party_secretary:tian", reason="并入龙头村")
    assert [p.id for p in repo.places()] == ["place:西歧村"]
    assert repo.get(place.id).state is fq.PlaceState.CLOSED


def test_the_repository_saves_what_the_workflow_admits_and_remembers_what_it_hands_out() -> None:
    clock = fq.FixedClock(START)
    store = MemoryEventStore()
    repo = PlaceRepository(fq.PlaceWorkflow("xiqi-family-risk", clock=clock), store)
    place = repo.register(name="西歧村", actor="grid_worker:li", rhythms=[DAILY])
    clock.advance(timedelta(hours=2))
    two = repo.workflow.file(repo.workflow.file(place, DAILY, actor="grid_worker:li"), DAILY, actor="grid_worker:li")
    assert repo.save(two, expected_version=place.version) is two
    assert len(store.load(place.id)) == 3
    loads = 0
    original = store.load

    def counting(stream_id: str) -> Any:
        nonlocal loads
        loads += 1
        return original(stream_id)

    store.load = counting  # type: ignore[method-assign]
    latest = repo.file(two, DAILY, actor="grid_worker:li")  # the value it handed out: no reload
    assert loads == 0
    weekly = ReportFiled(
        place_id=place.id,
        at=clock.now(),
        actor=fq.Actor.parse("grid_worker:li"),
        payload=FilePayload(rhythm="xiqi.weekly-push"),
    )
    doctored = attrs.evolve(latest, history=(*latest.history, weekly))
    with pytest.raises(TransitionRefused) as refused:  # a report for a rhythm it does not owe
        repo.save(doctored, expected_version=latest.version)
    assert [r.code for r in refused.value.refusals] == ["place.rhythm-not-owed"]
    assert len(original(place.id)) == 4
