"""The real app against the real emulator, in-process (httpx ASGITransport), on a fixed clock.

Tests check the console's state (the emulator's ConsoleState), not only widgets.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import httpx
import pytest

from tui.api.canary import CanaryClient
from tui.app import RoostApp
from tui.config import Settings
from tui.emulator.app import create_app
from tui.emulator.generator import populate
from tui.emulator.state import ConsoleState
from tui.secret import Secret

NOW = 1_763_800_000  # 2025-11-22 08:26:40 UTC
TOKEN = "roost-app-test-token-5f1e2d3c"
READ_ONLY_TOKEN = "roost-read-only-token-9a8b7c"
CONSOLE_URL = "http://console.test"
# Snapshots show the archive path: keep it the same on every machine.
SNAPSHOT_DATA_DIR = Path("/tmp/roost-snapshot-data")


@pytest.fixture(autouse=True)
def utc_local_time(monkeypatch):
    """Times render in local time; make local time UTC so screens are the same everywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.delenv("TZ")
    time.tzset()


def seeded_console(backlog: int = 40, seed: int = 7) -> ConsoleState:
    state = ConsoleState(clock=lambda: NOW)
    populate(state, backlog, seed)
    return state


def build_app(
    state: ConsoleState,
    data_directory: Path,
    *,
    token: str = TOKEN,
    read_only: bool = False,
    poll_interval: float = 0,
    page_size: int = 100,
) -> RoostApp:
    emulator = create_app(state, TOKEN, read_only_token=READ_ONLY_TOKEN)
    client = CanaryClient(CONSOLE_URL, Secret(token), transport=httpx.ASGITransport(app=emulator))
    settings = Settings(
        console=CONSOLE_URL,
        token=Secret(token),
        profile="test console",
        read_only=read_only,
        poll_interval=poll_interval,
        page_size=page_size,
    )
    app = RoostApp(
        settings,
        client,
        data_directory=data_directory,
        clock=lambda: datetime.fromtimestamp(NOW, tz=timezone.utc),
    )
    app.detail_delay = 0
    return app


async def wait_for(pilot, condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Let the app run until ``condition`` holds: workers talk to the emulator between pauses."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause()


async def settle(pilot) -> None:
    """Initial load finished, details loaded, nothing left to draw."""
    app = pilot.app
    await wait_for(pilot, lambda: app.sync_status.state in ("live", "manual", "paused"), "the initial load")
    await pilot.pause()
    await wait_for(pilot, lambda: not [w for w in app.workers if w.group == "details" and w.is_running], "details")
    await pilot.pause()


async def wait_for_triage(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: not [w for w in app.workers if w.group.startswith("triage") and w.is_running], "triage")
    await pilot.pause()


@pytest.fixture
def console() -> ConsoleState:
    return seeded_console()


@pytest.fixture
def snapshot_data_dir() -> Path:
    shutil.rmtree(SNAPSHOT_DATA_DIR, ignore_errors=True)
    SNAPSHOT_DATA_DIR.mkdir(parents=True)
    yield SNAPSHOT_DATA_DIR
    shutil.rmtree(SNAPSHOT_DATA_DIR, ignore_errors=True)


def screen_text(app: RoostApp) -> str:
    """What the terminal shows on the top screen, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
