"""What Textual itself costs per key, measured as bench_ui measures Roost: the floor under its rows.

A bare app laid out like Roost's main screen at 80x24 (a top line, an 11-line table, a scrolling
pane of 10 lines, an info line, a footer, and a hidden three-widget filter line) whose widgets draw
lines made beforehand, so none of the cost is building them.  Three keys:
  unbound         nothing bound, nothing drawn: Pilot and Textual's dispatch
  cursor move     two table lines and the whole pane drawn again (as j/k with the detail pane)
  whole screen    every line drawn again and the pane's height changed (as a page turn, or a
                  mark that scrolls the table one row)
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input, Static

from _keys import KeyTimer

_LINES = [Strip([Segment(f"{index:03d} " + "x" * 40, Style(color="green")), Segment(" " * 36)]) for index in range(200)]


class _Lines(Widget):
    shift = 0

    def render_line(self, y: int) -> Strip:
        return _LINES[(y + self.shift) % len(_LINES)].crop_extend(0, self.size.width, None)


class _Pane(ScrollView):
    shift = 0

    def on_mount(self) -> None:
        self.virtual_size = Size(80, 30)

    def render_line(self, y: int) -> Strip:
        return _LINES[(y + self.shift + self.scroll_offset.y) % len(_LINES)].crop_extend(0, self.size.width, None)


class FloorApp(App):
    CSS = """
    #top, #info, #footer { height: 1; }
    #panes { height: 1fr; }
    #table { height: 11; }
    #pane { height: 1fr; }
    #filter { display: none; height: 1; }
    """
    BINDINGS = [Binding("j", "cursor_move"), Binding("space", "whole_screen")]

    def compose(self) -> ComposeResult:
        yield _Lines(id="top")
        with Container(id="panes"):
            yield _Lines(id="table")
            yield _Pane(id="pane")
        with Container(id="filter"):
            yield Static("/")
            yield Input()
            yield Static("")
        yield _Lines(id="info")
        yield _Lines(id="footer")

    def action_cursor_move(self) -> None:
        table = self.query_one("#table", _Lines)
        table.refresh(Region(0, 3, table.size.width, 2))
        pane = self.query_one(_Pane)
        pane.shift += 1
        pane.refresh()

    def action_whole_screen(self) -> None:
        for lines in self.query(_Lines):
            lines.shift += 1
            lines.refresh()
        pane = self.query_one(_Pane)
        pane.shift += 1
        pane.virtual_size = Size(80, 30 + pane.shift % 5)
        pane.refresh()


ROWS = {"floor: unbound key": "x", "floor: cursor move": "j", "floor: whole screen": "space"}


async def measure_floor(timer: KeyTimer, repeats: int) -> None:
    """Each key of ``ROWS`` pressed ``repeats`` times, timed by ``timer`` as bench_ui times Roost's."""
    app = FloorApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for name, key in ROWS.items():
            for _ in range(repeats):
                async with timer.sample(name):
                    await pilot.press(key)
                    await pilot.pause()
