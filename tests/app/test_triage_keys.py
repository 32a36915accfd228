"""Every triage key, checked against the console (the emulator), not just the widget."""

from __future__ import annotations

import json

from tui.screens.confirm import ConfirmDeleteScreen
from tui.widgets.incident_table import IncidentTable

from .conftest import READ_ONLY_TOKEN, build_app, screen_text, settle, wait_for, wait_for_triage


def highlighted(app) -> str:
    return app.screen.query_one(IncidentTable).cursor_key


async def test_a_acknowledges_on_the_console(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")
        key = highlighted(app)
        assert not console.is_acknowledged(key)
        await pilot.press("a")
        await wait_for_triage(pilot)
        assert console.is_acknowledged(key)
        # It left the Unacknowledged view; the cursor stays on the same row index.
        assert key not in app.screen.query_one(IncidentTable).row_keys
        assert app.screen.query_one(IncidentTable).cursor_index == 2
        audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
        assert audit[-1]["action"] == "acknowledge" and audit[-1]["keys"] == [key]


async def test_u_unacknowledges_on_the_console(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")  # Acknowledged view
        key = highlighted(app)
        assert console.is_acknowledged(key)
        await pilot.press("u")
        await wait_for_triage(pilot)
        assert not console.is_acknowledged(key)
        assert "Unacknowledged 1 incident" in " ".join(str(n.message) for n in app.messages)


async def test_d_then_n_deletes_nothing(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        key = highlighted(app)
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmDeleteScreen)
        assert "Delete 1 incident?" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert console.get(key) is not None
        assert not (tmp_path / "archives").exists()


async def test_d_then_y_archives_and_deletes_an_acknowledged_incident(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        key = highlighted(app)
        await pilot.press("d", "y")
        await wait_for_triage(pilot)
        assert console.get(key) is None
        assert key in console.deleted_keys
        archives = list((tmp_path / "archives").glob("deleted-*.json"))
        assert len(archives) == 1
        archived = json.loads(archives[0].read_text())
        assert [incident["id"] for incident in archived["incidents"]] == [key]
        assert key not in app.store


async def test_deleting_an_unacknowledged_incident_needs_a_second_confirmation(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = highlighted(app)
        await pilot.press("d", "y")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDeleteScreen)
        assert "NOT acknowledged" in screen_text(app)
        assert "D acknowledges it first, then deletes" in screen_text(app)
        assert console.get(key) is not None
        await pilot.press("D")
        await wait_for_triage(pilot)
        assert console.get(key) is None
        # The console deletes only acknowledged incidents: D acknowledged it first, and the log says both.
        audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
        steps = [(entry["action"], entry["result"]) for entry in audit if entry["keys"] == [key]]
        assert steps.index(("acknowledge", "success")) < steps.index(("delete", "deleted"))


async def test_views_sort_and_pages(console, tmp_path):
    app = build_app(console, tmp_path, page_size=10)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(IncidentTable)
        unacked = console.keys("unacknowledged")
        assert len(table.row_keys) == min(10, len(unacked))
        assert f"page 1/{-(-len(unacked) // 10)}" in screen_text(app)
        await pilot.press("3")
        assert f"{len(console.keys('all'))} incidents" in screen_text(app)
        first_page = table.row_keys
        await pilot.press("right_square_bracket")
        assert table.row_keys and set(table.row_keys).isdisjoint(first_page)
        assert "page 2/" in screen_text(app)
        await pilot.press("left_square_bracket")
        assert table.row_keys == first_page
        created = [app.store.get(key).created for key in table.row_keys]
        assert created == sorted(created, reverse=True)  # newest first by default
        await pilot.press("S")
        created = [app.store.get(key).created for key in table.row_keys]
        assert created == sorted(created)


async def test_read_only_hides_and_refuses_mutating_keys(console, tmp_path):
    app = build_app(console, tmp_path, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = highlighted(app)
        footer = screen_text(app).splitlines()[-1]
        assert "Ack" not in footer and "Delete" not in footer
        await pilot.press("a", "d")
        await pilot.pause()
        assert not console.is_acknowledged(key)
        assert not isinstance(app.screen, ConfirmDeleteScreen)


async def test_a_permission_error_switches_to_read_only(console, tmp_path):
    app = build_app(console, tmp_path, token=READ_ONLY_TOKEN)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = highlighted(app)
        await pilot.press("a")
        await wait_for_triage(pilot)
        assert not console.is_acknowledged(key)
        assert app.store.get(key).status == "unacknowledged"  # rolled back
        assert app.read_only
        assert "[read-only]" in screen_text(app).splitlines()[0]


async def test_r_reconciles_deletions_made_elsewhere(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = highlighted(app)
        console.delete(key)  # someone else deleted it on the console
        await pilot.press("r")
        await wait_for(pilot, lambda: key not in app.store, "the reconcile")
        assert key not in app.screen.query_one(IncidentTable).row_keys


async def test_p_pauses_and_resumes(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        assert app.engine.paused
        assert "paused" in screen_text(app).splitlines()[0]
        await pilot.press("p")
        assert not app.engine.paused


async def test_help_lists_the_live_bindings(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 80)) as pilot:  # tall enough for every group
        await settle(pilot)
        await pilot.press("question_mark")
        text = screen_text(app)
        for expected in ("Ack", "Unack", "Delete", "Next page", "Refresh", "Pause", "Quit"):
            assert expected in text
        await pilot.press("escape")
        assert not app.screen.is_modal


async def test_enter_and_tab_move_between_table_and_detail(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        assert app.focused.id == "detail"
        await pilot.press("tab")
        assert isinstance(app.focused, IncidentTable)
        await pilot.press("v")
        assert not app.screen.query_one("#detail").display


async def test_q_quits(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.is_running
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, "the app to exit")
    assert app.return_code == 0


async def test_after_a_refused_acknowledge_the_cursor_is_back_on_that_incident(console, tmp_path):
    app = build_app(console, tmp_path, token=READ_ONLY_TOKEN)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")
        key = highlighted(app)
        await pilot.press("a")
        await wait_for_triage(pilot)
        assert not console.is_acknowledged(key)
        assert highlighted(app) == key


async def test_what_the_backend_cannot_do_is_hidden_and_refused(console, tmp_path, monkeypatch):
    from tui.backends.base import Capability
    from tui.backends.canary import CanaryBackend
    from tui.screens.help import HelpScreen
    from tui.screens.history import HistoryScreen

    # A console with no source history and no search of its own (as Log360 will be).
    monkeypatch.setattr(CanaryBackend, "capabilities", property(lambda self: frozenset({Capability.DELETE})))
    app = build_app(console, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("h", "f")
        await pilot.pause()
        assert not isinstance(app.screen, HistoryScreen) and app.screen is app.main_screen
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_text = screen_text(app)
        assert "Source IP history" not in help_text and "Search the console" not in help_text
        assert "Delete" in help_text
