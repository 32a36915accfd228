"""Reading an incident (issue 11): the detail pane leads with what the attacker did, scrolls with
j/k/g/G, zooms to the whole screen with Z; history and search name birds and flocks like the main
view; y/Y say where the copy went.

Against the real app and the emulator on a fixed clock; the snapshots at the end show the new layout
(update them with `pytest tests/app/test_reading.py --snapshot-update` and look at the report).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

import pytest

from tui.backends.log360 import columns, details, filters
from tui.backends.log360.pacer import Pacer
from tui.emulator.canary.state import ConsoleState, Device
from tui.screens.history import HistoryScreen
from tui.screens.search import SearchScreen
from tui.screenshots import FIXED_NOW, in_process_log360_app, seeded_console, seeded_log360
from tui.widgets.detail_pane import DetailPane
from tui.widgets.incident_table import IncidentTable

from .conftest import TOKEN, build_app, screen_text, settle, wait_for

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
ATTACKER = "203.0.113.50"
EVENT_TIME = re.compile(r"^\d\d:\d\d:\d\d ")
# An SSH brute force: how often each username and password was tried (the counts the pane must show).
USERNAMES = {"root": 40, "admin": 25, "oracle": 15, "pi": 10}
PASSWORDS = {"123456": 33, "password": 27, "toor": 20, "letmein": 10}
CLIENT = "SSH-2.0-" + "libssh_0.9.6-" * 12  # a long value with no space to break it


def dmz_bird(state: ConsoleState) -> Device:
    """A bird outside the default flock, so its flock has a name of its own."""
    return next(device for device in state.devices.values() if state.flocks[device.flock_id] == "DMZ")


def add_ssh_brute_force(state: ConsoleState, *, source: str = ATTACKER, created: int = FIXED_NOW - 600) -> str:
    """~90 events, each username and password tried as often as USERNAMES and PASSWORDS say, interleaved."""
    usernames = [name for name, times in USERNAMES.items() for _ in range(times)]
    passwords = [word for word, times in PASSWORDS.items() for _ in range(times)]
    events = [
        {"USERNAME": usernames[(index * 7) % 90], "PASSWORD": passwords[(index * 11) % 90], "REMOTEVERSION": CLIENT,
         "LOCALVERSION": "SSH-2.0-OpenSSH_5.1p1 Debian-4", "timestamp": created + index * 3}
        for index in range(90)
    ]
    return state.add_incident(logtype=4002, node_id=dmz_bird(state).node_id, created=created, src_host=source,
                              src_port=52113, dst_port=22, events=events)


def console_with_brute_force() -> tuple[ConsoleState, str]:
    state = seeded_console()
    return state, add_ssh_brute_force(state)


async def highlight(pilot, key: str) -> None:
    table = pilot.app.screen.query_one(IncidentTable)
    for _ in range(100):
        if table.cursor_key == key:
            break
        await pilot.press("j")
    assert table.cursor_key == key
    await settle(pilot)


def pane_lines(app) -> list[str]:
    """What the terminal shows inside the detail pane."""
    region = app.screen.query_one(DetailPane).scrollable_content_region
    return [line[region.x:region.right].rstrip() for line in screen_text(app).split("\n")[region.y:region.bottom]]


def counted(values: list[str]) -> str:
    """"root ×40 · admin ×25 …": the most frequent first, as the pane writes them."""
    return " · ".join(f"{value} ×{times}" for value, times in Counter(values).most_common())


async def test_at_80x24_the_first_screen_of_the_pane_shows_what_the_attacker_did_and_the_events(tmp_path):
    state, key = console_with_brute_force()
    app = build_app(state, tmp_path, poll_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await highlight(pilot, key)
        shown = pane_lines(app)
        events = state.get(key).events
        assert shown[0].startswith("SSH Login Attempt")
        assert shown[1].startswith(f"Source    {ATTACKER} port 52113")
        assert shown[2].startswith(f"Target    {dmz_bird(state).name} · ")
        # The counts are the console's: every username and password of its events, most frequent first.
        assert shown[3] == "Users     " + counted([event["USERNAME"] for event in events])
        assert shown[4] == "Passwords " + counted([event["PASSWORD"] for event in events])
        assert shown[5] == "Clients   SSH-2.0-libssh_0.9.6-libssh_0.9… ×90"  # one value, cut visibly
        assert "Events (90)" in shown
        assert any(EVENT_TIME.match(line) for line in shown), "\n".join(shown)


async def test_j_k_g_and_G_scroll_the_focused_pane(tmp_path):
    state, key = console_with_brute_force()
    app = build_app(state, tmp_path, poll_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await highlight(pilot, key)
        await pilot.press("enter")
        pane = app.screen.query_one(DetailPane)
        assert pane.has_focus
        first_screen = pane_lines(app)
        await pilot.press("j", "j")
        assert pane_lines(app)[0] == first_screen[2] and pane.scroll_y == 2
        await pilot.press("k")
        assert pane_lines(app)[0] == first_screen[1]
        await pilot.press("G")
        assert pane_lines(app)[-1].startswith("Key     incident:sshlogin:")
        await pilot.press("g")
        assert pane_lines(app) == first_screen
        assert app.screen.query_one(IncidentTable).cursor_key == key  # the table did not move


async def test_z_zooms_the_detail_to_the_whole_screen_and_esc_or_z_brings_the_table_back(tmp_path):
    state, key = console_with_brute_force()
    app = build_app(state, tmp_path, poll_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await highlight(pilot, key)
        table, pane = app.screen.query_one(IncidentTable), app.screen.query_one(DetailPane)
        normal_height = len(pane_lines(app))
        await pilot.press("Z")
        zoomed = pane_lines(app)
        assert not table.display and pane.has_focus and len(zoomed) >= 18 > normal_height
        assert zoomed[0].startswith("SSH Login Attempt") and sum(bool(EVENT_TIME.match(line)) for line in zoomed) >= 3
        await pilot.press("j")
        assert pane_lines(app)[0] == zoomed[1]
        await pilot.press("escape")
        assert table.display and table.has_focus and len(pane_lines(app)) == normal_height
        assert app.screen.query_one(IncidentTable).cursor_key == key
        await pilot.press("Z")
        assert not table.display
        await pilot.press("Z")
        assert table.display and table.has_focus


async def test_z_zooms_on_the_search_results_and_esc_goes_back_to_them(tmp_path):
    state, key = console_with_brute_force()
    app = build_app(state, tmp_path, poll_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f", *ATTACKER, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen) and app.screen.results, "the results")
        await settle(pilot)
        await pilot.press("Z")
        assert not app.screen.query_one(IncidentTable).display
        assert len(pane_lines(app)) >= 18 and pane_lines(app)[0].startswith("SSH Login Attempt")
        await pilot.press("escape")
        assert isinstance(app.screen, SearchScreen) and app.screen.query_one(IncidentTable).display


async def test_long_values_never_leave_a_line_that_looks_blank(tmp_path):
    state, key = console_with_brute_force()
    app = build_app(state, tmp_path, poll_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await highlight(pilot, key)
        await pilot.press("Z", "G")
        shown = [line for line in pane_lines(app) if line]
        # The key on one line, its ends readable (Y copies it whole); no line holds only a wrapped tail.
        (key_line,) = [line for line in shown if line.startswith("Key ")]
        assert key_line.startswith("Key     incident:sshlogin:") and key_line.endswith(key[-20:]) and "…" in key_line
        assert all(len(line.strip()) > 12 for line in shown), "\n".join(shown)


async def test_history_names_the_flock_of_an_incident_roost_has_not_loaded(tmp_path):
    state, key = console_with_brute_force()
    app = build_app(state, tmp_path, poll_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # Raised after the load (no poll): only the console's history knows it, by ids.
        state.add_incident(logtype=6001, node_id=dmz_bird(state).node_id, created=FIXED_NOW - 7200, src_host=ATTACKER,
                           dst_port=23, events=[{"USERNAME": "root", "PASSWORD": "root"}])
        await highlight(pilot, key)
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.entries, "the history")
        await settle(pilot)
        (row,) = [line for line in screen_text(app).split("\n") if "Telnet Login Attempt" in line]
        assert dmz_bird(state).name in row and re.search(r"\bDMZ\s*$", row), row
        assert "flock:" not in screen_text(app)


async def test_search_results_name_the_flock_like_the_main_view(tmp_path):
    state, _ = console_with_brute_force()
    app = build_app(state, tmp_path, poll_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        bird = dmz_bird(state)
        state.add_incident(logtype=6001, node_id=bird.node_id, created=FIXED_NOW - 7200, src_host="198.51.100.77",
                           dst_port=23, events=[{"USERNAME": "root", "PASSWORD": "root"}])
        await pilot.press("f", *"198.51.100.77", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen) and app.screen.results, "the results")
        await settle(pilot)
        shown = "\n".join(pane_lines(app))
        assert f"Flock   DMZ · {bird.flock_id[:12]}" in shown, shown
        assert f"Target    {bird.name} · " in shown


async def test_y_and_Y_say_the_value_went_to_the_terminals_clipboard_and_in_tmux_what_to_set(tmp_path, monkeypatch):
    monkeypatch.delenv("TMUX", raising=False)
    state, key = console_with_brute_force()
    app = build_app(state, tmp_path, poll_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await highlight(pilot, key)
        await pilot.press("y")
        monkeypatch.setenv("TMUX", "/tmp/tmux-1000/default,4242,0")  # OSC 52 stops at tmux unless it passes it on
        await pilot.press("Y")
        outside, inside = (notice.message for notice in list(app.messages)[-2:])
        assert outside == f"Sent the source IP to the terminal's clipboard: {ATTACKER}"
        assert inside.startswith(f"Sent the incident key to the terminal's clipboard: {key[:40]}")
        assert "set -g set-clipboard on" in inside


# --- snapshots of the new layout -------------------------------------------------------------


def _brute_force_app(data_dir):
    state, key = console_with_brute_force()
    return build_app(state, data_dir, poll_interval=3600), key


@pytest.mark.parametrize("size", SIZES)
def test_detail_layout(snap_compare, snapshot_data_dir, size):
    app, key = _brute_force_app(snapshot_data_dir)

    async def read(pilot):
        await settle(pilot)
        await highlight(pilot, key)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=read)


@pytest.mark.parametrize("size", SIZES)
def test_zoomed_detail(snap_compare, snapshot_data_dir, size):
    app, key = _brute_force_app(snapshot_data_dir)

    async def zoom(pilot):
        await settle(pilot)
        await highlight(pilot, key)
        await pilot.press("Z")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=zoom)


class _FixedNow(datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime.fromtimestamp(FIXED_NOW, tz)


@pytest.mark.parametrize("size", SIZES)
def test_log360_detail_layout(snap_compare, snapshot_data_dir, size, monkeypatch):
    # The table and pane read the wall clock for "overdue": pinned.
    for module in (columns, details, filters):
        monkeypatch.setattr(module, "datetime", _FixedNow)
    app = in_process_log360_app(seeded_log360(), snapshot_data_dir, token=TOKEN, poll_interval=3600, profile="demo log360",
                                connection={"pacer": Pacer(limit=1_000_000)})

    async def read_one_with_evidence_counted(pilot):
        await settle(pilot)
        pane = app.screen.query_one(DetailPane)
        for _ in range(40):
            if pane.context.counts:
                break
            await pilot.press("j")
            await settle(pilot)
        assert pane.context.counts

    assert snap_compare(app, terminal_size=size, run_before=read_one_with_evidence_counted)
