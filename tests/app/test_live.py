"""Live updates keep the analyst's place; attacker text stays literal on screen."""

from __future__ import annotations

from tui.widgets.incident_table import IncidentTable

from .conftest import NOW, build_app, screen_text, settle, wait_for


def screen_line_of(app, key: str) -> int:
    """The line of the screen that shows the incident ``key`` (by its source and creation minute)."""
    incident = app.store.get(key)
    minute = incident.created.strftime("%m-%d %H:%M")
    [line] = [number for number, text in enumerate(screen_text(app).splitlines()) if incident.source in text and minute in text]
    return line


async def test_a_poll_with_new_incidents_keeps_the_cursor_on_the_same_incident(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(IncidentTable)
        await pilot.press("j", "j", "j")
        key, index, line = table.cursor_key, table.cursor_index, screen_line_of(app, table.cursor_key)
        before = len(app.store)
        # Three new incidents land at the top of the view (newest first).
        for number in range(3):
            console.add_incident(logtype=4002, node_id=next(iter(console.devices)), created=NOW + 60 + number,
                                 src_host=f"198.51.100.{number}", dst_port=22,
                                 events=[{"USERNAME": "root", "PASSWORD": "x", "timestamp": NOW + 60 + number}])
        await pilot.press("r")
        await wait_for(pilot, lambda: len(app.store) == before + 3, "the poll")
        await pilot.pause()
        assert table.cursor_key == key  # the same incident stays highlighted
        assert table.cursor_index == index + 3  # ... three rows further down the page
        assert screen_line_of(app, key) == line  # ... at the same place on screen
        assert app.engine.new_incidents.count == 3
        assert "+3 new" in screen_text(app).splitlines()[0]


async def test_markup_and_escape_sequences_in_incident_fields_are_shown_literally(console, tmp_path):
    hostile_user = "[bold red]x[/]"
    hostile_password = "\x1b]0;pwned\x07\x1b[31mred"
    key = console.add_incident(
        logtype=4002,
        node_id=next(iter(console.devices)),
        created=NOW + 600,
        src_host="203.0.113.66",
        src_host_reverse="[link=https://evil.example]click[/link]",
        dst_port=22,
        events=[{"USERNAME": hostile_user, "PASSWORD": hostile_password, "timestamp": NOW + 600}],
    )
    app = build_app(console, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(IncidentTable).cursor_key == key
        text = screen_text(app)
        assert "USERNAME=[bold red]x[/]" in text
        assert "\\x1b]0;pwned\\x07\\x1b[31mred" in text
        # The reverse DNS wraps under its value (hanging indent) at this width; the markup is still text.
        assert "[link=https://evil.example]click[/l" in text
        assert "\x1b" not in text and "\x07" not in text


async def test_no_animations_by_default(console, tmp_path, monkeypatch):
    monkeypatch.delenv("TEXTUAL_ANIMATIONS", raising=False)
    app = build_app(console, tmp_path)
    assert app.animation_level == "none"


def test_table_columns_match_what_a_profile_may_choose():
    # A profile chooses among the backend's columns (config checks against them); the table
    # draws every one of them after its own flag and status glyph.
    from tui.backends.canary import CanaryBackend
    from tui.widgets.incident_table import layout_columns, own_columns

    may_choose = [column.id for column in CanaryBackend.columns]
    drawn = layout_columns(own_columns(CanaryBackend.statuses), CanaryBackend.columns, width=200)
    assert set(may_choose) == {column.id for column, _ in drawn} - {"flag", "state"}


async def test_a_profile_chooses_and_orders_the_table_columns(console, tmp_path):
    app = build_app(console, tmp_path, columns=("src", "type"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        header = screen_text(app).splitlines()[1]
        assert header.index("Source") < header.index("Incident")
        assert "Created" not in header and "Port" not in header


async def test_a_profile_asking_for_desktop_notifications_gets_one_per_arrival_cleaned(console, tmp_path):
    app = build_app(console, tmp_path, notify="osc777", profile="prod\x1b]0;x\x07")
    written: list[str] = []
    app.write_to_terminal = written.append
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert written == []  # the initial load is not news
        before = len(app.store)
        for number in range(2):
            console.add_incident(logtype=4002, node_id=next(iter(console.devices)), created=NOW + 60 + number,
                                 src_host=f"198.51.100.{number}", dst_port=22,
                                 events=[{"USERNAME": "root", "timestamp": NOW + 60 + number}])
        await pilot.press("r")
        await wait_for(pilot, lambda: len(app.store) == before + 2, "the poll")
        await pilot.pause()
    [sequence] = written
    assert sequence.startswith("\x1b]777;notify;Roost · prod\\x1b]0,x\\x07;2 new: ")
    assert sequence.endswith("\x07") and "\x1b" not in sequence[1:]


async def test_no_desktop_notification_unless_asked(console, tmp_path):
    app = build_app(console, tmp_path)
    written: list[str] = []
    app.write_to_terminal = written.append
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = len(app.store)
        console.add_incident(logtype=4002, node_id=next(iter(console.devices)), created=NOW + 60, src_host="198.51.100.9",
                             dst_port=22, events=[{"USERNAME": "root", "timestamp": NOW + 60}])
        await pilot.press("r")
        await wait_for(pilot, lambda: len(app.store) == before + 1, "the poll")
    assert written == []
