from __future__ import annotations

from typing import AsyncIterator

import pytest

from canary_fakes import RecordingConsole
from log360_fakes import RecordingServer
from tui.backends.canary.client import CanaryClient
from tui.backends.log360.client import Log360Client


@pytest.fixture
def console() -> RecordingConsole:
    return RecordingConsole()


@pytest.fixture
async def client(console: RecordingConsole) -> AsyncIterator[CanaryClient]:
    async with console.client() as client:
        yield client


@pytest.fixture
def server() -> RecordingServer:
    return RecordingServer()


@pytest.fixture
async def log360(server: RecordingServer) -> AsyncIterator[Log360Client]:
    async with server.client() as client:
        yield client
