"""The ``/`` line never waits on a filter over a large store (issue 12): the filtering runs on a
thread, the line says so until the table shows its result, and a query dropped meanwhile (esc, a
newer letter) never reaches the table."""

from __future__ import annotations

import threading

import pytest

from tui.store import PendingView
from tui.widgets.filter_bar import FilterBar
from tui.widgets.incident_table import IncidentTable

from .conftest import build_app, screen_text, settle, wait_for
from .test_find import expected_keys


@pytest.fixture
def held_filtering(monkeypatch) -> threading.Event:
    """Every view is filtered on a thread (as for a large store), and waits until the event is set."""
    release = threading.Event()
    build = PendingView.build

    def held(pending: PendingView) -> bool:
        release.wait(10)
        return build(pending)

    monkeypatch.setattr(FilterBar, "FILTER_ON_THREAD_FROM", 1)
    monkeypatch.setattr(PendingView, "build", held)
    return release


def filter_line(app) -> str:
    return next(line for line in screen_text(app).splitlines() if line.startswith("/ "))


async def test_the_line_says_filtering_until_the_table_shows_the_query_and_esc_drops_it(console, tmp_path, held_filtering):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(IncidentTable)
        everything = table.row_keys
        await pilot.press("slash", *"ssh")
        # Typed at once; the table still shows what it showed, and the line says why.
        assert filter_line(app).startswith("/ ssh") and "filtering…" in filter_line(app)
        assert table.row_keys == everything
        held_filtering.set()
        await wait_for(pilot, lambda: "filtering…" not in filter_line(app), "the filtered view")
        wanted = expected_keys(app, "ssh")
        assert set(table.row_keys) == wanted and 0 < len(wanted) < len(everything)
        assert f"{len(wanted)} of {len(everything)}" in filter_line(app)

        held_filtering.clear()
        await pilot.press("backspace", "backspace", "backspace", "p")  # a new query, held
        assert "filtering…" in filter_line(app)
        await pilot.press("escape")  # cleared before it was filtered
        held_filtering.set()
        await wait_for(pilot, lambda: not [worker for worker in app.workers if worker.group == "filter-line" and worker.is_running],
                       "the dropped query's thread")
        await pilot.pause()
        assert table.row_keys == everything
        assert not app.screen.query_one(FilterBar).display
        assert "filtered" not in screen_text(app)
