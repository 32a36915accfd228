"""Shared pieces for the emulator tests: a fixed clock, a small known console, an in-process client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, AsyncIterator

import httpx
import pytest

from tui.emulator.canary import timefmt
from tui.emulator.canary.app import create_app
from tui.emulator.canary.state import FEED_LABELS, Canarytoken, ConsoleState, Device
from tui.emulator.canary.wire import feed_response

NOW = 1_700_000_000  # 2023-11-14 22:13:20 UTC
TOKEN = "test-token-0123456789"
READ_ONLY_TOKEN = "read-only-token-abcdef"
AUTH = {"X-Canary-Auth-Token": TOKEN}
BIRD = "00000000aaaa0001"
OTHER_BIRD = "00000000bbbb0002"
AWS_TOKEN = "abcdefghijklmnopqrstuvwxy"
FINANCE = "flock:finance"
FIXTURES = Path(__file__).parent / "fixtures"


def fixture_json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def dump_feed(state: ConsoleState) -> dict[str, Any]:
    """Every incident of ``state``, shaped as an unpaginated ``GET /incidents/all`` response."""
    return feed_response(FEED_LABELS["all"], state.records(), state.now(), tz=timefmt.UTC, event_limit=None, shrink=False)


def small_console() -> ConsoleState:
    """Two birds in two flocks, one token, and five incidents with known times and sources.

    The first bird runs SSH, Telnet and HTTP (its settings say so); the other is dead.

    Created in this order: ssh (1.1.1.1, bird, 3 events), telnet (2.2.2.2, bird),
    token hit, ftp (1.1.1.1, other bird, Finance), http login (3.3.3.3, bird).
    The telnet one is then acknowledged, which gives it updated_id 6.
    """
    state = ConsoleState(clock=lambda: NOW)
    state.add_flock(FINANCE, "Finance")
    state.add_device(Device(BIRD, "fs-nyc-01", ip_address="10.0.0.5", mac_address="00:0c:29:00:00:01",
                            location="NYC server room", first_seen=NOW - 90 * 86400, booted=NOW - 86400,
                            services=(4002, 6001, 3001)))
    state.add_device(Device(OTHER_BIRD, "sql-fin-01", flock_id=FINANCE, ip_address="10.0.1.7", live=False,
                            first_seen=NOW - 30 * 86400, last_seen=NOW - 3600, booted=NOW - 7200))
    state.add_token(Canarytoken(AWS_TOKEN, "aws-id", "AWS keys on build-07"))
    ssh_events = [{"USERNAME": "root", "PASSWORD": f"pw{i}", "timestamp": NOW - 5000 + i} for i in range(3)]
    state.add_incident(logtype=4002, node_id=BIRD, created=NOW - 5000, src_host="1.1.1.1", src_port=40000,
                       dst_port=22, src_host_reverse="scanner.example.net", events=ssh_events)
    telnet = state.add_incident(logtype=6001, node_id=BIRD, created=NOW - 4000, src_host="2.2.2.2", dst_port=23,
                                events=[{"USERNAME": "admin", "PASSWORD": "admin", "timestamp": NOW - 4000}])
    state.add_incident(logtype=17012, node_id=AWS_TOKEN, created=NOW - 3000, dst_host="52.18.63.80",
                       events=[{"canarytoken": AWS_TOKEN, "type": "aws-id", "timestamp": NOW - 3000}])
    state.add_incident(logtype=2000, node_id=OTHER_BIRD, created=NOW - 2000, src_host="1.1.1.1", dst_port=21,
                       events=[{"USERNAME": "ftp", "PASSWORD": "ftp", "timestamp": NOW - 2000}])
    state.add_incident(logtype=3001, node_id=BIRD, created=NOW - 1000, src_host="3.3.3.3", dst_port=80,
                       events=[{"USERNAME": "a", "PASSWORD": "b", "timestamp": NOW - 1000}])
    state.acknowledge(telnet)
    return state


def client_for(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console.test")


@pytest.fixture
def console() -> ConsoleState:
    return small_console()


@pytest.fixture
def app(console: ConsoleState):
    return create_app(console, TOKEN, read_only_token=READ_ONLY_TOKEN)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http:
        yield http
