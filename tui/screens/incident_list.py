"""What every screen that lists incidents shares: the table, the detail pane and the keys that act on rows.

The main screen (the live store) and the search results screen (pages of the
console's search) both build on ``IncidentListScreen``; each says where its
incidents come from, which ones an action targets and what its header shows.
"""

from __future__ import annotations

import ipaddress
from time import monotonic
from typing import Callable, Mapping

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Container
from textual.screen import Screen

from ..details import DetailContext
from ..actions import MUTATING_ACTIONS
from ..model import Incident
from ..paths import display_path
from ..sanitize import clean
from ..triage import ActionResult
from ..widgets.detail_pane import DetailPane
from ..widgets.incident_table import IncidentTable
from ..widgets.key_footer import KeyFooter
from ..widgets.status_bar import InfoLine
from .edit_actions import EditKeys
from .worker_errors import ReportsWorkerErrors


class IncidentListScreen(EditKeys, ReportsWorkerErrors, Screen):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    def __init__(self, session) -> None:
        super().__init__()
        #: The console this screen lists incidents of (a ``ConsoleSession``); every action goes to it.
        self.session = session
        self._ready = False
        self._detail_timer = None
        #: When the cursor last moved (``time.monotonic``): a move after a rest shows the detail at once.
        self._last_move = float("-inf")

    @on(events.Mount)
    def _listen_to_session(self) -> None:
        self.app.attach_list_screen(self)

    @on(events.Unmount)
    def _stop_listening(self) -> None:
        self.app.detach_list_screen(self)

    # ---------------------------------------------------------------- compose

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Container(id="panes"):
            backend = self.session.backend
            yield IncidentTable(
                id="incidents",
                columns=backend.columns,
                statuses=backend.statuses,
                chosen=self.session.settings.columns,
                is_new=self.is_new,
                is_marked=self.is_marked,
                highlighted=self._highlighted,
            )
            yield DetailPane(id="detail")
        yield from self.compose_below_panes()
        yield InfoLine(id="info-line")
        yield KeyFooter()

    def compose_header(self) -> ComposeResult:
        yield from ()

    def compose_below_panes(self) -> ComposeResult:
        yield from ()

    @property
    def table(self) -> IncidentTable:
        return self.query_one(IncidentTable)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    def toast(self, message: str, **options) -> None:
        """The app's toast, naming this screen's console when several are open."""
        self.app.toast(message, session=self.session, **options)

    # ------------------------------------------------- what subclasses decide

    def is_new(self, key: str) -> bool:
        return False

    def is_marked(self, key: str) -> bool:
        return False

    def incident(self, key: str) -> Incident | None:
        """The incident as this screen knows it (the store's copy when it holds one)."""
        return self.session.store.get(key)

    def known_incidents(self) -> Mapping[str, Incident]:
        """Incidents on screen that the store may not hold (so triage can still act on them)."""
        return {}

    def targets(self) -> tuple[str, ...]:
        """What a, u, d and e act on, frozen now."""
        key = self.table.cursor_key
        return (key,) if key else ()

    def cursor_moved(self, key: str | None) -> None:
        """The highlighted incident changed (before the detail pane follows)."""

    def apply_changes(self, changes) -> None:
        """The store changed (a poll, a reconcile, a triage action)."""

    def show_activity(self, text: str) -> None:
        """Long-running work in progress (``acknowledging 12/37…``), or "" when done."""

    def show_tabs(self, tabs) -> None:
        """What each console's tab says now (several consoles open)."""

    def triage_sent(self, action: str, targets: tuple[str, ...]) -> None:
        """An action on ``targets`` has just been sent."""

    def triage_finished(self, result: ActionResult) -> None:
        """The console answered an action this screen sent (after the app's toast)."""

    # ---------------------------------------------------------------- detail

    def _highlighted(self, key: str | None) -> None:
        """The table's cursor moved to ``key``: the bars and the detail pane follow."""
        self.cursor_moved(key)
        if self._detail_timer is not None:
            self._detail_timer.stop()
            self._detail_timer = None
        delay = self.app.detail_delay
        moved_at, self._last_move = self._last_move, monotonic()
        if delay <= 0:
            self.show_detail(key, load=True)
        elif moved_at != float("-inf") and self._last_move - moved_at >= delay:
            # A key after a rest: the pane follows in the same frame as the cursor.  Only a lookup
            # (a request) waits for the cursor to rest, so a burst of keys sends none.
            if self.show_detail(key, load=False):
                self._detail_timer = self.set_timer(delay, lambda: self._load_detail(key))
        else:
            # Keys in quick succession (a held j), or the first incident shown (the first rows are
            # drawn before its details): the pane follows once the cursor rests.
            self._detail_timer = self.set_timer(delay, lambda: self.show_detail(key, load=True))

    def show_detail(self, key: str | None, *, load: bool) -> bool:
        """Show ``key``'s details in the pane (``load``: and fetch what they lack); whether anything is still to load."""
        if not self.detail.display:
            return False  # drawn when the pane is shown again
        incident = self.incident(key) if key else None
        if incident is None:
            self.detail.show(DetailContext(None))
            return False
        context, pending = self.session.details.context(incident)
        self.detail.show(context)
        if load and pending:
            self.load_details(incident)
        return pending

    def _load_detail(self, key: str) -> None:
        """Fetch what the pane (already showing ``key``) said was loading."""
        incident = self.incident(key)
        if incident is not None and self.detail.display:
            self.load_details(incident)

    @work(exclusive=True, group="details", exit_on_error=False)
    async def load_details(self, incident: Incident) -> None:
        # Moving the cursor starts a new load, which cancels this one (exclusive group).
        try:
            await self.session.details.load(incident)
        finally:  # a bug in a load is reported as a crash; the pane still says what it knows
            if self.table.cursor_key == incident.key:
                self.show_detail(incident.key, load=False)

    # --------------------------------------------------------------- actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.app.quitting:
            return False
        if action in MUTATING_ACTIONS and self.session.read_only:
            return False
        return self.session.can(action, parameters)

    async def action_quit(self) -> None:
        await self.app.action_quit()

    def action_delete(self) -> None:
        targets = self.targets()
        incidents = [incident for key in targets if (incident := self.incident(key))]
        if not incidents:
            self.toast("Nothing to delete: no incident is highlighted.", severity="warning")
            return

        from .confirm import ConfirmDeleteScreen

        self.confirm_delete(ConfirmDeleteScreen(incidents, archive_dir=display_path(self.session.archive_dir)), targets)

    def confirm_delete(self, dialog: Screen, targets: tuple[str, ...]) -> None:
        """Put up ``dialog``; the delete of ``targets`` is sent only once it says yes."""

        def confirmed(answer: bool | None) -> None:
            if answer:
                self.send("delete", targets)
            else:
                self.toast("Delete cancelled: nothing was sent.")

        self.app.push_screen(dialog, confirmed)

    def send(self, action: str, targets: tuple[str, ...]) -> None:
        if not targets:
            self.toast("No incident is highlighted.", severity="warning")
            return
        self.app.run_triage(self.session, action, targets, known=self.known_incidents(), on_done=self.triage_finished)
        self.triage_sent(action, targets)

    def action_copy_source(self) -> None:
        source = self._highlighted_value(lambda incident: incident.source)
        if source and not _is_ip_address(source):
            # The source is whatever the attacker's packets or the console said: paste only an address.
            self.toast(f"Not copied: the source {clean(source, limit=60)} is not an IP address.", severity="warning")
            return
        self.app.copy("source IP", source)

    def action_copy_key(self) -> None:
        self.app.copy("incident key", self._highlighted_value(lambda incident: incident.key))

    def _highlighted_value(self, value_of: Callable[[Incident], str]) -> str:
        key = self.table.cursor_key
        incident = self.incident(key) if key else None
        return value_of(incident) if incident else ""

    def action_history(self) -> None:
        from .history import HistoryScreen

        key = self.table.cursor_key
        incident = self.incident(key) if key else None
        if incident is None or not incident.source:
            self.toast("No source IP here to look up.", severity="warning")
            return
        self.app.push_screen(HistoryScreen(incident.source, current_key=incident.key))

    def action_toggle_detail(self) -> None:
        if self.detail.display:
            self.zoom_detail(False)
            self.detail.display = False
            self.table.focus()
        else:
            self._reveal_detail()
        # The table's width changed: the columns it shows now may need the rows' details.
        self.call_after_refresh(lambda: self.app.complete_rows(self.session, self.table.shown_needing_details()))

    def action_zoom_detail(self) -> None:
        self.zoom_detail(not self.detail.zoomed)

    def zoom_detail(self, zoomed: bool) -> None:
        """The detail pane on the whole screen, focused so j/k scroll it (k9s' describe), or the table back."""
        if zoomed == self.detail.zoomed:
            return
        if zoomed:
            self._reveal_detail()
        self.table.display = not zoomed
        self.detail.zoom(zoomed)
        (self.detail if zoomed else self.table).focus()

    @on(DetailPane.Unzoom)
    def _unzoom(self) -> None:
        self.zoom_detail(False)

    def action_focus_detail(self) -> None:
        self._reveal_detail()
        self.detail.focus()

    def _reveal_detail(self) -> None:
        if not self.detail.display:
            self.detail.display = True
            self.show_detail(self.table.cursor_key, load=True)

    def action_switch_focus(self) -> None:
        if self.detail.zoomed:  # the table is hidden: tab brings it back
            self.zoom_detail(False)
        elif self.table.has_focus:
            self.action_focus_detail()
        else:
            self.table.focus()

    def action_help(self) -> None:
        from .help import HelpScreen

        self.app.push_screen(HelpScreen(self))


def _is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
