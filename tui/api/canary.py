"""Async client for the Thinkst Canary Console API v1 (incidents).

One ``httpx.AsyncClient`` per console: HTTP/1.1, keep-alive, explicit timeouts.
The token travels only in the ``X-Canary-Auth-Token`` header, never in a URL or a
body, so it cannot reach access logs, httpx's request log or a traceback; pages are
followed by ``cursor``, never by ``next_link`` (which embeds the token).

Every failure is one typed error from :mod:`tui.api.errors` with one actionable
line.  Retrying is the caller's decision (``error.transient`` says whether it may
help).  Wire details are in ../shared/spec/canary-incidents-api.md.
"""

from __future__ import annotations

import ipaddress
import json
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, AsyncIterator, Awaitable, Callable, Generator, Iterable, Literal, Mapping, TypedDict, TypeVar, Unpack

import httpx

from .. import __version__
from ..model import (
    BulkResult,
    HistoryEntry,
    Host,
    Incident,
    Page,
    ShapeError,
    parse_bulk_result,
    parse_flock_names,
    parse_history,
    parse_host,
    parse_incident,
    parse_page,
    to_text,
)
from ..sanitize import clean
from ..secret import Secret, redact
from .errors import (
    ApiError,
    AuthError,
    ConfigError,
    ConnectionFailed,
    ConsoleTimeout,
    InvalidParameter,
    NotFound,
    PermissionDenied,
    ProtocolError,
    RateLimited,
    ServerError,
)

TOKEN_HEADER = "X-Canary-Auth-Token"
API_PATH = "/api/v1"
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=15.0, write=15.0, pool=5.0)

Feed = Literal["all", "acknowledged", "unacknowledged"]
FEEDS: tuple[Feed, ...] = ("all", "acknowledged", "unacknowledged")

_DOMAIN_HASH = re.compile(r"[A-Za-z0-9-]+")
# RFC 6761 names that never resolve on the internet: safe for an in-process test console.
_TEST_DOMAINS = (".test", ".invalid")
_CONSOLE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}:[0-9]{2}:[0-9]{2}")
_PERIOD = re.compile(r"[0-9]+[hdw]")
_LOGTYPE = re.compile(r"[0-9]+")

# Console error messages, matched before the HTTP status (consoles often answer 200).
_AUTH_MESSAGE = re.compile(r"auth_token|unauthori[sz]ed|not authenticated", re.IGNORECASE)
_NOT_FOUND_MESSAGE = re.compile(r"not found", re.IGNORECASE)
_READ_ONLY_MESSAGE = re.compile(r"read[- ]only|permission|not permitted|not allowed|forbidden", re.IGNORECASE)
_VALIDATION_MESSAGE = re.compile(r"invalid|parameter|cannot|must|required|missing|malformed", re.IGNORECASE)
_MESSAGE_WIDTH = 120

_TIMEOUT_PHASES: dict[type[httpx.TimeoutException], str] = {
    httpx.ConnectTimeout: "connecting",
    httpx.ReadTimeout: "waiting for the answer",
    httpx.WriteTimeout: "sending the request",
    httpx.PoolTimeout: "waiting for a free connection",
}

T = TypeVar("T")


class BulkFilters(TypedDict, total=False):
    """What a bulk action acts on.  At least one is required; ``older_than="0h"`` is everything.

    ``older_than`` here is a period (``1h``, ``3d``, ``2w``), not a timestamp as in feeds;
    ``node_id`` and ``src_host`` exclude each other.
    """

    flock_id: str
    node_id: str
    src_host: str
    older_than: str
    filter_str: str
    filter_logtypes: Iterable[int | str] | int | str


def resolve_base_url(console: str, *, transport_injected: bool = False) -> str:
    """The API root (``https://HASH.canary.tools/api/v1``) for a domain hash or a console URL.

    URLs may end in ``/`` or ``/api/v1``.  Plain http is refused, since the token would
    travel unencrypted, unless the host is loopback or, when the caller injects its own
    transport, a reserved test name such as ``console.test`` that cannot reach a network.
    """
    text = console.strip()
    if not text:
        raise ConfigError(
            "No console given: use your console's domain hash (the HASH in HASH.canary.tools) or its https:// URL."
        )
    if "://" not in text:
        if _DOMAIN_HASH.fullmatch(text):
            return f"https://{text.lower()}.canary.tools{API_PATH}"
        text = f"https://{text}"
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL:
        raise ConfigError("The console URL is not a valid address; use e.g. https://HASH.canary.tools.") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigError("The console URL must start with https://, e.g. https://HASH.canary.tools.")
    if url.userinfo or url.query or url.fragment:
        # Never echo the URL: a pasted next_link carries the token in its query string.
        raise ConfigError("The console URL must be just the address (no user name, query string or fragment).")
    if url.scheme == "http" and not _may_use_plain_http(url.host, transport_injected):
        raise ConfigError(
            f"Refusing plain http to {url.host}: the API token would travel unencrypted. "
            "Use https://, or http only for a loopback address (127.0.0.1, ::1, localhost)."
        )
    root = url.path.rstrip("/").removesuffix(API_PATH)
    return str(url.copy_with(path=root + API_PATH))


def _may_use_plain_http(host: str, transport_injected: bool) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return transport_injected and host.lower().endswith(_TEST_DOMAINS)


def _checked_token(token: Secret | str) -> Secret:
    value = (token.reveal() if isinstance(token, Secret) else token).strip()
    if not value:
        raise ConfigError("No API token given: create one in the console under Settings > API.")
    # A header cannot carry spaces or control characters, and h11 quotes a bad value in its error.
    if not all("!" <= char <= "~" for char in value):
        raise ConfigError("The API token has spaces or control characters in it; copy it again from the console.")
    return Secret(value)


class _TokenAuth(httpx.Auth):
    """Puts the token in the auth header of each request: the only place it is revealed."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[TOKEN_HEADER] = self._token.reveal()
        yield request


class CanaryClient:
    """One console.  Use ``async with CanaryClient(console, token) as client:`` or ``await client.aclose()``."""

    resolve_base_url = staticmethod(resolve_base_url)

    def __init__(
        self,
        console: str,
        token: Secret | str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = resolve_base_url(console, transport_injected=transport is not None)
        self.host = httpx.URL(self.base_url).host
        self._token = _checked_token(token)
        self._http = httpx.AsyncClient(
            base_url=f"{self.base_url}/",
            auth=_TokenAuth(self._token),
            transport=transport,
            timeout=timeout,
            http1=True,
            http2=False,
            # A redirect would carry the token header to wherever it points.
            follow_redirects=False,
            # No proxy from the environment may see a token sent over plain (loopback) http.
            trust_env=self.base_url.startswith("https://"),
            headers={"User-Agent": f"roost/{__version__}", "Accept": "application/json"},
        )

    def __repr__(self) -> str:
        return f"CanaryClient({self.base_url!r})"

    async def __aenter__(self) -> CanaryClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- queries -------------------------------------------------------------------

    async def ping(self) -> bool:
        """True when the console answers and accepts the token; otherwise a typed error."""
        return await self._request("GET", "ping", {}, lambda body: True)

    async def feed(
        self,
        feed: Feed = "all",
        *,
        node_id: str | None = None,
        flock_id: str | None = None,
        incidents_since: int | None = None,
        newer_than: datetime | str | None = None,
        older_than: datetime | str | None = None,
        event_limit: int | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        shrink: bool | None = None,
        tz: str | None = None,
    ) -> Page:
        """One page of /incidents/{all,acknowledged,unacknowledged} (nested feed form).

        ``incidents_since`` is strict (updated_id > value); ``newer_than``/``older_than``
        are creation times, aware datetimes or ``yyyy-mm-dd-hh:mm:ss`` strings in UTC.
        """
        if feed not in FEEDS:
            raise ValueError(f"feed must be one of {', '.join(FEEDS)}")
        params = {
            "node_id": node_id,
            "flock_id": flock_id,
            "incidents_since": incidents_since,
            "newer_than": _console_time("newer_than", newer_than),
            "older_than": _console_time("older_than", older_than),
            "event_limit": event_limit,
            "limit": limit,
            "cursor": cursor,
            "shrink": shrink,
            "tz": tz,
        }
        return await self._request("GET", f"incidents/{feed}", params, parse_page)

    async def iter_feed(self, feed: Feed = "all", **query: Any) -> AsyncIterator[Page]:
        """Every page of a feed, following ``cursor.next`` to the end whatever page size the console picks.

        Takes :meth:`feed`'s keywords.  Follow-up requests send the cursor (which carries
        the filters) and only the presentation options ``shrink``/``tz``/``event_limit``.
        """
        follow_up = {name: query[name] for name in ("shrink", "tz", "event_limit") if name in query}
        pages = _follow_cursors(
            lambda cursor: self.feed(feed, **query) if cursor is None else self.feed(feed, cursor=cursor, **follow_up),
            f"incidents/{feed}",
            query.get("cursor"),
        )
        async for page in pages:
            yield page

    async def iter_search(self, **query: Any) -> AsyncIterator[Page]:
        """Every page of a search, following ``cursor.next`` to the end (takes :meth:`search`'s keywords)."""
        pages = _follow_cursors(
            lambda cursor: self.search(**query) if cursor is None else self.search(cursor=cursor),
            "incidents/search",
            query.get("cursor"),
        )
        async for page in pages:
            yield page

    async def search(
        self,
        *,
        filter_str: str | None = None,
        filter_logtypes: Iterable[int | str] | int | str | None = None,
        filter_incident_state: Feed | None = None,
        node_id: str | None = None,
        flock_id: str | None = None,
        newer_than: datetime | str | None = None,
        older_than: datetime | str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page:
        """One page of /incidents/search (flat form, with page_number/total_pages/total_results).

        The console's default state is ``unacknowledged``.
        """
        if filter_incident_state is not None and filter_incident_state not in FEEDS:
            raise ValueError(f"filter_incident_state must be one of {', '.join(FEEDS)}")
        params = {
            "filter_str": filter_str,
            "filter_logtypes": _logtypes(filter_logtypes),
            "filter_incident_state": filter_incident_state,
            "node_id": node_id,
            "flock_id": flock_id,
            "newer_than": _console_time("newer_than", newer_than),
            "older_than": _console_time("older_than", older_than),
            "limit": limit,
            "cursor": cursor,
        }
        return await self._request("GET", "incidents/search", params, parse_page)

    async def history_for_source(self, src_ip: str, *, flock_id: str | None = None) -> list[HistoryEntry]:
        """Every incident the console remembers from one source IP, deleted ones included."""
        if not src_ip:
            raise ValueError("history_for_source() needs a source IP")
        params = {"src_ip": src_ip, "flock_id": flock_id}
        return await self._request("GET", "incidents/history/source", params, parse_history)

    async def fetch(
        self,
        incident: str | None = None,
        *,
        hash_id: str | None = None,
        extended_details: bool = False,
        tz: str | None = None,
    ) -> Incident:
        """One incident by key or by hash_id (exactly one of them)."""
        if bool(incident) == bool(hash_id):
            raise ValueError("fetch() needs exactly one of an incident key or a hash_id")
        params = {"incident": incident, "hash_id": hash_id, "extended_details": extended_details, "tz": tz}
        return await self._request("GET", "incident/fetch", params, lambda body: parse_incident(body.get("incident")))

    async def device_info(self, node_id: str) -> Host:
        """The Canary behind an incident (GET /device/info)."""
        if not node_id:
            raise ValueError("device_info() needs a node_id")
        params = {"node_id": node_id}
        return await self._request("GET", "device/info", params, lambda body: parse_host(body.get("device")))

    async def flocks(self) -> dict[str, str]:
        """Flock names by flock_id (``flock:default`` → ``Default Flock``)."""
        return await self._request("GET", "flocks/list", {}, parse_flock_names)

    # -- actions -------------------------------------------------------------------

    async def acknowledge(self, key: str) -> str:
        """Acknowledge one incident; returns the key the console acted on."""
        return await self._act_on_one("POST", "incident/acknowledge", key)

    async def unacknowledge(self, key: str) -> str:
        """Unacknowledge one incident; returns the key the console acted on."""
        return await self._act_on_one("POST", "incident/unacknowledge", key)

    async def delete(self, key: str) -> str:
        """Delete one incident; returns the key the console acted on."""
        return await self._act_on_one("DELETE", "incident/delete", key)

    async def acknowledge_many(self, **filters: Unpack[BulkFilters]) -> BulkResult:
        """Acknowledge every incident the filters match; returns the keys the console touched."""
        return await self._act_on_many("POST", "incidents/acknowledge", filters)

    async def unacknowledge_many(self, **filters: Unpack[BulkFilters]) -> BulkResult:
        """Unacknowledge every incident the filters match; returns the keys the console touched."""
        return await self._act_on_many("POST", "incidents/unacknowledge", filters)

    async def delete_many(self, *, include_unacknowledged: bool = False, **filters: Unpack[BulkFilters]) -> BulkResult:
        """Delete the acknowledged incidents the filters match (and unacknowledged ones if asked)."""
        return await self._act_on_many(
            "DELETE", "incidents/delete", filters, include_unacknowledged=include_unacknowledged
        )

    async def _act_on_one(self, method: str, path: str, key: str) -> str:
        if not key:
            raise ValueError("an incident action needs an incident key")
        return await self._request(method, path, {"incident": key}, lambda body: to_text(body.get("key")) or key)

    async def _act_on_many(self, method: str, path: str, filters: Mapping[str, Any], **options: bool) -> BulkResult:
        unknown = filters.keys() - BulkFilters.__optional_keys__
        if unknown:
            raise TypeError(f"unknown bulk filter: {', '.join(sorted(unknown))}")
        given = _wire_params(
            {
                **filters,
                "older_than": _period(filters.get("older_than")),
                "filter_logtypes": _logtypes(filters.get("filter_logtypes")),
            }
        )
        # Refused here too, so a bad filter never reaches a console that might act on less.
        if "node_id" in given and "src_host" in given:
            raise InvalidParameter("Cannot use src_host and node_id together")
        if not given:
            # The console would act on every incident; make the caller say so (older_than="0h").
            raise InvalidParameter(
                "A bulk action needs at least one filter; use older_than=0h to act on every incident."
            )
        return await self._request(method, path, {**given, **options}, parse_bulk_result)

    # -- one request ---------------------------------------------------------------

    async def _request(
        self, method: str, path: str, params: Mapping[str, object], parse: Callable[[dict[str, Any]], T]
    ) -> T:
        """Send one request (GET: query string; POST/DELETE: form body, as the docs' curl
        examples do) and parse the console's JSON, or raise one typed error."""
        endpoint = f"{API_PATH}/{path}"
        where = f"{method} {endpoint}"
        wire = _wire_params(params)
        query, form = (wire, None) if method == "GET" else (None, wire)
        try:
            response = await self._http.request(method, path, params=query, data=form)
        except httpx.HTTPError as exc:
            failure = self._transport_error(exc, where, endpoint)
        except UnicodeEncodeError:
            # A key or source IP from the console holding a lone surrogate cannot go into a URL or a form.
            failure = InvalidParameter(f"{where} cannot be sent: a value in it is not valid text.", endpoint=endpoint)
        else:
            body = self._successful_body(response, where, endpoint)
            try:
                return parse(body)
            except ShapeError as exc:
                failure = ProtocolError(
                    f"The console's answer to {where} is not the documented shape ({exc}).",
                    status=response.status_code,
                    endpoint=endpoint,
                )
        # Raised outside the except blocks so the error has no __context__: httpx's
        # exception holds the request, and the request holds the token header.
        raise failure

    def _successful_body(self, response: httpx.Response, where: str, endpoint: str) -> dict[str, Any]:
        # A console or proxy that echoes the token must not put it in anything we keep
        # (Page.raw, error messages, the locals a crash report prints).
        body = _json_object(redact(response.text, self._token))
        if body is not None and body.get("result") == "error":
            raise self._console_error(response, to_text(body.get("message")), where, endpoint)
        if not response.is_success:
            raise self._console_error(response, None, where, endpoint)
        if body is None:
            raise ProtocolError(
                f"The console's answer to {where} was not a JSON object; check the console URL.",
                status=response.status_code,
                endpoint=endpoint,
            )
        if body.get("result") != "success":
            raise ProtocolError(
                f'The console\'s answer to {where} has no "result": "success".',
                status=response.status_code,
                endpoint=endpoint,
            )
        return body

    def _console_error(self, response: httpx.Response, message: str | None, where: str, endpoint: str) -> ApiError:
        """By the console's message first (as canarytools-python does), then by HTTP status.

        ``message`` is None when the body was not the console's error JSON.
        """
        status = response.status_code
        said = self._one_line(message or "")
        context = {"status": status, "endpoint": endpoint}
        if _AUTH_MESSAGE.search(said) or status == 401:
            return AuthError(
                f"The console rejected the API token ({said or f'HTTP {status}'}). "
                "Check the token, or create a new API key under the console's Settings > API.",
                **context,
            )
        if _NOT_FOUND_MESSAGE.search(said):
            return NotFound(f"{said} ({where}): it may have been deleted on the console; refresh.", **context)
        if _READ_ONLY_MESSAGE.search(said) or status == 403:
            return PermissionDenied(
                f"The console refused {where} ({said or 'HTTP 403'}): this API key may not do that; "
                "use an analyst or admin key.",
                **context,
            )
        if status == 429:
            retry_after = _retry_after(response.headers.get("Retry-After"))
            wait = "a moment" if retry_after is None else f"{retry_after:.0f} s"
            return RateLimited(
                f"The console is rate-limiting requests ({where}); wait {wait} before trying again.",
                retry_after=retry_after,
                **context,
            )
        if status >= 500:
            detail = f": {said}" if said else ""
            return ServerError(f"The console failed on {where} (HTTP {status}{detail}); try again shortly.", **context)
        if _VALIDATION_MESSAGE.search(said):
            return InvalidParameter(said, **context)
        if message is not None:
            return ServerError(f"The console reported an error on {where}: {said or 'no message'}.", **context)
        return ProtocolError(
            f"The console answered {where} with HTTP {status} and no JSON; check the console URL.", **context
        )

    def _transport_error(self, exc: httpx.HTTPError, where: str, endpoint: str) -> ApiError:
        """An httpx failure as our own error; httpx's message and request are left behind."""
        if isinstance(exc, httpx.TimeoutException):
            phase = _TIMEOUT_PHASES.get(type(exc), "waiting for the answer")
            return ConsoleTimeout(
                f"Timed out {phase} on {where} at {self.host}; the console may be slow or unreachable.",
                endpoint=endpoint,
            )
        if isinstance(exc, httpx.DecodingError):
            return ProtocolError(f"The console's answer to {where} could not be decoded.", endpoint=endpoint)
        reason = self._one_line(str(exc)) or type(exc).__name__
        if isinstance(exc, httpx.ConnectError):
            return ConnectionFailed(
                f"Could not connect to {self.host} ({reason}); check the console address and the network.",
                endpoint=endpoint,
            )
        return ConnectionFailed(f"The connection to {self.host} failed during {where} ({reason}).", endpoint=endpoint)

    def _one_line(self, text: str) -> str:
        """Console text (hostile, like all incident data) fit for one line of an error message:
        no token, control and format characters (escapes, bidi overrides) made visible, bounded."""
        return clean(redact(text, self._token), limit=_MESSAGE_WIDTH)


# -- wire helpers --------------------------------------------------------------------


async def _follow_cursors(
    fetch: Callable[[str | None], Awaitable[Page]], path: str, first_cursor: str | None
) -> AsyncIterator[Page]:
    """``fetch(None)`` then ``fetch(cursor.next)`` until the last page; a repeated cursor is an error."""
    page = await fetch(None)
    yield page
    cursors_sent = {first_cursor}
    while page.next_cursor and page.incidents:
        if page.next_cursor in cursors_sent:
            raise ProtocolError(
                f"The console sent the same cursor twice on GET {API_PATH}/{path}; stopped paging.",
                endpoint=f"{API_PATH}/{path}",
            )
        cursors_sent.add(page.next_cursor)
        page = await fetch(page.next_cursor)
        yield page


def _wire_params(params: Mapping[str, object]) -> dict[str, str]:
    """Absent (None or empty) parameters are left out; booleans go as ``true``/``false``."""
    wire: dict[str, str] = {}
    for name, value in params.items():
        if value is None or value == "":
            continue
        wire[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return wire


def _console_time(name: str, value: datetime | str | None) -> str | None:
    """Query times go as ``yyyy-mm-dd-hh:mm:ss`` in UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{name} must be a timezone-aware datetime")
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d-%H:%M:%S")
    if not _CONSOLE_TIME.fullmatch(value):
        raise InvalidParameter(f"Parameter {name} must be a UTC time like 2024-01-31-23:59:00.")
    return value


def _period(value: str | None) -> str | None:
    """Bulk actions' ``older_than``: ``<n>h``, ``<n>d`` or ``<n>w``."""
    if value is None or value == "":
        return None
    if not _PERIOD.fullmatch(value):
        raise InvalidParameter("Parameter older_than was invalid. Use a period like 1h, 3d or 2w (0h is everything).")
    return value


def _logtypes(value: Iterable[int | str] | int | str | None) -> str | None:
    """One logtype or many (ints, or strings that may hold comma lists) as ``4002,6001``."""
    if value is None:
        return None
    items = [value] if isinstance(value, (int, str)) else list(value)
    numbers = [part.strip() for item in items for part in str(item).split(",") if part.strip()]
    if not all(_LOGTYPE.fullmatch(number) for number in numbers):
        raise InvalidParameter("Parameter filter_logtypes must be logtype numbers such as 4002,6001.")
    return ",".join(numbers) or None


def _json_object(text: str) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not one (HTML, truncated, a list)."""
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(body, dict):
        return None
    cursor = body.get("cursor")
    if isinstance(cursor, dict):
        # next_link/prev_link embed the token (URL-encoded, which redact() may not
        # recognise); we follow cursor, so nothing needs them.
        cursor.pop("next_link", None)
        cursor.pop("prev_link", None)
    return body


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either delay-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
