"""The main screen: top bar, incident table, detail pane, info line, footer."""

from __future__ import annotations

import asyncio
import time

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Container
from textual.screen import Screen
from textual.widgets import Footer

from ..api.errors import ApiError, NotFound
from ..keys import MAIN_BINDINGS, MUTATING_ACTIONS
from ..model import HistoryEntry, Host
from ..store import ChangeSet, ViewSpec
from ..sync import SyncStatus
from ..triage import ActionResult
from ..widgets.detail_pane import DetailContext, DetailPane
from ..widgets.incident_table import SORTABLE, IncidentTable
from ..widgets.status_bar import InfoLine, TopBar, TopBarState
from .confirm import ConfirmDeleteScreen
from .help import HelpScreen

SORT_CYCLE = ("created", "type", "src", "node", "port", "events", "state")
SORT_TITLES = {"created": "created", "type": "type", "src": "source", "node": "bird", "port": "port", "events": "events", "state": "state"}
DETAIL_CACHE_SECONDS = 60.0


class MainScreen(Screen):
    BINDINGS = MAIN_BINDINGS
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    def __init__(self) -> None:
        super().__init__()
        self.feed = "unacknowledged"
        self.sort = "created"
        self.descending = True
        self.page = 0
        self.note = ""
        self._host_cache: dict[str, tuple[float, Host | None, str]] = {}
        self._history_cache: dict[str, tuple[float, tuple[HistoryEntry, ...] | None, str]] = {}
        self._ready = False
        self._detail_timer = None
        self._view_size = (1, 0)

    # ---------------------------------------------------------------- compose

    def compose(self) -> ComposeResult:
        yield TopBar(id="top-bar")
        with Container(id="panes"):
            yield IncidentTable(id="incidents", is_new=self.app.new_keys.__contains__)
            yield DetailPane(id="detail")
        yield InfoLine(id="info-line")
        yield Footer(compact=True)

    @property
    def table(self) -> IncidentTable:
        return self.query_one(IncidentTable)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    def on_mount(self) -> None:
        self._ready = True
        self.table.focus()
        self.refresh_view()
        self.set_interval(1.0, self._tick)

    # -------------------------------------------------------------- the view

    def view_spec(self) -> ViewSpec:
        return ViewSpec(feed=self.feed, sort=self.sort, descending=self.descending)

    def refresh_view(self, *, follow_cursor: bool = True) -> None:
        """Show the current page of the current view; the highlighted incident stays put."""
        if not self._ready:
            return  # on_mount draws the first view
        view = self.app.store.view(self.view_spec())
        size = self.app.settings.page_size
        pages = max(1, view.page_count(size))
        cursor_key = self.table.cursor_key if follow_cursor else None
        if cursor_key is not None:
            position = view.index_of(cursor_key)
            if position is not None:
                self.page = position // size
        self.page = max(0, min(self.page, pages - 1))
        rows = view.page(self.page, size)
        if follow_cursor:
            self.table.set_rows(rows)
        else:
            self.table.set_rows(rows, cursor_key="", cursor_index=0)
        self.table.sort_column = SORTABLE.get(self.sort, self.sort)
        self.table.sort_descending = self.descending
        self._view_size = (pages, len(view))
        self.refresh_bars()

    def refresh_bars(self) -> None:
        """The info line (page, sort, new rows above) and the top bar (counts, live state)."""
        pages, count = self._view_size
        self.query_one(InfoLine).show(
            page=self.page,
            pages=pages,
            count=count,
            sort=SORT_TITLES[self.sort],
            descending=self.descending,
            new_above=self.table.count_above(self.app.new_keys),
            note=self.note,
        )
        self.refresh_top_bar()

    def refresh_top_bar(self) -> None:
        unacked, total = self.app.store.counts()
        self.query_one(TopBar).show(
            TopBarState(
                console=self.app.settings.label,
                view=self.feed,
                unacknowledged=unacked,
                total=total,
                new=len(self.app.new_keys),
                status=self.app.sync_status,
                read_only=self.app.read_only,
            )
        )

    def _tick(self) -> None:
        # Only the retry countdown changes by itself.
        if self.app.sync_status.state == "retrying":
            self.refresh_top_bar()

    def apply_changes(self, changes: ChangeSet) -> None:
        if not self._ready:
            return
        self.refresh_view()
        key = self.table.cursor_key
        if key is not None and key in changes.changed:
            self._show_detail(key, load=False)

    def show_status(self, status: SyncStatus) -> None:
        self.note = status.detail if status.state in ("retrying", "offline") else ""
        self.refresh_view()

    # ---------------------------------------------------------------- detail

    @on(IncidentTable.Highlighted)
    def _highlighted(self, message: IncidentTable.Highlighted) -> None:
        if message.key is not None and message.key in self.app.new_keys:
            self.app.new_keys.discard(message.key)
            self.table.refresh_keys([message.key])
        self.refresh_bars()
        if self._detail_timer is not None:
            self._detail_timer.stop()
        key = message.key
        if self.app.detail_delay <= 0:
            self._show_detail(key, load=True)
            return
        self._detail_timer = self.set_timer(self.app.detail_delay, lambda: self._show_detail(key, load=True))

    def _show_detail(self, key: str | None, *, load: bool) -> None:
        if not self.detail.display:
            return  # drawn when the pane is shown again
        incident = self.app.store.get(key) if key else None
        if incident is None:
            self.detail.show(DetailContext(None))
            return
        host, host_note = self._cached_host(incident)
        history, history_note = self._cached_history(incident.src_host)
        self.detail.show(DetailContext(incident, host, host_note, history, history_note), now=self.app.now())
        if load and (host_note == "loading…" or history_note == "loading…"):
            self.load_details(key)

    def _cached_host(self, incident) -> tuple[Host | None, str]:
        if incident.is_token or not incident.node_id:
            return None, ""
        cached = self._host_cache.get(incident.node_id)
        if cached and time.monotonic() - cached[0] < DETAIL_CACHE_SECONDS:
            return cached[1], cached[2]
        return None, "loading…"

    def _cached_history(self, source: str) -> tuple[tuple[HistoryEntry, ...] | None, str]:
        if not source:
            return None, ""
        cached = self._history_cache.get(source)
        if cached and time.monotonic() - cached[0] < DETAIL_CACHE_SECONDS:
            return cached[1], cached[2]
        return None, "loading…"

    @work(exclusive=True, group="details", exit_on_error=False)
    async def load_details(self, key: str) -> None:
        # Moving the cursor starts a new load, which cancels this one (exclusive group).
        incident = self.app.store.get(key)
        if incident is None:
            return
        client = self.app.client
        tasks = []
        if not incident.is_token and incident.node_id and incident.node_id not in self._fresh(self._host_cache):
            tasks.append(self._load_host(client, incident.node_id))
        if incident.src_host and incident.src_host not in self._fresh(self._history_cache):
            tasks.append(self._load_history(client, incident.src_host))
        await asyncio.gather(*tasks)
        if self.table.cursor_key == key:
            self._show_detail(key, load=False)

    @staticmethod
    def _fresh(cache: dict) -> set[str]:
        now = time.monotonic()
        return {name for name, entry in cache.items() if now - entry[0] < DETAIL_CACHE_SECONDS}

    async def _load_host(self, client, node_id: str) -> None:
        try:
            self._host_cache[node_id] = (time.monotonic(), await client.device_info(node_id), "")
        except NotFound:
            self._host_cache[node_id] = (time.monotonic(), None, "device not found on the console")
        except ApiError as error:
            self._host_cache[node_id] = (time.monotonic() - DETAIL_CACHE_SECONDS + 5, None, f"unavailable: {error}")

    async def _load_history(self, client, source: str) -> None:
        try:
            entries = tuple(await client.history_for_source(source))
            self._history_cache[source] = (time.monotonic(), entries, "")
        except ApiError as error:
            self._history_cache[source] = (time.monotonic() - DETAIL_CACHE_SECONDS + 5, None, f"unavailable: {error}")

    # --------------------------------------------------------------- actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in MUTATING_ACTIONS and self.app.read_only:
            return False
        return True

    def _targets(self) -> tuple[str, ...]:
        key = self.table.cursor_key
        return (key,) if key else ()

    def action_acknowledge(self) -> None:
        self._run_triage("acknowledge", self._targets())

    def action_unacknowledge(self) -> None:
        self._run_triage("unacknowledge", self._targets())

    def action_delete(self) -> None:
        targets = self._targets()
        incidents = [incident for key in targets if (incident := self.app.store.get(key))]
        if not incidents:
            self.app.toast("Nothing to delete: no incident is highlighted.", severity="warning")
            return

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._run_triage("delete", targets)
            else:
                self.app.toast("Delete cancelled: nothing was sent.")

        self.app.push_screen(ConfirmDeleteScreen(incidents, archive_dir=str(self.app.archive_dir)), confirmed)

    def _run_triage(self, action: str, targets: tuple[str, ...]) -> None:
        if not targets:
            self.app.toast("No incident is highlighted.", severity="warning")
            return
        self.app.run_triage(action, targets)

    def report(self, result: ActionResult) -> None:
        severity = "information" if result.ok else ("error" if result.error else "warning")
        self.app.toast(result.summary(), severity=severity)
        if result.audit_error:
            self.app.toast(result.audit_error, severity="error")

    def action_view(self, feed: str) -> None:
        if feed != self.feed:
            self.feed = feed
            self.page = 0
            self.refresh_view()

    def action_sort_next(self) -> None:
        self.sort = SORT_CYCLE[(SORT_CYCLE.index(self.sort) + 1) % len(SORT_CYCLE)]
        self.refresh_view()

    def action_sort_reverse(self) -> None:
        self.descending = not self.descending
        self.refresh_view()

    def action_page(self, step: int) -> None:
        view = self.app.store.view(self.view_spec())
        pages = max(1, view.page_count(self.app.settings.page_size))
        target = max(0, min(self.page + step, pages - 1))
        if target != self.page:
            self.page = target
            self.refresh_view(follow_cursor=False)

    @on(IncidentTable.EdgeReached)
    def _edge(self, message: IncidentTable.EdgeReached) -> None:
        before = self.page
        self.action_page(message.direction)
        if self.page != before and message.direction < 0:
            self.table.action_last()

    def action_toggle_detail(self) -> None:
        if self.detail.display:
            self.detail.display = False
            self.table.focus()
        else:
            self._reveal_detail()

    def action_focus_detail(self) -> None:
        self._reveal_detail()
        self.detail.focus()

    def _reveal_detail(self) -> None:
        if not self.detail.display:
            self.detail.display = True
            self._show_detail(self.table.cursor_key, load=True)

    def action_focus_table(self) -> None:
        self.table.focus()

    def action_switch_focus(self) -> None:
        if self.table.has_focus:
            self.action_focus_detail()
        else:
            self.table.focus()

    def action_refresh(self) -> None:
        self.app.refresh_now()

    def action_toggle_pause(self) -> None:
        self.app.toggle_pause()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self))
