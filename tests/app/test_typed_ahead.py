"""Keys typed faster than a dialog opens (a quick typist, or a burst over a slow SSH link) are typed into
its field, in order, and are not lost or taken as keys of the list beneath.

Each test sends a burst: every key is queued before the app handles the first, as a terminal read
of several keys delivers them.  Checked against the emulator's state where the dialog sends.
"""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Input

from tui.emulator.log360.state import Log360State
from tui.screens.edit import DueDateScreen, NoteScreen
from tui.screens.pickers import AssignScreen
from tui.screenshots import in_process_log360_app, seeded_log360
from tui.widgets.incident_table import IncidentTable

from .conftest import settle, wait_for, wait_for_triage

TOKEN = "roost-typed-ahead-token-71c2"


@pytest.fixture
def server() -> Log360State:
    return seeded_log360()


async def burst(pilot, opening_key: str, text: str) -> None:
    """``opening_key`` and ``text`` queued at once, then the app lets run until it has taken them all."""
    for key, character in [(opening_key, opening_key), *((("space" if c == " " else c), c) for c in text)]:
        pilot.app.post_message(events.Key(key, character))
    await pilot.pause()
    await pilot.pause()


async def test_a_closing_note_typed_straight_after_c_is_all_kept_and_sent(server, tmp_path):
    app = in_process_log360_app(server, tmp_path, token=TOKEN)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = app.screen.query_one(IncidentTable).cursor_key
        statuses_before = {incident.incident_id: (incident.status, incident.assignee) for incident in server.incidents()}
        await burst(pilot, "c", "false positive: scanner")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteScreen), "the closing note")
        # Nothing typed reached the list beneath: o (reopen), i (start), t (take), s... changed nothing there.
        assert {incident.incident_id: (incident.status, incident.assignee) for incident in server.incidents()} == statuses_before
        await pilot.press("ctrl+s")
        await wait_for_triage(pilot)
        await wait_for(pilot, lambda: server.get(int(key)).status == "closed", "the close")
        assert server.get(int(key)).notes[-1].text == "false positive: scanner"


@pytest.mark.parametrize(("opening_key", "dialog", "field"), [
    ("D", DueDateScreen, "#due-input"),
    ("A", AssignScreen, "#assign-filter"),
])
async def test_a_one_line_field_keeps_what_was_typed_before_it_opened(server, tmp_path, opening_key, dialog, field):
    app = in_process_log360_app(server, tmp_path, token=TOKEN)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, opening_key, "tomorrow 17")
        await wait_for(pilot, lambda: isinstance(app.screen, dialog), dialog.__name__)
        await wait_for(pilot, lambda: app.screen.query_one(field, Input).value == "tomorrow 17", "the typed text")
        # What is typed next follows it.
        await pilot.press("colon", "0")
        assert app.screen.query_one(field, Input).value == "tomorrow 17:0"
