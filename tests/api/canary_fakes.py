"""A scripted Canary console behind ``httpx.MockTransport`` that records every request,
and the documentation's JSON examples (tests/fixtures/canary) as fixtures."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Union
from urllib.parse import parse_qsl

import httpx

from tui.backends.canary.client import CanaryClient

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "canary"
# Distinctive, so a leak anywhere is easy to find.
TOKEN = "c0ffee15ca1ab1e5ec7e7d0c7e5a1c0d"
CONSOLE_URL = "http://console.test"

# The docs elide list items with "..." and leave trailing commas: repair both.
_ELISION = re.compile(r"^\s*\.\.\.\s*$", re.MULTILINE)
_TRAILING_COMMA = re.compile(r",(\s*[\]}])")

Reply = Union[dict, httpx.Response, type[httpx.HTTPError], Callable[[httpx.Request], httpx.Response]]


def doc_text(name: str) -> str:
    """A documentation example exactly as published."""
    return (FIXTURES / name).read_text()


def doc_json(name: str) -> dict[str, Any]:
    """A documentation example as the valid JSON it was meant to be."""
    return json.loads(_TRAILING_COMMA.sub(r"\1", _ELISION.sub("", doc_text(name))))


@dataclass(frozen=True)
class Sent:
    """One request as the console saw it."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: httpx.Headers
    url: str
    body: str


class RecordingConsole:
    """Answers requests with the queued replies, in order, and records each request.

    A reply is a JSON object (sent with HTTP 200), an ``httpx.Response``, a callable
    taking the request, or an httpx exception class, raised carrying the request (and
    so the token header) as httpx's own exceptions do.
    """

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self._replies: list[Reply] = []

    def reply(self, *replies: Reply) -> RecordingConsole:
        self._replies.extend(replies)
        return self

    @property
    def last(self) -> Sent:
        return self.sent[-1]

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._handle)

    def client(self) -> CanaryClient:
        return CanaryClient(CONSOLE_URL, TOKEN, transport=self.transport())

    def _handle(self, request: httpx.Request) -> httpx.Response:
        body = request.read().decode()
        self.sent.append(
            Sent(
                method=request.method,
                path=request.url.path,
                query=dict(request.url.params),
                form=dict(parse_qsl(body)),
                headers=request.headers,
                url=str(request.url),
                body=body,
            )
        )
        assert self._replies, f"unexpected request {request.method} {request.url.path}"
        reply = self._replies.pop(0)
        if isinstance(reply, dict):
            return httpx.Response(200, json=reply)
        if isinstance(reply, httpx.Response):
            return reply
        if isinstance(reply, type) and issubclass(reply, httpx.HTTPError):
            raise reply("simulated failure", request=request)
        return reply(request)
