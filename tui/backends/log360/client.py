"""Async client for the ManageEngine EventLog Analyzer / Log360 REST API v2 (incidents).

One ``httpx.AsyncClient`` per server: HTTP/1.1, keep-alive, explicit timeouts.  The
token travels only in the ``Authorization: Bearer`` header, set by an ``httpx.Auth`` at
the last moment, never in a URL or a body, so it cannot reach access logs, httpx's
request log, an error or a traceback; a console that echoes it has it blanked before
anything is kept.  Redirects are not followed (they would carry the header elsewhere).

The base URL is a full URL or a host with the product's default port (EventLog Analyzer
8400, Log360 8095).  Plain http, the on-premises norm, is refused unless the profile
says ``allow_http = true``; https verifies against the system's trust store, or a
private CA bundle the profile names.

Every request first takes a slot from the server's ``Pacer`` (60 a minute, actions
before refreshes).  A rate-limit answer (a 429, or any error whose text speaks of a
limit) makes the pacer hold back and the request is tried again, since the server did
nothing; other transient failures are retried only for reads (``read_attempts``).

Every failure is one typed error from :mod:`tui.backends.errors` with one line a person
can act on.  The server's two error shapes (flat ``{code, title, detail}`` and wrapped
``{"error": {...}}``), the v1 connector's ``ERROR_DESCRIPTION`` and non-JSON bodies are
all read, with or without an error HTTP status.  Nothing the server sends is unbounded:
answers are streamed and cut at ``max_response_bytes``, every exchange has an overall
``deadline``, and an item nested past ``MAX_NESTING`` costs only itself.  Wire details:
../shared/spec/log360-incidents-api.md.
"""

from __future__ import annotations

import asyncio
import http
import json
import random
import re
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Generator, Iterable, Literal, Mapping, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from ...backoff import retry_wait
from ...model import Incident
from ...sanitize import clean
from ...secret import Secret, redact, redactable_in_data
from ..errors import (
    ApiError,
    AuthError,
    ConfigError,
    InvalidParameter,
    NotFound,
    PermissionDenied,
    ProtocolError,
    RateLimited,
    ServerError,
)
from ..http import MAX_NESTING  # noqa: F401  (re-exported: the limit the docstring names)
from ..http import answered, checked_token, hardened_client, json_object, parse_retry_after, read_text
from ..values import to_text
from .pacer import BACKGROUND, INTERACTIVE, Pacer, Priority
from .parse import (
    SEVERITIES,
    STATUSES,
    UNASSIGNED,
    Page,
    User,
    detail_data,
    log360_fields,
    merge_detail,
    normalise_severity,
    normalise_status,
    parse_created,
    parse_detail,
    parse_id,
    parse_message,
    parse_page,
    parse_users,
    wire_time,
)

API_PATH = "/api/v2"
INCIDENT_PATH = "incident"
USERS_PATH = "meta/users"
Product = Literal["eventlog", "log360"]
#: Default web ports when the profile names only a host (spec §1.1).
DEFAULT_PORTS: dict[str, int] = {"eventlog": 8400, "log360": 8095}

# Scopes as the documentation spells them (``incidents.update`` sic).
READ_SCOPE, CREATE_SCOPE, UPDATE_SCOPE, DELETE_SCOPE, USERS_SCOPE = (
    "incident.READ", "incident.CREATE", "incidents.update", "incident.DELETE", "users.READ",
)

MAX_PAGE = 100  # documented maximum of ``limit``
MAX_DELETE = 100  # documented maximum of ``incident_ids``
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=20.0, pool=5.0)
# For one whole exchange, answer included (a trickling server never trips a read timeout);
# the wait for a slot in the budget is not part of it.
DEFAULT_DEADLINE = 60.0
# A page is 100 incidents; one incident's evidence can be large, but not this large.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
# Read retries after transient failures: half a second, doubling, at most 10 s.
RETRY_FIRST_WAIT = 0.5
RETRY_MAX_WAIT = 10.0
# Tries of one request the server refused for the rate (it did nothing, so any may be repeated).
RATE_LIMIT_ATTEMPTS = 3
# A whole list pass stops here whatever ``meta`` says (1,000 pages is 100,000 incidents).
MAX_PAGES = 1000

# Error text that means "slow down" (the over-limit answer is undocumented, spec §6.2).
_LIMIT_MESSAGE = re.compile(
    r"rate[- ]?limit|limit (?:has been )?(?:exceeded|reached)|too many requests|requests? per minute|throttl",
    re.IGNORECASE,
)
_AUTH_MESSAGE = re.compile(r"auth ?token|api ?key|unauthori[sz]ed|not authenticated", re.IGNORECASE)
_SCOPE_MESSAGE = re.compile(r"\bscope\b|forbidden|permission|not permitted|not allowed|access denied", re.IGNORECASE)
_NOT_FOUND_MESSAGE = re.compile(r"not found|no (?:such )?incident|does not exist|doesn't exist", re.IGNORECASE)
_UNAUTHORIZED_CODE = "07001113"
_MESSAGE_WIDTH = 160
# Titles are HTTP reason phrases (``Unauthorized``, ``Bad Request``): an error sent with
# HTTP 200 is classed by its title as if it had that status.
_STATUS_BY_TITLE = {status.phrase.lower(): int(status) for status in http.HTTPStatus}

T = TypeVar("T")


class _Unchanged:
    """A field an update leaves as it is."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()


class MissingScope(PermissionDenied):
    """The token is valid but lacks the scope this endpoint needs: hide the action."""

    def __init__(self, message: str, *, scope: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.scope = scope


@dataclass(frozen=True)
class DeleteCall:
    """One delete request of a split delete: the ids it carried and what became of them.

    ``error`` is None when the server said it deleted them (``message`` is its word).
    """

    keys: tuple[str, ...]
    error: ApiError | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


# -- configuration --------------------------------------------------------------------


def resolve_base_url(
    server: str, *, product: Product = "eventlog", port: int | None = None, allow_http: bool = False
) -> str:
    """The API root (``https://siem.example:8400/api/v2``) for a host or a URL.

    A host alone (``siem01``, ``siem01:9000``, ``[::1]``) gets the product's default port
    (or ``port``) and https, or http when ``allow_http`` is set (the on-premises norm).
    A URL may end in ``/`` or ``/api/v2`` and keep a path prefix (a reverse proxy's).
    Plain http is refused unless ``allow_http``: the token would travel unencrypted.
    """
    if product not in DEFAULT_PORTS:
        raise ConfigError(f"Unknown product; use one of {', '.join(DEFAULT_PORTS)}.")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536):
        raise ConfigError("The port must be a number from 1 to 65535.")
    text = server.strip() if isinstance(server, str) else ""
    if not text:
        raise ConfigError("No server given: use the EventLog Analyzer / Log360 address, e.g. https://siem01:8400.")
    if any(char.isspace() or not char.isprintable() for char in text):
        raise ConfigError("The server address has spaces or control characters in it; use e.g. https://siem01:8400.")
    bare = "://" not in text
    if bare:
        text = f"{'http' if allow_http else 'https'}://{text}"
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, UnicodeError, ValueError):
        raise ConfigError("The server address is not valid; use e.g. https://siem01:8400.") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigError("The server address must start with https:// (or http://), e.g. https://siem01:8400.")
    if url.userinfo or url.query or url.fragment:
        # Never echo it: a pasted URL may carry credentials.
        raise ConfigError("The server address must be just the address (no user name, query string or fragment).")
    if url.scheme == "http" and not allow_http:
        raise ConfigError(
            f"Refusing plain http to {clean(url.host, 80)}: the API token would travel unencrypted. "
            "Use https://, or set allow_http = true in the profile."
        )
    if bare and url.port is None:
        url = url.copy_with(port=port or DEFAULT_PORTS[product])
    elif port is not None and url.port is None:
        url = url.copy_with(port=port)
    root = url.path.rstrip("/").removesuffix(API_PATH).rstrip("/")
    return str(url.copy_with(path=root + API_PATH))


def resolve_timezone(name: str | tzinfo | None) -> tzinfo | None:
    """The profile's ``timezone`` (an IANA name such as ``Asia/Kolkata``, or ``UTC``); None: local."""
    if name is None or isinstance(name, tzinfo):
        return name
    text = name.strip()
    if not text or text.lower() == "local":
        return None
    if text.upper() in ("UTC", "Z", "GMT"):
        return timezone.utc
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(
            f"Unknown timezone {clean(text, 60)!r}; use an IANA name such as Europe/Berlin, or UTC."
        ) from None


def tls_context(ca_bundle: str | Path | None = None) -> ssl.SSLContext:
    """Verification against the system's trust store, or against ``ca_bundle`` alone (a private CA)."""
    if ca_bundle is None or str(ca_bundle) == "":
        context = ssl.create_default_context()
        if not context.cert_store_stats().get("x509_ca"):
            # An interpreter without a usable system store (some macOS builds): certifi's.
            import certifi

            context.load_verify_locations(cafile=certifi.where())
        return context
    path = Path(ca_bundle).expanduser()
    try:
        return ssl.create_default_context(cafile=str(path))
    except (OSError, ssl.SSLError, ValueError):
        raise ConfigError(
            f"The CA bundle {clean(str(path), 120)} cannot be read as PEM certificates; check ca_bundle in the profile."
        ) from None


class _BearerAuth(httpx.Auth):
    """Puts the token in the Authorization header of each request: the only place it is revealed."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.reveal()}"
        yield request


# -- the client -----------------------------------------------------------------------


class Log360Client:
    """One server.  Use ``async with Log360Client(server, token, ...) as client:`` or ``await client.aclose()``."""

    def __init__(
        self,
        server: str,
        token: Secret | str,
        *,
        product: Product = "eventlog",
        port: int | None = None,
        allow_http: bool = False,
        ca_bundle: str | Path | None = None,
        timezone: str | tzinfo | None = None,
        iso_dates: bool = True,
        pacer: Pacer | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        read_attempts: int = 1,
        rate_limit_attempts: int = RATE_LIMIT_ATTEMPTS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        """``timezone``: the zone of the server's times (None: local).  ``iso_dates``: send due
        dates as ISO 8601 with an offset (else ``YYYY-MM-DD HH:MM:SS`` in ``timezone``).
        ``pacer``: the server's budget, shared by every client of it (a new one by default).
        ``deadline``: seconds for one exchange.  ``read_attempts``: tries for every GET after
        transient failures.  ``rate_limit_attempts``: tries of any request refused for the rate.
        """
        if deadline <= 0 or max_response_bytes <= 0 or read_attempts < 1 or rate_limit_attempts < 1:
            raise ValueError("deadline and max_response_bytes must be positive, attempts at least 1")
        self.base_url = resolve_base_url(server, product=product, port=port, allow_http=allow_http)
        self.host = httpx.URL(self.base_url).host
        self.encrypted = self.base_url.startswith("https://")
        self.tz = resolve_timezone(timezone)
        self.iso_dates = iso_dates
        self.pacer = pacer or Pacer()
        self.deadline = deadline
        self.max_response_bytes = max_response_bytes
        self.read_attempts = read_attempts
        self.rate_limit_attempts = rate_limit_attempts
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._token = checked_token(
            token, missing="No API token given: create an AuthToken under Settings > Admin Settings > API Settings."
        )
        # What is blanked when a server echoes it: None for a token too short to tell from data.
        self._echo = redactable_in_data(self._token)
        verify: ssl.SSLContext | bool = tls_context(ca_bundle) if self.encrypted and transport is None else True
        self._http = hardened_client(
            self.base_url, _BearerAuth(self._token), transport=transport, timeout=timeout, verify=verify
        )

    def __repr__(self) -> str:
        return f"Log360Client({self.base_url!r})"

    async def __aenter__(self) -> Log360Client:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- reading -----------------------------------------------------------------------

    async def ping(self, *, attempts: int = 1, priority: Priority = INTERACTIVE) -> bool:
        """True when the server answers a one-incident list with the token; otherwise a typed error."""
        await self._request("GET", INCIDENT_PATH, READ_SCOPE, lambda body: parse_page(body, tz=self.tz),
                            params={"from": 1, "limit": 1}, priority=priority, attempts=attempts)
        return True

    async def list_incidents(
        self,
        *,
        start: int = 1,
        limit: int = MAX_PAGE,
        severity: str | None = None,
        status: str | None = None,
        created_by: str | None = None,
        assignee: str | int | None = None,
        response_type: Literal["client", "server"] | None = None,
        users: Mapping[str, str] | None = None,
        priority: Priority = BACKGROUND,
    ) -> Page:
        """One page of ``GET /incident``: items ``start`` (1-based) to ``start + limit - 1``.

        ``severity``/``status`` take any spelling Roost reads (``In Progress`` goes as
        ``in_progress``); ``assignee`` is a user id, ``-1`` for unassigned; ``users``
        names the assignees.  Both ``from`` and ``limit`` are always sent (spec §6.3).
        """
        if isinstance(start, bool) or not isinstance(start, int) or start < 1:
            raise ValueError("start is the 1-based index of the first item")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be 1 to {MAX_PAGE}")
        params: dict[str, object] = {
            "severity": _enum("severity", severity, normalise_severity, SEVERITIES),
            "status": _enum("status", status, normalise_status, STATUSES),
            "created_by": created_by or None,
            "assignee": _assignee_value(assignee) if assignee not in (None, "") else None,
            "from": start,
            "limit": limit,
            "response_type": response_type,
        }
        if response_type not in (None, "client", "server"):
            raise ValueError("response_type is client or server")
        return await self._request(
            "GET", INCIDENT_PATH, READ_SCOPE, lambda body: parse_page(body, tz=self.tz, users=users),
            params=params, priority=priority,
        )

    async def iter_pages(
        self, *, page_size: int = MAX_PAGE, max_pages: int = MAX_PAGES, **filters: Any
    ) -> AsyncIterator[Page]:
        """Every page of the list, from the first, until one comes back empty or ``meta.total_items``
        is reached.  Takes :meth:`list_incidents`' keywords.  ``from`` moves on by what each
        page held, so a server that sends fewer than asked loses nothing; the same incident
        on two pages (the list moved meanwhile) is the caller's to de-duplicate by key.
        """
        start = 1
        for _ in range(max_pages):
            page = await self.list_incidents(start=start, limit=page_size, **filters)
            yield page
            start += page.size
            if page.size == 0 or (page.total_items is not None and start > page.total_items):
                return
        raise ProtocolError(
            f"The server kept sending pages of GET {API_PATH}/{INCIDENT_PATH} past {max_pages:,}; stopped listing.",
            endpoint=f"{API_PATH}/{INCIDENT_PATH}",
        )

    async def get_incident(
        self,
        key: str | int,
        *,
        listed: Incident | None = None,
        users: Mapping[str, str] | None = None,
        priority: Priority = INTERACTIVE,
    ) -> Incident:
        """``GET /incident/{id}``: actors, notes, evidence and activity.

        The answer lacks the core fields (name, severity, status...), so pass the ``listed``
        incident to get one whole record (its fields, the details merged in); without it
        the result has only what the answer holds.
        """
        incident_id = _incident_id(key)
        key_text = str(incident_id)

        def parse(body: dict[str, Any]) -> Incident:
            if listed is not None:
                return merge_detail(listed, detail_data(body), tz=self.tz, users=users)
            return parse_detail(body, key_text, tz=self.tz, users=users)

        return await self._request("GET", f"{INCIDENT_PATH}/{incident_id}", READ_SCOPE, parse, priority=priority)

    async def users(self, *, priority: Priority = INTERACTIVE) -> tuple[User, ...]:
        """``GET /meta/users`` (spec §6.6, inferred): who may be assigned.  NotFound when the
        server has no such endpoint, MissingScope without ``users.READ``: fall back to the
        profile's ``users`` map then."""
        return await self._request("GET", USERS_PATH, USERS_SCOPE, parse_users, priority=priority)

    # -- acting ------------------------------------------------------------------------

    async def create_incident(
        self,
        *,
        name: str,
        description: str | None = None,
        severity: str | None = None,
        status: str | None = None,
        assignee: str | int | None = None,
        due_date: datetime | str | None = None,
        notes: Iterable[str] = (),
        evidence: Iterable[str] = (),
        source: str | None = None,
        priority: Priority = INTERACTIVE,
    ) -> str:
        """``POST /incident``; returns the new incident's id as text.  Unset fields are not sent."""
        if not isinstance(name, str) or not name.strip():
            raise InvalidParameter("An incident needs a name.")
        body: dict[str, Any] = {"name": name}
        body.update(self._fields(description=description, severity=severity, status=status, assignee=assignee,
                                 due_date=due_date, notes=notes, evidence=evidence, source=source))
        return await self._request("POST", INCIDENT_PATH, CREATE_SCOPE, parse_created, json_body=body,
                                   priority=priority)

    async def update_incident(
        self,
        key: str | int,
        *,
        name: str,
        description: Any = UNCHANGED,
        severity: Any = UNCHANGED,
        status: Any = UNCHANGED,
        assignee: Any = UNCHANGED,
        due_date: Any = UNCHANGED,
        notes: Iterable[str] = (),
        evidence: Iterable[str] = (),
        source: str | None = None,
        priority: Priority = INTERACTIVE,
    ) -> str:
        """``PUT /incident`` with exactly the fields given (the id and the required ``name`` in
        the body); returns the server's message.  ``due_date=None`` clears the due date.

        Whether the server patches or replaces is unknown: prefer :meth:`update_merged`.
        """
        if not isinstance(name, str) or not name.strip():
            raise InvalidParameter("An update needs the incident's name (the API requires it).")
        body: dict[str, Any] = {"incident_id": _incident_id(key), "name": name}
        given = {field: value for field, value in (("description", description), ("severity", severity),
                                                    ("status", status), ("assignee", assignee))
                 if value is not UNCHANGED}
        body.update(self._fields(**given, notes=notes, evidence=evidence, source=source))
        if due_date is not UNCHANGED:
            body["due_date"] = None if due_date is None else self._due_date(due_date)
        return await self._request("PUT", INCIDENT_PATH, UPDATE_SCOPE, parse_message, json_body=body,
                                   priority=priority)

    def merged_record(self, current: Incident, **changes: Any) -> dict[str, Any]:
        """The body of a ``PUT`` that sends ``current``'s whole record with ``changes`` applied.

        ``changes``: name, description, severity, status, assignee, due_date (None clears),
        notes and evidence (new ones to add), source.  Notes and evidence already on the
        incident are never re-sent: the server may append them (spec §2.4), and they
        would be doubled.
        """
        unknown = changes.keys() - {"name", "description", "severity", "status", "assignee", "due_date", "notes",
                                    "evidence", "source"}
        if unknown:
            raise TypeError(f"unknown field: {', '.join(sorted(unknown))}")
        extras = log360_fields(current)
        record: dict[str, Any] = {
            "name": current.title,
            "description": extras.description,
            "severity": current.severity or None,
            "status": current.status or None,
            "assignee": extras.assignee_id or UNASSIGNED,
            "due_date": extras.due_date,
        }
        record.update(changes)
        if record["assignee"] in (None, ""):
            record["assignee"] = UNASSIGNED
        name = record.pop("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidParameter(f"Incident {current.key} has no name to send; refresh it first.")
        due = record.pop("due_date")
        body: dict[str, Any] = {"incident_id": _incident_id(current.key), "name": name}
        body.update(self._fields(**record))
        if due is not None:
            body["due_date"] = self._due_date(due)
        elif "due_date" in changes:
            body["due_date"] = None  # cleared on purpose (a due date never set is not sent)
        return body

    async def update_merged(self, current: Incident, *, priority: Priority = INTERACTIVE, **changes: Any) -> str:
        """``PUT /incident`` with ``current``'s whole record and ``changes`` (see :meth:`merged_record`).

        ``current`` must be fresh: what it holds overwrites the server's, so re-read it first.
        """
        body = self.merged_record(current, **changes)
        return await self._request("PUT", INCIDENT_PATH, UPDATE_SCOPE, parse_message, json_body=body,
                                   priority=priority)

    async def delete_incidents(self, keys: Iterable[str | int], *, priority: Priority = INTERACTIVE) -> str:
        """``DELETE /incident`` with a JSON body of at most 100 ids; returns the server's message."""
        ids = _unique_ids(keys)
        if not ids:
            raise ValueError("delete_incidents() needs at least one incident id")
        if len(ids) > MAX_DELETE:
            raise ValueError(f"at most {MAX_DELETE} ids a call; use delete_in_batches()")
        return await self._request("DELETE", INCIDENT_PATH, DELETE_SCOPE, parse_message,
                                   json_body={"incident_ids": ids}, priority=priority)

    async def delete_in_batches(
        self, keys: Iterable[str | int], *, batch: int = MAX_DELETE, priority: Priority = INTERACTIVE
    ) -> AsyncIterator[DeleteCall]:
        """Any number of ids, in calls of at most ``batch`` (≤ 100), each call's outcome as it comes.

        A failed call is reported (``DeleteCall.error``) and the next one is still sent;
        stop iterating to send no more.  Errors not about the call itself (a bad token, a
        missing scope) are reported on the call, too: the caller decides to stop.
        """
        if not 1 <= batch <= MAX_DELETE:
            raise ValueError(f"batch must be 1 to {MAX_DELETE}")
        ids = _unique_ids(keys)
        for first in range(0, len(ids), batch):
            chunk = ids[first : first + batch]
            chunk_keys = tuple(str(item) for item in chunk)
            try:
                message = await self.delete_incidents(chunk, priority=priority)
            except ApiError as error:
                yield DeleteCall(chunk_keys, error=error)
            else:
                yield DeleteCall(chunk_keys, message=self._one_line(message))

    # -- request building ----------------------------------------------------------------

    def _fields(self, **given: Any) -> dict[str, Any]:
        """Create/update fields in their wire form; None (and empty lists) are left out."""
        body: dict[str, Any] = {}
        if given.get("description") is not None:
            body["description"] = _text("description", given["description"])
        if given.get("severity") is not None:
            body["severity"] = _enum("severity", given["severity"], normalise_severity, SEVERITIES)
        if given.get("status") is not None:
            body["status"] = _enum("status", given["status"], normalise_status, STATUSES)
        if given.get("assignee") not in (None, ""):
            body["assignee"] = _assignee_value(given["assignee"])
        if given.get("due_date") is not None:
            body["due_date"] = self._due_date(given["due_date"])
        for name in ("notes", "evidence"):
            values = given.get(name) or ()
            if isinstance(values, str):
                values = (values,)
            items = [_text(name, value) for value in values]
            if items:
                body[name] = items
        if given.get("source"):
            source = _text("source", given["source"]).strip().lower()
            if source not in ("search", "report", "alert"):
                raise InvalidParameter("The evidence source must be search, report or alert.")
            body["source"] = source
        return body

    def _due_date(self, value: datetime | str) -> str:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=self.tz) if self.tz is not None else value.astimezone()
            return wire_time(value, self.tz, iso=self.iso_dates)
        if isinstance(value, str) and value.strip():
            return value.strip()
        raise InvalidParameter("The due date must be a date and time.")

    # -- one request ---------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        scope: str,
        parse: Callable[[dict[str, Any]], T],
        *,
        params: Mapping[str, object] | None = None,
        json_body: Any = None,
        priority: Priority = INTERACTIVE,
        attempts: int = 1,
    ) -> T:
        """:meth:`_request_once` after a slot from the pacer; a rate-limit refusal is tried again
        (after the pacer's hold) up to ``rate_limit_attempts``, other transient failures of a
        read up to ``read_attempts`` (or ``attempts``).  Writes are never repeated otherwise."""
        tries = max(attempts, self.read_attempts) if method == "GET" else 1
        failures = refusals = 0
        while True:
            await self.pacer.acquire(priority)
            try:
                result = await self._request_once(method, path, scope, parse, params, json_body)
            except RateLimited as error:
                self.pacer.back_off(error.retry_after)
                refusals += 1
                if refusals >= self.rate_limit_attempts:
                    raise
                continue  # the pacer holds the next try back
            except ApiError as error:
                if error.status is not None:
                    self.pacer.succeeded()
                failures += 1
                if not (error.transient and failures < tries):
                    raise
                wait = retry_wait(error, failures, first=RETRY_FIRST_WAIT, cap=RETRY_MAX_WAIT, rng=self._rng)
            else:
                self.pacer.succeeded()
                return result
            await self._sleep(wait)

    async def _request_once(
        self,
        method: str,
        path: str,
        scope: str,
        parse: Callable[[dict[str, Any]], T],
        params: Mapping[str, object] | None,
        json_body: Any,
    ) -> T:
        endpoint = f"{API_PATH}/{path}"
        where = f"{method} {endpoint}"
        query = _wire_params(params or {})
        try:
            content = None if json_body is None else json.dumps(json_body, ensure_ascii=True, allow_nan=False)
        except ValueError:
            raise InvalidParameter(f"{where} cannot be sent: a value in it is not a JSON number.",
                                   endpoint=endpoint) from None
        return await answered(
            lambda: self._exchange(method, path, query, content, where, endpoint),
            lambda response, body: self._successful_body(response, body, scope, where, endpoint),
            parse, deadline=self.deadline, where=where, endpoint=endpoint, host=self.host, peer="server",
            one_line=self._one_line, hint_at_scheme=True,
        )

    async def _exchange(
        self, method: str, path: str, query: dict[str, str], content: str | None, where: str, endpoint: str
    ) -> tuple[httpx.Response, dict[str, Any] | None]:
        """Send the request; the answer, read as a stream and refused past the limit, as a
        JSON object (None when it is not one), with any echo of the token blanked."""
        limit = self.max_response_bytes
        headers = {"Content-Type": "application/json"} if content is not None else None
        request = self._http.build_request(method, path, params=query or None, content=content, headers=headers)
        response = await self._http.send(request, stream=True)
        too_large = (
            f"The server's answer to {where} is larger than {limit:,} bytes, the most Roost reads; "
            f"check that {self.host} is your EventLog Analyzer or Log360 server."
        )
        text = await read_text(response, limit, too_large_message=too_large, endpoint=endpoint)
        return response, json_object(redact(text, self._echo), self._echo, items_key="data")

    def _successful_body(
        self, response: httpx.Response, body: dict[str, Any] | None, scope: str, where: str, endpoint: str
    ) -> dict[str, Any]:
        error = _error_fields(body)
        if error is not None or not response.is_success:
            raise self._server_error(response, error, scope, where, endpoint)
        if body is None:
            raise ProtocolError(
                f"The server's answer to {where} was not a JSON object; check the server URL.",
                status=response.status_code,
                endpoint=endpoint,
            )
        if "data" not in body:
            raise ProtocolError(
                f'The server\'s answer to {where} has no "data"; check the server URL.',
                status=response.status_code,
                endpoint=endpoint,
            )
        return body

    def _server_error(
        self, response: httpx.Response, error: tuple[str, str, str] | None, scope: str, where: str, endpoint: str
    ) -> ApiError:
        """By the error's code and text first, then by HTTP status (or, with HTTP 200, by its title)."""
        code, title, detail = (self._one_line(part) for part in error) if error is not None else ("", "", "")
        status = response.status_code
        if error is not None and response.is_success:
            status = _STATUS_BY_TITLE.get(title.lower(), 400)
        said = detail or title
        context = {"status": response.status_code, "endpoint": endpoint}
        shown = f" ({said})" if said else f" (HTTP {status})"
        if status == 429 or _LIMIT_MESSAGE.search(said) or _LIMIT_MESSAGE.search(title):
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            wait = "a moment" if retry_after is None else f"{retry_after:.0f} s"
            return RateLimited(
                f"The server is limiting requests{shown} on {where}; Roost waits {wait} and slows down.",
                retry_after=retry_after,
                **context,
            )
        rejected_token = AuthError(
            f"The server rejected the API token{shown}. Check the token, or create a new AuthToken "
            "under Settings > Admin Settings > API Settings.",
            **context,
        )
        if code == _UNAUTHORIZED_CODE or status == 401:
            return rejected_token
        if status == 403 or _SCOPE_MESSAGE.search(said):
            return MissingScope(
                f"The server refused {where}{shown}: the AuthToken lacks the {scope} scope; "
                f"create a token with {scope} to do this.",
                scope=scope,
                **context,
            )
        if _AUTH_MESSAGE.search(said):
            return rejected_token
        if status in (404, 405) and endpoint.endswith(USERS_PATH):
            return NotFound(f"The server has no users list ({where}, HTTP {status}); "
                            "name users in the profile's users map.", **context)
        if status == 404 or _NOT_FOUND_MESSAGE.search(said):
            return NotFound(f"Not found{shown} on {where}: it may have been deleted on the server; refresh.",
                            **context)
        if status >= 500:
            return ServerError(f"The server failed on {where}{shown}; try again shortly.", **context)
        if error is not None:
            return InvalidParameter(f"The server refused {where}: {said or code or 'no detail'}.", **context)
        if 300 <= status < 400:
            return ProtocolError(
                f"The server answered {where} with a redirect (HTTP {status}); use the address it redirects to "
                "(https://, or the right port) in the profile.",
                **context,
            )
        return ProtocolError(
            f"The server answered {where} with HTTP {status} and no error it explains; check the server URL.",
            **context,
        )

    def _one_line(self, text: str) -> str:
        """Server text (hostile, like all incident data) fit for one line of an error message:
        no token, control and format characters made visible, bounded."""
        return clean(redact(text, self._echo), limit=_MESSAGE_WIDTH)


# -- wire helpers ---------------------------------------------------------------------


def _incident_id(key: str | int) -> int:
    """An incident key as the wire's integer; InvalidParameter for anything that is not one."""
    text = parse_id(key)
    if not text:
        raise InvalidParameter(f"{clean(to_text(key), 40)!r} is not a Log360 incident id (a number such as 3000000455681).")
    return int(text)


def _unique_ids(keys: Iterable[str | int]) -> list[int]:
    if isinstance(keys, (str, int)):
        keys = (keys,)
    seen: dict[int, None] = {}
    for key in keys:
        seen.setdefault(_incident_id(key), None)
    return list(seen)


def _assignee_value(value: str | int) -> int:
    """A user id, or -1 / "" / "-1" for nobody."""
    if value in (UNASSIGNED, str(UNASSIGNED)):
        return UNASSIGNED
    text = parse_id(value)
    if not text:
        raise InvalidParameter(f"{clean(to_text(value), 40)!r} is not a user id (-1 is unassigned).")
    return int(text)


def _enum(name: str, value: Any, normalise: Callable[[Any], str | None], allowed: tuple[str, ...]) -> str | None:
    if value is None or value == "":
        return None
    found = normalise(value)
    if found is None:
        raise InvalidParameter(f"The {name} must be one of {', '.join(allowed)}.")
    return found


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidParameter(f"The {name} must be text.")
    return value


def _wire_params(params: Mapping[str, object]) -> dict[str, str]:
    """Absent (None or empty) parameters are left out."""
    return {name: str(value) for name, value in params.items() if value is not None and value != ""}


def _error_fields(body: dict[str, Any] | None) -> tuple[str, str, str] | None:
    """(code, title, detail) of an error answer in any of its shapes; None for a success or no JSON.

    Wrapped ``{"error": {code, title, detail}}``; flat ``{code, title, detail}`` (no
    ``data``); the v1 connector's ``{ERROR_CODE, ERROR_DESCRIPTION}``; an ``error`` that
    is just a string.
    """
    if body is None:
        return None
    wrapped = body.get("error")
    if isinstance(wrapped, dict):
        return (to_text(wrapped.get("code")), to_text(wrapped.get("title")),
                to_text(wrapped.get("detail") or wrapped.get("message") or wrapped.get("ERROR_DESCRIPTION")))
    if isinstance(wrapped, str) and wrapped:
        return to_text(body.get("code")), "", wrapped
    if "ERROR_DESCRIPTION" in body or "ERROR_CODE" in body:
        return to_text(body.get("ERROR_CODE")), "", to_text(body.get("ERROR_DESCRIPTION"))
    if "data" not in body and "code" in body and ("title" in body or "detail" in body):
        return to_text(body.get("code")), to_text(body.get("title")), to_text(body.get("detail"))
    return None
