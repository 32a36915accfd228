"""What the detail pane shows of Log360 incidents.

Above the evidence, what the analyst triages by: status, severity and assignee on
one line, the due date on the next, and the hosts, users and source IPs the
evidence names, counted.  Below it the rest of what the listed incident carries
(description, actors, source, target, times), its notes and activity as a lookup
(the list does not carry them, the get-one answer does), and the key last.
Evidence is the incident's events, drawn by the pane under ``EVENTS_HEADING``.  Values are handed over as plain
text; the pane cleans and draws them.  How many actors, notes and activity records
are shown is bounded: a console can send any number, and the pane lays them out on
the UI's thread.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Sequence

from ...model import Incident
from ...timefmt import format_time
from ..base import Fact, Lookup, Place, Section, Tally
from .client import Log360Client
from .columns import is_overdue, severity_label
from .parse import CLOSED, IN_PROGRESS, OPEN, ActivityEntry, Actor, Note, log360_fields, newest_first, normalise_status

EVENTS_HEADING = "Evidence"
# The list carries no evidence: an incident whose details were never read has none here.
NO_EVENTS_NOTE = "no evidence read from the console"
#: How the pane names each status: the same words as the backend's ``StatusSpec`` labels.
STATUS_LABELS = {OPEN: "Open", IN_PROGRESS: "In progress", CLOSED: "Closed"}
LABEL_WIDTH = 9
MAX_ACTORS_SHOWN = 20
MAX_ACTOR_VALUES_SHOWN = 20
MAX_NOTES_SHOWN = 50
MAX_ACTIVITY_SHOWN = 50
#: What the evidence names, counted above it (the fields ``parse_evidence`` puts first).
EVIDENCE_TALLIES = (
    Tally("Hosts", ("hostname",)),
    Tally("Users", ("username",)),
    Tally("Sources", ("source_ip",)),
)


def details(incident: Incident, now: datetime | None = None) -> tuple[Section, ...]:
    """The listed incident's facts; ``now`` (default: the clock) decides what is overdue."""
    now = now or datetime.now(timezone.utc)
    fields = log360_fields(incident)
    # A status Roost could not read counts as open; the console's own word is shown beside it.
    unread_status = "" if normalise_status(fields.status_text) else fields.status_text
    lead = Section((
        Fact("Status", (STATUS_LABELS.get(incident.status, incident.status), unread_status and f"sent as {unread_status}",
                        # Attention's glyph is the parts' own separator: without it the word reads alone.
                        severity_label(incident).removeprefix("· "), f"assigned to {incident.assignee}" if incident.assignee else "unassigned")),
        Fact("Due", _due(incident, now)),
    ), label_width=LABEL_WIDTH, place=Place.ABOVE_EVENTS, tallies=EVIDENCE_TALLIES)
    rows: list[Fact] = []
    if fields.description:
        rows.append(Fact("Description", (fields.description,)))
    rows.extend(_actors(fields.actors))
    if incident.source:
        rows.append(Fact("Source", (incident.source,)))
    if incident.target:
        rows.append(Fact("Target", (incident.target,)))
    rows.append(Fact("Created", (format_time(incident.created, wide=True), fields.created_by and f"by {fields.created_by}")))
    if incident.updated is not None and incident.updated != incident.created:
        rows.append(Fact("Updated", (format_time(incident.updated, wide=True),)))
    key = Section((Fact("Key", (incident.key,), quiet=True, one_line=True),), label_width=LABEL_WIDTH, place=Place.LAST)
    return lead, Section(tuple(rows), label_width=LABEL_WIDTH), key


def _due(incident: Incident, now: datetime) -> tuple[str, ...]:
    due = log360_fields(incident).due_date
    if due is None:
        return ("none",)
    when = format_time(due, wide=True)
    if is_overdue(incident, now):
        return (when, f"overdue by {_span(now - due)}")
    if incident.status == CLOSED:
        return (when,)
    return (when, f"in {_span(due - now)}")


def _span(length: timedelta) -> str:
    """A time span in its largest whole unit: "3d", "5h", "12m", "40s"."""
    seconds = int(length.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _actors(actors: Sequence[Actor]) -> list[Fact]:
    """One line per actor: its kind, then its values ("suspect: 203.0.113.77 · 10.0.0.5")."""
    rows = []
    for index, actor in enumerate(actors[:MAX_ACTORS_SHOWN]):
        values = actor.values[:MAX_ACTOR_VALUES_SHOWN]
        first = (actor.kind, ": ", values[0]) if values else (actor.kind,)
        more = len(actor.values) - len(values)
        rows.append(Fact("Actors" if index == 0 else "", (first, *values[1:], f"… {more} more" if more else "")))
    if len(actors) > MAX_ACTORS_SHOWN:
        rows.append(Fact("", (f"… {len(actors) - MAX_ACTORS_SHOWN} more actors",), quiet=True))
    return rows


# --- notes and activity, from the get-one answer ---------------------------------------


def lookups(client: Log360Client, incident: Incident) -> tuple[Lookup, ...]:
    """The incident's notes and activity: one ``GET`` of its details, merged with what was listed.

    Keyed by version too, so a listing that shows a change reads the details again.
    """

    async def detail() -> Incident:
        return await client.get_incident(incident.key, listed=incident)

    return (Lookup(f"detail:{incident.key}:{incident.version}", detail, notes_and_activity, notes_note, in_full=True),)


def notes_and_activity(answer: Incident, now: datetime) -> Section:
    """Notes, then activity, each newest first: a line of when and who, then what was written."""
    fields = log360_fields(answer)
    rows: list[Fact] = []
    for index, note in enumerate(newest_first(fields.notes, _time)[:MAX_NOTES_SHOWN]):
        rows.append(Fact("Notes" if index == 0 else "", _when_and_who(note), quiet=True))
        rows.append(Fact("", (note.text,)))
    if not fields.notes:
        rows.append(Fact("Notes", ("none",), quiet=True))
    rows.extend(_more(fields.notes, MAX_NOTES_SHOWN, "notes"))
    for index, entry in enumerate(newest_first(fields.activity, _time)[:MAX_ACTIVITY_SHOWN]):
        rows.append(Fact("Activity" if index == 0 else "", (format_time(entry.time, wide=True), entry.activity), quiet=True))
        if entry.description:
            rows.append(Fact("", (entry.description,)))
    if not fields.activity:
        rows.append(Fact("Activity", ("none",), quiet=True))
    rows.extend(_more(fields.activity, MAX_ACTIVITY_SHOWN, "activity records"))
    return Section(tuple(rows), label_width=LABEL_WIDTH)


def notes_note(note: str) -> Section:
    """What stands in for the notes and activity: "loading…", "unavailable: …"."""
    return Section((Fact("Notes", (note,), quiet=True),), label_width=LABEL_WIDTH)


def _when_and_who(note: Note) -> tuple[str, ...]:
    return (format_time(note.time, wide=True), f"by {note.added_by}" if note.added_by else "author not given")


def _time(record: Note | ActivityEntry) -> datetime | None:
    return record.time


def _more(records: Sequence, limit: int, what: str) -> list[Fact]:
    extra = len(records) - limit
    return [Fact("", (f"… {extra} more {what}",), quiet=True)] if extra > 0 else []
