"""Finding incidents: the / filter, the console search (f) and a source IP's history (h)."""

from __future__ import annotations

from textual import events
from textual.widgets import DataTable, Input

from tui.filtering import parse_filter
from tui.screens.history import HistoryScreen
from tui.screens.search import SearchScreen
from tui.widgets.filter_bar import FilterBar
from tui.widgets.incident_table import IncidentTable

from .conftest import NOW, build_app, screen_text, settle, wait_for, wait_for_triage


def table(app) -> IncidentTable:
    return app.screen.query_one(IncidentTable)


def expected_keys(app, query: str, feed: str = "unacknowledged") -> set[str]:
    matches = parse_filter(query, app.backend).matches
    admitted = {"unacknowledged": lambda i: i.status == "unacknowledged", "acknowledged": lambda i: i.status == "acknowledged", "all": bool}[feed]
    return {incident.key for incident in app.store.snapshot() if admitted(incident) and matches(incident)}


async def test_slash_filters_as_you_type_and_esc_clears(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        everything = len(table(app).row_keys)
        await pilot.press("slash", *"ssh")
        wanted = expected_keys(app, "ssh")
        assert set(table(app).row_keys) == wanted and 0 < len(wanted) < everything
        assert f"/ {len(wanted)} match" in screen_text(app).splitlines()[0]
        assert f"{len(wanted)} of {everything}" in screen_text(app)
        await pilot.press(*" port:x")  # a term that cannot work: said inline, the rest still filters
        assert "port: takes a port number" in screen_text(app)
        assert set(table(app).row_keys) == wanted
        await pilot.press("escape")
        assert len(table(app).row_keys) == everything
        assert not app.screen.query_one(FilterBar).display
        assert isinstance(app.focused, IncidentTable)


async def test_enter_keeps_the_filter_while_live_updates_arrive(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"src:198.51.100.", "enter")
        assert isinstance(app.focused, IncidentTable)
        assert table(app).row_keys == []
        assert '/ src 198.51.100.' in screen_text(app)
        new = console.add_incident(logtype=4002, node_id=next(iter(console.devices)), created=NOW + 60,
                                   src_host="198.51.100.7", dst_port=22)
        console.add_incident(logtype=4002, node_id=next(iter(console.devices)), created=NOW + 61,
                             src_host="203.0.113.9", dst_port=22)
        await pilot.press("r")
        await wait_for(pilot, lambda: table(app).row_keys == [new], "the new incident in the filtered view")
        await pilot.press("escape")  # on the table, esc clears the filter (no marks to clear first)
        assert len(table(app).row_keys) > 1


async def test_keys_typed_at_once_after_slash_land_in_the_filter(console, tmp_path):
    """Over SSH "/ssh" can arrive in one read, before the line has taken focus."""
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key, character in (("slash", "/"), ("s", "s"), ("s", "s"), ("h", "h"), ("slash", "/")):
            app.post_message(events.Key(key, character))
        await wait_for(pilot, lambda: app.screen.query_one(Input).value == "ssh/", "the typed-ahead keys")


async def test_f_searches_the_console_and_acts_on_a_result(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.press(*"ssh", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen) and app.screen.results, "the results")
        await pilot.pause()
        found = table(app).row_keys
        searched = {key for key in console.keys("all")
                    if any("ssh" in console.get(key).text(name).lower() for name in ("description", "name", "src_host"))}
        assert set(found) == searched
        assert f"{len(searched)} found" in screen_text(app).splitlines()[0]
        key = next(key for key in found if not console.is_acknowledged(key))
        app.screen.table.move_cursor_to(found.index(key))
        await pilot.press("a")
        await wait_for_triage(pilot)
        assert console.is_acknowledged(key)
        await wait_for(pilot, lambda: table(app).row_keys and app.store.get(key).status == "acknowledged", "the page asked again")
        await pilot.press("escape")
        assert app.screen is app.main_screen


async def test_search_pages_and_state(console, tmp_path):
    app = build_app(console, tmp_path, page_size=10)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        app.screen.query_one("#state-acknowledged").value = True
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen) and app.screen.results, "the results")
        first = table(app).row_keys
        assert all(console.is_acknowledged(key) for key in first) and len(first) == 10
        palette = [command.title for command in app.get_system_commands(app.screen)]
        assert "Run again (r)" in palette and "Mark (space)" not in palette  # the palette acts on results
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: table(app).row_keys != first, "page 2")
        assert "page 2/" in screen_text(app)
        assert set(table(app).row_keys).isdisjoint(first)
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: table(app).row_keys == first, "page 1 again")


async def test_h_lists_the_source_history_with_deleted_incidents(console, tmp_path):
    sources = [console.get(key).text("src_host") for key in console.keys("all")]
    source = max(set(sources), key=sources.count)
    everything = [key for key in console.keys("all") if console.get(key).text("src_host") == source]
    gone, kept = everything[0], everything[-1]
    console.delete(gone)
    app = build_app(console, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.main_screen.show_incident(kept)
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.entries, "the history")
        await pilot.pause()
        history = app.screen.query_one(DataTable)
        assert history.row_count == len(everything)
        text = screen_text(app)
        assert f"History of {source}" in text and "(1 deleted)" in text and "✗ deleted" in text
        assert "first seen" in text and "last seen" in text
        history.move_cursor(row=[entry.key for entry in app.screen.entries].index(kept))
        await pilot.press("enter")
        assert app.screen is app.main_screen
        assert table(app).cursor_key == kept
