"""Hardening every backend's HTTP client shares: the token, bounded answers, echo blanking, typed failures.

Only what is the same for every server lives here; what a product words or shapes its
own way (error bodies, the auth header, limits, messages) stays in its backend.  No
Textual, no backend package: any client may import it.
"""

from __future__ import annotations

import asyncio
import json
import re
import ssl
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Awaitable, Callable, Iterable, TypeVar

import httpx

from .. import __version__
from ..secret import MASK, Secret
from .errors import (
    ApiError, ConfigError, ConnectionFailed, ConsoleTimeout, DeadlineExceeded, InvalidParameter, ProtocolError,
    ResponseTooLarge,
)
from .values import ShapeError

T = TypeVar("T")
#: An exchange's answer: the response and its body as a JSON object (None when it is not one).
Exchanged = tuple[httpx.Response, "dict[str, Any] | None"]

# Real answers nest about five levels (page, item, events or evidence, record, value).
# A deeper item is unreadable: whatever renders, exports or archives it later, on a
# deeper stack than here, would hit the interpreter's recursion limit.
MAX_NESTING = 100

_TIMEOUT_PHASES: dict[type[httpx.TimeoutException], str] = {
    httpx.ConnectTimeout: "connecting",
    httpx.ReadTimeout: "waiting for the answer",
    httpx.WriteTimeout: "sending the request",
    httpx.PoolTimeout: "waiting for a free connection",
}


def checked_token(token: Secret | str, *, missing: str) -> Secret:
    """The token, stripped, fit for a header; ConfigError ``missing`` when there is none."""
    value = (token.reveal() if isinstance(token, Secret) else token or "").strip()
    if not value:
        raise ConfigError(missing)
    # A header cannot carry spaces or control characters, and h11 quotes a bad value in its error.
    if not all("!" <= char <= "~" for char in value):
        raise ConfigError("The API token has spaces or control characters in it; copy it again from the console.")
    return Secret(value)


def hardened_client(
    base_url: str,
    auth: httpx.Auth,
    *,
    transport: httpx.AsyncBaseTransport | None,
    timeout: httpx.Timeout | float,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    """One keep-alive HTTP/1.1 client for the API root ``base_url`` that sends ``auth`` nowhere else."""
    return httpx.AsyncClient(
        base_url=f"{base_url}/",
        auth=auth,
        transport=transport,
        timeout=timeout,
        verify=verify,
        http1=True,
        http2=False,
        # A redirect would carry the token header to wherever it points.
        follow_redirects=False,
        # No proxy from the environment may see a token sent over plain (loopback or on-premises) http.
        trust_env=base_url.startswith("https://"),
        headers={"User-Agent": f"roost/{__version__}", "Accept": "application/json"},
    )


def transport_error(
    exc: httpx.HTTPError, *, where: str, endpoint: str, host: str, peer: str,
    one_line: Callable[[str], str], hint_at_scheme: bool = False,
) -> ApiError:
    """An httpx failure as our own error; httpx's message and request are left behind.

    ``peer`` names the other end in the message ("console", "server"); ``one_line`` makes
    httpx's text safe to show.  ``hint_at_scheme``: a TLS failure to connect suggests
    https was used where the server speaks plain http (or the reverse).
    """
    if isinstance(exc, httpx.TimeoutException):
        phase = _TIMEOUT_PHASES.get(type(exc), "waiting for the answer")
        return ConsoleTimeout(
            f"Timed out {phase} on {where} at {host}; the {peer} may be slow or unreachable.", endpoint=endpoint
        )
    if isinstance(exc, httpx.DecodingError):
        return ProtocolError(f"The {peer}'s answer to {where} could not be decoded.", endpoint=endpoint)
    reason = one_line(str(exc)) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        tls = "ssl" in reason.lower() or "tls" in reason.lower()
        hint = " (is it https or plain http?)" if hint_at_scheme and tls else ""
        return ConnectionFailed(
            f"Could not connect to {host} ({reason}); check the {peer} address{hint} and the network.",
            endpoint=endpoint,
        )
    return ConnectionFailed(f"The connection to {host} failed during {where} ({reason}).", endpoint=endpoint)


async def answered(
    exchange: Callable[[], Awaitable[Exchanged]],
    check: Callable[[httpx.Response, "dict[str, Any] | None"], dict[str, Any]],
    parse: Callable[[dict[str, Any]], T],
    *, deadline: float, where: str, endpoint: str, host: str, peer: str, one_line: Callable[[str], str],
    hint_at_scheme: bool = False,
) -> T:
    """One request's parsed answer, or one typed error: ``exchange`` sends it and reads the
    answer within ``deadline`` seconds, ``check`` refuses what the product calls an error,
    ``parse`` reads the rest (ShapeError: not the documented shape).  ``peer`` and
    ``hint_at_scheme`` as for ``transport_error``."""
    try:
        async with asyncio.timeout(deadline):
            response, body = await exchange()
    except TimeoutError:
        failure: ApiError = DeadlineExceeded(
            f"No complete answer to {where} from {host} within {deadline:g} s; "
            f"the {peer} or the network is too slow: try again later.",
            endpoint=endpoint,
        )
    except httpx.HTTPError as exc:
        failure = transport_error(exc, where=where, endpoint=endpoint, host=host, peer=peer, one_line=one_line,
                                  hint_at_scheme=hint_at_scheme)
    except UnicodeEncodeError:
        # A key or value holding a lone surrogate cannot go into a URL or a body.
        failure = InvalidParameter(f"{where} cannot be sent: a value in it is not valid text.", endpoint=endpoint)
    else:
        checked = check(response, body)
        try:
            return parse(checked)
        except ShapeError as exc:
            failure = ProtocolError(f"The {peer}'s answer to {where} is not the documented shape ({exc}).",
                                    status=response.status_code, endpoint=endpoint)
    # Raised outside the except blocks so the error has no __context__: httpx's exception
    # holds the request, and the request holds the token header.
    raise failure


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either delay-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):  # whatever the date parser trips on, the header is just unreadable
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


# -- bounded answers ------------------------------------------------------------------


def declared_length(response: httpx.Response) -> int:
    """The Content-Length header as a number; 0 when absent or not one."""
    value = response.headers.get("Content-Length", "")
    return int(value) if value.isascii() and value.isdigit() else 0


async def read_text(response: httpx.Response, limit: int, *, too_large_message: str, endpoint: str) -> str:
    """The body of a streamed ``response`` as text (bytes that do not decode replaced), the
    response closed; ResponseTooLarge when it is, or says it is, larger than ``limit`` bytes."""
    try:
        too_large = declared_length(response) > limit
        received = bytearray()
        if not too_large:
            async for chunk in response.aiter_bytes():  # decompressed: a gzip bomb is caught too
                received += chunk
                if len(received) > limit:
                    too_large = True
                    break
    finally:
        await response.aclose()
    if too_large:
        # Unredacted bytes must not ride along in the traceback's frames (crash reports print locals).
        del received
        raise ResponseTooLarge(too_large_message, limit=limit, status=response.status_code, endpoint=endpoint)
    return received.decode(response.encoding or "utf-8", errors="replace")


def json_object(
    text: str, echo: Secret | None, *, items_key: str, fallback: Callable[[str], Any] | None = None,
    decode: Callable[[str], Any] | None = None,
) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not one (HTML, truncated, a list, too deep).

    Raw control characters inside strings are taken as they are (attackers type them;
    display escapes them).  ``decode`` stands in for ``json.loads`` (giving None for what it
    cannot read); ``fallback`` decodes what ``json.loads`` refuses, if anything can.  An item
    of the ``items_key`` list nested past ``MAX_NESTING`` becomes None (the
    page's parser counts it unreadable), so it costs only itself.  ``text`` has had
    ``echo`` blanked; decoding an escape may reveal another, so decoded strings are
    blanked too.
    """
    try:
        body = json.loads(text, strict=False) if decode is None else decode(text)
    except (ValueError, RecursionError):
        body = fallback(text) if fallback is not None else None
    if not isinstance(body, dict):
        return None
    items = body.get(items_key)
    if isinstance(items, list):
        body[items_key] = []  # in place, so the keys keep their order
    readable = nests_within(body, MAX_NESTING)
    if isinstance(items, list):
        body[items_key] = [item if nests_within(item, MAX_NESTING) else None for item in items]
    if not readable:
        return None
    # Every decoded string is a piece of ``text`` (already blanked) unless an escape made
    # one of the token's characters: only then can an echo hide, and the walk is needed.
    if echo is not None and escapes_any_of(text, echo.reveal()):
        redact_decoded(body, echo.reveal())
    return body


def nests_within(value: Any, limit: int) -> bool:
    """Whether ``value`` nests at most ``limit`` containers deep (a scalar is 0, ``[]`` is 1).

    A loop, not recursion: it must not fail on the nesting it is there to measure.
    """
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if type(node) is dict:
            children: Iterable[Any] = node.values()
        elif type(node) is list:
            children = node
        else:
            continue
        if depth > limit:
            return False
        for child in children:
            if type(child) is dict or type(child) is list:  # json makes exactly these
                pending.append((child, depth + 1))
    return True


# -- an echoed token ------------------------------------------------------------------

# A JSON escape that decodes to a character a token could hold (\n, \t and the like cannot).
_PRINTABLE_ESCAPE = re.compile(r'\\(?:u([0-9a-fA-F]{4})|(["\\/]))')


def escapes_any_of(text: str, token: str) -> bool:
    """Whether ``text`` holds a JSON escape of one of ``token``'s characters.

    Non-ASCII data arrives as ``\\uXXXX`` escapes on almost every page; an ASCII token
    can only hide behind the rare escape of an ASCII character, so most pages need no
    second walk over everything decoded (it costs as much as decoding).
    """
    if not token.isascii():
        return "\\" in text  # surrogate pairs and the like: assume it may
    characters = set(token)
    for escape in _PRINTABLE_ESCAPE.finditer(text):
        code, literal = escape.groups()
        if (chr(int(code, 16)) if code else literal) in characters:
            return True
    return False


def redact_decoded(root: dict[str, Any], needle: str) -> None:
    """Blank ``needle`` in every string inside ``root``, dict keys too, in place.

    ``root`` nests within ``MAX_NESTING`` (checked first), so the list of pending
    containers stays small.
    """
    pending: list[dict[str, Any] | list[Any]] = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if any(needle in key for key in node):
                renamed = {key.replace(needle, MASK): value for key, value in node.items()}
                node.clear()
                node.update(renamed)
            entries: Iterable[tuple[Any, Any]] = node.items()
        else:
            entries = enumerate(node)
        for place, value in entries:
            if isinstance(value, str):
                if needle in value:
                    node[place] = value.replace(needle, MASK)
            elif isinstance(value, (dict, list)):
                pending.append(value)
