from __future__ import annotations

from typing import AsyncIterator

import pytest

from canary_fakes import RecordingConsole
from tui.backends.canary.client import CanaryClient


@pytest.fixture
def console() -> RecordingConsole:
    return RecordingConsole()


@pytest.fixture
async def client(console: RecordingConsole) -> AsyncIterator[CanaryClient]:
    async with console.client() as client:
        yield client
