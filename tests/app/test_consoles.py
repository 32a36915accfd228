"""Several consoles at once, a tab each: two Canary emulators and a Log360 emulator in-process.

Each test checks the emulators' own state: an action lands on its console and nowhere else.
"""

from __future__ import annotations

import json
import tomllib

import httpx
import pytest

from tui.emulator.canary.state import ConsoleState
from tui.emulator.log360.state import Log360State
from tui.screenshots import in_process_consoles, seeded_console, seeded_log360
from tui.screens.edit import NoteScreen
from tui.widgets.tab_bar import TabBar
from tui.widgets.status_bar import TopBar

from .conftest import screen_lines, screen_text, settle, wait_for, wait_for_triage

TOKENS = {"prod": "prod-token-1a2b3c4d5e", "lab": "lab-token-9f8e7d6c5b", "siem": "siem-token-0a9b8c7d6e"}


class RecordingTransport(httpx.ASGITransport):
    """Every request an emulator is sent, as (host, the URL and every header value)."""

    sent: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        RecordingTransport.sent.append((request.url.host, " ".join([str(request.url), *request.headers.values()])))
        return await super().handle_async_request(request)


@pytest.fixture
def prod() -> ConsoleState:
    return seeded_console(backlog=40, seed=7)


@pytest.fixture
def lab() -> ConsoleState:
    return seeded_console(backlog=12, seed=3)


@pytest.fixture
def siem() -> Log360State:
    return seeded_log360(backlog=20)


def three_consoles(prod, lab, siem, tmp_path, **options):
    return in_process_consoles(
        [("prod", prod, TOKENS["prod"]), ("lab", lab, TOKENS["lab"]), ("siem", siem, TOKENS["siem"])],
        tmp_path, poll_interval=3600, **options)


def unacknowledged(console: ConsoleState) -> int:
    return len(console.keys("unacknowledged"))


def tab_line(app) -> str:
    return screen_text(app).splitlines()[0]


def console_named(app) -> str:
    return app.screen.query_one(TopBar).render().plain


async def test_each_console_has_a_tab_with_its_open_count_and_live_state(prod, lab, siem, tmp_path):
    app = three_consoles(prod, lab, siem, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        line = tab_line(app)
        open_siem = sum(1 for incident in siem.incidents() if incident.status != "closed")
        assert f"1 prod {unacknowledged(prod)} ● live" in line
        assert f"2 lab {unacknowledged(lab)} ● live" in line
        assert f"3 siem {open_siem} ● live" in line
        assert "prod" in console_named(app)


async def test_tab_keys_switch_consoles_and_each_tab_keeps_its_place(prod, lab, siem, tmp_path):
    app = three_consoles(prod, lab, siem, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")
        prod_cursor = app.screen.table.cursor_key
        await pilot.press("ctrl+right")
        assert " lab " in console_named(app)
        await pilot.press("alt+3")
        assert " siem " in console_named(app)
        await pilot.press("ctrl+pageup")
        assert " lab " in console_named(app)
        # tmux and most terminals send alt+1 as ESC 1, which Textual reads as "¡".
        await pilot.press("inverted_exclamation_mark")
        assert " prod " in console_named(app)
        assert app.screen.table.cursor_key == prod_cursor
        await pilot.press("ctrl+left")  # round to the inbox, the first tab
        assert " Inbox " in console_named(app)


async def test_a_tab_shown_again_says_what_changed_while_it_was_hidden(prod, lab, siem, tmp_path):
    # A tab's bar and footer keep the line they were drawn as while hidden (a switch draws little):
    # what changed meanwhile must still be there when it is shown again.
    app = three_consoles(prod, lab, siem, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space")  # a mark on prod
        assert "1 marked" in screen_text(app).splitlines()[-1]
        await pilot.press("ctrl+right")
        assert "marked" not in screen_text(app).splitlines()[-1]
        lab_before = unacknowledged(lab)
        await pilot.press("a")
        await wait_for_triage(pilot)
        assert unacknowledged(lab) == lab_before - 1
        await pilot.press("ctrl+left")
        await settle(pilot)
        lines = screen_text(app).splitlines()
        assert " prod " in console_named(app)
        assert f"2 lab {lab_before - 1} " in lines[0]
        assert "1 marked" in lines[-1]
        active = [tab.name for tab in app.screen.query_one(TabBar).tabs if tab.active]
        assert active == ["prod"]


async def test_tabs_not_yet_shown_are_built_out_of_sight_and_work_when_shown(prod, lab, siem, tmp_path):
    app = three_consoles(prod, lab, siem, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: all(app.main_screen_of(tab) is not None for tab in app.tabs), "every tab built")
        assert " prod " in console_named(app)  # building never showed another tab
        await pilot.press("alt+2")
        assert " lab " in console_named(app)
        key = app.screen.table.cursor_key
        assert key in lab.keys("unacknowledged")
        await pilot.press("a")
        await wait_for_triage(pilot)
        assert lab.is_acknowledged(key)


async def test_an_acknowledge_on_one_tab_lands_on_that_console_only(prod, lab, siem, tmp_path):
    app = three_consoles(prod, lab, siem, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        prod_before, siem_before = unacknowledged(prod), {i.incident_id: i.status for i in siem.incidents()}
        await pilot.press("ctrl+right")
        key = app.screen.table.cursor_key
        assert key in lab.keys("unacknowledged")
        await pilot.press("a")
        await wait_for_triage(pilot)
        assert lab.is_acknowledged(key)
        assert unacknowledged(prod) == prod_before
        assert {i.incident_id: i.status for i in siem.incidents()} == siem_before
        assert any(notice.message.startswith("lab: Acknowledged") for notice in app.messages)
        assert f"2 lab {unacknowledged(lab)} " in tab_line(app)
        audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
        assert audit[-1]["profile"] == "lab" and audit[-1]["keys"] == [key]


async def test_a_console_refusing_its_token_says_so_on_its_tab_while_the_others_stay_live(prod, lab, siem, tmp_path):
    app = three_consoles(prod, lab, siem, tmp_path, accepted={"prod": "the-token-prod-knows-is-another"})
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.sessions[0].sync_status.state == "offline", "prod offline")
        await wait_for(pilot, lambda: all(s.sync_status.state == "live" for s in app.sessions[1:]), "the others live")
        line = tab_line(app)
        assert "1 prod 0 ✗ offline" in line
        assert "2 lab" in line and "● live" in line
        await pilot.press("ctrl+right")
        key = app.screen.table.cursor_key
        await pilot.press("a")
        await wait_for_triage(pilot)
        assert lab.is_acknowledged(key)


async def test_each_token_goes_only_to_its_own_console(prod, lab, siem, tmp_path):
    RecordingTransport.sent = []
    app = three_consoles(prod, lab, siem, tmp_path, transport=RecordingTransport)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(3):  # an action and a refresh on every tab
            await pilot.press("a", "r")
            await wait_for_triage(pilot)
            await pilot.press("ctrl+right")
        await settle(pilot)
    hosts = {host for host, _ in RecordingTransport.sent}
    assert hosts == {"prod.test", "lab.test", "siem.test"}
    for host, request in RecordingTransport.sent:
        profile = host.removesuffix(".test")
        assert TOKENS[profile] in request
        assert not [other for name, other in TOKENS.items() if name != profile and other in request]


async def test_one_console_has_no_tab_bar_and_no_tab_keys(prod, tmp_path):
    app = in_process_consoles([("prod", prod, TOKENS["prod"])], tmp_path, poll_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not app.screen.query(TabBar)
        before = screen_text(app)
        await pilot.press("ctrl+right", "alt+2")
        assert screen_text(app) == before


# ----------------------------------------------------------------------- the inbox


def open_in(siem: Log360State) -> set[str]:
    return {str(incident.incident_id) for incident in siem.incidents() if incident.status != "closed"}


def statuses(siem: Log360State) -> dict[str, str]:
    return {str(incident.incident_id): incident.status for incident in siem.incidents()}


async def inbox_with_one_of_each_marked(pilot) -> tuple[dict[str, str], dict[str, str]]:
    """The inbox, loaded, with one incident of each console marked: {console: inbox key}, {console: its own key}."""
    await settle(pilot)
    await pilot.press("alt+0")
    marked = await mark_one_of_each(pilot)
    app = pilot.app
    return marked, {name: app.inbox.own(app.store.get(key))[1].key for name, key in marked.items()}


async def mark_one_of_each(pilot) -> dict[str, str]:
    """Space on the first inbox row of each console; {console: inbox key} of what was marked."""
    marked: dict[str, str] = {}
    table = pilot.app.screen.table
    for index, key in enumerate(table.row_keys):
        console = pilot.app.inbox.session_of(key).name
        if console not in marked:
            table.move_cursor_to(index)
            await pilot.press("space")
            marked[console] = key
    return marked


async def test_the_inbox_holds_every_consoles_open_incidents_newest_first(prod, lab, siem, tmp_path):
    app = three_consoles(prod, lab, siem, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("alt+0")
        assert "Inbox" in console_named(app)
        expected = unacknowledged(prod) + unacknowledged(lab) + len(open_in(siem))
        assert f"0 Inbox {expected}" in tab_line(app)
        rows = [app.store.get(key) for key in app.screen.table.row_keys]
        assert [row.created for row in rows] == sorted((row.created for row in rows), reverse=True)
        consoles = {app.inbox.session_of(row.key).name for row in rows}
        assert consoles == {"prod", "lab", "siem"}
        assert "Console" in screen_text(app).splitlines()[2]
        await pilot.press("slash", *"console:lab", "enter")
        shown = [app.inbox.own(app.store.get(key))[1].key for key in app.screen.table.row_keys]
        assert sorted(shown) == sorted(lab.keys("unacknowledged"))


async def test_a_mixed_marked_acknowledge_and_close_land_on_each_console_and_nowhere_else(prod, lab, siem, tmp_path):
    app = three_consoles(prod, lab, siem, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("alt+0")
        marked = await mark_one_of_each(pilot)
        prod_key, lab_key, siem_id = (app.inbox.own(app.store.get(marked[name]))[1].key for name in ("prod", "lab", "siem"))
        prod_before, lab_before, siem_before = set(prod.keys("unacknowledged")), set(lab.keys("unacknowledged")), statuses(siem)
        await pilot.press("a")
        await wait_for_triage(pilot)
        assert set(prod.keys("unacknowledged")) == prod_before - {prod_key}
        assert set(lab.keys("unacknowledged")) == lab_before - {lab_key}
        assert statuses(siem) == siem_before  # Log360 has no acknowledge: left as it was
        assert app.screen.marks.keys() == (marked["siem"],)  # and left marked for its own key
        messages = [notice.message for notice in app.messages]
        assert any(message.startswith("prod: Acknowledged 1") for message in messages)
        assert any(message.startswith("lab: Acknowledged 1") for message in messages)
        assert any(message.startswith("siem: This console has no acknowledge") for message in messages)
        await pilot.press("c")  # Log360 keeps notes: the close asks for one, naming the console
        await wait_for(pilot, lambda: isinstance(app.screen, NoteScreen), "the closing note")
        assert "a closing note on siem" in screen_text(app)
        await pilot.press(*"dup", "ctrl+s")
        await wait_for_triage(pilot)
        await wait_for(pilot, lambda: not [w for w in app.workers if w.is_running and w.group.startswith(("triage", "edit"))],
                       "the close")
        assert statuses(siem) == {**siem_before, siem_id: "closed"}
        assert siem.get(int(siem_id)).notes[-1].text == "dup"
        assert set(prod.keys("unacknowledged")) == prod_before - {prod_key}
        assert marked["siem"] not in app.store  # closed: out of the inbox


async def test_a_close_from_the_inbox_cancelled_at_its_note_sends_nothing(prod, lab, siem, tmp_path):
    app = three_consoles(prod, lab, siem, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("alt+0", "slash", *"console:siem", "enter")
        before = statuses(siem)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteScreen), "the closing note")
        await pilot.press("escape")
        await pilot.pause()
        assert statuses(siem) == before
        assert any(notice.message == "Inbox: Not closed: nothing was sent." for notice in app.messages)


async def test_a_delete_from_the_inbox_is_confirmed_per_console_and_archived_by_each(prod, lab, siem, tmp_path):
    app = three_consoles(prod, lab, siem, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        marked, own = await inbox_with_one_of_each_marked(pilot)
        await pilot.press("d")
        await pilot.pause()
        dialog = screen_text(app)
        assert "Delete 3 incidents: 1 on " in dialog
        assert all(f"1 on {name}" in dialog for name in ("prod", "lab", "siem"))
        assert "prod: " in dialog and "lab: " in dialog  # each Canary console's acknowledge-first step
        await pilot.press("y", "D")
        await wait_for_triage(pilot)
        assert own["prod"] in prod.deleted_keys and own["lab"] in lab.deleted_keys
        assert siem.get(int(own["siem"])) is None
        assert len(prod.deleted_keys) == len(lab.deleted_keys) == 1
        archived = "".join(path.read_text() for path in (tmp_path / "archives").iterdir())
        assert all(key in archived for key in own.values())
        audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
        deleted = {(entry["profile"], tuple(entry["keys"])) for entry in audit if entry["result"] == "deleted"}
        assert deleted == {("prod", (own["prod"],)), ("lab", (own["lab"],)), ("siem", (own["siem"],))}


async def test_a_read_only_console_stays_read_only_inside_the_inbox(prod, lab, siem, tmp_path):
    app = three_consoles(prod, lab, siem, tmp_path, read_only=("lab",))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("alt+0")
        marked = await mark_one_of_each(pilot)
        prod_key = app.inbox.own(app.store.get(marked["prod"]))[1].key
        lab_before = set(lab.keys("unacknowledged"))
        await pilot.press("a")
        await wait_for_triage(pilot)
        assert set(lab.keys("unacknowledged")) == lab_before
        assert prod_key not in prod.keys("unacknowledged")
        assert any(notice.message.startswith("lab: Read-only") for notice in app.messages)
        assert "2 lab" in tab_line(app) and " ro" in tab_line(app)


async def test_z_in_the_inbox_takes_back_its_last_action_on_each_console(prod, lab, siem, tmp_path):
    app = three_consoles(prod, lab, siem, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        prod_before, lab_before = set(prod.keys("unacknowledged")), set(lab.keys("unacknowledged"))
        await pilot.press("alt+0")
        await mark_one_of_each(pilot)
        await pilot.press("a")
        await wait_for_triage(pilot)
        assert set(prod.keys("unacknowledged")) != prod_before and set(lab.keys("unacknowledged")) != lab_before
        await pilot.press("z")
        await wait_for_triage(pilot)
        assert set(prod.keys("unacknowledged")) == prod_before and set(lab.keys("unacknowledged")) == lab_before


async def test_an_export_from_the_inbox_writes_a_file_per_console_of_its_own_incidents(prod, lab, siem, tmp_path):
    app = three_consoles(prod, lab, siem, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        marked, own = await inbox_with_one_of_each_marked(pilot)
        await pilot.press("e", "enter")
        await wait_for(pilot, lambda: sum("Exported 1 incidents" in n.message for n in app.messages) == 3, "three files")
        for name in ("prod", "lab", "siem"):
            (written,) = (tmp_path / "exports").glob(f"marks-*-{name}.json")
            assert len(json.loads(written.read_text())["incidents"]) == 1
            assert own[name] in written.read_text()


async def test_a_dialog_names_the_console_it_acts_on(prod, lab, siem, tmp_path):
    app = three_consoles(prod, lab, siem, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("alt+2", "d")
        await pilot.pause()
        assert "▀ lab ▀" in screen_text(app)
        await pilot.press("n")
        assert any(notice.message == "lab: Delete cancelled: nothing was sent." for notice in app.messages)


async def test_a_tab_shown_again_takes_a_theme_and_a_size_chosen_on_another(prod, lab, siem, tmp_path):
    app = three_consoles(prod, lab, siem, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+right")  # lab, drawn in the dark theme at 80x24
        await settle(pilot)
        dark = list(screen_lines(app)[2])[0].style
        dark_tabs = list(screen_lines(app)[0])[0].style
        await pilot.press("ctrl+left")
        app.theme = "textual-light"
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        await pilot.press("ctrl+right")
        await settle(pilot)
        assert " lab " in console_named(app)
        assert list(screen_lines(app)[2])[0].style != dark
        assert list(screen_lines(app)[0])[0].style != dark_tabs
        assert app.screen.table.region.width == 72 and app.screen.detail.region.x == 72  # the pane beside, at 120


async def test_a_theme_chosen_among_several_consoles_is_saved_for_every_profile(prod, lab, siem, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('[profile.prod]\nconsole = "http://prod.test"\n')
    monkeypatch.setenv("ROOST_CONFIG", str(config))
    app = three_consoles(prod, lab, siem, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("alt+0")
        app.use_theme("dracula")
        await wait_for(pilot, lambda: any("Saved the theme dracula to [defaults]" in n.message for n in app.messages),
                       "the save")
    assert tomllib.loads(config.read_text())["defaults"]["theme"] == "dracula"
