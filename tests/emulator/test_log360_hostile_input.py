"""Hostile input to the Log360 emulator: whatever arrives, the answer is a Log360 error shape, never a 500."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tui.emulator.log360.app import MAX_BODY_BYTES, create_app
from tui.emulator.log360.state import Log360State
from tui.emulator.log360.wire import load_saved

SAMPLE = Path(__file__).parent / "fixtures" / "log360-sample.json"
TOKEN = "log360-fuzz-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
KNOWN_ID = 3000000455701

HOSTILE_VALUES: list[Any] = [
    "١٢٣", "²", "１２３", "3000000455701\u0000", "9" * 5000, 10**300, -(10**30), 2**63, 1e308, -1.5, 0,
    True, None, [], {}, [[[]]], {"$gt": ""}, "", " ", "\ud800", "\u202eevil", "\x1b[2J", "' OR 1=1--",
    "<script>alert(1)</script>", "a" * 20_000, ["a" * 20_000], [None], [1.5], [{"x": 1}],
    "2027-02-30 10:00:00", "2027-10-03T25:00:00", "9999-12-31T23:59:59-14:00", "0000-01-01 00:00:00",
    "2027-10-03T10:30:00+99:99", "2027-١٠-03 10:30:00",
]
FIELDS = ["incident_id", "name", "description", "severity", "status", "assignee", "due_date", "notes",
          "evidence", "source"]


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.fixture
async def client():
    state = Log360State(lambda: 1_750_000_000)
    load_saved(state, json.loads(SAMPLE.read_text()))
    app = create_app(state, TOKEN, rate_limit=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://log360.test",
                                 headers=AUTH) as http:
        yield http


def assert_log360_answer(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    if response.status_code >= 400:
        error = body.get("error", body)
        assert set(error) == {"code", "title", "detail"} and isinstance(error["code"], str)


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=repr)
@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("method", ["POST", "PUT"])
async def test_hostile_field_values(client: httpx.AsyncClient, method: str, field: str, value: Any):
    body = {"incident_id": KNOWN_ID, "name": "fuzzed", field: value}
    response = await client.request(method, "/api/v2/incident", content=json.dumps(body).encode(),
                                    headers={"content-type": "application/json"})
    assert_log360_answer(response)
    if response.status_code == 200:
        assert (await client.get(f"/api/v2/incident/{KNOWN_ID}")).status_code == 200
        assert (await client.get("/api/v2/incident")).status_code == 200


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=repr)
async def test_hostile_delete_ids(client: httpx.AsyncClient, value: Any):
    for ids in (value, [value], [KNOWN_ID, value]):
        response = await client.request("DELETE", "/api/v2/incident", content=json.dumps({"incident_ids": ids}))
        assert_log360_answer(response)


@pytest.mark.parametrize("text", ["١", "²", "１", "9" * 30, "-0", "+1", "1e3", "0x10", "%00", "%ff%fe", "%", "a%2Fb",
                                  "%E2%80%AE", " 1", "1 "])
@pytest.mark.parametrize("name", ["from", "limit", "assignee", "severity", "status", "created_by", "response_type"])
async def test_hostile_query_values(client: httpx.AsyncClient, name: str, text: str):
    assert_log360_answer(await client.get(f"/api/v2/incident?{name}={text}"))


@pytest.mark.parametrize("path", ["١٢٣", "%C2%B2", "9" * 5000, "-1", "0", "%00", "..%2F..%2Fetc", "1.0", "%20"])
async def test_hostile_incident_paths(client: httpx.AsyncClient, path: str):
    assert_log360_answer(await client.get(f"/api/v2/incident/{path}"))


@pytest.mark.parametrize("raw", [
    b"", b"null", b"[]", b"\"text\"", b"42", b"{", b"{\"name\": NaN}", b"{\"name\": Infinity}",
    b"\xff\xfe\x00", "{\"name\": \"\\ud800\"}".encode(), deep(100_000).encode(), deep(500).encode(),
    b"{\"name\": " + b"1" * 5000 + b"}", b"{\"name\": \"a\", \"name\": 1}", b"\x00" * 100,
], ids=lambda raw: repr(raw[:30]))
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
async def test_hostile_bodies(client: httpx.AsyncClient, method: str, raw: bytes):
    response = await client.request(method, "/api/v2/incident", content=raw,
                                    headers={"content-type": "application/json"})
    assert_log360_answer(response)
    assert response.status_code == 400 or raw.startswith(b'{"name": "\\ud800"}') and method == "POST"


async def test_lone_surrogate_name_is_stored_and_sent_back_escaped(client: httpx.AsyncClient):
    created = await client.post("/api/v2/incident", content='{"name": "x\\ud800y"}'.encode())
    assert created.status_code == 200
    listing = await client.get("/api/v2/incident?limit=1")
    assert b"x\\ud800y" in listing.content


async def test_oversized_body_is_refused(client: httpx.AsyncClient):
    response = await client.post("/api/v2/incident", content=b"{\"name\": \"" + b"a" * MAX_BODY_BYTES + b"\"}")
    assert response.status_code == 413 and response.json()["error"]["code"] == "07001413"


@pytest.mark.parametrize("authorization",
                         [b"Bearer \xff\xfe", b"Bearer " + b"a" * 10_000, b"bearer\t" + TOKEN.encode()])
async def test_hostile_authorization_headers(client: httpx.AsyncClient, authorization: bytes):
    response = await client.get("/api/v2/incident", headers={"Authorization": authorization})
    assert_log360_answer(response)
    assert response.status_code == 401 and response.json()["code"] == "07001113"
