"""The live indicator tells the truth: a poll the console has not answered is not "live",
and `r` while one hangs is answered, never silently dropped."""

from __future__ import annotations

import asyncio

import pytest

from canary_builders import canary_incident
from tui.backends.canary.parse import Page
from tui.model import Incident
from tui.store import IncidentStore
from tui.backends.canary import CanaryBackend
from tui.sync import STALL_AFTER, SyncEngine, SyncStatus
from tui.widgets.status_bar import live_status_text


def incident(number: int) -> Incident:
    return canary_incident(key=f"incident:sshlogin:{number}", summary="SSH Login Attempt", updated_id=number)


class HangingConsole:
    """Answers the first ``answered`` feed requests at once; every later one never answers."""

    def __init__(self, answered: int = 1) -> None:
        self.answered = answered
        self.requests = 0
        self.hanging = 0
        self.abandoned = 0
        self.request_arrived = asyncio.Event()
        self.release = asyncio.Event()

    async def iter_feed(self, feed: str, **params):
        self.requests += 1
        self.request_arrived.set()
        if self.requests > self.answered:
            self.hanging += 1
            try:
                await self.release.wait()
            except asyncio.CancelledError:
                self.abandoned += 1
                raise
            finally:
                self.hanging -= 1
        yield Page((incident(self.requests),), max_updated_id=self.requests)

    async def search(self, **query):
        """The count a load starts with: a small console, listed at once."""
        return Page((), total_results=1)


class Recorder:
    """Every status the engine reported; ``until`` awaits the next one in a given state."""

    def __init__(self) -> None:
        self.statuses: list[SyncStatus] = []
        self._changed = asyncio.Event()

    def __call__(self, status: SyncStatus) -> None:
        self.statuses.append(status)
        self._changed.set()

    async def until(self, state: str) -> SyncStatus:
        async def reached() -> SyncStatus:
            while not (self.statuses and self.statuses[-1].state == state):
                self._changed.clear()
                await self._changed.wait()
            return self.statuses[-1]

        return await asyncio.wait_for(reached(), 5)


def engine_on(console: HangingConsole, recorder: Recorder, **options) -> SyncEngine:
    # poll_interval=0: polls happen only on refresh_now(), so nothing depends on the clock.
    return SyncEngine(CanaryBackend(console), IncidentStore(), poll_interval=0, on_status=recorder, **options)


async def start(engine: SyncEngine, recorder: Recorder) -> asyncio.Task:
    task = asyncio.create_task(engine.run())
    await recorder.until("manual")
    return task


async def test_a_poll_that_has_not_answered_in_time_is_not_live() -> None:
    console, recorder = HangingConsole(), Recorder()
    engine = engine_on(console, recorder, stall_after=0)  # "in time" is the next turn of the event loop
    task = await start(engine, recorder)
    try:
        engine.refresh_now(reconcile=False)
        stalled = await recorder.until("stalled")
        assert console.hanging == 1
        shown = live_status_text(stalled).plain
        assert "live" not in shown and "waiting" in shown
        assert "No answer" in stalled.detail and "r asks again" in stalled.detail
    finally:
        task.cancel()


async def test_a_stalled_poll_that_answers_goes_back_to_what_it_was() -> None:
    console, recorder = HangingConsole(), Recorder()
    engine = engine_on(console, recorder, stall_after=0)
    task = await start(engine, recorder)
    try:
        engine.refresh_now(reconcile=False)
        await recorder.until("stalled")
        console.release.set()
        await recorder.until("manual")
        assert len(engine.store) == 2
    finally:
        task.cancel()


async def test_r_on_a_stalled_poll_cancels_it_and_asks_again() -> None:
    console, recorder = HangingConsole(), Recorder()
    engine = engine_on(console, recorder, stall_after=0)
    task = await start(engine, recorder)
    try:
        engine.refresh_now(reconcile=False)
        await recorder.until("stalled")
        console.request_arrived.clear()
        reported = len(recorder.statuses)
        assert engine.refresh_now() == "restarted"
        await asyncio.wait_for(console.request_arrived.wait(), 5)
        assert console.abandoned == 1 and console.hanging == 1 and console.requests == 3
        # Still no answer since the stall: nothing claims the feed is current in between.
        assert {status.state for status in recorder.statuses[reported:]} <= {"stalled"}
        assert engine.status.state == "stalled"
    finally:
        task.cancel()


async def test_r_while_a_poll_is_on_its_way_says_so_and_is_kept() -> None:
    console, recorder = HangingConsole(), Recorder()
    engine = engine_on(console, recorder, stall_after=3600)
    task = await start(engine, recorder)
    try:
        assert engine.refresh_now(reconcile=False) == "started"
        await asyncio.wait_for(console.request_arrived.wait(), 5)
        assert engine.refresh_now() == "under way"
        console.answered = 10
        console.request_arrived.clear()
        console.release.set()
        await asyncio.wait_for(console.request_arrived.wait(), 5)  # the refresh asked for runs next
        assert console.abandoned == 0
    finally:
        task.cancel()


async def test_stopping_the_engine_during_a_stall_stops_the_request() -> None:
    console, recorder = HangingConsole(), Recorder()
    engine = engine_on(console, recorder, stall_after=0)
    task = await start(engine, recorder)
    engine.refresh_now(reconcile=False)
    await recorder.until("stalled")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert console.abandoned == 1


def test_the_default_stall_time_is_short_next_to_the_request_deadline() -> None:
    from tui.backends.canary.client import DEFAULT_DEADLINE

    assert STALL_AFTER == 10.0 and STALL_AFTER < DEFAULT_DEADLINE


@pytest.mark.parametrize("state", ["stalled", "retrying", "offline", "loading", "connecting"])
def test_only_live_says_live(state: str) -> None:
    assert "live" not in live_status_text(SyncStatus(state)).plain  # type: ignore[arg-type]


async def test_a_console_that_trickles_its_polls_shows_stalled_then_retrying_and_never_current() -> None:
    """The real client against a console whose polls get one byte and then nothing."""
    import httpx

    from tui.backends.canary.client import CanaryClient

    never = asyncio.Event()
    page = b'{"incidents": [], "cursor": {"next": null}, "result": "success"}'

    async def trickle():
        yield page[:1]
        await never.wait()

    def console(request: httpx.Request) -> httpx.Response:
        if "incidents_since" in request.url.params:
            return httpx.Response(200, content=trickle())
        return httpx.Response(200, content=page.replace(b"[]", b'[{"id": "incident:1", "updated_id": 1}]'))

    recorder = Recorder()
    client = CanaryClient("http://console.test", "sync-liveness-token-0123", transport=httpx.MockTransport(console),
                          deadline=0.05)
    engine = SyncEngine(CanaryBackend(client), IncidentStore(), poll_interval=0, on_status=recorder, stall_after=0)
    task = asyncio.create_task(engine.run())
    try:
        await recorder.until("manual")
        before_poll = len(recorder.statuses)
        engine.refresh_now(reconcile=False)
        retrying = await recorder.until("retrying")
        assert "No complete answer" in retrying.detail and "0.05 s" in retrying.detail
        assert [status.state for status in recorder.statuses[before_poll:]] == ["stalled", "retrying"]
    finally:
        task.cancel()
        await client.aclose()


async def test_r_abandons_a_trickling_request_of_the_real_client_and_sends_it_again() -> None:
    import httpx

    from tui.backends.canary.client import CanaryClient

    never = asyncio.Event()
    page = b'{"incidents": [], "cursor": {"next": null}, "result": "success"}'
    polls: list[httpx.Request] = []
    poll_sent = asyncio.Event()

    async def trickle():
        yield page[:1]
        await never.wait()

    def console(request: httpx.Request) -> httpx.Response:
        if "incidents_since" in request.url.params:
            polls.append(request)
            poll_sent.set()
            return httpx.Response(200, content=trickle())
        return httpx.Response(200, content=page.replace(b"[]", b'[{"id": "incident:1", "updated_id": 1}]'))

    recorder = Recorder()
    client = CanaryClient("http://console.test", "sync-liveness-token-0123", transport=httpx.MockTransport(console))
    engine = SyncEngine(CanaryBackend(client), IncidentStore(), poll_interval=0, on_status=recorder, stall_after=0)
    task = asyncio.create_task(engine.run())
    try:
        await recorder.until("manual")
        engine.refresh_now(reconcile=False)
        await recorder.until("stalled")
        poll_sent.clear()
        assert engine.refresh_now(reconcile=False) == "restarted"
        await asyncio.wait_for(poll_sent.wait(), 5)
        assert len(polls) == 2
        assert engine.status.state == "stalled"
        assert all(status.state not in ("retrying", "offline") for status in recorder.statuses)
    finally:
        task.cancel()
        await client.aclose()


class PacedBackend(CanaryBackend):
    """A backend keeping to a request budget: it holds back (says so) until released."""

    holding_back = "holding back 30 s: 60 requests a minute (1 waiting)"


async def test_a_backend_holding_back_for_its_budget_is_not_a_stalled_console() -> None:
    console, recorder = HangingConsole(), Recorder()
    engine = SyncEngine(PacedBackend(console), IncidentStore(), poll_interval=0, on_status=recorder, stall_after=0)
    task = await start(engine, recorder)
    try:
        engine.refresh_now(reconcile=False)
        await console.request_arrived.wait()
        for _ in range(20):  # many turns of the loop, each past stall_after
            await asyncio.sleep(0)
        assert console.hanging == 1 and "stalled" not in {status.state for status in recorder.statuses}
        console.release.set()
        await recorder.until("manual")
        assert len(engine.store) == 2
    finally:
        task.cancel()
