"""The Canary Console API v1 incident endpoints, on Starlette (spec sections 2-6 and 11).

Every endpoint: query-string and form-body parameters merged (the body wins),
empty values treated as absent, unknown ones ignored; credentials from the
``auth_token`` parameter or the ``X-Canary-Auth-Token`` header; errors as
``{"message": ..., "result": "error"}``; JSON always.
"""

from __future__ import annotations

import functools
import hmac
import json
import math
import re
from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from . import timefmt, wire
from .faults import FaultInjector, FaultPlan
from .query import Cursor, IncidentFilter, InvalidCursor, Page, feed_position, paginate, search_position
from .state import FEED_LABELS, ConsoleState, IncidentRecord

# Error classes; each has a configurable HTTP status (ErrorStatus).
VALIDATION, AUTH, READ_ONLY, NOT_FOUND = "validation", "auth", "read_only", "not_found"

# The parameters a cursor carries from the first page to the next ones.
FEED_FILTERS = ("node_id", "flock_id", "incidents_since", "newer_than", "older_than", "event_limit", "shrink", "tz")
SEARCH_FILTERS = ("node_id", "flock_id", "filter_str", "filter_logtypes", "filter_incident_state",
                  "newer_than", "older_than")

_PERIOD = re.compile(r"^(\d+)([hdw])$")
_PERIOD_SECONDS = {"h": 3600, "d": 86400, "w": 7 * 86400}
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


class ConsoleJSON(JSONResponse):
    """JSON with every non-ASCII character escaped, as Python consoles send it, so that
    whatever an incident holds -- an attacker's lone surrogate too -- can be sent."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


class ConsoleError(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _invalid(name: str) -> ConsoleError:
    """The console's own wording (known for older_than), used for every bad parameter."""
    return ConsoleError(VALIDATION, f"Parameter {name} was invalid.")


@dataclass(frozen=True)
class ErrorStatus:
    """HTTP status per error class: the console's are undocumented (spec section 1.5)."""

    validation: int = 400
    auth: int = 401
    read_only: int = 403
    not_found: int = 404


class Params:
    """A request's parameters, typed on demand; a bad value is a validation error."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = {name: value for name, value in values.items() if value != ""}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def required(self, name: str) -> str:
        value = self.values.get(name)
        if value is None:
            raise ConsoleError(VALIDATION, f"Parameter {name} is required.")
        return value

    def subset(self, names: Iterable[str]) -> dict[str, str]:
        return {name: self.values[name] for name in names if name in self.values}

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise _invalid(name)

    def integer(self, name: str, minimum: int = 0) -> int | None:
        value = self.values.get(name)
        if value is None:
            return None
        if not value.isdigit() or int(value) < minimum:
            raise _invalid(name)
        return int(value)

    def query_time(self, name: str) -> int | None:
        """``newer_than``/``older_than`` on queries: a ``yyyy-mm-dd-hh:mm:ss`` timestamp."""
        value = self.values.get(name)
        if value is None:
            return None
        try:
            return timefmt.parse_query_time(value)
        except ValueError:
            raise _invalid(name) from None

    def period(self, name: str) -> int | None:
        """``older_than`` on bulk actions: a period like ``0h``, ``3d``, ``1w``, in seconds."""
        value = self.values.get(name)
        if value is None:
            return None
        match = _PERIOD.match(value)
        if match is None:
            raise _invalid(name)
        return int(match[1]) * _PERIOD_SECONDS[match[2]]

    def logtypes(self, name: str) -> frozenset[int] | None:
        value = self.values.get(name)
        if value is None:
            return None
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not parts or not all(part.isdigit() for part in parts):
            raise _invalid(name)
        return frozenset(int(part) for part in parts)

    def zone(self) -> tzinfo:
        """``tz`` for the ``*_std`` fields; an unknown zone is an error, not a silent UTC."""
        value = self.values.get("tz")
        if value is None:
            return timefmt.UTC
        try:
            return timefmt.zone(value)
        except ValueError:
            raise ConsoleError(VALIDATION, "Invalid timezone") from None


@dataclass(frozen=True)
class Settings:
    token: str = field(repr=False)
    read_only_token: str | None = field(default=None, repr=False)
    always_200: bool = False
    error_status: ErrorStatus = field(default_factory=ErrorStatus)
    cursor_without_limit: bool = False
    empty_incidents_null: bool = False

    def authenticate(self, request: Request, params: Params) -> tuple[str, bool]:
        """The token presented and whether it is the read-only one.

        The header, when sent, is the credential; otherwise the parameter.
        Each has its own error message (spec section 1.2).
        """
        header = request.headers.get("x-canary-auth-token")
        presented, failure = (header, "Unauthorized") if header else (params.get("auth_token"), "Invalid auth_token")
        if presented and _same(presented, self.token):
            return presented, False
        if presented and self.read_only_token and _same(presented, self.read_only_token):
            return presented, True
        raise ConsoleError(AUTH, failure)

    def error_response(self, error: ConsoleError) -> ConsoleJSON:
        # Error kinds are the names of ErrorStatus's fields.
        status = 200 if self.always_200 else getattr(self.error_status, error.kind)
        return ConsoleJSON({"message": error.message, "result": "error"}, status_code=status)


def _same(presented: str, expected: str) -> bool:
    return hmac.compare_digest(presented.encode(), expected.encode())


@dataclass(frozen=True)
class Call:
    """One authenticated request, as the endpoint handlers see it."""

    request: Request
    params: Params
    token: str = field(repr=False)
    console: ConsoleState
    settings: Settings


Handler = Callable[[Call], dict[str, Any]]


async def _merged_params(request: Request) -> dict[str, str]:
    values = {name: value for name, value in request.query_params.items() if value}
    if request.headers.get("content-type", "").lower().startswith("application/x-www-form-urlencoded"):
        body = (await request.body()).decode("utf-8", errors="replace")
        values.update((name, value) for name, value in parse_qsl(body, keep_blank_values=True) if value)
    return values


# -- paging -------------------------------------------------------------------


def _page_request(call: Call, endpoint: str, filters: tuple[str, ...]) -> tuple[Params, Cursor | None]:
    """The filters and the cursor a listing works from.

    With ``cursor`` everything comes from the cursor, and filters sent alongside
    are ignored (clients differ in what they repeat); otherwise ``limit`` starts
    a paginated listing and no ``limit`` means one page of everything.
    """
    text = call.params.get("cursor")
    if text is not None:
        try:
            cursor = Cursor.decode(text, endpoint)
        except InvalidCursor:
            raise ConsoleError(VALIDATION, "Invalid cursor") from None
        return Params(cursor.params), cursor
    limit = call.params.integer("limit", minimum=1)
    cursor = None if limit is None else Cursor(endpoint, call.params.subset(filters), limit)
    return call.params, cursor


def _page(ordered: list[IncidentRecord], cursor: Cursor | None, *, search: bool) -> Page:
    if cursor is None:
        return Page(ordered, None, None, 1)
    position_of = search_position if search else feed_position
    return paginate(ordered, position_of, descending=search, cursor=cursor)


def _cursor_fields(call: Call, page: Page, paginated: bool) -> dict[str, Any]:
    """The ``cursor`` object; its links carry the token, as the real console's do."""
    if not paginated and not call.settings.cursor_without_limit:
        return {}

    def link(cursor: Cursor | None) -> str | None:
        if cursor is None:
            return None
        query = [("cursor", cursor.encode()), ("auth_token", call.token), *sorted(cursor.params.items())]
        return str(call.request.url.replace(query=urlencode(query)))

    return {
        "cursor": {
            "next": page.next.encode() if page.next else None,
            "next_link": link(page.next),
            "prev": page.prev.encode() if page.prev else None,
            "prev_link": link(page.prev),
        }
    }


# -- endpoints ----------------------------------------------------------------


def ping(call: Call) -> dict[str, Any]:
    return {"result": "success"}


def _listing_filter(params: Params, feed: str, **more: Any) -> IncidentFilter:
    """The filters feeds and search share: sensor, flock and creation time."""
    return IncidentFilter(
        feed=feed,
        node_id=params.get("node_id"),
        flock_id=params.get("flock_id"),
        created_after=params.query_time("newer_than"),
        created_before=params.query_time("older_than"),
        **more,
    )


def list_feed(call: Call, feed: str) -> dict[str, Any]:
    params, cursor = _page_request(call, feed, FEED_FILTERS)
    chosen = _listing_filter(params, feed, since_updated_id=params.integer("incidents_since"))
    tz = params.zone()
    event_limit = params.integer("event_limit")
    shrink = params.flag("shrink", default=True)
    page = _page([r for r in call.console.records() if chosen.matches(r)], cursor, search=False)
    response = wire.feed_response(
        FEED_LABELS[feed], page.records, call.console.now(), tz=tz, event_limit=event_limit, shrink=shrink,
        empty_as_null=call.settings.empty_incidents_null,
    )
    return {**response, **_cursor_fields(call, page, cursor is not None)}


def search(call: Call) -> dict[str, Any]:
    params, cursor = _page_request(call, "search", SEARCH_FILTERS)
    state = params.get("filter_incident_state") or "unacknowledged"
    if state not in FEED_LABELS:
        raise _invalid("filter_incident_state")
    chosen = _listing_filter(params, state, text=params.get("filter_str"),
                             logtypes=params.logtypes("filter_logtypes"))
    console = call.console
    matching = sorted((r for r in console.records() if chosen.matches(r)), key=search_position, reverse=True)
    page = _page(matching, cursor, search=True)
    now = console.now()
    seen_before = _sightings_before(console)
    items = [
        wire.search_item(record, host=_host(console, record, now), previously_seen=seen_before(record), now=now)
        for record in page.records
    ]
    page_size = cursor.limit if cursor else max(1, len(matching))
    return {
        **_cursor_fields(call, page, cursor is not None),
        "incident_source_counts": dict(Counter(r.text("src_host") for r in matching if r.text("src_host"))),
        "incidents": items or (None if call.settings.empty_incidents_null else []),
        "page_number": page.page_number,
        "result": "success",
        "total_pages": math.ceil(len(matching) / page_size),
        "total_results": len(matching),
    }


def _sightings_before(console: ConsoleState) -> Callable[[IncidentRecord], int]:
    """How many incidents (deleted ones too) came from a record's source before it."""
    created_by_source: dict[str, list[int]] = defaultdict(list)
    for record in console.records(include_deleted=True):
        created_by_source[record.text("src_host")].append(record.created)
    for times in created_by_source.values():
        times.sort()
    return lambda record: bisect_left(created_by_source[record.text("src_host")], record.created)


def _host(console: ConsoleState, record: IncidentRecord, now: int) -> dict[str, Any] | None:
    device = console.devices.get(record.text("node_id"))
    return wire.device_info(device, now=now) if device else None


def source_history(call: Call) -> dict[str, Any]:
    chosen = IncidentFilter(src_host=call.params.required("src_ip"), flock_id=call.params.get("flock_id"))
    records = [r for r in call.console.records(include_deleted=True) if chosen.matches(r)]
    records.sort(key=search_position)
    return {"incidents": [wire.history_item(record) for record in records], "result": "success"}


def fetch(call: Call) -> dict[str, Any]:
    """By ``incident`` (key) or, without one, by ``hash_id``."""
    key, hash_id = call.params.get("incident"), call.params.get("hash_id")
    if key is not None:
        record = call.console.get(key)
    elif hash_id is not None:
        record = call.console.find_by_hash(hash_id)
    else:
        raise ConsoleError(VALIDATION, "Either incident or hash_id is required.")
    if record is None:
        raise ConsoleError(NOT_FOUND, "Incident not found")
    item = wire.fetch_item(record, tz=call.params.zone(), extended=call.params.flag("extended_details"))
    return {"incident": item, "result": "success"}


def act_on_one(action: str, change: Callable[[ConsoleState, str], Any]) -> Handler:
    def handler(call: Call) -> dict[str, Any]:
        key = call.params.required("incident")
        if call.console.get(key) is None:
            raise ConsoleError(NOT_FOUND, "Incident not found")
        change(call.console, key)
        return {"action": action, "key": key, "result": "success"}

    return handler


def act_on_many(action: str, change: Callable[[ConsoleState, str], Any], feed: str, *,
                may_include_unacknowledged: bool = False) -> Handler:
    """A bulk action on the incidents of ``feed`` that match the filters (all of them without any)."""

    def handler(call: Call) -> dict[str, Any]:
        params, console = call.params, call.console
        if params.get("node_id") and params.get("src_host"):
            raise ConsoleError(VALIDATION, "Cannot use src_host and node_id together")
        period = params.period("older_than")
        chosen = IncidentFilter(
            feed="all" if may_include_unacknowledged and params.flag("include_unacknowledged") else feed,
            node_id=params.get("node_id"),
            flock_id=params.get("flock_id"),
            src_host=params.get("src_host"),
            # "Older than 0h" is everything up to now, this second included.
            created_before=None if period is None else console.now() - period + 1,
            text=params.get("filter_str"),
            logtypes=params.logtypes("filter_logtypes"),
        )
        keys = [record.key for record in console.records() if chosen.matches(record)]
        for key in keys:
            change(console, key)
        return {"action": action, "keys": keys, "result": "success"}

    return handler


def device_info(call: Call) -> dict[str, Any]:
    node_id = call.params.required("node_id")
    device = call.console.devices.get(node_id)
    if device is None:
        raise ConsoleError(NOT_FOUND, "Device not found")
    unacknowledged = [
        r.key for r in call.console.records() if r.text("node_id") == node_id and not r.acknowledged
    ]
    info = wire.device_info(device, now=call.console.now(), unacknowledged_keys=unacknowledged)
    return {"device": info, "result": "success"}


def all_devices(call: Call) -> dict[str, Any]:
    tz, now = call.params.zone(), call.console.now()
    devices = sorted(call.console.devices.values(), key=lambda device: (device.name, device.node_id))
    newest = max((device.seen_at(now) for device in devices), default=now)
    return {
        "devices": [wire.device_listing(device, now=now, tz=tz) for device in devices],
        "feed": "All Devices",
        "result": "success",
        **wire.updated_fields(newest, tz),
        "updated_timestamp": newest,
    }


def list_flocks(call: Call) -> dict[str, Any]:
    return {"flocks": dict(call.console.flocks), "result": "success"}


# -- assembly -----------------------------------------------------------------


def _endpoint(handler: Handler, console: ConsoleState, settings: Settings, *, action: bool):
    async def endpoint(request: Request) -> ConsoleJSON:
        try:
            params = Params(await _merged_params(request))
            token, read_only = settings.authenticate(request, params)
            if action and read_only:
                raise ConsoleError(READ_ONLY, "API key is read-only")
            with console.lock:  # one consistent view per request, whatever other threads do
                body = handler(Call(request, params, token, console, settings))
        except ConsoleError as error:
            return settings.error_response(error)
        return ConsoleJSON(body)

    return endpoint


def _routes(console: ConsoleState, settings: Settings) -> list[Route]:
    read, act, delete = ("GET",), ("POST",), ("DELETE", "POST")  # delete: docs say DELETE, PY sends POST

    def route(path: str, handler: Handler, methods: tuple[str, ...] = read) -> Route:
        endpoint = _endpoint(handler, console, settings, action=methods != read)
        return Route(f"/api/v1/{path}", endpoint, methods=list(methods), name=path)

    return [
        route("ping", ping),
        *(route(f"incidents/{feed}", functools.partial(list_feed, feed=feed)) for feed in FEED_LABELS),
        route("incidents/search", search),
        route("incidents/history/source", source_history),
        route("incident/fetch", fetch),
        route("incident/acknowledge", act_on_one("acknowledged", ConsoleState.acknowledge), act),
        route("incident/unacknowledge", act_on_one("unacknowledged", ConsoleState.unacknowledge), act),
        route("incident/delete", act_on_one("deleted", ConsoleState.delete), delete),
        route("incidents/acknowledge", act_on_many("acknowledged", ConsoleState.acknowledge, "unacknowledged"), act),
        route("incidents/unacknowledge",
              act_on_many("unacknowledged", ConsoleState.unacknowledge, "acknowledged"), act),
        route("incidents/delete",
              act_on_many("deleted", ConsoleState.delete, "acknowledged", may_include_unacknowledged=True), delete),
        route("device/info", device_info),
        route("device/getinfo", device_info),  # the path canarytools-python calls
        route("devices/all", all_devices),
        route("flocks/list", list_flocks),
    ]


async def _http_error(request: Request, error: Exception) -> ConsoleJSON:
    """Unknown paths and wrong methods: JSON too."""
    assert isinstance(error, HTTPException)
    return ConsoleJSON({"message": error.detail, "result": "error"}, status_code=error.status_code,
                        headers=error.headers)


class ConsoleApp(Starlette):
    """Starlette with the fault layer (``state.fault_injector``) outside all of Starlette's own layers.

    There a fault sees the server's own ``send``, which it needs to drop a connection.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await (self.state.fault_injector or super().__call__)(scope, receive, send)


def create_app(
    state: ConsoleState,
    token: str,
    *,
    read_only_token: str | None = None,
    faults: FaultPlan | None = None,
    latency_ms: int = 0,
    always_200: bool = False,
    error_status: ErrorStatus | None = None,
    cursor_without_limit: bool = False,
    empty_incidents_null: bool = False,
) -> Starlette:
    """The emulated console serving ``state``; ``app.state.console`` is ``state``.

    ``token`` is the full-access API key; ``read_only_token`` may read but not
    act.  ``always_200`` sends errors with HTTP 200 (bodies unchanged);
    ``cursor_without_limit`` adds a (null) cursor object to unpaginated
    listings; ``empty_incidents_null`` sends an empty list as ``null``.
    """
    if not token:
        raise ValueError("the emulator needs a non-empty API token")
    settings = Settings(
        token=token,
        read_only_token=read_only_token,
        always_200=always_200,
        error_status=error_status or ErrorStatus(),
        cursor_without_limit=cursor_without_limit,
        empty_incidents_null=empty_incidents_null,
    )
    app = ConsoleApp(routes=_routes(state, settings), exception_handlers={HTTPException: _http_error})
    app.state.console = state
    app.state.fault_injector = None
    if faults is not None or latency_ms:
        app.state.fault_injector = FaultInjector(functools.partial(Starlette.__call__, app), faults, latency_ms)
    return app
