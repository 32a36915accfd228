"""Async client for the Thinkst Canary Console API v1 (incidents).

One ``httpx.AsyncClient`` per console: HTTP/1.1, keep-alive, explicit timeouts.
The token travels only in the ``X-Canary-Auth-Token`` header, never in a URL or a
body, so it cannot reach access logs, httpx's request log or a traceback; pages are
followed by ``cursor``, never by ``next_link`` (which embeds the token).

Every failure is one typed error from :mod:`tui.backends.errors` with one actionable
line.  Retrying is the caller's decision (``error.transient`` says whether it may
help), except that ``ping(attempts=...)`` and ``read_attempts`` retry reads.
Nothing a console sends is unbounded: answers are streamed and cut at
``max_response_bytes``, every request has an overall ``deadline``, and values
nested past ``MAX_NESTING`` cost only the incident holding them.  Wire details are
in ../shared/spec/canary-incidents-api.md.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from datetime import datetime, timezone
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Generic,
    Iterable,
    Literal,
    Mapping,
    TypedDict,
    TypeVar,
    Unpack,
)

import httpx

from ...backoff import retry_wait
from ..values import ShapeError, to_text
from .config import API_PATH, resolve_base_url
from .parse import (
    BulkResult,
    HistoryEntry,
    Host,
    Incident,
    Page,
    parse_bulk_result,
    parse_flock_names,
    parse_history,
    parse_host,
    page_item,
    parse_incident,
    parse_page,
)
from ...sanitize import clean
from ...secret import Secret, redact, redactable_in_data
from ..errors import (
    ApiError,
    AuthError,
    InvalidParameter,
    NotFound,
    PermissionDenied,
    ProtocolError,
    RateLimited,
    ServerError,
)
from ..http import (
    MAX_NESTING,
    answered,
    checked_token,
    escapes_any_of,
    hardened_client,
    json_object,
    nests_within,
    parse_retry_after,
    read_text,
    redact_decoded,
)

TOKEN_HEADER = "X-Canary-Auth-Token"
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=15.0, write=15.0, pool=5.0)
# For the whole request, answer included: a console that trickles a byte at a time
# never trips a per-read timeout.
DEFAULT_DEADLINE = 60.0
# Far above any page Roost asks for (500 incidents), far below what exhausts memory.
DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024
# Read retries (``ping(attempts=)``, ``read_attempts``): half a second, doubling; a
# Retry-After is believed up to the cap, so start-up never hangs on one.
RETRY_FIRST_WAIT = 0.5
RETRY_MAX_WAIT = 10.0

Feed = Literal["all", "acknowledged", "unacknowledged"]
FEEDS: tuple[Feed, ...] = ("all", "acknowledged", "unacknowledged")

_CONSOLE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}:[0-9]{2}:[0-9]{2}")
_PERIOD = re.compile(r"[0-9]+[hdw]")
_LOGTYPE = re.compile(r"[0-9]+")

# Console error messages, matched before the HTTP status (consoles often answer 200).
_AUTH_MESSAGE = re.compile(r"auth_token|unauthori[sz]ed|not authenticated", re.IGNORECASE)
_NOT_FOUND_MESSAGE = re.compile(r"not found", re.IGNORECASE)
_READ_ONLY_MESSAGE = re.compile(r"read[- ]only|permission|not permitted|not allowed|forbidden", re.IGNORECASE)
_VALIDATION_MESSAGE = re.compile(r"invalid|parameter|cannot|must|required|missing|malformed", re.IGNORECASE)
_MESSAGE_WIDTH = 120

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


class _TokenAuth(httpx.Auth):
    """Puts the token in the auth header of each request: the only place it is revealed."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[TOKEN_HEADER] = self._token.reveal()
        yield request


class _Parsed(Generic[T]):
    """A page parsed in a worker thread, or the ShapeError parsing it raised: ``value`` raises it
    again where ``answered`` turns it into a ProtocolError, as for an answer parsed in place."""

    __slots__ = ("_value", "_error")

    def __init__(self, value: T | None, error: ShapeError | None) -> None:
        self._value = value
        self._error = error

    @classmethod
    def of(cls, parse: Callable[[dict[str, Any]], T], body: dict[str, Any]) -> _Parsed[T]:
        try:
            return cls(parse(body), None)
        except ShapeError as error:
            return cls(None, error)

    def value(self) -> T:
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]  # set whenever there is no error


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
        deadline: float = DEFAULT_DEADLINE,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        read_attempts: int = 1,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        """``deadline``: seconds for one whole request and its answer.  ``max_response_bytes``:
        the most of one answer that is read.  ``read_attempts``: tries for every GET, retrying
        transient failures with backoff (``sleep`` waits; ``rng`` jitters)."""
        if deadline <= 0 or max_response_bytes <= 0 or read_attempts < 1:
            raise ValueError("deadline and max_response_bytes must be positive, read_attempts at least 1")
        self.base_url = resolve_base_url(console, transport_injected=transport is not None)
        self.host = httpx.URL(self.base_url).host
        self.deadline = deadline
        self.max_response_bytes = max_response_bytes
        self.read_attempts = read_attempts
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._token = checked_token(
            token, missing="No API token given: create one in the console under Settings > API."
        )
        # What is blanked when a console echoes it: None for a token too short to tell from data.
        self._echo = redactable_in_data(self._token)
        self._http = hardened_client(self.base_url, _TokenAuth(self._token), transport=transport, timeout=timeout)

    def __repr__(self) -> str:
        return f"CanaryClient({self.base_url!r})"

    async def __aenter__(self) -> CanaryClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- queries -------------------------------------------------------------------

    async def ping(self, attempts: int = 1) -> bool:
        """True when the console answers and accepts the token; otherwise a typed error.

        Up to ``attempts`` tries (or ``read_attempts``, if more): a rate limit, a 5xx or a
        timeout is retried with backoff, so one hiccup does not end a start-up.
        """
        return await self._request("GET", "ping", {}, lambda body: True, attempts=attempts)

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
        return await self._request("GET", f"incidents/{feed}", params, parse_page, page=True)

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
        return await self._request("GET", "incidents/search", params, parse_page, page=True)

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
        self,
        method: str,
        path: str,
        params: Mapping[str, object],
        parse: Callable[[dict[str, Any]], T],
        *,
        attempts: int = 1,
        page: bool = False,
    ) -> T:
        """:meth:`_request_once`, tried again after transient failures when it is a read.

        Actions are never repeated here: their callers know whether that is safe.
        """
        tries = max(attempts, self.read_attempts) if method == "GET" else 1
        failures = 0
        while True:
            try:
                return await self._request_once(method, path, params, parse, page=page)
            except ApiError as error:
                failures += 1
                if not (error.transient and failures < tries):
                    raise
                wait = retry_wait(error, failures, first=RETRY_FIRST_WAIT, cap=RETRY_MAX_WAIT, rng=self._rng)
            await self._sleep(wait)

    async def _request_once(
        self, method: str, path: str, params: Mapping[str, object], parse: Callable[[dict[str, Any]], T], *,
        page: bool = False,
    ) -> T:
        """Send one request (GET: query string; POST/DELETE: form body, as the docs' curl
        examples do) and parse the console's JSON, or raise one typed error.

        A ``page`` of incidents is decoded and parsed in a worker thread: thousands of incidents
        take a second or more, which would otherwise hold up keys and drawing."""
        endpoint = f"{API_PATH}/{path}"
        where = f"{method} {endpoint}"
        wire = _wire_params(params)
        query, form = (wire, None) if method == "GET" else (None, wire)

        def check(response: httpx.Response, body: dict[str, Any] | None) -> dict[str, Any]:
            return self._successful_body(response, body, where, endpoint)

        if not page:
            return await answered(
                lambda: self._exchange(method, path, query, form, where, endpoint), check, parse,
                deadline=self.deadline, where=where, endpoint=endpoint, host=self.host, peer="console",
                one_line=self._one_line,
            )

        async def exchange_page() -> tuple[httpx.Response, _Parsed[T]]:
            response, body = await self._exchange(method, path, query, form, where, endpoint, page=True)
            return response, await asyncio.to_thread(_Parsed.of, parse, check(response, body))

        return await answered(
            exchange_page, lambda response, parsed: parsed, _Parsed.value,  # type: ignore[arg-type]
            deadline=self.deadline, where=where, endpoint=endpoint, host=self.host, peer="console",
            one_line=self._one_line,
        )

    async def _exchange(
        self, method: str, path: str, query: dict[str, str] | None, form: dict[str, str] | None, where: str,
        endpoint: str, *, page: bool = False,
    ) -> tuple[httpx.Response, dict[str, Any] | None]:
        """Send the request; the answer, read as a stream and refused past the limit, as a
        JSON object (None when it is not one); a ``page`` is decoded in a worker thread.

        Decoded here so that the text, which may hold an escaped echo of the token, is
        in no frame of an error's traceback (a crash report prints frames' locals).
        """
        limit = self.max_response_bytes
        request = self._http.build_request(method, path, params=query, data=form)
        response = await self._http.send(request, stream=True)
        too_large = (
            f"The console's answer to {where} is larger than {_size(limit)}, the most Roost reads; "
            f"check that {self.host} is your Canary console."
        )
        text = await read_text(response, limit, too_large_message=too_large, endpoint=endpoint)
        # A console or proxy that echoes the token, raw or JSON-escaped, must not put it in
        # anything we keep (Page.raw, model fields, error messages).
        if page:
            return response, await asyncio.to_thread(_page_object, redact(text, self._echo), self._echo)
        return response, _json_object(redact(text, self._echo), self._echo)

    def _successful_body(
        self, response: httpx.Response, body: dict[str, Any] | None, where: str, endpoint: str
    ) -> dict[str, Any]:
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
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
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

    def _one_line(self, text: str) -> str:
        """Console text (hostile, like all incident data) fit for one line of an error message:
        no token, control and format characters (escapes, bidi overrides) made visible, bounded."""
        return clean(redact(text, self._echo), limit=_MESSAGE_WIDTH)


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


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale and count % scale == 0:
            return f"{count // scale} {unit}"
    return f"{count:,} bytes"


def _json_object(text: str, echo: Secret | None) -> dict[str, Any] | None:
    """The body as a JSON object (see :func:`json_object`), or None when it is not one.

    An incident json cannot decode (nested past the recursion limit, an overlong number)
    becomes None like one nested too deeply, so it costs only itself.
    """
    return _without_links(json_object(text, echo, items_key="incidents", fallback=_decode_incidents_one_by_one))


def _page_object(text: str, echo: Secret | None) -> dict[str, Any] | None:
    """:func:`_json_object` for a page of incidents, decoded one incident at a time, each checked,
    blanked and parsed (:func:`page_item`) before the next is decoded.

    Each incident is one short call into json's C decoder, so a worker thread decoding a page
    lets the event loop's thread run between incidents; ``json.loads`` would hold the
    interpreter for the whole page (a quarter of a second at 5,000 incidents).  And the page's
    decoded JSON never lives whole: at 400 incidents it is megabytes of short-lived objects
    made among the incidents kept, and the holes they left stayed with the process.
    """
    needle = echo.reveal() if echo is not None and escapes_any_of(text, echo.reveal()) else None

    def incident(item: Any) -> Incident | None:
        if not nests_within(item, MAX_NESTING):
            return None
        if needle is not None:
            holder = {"item": item}
            redact_decoded(holder, needle)
            item = holder["item"]
        return page_item(item)

    return _without_links(json_object(
        text, echo, items_key="incidents", decode=lambda whole: _decode_incidents_one_by_one(whole, incident)
    ))


def _without_links(body: dict[str, Any] | None) -> dict[str, Any] | None:
    cursor = body.get("cursor") if body is not None else None
    if isinstance(cursor, dict):
        # next_link/prev_link embed the token (URL-encoded, which redact() may not
        # recognise); we follow cursor, so nothing needs them.
        cursor.pop("next_link", None)
        cursor.pop("prev_link", None)
    return body


_JSON_DECODER = json.JSONDecoder(strict=False)
_JSON_WHITESPACE = re.compile(r"[ \t\n\r]*")
# A number or literal: everything up to the next separator.
_JSON_SCALAR = re.compile(r"[^ \t\n\r,\]}]*")
# What the bracket scanner stops at: a string's opening quote or a bracket.
_JSON_STRING_OR_BRACKET = re.compile(r'["\[\]{}]')
# The rest of a string after its opening quote, escapes included (linear: no backtracking).
_JSON_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


class _Unreadable(Exception):
    """The page itself (not one of its incidents) cannot be decoded."""


def _decode_incidents_one_by_one(text: str, read: Callable[[Any], Any] | None = None) -> dict[str, Any] | None:
    """A body ``json.loads`` refused, decoded as a page whose incidents are decoded one
    by one: an incident that cannot be decoded (nested past the recursion limit, an
    overlong number) becomes None.  None when anything else in it cannot be decoded
    (a cut-off answer must never pass for a shorter page), or it is not an object.
    ``read``: what each incident is kept as, worked out as soon as it is decoded (as decoded).

    Each value is decoded by json itself (``raw_decode``); only an incident it refuses
    is stepped over by its brackets, so the cost stays near ``json.loads``'s.
    """
    try:
        return _decode_page(text, read)
    except (_Unreadable, ValueError, RecursionError):
        return None


def _decode_page(text: str, read: Callable[[Any], Any] | None) -> dict[str, Any]:
    page: dict[str, Any] = {}
    position = _expect(text, _skip_space(text, 0), "{")
    if text.startswith("}", position):
        position += 1
    else:
        while True:
            key, position = _JSON_DECODER.raw_decode(text, position)
            if not isinstance(key, str):
                raise _Unreadable
            position = _expect(text, position, ":")
            if key == "incidents" and text.startswith("[", position):
                page[key], position = _decode_items(text, _skip_space(text, position + 1), read)
            else:
                page[key], position = _JSON_DECODER.raw_decode(text, position)
            position = _skip_space(text, position)
            if text.startswith("}", position):
                position += 1
                break
            position = _expect(text, position, ",")
    if _skip_space(text, position) != len(text):
        raise _Unreadable
    return page


def _decode_items(text: str, position: int, read: Callable[[Any], Any] | None) -> tuple[list[Any], int]:
    """The items of the array whose first item starts at ``position`` (each as ``read`` keeps it),
    and where it ends."""
    items: list[Any] = []
    if text.startswith("]", position):
        return items, position + 1
    while True:
        try:
            item, position = _JSON_DECODER.raw_decode(text, position)
        except (ValueError, RecursionError):
            item, position = None, _end_of_value(text, position)
        items.append(item if read is None else read(item))
        position = _skip_space(text, position)
        if text.startswith("]", position):
            return items, position + 1
        position = _expect(text, position, ",")


def _end_of_value(text: str, start: int) -> int:
    """Where the JSON value at ``start`` ends, judged by its strings and brackets alone."""
    if text.startswith('"', start):
        rest = _JSON_STRING_REST.match(text, start + 1)
        if rest is None:
            raise _Unreadable
        return rest.end()
    if not text.startswith(("{", "["), start):
        return _JSON_SCALAR.match(text, start).end()  # type: ignore[union-attr]  # matches even nothing
    depth = 0
    position = start
    while (found := _JSON_STRING_OR_BRACKET.search(text, position)) is not None:
        char = text[found.start()]
        position = found.end()
        if char == '"':
            rest = _JSON_STRING_REST.match(text, position)
            if rest is None:
                break
            position = rest.end()
        elif char in "{[":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return position
    raise _Unreadable


def _skip_space(text: str, position: int) -> int:
    return _JSON_WHITESPACE.match(text, position).end()  # type: ignore[union-attr]  # matches even nothing


def _expect(text: str, position: int, char: str) -> int:
    """Past ``char`` (and the whitespace around it), which must come next."""
    position = _skip_space(text, position)
    if not text.startswith(char, position):
        raise _Unreadable
    return _skip_space(text, position + 1)
