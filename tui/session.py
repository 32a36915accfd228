"""One console's live state in the app, without Textual: a session per configured console.

Roost can watch several consoles at once (a tab each).  Everything that belongs to one
console lives here, so nothing can reach another console by mistake: its settings and
token, its backend, its store and sync engine, triage (with an audit log that names the
console), the detail source, the live state the tab shows, and the undo record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Awaitable, Callable

from .audit import AUDIT_FILE, AuditLog
from .backends.base import Backend, Capability, Change, SearchQuery
from .config import Settings
from .details import DetailSource
from .actions import ACTION_CAPABILITIES
from .store import FEEDS, ChangeSet, IncidentStore
from .sync import SyncEngine, SyncStatus
from .triage import DELETE, ActionResult, Triage


@dataclass
class Opening:
    """What the launcher hands the app for one console: how to reach it and where its cache is."""

    settings: Settings
    backend: Backend
    store: IncidentStore | None = None
    #: Saves each change set to the local cache (None: no cache).
    persist: Callable[[ChangeSet], Any] | None = None
    #: Reads the cache before the first request (None: no cache).
    preload: Callable[[], Any] | None = None
    #: Run beside the first frame (a ping) when the cache drew the screen before any check.
    startup_check: Callable[[], Awaitable[object]] | None = None


class ConsoleSession:
    """One console: what its tab shows and what every action on its incidents goes through."""

    def __init__(
        self,
        opening: Opening,
        *,
        data_directory: Path,
        now: Callable[[], datetime],
        on_change: Callable[[ConsoleSession, ChangeSet], None],
        on_status: Callable[[ConsoleSession, SyncStatus], None],
    ) -> None:
        settings, backend = opening.settings, opening.backend
        self.settings = settings
        self.backend = backend
        backend.clock = now
        # --read-only holds even over a backend opened without it.
        backend.read_only = backend.read_only or settings.read_only
        # `store or ...` would replace an empty store (it has __len__), and the launcher's
        # cache would then be saved from a store the app never fills.
        self.store = opening.store if opening.store is not None else IncidentStore(
            backend.statuses, backend.columns, keep=settings.keep)
        self.archive_dir = data_directory / "archives"
        self.startup_check = opening.startup_check
        self.sync_status = SyncStatus("connecting")
        #: The first load has ended (the cursor stops landing at the top; new arrivals ring).
        self.loaded = False
        #: How many unreadable items the console sent that a toast has told of.
        self.unreadable_told = 0
        #: (key, the change that puts back its status, severity or assignee) of the last such change:
        #: what z sends.
        self.undo_batch: tuple[tuple[str, Change], ...] | None = None
        #: What z says when the last change was one it cannot take back ("z cannot undo a note").
        self.undo_refusal = ""
        #: The archive of the last delete, when a delete was the last action (z cannot undo it).
        self.last_delete_archive: Path | None = None
        #: The last console search, to start the next one from.
        self.last_search = SearchQuery()
        self.details = DetailSource(backend, now=now)
        self.engine = SyncEngine(
            backend,
            self.store,
            poll_interval=settings.poll_interval,
            on_change=lambda changes: on_change(self, changes),
            on_status=lambda status: on_status(self, status),
            persist=opening.persist,
            preload=opening.preload,
        )
        self.triage = Triage(
            backend,
            self.store,
            self.archive_dir,
            audit=AuditLog(data_directory / AUDIT_FILE, console=settings.console, profile=settings.profile),
            on_change=lambda changes: on_change(self, changes),
        )

    @property
    def name(self) -> str:
        """What every tab, dialog and toast calls this console, so nobody acts on the wrong one."""
        return self.settings.label

    @property
    def read_only(self) -> bool:
        """Whether this console may only be read (the backend's flag: see ``Backend.read_only``)."""
        return self.backend.read_only

    def can(self, action: str, parameters: tuple[object, ...] = ()) -> bool:
        """Whether this console's backend can do ``action``: what it cannot is hidden, not greyed."""
        if action == "set_status":
            return any(named.verb == parameters[0] for named in self.backend.status_actions)
        if action == "view" and parameters[0] not in FEEDS:  # a view of one status
            return any(status.id == parameters[0] for status in self.backend.statuses)
        needed = ACTION_CAPABILITIES.get(action)
        return needed is None or needed in self.backend.capabilities

    def takes_closing_note(self, verb: str) -> bool:
        """Whether ``verb`` closes incidents on a console that keeps notes (c then asks for one)."""
        named = next((named for named in self.backend.status_actions if named.verb == verb), None)
        return (named is not None and not self.backend.status(named.status).is_open
                and Capability.NOTES in self.backend.capabilities)

    def remember_for_undo(self, result: ActionResult, was_undo: bool) -> None:
        """Keep what z puts back after ``result`` (a delete, or a change z cannot reverse, says why not)."""
        restores = result.restores or tuple((key, Change(status=status)) for key, status in result.previous)
        if result.action == DELETE and result.succeeded:
            self.undo_batch, self.undo_refusal, self.last_delete_archive = None, "", result.archive
        elif restores:
            self.undo_batch = None if was_undo else restores
            self.undo_refusal, self.last_delete_archive = "", None
        elif result.undo_refusal and result.succeeded:
            self.undo_batch, self.undo_refusal, self.last_delete_archive = None, result.undo_refusal, None
