"""The ``/`` line: a query typed here filters the table as you type.

``enter`` keeps the filter and goes back to the table; ``esc`` clears it and
closes the line.  What the query could not use is shown at the right, so the
rest keeps filtering while the analyst fixes it.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

from ..filtering import Filter, parse_filter
from ..sanitize import clean

PLACEHOLDER = "text  src:10.0.  node:web  type:ssh  port:22  ack:no  !negate"


class FilterBar(Horizontal):
    DEFAULT_CSS = """
    FilterBar { height: 1; display: none; }
    FilterBar > #filter-prompt { width: 2; }
    FilterBar > Input { width: 1fr; }
    FilterBar > #filter-status { width: auto; max-width: 50%; padding: 0 1; }
    """

    BINDINGS = [Binding("escape", "clear", "Clear filter", id="filter-clear")]

    class Changed(Message):
        """The query changed: filter the table with ``filter``."""

        def __init__(self, filter: Filter) -> None:
            super().__init__()
            self.filter = filter

    class Closed(Message):
        """The line closed; ``keep`` is False when the filter was cleared."""

        def __init__(self, keep: bool) -> None:
            super().__init__()
            self.keep = keep

    def compose(self) -> ComposeResult:
        yield Static("/", id="filter-prompt")
        yield Input(placeholder=PLACEHOLDER, compact=True, id="filter-input")
        yield Static(id="filter-status")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    def open(self) -> None:
        self.display = True
        # At once, not via focus() (a queued call): keys typed right after / must land in the line.
        self.screen.set_focus(self.input)

    def show_status(self, matches: int, total: int, errors: tuple[str, ...]) -> None:
        if errors:
            status = Text(clean(errors[0], limit=80), style="bold red", no_wrap=True, overflow="ellipsis")
        else:
            status = Text(f"{matches:,} of {total:,}", style="bold" if matches else "bold yellow")
            status.append(" · enter keeps", style="dim")
        shown = self.query_one("#filter-status", Static)
        # Sized to its text: the screen is laid out again only when the width changes (99 → 100 matches).
        previous = shown.content
        shown.update(status, layout=not isinstance(previous, Text) or previous.cell_len != status.cell_len)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(parse_filter(event.value, self.app.backend)))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.display = False
        self.post_message(self.Closed(keep=bool(event.value.strip())))

    def action_clear(self) -> None:
        self.input.value = ""
        self.display = False
        self.post_message(self.Closed(keep=False))
