"""Bars and keys that never lie (issue 11): the top bar keeps the console's name, keymaps are checked,
the footer, help and palette show Roost's keys as pressed, the mouse is off, NO_COLOR means no colour."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest
from rich.color import ColorSystem
from textual.command import CommandPalette
from textual.geometry import Region

from hardening.terminal import Terminal
from tui import cli
from tui.launch import run_in_terminal
from tui.screens.help import HelpScreen

from .conftest import NOW, build_app, screen_lines, screen_text, settle, wait_for

PROFILE = "prod-eu-west"
TOKEN_LINE = "a-token-for-the-config-check-0123\n"


def footer(app) -> str:
    return screen_text(app).splitlines()[-1]


def add_arrivals(console, count: int) -> None:
    for number in range(count):
        console.add_incident(logtype=4002, node_id=next(iter(console.devices)), created=NOW + 60 + number,
                             src_host=f"198.51.100.{number}", dst_port=22,
                             events=[{"USERNAME": "root", "PASSWORD": "x", "timestamp": NOW + 60 + number}])


# -- the top bar ------------------------------------------------------------------------


async def test_the_console_name_stays_in_the_top_bar_at_60_columns_with_marks_a_filter_and_new_arrivals(console, tmp_path):
    app = build_app(console, tmp_path, profile=PROFILE)
    async with app.run_test(size=(60, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "space")
        await pilot.press("slash", *"ack:no", "enter")
        before = len(app.store)
        add_arrivals(console, 2)
        await pilot.press("r")
        await wait_for(pilot, lambda: len(app.store) == before + 2, "the poll")
        await pilot.pause()
        top = screen_text(app).splitlines()[0]
        assert PROFILE in top
        assert "▌3" in top and re.search(r"/ \d+", top)  # the marks and the filter's matches
        assert app.engine.new_incidents.count == 2  # the cursor is on the fourth row: not looked at yet
        assert "+2" in top
        # Wide, every segment is whole again.
        await pilot.resize_terminal(140, 30)
        await pilot.pause()
        top = screen_text(app).splitlines()[0]
        assert PROFILE in top and "3 marked" in top and "unacked" in top and "match" in top


async def test_what_gives_way_first_is_the_counts_then_the_view(console, tmp_path):
    app = build_app(console, tmp_path, profile="a-long-profile-name-for-a-console")
    async with app.run_test(size=(62, 24)) as pilot:
        await settle(pilot)
        top = screen_text(app).splitlines()[0]
        assert "a-long-profile-name-for-a-console" in top and "○ manual" in top
        assert "unacked" not in top  # the counts went first
        await pilot.resize_terminal(48, 24)
        await pilot.pause()
        top = screen_text(app).splitlines()[0]
        assert "a-long-profile-name-for-a-console" in top and "Unacked" not in top


# -- keymaps ----------------------------------------------------------------------------


@pytest.fixture
def config_file(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("ROOST_CONFIG", str(tmp_path / "config.toml"))
    for name in ("CANARY_API_DOMAIN", "CANARY_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "prod.token").write_text(TOKEN_LINE)
    (tmp_path / "prod.token").chmod(0o600)
    return tmp_path / "config.toml"


def write_config(path: Path, keymap_lines: str) -> None:
    path.write_text(f'default_profile = "prod"\n\n[profile.prod]\nconsole = "1234abcd"\ntoken_file = "prod.token"\n{keymap_lines}')
    path.chmod(0o600)


@pytest.mark.parametrize(("keymap_lines", "complaint"), [
    ('keymap = { acknowlege = "x" }\n', r"line 6: \[profile.prod\] keymap names no binding 'acknowlege'"),
    # r is refresh's; p given to refresh leaves pause without a key.
    ('\n[profile.prod.keymap]\nrefresh = "p"\n', r"line 7: \[profile.prod\] keymap leaves pause without a key \(it gives p to refresh\)"),
    ('keymap = { acknowledge = "x", delete = "x" }\n', r"line 6: .*keymap gives x to both acknowledge and delete"),
    # The table's movement keys count too: cursor-up's are up and k.
    ('keymap = { filter = "k", help = "up" }\n', r"line 6: .*keymap leaves cursor.up without a key \(it gives up to help, k to filter\)"),
])
def test_roost_config_check_names_a_bad_keymap_and_its_line(config_file, capsys, keymap_lines, complaint):
    write_config(config_file, keymap_lines)
    assert cli.main(["config", "check"]) == 1
    assert re.search(rf"^error: {re.escape(str(config_file))}, {complaint}", capsys.readouterr().out, re.MULTILINE)
    # Keys moved around, the table's among them, with none left keyless: fine.
    write_config(config_file, 'keymap = { acknowledge = "x", delete = "X", help = "f1", cursor-down = "J" }\n')
    assert cli.main(["config", "check"]) == 0, capsys.readouterr().out


def test_a_bad_keymap_stops_roost_at_start_up_with_the_line(config_file):
    write_config(config_file, 'keymap = { acknowlege = "x" }\n')
    terminal = Terminal(["--profile", "prod"], environment={"ROOST_CONFIG": str(config_file)})
    try:
        terminal.read_until(b"keymap names no binding")
        status, _, _ = terminal.wait(10)
    finally:
        terminal.close()
    assert status == 2
    assert re.search(rf"roost: {re.escape(str(config_file))}, line 6: \[profile.prod\] keymap names no binding 'acknowlege'".encode(),
                     terminal.output)


# -- the footer -------------------------------------------------------------------------

KEYMAP = {"acknowledge": "x", "delete": "X"}


async def footer_with_marks(console, tmp_path, size: tuple[int, int]) -> str:
    app = build_app(console, tmp_path, keymap=KEYMAP)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("space", "space")
        await pilot.pause()
        return footer(app)


async def test_the_footer_with_marks_is_the_same_after_any_resize_as_drawn_fresh(console, tmp_path):
    widths = (50, 64, 80, 120)
    fresh = {width: await footer_with_marks(console, tmp_path, (width, 24)) for width in widths}
    app = build_app(console, tmp_path, keymap=KEYMAP)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space")
        for width in (*widths, *reversed(widths), 64, 120, 50):
            await pilot.resize_terminal(width, 24)
            await pilot.pause()
            assert footer(app) == fresh[width], width
    for width, line in fresh.items():
        # The remapped keys, the right count, and nothing after the palette's key.
        assert line.lstrip().startswith("x u X ack/unack/delete 2 marked"), line
        assert line.rstrip().endswith("^p palette"), line


# -- help and the palette ---------------------------------------------------------------


async def test_help_lists_roosts_keys_with_their_ids_and_the_filter_syntax(console, tmp_path):
    app = build_app(console, tmp_path, keymap=KEYMAP)
    async with app.run_test(size=(120, 120)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        text = screen_text(app)
        for group in ("Triage", "Marks", "Find", "Views", "Navigate", "Data", "Live", "App"):
            assert re.search(rf"│\s+{group}\s", text), group
        for row in (r"x\s+Ack .*acknowledge", r"X\s+Delete .*delete", r"space\s+Mark .*toggle-mark",
                    r"\]\s+(→\s+)?Next page\s+page-next", r"\^p\s+palette .*command-palette", r"\^z\s+Suspend .*suspend"):
            assert re.search(row, text), row
        assert "src: node: flock: type: ack: port: key:" in text and "!term" in text
        for internal in ("super+c", "Copy selected text", "Focus Next", "^q", "ctrl+q", "help_quit"):
            assert internal not in text, internal


async def test_the_palette_names_keys_as_pressed_and_says_each_thing_once(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"page")
        await wait_for(pilot, lambda: "Next page" in screen_text(app), "the commands")
        text = screen_text(app)
        assert "Next page (] →)" in text and "Previous page ([ ←)" in text
        for raw in ("right_square_bracket", "left_square_bracket"):
            assert raw not in text
        commands = list(app.get_system_commands(app.main_screen))
        titles = [command.title for command in commands]
        assert "Filter (/)" in titles and "Help (?)" in titles and "Mark all in view (*)" in titles
        assert not [title for title in titles if re.search(r"\((slash|question_mark|asterisk|exclamation_mark)\)", title)]
        assert titles.count("Quit (q)") == 1 and "Quit" not in titles and "Keys" not in titles
        # A command's second line adds to its title, never repeats it.
        assert not [command for command in commands if command.help and command.help in command.title]


# -- the terminal -----------------------------------------------------------------------


@pytest.mark.parametrize("asked", [False, True])
async def test_the_mouse_is_off_unless_asked_for(console, tmp_path, asked):
    app = build_app(console, tmp_path, mouse=asked)
    run_with: dict[str, object] = {}

    async def run_async(**options) -> None:
        run_with.update(options)

    app.run_async = run_async
    await run_in_terminal(app)
    assert run_with == {"mouse": asked}
    assert cli.build_parser().parse_args(["--mouse"] if asked else []).mouse is asked


def test_the_demo_asks_the_terminal_for_no_mouse_reports():
    terminal = Terminal()
    try:
        terminal.read_until("● live".encode())
    finally:
        terminal.close()
    assert b"\x1b[?1000h" not in terminal.output and b"\x1b[?1003h" not in terminal.output


def test_ctrl_z_suspends_and_the_screen_comes_back_whole_on_resume():
    terminal = Terminal(("--demo", "--poll-interval", "0"))  # nothing changes by itself to redraw the screen
    try:
        terminal.read_until(b"manual")
        terminal.type(b"\x1a")  # ctrl+z, as a raw terminal sends it
        _, status = os.waitpid(terminal.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status)
        terminal.output = b""
        os.kill(terminal.pid, signal.SIGCONT)  # what the shell's fg sends
        terminal.read_until(b"demo emulator", timeout=5)  # the whole screen, top bar included, without a key
        terminal.read_until(b"palette", timeout=5)  # ... down to the footer
    finally:
        terminal.close()
        terminal.kill()


# SGR parameters that set a colour: 30-37, 38;..., 40-47, 48;..., 90-97, 100-107 (39 and 49: the terminal's own).
COLOUR_PARAMETER = re.compile(rb"^(3[0-8]|4[0-8]|9[0-7]|10[0-7])$")


def colour_codes(output: bytes) -> set[bytes]:
    found = set()
    for parameters in re.findall(rb"\x1b\[([0-9;:]*)m", output):
        found |= {parameter for parameter in parameters.split(b";") if COLOUR_PARAMETER.match(parameter)}
    return found


def test_no_color_draws_without_a_single_colour():
    terminal = Terminal(environment={"NO_COLOR": "1", "COLORTERM": "truecolor"})
    try:
        terminal.read_until("● live".encode())
        terminal.type(b"  ")  # marks: reverse video, not colour
        terminal.read_until(b"2 marked")
    finally:
        terminal.close()
    assert colour_codes(terminal.output) == set()
    assert b"\x1b[7m" in terminal.output or re.search(rb"\x1b\[[0-9;]*;7[;m]", terminal.output)


# Pastel themes (nord, tokyo-night, catppuccin) round most of their colours to white in 16 colours.
@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "gruvbox", "dracula", "monokai", "solarized-light"])
async def test_in_16_colours_the_cursor_row_is_not_the_colour_of_unacknowledged(console, tmp_path, theme):
    app = build_app(console, tmp_path, theme=theme)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        lines = screen_lines(app)
        cursor_row, open_row = lines[2], lines[3]  # the header is line 1
        assert "●" in open_row.text  # an unacknowledged incident, its glyph in the open colour
        [open_glyph] = [segment for segment in open_row if segment.text.strip() == "●"]

        def standard(colour) -> int:
            return colour.downgrade(ColorSystem.STANDARD).number

        open_colour = standard(open_glyph.style.color)
        backgrounds = {standard(segment.style.bgcolor) for segment in cursor_row if segment.style and segment.style.bgcolor}
        assert backgrounds and open_colour not in backgrounds, (theme, open_colour, backgrounds)
