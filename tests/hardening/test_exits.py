"""Losing the terminal, quitting, and crashing: Roost ends cleanly and never prints a traceback.

The terminal tests run ``roost --demo`` for real, under a pseudo-terminal, in a
child process.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.conftest import screen_text, settle, wait_for
from hardening.terminal import REPOSITORY, Terminal
from tui import cli, launch
from tui.screenshots import in_process_app, seeded_console
from tui.widgets.incident_table import IncidentTable

TOKEN = "crash-test-token-0f1e2d3c4b5a6978"
CRASH_LINE = "Roost hit an unexpected error; details in "
# Seconds Roost may take to end after the terminal goes, and CPU seconds it may burn meanwhile.
EXIT_WITHIN = 3.0
CPU_AFTER_LOSS = 0.5


def lose_the_terminal(terminal: Terminal) -> None:
    terminal.close()  # what sshd does when the connection drops


def hang_up(terminal: Terminal) -> None:
    os.kill(terminal.pid, signal.SIGHUP)


@pytest.mark.parametrize(("ending", "block_sighup", "expected_status"), [
    (lose_the_terminal, False, 128 + signal.SIGHUP),
    (hang_up, False, 128 + signal.SIGHUP),
    # No SIGHUP arrives at all (blocked here; in life, a process the terminal does not signal):
    # Roost notices the terminal is gone instead of reading end-of-file at full speed.
    (lose_the_terminal, True, 128 + signal.SIGHUP),
    (lambda terminal: os.write(terminal.master, b"q"), False, 0),
    (lambda terminal: os.write(terminal.master, b"\x03"), False, 0),  # ctrl+c, as a raw terminal sends it
], ids=["terminal closed", "SIGHUP", "terminal closed, no SIGHUP", "q", "ctrl+c"])
def test_roost_ends_cleanly_and_quietly(ending, block_sighup, expected_status):
    terminal = Terminal(block_sighup=block_sighup)
    try:
        terminal.read_until("● live".encode())
        cpu_before = terminal.cpu_seconds()
        ending(terminal)
        status, seconds, cpu = terminal.wait(EXIT_WITHIN)
    finally:
        terminal.close()
    assert status == expected_status
    assert seconds < EXIT_WITHIN
    assert cpu - cpu_before < CPU_AFTER_LOSS, f"{cpu - cpu_before:.2f} CPU seconds after the terminal went"
    assert b"Traceback" not in terminal.output and b"Error" not in terminal.output
    if expected_status == 0:
        assert terminal.output.endswith(b"\x1b[?1049l\x1b[?25h\x1b[?1004l")  # the terminal is given back (screen, cursor, focus reports)
        assert b"\x1b[?1049l" in terminal.output  # out of the alternate screen


def test_without_a_terminal_roost_says_so_instead_of_spinning():
    done = subprocess.run(
        [sys.executable, "-m", "tui", "--demo"], cwd=REPOSITORY, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=30,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "roost: Roost needs a terminal; to write incidents to a file, use roost export.\n"


# -- unexpected errors ---------------------------------------------------------------


def crash_log_of(line: str) -> Path:
    assert line.startswith(CRASH_LINE), line
    path = Path(line.removeprefix(CRASH_LINE).strip())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.parent == Path(os.environ["XDG_STATE_HOME"]) / "roost"
    return path


async def test_a_crash_in_the_app_prints_one_line_and_logs_the_traceback_without_the_token(tmp_path, capfd):
    app = in_process_app(seeded_console(), tmp_path, token=TOKEN)

    def bug() -> None:
        secret_local = TOKEN  # noqa: F841 - Textual's traceback would print this local
        raise RuntimeError(f"request failed for {TOKEN}")

    with pytest.raises(RuntimeError):
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.call_later(bug)
            await pilot.pause()
    assert capfd.readouterr() == ("", "")  # the launcher prints app.crash_report, once the terminal is back
    report = crash_log_of(app.crash_report).read_text()
    assert "Traceback" in report and "RuntimeError: request failed for ********" in report
    assert "in bug" in report and "secret_local" not in report  # where it happened; no locals
    assert TOKEN not in report


def test_a_crash_before_the_app_starts_prints_one_line(monkeypatch, capsys):
    monkeypatch.setenv("CANARY_API_TOKEN", TOKEN)

    def broken_launch(args):
        raise KeyError(f"no console for {TOKEN}")

    monkeypatch.setattr(launch, "run_tui", broken_launch)
    assert cli.main([]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    report = crash_log_of(captured.err).read_text()
    assert "KeyError: 'no console for ********'" in report and TOKEN not in report


async def test_an_action_failing_on_a_bug_is_reported_and_rolled_back(tmp_path):
    console = seeded_console()
    app = in_process_app(console, tmp_path, token=TOKEN)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = app.screen.query_one(IncidentTable).cursor_key

        async def broken(key):
            raise RuntimeError(f"bug holding {TOKEN}")

        app.backend.client.acknowledge = broken
        await pilot.press("a")
        await wait_for(pilot, lambda: [n for n in app.messages if n.severity == "error"], "the error")
        assert app.store.get(key).status == "unacknowledged"  # shown as the console has it
        [toast] = [n for n in app.messages if n.severity == "error"]
        report = crash_log_of(toast.message).read_text()
        assert "RuntimeError: bug holding ********" in report and TOKEN not in report
        assert app.is_running


async def test_live_updates_that_stop_on_a_bug_say_so(tmp_path):
    app = in_process_app(seeded_console(), tmp_path, token=TOKEN)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)

        async def broken():
            raise TypeError("a bug in the sync loop")

        app.engine.reconcile = broken
        await pilot.press("r")
        await wait_for(pilot, lambda: app.sync_status.state == "offline", "offline")
        assert "live updates stopped. Roost hit an unexpected error; details in" in app.sync_status.detail
        assert "✗ offline" in screen_text(app).splitlines()[0]
        assert app.is_running


async def test_a_detail_load_failing_on_a_bug_is_reported_and_the_pane_stops_loading(tmp_path):
    console = seeded_console()
    app = in_process_app(console, tmp_path, token=TOKEN)

    async def broken(node_id):
        raise RuntimeError(f"device parse bug holding {TOKEN}")

    app.backend.client.device_info = broken
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: [n for n in app.messages if n.severity == "error"], "the error")
        await wait_for(pilot, lambda: "Roost could not read the" in screen_text(app), "the pane to say so")
        assert "loading…" not in screen_text(app)
        [toast] = [n for n in app.messages if n.severity == "error"]
        assert TOKEN not in crash_log_of(toast.message).read_text()
        assert app.is_running
