"""The inbox: every open console's open incidents in one view, without Textual.

"What needs me now, anywhere."  The inbox holds a copy of each open incident of every console,
keyed by its console's number and its own key (``2/incident:...``), and follows each console's
change sets: what is closed, acknowledged or deleted leaves it.  The copies share their console
document with the console's store, so the inbox costs a small object per open incident.

The inbox never talks to a console itself: what the analyst does to its incidents is split by
console and sent by each console's own session (its token, its triage and audit log, its
read-only state).  Columns, filter fields and statuses are the consoles' neutral ones, statuses
as each backend declares them, with a console column and a ``console:`` filter.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from .actions import ACTION_CAPABILITIES
from .backends.base import Capability, Column, FilterField, FilterValueError, StatusAction, StatusSpec
from .details import DetailContext
from .model import Incident
from .session import ConsoleSession
from .store import FEEDS, ChangeSet, IncidentStore
from .sync import NewIncidents, SyncStatus
from .timefmt import format_time

SEPARATOR = "/"
NAME = "Inbox"
#: The worst state first: the inbox says the worst of its consoles' states (and whose it is).
_STATE_ORDER = ("offline", "stalled", "retrying", "connecting", "loading", "paused", "manual", "live")


def inbox_key(number: int, key: str) -> str:
    """The inbox's key for ``key`` of the console numbered ``number`` (its tab's number)."""
    return f"{number}{SEPARATOR}{key}"


def split_key(key: str) -> tuple[int, str]:
    """(the console's number, its own key) of an inbox key; the number never holds the separator."""
    number, _, own = key.partition(SEPARATOR)
    return int(number), own


@dataclass(frozen=True)
class InboxSettings:
    """The settings the inbox's screen reads (it has no console, so no token)."""

    label: str
    page_size: int
    columns: tuple[str, ...] = ()
    keymap: Mapping[str, str] = field(default_factory=dict)
    #: Every console was opened read-only.
    read_only: bool = False


class InboxBackend:
    """What the inbox's screen asks of a backend, answered from its consoles' backends: the union of
    their statuses and status actions, neutral columns and filters, and per incident its own
    backend's answer.  It sends nothing: actions go to each console's session."""

    capabilities: frozenset[Capability] = frozenset()
    severities = ()
    bulk_fields = ()
    bulk_options = ()
    search_fields = ()
    delete_needs = None
    holding_back = None

    def __init__(self, inbox: Inbox) -> None:
        self._inbox = inbox
        backends = [session.backend for session in inbox.sessions]
        self.statuses: tuple[StatusSpec, ...] = tuple({status.id: status for backend in backends
                                                       for status in backend.statuses}.values())
        self.status_actions: tuple[StatusAction, ...] = tuple({named.verb: named for backend in backends
                                                               for named in backend.status_actions}.values())
        self.columns = _columns(inbox)
        self.filter_fields = (FilterField("console", inbox.console_filter), FilterField("src", _source_filter))
        self.encrypted = all(backend.encrypted for backend in backends)

    @property
    def read_only(self) -> bool:
        return all(session.read_only for session in self._inbox.sessions)

    def status(self, status_id: str) -> StatusSpec:
        return next(status for status in self.statuses if status.id == status_id)

    def status_action(self, status_id: str) -> StatusAction:
        return next(named for named in self.status_actions if named.status == status_id)

    def display_title(self, incident: Incident) -> str:
        session, own = self._inbox.own(incident)
        return session.backend.display_title(own)

    def searchable_text(self, incident: Incident) -> Iterable[str]:
        session, own = self._inbox.own(incident)
        return session.backend.searchable_text(own)


def _columns(inbox: Inbox) -> tuple[Column, ...]:
    def console_of(incident: Incident, wide: bool) -> str:
        return inbox.session_of(incident.key).name

    def title_of(incident: Incident, wide: bool) -> str:
        return inbox.backend.display_title(incident)

    return (
        Column("console", "Console", 8, console_of, sort_key=lambda incident: split_key(incident.key)[0],
               wide_width=12, sort_title="console"),
        Column("created", "Created", 11, lambda incident, wide: format_time(incident.created, wide=wide), wide_width=19),
        Column("title", "Incident", 14, title_of, sort_key=lambda incident: incident.title.casefold(), flex=3),
        Column("src", "Source", 15, lambda incident, wide: incident.source or "-", sort_key=lambda incident: incident.source),
        Column("target", "Target", 10, lambda incident, wide: incident.target or "-",
               sort_key=lambda incident: incident.target.casefold(), flex=2),
    )


def _source_filter(needle: str):
    return needle, lambda incident: needle in incident.source.casefold()


class InboxDetails:
    """The detail pane's source for inbox incidents: their own console's, on the console's copy."""

    def __init__(self, inbox: Inbox) -> None:
        self._inbox = inbox

    def context(self, incident: Incident) -> tuple[DetailContext, bool]:
        session, own = self._inbox.own(incident)
        context, pending = session.details.context(own)
        return replace(context, title=f"{session.name} · {context.title}" if context.title else session.name), pending

    async def load(self, incident: Incident) -> None:
        session, own = self._inbox.own(incident)
        await session.details.load(own)


class InboxEngine:
    """The inbox's side of what a console's sync engine offers its screen: the "new" number, and
    refresh and pause for every console at once."""

    def __init__(self, inbox: Inbox) -> None:
        self._inbox = inbox
        self.new_incidents = NewIncidents(inbox.store)

    @property
    def paused(self) -> bool:
        return all(session.engine.paused for session in self._inbox.sessions)

    def refresh_now(self) -> str:
        outcomes = [session.engine.refresh_now() for session in self._inbox.sessions]
        return "started" if "started" in outcomes else outcomes[0]

    def pause(self) -> None:
        for session in self._inbox.sessions:
            session.engine.pause()

    def resume(self) -> None:
        for session in self._inbox.sessions:
            session.engine.resume()


class Inbox:
    """The inbox's session: what its tab and screen read, and the copies of every open incident."""

    def __init__(self, sessions: Sequence[ConsoleSession], *, archive_dir: Path) -> None:
        self.sessions = tuple(sessions)
        self.archive_dir = archive_dir
        self.backend = InboxBackend(self)
        first = self.sessions[0].settings
        self.settings = InboxSettings(label=NAME, page_size=first.page_size, keymap=first.keymap,
                                      read_only=all(session.settings.read_only for session in self.sessions))
        self.store = IncidentStore(self.backend.statuses, self.backend.columns)
        self.engine = InboxEngine(self)
        self.details = InboxDetails(self)
        #: The consoles the inbox's last action went to: what z takes back.
        self.undo_sessions: tuple[ConsoleSession, ...] = ()

    @property
    def name(self) -> str:
        return NAME

    @property
    def read_only(self) -> bool:
        """Only when every console is: a read-only one among others is left out of each action."""
        return self.backend.read_only

    @property
    def loaded(self) -> bool:
        return all(session.loaded for session in self.sessions)

    @property
    def sync_status(self) -> SyncStatus:
        """The worst of the consoles' states, its detail naming the console."""
        worst = min(self.sessions, key=lambda session: _STATE_ORDER.index(session.sync_status.state))
        status = worst.sync_status
        detail = f"{worst.name}: {status.detail}" if status.detail else ""
        return replace(status, detail=detail, unreadable=0)

    def can(self, action: str, parameters: tuple[object, ...] = ()) -> bool:
        """Status actions and delete that some writable console offers; views of open statuses (the
        inbox holds nothing else); marks, filter, export and moving about."""
        writable = [session for session in self.sessions if not session.read_only]
        if action == "set_status":
            return any(session.can(action, parameters) for session in writable)
        if action == "delete":
            return bool(writable)
        if action == "view":
            feed = parameters[0]
            if feed in FEEDS:
                return feed == "open"
            return any(status.id == feed and status.is_open for status in self.backend.statuses)
        return action not in ACTION_CAPABILITIES

    def session_of(self, key: str) -> ConsoleSession:
        return self.sessions[split_key(key)[0] - 1]

    def own(self, incident: Incident) -> tuple[ConsoleSession, Incident]:
        """The console of an inbox incident and its own copy (the console's store's, when it holds it)."""
        number, key = split_key(incident.key)
        session = self.sessions[number - 1]
        return session, session.store.get(key) or replace(incident, key=key)

    def by_console(self, keys: Iterable[str]) -> dict[ConsoleSession, tuple[str, ...]]:
        """Inbox keys split by console, as each console's own keys, in the order given."""
        grouped: dict[ConsoleSession, list[str]] = {}
        for key in keys:
            number, own = split_key(key)
            grouped.setdefault(self.sessions[number - 1], []).append(own)
        return {session: tuple(owns) for session, owns in grouped.items()}

    def keys_of(self, session: ConsoleSession, keys: Iterable[str]) -> tuple[str, ...]:
        number = self.sessions.index(session) + 1
        return tuple(inbox_key(number, key) for key in keys)

    def console_filter(self, needle: str):
        """``console:NAME``: the consoles whose name holds ``NAME`` (one or more)."""
        numbers = {number for number, session in enumerate(self.sessions, start=1)
                   if needle in session.name.casefold()}
        if not numbers:
            names = ", ".join(session.name for session in self.sessions)
            raise FilterValueError(f"console: no console is called '{needle}' (open: {names})")
        return needle, lambda incident: split_key(incident.key)[0] in numbers

    def follow(self, session: ConsoleSession, changes: ChangeSet) -> ChangeSet:
        """Bring the inbox up to date with ``changes`` in ``session``'s store."""
        number = self.sessions.index(session) + 1
        open_statuses = {status.id for status in session.backend.statuses if status.is_open}
        keep: list[Incident] = []
        gone: list[str] = [inbox_key(number, key) for key in changes.removed]
        for key in (*changes.added, *changes.changed):
            incident = session.store.get(key)
            if incident is not None and incident.status in open_statuses:
                keep.append(replace(incident, key=inbox_key(number, key)))
            else:
                gone.append(inbox_key(number, key))
        inbox_changes = self.store.apply(keep, removed=[key for key in gone if key in self.store])
        if session.loaded and changes.added:
            self.engine.new_incidents.arrived(key for key in self.keys_of(session, changes.added) if key in self.store)
        return inbox_changes
