"""One 429 or 5xx does not end the start-up ping or ``roost export`` (issue 8, item 11).

Both go through the real wiring (``checked_backend``, ``roost export`` through
``cli.main``), with only the Canary client's transport swapped for an in-process
console and its waits shortened.
"""

from __future__ import annotations

import json

import pytest

from tui import cli
from tui.backends.canary.client import CanaryClient
from tui.backends.errors import ConfigError
from tui.config import Settings
from tui.emulator.canary.app import create_app
from tui.launch import START_CHECK_ATTEMPTS, checked_backend
from tui.screenshots import IN_PROCESS_URL, seeded_console
from tui.secret import Secret

from .conftest import DeadlineTransport, fail_next

TOKEN = "retry-token-0123456789abcdef"


@pytest.fixture
def console():
    return seeded_console()


@pytest.fixture
def emulator(console):
    return create_app(console, TOKEN)


@pytest.fixture
def in_process(emulator, monkeypatch):
    """Every CanaryClient the Canary backend makes (for launch.py and export_cli.py) talks to ``emulator``;
    waits are counted, not slept."""
    waits: list[float] = []

    async def counted(seconds: float) -> None:
        waits.append(seconds)

    def client(console, token, **options):
        return CanaryClient(console, token, transport=DeadlineTransport(app=emulator), sleep=counted, **options)

    monkeypatch.setattr("tui.backends.canary.client.CanaryClient", client)
    return waits


SETTINGS = Settings(console=IN_PROCESS_URL, token=Secret(TOKEN))


@pytest.mark.parametrize("fault", ["429", "500", "503"])
async def test_the_start_up_ping_rides_out_a_transient_failure(emulator, in_process, fault):
    fail_next(emulator, fault, "/api/v1/ping", times=START_CHECK_ATTEMPTS - 1)
    backend = await checked_backend(SETTINGS)
    await backend.aclose()
    assert len(in_process) == START_CHECK_ATTEMPTS - 1  # it waited before each new try


async def test_the_start_up_ping_gives_up_in_one_line_when_failures_persist(emulator, in_process):
    fail_next(emulator, "500", "/api/v1/ping", times=START_CHECK_ATTEMPTS)
    with pytest.raises(ConfigError, match=r"^Cannot use http://console.test: ") as failure:
        await checked_backend(SETTINGS)
    assert "\n" not in str(failure.value)


async def test_the_start_up_ping_does_not_retry_a_wrong_token(emulator, in_process):
    with pytest.raises(ConfigError, match="^Cannot use http://console.test: "):
        await checked_backend(Settings(console=IN_PROCESS_URL, token=Secret("wrong-token-0123456789")))
    assert in_process == []


def test_roost_export_rides_out_a_rate_limit_and_a_5xx(console, emulator, in_process, tmp_path, capsys):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    token_file.chmod(0o600)
    fail_next(emulator, "429", "/api/v1/incidents/all", times=1)
    fail_next(emulator, "502", "/api/v1/incidents/all", times=1)
    output = tmp_path / "all.json"
    argv = ["export", "--console", IN_PROCESS_URL, "--token-file", str(token_file), "--output", str(output)]
    assert cli.main(argv) == 0, capsys.readouterr().err
    assert len(json.loads(output.read_text())["incidents"]) == len(console.keys("all"))
    assert len(in_process) == 2
