"""Log360 incidents in files: the cache and archives keep each as the server's own JSON (a list
item, with the get-one answer merged in when it was read), and a CSV export is a flat table
of the fields an analyst sorts by.

Read back without a session, times without a zone are read in the local zone and assignees
are named by id until the next listing names them (the session's ``timezone`` and users list
are not at hand here).
"""

from __future__ import annotations

from datetime import datetime, timezone

from ...model import JSON, Incident
from ..base import DocumentFormat
from . import stored
from .parse import log360_fields, parse_incident

CSV_COLUMNS = ("id", "name", "status", "severity", "assignee", "due", "created")


def read_document(raw: JSON) -> Incident:
    """The incident a stored document holds; TypeError for one that is not an object, ValueError
    for one without an id to act on."""
    incident = parse_incident(raw)
    if not incident.key:
        raise ValueError("a Log360 incident document has no incident_id")
    return incident


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def csv_row(incident: Incident) -> tuple[object, ...]:
    return (
        incident.key,
        incident.title,
        incident.status,
        incident.severity,
        incident.assignee,
        _utc(log360_fields(incident).due_date),
        _utc(incident.created),
    )


LOG360_DOCUMENTS = DocumentFormat(
    incident=read_document, csv_columns=CSV_COLUMNS, csv_row=csv_row, stored=stored.stored, restored=stored.restored
)
