"""The Textual app: a tab per console (its ``ConsoleSession``: store, sync worker, triage), and
the inbox across them when there are several.

Workers post messages to the UI; the UI calls methods on its children.  No
network call ever runs on the UI's path: the sync loop, detail loads, triage
actions, bulk actions, searches and exports all run in workers.

Each session keeps what outlives one screen: the undo record (per incident, the status,
severity or assignee it had before the last such change) and the detail pane's cache; the
app keeps the work in progress shown on each tab's info line.
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
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterable, Iterator, Mapping, Sequence

from textual import events, on
from textual.app import App, SystemCommand
from textual.driver import Driver
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from .backends.base import UNCHANGED, Backend, BulkPreview, Change, SearchQuery
from .backends.errors import ApiError, ConfigError
from .archive import write_atomically
from .config import Settings
from .collector import startup_over
from .crashlog import crash_line
from .details import DetailSource
from .inbox import Inbox
from .keys import APP_BINDINGS, keymap_in_effect, table_bindings
from .model import Incident
from .notify import inside_tmux, notification
from .paths import stylesheet_paths
from .sanitize import clean
from .screens.typed_ahead import TakesTypedAhead
from .session import ConsoleSession, Opening
from .store import ChangeSet, IncidentStore
from .sync import SyncEngine, SyncStatus
from .triage import DELETE, ActionResult, Progress, Triage
from .widgets.tab_bar import TabState

if TYPE_CHECKING:
    from .export import ExportFormat

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
#: Seconds between building one unseen tab and the next, so keys go on being answered between them.
TAB_BUILD_PAUSE = 0.5

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
    def __init__(self, session: ConsoleSession, changes: ChangeSet) -> None:
        super().__init__()
        self.session = session
        self.changes = changes


class SyncStatusChanged(Message):
    def __init__(self, session: ConsoleSession, status: SyncStatus) -> None:
        super().__init__()
        self.session = session
        self.status = status


class TriageFinished(Message):
    def __init__(
        self,
        session: ConsoleSession,
        result: ActionResult,
        on_done: Callable[[ActionResult], None] | None = None,
        *,
        undo: bool = False,
    ) -> None:
        super().__init__()
        self.session = session
        self.result = result
        self.on_done = on_done
        #: The result of z: it is not itself undoable.
        self.undo = undo


def _file_safe(name: str) -> str:
    """A profile's name as part of a file name: letters, digits, dot, dash and underscore."""
    return "".join(character if character.isalnum() or character in "._-" else "_" for character in name)[:40] or "console"


# Sorts an incident the console gave no creation time before every other.
_LONG_AGO = datetime.min.replace(tzinfo=timezone.utc)


class RoostApp(App):
    TITLE = "Roost"
    #: The detail pane follows the cursor once it rests this long, so holding j stays smooth.
    detail_delay = 0.06
    CSS_PATH = stylesheet_paths()
    BINDINGS = APP_BINDINGS
    #: With several consoles, each one's tab is a Textual mode (its own screen stack); the first
    #: one's is the default.
    DEFAULT_MODE = "console-1"

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
        more_consoles: Sequence[Opening] = (),
    ) -> None:
        """The first console from ``settings`` and ``backend`` (its theme, keymap and mouse are the
        app's), and a tab for each of ``more_consoles`` beside it."""
        if not more_consoles:
            # One console has no tabs, so no modes: Textual's default screen, whose first showing is
            # not followed (as a mode's is) by the whole stylesheet parsed again before the first frame.
            self.DEFAULT_MODE = "_default"
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
        self.screenshot_dir = data_directory / "screenshots"
        self._clock = clock
        self._live = live
        first = Opening(settings, backend, store, persist, preload, startup_check)
        #: One per console, in tab order; each screen that lists incidents belongs to one.
        self.sessions: tuple[ConsoleSession, ...] = tuple(
            ConsoleSession(
                opening,
                data_directory=data_directory,
                now=self.now,
                on_change=lambda session, changes: self.post_message(StoreChanged(session, changes)),
                on_status=lambda session, status: self.post_message(SyncStatusChanged(session, status)),
            )
            for opening in (first, *more_consoles)
        )
        #: Every console's open incidents in one view, with several consoles open.
        self.inbox = Inbox(self.sessions, archive_dir=self.sessions[0].archive_dir) if len(self.sessions) > 1 else None
        #: The tab on screen's session (the inbox's own when it is on screen).
        self.session: ConsoleSession | Inbox = self.sessions[0]
        for number, session in enumerate(self.sessions if self.tabbed else (), start=1):
            self.add_mode(f"console-{number}", lambda session=session: self._main_screen_for(session))
        if self.inbox is not None:
            self.add_mode("inbox", lambda: self._main_screen_for(self.inbox))
        self._activities: dict[int, tuple[ConsoleSession, str]] = {}
        self._activity_ids = itertools.count()
        # Per session, the keys whose details a worker is reading for the table (``complete_rows``).
        self._completing: dict[ConsoleSession, frozenset[str]] = {}
        #: The session each worker started for one works for (a failure is reported on its tab).
        self._worker_sessions: dict[Worker, ConsoleSession] = {}
        self._list_screens: list = []
        #: The tabs whose screens exist (shown, or built out of sight by ``_build_a_tab``).
        self._built_tabs: set[str] = set()
        #: Set when a console refused the token at start and the session ended on it (the launcher says why).
        self.refused_at_start = ""

    # The tab on screen's session, by its parts: what a single-console session always meant.

    @property
    def settings(self) -> Settings:
        return self.session.settings

    @property
    def backend(self) -> Backend:
        return self.session.backend

    @property
    def store(self) -> IncidentStore:
        return self.session.store

    @property
    def engine(self) -> SyncEngine:
        return self.session.engine

    @property
    def triage(self) -> Triage:
        return self.session.triage

    @property
    def details(self) -> DetailSource:
        return self.session.details

    @property
    def archive_dir(self) -> Path:
        return self.session.archive_dir

    @property
    def sync_status(self) -> SyncStatus:
        return self.session.sync_status

    @property
    def tokens(self) -> tuple:
        """Every console's token: what a crash report must never hold."""
        return tuple(session.settings.token for session in self.sessions)

    #: Set by q: keys already queued behind it (a fast "qe") must not open screens on a closing app.
    quitting = False

    async def action_quit(self) -> None:
        self.quitting = True
        self.exit()

    @property
    def read_only(self) -> bool:
        """Whether the tab on screen's console may only be read (see ``Backend.read_only``)."""
        return self.session.read_only

    def can(self, action: str, parameters: tuple[object, ...] = ()) -> bool:
        """Whether the tab on screen's console can do ``action``: what it cannot is hidden, not greyed."""
        return self.session.can(action, parameters)

    def now(self) -> datetime:
        return self._clock() if self._clock else datetime.now(timezone.utc)

    def get_default_screen(self) -> Screen:
        return self._main_screen_for(self.sessions[0])

    @staticmethod
    def _main_screen_for(session: ConsoleSession | Inbox) -> Screen:
        from .screens.main import InboxScreen, MainScreen

        return InboxScreen(session) if isinstance(session, Inbox) else MainScreen(session)

    # -------------------------------------------------------------------- tabs

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_tab":
            return self.tabbed  # one console: no tabs, no tab keys
        if action == "tab":
            number = parameters[0]
            return self.tabbed and (number == 0 or 1 <= number <= len(self.sessions))
        return True

    @property
    def tabbed(self) -> bool:
        """Several consoles: a tab each and the inbox, tab keys, and every toast and dialog naming its console."""
        return self.inbox is not None

    @property
    def tabs(self) -> tuple[ConsoleSession | Inbox, ...]:
        """The tabs in order: the inbox (alt+0), then each console (alt+1…)."""
        return self.sessions if self.inbox is None else (self.inbox, *self.sessions)

    def action_tab(self, number: int) -> None:
        """alt+N: the Nth console's tab; alt+0 the inbox."""
        if number == 0 and self.inbox is not None:
            self.show_session(self.inbox)
        elif 1 <= number <= len(self.sessions):
            self.show_session(self.sessions[number - 1])

    def action_next_tab(self, step: int) -> None:
        """ctrl+pagedown / ctrl+pageup (and ctrl+→ / ctrl+←): the next or previous tab, round."""
        index = self.tabs.index(self.session)
        self.show_session(self.tabs[(index + step) % len(self.tabs)])

    def show_session(self, session: ConsoleSession | Inbox) -> None:
        """Put ``session``'s tab on screen, as the analyst left it (its dialogs and search results too)."""
        if session is self.session:
            return
        self.session = session
        # The tabs first, so the switch's one frame shows them (not a second frame after it).
        self.refresh_tabs()
        self.switch_mode(self._mode_of(session))
        self._built_tabs.add(self.current_mode)

    def _mode_of(self, session: ConsoleSession | Inbox) -> str:
        return "inbox" if session is self.inbox else f"console-{self.sessions.index(session) + 1}"

    def _build_a_tab(self) -> None:
        """Build the next tab not yet shown, out of sight, while the analyst reads another: a first
        visit then costs what any switch does.  (The first time a tab is shown, Textual composes
        its screen, then styles it with the whole stylesheet parsed again: ~120 ms at 20,000.)

        Each step shows the tab and the one on screen again at once, with nothing drawn between:
        the first composes the tab's screen (after the step), the next styles it.  Nothing else
        runs in between, so no key or message ever finds the wrong tab on screen."""
        unbuilt = [session for session in self.tabs if self._mode_of(session) not in self._built_tabs]
        if not unbuilt or not self.is_running:  # all built, or the app is closing its screens
            return
        if self.screen is self.main_screen_of(self.session):  # not under a dialog or a search
            building = unbuilt[0]
            screen, mode, shown = self.main_screen_of(building), self._mode_of(building), self.current_mode
            with self.batch_update():
                self.switch_mode(mode)
                self.switch_mode(shown)
            if screen is not None and screen.is_mounted:
                self._built_tabs.add(mode)
        self.set_timer(TAB_BUILD_PAUSE, self._build_a_tab)

    def tab_states(self) -> tuple[TabState, ...]:
        inbox = () if self.inbox is None else (TabState(
            key="0", name=self.inbox.name, open=self.inbox.store.counts()[0], status=None,
            read_only=self.inbox.read_only, active=self.session is self.inbox),)
        return inbox + tuple(
            TabState(
                key=str(number),
                name=session.name,
                open=session.store.counts()[0],
                status=session.sync_status,
                read_only=session.read_only,
                active=session is self.session,
            )
            for number, session in enumerate(self.sessions, start=1)
        )

    def refresh_tabs(self) -> None:
        """Every tab bar says what each console holds and whether it is live (a few tabs: cheap)."""
        if not self.tabbed:
            return
        tabs = self.tab_states()
        for screen in self._list_screens:
            screen.show_tabs(tabs)

    def on_mount(self) -> None:
        if self.tabbed:
            self._built_tabs.add(self.current_mode)
            self.set_timer(TAB_BUILD_PAUSE, self._build_a_tab)
        for session in self.sessions:
            for warning in session.settings.warnings:
                self.toast(warning, severity="warning", timeout=10, session=session)
        if len(self.sessions[0].store):
            # Cached rows to draw: they are drawn first.  Connecting starts a thread that imports the
            # HTTP stack, which would take its turns at the interpreter during the first frame.
            self.call_after_refresh(self._start_consoles)
        else:
            self._start_consoles()

    def _start_consoles(self) -> None:
        """Each console's sync loop, and the check of a console whose cached state was drawn unasked."""
        startup_over()  # the first frame is up (or there is nothing cached to draw)
        for number, session in enumerate(self.sessions):
            if self._live:
                self.run_for(session, session.engine.run(), group=f"sync-{number}", exclusive=True)
            if session.startup_check is not None:
                self.run_for(session, self._check_console(session), group="startup-check")

    def run_for(self, session: ConsoleSession, work: Awaitable[Any], *, group: str, exclusive: bool = False) -> Worker:
        """Run ``work`` for ``session`` in a worker: an unexpected error is reported on its tab, its
        view put back to what its console says."""
        worker = self.run_worker(work, group=group, exclusive=exclusive, exit_on_error=False)
        self._worker_sessions[worker] = session
        return worker

    async def _check_console(self, session: ConsoleSession) -> None:
        """A console that refuses the token ends a single-console session (the launcher prints why);
        among several, its tab says so and the others go on.  One that is only slow or away does not:
        the cached state stays on screen and the sync loop keeps trying."""
        try:
            await session.startup_check()
        except (ApiError, ConfigError) as error:
            if isinstance(error, ApiError) and error.transient:
                return
            if not self.tabbed:  # among several, the sync loop's own refusal shows on its tab
                self.refused_at_start = str(error)
                self.exit(None, 1)

    def main_screen_of(self, session: ConsoleSession):
        """The main screen of ``session``'s tab, once it has been shown."""
        from .screens.main import MainScreen

        return next((screen for screen in self.list_screens
                     if isinstance(screen, MainScreen) and screen.session is session), None)

    @property
    def main_screen(self):
        """The main screen of the tab on screen."""
        return self.main_screen_of(self.session)

    @property
    def list_screens(self) -> list:
        """Every screen that lists incidents (main, search results), of every tab, oldest first."""
        return list(self._list_screens)

    def screens_of(self, session: ConsoleSession) -> list:
        return [screen for screen in self._list_screens if screen.session is session]

    def attach_list_screen(self, screen) -> None:
        """A screen that lists incidents is up: it hears of its session's changes from now on."""
        self._list_screens.append(screen)

    def detach_list_screen(self, screen) -> None:
        if screen in self._list_screens:
            self._list_screens.remove(screen)

    def on_key(self, event: events.Key) -> None:
        """A printable key that reaches the app while a dialog waits for text was typed before the
        dialog was up (see ``screens.typed_ahead``): it goes into the dialog's field, and no binding
        is looked up for it."""
        screen = self.screen
        if event.is_printable and isinstance(screen, TakesTypedAhead) and screen.waiting_for_text():
            event.prevent_default()
            screen.take_typed_ahead(event)

    # ------------------------------------------------------- worker messages

    def on_store_changed(self, message: StoreChanged) -> None:
        session, changes = message.session, message.changes
        if session.loaded and changes.added:
            if session.settings.bell:
                self.bell()
            if session.settings.notify:
                self._notify_desktop(session, changes.added)
        for screen in self.screens_of(session):
            screen.apply_changes(changes)
        if self.inbox is not None:
            in_inbox = self.inbox.follow(session, changes)
            if in_inbox:
                for screen in self.screens_of(self.inbox):
                    screen.apply_changes(in_inbox)
        self.refresh_tabs()

    def _notify_desktop(self, session: ConsoleSession, keys: Iterable[str]) -> None:
        """One desktop notification for what arrived: how many, the newest's title, its console."""
        arrived = session.store.incidents(keys)
        if not arrived:
            return
        newest = max(arrived, key=lambda incident: incident.created or _LONG_AGO)
        self.write_to_terminal(notification(session.settings.notify, session.name, session.backend.display_title(newest),
                                            count=len(arrived), tmux=inside_tmux(os.environ)))

    def write_to_terminal(self, sequence: str) -> None:
        """Send an escape sequence to the terminal, in order with Textual's own output (Textual has no
        public way: its bell() and clipboard use the driver the same way)."""
        if not self.is_headless and self._driver is not None:
            self._driver.write(sequence)

    def on_sync_status_changed(self, message: SyncStatusChanged) -> None:
        session, status = message.session, message.status
        session.sync_status = status
        if status.state in ("live", "manual", "paused"):
            session.loaded = True
        if status.unreadable > session.unreadable_told:
            session.unreadable_told = status.unreadable
            self.toast(
                f"{status.unreadable:,} items the console sent are not incidents (not an object, no key, or not decodable): "
                "they are not shown.",
                severity="warning",
                timeout=10,
                session=session,
            )
        main = self.main_screen_of(session)
        if main is not None:
            main.show_status(status)
        inbox_screen = self.main_screen_of(self.inbox) if self.inbox is not None else None
        if inbox_screen is not None:
            inbox_screen.show_status(self.inbox.sync_status)
        self.refresh_tabs()

    def on_triage_finished(self, message: TriageFinished) -> None:
        session, result = message.session, message.result
        if result.permission_denied and not session.read_only:
            session.backend.read_only = True
            self.toast("The console refused: this token may not change incidents. Switched to read-only.",
                       severity="error", session=session)
            for screen in self.screens_of(session):
                screen.refresh_bindings()
        session.remember_for_undo(result, message.undo)
        self.report(session, result, undo=message.undo)
        main = self.main_screen_of(session)
        if main is not None:
            main.refresh_view()
        if message.on_done is not None:
            message.on_done(result)

    def report(self, session: ConsoleSession, result: ActionResult, *, undo: bool = False) -> None:
        severity = "information" if result.ok else ("error" if result.error else "warning")
        line = result.summary()
        if undo:
            line = f"Undone: {line}"
        elif result.previous or result.restores:
            line += " · z to undo"
        if line:
            self.toast(line, severity=severity, session=session)
        for problem in result.problems():
            self.toast(problem, severity="warning", session=session)
        if result.conflicts and result.change is not None:
            self._ask_about_conflicts(session, result, undo=undo)
        if result.audit_error:
            self.toast(result.audit_error, severity="error", session=session)

    def complete_rows(self, session: ConsoleSession, incidents: Iterable[Incident]) -> None:
        """Have what the listing lacks (Log360's evidence and notes counts) read for ``incidents``
        (rows on screen), in the background.  A new call for other rows replaces the one under
        way; rows already being read are not asked for twice."""
        if isinstance(session, Inbox):
            for console, own in session.by_console(incident.key for incident in incidents).items():
                self.complete_rows(console, console.store.incidents(own))
            return
        wanted = [incident for incident in incidents if session.backend.incomplete(incident)]
        if not wanted or {incident.key for incident in wanted} <= self._completing.get(session, frozenset()):
            return
        self._completing[session] = frozenset(incident.key for incident in wanted)
        self.run_for(session, self._complete(session, wanted),
                     group=f"complete-rows-{self.sessions.index(session)}", exclusive=True)

    async def _complete(self, session: ConsoleSession, incidents: list[Incident]) -> None:
        asked = self._completing[session]
        try:
            for incident in incidents:
                current = session.store.get(incident.key)
                if current is None or not session.backend.incomplete(current):
                    continue
                try:
                    completed = await session.backend.complete(current)
                except ApiError:  # the detail pane says why when the analyst looks; the sync line says if the console is down
                    continue
                self.post_message(StoreChanged(session, session.store.apply([completed])))
        finally:
            if self._completing.get(session) is asked:  # not replaced by a later call meanwhile
                self._completing[session] = frozenset()

    def _ask_about_conflicts(self, session: ConsoleSession, result: ActionResult, *, undo: bool) -> None:
        """Someone else changed these since the analyst looked, and nothing was sent to them: show
        what they changed and ask.  y sends the same change over theirs; n keeps theirs and reloads
        so the analyst sees it before deciding again."""
        from .screens.confirm import ConflictScreen

        change = result.change
        incidents = [session.store.get(key) for key in result.conflicts if key in session.store]
        if change is None or not incidents:
            session.engine.refresh_now()
            return

        def answered(send_anyway: bool | None) -> None:
            if send_anyway:
                self._run_edit(session, change, tuple(incident.key for incident in incidents), overwrite=True, undo=undo)
            else:
                session.engine.refresh_now()

        conflict = ConflictScreen(incidents, dict(result.theirs))
        conflict.session = session  # the action's console, whichever tab is on screen when it answers
        self.push_screen(conflict, answered)

    # --------------------------------------------------------------- actions

    def run_triage(
        self,
        session: ConsoleSession,
        action: str,
        targets: tuple[str, ...],
        *,
        known: Mapping[str, Incident] | None = None,
        on_done: Callable[[ActionResult], None] | None = None,
        closing_note: str = "",
    ) -> None:
        """``action`` on ``targets`` of ``session``'s console, in a worker: a declared ``StatusAction.verb``, or "delete".
        From the inbox, each console's share goes to that console, with ``closing_note`` where it
        closes on a console that keeps notes (on one console, c sends its note as an edit)."""
        if isinstance(session, Inbox):
            self._run_across(session, action, targets, on_done, closing_note=closing_note)
            return
        if action == DELETE:
            self._run_triage(session, action, "deleting", targets, lambda progress: session.triage.delete(
                targets, known=known or {}, progress=progress), on_done)
            return
        named = next(named for named in session.backend.status_actions if named.verb == action)
        self._run_set_status(session, named.status, targets, known=known or {}, on_done=on_done)

    def _run_across(self, inbox: Inbox, action: str, targets: tuple[str, ...],
                    on_done: Callable[[ActionResult], None] | None, *, closing_note: str = "") -> None:
        """An inbox action: each console's incidents to that console, by its own session; a
        read-only console, or one that has no such action, is left out and says so.  ``on_done``
        hears once, when every console has answered, of all of them (in inbox keys)."""
        sending: dict[ConsoleSession, tuple[str, ...]] = {}
        left_out: list[str] = []
        for session, keys in inbox.by_console(targets).items():
            count = f"{len(keys):,} incident{'s' if len(keys) != 1 else ''}"
            if session.read_only:
                self.toast(f"Read-only: {count} left as they are.", severity="warning", session=session)
            elif action != DELETE and not session.can("set_status", (action,)):
                self.toast(f"This console has no {action}: {count} left as they are.", severity="warning",
                           session=session)
            else:
                sending[session] = keys
                continue
            left_out.extend(inbox.keys_of(session, keys))
        inbox.undo_sessions = tuple(sending)
        results: dict[ConsoleSession, ActionResult] = {}

        def answered(session: ConsoleSession, result: ActionResult) -> None:
            results[session] = result
            if len(results) == len(sending) and on_done is not None:
                on_done(self._in_inbox_keys(inbox, action, targets, results, left_out))

        for session, keys in sending.items():
            heard = partial(answered, session)
            if closing_note and session.takes_closing_note(action):
                named = next(named for named in session.backend.status_actions if named.verb == action)
                self.run_edit(session, Change(status=named.status, note=closing_note), keys, on_done=heard)
            else:
                self.run_triage(session, action, keys, on_done=heard)
        if not sending and on_done is not None:
            on_done(ActionResult(action, targets, skipped=tuple(left_out)))

    @staticmethod
    def _in_inbox_keys(inbox: Inbox, action: str, targets: tuple[str, ...],
                       results: Mapping[ConsoleSession, ActionResult], left_out: list[str]) -> ActionResult:
        """The consoles' results as one, for the inbox's screen: what failed, and what was left out
        (``skipped``), stays marked."""
        return ActionResult(
            action,
            targets,
            skipped=tuple(left_out),
            succeeded=tuple(key for session, result in results.items() for key in inbox.keys_of(session, result.succeeded)),
            failed=tuple((inbox.keys_of(session, (key,))[0], reason)
                         for session, result in results.items() for key, reason in result.failed),
        )

    def _run_set_status(
        self,
        session: ConsoleSession,
        status: str,
        targets: tuple[str, ...],
        *,
        known: Mapping[str, Incident] = {},
        on_done: Callable[[ActionResult], None] | None = None,
        undo: bool = False,
    ) -> None:
        named = session.backend.status_action(status)
        self._run_triage(session, named.verb, named.doing, targets, lambda progress: session.triage.set_status(
            targets, status, known=known, progress=progress), on_done, undo=undo)

    def _run_triage(
        self,
        session: ConsoleSession,
        action: str,
        doing: str,
        targets: tuple[str, ...],
        perform_action: Callable[[Progress], Awaitable[ActionResult]],
        on_done: Callable[[ActionResult], None] | None,
        *,
        undo: bool = False,
    ) -> None:
        async def perform() -> None:
            with self.activity(session, f"{doing} {len(targets):,}…") as show:
                result = await perform_action(self._progress_reporter(lambda done, total: show(f"{doing} {done:,}/{total:,}…")))
            self.post_message(TriageFinished(session, result, on_done, undo=undo))

        self.run_for(session, perform(), group=f"triage-{action}")

    def run_edit(
        self,
        session: ConsoleSession,
        change: Change,
        targets: tuple[str, ...],
        *,
        known: Mapping[str, Incident] | None = None,
        on_done: Callable[[ActionResult], None] | None = None,
    ) -> None:
        """``change`` on ``targets`` (a frozen tuple of keys) in a worker, with progress on the info
        line and a toast at the end; conflicts and failures get a line each."""
        self._run_edit(session, change, tuple(targets), known=known or {}, on_done=on_done)

    def _run_edit(
        self,
        session: ConsoleSession,
        change: Change,
        targets: tuple[str, ...],
        *,
        known: Mapping[str, Incident] = {},
        on_done: Callable[[ActionResult], None] | None = None,
        undo: bool = False,
        overwrite: bool = False,
    ) -> None:
        doing = "changing" if change.status is UNCHANGED else session.backend.status_action(change.status).doing
        self._run_triage(session, "edit", doing, targets, lambda progress: session.triage.edit(
            targets, change, known=known, progress=progress, overwrite=overwrite), on_done, undo=undo)

    def run_create(self, session: ConsoleSession, draft: Change,
                   on_done: Callable[[ActionResult], None] | None = None) -> None:
        """A new incident from ``draft`` in a worker; the toast names it, and ``on_done`` gets the
        result (its ``succeeded`` holds the new key)."""

        async def perform() -> None:
            with self.activity(session, "creating an incident…"):
                result = await session.triage.create(draft)
            self.post_message(TriageFinished(session, result, on_done))

        self.run_for(session, perform(), group="triage-create")

    def run_bulk(self, session: ConsoleSession, preview: BulkPreview) -> None:
        """Send a confirmed bulk action by filter (a delete archives what was counted first)."""
        request = preview.request
        doing = "deleting" if request.status is None else session.backend.status_action(request.status).doing

        async def perform() -> None:
            with self.activity(session, f"{doing} by filter {request.describe}…"):
                result = await session.triage.act_by_filter(preview)
            self.post_message(TriageFinished(session, result))

        self.run_for(session, perform(), group="triage-bulk")

    def undo(self, session: ConsoleSession | Inbox) -> None:
        """z: each incident of the last status, severity or assignee change back to what it had
        (one batch per value put back); from the inbox, on each console its last action went to."""
        if isinstance(session, Inbox):
            if not session.undo_sessions:
                self.toast("Nothing to undo: z reverses the inbox's last status change.", session=session)
            for console in session.undo_sessions:
                self.undo(console)
            session.undo_sessions = ()
            return
        if session.last_delete_archive is not None:
            self.toast(
                f"Deletes cannot be undone: the console has no restore. The incidents are archived in {session.last_delete_archive}.",
                severity="warning",
                session=session,
            )
            return
        if session.undo_refusal:
            self.toast(f"Nothing to undo: {session.undo_refusal}.", severity="warning", session=session)
            return
        if session.undo_batch is None:
            self.toast("Nothing to undo: z reverses the last status change.", session=session)
            return
        by_change: dict[Change, list[str]] = {}
        for key, change in session.undo_batch:
            by_change.setdefault(change, []).append(key)
        session.undo_batch = None
        for change, keys in by_change.items():
            if change.fields() == ("status",):
                self._run_set_status(session, change.status, tuple(keys), undo=True)
            else:
                self._run_edit(session, change, tuple(keys), undo=True)

    def export(self, session: ConsoleSession | Inbox, keys: tuple[str, ...], fmt: ExportFormat, path: Path) -> None:
        """Write the incidents of ``keys`` (as loaded now) to ``path`` in a worker; from the inbox, a
        file per console (each console's documents are its own shape), named after it."""
        if isinstance(session, Inbox):
            for console, own in session.by_console(keys).items():
                self.export(console, own, fmt, path.with_name(f"{path.stem}-{_file_safe(console.name)}{path.suffix}"))
            return
        incidents = session.store.incidents(keys)
        from .export import export_incidents

        async def perform() -> None:
            with self.activity(session, f"exporting {len(incidents):,}…"):
                try:
                    written = await asyncio.to_thread(
                        export_incidents, incidents, fmt, path, documents=session.backend.documents
                    )
                except OSError as error:
                    self.toast(f"Export failed: {error.strerror or error} ({path})", severity="error", session=session)
                    return
            self.toast(f"Exported {len(incidents):,} incidents to {written}", timeout=10, session=session)

        self.run_for(session, perform(), group="export")

    def open_search(self, session: ConsoleSession) -> None:
        from .screens.search import SearchFormScreen, SearchScreen

        def chosen(query: SearchQuery | None) -> None:
            if query is not None:
                session.last_search = query
                self.push_screen(SearchScreen(session, query))

        self.push_screen(SearchFormScreen(session.last_search), chosen)

    # ------------------------------------------------- columns, theme (saved)

    def use_columns(self, session: ConsoleSession, columns: tuple[str, ...]) -> None:
        """Show ``columns`` (the backend's column ids, in order) in every table of ``session`` now; keep
        them in its profile."""
        session.settings = replace(session.settings, columns=columns)
        for screen in self.screens_of(session):
            screen.table.show_columns(columns)
            self.complete_rows(session, screen.table.shown_needing_details())
        if not isinstance(session, Inbox):  # the inbox has no profile: it keeps them for this session
            self.save_setting(session.settings.profile, "columns", columns, "the columns")

    def search_themes(self) -> None:
        """The palette's Change theme: the theme picked is saved to the profile too."""
        from textual.command import CommandPalette

        from .screens.view_menus import SavedThemes

        self.push_screen(CommandPalette(providers=[SavedThemes], placeholder="Search for themes…"))

    def use_theme(self, name: str) -> None:
        self.theme = name
        for session in self.sessions:
            session.settings = replace(session.settings, theme=name)
        # With several consoles the theme is every profile's: [defaults].
        self.save_setting("" if self.tabbed else self.session.settings.profile, "theme", name, f"the theme {name}",
                          shared=True)

    def save_setting(self, profile: str, key: str, value: str | tuple[str, ...], what: str, *,
                     shared: bool = False) -> None:
        """Write ``key = value`` into ``profile`` in the config file (``shared``: else ``[defaults]``),
        in a worker; a toast says where, or why not.  The session keeps the choice either way."""
        from .profile_writer import ProfileWriteError, save_setting

        async def perform() -> None:
            try:
                saved = await asyncio.to_thread(save_setting, profile, key, value, shared=shared)
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
    def activity(self, session: ConsoleSession, text: str) -> Iterator[Callable[[str], None]]:
        """Show ``text`` on ``session``'s info lines while the block runs; yields a function that
        replaces it (progress)."""
        activity_id = next(self._activity_ids)

        def show(line: str) -> None:
            self._activities[activity_id] = (session, line)
            self._show_activities(session)

        show(text)
        try:
            yield show
        finally:
            self._activities.pop(activity_id, None)
            self._show_activities(session)

    def activities_of(self, session: ConsoleSession) -> str:
        """The work in progress on ``session``'s console, as its info line says it."""
        return " · ".join(line for owner, line in self._activities.values() if owner is session)

    def _show_activities(self, session: ConsoleSession) -> None:
        line = self.activities_of(session)
        for screen in self.screens_of(session):
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

    def refresh_now(self, session: ConsoleSession | Inbox) -> None:
        self.toast(_REFRESH_TOASTS[session.engine.refresh_now()], timeout=2, session=session)

    def toggle_pause(self, session: ConsoleSession | Inbox) -> None:
        if session.engine.paused:
            session.engine.resume()
            self.toast("Live updates resumed.", session=session)
        else:
            session.engine.pause()
            self.toast("Live updates paused: p resumes.", session=session)

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

    def toast(self, message: str, *, severity: str = "information", timeout: float | None = None,
              session: ConsoleSession | None = None) -> None:
        """A notification whose text is never parsed as markup, kept in ``messages``.  With several
        consoles open it starts with the name of the one it is about (``session``, else the tab's)."""
        if self.tabbed:
            message = f"{(session or self.session).name}: {message}"
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
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        session = self._worker_sessions.pop(event.worker, None)
        if event.state != WorkerState.ERROR:
            return
        line = crash_line(event.worker.error, *self.tokens)
        session = session or getattr(event.worker.node, "session", None) or self.session
        if event.worker.group.startswith("sync"):
            self.post_message(SyncStatusChanged(session, SyncStatus("offline", f"live updates stopped. {line}")))
        else:
            session.engine.refresh_now()  # the view goes back to what the console says
        self.toast(line, severity="error", timeout=30, session=session)

    def _handle_exception(self, error: Exception) -> None:
        # Textual prints a traceback with every frame's locals (the token among them) on the
        # terminal; the details go to a private file instead, and the launcher prints where.
        if not self.crash_report:
            self.crash_report = crash_line(error, *self.tokens)
        super()._handle_exception(error)
        self._exit_renderables.clear()

    @on(Driver.SignalResume)
    def _redraw_after_suspend(self) -> None:
        """Back from ctrl+z (fg): Textual restores the terminal but draws nothing until something
        changes, which left a blank screen."""
        self.refresh(layout=True)

    async def on_unmount(self) -> None:
        async def close(backend: Backend) -> None:
            try:
                await asyncio.wait_for(backend.aclose(), timeout=2)
            except Exception:  # closing a dead connection must not block exit
                pass

        await asyncio.gather(*(close(session.backend) for session in self.sessions))
