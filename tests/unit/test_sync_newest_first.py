"""The initial load against the emulator: newest first, tried again whole after a failure part way,
and no garbage collection while it runs (collections come back however it ends)."""

from __future__ import annotations

import asyncio
import gc

import httpx
import pytest

from tui.backends.canary import CanaryBackend
from tui.backends.canary.client import CanaryClient
from tui.backends.errors import ServerError
from tui.emulator.canary.app import create_app
from tui.emulator.canary.state import ConsoleState
from tui.screenshots import IN_PROCESS_URL, seeded_console
from tui.secret import Secret
from tui.store import IncidentStore
from tui.sync import SyncEngine

TOKEN = "sync-newest-first-token-1a2b3c"


class Emulator(httpx.ASGITransport):
    """The in-process emulator; answers the first request for ``fail_path`` with a 502, and notes
    whether the garbage collector was on at each request."""

    def __init__(self, state: ConsoleState, fail_path: str = "") -> None:
        super().__init__(app=create_app(state, TOKEN))
        self.fail_path = fail_path
        self.collecting: list[bool] = []
        self.hold = asyncio.Event()
        self.hold.set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.collecting.append(gc.isenabled())
        await self.hold.wait()
        if self.fail_path and request.url.path.endswith(self.fail_path):
            self.fail_path = ""
            return httpx.Response(502, content=b"bad gateway")
        return await super().handle_async_request(request)


def engine_on(transport: Emulator, applied: list) -> SyncEngine:
    backend = CanaryBackend(CanaryClient(IN_PROCESS_URL, Secret(TOKEN), transport=transport), retry_delay=0)
    store = IncidentStore(backend.statuses, backend.columns)
    engine = SyncEngine(backend, store, poll_interval=10, on_change=applied.append,
                        on_status=lambda status: engine.refresh_now() if status.state == "retrying" else None)
    return engine  # r at once whenever it waits to retry


@pytest.fixture(autouse=True)
def collector_on():
    gc.enable()
    yield
    gc.enable()


async def test_a_load_that_fails_part_way_starts_again_and_shows_the_newest_first():
    state = seeded_console(backlog=2_000)
    transport = Emulator(state, fail_path="/incidents/acknowledged")
    applied: list = []
    engine = engine_on(transport, applied)
    await engine._with_retries(engine.initial_load)

    newest = state.created_order[-1][1]
    assert newest in applied[0].added
    assert not transport.fail_path  # the failure happened, after the newest were shown
    assert set(engine.store.keys()) == set(state.keys())
    assert engine.store.max_version == state.max_updated_id


async def test_no_collections_while_loading_and_they_resume_when_the_load_ends():
    transport = Emulator(seeded_console(backlog=2_000))
    engine = engine_on(transport, [])
    await engine.initial_load()
    assert transport.collecting and not any(transport.collecting)
    assert gc.isenabled()


async def test_collections_resume_after_a_failed_load():
    transport = Emulator(seeded_console(backlog=40), fail_path="/incidents/all")
    engine = engine_on(transport, [])
    with pytest.raises(ServerError):
        await engine.initial_load()
    assert transport.collecting == [False, False]  # the count, then the failed page
    assert gc.isenabled()


async def test_collections_resume_after_a_cancelled_load():
    transport = Emulator(seeded_console(backlog=40))
    transport.hold.clear()
    engine = engine_on(transport, [])
    load = asyncio.create_task(engine.initial_load())
    while not transport.collecting:
        await asyncio.sleep(0)
    assert not gc.isenabled()
    load.cancel()
    with pytest.raises(asyncio.CancelledError):
        await load
    assert gc.isenabled()
