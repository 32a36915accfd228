"""The hostile corpus in every Log360 text field Roost shows: literal, inert, and in its place.

Each corpus string goes into a server's incident as its name, description, creator,
actors, note (and the note's author), evidence message, host and user, and the name of
the user it is assigned to; the incident is then read through the emulator's API like
any other.  The table and the detail pane are checked as the terminal receives them (see
test_hostile_text.py): no control or escape sequence, every line the terminal's width,
and the markup shown as the characters it is made of.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.conftest import settle
from detail_lines import detail_lines
from tui.backends.log360.pacer import Pacer
from tui.emulator.log360.state import DEFAULT_USERS, Log360State
from tui.screens.confirm import ConfirmDeleteScreen
from tui.screenshots import FIXED_NOW, in_process_log360_app, seeded_log360
from tui.widgets.incident_table import IncidentTable

from .hostile import CORPUS
from .test_hostile_text import SHOWN_AS, assert_terminal_safe

TOKEN = "log360-hostile-token-0123456789"
SIZES = [(80, 24), (120, 40)]
FIRST_HOSTILE_USER = 3_000_000_009_001


def hostile_server() -> tuple[Log360State, dict[str, str]]:
    """A server whose newest incidents carry one corpus string in every attacker-influenced field each."""
    server = seeded_log360(backlog=5)
    users = {name: FIRST_HOSTILE_USER + number for number, name in enumerate(CORPUS)}
    server.replace_users([*DEFAULT_USERS, *({"user_id": user_id, "user_name": CORPUS[name], "role": "Operator"}
                                            for name, user_id in users.items())])
    keys = {}
    for number, (name, text) in enumerate(CORPUS.items()):
        evidence = {"message": text, "formatted_message": text, "hostname": text, "username": text,
                    "source_ip": text, "incident_time": "2025-11-22 08:00:00", "log_org_time": "2025-11-22 07:59:00",
                    "incident_added_by": text, "category": text, "source": text}
        incident = server.create(
            name=text, description=text, by=text, assignee=users[name], created=FIXED_NOW - 60 - number,
            actors=[{"entity": [text]}, {text: [text, text]}], notes=[text], evidence=[evidence],
        )
        keys[name] = str(incident.incident_id)
    return server, keys


def hostile_app(server: Log360State, data_directory: Path):
    return in_process_log360_app(server, data_directory, token=TOKEN, connection={"pacer": Pacer(limit=1_000_000)})


def detail_text(app) -> str:
    """The detail pane's lines, without spaces: a value wrapped over lines reads as one."""
    return "".join("".join(line.split()) for line in detail_lines(app))


def squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
async def test_table_and_detail_pane_show_every_string_literally(size, tmp_path):
    server, keys = hostile_server()
    app = hostile_app(server, tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.screen.query_one(IncidentTable)
        assert table.row_keys[: len(keys)] == list(keys.values())  # newest first
        assert_terminal_safe(app, "the table")
        for name, key in keys.items():
            assert table.cursor_key == key
            await settle(pilot)
            assert_terminal_safe(app, name)
            if size == (120, 40):
                shown = detail_text(app)
                assert "loading…" not in shown, f"{name}: the notes and activity never came"
                # The name, description, creator, assignee, actors, note and its author: each literal.
                assert shown.count(squeezed(SHOWN_AS[name])) >= 6, f"{name}: not shown as {SHOWN_AS[name]!r}"
            await pilot.press("j")
        assert app.is_running and not app.crash_report


async def test_the_detail_pane_scrolled_through_stays_inert_down_to_the_evidence(tmp_path):
    """Below the first screenful, where the notes, activity and evidence are: at 80x24, where the
    pane is smallest; the evidence, the pane's last block, literal too."""
    server, keys = hostile_server()
    app = hostile_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for name in keys:
            await pilot.press("enter")  # to the detail pane
            first = assert_terminal_safe(app, name)
            await pilot.press("pagedown")
            assert_terminal_safe(app, f"{name}, scrolled")
            await pilot.press("end")
            assert assert_terminal_safe(app, f"{name}, at its evidence") != first, f"{name}: the pane did not scroll"
            shown = detail_text(app)
            assert "Evidence(1)" in shown, f"{name}: its evidence is not shown"
            assert squeezed(SHOWN_AS[name]) in shown[shown.index("Evidence(1)"):], f"{name}: evidence not literal"
            await pilot.press("tab", "j")  # back to the table, on to the next
            await settle(pilot)
        assert app.is_running and not app.crash_report


async def test_the_delete_dialog_shows_them_literally(tmp_path):
    server, keys = hostile_server()
    app = hostile_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*["space"] * len(keys), "d")
        assert isinstance(app.screen, ConfirmDeleteScreen)
        assert_terminal_safe(app, "the delete dialog")
        await pilot.press("n")
        await pilot.pause()
        assert all(server.get(int(key)) for key in keys.values())
