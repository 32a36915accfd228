"""Whatever a client sends, the emulator answers with the console's own JSON, never a 500 or a traceback.

Every endpoint is fuzzed with a list of hostile values, one parameter at a time,
and files that ``--load`` reads may hold values no console would send.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tui.emulator.canary import wire
from tui.emulator.canary.app import MAX_BODY_BYTES, create_app
from tui.emulator.server import EmulatorOptions, run_emulator

from .conftest import AUTH, BIRD, NOW, TOKEN, client_for, small_console
from .test_emulator_server import parse

API = "/api/v1"
NEW_BIRD = "00000000cccc0003"

FEED_PARAMS = ("node_id", "flock_id", "incidents_since", "newer_than", "older_than", "event_limit", "limit",
               "cursor", "shrink", "tz")
BULK_PARAMS = ("flock_id", "node_id", "src_host", "older_than", "filter_str", "filter_logtypes",
               "include_unacknowledged")
# (method, path, the parameters it reads); every one of them gets every hostile value.
ENDPOINTS = (
    ("GET", "ping", ("auth_token",)),
    ("GET", "incidents/all", FEED_PARAMS),
    ("GET", "incidents/acknowledged", FEED_PARAMS),
    ("GET", "incidents/unacknowledged", FEED_PARAMS),
    ("GET", "incidents/search", ("node_id", "flock_id", "filter_str", "filter_logtypes", "newer_than", "older_than",
                                 "filter_incident_state", "limit", "cursor")),
    ("GET", "incidents/history/source", ("src_ip", "flock_id")),
    ("GET", "incident/fetch", ("incident", "hash_id", "extended_details", "tz")),
    ("POST", "incident/acknowledge", ("incident",)),
    ("POST", "incident/unacknowledge", ("incident",)),
    ("DELETE", "incident/delete", ("incident",)),
    ("POST", "incidents/acknowledge", BULK_PARAMS),
    ("POST", "incidents/unacknowledge", BULK_PARAMS),
    ("DELETE", "incidents/delete", BULK_PARAMS),
    ("GET", "device/info", ("node_id", "settings", "exclude_fixed_settings")),
    ("GET", "device/getinfo", ("node_id", "settings")),
    ("GET", "devices/all", ("tz",)),
    ("GET", "devices/live", ("tz",)),
    ("GET", "devices/dead", ("tz",)),
    ("GET", "flocks/list", ("email",)),
    ("GET", "flock/list", ("flock_id",)),
)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


# Values as bytes go on the wire exactly (percent-encoded), so invalid UTF-8 and lone surrogates arrive too.
HOSTILE_VALUES: dict[str, str | bytes] = {
    "empty": "",
    "space": " ",
    "whitespace": " \t\r\n ",
    "negative": "-1",
    "minus-zero": "-0",
    "plus": "+5",
    "zero": "0",
    "superscript-two": "²",
    "circled-one": "①",
    "arabic-indic": "٣٤",
    "fullwidth": "１２",
    "roman-numeral": "Ⅻ",
    "float": "1.5",
    "exponent": "1e3",
    "hex": "0x10",
    "nan": "NaN",
    "infinity": "Infinity",
    "twenty-digits": "9" * 20,
    "4301-digits": "1" * 4301,
    "5000-digit-period": "9" * 5000 + "h",
    "unicode-period": "٣h",
    "period-newline": "1h\n",
    "nul": "\x00",
    "embedded-nul": "1\x00",
    "bidi": "\u202eevil",
    "emoji": "🐦‍⬛",
    "lone-surrogate": "\ud800".encode("utf-8", "surrogatepass"),
    "invalid-utf8": b"\xff\xfe\xc3",
    "long": "x" * 20_000,
    "json-bomb": "[" * 5_000,
    "bad-time": "2023-13-45-99:99:99",
    "year-zero": "0000-01-01-00:00:00",
    "year-one": "0001-01-01-00:00:00",
    "year-9999": "9999-12-31-23:59:59",
    "arabic-time": "٢٠٢٣-٠١-٠١-٠٠:٠٠:٠٠",
    "path-traversal": "../../../../etc/passwd",
    "absolute-path": "/etc/localtime",
    "zone-directory": "America",
    "zone-nul": "UTC\x00",
    "deep-cursor": _b64(b"[" * 5_000 + b"]" * 5_000),
    "huge-int-cursor": _b64(('["all",{},' + "9" * 5000 + ",[],false,1]").encode()),
    "base64-garbage": _b64(b"\xff\x00garbage"),
    "not-base64": "!!!",
    "markup": "<script>alert(1)</script>",
    "sql": "'; DROP TABLE incidents;--",
    "format": "%s%n%x{0}",
    "commas": ",,,",
}


def _encoded(name: str, value: str | bytes) -> str:
    raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
    return f"{name}={quote(raw, safe='')}"


async def _send(client: httpx.AsyncClient, method: str, path: str, name: str, value: str | bytes) -> httpx.Response:
    """One parameter set to ``value``, in the query for GET and in a form body otherwise."""
    pair = _encoded(name, value)
    if method == "GET":
        return await client.request(method, f"{API}/{path}?{pair}", headers=AUTH)
    form = {**AUTH, "content-type": "application/x-www-form-urlencoded"}
    return await client.request(method, f"{API}/{path}", content=pair.encode("ascii"), headers=form)


def assert_console_json(response: httpx.Response) -> dict[str, Any]:
    """The console's envelope: JSON, a result, and on error a message; never a 500."""
    assert response.status_code != 500, response.text[:500]
    assert response.headers["content-type"] == "application/json"
    body = json.loads(response.content, parse_constant=_no_constants)
    assert isinstance(body, dict) and body.get("result") in ("success", "error"), response.text[:500]
    if response.status_code >= 400:
        assert body["result"] == "error" and isinstance(body["message"], str) and body["message"]
    return body


def _no_constants(name: str) -> None:
    raise AssertionError(f"the body holds {name}, which is not JSON")


@pytest.mark.parametrize(("method", "path", "names"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ENDPOINTS])
async def test_no_hostile_parameter_value_gets_a_500(method: str, path: str, names: tuple[str, ...]):
    failures = []
    async with client_for(create_app(small_console(), TOKEN)) as client:
        for value_name, value in HOSTILE_VALUES.items():
            for name in names:
                response = await _send(client, method, path, name, value)
                try:
                    assert_console_json(response)
                except AssertionError as failure:
                    failures.append(f"{name}={value_name}: HTTP {response.status_code} {str(failure)[:200]}")
    assert not failures, "\n".join(failures)


async def test_hostile_credentials_get_the_documented_errors():
    async with client_for(create_app(small_console(), TOKEN)) as client:
        for value_name, value in HOSTILE_VALUES.items():
            response = await client.get(f"{API}/ping?{_encoded('auth_token', value)}")
            body = assert_console_json(response)
            assert (response.status_code, body["message"]) == (401, "Invalid auth_token"), value_name
        # Header values as bytes: httpx sends them as they are (the server reads them as Latin-1).
        for header in (b"\xc3\xa9", b"\xff\xfe", b"x" * 20_000, TOKEN.encode() + b"!", TOKEN.upper().encode()):
            response = await client.get(f"{API}/ping", headers={"X-Canary-Auth-Token": header})
            body = assert_console_json(response)
            assert (response.status_code, body["message"]) == (401, "Unauthorized"), header[:20]


@pytest.mark.parametrize("value", ["²", "①", "٣", "１"], ids=["superscript", "circled", "arabic-indic", "fullwidth"])
async def test_digits_that_are_not_ascii_are_invalid_parameters(value: str):
    # str.isdigit() says yes to all of these; int() refuses the first two and reads the others.
    async with client_for(create_app(small_console(), TOKEN)) as client:
        for name in ("limit", "incidents_since", "event_limit"):
            response = await client.get(f"{API}/incidents/all", params={name: value}, headers=AUTH)
            assert (response.status_code, response.json()) == (
                400, {"message": f"Parameter {name} was invalid.", "result": "error"})
        response = await client.get(f"{API}/incidents/search", params={"filter_logtypes": f"4002,{value}"},
                                    headers=AUTH)
        assert response.json()["message"] == "Parameter filter_logtypes was invalid."
        response = await client.post(f"{API}/incidents/acknowledge", data={"older_than": f"{value}h"}, headers=AUTH)
        assert response.json()["message"] == "Parameter older_than was invalid."


async def test_a_cursor_of_deeply_nested_json_is_an_invalid_cursor():
    async with client_for(create_app(small_console(), TOKEN)) as client:
        for cursor in (HOSTILE_VALUES["deep-cursor"], HOSTILE_VALUES["huge-int-cursor"]):
            response = await client.get(f"{API}/incidents/all", params={"cursor": cursor}, headers=AUTH)
            assert (response.status_code, response.json()) == (400, {"message": "Invalid cursor", "result": "error"})


async def test_raw_bytes_in_the_query_and_an_odd_host_header():
    """What no HTTP client library sends, but a socket can: the ASGI scope as uvicorn would pass it."""
    app = create_app(small_console(), TOKEN)
    # Paginated, so that links are built from the query and the host; an unknown parameter is ignored.
    for query, host in ((b"limit=1&colour=\xff\xfe", b"console.test"), (b"limit=1", b"["), (b"limit=1", b"a b"),
                        (b"limit=1&tz=\xc3", b"[::1"), (b"limit=1\xff=\xff", b""), (b"limit=1&\xc3=x", b"")):
        messages: list[dict] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            messages.append(message)

        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": f"{API}/incidents/all", "raw_path": f"{API}/incidents/all".encode(), "query_string": query,
            "root_path": "", "headers": [(b"host", host), (b"x-canary-auth-token", TOKEN.encode())],
            "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8400),
        }
        await app(scope, receive, send)
        status = messages[0]["status"]
        body = json.loads(b"".join(m.get("body", b"") for m in messages[1:]))
        assert status != 500 and body["result"] in ("success", "error"), (query, host, body)


# -- the catch-all and the body limit -----------------------------------------------


async def test_a_bug_still_gets_the_consoles_error_json(monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture):
    def broken(*args: Any, **kwargs: Any) -> dict:
        raise RuntimeError("a bug in the emulator")

    monkeypatch.setattr(wire, "feed_response", broken)
    async with client_for(create_app(small_console(), TOKEN)) as client:
        response = await client.get(f"{API}/incidents/all", headers=AUTH)
    assert response.status_code == 500 and response.headers["content-type"] == "application/json"
    assert response.json() == {"message": "Internal server error", "result": "error"}
    assert "Traceback" not in response.text and response.text.endswith("\n")
    assert "a bug in the emulator" in caplog.text  # the operator sees it, the client does not


async def test_a_bug_outside_every_endpoint_gets_the_consoles_error_json(monkeypatch: pytest.MonkeyPatch):
    app = create_app(small_console(), TOKEN)

    async def broken_router(scope, receive, send) -> None:
        raise RuntimeError("a bug in routing")

    monkeypatch.setattr(app, "router", broken_router)
    app.middleware_stack = None  # rebuilt on the next request, around the broken router
    async with client_for(app) as client:
        response = await client.get(f"{API}/ping", headers=AUTH)
    assert (response.status_code, response.json()) == (500, {"message": "Internal server error", "result": "error"})


async def test_request_bodies_over_the_limit_get_a_413():
    console = small_console()
    key = console.keys("unacknowledged")[0]
    big = {"incident": key, "padding": "x" * MAX_BODY_BYTES}
    async with client_for(create_app(console, TOKEN)) as client:
        response = await client.post(f"{API}/incident/acknowledge", data=big, headers=AUTH)
        assert (response.status_code, response.json()) == (
            413, {"message": f"Request body is larger than {MAX_BODY_BYTES} bytes.", "result": "error"})

        async def streamed():  # no Content-Length: counted as it arrives
            for _ in range(MAX_BODY_BYTES // 65536 + 2):
                yield b"padding=" + b"x" * 65536 + b"&"

        response = await client.post(f"{API}/incident/acknowledge", content=streamed(),
                                     headers={**AUTH, "content-type": "application/x-www-form-urlencoded"})
        assert response.status_code == 413 and response.json()["result"] == "error"
        assert not console.is_acknowledged(key)
        response = await client.post(f"{API}/incident/acknowledge", data={"incident": key}, headers=AUTH)
        assert response.json()["result"] == "success"  # a body under the limit is fine


# -- files --load reads -------------------------------------------------------------


def _hostile_feed() -> str:
    """A saved feed holding what Python's json writes but no console sends, and times out of every range."""
    def incident(key: str, created: Any, **more: Any) -> dict:
        events = more.pop("events", [{"USERNAME": "root", "timestamp": created}])
        return {"id": key, "summary": "SSH Login Attempt", "updated_id": more.pop("updated_id", None),
                "updated_time": more.pop("updated_time", created),
                "description": {"description": "SSH Login Attempt", "logtype": "4002", "node_id": BIRD,
                                "src_host": "6.6.6.6", "created": created, "acknowledged": "False",
                                "events": events, **more}}

    nested: Any = "bottom"
    for _ in range(500):
        nested = {"deeper": nested}
    items = [
        incident("incident:nan", float("nan"), dst_port=float("nan")),
        incident("incident:inf", float("inf"), updated_time=float("-inf")),
        incident("incident:year0", "-62167219200"),
        incident("incident:1e20", 1e20),
        incident("incident:1e20-text", "100000000000000000000"),
        incident("incident:year-max", str(253402300799), updated_time=253402300799),  # 9999-12-31 23:59:59 UTC
        incident("incident:huge-int", 10**400, updated_id=-3),
        incident("incident:nested", NOW, events=[{"timestamp": NOW, "blob": nested}]),
        incident("incident:odd-events", NOW, events=[{"timestamp": float("nan")}, {"timestamp": 10**30}, 7, None]),
        # The first incident of a bird nobody knew: the bird's times come from it.
        incident("incident:new-bird", -(10**400), node_id=NEW_BIRD, updated_time=-(10**400)),
    ]
    return json.dumps({"feed": "All Incidents", "incidents": items, "result": "success"})


@pytest.mark.parametrize("tz", ["UTC", "Asia/Tokyo", "America/Los_Angeles"])
async def test_a_loaded_file_with_nan_and_out_of_range_times_is_served(tmp_path: Path, tz: str):
    saved = tmp_path / "hostile.json"
    saved.write_text(_hostile_feed())
    app = EmulatorOptions(token=TOKEN, backlog=0, load=saved).build_app(clock=lambda: NOW)
    keys = app.state.console.keys()
    assert len(keys) == 10
    async with client_for(app) as client:
        for path, params in [
            ("incidents/all", {"tz": tz}),
            ("incidents/all", {"tz": tz, "limit": 2}),
            ("incidents/unacknowledged", {"tz": tz, "newer_than": "2000-01-01-00:00:00"}),
            ("incidents/search", {}),
            ("incidents/history/source", {"src_ip": "6.6.6.6"}),
            ("device/info", {"node_id": BIRD, "settings": "true"}),
            ("device/info", {"node_id": NEW_BIRD}),
            ("devices/all", {"tz": tz}),
            *[("incident/fetch", {"incident": key, "tz": tz, "extended_details": "true"}) for key in keys],
        ]:
            response = await client.get(f"{API}/{path}", params=params, headers=AUTH)
            assert response.status_code == 200, (path, params, response.text[:300])
            assert_console_json(response)
        feed = (await client.get(f"{API}/incidents/all", params={"tz": tz}, headers=AUTH)).json()
    by_key = {item["id"]: item for item in feed["incidents"]}
    assert by_key["incident:year-max"]["description"]["created"] == "253402300799"  # kept as sent
    # What cannot be shown in a zone is clamped to the representable range, in the documented format.
    for item in feed["incidents"]:
        assert len(item["description"]["created_std"].split()) == 3, item["description"]["created_std"]
    cut = by_key["incident:nested"]["description"]["events"][0]["blob"]
    depth = 0
    while isinstance(cut, dict):
        cut, depth = cut["deeper"], depth + 1
    assert isinstance(cut, str) and depth < 100  # cut, and the cut is marked


def test_roost_emulator_load_of_an_unreadable_feed_says_so_in_one_line(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]):
    for name, text in [("deep.json", "[" * 100_000 + "]" * 100_000), ("huge-int.json", "[" + "9" * 5000 + "]"),
                       ("not-json.json", "{"), ("binary.json", "\udcff")]:
        saved = tmp_path / name
        saved.write_bytes(text.encode("utf-8", "surrogateescape"))
        assert run_emulator(parse("--port", "0", "--rate", "0", "--load", str(saved))) == 1
        out, err = capsys.readouterr()
        assert err.startswith("roost emulator: ") and name in err and err.count("\n") == 1, err
        assert "Traceback" not in err


async def test_every_loaded_value_is_served_as_json_whatever_python_object_it_was():
    console = small_console()
    console.load_feed([{"id": "incident:python", "description": {
        "logtype": 4002, "node_id": BIRD, "created": NOW, "events": [{"timestamp": NOW, "when": {1, 2},
                                                                      "raw": b"\x00\xff", 3: "int key"}]}}])
    async with client_for(create_app(console, TOKEN)) as client:
        response = await client.get(f"{API}/incident/fetch", params={"incident": "incident:python"}, headers=AUTH)
    event = assert_console_json(response)["incident"]["events"][0]
    assert event["3"] == "int key" and isinstance(event["when"], str) and isinstance(event["raw"], str)

