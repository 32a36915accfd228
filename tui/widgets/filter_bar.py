"""The ``/`` line: a query typed here filters the table as you type.

``enter`` keeps the filter and goes back to the table; ``esc`` clears it and
closes the line.  What the query could not use is shown at the right, in the
room the query leaves (whole at 80 columns), so the rest keeps filtering while
the analyst fixes it.

A query whose view would read many incidents (the first letter over a large
store) is filtered on a thread (``PendingView``): the line takes the next
letter at once, says "filtering…" until the view is ready, and a newer query
drops an older one's work.  The table changes only
when the result arrives, so what the line says and what the table shows agree.
Opening the line gathers the view's searchable text on a thread, so the first
letters are cut from it (``IncidentStore.begin_gathering``).

A keystroke never lays the screen out again: not for the query's length
(``QueryInput``) nor for the count's (the status is as wide as the widest count);
and the screen is told of the query directly rather than by a message.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widgets import Input, Static

from ..filtering import Filter, Matcher, parse_filter
from ..store import PendingView
from ..sanitize import clean

PLACEHOLDER = "text  src:10.0.  node:web  type:ssh  port:22  ack:no  !negate"


class QueryInput(Input):
    """The query: Textual's Input lays the whole screen out again whenever its text changes length
    (its scrollable width follows the text); this one's width is the line's (``1fr``) whatever it
    holds, and it scrolls to its cursor by itself, so a keystroke only repaints it.

    Its ``Changed`` goes to ``on_change`` at once rather than through the message queue, so the
    line filters within the key's own handling and one frame draws both the query and the table
    it selects (queued, the message arrived after the screen had drawn the query alone)."""

    virtual_size = Reactive(Size(0, 0), layout=False)

    def __init__(self, on_change: Callable[[str], None], **options) -> None:
        super().__init__(**options)
        self._on_change = on_change

    def post_message(self, message: Message) -> bool:
        if not isinstance(message, Input.Changed):
            return super().post_message(message)
        if not self.check_message_enabled(message):  # within prevent(Input.Changed)
            return False
        self._on_change(message.value)
        return True


#: Cells of the "/" the line starts with.
PROMPT_WIDTH = 2


class FilterBar(Horizontal):
    DEFAULT_CSS = f"""
    FilterBar {{ height: 1; display: none; }}
    FilterBar > #filter-prompt {{ width: {PROMPT_WIDTH}; }}
    FilterBar > Input {{ width: 1fr; overflow: hidden hidden; }}
    FilterBar > #filter-status {{ width: auto; padding: 0 1; }}
    """

    BINDINGS = [Binding("escape", "clear", "Clear filter", id="filter-clear")]

    #: A view that reads at least this many incidents (~1.5 µs each, a gathered one a third of that:
    #: ~5 ms) is built on a thread, so no keystroke holds the UI longer than a frame; a smaller one is
    #: built at once, in the key's own frame.
    FILTER_ON_THREAD_FROM = 3_000
    #: Opening the line over a view of at least this many incidents gathers their text (~1 µs each).
    GATHER_FROM = 2_000
    #: Cells the query keeps beside an error (it scrolls to its cursor): the rest of the line is the
    #: error's, so that a whole message is read at 80 columns; a count takes at most half the line.
    QUERY_WIDTH_BESIDE_ERROR = 12

    class Closed(Message):
        """The line closed; ``keep`` is False when the filter was cleared."""

        def __init__(self, keep: bool) -> None:
            super().__init__()
            self.keep = keep

    class _Gathered(Message):
        """A thread gathered the view's searchable text."""

        def __init__(self, pending: PendingView) -> None:
            super().__init__()
            self.pending = pending

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
        #: The unfiltered view's size, as last shown: what the status's width is set for.
        self._total = 0

    def compose(self) -> ComposeResult:
        yield Static("/", id="filter-prompt")
        yield QueryInput(self._changed, placeholder=PLACEHOLDER, compact=True, id="filter-input")
        yield Static(id="filter-status")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    def open(self) -> None:
        self.display = True
        # At once, not via focus() (a queued call): keys typed right after / must land in the line.
        self.screen.set_focus(self.input)
        session = self.screen.session
        spec = self.screen.view_spec(filter=Filter())
        if len(session.store.view(spec)) >= self.GATHER_FROM:
            pending = session.store.begin_gathering(spec, Matcher((), session.backend))
            if pending is not None:
                self._gather_away(pending)

    @work(thread=True, group="filter-gather", exit_on_error=False)
    def _gather_away(self, pending: PendingView) -> None:
        if pending.build():
            self.post_message(self._Gathered(pending))

    @on(_Gathered)
    def _gathered(self, message: _Gathered) -> None:
        self.screen.session.store.adopt(message.pending)

    def show_status(self, matches: int, total: int, errors: tuple[str, ...]) -> None:
        if self._pending is not None:
            if self.input.value == self._pending_text:
                return  # still filtering: the count would be the previous query's
            self._drop_pending()  # the screen cleared the line: that query is gone
        self._total = total
        self._show(self._status(matches, total, errors), error=bool(errors))

    @staticmethod
    def _status(matches: int, total: int, errors: tuple[str, ...]) -> Text:
        if errors:
            status = Text(clean(errors[0], limit=80), style="bold red", no_wrap=True, overflow="ellipsis")
        else:
            status = Text(f"{matches:,} of {total:,}", style="bold" if matches else "bold yellow")
            status.append(" · enter keeps", style="dim")
        return status

    def _show(self, status: Text, *, error: bool = False) -> None:
        shown = self.query_one("#filter-status", Static)
        # As wide as the widest count (or this error), so a keystroke never lays the screen out again;
        # a count is set to the right, where it ends whatever its width.
        width = max(self._status(self._total, self._total, ()).cell_len, status.cell_len) + 2
        line = self.size.width or self.app.size.width
        width = max(1, min(width, line - PROMPT_WIDTH - self.QUERY_WIDTH_BESIDE_ERROR if error else line // 2))
        if shown.styles.width is None or shown.styles.width.value != width:
            shown.styles.width = width
        shown.styles.text_align = "left" if error else "right"
        shown.update(status, layout=False)

    def _changed(self, query: str) -> None:
        self._drop_pending()
        screen = self.screen
        filter = parse_filter(query, screen.session.backend)
        store = screen.session.store
        # Narrowing the filter the table shows: its live view is the one cut down.
        spec = replace(screen.view_spec(filter=filter),
                       within=self._applied.filter_id if filter.narrows(self._applied) else "")
        if not filter or store.view_cost(spec) < self.FILTER_ON_THREAD_FROM:
            self._apply(filter)
            return
        self._pending, self._pending_text = store.begin_view(spec), query
        self._show(Text("filtering…", style="dim"))
        self._filter_away(self._pending, filter, query)

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
        # Directly, not by a message: two hops fewer (it bubbled on to the app), and no frame between.
        self.screen.filter_typed(filter)

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
