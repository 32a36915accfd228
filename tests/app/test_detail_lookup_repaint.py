"""A lookup that lands for the incident shown repaints only the pane's lines it changed (issue 12).

The pane shows an incident at once with "loading…" where its history and its device go; when the
answers come, the rest of the pane stays as it was drawn: only the lines that now read otherwise
are drawn again (every line of the pane was, a frame of its own on every cursor rest).
"""

from __future__ import annotations

import asyncio

from tui.widgets.detail_pane import DetailPane

from .conftest import build_app, settle, wait_for
from .test_reading import pane_lines

#: Wide enough for the pane beside the table, tall enough to show the history and the device.
WIDE_AND_TALL = (200, 50)


async def test_a_lookup_landing_repaints_its_own_lines_and_leaves_the_rest_as_drawn(console, tmp_path):
    app = build_app(console, tmp_path, poll_interval=3600)
    async with app.run_test(size=WIDE_AND_TALL) as pilot:
        await settle(pilot)
        backend = app.details.backend
        answer = asyncio.Event()
        history = backend.history

        async def held_history(source: str):
            await answer.wait()
            return await history(source)

        backend.history = held_history
        # Down to an incident from a source not looked up yet: its pane says the history is loading.
        for _ in range(20):
            await pilot.press("j")
            await pilot.pause()
            if any("loading…" in line for line in pane_lines(app)):
                break
        await wait_for(pilot, lambda: any("loading…" in line for line in pane_lines(app)), "a pending lookup")
        await pilot.pause()
        before = pane_lines(app)

        pane = app.screen.query_one(DetailPane)
        drawn: set[int] = set()
        render_line = pane.render_line

        def recording_render_line(y: int):
            drawn.add(y)
            return render_line(y)

        pane.render_line = recording_render_line
        answer.set()
        await wait_for(pilot, lambda: not any("loading…" in line for line in pane_lines(app)), "the answers")
        await pilot.pause()
        after = pane_lines(app)

        changed = {y for y, (old, new) in enumerate(zip(before, after)) if old != new}
        history_line = next(y for y, line in enumerate(after) if line.startswith("History"))
        assert "loading…" in before[history_line] and "loading…" not in after[history_line]
        assert drawn == changed, (sorted(drawn), sorted(changed))
