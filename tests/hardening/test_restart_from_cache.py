"""A restart shows the last state from the local cache at once, through the real launch path.

Roost runs twice in a pseudo-terminal against a real emulator (a child process on
loopback) with the same data directories.  The second time the emulator answers
every request only after a long delay, so whatever Roost shows before then can only
have come from the cache.
"""

from __future__ import annotations

import re
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hardening.terminal import REPOSITORY, Terminal

TOKEN = "restart-test-token-3c2b1a0f9e8d7c6b"
# Longer than the test waits for the cached rows: nothing Roost draws before it comes from the console.
SLOW_CONSOLE_MS = 60_000
INCIDENTS_SHOWN = re.compile(rb"\xc2\xb7 ([1-9][0-9,]*) incidents")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Emulator:
    """``roost emulator`` in a child process, seeded, so a second start serves the same incidents."""

    def __init__(self, port: int, *, latency_ms: int = 0) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui", "emulator", "--port", str(port), "--token", TOKEN, "--backlog", "300",
             "--rate", "0", "--seed", "11", "--latency", str(latency_ms)],
            cwd=REPOSITORY, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        self.base_url = f"http://127.0.0.1:{port}"
        for line in self.process.stdout:  # it prints its base URL once it listens
            if self.base_url.encode() in line:
                return
        raise AssertionError(f"the emulator did not start (exit status {self.process.wait()})")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a delayed answer still pending: it is of no interest now
            self.process.kill()
            self.process.wait()


@pytest.fixture
def token_file(private_home) -> Path:
    path = private_home / "canary.token"
    path.write_text(TOKEN + "\n")
    path.chmod(0o600)
    return path


def cached_incidents(home: Path) -> int:
    [cache] = (home / "cache" / "roost").glob("*.sqlite3")
    with sqlite3.connect(cache) as connection:
        return connection.execute("SELECT count(*) FROM incidents").fetchone()[0]


def test_the_second_start_shows_the_cached_incidents_before_the_console_answers(private_home, token_file):
    port = free_port()
    arguments = ("--console", f"http://127.0.0.1:{port}", "--token-file", str(token_file), "--poll-interval", "0")

    emulator = Emulator(port)
    try:
        first = Terminal(arguments)
        first.read_until(INCIDENTS_SHOWN, timeout=60)
        first.read_until(b"manual", timeout=60)  # the whole feed is loaded
        first.type(b"q")
        assert first.wait(30)[0] == 0
    finally:
        emulator.stop()
    shown_first = INCIDENTS_SHOWN.findall(first.output)[-1]
    assert cached_incidents(private_home) == 300

    slow = Emulator(port, latency_ms=SLOW_CONSOLE_MS)
    try:
        second = Terminal(arguments)
        seconds = second.read_until(re.compile(rb"\xc2\xb7 " + re.escape(shown_first) + rb" incidents"), timeout=50)
        assert seconds < SLOW_CONSOLE_MS / 1000
        second.type(b"q")
        assert second.wait(10)[0] == 0  # quitting does not wait for the console either
    finally:
        slow.stop()


def test_a_refused_token_still_ends_a_cached_start_with_one_line(private_home, token_file):
    port = free_port()
    console = f"http://127.0.0.1:{port}"
    emulator = Emulator(port)
    try:
        first = Terminal(("--console", console, "--token-file", str(token_file), "--poll-interval", "0"))
        first.read_until(b"manual", timeout=60)
        first.type(b"q")
        assert first.wait(30)[0] == 0
        assert cached_incidents(private_home) == 300

        wrong = private_home / "wrong.token"
        wrong.write_text("not-the-token-for-this-console\n")
        wrong.chmod(0o600)
        second = Terminal(("--console", console, "--token-file", str(wrong), "--poll-interval", "0"))
        status, _, _ = second.wait(60)
    finally:
        emulator.stop()
    assert status == 2  # as when nothing is cached and the ping fails first
    after_the_screen = second.output.rsplit(b"\x1b[?1049l", 1)[-1]  # what is printed once the app has gone
    printed = re.sub(rb"\x1b\[[0-9;?<>=$]*[A-Za-z]", b"", after_the_screen).decode().strip()
    assert printed.startswith(f"roost: Cannot use {console}: ") and "token" in printed
    assert len(printed.splitlines()) == 1
    assert "Traceback" not in second.output.decode(errors="replace")
