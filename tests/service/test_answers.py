"""What each error answers and what a role sees, without a server: the service's pure parts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import fengqiao as fq
from fengqiao.serde import unstructure
from fengqiao.service._errors import problem
from fengqiao.service._redaction import redact

PHONE = "13812345678"


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        (fq.TransitionRefused("D-1", "close", (fq.Refusal("a.b", "甲", "a"),)), 409, "refused"),
        (fq.ConcurrencyConflict("D-1", 2, 3), 409, "conflict"),
        (fq.DisputeNotFound("D-1"), 404, "not_found"),
        (fq.ValidationError(f"bad {PHONE}", "discover.summary"), 422, "invalid"),
        (fq.SerializationError("bad", "history[0]"), 422, "invalid"),
        (fq.StorageError(f"connection to host=db password=secret failed {PHONE}"), 503, "storage"),
        (fq.PolicyDefinitionError("the policy's table is malformed"), 500, "internal"),
    ],
)
def test_every_error_has_its_status_and_both_languages(error: fq.FengqiaoError, status: int, kind: str) -> None:
    answered, body = problem(error)
    assert (answered, body["error"]) == (status, kind)
    assert body["zh"]
    assert body["en"]
    assert PHONE not in str(body)
    assert "secret" not in str(body)  # a storage error's own message stays in the log


def test_a_conflict_carries_the_current_version_and_a_refusal_every_code() -> None:
    refusals = (fq.Refusal("a.one", "一", "one"), fq.Refusal("a.two", "二", "two"))
    assert problem(fq.TransitionRefused("D-1", "close", refusals))[1]["refusals"] == [
        {"code": "a.one", "zh": "一", "en": "one"},
        {"code": "a.two", "zh": "二", "en": "two"},
    ]
    assert problem(fq.ConcurrencyConflict("D-1", 2, 5))[1]["current_version"] == 5


def test_redaction_masks_parties_wherever_they_are_and_numbers_in_free_text_only() -> None:
    wf = fq.Workflow("baseline", clock=fq.FixedClock(datetime(2024, 1, 1, tzinfo=UTC)))
    d = wf.discover(
        channel="alarm_110",
        category="neighbour",
        summary=f"来电 {PHONE}",
        actor="officer:xiao",
        dispute_id="D-20240101123456",
        parties=[fq.Party(name="欧阳娜娜", phone=PHONE, id_number="140881199001011234", household="户-1")],
    )
    shown = redact(unstructure(d))
    assert PHONE not in str(shown)
    assert "140881199001011234" not in str(shown)
    assert shown["parties"][0]["name"] == "欧阳某"
    assert shown["history"][0]["payload"]["parties"][0]["phone"] == "138******78"
    assert shown["summary"] == "来电 138******78"
    assert shown["id"] == "D-20240101123456"  # an identifier is not free text: links keep working
    assert fq.loads(fq.dumps(d), fq.Dispute) == d  # the dispute itself is untouched
