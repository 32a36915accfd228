"""The real app against the real emulator, in-process (httpx ASGITransport), on a fixed clock.

Tests check the console's state (the emulator's ConsoleState), not only widgets.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from typing import Callable

import pytest
from textual.geometry import Region
from textual.strip import Strip

from tui.app import RoostApp
from tui.emulator.canary.state import ConsoleState
from tui.screenshots import FIXED_NOW, SCREENSHOT_DATA_DIR, in_process_app, seeded_console, wait_until_loaded

NOW = FIXED_NOW
TOKEN = "roost-app-test-token-5f1e2d3c"
READ_ONLY_TOKEN = "roost-read-only-token-9a8b7c"


@pytest.fixture(autouse=True)
def utc_local_time(monkeypatch):
    """Times render in local time; make local time UTC so screens are the same everywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.delenv("TZ")
    time.tzset()


def build_app(state: ConsoleState, data_directory: Path, *, token: str = TOKEN, **options) -> RoostApp:
    return in_process_app(
        state, data_directory, token=token, console_token=TOKEN, read_only_token=READ_ONLY_TOKEN, **options
    )


async def wait_for(pilot, condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Let the app run until ``condition`` holds: workers talk to the emulator between pauses."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause()


async def settle(pilot) -> None:
    """Initial load finished, details loaded, nothing left to draw."""
    await wait_until_loaded(pilot.app, pilot)


def scene(*keys: str):
    """A snapshot's run_before: loaded, then ``keys``, then loaded again."""

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run_before


async def wait_for_triage(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: not [w for w in app.workers if w.group.startswith("triage") and w.is_running], "triage")
    await pilot.pause()


@pytest.fixture
def console() -> ConsoleState:
    return seeded_console()


@pytest.fixture
def snapshot_data_dir() -> Path:
    shutil.rmtree(SCREENSHOT_DATA_DIR, ignore_errors=True)
    SCREENSHOT_DATA_DIR.mkdir(parents=True)
    yield SCREENSHOT_DATA_DIR
    shutil.rmtree(SCREENSHOT_DATA_DIR, ignore_errors=True)


def screen_lines(app: RoostApp) -> list[Strip]:
    """The top screen's lines as the terminal receives them, read through Textual's public API.

    Each cell shows the topmost widget under it (``Screen.get_widget_at``), drawn by that widget's
    own ``render_lines``: what Textual's compositor puts together, segment for segment. (The public
    ``App.export_screenshot`` would not do: Rich pads and crops its lines to the terminal's width,
    which would hide a line of the wrong width.)
    """
    screen = app.screen
    width, height = app.size
    lines = []
    for y in range(height):
        pieces, x = [], 0
        while x < width:
            widget, region = screen.get_widget_at(x, y)
            end = x + 1  # the run of cells that widget shows on this line
            while end < width and screen.get_widget_at(end, y) == (widget, region):
                end += 1
            [piece] = widget.render_lines(Region(x - region.x, y - region.y, end - x, 1))
            pieces.append(piece)
            x = end
        lines.append(Strip.join(pieces))
    return lines


def screen_text(app: RoostApp) -> str:
    """What the terminal shows on the top screen, as plain text."""
    return "\n".join(strip.text for strip in screen_lines(app))
