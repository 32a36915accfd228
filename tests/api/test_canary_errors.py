"""Each failure becomes one typed error with one actionable line, and no error,
message or traceback ever shows the token."""

from __future__ import annotations

import traceback
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any, Awaitable

import httpx
import pytest
from rich.traceback import Traceback

from canary_fakes import TOKEN, RecordingConsole, doc_json, doc_text
from tui.backends.canary.client import CanaryClient
from tui.backends.errors import (
    ApiError,
    AuthError,
    ConnectionFailed,
    ConsoleTimeout,
    InvalidParameter,
    NotFound,
    PermissionDenied,
    ProtocolError,
    RateLimited,
    ServerError,
)


def error_json(message: str) -> dict[str, str]:
    return {"message": message, "result": "error"}


def answer(status: int, **kwargs: Any):
    """A reply built per request: httpx responses are not reusable across tests."""
    return lambda request: httpx.Response(status, **kwargs)


def raising(error_class: type[httpx.RequestError], message: str):
    def fail(request: httpx.Request) -> httpx.Response:
        raise error_class(message, request=request)

    return fail


# (reply to GET /api/v1/incidents/all, error class, transient, words the message must hold)
SCENARIOS = [
    pytest.param(error_json("Invalid auth_token"), AuthError, False,
                 "The console rejected the API token (Invalid auth_token). Check the token", id="bad-token-on-200"),
    pytest.param(answer(401, json=error_json("Unauthorized")), AuthError, False, "(Unauthorized)", id="bad-header-401"),
    pytest.param(answer(403, json=error_json("Invalid auth_token")), AuthError, False, "API token", id="bad-token-403"),
    pytest.param(answer(401, text=""), AuthError, False, "(HTTP 401)", id="401-without-body"),
    pytest.param(error_json("Incident not found"), NotFound, False, "Incident not found", id="incident-not-found"),
    pytest.param(answer(404, json=error_json("Device not found")), NotFound, False, "Device not found",
                 id="device-not-found-404"),
    pytest.param(answer(400, json=error_json("Parameter older_than was invalid.")), InvalidParameter, False,
                 "Parameter older_than was invalid.", id="bad-period-400"),
    pytest.param(error_json("Cannot use src_host and node_id together"), InvalidParameter, False,
                 "Cannot use src_host and node_id together", id="node-and-source-on-200"),
    pytest.param(error_json("Invalid cursor"), InvalidParameter, False, "Invalid cursor", id="bad-cursor"),
    pytest.param(answer(403, json=error_json("API key is read-only")), PermissionDenied, False,
                 "API key is read-only", id="read-only-403"),
    pytest.param(error_json("API key is read-only"), PermissionDenied, False, "analyst or admin key",
                 id="read-only-on-200"),
    pytest.param(answer(403, json=error_json("Nope")), PermissionDenied, False, "(Nope)", id="403-other-message"),
    pytest.param(answer(403, text="<html>Forbidden</html>"), PermissionDenied, False, "HTTP 403", id="403-html"),
    pytest.param(answer(429, headers={"Retry-After": "30"}, text="slow down"), RateLimited, True, "wait 30 s",
                 id="rate-limited"),
    pytest.param(answer(500, json=error_json("Database on fire")), ServerError, True, "HTTP 500: Database on fire",
                 id="500-json"),
    pytest.param(answer(502, text="<html><h1>502 Bad Gateway</h1></html>"), ServerError, True, "HTTP 502",
                 id="non-json-502"),
    pytest.param(answer(503), ServerError, True, "HTTP 503", id="503-empty"),
    pytest.param(error_json("Something odd happened"), ServerError, True, "Something odd happened",
                 id="unknown-message-on-200"),
    pytest.param({"result": "error"}, ServerError, True, "no message", id="error-without-message"),
    pytest.param(answer(200, text="<html>Welcome</html>"), ProtocolError, True, "not a JSON object",
                 id="html-on-200"),
    pytest.param(answer(200, text='{"feed": "All Incidents", "incidents": [{"id": "inc'), ProtocolError, True,
                 "not a JSON object", id="truncated-json"),
    pytest.param(answer(200, json=[]), ProtocolError, True, "not a JSON object", id="json-list"),
    pytest.param({"incidents": []}, ProtocolError, True, '"result": "success"', id="missing-result"),
    pytest.param({"incidents": {"a": 1}, "result": "success"}, ProtocolError, True, "incidents is not a list",
                 id="incidents-not-a-list"),
    pytest.param(answer(404, text="<html>Not Found</html>"), ProtocolError, True, "check the console URL",
                 id="404-html"),
    pytest.param(answer(301, headers={"Location": "https://elsewhere.example/"}), ProtocolError, True,
                 "check the console URL", id="redirect"),
    pytest.param(httpx.ConnectTimeout, ConsoleTimeout, True, "Timed out connecting", id="connect-timeout"),
    pytest.param(httpx.ReadTimeout, ConsoleTimeout, True, "Timed out waiting for the answer", id="read-timeout"),
    pytest.param(httpx.ConnectError, ConnectionFailed, True, "Could not connect to console.test",
                 id="connection-refused"),
    pytest.param(httpx.RemoteProtocolError, ConnectionFailed, True, "connection to console.test failed",
                 id="dropped-connection"),
    pytest.param(httpx.ReadError, ConnectionFailed, True, "connection to console.test failed", id="read-error"),
]

# Consoles and proxies that echo the token back, in messages, bodies and links.
HOSTILE = [
    pytest.param(error_json(f"Invalid auth_token {TOKEN}"), id="token-in-auth-message"),
    pytest.param(answer(403, json=error_json(f"key {TOKEN} is read-only")), id="token-in-403-message"),
    pytest.param(error_json(f"weird {TOKEN}"), id="token-in-unknown-message"),
    pytest.param(answer(500, text=f"X-Canary-Auth-Token: {TOKEN}"), id="token-in-500-body"),
    pytest.param(answer(200, text=f"<pre>X-Canary-Auth-Token: {TOKEN}</pre>"), id="token-in-html"),
    pytest.param(
        {"cursor": {"next": "x", "next_link": f"https://x.canary.tools/?auth_token={TOKEN}"}, "incidents": {},
         "result": "success"},
        id="token-in-next-link-of-a-bad-page",
    ),
    pytest.param(raising(httpx.ConnectError, f"proxy refused X-Canary-Auth-Token: {TOKEN}"), id="token-in-httpx-error"),
]


async def raised_by(call: Awaitable[Any]) -> ApiError:
    """The error a call raised; its traceback starts here, not in a frame holding test data."""
    try:
        await call
    except ApiError as error:
        return error
    raise AssertionError("no error raised")


@pytest.mark.parametrize(("reply", "error_class", "transient", "words"), SCENARIOS)
async def test_error_mapping(console, client, reply, error_class: type[ApiError], transient: bool, words: str) -> None:
    console.reply(reply)
    error = await raised_by(client.feed("all", limit=10))

    assert type(error) is error_class
    assert error.transient is transient
    assert words in str(error)
    assert "\n" not in str(error)
    assert error.endpoint == "/api/v1/incidents/all"
    assert "limit=10" not in str(error)


@pytest.mark.parametrize("reply", [pytest.param(case.values[0], id=case.id) for case in SCENARIOS] + HOSTILE)
async def test_the_token_never_shows_in_errors_or_tracebacks(console, client, reply) -> None:
    console.reply(reply)
    error = await raised_by(client.feed("all"))

    # No chain back to httpx's exception, whose request holds the token header.
    assert error.__context__ is None and error.__cause__ is None
    printed = "".join(traceback.format_exception(error))
    for text in (str(error), repr(error), repr(vars(error)), printed, *rich_crash_report_locals(error)):
        assert TOKEN not in text


def rich_crash_report_locals(error: BaseException) -> list[str]:
    """What Textual's crash report prints of each frame's locals (Rich, show_locals), untruncated."""
    trace = Traceback.extract(
        type(error), error, error.__traceback__, show_locals=True, locals_max_length=1000, locals_max_string=10_000
    )
    return [node.render() for stack in trace.stacks for frame in stack.frames for node in (frame.locals or {}).values()]


async def test_a_token_echoed_in_a_message_is_redacted(console: RecordingConsole, client: CanaryClient) -> None:
    console.reply(error_json(f"Invalid auth_token {TOKEN}"))
    error = await raised_by(client.ping())
    assert "Invalid auth_token ********" in str(error)


async def test_hostile_console_messages_are_one_short_plain_line(console, client) -> None:
    console.reply(error_json("\x1b[31mInvalid\x1b[0m \u202eparameter\r\nX" + "y" * 500))
    error = await raised_by(client.ping())

    assert isinstance(error, InvalidParameter)
    assert str(error).startswith(r"\x1b[31mInvalid\x1b[0m \u202eparameter\x0d\x0aXyyy")
    assert len(str(error)) <= 120
    assert str(error).isprintable()


@pytest.mark.parametrize(
    ("retry_after", "low", "high"),
    [
        ("120", 120, 120),
        ("in 120 s", 100, 120),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0, 0),
    ],
)
async def test_retry_after_in_seconds_or_as_an_http_date(console, client, retry_after: str, low, high) -> None:
    if retry_after == "in 120 s":  # an HTTP date two minutes ahead of when the test runs, not of collection
        retry_after = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=120), usegmt=True)
    console.reply(answer(429, headers={"Retry-After": retry_after}))
    error = await raised_by(client.ping())
    assert isinstance(error, RateLimited)
    assert low <= error.retry_after <= high


@pytest.mark.parametrize("retry_after", [None, "soon", "²".encode()])
async def test_missing_or_unreadable_retry_after(console, client, retry_after: str | bytes | None) -> None:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    console.reply(answer(429, headers=headers))
    error = await raised_by(client.ping())
    assert isinstance(error, RateLimited)
    assert error.retry_after is None
    assert "wait a moment" in str(error)


async def test_the_published_fetch_example_is_not_valid_json(console, client) -> None:
    console.reply(answer(200, text=doc_text("incident_fetch.json")))
    assert isinstance(await raised_by(client.fetch("<incident_key>")), ProtocolError)


@pytest.mark.parametrize(
    ("reply", "call"),
    [
        ({"result": "success"}, lambda client: client.fetch("<incident_key>")),
        ({"result": "success", "incident": "gone"}, lambda client: client.fetch("<incident_key>")),
        ({"result": "success", "device": None}, lambda client: client.device_info("<node_id>")),
        ({"result": "success", "flocks": ["flock:default"]}, lambda client: client.flocks()),
        ({"result": "success", "incidents": "none"}, lambda client: client.history_for_source("10.0.0.1")),
        ({"action": "deleted", "keys": "all", "result": "success"}, lambda client: client.delete_many(older_than="1w")),
        ({**doc_json("search.json"), "cursor": {"next": 38}}, lambda client: client.search()),
    ],
)
async def test_wrong_shapes_are_protocol_errors(console, client, reply: dict, call) -> None:
    console.reply(reply)
    error = await raised_by(call(client))
    assert isinstance(error, ProtocolError)
    assert "not the documented shape" in str(error)
