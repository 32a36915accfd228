"""Source IP history (h, Capability.HISTORY): every incident one source ever raised, deleted ones included.

The console keeps deleted incidents in a source's history; they are listed and
marked as such.  What the store holds adds the state, and the backend names
targets and groups from it.  enter shows a loaded incident in the main table.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ..backends.base import Backend, HistoryEntry
from ..model import Incident
from ..sanitize import clean
from ..timefmt import format_time
from .worker_errors import ReportsWorkerErrors
from .on_console import OnConsole

# Below this width the group column is left out and times are short, so the rest fits.
WIDE = 100


def state_cell(entry: HistoryEntry, incident: Incident | None, backend: Backend) -> Text:
    if entry.deleted:
        return Text("✗ deleted", style="bold red")
    if incident is None:
        return Text("? not loaded", style="dim")
    status = backend.status(incident.status)
    word = (status.short or status.label).lower()
    return Text(f"{status.glyph} {word}", style="bold yellow" if status.is_open else "green")


class HistoryScreen(OnConsole, ReportsWorkerErrors, Screen[None]):
    BINDINGS = [
        # Priority: the table's own enter would only select the row.
        Binding("enter", "show", "Show in table", id="history-show", priority=True),
        Binding("Y", "copy_key", "Copy key", id="history-copy-key"),
        Binding("r", "reload", "Reload", show=False, id="history-reload"),
        Binding("escape,h", "close", "Back", id="history-close"),
    ]

    def __init__(self, source: str, *, current_key: str = "") -> None:
        super().__init__()
        self.source = source
        self.current_key = current_key
        self.entries: tuple[HistoryEntry, ...] = ()
        self.wide = True

    def compose(self) -> ComposeResult:
        yield Static(Text(f" History of {clean(self.source, limit=60)}", style="bold reverse"), id="history-title")
        yield Static(id="history-summary")
        yield DataTable(id="history-table", cursor_type="row", zebra_stripes=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.wide = self.size.width >= WIDE
        target, group = self.session.backend.history_headings
        columns = ("Created", "State", "Incident", target, "Port", group)
        self.query_one(DataTable).add_columns(*(columns if self.wide else columns[:-1]))
        entries, note = self.session.details.history(self.source)
        if entries is not None:
            self.show_entries(entries)
        self.reload()

    @work(exclusive=True, group="history", exit_on_error=False)
    async def reload(self) -> None:
        if not self.entries:
            self._summary(Text(" loading the history from the console…", style="dim"))
        await self.session.details.load_history(self.source)
        entries, note = self.session.details.history(self.source)
        if entries is None:
            self._summary(Text(f" {clean(note, limit=200)}", style="bold red"))
        else:
            self.show_entries(entries)

    def show_entries(self, entries: tuple[HistoryEntry, ...]) -> None:
        # Newest first: what the analyst is usually after.
        ordered = sorted(entries, key=lambda entry: (entry.created is not None, entry.created), reverse=True)
        store = self.session.store
        self.entries = self.session.backend.name_history(tuple(ordered), store.snapshot())
        table = self.query_one(DataTable)
        keys = [entry.key for entry in self.entries]
        # First the incident h was pressed on; after a reload, the row the cursor was on.
        cursor = table.cursor_row if table.row_count else (keys.index(self.current_key) if self.current_key in keys else 0)
        table.clear()
        for entry in self.entries:
            incident = store.get(entry.key)
            cells = [
                Text(format_time(entry.created, wide=self.wide)),
                state_cell(entry, incident, self.session.backend),
                Text(clean(entry.title, limit=60 if self.wide else 26), style="bold" if entry.key == self.current_key else ""),
                Text(clean(entry.target, limit=40 if self.wide else 16)),
                Text("" if entry.port is None else str(entry.port), justify="right"),
            ]
            if self.wide:
                cells.append(Text(clean(entry.group, limit=30)))
            table.add_row(*cells, key=entry.key)
        if self.entries:
            table.move_cursor(row=min(cursor, len(self.entries) - 1))
        self._summary(self._summary_text())

    def _summary_text(self) -> Text:
        count = len(self.entries)
        deleted = sum(1 for entry in self.entries if entry.deleted)
        text = Text(f" {count:,} incident{'s' if count != 1 else ''}")
        if deleted:
            text.append(f" ({deleted:,} deleted)", style="bold")
        times = [entry.created for entry in self.entries if entry.created is not None]
        if times:
            text.append(f" · first seen {format_time(min(times), wide=True)} · last seen {format_time(max(times), wide=True)}")
        return text

    def _summary(self, text: Text) -> None:
        self.query_one("#history-summary", Static).update(text)

    def _highlighted_entry(self) -> HistoryEntry | None:
        table = self.query_one(DataTable)
        if not self.entries or table.cursor_row >= len(self.entries):
            return None
        return self.entries[table.cursor_row]

    def action_show(self) -> None:
        entry = self._highlighted_entry()
        if entry is None:
            return
        if entry.deleted:
            self.toast("That incident was deleted: only its history entry remains.", severity="warning")
            return
        main = self.app.main_screen_of(self.session)
        while self.app.screen is not main:
            self.app.pop_screen()
        main.show_incident(entry.key)

    def action_copy_key(self) -> None:
        entry = self._highlighted_entry()
        if entry is not None:
            self.app.copy("incident key", entry.key)

    def action_reload(self) -> None:
        self.reload()

    def action_close(self) -> None:
        self.dismiss(None)
