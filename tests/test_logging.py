"""fengqiao's named loggers: what they say at INFO and DEBUG, and that no personal number is ever in it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import fengqiao as fq
from fengqiao.errors import ConcurrencyConflict, TransitionRefused
from fengqiao.ledger import SQLiteLedger
from fengqiao.storage import Repository, SQLiteEventStore
from fengqiao.testing.contracts.support import workflow

PHONE, ID_NUMBER = "13812345678", "142701198001011234"
OFFICER = "officer:xiao"


def test_the_package_logger_has_a_null_handler_and_no_level_of_its_own() -> None:
    root = logging.getLogger("fengqiao")
    assert any(isinstance(h, logging.NullHandler) for h in root.handlers)
    assert root.level == logging.NOTSET


def test_opening_migrating_refusing_conflicting_and_following_are_logged_without_personal_numbers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="fengqiao")
    path = tmp_path / "station.db"
    wf = workflow()
    with SQLiteEventStore(path) as store:
        repo = Repository(wf, store)
        party = fq.Party(name="赵某", role=fq.PartyRole.COMPLAINANT, phone=PHONE, id_number=ID_NUMBER)
        d = repo.discover(channel="alarm_110", category="neighbour", summary="噪音", actor=OFFICER, parties=[party])
        with pytest.raises(TransitionRefused):
            repo.resolve(d, actor=OFFICER)
        stale = d
        d = repo.note(d, actor=OFFICER, text=f"电话 {PHONE}")
        with pytest.raises(ConcurrencyConflict):
            Repository(wf, store).save(wf.note(stale, "x", actor=OFFICER), expected_version=1)
        with SQLiteLedger(path, policy="baseline", attached=False) as ledger, ledger.follower() as follower:
            follower.catch_up()
    records = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    said = "\n".join(message for _, _, message in records)
    assert ("fengqiao.storage", "INFO", f"SQLite database {path}: layout 1 (events, stream heads)") in records
    assert ("fengqiao.storage", "INFO", f"opened SQLite database {path} (layout {store._current})") in records
    assert ("fengqiao.workflow", "DEBUG", f"refused resolve on dispute {d.id}: graph.not-allowed") in records, said
    assert ("fengqiao.storage", "DEBUG", f"conflict on {d.id}: expected version 1, stored 2") in records
    assert any(name == "fengqiao.ledger" and message.startswith("applied 2 events") for name, _, message in records)
    assert PHONE not in said
    assert ID_NUMBER not in said
    assert PHONE[-4:] not in said  # not even masked: the loggers name ids, versions and codes only
