"""Marks: space, V, *, esc; a, u, d act on them; they follow incidents by key through refreshes."""

from __future__ import annotations

import asyncio
import json

from tui.backends.errors import ServerError
from tui.screens.confirm import ConfirmDeleteScreen
from tui.widgets.incident_table import IncidentTable

from .conftest import NOW, build_app, screen_text, settle, wait_for, wait_for_triage


def table(app) -> IncidentTable:
    return app.screen.query_one(IncidentTable)


def marks(app) -> set[str]:
    return set(app.main_screen.marks)


def footer(app) -> str:
    return screen_text(app).splitlines()[-1]


async def test_space_marks_and_a_acknowledges_exactly_the_marked_incidents(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        rows = table(app).row_keys
        await pilot.press("space", "j", "space", "space")  # rows 0, 2 and 3: space moves down
        marked = {rows[0], rows[2], rows[3]}
        assert marks(app) == marked
        assert "▌3 marked" in screen_text(app).splitlines()[0]
        assert "ack/unack/delete 3 marked" in footer(app) and "esc Unmark" in footer(app)
        await pilot.press("a")
        await wait_for_triage(pilot)
        assert {key for key in rows if console.is_acknowledged(key)} == marked
        assert marks(app) == set()  # sent: the marks are spent
        assert "a Ack" in footer(app)
        audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
        assert set(audit[-1]["keys"]) == marked


async def test_marks_survive_a_refresh_that_adds_and_removes_incidents(console, tmp_path):
    app = build_app(console, tmp_path, page_size=10)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "space")
        first, second, third = table(app).row_keys[:3]
        await pilot.press("right_square_bracket", "space")  # one on the next page too
        on_page_two = table(app).row_keys[0]
        await pilot.press("left_square_bracket")
        before = len(app.store)
        for number in range(2):
            console.add_incident(logtype=4002, node_id=next(iter(console.devices)), created=NOW + 60 + number,
                                 src_host=f"198.51.100.{number}", dst_port=22)
        console.delete(second)  # deleted elsewhere: its mark goes with it
        console.delete(table(app).row_keys[5])  # and an unmarked one
        await pilot.press("r")
        await wait_for(pilot, lambda: len(app.store) == before, "the poll and the reconcile")
        await wait_for(pilot, lambda: second not in app.store, "the reconcile")
        assert marks(app) == {first, third, on_page_two}
        assert "▌3 marked" in screen_text(app).splitlines()[0]
        assert {first, third} <= set(table(app).row_keys)
        assert sum(line.startswith("▌") for line in screen_text(app).splitlines()) == 2  # drawn marked
        await pilot.press("a")
        await wait_for_triage(pilot)
        assert all(console.is_acknowledged(key) for key in (first, third, on_page_two))


async def test_V_marks_a_range_across_pages_and_star_marks_the_whole_filtered_view(console, tmp_path):
    app = build_app(console, tmp_path, page_size=10)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        view = app.main_screen.current_view()
        await pilot.press("j", "j", "V")  # the range starts at row 2
        await pilot.press("right_square_bracket", "j", "j", "j", "V")  # ... and ends at row 13
        assert marks(app) == set(view.keys(2, 14))
        await pilot.press("enter", "escape")  # from the detail pane, esc only goes back to the table
        assert len(marks(app)) == 12
        await pilot.press("escape")
        assert marks(app) == set()
        await pilot.press("slash", *"ssh", "enter")
        filtered = set(app.main_screen.current_view().keys())
        assert 0 < len(filtered) < len(view)
        await pilot.press("asterisk")
        assert marks(app) == filtered
        await pilot.press("asterisk")  # again: unmarks them
        assert marks(app) == set()


async def test_d_on_marks_lists_them_and_archives_before_deleting(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        chosen = table(app).row_keys[:8]
        await pilot.press(*["space"] * 8, "d")
        assert isinstance(app.screen, ConfirmDeleteScreen)
        text = screen_text(app)
        assert "Delete 8 incidents?" in text and "… and 2 more" in text
        await pilot.press("y")
        await wait_for_triage(pilot)
        assert all(console.get(key) is None for key in chosen)
        archive = next((tmp_path / "archives").glob("deleted-*.json"))
        assert {raw["id"] for raw in json.loads(archive.read_text())["incidents"]} == set(chosen)


async def test_a_large_batch_shows_progress_and_what_failed_stays_marked(console, tmp_path, monkeypatch):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        rows = table(app).row_keys[:5]
        failing = rows[1]
        gate = asyncio.Event()
        acknowledge = app.backend.client.acknowledge

        async def slow_and_sometimes_failing(key):
            await gate.wait()
            if key == failing:
                raise ServerError("the console had a bad moment")
            return await acknowledge(key)

        monkeypatch.setattr(app.backend.client, "acknowledge", slow_and_sometimes_failing)
        await pilot.press(*["space"] * 5, "a")
        await wait_for(pilot, lambda: "acknowledging 5…" in screen_text(app), "the progress line")
        gate.set()
        await wait_for_triage(pilot)
        assert [console.is_acknowledged(key) for key in rows] == [True, False, True, True, True]
        assert marks(app) == {failing}
        messages = " ".join(str(n.message) for n in app.messages)
        assert "Acknowledged 4 of 5; 1 failed" in messages and "stay marked" in messages
        assert "acknowledging" not in screen_text(app)


async def test_marks_work_read_only_but_actions_on_them_do_not(console, tmp_path):
    app = build_app(console, tmp_path, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = table(app).cursor_key
        await pilot.press("space", "a", "b", "z")
        assert marks(app) == {key}  # marks still serve exports
        assert not console.is_acknowledged(key)
        assert app.screen is app.main_screen  # b opened nothing
        assert "Bulk" not in footer(app) and "ack/unack" not in footer(app)
        assert "[read-only]" in screen_text(app).splitlines()[0]
