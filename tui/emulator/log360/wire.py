"""The JSON the Log360 v2 incident API answers with, and reading a saved file of the sample's shape."""

from __future__ import annotations

import math
from typing import Any, Mapping

from ..responses import ConsoleJSON, EncodedJSON
from . import timefmt
from .state import (
    UNASSIGNED, Activity, Incident, Log360State, Note, canonical_severity, canonical_status,
)

# Display spellings of the in-progress status seen on ManageEngine surfaces (spec section 6.4).
IN_PROGRESS_SPELLINGS = ("In Progress", "Inprogress", "In-progress")

# Codes beyond the two documented ones (07001113, 07001110) are the emulator's own: "07001" and the HTTP status.
UNAUTHORIZED_CODE, BAD_REQUEST_CODE = "07001113", "07001110"


class Log360Error(Exception):
    """An error answer: ``flat`` bodies are ``{code, title, detail}``, others wrapped in ``error``."""

    def __init__(self, status: int, code: str, title: str, detail: str, *, flat: bool = False,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.title, self.detail = status, code, title, detail
        self.flat = flat
        self.headers = dict(headers or {})


def bad_request(detail: str) -> Log360Error:
    return Log360Error(400, BAD_REQUEST_CODE, "Bad Request", detail)


def unauthorized() -> Log360Error:
    return Log360Error(401, UNAUTHORIZED_CODE, "Unauthorized",
                       "Invalid or missing AuthToken. Check whether the AuthToken is not revoked or expired",
                       flat=True)


def forbidden(scope: str) -> Log360Error:
    return Log360Error(403, "07001403", "Forbidden", f"The AuthToken does not have the scope {scope}.", flat=True)


def not_found(detail: str, status: int = 404) -> Log360Error:
    return Log360Error(status, f"07001{status}", "Not Found", detail)


def rate_limited(retry_after: int) -> Log360Error:
    return Log360Error(429, "07001429", "Too Many Requests",
                       "API call limit exceeded: 60 requests per minute across all endpoints.",
                       headers={"Retry-After": str(retry_after)})


def error_body(error: Log360Error, *, style: str = "v2") -> dict[str, Any]:
    """v2: the flat or wrapped shape; ``legacy``: the v1 connector's ``ERROR_DESCRIPTION`` (spec section 6.11)."""
    if style == "legacy":
        return {"ERROR_CODE": error.code, "ERROR_DESCRIPTION": error.detail}
    fields = {"code": error.code, "title": error.title, "detail": error.detail}
    return fields if error.flat else {"error": fields}


def error_response(error: Log360Error, *, style: str = "v2", always_200: bool = False) -> ConsoleJSON:
    return ConsoleJSON(error_body(error, style=style), status_code=200 if always_200 else error.status,
                       headers=error.headers or None)


# -- rendering ----------------------------------------------------------------------


def display_enum(value: str, in_progress: str = IN_PROGRESS_SPELLINGS[0]) -> str:
    return in_progress if value == "in_progress" else value.capitalize()


def list_item(incident: Incident, in_progress: str) -> dict[str, Any]:
    """One incident as the list shows it (the documented example's fields, in its order)."""
    return {
        "severity": display_enum(incident.severity),
        "created_time": timefmt.format_time(incident.created_time),
        "incident_id": incident.incident_id,
        "assign_to": incident.assignee,
        "due_date": None if incident.due_date is None else timefmt.format_time(incident.due_date),
        "incident_description": incident.description,
        "incident_name": incident.name,
        "created_by": incident.created_by,
        "status": display_enum(incident.status, in_progress),
    }


# Where answers put an incident: list items in the "data" list, two levels in; a get's one level in.
_LIST_ITEM_NEWLINE, _DETAIL_NEWLINE = "\n    ", "\n  "


def list_item_json(incident: Incident, in_progress: str) -> EncodedJSON:
    """``list_item`` written as JSON, kept on the incident until it changes."""
    cached = incident.listed_json
    if cached is not None and cached[0] == in_progress:
        return cached[1]
    encoded = EncodedJSON.of(list_item(incident, in_progress), _LIST_ITEM_NEWLINE)
    incident.listed_json = (in_progress, encoded)
    return encoded


def list_response(page: list[Incident], *, total: int, per_page: int, in_progress: str) -> dict[str, Any]:
    return {
        "data": [list_item_json(incident, in_progress) for incident in page],
        "meta": {"per_page": per_page, "total_pages": math.ceil(total / per_page), "total_items": total},
    }


def detail_json(incident: Incident) -> EncodedJSON:
    """``detail`` written as JSON, kept on the incident until it changes."""
    if incident.detail_json is None:
        incident.detail_json = EncodedJSON.of(detail(incident), _DETAIL_NEWLINE)
    return incident.detail_json


def detail(incident: Incident) -> dict[str, Any]:
    """Only the documented fields of a get: actors, notes, evidence, activity (activity newest first)."""
    return {
        "actors": [{kind: list(values) for kind, values in actor.items()} for actor in incident.actors],
        "notes": [{"note": note.text, "added_by": note.added_by, "time": timefmt.format_time(note.time)}
                  for note in incident.notes],
        "evidence": [dict(record) for record in incident.evidence],
        "activity": [{"activity": a.activity, "description": a.description, "time": timefmt.format_time(a.time)}
                     for a in incident.activity],
    }


# -- loading ------------------------------------------------------------------------


def load_saved(state: Log360State, saved: Any) -> int:
    """Add the users and incidents of a file shaped as ``log360-sample.json``; the number of incidents.

    ``users`` replace the state's users when the file has some.  Raises
    ValueError naming the first bad incident.
    """
    if not isinstance(saved, dict) or not isinstance(saved.get("incidents"), list):
        raise ValueError('expected an object with an "incidents" list (the shape of log360-sample.json)')
    users = saved.get("users")
    if users is not None:
        if not isinstance(users, list) or not all(_is_user(user) for user in users):
            raise ValueError('"users" must be a list of objects with an integer user_id and a user_name')
        state.replace_users(users)
    for position, raw in enumerate(saved["incidents"], start=1):
        try:
            state.add(_incident(raw))
        except (KeyError, TypeError, ValueError, AttributeError) as problem:
            raise ValueError(f"incident {position} cannot be read ({type(problem).__name__}: {problem})") from None
    return len(saved["incidents"])


def _is_user(user: Any) -> bool:
    return (isinstance(user, dict) and type(user.get("user_id")) is int and isinstance(user.get("user_name"), str))


def _incident(raw: dict[str, Any]) -> Incident:
    incident_id = raw["incident_id"]
    if type(incident_id) is not int or incident_id <= 0:
        raise ValueError("incident_id must be a positive integer")
    severity = canonical_severity(raw.get("severity") or "attention")
    status = canonical_status(raw.get("status") or "open")
    if severity is None or status is None:
        raise ValueError(f"unknown severity or status ({raw.get('severity')!r}, {raw.get('status')!r})")
    assignee = raw.get("assign_to", UNASSIGNED)
    if type(assignee) is not int:
        raise ValueError("assign_to must be an integer")
    due = raw.get("due_date")
    return Incident(
        incident_id=incident_id,
        name=str(raw["incident_name"]),
        description=str(raw.get("incident_description") or ""),
        severity=severity,
        status=status,
        assignee=assignee,
        created_by=str(raw.get("created_by") or "admin"),
        created_time=timefmt.parse_request_time(raw["created_time"]),
        due_date=None if due in (None, "") else timefmt.parse_request_time(due),
        actors=[{str(kind): [str(v) for v in values] for kind, values in actor.items()}
                for actor in raw.get("actors") or []],
        notes=[Note(str(n["note"]), str(n.get("added_by", "")), timefmt.parse_request_time(n["time"]))
               for n in raw.get("notes") or []],
        evidence=[dict(record) for record in raw.get("evidence") or []],
        # Kept in the file's order: the sample's is newest first, as the API's.
        activity=[Activity(str(a["activity"]), str(a.get("description", "")), timefmt.parse_request_time(a["time"]))
                  for a in raw.get("activity") or []],
    )


