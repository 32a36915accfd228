"""Incident and event times at the edge of the representable range, east and west of UTC.

A time of 9999-12-31 23:59:59 UTC is year 10000 in Kiritimati (+14), and
0001-01-01 00:00 UTC is year 0 at -12: converting them to local time used to
raise OverflowError while drawing the table or the detail pane, so Roost died
at every start until the incident was gone.  Every screen that shows times must
draw them, showing the value as sent (in UTC) when the zone cannot hold it.
"""

from __future__ import annotations

import time

import pytest

from app.conftest import settle, wait_for
from detail_lines import detail_lines
from tui.screens.history import HistoryScreen
from tui.screens.search import SearchScreen
from tui.screenshots import FIXED_NOW, in_process_app, seeded_console
from tui.widgets.incident_table import IncidentTable

TOKEN = "edge-times-test-token-0123456789"
LAST_SECOND = 253_402_300_799  # 9999-12-31T23:59:59Z
FIRST_SECOND = -62_135_596_800  # 0001-01-01T00:00:00Z
SOURCE = "203.0.113.99"


@pytest.fixture(params=["Pacific/Kiritimati", "Etc/GMT+12"])
def local_zone(request, monkeypatch):
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def edge_console():
    """Incidents from one source created at the last and the first second, with events at both."""
    console = seeded_console(backlog=3)
    bird = next(iter(console.devices))
    events = [{"USERNAME": "root", "timestamp": LAST_SECOND}, {"USERNAME": "admin", "timestamp": FIRST_SECOND}]
    keys = [
        console.add_incident(logtype=4002, node_id=bird, key=f"incident:sshlogin:edge:{created}", created=created,
                             src_host=SOURCE, events=events)
        for created in (LAST_SECOND, FIRST_SECOND)
    ]
    return console, keys


def detail_text(app) -> str:
    return "\n".join(detail_lines(app))


def table_text(app) -> str:
    table = app.screen.query_one(IncidentTable)
    return "\n".join(table.render_line(y).text for y in range(table.size.height))


async def test_every_screen_draws_edge_times_in_any_zone(local_zone, tmp_path):
    console, keys = edge_console()
    app = in_process_app(console, tmp_path, token=TOKEN, now=FIXED_NOW)
    async with app.run_test(size=(140, 40)) as pilot:  # wide: the table shows whole dates
        await settle(pilot)
        await pilot.press("3")  # All
        await settle(pilot)
        table = app.screen.query_one(IncidentTable)
        assert set(keys) <= set(table.row_keys)
        app.export_screenshot()  # the whole screen drawn
        for key in keys:
            while table.cursor_key != key:
                await pilot.press("j")
            await settle(pilot)
            app.export_screenshot()
            shown = detail_text(app)
            assert "Created " in shown and "USERNAME=root" in shown and "USERNAME=admin" in shown
        # Whichever of the two the zone cannot hold is shown as sent, in UTC, in the table and the pane.
        out_of_range = "9999-12-31T23:59:59Z" if local_zone == "Pacific/Kiritimati" else "0001-01-01T00:00:00Z"
        assert out_of_range[:10] in table_text(app)
        assert out_of_range in detail_text(app)

        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.entries, "the history")
        await pilot.pause()
        app.export_screenshot()
        assert {entry.key for entry in app.screen.entries} >= set(keys)
        await pilot.press("escape")

        await pilot.press("f")
        await pilot.press("enter")  # search for everything
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen) and app.screen.results, "the search")
        await settle(pilot)
        search_table = app.screen.query_one(IncidentTable)
        assert set(keys) <= set(search_table.row_keys)
        for key in keys:
            while search_table.cursor_key != key:
                await pilot.press("j")
            await settle(pilot)
            app.export_screenshot()
        assert app.is_running and not app.crash_report
