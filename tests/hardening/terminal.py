"""Roost for real: ``python -m tui ...`` on a pseudo-terminal in a child process, as a user runs it."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import sys
import time
from pathlib import Path
from typing import Mapping, Sequence

REPOSITORY = Path(__file__).resolve().parents[2]


class Terminal:
    """``roost ARGUMENTS`` (``--demo`` unless told) on an 80x24 pseudo-terminal; ``output`` is everything it drew."""

    def __init__(
        self,
        arguments: Sequence[str] = ("--demo", "--poll-interval", "1"),
        *,
        environment: Mapping[str, str] | None = None,
        block_sighup: bool = False,
    ) -> None:
        self.started = time.monotonic()
        self.pid, self.master = pty.fork()
        if self.pid == 0:  # the child: become roost
            try:
                if block_sighup:
                    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
                os.chdir(REPOSITORY)
                os.environ.update(environment or {})
                os.environ.update(TERM="xterm-256color", COLUMNS="80", LINES="24")
                os.execv(sys.executable, [sys.executable, "-m", "tui", *arguments])
            finally:
                os._exit(127)
        self.output = b""

    def read_until(self, text: bytes | re.Pattern[bytes], timeout: float = 15.0) -> float:
        """Read what Roost draws until ``text`` (or a match of the pattern) appears; seconds since the start."""
        found = text.search if isinstance(text, re.Pattern) else (lambda output: text in output)
        deadline = time.monotonic() + timeout
        while not found(self.output):
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; the screen ended with {self.output[-300:]!r}")
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:  # Roost ended
                    raise AssertionError(f"Roost ended before {text!r} appeared: {self.output[-300:]!r}") from None
        return time.monotonic() - self.started

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def wait(self, timeout: float) -> tuple[int, float, float]:
        """(exit status, seconds taken, total CPU seconds), reading what it draws meanwhile."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            pid, status, usage = os.wait4(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status), time.monotonic() - started, usage.ru_utime + usage.ru_stime
            self._drain()
        self.kill()
        raise AssertionError(f"roost was still running {timeout:g} s later")

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        except ProcessLookupError:
            pass

    def _drain(self) -> None:
        try:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                self.output += os.read(self.master, 65536)
        except (OSError, ValueError):  # the terminal is closed (on purpose) or gone
            time.sleep(0.05)

    def close(self) -> None:
        try:
            os.close(self.master)
        except OSError:
            pass
