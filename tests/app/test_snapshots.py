"""Screens at 80x24 and 120x40, from a seeded emulator on a fixed clock.

Update after an intended change with `pytest tests/app/test_snapshots.py --snapshot-update`
and look at the report before committing.
"""

from __future__ import annotations

import pytest

from tui.screenshots import seeded_console

from .conftest import build_app, settle, wait_for, wait_for_triage

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


async def _press(pilot, *keys):
    await pilot.press(*keys)
    await settle(pilot)


def _scene(*keys, wait_for_screen=None):
    """Settle, press ``keys``, and (for screens that load from the console) wait for ``wait_for_screen``."""

    async def run_before(pilot):
        await settle(pilot)
        await _press(pilot, *keys)
        if wait_for_screen is not None:
            await wait_for(pilot, lambda: wait_for_screen(pilot.app), "the screen to load")
            await settle(pilot)

    return run_before


async def _history_with_a_deleted_incident(pilot):
    """The seeded console's busiest source, after one of its incidents was deleted."""
    await settle(pilot)
    await _press(pilot, "2", "slash", *"45.155", "enter", "d", "y")
    await wait_for_triage(pilot)
    await _press(pilot, "h")
    await wait_for(pilot, lambda: getattr(pilot.app.screen, "entries", None), "the history")
    pilot.app.clear_notifications()  # the delete's toast names its archive by the wall clock
    await settle(pilot)


SCENES = {
    "marks": _scene("space", "j", "space", "space"),
    "filter": _scene("slash", *"ssh port:x"),
    "bulk_dialog": _scene("j", "b"),
    "bulk_confirm": _scene("b", "enter", wait_for_screen=lambda app: type(app.screen).__name__ == "ConfirmBulkScreen"),
    "export_dialog": _scene("space", "space", "e"),
    "search_form": _scene("f", *"ssh"),
    "search_results": _scene("f", *"ssh", "enter", wait_for_screen=lambda app: getattr(app.screen, "results", None)),
    "history": _history_with_a_deleted_incident,
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scene", list(SCENES))
def test_triage_at_scale_screens(snap_compare, snapshot_data_dir, size, scene):
    assert snap_compare(snapshot_app(snapshot_data_dir), terminal_size=size, run_before=SCENES[scene])
