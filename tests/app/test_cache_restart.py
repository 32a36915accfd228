"""A restart shows the newest cached rows of the opening view before the console answers anything."""

from __future__ import annotations

import asyncio

import httpx

from tui.backends.registry import open_backend
from tui.cache import SnapshotCache, cache_path_for
from tui.config import Settings
from tui.emulator.canary.app import create_app
from tui.launch import opening, session_app
from tui.screenshots import IN_PROCESS_URL
from tui.secret import Secret

from .conftest import TOKEN, settle, wait_for


class HeldTransport(httpx.ASGITransport):
    """The emulator, whose every answer waits until ``release`` is set."""

    def __init__(self, app, release: asyncio.Event) -> None:
        super().__init__(app=app)
        self.release = release
        self.asked = 0

    async def handle_async_request(self, request):
        self.asked += 1
        await self.release.wait()
        return await super().handle_async_request(request)


async def filled_cache(console, tmp_path, monkeypatch) -> tuple[Settings, object, object, list[str]]:
    """A first run's cache of ``console``: settings, the documents format, the cache's path, and the
    first run's newest ten rows."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    settings = Settings(console=IN_PROCESS_URL, token=Secret(TOKEN), profile="test console", poll_interval=0, page_size=10)
    documents = open_backend(settings, transport=httpx.ASGITransport(app=create_app(console, TOKEN))).documents
    path = cache_path_for(settings.console, tmp_path / "cache")
    first_cache = SnapshotCache(path, documents)
    backend = open_backend(settings, transport=httpx.ASGITransport(app=create_app(console, TOKEN)))
    first = session_app([opening(settings, backend, first_cache)])
    async with first.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        newest = first.main_screen.table.row_keys[:10]
    first_cache.close()
    return settings, documents, path, newest


async def test_the_newest_cached_rows_show_before_the_console_answers(console, tmp_path, monkeypatch):
    settings, documents, path, newest = await filled_cache(console, tmp_path, monkeypatch)
    newest = newest[:5]
    release = asyncio.Event()
    transport = HeldTransport(create_app(console, TOKEN), release)
    second_cache = SnapshotCache(path, documents)
    second = session_app([opening(settings, open_backend(settings, transport=transport), second_cache)])
    async with second.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: second.main_screen.table.row_keys[:5] == newest, "the cached rows")
        # The cache may paint before the first request is even sent: wait for one, held unanswered.
        await wait_for(pilot, lambda: transport.asked >= 1, "a request to the console")
        assert second.main_screen.table.row_keys[:5] == newest and not release.is_set()
        release.set()
        await settle(pilot)
        assert second.main_screen.table.row_keys[:5] == newest
    second_cache.close()


async def test_a_restart_draws_its_first_frame_with_the_cached_page_then_reads_the_rest(console, tmp_path, monkeypatch):
    settings, documents, path, newest = await filled_cache(console, tmp_path, monkeypatch)
    release = asyncio.Event()
    transport = HeldTransport(create_app(console, TOKEN), release)
    second_cache = SnapshotCache(path, documents)
    restart = opening(settings, open_backend(settings, transport=transport), second_cache)
    # Before the app exists, nothing asked: the page it opens on is already in its store ...
    assert {incident.key for incident in restart.store.snapshot()} == set(newest) and transport.asked == 0
    second = session_app([restart])
    async with second.run_test(size=(80, 24)) as pilot:
        # ... so the first frame shows it, and the rest of the cache follows, each incident once.
        assert second.main_screen.table.row_keys[:10] == newest
        await wait_for(pilot, lambda: len(restart.store) == len(console.keys("all")), "the rest of the cache")
        assert {incident.key for incident in restart.store.snapshot()} == set(console.keys("all"))
        release.set()
        await settle(pilot)
    second_cache.close()


async def test_the_collector_paused_for_startup_runs_again_once_the_cached_page_is_drawn(console, tmp_path, monkeypatch):
    """`roost` pauses the garbage collector while it starts (issue 12); a restart's first frame ends
    that pause, so a long session never runs without one."""
    import gc

    from tui.collector import pause_for_startup

    settings, documents, path, newest = await filled_cache(console, tmp_path, monkeypatch)
    release = asyncio.Event()
    transport = HeldTransport(create_app(console, TOKEN), release)
    second_cache = SnapshotCache(path, documents)
    try:
        pause_for_startup()
        second = session_app([opening(settings, open_backend(settings, transport=transport), second_cache)])
        async with second.run_test(size=(80, 24)) as pilot:
            assert not gc.isenabled()  # built, not drawn yet
            await wait_for(pilot, lambda: len(second.main_screen.table.row_keys) >= 10, "the cached rows")
            assert second.main_screen.table.row_keys[:10] == newest
            release.set()  # the load from the console pauses the collector too, until it is in
            await settle(pilot)
            await wait_for(pilot, gc.isenabled, "the collector to run again")
    finally:
        second_cache.close()
        gc.enable()
        gc.unfreeze()
