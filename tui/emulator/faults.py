"""Fault injection for client tests: what a console behind a proxy, or on a bad day, does.

Not Thinkst behaviour (the console documents no rate limit): these are the
failures a client must survive.  A ``FaultPlan`` gives each fault class a rate;
``FaultInjector`` wraps the ASGI app and, request by request, picks at most one
fault with a seeded RNG.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Mapping, MutableMapping

import httpx
from starlette.responses import HTMLResponse, Response

from .responses import console_error

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

FAULT_CLASSES = ("429", "500", "502", "503", "slow", "timeout", "truncated", "nonjson", "drop")

_PROXY_ERROR_PAGE = (
    "<html>\r\n<head><title>{status}</title></head>\r\n<body>\r\n"
    "<center><h1>{status}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


@dataclass(frozen=True)
class FaultPlan:
    """How often each fault class happens (rates 0..1, summing to at most 1).

    ``paths``: URL path prefixes the faults apply to.  ``retry_after``: seconds
    sent with 429 and 503.  ``slow_seconds``: range of the added latency of a
    slow response.  ``hang_seconds``: how long a timeout hangs before answering
    (longer than any sensible client timeout).
    """

    rates: Mapping[str, float] = field(default_factory=dict)
    seed: int | None = None
    paths: tuple[str, ...] = ("/api/v1/",)
    retry_after: int = 2
    slow_seconds: tuple[float, float] = (1.0, 3.0)
    hang_seconds: float = 30.0

    def __post_init__(self) -> None:
        for name, rate in self.rates.items():
            if name not in FAULT_CLASSES:
                raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULT_CLASSES)} (or all)")
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault rate for {name} must be between 0 and 1, not {rate}")
        total = sum(self.rates.values())
        if total > 1.0 + 1e-9:
            raise ValueError(f"fault rates add up to {total:g}; they must add up to at most 1")

    @classmethod
    def parse(cls, spec: str, **options: Any) -> FaultPlan:
        """A plan from ``"429=0.05,500=0.02,slow=0.1"``; ``all=0.1`` spreads 10% over every class.

        Explicit classes override their share of ``all``.  Raises ValueError
        with a message fit for a command line.
        """
        rates: dict[str, float] = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            name, equals, value = (text.strip() for text in item.partition("="))
            if not equals:
                raise ValueError(f"fault {item!r} has no rate; write it as NAME=RATE, e.g. 429=0.05")
            try:
                rate = float(value)
            except ValueError:
                raise ValueError(f"fault rate {value!r} for {name} is not a number") from None
            if name in rates:
                raise ValueError(f"fault {name} is given twice")
            rates[name] = rate
        spread = rates.pop("all", None)
        if spread is not None:
            if not 0.0 <= spread <= 1.0:
                raise ValueError(f"fault rate for all must be between 0 and 1, not {spread}")
            rates = {name: spread / len(FAULT_CLASSES) for name in FAULT_CLASSES} | rates
        return cls(rates=rates, **options)

    def applies_to(self, path: str) -> bool:
        return path.startswith(self.paths)

    def choose(self, rng: random.Random) -> str | None:
        roll = rng.random()
        for name in FAULT_CLASSES:
            roll -= self.rates.get(name, 0.0)
            if roll < 0:
                return name
        return None


class _BufferedRequest:
    """The request body read up front, so that waiting for a disconnect cannot steal it from the app.

    At most ``limit`` bytes (and one message more) are held: the app reads the
    rest itself, and refuses a body that large anyway.
    """

    def __init__(self, receive: Receive, limit: int) -> None:
        self._receive = receive
        self._limit = limit
        self._pending: list[Message] = []
        self.disconnected = False

    async def read_body(self) -> None:
        buffered = 0
        while True:
            message = await self._receive()
            self._pending.append(message)
            if message["type"] == "http.disconnect":
                self.disconnected = True
            buffered += len(message.get("body", b""))
            if message["type"] != "http.request" or not message.get("more_body") or buffered > self._limit:
                return

    async def replay(self) -> Message:
        return self._pending.pop(0) if self._pending else await self._receive()

    async def wait_for_disconnect(self) -> None:
        while not self.disconnected:
            self.disconnected = (await self._receive())["type"] == "http.disconnect"


class FaultInjector:
    """ASGI wrapper: adds ``latency_ms`` to every response and applies the plan's faults.

    ``max_buffered_body``: how much of a request body it holds while it waits.
    """

    def __init__(self, app: ASGIApp, plan: FaultPlan | None = None, latency_ms: int = 0, *,
                 max_buffered_body: int = 1024 * 1024) -> None:
        self.app = app
        self.plan = plan
        self.latency_ms = latency_ms
        self.max_buffered_body = max_buffered_body
        self._rng = random.Random(plan.seed if plan else None)
        self._waits: set[asyncio.Task[None]] = set()
        self._released = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        plan = self.plan if self.plan and self.plan.applies_to(scope["path"]) else None
        fault = plan.choose(self._rng) if plan else None
        if fault is None and not self.latency_ms:
            await self.app(scope, receive, send)
            return
        request = _BufferedRequest(receive, self.max_buffered_body)
        await request.read_body()
        if not await self._pause(self.latency_ms / 1000, request):
            return
        if plan is None or fault is None:
            await self.app(scope, request.replay, send)
        else:
            await self._apply(plan, fault, scope, request, send)

    def release_waiting_requests(self) -> None:
        """End every pause now and answer at once: called from the server's loop when it stops."""
        self._released = True
        for wait in self._waits:
            wait.cancel()

    async def _apply(self, plan: FaultPlan, fault: str, scope: Scope, request: _BufferedRequest,
                     send: Send) -> None:
        if fault == "truncated":
            await self._send_truncated(scope, request, send)
        elif fault == "drop":
            await _drop_connection(request, send)
        elif fault in ("slow", "timeout"):
            seconds = self._rng.uniform(*plan.slow_seconds) if fault == "slow" else plan.hang_seconds
            if await self._pause(seconds, request):
                await self.app(scope, request.replay, send)
        else:
            await self.error_response(plan, fault)(scope, request.replay, send)

    def error_response(self, plan: FaultPlan, fault: str) -> Response:
        """The answer to an injected 429, 500, 502, 503 or non-JSON fault; a console with its own
        error shape (Log360) overrides it for the faults that shape covers."""
        if fault in ("429", "503"):
            message = "Rate limit exceeded" if fault == "429" else "Service temporarily unavailable"
            return _error(int(fault), message, retry_after=plan.retry_after)
        if fault == "500":
            return _error(500, "Internal server error")
        # A proxy's 502 page, or ("nonjson") an HTML page where JSON was due.
        return _proxy_page(502 if fault == "502" else self._rng.choice((200, 502)))

    async def _pause(self, seconds: float, request: _BufferedRequest) -> bool:
        """Wait ``seconds``, less if the client goes away; whether the client is still there."""
        if seconds <= 0 or self._released:
            return not request.disconnected
        wait = asyncio.ensure_future(asyncio.sleep(seconds))
        watch = asyncio.ensure_future(request.wait_for_disconnect())
        self._waits.add(wait)
        try:
            await asyncio.wait({wait, watch}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._waits.discard(wait)
            for task in (wait, watch):
                task.cancel()
            await asyncio.gather(wait, watch, return_exceptions=True)
        return not request.disconnected

    async def _send_truncated(self, scope: Scope, request: _BufferedRequest, send: Send) -> None:
        """The app's real answer, status and all, cut short with a matching Content-Length.

        The client gets a complete HTTP response whose body is not valid JSON.
        """
        messages: list[Message] = []

        async def keep(message: Message) -> None:
            messages.append(message)

        await self.app(scope, request.replay, keep)
        start = messages[0]
        body = b"".join(message.get("body", b"") for message in messages[1:])
        # Short of the last character that is not white space: bodies end with a newline, and a
        # cut that takes only that would leave the JSON whole.
        content_end = len(body.rstrip())
        cut = body[: self._rng.randint(1, max(1, content_end - 1))]
        headers = [(name, value) for name, value in start["headers"] if name.lower() != b"content-length"]
        await send({**start, "headers": [*headers, (b"content-length", str(len(cut)).encode())]})
        await send({"type": "http.response.body", "body": cut, "more_body": False})


def _error(status: int, message: str, *, retry_after: int | None = None) -> Response:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return console_error(message, status, headers=headers)


def _proxy_page(status: int) -> Response:
    title = "200 OK" if status == 200 else "502 Bad Gateway"
    return HTMLResponse(_PROXY_ERROR_PAGE.format(status=title), status_code=status)


async def _drop_connection(request: _BufferedRequest, send: Send) -> None:
    """Close the connection without answering.

    Under uvicorn, ``send`` is a method of the connection's request cycle, which
    holds the socket's transport: abort it (a reset, no response), then wait
    until uvicorn has noticed so it does not try to answer for us.  In-process
    (httpx.ASGITransport) there is no socket: raise the error httpx raises when
    a server hangs up, which the transport passes to the client as it is.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
    transport.abort()
    await request.wait_for_disconnect()
