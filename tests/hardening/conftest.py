"""Hardening tests run in a home of their own: no real config, token, cache or state is read or written.

Helpers to make the in-process console fail on purpose.
"""

from __future__ import annotations

import asyncio
import functools

import httpx
import pytest
from starlette.applications import Starlette

from tui.emulator.faults import FaultInjector, FaultPlan


@pytest.fixture(autouse=True)
def private_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("CONFIG", "CACHE", "DATA", "STATE"):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(home / name.lower()))
    for name in ("ROOST_CONFIG", "CANARY_API_DOMAIN", "CANARY_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return home


class DeadlineTransport(httpx.ASGITransport):
    """The in-process transport, keeping the client's read timeout as a socket transport does."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        seconds = request.extensions.get("timeout", {}).get("read")
        try:
            return await asyncio.wait_for(super().handle_async_request(request), seconds)
        except asyncio.TimeoutError:
            raise httpx.ReadTimeout("timed out", request=request) from None


def fail_next(emulator: Starlette, fault: str, path: str, times: int = 1) -> None:
    """The next ``times`` requests to ``path`` (a prefix) meet ``fault``; others go on as before."""
    answer = functools.partial(Starlette.__call__, emulator)
    before = emulator.state.fault_injector or answer
    injector = FaultInjector(answer, FaultPlan({fault: 1.0}, retry_after=0, slow_seconds=(0.01, 0.02)))
    remaining = times

    async def sometimes(scope, receive, send) -> None:
        nonlocal remaining
        if scope["type"] == "http" and scope["path"].startswith(path) and remaining > 0:
            remaining -= 1
            await injector(scope, receive, send)
        else:
            await before(scope, receive, send)

    emulator.state.fault_injector = sometimes
