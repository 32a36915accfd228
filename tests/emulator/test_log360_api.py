"""The Log360 / EventLog Analyzer v2 incident emulator, in-process: every endpoint, both error shapes,
scopes, the 60/min budget on a fake clock, loading the sample and the generator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, AsyncIterator

import httpx
import pytest

from tui.emulator.faults import FaultPlan
from tui.emulator.log360 import timefmt
from tui.emulator.log360.app import create_app
from tui.emulator.log360.generator import HOSTILE_VALUES, Log360Generator
from tui.emulator.log360.serve import Log360Options, parse_scopes
from tui.emulator.log360.state import Log360State
from tui.emulator.log360.wire import load_saved
from tui.emulator.server import EmulatorServer, add_emulator_arguments

SAMPLE = Path(__file__).parent / "fixtures" / "log360-sample.json"
NOW = 1_750_000_000  # 2025-06-15 15:06:40 UTC, after every sample incident
TOKEN = "log360-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PRIYA = 3000000000115  # a sample user
FIRST_SAMPLE_ID, LAST_SAMPLE_ID = 3000000455701, 3000000455758


class FakeClock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def sample_state(clock: FakeClock) -> Log360State:
    state = Log360State(clock)
    load_saved(state, json.loads(SAMPLE.read_text()))
    return state


def client_for(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://log360.test", headers=AUTH)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def state(clock: FakeClock) -> Log360State:
    return sample_state(clock)


@pytest.fixture
async def client(state: Log360State) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(create_app(state, TOKEN, rate_limit=False)) as http:
        yield http


def wrapped(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"] == "application/json"
    return response.json()["error"]


# -- list ---------------------------------------------------------------------------


async def test_list_shape_newest_first_with_meta(client: httpx.AsyncClient):
    response = await client.get("/api/v2/incident")
    assert response.status_code == 200
    body = response.json()
    assert body["meta"] == {"per_page": 100, "total_pages": 1, "total_items": 20}
    ids = [item["incident_id"] for item in body["data"]]
    assert ids == sorted(ids, reverse=True) and ids[0] == LAST_SAMPLE_ID
    first = body["data"][-1]
    assert first == {
        "severity": "Critical", "created_time": "2025-06-02 08:14:05", "incident_id": FIRST_SAMPLE_ID,
        "assign_to": -1, "due_date": "2025-06-02 12:00:00",
        "incident_description": first["incident_description"], "incident_name": "VPN gateway brute force - edge-fw01",
        "created_by": "admin", "status": "Open",
    }
    assert {item["status"] for item in body["data"]} == {"Open", "In Progress", "Closed"}


@pytest.mark.parametrize(("query", "expected"), [
    ("severity=critical", 7), ("severity=CRITICAL", 7), ("status=in_progress", 7), ("status=In%20Progress", 7),
    ("status=inprogress", 7), ("status=closed", 5), ("created_by=soc-night", 5), ("created_by=Soc-Night", 0),
    ("assignee=-1", 4), (f"assignee={PRIYA}", 4), ("severity=critical&status=open", 4),
    ("severity=critical&assignee=-1", 2), ("unknown_parameter=1", 20), ("response_type=client", 20),
])
async def test_list_filters(client: httpx.AsyncClient, query: str, expected: int):
    response = await client.get(f"/api/v2/incident?{query}")
    assert response.status_code == 200, response.text
    assert response.json()["meta"]["total_items"] == expected
    assert len(response.json()["data"]) == expected


async def test_list_filters_agree_with_the_rows(client: httpx.AsyncClient):
    rows = (await client.get("/api/v2/incident?status=in_progress&severity=trouble")).json()["data"]
    assert rows and all(row["status"] == "In Progress" and row["severity"] == "Trouble" for row in rows)


async def test_paging_is_one_based_and_meta_counts_pages(client: httpx.AsyncClient):
    everything = [row["incident_id"] for row in (await client.get("/api/v2/incident")).json()["data"]]
    first = (await client.get("/api/v2/incident?from=1&limit=7")).json()
    second = (await client.get("/api/v2/incident?from=8&limit=7")).json()
    last = (await client.get("/api/v2/incident?from=15&limit=7")).json()
    assert first["meta"] == {"per_page": 7, "total_pages": 3, "total_items": 20}
    assert [row["incident_id"] for row in first["data"] + second["data"] + last["data"]] == everything
    assert len(last["data"]) == 6
    beyond = (await client.get("/api/v2/incident?from=21&limit=7")).json()
    assert beyond["data"] == [] and beyond["meta"]["total_items"] == 20


@pytest.mark.parametrize("query", [
    "limit=101", "limit=0", "limit=-1", "from=0", "from=-3", "from=abc", "limit=1.5", "limit=%C2%B2",
    "from=%D9%A1", "limit=" + "9" * 30, "severity=high", "status=done", "assignee=-2", "assignee=x",
    "response_type=both",
])
async def test_bad_list_parameters_are_bad_requests(client: httpx.AsyncClient, query: str):
    response = await client.get(f"/api/v2/incident?{query}")
    assert response.status_code == 400
    assert wrapped(response)["code"] == "07001110" and wrapped(response)["title"] == "Bad Request"


async def test_limit_over_100_can_be_clamped(state: Log360State):
    async with client_for(create_app(state, TOKEN, rate_limit=False, limit_over_max="clamp")) as http:
        response = await http.get("/api/v2/incident?limit=500")
    assert response.status_code == 200 and response.json()["meta"]["per_page"] == 100


@pytest.mark.parametrize("spelling", ["In Progress", "Inprogress", "In-progress"])
async def test_in_progress_spelling_is_switchable(state: Log360State, spelling: str):
    async with client_for(create_app(state, TOKEN, rate_limit=False, in_progress_spelling=spelling)) as http:
        rows = (await http.get("/api/v2/incident?status=in_progress")).json()["data"]
    assert rows and {row["status"] for row in rows} == {spelling}


# -- get ------------------------------------------------------------------------------


async def test_get_answers_the_documented_detail(client: httpx.AsyncClient):
    response = await client.get(f"/api/v2/incident/{FIRST_SAMPLE_ID + 3}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"actors", "notes", "evidence", "activity"}
    assert data["actors"] == [{"entity": ["FIN-FS01"]}, {"suspect": ["svc_backup", "WS-0231"]}]
    assert data["notes"][0]["added_by"] == "priya.raman" and data["notes"][0]["time"] == "2025-06-02 10:07:02"
    assert [e["eventid"] for e in data["evidence"]] == [4624, 40960]
    assert data["activity"][0]["activity"] == "Incident Notes Added"


async def test_get_unknown_and_malformed_ids(client: httpx.AsyncClient):
    missing = await client.get("/api/v2/incident/3000000000001")
    assert missing.status_code == 404 and wrapped(missing)["code"] == "07001404"
    malformed = await client.get("/api/v2/incident/12x")
    assert malformed.status_code == 400 and wrapped(malformed)["code"] == "07001110"


async def test_unknown_id_can_be_a_400(state: Log360State):
    async with client_for(create_app(state, TOKEN, rate_limit=False, not_found_status=400)) as http:
        response = await http.get("/api/v2/incident/3000000000001")
    assert response.status_code == 400 and wrapped(response)["title"] == "Not Found"


# -- create, update, delete -----------------------------------------------------------


async def test_create_get_update_delete_round_trip(client: httpx.AsyncClient, clock: FakeClock):
    created = await client.post("/api/v2/incident", json={
        "name": "Round trip", "description": "first", "severity": "trouble", "status": "open", "assignee": -1,
        "due_date": "2027-10-03T10:30:00+02:00", "notes": ["first note"],
        "evidence": ["abc_objectidcustom_logs"], "source": "report",
    })
    assert created.status_code == 200
    assert created.json()["data"]["message"] == "Incident has been created successfully."
    incident_id = created.json()["data"]["incident_id"]
    assert len(str(incident_id)) == 13 and incident_id > LAST_SAMPLE_ID

    row = (await client.get("/api/v2/incident?from=1&limit=1")).json()["data"][0]
    assert row["incident_id"] == incident_id
    assert (row["severity"], row["status"], row["due_date"]) == ("Trouble", "Open", "2027-10-03 08:30:00")
    assert row["created_time"] == timefmt.format_time(NOW)
    detail = (await client.get(f"/api/v2/incident/{incident_id}")).json()["data"]
    assert [a["activity"] for a in detail["activity"]] == ["Incident Notes Added", "Incident Updated",
                                                           "Incident Created"]
    assert detail["evidence"][0]["incident_uuid"] == "abc_objectidcustom_logs"
    assert detail["evidence"][0]["log_obtained_from"] == "REPORT"

    clock.now += 60
    updated = await client.put("/api/v2/incident", json={
        "incident_id": incident_id, "name": "Round trip", "status": "in_progress", "assignee": PRIYA,
        "notes": ["second note"], "due_date": "2027-10-04 09:00:00",
    })
    assert updated.status_code == 200
    assert updated.json() == {"data": {"message": "Incident has been updated successfully."}}
    row = (await client.get("/api/v2/incident?from=1&limit=1")).json()["data"][0]
    # Patch: the omitted description and severity stay.
    assert (row["status"], row["assign_to"], row["incident_description"], row["severity"]) == \
        ("In Progress", PRIYA, "first", "Trouble")
    assert row["due_date"] == "2027-10-04 09:00:00"
    detail = (await client.get(f"/api/v2/incident/{incident_id}")).json()["data"]
    assert [note["note"] for note in detail["notes"]] == ["first note", "second note"]
    newest = detail["activity"][:2]
    assert [a["activity"] for a in newest] == ["Incident Notes Added", "Incident Updated"]
    assert newest[1]["time"] == timefmt.format_time(NOW + 60)
    assert "status open -> in_progress" in newest[1]["description"]
    assert "assignee unassigned -> priya.raman" in newest[1]["description"]

    deleted = await client.request("DELETE", "/api/v2/incident", json={"incident_ids": [incident_id]})
    assert deleted.json() == {"data": {"message": "Incident has been deleted successfully."}}
    assert (await client.get(f"/api/v2/incident/{incident_id}")).status_code == 404
    assert (await client.get("/api/v2/incident")).json()["meta"]["total_items"] == 20


async def test_update_that_changes_nothing_adds_no_activity(client: httpx.AsyncClient, state: Log360State):
    before = len(state.get(FIRST_SAMPLE_ID).activity)
    response = await client.put("/api/v2/incident", json={"incident_id": FIRST_SAMPLE_ID,
                                                           "name": "VPN gateway brute force - edge-fw01"})
    assert response.status_code == 200 and len(state.get(FIRST_SAMPLE_ID).activity) == before


async def test_update_clears_due_date_with_null(client: httpx.AsyncClient, state: Log360State):
    await client.put("/api/v2/incident", json={"incident_id": FIRST_SAMPLE_ID, "name": "renamed", "due_date": None})
    assert state.get(FIRST_SAMPLE_ID).due_date is None and state.get(FIRST_SAMPLE_ID).name == "renamed"


@pytest.mark.parametrize("body", [
    {}, {"name": ""}, {"name": "   "}, {"name": 5}, {"name": "x" * 256},
    {"name": "ok", "severity": "high"}, {"name": "ok", "status": "resolved"}, {"name": "ok", "assignee": "5"},
    {"name": "ok", "assignee": True}, {"name": "ok", "assignee": 12345}, {"name": "ok", "due_date": "tomorrow"},
    {"name": "ok", "due_date": "2027-10-03"}, {"name": "ok", "due_date": "1969-12-31 23:59:59"},
    {"name": "ok", "notes": "not a list"}, {"name": "ok", "notes": [1]}, {"name": "ok", "notes": ["n"] * 101},
    {"name": "ok", "evidence": ["u"], "source": "email"}, {"name": "ok", "description": ["x"]},
    {"name": "security log cleared on dc02"},  # a sample name in another case: names are unique
])
async def test_bad_creates_are_wrapped_bad_requests(client: httpx.AsyncClient, body: dict[str, Any]):
    response = await client.post("/api/v2/incident", json=body)
    assert response.status_code == 400, response.text
    assert wrapped(response)["code"] == "07001110"
    assert (await client.get("/api/v2/incident")).json()["meta"]["total_items"] == 20


@pytest.mark.parametrize("due", ["2027-10-03 10:30:00", "2027-10-03T10:30:00Z", "2027-10-03T12:30:00+02:00",
                                 "2027-10-03T12:30:00+0200", "2027-10-03T10:30:00.250"])
async def test_due_date_accepts_iso_8601_and_the_space_form(client: httpx.AsyncClient, due: str):
    created = await client.post("/api/v2/incident", json={"name": "due", "due_date": due})
    assert created.status_code == 200, created.text
    assert (await client.get("/api/v2/incident?limit=1")).json()["data"][0]["due_date"] == "2027-10-03 10:30:00"


@pytest.mark.parametrize(("body", "status"), [
    ({"name": "x"}, 400), ({"incident_id": FIRST_SAMPLE_ID}, 400),
    ({"incident_id": str(FIRST_SAMPLE_ID), "name": "x"}, 400),
    ({"incident_id": 3000000000001, "name": "x"}, 404),
    ({"incident_id": FIRST_SAMPLE_ID, "name": "Security log cleared on DC02"}, 400),
])
async def test_bad_updates(client: httpx.AsyncClient, body: dict[str, Any], status: int):
    response = await client.put("/api/v2/incident", json=body)
    assert response.status_code == status and "code" in wrapped(response)


@pytest.mark.parametrize("body", [
    {}, {"incident_ids": []}, {"incident_ids": "3000000455701"}, {"incident_ids": [str(FIRST_SAMPLE_ID)]},
    {"incident_ids": [True]}, {"incident_ids": list(range(101))}, [FIRST_SAMPLE_ID],
])
async def test_bad_deletes(client: httpx.AsyncClient, body: Any):
    response = await client.request("DELETE", "/api/v2/incident", json=body)
    assert response.status_code == 400 and wrapped(response)["code"] == "07001110"


async def test_delete_with_an_unknown_id_deletes_nothing(client: httpx.AsyncClient, state: Log360State):
    response = await client.request("DELETE", "/api/v2/incident",
                                    json={"incident_ids": [FIRST_SAMPLE_ID, 3000000000001]})
    assert response.status_code == 404 and "3000000000001" in wrapped(response)["detail"]
    assert state.get(FIRST_SAMPLE_ID) is not None


async def test_delete_of_100_ids(client: httpx.AsyncClient, state: Log360State):
    ids = [state.create(name=f"bulk {n}", by="admin").incident_id for n in range(100)]
    response = await client.request("DELETE", "/api/v2/incident", json={"incident_ids": ids})
    assert response.status_code == 200 and len(state) == 20


async def test_users(client: httpx.AsyncClient):
    body = (await client.get("/api/v2/meta/users")).json()
    assert {"user_id": 3000000000158, "user_name": "elena.v+ir", "role": "Administrator"} in body["data"]
    assert body["meta"]["total_items"] == 6


# -- auth, scopes, errors -------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic " + TOKEN, TOKEN, "Bearer", "Bearer  "])
async def test_bad_tokens_get_the_flat_unauthorized_body(state: Log360State, header: str | None):
    headers = {} if header is None else {"Authorization": header}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state, TOKEN, rate_limit=False)),
                                 base_url="http://log360.test") as http:
        for method, path in (("GET", "/api/v2/incident"), ("GET", f"/api/v2/incident/{FIRST_SAMPLE_ID}"),
                             ("POST", "/api/v2/incident"), ("GET", "/api/v2/meta/users")):
            response = await http.request(method, path, headers=headers)
            assert response.status_code == 401
            assert response.json() == {
                "code": "07001113", "title": "Unauthorized",
                "detail": "Invalid or missing AuthToken. Check whether the AuthToken is not revoked or expired",
            }


async def test_scopes_per_token(state: Log360State):
    app = create_app(state, TOKEN, scopes=["incident.READ", "incident.UPDATE"], read_only_token="ro",
                     rate_limit=False)
    async with client_for(app) as http:
        assert (await http.get("/api/v2/incident")).status_code == 200
        update = {"incident_id": FIRST_SAMPLE_ID, "name": "renamed"}
        # incident.UPDATE is the documented incidents.update
        assert (await http.put("/api/v2/incident", json=update)).status_code == 200
        for method, path, body, scope in (("POST", "/api/v2/incident", {"name": "n"}, "incident.CREATE"),
                                          ("DELETE", "/api/v2/incident", {"incident_ids": [FIRST_SAMPLE_ID]},
                                           "incident.DELETE"),
                                          ("GET", "/api/v2/meta/users", None, "users.READ")):
            response = await http.request(method, path, json=body)
            assert response.status_code == 403
            assert response.json()["code"] == "07001403" and scope in response.json()["detail"]
        read_only = {"Authorization": "Bearer ro"}
        assert (await http.get("/api/v2/meta/users", headers=read_only)).status_code == 200
        refused = await http.put("/api/v2/incident", json=update, headers=read_only)
        assert refused.status_code == 403 and "incidents.update" in refused.json()["detail"]
    assert state.get(FIRST_SAMPLE_ID) is not None


async def test_unknown_paths_and_methods_are_wrapped_errors(client: httpx.AsyncClient):
    for method, path, status in (("GET", "/api/v2/incidents", 404), ("GET", "/api/v2/incident/", 404),
                                 ("PATCH", "/api/v2/incident", 405), ("POST", "/api/v2/meta/users", 405)):
        response = await client.request(method, path)
        assert response.status_code == status and wrapped(response)["code"] == f"07001{status}"


async def test_legacy_error_style_sends_error_description(state: Log360State):
    async with client_for(create_app(state, TOKEN, rate_limit=False, error_style="legacy")) as http:
        response = await http.get("/api/v2/incident?limit=101")
    assert response.status_code == 400
    assert response.json() == {"ERROR_CODE": "07001110", "ERROR_DESCRIPTION": "Parameter limit must be at most 100."}


async def test_always_200_keeps_the_error_body(state: Log360State):
    async with client_for(create_app(state, TOKEN, rate_limit=False, always_200=True)) as http:
        response = await http.get("/api/v2/incident/1x")
    assert response.status_code == 200 and response.json()["error"]["code"] == "07001110"


# -- the 60/min budget --------------------------------------------------------------------


async def test_sixty_requests_a_minute_across_every_endpoint(state: Log360State, clock: FakeClock):
    async with client_for(create_app(state, TOKEN)) as http:
        paths = ["/api/v2/incident", f"/api/v2/incident/{FIRST_SAMPLE_ID}", "/api/v2/meta/users"]
        for n in range(59):
            assert (await http.get(paths[n % 3])).status_code == 200
            clock.now += 0.5
        # An unauthenticated request uses the same budget (the 60th).
        assert (await http.get("/api/v2/incident", headers={"Authorization": "Bearer nope"})).status_code == 401
        limited = await http.post("/api/v2/incident", json={"name": "over"})
        assert limited.status_code == 429
        assert wrapped(limited)["code"] == "07001429"
        assert limited.headers["Retry-After"] == "31"  # the first request leaves the window at NOW + 60
        assert state.find_by_name("over") is None
        clock.now = NOW + 59.9
        assert (await http.get("/api/v2/incident")).status_code == 429
        clock.now = NOW + 60  # the first request's minute is over: one slot frees
        assert (await http.get("/api/v2/incident")).status_code == 200
        assert (await http.get("/api/v2/incident")).status_code == 429
        clock.now = NOW + 120
        assert (await http.get("/api/v2/incident")).status_code == 200


async def test_no_rate_limit_serves_more_than_sixty(state: Log360State):
    async with client_for(create_app(state, TOKEN, rate_limit=False)) as http:
        statuses = {(await http.get("/api/v2/meta/users")).status_code for _ in range(70)}
    assert statuses == {200}


# -- faults -------------------------------------------------------------------------------


async def test_injected_faults_use_the_log360_shapes(state: Log360State):
    app = create_app(state, TOKEN, rate_limit=False, faults=FaultPlan(rates={"429": 1.0}, seed=1))
    async with client_for(app) as http:
        response = await http.get("/api/v2/incident")
    assert response.status_code == 429 and wrapped(response)["code"] == "07001429"
    assert response.headers["Retry-After"] == "2"


# -- loading, generating, options -----------------------------------------------------------


def test_load_reads_every_sample_incident(state: Log360State):
    sample = json.loads(SAMPLE.read_text())
    assert len(state) == len(sample["incidents"]) == 20
    assert state.user_name(3000000000158) == "elena.v+ir"
    ransomware = state.get(3000000455710)
    assert ransomware.name == "Ransomware-like mass renames on \\\\FS02\\Finance"
    assert ransomware.status == "open" and ransomware.severity == "critical"
    assert any("\n" in note.text for incident in state.incidents() for note in incident.notes)


@pytest.mark.parametrize("saved", [[], {"incidents": "x"}, {"incidents": [{"incident_name": "no id"}]},
                                   {"incidents": [{"incident_id": 1, "incident_name": "x", "status": "weird",
                                                   "created_time": "2025-01-01 00:00:00"}]},
                                   {"users": [{"user_id": "1"}], "incidents": []}])
def test_load_refuses_other_shapes(saved: Any, clock: FakeClock):
    with pytest.raises(ValueError):
        load_saved(Log360State(clock), saved)


def test_options_load_then_generate_after_the_sample(tmp_path: Path, clock: FakeClock):
    state = Log360Options(token=TOKEN, load=SAMPLE, backlog=30, seed=5).build_state(clock)
    assert len(state) == 50
    generated = [i for i in state.incidents() if i.incident_id > LAST_SAMPLE_ID]
    assert len(generated) == 30
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="bad.json"):
        Log360Options(token=TOKEN, load=bad).build_state(clock)


def test_generator_is_seeded_realistic_and_sometimes_hostile(clock: FakeClock):
    def names(seed: int) -> list[tuple[str, str, str]]:
        state = Log360State(clock)
        Log360Generator(state, seed).populate(400)
        return [(i.name, i.status, i.severity) for i in state.incidents()], state

    first, state = names(3)
    assert first == names(3)[0] and first != names(4)[0]
    incidents = state.incidents()
    ids = [i.incident_id for i in incidents]
    assert all(len(str(i)) == 13 for i in ids) and len(set(ids)) == 400
    assert len({i.name.casefold() for i in incidents}) == 400  # names are unique
    assert {i.status for i in incidents} == {"open", "in_progress", "closed"}
    assert {i.severity for i in incidents} == {"critical", "trouble", "attention"}
    assert all(i.evidence and i.activity[-1].activity == "Incident Created" for i in incidents)
    texts = [i.description for i in incidents] + [e["message"] for i in incidents for e in i.evidence]
    hostile = sum(text in HOSTILE_VALUES for text in texts)
    assert 0.01 * len(texts) < hostile < 0.1 * len(texts)


def test_scopes_option_parsing():
    assert parse_scopes("incident.READ, users.READ") == ("incident.READ", "users.READ")
    for bad in ("", ",", "incident READ", "incident.READ;rm"):
        with pytest.raises(ValueError):
            parse_scopes(bad)


def test_emulator_arguments_default_to_canary_and_accept_log360():
    import argparse

    parser = argparse.ArgumentParser()
    add_emulator_arguments(parser)
    assert parser.parse_args([]).backend == "canary"
    args = parser.parse_args(["--backend", "log360", "--no-rate-limit", "--scopes", "incident.READ",
                              "--in-progress-spelling", "Inprogress", "--backlog", "5"])
    assert (args.backend, args.no_rate_limit, args.scopes, args.in_progress_spelling) == \
        ("log360", True, "incident.READ", "Inprogress")


@pytest.mark.socket
def test_log360_over_a_real_socket_with_live_arrivals():
    import time

    options = Log360Options(token=TOKEN, backlog=3, seed=1, rate_limit=False)
    with EmulatorServer(options.build_app(), port=0, rate=6000, seed=1) as server:
        deadline = time.monotonic() + 5
        total = 3
        while total <= 3 and time.monotonic() < deadline:
            response = httpx.get(f"{server.base_url}/api/v2/incident?limit=1", headers=AUTH)
            total = response.json()["meta"]["total_items"]
    assert total > 3  # live arrivals came from the Log360 generator, through the shared server


async def test_a_bug_is_a_wrapped_500_and_logged(state: Log360State, monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture):
    from tui.emulator.log360 import app as log360_app

    def broken(call):
        raise RuntimeError("a bug")

    monkeypatch.setattr(log360_app, "list_users", broken)
    async with client_for(create_app(state, TOKEN, rate_limit=False)) as http:
        response = await http.get("/api/v2/meta/users")
    assert response.status_code == 500 and wrapped(response)["code"] == "07001500"
    assert "a bug" not in response.text and "internal error" in caplog.text


def test_run_emulator_refuses_bad_scopes_before_listening(capsys: pytest.CaptureFixture[str]):
    import argparse

    from tui.emulator.server import run_emulator

    parser = argparse.ArgumentParser()
    add_emulator_arguments(parser)
    args = parser.parse_args(["--backend", "log360", "--scopes", "incident READ", "--port", "0"])
    assert run_emulator(args) == 2
    assert "--scopes" in capsys.readouterr().err


def test_an_unfiltered_page_is_read_alone_in_the_same_newest_first_order(clock: FakeClock):
    from tui.emulator.log360.generator import populate

    state = Log360State(clock=clock)
    populate(state, 250, seed="paging")
    gone = [incident.incident_id for incident in state.incidents()[10:15]]
    assert state.delete(gone) == []
    everything = state.incidents()
    assert [incident.incident_id for incident in everything] == sorted(
        (incident.incident_id for incident in everything), reverse=True)
    pages = [state.newest(start, 100) for start in range(0, len(everything), 100)]
    assert [incident for page in pages for incident in page] == everything
    assert state.newest(len(everything), 100) == [] and state.newest(len(everything) + 50, 100) == []
