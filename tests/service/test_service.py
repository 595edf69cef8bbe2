"""End to end: a dispute's life, refusals, conflicts, bad input and masking over HTTP, against a real server."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import jsonschema
import pytest

import fengqiao as fq

pytestmark = pytest.mark.postgres

PHONE = "13812345678"
ID_NUMBER = "140881199001011234"
CAUGHT_UP = 30.0
"""The most seconds the ledger's follower may take to apply a command (polled, never slept on)."""


def discover(client: httpx.Client, **extra: Any) -> dict[str, Any]:
    body = {"channel": "alarm_110", "category": "neighbour", "summary": "楼上漏水", "actor": "officer:xiao", **extra}
    answer = client.post("/disputes", json=body)
    assert answer.status_code == 201, answer.text
    document: dict[str, Any] = answer.json()
    return document


def fire(client: httpx.Client, dispute_id: str, trigger: str, **body: Any) -> httpx.Response:
    return client.post(f"/disputes/{dispute_id}/{trigger}", json={"actor": "officer:xiao", **body})


def ledger_row(client: httpx.Client, dispute_id: str, version: int) -> dict[str, Any]:
    """The ledger's row once its follower has applied ``version``; fails after :data:`CAUGHT_UP` seconds."""
    deadline = time.monotonic() + CAUGHT_UP
    while True:
        answer = client.get(f"/ledger/disputes/{dispute_id}")
        if answer.status_code == 200 and answer.json()["version"] >= version:
            row: dict[str, Any] = answer.json()
            return row
        assert answer.status_code in (200, 404), answer.text
        if time.monotonic() > deadline:
            pytest.fail(
                f"the ledger did not reach version {version} of {dispute_id}: {client.get('/ledger/status').text}"
            )
        time.sleep(0.05)


def local_day(d: dict[str, Any]) -> str:
    """The day (Beijing time) ``d``'s first alert came in: the dispatch view's day."""
    received = datetime.fromisoformat(d["alerts"][0]["received_at"])
    return received.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()


def test_a_dispute_lives_its_whole_life_over_http(client: httpx.Client) -> None:
    d = discover(client)
    assert (d["state"], len(d["history"])) == ("discovered", 1)
    steps: list[tuple[str, dict[str, Any]]] = [
        ("grade", {}),
        (
            "mediate",
            {"forces": ["police_office"], "documents": [{"kind": "joint_handling_notice", "title": "联调联处通知单"}]},
        ),
        ("record_attempt", {"outcome": "agreement"}),
        ("resolve", {}),
        ("record_visit", {"kind": "phone", "finding": "未再漏水"}),
        ("close", {}),
    ]
    for version, (trigger, payload) in enumerate(steps, start=1):
        answer = fire(client, d["id"], trigger, version=version, **payload)
        assert answer.status_code == 200, answer.text
        assert answer.headers["ETag"] == f'"{version + 1}"'
    stored = client.get(f"/disputes/{d['id']}").json()
    assert (stored["state"], stored["dossier"][0]["kind"]) == ("closed", "joint_handling_notice")
    assert fq.loads(client.get(f"/disputes/{d['id']}").content, fq.Dispute).state is fq.State.CLOSED
    events = client.get(f"/disputes/{d['id']}/history").json()["events"]
    assert [e["type"] for e in events] == [
        "discovered",
        "graded",
        "mediation_started",
        "attempt_recorded",
        "resolved",
        "visit_recorded",
        "closed",
    ]
    assert ledger_row(client, d["id"], 7)["state"] == "closed"
    assert d["id"] in [r["id"] for r in client.get("/ledger/disputes", params={"state": "closed"}).json()["rows"]]
    assert client.get("/ledger/count", params={"state": "closed"}).json()["count"] >= 1
    view = client.get("/ledger/dispatch", params={"day": local_day(d), "policy": "huainan-two-clears"}).json()
    assert view["day"] == local_day(d)
    assert sum(row["closed_same_day"] for row in view["rows"]) >= 1  # this dispute, closed on the day it came in


def test_check_lists_every_refusal_and_stores_nothing(client: httpx.Client) -> None:
    d = discover(client)
    decision = client.get(f"/disputes/{d['id']}/check/close", params={"actor": "officer:xiao"}).json()
    assert decision["allowed"] is False
    assert [r["code"] for r in decision["refusals"]] == ["graph.not-allowed", "baseline.close.no-visit"]
    assert client.post(f"/disputes/{d['id']}/check/grade", json={"actor": "officer:xiao"}).json()["allowed"] is True
    assert client.get(f"/disputes/{d['id']}/triggers").json()["triggers"][:1] == ["grade"]
    assert client.get(f"/disputes/{d['id']}").headers["ETag"] == '"1"'


def test_a_refusal_is_a_409_with_every_code_in_both_languages(client: httpx.Client) -> None:
    d = discover(client)
    answer = fire(client, d["id"], "close", version=1)
    assert answer.status_code == 409
    body = answer.json()
    assert (body["error"], body["trigger"], body["dispute_id"]) == ("refused", "close", d["id"])
    assert [r["code"] for r in body["refusals"]] == ["graph.not-allowed", "baseline.close.no-visit"]
    assert all(r["zh"] and r["en"] and r["zh"] != r["en"] for r in body["refusals"])
    assert "销号前须至少回访一次" in body["zh"]
    assert client.get(f"/disputes/{d['id']}").headers["ETag"] == '"1"'  # nothing stored


def test_a_dispute_another_stations_policy_opened_is_refused_and_kept_under_its_own_rules(
    client: httpx.Client,
    dsn: str,
    service_schema: str,
) -> None:
    from psycopg.conninfo import make_conninfo

    from fengqiao.storage import PostgresEventStore, Repository

    conninfo = make_conninfo(dsn, options=f"-c search_path={service_schema}")
    with PostgresEventStore(conninfo) as store:  # another station's system writing to the city's database
        yongji = Repository(fq.Workflow("yongji-54333"), store)
        d = yongji.discover(channel="alarm_110", category="neighbour", summary="邻居堵门", actor="officer:li")
        d = yongji.fire(d, "grade", actor="officer:li")
    answer = fire(client, d.id, "mediate", forces=["police_office"])
    assert answer.status_code == 409, answer.text
    assert [r["code"] for r in answer.json()["refusals"]] == ["policy.other"]
    row = ledger_row(client, d.id, 2)  # the service's ledger, under baseline, follows the dispute's own rules
    assert (row["policy"], row["grade"]) == ("yongji-54333", d.grade)


def test_a_stale_version_is_a_409_with_the_current_version(client: httpx.Client) -> None:
    d = discover(client)
    assert fire(client, d["id"], "grade", version=1).status_code == 200
    xiao = client.post(f"/disputes/{d['id']}/mediate", json={"actor": "officer:xiao"}, headers={"If-Match": '"2"'})
    assert xiao.status_code == 200, xiao.text
    wang = client.post(
        f"/disputes/{d['id']}/refer", json={"actor": "officer:wang", "version": 2, "department": "justice_office"}
    )
    assert wang.status_code == 409
    assert wang.json() | {"zh": "", "en": ""} == {
        "error": "conflict",
        "dispute_id": d["id"],
        "expected_version": 2,
        "current_version": 3,
        "zh": "",
        "en": "",
    }
    assert client.get(f"/disputes/{d['id']}").json()["state"] == "mediating"


def test_of_writers_racing_on_one_version_exactly_one_is_stored(client: httpx.Client) -> None:
    d = discover(client)
    writers = 6

    def note(n: int) -> httpx.Response:
        return fire(client, d["id"], "note", version=1, text=f"第 {n} 条记录")

    with ThreadPoolExecutor(writers) as pool:
        answers = list(pool.map(note, range(writers)))
    assert sorted(a.status_code for a in answers) == [200] + [409] * (writers - 1)
    conflicts = [a.json() for a in answers if a.status_code == 409]
    assert {(c["error"], c["expected_version"], c["current_version"]) for c in conflicts} == {("conflict", 1, 2)}
    assert client.get(f"/disputes/{d['id']}").headers["ETag"] == '"2"'


def test_without_a_version_a_command_is_decided_on_what_is_stored(client: httpx.Client) -> None:
    d = discover(client)
    assert fire(client, d["id"], "note", text="第一条").headers["ETag"] == '"2"'
    assert fire(client, d["id"], "note", text="第二条").headers["ETag"] == '"3"'
    texts = [e["payload"]["text"] for e in client.get(f"/disputes/{d['id']}/history").json()["events"][1:]]
    assert texts == ["第一条", "第二条"]


@pytest.mark.parametrize(
    ("path", "body", "where"),
    [
        ("mediate", {"actor": "officer:xiao", "documents": [{"kind": "photo"}]}, "mediate.documents[0].kind"),
        ("record_attempt", {"actor": "officer:xiao"}, "record_attempt.outcome"),
        ("grade", {"version": 1}, "grade.actor"),
        ("grade", {"actor": "officer:xiao", "version": "one"}, "grade.version"),
        ("grade", {"actor": "grid_worker:wang"}, "grade.actor"),
        ("grade", {"actor": "officer:xiao", "bogus": 1}, "grade.bogus"),
        ("fly", {"actor": "officer:xiao"}, "trigger"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client: httpx.Client, path: str, body: Any, where: str) -> None:
    d = discover(client)
    answer = client.post(f"/disputes/{d['id']}/{path}", json=body)
    assert answer.status_code == 422, answer.text
    assert (answer.json()["error"], answer.json()["path"]) == ("invalid", where)
    assert answer.json()["zh"]
    assert answer.json()["en"]


def test_a_body_that_is_not_json_or_a_party_that_is_malformed_is_a_422(client: httpx.Client) -> None:
    answer = client.post("/disputes", content=b"{not json", headers={"content-type": "application/json"})
    assert (answer.status_code, answer.json()["path"]) == (422, "body")
    party = {"name": "赵某", "phone": int(PHONE)}
    answer = client.post(
        "/disputes",
        json={
            "channel": "alarm_110",
            "category": "neighbour",
            "summary": "噪音",
            "actor": "officer:xiao",
            "parties": [party],
        },
    )
    assert (answer.status_code, answer.json()["path"]) == (422, "discover.parties[0].phone")
    assert PHONE not in answer.text
    unknown_role = client.get("/ledger/status", headers={"X-Fengqiao-Role": "nobody"})
    assert unknown_role.status_code == 200  # the status says nothing of disputes: no role is asked for
    answer = client.get("/ledger/disputes", headers={"X-Fengqiao-Role": "nobody"})
    assert (answer.status_code, answer.json()["path"]) == (422, "X-Fengqiao-Role")


def test_an_unknown_dispute_is_a_404(client: httpx.Client) -> None:
    for answer in (
        client.get("/disputes/no-such-dispute"),
        fire(client, "no-such-dispute", "grade", version=1),
        client.get("/disputes/no-such-dispute/history"),
    ):
        assert answer.status_code == 404
        assert answer.json()["error"] == "not_found"
        assert answer.json()["dispute_id"] == "no-such-dispute"


def _every_answer(base_url: str, role: str | None, d: dict[str, Any]) -> list[httpx.Response]:
    """Every route's answer about ``d`` to a caller in ``role`` (``None``: no role header)."""
    dispute_id, today = d["id"], local_day(d)
    headers = {} if role is None else {"X-Fengqiao-Role": role}
    with httpx.Client(base_url=base_url, timeout=30, headers=headers) as c:
        answers = [
            c.get(f"/disputes/{dispute_id}"),
            c.get(f"/disputes/{dispute_id}/history"),
            c.get(f"/disputes/{dispute_id}/triggers"),
            c.get(f"/disputes/{dispute_id}/check/close", params={"actor": f"{role or 'officer'}:a"}),
            c.get("/ledger/disputes"),
            c.get(f"/ledger/disputes/{dispute_id}"),
            c.get("/ledger/overdue", params={"at": datetime(2100, 1, 1, tzinfo=UTC).isoformat()}),
            c.get("/ledger/dossiers"),
            c.get("/ledger/problems"),
            c.get("/ledger/dispatch", params={"day": today, "policy": "huainan-two-clears"}),
            c.get(
                "/ledger/resolution-rate",
                params={"start": "2000-01-01T00:00:00+08:00", "end": "2100-01-01T00:00:00+08:00"},
            ),
        ]
    for answer in answers:
        assert answer.status_code == 200, (answer.request.url, answer.text)
    return answers


def test_no_personal_number_reaches_a_caller_whose_role_may_not_see_it(client: httpx.Client, base_url: str) -> None:
    party = {"name": "张三丰", "phone": PHONE, "id_number": ID_NUMBER, "address": "永济市某村"}
    d = discover(client, summary=f"来电（{PHONE}）报称楼上漏水", parties=[party])
    assert fire(client, d["id"], "grade", version=1).status_code == 200
    ledger_row(client, d["id"], 2)
    officer = "".join(a.text for a in _every_answer(base_url, "officer", d))
    assert PHONE in officer  # the station's own police see them whole
    assert ID_NUMBER in officer
    for role in (None, "grid_worker", "informant", "mediator"):
        for answer in _every_answer(base_url, role, d):
            assert PHONE not in answer.text, (role, answer.request.url)
            assert ID_NUMBER not in answer.text, (role, answer.request.url)
            assert "张三丰" not in answer.text, (role, answer.request.url)
    shown = httpx.get(f"{base_url}/disputes/{d['id']}", headers={"X-Fengqiao-Role": "grid_worker"}).json()
    assert shown["parties"][0] | {"kind": "", "role": ""} == {
        "name": "张某",
        "kind": "",
        "role": "",
        "id_number": "140***********1234",
        "phone": "138******78",
        "address": "",
        "household": "",
    }


def _validator(openapi: dict[str, Any], component: str) -> jsonschema.Draft202012Validator:
    schema = {"$ref": f"#/components/schemas/{component}", "components": openapi["components"]}
    return jsonschema.Draft202012Validator(schema)


def test_answers_validate_against_the_openapi_components_made_from_fengqiaos_json_schema(
    client: httpx.Client,
) -> None:
    openapi = client.get("/openapi.json").json()
    schemas = openapi["components"]["schemas"]
    party = fq.json_schema(fq.Party)
    assert schemas["Party"]["properties"] == party["$defs"]["Party"]["properties"]  # generated, not written by hand
    d = discover(client, parties=[{"name": "张三丰", "phone": PHONE}])
    _validator(openapi, "Dispute").validate(client.get(f"/disputes/{d['id']}").json())
    for event in client.get(f"/disputes/{d['id']}/history").json()["events"]:
        _validator(openapi, "EventDocument").validate(event)
    _validator(openapi, "Refused").validate(fire(client, d["id"], "close", version=1).json())
    _validator(openapi, "Conflict").validate(fire(client, d["id"], "grade", version=7).json())
    _validator(openapi, "Invalid").validate(fire(client, d["id"], "mediate", forces=["army"]).json())
    _validator(openapi, "NotFound").validate(client.get("/disputes/none").json())
    with pytest.raises(jsonschema.ValidationError):  # the check can fail: a document that is not a dispute
        _validator(openapi, "Dispute").validate({**client.get(f"/disputes/{d['id']}").json(), "state": 3})
    fire_body = openapi["paths"]["/disputes/{dispute_id}/{trigger}"]["post"]["requestBody"]
    assert fire_body["content"]["application/json"]["schema"]["required"] == ["actor"]
