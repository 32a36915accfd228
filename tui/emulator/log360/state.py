"""The emulated Log360 server's state: users and incidents, with no web framework.

Incidents are kept typed (enums lower-case as requests spell them, times as
epoch seconds) and rendered by ``wire``; evidence records are kept in their
wire form, as loaded or generated.  Every public method takes ``lock``: live
generation and requests change the state from the server's loop, tests and
the demo from other threads.
"""

from __future__ import annotations

import re
import threading
import time
from bisect import bisect_left, insort
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from . import timefmt

Clock = Callable[[], float]

SEVERITIES = ("critical", "trouble", "attention")
STATUSES = ("open", "in_progress", "closed")
EVIDENCE_SOURCES = ("search", "report", "alert")
UNASSIGNED = -1
FIRST_ID = 3_000_000_400_000  # 13 digits, "near 3000000000000" as the spec asks, below the sample's ids
ID_STEP = 3  # the sample's ids step by three

CREATED, UPDATED, NOTES_ADDED = "Incident Created", "Incident Updated", "Incident Notes Added"

DEFAULT_USERS = (
    {"user_id": 3000000000101, "user_name": "admin", "role": "Administrator"},
    {"user_id": 3000000000203, "user_name": "d.mwangi", "role": "Operator"},
    {"user_id": 3000000000211, "user_name": "s.kowalski", "role": "Operator"},
    {"user_id": 3000000000219, "user_name": "night-shift", "role": "Operator"},
    {"user_id": 3000000000227, "user_name": "r.ortiz+soc", "role": "Administrator"},
)


def normalise_enum(value: str) -> str:
    """``In Progress``, ``Inprogress``, ``in-progress``, ``IN_PROGRESS`` -> ``inprogress``: compare this way."""
    return re.sub(r"[\s_\-]", "", value).lower()


_STATUS_BY_FORM = {normalise_enum(status): status for status in STATUSES}


def canonical_status(value: str) -> str | None:
    """The request spelling (``in_progress``) of any known spelling, else None."""
    return _STATUS_BY_FORM.get(normalise_enum(value))


def name_key(name: str) -> str:
    return name.strip().casefold()


def canonical_severity(value: str) -> str | None:
    lowered = value.strip().lower()
    return lowered if lowered in SEVERITIES else None


@dataclass
class Note:
    text: str
    added_by: str
    time: int


@dataclass
class Activity:
    activity: str
    description: str
    time: int


@dataclass
class Incident:
    incident_id: int
    name: str
    description: str
    severity: str  # lower-case, as requests spell it
    status: str
    assignee: int
    created_by: str
    created_time: int
    due_date: int | None
    actors: list[dict[str, list[str]]] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)  # oldest first
    evidence: list[dict[str, Any]] = field(default_factory=list)  # wire form, oldest first
    activity: list[Activity] = field(default_factory=list)  # newest first
    # Its list item and its get-one answer as last written (wire fills them): the state forgets
    # them whenever the incident changes, so a page writes only what changed.
    listed_json: tuple[str, Any] | None = field(default=None, repr=False, compare=False)
    detail_json: Any = field(default=None, repr=False, compare=False)


_FILTERS_KEPT = 8  # filtered lists kept at once: a client pages through one or two


def _matches(incident: Incident, wanted: tuple[Any, ...]) -> bool:
    severity, status, created_by, assignee = wanted
    return ((severity is None or incident.severity == severity) and (status is None or incident.status == status)
            and (created_by is None or incident.created_by == created_by)
            and (assignee is None or incident.assignee == assignee))


class Log360State:
    """Users and incidents of one emulated server; ``clock`` gives the time (epoch seconds)."""

    def __init__(self, clock: Clock = time.time, users: Iterable[Mapping[str, Any]] = DEFAULT_USERS) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.users: dict[int, dict[str, Any]] = {}
        self._incidents: dict[int, Incident] = {}
        # Every id, ascending, kept as incidents come and go: a list is read newest first without a sort.
        self._ids: list[int] = []
        self._ids_by_name: dict[str, int] = {}  # name_key(name) -> id: names are unique
        self._last_id = FIRST_ID - ID_STEP
        # Filtered lists' ids (newest first) by filter, until the next change: paging through a
        # filtered list reads every incident once, not once a page.
        self._filtered: dict[tuple[Any, ...], list[int]] = {}
        self.replace_users(users)

    def now(self) -> int:
        return int(self.clock())

    # -- users ------------------------------------------------------------------

    def replace_users(self, users: Iterable[Mapping[str, Any]]) -> None:
        with self.lock:
            self.users = {int(user["user_id"]): dict(user) for user in users}

    def user_names(self) -> list[str]:
        with self.lock:
            return [str(user["user_name"]) for user in self.users.values()]

    def user_name(self, user_id: int) -> str | None:
        with self.lock:
            user = self.users.get(user_id)
            return None if user is None else str(user["user_name"])

    # -- incidents --------------------------------------------------------------

    def incidents(self) -> list[Incident]:
        """Every incident, newest (highest id) first."""
        with self.lock:
            return [self._incidents[incident_id] for incident_id in reversed(self._ids)]

    def newest(self, start: int, count: int) -> list[Incident]:
        """``count`` incidents from the ``start``-th newest (0-based): one page, read without the rest."""
        with self.lock:
            end = len(self._ids) - start
            return [self._incidents[incident_id] for incident_id in reversed(self._ids[max(0, end - count):max(0, end)])]

    def filtered(self, severity: str | None, status: str | None, created_by: str | None,
                 assignee: int | None) -> list[int]:
        """Ids of the incidents with these values (None: any), newest first.  Read it, never change it."""
        wanted = (severity, status, created_by, assignee)
        with self.lock:
            ids = self._filtered.get(wanted)
            if ids is None:
                if len(self._filtered) >= _FILTERS_KEPT:
                    self._filtered.clear()
                ids = self._filtered[wanted] = [
                    incident_id for incident_id in reversed(self._ids) if _matches(self._incidents[incident_id], wanted)
                ]
            return ids

    def get(self, incident_id: int) -> Incident | None:
        with self.lock:
            return self._incidents.get(incident_id)

    def __len__(self) -> int:
        return len(self._incidents)

    def find_by_name(self, name: str) -> Incident | None:
        """Names are unique regardless of case and surrounding spaces."""
        with self.lock:
            incident_id = self._ids_by_name.get(name_key(name))
            return None if incident_id is None else self._incidents.get(incident_id)

    def next_id(self) -> int:
        with self.lock:
            self._last_id += ID_STEP
            return self._last_id

    def add(self, incident: Incident) -> Incident:
        """Store ``incident`` as it is (loading, generating); ids stay increasing after it."""
        with self.lock:
            if incident.incident_id not in self._incidents:
                insort(self._ids, incident.incident_id)
            self._incidents[incident.incident_id] = incident
            self._ids_by_name[name_key(incident.name)] = incident.incident_id
            self._last_id = max(self._last_id, incident.incident_id)
            self._changed()
            return incident

    def create(self, *, name: str, by: str, description: str = "", severity: str = "attention",
               status: str = "open", assignee: int = UNASSIGNED, due_date: int | None = None,
               notes: Iterable[str] = (), evidence: Iterable[dict[str, Any]] = (),
               actors: list[dict[str, list[str]]] | None = None, created: int | None = None) -> Incident:
        """A new incident with its activity: created, then evidence added, then notes added."""
        with self.lock:
            now = self.now() if created is None else created
            incident = Incident(self.next_id(), name, description, severity, status, assignee, by, now, due_date,
                                actors=actors or [])
            incident.activity.insert(0, Activity(CREATED, f"{name} incident has been created successfully by {by}.",
                                                 now))
            self._incidents[incident.incident_id] = incident
            self._ids.append(incident.incident_id)  # the highest id yet
            self._ids_by_name[name_key(name)] = incident.incident_id
            self._attach(incident, by, list(notes), list(evidence), now)
            self._changed()
            return incident

    def update(self, incident_id: int, by: str, changes: Mapping[str, Any], *, notes: Iterable[str] = (),
               evidence: Iterable[dict[str, Any]] = (), at: int | None = None) -> Incident:
        """Patch the fields in ``changes``; append ``notes`` and ``evidence``.  KeyError if the id is unknown.

        One "Incident Updated" record says what changed (nothing changed, no record).
        ``at`` backdates the change (the generator's history); default now.
        """
        with self.lock:
            incident = self._incidents[incident_id]
            now = self.now() if at is None else at
            if "name" in changes:
                self._ids_by_name.pop(name_key(incident.name), None)
                self._ids_by_name[name_key(changes["name"])] = incident_id
            described = []
            for name, value in changes.items():
                before = getattr(incident, name)
                if before != value:
                    setattr(incident, name, value)
                    described.append(self._describe_change(name, before, value))
            if described:
                incident.activity.insert(0, Activity(
                    UPDATED, f"{incident.name} incident has been updated successfully by {by}. "
                             f"Changed: {'; '.join(described)}.", now))
            self._attach(incident, by, list(notes), list(evidence), now)
            self._changed(incident)
            return incident

    def delete(self, incident_ids: Iterable[int]) -> list[int]:
        """Remove every id in ``incident_ids`` if all are known (nothing otherwise); returns the unknown ones."""
        with self.lock:
            wanted = list(dict.fromkeys(incident_ids))
            unknown = [incident_id for incident_id in wanted if incident_id not in self._incidents]
            if not unknown:
                for incident_id in wanted:
                    self._ids_by_name.pop(name_key(self._incidents.pop(incident_id).name), None)
                    del self._ids[bisect_left(self._ids, incident_id)]
                self._changed()
            return unknown

    def _changed(self, incident: Incident | None = None) -> None:
        """Forget what was written from the state before a change (and from ``incident``, which changed)."""
        self._filtered.clear()
        if incident is not None:
            incident.listed_json = incident.detail_json = None

    def _attach(self, incident: Incident, by: str, notes: list[str], evidence: list[dict[str, Any]],
                now: int) -> None:
        if evidence:
            incident.evidence.extend(evidence)
            incident.activity.insert(0, Activity(UPDATED, f"New evidence added to {incident.name} by {by}.", now))
        for text in notes:
            incident.notes.append(Note(text, by, now))
            incident.activity.insert(0, Activity(NOTES_ADDED, f"Notes added to {incident.name} by {by}.", now))

    def _describe_change(self, field_name: str, before: Any, after: Any) -> str:
        """``status open -> closed``; a description is only said to be edited (it may be long)."""
        if field_name == "description":
            return "description edited"
        return f"{field_name} {self._describe(field_name, before)} -> {self._describe(field_name, after)}"

    def _describe(self, field_name: str, value: Any) -> str:
        if field_name == "assignee":
            return "unassigned" if value == UNASSIGNED else (self.user_name(value) or str(value))
        if field_name == "due_date":
            return "none" if value is None else timefmt.format_time(value)
        return str(value)
