"""One session with a known token, through everything Roost shows, writes, logs and prints.

Loaded from a profile, through a rate limit, an acknowledge, a delete (and its
archive), an export in the app and one from the command line, a wrong token,
a console that echoes tokens back, and a crash: the token is nowhere in the
screens, the toasts, the screenshot, the data, cache and state directories, the
crash log, the log records or what was printed, and every file Roost wrote is
the user's alone.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.conftest import screen_text, wait_for, wait_for_triage
from tui import cli
from tui.backends.canary.client import CanaryClient
from tui.backends.errors import AuthError
from tui.backends.registry import open_backend
from tui.config import cache_dir, resolve_settings
from tui.emulator.canary.app import create_app
from tui.export_cli import export_command
from tui.launch import open_cache, opening, session_app
from tui.screens.export import ExportScreen
from tui.screenshots import IN_PROCESS_URL, seeded_console

from .conftest import DeadlineTransport, fail_next
from .test_faults import until_synced

TOKEN = "leak-canary-7f3e9a1b2c4d5e6f8091a2b3c4d5e6f7"
WRONG_TOKEN = "wrong-token-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
SECRETS = (TOKEN, WRONG_TOKEN)


class EchoingConsole(DeadlineTransport):
    """The emulator, but a refused token is quoted back in the error, as a careless proxy might."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        presented = request.headers.get("X-Canary-Auth-Token", "")
        if presented != TOKEN:
            return httpx.Response(401, json={"result": "error", "message": f"Invalid auth_token {presented}"})
        return await super().handle_async_request(request)


@pytest.fixture
def profile(private_home) -> Path:
    directory = private_home / "config" / "roost"
    directory.mkdir(parents=True)
    (directory / "lab.token").write_text(TOKEN + "\n")
    (directory / "lab.token").chmod(0o600)
    config = directory / "config.toml"
    config.write_text(f'default_profile = "lab"\n[profile.lab]\nconsole = "{IN_PROCESS_URL}"\ntoken_file = "lab.token"\n')
    config.chmod(0o600)
    return config


def assert_nowhere(where: str, text: str | bytes) -> None:
    for secret in SECRETS:
        needle = secret.encode() if isinstance(text, bytes) else secret
        assert needle not in text, f"the token is in {where}"


async def test_the_token_is_in_nothing_roost_shows_writes_logs_or_prints(profile, private_home, capfd, caplog):
    cli.quiet_request_logs()
    caplog.set_level(logging.DEBUG)
    console = seeded_console()
    emulator = create_app(console, TOKEN)
    settings = resolve_settings(console=None, token_file=None)
    assert settings.token.reveal() == TOKEN and settings.label == "lab"
    shown: list[str] = []

    with pytest.raises(AuthError) as refused:  # a wrong token, echoed back by the console
        await CanaryClient(settings.console, WRONG_TOKEN, transport=EchoingConsole(app=emulator)).ping()
    shown.append(str(refused.value))

    backend = open_backend(settings, transport=EchoingConsole(app=emulator), timeout=httpx.Timeout(1.0))
    app = session_app([opening(settings, backend, open_cache(settings))])
    app.detail_delay = 0
    fail_next(emulator, "429", "/api/v1/incidents/all")

    def crash() -> None:
        raise RuntimeError(f"a bug while holding {TOKEN}")

    with pytest.raises(RuntimeError):
        async with app.run_test(size=(100, 30)) as pilot:
            await until_synced(pilot)  # through the 429
            shown.append(screen_text(app))
            await pilot.press("a")
            await wait_for_triage(pilot)
            await pilot.press("2", "d", "y")  # archived, then deleted
            await wait_for_triage(pilot)
            shown.append(screen_text(app))
            await pilot.press("e")
            await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen), "the export dialog")
            await pilot.press("enter")
            await wait_for(pilot, lambda: any("Exported" in n.message for n in app.messages), "the export")
            shown += [screen_text(app), app.export_screenshot(), *(n.message for n in app.messages)]
            app.call_later(crash)
            await pilot.pause()
    assert console.deleted_keys and app.crash_report
    shown.append(app.crash_report)

    arguments = cli.build_parser().parse_args(["export", "--profile", "lab", "--format", "csv"])
    stderr = io.StringIO()
    await asyncio.to_thread(  # roost export runs its own event loop
        export_command, arguments, stderr=stderr,
        open_backend=lambda settings: open_backend(settings, transport=EchoingConsole(app=emulator)),
    )
    shown.append(stderr.getvalue())

    for number, text in enumerate(shown):
        assert_nowhere(f"what was shown ({number})", text)
    printed = capfd.readouterr()
    assert_nowhere("stdout", printed.out)
    assert_nowhere("stderr", printed.err)
    for record in caplog.records:
        assert_nowhere(f"a log record from {record.name}", record.getMessage())
        assert not record.name.startswith(("httpx", "httpcore")), record.getMessage()

    written = [path for path in private_home.rglob("*") if path.is_file() and path.parent != profile.parent]
    kinds = {path.parent.name for path in written}
    assert {"archives", "exports", "roost"} <= kinds, kinds  # archives, exports; the audit and crash logs
    assert any(path.name.startswith("crash-") for path in written)
    assert any(path.suffix == ".sqlite3" for path in written)
    for path in written:
        assert_nowhere(str(path), path.read_bytes())
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{path} is {oct(path.stat().st_mode)}"
    for directory in {path.parent for path in written}:
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, f"{directory} is {oct(directory.stat().st_mode)}"
    assert cache_dir() in {path.parent for path in written}


def test_roost_config_check_resolves_the_token_without_showing_it(profile):
    done = subprocess.run(
        [sys.executable, "-m", "tui", "config", "check"], cwd=Path(__file__).resolve().parents[2],
        capture_output=True, text=True, timeout=30, env=os.environ,
    )
    assert done.returncode == 1  # http://console.test is refused for a real client ...
    assert "Refusing plain http to console.test" in done.stdout
    assert_nowhere("roost config check's output", done.stdout + done.stderr)


def test_the_command_line_quiets_httpx_request_logs(capsys):
    logging.getLogger("httpx").setLevel(logging.NOTSET)
    cli.main(["config", "path"])
    capsys.readouterr()
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("httpcore").getEffectiveLevel() == logging.WARNING
