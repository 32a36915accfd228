"""The Textual app: owns the store, the live sync worker and triage actions.

Workers post messages to the UI; the UI calls methods on its children.  No
network call ever runs on the UI's path: the sync loop, detail loads, triage
actions, bulk actions, searches and exports all run in workers.

The app keeps what outlives one screen: the undo record (per incident, the status,
severity or assignee it had before the last such change), the work in progress shown on
the info line, and the detail pane's cache.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable, Iterator, Mapping

from textual import on
from textual.app import App, SystemCommand
from textual.driver import Driver
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from .backends.base import UNCHANGED, Backend, BulkPreview, Change, SearchQuery
from .backends.errors import ApiError
from .archive import write_atomically
from .audit import AUDIT_FILE, AuditLog
from .config import Settings
from .crashlog import crash_line
from .details import DetailSource
from .export import ExportFormat, export_incidents
from .keys import ACTION_CAPABILITIES, APP_BINDINGS, keymap_in_effect, table_bindings
from .model import Incident
from .notify import inside_tmux, notification
from .paths import stylesheet_paths
from .profile_writer import ProfileWriteError, save_setting
from .sanitize import clean
from .store import FEEDS, ChangeSet, IncidentStore
from .sync import SyncEngine, SyncStatus
from .triage import DELETE, ActionResult, Progress, Triage

# Progress on the info line is redrawn at most this often (a batch of thousands answers fast).
PROGRESS_INTERVAL = 0.1
# What r did: the sync engine says whether it woke the loop, queued behind a request, or re-sent a stalled one.
_REFRESH_TOASTS = {
    "started": "Refreshing…",
    "under way": "A refresh is already under way; another follows as soon as it ends.",
    "restarted": "The console had stopped answering: asking again.",
}
# Longer values are refused rather than cut: a cut copy pastes something that is not the value.
COPY_LIMIT = 4096
#: tmux passes OSC 52 on only when told to.
TMUX_CLIPBOARD_HINT = " (in tmux it arrives only with `set -g set-clipboard on` in ~/.tmux.conf)"
# How many of the latest toasts RoostApp.messages keeps.
MESSAGE_HISTORY = 50
#: Keys the palette does not list: it lists what to do, not how to move or leave.
NOT_COMMANDS = frozenset({"switch-focus", "back", "search-close", *(binding.id for binding in APP_BINDINGS)})


@dataclass(frozen=True)
class Notice:
    """One toast, as the user was shown it (cleaned) and how severe it was."""

    message: str
    severity: str


class StoreChanged(Message):
    def __init__(self, changes: ChangeSet) -> None:
        super().__init__()
        self.changes = changes


class SyncStatusChanged(Message):
    def __init__(self, status: SyncStatus) -> None:
        super().__init__()
        self.status = status


class TriageFinished(Message):
    def __init__(
        self, result: ActionResult, on_done: Callable[[ActionResult], None] | None = None, *, undo: bool = False
    ) -> None:
        super().__init__()
        self.result = result
        self.on_done = on_done
        #: The result of z: it is not itself undoable.
        self.undo = undo


# Sorts an incident the console gave no creation time before every other.
_LONG_AGO = datetime.min.replace(tzinfo=timezone.utc)


class RoostApp(App):
    TITLE = "Roost"
    #: The detail pane follows the cursor once it rests this long, so holding j stays smooth.
    detail_delay = 0.06
    CSS_PATH = stylesheet_paths()
    BINDINGS = APP_BINDINGS

    def __init__(
        self,
        settings: Settings,
        backend: Backend,
        *,
        data_directory: Path,
        store: IncidentStore | None = None,
        persist: Callable[[ChangeSet], Any] | None = None,
        preload: Callable[[], Any] | None = None,
        clock: Callable[[], datetime] | None = None,
        live: bool = True,
        startup_check: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        # NO_COLOR: Textual's own answer is grey in place of colour; native ANSI makes it drop colour
        # altogether, so reverse video, bold and the glyphs carry what colour did.
        super().__init__(ansi_color=True if os.environ.get("NO_COLOR") else None)
        # Animations cost bandwidth and attention over SSH; TEXTUAL_ANIMATIONS can still ask for them.
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            self.animation_level = "none"
        if settings.theme:
            self.theme = settings.theme
        # A key the keymap gives one binding is taken from the others on the screen (the table's too).
        self.set_keymap(keymap_in_effect(settings.keymap))
        self.crash_report = ""
        #: The latest toasts, oldest first: Roost's own record of what it told the user (toast() is
        #: the one way it tells), which outlives each toast on screen, for tests and a messages view.
        self.messages: deque[Notice] = deque(maxlen=MESSAGE_HISTORY)
        self.settings = settings
        self.backend = backend
        backend.clock = self.now
        # `store or ...` would replace an empty store (it has __len__), and the launcher's
        # cache would then be saved from a store the app never fills.
        self.store = store if store is not None else IncidentStore(backend.statuses, backend.columns, keep=settings.keep)
        # --read-only holds even over a backend opened without it.
        backend.read_only = backend.read_only or settings.read_only
        self.archive_dir = data_directory / "archives"
        self.screenshot_dir = data_directory / "screenshots"
        #: (key, the change that puts back its status, severity or assignee) of the last such change:
        #: what z sends.
        self.undo_batch: tuple[tuple[str, Change], ...] | None = None
        #: What z says when the last change was one it cannot take back ("z cannot undo a note").
        self.undo_refusal = ""
        #: The archive of the last delete, when a delete was the last action (z cannot undo it).
        self.last_delete_archive: Path | None = None
        #: The last console search, to start the next one from.
        self.last_search = SearchQuery()
        self._activities: dict[int, str] = {}
        self._activity_ids = itertools.count()
        self.sync_status = SyncStatus("connecting")
        self._unreadable_told = 0
        # Keys whose details a worker is reading for the table (``complete_rows``).
        self._completing: frozenset[str] = frozenset()
        self._clock = clock
        self._live = live
        self._initial_load_done = False
        #: Run beside the first frame (a ping); a permanent refusal ends the session and is kept here.
        self._startup_check = startup_check
        self.refused_at_start = ""
        self.details = DetailSource(self.backend, now=self.now)
        self.engine = SyncEngine(
            self.backend,
            self.store,
            poll_interval=settings.poll_interval,
            on_change=lambda changes: self.post_message(StoreChanged(changes)),
            on_status=lambda status: self.post_message(SyncStatusChanged(status)),
            persist=persist,
            preload=preload,
        )
        self.triage = Triage(
            self.backend,
            self.store,
            self.archive_dir,
            audit=AuditLog(data_directory / AUDIT_FILE, console=settings.console),
            on_change=lambda changes: self.post_message(StoreChanged(changes)),
        )

    #: Set by q: keys already queued behind it (a fast "qe") must not open screens on a closing app.
    quitting = False

    async def action_quit(self) -> None:
        self.quitting = True
        self.exit()

    @property
    def read_only(self) -> bool:
        """Whether this session may only read (the backend's flag: see ``Backend.read_only``)."""
        return self.backend.read_only

    def can(self, action: str, parameters: tuple[object, ...] = ()) -> bool:
        """Whether the session's backend can do ``action``: what it cannot is hidden, not greyed."""
        if action == "set_status":
            return any(named.verb == parameters[0] for named in self.backend.status_actions)
        if action == "view" and parameters[0] not in FEEDS:  # a view of one status
            return any(status.id == parameters[0] for status in self.backend.statuses)
        needed = ACTION_CAPABILITIES.get(action)
        return needed is None or needed in self.backend.capabilities

    def now(self) -> datetime:
        return self._clock() if self._clock else datetime.now(timezone.utc)

    def get_default_screen(self) -> Screen:
        from .screens.main import MainScreen

        return MainScreen()

    def on_mount(self) -> None:
        for warning in self.settings.warnings:
            self.toast(warning, severity="warning", timeout=10)
        if self._live:
            self.run_worker(self.engine.run(), group="sync", exclusive=True, exit_on_error=False, name="sync")
        if self._startup_check is not None:
            self.run_worker(self._check_console(self._startup_check), group="startup-check", exit_on_error=False)

    async def _check_console(self, check: Callable[[], Awaitable[object]]) -> None:
        """A console that refuses the token ends the session (the launcher prints why); one that is
        only slow or away does not: the cached state stays on screen and the sync loop keeps trying."""
        try:
            await check()
        except ApiError as error:
            if not error.transient:
                self.refused_at_start = str(error)
                self.exit(None, 1)

    @property
    def main_screen(self):
        from .screens.main import MainScreen

        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        return None

    @property
    def list_screens(self) -> list:
        """Every screen in the stack that lists incidents (main, search results)."""
        from .screens.incident_list import IncidentListScreen

        return [screen for screen in self.screen_stack if isinstance(screen, IncidentListScreen)]

    # ------------------------------------------------------- worker messages

    def on_store_changed(self, message: StoreChanged) -> None:
        changes = message.changes
        if self._initial_load_done and changes.added:
            if self.settings.bell:
                self.bell()
            if self.settings.notify:
                self._notify_desktop(changes.added)
        for screen in self.list_screens:
            screen.apply_changes(changes)

    def _notify_desktop(self, keys: Iterable[str]) -> None:
        """One desktop notification for what arrived: how many, the newest's title, this console."""
        arrived = self.store.incidents(keys)
        if not arrived:
            return
        newest = max(arrived, key=lambda incident: incident.created or _LONG_AGO)
        self.write_to_terminal(notification(self.settings.notify, self.settings.label, self.backend.display_title(newest),
                                            count=len(arrived), tmux=inside_tmux(os.environ)))

    def write_to_terminal(self, sequence: str) -> None:
        """Send an escape sequence to the terminal, in order with Textual's own output (Textual has no
        public way: its bell() and clipboard use the driver the same way)."""
        if not self.is_headless and self._driver is not None:
            self._driver.write(sequence)

    def on_sync_status_changed(self, message: SyncStatusChanged) -> None:
        self.sync_status = message.status
        if message.status.state in ("live", "manual", "paused") and not self._initial_load_done:
            self._initial_load_done = True
        if message.status.unreadable > self._unreadable_told:
            self._unreadable_told = message.status.unreadable
            self.toast(
                f"{message.status.unreadable:,} items the console sent are not incidents (not an object, no key, or not decodable): "
                "they are not shown.",
                severity="warning",
                timeout=10,
            )
        if self.main_screen is not None:
            self.main_screen.show_status(message.status)

    def on_triage_finished(self, message: TriageFinished) -> None:
        result = message.result
        if result.permission_denied and not self.read_only:
            self.backend.read_only = True
            self.toast("The console refused: this token may not change incidents. Switched to read-only.", severity="error")
            for screen in self.list_screens:
                screen.refresh_bindings()
        self._remember_for_undo(result, message.undo)
        self.report(result, undo=message.undo)
        if self.main_screen is not None:
            self.main_screen.refresh_view()
        if message.on_done is not None:
            message.on_done(result)

    def _remember_for_undo(self, result: ActionResult, was_undo: bool) -> None:
        restores = result.restores or tuple((key, Change(status=status)) for key, status in result.previous)
        if result.action == DELETE and result.succeeded:
            self.undo_batch, self.undo_refusal, self.last_delete_archive = None, "", result.archive
        elif restores:
            self.undo_batch = None if was_undo else restores
            self.undo_refusal, self.last_delete_archive = "", None
        elif result.undo_refusal and result.succeeded:
            self.undo_batch, self.undo_refusal, self.last_delete_archive = None, result.undo_refusal, None

    def report(self, result: ActionResult, *, undo: bool = False) -> None:
        severity = "information" if result.ok else ("error" if result.error else "warning")
        line = result.summary()
        if undo:
            line = f"Undone: {line}"
        elif result.previous or result.restores:
            line += " · z to undo"
        if line:
            self.toast(line, severity=severity)
        for problem in result.problems():
            self.toast(problem, severity="warning")
        if result.conflicts and result.change is not None:
            self._ask_about_conflicts(result, undo=undo)
        if result.audit_error:
            self.toast(result.audit_error, severity="error")

    def complete_rows(self, incidents: Iterable[Incident]) -> None:
        """Have what the listing lacks (Log360's evidence and notes counts) read for ``incidents``
        (rows on screen), in the background.  A new call for other rows replaces the one under
        way; rows already being read are not asked for twice."""
        wanted = [incident for incident in incidents if self.backend.incomplete(incident)]
        if not wanted or {incident.key for incident in wanted} <= self._completing:
            return
        self._completing = frozenset(incident.key for incident in wanted)
        self.run_worker(self._complete(wanted), group="complete-rows", exclusive=True, exit_on_error=False)

    async def _complete(self, incidents: list[Incident]) -> None:
        asked = self._completing
        try:
            for incident in incidents:
                current = self.store.get(incident.key)
                if current is None or not self.backend.incomplete(current):
                    continue
                try:
                    completed = await self.backend.complete(current)
                except ApiError:  # the detail pane says why when the analyst looks; the sync line says if the console is down
                    continue
                self.post_message(StoreChanged(self.store.apply([completed])))
        finally:
            if self._completing is asked:  # not replaced by a later call meanwhile
                self._completing = frozenset()

    def _ask_about_conflicts(self, result: ActionResult, *, undo: bool) -> None:
        """Someone else changed these since the analyst looked, and nothing was sent to them: show
        what they changed and ask.  y sends the same change over theirs; n keeps theirs and reloads
        so the analyst sees it before deciding again."""
        from .screens.confirm import ConflictScreen

        change = result.change
        incidents = [self.store.get(key) for key in result.conflicts if key in self.store]
        if change is None or not incidents:
            self.engine.refresh_now()
            return

        def answered(send_anyway: bool | None) -> None:
            if send_anyway:
                self._run_edit(change, tuple(incident.key for incident in incidents), overwrite=True, undo=undo)
            else:
                self.engine.refresh_now()

        self.push_screen(ConflictScreen(incidents, dict(result.theirs)), answered)

    # --------------------------------------------------------------- actions

    def run_triage(
        self,
        action: str,
        targets: tuple[str, ...],
        *,
        known: Mapping[str, Incident] | None = None,
        on_done: Callable[[ActionResult], None] | None = None,
    ) -> None:
        """``action`` on ``targets`` in a worker: a declared ``StatusAction.verb``, or "delete"."""
        if action == DELETE:
            self._run_triage(action, "deleting", targets, lambda progress: self.triage.delete(
                targets, known=known or {}, progress=progress), on_done)
            return
        named = next(named for named in self.backend.status_actions if named.verb == action)
        self._run_set_status(named.status, targets, known=known or {}, on_done=on_done)

    def _run_set_status(
        self,
        status: str,
        targets: tuple[str, ...],
        *,
        known: Mapping[str, Incident] = {},
        on_done: Callable[[ActionResult], None] | None = None,
        undo: bool = False,
    ) -> None:
        named = self.backend.status_action(status)
        self._run_triage(named.verb, named.doing, targets, lambda progress: self.triage.set_status(
            targets, status, known=known, progress=progress), on_done, undo=undo)

    def _run_triage(
        self,
        action: str,
        doing: str,
        targets: tuple[str, ...],
        perform_action: Callable[[Progress], Awaitable[ActionResult]],
        on_done: Callable[[ActionResult], None] | None,
        *,
        undo: bool = False,
    ) -> None:
        async def perform() -> None:
            with self.activity(f"{doing} {len(targets):,}…") as show:
                result = await perform_action(self._progress_reporter(lambda done, total: show(f"{doing} {done:,}/{total:,}…")))
            self.post_message(TriageFinished(result, on_done, undo=undo))

        self.run_worker(perform(), group=f"triage-{action}", exit_on_error=False)

    def run_edit(
        self,
        change: Change,
        targets: tuple[str, ...],
        *,
        known: Mapping[str, Incident] | None = None,
        on_done: Callable[[ActionResult], None] | None = None,
    ) -> None:
        """``change`` on ``targets`` (a frozen tuple of keys) in a worker, with progress on the info
        line and a toast at the end; conflicts and failures get a line each."""
        self._run_edit(change, tuple(targets), known=known or {}, on_done=on_done)

    def _run_edit(
        self,
        change: Change,
        targets: tuple[str, ...],
        *,
        known: Mapping[str, Incident] = {},
        on_done: Callable[[ActionResult], None] | None = None,
        undo: bool = False,
        overwrite: bool = False,
    ) -> None:
        doing = "changing" if change.status is UNCHANGED else self.backend.status_action(change.status).doing
        self._run_triage("edit", doing, targets, lambda progress: self.triage.edit(
            targets, change, known=known, progress=progress, overwrite=overwrite), on_done, undo=undo)

    def run_create(self, draft: Change, on_done: Callable[[ActionResult], None] | None = None) -> None:
        """A new incident from ``draft`` in a worker; the toast names it, and ``on_done`` gets the
        result (its ``succeeded`` holds the new key)."""

        async def perform() -> None:
            with self.activity("creating an incident…"):
                result = await self.triage.create(draft)
            self.post_message(TriageFinished(result, on_done))

        self.run_worker(perform(), group="triage-create", exit_on_error=False)

    def run_bulk(self, preview: BulkPreview) -> None:
        """Send a confirmed bulk action by filter (a delete archives what was counted first)."""
        request = preview.request
        doing = "deleting" if request.status is None else self.backend.status_action(request.status).doing

        async def perform() -> None:
            with self.activity(f"{doing} by filter {request.describe}…"):
                result = await self.triage.act_by_filter(preview)
            self.post_message(TriageFinished(result))

        self.run_worker(perform(), group="triage-bulk", exit_on_error=False)

    def undo(self) -> None:
        """z: each incident of the last status, severity or assignee change back to what it had
        (one batch per value put back)."""
        if self.last_delete_archive is not None:
            self.toast(
                f"Deletes cannot be undone: the console has no restore. The incidents are archived in {self.last_delete_archive}.",
                severity="warning",
            )
            return
        if self.undo_refusal:
            self.toast(f"Nothing to undo: {self.undo_refusal}.", severity="warning")
            return
        if self.undo_batch is None:
            self.toast("Nothing to undo: z reverses the last status change.")
            return
        by_change: dict[Change, list[str]] = {}
        for key, change in self.undo_batch:
            by_change.setdefault(change, []).append(key)
        self.undo_batch = None
        for change, keys in by_change.items():
            if change.fields() == ("status",):
                self._run_set_status(change.status, tuple(keys), undo=True)
            else:
                self._run_edit(change, tuple(keys), undo=True)

    def export(self, keys: tuple[str, ...], fmt: ExportFormat, path: Path) -> None:
        """Write the incidents of ``keys`` (as loaded now) to ``path`` in a worker."""
        incidents = self.store.incidents(keys)

        async def perform() -> None:
            with self.activity(f"exporting {len(incidents):,}…"):
                try:
                    written = await asyncio.to_thread(
                        export_incidents, incidents, fmt, path, documents=self.backend.documents
                    )
                except OSError as error:
                    self.toast(f"Export failed: {error.strerror or error} ({path})", severity="error")
                    return
            self.toast(f"Exported {len(incidents):,} incidents to {written}", timeout=10)

        self.run_worker(perform(), group="export", exit_on_error=False)

    def open_search(self) -> None:
        from .screens.search import SearchFormScreen, SearchScreen

        def chosen(query: SearchQuery | None) -> None:
            if query is not None:
                self.last_search = query
                self.push_screen(SearchScreen(query))

        self.push_screen(SearchFormScreen(self.last_search), chosen)

    # ------------------------------------------------- columns, theme (saved)

    def use_columns(self, columns: tuple[str, ...]) -> None:
        """Show ``columns`` (the backend's column ids, in order) in every table now; keep them in the profile."""
        self.settings = replace(self.settings, columns=columns)
        for screen in self.list_screens:
            screen.table.show_columns(columns)
            self.complete_rows(screen.table.shown_needing_details())
        self.save_setting("columns", columns, "the columns")

    def search_themes(self) -> None:
        """The palette's Change theme: the theme picked is saved to the profile too."""
        from textual.command import CommandPalette

        from .screens.view_menus import SavedThemes

        self.push_screen(CommandPalette(providers=[SavedThemes], placeholder="Search for themes…"))

    def use_theme(self, name: str) -> None:
        self.theme = name
        self.settings = replace(self.settings, theme=name)
        self.save_setting("theme", name, f"the theme {name}", shared=True)

    def save_setting(self, key: str, value: str | tuple[str, ...], what: str, *, shared: bool = False) -> None:
        """Write ``key = value`` into the session's profile in the config file, in a worker; a toast
        says where, or why not.  The session keeps the choice either way."""

        async def perform() -> None:
            try:
                saved = await asyncio.to_thread(save_setting, self.settings.profile, key, value, shared=shared)
            except ProfileWriteError as error:
                self.toast(f"This session keeps {what}, but it was not saved: {error}.", severity="warning", timeout=10)
                return
            if saved is None:
                self.toast(f"This session keeps {what}; its console has no profile in the config file to save "
                           "them to (roost --profile NAME).", timeout=10)
            else:
                table, path = saved
                self.toast(f"Saved {what} to {table} in {path}.")

        self.run_worker(perform(), group="save-setting", exit_on_error=False)

    # ------------------------------------------------------- work in progress

    @contextmanager
    def activity(self, text: str) -> Iterator[Callable[[str], None]]:
        """Show ``text`` on the info line while the block runs; yields a function that replaces it (progress)."""
        activity_id = next(self._activity_ids)

        def show(line: str) -> None:
            self._activities[activity_id] = line
            self._show_activities()

        show(text)
        try:
            yield show
        finally:
            self._activities.pop(activity_id, None)
            self._show_activities()

    def _show_activities(self) -> None:
        line = " · ".join(self._activities.values())
        for screen in self.list_screens:
            screen.show_activity(line)

    @staticmethod
    def _progress_reporter(show: Callable[[int, int], None]) -> Callable[[int, int], None]:
        last = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal last
            now = time.monotonic()
            if done == total or now - last >= PROGRESS_INTERVAL:
                last = now
                show(done, total)

        return progress

    def refresh_now(self) -> None:
        self.toast(_REFRESH_TOASTS[self.engine.refresh_now()], timeout=2)

    def toggle_pause(self) -> None:
        if self.engine.paused:
            self.engine.resume()
            self.toast("Live updates resumed.")
        else:
            self.engine.pause()
            self.toast("Live updates paused: p resumes.")

    def copy(self, what: str, value: str) -> None:
        """Send ``value`` to the terminal's clipboard (OSC 52: works over SSH), exactly as it is, or say why not."""
        if not value:
            self.toast(f"Nothing to copy: no {what} here.", severity="warning")
            return
        if len(value) > COPY_LIMIT:
            self.toast(f"Not copied: the {what} is {len(value):,} characters long.", severity="warning")
            return
        if clean(value, limit=COPY_LIMIT) != value:
            # A cleaned copy would paste something else; the raw one could paste a newline or an escape into a shell.
            self.toast(f"Not copied: the {what} holds control or invisible characters ({clean(value, limit=60)}).",
                       severity="warning")
            return
        self.copy_to_clipboard(value)
        hint = TMUX_CLIPBOARD_HINT if os.environ.get("TMUX") else ""
        self.toast(f"Sent the {what} to the terminal's clipboard: {clean(value, limit=80)}{hint}")

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """The palette's Screenshot: the screen shows attacker data and what the analyst works on, so the
        file is the user's alone (0600, in Roost's data directory), not a 0644 file in ~/Downloads."""
        name = Path(filename).name if filename else time.strftime("roost-%Y%m%dT%H%M%SZ.svg", time.gmtime())
        target = (Path(path) if path else self.screenshot_dir) / name
        try:
            write_atomically(target, self.export_screenshot().encode("utf-8"))
        except OSError as error:
            self.toast(f"Screenshot not saved: {error.strerror or error} ({target}).", severity="error")
            return None
        self.toast(f"Screenshot saved to {target}", timeout=10)
        return None

    def toast(self, message: str, *, severity: str = "information", timeout: float | None = None) -> None:
        """A notification whose text is never parsed as markup, kept in ``messages``."""
        shown = clean(message, limit=300)
        self.messages.append(Notice(shown, severity))
        self.notify(shown, severity=severity, markup=False, timeout=timeout or 4)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from .screens.help import key_rows

        # Textual's own, less Quit (q is Roost's) and Keys (its panel lists Textual's internals; ? is Roost's help).
        yield from (command for command in super().get_system_commands(screen) if command.title not in ("Quit", "Keys"))
        # The keys of the screen the palette was opened on (search results act on results), as the
        # footer shows them: after the keymap, without what the session cannot do.
        target = screen if screen in self.list_screens else self.main_screen
        if target is None:
            return
        table_actions = {binding.action for binding in table_bindings()}
        for row in key_rows(target):
            # Moving the cursor, esc and tab, and the app's own keys (this palette among them) are not commands.
            if row.binding.action in table_actions or row.binding_id in NOT_COMMANDS:
                continue
            yield SystemCommand(
                f"{row.binding.description} ({' '.join(row.keys)})",
                row.binding.tooltip,  # the title already says what the description would
                lambda action=row.binding.action: self.call_later(target.run_action, action),
            )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker's unexpected error leaves the app running (exit_on_error=False), but never unsaid."""
        if event.state != WorkerState.ERROR:
            return
        line = crash_line(event.worker.error, self.settings.token)
        if event.worker.group == "sync":
            self.post_message(SyncStatusChanged(SyncStatus("offline", f"live updates stopped. {line}")))
        else:
            self.engine.refresh_now()  # the view goes back to what the console says
        self.toast(line, severity="error", timeout=30)

    def _handle_exception(self, error: Exception) -> None:
        # Textual prints a traceback with every frame's locals (the token among them) on the
        # terminal; the details go to a private file instead, and the launcher prints where.
        if not self.crash_report:
            self.crash_report = crash_line(error, self.settings.token)
        super()._handle_exception(error)
        self._exit_renderables.clear()

    @on(Driver.SignalResume)
    def _redraw_after_suspend(self) -> None:
        """Back from ctrl+z (fg): Textual restores the terminal but draws nothing until something
        changes, which left a blank screen."""
        self.refresh(layout=True)

    async def on_unmount(self) -> None:
        try:
            await asyncio.wait_for(self.backend.aclose(), timeout=2)
        except Exception:  # closing a dead connection must not block exit
            pass
