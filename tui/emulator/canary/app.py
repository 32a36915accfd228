"""The Canary Console API v1 incident endpoints, on Starlette (spec sections 2-6 and 11).

Every endpoint: query-string and form-body parameters merged (the body wins),
empty values treated as absent, unknown ones ignored; credentials from the
``auth_token`` parameter or the ``X-Canary-Auth-Token`` header; errors as
``{"message": ..., "result": "error"}``; JSON always, indented and ending with a
newline as the console's.  Whatever a client sends gets that error JSON, never
a traceback: bad values are validation errors, a body over ``MAX_BODY_BYTES``
is a 413, unknown paths (a trailing slash too: never a redirect, whose
``Location`` would repeat the token) are a 404, and a bug in the emulator is a
500 with the same body (the traceback goes to the ``tui.emulator`` logger).

Where the spec is silent, these are our choices:

- Numbers in parameters are ASCII digits, at most 20 of them (``²``, ``١``
  and 30-digit numbers are invalid parameters).
- ``tz`` names are matched without regard to case (``europe/london``).
- ``incidents/history/source`` without ``src_ip`` (the docs list it as
  optional) answers the history of every source, deleted incidents included,
  confined to ``flock_id`` when given.
- ``incident/delete`` refuses an unacknowledged incident with
  ``Cannot delete an unacknowledged incident.`` (HTTP 400): Thinkst's help
  centre says only acknowledged incidents can be deleted, and canarytools
  refuses locally; the wording is ours.  Bulk delete keeps its documented
  rule: acknowledged incidents only, unless ``include_unacknowledged``.
- ``device/info?settings=true`` adds ``settings``, flat dotted names
  (``ssh.enabled``, ``ssh.port``, ``device.name``) as canarytools reads them.
- ``flock/list`` needs ``flock_id``; an unknown one is ``Flock not found``.
"""

from __future__ import annotations

import functools
import hmac
import logging
import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.routing import Route

from . import timefmt, wire
from ..guarded import GuardedConsoleApp
from ..faults import FaultInjector, FaultPlan
from .query import Cursor, IncidentFilter, InvalidCursor, Page, paginate, paginate_ordered, search_position
from ..responses import ConsoleJSON, console_error
from .state import FEED_LABELS, ConsoleState, IncidentRecord

_log = logging.getLogger(__name__)

# Error classes; each has a configurable HTTP status (ErrorStatus).
VALIDATION, AUTH, READ_ONLY, NOT_FOUND, TOO_LARGE = "validation", "auth", "read_only", "not_found", "too_large"

# Request bodies larger than this are refused unread (the console's limit is unknown; its
# clients send a handful of short form fields).
MAX_BODY_BYTES = 1024 * 1024
INTERNAL_ERROR = "Internal server error"
UNACKNOWLEDGED_DELETE = "Cannot delete an unacknowledged incident."

# The parameters a cursor carries from the first page to the next ones.
FEED_FILTERS = ("node_id", "flock_id", "incidents_since", "newer_than", "older_than", "event_limit", "shrink", "tz")
SEARCH_FILTERS = ("node_id", "flock_id", "filter_str", "filter_logtypes", "filter_incident_state",
                  "newer_than", "older_than")

# ASCII digits only: str.isdigit() and \d also take "²" and "١", which int() refuses or reads.
# Twenty digits hold any 64-bit number.
_COUNT = re.compile(r"[0-9]{1,20}")
_PERIOD = re.compile(r"([0-9]{1,20})([hdw])")
_PERIOD_SECONDS = {"h": 3600, "d": 86400, "w": 7 * 86400}
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


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
    too_large: int = 413


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
        if _COUNT.fullmatch(value) is None or int(value) < minimum:
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
        match = _PERIOD.fullmatch(value)
        if match is None:
            raise _invalid(name)
        return int(match[1]) * _PERIOD_SECONDS[match[2]]

    def logtypes(self, name: str) -> frozenset[int] | None:
        value = self.values.get(name)
        if value is None:
            return None
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not parts or not all(_COUNT.fullmatch(part) for part in parts):
            raise _invalid(name)
        return frozenset(int(part) for part in parts)

    def zone(self) -> tzinfo:
        """``tz`` for the ``*_std`` fields, in any case; an unknown zone is an error, not a silent UTC."""
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
        return console_error(error.message, status)


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
    """Query and form parameters; a body over ``MAX_BODY_BYTES`` is refused, as declared or as it arrives."""
    too_large = ConsoleError(TOO_LARGE, f"Request body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        declared = int(request.headers.get("content-length", "0"))
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        raise too_large
    values = {name: value for name, value in request.query_params.items() if value}
    if request.headers.get("content-type", "").lower().startswith("application/x-www-form-urlencoded"):
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                raise too_large
        text = body.decode("utf-8", errors="replace")
        values.update((name, value) for name, value in parse_qsl(text, keep_blank_values=True) if value)
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


def _cursor_fields(call: Call, page: Page, paginated: bool, *, shrink: bool | None = None) -> dict[str, Any]:
    """The ``cursor`` object; its links carry the token, as the real console's do.

    A feed's links always say ``shrink`` (``shrink=true`` unless the client
    turned it off), as the console's do; pass it for feeds, not for search.
    """
    if not paginated and not call.settings.cursor_without_limit:
        return {}
    base = _request_url(call.request)

    def link(cursor: Cursor | None) -> str | None:
        if cursor is None:
            return None
        params = dict(cursor.params)
        if shrink is not None:
            params["shrink"] = "true" if shrink else "false"
        query = [("cursor", cursor.encode()), ("auth_token", call.token), *sorted(params.items())]
        return f"{base}?{urlencode(query)}"

    return {
        "cursor": {
            "next": page.next.encode() if page.next else None,
            "next_link": link(page.next),
            "prev": page.prev.encode() if page.prev else None,
            "prev_link": link(page.prev),
        }
    }


def _request_url(request: Request) -> str:
    """The URL the client asked for, without its query.

    Built from the scope as sent: Starlette's ``request.url`` parses the Host
    header and the raw query, and fails on what a hostile client puts there.
    """
    scope = request.scope
    host = request.headers.get("host")
    if not host and scope.get("server"):
        name, port = scope["server"]
        host = f"[{name}]:{port}" if ":" in name else f"{name}:{port}"
    return f"{scope.get('scheme', 'http')}://{host or ''}{scope['path']}"


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
    console = call.console
    with console.lock:
        if cursor is None:
            page = Page([r for r in console.records() if chosen.matches(r)], None, None, 1)
        else:
            since = chosen.since_updated_id
            page = paginate_ordered(console.feed_order, console.record, chosen.matches, descending=False,
                                    cursor=cursor, first=None if since is None else (since + 1, ""))
    response = wire.feed_response(
        FEED_LABELS[feed], page.records, call.console.now(), tz=tz, event_limit=event_limit, shrink=shrink,
        empty_as_null=call.settings.empty_incidents_null, encoded=True,
    )
    return {**response, **_cursor_fields(call, page, cursor is not None, shrink=shrink)}


def search(call: Call) -> dict[str, Any]:
    params, cursor = _page_request(call, "search", SEARCH_FILTERS)
    state = params.get("filter_incident_state") or "unacknowledged"
    if state not in FEED_LABELS:
        raise _invalid("filter_incident_state")
    chosen = _listing_filter(params, state, text=params.get("filter_str"),
                             logtypes=params.logtypes("filter_logtypes"))
    console = call.console
    with console.lock:
        # Newest first by creation; a creation window narrows what is read to the window.
        order = console.created_order
        low = 0 if chosen.created_after is None else bisect_right(order, (chosen.created_after, "\U0010ffff"))
        high = len(order) if chosen.created_before is None else bisect_left(order, (chosen.created_before, ""))
        positions = order[low:high][::-1]
        matching = [console.record(key) for _, key in positions]
        if not chosen.by_creation_only:
            positions = [position for position, record in zip(positions, matching) if chosen.matches(record)]
            matching = [console.record(key) for _, key in positions]
        page = (Page(matching, None, None, 1) if cursor is None
                else paginate(matching, search_position, descending=True, cursor=cursor, positions=positions))
    now = console.now()
    items = [
        wire.search_item(record, host=_host(console, record, now), previously_seen=console.sightings_before(record), now=now)
        for record in page.records
    ]
    page_size = cursor.limit if cursor else max(1, len(matching))
    return {
        **_cursor_fields(call, page, cursor is not None),
        "incident_source_counts": dict(Counter(source for source in map(_source, matching) if source)),
        "incidents": items or (None if call.settings.empty_incidents_null else []),
        "page_number": page.page_number,
        "result": "success",
        "total_pages": math.ceil(len(matching) / page_size),
        "total_results": len(matching),
    }


def _source(record: IncidentRecord) -> str:
    return record.text("src_host")


def _host(console: ConsoleState, record: IncidentRecord, now: int) -> dict[str, Any] | None:
    device = console.devices.get(record.text("node_id"))
    return wire.device_info(device, now=now) if device else None


def source_history(call: Call) -> dict[str, Any]:
    """One source's incidents, deleted ones too; without ``src_ip`` (optional in the docs), every source's."""
    source = call.params.get("src_ip")
    chosen = IncidentFilter(src_host=source, flock_id=call.params.get("flock_id"))
    # One source's incidents come from its index: the whole console is read only without one.
    candidates = call.console.records(include_deleted=True) if source is None else call.console.records_from(source)
    records = [r for r in candidates if chosen.matches(r)]
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


def act_on_one(action: str, change: Callable[[ConsoleState, str], Any], *,
               acknowledged_only: bool = False) -> Handler:
    """An action on the ``incident`` named; ``acknowledged_only`` refuses unacknowledged ones (delete)."""

    def handler(call: Call) -> dict[str, Any]:
        key = call.params.required("incident")
        record = call.console.get(key)
        if record is None:
            raise ConsoleError(NOT_FOUND, "Incident not found")
        if acknowledged_only and not record.acknowledged:
            raise ConsoleError(VALIDATION, UNACKNOWLEDGED_DELETE)
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
    """One bird; ``settings=true`` adds its settings (``exclude_fixed_settings`` leaves out what cannot change)."""
    node_id = call.params.required("node_id")
    with_settings = call.params.flag("settings")
    exclude_fixed = call.params.flag("exclude_fixed_settings")
    device = call.console.devices.get(node_id)
    if device is None:
        raise ConsoleError(NOT_FOUND, "Device not found")
    unacknowledged = call.console.unacknowledged_keys_of(node_id)
    settings = wire.device_settings(device, exclude_fixed=exclude_fixed) if with_settings else None
    info = wire.device_info(device, now=call.console.now(), unacknowledged_keys=unacknowledged, settings=settings)
    return {"device": info, "result": "success"}


# devices/<which> -> (its "feed" label, which birds: live ones, dead ones or all of them).
DEVICE_FEEDS: dict[str, tuple[str, bool | None]] = {
    "all": ("All Devices", None),
    "live": ("Live Devices", True),
    "dead": ("Dead Devices", False),
}


def list_devices(call: Call, which: str) -> dict[str, Any]:
    label, live = DEVICE_FEEDS[which]
    tz, now = call.params.zone(), call.console.now()
    devices = sorted((device for device in call.console.devices.values() if live is None or device.live == live),
                     key=lambda device: (device.name, device.node_id))
    newest = max((device.seen_at(now) for device in devices), default=now)
    return {
        "devices": [wire.device_listing(device, now=now, tz=tz) for device in devices],
        "feed": label,
        "result": "success",
        **wire.updated_fields(newest, tz),
        "updated_timestamp": newest,
    }


def list_flocks(call: Call) -> dict[str, Any]:
    return {"flocks": dict(call.console.flocks), "result": "success"}


def flock_sensors(call: Call) -> dict[str, Any]:
    """``flock/list``: the node ids of a flock's birds, then of its Canarytokens."""
    flock_id = call.params.required("flock_id")
    console = call.console
    if flock_id not in console.flocks:
        raise ConsoleError(NOT_FOUND, "Flock not found")
    birds = sorted(node_id for node_id, device in console.devices.items() if device.flock_id == flock_id)
    tokens = sorted(node_id for node_id, token in console.tokens.items() if token.flock_id == flock_id)
    return {"result": "success", "sensors": [*birds, *tokens]}


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
            return ConsoleJSON(body)
        except ConsoleError as error:
            return settings.error_response(error)
        except ClientDisconnect:  # gone while sending its body: nobody to answer, nothing wrong here
            raise
        except Exception:  # a bug here: the console's error JSON for the client, the traceback for the log
            _log.exception("roost emulator: internal error answering %s %s", request.method, request.scope["path"])
            return console_error(INTERNAL_ERROR, 500)

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
        route("incident/delete", act_on_one("deleted", ConsoleState.delete, acknowledged_only=True), delete),
        route("incidents/acknowledge", act_on_many("acknowledged", ConsoleState.acknowledge, "unacknowledged"), act),
        route("incidents/unacknowledge",
              act_on_many("unacknowledged", ConsoleState.unacknowledge, "acknowledged"), act),
        route("incidents/delete",
              act_on_many("deleted", ConsoleState.delete, "acknowledged", may_include_unacknowledged=True), delete),
        route("device/info", device_info),
        route("device/getinfo", device_info),  # the path canarytools-python calls
        *(route(f"devices/{which}", functools.partial(list_devices, which=which)) for which in DEVICE_FEEDS),
        route("flocks/list", list_flocks),
        route("flock/list", flock_sensors),
    ]


async def _http_error(request: Request, error: Exception) -> ConsoleJSON:
    """Unknown paths and wrong methods: JSON too."""
    assert isinstance(error, HTTPException)
    return console_error(str(error.detail), error.status_code, headers=error.headers)


async def _internal_error(request: Request, error: Exception) -> ConsoleJSON:
    """A bug outside every endpoint (Starlette's error layer calls this, then re-raises to ``guarded``)."""
    return console_error(INTERNAL_ERROR, 500)


class ConsoleApp(GuardedConsoleApp):
    console_name = "canary"

    def internal_error(self) -> ConsoleJSON:
        return console_error(INTERNAL_ERROR, 500)


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
    app = ConsoleApp(routes=_routes(state, settings),
                     exception_handlers={HTTPException: _http_error, Exception: _internal_error})
    # A trailing slash is a 404 like any unknown path: Starlette's redirect would repeat the query, token and all.
    app.router.redirect_slashes = False
    app.state.console = state
    app.state.fault_injector = None
    if faults is not None or latency_ms:
        app.state.fault_injector = FaultInjector(app.guarded, faults, latency_ms, max_buffered_body=MAX_BODY_BYTES)
    return app
