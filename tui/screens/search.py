"""Console search (f): the console's own search, a page at a time, in its own screen.

The local / filter only sees what is loaded; this asks the console itself, with the
fields its backend declares (``Backend.search_fields``: Canary's text and logtypes)
and one status or all.  Results are pages the console numbers (page N of M); the
detail pane, a, u, d, h, y and Y work on them as on the main table.  After an
action the page is asked again, so it always shows the console's truth.
"""

from __future__ import annotations

from typing import Mapping

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, RadioSet, Static

from ..backends.base import FormValueError, SearchPage, SearchQuery
from ..backends.errors import ApiError
from ..keys import SEARCH_BINDINGS
from ..model import Incident
from ..sanitize import clean
from ..widgets.toggles import GlyphRadioButton
from ..triage import ActionResult
from ..widgets.status_bar import InfoLine
from .incident_list import IncidentListScreen
from .on_console import OnConsole
from .typed_ahead import TakesTypedAhead

# The status choice's id for every status.
EVERY_STATUS = "all"


class SearchFormScreen(TakesTypedAhead, OnConsole, ModalScreen[SearchQuery | None]):
    """The backend's search fields and a status (or all), starting from ``query``."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="search-form-cancel")]
    TEXT_FIELD = "Input"  # the first field

    def __init__(self, query: SearchQuery) -> None:
        super().__init__()
        self.query_shown = query

    def compose(self) -> ComposeResult:
        backend = self.session.backend
        query = self.query_shown
        values = dict(query.values)
        with Vertical(id="search-dialog"):
            yield Static(Text("Search the console: every incident it keeps, not only what is loaded", style="bold"), id="search-heading")
            for field in backend.search_fields:
                with Horizontal(classes="search-row"):
                    yield Static(field.label, classes="search-label")
                    yield Input(values.get(field.name, ""), id=f"search-{field.name}", compact=True, placeholder=field.hint)
            with RadioSet(id="search-state", compact=True):
                yield GlyphRadioButton("All", value=not query.status, id=f"state-{EVERY_STATUS}", compact=True)
                for status in backend.statuses:
                    yield GlyphRadioButton(status.label, value=status.id == query.status, id=f"state-{status.id}", compact=True)
            yield Static(id="search-status")
            yield Static(Text("enter in a field searches · ←/→ enter: state · tab next · esc cancel", style="bold"))

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        backend = self.session.backend
        values = {field.name: self.query_one(f"#search-{field.name}", Input).value for field in backend.search_fields}
        pressed = self.query_one(RadioSet).pressed_button
        status = pressed.id.removeprefix("state-") if pressed and pressed.id else EVERY_STATUS
        try:
            query = backend.search_query(values, "" if status == EVERY_STATUS else status)
        except FormValueError as problem:
            self.query_one("#search-status", Static).update(Text(str(problem), style="bold red"))
            return
        self.dismiss(query)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SearchScreen(IncidentListScreen):
    BINDINGS = SEARCH_BINDINGS

    def __init__(self, session, query: SearchQuery) -> None:
        super().__init__(session)
        self.search_query = query
        self.results: SearchPage | None = None
        #: The handle the current page was asked with (None: the first page).
        self._page_handle: str | None = None
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
    async def load(self, handle: str | None, *, keep_cursor: bool = False) -> None:
        with self.app.activity(self.session, "searching the console…"):
            try:
                page = await self.session.backend.search(self.search_query, handle, limit=self.session.settings.page_size)
            except ApiError as error:
                self._error = str(error)
                self.toast(f"Search failed: {error}", severity="error")
                self._show_info()
                return
        self._error = ""
        self.results, self._page_handle = page, handle
        self._show_rows(keep_cursor=keep_cursor)

    def _rows(self) -> list[Incident]:
        # The store's copy when it has one: it follows live updates and actions.
        return [self.session.store.get(incident.key) or incident for incident in self.results.incidents] if self.results else []

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
        if self.session.read_only:
            text.append(" [read-only]", style="bold magenta")
        text.append(" Search the console: ", style="bold")
        text.append(clean(self.search_query.describe, limit=120))
        if self.results is not None and self.results.total is not None:
            text.append(f" │ {self.results.total:,} found")
        self.query_one("#search-title", Static).update(text)

    def _show_info(self) -> None:
        page = self.results
        number = (page.number or 1) if page else 1
        pages = max(number, (page.pages or 1) if page else 1)
        self.query_one(InfoLine).show(
            page=number - 1,
            pages=pages,
            count=(page.total or len(page.incidents)) if page else 0,
            noun="result",
            note=self._error,
            activity=self._activity,
        )

    def incident(self, key: str) -> Incident | None:
        return self.session.store.get(key) or self.known_incidents().get(key)

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
        self.load(self._page_handle, keep_cursor=True)

    # ----------------------------------------------------------------- keys

    def action_page(self, step: int) -> None:
        page = self.results
        handle = (page.next if step > 0 else page.previous) if page else None
        if handle is None:
            self.toast("No more pages that way.")
            return
        self.load(handle)

    def action_refresh(self) -> None:
        self.load(self._page_handle, keep_cursor=True)

    def action_search(self) -> None:
        def chosen(query: SearchQuery | None) -> None:
            if query is not None:
                self.search_query = query
                self.results = None
                self.load(None)

        self.app.push_screen(SearchFormScreen(self.search_query), chosen)

    def action_undo(self) -> None:
        self.app.undo(self.session)

    def action_close(self) -> None:
        self.dismiss(None)
