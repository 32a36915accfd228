"""Auth, parameters, fetch, actions and devices, through httpx.ASGITransport."""

from __future__ import annotations

import httpx
import pytest

from tui.emulator.canary.app import ErrorStatus, create_app
from tui.emulator.canary.state import ConsoleState

from .conftest import AUTH, BIRD, FINANCE, NOW, OTHER_BIRD, READ_ONLY_TOKEN, TOKEN, client_for

API = "/api/v1"


def error(message: str) -> dict:
    return {"message": message, "result": "error"}


# -- auth -------------------------------------------------------------------------


async def test_ping_with_the_header_the_query_or_the_form(client: httpx.AsyncClient):
    for header_name in ("X-Canary-Auth-Token", "x-canary-auth-token", "X-CANARY-AUTH-TOKEN"):
        response = await client.get(f"{API}/ping", headers={header_name: TOKEN})
        assert (response.status_code, response.json()) == (200, {"result": "success"})
    assert (await client.get(f"{API}/ping", params={"auth_token": TOKEN})).json() == {"result": "success"}
    assert (await client.post(f"{API}/ping", data={"auth_token": TOKEN})).status_code == 405
    response = await client.post(f"{API}/incident/acknowledge", data={"auth_token": TOKEN, "incident": "nope"})
    assert response.json() == error("Incident not found")  # authenticated by the form body


async def test_bad_credentials_get_the_documented_bodies(client: httpx.AsyncClient):
    cases = [
        ({"params": {"auth_token": "wrong"}}, "Invalid auth_token"),
        ({}, "Invalid auth_token"),
        ({"params": {"auth_token": ""}}, "Invalid auth_token"),
        ({"headers": {"X-Canary-Auth-Token": "wrong"}}, "Unauthorized"),
        # The header, when sent, is the credential, even next to a good parameter.
        ({"headers": {"X-Canary-Auth-Token": "wrong"}, "params": {"auth_token": TOKEN}}, "Unauthorized"),
    ]
    for request, message in cases:
        response = await client.get(f"{API}/incidents/all", **request)
        assert (response.status_code, response.json()) == (401, error(message))
        assert response.headers["content-type"] == "application/json"


async def test_a_read_only_token_reads_but_may_not_act(client: httpx.AsyncClient, console: ConsoleState):
    headers = {"X-Canary-Auth-Token": READ_ONLY_TOKEN}
    assert (await client.get(f"{API}/incidents/all", headers=headers)).status_code == 200
    key = console.keys("unacknowledged")[0]
    for method, path, data in [
        ("POST", "incident/acknowledge", {"incident": key}),
        ("DELETE", "incident/delete", {"incident": key}),
        ("POST", "incidents/acknowledge", {}),
        ("DELETE", "incidents/delete", {"include_unacknowledged": "true"}),
    ]:
        response = await client.request(method, f"{API}/{path}", data=data, headers=headers)
        assert (response.status_code, response.json()) == (403, error("API key is read-only"))
    assert not console.is_acknowledged(key) and len(console.keys()) == 5


async def test_error_statuses_are_configurable_or_always_200(console: ConsoleState):
    statuses = ErrorStatus(validation=422, auth=403, not_found=410)
    async with client_for(create_app(console, TOKEN, error_status=statuses)) as client:
        assert (await client.get(f"{API}/ping")).status_code == 403
        assert (await client.get(f"{API}/incident/fetch", headers=AUTH)).status_code == 422
        assert (await client.get(f"{API}/incident/fetch", params={"incident": "x"}, headers=AUTH)).status_code == 410
    async with client_for(create_app(console, TOKEN, always_200=True)) as client:
        response = await client.get(f"{API}/ping")
        assert (response.status_code, response.json()) == (200, error("Invalid auth_token"))


async def test_unknown_paths_and_methods_answer_json(client: httpx.AsyncClient):
    response = await client.get(f"{API}/incidents/archived", headers=AUTH)
    assert (response.status_code, response.json()["result"]) == (404, "error")
    response = await client.get(f"{API}/incident/acknowledge", headers=AUTH)
    assert response.status_code == 405 and response.headers["content-type"] == "application/json"


# -- parameters -------------------------------------------------------------------


async def test_query_and_form_parameters_merge_on_post_and_delete(client: httpx.AsyncClient, console: ConsoleState):
    first = console.keys("unacknowledged")[0]
    second = console.keys("acknowledged")[0]
    response = await client.post(f"{API}/incident/acknowledge", params={"incident": first},
                                 data={"auth_token": TOKEN})
    assert response.json() == {"action": "acknowledged", "key": first, "result": "success"}
    response = await client.request("DELETE", f"{API}/incident/delete", params={"auth_token": TOKEN},
                                    data={"incident": second})
    assert response.json() == {"action": "deleted", "key": second, "result": "success"}
    assert console.is_acknowledged(first) and console.get(second) is None


async def test_empty_parameters_are_absent_and_unknown_ones_ignored(client: httpx.AsyncClient):
    everything = (await client.get(f"{API}/incidents/all", headers=AUTH)).json()
    response = await client.get(f"{API}/incidents/all", headers=AUTH,
                                params={"node_id": "", "flock_id": "", "colour": "blue", "limit": ""})
    assert response.json() == everything


async def test_booleans_are_read_case_insensitively(client: httpx.AsyncClient, console: ConsoleState):
    key = console.keys("acknowledged")[0]
    for value in ("TRUE", "True", "true", "1"):
        fetched = await client.get(f"{API}/incident/fetch", headers=AUTH,
                                   params={"incident": key, "extended_details": value})
        assert "hash_id" in fetched.json()["incident"]
    for value in ("FALSE", "False", "0"):
        fetched = await client.get(f"{API}/incident/fetch", headers=AUTH,
                                   params={"incident": key, "extended_details": value})
        assert "hash_id" not in fetched.json()["incident"]
    response = await client.get(f"{API}/incident/fetch", headers=AUTH,
                                params={"incident": key, "extended_details": "maybe"})
    assert (response.status_code, response.json()) == (400, error("Parameter extended_details was invalid."))


# -- fetch ------------------------------------------------------------------------


async def test_fetch_by_key_or_hash_in_the_flat_form(client: httpx.AsyncClient, console: ConsoleState):
    record = console.get(console.keys()[0])
    by_key = (await client.get(f"{API}/incident/fetch", params={"incident": record.key}, headers=AUTH)).json()
    by_hash = (await client.get(f"{API}/incident/fetch", params={"hash_id": record.hash_id}, headers=AUTH)).json()
    assert by_key == by_hash and by_key["result"] == "success"
    incident = by_key["incident"]
    assert incident["id"] == record.key and incident["description"] == "SSH Login Attempt"
    assert (incident["acknowledged"], incident["events_count"], incident["dst_port"]) == ("False", "3", "22")
    assert incident["events"][0]["timestamp_std"] == "2023-11-14 20:50:00 UTC+0000"
    assert "hash_id" not in incident and "updated_id" not in incident  # as in the documented example

    extended = await client.get(f"{API}/incident/fetch", headers=AUTH,
                                params={"incident": record.key, "extended_details": "true", "tz": "Asia/Tokyo"})
    incident = extended.json()["incident"]
    assert (incident["hash_id"], incident["updated_id"]) == (record.hash_id, record.updated_id)
    assert incident["created_std"] == "2023-11-15 05:50:00 JST+0900"
    assert incident["flock_name"] == "Default Flock"


async def test_fetch_errors(client: httpx.AsyncClient, console: ConsoleState):
    deleted = console.keys()[0]
    console.delete(deleted)
    for params in ({"incident": "incident:nope"}, {"hash_id": "0" * 32}, {"incident": deleted}):
        response = await client.get(f"{API}/incident/fetch", params=params, headers=AUTH)
        assert (response.status_code, response.json()) == (404, error("Incident not found"))
    response = await client.get(f"{API}/incident/fetch", headers=AUTH)
    assert (response.status_code, response.json()) == (400, error("Either incident or hash_id is required."))
    response = await client.get(f"{API}/incident/fetch", params={"incident": console.keys()[0], "tz": "Nowhere"},
                                headers=AUTH)
    assert (response.status_code, response.json()) == (400, error("Invalid timezone"))


# -- single actions -----------------------------------------------------------------


async def test_acknowledge_and_unacknowledge_one(client: httpx.AsyncClient, console: ConsoleState):
    key = console.keys("unacknowledged")[0]
    before = console.max_updated_id
    response = await client.post(f"{API}/incident/acknowledge", data={"incident": key}, headers=AUTH)
    assert response.json() == {"action": "acknowledged", "key": key, "result": "success"}
    assert console.is_acknowledged(key) and console.get(key).updated_id == before + 1
    response = await client.post(f"{API}/incident/unacknowledge", data={"incident": key}, headers=AUTH)
    assert response.json() == {"action": "unacknowledged", "key": key, "result": "success"}
    assert not console.is_acknowledged(key) and console.get(key).updated_id == before + 2


async def test_delete_one_with_delete_or_post(client: httpx.AsyncClient, console: ConsoleState):
    first, second = console.keys()[:2]
    for key in (first, second):
        console.acknowledge(key)  # the console deletes acknowledged incidents only
    assert (await client.request("DELETE", f"{API}/incident/delete", params={"incident": first}, headers=AUTH)
            ).json()["action"] == "deleted"
    assert (await client.post(f"{API}/incident/delete", data={"incident": second}, headers=AUTH)
            ).json()["action"] == "deleted"
    assert console.deleted_keys == [first, second]
    response = await client.post(f"{API}/incident/delete", data={"incident": first}, headers=AUTH)
    assert (response.status_code, response.json()) == (404, error("Incident not found"))
    response = await client.post(f"{API}/incident/acknowledge", headers=AUTH)
    assert (response.status_code, response.json()) == (400, error("Parameter incident is required."))


# -- bulk actions -------------------------------------------------------------------


async def bulk(client: httpx.AsyncClient, method: str, action: str, **params: str) -> httpx.Response:
    return await client.request(method, f"{API}/incidents/{action}", data=params, headers=AUTH)


async def test_bulk_acknowledge_by_node_and_back(client: httpx.AsyncClient, console: ConsoleState):
    expected = [k for k in console.keys("unacknowledged") if console.get(k).text("node_id") == BIRD]
    response = await bulk(client, "POST", "acknowledge", node_id=BIRD)
    assert response.json() == {"action": "acknowledged", "keys": expected, "result": "success"}
    assert all(console.is_acknowledged(key) for key in expected)
    assert (await bulk(client, "POST", "acknowledge", node_id=BIRD)).json()["keys"] == []
    response = await bulk(client, "POST", "unacknowledge", src_host="1.1.1.1")
    assert response.json()["keys"] == [k for k in expected if ":1.1.1.1:" in k]


async def test_bulk_filters(client: httpx.AsyncClient, console: ConsoleState):
    async def acknowledged_by(**params: str) -> int:
        keys = (await bulk(client, "POST", "acknowledge", **params)).json()["keys"]
        for key in keys:
            console.unacknowledge(key)
        return len(keys)

    assert await acknowledged_by(flock_id=FINANCE) == 1
    assert await acknowledged_by(filter_logtypes="4002,2000") == 2
    assert await acknowledged_by(filter_str="BUILD-07") == 1  # the token's memo
    assert await acknowledged_by(filter_str="scanner.example") == 1  # reverse DNS
    assert await acknowledged_by(older_than="1h") == 1  # only the ssh one is over an hour old
    assert await acknowledged_by(older_than="0h") == 4
    assert await acknowledged_by(older_than="1d") == 0
    assert await acknowledged_by() == 4  # no filter acts on everything


async def test_bulk_validation(client: httpx.AsyncClient, console: ConsoleState):
    response = await bulk(client, "POST", "acknowledge", node_id=BIRD, src_host="1.1.1.1")
    assert (response.status_code, response.json()) == (400, error("Cannot use src_host and node_id together"))
    for period in ("1", "1m", "h", "-1d", "1.5h", "1 d"):
        response = await bulk(client, "DELETE", "delete", older_than=period)
        assert (response.status_code, response.json()) == (400, error("Parameter older_than was invalid."))
    assert console.deleted_keys == []


async def test_bulk_delete_takes_acknowledged_only_unless_asked(client: httpx.AsyncClient, console: ConsoleState):
    acknowledged = console.keys("acknowledged")
    response = await bulk(client, "DELETE", "delete", older_than="0h")
    assert response.json() == {"action": "deleted", "keys": acknowledged, "result": "success"}
    response = await bulk(client, "POST", "delete", node_id=BIRD, include_unacknowledged="False")
    assert response.json()["keys"] == []
    remaining = console.keys()
    response = await bulk(client, "POST", "delete", include_unacknowledged="True")
    assert response.json()["keys"] == remaining
    assert console.keys() == [] and len(console.deleted_keys) == 5


# -- devices and flocks ---------------------------------------------------------------


async def test_device_info_and_its_getinfo_alias(client: httpx.AsyncClient, console: ConsoleState):
    info = (await client.get(f"{API}/device/info", params={"node_id": BIRD}, headers=AUTH)).json()
    alias = (await client.get(f"{API}/device/getinfo", params={"node_id": BIRD}, headers=AUTH)).json()
    assert info == alias and info["result"] == "success"
    device = info["device"]
    assert (device["id"], device["node_id"], device["name"]) == (BIRD, BIRD, "fs-nyc-01")
    assert (device["live"], device["device_live"], device["ghost"]) == ("True", "True", "False")
    assert (device["last_heartbeat"], device["uptime"], device["uptime_age"]) == (str(NOW), "86400", "1 day")
    expected = [k for k in console.keys("unacknowledged") if console.get(k).text("node_id") == BIRD]
    assert device["unacknowledged_incidents"] == [{"key": key} for key in expected]

    dead = (await client.get(f"{API}/device/info", params={"node_id": OTHER_BIRD}, headers=AUTH)).json()["device"]
    assert (dead["live"], dead["last_heartbeat"], dead["flock_id"]) == ("False", str(NOW - 3600), FINANCE)


async def test_device_info_lists_a_birds_unacknowledged_incidents_as_they_change(client: httpx.AsyncClient,
                                                                                console: ConsoleState):
    async def listed() -> list[str]:
        info = (await client.get(f"{API}/device/info", params={"node_id": BIRD}, headers=AUTH)).json()
        return [item["key"] for item in info["device"]["unacknowledged_incidents"]]

    before = await listed()
    console.acknowledge(before[0])
    assert await listed() == before[1:]
    console.unacknowledge(before[0])
    new = console.add_incident(logtype=4002, node_id=BIRD, src_host="198.51.100.7")
    console.delete(before[1])
    assert sorted(await listed()) == sorted([before[0], *before[2:], new])


async def test_device_errors(client: httpx.AsyncClient):
    response = await client.get(f"{API}/device/info", params={"node_id": "ffffffffffffffff"}, headers=AUTH)
    assert (response.status_code, response.json()) == (404, error("Device not found"))
    response = await client.get(f"{API}/device/getinfo", headers=AUTH)
    assert (response.status_code, response.json()) == (400, error("Parameter node_id is required."))


async def test_all_devices_use_real_json_types(client: httpx.AsyncClient):
    body = (await client.get(f"{API}/devices/all", params={"tz": "Africa/Johannesburg"}, headers=AUTH)).json()
    assert (body["feed"], body["result"], body["updated_timestamp"]) == ("All Devices", "success", NOW)
    by_name = {device["name"]: device for device in body["devices"]}
    live, dead = by_name["fs-nyc-01"], by_name["sql-fin-01"]
    assert (live["live"], dead["live"], live["ignore_notifications"], live["outside_bird"]) == (True, False, False, False)
    assert live["uptime"] == 86400 and live["subnet"] == "10.0.0.0/24"
    assert live["last_seen_std"] == "2023-11-15 00:13:20 SAST+0200"


async def test_flocks_list(client: httpx.AsyncClient):
    body = (await client.get(f"{API}/flocks/list", headers=AUTH)).json()
    assert body == {"flocks": {"flock:default": "Default Flock", FINANCE: "Finance"}, "result": "success"}


@pytest.mark.parametrize("path", ["ping", "incidents/all", "incidents/search", "devices/all", "flocks/list"])
async def test_every_answer_is_json(client: httpx.AsyncClient, path: str):
    for headers in (AUTH, {}):
        response = await client.get(f"{API}/{path}", headers=headers)
        assert response.headers["content-type"] == "application/json"
        assert response.json()["result"] in ("success", "error")
