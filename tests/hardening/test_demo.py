"""roost --demo: both consoles' emulators run; the session opens the one named, the other comes up beside it."""

from __future__ import annotations

import argparse
import time

import httpx
import pytest

from tui.launch import start_demo


def demo_args(backend: str) -> argparse.Namespace:
    return argparse.Namespace(demo=backend, read_only=False, poll_interval=None, page_size=None, bell=False, mouse=False)


@pytest.mark.socket
@pytest.mark.parametrize(("backend", "other_path"), [("canary", "/api/v2/incident"), ("log360", "/api/v1/ping")])
def test_the_demo_opens_the_named_console_and_runs_the_other_too(backend, other_path):
    connection = start_demo(demo_args(backend))
    try:
        settings = connection.settings
        assert settings.backend == backend and settings.console.startswith("http://127.0.0.1:")
        assert dict(settings.backend_options) == ({"allow_http": True} if backend == "log360" else {})
        deadline = time.monotonic() + 10
        while len(connection.demo_servers) < 2:  # the other starts beside the first screen
            assert time.monotonic() < deadline, "the other emulator never started"
            time.sleep(0.02)
        opened, other = connection.demo_servers
        assert opened.base_url == settings.console
        # The other answers as its console does (here: a refusal without its token).
        assert httpx.get(other.base_url + other_path, timeout=5).status_code in (400, 401, 403)
    finally:
        connection.close()
