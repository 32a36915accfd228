"""Attacker strings in every field, on every screen that shows them: literal, inert, and in their place.

Each screen is checked as the terminal would receive it: every segment of every
line the compositor renders is free of anything a terminal acts on (ESC, BEL,
C1, ...) or that hides or reorders text (bidi overrides, zero-width
characters), and every line is exactly the terminal's width, both as Rich
measures it and by the width rules a terminal follows (no character whose width
they dispute).  No value wraps into a line that poses as one of Roost's rows.
"""

from __future__ import annotations

import io
import json
import re

import httpx
import pytest
from rich.cells import cell_len
from rich.console import Console

from app.conftest import screen_lines, settle, wait_for, wait_for_triage
from detail_lines import detail_lines
from tui.backends.canary import CanaryBackend
from tui.details import DetailSource
from tui.emulator.canary.state import ConsoleState
from tui.backends.canary.parse import parse_incident
from tui.sanitize import clean
from tui.screens.confirm import ConfirmDeleteScreen
from tui.screens.history import HistoryScreen
from tui.screenshots import FIXED_NOW, in_process_app, seeded_console
from tui.widgets.detail_pane import render_detail
from tui.widgets.incident_table import IncidentTable

from .hostile import CORPUS, MAX_MARKS, forbidden, longest_mark_pile, terminal_width

TOKEN = "hostile-test-token-0123456789"
# What each string looks like on screen: itself, or visible escapes.
SHOWN_AS = {
    "rich markup": "[bold red]pwned[/]",
    "textual markup": "[@click=app.quit]quit[/]",
    "csi": r"\x1b[2J\x1b[31mred",
    "osc title": r"\x1b]0;owned",
    "osc 52 clipboard": r"\x1b]52;c;cm0gLXJmIH4K\x07",
    "osc 8 hyperlink": r"\x1b]8;;https://evil.example\x1b\click",
    "c0 controls": r"\x00\x01\x02\x03",
    "c1 controls": r"\x80\x81\x82\x83",
    "bidi overrides": r"invoice\u202egpj.exe\u202c",
    "zero width": r"ad\u200bmin\u200c\u200d",
    "double width": "管理员ユーザー",
    "combining pile": "Z\u0336\u0334\u0335",  # and no deeper: see longest_mark_pile
    "line breaks": r"line1\x0aline2\x0d\x0aline3\u2028line4",
    "lone surrogates": r"bad\ud800byte\udfff\udc80end",
    "escaped bytes": r"\xff\xfe\u202e",
    "100,000 characters": "AAAAAAAAAA",
    "emoji presentation": "\u2764\\ufe0f",
    "flags": r"\U0001f1fa\U0001f1f8",
    "skin tones": "\U0001f44d\\U0001f3fd",
    "keycaps": r"1\ufe0f\u20e3",
    "zwj sequences": "\U0001f468\\u200d\U0001f469",
    "hangul fillers": r"\u3164admin",
    "braille blank": r"\u2800admin",
    "spacing marks": "\u0915\\u093f",
    "widened symbols": r"\u2630\u2631",
    "class-0 marks": "Z\u0e31\u0e31\u0e31\\u20dd",  # and no deeper
    "marks split by CGJ and VS16": "Z\u0336\\u034f\\u0336",
    "forged row": "x␠×300Key␠×5",
}
SIZES = [(80, 24), (120, 40)]
TERMINAL_SEQUENCES = ("csi", "osc title", "osc 52 clipboard", "osc 8 hyperlink", "c1 controls", "bidi overrides",
                      "100,000 characters")


def hostile_console() -> tuple[ConsoleState, dict[str, str]]:
    """A console whose newest incidents carry one corpus string in every attacker-typed field each."""
    console = seeded_console(backlog=5)
    bird = next(iter(console.devices))
    keys = {}
    for number, (name, text) in enumerate(CORPUS.items()):
        event = {"USERNAME": text, "PASSWORD": text, "USERAGENT": text, "PATH": text, "HOSTNAME": text, text: text}
        keys[name] = console.add_incident(
            logtype=4002, node_id=bird, key=f"incident:sshlogin:hostile{number:02d}:{FIXED_NOW + number}",
            created=FIXED_NOW + 100 - number, src_host=text, src_host_reverse=text, memo=text, description=text,
            events=[{**event, "timestamp": FIXED_NOW + 100 - number}],
        )
    return console, keys


def assert_terminal_safe(app, what: str) -> list[str]:
    """The screen's lines as the terminal receives them: inert, and each exactly as wide as the
    terminal, as Rich measures it and as the terminal's own width rules do."""
    width, height = app.size
    strips = screen_lines(app)
    assert len(strips) == height, what
    for number, strip in enumerate(strips):
        assert strip.cell_length == width, f"{what}: line {number} is {strip.cell_length} cells wide"
        for segment in strip:
            assert not forbidden(segment.text), f"{what}: line {number} carries {forbidden(segment.text)}"
        assert longest_mark_pile(strip.text) <= MAX_MARKS, f"{what}: line {number} stacks marks that paint over other lines"
        assert terminal_width(strip.text) == width, f"{what}: line {number} is another width on a terminal"
    return [strip.text for strip in strips]


@pytest.mark.parametrize("limit", [8, 60, 512])
@pytest.mark.parametrize("name", CORPUS)
def test_cleaned_text_is_as_wide_on_a_terminal_as_rich_measures_it(name, limit):
    shown = clean(CORPUS[name], limit=limit)
    assert cell_len(shown) == terminal_width(shown), shown  # terminal_width also refuses disputed characters
    assert longest_mark_pile(shown) <= MAX_MARKS, shown
    assert not forbidden(shown)


# Every line of the detail pane that starts at column 0 is Roost's: the title,
# a label row, the events heading, an event (its time) or a note.
ROOST_LABELS = ("Type", "Created", "Updated", "Source", "Target", "Token", "Bird", "Flock", "Memo", "Key", "History", "Host")
EVENT_TIME = re.compile(r"\d\d:\d\d:\d\d ")


def forged_rows(lines: list[str], key: str) -> list[str]:
    """The lines after the title that start at column 0 and are not one of Roost's own rows."""
    labels_seen = set()
    forged = []
    for line in lines[1:]:
        if not line or line[0] == " " or line.startswith(("Events (", "… ")) or EVENT_TIME.match(line):
            continue
        label = line.split(" ", 1)[0]
        value = line[len(label):].strip()
        if label in ROOST_LABELS and label not in labels_seen and (label != "Key" or shows_key(value, key)):
            labels_seen.add(label)
            continue
        forged.append(line)
    return forged


def shows_key(value: str, key: str) -> bool:
    """The Key row's value is the key: whole, its start, or its ends around a "…" (cut to one line)."""
    head, cut, tail = value.partition("…")
    return bool(value) and key.startswith(head) and (not cut or (key.endswith(tail) and len(head) + len(tail) < len(key)))


def forging_incident(value: str):
    return parse_incident({
        "id": "incident:sshlogin:forged", "updated_id": 1, "summary": value,
        "description": {"logtype": 4002, "created": FIXED_NOW, "src_host": "198.51.100.7", "src_host_reverse": value,
                        "memo": value, "node_id": "abc", "name": value, "flock_name": value, "flock_id": "flock:x",
                        "local_time": value, "events": [{"USERNAME": value, value: value, "timestamp": FIXED_NOW}]},
    })


@pytest.mark.parametrize("width", [30, 46, 47, 60, 80, 120])
def test_no_value_wraps_into_a_line_posing_as_a_row(width):
    incident = forging_incident(CORPUS["forged row"])
    console = Console(width=width, file=io.StringIO(), color_system=None, legacy_windows=False)
    context, _ = DetailSource(CanaryBackend(client=None)).context(incident)  # its lookups still loading
    rendered = console.render_lines(render_detail(context), console.options, pad=False)
    lines = ["".join(segment.text for segment in line).rstrip() for line in rendered]
    assert forged_rows(lines, incident.key) == [], "\n".join(lines)
    assert len([line for line in lines if line.startswith("Key ")]) == 1


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
async def test_the_detail_pane_on_screen_has_no_forged_rows(size, tmp_path):
    console, keys = hostile_console()
    app = in_process_app(console, tmp_path, token=TOKEN)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.screen.query_one(IncidentTable)
        while table.cursor_key != keys["forged row"]:
            await pilot.press("j")
        await settle(pilot)
        lines = [line.rstrip() for line in detail_lines(app)]
        assert [line for line in lines if line.startswith("Key     incident:sshlogin:")]
        assert forged_rows(lines, keys["forged row"]) == [], "\n".join(lines)


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
async def test_table_and_detail_pane_show_every_string_literally(size, tmp_path):
    console, keys = hostile_console()
    app = in_process_app(console, tmp_path, token=TOKEN)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.screen.query_one(IncidentTable)
        assert table.row_keys[: len(keys)] == list(keys.values())  # newest first
        assert_terminal_safe(app, "the table")
        # One line per incident: each hostile row still ends in its own port (0) and event count (1).
        region = table.region
        strips = screen_lines(app)[region.y + 1 : region.y + 1 + min(len(keys), table.visible_rows)]
        rows = [strip.crop(region.x, region.right).text.rstrip() for strip in strips]
        assert all(row.endswith(" 0    1") for row in rows), rows
        for name, key in keys.items():
            assert table.cursor_key == key
            await settle(pilot)
            screen = "\n".join(assert_terminal_safe(app, name))
            if size == (120, 40):
                assert SHOWN_AS[name] in screen.replace("\n", ""), f"{name}: not shown as {SHOWN_AS[name]!r}"
                assert "loading…" not in screen, f"{name}: the device or the source's history never came"
            await pilot.press("j")
        assert app.is_running and not app.crash_report


async def test_the_delete_dialog_and_the_history_show_them_literally(tmp_path):
    console, keys = hostile_console()
    app = in_process_app(console, tmp_path, token=TOKEN)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for name in CORPUS:
            if name in TERMINAL_SEQUENCES:  # (a dialog takes a while to open: the rest are shown alike)
                await pilot.press("d")
                assert isinstance(app.screen, ConfirmDeleteScreen)
                assert_terminal_safe(app, f"delete dialog, {name}")
                await pilot.press("n")
            await pilot.press("j")
        await pilot.press("g", "h")  # the history of the first source, whose incident lists the others' titles
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.entries, "the history")
        await pilot.pause()
        assert_terminal_safe(app, "history")
    assert not console.deleted_keys


class HostileConsoleMessages(httpx.ASGITransport):
    """The emulator, except that acknowledging fails with a message made of the whole corpus."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/incident/acknowledge"):
            body = {"result": "error", "message": "".join(CORPUS[name] for name in TERMINAL_SEQUENCES)}
            return httpx.Response(400, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        return await super().handle_async_request(request)


async def test_toasts_carrying_console_messages_stay_inert(tmp_path):
    console, keys = hostile_console()
    app = in_process_app(console, tmp_path, token=TOKEN, transport=HostileConsoleMessages)
    app.backend.retry_delay = 0
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await wait_for_triage(pilot)
        [toast] = [n for n in app.messages if n.severity != "information"]
        assert r"\x1b[2J" in toast.message and "\x1b" not in toast.message
        assert_terminal_safe(app, "the toast")
        svg = app.export_screenshot()
        assert not forbidden(svg.replace("\n", ""))
    assert not console.is_acknowledged(next(iter(keys.values())))
