"""The Log360 create form (N) and assign picker (A) at 80x24 and 120x40, from a seeded emulator on a
fixed clock.

Update after an intended change with `pytest tests/app/test_log360_snapshots.py --snapshot-update`
and look at the report before committing.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from textual.widgets import Input, TextArea

from tui.backends.log360 import columns, details, filters
from tui.backends.log360.pacer import Pacer
from tui.screens.edit import CreateScreen
from tui.screens.pickers import AssignScreen
from tui.screenshots import FIXED_NOW, in_process_log360_app, seeded_log360

from .conftest import TOKEN, settle, wait_for

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


class _FixedNow(datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime.fromtimestamp(FIXED_NOW, tz)


@pytest.fixture(autouse=True)
def overdue_on_the_fixed_clock(monkeypatch):
    """The table and detail pane behind the dialog read the wall clock for "overdue": pinned."""
    for module in (columns, details, filters):
        monkeypatch.setattr(module, "datetime", _FixedNow)


def snapshot_app(data_dir):
    return in_process_log360_app(seeded_log360(), data_dir, token=TOKEN, poll_interval=3600, profile="demo log360",
                                 connection={"pacer": Pacer(limit=1_000_000)})


def _still_cursors(pilot) -> None:
    # A blinking cursor would be caught on or off at random.
    for widget in pilot.app.screen.query("Input, TextArea").results():
        if isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = False


@pytest.mark.parametrize("size", SIZES)
def test_create_form(snap_compare, snapshot_data_dir, size):
    async def open_form(pilot):
        await settle(pilot)
        await pilot.press("N")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CreateScreen), "the create form")
        await pilot.press(*"Phishing wave", "tab")
        await pilot.press(*"Three users clicked [link]")
        _still_cursors(pilot)
        await pilot.pause()

    assert snap_compare(snapshot_app(snapshot_data_dir), terminal_size=size, run_before=open_form)


@pytest.mark.parametrize("size", SIZES)
def test_assign_picker(snap_compare, snapshot_data_dir, size):
    async def open_picker(pilot):
        await settle(pilot)
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, AssignScreen), "the picker")
        await wait_for(pilot, lambda: len(pilot.app.screen.shown) > 1, "the users")
        await pilot.press("s")
        _still_cursors(pilot)
        await pilot.pause()

    assert snap_compare(snapshot_app(snapshot_data_dir), terminal_size=size, run_before=open_picker)
