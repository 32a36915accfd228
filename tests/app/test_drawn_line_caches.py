"""What the table and the detail pane keep drawn never outlives what it shows (issue 12).

The pane keeps the last few incidents' lines drawn, so j then k draws nothing anew; the table keeps
its rows drawn.  Coming back to an incident after it changed, after a theme change or at another
width must show what a fresh draw shows.  Each test compares the screen with a fresh app's.
"""

from __future__ import annotations

from dataclasses import replace

from tui.widgets.detail_pane import DetailPane
from tui.widgets.incident_table import IncidentTable

from .conftest import build_app, screen_lines, settle

OTHER_THEME = "textual-light"


def region_cells(app, widget_type) -> list[list[tuple[str, object]]]:
    """The text and style of every segment the terminal shows inside ``widget_type``."""
    region = app.screen.query_one(widget_type).region
    return [
        [(segment.text, segment.style) for segment in strip.crop(region.x, region.right)]
        for strip in screen_lines(app)[region.y:region.bottom]
    ]


def pane_text(app) -> list[str]:
    """The text inside the pane's border and scrollbar."""
    region = app.screen.query_one(DetailPane).scrollable_content_region
    return [strip.crop(region.x, region.right).text for strip in screen_lines(app)[region.y:region.bottom]]


async def there_and_back(pilot) -> None:
    """Away from the first incident and back: the pane draws it again from what it kept."""
    await pilot.press("j")
    await settle(pilot)
    await pilot.press("k")
    await settle(pilot)


async def fresh_pane(console, data_directory, size, **options) -> list[list[tuple[str, object]]]:
    app = build_app(console, data_directory, poll_interval=3600, **options)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await there_and_back(pilot)
        return region_cells(app, DetailPane)


async def test_an_incident_that_changed_while_kept_is_drawn_anew(console, tmp_path):
    app = build_app(console, tmp_path / "app", poll_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(IncidentTable)
        first = app.store.get(table.cursor_key)
        await pilot.press("j")
        await settle(pilot)
        # A poll brings the first incident again, changed, while the cursor is on the second.
        app.store.apply([replace(first, title="Port Scan Renamed While Away", version=first.version + 1)])
        await pilot.press("k")
        await settle(pilot)
        assert table.cursor_key == first.key
        assert pane_text(app)[0].startswith("Port Scan Renamed While Away"), pane_text(app)


async def test_a_theme_changed_while_kept_draws_the_pane_and_the_rows_in_the_new_colours(console, tmp_path):
    expected_pane = await fresh_pane(console, tmp_path / "fresh", (80, 24), theme=OTHER_THEME)
    fresh = build_app(console, tmp_path / "fresh-table", poll_interval=3600, theme=OTHER_THEME)
    async with fresh.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await there_and_back(pilot)
        expected_table = region_cells(fresh, IncidentTable)

    app = build_app(console, tmp_path / "app", poll_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        app.theme = OTHER_THEME
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        assert region_cells(app, DetailPane) == expected_pane
        assert region_cells(app, IncidentTable) == expected_table


async def test_a_width_changed_while_kept_wraps_the_pane_to_the_new_width(console, tmp_path):
    expected = await fresh_pane(console, tmp_path / "fresh", (60, 30))
    app = build_app(console, tmp_path / "app", poll_interval=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        await pilot.resize_terminal(60, 30)  # narrower: lines drawn at 100 would be cut, not wrapped
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        assert region_cells(app, DetailPane) == expected
