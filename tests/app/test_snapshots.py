"""Screens at 80x24 and 120x40, from a seeded emulator on a fixed clock.

Update after an intended change with `pytest tests/app/test_snapshots.py --snapshot-update`
and look at the report before committing.
"""

from __future__ import annotations

import pytest

from tui.screenshots import seeded_console

from .conftest import build_app, settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def snapshot_app(data_dir):
    # Live polling far in the future: the top bar says "live" and nothing moves.
    return build_app(seeded_console(), data_dir, poll_interval=3600)


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare, snapshot_data_dir, size):
    assert snap_compare(snapshot_app(snapshot_data_dir), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_detail_pane_focused(snap_compare, snapshot_data_dir, size):
    async def open_detail(pilot):
        await settle(pilot)
        await pilot.press("j", "j", "enter")
        await settle(pilot)

    assert snap_compare(snapshot_app(snapshot_data_dir), terminal_size=size, run_before=open_detail)


@pytest.mark.parametrize("size", SIZES)
def test_delete_dialog(snap_compare, snapshot_data_dir, size):
    async def ask_to_delete(pilot):
        await settle(pilot)
        await pilot.press("d", "y")  # an unacknowledged incident: the second, explicit stage
        await pilot.pause()

    assert snap_compare(snapshot_app(snapshot_data_dir), terminal_size=size, run_before=ask_to_delete)


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare, snapshot_data_dir, size):
    async def open_help(pilot):
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(snapshot_app(snapshot_data_dir), terminal_size=size, run_before=open_help)
