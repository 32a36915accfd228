"""The Log360 edit keys (t A ! D n N E, and c's closing note), checked against the emulator's state.

Each key is driven through its picker, prompt or form on one incident and on marks; the
Canary session shows none of them.  Times are UTC (conftest) and the clock is fixed.
"""

from __future__ import annotations

import os
import time
from contextlib import nullcontext
from datetime import datetime, timezone

import pytest
from textual.widgets import Input, OptionList, TextArea

from tui.backends.base import User
from tui.backends.log360.pacer import Pacer
from tui.emulator.log360.state import UNASSIGNED, Log360State
from tui.screens.confirm import ConflictScreen
from tui.screens.edit import CreateScreen, DueDateScreen, EditScreen, NoteScreen
from tui.screens.help import HelpScreen
from tui.screens.main import MainScreen
from tui.screens.pickers import AssignScreen, SeverityScreen
from tui.screenshots import FIXED_NOW, in_process_log360_app, seeded_log360
from tui.widgets.incident_table import IncidentTable

from .conftest import build_app, screen_text, settle, wait_for, wait_for_triage

TOKEN = "roost-log360-edit-token-2b7c"
READ_ONLY_TOKEN = "roost-log360-read-only-4d1e"
NOW = datetime.fromtimestamp(FIXED_NOW, tz=timezone.utc)
EDIT_KEYS = ("t", "A", "exclamation_mark", "D", "n", "N", "E")
KOWALSKI = 3000000000211
HOSTILE_NAME = "[bold red]root[/]\x1b]52;c;ZXZpbA==\x07\u202eevil"


@pytest.fixture
def server() -> Log360State:
    return seeded_log360()


def log360_app(server: Log360State, data_directory, **options):
    # Roost's own 60-a-minute pacing is lifted: these tests send more than a minute's budget in seconds.
    return in_process_log360_app(server, data_directory, token=TOKEN, read_only_token=READ_ONLY_TOKEN,
                                 connection={"pacer": Pacer(limit=1_000_000)}, **options)


def table(app) -> IncidentTable:
    return app.screen.query_one(IncidentTable)


def incident_of(server: Log360State, key: str):
    return server.get(int(key))


async def edited(pilot, *keys: str) -> None:
    """Press ``keys``, then let the edit reach the console and the store."""
    await pilot.press(*keys)
    await wait_for_triage(pilot)
    await wait_for(pilot, lambda: not [w for w in pilot.app.workers if w.group.startswith("edit") and w.is_running],
                   "edits")
    await pilot.pause()


async def on_screen(pilot, kind) -> None:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, kind), kind.__name__)


async def type_text(pilot, text: str) -> None:
    await pilot.press(*("space" if char == " " else char for char in text))


def with_users(app, *users: User) -> None:
    """The console's users as the backend gives them (the emulator cannot say who the token is)."""

    async def users_list() -> tuple[User, ...]:
        return users

    app.backend.users = users_list


# ------------------------------------------------------------------- who sees them


async def test_canary_shows_none_of_the_edit_keys(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        enabled = {key for key, active in app.screen.active_bindings.items() if active.enabled}
        assert not enabled & set(EDIT_KEYS)
        for key in EDIT_KEYS:
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)
        await pilot.press("question_mark")
        help_text = screen_text(app)
        assert "Take" not in help_text and "New incident" not in help_text and "Edit" not in help_text


async def test_log360_help_lists_every_edit_key(server, tmp_path):
    app = log360_app(server, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await on_screen(pilot, HelpScreen)
        help_text = screen_text(app)
        for description in ("Take", "Assign…", "Severity…", "Due date…", "Add note…", "New incident…", "Edit name…"):
            assert description in help_text


async def test_a_read_only_session_hides_the_edit_keys(server, tmp_path):
    app = in_process_log360_app(server, tmp_path, token=READ_ONLY_TOKEN, server_token=TOKEN,
                                read_only_token=READ_ONLY_TOKEN, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        enabled = {key for key, active in app.screen.active_bindings.items() if active.enabled}
        assert not enabled & set(EDIT_KEYS)


# ------------------------------------------------------------------------- assignee


async def test_t_assigns_the_highlighted_incident_to_me(server, tmp_path):
    app = log360_app(server, tmp_path)
    with_users(app, User(str(KOWALSKI), "s.kowalski", me=True), User("3000000000101", "admin"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = table(app).cursor_key
        await edited(pilot, "t")
        assert incident_of(server, key).assignee == KOWALSKI


async def test_t_without_a_known_me_opens_the_picker(server, tmp_path):
    app = log360_app(server, tmp_path)
    with_users(app, User("3000000000101", "admin"), User(str(KOWALSKI), "s.kowalski"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = table(app).cursor_key
        await pilot.press("t")
        await on_screen(pilot, AssignScreen)
        await type_text(pilot, "kow")
        await edited(pilot, "enter")
        assert incident_of(server, key).assignee == KOWALSKI


async def test_A_filters_as_you_type_and_lists_unassigned_first(server, tmp_path):
    app = log360_app(server, tmp_path)
    with_users(app, User("3000000000203", "d.mwangi"), User(str(KOWALSKI), "s.kowalski"),
               User("3000000000101", "admin"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await on_screen(pilot, AssignScreen)
        picker = app.screen
        await wait_for(pilot, lambda: len(picker.shown) == 4, "the users")
        assert [user.name for user in picker.shown] == ["Unassigned", "admin", "d.mwangi", "s.kowalski"]
        await type_text(pilot, "MW")  # any case
        assert [user.name for user in picker.shown] == ["d.mwangi"]
        await type_text(pilot, "zz")
        assert picker.shown == [] and picker.query_one(OptionList).option_count == 0
        await pilot.press("enter")
        assert "Nobody matches" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_A_assigns_and_unassigns_on_the_console(server, tmp_path):
    app = log360_app(server, tmp_path)
    with_users(app, User("3000000000101", "admin"), User(str(KOWALSKI), "s.kowalski"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = table(app).cursor_key
        await pilot.press("A")
        await on_screen(pilot, AssignScreen)
        await type_text(pilot, "s.k")
        await edited(pilot, "enter")
        assert incident_of(server, key).assignee == KOWALSKI
        await pilot.press("A")
        await on_screen(pilot, AssignScreen)
        await type_text(pilot, "unass")
        await edited(pilot, "enter")
        assert incident_of(server, key).assignee == UNASSIGNED


async def test_A_on_marks_assigns_every_marked_incident(server, tmp_path):
    app = log360_app(server, tmp_path)
    with_users(app, User(str(KOWALSKI), "s.kowalski"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = table(app).cursor_key
        await pilot.press("space")
        second = table(app).cursor_key
        await pilot.press("space")
        untouched = table(app).cursor_key
        before = incident_of(server, untouched).assignee
        await pilot.press("A")
        await on_screen(pilot, AssignScreen)
        await type_text(pilot, "kow")
        await edited(pilot, "enter")
        assert incident_of(server, first).assignee == KOWALSKI
        assert incident_of(server, second).assignee == KOWALSKI
        assert incident_of(server, untouched).assignee == before


async def test_user_names_from_the_console_are_shown_literally(server, tmp_path):
    app = log360_app(server, tmp_path)
    with_users(app, User("3000000000666", HOSTILE_NAME))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await on_screen(pilot, AssignScreen)
        await wait_for(pilot, lambda: len(app.screen.shown) == 2, "the users")
        shown = screen_text(app)
        assert "[bold red]root[/]\\x1b]52;c;ZXZpbA==\\x07\\u202eevil" in shown
        assert "\x1b" not in shown and "\u202e" not in shown


# ------------------------------------------------------------------------- severity


async def test_bang_sets_the_severity_of_one_and_of_marks(server, tmp_path):
    app = log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = table(app).cursor_key
        await pilot.press("exclamation_mark")
        await on_screen(pilot, SeverityScreen)
        choices = [spec.id for spec in app.backend.severities]
        assert "▲ Critical" in screen_text(app)
        wanted = next(spec for spec in choices if spec != incident_of(server, key).severity)
        app.screen.query_one(OptionList).highlighted = choices.index(wanted)
        await edited(pilot, "enter")
        assert incident_of(server, key).severity == wanted

        await pilot.press("space", "space")
        marked = app.screen.marks.keys()
        await pilot.press("exclamation_mark")
        await on_screen(pilot, SeverityScreen)
        app.screen.query_one(OptionList).highlighted = choices.index("attention")
        await edited(pilot, "enter")
        assert {incident_of(server, marked_key).severity for marked_key in marked} == {"attention"}


# ------------------------------------------------------------------------- due date


async def test_D_sets_a_due_date_and_empty_clears_it(server, tmp_path):
    app = log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = table(app).cursor_key
        await pilot.press("D")
        await on_screen(pilot, DueDateScreen)
        await type_text(pilot, "+2d")
        assert "→ Mon 2025-11-24 08:26 (in 2d 0h)" in screen_text(app)
        await edited(pilot, "enter")
        assert incident_of(server, key).due_date == FIXED_NOW + 2 * 86400
        await pilot.press("D")
        await on_screen(pilot, DueDateScreen)
        assert "No due date: enter clears it." in screen_text(app)
        await edited(pilot, "enter")
        assert incident_of(server, key).due_date is None


async def test_D_says_what_is_wrong_and_sends_nothing(server, tmp_path):
    app = log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = table(app).cursor_key
        before = incident_of(server, key).due_date
        await pilot.press("D")
        await on_screen(pilot, DueDateScreen)
        await type_text(pilot, "soon")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DueDateScreen)
        assert "Not a due date: soon." in screen_text(app)
        await pilot.press(*["backspace"] * 4)
        await type_text(pilot, "today 7:00")
        await pilot.press("enter")
        await pilot.pause()
        assert "Sat 2025-11-22 07:00 is in the past" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert incident_of(server, key).due_date == before


async def test_D_on_marks_sets_every_marked_due_date(server, tmp_path):
    app = log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "space")
        marked = app.screen.marks.keys()
        await pilot.press("D")
        await on_screen(pilot, DueDateScreen)
        await type_text(pilot, "2025-11-25T17:00")
        await edited(pilot, "enter")
        due = int(datetime(2025, 11, 25, 17, tzinfo=timezone.utc).timestamp())
        assert {incident_of(server, key).due_date for key in marked} == {due}


# ---------------------------------------------------------------------------- notes


async def test_n_adds_a_note_and_refuses_an_empty_one(server, tmp_path):
    app = log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = table(app).cursor_key
        notes_before = len(incident_of(server, key).notes)
        await pilot.press("n")
        await on_screen(pilot, NoteScreen)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NoteScreen) and "A note needs some text" in screen_text(app)
        await type_text(pilot, "checked the DC")
        await pilot.press("enter")
        await type_text(pilot, "[b]not markup[/b]")
        await edited(pilot, "ctrl+s")
        notes = incident_of(server, key).notes
        assert len(notes) == notes_before + 1
        assert notes[-1].text == "checked the DC\n[b]not markup[/b]"


async def test_n_on_marks_adds_the_note_to_each(server, tmp_path):
    app = log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space")
        marked = app.screen.marks.keys()
        await pilot.press("n")
        await on_screen(pilot, NoteScreen)
        await type_text(pilot, "same root cause")
        await edited(pilot, "ctrl+s")
        assert all(incident_of(server, key).notes[-1].text == "same root cause" for key in marked)


async def test_ctrl_e_writes_the_note_in_the_editor_through_a_private_temp_file(server, tmp_path, monkeypatch):
    seen = tmp_path / "seen"
    editor = tmp_path / "editor.sh"
    editor.write_text(f'#!/bin/sh\nstat -c %a "$1" > {seen}\necho "$1" >> {seen}\n'
                      'printf "from the editor\\n\\033[31mred\\n\\n" >> "$1"\n')
    editor.chmod(0o700)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    app = log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        monkeypatch.setattr(app, "suspend", nullcontext)  # a headless test terminal cannot be handed over
        await settle(pilot)
        key = table(app).cursor_key
        await pilot.press("n")
        await on_screen(pilot, NoteScreen)
        await type_text(pilot, "typed first")
        await pilot.press("ctrl+e")
        await pilot.pause()
        mode, path = seen.read_text().split()
        assert mode == "600"
        assert not os.path.exists(path)
        await edited(pilot, "ctrl+s")
        # The escape the editor left is dropped; the rest is sent as written.
        assert incident_of(server, key).notes[-1].text == "typed firstfrom the editor\n[31mred"


# --------------------------------------------------------------------------- closing


async def test_c_asks_for_a_closing_note_and_closes_with_it(server, tmp_path):
    app = log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = table(app).cursor_key
        await pilot.press("c")
        await on_screen(pilot, NoteScreen)
        assert "empty: closes it without a note" in screen_text(app)
        await type_text(pilot, "false positive")
        await edited(pilot, "ctrl+s")
        assert incident_of(server, key).status == "closed"
        assert incident_of(server, key).notes[-1].text == "false positive"


async def test_c_with_an_empty_note_closes_without_one_and_esc_sends_nothing(server, tmp_path):
    app = log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = table(app).cursor_key
        notes_before = len(incident_of(server, key).notes)
        await pilot.press("c")
        await on_screen(pilot, NoteScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert incident_of(server, key).status != "closed"
        assert "Not closed: nothing was sent." in [notice.message for notice in app.messages]
        await pilot.press("c")
        await on_screen(pilot, NoteScreen)
        await edited(pilot, "ctrl+s")
        assert incident_of(server, key).status == "closed"
        assert len(incident_of(server, key).notes) == notes_before


async def test_c_on_marks_closes_each_with_the_note(server, tmp_path):
    app = log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space")
        marked = app.screen.marks.keys()
        await pilot.press("c")
        await on_screen(pilot, NoteScreen)
        assert "2 incidents" in screen_text(app)
        await type_text(pilot, "batch")
        await edited(pilot, "ctrl+s")
        for key in marked:
            assert incident_of(server, key).status == "closed"
            assert incident_of(server, key).notes[-1].text == "batch"


# ------------------------------------------------------------------- create and edit


async def test_N_creates_an_incident_from_the_form(server, tmp_path):
    app = log360_app(server, tmp_path)
    with_users(app, User(str(KOWALSKI), "s.kowalski"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        count = len(server)
        await pilot.press("N")
        await on_screen(pilot, CreateScreen)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CreateScreen) and "needs a name" in screen_text(app)
        await type_text(pilot, "Phishing wave")
        await pilot.press("tab")
        await type_text(pilot, "three users clicked")
        app.screen.query_one("#severity-critical").value = True
        app.screen.query_one("#status-in_progress").value = True
        app.screen.query_one("#form-assignee").press()
        await on_screen(pilot, AssignScreen)
        await type_text(pilot, "kow")
        await pilot.press("enter")
        await on_screen(pilot, CreateScreen)
        app.screen.query_one("#form-due", Input).value = "tomorrow 17:00"
        await edited(pilot, "ctrl+s")
        await wait_for(pilot, lambda: len(server) == count + 1, "the new incident")
        created = server.find_by_name("Phishing wave")
        assert created.description == "three users clicked"
        assert (created.severity, created.status, created.assignee) == ("critical", "in_progress", KOWALSKI)
        assert created.due_date == int(datetime(2025, 11, 23, 17, tzinfo=timezone.utc).timestamp())


async def test_N_refuses_a_due_date_it_cannot_read(server, tmp_path):
    app = log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        count = len(server)
        await pilot.press("N")
        await on_screen(pilot, CreateScreen)
        await type_text(pilot, "Something")
        app.screen.query_one("#form-due", Input).value = "whenever"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CreateScreen)
        assert "Due: Not a due date: whenever." in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert len(server) == count


async def test_E_edits_only_what_was_changed(server, tmp_path):
    app = log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = table(app).cursor_key
        description = incident_of(server, key).description
        await pilot.press("E")
        await on_screen(pilot, EditScreen)
        name = app.screen.query_one("#form-name", Input)
        assert name.value == incident_of(server, key).name
        name.value = "Renamed by the analyst"
        await edited(pilot, "ctrl+s")
        assert incident_of(server, key).name == "Renamed by the analyst"
        assert incident_of(server, key).description == description
        await pilot.press("E")
        await on_screen(pilot, EditScreen)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Nothing changed: nothing was sent." in [notice.message for notice in app.messages]


async def test_E_keeps_a_hostile_name_exact_unless_it_is_edited(server, tmp_path):
    app = log360_app(server, tmp_path)
    key = str(server.incidents()[0].incident_id)
    server.update(int(key), "admin", {"name": HOSTILE_NAME})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.show_incident(key)
        await pilot.press("E")
        await on_screen(pilot, EditScreen)
        assert "\x1b" not in app.screen.query_one("#form-name", Input).value
        app.screen.query_one("#form-description", TextArea).load_text("new text")
        await edited(pilot, "ctrl+s")
        assert incident_of(server, key).name == HOSTILE_NAME
        assert incident_of(server, key).description == "new text"


async def test_z_puts_back_the_severity_and_assignee_an_edit_changed(server, tmp_path):
    app = log360_app(server, tmp_path)
    with_users(app, User(str(KOWALSKI), "s.kowalski"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = table(app).cursor_key
        severity, assignee = incident_of(server, key).severity, incident_of(server, key).assignee
        await pilot.press("exclamation_mark")
        await on_screen(pilot, SeverityScreen)
        choices = [spec.id for spec in app.backend.severities]
        app.screen.query_one(OptionList).highlighted = choices.index(next(c for c in choices if c != severity))
        await edited(pilot, "enter")
        assert incident_of(server, key).severity != severity
        await edited(pilot, "z")
        assert incident_of(server, key).severity == severity
        await pilot.press("A")
        await on_screen(pilot, AssignScreen)
        await type_text(pilot, "kow")
        await edited(pilot, "enter")
        assert incident_of(server, key).assignee == KOWALSKI != assignee
        await edited(pilot, "z")
        assert incident_of(server, key).assignee == assignee


# ------------------------------------------------------------------------- conflicts


async def change_behind_roosts_back_then_set_severity(pilot, server: Log360State) -> tuple[str, str, str]:
    """A colleague sets one severity, then the analyst picks another: (key, theirs, ours)."""
    app = pilot.app
    key = table(app).cursor_key
    theirs = "trouble" if incident_of(server, key).severity != "trouble" else "critical"
    ours = next(spec.id for spec in app.backend.severities if spec.id not in (theirs, incident_of(server, key).severity))
    server.update(int(key), "a.colleague", {"severity": theirs})  # another analyst, behind Roost's back
    await pilot.press("exclamation_mark")
    await on_screen(pilot, SeverityScreen)
    app.screen.query_one(OptionList).highlighted = [spec.id for spec in app.backend.severities].index(ours)
    await edited(pilot, "enter")
    return key, theirs, ours


@pytest.mark.parametrize("answer", ["n", "escape"])
async def test_an_edit_of_an_incident_changed_meanwhile_sends_nothing_asks_and_no_shows_their_change(
        server, tmp_path, answer):
    server.clock = time.time  # the colleague's change is dated now, after Roost last listed it
    app = log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key, theirs, _ = await change_behind_roosts_back_then_set_severity(pilot, server)

        await on_screen(pilot, ConflictScreen)
        assert incident_of(server, key).severity == theirs  # nothing of ours was sent
        shown = screen_text(app)
        assert "changed on the console since you looked" in shown and "a.colleague" in shown
        await pilot.press(answer)
        await wait_for(pilot, lambda: app.store.get(key).severity == theirs, "their change on screen")
        assert incident_of(server, key).severity == theirs


async def test_send_anyway_puts_the_analysts_change_over_the_colleagues(server, tmp_path):
    server.clock = time.time
    app = log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key, theirs, ours = await change_behind_roosts_back_then_set_severity(pilot, server)
        await on_screen(pilot, ConflictScreen)
        await edited(pilot, "y")
        assert incident_of(server, key).severity == ours
        assert app.store.get(key).severity == ours
        await edited(pilot, "z")  # undo puts back what the analyst saw before: theirs is gone either way
        assert incident_of(server, key).severity != ours
