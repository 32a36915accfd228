"""Start the TUI: settings, the backend the profile names, checked, the cache, then the app in this terminal."""

from __future__ import annotations

import argparse
import asyncio
import os
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
from .config import Settings, cache_dir, data_dir, private_dir, profiles_to_open, resolve_settings, same_console, shown
from .crashlog import keep_out_of_reports
from .secret import Secret
from .session import Opening
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
#: ``--demo all``: a tab per emulated console (a second Canary beside the first, smaller).
DEMO_CONSOLES = (("prod", "canary", DEMO_BACKLOG), ("lab", "canary", DEMO_BACKLOG // 3), ("siem", "log360", DEMO_BACKLOG))


@dataclass
class Connection:
    #: The consoles to open, a tab each, in order.
    consoles: list[Settings]
    demo_servers: list[object] = field(default_factory=list)

    @property
    def settings(self) -> Settings:
        """The first console's: the app's own settings (theme, keymap, mouse) come from it."""
        return self.consoles[0]

    def close(self) -> None:
        for server in list(self.demo_servers):
            server.stop()


def start_demo(args: argparse.Namespace) -> Connection:
    """Emulators on loopback, with backlogs and live arrivals; the session speaks real HTTP to them
    (Log360's with its real 60-a-minute budget).  ``--demo canary`` or ``log360`` opens that one and
    starts the other beside the first screen, not before it; ``--demo all`` opens a tab on each of
    ``DEMO_CONSOLES``."""
    import secrets

    from .emulator.log360.serve import Log360Options
    from .emulator.server import EmulatorOptions, EmulatorServer

    seed = secrets.randbelow(10**6)

    def emulator(backend: str, token: str, backlog: int, seed: int) -> EmulatorServer:
        if backend == "log360":
            options = Log360Options(token=token, backlog=backlog, rate=DEMO_RATE_PER_MINUTE, seed=seed)
            return EmulatorServer(options.build_app(), rate=options.rate, seed=seed)
        return EmulatorServer(EmulatorOptions(token=token, backlog=backlog, rate=DEMO_RATE_PER_MINUTE, seed=seed))

    def settings_for(server: EmulatorServer, backend: str, token: str, profile: str) -> Settings:
        return Settings(
            console=server.base_url,
            token=Secret(token),
            backend=backend,
            profile=profile,
            read_only=args.read_only,
            poll_interval=args.poll_interval if args.poll_interval is not None else 5.0,
            page_size=args.page_size or 100,
            bell=args.bell,
            mouse=args.mouse,
            # The emulator listens on plain http, on loopback.
            backend_options={"allow_http": True} if backend == "log360" else {},
        )

    if args.demo == "all":
        connection = Connection([])
        for number, (profile, backend, backlog) in enumerate(DEMO_CONSOLES):
            token = secrets.token_hex(16)
            server = emulator(backend, token, backlog, seed + number).start()
            connection.demo_servers.append(server)
            connection.consoles.append(settings_for(server, backend, token, profile))
        return connection

    tokens = {name: secrets.token_hex(16) for name in registry.names()}
    chosen = args.demo
    opened = emulator(chosen, tokens[chosen], DEMO_BACKLOG, seed).start()
    profile = f"demo {chosen} emulator" if chosen != registry.DEFAULT_BACKEND else "demo emulator"
    connection = Connection([settings_for(opened, chosen, tokens[chosen], profile)], [opened])

    def start_the_others() -> None:
        for name in registry.names():
            if name != chosen:
                connection.demo_servers.append(emulator(name, tokens[name], DEMO_BACKLOG, seed).start())

    threading.Thread(target=start_the_others, name="demo-emulators", daemon=True).start()
    return connection


def connect(args: argparse.Namespace) -> Connection:
    if args.demo:
        return start_demo(args)
    names = profiles_to_open(args.profile or [], every=args.all)
    if len(names) <= 1:
        return Connection([_settings_for(args, names[0] if names else None)])
    if args.console or args.token_file:
        raise ConfigError("--console and --token-file name one console; with several profiles open, "
                          "each profile names its own console and token.")
    consoles = [_named_settings_for(args, name) for name in names]
    for index, settings in enumerate(consoles):
        for earlier in range(index):
            if consoles[earlier].backend == settings.backend and same_console(
                    consoles[earlier].console, settings.console, settings.backend):
                # One cache and one picture per console: two tabs on it would fight over both.
                raise ConfigError(f"Profiles {shown(names[earlier])} and {shown(names[index])} name the same console "
                                  f"({shown(settings.console)}): open one of them.")
    return Connection(consoles)


def _settings_for(args: argparse.Namespace, profile: str | None) -> Settings:
    return resolve_settings(
        console=args.console,
        token_file=args.token_file,
        profile=profile,
        read_only=args.read_only,
        poll_interval=args.poll_interval,
        page_size=args.page_size,
        bell=args.bell,
        mouse=args.mouse,
    )


def _named_settings_for(args: argparse.Namespace, profile: str) -> Settings:
    """One of several profiles' settings: what stops the session names the profile."""
    try:
        return _settings_for(args, profile)
    except ConfigError as error:
        raise ConfigError(f"Profile {shown(profile)}: {error}") from None


def open_cache(settings: Settings) -> SnapshotCache | None:
    """The console's local snapshot; read later, in the sync worker, not before the UI shows."""
    documents = registry.backend_class(settings.backend).documents
    try:
        return SnapshotCache(cache_path_for(settings.console, private_dir(cache_dir())), documents)
    except OSError:
        return None


def opening(
    settings: Settings,
    backend: Backend,
    cache: SnapshotCache | None,
    *,
    startup_check: Callable[[], Awaitable[object]] | None = None,
) -> Opening:
    """One console for the app: its store, kept in ``cache`` (saved on the cache's writer thread;
    the caller closes it)."""
    store = IncidentStore(backend.statuses, backend.columns, keep=settings.keep)
    shown: frozenset[str] = frozenset()
    if cache is not None:
        # The page the app opens on is in the store before the app starts: its first frame shows it.
        opening_statuses = [status.id for status in feed_statuses(OPENING_FEED, backend.statuses)]
        page, watermark = cache.opening_page(settings.page_size, opening_statuses)
        if page:
            store.apply(page, watermark=watermark)
            shown = frozenset(incident.key for incident in page)

    async def persist(changes) -> None:
        cache.save_in_background(store, changes)

    def preload():
        return cache.preload_rest(shown)

    return Opening(
        settings,
        backend,
        store,
        persist=persist if cache is not None else None,
        preload=preload if cache is not None else None,
        startup_check=startup_check,
    )


def session_app(openings: list[Opening]) -> RoostApp:
    """The app on ``openings`` (a tab each when there are several), its files in the user's data directory."""
    from .app import RoostApp

    first, *others = openings
    return RoostApp(
        first.settings,
        first.backend,
        data_directory=private_dir(data_dir()),
        store=first.store,
        persist=first.persist,
        preload=first.preload,
        startup_check=first.startup_check,
        more_consoles=others,
    )


def run_tui(args: argparse.Namespace) -> int:
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        # Textual reads stdin and draws on stderr; from a pipe or /dev/null it would read
        # end-of-file forever, at full CPU.
        raise ConfigError("Roost needs a terminal; to write incidents to a file, use roost export.")
    connection = connect(args)
    for settings in connection.consoles:
        keep_out_of_reports(settings.token)
    try:
        if len(connection.consoles) > 1:
            app, status = asyncio.run(_consoles_session(connection.consoles, with_cache=not args.demo))
        else:
            app, status = asyncio.run(_checked_session(connection.settings, with_cache=not args.demo))
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
            app = session_app([opening(settings, backend, cache)])
            return app, await run_in_terminal(app)
        backend = registry.open_backend(settings)
        check = lambda: backend.check(attempts=START_CHECK_ATTEMPTS)  # noqa: E731
        app = session_app([opening(settings, backend, cache, startup_check=check)])
        status = await run_in_terminal(app)
        if app.refused_at_start:
            raise ConfigError(f"Cannot use {shown(settings.console)}: {app.refused_at_start}")
        return app, status
    finally:
        if cache is not None:
            cache.close()  # the saves still queued are written first


async def _consoles_session(consoles: list[Settings], *, with_cache: bool) -> tuple[RoostApp, int]:
    """Run the app on several consoles, a tab each.  Nothing is checked before the first frame: one
    console refusing the token, away or rate-limited says so on its own tab while the others go on."""
    caches = [open_cache(settings) if with_cache else None for settings in consoles]
    try:
        app = session_app([opening(settings, registry.open_backend(settings), cache)
                           for settings, cache in zip(consoles, caches)])
        return app, await run_in_terminal(app)
    finally:
        for cache in caches:
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
