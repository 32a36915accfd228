"""What the cheaper keys must still show (issue 12): the detail pane builds and draws only the lines
on screen and counts the rest without wrapping them, and it follows the cursor however fast j goes.

Speed is measured in bench/bench_ui.py, not here.
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from tui.widgets.detail_pane import DetailPane, render_detail
from tui.widgets.incident_table import IncidentTable

from .conftest import build_app, settle
from .test_reading import console_with_brute_force, highlight, pane_lines


def whole_render(pane: DetailPane, width: int) -> list[str]:
    """The pane's document drawn at once, as a Rich render draws it."""
    console = Console(width=width, file=io.StringIO(), color_system=None, legacy_windows=False)
    rendered = console.render_lines(render_detail(pane.context), console.options, pad=False)
    return ["".join(segment.text for segment in line).rstrip() for line in rendered]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_scrolling_the_pane_shows_every_line_of_a_long_incident_and_no_more(size, tmp_path):
    state, key = console_with_brute_force()
    app = build_app(state, tmp_path, poll_interval=3600)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await highlight(pilot, key)
        await pilot.press("enter")
        pane = app.screen.query_one(DetailPane)
        expected = whole_render(pane, pane.scrollable_content_region.width)
        seen = pane_lines(app)
        while pane.scroll_y < pane.max_scroll_y:
            await pilot.press("j")
            seen.append(pane_lines(app)[-1])
        assert seen == expected
        assert pane.virtual_size.height == len(expected)


async def test_the_pane_shows_the_highlighted_incident_after_fast_presses(tmp_path):
    state, _ = console_with_brute_force()
    app = build_app(state, tmp_path, poll_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(IncidentTable)
        for presses in ("jjjjj", "jjkjj", "kkkkk"):
            await pilot.press(*presses)  # faster than the pane's rest delay: it catches up once
            await settle(pilot)
            pane = app.screen.query_one(DetailPane)
            incident = app.store.get(table.cursor_key)
            title = app.details.context(incident)[0].title
            assert pane.context.incident.key == incident.key
            assert pane_lines(app)[0].startswith(title[:30])
            assert pane_lines(app) == whole_render(pane, pane.scrollable_content_region.width)[: len(pane_lines(app))]
