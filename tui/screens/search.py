"""Server search (f): the console's /incidents/search, a page at a time, in its own screen.

The local / filter only sees what is loaded; this asks the console itself (text,
logtypes, state).  Results are pages the console numbers (page N of M); the
detail pane, a, u, d, h, y and Y work on them as on the main table.  After an
action the page is asked again, so it always shows the console's truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, RadioSet, Static

from ..backends.canary.client import Feed
from ..backends.errors import ApiError
from ..bulk import parse_logtypes
from ..keys import SEARCH_BINDINGS
from ..backends.canary.parse import Page
from ..model import Incident
from ..sanitize import clean
from ..widgets.toggles import GlyphRadioButton
from ..triage import ActionResult
from ..widgets.status_bar import InfoLine
from .incident_list import IncidentListScreen

STATES: tuple[tuple[Feed, str], ...] = (("all", "All"), ("unacknowledged", "Unacknowledged"), ("acknowledged", "Acknowledged"))


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    logtypes: tuple[int, ...] = ()
    state: Feed = "all"

    def describe(self) -> str:
        parts = [f'"{self.text}"' if self.text else "everything"]
        if self.logtypes:
            parts.append("logtype " + ",".join(map(str, self.logtypes)))
        if self.state != "all":
            parts.append(self.state)
        return " · ".join(parts)


class SearchFormScreen(ModalScreen[SearchQuery | None]):
    """Text, logtypes and state for a console search, starting from ``query``."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="search-form-cancel")]

    def __init__(self, query: SearchQuery) -> None:
        super().__init__()
        self.query_shown = query

    def compose(self) -> ComposeResult:
        query = self.query_shown
        with Vertical(id="search-dialog"):
            yield Static(Text("Search the console: every incident it keeps, not only what is loaded", style="bold"), id="search-heading")
            with Horizontal(classes="search-row"):
                yield Static("Text", classes="search-label")
                yield Input(query.text, id="search-text", compact=True, placeholder="alert name, bird, source or destination IP")
            with Horizontal(classes="search-row"):
                yield Static("Logtypes", classes="search-label")
                yield Input(",".join(map(str, query.logtypes)), id="search-logtypes", compact=True, placeholder="4002,6001 or ssh,smb")
            with RadioSet(id="search-state", compact=True):
                for state, label in STATES:
                    yield GlyphRadioButton(label, value=state == query.state, id=f"state-{state}", compact=True)
            yield Static(id="search-status")
            yield Static(Text("enter in a field searches · ←/→ enter: state · tab next · esc cancel", style="bold"))

    def on_mount(self) -> None:
        self.query_one("#search-text", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        logtypes, problem = parse_logtypes(self.query_one("#search-logtypes", Input).value)
        if problem:
            self.query_one("#search-status", Static).update(Text(problem, style="bold red"))
            return
        pressed = self.query_one(RadioSet).pressed_button
        state = pressed.id.removeprefix("state-") if pressed and pressed.id else "all"
        self.dismiss(SearchQuery(self.query_one("#search-text", Input).value.strip(), logtypes, state))  # type: ignore[arg-type]

    def action_cancel(self) -> None:
        self.dismiss(None)


class SearchScreen(IncidentListScreen):
    BINDINGS = SEARCH_BINDINGS

    def __init__(self, query: SearchQuery) -> None:
        super().__init__()
        self.search_query = query
        self.results: Page | None = None
        #: The cursor the current page was asked with (None: the first page).
        self._page_cursor: str | None = None
        self._error = ""
        self._activity = ""

    def compose_header(self) -> ComposeResult:
        yield Static(id="search-title")

    def on_mount(self) -> None:
        self._ready = True
        self.table.focus()
        self._show_title()
        self.load(None)

    # -------------------------------------------------------- the results

    @work(exclusive=True, group="search", exit_on_error=False)
    async def load(self, cursor: str | None, *, keep_cursor: bool = False) -> None:
        query = self.search_query
        with self.app.activity("searching the console…"):
            try:
                if cursor is None:
                    page = await self.app.client.search(
                        filter_str=query.text or None,
                        filter_logtypes=query.logtypes or None,
                        filter_incident_state=query.state,
                        limit=self.app.settings.page_size,
                    )
                else:
                    page = await self.app.client.search(cursor=cursor)
            except ApiError as error:
                self._error = str(error)
                self.app.toast(f"Search failed: {error}", severity="error")
                self._show_info()
                return
        self._error = ""
        self.results, self._page_cursor = page, cursor
        self._show_rows(keep_cursor=keep_cursor)

    def _rows(self) -> list[Incident]:
        # The store's copy when it has one: it follows live updates and actions.
        return [self.app.store.get(incident.key) or incident for incident in self.results.incidents] if self.results else []

    def _show_rows(self, *, keep_cursor: bool) -> None:
        if keep_cursor:
            self.table.set_rows(self._rows())
        else:
            self.table.set_rows(self._rows(), cursor_key="", cursor_index=0)
        self._show_title()
        self._show_info()

    def _show_title(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append(" Roost ", style="bold reverse")
        if self.app.read_only:
            text.append(" [read-only]", style="bold magenta")
        text.append(" Search the console: ", style="bold")
        text.append(clean(self.search_query.describe(), limit=120))
        if self.results is not None and self.results.total_results is not None:
            text.append(f" │ {self.results.total_results:,} found")
        self.query_one("#search-title", Static).update(text)

    def _show_info(self) -> None:
        page = self.results
        number = (page.page_number or 1) if page else 1
        pages = max(number, (page.total_pages or 1) if page else 1)
        self.query_one(InfoLine).show(
            page=number - 1,
            pages=pages,
            count=(page.total_results or len(page.incidents)) if page else 0,
            noun="result",
            note=self._error,
            activity=self._activity,
        )

    def incident(self, key: str) -> Incident | None:
        return self.app.store.get(key) or self.known_incidents().get(key)

    def known_incidents(self) -> Mapping[str, Incident]:
        return {incident.key: incident for incident in self.results.incidents} if self.results else {}

    def apply_changes(self, changes) -> None:
        if self.results is not None:
            self._show_rows(keep_cursor=True)

    def show_activity(self, text: str) -> None:
        self._activity = text
        if self._ready:
            self._show_info()

    def triage_finished(self, result: ActionResult) -> None:
        self.load(self._page_cursor, keep_cursor=True)

    # ----------------------------------------------------------------- keys

    def action_page(self, step: int) -> None:
        page = self.results
        cursor = (page.next_cursor if step > 0 else page.prev_cursor) if page else None
        if cursor is None:
            self.app.toast("No more pages that way.")
            return
        self.load(cursor)

    def action_refresh(self) -> None:
        self.load(self._page_cursor, keep_cursor=True)

    def action_search(self) -> None:
        def chosen(query: SearchQuery | None) -> None:
            if query is not None:
                self.search_query = query
                self.results = None
                self.load(None)

        self.app.push_screen(SearchFormScreen(self.search_query), chosen)

    def action_undo(self) -> None:
        self.app.undo()

    def action_close(self) -> None:
        self.dismiss(None)
