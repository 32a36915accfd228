"""z undoes the last acknowledge or unacknowledge; e exports the view or the marks; y and Y copy."""

from __future__ import annotations

import json

from tui.emulator.canary.state import ConsoleState
from tui.screens.export import ExportScreen
from tui.widgets.incident_table import IncidentTable

from .conftest import build_app, screen_text, settle, wait_for, wait_for_triage


def table(app) -> IncidentTable:
    return app.screen.query_one(IncidentTable)


def toasts(app) -> str:
    return " ".join(str(notification.message) for notification in app.messages)


async def test_z_reverses_the_last_acknowledge_batch_on_the_console(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        chosen = table(app).row_keys[:3]
        await pilot.press("space", "space", "space", "a")
        await wait_for_triage(pilot)
        assert all(console.is_acknowledged(key) for key in chosen)
        assert "Acknowledged 3 incidents · z to undo" in toasts(app)
        await pilot.press("z")
        await wait_for_triage(pilot)
        assert not any(console.is_acknowledged(key) for key in chosen)
        assert "Undone: Unacknowledged 3 incidents" in toasts(app)
        assert set(chosen) <= set(table(app).row_keys)  # back in the Unacknowledged view
        await pilot.press("z")
        assert "Nothing to undo" in toasts(app)


async def test_z_never_undoes_a_delete(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await wait_for_triage(pilot)
        await pilot.press("2", "d", "y")
        await wait_for_triage(pilot)
        deleted = console.deleted_keys
        acknowledged = set(console.keys("acknowledged"))
        await pilot.press("z")
        await pilot.pause()
        assert "Deletes cannot be undone" in toasts(app)
        assert console.deleted_keys == deleted and set(console.keys("acknowledged")) == acknowledged


async def test_e_exports_the_view_as_json_that_a_console_reads_back(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"ssh", "enter", "e")
        assert isinstance(app.screen, ExportScreen)
        assert "Export this view" in screen_text(app)
        await pilot.press("enter")  # JSON, the default
        await wait_for(pilot, lambda: "Exported" in toasts(app), "the export")
        exported = next((tmp_path / "exports").glob("unacknowledged-filtered-*.json"))
        assert str(exported) in toasts(app).replace("\n", "")
        restored = ConsoleState()
        assert set(restored.load_feed(json.loads(exported.read_text()))) == set(app.main_screen.current_view().keys())


async def test_e_exports_the_marks_as_csv(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        chosen = table(app).row_keys[:2]
        await pilot.press("space", "space", "e")
        assert "Export the 2 marked incidents" in screen_text(app)
        await pilot.press("down", "down", "enter")
        await wait_for(pilot, lambda: "Exported 2 incidents" in toasts(app), "the export")
        lines = next((tmp_path / "exports").glob("marks-*.csv")).read_text(encoding="utf-8-sig").splitlines()
        assert lines[0].startswith("key,") and {line.split(",")[0] for line in lines[1:]} == set(chosen)


async def test_y_and_Y_copy_the_source_and_the_key(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        incident = app.store.get(table(app).cursor_key)
        await pilot.press("y")
        assert app.clipboard == incident.source
        assert f"Sent the source IP to the terminal's clipboard: {incident.source}" in toasts(app)
        await pilot.press("Y")
        assert app.clipboard == incident.key
        assert "Sent the incident key to the terminal's clipboard" in toasts(app)


async def test_a_source_that_is_not_an_ip_address_is_not_copied(console, tmp_path):
    key = console.add_incident(logtype=4002, node_id=next(iter(console.devices)), created=console.now() + 600,
                               src_host="10.0.0.1\nrm -rf ~\x1b[31m", dst_port=22)
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert table(app).cursor_key == key
        await pilot.press("y")
        assert app.clipboard == ""  # neither the raw text nor a cleaned copy that is not the value
        assert "Not copied: the source 10.0.0.1\\x0arm -rf ~\\x1b[31m is not an IP address." in toasts(app)


async def test_a_key_that_cannot_be_pasted_as_it_is_is_not_copied(console, tmp_path):
    for odd_key in ("incident:" + "k" * 5000, "incident:\u202eevil"):
        key = console.add_incident(logtype=4002, node_id=next(iter(console.devices)), created=console.now() + 600,
                                   src_host="10.0.0.1", dst_port=22, key=odd_key)
        app = build_app(console, tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert table(app).cursor_key == key
            await pilot.press("Y")
            assert app.clipboard == ""
            assert "Not copied: the incident key" in toasts(app)
        console.delete(key)


async def test_the_palettes_screenshot_is_private_to_the_user(console, tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    app = build_app(console, tmp_path / "data")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"screenshot")
        await pilot.press("enter")
        await wait_for(pilot, lambda: list((tmp_path / "data" / "screenshots").glob("*.svg")), "the screenshot")
        [saved] = (tmp_path / "data" / "screenshots").glob("*.svg")
        assert saved.stat().st_mode & 0o777 == 0o600
        assert (tmp_path / "data" / "screenshots").stat().st_mode & 0o777 == 0o700
        assert "<svg" in saved.read_text(encoding="utf-8")
        assert f"Screenshot saved to {saved}" in toasts(app)
    assert not (home / "Downloads").exists()
