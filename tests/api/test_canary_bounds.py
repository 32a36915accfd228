"""Nothing a console sends is unbounded: answers are read as a stream and cut at a size
limit, every request has an overall deadline, and reads that may succeed on a second
try (the start-up ping, `roost export`) are retried with backoff."""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

import httpx
import pytest

from canary_fakes import CONSOLE_URL, TOKEN, RecordingConsole
from tui.backends.canary.client import CanaryClient
from tui.backends.errors import AuthError, ConsoleTimeout, DeadlineExceeded, ResponseTooLarge, ServerError

OK = {"result": "success"}
PAGE = {"incidents": [], "result": "success"}
MiB = 1 << 20


class Body:
    """A body produced one chunk at a time, counting how much of it was asked for."""

    def __init__(self, total: int, chunk: int = MiB) -> None:
        self.total = total
        self.chunk = chunk
        self.produced = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.produced < self.total:
            size = min(self.chunk, self.total - self.produced)
            self.produced += size
            yield b"x" * size


def client_for(console: RecordingConsole, **options) -> CanaryClient:
    return CanaryClient(CONSOLE_URL, TOKEN, transport=console.transport(), **options)


async def test_a_body_past_the_limit_stops_being_read_and_names_the_limit(console: RecordingConsole) -> None:
    body = Body(300 * 1000 * 1000)  # no Content-Length: only reading shows how big it is
    console.reply(lambda request: httpx.Response(200, content=body))
    async with client_for(console, max_response_bytes=4 * MiB) as client:
        with pytest.raises(ResponseTooLarge) as caught:
            await client.feed("all")
    assert body.produced <= 5 * MiB  # stopped at the limit, not at 300 MB
    error = caught.value
    assert "4 MiB" in str(error) and "GET /api/v1/incidents/all" in str(error)
    assert "\n" not in str(error) and error.transient is False
    assert error.__context__ is None and error.__cause__ is None


async def test_a_declared_length_past_the_limit_is_refused_before_reading(console: RecordingConsole) -> None:
    body = Body(10 * MiB)
    console.reply(lambda request: httpx.Response(200, content=body, headers={"Content-Length": str(10 * MiB)}))
    async with client_for(console, max_response_bytes=MiB) as client:
        with pytest.raises(ResponseTooLarge, match="1 MiB"):
            await client.ping()
    assert body.produced == 0


async def test_a_body_within_the_limit_is_read(console: RecordingConsole) -> None:
    console.reply(PAGE)
    async with client_for(console, max_response_bytes=1000) as client:
        page = await client.feed("all")
    assert page.incidents == ()


def test_the_default_limit_is_generous() -> None:
    client = CanaryClient("1234abcd", TOKEN)
    assert client.max_response_bytes == 256 * MiB


async def test_a_console_that_trickles_meets_the_overall_deadline(console: RecordingConsole) -> None:
    never = asyncio.Event()

    async def trickle() -> AsyncIterator[bytes]:
        yield b"{"  # each byte keeps a per-read timeout happy; the deadline is for the whole answer
        await never.wait()
        yield b"}"

    console.reply(lambda request: httpx.Response(200, content=trickle()))
    async with client_for(console, deadline=0.05) as client:
        with pytest.raises(DeadlineExceeded) as caught:
            await asyncio.wait_for(client.feed("all"), 5)
    error = caught.value
    assert isinstance(error, ConsoleTimeout) and error.transient
    assert "0.05 s" in str(error) and "GET /api/v1/incidents/all" in str(error) and "\n" not in str(error)
    assert error.__context__ is None and error.__cause__ is None


def test_the_default_deadline_is_a_minute() -> None:
    assert CanaryClient("1234abcd", TOKEN).deadline == 60.0


# -- retries -----------------------------------------------------------------------------


class Waits:
    """A fake sleep: records each wait instead of passing the time."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def answer(status: int, **kwargs):
    return lambda request: httpx.Response(status, **kwargs)


@pytest.fixture
def waits() -> Waits:
    return Waits()


async def test_ping_retries_transient_failures_with_backoff(console: RecordingConsole, waits: Waits) -> None:
    console.reply(answer(503), answer(429, headers={"Retry-After": "3"}), httpx.ReadTimeout, OK)
    async with client_for(console, sleep=waits) as client:
        assert await client.ping(attempts=4) is True
    assert len(console.sent) == 4
    first, rate_limited, third = waits.seconds
    assert 0.25 <= first <= 0.5  # half a second, jittered
    assert rate_limited == 3.0  # the console's Retry-After
    assert 1.0 <= third <= 2.0  # doubled twice, jittered


async def test_ping_gives_up_after_its_attempts_with_the_last_error(console: RecordingConsole, waits: Waits) -> None:
    console.reply(*(answer(502) for _ in range(3)))
    async with client_for(console, sleep=waits) as client:
        with pytest.raises(ServerError, match="HTTP 502"):
            await client.ping(attempts=3)
    assert len(console.sent) == 3 and len(waits.seconds) == 2


async def test_a_retry_after_is_honoured_only_up_to_a_cap(console: RecordingConsole, waits: Waits) -> None:
    console.reply(answer(429, headers={"Retry-After": "3600"}), OK)
    async with client_for(console, sleep=waits) as client:
        await client.ping(attempts=2)
    assert waits.seconds == [10.0]


async def test_a_single_ping_is_still_one_request(console: RecordingConsole, waits: Waits) -> None:
    console.reply(answer(503))
    async with client_for(console, sleep=waits) as client:
        with pytest.raises(ServerError):
            await client.ping()
    assert len(console.sent) == 1 and waits.seconds == []


@pytest.mark.parametrize(
    "refusal",
    [
        pytest.param({"message": "Invalid auth_token", "result": "error"}, id="wrong-token"),
        pytest.param(answer(200, content=b"x" * 2000), id="too-large"),
    ],
)
async def test_what_a_retry_cannot_fix_is_not_retried(console: RecordingConsole, waits: Waits, refusal) -> None:
    console.reply(refusal)
    async with client_for(console, sleep=waits, max_response_bytes=1000) as client:
        with pytest.raises((AuthError, ResponseTooLarge)):
            await client.ping(attempts=4)
    assert len(console.sent) == 1 and waits.seconds == []


async def test_read_attempts_retry_every_read_including_each_page(console: RecordingConsole, waits: Waits) -> None:
    first_page = {"incidents": [{"id": "incident:1", "updated_id": 1}], "cursor": {"next": "c2"}, "result": "success"}
    last_page = {"incidents": [{"id": "incident:2", "updated_id": 2}], "cursor": {"next": None}, "result": "success"}
    console.reply(answer(500), first_page, httpx.ConnectError, answer(503), last_page)
    async with client_for(console, sleep=waits, read_attempts=4) as client:
        pages = [page async for page in client.iter_feed("all", limit=1)]
    assert [incident.key for page in pages for incident in page.incidents] == ["incident:1", "incident:2"]
    assert [sent.query.get("cursor") for sent in console.sent] == [None, None, "c2", "c2", "c2"]
    assert len(waits.seconds) == 3


async def test_read_attempts_leave_actions_to_their_callers(console: RecordingConsole, waits: Waits) -> None:
    console.reply(answer(503))
    async with client_for(console, sleep=waits, read_attempts=4) as client:
        with pytest.raises(ServerError):
            await client.acknowledge("incident:1")
    assert len(console.sent) == 1 and waits.seconds == []
