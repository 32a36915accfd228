"""Every request the Log360 client sends uses the documented method, path, headers and body;
the base URL and TLS rules; and the whole round trip against the in-process emulator."""

from __future__ import annotations

import json
import ssl
from datetime import datetime, timezone

import httpx
import pytest

from log360_fakes import (
    SEED_CREATE_BODY, SEED_CREATED, SEED_DELETE_BODY, SEED_DELETED, SEED_GET, SEED_LIST, SEED_UPDATE_BODY,
    SEED_UPDATED, SERVER_URL, TOKEN, RecordingServer, doc, emulator_client, sample_state,
)
from tui.backends.errors import ConfigError, InvalidParameter, NotFound, PermissionDenied
from tui.backends.log360.client import (
    UNCHANGED, Log360Client, MissingScope, resolve_base_url, resolve_timezone, tls_context,
)
from tui.backends.log360.parse import log360_fields, parse_incident, user_names
from tui.secret import Secret

UTC = timezone.utc


# -- base URL ------------------------------------------------------------------------------


@pytest.mark.parametrize(("server", "options", "expected"), [
    ("siem01", {}, "https://siem01:8400/api/v2"),
    ("siem01", {"product": "log360"}, "https://siem01:8095/api/v2"),
    ("siem01", {"allow_http": True}, "http://siem01:8400/api/v2"),
    ("siem01", {"port": 9443}, "https://siem01:9443/api/v2"),
    ("siem01:9000", {"product": "log360"}, "https://siem01:9000/api/v2"),
    ("[::1]", {"allow_http": True}, "http://[::1]:8400/api/v2"),
    ("https://siem.example.com", {}, "https://siem.example.com/api/v2"),
    ("https://siem.example.com:8443/", {}, "https://siem.example.com:8443/api/v2"),
    ("https://siem.example.com/api/v2/", {}, "https://siem.example.com/api/v2"),
    ("https://proxy.example.com/ela", {}, "https://proxy.example.com/ela/api/v2"),
    ("https://siem.example.com", {"port": 8400}, "https://siem.example.com:8400/api/v2"),
    ("http://127.0.0.1:8400", {"allow_http": True}, "http://127.0.0.1:8400/api/v2"),
    ("  HTTPS://Siem01:8400  ", {}, "https://siem01:8400/api/v2"),
])
def test_base_url_forms(server: str, options: dict, expected: str):
    assert resolve_base_url(server, **options) == expected


@pytest.mark.parametrize("server", ["http://siem01:8400", "http://127.0.0.1", "http://localhost:8400/api/v2"])
def test_plain_http_is_refused_unless_the_profile_allows_it(server: str):
    with pytest.raises(ConfigError) as refused:
        resolve_base_url(server)
    assert "set allow_http = true in the profile" in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(("server", "options"), [
    ("", {}), ("   ", {}), ("ftp://siem01", {}), ("https://user:pw@siem01", {}), (f"https://siem01/?token={TOKEN}", {}),
    ("https://siem01#x", {}), ("siem01", {"port": 0}), ("siem01", {"port": 70000}), ("siem01", {"product": "splunk"}),
    ("https://", {}), ("https://siem 01", {}),
])
def test_bad_server_settings_are_config_errors_that_never_echo_a_secret(server: str, options: dict):
    with pytest.raises(ConfigError) as refused:
        resolve_base_url(server, **options)
    assert TOKEN not in str(refused.value) and "pw" not in str(refused.value).replace("https://", "")


@pytest.mark.parametrize("token", ["", "   ", "has space", "tab\there", "n\nl", "ünï"])
def test_bad_tokens_are_refused_before_anything_is_sent(token: str):
    with pytest.raises(ConfigError):
        Log360Client("siem01", token)


def test_timezones():
    assert resolve_timezone(None) is None and resolve_timezone("local") is None
    assert resolve_timezone("UTC") is UTC
    assert str(resolve_timezone("Asia/Kolkata")) == "Asia/Kolkata"
    with pytest.raises(ConfigError, match="Unknown timezone"):
        resolve_timezone("Mars/Olympus")
    with pytest.raises(ConfigError):
        resolve_timezone("../../etc/passwd")


def test_tls_uses_the_system_store_or_a_private_bundle(tmp_path):
    assert tls_context().verify_mode == ssl.CERT_REQUIRED
    with pytest.raises(ConfigError, match="ca_bundle"):
        tls_context(tmp_path / "missing.pem")
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(ConfigError, match="ca_bundle"):
        tls_context(junk)


async def test_the_client_knows_whether_its_link_is_encrypted():
    async with Log360Client("siem01", TOKEN) as secure, Log360Client("siem01", TOKEN, allow_http=True) as plain:
        assert secure.encrypted and not plain.encrypted
        assert repr(secure) == "Log360Client('https://siem01:8400/api/v2')"


# -- requests -----------------------------------------------------------------------------


def assert_bearer_only_in_its_header(sent) -> None:
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in sent.url and TOKEN not in sent.body
    assert sent.headers["Accept"] == "application/json"


async def test_list_sends_filters_and_always_from_and_limit(server: RecordingServer, log360: Log360Client):
    server.reply(SEED_LIST, SEED_LIST)
    page = await log360.list_incidents()
    assert server.last.method == "GET" and server.last.path == "/api/v2/incident"
    assert server.last.query == {"from": "1", "limit": "100"}
    assert server.last.body == "" and "content-type" not in server.last.headers
    assert_bearer_only_in_its_header(server.last)
    assert page.incidents[0].key == "3000000455681"
    await log360.list_incidents(start=201, limit=50, severity="Critical", status="In Progress", created_by="user001",
                                assignee="3000000000115", response_type="client")
    assert server.last.query == {"severity": "critical", "status": "in_progress", "created_by": "user001",
                                 "assignee": "3000000000115", "from": "201", "limit": "50",
                                 "response_type": "client"}


async def test_the_unassigned_filter_is_minus_one(server: RecordingServer, log360: Log360Client):
    server.reply(SEED_LIST)
    await log360.list_incidents(assignee=-1)
    assert server.last.query["assignee"] == "-1"


@pytest.mark.parametrize("arguments", [{"limit": 101}, {"limit": 0}, {"start": 0}, {"start": True}])
async def test_list_refuses_what_the_api_would(log360: Log360Client, arguments: dict):
    with pytest.raises(ValueError):
        await log360.list_incidents(**arguments)


@pytest.mark.parametrize("arguments", [{"severity": "high"}, {"status": "resolved"}, {"assignee": "bob"}])
async def test_list_refuses_unknown_filter_values(log360: Log360Client, arguments: dict):
    with pytest.raises(InvalidParameter):
        await log360.list_incidents(**arguments)


async def test_get_one_puts_the_id_in_the_path(server: RecordingServer, log360: Log360Client):
    server.reply(SEED_GET)
    incident = await log360.get_incident("3000000438278")
    assert (server.last.method, server.last.path, server.last.query) == ("GET", "/api/v2/incident/3000000438278", {})
    assert incident.key == "3000000438278" and log360_fields(incident).detailed


@pytest.mark.parametrize("key", ["../users", "1/2", "1?x=1", "", "-1", "abc", "3000000455681 "])
async def test_a_key_that_is_not_an_id_never_reaches_a_url(server: RecordingServer, log360: Log360Client, key: str):
    if key.strip().isdigit():
        server.reply(SEED_GET)
        await log360.get_incident(key)
        assert server.last.path == "/api/v2/incident/3000000455681"
        return
    with pytest.raises(InvalidParameter):
        await log360.get_incident(key)
    assert server.sent == []


async def test_get_one_with_the_listed_incident_gives_one_whole_record(server: RecordingServer,
                                                                        log360: Log360Client):
    server.reply(SEED_LIST, SEED_GET)
    listed = (await log360.list_incidents()).incidents[0]
    whole = await log360.get_incident(listed.key, listed=listed)
    assert whole.title == "DOS Attack Incident" and whole.status == "open" and len(whole.events) == 1


async def test_create_sends_the_documented_body(server: RecordingServer, log360: Log360Client):
    server.reply(SEED_CREATED)
    key = await log360.create_incident(
        name="test", description="test description", severity="Trouble", status="open", assignee=-1,
        due_date="2027-10-03 10:30:00", notes=["adding a test note"],
        evidence=["dd34449f-47ae-433b-94b9-7bfddba1ab0c_objectidcustom_logs"], source="REPORT",
    )
    assert key == "3000000438284"
    assert (server.last.method, server.last.path) == ("POST", "/api/v2/incident")
    assert server.last.headers["Content-Type"] == "application/json"
    assert server.last.json == doc(SEED_CREATE_BODY)
    assert_bearer_only_in_its_header(server.last)


async def test_create_sends_only_what_is_given(server: RecordingServer, log360: Log360Client):
    server.reply(SEED_CREATED)
    await log360.create_incident(name="only a name")
    assert server.last.json == {"name": "only a name"}


async def test_update_sends_the_id_in_the_body(server: RecordingServer, log360: Log360Client):
    server.reply(SEED_UPDATED)
    message = await log360.update_incident(
        3000000438278, name="test", description="test description", severity="trouble", status="open",
        assignee=-1, due_date="2027-10-03 10:30:00", notes=["adding a test note"],
    )
    assert message == "Incident has been updated successfully."
    assert (server.last.method, server.last.path) == ("PUT", "/api/v2/incident")
    expected = doc(SEED_UPDATE_BODY)
    del expected["evidence"], expected["source"]  # nothing to add is not sent
    assert server.last.json == expected


async def test_update_with_only_a_change_and_a_cleared_due_date(server: RecordingServer, log360: Log360Client):
    server.reply(SEED_UPDATED)
    await log360.update_incident("3000000438278", name="n", status="Closed", due_date=None, description=UNCHANGED)
    assert server.last.json == {"incident_id": 3000000438278, "name": "n", "status": "closed", "due_date": None}


def current_incident() -> object:
    return parse_incident({
        "incident_id": 3000000455681, "incident_name": "DOS Attack Incident", "severity": "Critical",
        "status": "Inprogress", "assign_to": 3000000000115, "due_date": "2025-04-02 00:00:00",
        "incident_description": "desc", "created_by": "user001", "created_time": "2025-03-31 16:12:10",
        "notes": [{"note": "old note", "added_by": "a", "time": "2025-03-31 16:12:17"}],
        "evidence": [{"incident_uuid": "old-uuid"}],
    }, tz=UTC)


async def test_the_merged_update_sends_the_whole_record_with_the_change(server: RecordingServer,
                                                                         log360: Log360Client):
    server.reply(SEED_UPDATED)
    await log360.update_merged(current_incident(), status="closed", notes=["closing: false positive"])
    assert server.last.json == {
        "incident_id": 3000000455681, "name": "DOS Attack Incident", "description": "desc",
        "severity": "critical", "status": "closed", "assignee": 3000000000115,
        "due_date": "2025-04-02T00:00:00+00:00", "notes": ["closing: false positive"],
    }  # the old note and evidence are not sent again: the server may append them


def test_merged_record_changes(log360: Log360Client):
    current = current_incident()
    assert log360.merged_record(current, assignee="")["assignee"] == -1
    assert log360.merged_record(current, due_date=None)["due_date"] is None
    assert log360.merged_record(current, due_date=datetime(2025, 5, 1, 17, 0, tzinfo=UTC))["due_date"] == \
        "2025-05-01T17:00:00+00:00"
    assert log360.merged_record(current, name="renamed")["name"] == "renamed"
    never_due = parse_incident({"incident_id": 1, "incident_name": "n", "status": "Open"})
    assert "due_date" not in log360.merged_record(never_due)
    assert log360.merged_record(never_due)["assignee"] == -1
    with pytest.raises(TypeError):
        log360.merged_record(current, colour="red")
    with pytest.raises(InvalidParameter):
        log360.merged_record(current, severity="urgent")
    with pytest.raises(InvalidParameter):
        log360.merged_record(parse_incident({"incident_id": 1}))  # no name to send


async def test_space_form_due_dates_when_the_profile_asks(server: RecordingServer):
    async with server.client(iso_dates=False, timezone="Asia/Kolkata") as client:
        body = client.merged_record(current_incident(), due_date=datetime(2025, 5, 1, 12, 0, tzinfo=UTC))
    assert body["due_date"] == "2025-05-01 17:30:00"


async def test_delete_sends_a_json_body(server: RecordingServer, log360: Log360Client):
    server.reply(SEED_DELETED)
    assert await log360.delete_incidents(["3000000438278"]) == "Incident has been deleted successfully."
    assert (server.last.method, server.last.path) == ("DELETE", "/api/v2/incident")
    assert server.last.headers["Content-Type"] == "application/json"
    assert server.last.json == doc(SEED_DELETE_BODY)


async def test_delete_refuses_more_than_100_in_one_call(log360: Log360Client):
    with pytest.raises(ValueError, match="delete_in_batches"):
        await log360.delete_incidents([str(3000000000000 + n) for n in range(101)])


async def test_a_big_delete_is_split_and_each_call_reported(server: RecordingServer, log360: Log360Client):
    keys = [str(3000000000000 + n) for n in range(250)]
    server.reply(SEED_DELETED, lambda request: httpx.Response(400, json={"error": {
        "code": "07001110", "title": "Bad Request", "detail": "Something went wrong."}}), SEED_DELETED)
    calls = [call async for call in log360.delete_in_batches(keys + keys[:5])]  # duplicates count once
    assert [len(call.keys) for call in calls] == [100, 100, 50]
    assert [call.ok for call in calls] == [True, False, True]
    assert isinstance(calls[1].error, InvalidParameter) and "Something went wrong." in str(calls[1].error)
    assert [sent.json["incident_ids"] for sent in server.sent] == [
        [int(key) for key in keys[:100]], [int(key) for key in keys[100:200]], [int(key) for key in keys[200:]]]
    assert calls[0].keys == tuple(keys[:100])


async def test_users_endpoint(server: RecordingServer, log360: Log360Client):
    server.reply({"data": [{"user_id": 3000000000115, "user_name": "priya.raman", "role": "Operator"}]})
    users = await log360.users()
    assert (server.last.method, server.last.path) == ("GET", "/api/v2/meta/users")
    assert user_names(users) == {"3000000000115": "priya.raman"}


async def test_a_secret_token_works_and_is_never_shown(server: RecordingServer):
    server.reply(SEED_LIST)
    async with Log360Client(SERVER_URL, Secret(TOKEN), allow_http=True, transport=server.transport()) as client:
        await client.ping()
        assert TOKEN not in repr(client) and TOKEN not in repr(vars(client))
    assert server.last.query == {"from": "1", "limit": "1"}


async def test_redirects_are_not_followed(server: RecordingServer, log360: Log360Client):
    server.reply(lambda request: httpx.Response(302, headers={"Location": "https://elsewhere.example/"}))
    with pytest.raises(Exception) as failed:
        await log360.list_incidents()
    assert len(server.sent) == 1 and "redirect" in str(failed.value)


# -- against the emulator ---------------------------------------------------------------------


async def test_paging_through_the_emulator_newest_first_without_loss():
    state = sample_state()
    async with emulator_client(state) as client:
        pages = [page async for page in client.iter_pages(page_size=7)]
    assert [len(page.incidents) for page in pages] == [7, 7, 6]
    keys = [incident.key for page in pages for incident in page.incidents]
    assert len(set(keys)) == 20 and keys == sorted(keys, reverse=True)


@pytest.mark.parametrize("spelling", ["In Progress", "Inprogress", "In-progress"])
async def test_every_in_progress_spelling_reads_as_in_progress(spelling: str):
    async with emulator_client(sample_state(), in_progress_spelling=spelling) as client:
        page = await client.list_incidents(status="in_progress")
    assert page.incidents and {incident.status for incident in page.incidents} == {"in_progress"}
    assert {log360_fields(incident).status_text for incident in page.incidents} == {spelling}


async def test_a_round_trip_through_the_emulator():
    state = sample_state()
    async with emulator_client(state) as client:
        names = user_names(await client.users())
        page = await client.list_incidents(status="open", severity="critical", assignee=-1, users=names)
        target = page.incidents[0]
        whole = await client.get_incident(target.key, listed=target, users=names)
        await client.update_merged(whole, status="in_progress", assignee="3000000000115", notes=["taking it"])
        relisted = await client.list_incidents(status="in_progress", assignee="3000000000115", users=names)
        (listed,) = [incident for incident in relisted.incidents if incident.key == target.key]
        after = await client.get_incident(target.key, listed=listed, users=names)
        assert after.key == target.key and after.status == "in_progress" and after.assignee == "priya.raman"
        assert log360_fields(after).notes[-1].text == "taking it"
        assert log360_fields(after).description == log360_fields(whole).description  # kept, not cleared
        assert after.version > whole.version
        key = await client.create_incident(name="Roost test incident", severity="trouble",
                                           due_date=datetime(2030, 1, 1, 9, 0, tzinfo=UTC))
        created = state.get(int(key))
        assert created is not None and created.due_date == int(datetime(2030, 1, 1, 9, 0, tzinfo=UTC).timestamp())
        calls = [call async for call in client.delete_in_batches([key])]
        assert calls[0].ok and state.get(int(key)) is None
        with pytest.raises(NotFound):
            await client.get_incident(key)


async def test_a_read_only_token_is_told_which_scope_it_lacks():
    async with emulator_client(sample_state(), read_only_token="read-only-token-1234", token="read-only-token-1234") \
            as client:
        await client.list_incidents()
        with pytest.raises(MissingScope) as refused:
            await client.delete_incidents(["3000000455701"])
    assert isinstance(refused.value, PermissionDenied) and refused.value.scope == "incident.DELETE"
    assert "lacks the incident.DELETE scope" in str(refused.value)


async def test_the_emulator_sees_no_token_anywhere_but_the_header():
    state = sample_state()
    seen: list[httpx.Request] = []
    app_client = emulator_client(state)
    original = app_client._http._transport

    class Spy(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return await original.handle_async_request(request)

    app_client._http._transport = Spy()
    async with app_client as client:
        key = await client.create_incident(name="spy")
        await client.update_incident(key, name="spy", status="closed")
        await client.delete_incidents([key])
        await client.list_incidents()
    for request in seen:
        assert TOKEN not in str(request.url) and TOKEN.encode() not in request.content
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert json.loads(seen[0].content) == {"name": "spy"}
