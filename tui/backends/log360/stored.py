"""A Log360 incident's own fields in the local cache, read back without parsing its document.

The cache keeps the neutral fields and the compressed document itself; this is the rest
(``Log360Fields``: notes, actors and activity included) as lists, times in ISO 8601.  The
evidence stays in the document and is read from it when someone looks, in the local zone,
as a cached document always was (the session's time zone is not at hand here).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...model import JSON, Document, Event, Incident, frozen_builder
from .parse import ActivityEntry, Actor, Log360Fields, Note, newest_first, parse_evidence


def _evidence(raw: JSON) -> tuple[Event, ...]:
    """The evidence as ``parse_incident`` orders it: the newest first."""
    items = raw.get("evidence")
    if not isinstance(items, list):
        return ()
    return tuple(newest_first([parse_evidence(item) for item in items], lambda event: event.timestamp))


class StoredLog360Document(Document):
    """A cached Log360 incident's JSON, its evidence read from it when asked."""

    __slots__ = ()
    read_events = staticmethod(_evidence)


_build_fields = frozen_builder(Log360Fields)


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def stored(incident: Incident) -> list[Any] | None:
    """``incident``'s ``Log360Fields`` in field order (None for an incident built without them)."""
    extras = incident.extras
    if not isinstance(extras, Log360Fields):
        return None
    return [
        extras.description, _time(extras.due_date), extras.created_by, extras.assignee_id,
        extras.status_text, extras.severity_text,
        [[note.text, note.added_by, _time(note.time)] for note in extras.notes],
        [[actor.kind, list(actor.values)] for actor in extras.actors],
        [[entry.activity, entry.description, _time(entry.time)] for entry in extras.activity],
        extras.evidence_count, extras.notes_count, extras.detailed,
    ]


def restored(record: Any, packed: bytes, words: str | None) -> tuple[Log360Fields | None, Document]:
    document = StoredLog360Document(packed, words=words)
    if record is None:
        return None, document
    try:
        (description, due_date, created_by, assignee_id, status_text, severity_text,
         notes, actors, activity, evidence_count, notes_count, detailed) = record
    except (TypeError, ValueError):
        raise ValueError("a cached Log360 record is not a list of its fields") from None
    extras = _build_fields(  # Log360Fields, in field order
        description,
        _moment(due_date),
        created_by,
        assignee_id,
        status_text,
        severity_text,
        tuple(Note(text, added_by, _moment(time)) for text, added_by, time in notes),
        tuple(Actor(kind, tuple(values)) for kind, values in actors),
        tuple(ActivityEntry(name, text, _moment(time)) for name, text, time in activity),
        evidence_count,
        notes_count,
        detailed,
    )
    return extras, document
