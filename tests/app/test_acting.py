"""Acting in few keys: the bulk dialog from the keyboard, the delete dialog's first line, refused keys
in read-only that say why, the sort menu (O), the column picker (C) and a palette theme, both saved
to the profile.  Checked on the screen, on the emulator and in the config file."""

from __future__ import annotations

import re
import tomllib

import pytest

from tui.screens.bulk import BulkScreen
from tui.screens.confirm import ConfirmBulkScreen, ConfirmDeleteScreen
from tui.screens.view_menus import ColumnsScreen, SortMenuScreen
from tui.screenshots import in_process_log360_app, seeded_log360
from tui.widgets.incident_table import IncidentTable

from .conftest import READ_ONLY_TOKEN, build_app, screen_text, settle, wait_for, wait_for_triage

DAY = 86400
#: A user's config: the session's profile ("test console", as build_app names it) among others.
CONFIG = """\
# my consoles
default_profile = "test console"

[defaults]
poll_interval = 10  # seconds

[profile."test console"]
console = "http://console.test"
token_file = "canary.token"

[profile.lab]
console = "5678ef90"
"""


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    monkeypatch.setenv("ROOST_CONFIG", str(path))
    return path


def messages(app) -> str:
    return "\n".join(notice.message for notice in app.messages)


def header(app) -> str:
    return screen_text(app).splitlines()[1]


# --------------------------------------------------------------------------- bulk


async def test_deleting_acknowledged_incidents_older_than_three_days_takes_eight_keys(console, tmp_path):
    old = {key for key in console.keys("acknowledged") if console.get(key).created < console.now() - 3 * DAY}
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BulkScreen), "the bulk dialog")
        assert "a/u/d action · s/b/f/o/t/l filter on/off" in screen_text(app)  # the letters, on screen
        # d: delete · s: untick the source IP filled in from the table · o: older than, typed 3d.
        for key in ("d", "s", "o", "3", "d", "enter"):
            await pilot.press(key)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmBulkScreen), "the count")
        assert f"Delete {len(old)} incidents on the console?" in screen_text(app)
        await pilot.press("y")
        await wait_for_triage(pilot)
    keys = ["b", "d", "s", "o", "3", "d", "enter", "y"]
    assert len(keys) <= 8
    assert old and set(console.deleted_keys) == old


# ------------------------------------------------------------------------- delete


async def test_the_delete_dialog_says_first_that_unacknowledged_incidents_need_D(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        incident = app.store.get(app.screen.query_one(IncidentTable).cursor_key)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDeleteScreen), "the delete dialog")
        lines = screen_text(app).splitlines()
        title = next(number for number, line in enumerate(lines) if "Delete 1 incident?" in line)
        caution = next(number for number, line in enumerate(lines) if "It is unacknowledged: it needs D." in line)
        listed = next(number for number, line in enumerate(lines) if incident.source in line and "→" in line)
        assert caution == title + 1 and caution < listed


# ---------------------------------------------------------------------- read-only


async def test_a_refused_key_in_a_read_only_session_says_why(console, tmp_path):
    app = build_app(console, tmp_path, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = app.screen.query_one(IncidentTable).cursor_key
        footer = screen_text(app).splitlines()[-1]
        assert "Ack" not in footer and "Delete" not in footer  # the footer still leaves them out
        for pressed, named in (("a", "Ack"), ("d", "Delete"), ("b", "Bulk"), ("z", "Undo last status change")):
            await pilot.press(pressed)
            assert messages(app).splitlines()[-1] == (
                f"Read-only session (started read-only: --read-only or read_only in the profile): {pressed} ({named}) does nothing."
            )
        told = len(app.messages)
        await pilot.press("c")  # not a Canary key at all: nothing to explain
        await pilot.press("slash", "a")  # typed into the filter line
        assert len(app.messages) == told
        assert not console.is_acknowledged(key)


async def test_a_token_found_read_only_says_so_on_the_next_key(console, tmp_path):
    app = build_app(console, tmp_path, token=READ_ONLY_TOKEN)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await wait_for_triage(pilot)
        assert app.read_only
        await pilot.press("u")
        assert messages(app).splitlines()[-1] == (
            "Read-only session (the console refused a change: this token may not change incidents): u (Unack) does nothing."
        )


async def test_log360_status_and_edit_keys_say_why_in_read_only(tmp_path):
    app = in_process_log360_app(seeded_log360(), tmp_path, token="log360-token", read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for pressed, named in (("c", "Close"), ("t", "Take"), ("exclamation_mark", "Severity…")):
            await pilot.press(pressed)
            assert messages(app).splitlines()[-1].endswith(f"({named}) does nothing.")
        assert messages(app).splitlines()[-1].startswith("Read-only session (started read-only")


# --------------------------------------------------------------------- sort menu


def letter_of(app, title: str) -> str:
    """The letter the sort menu shows before ``title``."""
    match = re.search(rf"│\s+(\w)\s+{title}\b", screen_text(app))
    assert match, f"no letter for {title}"
    return match[1]


async def test_O_sorts_by_the_column_picked_and_picking_it_again_reverses(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("O")
        await wait_for(pilot, lambda: isinstance(app.screen, SortMenuScreen), "the sort menu")
        assert re.search(r"created\s+▼ now · again ▲", screen_text(app))  # the current sort, marked
        await pilot.press(letter_of(app, "source"))
        await wait_for(pilot, lambda: app.screen is app.main_screen, "the sort")
        assert "sort source ▼" in screen_text(app) and "Source▼" in header(app)
        sources = [app.store.get(key).source for key in app.screen.query_one(IncidentTable).row_keys]
        await pilot.press("O")
        await wait_for(pilot, lambda: isinstance(app.screen, SortMenuScreen), "the sort menu")
        await pilot.press(letter_of(app, "source"))
        await wait_for(pilot, lambda: "sort source ▲" in screen_text(app), "the reversed sort")
        assert [app.store.get(key).source for key in app.screen.query_one(IncidentTable).row_keys] == sources[::-1]


# ------------------------------------------------------------------ column picker


async def test_C_hides_a_column_at_once_and_saves_the_choice_to_the_profile(console, tmp_path, config_file):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "Port" in header(app)
        await pilot.press("C")
        await wait_for(pilot, lambda: isinstance(app.screen, ColumnsScreen), "the column picker")
        # Shown first, in the table's order: Created, Incident, Source, Bird / token, Port.
        await pilot.press("j", "j", "j", "j", "space", "enter")
        await wait_for(pilot, lambda: app.screen is app.main_screen, "the table")
        assert "Port" not in header(app) and "Source" in header(app) and "Ev" in header(app)
        await wait_for(pilot, lambda: "Saved the columns" in messages(app), "the save")
    saved = config_file.read_text()
    assert tomllib.loads(saved)["profile"]["test console"]["columns"] == ["created", "type", "src", "node", "events"]
    assert saved.startswith("# my consoles\n") and "poll_interval = 10  # seconds" in saved and "[profile.lab]" in saved


# -------------------------------------------------------------------------- theme


async def pick_theme(pilot, name: str) -> None:
    await pilot.press("ctrl+p", *"theme")
    await wait_for(pilot, lambda: re.search(r"Change theme|Theme", screen_text(pilot.app)), "the palette's theme command")
    await pilot.press("enter")
    await wait_for(pilot, lambda: "Search for themes" in screen_text(pilot.app), "the theme list")
    await pilot.press(*name)
    await wait_for(pilot, lambda: name in screen_text(pilot.app), f"{name} in the list")
    await pilot.press("enter")
    await wait_for(pilot, lambda: pilot.app.theme == name, "the theme")


async def test_a_theme_picked_in_the_palette_is_saved_to_the_profile(console, tmp_path, config_file):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pick_theme(pilot, "dracula")
        await wait_for(pilot, lambda: "Saved the theme dracula" in messages(app), "the save")
    assert tomllib.loads(config_file.read_text())["profile"]["test console"]["theme"] == "dracula"
    assert config_file.read_text().replace('theme = "dracula"\n', "") == CONFIG


async def test_a_theme_that_cannot_be_saved_is_kept_and_the_toast_says_what_to_do(console, tmp_path, config_file):
    config_file.write_text(CONFIG + "oops = \n")
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pick_theme(pilot, "dracula")
        await wait_for(pilot, lambda: "not saved" in messages(app), "the refusal")
        assert app.theme == "dracula"
    assert "This session keeps the theme dracula, but it was not saved:" in messages(app)
    assert "has an error" in messages(app) and "fix it (roost config check), then choose again" in messages(app)
    assert config_file.read_text() == CONFIG + "oops = \n"
