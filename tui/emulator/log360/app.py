"""The ManageEngine EventLog Analyzer / Log360 REST API v2 incident endpoints, on Starlette.

Spec: ``log360-incidents-api.md`` sections 2-4 and 6.  Served: ``GET /api/v2/incident``
(list), ``GET /api/v2/incident/{id}``, ``POST``/``PUT``/``DELETE /api/v2/incident`` and
``GET /api/v2/meta/users``.  ``Authorization: Bearer <token>`` on every call; JSON
always (indented, ending with a newline, non-ASCII escaped); never a traceback:
bad input is a 400, a bug is a 500 in the wrapped error shape and the traceback
goes to the ``tui.emulator`` logger.

Where ManageEngine's documents are silent or leave a choice, the emulator's choices are listed
in one place: the README's "What the Log360 emulator assumes where the documents are silent".
Keep that list true when a behaviour here changes.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ..faults import FaultInjector, FaultPlan
from ..guarded import GuardedConsoleApp
from ..responses import ConsoleJSON
from . import timefmt, wire
from .ratelimit import SlidingWindowLimit
from .state import (
    EVIDENCE_SOURCES, SEVERITIES, UNASSIGNED, Log360State, canonical_severity, canonical_status,
)
from .wire import IN_PROGRESS_SPELLINGS, Log360Error, bad_request

_log = logging.getLogger("tui.emulator")

READ, CREATE, UPDATE, DELETE, USERS = "incident.READ", "incident.CREATE", "incidents.update", "incident.DELETE", \
    "users.READ"
ALL_SCOPES = (READ, CREATE, UPDATE, DELETE, USERS)
READ_ONLY_SCOPES = (READ, USERS)

MAX_BODY_BYTES = 256 * 1024
MAX_PAGE = 100
MAX_NAME, MAX_TEXT, MAX_ITEMS = 255, 10_000, 100

_QUERY_NUMBER = re.compile(r"-?[0-9]{1,20}")
_DEFAULT_PATHS = FaultPlan().paths


def scope_key(scope: str) -> str:
    """Scopes compare without case; ``incident.UPDATE`` is the documented ``incidents.update``."""
    key = scope.strip().lower()
    return "incidents.update" if key == "incident.update" else key


@dataclass(frozen=True)
class Grant:
    """What a token may do, and who it acts as."""

    scopes: frozenset[str]
    user: str = "admin"

    @classmethod
    def of(cls, scopes: tuple[str, ...] | list[str], user: str = "admin") -> Grant:
        return cls(frozenset(scope_key(scope) for scope in scopes), user)


@dataclass
class Settings:
    grants: dict[str, Grant] = field(repr=False)
    in_progress: str = IN_PROGRESS_SPELLINGS[0]
    limit: SlidingWindowLimit | None = None
    limit_over_max: str = "reject"
    not_found_status: int = 404
    error_style: str = "v2"
    always_200: bool = False

    def authenticate(self, request: Request) -> Grant:
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        presented = presented.strip()
        if scheme.lower() == "bearer" and presented:
            for token, grant in self.grants.items():
                if hmac.compare_digest(presented.encode("utf-8", "surrogateescape"), token.encode()):
                    return grant
        raise wire.unauthorized()

    def respond(self, error: Log360Error) -> ConsoleJSON:
        return wire.error_response(error, style=self.error_style, always_200=self.always_200)


@dataclass(frozen=True)
class Call:
    request: Request
    body: Any
    grant: Grant
    state: Log360State
    settings: Settings


# -- reading requests -----------------------------------------------------------------


async def _json_body(request: Request) -> Any:
    """The body's JSON, or None without a body; 413 over ``MAX_BODY_BYTES``, 400 if it is not JSON."""
    too_large = Log360Error(413, "07001413", "Payload Too Large",
                            f"Request body is larger than {MAX_BODY_BYTES} bytes.")
    declared = request.headers.get("content-length", "0")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise too_large
    if not raw.strip():
        return None
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except RecursionError:
        raise bad_request("Request body is nested too deeply.") from None
    except (UnicodeDecodeError, ValueError):  # ValueError: not JSON, NaN, an integer over 4,300 digits
        raise bad_request("Request body is not valid JSON.") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _object_body(call: Call) -> dict[str, Any]:
    if not isinstance(call.body, dict):
        raise bad_request("Request body must be a JSON object.")
    return call.body


def _query_integer(request: Request, name: str, *, minimum: int, default: int | None = None) -> int | None:
    text = request.query_params.get(name)
    if text is None or text == "":
        return default
    if _QUERY_NUMBER.fullmatch(text) is None or int(text) < minimum:
        raise bad_request(f"Parameter {name} must be an integer of at least {minimum}.")
    return int(text)


def _body_integer(body: Mapping[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if type(value) is not int:  # bool is an int subclass; "5" and 5.0 are refused too
        raise bad_request(f"{name} must be an integer.")
    return value


def _body_text(body: Mapping[str, Any], name: str, *, maximum: int, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise bad_request(f"{name} is required.")
        return None
    if not isinstance(value, str):
        raise bad_request(f"{name} must be a string.")
    if required and not value.strip():
        raise bad_request(f"{name} must not be empty.")
    if len(value) > maximum:
        raise bad_request(f"{name} is longer than {maximum} characters.")
    return value


def _body_enum(body: Mapping[str, Any], name: str, canonical: Callable[[str], str | None],
               allowed: tuple[str, ...]) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    found = canonical(value) if isinstance(value, str) else None
    if found is None:
        raise bad_request(f"{name} must be one of {', '.join(allowed)}.")
    return found


def _body_strings(body: Mapping[str, Any], name: str, *, maximum: int) -> list[str]:
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise bad_request(f"{name} must be a list of strings.")
    if len(value) > MAX_ITEMS:
        raise bad_request(f"{name} may hold at most {MAX_ITEMS} items.")
    if any(len(item) > maximum or not item.strip() for item in value):
        raise bad_request(f"each of {name} must be 1 to {maximum} characters.")
    return value


def _due_date(body: Mapping[str, Any], *, clearing: bool) -> tuple[bool, int | None]:
    """Whether ``due_date`` was given, and its value (None: no due date)."""
    if "due_date" not in body or (body["due_date"] is None and not clearing):
        return False, None
    value = body["due_date"]
    if value is None or value == "":
        return clearing, None
    try:
        return True, timefmt.parse_request_time(value)
    except (ValueError, OverflowError, OSError):
        raise bad_request("due_date must be an ISO 8601 date-time or YYYY-MM-DD HH:MM:SS, "
                          "from 1970-01-01T00:00:00Z on.") from None


def _assignee(call: Call, body: Mapping[str, Any]) -> int | None:
    assignee = _body_integer(body, "assignee")
    if assignee is not None and assignee != UNASSIGNED and call.state.user_name(assignee) is None:
        raise bad_request("assignee must be -1 or the user_id of a user.")
    return assignee


def _evidence_records(call: Call, body: Mapping[str, Any], now: int) -> list[dict[str, Any]]:
    uuids = _body_strings(body, "evidence", maximum=MAX_NAME)
    source = body.get("source")
    if source not in (None, "") and (not isinstance(source, str) or source.lower() not in EVIDENCE_SOURCES):
        raise bad_request(f"source must be one of {', '.join(EVIDENCE_SOURCES)}.")
    obtained_from = (source or "search").upper()
    stamp = timefmt.format_time(now)
    return [{
        "severity": "information", "eventid": 0, "incident_tab": "evidence",
        "formatted_message": f"Evidence {uuid} attached from {obtained_from.lower()}.",
        "type_of_evidence": "LOG", "_zl_timestamp": stamp, "hosttype": "unknown",
        "incident_added_by": call.grant.user, "img_class": "fw-icon", "log_org_time": stamp, "source": "",
        "message": f"Evidence {uuid} attached from {obtained_from.lower()}.", "type": "", "incident_uuid": uuid,
        "source_ip": "", "hostname": "", "is_threshold_incident": False, "log_obtained_from": obtained_from,
        "category": "", "username": "n/a", "incident_time": stamp,
    } for uuid in uuids]


def _unique_name(call: Call, name: str, *, allowed_id: int | None = None) -> None:
    existing = call.state.find_by_name(name)
    if existing is not None and existing.incident_id != allowed_id:
        raise bad_request("An incident with this name already exists.")


def _unknown(call: Call, detail: str) -> Log360Error:
    return wire.not_found(detail, call.settings.not_found_status)


# -- endpoints ------------------------------------------------------------------------


def list_incidents(call: Call) -> dict[str, Any]:
    request, settings = call.request, call.settings
    query = request.query_params
    start = _query_integer(request, "from", minimum=1, default=1)
    limit = _query_integer(request, "limit", minimum=1, default=MAX_PAGE)
    if limit > MAX_PAGE:
        if settings.limit_over_max != "clamp":
            raise bad_request(f"Parameter limit must be at most {MAX_PAGE}.")
        limit = MAX_PAGE
    severity = _query_enum(query.get("severity"), "severity", canonical_severity, SEVERITIES)
    status = _query_enum(query.get("status"), "status", canonical_status, ("open", "in_progress", "closed"))
    created_by = query.get("created_by") or None
    assignee = _query_integer(request, "assignee", minimum=UNASSIGNED)
    if query.get("response_type") not in (None, "", "client", "server"):
        raise bad_request("Parameter response_type must be client or server.")
    state = call.state
    with state.lock:  # the page written as it stands, and nothing written kept after a change
        if severity is None and status is None and created_by is None and assignee is None:
            # Unfiltered (a full pass): read the page alone.
            page, total = state.newest(start - 1, limit), len(state)
        else:
            matching = state.filtered(severity, status, created_by, assignee)
            page = [state.get(incident_id) for incident_id in matching[start - 1 : start - 1 + limit]]
            total = len(matching)
        return wire.list_response(page, total=total, per_page=limit, in_progress=settings.in_progress)


def _query_enum(value: str | None, name: str, canonical: Callable[[str], str | None],
                allowed: tuple[str, ...]) -> str | None:
    if value is None or value == "":
        return None
    found = canonical(value)
    if found is None:
        raise bad_request(f"Parameter {name} must be one of {', '.join(allowed)}.")
    return found


def get_incident(call: Call) -> dict[str, Any]:
    text = call.request.path_params["incident_id"]
    if _QUERY_NUMBER.fullmatch(text) is None:
        raise bad_request("incident_id must be an integer.")
    with call.state.lock:
        incident = call.state.get(int(text))
        if incident is None:
            raise _unknown(call, f"No incident with id {text}.")
        return {"data": wire.detail_json(incident)}


def create_incident(call: Call) -> dict[str, Any]:
    body = _object_body(call)
    name = _body_text(body, "name", maximum=MAX_NAME, required=True)
    description = _body_text(body, "description", maximum=MAX_TEXT) or ""
    severity = _body_enum(body, "severity", canonical_severity, SEVERITIES) or "attention"
    status = _body_enum(body, "status", canonical_status, ("open", "in_progress", "closed")) or "open"
    assignee = _assignee(call, body)
    _, due = _due_date(body, clearing=False)
    notes = _body_strings(body, "notes", maximum=MAX_TEXT)
    state = call.state
    with state.lock:
        evidence = _evidence_records(call, body, state.now())
        _unique_name(call, name)
        incident = state.create(name=name, by=call.grant.user, description=description, severity=severity,
                                status=status, assignee=UNASSIGNED if assignee is None else assignee,
                                due_date=due, notes=notes, evidence=evidence)
    return {"data": {"incident_id": incident.incident_id, "message": "Incident has been created successfully."}}


def update_incident(call: Call) -> dict[str, Any]:
    body = _object_body(call)
    incident_id = _body_integer(body, "incident_id")
    if incident_id is None:
        raise bad_request("incident_id is required.")
    name = _body_text(body, "name", maximum=MAX_NAME, required=True)
    changes: dict[str, Any] = {"name": name}
    description = _body_text(body, "description", maximum=MAX_TEXT)
    if description is not None:
        changes["description"] = description
    for field_name, canonical, allowed in (("severity", canonical_severity, SEVERITIES),
                                           ("status", canonical_status, ("open", "in_progress", "closed"))):
        value = _body_enum(body, field_name, canonical, allowed)
        if value is not None:
            changes[field_name] = value
    assignee = _assignee(call, body)
    if assignee is not None:
        changes["assignee"] = assignee
    given, due = _due_date(body, clearing=True)
    if given:
        changes["due_date"] = due
    notes = _body_strings(body, "notes", maximum=MAX_TEXT)
    state = call.state
    with state.lock:
        evidence = _evidence_records(call, body, state.now())
        if state.get(incident_id) is None:
            raise _unknown(call, f"No incident with id {incident_id}.")
        _unique_name(call, name, allowed_id=incident_id)
        state.update(incident_id, call.grant.user, changes, notes=notes, evidence=evidence)
    return {"data": {"message": "Incident has been updated successfully."}}


def delete_incidents(call: Call) -> dict[str, Any]:
    ids = _object_body(call).get("incident_ids")
    if not isinstance(ids, list) or not ids or not all(type(item) is int for item in ids):
        raise bad_request("incident_ids must be a non-empty list of integer ids.")
    if len(ids) > MAX_ITEMS:
        raise bad_request(f"incident_ids may hold at most {MAX_ITEMS} ids.")
    unknown = call.state.delete(ids)
    if unknown:
        raise _unknown(call, "No incident with id " + ", ".join(str(item) for item in unknown[:10])
                       + (" and more" if len(unknown) > 10 else "") + "; nothing was deleted.")
    return {"data": {"message": "Incident has been deleted successfully."}}


def list_users(call: Call) -> dict[str, Any]:
    with call.state.lock:
        users = [dict(user) for user in call.state.users.values()]
    return {"data": users, "meta": {"per_page": len(users), "total_pages": 1 if users else 0,
                                    "total_items": len(users)}}


# -- assembly -------------------------------------------------------------------------

Handler = Callable[[Call], dict[str, Any]]


def _endpoint(handlers: Mapping[str, tuple[str, Handler]], state: Log360State, settings: Settings):
    """One path's methods: rate limit, then token, then scope, then the handler."""

    async def endpoint(request: Request) -> Response:
        try:
            if settings.limit is not None:
                wait = settings.limit.admit()
                if wait is not None:
                    raise wire.rate_limited(wait)
            grant = settings.authenticate(request)
            scope, handler = handlers[request.method]
            if scope_key(scope) not in grant.scopes:
                raise wire.forbidden(scope)
            body = await _json_body(request) if request.method in ("POST", "PUT", "DELETE") else None
            return ConsoleJSON(handler(Call(request, body, grant, state, settings)))
        except Log360Error as error:
            return settings.respond(error)
        except ClientDisconnect:  # gone while sending its body: nobody to answer
            raise
        except Exception:
            _log.exception("roost emulator (log360): internal error answering %s %s", request.method,
                           request.scope["path"])
            return settings.respond(_internal_error())

    return endpoint


def _internal_error() -> Log360Error:
    return Log360Error(500, "07001500", "Internal Server Error", "Internal server error.")


def _routes(state: Log360State, settings: Settings) -> list[Route]:
    incident = {"GET": (READ, list_incidents), "POST": (CREATE, create_incident),
                "PUT": (UPDATE, update_incident), "DELETE": (DELETE, delete_incidents)}
    return [
        Route("/api/v2/incident", _endpoint(incident, state, settings), methods=list(incident)),
        Route("/api/v2/incident/{incident_id}", _endpoint({"GET": (READ, get_incident)}, state, settings),
              methods=["GET"]),
        Route("/api/v2/meta/users", _endpoint({"GET": (USERS, list_users)}, state, settings), methods=["GET"]),
    ]


class _Log360Faults(FaultInjector):
    """The shared fault layer, its 429/500/503 answers in Log360's wrapped error shape."""

    def __init__(self, *args: Any, settings: Settings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._settings = settings

    def error_response(self, plan: FaultPlan, fault: str) -> Response:
        if fault == "429":
            return self._settings.respond(wire.rate_limited(plan.retry_after))
        if fault == "503":
            return self._settings.respond(Log360Error(503, "07001503", "Service Unavailable",
                                                      "Service temporarily unavailable.",
                                                      headers={"Retry-After": str(plan.retry_after)}))
        if fault == "500":
            return self._settings.respond(_internal_error())
        return super().error_response(plan, fault)  # a proxy's HTML page


class Log360App(GuardedConsoleApp):
    console_name = "log360"

    def internal_error(self) -> ASGIApp:
        return self.state.settings.respond(_internal_error())


def create_app(
    state: Log360State,
    token: str,
    *,
    scopes: tuple[str, ...] | list[str] = ALL_SCOPES,
    read_only_token: str | None = None,
    in_progress_spelling: str = IN_PROGRESS_SPELLINGS[0],
    rate_limit: bool = True,
    limit_clock: Callable[[], float] | None = None,
    limit_over_max: str = "reject",
    not_found_status: int = 404,
    error_style: str = "v2",
    always_200: bool = False,
    faults: FaultPlan | None = None,
    latency_ms: int = 0,
) -> Starlette:
    """The emulated Log360 server serving ``state``; ``app.state.console`` is ``state``.

    ``token`` has ``scopes``; ``read_only_token`` may only read.  The 60/min
    budget runs on ``limit_clock`` (default: the state's clock).  The module
    docstring lists every other choice.
    """
    if not token:
        raise ValueError("the emulator needs a non-empty API token")
    if in_progress_spelling not in IN_PROGRESS_SPELLINGS:
        raise ValueError(f"in_progress_spelling must be one of {', '.join(IN_PROGRESS_SPELLINGS)}")
    if limit_over_max not in ("reject", "clamp") or not_found_status not in (400, 404) \
            or error_style not in ("v2", "legacy"):
        raise ValueError("limit_over_max is reject or clamp, not_found_status 400 or 404, error_style v2 or legacy")
    grants = {token: Grant.of(scopes)}
    if read_only_token:
        grants[read_only_token] = Grant.of(READ_ONLY_SCOPES)
    settings = Settings(
        grants=grants,
        in_progress=in_progress_spelling,
        limit=SlidingWindowLimit(limit_clock or state.clock) if rate_limit else None,
        limit_over_max=limit_over_max,
        not_found_status=not_found_status,
        error_style=error_style,
        always_200=always_200,
    )

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        title = "Method Not Allowed" if error.status_code == 405 else "Not Found"
        return settings.respond(Log360Error(error.status_code, f"07001{error.status_code}", title,
                                            str(error.detail), headers=error.headers))

    async def internal_error(request: Request, error: Exception) -> Response:
        return settings.respond(_internal_error())

    app = Log360App(routes=_routes(state, settings),
                    exception_handlers={HTTPException: http_error, Exception: internal_error})
    app.router.redirect_slashes = False  # a redirect would be a second request against the budget
    app.state.console = state
    app.state.settings = settings
    app.state.fault_injector = None
    if faults is not None or latency_ms:
        if faults is not None and faults.paths == _DEFAULT_PATHS:
            faults = replace(faults, paths=("/api/v2/",))
        app.state.fault_injector = _Log360Faults(app.guarded, faults, latency_ms, settings=settings,
                                                 max_buffered_body=MAX_BODY_BYTES)
    return app
