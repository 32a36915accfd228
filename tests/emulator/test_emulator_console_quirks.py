"""What Thinkst's own clients rely on: the body's shape on the wire, paths, and the console's refusals."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tui.emulator.canary.app import create_app
from tui.emulator.faults import FaultPlan
from tui.emulator.canary.generator import populate
from tui.emulator.canary.state import ConsoleState

from .conftest import AUTH, AWS_TOKEN, BIRD, FINANCE, NOW, OTHER_BIRD, TOKEN, client_for

API = "/api/v1"


def error(message: str) -> dict:
    return {"message": message, "result": "error"}


def assert_pretty_with_newline(response: httpx.Response) -> None:
    """As the console sends it: indented JSON, and a newline at the very end (canary_api2csv.sh reads lines)."""
    text = response.text
    assert text.endswith("}\n") and not text.endswith("\n\n"), repr(text[-20:])
    assert text == json.dumps(json.loads(text), indent=2) + "\n"


# -- the body on the wire ------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "params"), [
    ("GET", "ping", {}),
    ("GET", "incidents/all", {"limit": 2}),
    ("GET", "incidents/search", {}),
    ("GET", "incidents/history/source", {"src_ip": "1.1.1.1"}),
    ("GET", "incident/fetch", {"incident": "incident:nope"}),
    ("GET", "incidents/all", {"limit": "x"}),
    ("POST", "incidents/acknowledge", {"older_than": "1y"}),
    ("GET", "devices/all", {}),
    ("GET", "flocks/list", {}),
    ("GET", "no/such/endpoint", {}),
    ("POST", "ping", {}),  # 405
])
async def test_every_body_is_pretty_printed_and_ends_with_a_newline(client: httpx.AsyncClient, method: str,
                                                                    path: str, params: dict):
    response = await client.request(method, f"{API}/{path}", params=params, headers=AUTH)
    assert_pretty_with_newline(response)
    response = await client.request(method, f"{API}/{path}", params=params)  # and without credentials
    assert_pretty_with_newline(response)


@pytest.mark.parametrize("fault", ["429", "500", "503"])
async def test_injected_json_errors_end_with_a_newline_too(console: ConsoleState, fault: str):
    async with client_for(create_app(console, TOKEN, faults=FaultPlan({fault: 1.0}))) as client:
        response = await client.get(f"{API}/ping", headers=AUTH)
    assert response.status_code == int(fault) and response.json()["result"] == "error"
    assert_pretty_with_newline(response)


async def test_text_outside_ascii_is_escaped_as_before(client: httpx.AsyncClient, console: ConsoleState):
    console.load_feed([{"id": "incident:odd", "description": {"logtype": "4002", "node_id": BIRD,
                                                              "memo": "caf\u00e9 \u202e \ud800"}}])
    response = await client.get(f"{API}/incident/fetch", params={"incident": "incident:odd"}, headers=AUTH)
    assert response.content.isascii() and "\\u202e" in response.text and "\\ud800" in response.text
    assert response.json()["incident"]["memo"] == "caf\u00e9 \u202e \ud800"


# -- paths ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["incidents/all/", "ping/", "incident/fetch/", "devices/all/"])
async def test_a_trailing_slash_is_a_json_404_never_a_redirect_that_repeats_the_token(client: httpx.AsyncClient,
                                                                                      path: str):
    response = await client.get(f"{API}/{path}", params={"auth_token": TOKEN, "limit": 1})
    assert (response.status_code, response.json()) == (404, error("Not Found"))
    assert "location" not in response.headers
    assert not any(TOKEN in value for value in response.headers.values())
    assert TOKEN not in response.text


@pytest.mark.parametrize("path", ["/", "/api/v1", "/api/v1/", "/api/v2/ping", "/api/v1/incidents", "/API/V1/PING",
                                  "/api/v1/ping.json"])
async def test_unknown_paths_are_a_json_404(client: httpx.AsyncClient, path: str):
    response = await client.get(path, headers=AUTH)
    assert (response.status_code, response.json()) == (404, error("Not Found"))
    assert response.headers["content-type"] == "application/json"


# -- parameters the console reads leniently ----------------------------------------------


async def test_time_zone_names_are_case_insensitive(client: httpx.AsyncClient, console: ConsoleState):
    key = console.keys()[0]
    for canonical, variants in [("Europe/London", ("europe/london", "EUROPE/LONDON", "eUrOpE/lOnDoN")),
                                ("Asia/Tokyo", ("asia/tokyo",)), ("UTC", ("utc",))]:
        expected = (await client.get(f"{API}/incident/fetch", headers=AUTH,
                                     params={"incident": key, "tz": canonical})).json()
        for variant in variants:
            feed = await client.get(f"{API}/incident/fetch", params={"incident": key, "tz": variant}, headers=AUTH)
            assert feed.json() == expected, variant
    tokyo = await client.get(f"{API}/devices/all", params={"tz": "asia/TOKYO"}, headers=AUTH)
    assert tokyo.json()["updated_std"].endswith("JST+0900")
    response = await client.get(f"{API}/incidents/all", params={"tz": "europe/nowhere"}, headers=AUTH)
    assert (response.status_code, response.json()) == (400, error("Invalid timezone"))


async def test_source_history_without_src_ip_is_every_source(client: httpx.AsyncClient, console: ConsoleState):
    gone = console.keys("acknowledged")[0]
    await client.post(f"{API}/incident/delete", data={"incident": gone}, headers=AUTH)
    body = (await client.get(f"{API}/incidents/history/source", headers=AUTH)).json()
    assert body["result"] == "success"
    assert sorted(item["key"] for item in body["incidents"]) == sorted([*console.keys(), gone])
    assert [item["deleted"] for item in body["incidents"] if item["key"] == gone] == [True]
    in_finance = (await client.get(f"{API}/incidents/history/source", params={"flock_id": FINANCE},
                                   headers=AUTH)).json()
    assert [item["flock_id"] for item in in_finance["incidents"]] == [FINANCE]


@pytest.mark.parametrize(("sent", "carried"), [({}, "true"), ({"shrink": "True"}, "true"),
                                               ({"shrink": "false"}, "false"), ({"shrink": "0"}, "false")])
async def test_next_link_carries_shrink_as_the_consoles_does(client: httpx.AsyncClient, sent: dict, carried: str):
    body = (await client.get(f"{API}/incidents/unacknowledged", params={"limit": 1, **sent}, headers=AUTH)).json()
    query = parse_qs(urlsplit(body["cursor"]["next_link"]).query)
    assert query["shrink"] == [carried]
    following = (await client.get(body["cursor"]["next_link"])).json()
    assert parse_qs(urlsplit(following["cursor"]["prev_link"]).query)["shrink"] == [carried]


async def test_search_links_carry_no_shrink(client: httpx.AsyncClient):
    body = (await client.get(f"{API}/incidents/search", params={"limit": 1}, headers=AUTH)).json()
    assert "shrink" not in parse_qs(urlsplit(body["cursor"]["next_link"]).query)


# -- the console's refusal to delete what nobody acknowledged -----------------------------


@pytest.mark.parametrize("method", ["DELETE", "POST"])
async def test_deleting_one_unacknowledged_incident_is_refused(client: httpx.AsyncClient, console: ConsoleState,
                                                               method: str):
    key = console.keys("unacknowledged")[0]
    response = await client.request(method, f"{API}/incident/delete", data={"incident": key}, headers=AUTH)
    assert (response.status_code, response.json()) == (400, error("Cannot delete an unacknowledged incident."))
    assert console.get(key) is not None and console.deleted_keys == []
    await client.post(f"{API}/incident/acknowledge", data={"incident": key}, headers=AUTH)
    response = await client.request(method, f"{API}/incident/delete", data={"incident": key}, headers=AUTH)
    assert response.json() == {"action": "deleted", "key": key, "result": "success"}


async def test_bulk_delete_still_takes_unacknowledged_ones_when_asked(client: httpx.AsyncClient,
                                                                      console: ConsoleState):
    unacknowledged = console.keys("unacknowledged")
    response = await client.request("DELETE", f"{API}/incidents/delete", headers=AUTH,
                                    data={"node_id": BIRD, "include_unacknowledged": "true"})
    assert set(unacknowledged) & set(response.json()["keys"])
    assert all(console.get(key) is None for key in response.json()["keys"])


# -- endpoints canarytools calls ---------------------------------------------------------


async def test_live_and_dead_devices(client: httpx.AsyncClient):
    every = (await client.get(f"{API}/devices/all", headers=AUTH)).json()
    live = (await client.get(f"{API}/devices/live", headers=AUTH)).json()
    dead = (await client.get(f"{API}/devices/dead", params={"tz": "Asia/Tokyo"}, headers=AUTH)).json()
    assert (live["feed"], dead["feed"]) == ("Live Devices", "Dead Devices")
    assert [d["id"] for d in live["devices"]] == [BIRD] and live["devices"][0]["live"] is True
    assert [d["id"] for d in dead["devices"]] == [OTHER_BIRD] and dead["devices"][0]["live"] is False
    assert dead["devices"][0]["last_seen_std"].endswith("JST+0900")
    assert live["devices"][0] == next(d for d in every["devices"] if d["id"] == BIRD)
    assert (dead["updated_timestamp"], dead["result"]) == (NOW - 3600, "success")  # the newest device listed


async def test_device_info_with_settings(client: httpx.AsyncClient):
    plain = (await client.get(f"{API}/device/info", params={"node_id": BIRD}, headers=AUTH)).json()["device"]
    assert "settings" not in plain
    for path, flag in (("device/info", "true"), ("device/getinfo", "True")):  # canarytools sends True
        device = (await client.get(f"{API}/{path}", params={"node_id": BIRD, "settings": flag},
                                   headers=AUTH)).json()["device"]
        assert {name: value for name, value in device.items() if name != "settings"} == plain
        settings = device["settings"]
        assert settings["device.name"] == "fs-nyc-01" and settings["ssh.enabled"] is True
        assert settings["ssh.port"] == 22 and settings["ftp.enabled"] is False
    fixed = (await client.get(f"{API}/device/info", headers=AUTH,
                              params={"node_id": BIRD, "settings": "true", "exclude_fixed_settings": "true"}
                              )).json()["device"]["settings"]
    assert "device.mac_address" in settings and "device.mac_address" not in fixed
    assert set(fixed) < set(settings)


async def test_the_sensors_of_a_flock(client: httpx.AsyncClient):
    body = (await client.get(f"{API}/flock/list", params={"flock_id": "flock:default"}, headers=AUTH)).json()
    assert body == {"result": "success", "sensors": [BIRD, AWS_TOKEN]}
    body = (await client.get(f"{API}/flock/list", params={"flock_id": FINANCE}, headers=AUTH)).json()
    assert body["sensors"] == [OTHER_BIRD]
    response = await client.get(f"{API}/flock/list", params={"flock_id": "flock:nope"}, headers=AUTH)
    assert (response.status_code, response.json()) == (404, error("Flock not found"))
    response = await client.get(f"{API}/flock/list", headers=AUTH)
    assert (response.status_code, response.json()) == (400, error("Parameter flock_id is required."))


async def test_a_device_with_services_from_the_generator_lists_them_in_settings():
    state = ConsoleState(clock=lambda: NOW)
    populate(state, 3, seed=1)
    async with client_for(create_app(state, TOKEN)) as client:
        for node_id, device in state.devices.items():
            settings = (await client.get(f"{API}/device/info", params={"node_id": node_id, "settings": "true"},
                                         headers=AUTH)).json()["device"]["settings"]
            assert sum(value is True for name, value in settings.items() if name.endswith(".enabled")) >= 2
            assert settings["device.name"] == device.name
