"""The Textual app: owns the store, the live sync worker and triage actions.

Workers post messages to the UI; the UI calls methods on its children.  No
network call ever runs on the UI's path: the sync loop, detail loads and
triage actions all run in async workers.
"""

from __future__ import annotations

import asyncio
import gc
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

from .audit import AuditLog
from .config import Settings
from .crashlog import crash_line
from .keys import MAIN_BINDINGS, MUTATING_ACTIONS
from .paths import stylesheet_paths
from .sanitize import clean
from .store import ChangeSet, IncidentStore
from .sync import SyncEngine, SyncStatus
from .triage import ActionResult, Triage


class StoreChanged(Message):
    def __init__(self, changes: ChangeSet) -> None:
        super().__init__()
        self.changes = changes


class SyncStatusChanged(Message):
    def __init__(self, status: SyncStatus) -> None:
        super().__init__()
        self.status = status


class TriageFinished(Message):
    def __init__(self, result: ActionResult) -> None:
        super().__init__()
        self.result = result


class RoostApp(App):
    TITLE = "Roost"
    #: The detail pane follows the cursor once it rests this long, so holding j stays smooth.
    detail_delay = 0.06
    CSS_PATH = stylesheet_paths()
    BINDINGS = [Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="interrupt")]

    def __init__(
        self,
        settings: Settings,
        client: Any,
        *,
        data_directory: Path,
        store: IncidentStore | None = None,
        persist: Callable[[ChangeSet], Any] | None = None,
        preload: Callable[[], Any] | None = None,
        clock: Callable[[], datetime] | None = None,
        live: bool = True,
    ) -> None:
        super().__init__()
        # Animations cost bandwidth and attention over SSH; TEXTUAL_ANIMATIONS can still ask for them.
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            self.animation_level = "none"
        if settings.theme:
            self.theme = settings.theme
        self.set_keymap(settings.keymap)
        self.crash_report = ""
        self.settings = settings
        self.client = client
        self.store = store or IncidentStore()
        self.read_only = settings.read_only
        self.archive_dir = data_directory / "archives"
        self.new_keys: set[str] = set()
        self.sync_status = SyncStatus("connecting")
        self._clock = clock
        self._live = live
        self._initial_load_done = False
        self.engine = SyncEngine(
            client,
            self.store,
            poll_interval=settings.poll_interval,
            on_change=lambda changes: self.post_message(StoreChanged(changes)),
            on_status=lambda status: self.post_message(SyncStatusChanged(status)),
            persist=persist,
            preload=preload,
        )
        self.triage = Triage(
            client,
            self.store,
            self.archive_dir,
            audit=AuditLog(data_directory / "audit.jsonl", console=settings.console),
            on_change=lambda changes: self.post_message(StoreChanged(changes)),
            read_only=settings.read_only,
        )

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

    @property
    def main_screen(self):
        from .screens.main import MainScreen

        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        return None

    # ------------------------------------------------------- worker messages

    def on_store_changed(self, message: StoreChanged) -> None:
        changes = message.changes
        if self._initial_load_done and changes.added:
            self.new_keys |= changes.added
            if self.settings.bell:
                self.bell()
        self.new_keys -= changes.removed
        if self.main_screen is not None:
            self.main_screen.apply_changes(changes)

    def on_sync_status_changed(self, message: SyncStatusChanged) -> None:
        self.sync_status = message.status
        if message.status.state in ("live", "manual", "paused") and not self._initial_load_done:
            self._initial_load_done = True
            # The loaded incidents live as long as the session: keep the collector off them.
            gc.freeze()
        if self.main_screen is not None:
            self.main_screen.show_status(message.status)

    def on_triage_finished(self, message: TriageFinished) -> None:
        result = message.result
        if result.permission_denied and not self.read_only:
            self.read_only = True
            self.triage.read_only = True
            self.toast("The console refused: this token may not change incidents. Switched to read-only.", severity="error")
            self.refresh_bindings()
        if self.main_screen is not None:
            self.main_screen.report(result)
            self.main_screen.refresh_view()

    # --------------------------------------------------------------- actions

    def run_triage(self, action: str, targets: tuple[str, ...]) -> None:
        async def perform() -> None:
            result = await getattr(self.triage, action)(targets)
            self.post_message(TriageFinished(result))

        self.run_worker(perform(), group=f"triage-{action}", exit_on_error=False)

    def refresh_now(self) -> None:
        self.engine.refresh_now()
        self.toast("Refreshing…", timeout=2)

    def toggle_pause(self) -> None:
        if self.engine.paused:
            self.engine.resume()
            self.toast("Live updates resumed.")
        else:
            self.engine.pause()
            self.toast("Live updates paused: p resumes.")

    def toast(self, message: str, *, severity: str = "information", timeout: float | None = None) -> None:
        """A notification whose text is never parsed as markup."""
        self.notify(clean(message, limit=300), severity=severity, markup=False, timeout=timeout or 4)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        main = self.main_screen
        if main is None:
            return
        for binding in MAIN_BINDINGS:
            if binding.action in MUTATING_ACTIONS and self.read_only:
                continue
            if binding.id in ("switch-focus", "focus-table"):
                continue
            description = binding.tooltip or binding.description
            yield SystemCommand(
                f"{binding.description} ({binding.key.split(',')[0]})",
                description,
                lambda action=binding.action: self.call_later(main.run_action, action),
            )

    def _handle_exception(self, error: Exception) -> None:
        # Textual prints a traceback with every frame's locals (the token among them) on the
        # terminal; the details go to a private file instead, and the launcher prints where.
        if not self.crash_report:
            self.crash_report = crash_line(error, self.settings.token)
        super()._handle_exception(error)
        self._exit_renderables.clear()

    async def on_unmount(self) -> None:
        close = getattr(self.client, "aclose", None)
        if close is not None:
            try:
                await asyncio.wait_for(close(), timeout=2)
            except Exception:  # closing a dead connection must not block exit
                pass
