"""Feeds, cursor pagination, search and source history, through httpx.ASGITransport."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tui.emulator.canary.app import create_app
from tui.emulator.canary.generator import populate
from tui.emulator.canary.state import ConsoleState

from .conftest import AUTH, BIRD, FINANCE, NOW, READ_ONLY_TOKEN, TOKEN, client_for, fixture_json

API = "/api/v1"


async def get(client: httpx.AsyncClient, path: str, **params) -> dict:
    response = await client.get(f"{API}/{path}", params=params, headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()


def ids(body: dict) -> list[str]:
    return [item["id"] if "id" in item else item["key"] for item in body["incidents"] or []]


@pytest.fixture
def big_console() -> ConsoleState:
    state = ConsoleState(clock=lambda: NOW)
    populate(state, 57, seed=4)
    return state


# -- feeds --------------------------------------------------------------------------


async def test_feed_form_and_typing(client: httpx.AsyncClient, console: ConsoleState):
    body = await get(client, "incidents/all")
    assert body["feed"] == "All Incidents" and body["result"] == "success"
    assert "cursor" not in body  # no limit, no cursor
    items = body["incidents"]
    assert [item["updated_id"] for item in items] == [1, 3, 4, 5, 6]
    assert body["max_updated_id"] == 6
    newest = items[-1]
    assert (body["updated_timestamp"], body["updated"]) == (NOW, "Tue, 14 Nov 2023 22:13:20 GMT")
    assert (newest["updated_time"], newest["updated_std"]) == (str(NOW), "2023-11-14 22:13:20 UTC+0000")
    ssh = items[0]
    assert set(ssh) == {"description", "hash_id", "id", "summary", "updated", "updated_id", "updated_std",
                        "updated_time"}
    assert ssh["summary"] == ssh["description"]["description"] == "SSH Login Attempt"
    inner = ssh["description"]
    for name in ("acknowledged", "created", "dst_port", "src_port", "logtype", "events_count", "notified"):
        assert isinstance(inner[name], str), name
    assert isinstance(ssh["updated_id"], int) and isinstance(inner["events"][0]["timestamp"], int)
    assert {"flock_id", "flock_name", "ip_address", "ippers", "local_time", "mac_address", "name", "node_id",
            "src_host_reverse", "events_list", "created_std", "dst_host"} <= set(inner)


async def test_feeds_split_by_acknowledgement(client: httpx.AsyncClient, console: ConsoleState):
    acknowledged = await get(client, "incidents/acknowledged")
    unacknowledged = await get(client, "incidents/unacknowledged")
    assert acknowledged["feed"] == "Acknowledged Incidents"
    assert unacknowledged["feed"] == "Unacknowledged Incidents"
    assert ids(acknowledged) == console.keys("acknowledged")
    assert ids(unacknowledged) == console.keys("unacknowledged")
    assert {item["description"]["acknowledged"] for item in acknowledged["incidents"]} == {"True"}


async def test_incidents_since_is_strict_and_max_updated_id_follows(client: httpx.AsyncClient):
    body = await get(client, "incidents/all", incidents_since=4)
    assert [item["updated_id"] for item in body["incidents"]] == [5, 6] and body["max_updated_id"] == 6
    empty = await get(client, "incidents/all", incidents_since=6)
    assert empty["incidents"] == [] and "max_updated_id" not in empty
    assert empty["updated_timestamp"] == NOW


async def test_changes_bump_updated_id_into_the_next_delta(client: httpx.AsyncClient, console: ConsoleState):
    watermark = (await get(client, "incidents/all"))["max_updated_id"]
    key = console.keys("unacknowledged")[0]
    console.add_event(key, {"USERNAME": "root", "PASSWORD": "again"})
    delta = await get(client, "incidents/all", incidents_since=watermark)
    assert ids(delta) == [key] and delta["incidents"][0]["description"]["events_count"] == "4"
    await client.post(f"{API}/incident/acknowledge", data={"incident": key}, headers=AUTH)
    delta = await get(client, "incidents/all", incidents_since=delta["max_updated_id"])
    assert ids(delta) == [key] and delta["incidents"][0]["description"]["acknowledged"] == "True"


async def test_feed_filters(client: httpx.AsyncClient, console: ConsoleState):
    assert len(ids(await get(client, "incidents/all", node_id=BIRD))) == 3
    assert len(ids(await get(client, "incidents/all", flock_id=FINANCE))) == 1
    created = {key: console.get(key).created for key in console.keys()}
    newer = ids(await get(client, "incidents/all", newer_than="2023-11-14-21:30:00"))  # NOW - 2600
    assert sorted(newer) == sorted(k for k, c in created.items() if c > NOW - 2600)
    older = ids(await get(client, "incidents/all", older_than="2023-11-14-20:50:00"))  # exactly the ssh one
    assert older == []
    response = await client.get(f"{API}/incidents/all", params={"newer_than": "yesterday"}, headers=AUTH)
    assert response.json() == {"message": "Parameter newer_than was invalid.", "result": "error"}


async def test_event_limit_truncates_but_counts_everything(client: httpx.AsyncClient):
    ssh = (await get(client, "incidents/all", event_limit=1))["incidents"][0]["description"]
    assert len(ssh["events"]) == 1 and ssh["events_count"] == "3"
    assert ssh["events"][0]["PASSWORD"] == "pw0"


async def test_shrink_drops_duplicated_events_by_default(client: httpx.AsyncClient, console: ConsoleState):
    key = console.keys()[0]
    repeated = {"USERNAME": "root", "PASSWORD": "pw0", "timestamp": NOW - 5000}
    console.add_event(key, repeated)
    shrunk = (await get(client, "incidents/all", incidents_since=6))["incidents"][0]["description"]
    full = (await get(client, "incidents/all", incidents_since=6, shrink="False"))["incidents"][0]["description"]
    assert (len(shrunk["events"]), len(full["events"]), full["events_count"]) == (3, 4, "4")


async def test_tz_re_renders_every_std_field(client: httpx.AsyncClient):
    body = await get(client, "incidents/all", tz="Africa/Johannesburg")
    item = body["incidents"][-1]
    assert body["updated_std"] == item["updated_std"] == "2023-11-15 00:13:20 SAST+0200"
    assert item["description"]["created_std"].endswith("SAST+0200")
    assert item["description"]["events"][0]["timestamp_std"].endswith("SAST+0200")
    assert body["updated"] == "Tue, 14 Nov 2023 22:13:20 GMT"  # RFC 1123 stays GMT
    response = await client.get(f"{API}/incidents/all", params={"tz": "Mars/Base"}, headers=AUTH)
    assert (response.status_code, response.json()["message"]) == (400, "Invalid timezone")


async def test_empty_feeds_are_lists_or_null_as_configured(console: ConsoleState):
    for key in console.keys():
        console.delete(key)
    async with client_for(create_app(console, TOKEN)) as client:
        assert (await get(client, "incidents/all"))["incidents"] == []
    async with client_for(create_app(console, TOKEN, empty_incidents_null=True,
                                     cursor_without_limit=True)) as client:
        body = await get(client, "incidents/all")
        assert body["incidents"] is None
        assert body["cursor"] == {"next": None, "next_link": None, "prev": None, "prev_link": None}


# -- pagination -------------------------------------------------------------------


async def walk(client: httpx.AsyncClient, path: str, **first_params) -> list[dict]:
    """Every page, sending only ``cursor`` after the first request."""
    pages = [await get(client, path, **first_params)]
    while pages[-1]["cursor"]["next"]:
        pages.append(await get(client, path, cursor=pages[-1]["cursor"]["next"]))
    return pages


async def test_walking_a_feed_with_only_the_cursor(big_console: ConsoleState):
    async with client_for(create_app(big_console, TOKEN)) as client:
        pages = await walk(client, "incidents/all", limit=5, flock_id="flock:default")
        expected = ids(await get(client, "incidents/all", flock_id="flock:default"))
        assert [key for page in pages for key in ids(page)] == expected
        assert len(expected) > 10 and len(expected) % 5  # several pages, the last one short
        assert [len(ids(page)) for page in pages[:-1]] == [5] * (len(pages) - 1)
        assert pages[0]["cursor"]["prev"] is None and pages[0]["cursor"]["prev_link"] is None
        assert pages[-1]["cursor"]["next"] is None and pages[-1]["cursor"]["next_link"] is None
        assert all(page["max_updated_id"] == page["incidents"][-1]["updated_id"] for page in pages)

        pages = await walk(client, "incidents/unacknowledged", limit=7, event_limit=1, tz="Asia/Tokyo")
        assert [key for page in pages for key in ids(page)] == big_console.keys("unacknowledged")
        last = pages[-1]["incidents"][-1]["description"]
        assert len(last["events"]) <= 1 and last["created_std"].endswith("JST+0900")  # the cursor kept both


async def test_next_link_carries_cursor_token_and_filters(client: httpx.AsyncClient):
    body = await get(client, "incidents/all", limit=2, shrink="true", node_id=BIRD)
    link = urlsplit(body["cursor"]["next_link"])
    assert (link.scheme, link.netloc, link.path) == ("http", "console.test", f"{API}/incidents/all")
    query = parse_qs(link.query)
    assert query["cursor"] == [body["cursor"]["next"]] and query["auth_token"] == [TOKEN]
    assert (query["shrink"], query["node_id"]) == (["true"], [BIRD])
    base64.b64decode(body["cursor"]["next"], validate=True)  # standard base64, like the console's
    # Following next_link works (which is why it holds the token, and why clients must not log it).
    followed = await client.get(body["cursor"]["next_link"])
    assert followed.status_code == 200 and len(followed.json()["incidents"]) == 1


async def test_links_carry_the_token_that_was_used(client: httpx.AsyncClient):
    response = await client.get(f"{API}/incidents/all", params={"limit": 1, "auth_token": READ_ONLY_TOKEN})
    assert parse_qs(urlsplit(response.json()["cursor"]["next_link"]).query)["auth_token"] == [READ_ONLY_TOKEN]


async def test_prev_goes_back_a_page(client: httpx.AsyncClient):
    first = await get(client, "incidents/all", limit=2)
    second = await get(client, "incidents/all", cursor=first["cursor"]["next"])
    assert second["cursor"]["prev"] is not None
    back = await get(client, "incidents/all", cursor=second["cursor"]["prev"])
    assert ids(back) == ids(first) and back["cursor"]["prev"] is None


async def test_an_incident_changed_while_paging_is_seen_again_not_skipped(client: httpx.AsyncClient,
                                                                          console: ConsoleState):
    first = await get(client, "incidents/all", limit=2)
    seen = ids(first)
    await client.post(f"{API}/incident/acknowledge", data={"incident": seen[0]}, headers=AUTH)
    cursor = first["cursor"]["next"]
    while cursor:
        page = await get(client, "incidents/all", cursor=cursor)
        seen += ids(page)
        cursor = page["cursor"]["next"]
    assert set(seen) == set(console.keys()) and seen.count(seen[0]) == 2


async def test_bad_cursors(client: httpx.AsyncClient):
    search_cursor = (await get(client, "incidents/search", limit=1))["cursor"]["next"]
    forged = base64.b64encode(b'["all",{},0,[1,"x"],false,1]').decode()
    for cursor in ("not-a-cursor", "e30=", forged, search_cursor):
        response = await client.get(f"{API}/incidents/all", params={"cursor": cursor}, headers=AUTH)
        assert (response.status_code, response.json()) == (400, {"message": "Invalid cursor", "result": "error"})
    response = await client.get(f"{API}/incidents/all", params={"limit": "0"}, headers=AUTH)
    assert response.json()["message"] == "Parameter limit was invalid."


# -- search -------------------------------------------------------------------------


async def test_search_items_are_flat_with_their_host(client: httpx.AsyncClient, console: ConsoleState):
    body = await get(client, "incidents/search")
    assert body["result"] == "success" and (body["page_number"], body["total_pages"], body["total_results"]) == (1, 1, 4)
    items = body["incidents"]
    assert [item["created"] for item in items] == sorted((item["created"] for item in items), reverse=True)
    assert {item["acknowledged"] for item in items} == {"False"}  # unacknowledged by default
    assert body["incident_source_counts"] == {"1.1.1.1": 2, "3.3.3.3": 1}
    ssh = next(item for item in items if item["logtype"] == "4002")
    assert ssh["description"] == "SSH Login Attempt" and ssh["key"] == ssh["incident_key"]
    assert ssh["events_list"] == [(NOW - 5000 + i) * 1000 for i in range(3)]
    assert ssh["logdata"][0] == {"USERNAME": "root", "PASSWORD": "pw0"}
    assert (ssh["updated"], ssh["sensor"], ssh["created_age"]) == ("True", "thinkstcanary", "1 hour")
    assert ssh["created_age_seconds"] == 5000.0 and ssh["previously_seen_count"] == 0
    assert ssh["host"]["node_id"] == BIRD and ssh["host"]["device_live"] == "True"
    assert "id" not in ssh and "summary" not in ssh and "events" not in ssh
    ftp = next(item for item in items if item["logtype"] == "2000")
    assert ftp["previously_seen_count"] == 1  # the ssh attempt from 1.1.1.1 came first
    token = next(item for item in items if item["logtype"] == "17012")
    assert "host" not in token and token["memo"] == "AWS keys on build-07"


async def test_search_filters(client: httpx.AsyncClient):
    async def keys(**params) -> list[str]:
        return ids(await get(client, "incidents/search", **params))

    assert len(await keys(filter_incident_state="all")) == 5
    assert len(await keys(filter_incident_state="acknowledged")) == 1
    assert len(await keys(filter_logtypes="4002,2000")) == 2
    assert len(await keys(filter_str="fs-nyc")) == 2  # the Canary's name
    assert len(await keys(filter_str="52.18.63")) == 1  # destination IP
    assert len(await keys(node_id=BIRD, filter_incident_state="all")) == 3
    response = await client.get(f"{API}/incidents/search", params={"filter_incident_state": "open"}, headers=AUTH)
    assert response.json()["message"] == "Parameter filter_incident_state was invalid."
    response = await client.get(f"{API}/incidents/search", params={"filter_logtypes": "ssh"}, headers=AUTH)
    assert response.json()["message"] == "Parameter filter_logtypes was invalid."


async def test_search_pages_with_numbers(big_console: ConsoleState):
    async with client_for(create_app(big_console, TOKEN)) as client:
        pages = await walk(client, "incidents/search", limit=4, filter_incident_state="all")
        everything = ids(await get(client, "incidents/search", filter_incident_state="all"))
        assert [key for page in pages for key in ids(page)] == everything
        assert [page["page_number"] for page in pages] == list(range(1, len(pages) + 1))
        assert {page["total_pages"] for page in pages} == {len(pages)} == {-(-len(everything) // 4)}
        assert {page["total_results"] for page in pages} == {len(everything)}
        back = await get(client, "incidents/search", cursor=pages[2]["cursor"]["prev"])
        assert ids(back) == ids(pages[1]) and back["page_number"] == 2


# -- history --------------------------------------------------------------------------


async def test_source_history_keeps_deleted_incidents(client: httpx.AsyncClient, console: ConsoleState):
    first = console.keys()[0]
    console.acknowledge(first)
    await client.post(f"{API}/incident/delete", data={"incident": first}, headers=AUTH)
    body = await get(client, "incidents/history/source", src_ip="1.1.1.1")
    assert body["result"] == "success"
    assert [(item["key"], item["deleted"]) for item in body["incidents"]] == [
        (first, True), (body["incidents"][1]["key"], False)]
    item = body["incidents"][0]
    assert item == {"created": NOW - 5000, "deleted": True, "description": "SSH Login Attempt", "dst_port": 22,
                    "flock_id": "flock:default", "key": first, "node_id": BIRD, "src_host": "1.1.1.1"}
    in_finance = await get(client, "incidents/history/source", src_ip="1.1.1.1", flock_id=FINANCE)
    assert [item["description"] for item in in_finance["incidents"]] == ["FTP Login Attempt"]


async def test_a_loaded_documentation_example_is_served_despite_its_placeholders():
    # The worked example names every incident "<node_id>" and every port "<source_port>".
    state = ConsoleState(clock=lambda: NOW)
    assert state.load_feed(fixture_json("seed_unacknowledged_limit5.json")) == ["<node_id>"] * 5
    async with client_for(create_app(state, TOKEN)) as client:
        feed = await get(client, "incidents/unacknowledged")
        assert ids(feed) == ["<node_id>"] and feed["max_updated_id"] == 152
        assert feed["incidents"][0]["description"]["events_count"] == "2"  # the last one kept
        assert len(ids(await get(client, "incidents/search"))) == 1
        history = await get(client, "incidents/history/source", src_ip="<host_ip_address>")
        assert [item["dst_port"] for item in history["incidents"]] == [69]


async def test_source_history_follows_an_incident_loaded_again_from_another_source(client: httpx.AsyncClient,
                                                                                   console: ConsoleState):
    first = console.keys()[0]
    body = await get(client, "incidents/history/source", src_ip="1.1.1.1")
    assert first in [item["key"] for item in body["incidents"]]
    flat = {"key": first, "description": "SSH Login Attempt", "src_host": "203.0.113.77", "node_id": BIRD,
            "created": str(NOW - 5000), "logtype": "4002"}
    console.load_feed([flat])
    old = await get(client, "incidents/history/source", src_ip="1.1.1.1")
    new = await get(client, "incidents/history/source", src_ip="203.0.113.77")
    assert first not in [item["key"] for item in old["incidents"]]
    assert [item["key"] for item in new["incidents"]] == [first]
