"""Start the TUI: settings, the backend the profile names, checked, the cache, then the app in this terminal."""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import select
import signal
import sys
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Awaitable, Callable, TextIO

from .backends import registry
from .backends.base import Backend
from .backends.errors import ApiError, ConfigError
from .cache import SnapshotCache, cache_path_for
from .config import Settings, cache_dir, data_dir, private_dir, resolve_settings, shown
from .crashlog import keep_out_of_reports
from .secret import Secret
from .store import IncidentStore, feed_statuses

if TYPE_CHECKING:
    from .app import RoostApp

DEMO_BACKLOG = 300
DEMO_RATE_PER_MINUTE = 12
TERMINAL_CHECK_SECONDS = 0.2
# One rate limit or 5xx at start-up is retried (with the backend's backoff), as the live loop does.
START_CHECK_ATTEMPTS = 4
#: The feed the main screen opens on: its newest page is read from the cache before the rest.
OPENING_FEED = "open"


@dataclass
class Connection:
    settings: Settings
    demo_servers: list[object] = field(default_factory=list)

    def close(self) -> None:
        for server in list(self.demo_servers):
            server.stop()


def start_demo(args: argparse.Namespace) -> Connection:
    """Both consoles' emulators on loopback, with backlogs and live arrivals; the session opens the
    one ``--demo`` names and speaks real HTTP to it (Log360's with its real 60-a-minute budget).
    The other starts beside the first screen, not before it."""
    from .emulator.log360.serve import Log360Options
    from .emulator.server import EmulatorOptions, EmulatorServer

    tokens = {name: secrets.token_hex(16) for name in registry.names()}
    seed = secrets.randbelow(10**6)

    def canary() -> EmulatorServer:
        return EmulatorServer(
            EmulatorOptions(token=tokens["canary"], backlog=DEMO_BACKLOG, rate=DEMO_RATE_PER_MINUTE, seed=seed)
        )

    def log360() -> EmulatorServer:
        options = Log360Options(token=tokens["log360"], backlog=DEMO_BACKLOG, rate=DEMO_RATE_PER_MINUTE, seed=seed)
        return EmulatorServer(options.build_app(), rate=options.rate, seed=seed)

    builders = {"canary": canary, "log360": log360}
    chosen = args.demo
    opened = builders[chosen]().start()
    settings = Settings(
        console=opened.base_url,
        token=Secret(tokens[chosen]),
        backend=chosen,
        profile=f"demo {chosen} emulator" if chosen != registry.DEFAULT_BACKEND else "demo emulator",
        read_only=args.read_only,
        poll_interval=args.poll_interval if args.poll_interval is not None else 5.0,
        page_size=args.page_size or 100,
        bell=args.bell,
        mouse=args.mouse,
        # The emulator listens on plain http, on loopback.
        backend_options={"allow_http": True} if chosen == "log360" else {},
    )
    connection = Connection(settings, [opened])

    def start_the_others() -> None:
        for name, build in builders.items():
            if name != chosen:
                connection.demo_servers.append(build().start())

    threading.Thread(target=start_the_others, name="demo-emulators", daemon=True).start()
    return connection


def connect(args: argparse.Namespace) -> Connection:
    if args.demo:
        return start_demo(args)
    return Connection(
        resolve_settings(
            console=args.console,
            token_file=args.token_file,
            profile=args.profile,
            read_only=args.read_only,
            poll_interval=args.poll_interval,
            page_size=args.page_size,
            bell=args.bell,
            mouse=args.mouse,
        )
    )


def open_cache(settings: Settings) -> SnapshotCache | None:
    """The console's local snapshot; read later, in the sync worker, not before the UI shows."""
    documents = registry.backend_class(settings.backend).documents
    try:
        return SnapshotCache(cache_path_for(settings.console, private_dir(cache_dir())), documents)
    except OSError:
        return None


def session_app(
    settings: Settings,
    backend: Backend,
    cache: SnapshotCache | None,
    *,
    startup_check: Callable[[], Awaitable[object]] | None = None,
) -> RoostApp:
    """The app for one session on ``backend``: its files in the user's data directory, its
    snapshot in ``cache`` (saved on the cache's writer thread; the caller closes it)."""
    from .app import RoostApp

    store = IncidentStore(backend.statuses, backend.columns, keep=settings.keep)

    async def persist(changes) -> None:
        cache.save_in_background(store, changes)

    def preload():
        opening = [status.id for status in feed_statuses(OPENING_FEED, backend.statuses)]
        return cache.preload(first=settings.page_size, statuses=opening)

    return RoostApp(
        settings,
        backend,
        data_directory=private_dir(data_dir()),
        store=store,
        persist=persist if cache is not None else None,
        preload=preload if cache is not None else None,
        startup_check=startup_check,
    )


def run_tui(args: argparse.Namespace) -> int:
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        # Textual reads stdin and draws on stderr; from a pipe or /dev/null it would read
        # end-of-file forever, at full CPU.
        raise ConfigError("Roost needs a terminal; to write incidents to a file, use roost export.")
    connection = connect(args)
    settings = connection.settings
    keep_out_of_reports(settings.token)
    try:
        app, status = asyncio.run(_checked_session(settings, with_cache=not args.demo))
        if app.crash_report:
            print(app.crash_report, file=sys.stderr)
        return status
    finally:
        connection.close()


async def run_in_terminal(app) -> int:
    """Run ``app`` until it exits; SIGTERM ends it as q does, and so does losing the terminal.

    Unhandled, SIGHUP kills Roost before it can close anything; a terminal that goes
    away without one leaves Textual's input thread reading end-of-file in a busy loop;
    and Textual's writer thread dies on the first write to a hung-up terminal, after
    which Textual waits forever to queue the next one.
    """
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGHUP, _terminal_lost, app)
    loop.add_signal_handler(signal.SIGTERM, app.exit, None, 128 + signal.SIGTERM)
    watch = asyncio.create_task(_watch_terminal(app))
    # Textual's drivers draw on sys.__stderr__ (taken when the app starts).
    terminal = sys.__stderr__
    sys.__stderr__ = _TerminalOutput(terminal, lambda: loop.call_soon_threadsafe(_terminal_lost, app))
    try:
        # Mouse off unless asked for (k9s does the same): the terminal's own selection keeps working.
        await app.run_async(mouse=app.settings.mouse)
    finally:
        sys.__stderr__ = terminal
        watch.cancel()
        for signum in (signal.SIGHUP, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    return app.return_code or 0


class _TerminalOutput:
    """The terminal as Textual's writer thread sees it: a failed write reports the loss instead of raising."""

    def __init__(self, stream: TextIO, lost: Callable[[], None]) -> None:
        self._stream = stream
        self._lost = lost

    def write(self, text: str) -> None:
        try:
            self._stream.write(text)
        except OSError:
            self._lost()

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError:
            self._lost()

    def fileno(self) -> int:
        return self._stream.fileno()


async def _watch_terminal(app) -> None:
    """A terminal can go while nothing is drawn: look for the hang-up every so often."""
    poller = select.poll()
    poller.register(sys.__stdin__.fileno(), 0)  # a hang-up and errors are reported whatever the mask
    while not poller.poll(0):
        await asyncio.sleep(TERMINAL_CHECK_SECONDS)
    _terminal_lost(app)


def _terminal_lost(app) -> None:
    """End as q does; whatever is drawn or printed from now on goes to /dev/null."""
    if app.return_code is not None:
        return  # already ending (more than one of the signs noticed)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.__stderr__.fileno())
    os.close(devnull)
    app.exit(None, 128 + signal.SIGHUP)


async def _checked_session(settings: Settings, *, with_cache: bool) -> tuple[RoostApp, int]:
    """Run the app on one backend and connection (one loop, one handshake), after a check.

    With nothing cached the check comes first, failing fast with one line on a wrong
    token or an unreachable console.  With a cached snapshot the app draws it at once
    and the check runs beside it: a console that refuses the token still ends Roost
    with that one line, while one that is only slow or away leaves the analyst the
    last known state, marked as not live.
    """
    cache = open_cache(settings) if with_cache else None
    try:
        if cache is None or not cache.holds_incidents():
            backend = await checked_backend(settings)
            app = session_app(settings, backend, cache)
            return app, await run_in_terminal(app)
        backend = registry.open_backend(settings)
        check = lambda: backend.check(attempts=START_CHECK_ATTEMPTS)  # noqa: E731
        app = session_app(settings, backend, cache, startup_check=check)
        status = await run_in_terminal(app)
        if app.refused_at_start:
            raise ConfigError(f"Cannot use {shown(settings.console)}: {app.refused_at_start}")
        return app, status
    finally:
        if cache is not None:
            cache.close()  # the saves still queued are written first


async def checked_backend(settings: Settings) -> Backend:
    """The backend the settings name, once its console has answered a check.

    What may pass (a rate limit, a 5xx: the backend decides) is retried with backoff;
    a wrong token or a console that stays unreachable ends with one line.
    """
    backend = registry.open_backend(settings)
    try:
        await backend.check(attempts=START_CHECK_ATTEMPTS)
    except BaseException as error:
        await backend.aclose()
        if isinstance(error, ApiError):
            raise ConfigError(f"Cannot use {shown(settings.console)}: {error}") from None
        raise
    return backend
