"""The hardening every backend client shares (tui.backends.http), on its own."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest

from tui.backends.errors import ConfigError, ConnectionFailed, ConsoleTimeout, ProtocolError, ResponseTooLarge
from tui.backends.http import (
    MAX_NESTING,
    checked_token,
    declared_length,
    escapes_any_of,
    hardened_client,
    json_object,
    nests_within,
    parse_retry_after,
    read_text,
    redact_decoded,
    transport_error,
)
from tui.secret import MASK, Secret

TOKEN = "s3cr3t-token-0123456789"


# -- the token ---------------------------------------------------------------------------------


def test_a_token_is_stripped_and_kept_secret():
    checked = checked_token(f"  {TOKEN}\n", missing="none")
    assert isinstance(checked, Secret) and checked.reveal() == TOKEN
    assert checked_token(Secret(TOKEN), missing="none").reveal() == TOKEN


@pytest.mark.parametrize("token", ["", "   ", None, Secret("  ")])
def test_no_token_is_the_backends_own_message(token):
    with pytest.raises(ConfigError, match="^Create one here.$"):
        checked_token(token, missing="Create one here.")


@pytest.mark.parametrize("token", ["abc def", "abc\x00def", "abc\u00e9def"])
def test_a_token_no_header_can_carry_is_refused_without_echoing_it(token):
    with pytest.raises(ConfigError) as refused:
        checked_token(token, missing="none")
    assert token not in str(refused.value)


# -- Retry-After -------------------------------------------------------------------------------


def test_retry_after_in_seconds_or_as_an_http_date():
    assert parse_retry_after(" 17 ") == 17.0
    in_a_minute = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=60), usegmt=True)
    assert 55 <= parse_retry_after(in_a_minute) <= 60
    assert parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT") == 0.0  # the past: at once


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5", "Mon, 32 Jan 2020 00:00:00 GMT", "٣"])
def test_an_unreadable_retry_after_is_none(value):
    assert parse_retry_after(value) is None


# -- transport failures ------------------------------------------------------------------------


def failure(exc: httpx.HTTPError, **options):
    return transport_error(exc, where="GET /api/x", endpoint="/api/x", host="example.test", one_line=str.strip,
                           **options)


@pytest.mark.parametrize(("exc_class", "phase"), [
    (httpx.ConnectTimeout, "connecting"),
    (httpx.ReadTimeout, "waiting for the answer"),
    (httpx.WriteTimeout, "sending the request"),
    (httpx.PoolTimeout, "waiting for a free connection"),
    (httpx.TimeoutException, "waiting for the answer"),
])
def test_a_timeout_says_in_which_phase(exc_class, phase):
    error = failure(exc_class("httpx's text"), peer="console")
    assert isinstance(error, ConsoleTimeout) and error.endpoint == "/api/x"
    assert str(error) == f"Timed out {phase} on GET /api/x at example.test; the console may be slow or unreachable."


def test_each_failure_names_the_peer_and_never_keeps_httpx_s_exception():
    decoding = failure(httpx.DecodingError("bad gzip"), peer="server")
    assert isinstance(decoding, ProtocolError) and "The server's answer to GET /api/x" in str(decoding)
    connect = failure(httpx.ConnectError(" refused "), peer="console")
    assert isinstance(connect, ConnectionFailed)
    assert str(connect) == "Could not connect to example.test (refused); check the console address and the network."
    other = failure(httpx.RemoteProtocolError(""), peer="server")
    assert str(other) == "The connection to example.test failed during GET /api/x (RemoteProtocolError)."
    assert all(error.__cause__ is None and error.__context__ is None for error in (decoding, connect, other))


def test_the_scheme_hint_comes_only_when_asked_and_only_for_tls():
    tls = httpx.ConnectError("[SSL: WRONG_VERSION_NUMBER] wrong version number")
    assert "(is it https or plain http?)" in str(failure(tls, peer="server", hint_at_scheme=True))
    assert "plain http" not in str(failure(tls, peer="console"))
    assert "plain http" not in str(failure(httpx.ConnectError("refused"), peer="server", hint_at_scheme=True))


# -- bounded answers ---------------------------------------------------------------------------


def streamed(body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    async def chunks():
        for start in range(0, len(body), 10):
            yield body[start : start + 10]

    return httpx.Response(200, headers=headers, stream=Chunks(chunks()))


class Chunks(httpx.AsyncByteStream):
    """A body that arrives ten bytes at a time, as a server streams it."""

    def __init__(self, chunks) -> None:
        self._chunks = chunks

    async def __aiter__(self):
        async for chunk in self._chunks:
            yield chunk


async def read(response: httpx.Response, limit: int) -> str:
    return await read_text(response, limit, too_large_message="Too large.", endpoint="/api/x")


async def test_an_answer_within_the_limit_is_read_whole_and_closed():
    response = streamed("\u00e9".encode() * 40 + b"\xff" + b"x" * 14)
    assert await read(response, 95) == "\u00e9" * 40 + "\ufffd" + "x" * 14  # bytes that do not decode replaced
    assert response.is_closed


@pytest.mark.parametrize(
    ("body", "headers"), [(b"x" * 96, None), (b"x", {"Content-Length": "96"})], ids=["sent", "declared"]
)
async def test_an_answer_past_the_limit_is_refused_and_closed(body, headers):
    response = streamed(body, headers)
    with pytest.raises(ResponseTooLarge) as refused:
        await read(response, 95)
    assert str(refused.value) == "Too large." and refused.value.limit == 95 and refused.value.status == 200
    assert refused.value.endpoint == "/api/x" and not refused.value.transient and response.is_closed
    # The unredacted bytes read so far are in no frame of the traceback.
    frames = refused.value.__traceback__
    while frames is not None:
        assert "received" not in frames.tb_frame.f_locals
        frames = frames.tb_next


@pytest.mark.parametrize(
    ("header", "length"), [("12", 12), ("", 0), ("-1", 0), ("1e3", 0), ("\u00b2".encode("latin-1"), 0)]  # ² is a digit
)
def test_the_declared_length_is_a_plain_number_or_nothing(header, length):
    assert declared_length(httpx.Response(200, headers={"Content-Length": header} if header else {})) == length


# -- decoding ----------------------------------------------------------------------------------


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_nesting_is_measured_without_recursion():
    assert nests_within(1, 0) and nests_within([], 1) and not nests_within([[]], 1)
    assert nests_within(json.loads(deep(MAX_NESTING)), MAX_NESTING)
    assert not nests_within(json.loads(deep(MAX_NESTING + 1)), MAX_NESTING)
    tower: list = []
    for _ in range(100_000):  # past the interpreter's recursion limit
        tower = [tower]
    assert not nests_within(tower, MAX_NESTING)


def test_only_an_object_is_a_body():
    for text in ("[1]", "<html>", '{"a": ', "", "null"):
        assert json_object(text, None, items_key="data") is None
    assert json_object('{"a": "\x01"}', None, items_key="data") == {"a": "\x01"}  # raw control characters taken


def test_an_item_nested_too_deeply_costs_only_itself_and_keys_keep_their_order():
    body = json_object('{"data": [%s, {"id": 2}], "meta": 1}' % deep(150), None, items_key="data")
    assert body == {"data": [None, {"id": 2}], "meta": 1} and list(body) == ["data", "meta"]
    assert json_object('{"other": %s}' % deep(150), None, items_key="data") is None


def test_the_fallback_decodes_only_what_json_refuses():
    seen: list[str] = []

    def fallback(text: str) -> dict:
        seen.append(text)
        return {"data": [None]}

    assert json_object('{"data": []}', None, items_key="data", fallback=fallback) == {"data": []}
    assert json_object('{"data": [' + deep(100_000) + "]}", None, items_key="data", fallback=fallback) == {
        "data": [None]
    }
    assert len(seen) == 1
    assert json_object('{"data": [' + deep(100_000) + "]}", None, items_key="data") is None


def test_an_escaped_echo_of_the_token_is_blanked_in_keys_and_values():
    escaped = "".join(f"\\u{ord(char):04x}" for char in TOKEN)
    text = '{"data": [{"note": "said %s", "%s": ["%s"]}]}' % (escaped, escaped, escaped)
    body = json_object(text, Secret(TOKEN), items_key="data")
    assert TOKEN not in json.dumps(body) and body == {"data": [{"note": f"said {MASK}", MASK: [MASK]}]}


def test_only_an_escape_of_one_of_the_tokens_characters_calls_for_the_walk():
    assert not escapes_any_of('{"a": "caf\\u00e9 \\n \\t"}', "abc")
    assert escapes_any_of('{"a": "\\u0061"}', "abc")
    assert escapes_any_of('{"a": "\\/"}', "a/b") and escapes_any_of('{"a": "\\""}', 'a"b')
    assert not escapes_any_of('{"a": "\\\\u0061"}', "abc")  # an escaped backslash, then plain text
    assert escapes_any_of('{"a": "\\n"}', "ab\u00e9")  # a non-ASCII token: any escape may hide it


def test_redacting_decoded_data_reaches_every_string():
    root = {"a": ["x-NEEDLE-y", {"NEEDLE": "NEEDLE"}], "b": 3, "c": None}
    redact_decoded(root, "NEEDLE")
    assert root == {"a": [f"x-{MASK}-y", {MASK: MASK}], "b": 3, "c": None}


# -- the connection ----------------------------------------------------------------------------


@pytest.mark.parametrize(("base_url", "trusts_env"), [("https://a.test/api", True), ("http://127.0.0.1:9/api", False)])
async def test_the_client_follows_no_redirect_and_trusts_no_proxy_for_plain_http(base_url, trusts_env):
    async with hardened_client(base_url, httpx.Auth(), transport=None, timeout=3.0) as client:
        assert client.follow_redirects is False and client.trust_env is trusts_env
        assert str(client.base_url) == base_url + "/"
        assert client.headers["Accept"] == "application/json" and client.headers["User-Agent"].startswith("roost/")


def test_the_shared_module_does_not_import_textual():
    probe = ("import sys, tui.backends.http; "
             "print(any(name == 'textual' or name.startswith('textual.') for name in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
