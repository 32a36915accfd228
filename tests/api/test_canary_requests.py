"""Every request the client makes uses the documented method, path and parameters,
carries the token in the X-Canary-Auth-Token header and nowhere else."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from canary_fakes import CONSOLE_URL, TOKEN, RecordingConsole, Sent
from tui.backends.canary.client import DEFAULT_TIMEOUT, CanaryClient, resolve_base_url
from tui.backends.errors import ConfigError, InvalidParameter
from tui.secret import Secret

OK = {"result": "success"}
ACK = {"action": "acknowledged", "key": "incident:sshlogin:abc", "result": "success"}
BULK = {"action": "acknowledged", "keys": [], "result": "success"}
PAGE = {"incidents": [], "result": "success"}


def assert_token_only_in_header(sent: Sent) -> None:
    assert sent.headers["X-Canary-Auth-Token"] == TOKEN
    assert TOKEN not in sent.url
    assert TOKEN not in sent.body
    assert "auth_token" not in sent.query and "auth_token" not in sent.form


async def test_ping(console: RecordingConsole, client: CanaryClient) -> None:
    console.reply(OK)
    assert await client.ping() is True
    assert (console.last.method, console.last.path, console.last.query) == ("GET", "/api/v1/ping", {})
    assert_token_only_in_header(console.last)
    assert console.last.headers["User-Agent"].startswith("roost/")


@pytest.mark.parametrize("feed", ["all", "acknowledged", "unacknowledged"])
async def test_feed_sends_every_parameter_in_the_query_string(console, client, feed: str) -> None:
    console.reply(PAGE)
    johannesburg = timezone(timedelta(hours=2))
    await client.feed(
        feed,
        node_id="0000000018a22bf1",
        flock_id="flock:default",
        incidents_since=152,
        newer_than=datetime(2024, 1, 31, 1, 30, tzinfo=johannesburg),
        older_than="2024-02-01-00:00:00",
        event_limit=10,
        limit=500,
        cursor="MTE6MTA6MTQ0OjE6MjowOjI6NQ==",
        shrink=False,
        tz="Africa/Johannesburg",
    )

    sent = console.last
    assert (sent.method, sent.path, sent.body) == ("GET", f"/api/v1/incidents/{feed}", "")
    assert sent.query == {
        "node_id": "0000000018a22bf1",
        "flock_id": "flock:default",
        "incidents_since": "152",
        "newer_than": "2024-01-30-23:30:00",
        "older_than": "2024-02-01-00:00:00",
        "event_limit": "10",
        "limit": "500",
        "cursor": "MTE6MTA6MTQ0OjE6MjowOjI6NQ==",
        "shrink": "false",
        "tz": "Africa/Johannesburg",
    }
    assert_token_only_in_header(sent)


async def test_feed_leaves_out_absent_parameters(console: RecordingConsole, client: CanaryClient) -> None:
    console.reply(PAGE)
    await client.feed("all", node_id=None, flock_id="", shrink=True)
    assert console.last.query == {"shrink": "true"}


async def test_feed_refuses_bad_names_and_times_before_sending(console: RecordingConsole, client: CanaryClient) -> None:
    with pytest.raises(ValueError):
        await client.feed("../device/info")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        await client.feed("all", newer_than=datetime(2024, 1, 1))
    with pytest.raises(InvalidParameter, match="2024-01-31-23:59:00"):
        await client.feed("all", older_than="2024-01-31 23:59")
    assert console.sent == []


async def test_search(console: RecordingConsole, client: CanaryClient) -> None:
    console.reply(PAGE)
    await client.search(
        filter_str="10.0.9.77",
        filter_logtypes=[4002, "6001", "3000,3001"],
        filter_incident_state="all",
        node_id="0000000018a22bf1",
        flock_id="flock:default",
        newer_than=datetime(2024, 1, 1, tzinfo=timezone.utc),
        older_than=datetime(2024, 2, 1, tzinfo=timezone.utc),
        limit=100,
        cursor="Mzg6Mzk6MTY6MTowOjE6Mjo4",
    )
    assert (console.last.method, console.last.path) == ("GET", "/api/v1/incidents/search")
    assert console.last.query == {
        "filter_str": "10.0.9.77",
        "filter_logtypes": "4002,6001,3000,3001",
        "filter_incident_state": "all",
        "node_id": "0000000018a22bf1",
        "flock_id": "flock:default",
        "newer_than": "2024-01-01-00:00:00",
        "older_than": "2024-02-01-00:00:00",
        "limit": "100",
        "cursor": "Mzg6Mzk6MTY6MTowOjE6Mjo4",
    }
    assert_token_only_in_header(console.last)


async def test_search_refuses_logtypes_that_are_not_numbers(console: RecordingConsole, client: CanaryClient) -> None:
    with pytest.raises(InvalidParameter, match="filter_logtypes"):
        await client.search(filter_logtypes=["ssh"])
    assert console.sent == []


async def test_history_for_source(console: RecordingConsole, client: CanaryClient) -> None:
    console.reply({"incidents": None, "result": "success"})
    assert await client.history_for_source("10.0.9.77", flock_id="flock:default") == []
    assert (console.last.method, console.last.path) == ("GET", "/api/v1/incidents/history/source")
    assert console.last.query == {"src_ip": "10.0.9.77", "flock_id": "flock:default"}


async def test_fetch_by_key_and_by_hash(console: RecordingConsole, client: CanaryClient) -> None:
    incident = {"result": "success", "incident": {"id": "incident:sshlogin:abc", "description": "SSH Login Attempt"}}
    console.reply(incident, incident)
    await client.fetch("incident:sshlogin:abc:10.0.0.1:1586260854", tz="UTC")
    assert (console.last.method, console.last.path) == ("GET", "/api/v1/incident/fetch")
    assert console.last.query == {
        "incident": "incident:sshlogin:abc:10.0.0.1:1586260854",
        "extended_details": "false",
        "tz": "UTC",
    }
    await client.fetch(hash_id="e35d196cf3ff157908b542a401810413", extended_details=True)
    assert console.last.query == {"hash_id": "e35d196cf3ff157908b542a401810413", "extended_details": "true"}
    with pytest.raises(ValueError):
        await client.fetch()
    with pytest.raises(ValueError):
        await client.fetch("incident:sshlogin:abc", hash_id="e35d")


@pytest.mark.parametrize(
    ("method", "verb", "path"),
    [
        ("acknowledge", "POST", "/api/v1/incident/acknowledge"),
        ("unacknowledge", "POST", "/api/v1/incident/unacknowledge"),
        ("delete", "DELETE", "/api/v1/incident/delete"),
    ],
)
async def test_single_actions_send_a_form_body(console, client, method: str, verb: str, path: str) -> None:
    console.reply(ACK)
    key = "incident:sshlogin:abc:10.0.0.1:1586260854"
    await getattr(client, method)(key)

    sent = console.last
    assert (sent.method, sent.path, sent.query) == (verb, path, {})
    assert sent.form == {"incident": key}
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert_token_only_in_header(sent)


@pytest.mark.parametrize(
    ("method", "verb", "path"),
    [
        ("acknowledge_many", "POST", "/api/v1/incidents/acknowledge"),
        ("unacknowledge_many", "POST", "/api/v1/incidents/unacknowledge"),
    ],
)
async def test_bulk_acknowledgement_sends_every_filter(console, client, method: str, verb: str, path: str) -> None:
    console.reply(BULK)
    await getattr(client, method)(
        flock_id="flock:default", src_host="10.0.9.77", older_than="3d", filter_str="nas", filter_logtypes=3001
    )

    sent = console.last
    assert (sent.method, sent.path, sent.query) == (verb, path, {})
    assert sent.form == {
        "flock_id": "flock:default",
        "src_host": "10.0.9.77",
        "older_than": "3d",
        "filter_str": "nas",
        "filter_logtypes": "3001",
    }
    assert_token_only_in_header(sent)


async def test_bulk_delete_is_a_delete_with_include_unacknowledged(console: RecordingConsole, client) -> None:
    console.reply(BULK, BULK)
    await client.delete_many(node_id="0000000018a22bf1")
    assert (console.last.method, console.last.path) == ("DELETE", "/api/v1/incidents/delete")
    assert console.last.form == {"node_id": "0000000018a22bf1", "include_unacknowledged": "false"}
    await client.delete_many(older_than="0h", include_unacknowledged=True)
    assert console.last.form == {"older_than": "0h", "include_unacknowledged": "true"}
    assert_token_only_in_header(console.last)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"node_id": "0000000018a22bf1", "src_host": "10.0.9.77"}, "Cannot use src_host and node_id together"),
        ({"older_than": "1 day"}, "Parameter older_than was invalid."),
        ({"older_than": "1d\n"}, "Parameter older_than was invalid."),
        ({"older_than": "2024-01-01-00:00:00"}, "Parameter older_than was invalid."),
        ({}, "at least one filter"),
        ({"filter_str": "", "filter_logtypes": []}, "at least one filter"),
    ],
)
async def test_bulk_actions_refuse_bad_filters_before_sending(console, client, filters: dict, message: str) -> None:
    for action in (client.acknowledge_many, client.unacknowledge_many, client.delete_many):
        with pytest.raises(InvalidParameter) as caught:
            await action(**filters)
        assert message in str(caught.value)
    assert console.sent == []


async def test_bulk_actions_refuse_unknown_filters(client: CanaryClient) -> None:
    with pytest.raises(TypeError, match="nodeid"):
        await client.acknowledge_many(nodeid="0000000018a22bf1")  # type: ignore[call-arg]


async def test_device_info_and_flocks(console: RecordingConsole, client: CanaryClient) -> None:
    console.reply({"device": {"id": "0000000018a22bf1"}, "result": "success"}, {"flocks": {}, "result": "success"})
    await client.device_info("0000000018a22bf1")
    assert (console.last.method, console.last.path, console.last.query) == (
        "GET",
        "/api/v1/device/info",
        {"node_id": "0000000018a22bf1"},
    )
    await client.flocks()
    assert (console.last.method, console.last.path, console.last.query) == ("GET", "/api/v1/flocks/list", {})


@pytest.mark.parametrize(
    ("console_setting", "api_root"),
    [
        ("1234abcd", "https://1234abcd.canary.tools/api/v1"),
        ("  1234ABCD\n", "https://1234abcd.canary.tools/api/v1"),
        ("1234abcd.canary.tools", "https://1234abcd.canary.tools/api/v1"),
        ("https://1234abcd.canary.tools", "https://1234abcd.canary.tools/api/v1"),
        ("https://1234abcd.canary.tools/", "https://1234abcd.canary.tools/api/v1"),
        ("https://1234abcd.canary.tools/api/v1", "https://1234abcd.canary.tools/api/v1"),
        ("https://1234abcd.canary.tools/api/v1/", "https://1234abcd.canary.tools/api/v1"),
        ("https://proxy.example.com:8443/canary/", "https://proxy.example.com:8443/canary/api/v1"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/api/v1"),
        ("http://127.8.9.10/api/v1/", "http://127.8.9.10/api/v1"),
        ("http://[::1]:8080", "http://[::1]:8080/api/v1"),
        ("http://localhost:8080/", "http://localhost:8080/api/v1"),
    ],
)
def test_resolve_base_url(console_setting: str, api_root: str) -> None:
    assert resolve_base_url(console_setting) == api_root
    assert CanaryClient.resolve_base_url(console_setting) == api_root


@pytest.mark.parametrize(
    ("console_setting", "complaint"),
    [
        ("", "No console given"),
        ("http://1234abcd.canary.tools", "Refusing plain http"),
        ("http://10.0.0.5:8080", "Refusing plain http"),
        ("http://console.test", "Refusing plain http"),  # a test name needs an injected transport
        ("ftp://1234abcd.canary.tools", "must start with https://"),
        ("https://1234abcd.canary.tools/api/v1/incidents/all?auth_token=" + TOKEN, "just the address"),
        ("https://admin:" + TOKEN + "@1234abcd.canary.tools", "just the address"),
    ],
)
def test_resolve_base_url_refuses(console_setting: str, complaint: str) -> None:
    with pytest.raises(ConfigError, match=complaint) as caught:
        resolve_base_url(console_setting)
    assert TOKEN not in str(caught.value)


def test_plain_http_to_a_test_name_only_with_an_injected_transport() -> None:
    assert resolve_base_url("http://console.test", transport_injected=True) == "http://console.test/api/v1"
    with pytest.raises(ConfigError):
        resolve_base_url("http://example.com", transport_injected=True)


@pytest.mark.parametrize("token", ["", "   ", "abc def", "abc\r\nX-Evil: 1"])
def test_unusable_tokens_are_config_errors_that_do_not_echo_them(token: str) -> None:
    with pytest.raises(ConfigError) as caught:
        CanaryClient("1234abcd", token)
    assert token.strip() == "" or token not in str(caught.value)


async def test_one_keep_alive_http11_client_with_explicit_timeouts() -> None:
    client = CanaryClient("1234abcd", TOKEN)
    try:
        assert client._http.timeout == DEFAULT_TIMEOUT
        assert (DEFAULT_TIMEOUT.connect, DEFAULT_TIMEOUT.read) == (5.0, 15.0)
        assert client._http.follow_redirects is False
        assert TOKEN not in repr(client) and TOKEN not in repr(vars(client))
        assert repr(client) == "CanaryClient('https://1234abcd.canary.tools/api/v1')"
    finally:
        await client.aclose()
    assert client._http.is_closed


async def test_async_with_closes_the_connection_pool(console: RecordingConsole) -> None:
    async with console.client() as client:
        pass
    assert client._http.is_closed
    with pytest.raises(RuntimeError):
        await client._http.get("ping")


async def test_the_token_may_come_wrapped_in_a_secret(console: RecordingConsole) -> None:
    console.reply(OK)
    async with CanaryClient(CONSOLE_URL, Secret(f" {TOKEN}\n"), transport=console.transport()) as client:
        await client.ping()
        assert TOKEN not in repr(vars(client))
    assert_token_only_in_header(console.last)


async def test_custom_timeouts_reach_httpx(console: RecordingConsole) -> None:
    timeout = httpx.Timeout(connect=1.0, read=2.0, write=3.0, pool=4.0)
    async with CanaryClient("http://console.test", TOKEN, transport=console.transport(), timeout=timeout) as client:
        assert client._http.timeout == timeout
