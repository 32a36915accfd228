"""Fakes for the Log360 client tests: a scripted server behind ``httpx.MockTransport`` that
records every request, the in-process emulator, a fake clock for the pacer, and every JSON
example of seed 003 and the spec, as published."""

from __future__ import annotations

import asyncio
import heapq
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Union

import httpx

from tui.backends.log360.client import Log360Client
from tui.backends.log360.pacer import Pacer
from tui.emulator.log360.app import create_app
from tui.emulator.log360.state import Log360State
from tui.emulator.log360.wire import load_saved

# Distinctive, so a leak anywhere is easy to find.
TOKEN = "1b3a5c7e9d0f2468ace13579bdf02468"
SERVER_URL = "http://log360.test"
SAMPLE = Path(__file__).resolve().parent.parent / "emulator" / "fixtures" / "log360-sample.json"
NOW = 1_750_000_000  # after every sample incident

Reply = Union[dict, httpx.Response, type[httpx.HTTPError], Callable[[httpx.Request], httpx.Response]]

# -- the documents' examples, verbatim (seed 003 and log360-incidents-api.md) ------------

SEED_GET = """{ "data": { "actors": [ { "entity": [ "dev-agent" ] }, { "suspect": [ "dev-agent\\\\n/a" ] } ], "notes": [ { "note": "Incident occurred during server upgrade.", "added_by": "gokul.sn+test", "time": "2025-03-31 16:12:17" } ], "evidence": [ { "severity": "information", "eventid": 40960, "incident_tab": "evidence", "formatted_message": "Downgrade Attacks. Subject: Security ID: S-1-5-21-2477490969-972611893-3386141825-500 Account Name: administrator Domain Name: ELANEW2017 Logon ID: 0x8D71B\\t9077 ", "type_of_evidence": "LOG", "_zl_timestamp": "2025-03-31 16:12:17", "hosttype": "windows", "incident_added_by": "gokul.sn+test", "img_class": "fw-icon fw-icn-login-user", "log_org_time": "2025-03-31 15:30:00", "source": "lsasrv", "message": "Downgrade Attacks. Subject: Security ID: S-1-5-21-2477490969-972611893-3386141825-500 Account Name: administrator Domain Name: ELANEW2017 Logon ID: 0x8D71B\\t9077 ", "type": "security", "incident_uuid": "5a98433b-ebde-4920-825e-3c00ca5f7ecc_objectidcustom_logs", "source_ip": "1.4.0.0", "hostname": "dev-agent", "is_threshold_incident": false, "log_obtained_from": "REPORT", "category": "downgrade attacks", "username": "n/a", "incident_time": "2025-03-31 16:12:17" } ], "activity": [ { "activity": "Incident Notes Added", "description": "Notes added to DOS Attack Incident by gokul.sn+test.", "time": "2025-03-31 16:12:17" }, { "activity": "Incident Updated", "description": "New evidence added to DOS Attack Incident by gokul.sn+test.", "time": "2025-03-31 16:12:17" }, { "activity": "Incident Created", "description": "DOS Attack Incident incident has been created successfully by gokul.sn+test.", "time": "2025-03-31 16:12:17" } ] } }"""
# The seed elides the rest of the list with a bare "..." string item.
SEED_LIST = """{ "data": [ { "severity": "Critical", "created_time": "2025-03-31 16:12:10", "incident_id": 3000000455681, "assign_to": -1, "due_date": "2025-04-02 00:00:00", "incident_description": "The collection of reports with Downgrade Attacks.", "incident_name": "DOS Attack Incident", "created_by": "user001", "status": "Open" }, "..." ], "meta": { "per_page": 100, "total_pages": 2, "total_items": 152 } }"""
SEED_CREATED = """{ "data": { "incident_id": 3000000438284, "message": "Incident has been created successfully." } }"""
SEED_UPDATED = """{ "data": { "message": "Incident has been updated successfully." } }"""
SEED_DELETED = """{ "data": { "message": "Incident has been deleted successfully." } }"""
SEED_UNAUTHORIZED = """{ "code": "07001113", "title": "Unauthorized", "detail": "Invalid or missing AuthToken. Check whether the AuthToken is not revoked or expired" }"""
SEED_BAD_REQUEST = """{ "error": { "code": "07001110", "title": "Bad Request", "detail": "Something went wrong." } }"""
SEED_CREATE_BODY = """{ "name": "test", "description": "test description", "severity": "trouble", "status": "open", "assignee": -1, "due_date": "2027-10-03 10:30:00", "notes": [ "adding a test note" ], "evidence": [ "dd34449f-47ae-433b-94b9-7bfddba1ab0c_objectidcustom_logs" ], "source": "report" }"""
SEED_UPDATE_BODY = """{ "incident_id": 3000000438278, "name": "test", "description": "test description", "severity": "trouble", "status": "open", "assignee": -1, "due_date": "2027-10-03 10:30:00", "notes": [ "adding a test note" ], "evidence": [], "source": "" }"""
SEED_DELETE_BODY = """{ "incident_ids": [ 3000000438278 ] }"""

# The spec's §2.2 example, with its placeholders.
SPEC_GET = """{
  "data": {
    "actors": [
      { "entity": ["<host>"] },
      { "suspect": ["<host>\\\\n/a"] }
    ],
    "notes": [
      { "note": "<text>", "added_by": "<user>", "time": "2025-03-31 16:12:17" }
    ],
    "evidence": [
      {
        "severity": "information",
        "eventid": 40960,
        "incident_tab": "evidence",
        "formatted_message": "<message>",
        "type_of_evidence": "LOG",
        "_zl_timestamp": "2025-03-31 16:12:17",
        "hosttype": "windows",
        "incident_added_by": "<user>",
        "img_class": "fw-icon fw-icn-login-user",
        "log_org_time": "2025-03-31 15:30:00",
        "source": "lsasrv",
        "message": "<message>",
        "type": "security",
        "incident_uuid": "<uuid>_objectidcustom_logs",
        "source_ip": "1.4.0.0",
        "hostname": "<host>",
        "is_threshold_incident": false,
        "log_obtained_from": "REPORT",
        "category": "downgrade attacks",
        "username": "n/a",
        "incident_time": "2025-03-31 16:12:17"
      }
    ],
    "activity": [
      { "activity": "Incident Notes Added", "description": "<text>", "time": "2025-03-31 16:12:17" },
      { "activity": "Incident Updated", "description": "<text>", "time": "2025-03-31 16:12:17" },
      { "activity": "Incident Created", "description": "<text>", "time": "2025-03-31 16:12:17" }
    ]
  }
}"""
SPEC_LIST = """{
  "data": [
    {
      "severity": "Critical",
      "created_time": "2025-03-31 16:12:10",
      "incident_id": 3000000455681,
      "assign_to": -1,
      "due_date": "2025-04-02 00:00:00",
      "incident_description": "The collection of reports with Downgrade Attacks.",
      "incident_name": "DOS Attack Incident",
      "created_by": "user001",
      "status": "Open"
    }
  ],
  "meta": { "per_page": 100, "total_pages": 2, "total_items": 152 }
}"""
SPEC_CREATED = """{ "data": { "incident_id": 3000000438284, "message": "Incident has been created successfully." } }"""
# §6.11: the v1 connector's error shape.
LEGACY_ERROR = """{ "ERROR_CODE": "10001", "ERROR_DESCRIPTION": "Invalid API key" }"""


def doc(text: str) -> dict[str, Any]:
    return json.loads(text)


# -- a scripted server --------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: httpx.Headers
    url: str
    body: str

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class RecordingServer:
    """Answers requests with the queued replies, in order, and records each request.

    A reply is a JSON object (sent with HTTP 200), a string (a JSON text sent with HTTP 200),
    an ``httpx.Response``, a callable taking the request, or an httpx exception class,
    raised carrying the request (and so the token header) as httpx's own exceptions do.
    """

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self._replies: list[Any] = []

    def reply(self, *replies: Any) -> RecordingServer:
        self._replies.extend(replies)
        return self

    @property
    def last(self) -> Sent:
        return self.sent[-1]

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._handle)

    def client(self, **options: Any) -> Log360Client:
        options.setdefault("allow_http", True)
        options.setdefault("timezone", "UTC")
        options.setdefault("pacer", free_pacer())
        return Log360Client(SERVER_URL, TOKEN, transport=self.transport(), **options)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        body = request.read().decode()
        self.sent.append(Sent(request.method, request.url.path, dict(request.url.params), request.headers,
                              str(request.url), body))
        assert self._replies, f"unexpected request {request.method} {request.url.path}"
        reply = self._replies.pop(0)
        if isinstance(reply, dict):
            return httpx.Response(200, json=reply)
        if isinstance(reply, str):
            return httpx.Response(200, text=reply, headers={"Content-Type": "application/json"})
        if isinstance(reply, httpx.Response):
            return reply
        if isinstance(reply, type) and issubclass(reply, httpx.HTTPError):
            raise reply("simulated failure", request=request)
        return reply(request)


def answer(status: int, **kwargs: Any) -> Callable[[httpx.Request], httpx.Response]:
    """A reply built per request (httpx responses are not reusable)."""
    return lambda request: httpx.Response(status, **kwargs)


def free_pacer() -> Pacer:
    """A pacer that never holds back in a test of something else (no waits, no sleeps)."""
    async def no_sleep(seconds: float) -> None:
        await asyncio.sleep(0)

    return Pacer(limit=10_000, reserved=0, sleep=no_sleep)


# -- the emulator --------------------------------------------------------------------------


def sample_state() -> Log360State:
    state = Log360State(lambda: NOW)
    load_saved(state, json.loads(SAMPLE.read_text()))
    return state


def emulator_client(state: Log360State, **options: Any) -> Log360Client:
    app_options = {key: options.pop(key) for key in list(options) if key in (
        "rate_limit", "scopes", "read_only_token", "in_progress_spelling", "error_style", "always_200",
        "not_found_status", "limit_clock", "limit_over_max")}
    app_options.setdefault("rate_limit", False)
    token = options.pop("token", TOKEN)
    app = create_app(state, TOKEN, **app_options)
    options.setdefault("allow_http", True)
    options.setdefault("timezone", "UTC")
    options.setdefault("pacer", free_pacer())
    return Log360Client(SERVER_URL, token, transport=httpx.ASGITransport(app=app), **options)


# -- a fake clock for the pacer ------------------------------------------------------------


class FakeTime:
    """A clock and a sleep for the pacer: sleepers wake in time order, and ``run`` moves the
    clock to the next wake-up only when every task is waiting."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = 0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._order += 1
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), self._order, future))
        await future

    async def settle(self) -> None:
        for _ in range(30):
            await asyncio.sleep(0)

    async def advance_to(self, moment: float) -> None:
        """Run every task, waking sleepers in order, up to ``moment``."""
        await self.settle()
        while self._sleepers and self._sleepers[0][0] <= moment:
            wake, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, wake)
            if not future.done():
                future.set_result(None)
            await self.settle()
        self.now = max(self.now, moment)
        await self.settle()

    async def run(self, tasks: list[asyncio.Task[Any]], *, limit: float = 100_000.0) -> None:
        """Until every task is done, waking sleepers in order (``limit``: a deadlock guard)."""
        await self.settle()
        while not all(task.done() for task in tasks):
            assert self._sleepers, "every task waits and nobody sleeps: deadlock"
            wake, _, future = heapq.heappop(self._sleepers)
            assert wake <= limit, "the fake clock ran past its limit"
            self.now = max(self.now, wake)
            if not future.done():
                future.set_result(None)
            await self.settle()
