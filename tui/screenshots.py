"""Screenshots of the real app for the README: `make screenshots` (python -m tui.screenshots DIR).

The app runs against the emulator in-process (httpx ASGITransport) with a
seeded console and a fixed clock, so the pictures change only when the app
does.  The tests build their apps with ``in_process_app`` too, and Log360
ones with ``in_process_log360_app``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Awaitable, Callable, Sequence

import httpx

from .app import RoostApp
from .backends.registry import open_backend
from .config import Settings
from .emulator.canary.app import create_app
from .emulator.faults import FaultPlan
from .emulator.canary.generator import populate
from .emulator.canary.state import ConsoleState
from .emulator.log360.app import create_app as create_log360_app
from .emulator.log360.generator import populate as populate_log360
from .emulator.log360.state import Log360State
from .secret import Secret
from .session import Opening

FIXED_NOW = 1_763_800_000  # 2025-11-22 08:26:40 UTC
IN_PROCESS_URL = "http://console.test"
SCREENSHOT_DATA_DIR = Path("/tmp/roost-snapshot-data")


def seeded_console(backlog: int = 40, seed: int = 7, now: int = FIXED_NOW) -> ConsoleState:
    state = ConsoleState(clock=lambda: now)
    populate(state, backlog, seed)
    return state


def in_process_app(
    state: ConsoleState,
    data_directory: Path,
    *,
    token: str,
    console_token: str | None = None,
    read_only_token: str | None = None,
    read_only: bool = False,
    poll_interval: float = 0,
    page_size: int = 100,
    now: int = FIXED_NOW,
    profile: str = "test console",
    faults: FaultPlan | None = None,
    transport: Callable[..., httpx.AsyncBaseTransport] = httpx.ASGITransport,
    timeout: httpx.Timeout | float | None = None,
    **settings_options: Any,
) -> RoostApp:
    """The real app talking to an in-process emulator serving ``state``.

    ``token`` is what the app sends; ``console_token`` what the emulator accepts
    (the same unless a test wants a wrong or read-only token).  ``faults`` makes
    the emulator fail now and then; ``timeout`` replaces the backend's own;
    ``settings_options`` are more Settings fields.
    """
    emulator = create_app(state, console_token or token, read_only_token=read_only_token, faults=faults)
    settings = Settings(
        console=IN_PROCESS_URL,
        token=Secret(token),
        profile=profile,
        read_only=read_only,
        poll_interval=poll_interval,
        page_size=page_size,
        **settings_options,
    )
    connection: dict[str, Any] = {"transport": transport(app=emulator)}
    if timeout is not None:
        connection["timeout"] = timeout
    return _app_on(settings, connection, data_directory, now)


def _app_on(settings: Settings, connection: dict[str, Any], data_directory: Path, now: int) -> RoostApp:
    """The app on the backend ``settings`` name, its client given ``connection``, on a clock stopped at ``now``."""
    app = RoostApp(
        settings,
        open_backend(settings, **connection),
        data_directory=data_directory,
        clock=lambda: datetime.fromtimestamp(now, tz=timezone.utc),
    )
    app.detail_delay = 0
    return app


def seeded_log360(backlog: int = 40, seed: int | str = 7, now: int = FIXED_NOW) -> Log360State:
    """A Log360 server's state from the generator, on a clock stopped at ``now``."""
    state = Log360State(clock=lambda: now)
    populate_log360(state, backlog, seed)
    return state


def in_process_log360_app(
    state: Log360State,
    data_directory: Path,
    *,
    token: str,
    server_token: str | None = None,
    read_only_token: str | None = None,
    read_only: bool = False,
    poll_interval: float = 0,
    now: int = FIXED_NOW,
    profile: str = "test log360",
    faults: FaultPlan | None = None,
    backend_options: dict[str, Any] | None = None,
    connection: dict[str, Any] | None = None,
    **settings_options: Any,
) -> RoostApp:
    """The real app talking to an in-process Log360 emulator serving ``state``, its 60 a minute off.

    As ``in_process_app``: ``token`` is what the app sends, ``server_token`` what the
    emulator accepts (the same unless a test wants a wrong or read-only token).
    ``backend_options`` are the profile's Log360 settings (plain http to the in-process
    server is allowed); ``connection`` goes to the client beside the transport: a test
    that sends more than a minute's budget passes ``{"pacer": Pacer(limit=...)}`` to lift
    Roost's own pacing too (this module may not import the backend's pacer).
    """
    emulator = create_log360_app(state, server_token or token, read_only_token=read_only_token, rate_limit=False,
                                 faults=faults)
    settings = Settings(
        console=IN_PROCESS_URL,
        token=Secret(token),
        backend="log360",
        profile=profile,
        read_only=read_only,
        poll_interval=poll_interval,
        backend_options={"allow_http": True, **(backend_options or {})},
        **settings_options,
    )
    return _app_on(settings, {"transport": httpx.ASGITransport(app=emulator), **(connection or {})}, data_directory, now)


def in_process_consoles(
    consoles: Sequence[tuple[str, ConsoleState | Log360State, str]],
    data_directory: Path,
    *,
    poll_interval: float = 0,
    now: int = FIXED_NOW,
    transport: Callable[..., httpx.AsyncBaseTransport] = httpx.ASGITransport,
    accepted: dict[str, str] | None = None,
    read_only: Sequence[str] = (),
    **settings_options: Any,
) -> RoostApp:
    """The real app with a tab per in-process emulator, each ``(profile, state, token)``: a Canary
    console for a ``ConsoleState``, a Log360 server (its 60 a minute off) for a ``Log360State``.
    Each is reached at ``http://PROFILE.test`` through its own ``transport``, and accepts the token
    the app sends unless ``accepted`` names another for its profile; the profiles in ``read_only`` are."""
    openings = []
    for profile, state, token in consoles:
        console_token = (accepted or {}).get(profile, token)
        if isinstance(state, Log360State):
            emulator = create_log360_app(state, console_token, rate_limit=False)
            backend_settings: dict[str, Any] = {"backend": "log360", "backend_options": {"allow_http": True}}
        else:
            emulator = create_app(state, console_token)
            backend_settings = {}
        settings = Settings(console=f"http://{profile}.test", token=Secret(token), profile=profile,
                            read_only=profile in read_only, poll_interval=poll_interval, **backend_settings,
                            **settings_options)
        openings.append(Opening(settings, open_backend(settings, transport=transport(app=emulator))))
    first, *others = openings
    app = RoostApp(first.settings, first.backend, data_directory=data_directory, more_consoles=others,
                   clock=lambda: datetime.fromtimestamp(now, tz=timezone.utc))
    app.detail_delay = 0
    return app


async def wait_until_loaded(app: RoostApp, pilot) -> None:
    """Let every console's initial load, the detail pane's loads and the table's row details finish (bounded)."""
    deadline = time.monotonic() + 20
    while any(session.sync_status.state not in ("live", "manual", "paused") for session in app.sessions) or any(
        (worker.group == "details" or worker.group.startswith("complete-rows")) and worker.is_running
        for worker in app.workers
    ):
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not finish loading")
        await pilot.pause()
    await pilot.pause()


Scene = tuple[str, tuple[int, int], Callable[[object], Awaitable[None]] | None]


async def _press(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await wait_until_loaded(pilot.app, pilot)


SCENES: list[Scene] = [
    ("main-80x24", (80, 24), None),
    ("main-120x40", (120, 40), lambda pilot: _press(pilot, "j", "j")),
    ("detail-80x24", (80, 24), lambda pilot: _press(pilot, "j", "enter")),
    ("delete-80x24", (80, 24), lambda pilot: _press(pilot, "2", "d")),
    ("help-120x40", (120, 40), lambda pilot: _press(pilot, "question_mark")),
]
#: Three consoles at once (two Canary, one Log360): a console's tab, and the inbox across them.
CONSOLES_SCENES: list[Scene] = [
    ("inbox-120x40", (120, 40), lambda pilot: _press(pilot, "alt+0")),
    ("tabs-80x24", (80, 24), lambda pilot: _press(pilot, "ctrl+right")),
]
#: The same app on the Log360 emulator.
LOG360_SCENES: list[Scene] = [
    ("log360-120x40", (120, 40), lambda pilot: _press(pilot, "j", "j")),
    ("log360-80x24", (80, 24), None),
]


def consoles_app(data_directory: Path) -> RoostApp:
    """prod and lab (Canary, lab read-only) and siem (Log360), seeded, on the fixed clock."""
    return in_process_consoles(
        [("prod", seeded_console(backlog=40, seed=7), "prod-token"), ("lab", seeded_console(backlog=12, seed=3), "lab-token"),
         ("siem", seeded_log360(backlog=20), "siem-token")],
        data_directory, poll_interval=3600, read_only=("lab",))


async def capture(scene: Scene, directory: Path, data_directory: Path, *, log360: bool = False,
                  consoles: bool = False) -> Path:
    name, size, steps = scene
    if consoles:
        app = consoles_app(data_directory)
    elif log360:
        app = in_process_log360_app(seeded_log360(), data_directory, token="screenshot-token", poll_interval=3600,
                                    profile="demo log360")
    else:
        app = in_process_app(seeded_console(), data_directory, token="screenshot-token", poll_interval=3600,
                             profile="demo")
    async with app.run_test(size=size) as pilot:
        await wait_until_loaded(app, pilot)
        if steps is not None:
            await steps(pilot)
        svg = app.export_screenshot(title=f"Roost — {name}")
    path = directory / f"{name}.svg"
    path.write_text(svg, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    directory = Path((argv or sys.argv[1:] or ["screenshots"])[0])
    directory.mkdir(parents=True, exist_ok=True)
    os.environ["TZ"] = "UTC"
    time.tzset()
    # The delete dialog shows the archive directory: the path a user sees (~/.local/share/roost/…),
    # from a home of the screenshots' own, on every machine.
    with tempfile.TemporaryDirectory(prefix="roost-screenshots-") as home:
        os.environ["HOME"] = home
        data_directory = Path(home) / ".local" / "share" / "roost"
        data_directory.mkdir(parents=True)
        for scene in SCENES:
            path = asyncio.run(capture(scene, directory, data_directory))
            print(f"wrote {path}")
        for scene in LOG360_SCENES:
            path = asyncio.run(capture(scene, directory, data_directory, log360=True))
            print(f"wrote {path}")
        for scene in CONSOLES_SCENES:
            path = asyncio.run(capture(scene, directory, data_directory, consoles=True))
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
