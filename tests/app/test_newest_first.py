"""The first rows on screen are the newest of the view, while the rest of a 2,000-incident console
is still loading; the highlighted incident stays the same when the rest lands."""

from __future__ import annotations

from tui.emulator.faults import FaultPlan
from tui.screenshots import seeded_console

from .conftest import build_app, screen_text, settle, wait_for

# Every page answers a little late, so the screen is drawn while the load's batches land.
SLOW_PAGES = FaultPlan(rates={"slow": 1.0}, slow_seconds=(0.05, 0.05), paths=("/api/v1/incidents/",))
FIRST_ROW_LINE = 2  # under the top bar and the header
ROWS_CHECKED = 5


def row_shows(app, key: str, line: int) -> bool:
    incident = app.store.get(key)
    text = screen_text(app).splitlines()[line]
    return incident.created.strftime("%m-%d %H:%M") in text and incident.source in text


async def test_the_first_rows_shown_are_the_newest_open_incidents_and_the_cursor_stays_when_the_rest_lands(tmp_path):
    console = seeded_console(backlog=2_000)
    newest_open = [key for _, key in reversed(console.created_order) if not console.is_acknowledged(key)]
    app = build_app(console, tmp_path, faults=SLOW_PAGES)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.main_screen.table
        await wait_for(pilot, lambda: table.cursor_key is not None, "the first rows")
        assert len(app.store) < 2_000  # the load is still under way
        first_highlighted = table.cursor_key
        assert first_highlighted == newest_open[0]
        for offset, key in enumerate(newest_open[:ROWS_CHECKED]):
            assert row_shows(app, key, FIRST_ROW_LINE + offset)

        await settle(pilot)
        assert len(app.store) == 2_000
        assert table.cursor_key == first_highlighted
        assert row_shows(app, first_highlighted, FIRST_ROW_LINE)
