"""What the cheaper keys must still show (issue 12): the detail pane builds and draws only the lines
on screen and counts the rest without wrapping them, and it follows the cursor however fast j goes;
the footer (one line of Roost's, no longer Textual's widget per key) shows the keys Textual's footer
showed in every state; * and esc, now done in C, still mark and unmark exactly what they did.

Speed is measured in bench/bench_ui.py, not here.
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from tui.backends.log360.pacer import Pacer
from tui.screenshots import in_process_log360_app, seeded_log360
from tui.widgets.detail_pane import DetailPane, render_detail
from tui.widgets.incident_table import IncidentTable

from .conftest import build_app, screen_lines, screen_text, settle
from .test_reading import console_with_brute_force, highlight, pane_lines


def whole_render(pane: DetailPane, width: int) -> list[str]:
    """The pane's document drawn at once, as a Rich render draws it."""
    console = Console(width=width, file=io.StringIO(), color_system=None, legacy_windows=False)
    rendered = console.render_lines(render_detail(pane.context), console.options, pad=False)
    return ["".join(segment.text for segment in line).rstrip() for line in rendered]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_scrolling_the_pane_shows_every_line_of_a_long_incident_and_no_more(size, tmp_path):
    state, key = console_with_brute_force()
    app = build_app(state, tmp_path, poll_interval=3600)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await highlight(pilot, key)
        await pilot.press("enter")
        pane = app.screen.query_one(DetailPane)
        expected = whole_render(pane, pane.scrollable_content_region.width)
        shown = len(pane_lines(app))
        presses = 0
        # A page at a time (each screen checked whole), then j: every line is drawn as a whole render has it.
        while True:
            top = round(pane.scroll_y)
            assert pane_lines(app) == expected[top : top + shown]
            if pane.scroll_y >= pane.max_scroll_y:
                break
            await pilot.press("pagedown" if presses % 2 == 0 else "j")
            presses += 1
        assert expected[-1] in pane_lines(app) and presses >= 2
        assert pane.virtual_size.height == len(expected)


async def test_the_pane_shows_the_highlighted_incident_after_fast_presses(tmp_path):
    state, _ = console_with_brute_force()
    app = build_app(state, tmp_path, poll_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(IncidentTable)
        for presses in ("jjjjj", "jjkjj", "kkkkk"):
            await pilot.press(*presses)  # faster than the pane's rest delay: it catches up once
            await settle(pilot)
            pane = app.screen.query_one(DetailPane)
            incident = app.store.get(table.cursor_key)
            title = app.details.context(incident)[0].title
            assert pane.context.incident.key == incident.key
            assert pane_lines(app)[0].startswith(title[:30])
            assert pane_lines(app) == whole_render(pane, pane.scrollable_content_region.width)[: len(pane_lines(app))]


async def test_one_key_after_a_rest_shows_the_next_incident_with_the_cursor_and_a_burst_waits_for_the_rest(tmp_path):
    state, _ = console_with_brute_force()
    app = build_app(state, tmp_path, poll_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(IncidentTable)
        pane = app.screen.query_one(DetailPane)
        app.detail_delay = rest = 1.0  # longer than a key takes here: what shows, shows with the key
        await pilot.pause(rest)  # the analyst rests on the first incident
        await pilot.press("j")
        title = app.details.context(app.store.get(table.cursor_key))[0].title
        assert pane.context.incident.key == table.cursor_key
        assert pane_lines(app)[0].startswith(title[:30])
        shown = table.cursor_key
        await pilot.press("j")  # within the rest delay of the last key: a burst, the pane waits
        assert table.cursor_key != shown and pane.context.incident.key == shown


# -- the footer -------------------------------------------------------------------------------------

#: What Textual's compact footer showed in each state (read from it before Roost drew its own).
FOOTERS = [
    ("canary", {}, (), 80, "a Ack u Unack d Delete b Bulk space Mark / Filter ? Help q Quit     ▏^p palette "),
    ("canary", {}, ("space",) * 3, 80, " a u d ack/unack/delete 3 marked esc Unmark ? Help q Quit           ▏^p palette "),
    ("canary", {}, ("space",) * 3, 50, " a u d ack/unack/delete 3 marked esc U▏^p palette "),
    ("canary", {"read_only": True}, (), 80, "space Mark / Filter ? Help q Quit" + " " * 35 + "▏^p palette "),
    ("canary", {"read_only": True}, ("space",) * 2, 80, "esc Unmark ? Help q Quit" + " " * 44 + "▏^p palette "),
    ("canary", {}, ("slash",), 80, "esc Clear filter" + " " * 52 + "▏^p palette "),
    ("canary", {}, ("asterisk",), 80, " a u d ack/unack/delete 25 marked esc Unmark ? Help q Quit          ▏^p palette "),
    ("canary", {}, ("asterisk",) * 2, 80, "a Ack u Unack d Delete b Bulk space Mark / Filter ? Help q Quit     ▏^p palette "),
    ("canary", {}, ("space", "escape"), 80, "a Ack u Unack d Delete b Bulk space Mark / Filter ? Help q Quit     ▏^p palette "),
    ("log360", {}, (), 80, "o Reopen i Start c Close d Delete space Mark / Filter ? Help q Quit ▏^p palette "),
    ("log360", {}, ("space",) * 3, 80, " o i c d reopen/start/close/delete 3 marked esc Unmark ? Help q Quit▏^p palette "),
]


def footer_app(kind: str, data_directory, **options):
    if kind == "canary":
        from tui.screenshots import seeded_console

        return build_app(seeded_console(), data_directory, poll_interval=3600, **options)
    return in_process_log360_app(seeded_log360(), data_directory, token="roost-log360-test-token-4e3d2c1b",
                                 poll_interval=3600, connection={"pacer": Pacer(limit=1_000_000)}, **options)


@pytest.mark.parametrize(("kind", "options", "keys", "width", "expected"), FOOTERS)
async def test_the_footer_shows_the_keys_textuals_footer_showed(kind, options, keys, width, expected, tmp_path):
    app = footer_app(kind, tmp_path, **options)
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)
        assert screen_text(app).splitlines()[-1] == expected


async def test_the_footer_takes_a_new_themes_colours(tmp_path):
    async def footer_segments(theme: str, switch_to: str | None = None):
        app = footer_app("canary", tmp_path / theme / str(switch_to), theme=theme)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("space")
            if switch_to:
                app.theme = switch_to
                await settle(pilot)
            return [(segment.text, segment.style) for segment in screen_lines(app)[-1]]

    switched = await footer_segments("textual-dark", switch_to="textual-light")
    assert switched == await footer_segments("textual-light")
    assert switched != await footer_segments("textual-dark")


# -- marks ------------------------------------------------------------------------------------------


async def test_star_marks_and_unmarks_the_view_and_leaves_marks_outside_it(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.main_screen
        await pilot.press("2", "space")  # an acknowledged incident: outside the view * marks next
        outside = list(screen.marks)
        await pilot.press("1", "space")
        by_hand = list(screen.marks)[1:]
        view = screen.current_view().keys()
        await pilot.press("asterisk")
        # In the order marked: by hand first, then the view's order; each once.
        assert list(screen.marks) == outside + by_hand + [key for key in view if key not in by_hand]
        assert f"Marked {len(view) - 1} more" in str(app.messages[-1].message)
        await pilot.press("space")  # one of them unmarked by hand: * marks it again
        await pilot.press("asterisk")
        assert "Marked 1 more" in str(app.messages[-1].message)
        await pilot.press("asterisk")  # every one marked: again unmarks them, and only them
        assert list(screen.marks) == outside
        await pilot.press("slash", *"ssh", "enter")
        filtered = screen.current_view().keys()
        assert 0 < len(filtered) < len(view)
        await pilot.press("asterisk")
        assert list(screen.marks) == outside + filtered
        await pilot.press("asterisk")
        assert list(screen.marks) == outside
        assert "▌1 marked" in screen_text(app).splitlines()[0]
        await pilot.press("escape")  # the marks go
        await pilot.press("asterisk", "asterisk")  # the view's keys are every mark there is
        assert list(screen.marks) == []
        assert "▌" not in screen_text(app).splitlines()[0]
        assert "a Ack" in screen_text(app).splitlines()[-1]
