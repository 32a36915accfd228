"""Each Log360 failure becomes one typed error with one line a person can act on; rate limits
are honoured; nothing the server sends is unbounded; the token is never shown anywhere."""

from __future__ import annotations

import asyncio
import gc
import json
import traceback
from typing import Any, AsyncIterator

import httpx
import pytest

from log360_fakes import (
    LEGACY_ERROR, SEED_BAD_REQUEST, SEED_LIST, SEED_UNAUTHORIZED, TOKEN, RecordingServer, answer, emulator_client,
    sample_state,
)
from tui.backends.errors import (
    ApiError, AuthError, ConnectionFailed, ConsoleTimeout, DeadlineExceeded, InvalidParameter, NotFound,
    PermissionDenied, ProtocolError, RateLimited, ResponseTooLarge, ServerError,
)
from tui.backends.log360.client import Log360Client, MissingScope
from tui.backends.log360.pacer import Pacer
from tui.secret import MASK


def wrapped(code: str, title: str, detail: str) -> dict[str, Any]:
    return {"error": {"code": code, "title": title, "detail": detail}}


def flat(code: str, title: str, detail: str) -> dict[str, Any]:
    return {"code": code, "title": title, "detail": detail}


def raising(error_class: type[httpx.RequestError], message: str):
    def fail(request: httpx.Request) -> httpx.Response:
        raise error_class(message, request=request)

    return fail


# (reply to GET /api/v2/incident, error class, words the message must hold)
SCENARIOS = [
    pytest.param(answer(401, text=SEED_UNAUTHORIZED), AuthError,
                 "The server rejected the API token (Invalid or missing AuthToken.", id="seed-flat-401"),
    pytest.param(SEED_UNAUTHORIZED, AuthError, "create a new AuthToken under Settings > Admin Settings",
                 id="seed-flat-on-200"),
    pytest.param(answer(401, text=""), AuthError, "(HTTP 401)", id="401-no-body"),
    pytest.param(answer(400, text=SEED_BAD_REQUEST), InvalidParameter,
                 "The server refused GET /api/v2/incident: Something went wrong.", id="seed-wrapped-400"),
    pytest.param(SEED_BAD_REQUEST, InvalidParameter, "Something went wrong.", id="seed-wrapped-on-200"),
    pytest.param(answer(200, text=LEGACY_ERROR), AuthError, "(Invalid API key)", id="legacy-error-description"),
    pytest.param(answer(400, json={"ERROR_CODE": "1", "ERROR_DESCRIPTION": "Parameter limit must be at most 100."}),
                 InvalidParameter, "Parameter limit must be at most 100.", id="legacy-bad-request"),
    pytest.param(answer(403, json=flat("07001403", "Forbidden", "The AuthToken does not have the scope incident.READ.")),
                 MissingScope, "lacks the incident.READ scope", id="scope-403"),
    pytest.param(flat("07001403", "Forbidden", "no"), MissingScope, "incident.READ", id="scope-by-title-on-200"),
    pytest.param(answer(403, text="<html>Forbidden</html>"), MissingScope, "(HTTP 403)", id="403-html"),
    pytest.param(answer(404, json=wrapped("07001404", "Not Found", "No incident with id 5.")), NotFound,
                 "Not found (No incident with id 5.)", id="not-found-404"),
    pytest.param(answer(400, json=wrapped("07001400", "Not Found", "No incident with id 5.")), NotFound,
                 "refresh", id="not-found-as-400"),
    pytest.param(answer(500, json=wrapped("07001500", "Internal Server Error", "Internal server error.")),
                 ServerError, "The server failed on GET /api/v2/incident (Internal server error.); try again",
                 id="500-wrapped"),
    pytest.param(answer(502, text="<html><body>Bad gateway</body></html>"), ServerError, "(HTTP 502)",
                 id="502-html"),
    pytest.param(answer(200, text="<html>login page</html>"), ProtocolError, "not a JSON object; check the server URL",
                 id="html-on-200"),
    pytest.param({"result": "ok"}, ProtocolError, 'has no "data"', id="json-without-data"),
    pytest.param(answer(200, text='{"data": [1, 2'), ProtocolError, "not a JSON object", id="cut-off-json"),
    pytest.param(answer(200, json=[1, 2, 3]), ProtocolError, "not a JSON object", id="json-list"),
    pytest.param({"data": {"not": "a list"}}, ProtocolError, "not the documented shape (data is not a list)",
                 id="data-not-a-list"),
    pytest.param(answer(418, text="teapot"), ProtocolError, "HTTP 418", id="418"),
    pytest.param(raising(httpx.ConnectError, "[Errno 111] Connection refused"), ConnectionFailed,
                 "Could not connect to log360.test ([Errno 111] Connection refused)", id="refused"),
    pytest.param(raising(httpx.ConnectError, "[SSL: WRONG_VERSION_NUMBER] wrong version number"), ConnectionFailed,
                 "is it https or plain http?", id="tls-mismatch"),
    pytest.param(raising(httpx.ReadTimeout, "timed out"), ConsoleTimeout, "Timed out waiting for the answer",
                 id="read-timeout"),
    pytest.param(raising(httpx.RemoteProtocolError, "peer closed"), ConnectionFailed, "failed during GET",
                 id="dropped"),
]


@pytest.mark.parametrize(("reply", "error_class", "words"), SCENARIOS)
async def test_failures_become_typed_errors_with_one_line(server: RecordingServer, log360: Log360Client, reply,
                                                          error_class, words: str):
    server.reply(reply)
    with pytest.raises(error_class) as failed:
        await log360.list_incidents()
    message = str(failed.value)
    assert words in message
    assert "\n" not in message and TOKEN not in message
    assert failed.value.__context__ is None and failed.value.__cause__ is None  # httpx's request stays behind
    if failed.value.status is not None:
        assert failed.value.endpoint == "/api/v2/incident"


async def test_a_rate_limit_answer_holds_back_and_tries_again(server: RecordingServer):
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    pacer = Pacer(sleep=sleep, clock=lambda: 0.0 if not slept else sum(slept))
    server.reply(answer(429, json=wrapped("07001429", "Too Many Requests", "API call limit exceeded."),
                        headers={"Retry-After": "17"}), SEED_LIST)
    async with server.client(pacer=pacer) as client:
        page = await client.list_incidents()
    assert page.incidents and len(server.sent) == 2
    assert slept == [17.0]


@pytest.mark.parametrize("reply", [
    answer(400, json=wrapped("07001110", "Bad Request", "API call limit exceeded: 60 requests per minute")),
    answer(200, json={"ERROR_CODE": "x", "ERROR_DESCRIPTION": "Rate limit reached, try later"}),
    answer(429, text="slow down"),
])
async def test_a_limit_message_in_any_shape_is_a_rate_limit(server: RecordingServer, reply):
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    server.reply(reply, reply, reply)
    async with server.client(pacer=Pacer(sleep=sleep, clock=lambda: now[0])) as client:
        with pytest.raises(RateLimited) as failed:
            await client.delete_incidents(["3000000000001"])
    assert len(server.sent) == 3  # refused before acting, so even a delete is tried again
    assert "Roost waits" in str(failed.value) and not failed.value.may_have_acted


async def test_other_write_failures_are_never_repeated(server: RecordingServer):
    server.reply(answer(503, text="down"))
    async with server.client(read_attempts=3) as client:
        with pytest.raises(ServerError) as failed:
            await client.update_incident("1", name="n", status="closed")
    assert len(server.sent) == 1 and failed.value.may_have_acted


async def test_reads_are_retried_when_asked(server: RecordingServer):
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    server.reply(answer(503, text="down"), httpx.ConnectError, SEED_LIST)
    async with server.client(read_attempts=3, sleep=sleep) as client:
        page = await client.list_incidents()
    assert page.incidents and len(server.sent) == 3 and len(waits) == 2


async def test_users_endpoint_missing_says_to_use_the_profile(server: RecordingServer, log360: Log360Client):
    server.reply(answer(404, json=wrapped("07001404", "Not Found", "Not Found")))
    with pytest.raises(NotFound, match="users map"):
        await log360.users()


async def test_an_overall_deadline_stops_a_trickling_server(server: RecordingServer):
    async def trickle() -> AsyncIterator[bytes]:
        yield b'{"data": ['
        await asyncio.sleep(10)
        yield b"]}"

    server.reply(lambda request: httpx.Response(200, content=trickle()))
    async with server.client(deadline=0.05) as client:
        with pytest.raises(DeadlineExceeded, match="within 0.05 s"):
            await client.list_incidents()


async def test_an_answer_past_the_limit_is_refused(server: RecordingServer):
    big = json.dumps({"data": [{"incident_id": 1, "incident_name": "x" * 5000}]})
    server.reply(answer(200, text=big), answer(200, text="{}", headers={"Content-Length": "999999"}))
    async with server.client(max_response_bytes=1000) as client:
        with pytest.raises(ResponseTooLarge) as failed:
            await client.list_incidents()
        assert failed.value.limit == 1000 and not failed.value.transient
        with pytest.raises(ResponseTooLarge):
            await client.list_incidents()


async def test_an_item_nested_too_deeply_costs_only_itself(server: RecordingServer, log360: Log360Client):
    deep = "[" * 150 + "]" * 150
    server.reply(answer(200, text='{"data": [{"incident_id": 1, "x": %s}, {"incident_id": 2}]}' % deep))
    page = await log360.list_incidents()
    assert [incident.key for incident in page.incidents] == ["2"] and page.unreadable == 1


async def test_a_body_nested_past_the_interpreter_is_a_protocol_error(server: RecordingServer, log360: Log360Client):
    server.reply(answer(200, text='{"data": ' + "[" * 100_000 + "]" * 100_000 + "}"))
    with pytest.raises(ProtocolError):
        await log360.list_incidents()


# -- the token never shows ---------------------------------------------------------------------


ECHOES = [
    pytest.param(answer(401, json=flat("07001113", "Unauthorized", f"Bad token {TOKEN}")), AuthError, id="flat"),
    pytest.param(answer(400, json=wrapped("1", "Bad Request", f"Authorization: Bearer {TOKEN}")), InvalidParameter,
                 id="wrapped"),
    pytest.param(answer(400, text='{"error": {"detail": "%s"}}' % "".join(f"\\u{ord(c):04x}" for c in TOKEN)),
                 InvalidParameter, id="json-escaped"),
    pytest.param(answer(500, text=f"<pre>token={TOKEN}</pre>"), ServerError, id="html"),
    pytest.param(raising(httpx.ConnectError, f"proxy said Bearer {TOKEN}"), ConnectionFailed, id="transport"),
]


@pytest.mark.parametrize(("reply", "error_class"), ECHOES)
async def test_an_echoed_token_never_reaches_an_error_or_a_traceback(server: RecordingServer, log360: Log360Client,
                                                                     reply, error_class):
    server.reply(reply)
    with pytest.raises(error_class) as failed:
        await log360.list_incidents()
    error = failed.value
    shown = [str(error), repr(error), repr(vars(error)), "".join(traceback.format_exception(error))]
    assert not any(TOKEN in text for text in shown)
    for frame, _ in traceback.walk_tb(error.__traceback__):
        assert TOKEN not in repr(frame.f_locals.get("text", ""))
    del failed, error
    gc.collect()


async def test_an_echoed_token_is_blanked_in_the_data_kept(server: RecordingServer, log360: Log360Client):
    escaped = "".join(f"\\u{ord(c):04x}" for c in TOKEN)
    server.reply(answer(200, text=json.dumps({"data": [
        {"incident_id": 1, "incident_name": f"raw {TOKEN}", "incident_description": "x", TOKEN: 1}]})[:-2]
        + ', {"incident_id": 2, "incident_name": "escaped ' + escaped + '"}]}'))
    page = await log360.list_incidents()
    everything = json.dumps([incident.raw for incident in page.incidents]) + repr(page)
    assert TOKEN not in everything
    assert page.incidents[0].title == f"raw {MASK}" and page.incidents[1].title == f"escaped {MASK}"


@pytest.mark.parametrize("detail", [
    "\x1b]52;c;cHduZWQ=\x07 clipboard", "line one\nline two", "\u202eevil", "[bold]markup[/bold]", "x" * 5000,
])
async def test_hostile_server_text_in_an_error_is_one_visible_line(server: RecordingServer, log360: Log360Client,
                                                                   detail: str):
    server.reply(answer(400, json=wrapped("07001110", "Bad Request", detail)))
    with pytest.raises(InvalidParameter) as failed:
        await log360.list_incidents()
    message = str(failed.value)
    assert "\n" not in message and "\x1b" not in message and "\u202e" not in message and len(message) < 300
    if detail.startswith("[bold]"):
        assert "[bold]markup[/bold]" in message  # literal: whoever shows it builds Text, not markup


# -- against the emulator ------------------------------------------------------------------------


async def test_a_bad_token_against_the_emulator():
    async with emulator_client(sample_state(), token="wrong-token-123456") as client:
        with pytest.raises(AuthError, match="Invalid or missing AuthToken"):
            await client.list_incidents()


@pytest.mark.parametrize("options", [{"error_style": "legacy"}, {"always_200": True},
                                     {"error_style": "legacy", "always_200": True}])
async def test_every_error_style_of_the_emulator_reads_the_same(options: dict):
    state = sample_state()
    async with emulator_client(state, read_only_token="read-only-token-1234", **options) as client:
        with pytest.raises(NotFound):
            await client.get_incident("3000000000001")
        with pytest.raises(InvalidParameter, match="name"):
            await client.create_incident(name="VPN gateway brute force - edge-fw01")  # a duplicate name
    async with emulator_client(state, token="read-only-token-1234", read_only_token="read-only-token-1234",
                               **options) as client:
        with pytest.raises(PermissionDenied):
            await client.delete_incidents(["3000000455701"])
    async with emulator_client(state, token="nope-nope-nope-nope", **options) as client:
        with pytest.raises(AuthError):
            await client.list_incidents()


async def test_the_emulators_rate_limit_is_honoured_and_every_request_gets_through():
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    state = sample_state()
    # A pacer that allows far more than the server does, so the server has to refuse.
    pacer = Pacer(limit=500, reserved=0, clock=lambda: now[0], sleep=sleep)
    async with emulator_client(state, rate_limit=True, limit_clock=lambda: now[0], pacer=pacer) as client:
        for _ in range(65):
            await client.list_incidents(limit=1)
            now[0] += 0.1
    assert slept and slept[0] >= 1.0  # the Retry-After
    assert pacer.state().backoff == 0.0


async def test_the_client_pacer_alone_keeps_the_emulator_from_refusing():
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    pacer = Pacer(clock=lambda: now[0], sleep=sleep)
    refusals: list[ApiError] = []
    async with emulator_client(sample_state(), rate_limit=True, limit_clock=lambda: now[0], pacer=pacer,
                               rate_limit_attempts=1) as client:
        for _ in range(130):
            try:
                await client.list_incidents(limit=1)
            except RateLimited as error:
                refusals.append(error)
    assert refusals == [] and now[0] >= 120.0
