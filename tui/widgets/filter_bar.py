"""The ``/`` line: a query typed here filters the table as you type.

``enter`` keeps the filter and goes back to the table; ``esc`` clears it and
closes the line.  What the query could not use is shown at the right, so the
rest keeps filtering while the analyst fixes it.

A query whose view would read many incidents (the first letter over a large
store) is filtered on a thread (``PendingView``): the line takes the next
letter at once, says "filtering…" until the view is ready, and a newer query
drops an older one's work.  The table changes only
when the result arrives, so what the line says and what the table shows agree.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

from ..filtering import Filter, parse_filter
from ..store import PendingView
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

    #: A view that reads at least this many incidents is built on a thread (~0.4 µs each);
    #: a smaller one is built at once, quicker than starting a thread.
    FILTER_ON_THREAD_FROM = 20_000

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

    class _Filtered(Message):
        """A thread finished filtering for the query ``text``."""

        def __init__(self, pending: PendingView, filter: Filter, text: str) -> None:
            super().__init__()
            self.pending = pending
            self.filter = filter
            self.text = text

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        #: The filter last handed to the screen, and the query being filtered on a thread.
        self._applied = Filter()
        self._pending: PendingView | None = None
        self._pending_text = ""

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
        if self._pending is not None:
            if self.input.value == self._pending_text:
                return  # still filtering: the count would be the previous query's
            self._drop_pending()  # the screen cleared the line: that query is gone
        self._show(self._status(matches, total, errors))

    @staticmethod
    def _status(matches: int, total: int, errors: tuple[str, ...]) -> Text:
        if errors:
            status = Text(clean(errors[0], limit=80), style="bold red", no_wrap=True, overflow="ellipsis")
        else:
            status = Text(f"{matches:,} of {total:,}", style="bold" if matches else "bold yellow")
            status.append(" · enter keeps", style="dim")
        return status

    def _show(self, status: Text) -> None:
        shown = self.query_one("#filter-status", Static)
        # Sized to its text: the screen is laid out again only when the width changes (99 → 100 matches).
        previous = shown.content
        shown.update(status, layout=not isinstance(previous, Text) or previous.cell_len != status.cell_len)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self._drop_pending()
        screen = self.screen
        filter = parse_filter(event.value, screen.session.backend)
        store = screen.session.store
        # Narrowing the filter the table shows: its live view is the one cut down.
        spec = replace(screen.view_spec(filter=filter),
                       within=self._applied.filter_id if filter.narrows(self._applied) else "")
        if not filter or store.view_cost(spec) < self.FILTER_ON_THREAD_FROM:
            self._apply(filter)
            return
        self._pending, self._pending_text = store.begin_view(spec), event.value
        self._show(Text("filtering…", style="dim"))
        self._filter_away(self._pending, filter, event.value)

    @work(thread=True, group="filter-line", exit_on_error=False)
    def _filter_away(self, pending: PendingView, filter: Filter, text: str) -> None:
        if pending.build():
            self.post_message(self._Filtered(pending, filter, text))

    @on(_Filtered)
    def _filtered(self, message: _Filtered) -> None:
        if message.pending is not self._pending:
            return  # a newer query (or esc) dropped it
        self._pending = None
        if self.input.value != message.text:  # the screen cleared the line meanwhile
            self.screen.session.store.abandon(message.pending)
            self._applied = Filter()
            return
        self.screen.session.store.adopt(message.pending)
        self._apply(message.filter)

    def _apply(self, filter: Filter) -> None:
        self._applied = filter
        self.post_message(self.Changed(filter))

    def _drop_pending(self) -> None:
        if self._pending is not None:
            self.screen.session.store.abandon(self._pending)
            self._pending = None

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.display = False
        self.post_message(self.Closed(keep=bool(event.value.strip())))

    def action_clear(self) -> None:
        self._drop_pending()
        self._applied = Filter()
        self.input.value = ""
        self.display = False
        self.post_message(self.Closed(keep=False))
