"""The emulator over real HTTP: uvicorn on a loopback port, in the background or as ``roost emulator``.

uvicorn's access log is off: it would print request URLs, and clients that
send ``?auth_token=...`` would have their token written to the terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import secrets
import signal
import socket
import stat
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from .canary.app import create_app
from .faults import FaultPlan
from .canary.generator import IncidentGenerator, populate
from .canary.state import Clock, ConsoleState

DEFAULT_PORT = 8400
DEFAULT_BACKLOG = 200
# How long stop() lets requests still being answered finish before they are cut.
_GRACE_SECONDS = 2


@dataclass(frozen=True)
class EmulatorOptions:
    """Everything ``roost emulator`` (and ``roost --demo``) decides about the emulated console."""

    token: str = field(repr=False)
    read_only_token: str | None = field(default=None, repr=False)
    backlog: int = DEFAULT_BACKLOG
    seed: int = 0
    rate: float = 0.0  # new incidents per minute while serving
    load: Path | None = None  # a saved /incidents/all response to start from
    latency_ms: int = 0
    faults: FaultPlan | None = None
    always_200: bool = False

    def build_state(self, clock: Clock = time.time) -> ConsoleState:
        """The loaded file's incidents, then the fleet and ``backlog`` generated ones.

        Raises OSError or ValueError, with a message of one line naming the file, if it cannot be loaded.
        """
        state = ConsoleState(clock)
        if self.load is not None:
            try:
                state.load_feed(read_saved_feed(self.load))
            except ValueError as problem:
                raise ValueError(f"{self.load}: {problem}") from None
        populate(state, self.backlog, self.seed)
        return state

    def build_app(self, clock: Clock = time.time) -> Starlette:
        return create_app(
            self.build_state(clock), self.token, read_only_token=self.read_only_token, faults=self.faults,
            latency_ms=self.latency_ms, always_200=self.always_200,
        )


def read_saved_feed(path: Path) -> object:
    """The JSON in ``path``, as ``--load`` reads it; raises OSError or ValueError (one line, no path).

    NaN and the infinities, which Python's json writes but JSON has not, are
    read as null.  A FIFO or a device would block or never end: only regular
    files are read.
    """
    if not stat.S_ISREG(path.stat().st_mode):  # before opening: opening a FIFO waits for a writer
        raise ValueError("not a regular file")
    data = path.read_bytes()
    try:
        return json.loads(data.decode("utf-8"), parse_constant=lambda name: None)
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    except RecursionError:
        raise ValueError("nested too deeply to read") from None
    except ValueError as problem:  # not JSON, or a number over 4,300 digits
        raise ValueError(f"not a saved feed ({str(problem).splitlines()[0]})") from None


class _NotifyingServer(uvicorn.Server):
    """uvicorn, telling another thread once it is serving."""

    def __init__(self, config: uvicorn.Config, started: threading.Event) -> None:
        super().__init__(config)
        self._started_event = started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self._started_event.set()


class EmulatorServer:
    """An emulated console on a real socket, served by uvicorn in a daemon thread.

    ``app_or_options``: an app from ``create_app`` or ``EmulatorOptions`` to build
    one.  ``port=0`` picks a free port; ``base_url`` says which after ``start()``.
    ``rate`` (new incidents per minute) and ``seed`` drive live generation; with
    options they come from the options.  Live changes are made in the server's
    event loop, between requests.  Use as a context manager, or start()/stop().
    """

    def __init__(self, app_or_options: Starlette | EmulatorOptions, host: str = "127.0.0.1", port: int = 0, *,
                 rate: float = 0.0, seed: int = 0) -> None:
        if isinstance(app_or_options, EmulatorOptions):
            self.app = app_or_options.build_app()
            rate, seed = app_or_options.rate, app_or_options.seed
        else:
            self.app = app_or_options
        self.host = host
        self.port = port
        self.rate = rate
        self.seed = seed
        self.base_url = ""
        self._started = threading.Event()
        self._server: _NotifyingServer | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._failure: BaseException | None = None

    @property
    def console(self) -> ConsoleState:
        return self.app.state.console

    def start(self) -> EmulatorServer:
        """Listen and serve; returns once requests are answered.  Raises OSError if the port is taken."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.create_server((self.host, self.port), family=family)
        # Connections accepted from it inherit this.  asyncio sets it only on sockets whose protocol
        # is TCP by number, which create_server's is not: without it, each answer after the first on
        # a kept-alive connection waited for the client's delayed ACK, 40 ms a request.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        config = uvicorn.Config(
            self.app, log_config=None, log_level="warning", access_log=False, lifespan="off",
            timeout_graceful_shutdown=_GRACE_SECONDS,
        )
        self._server = _NotifyingServer(config, self._started)
        self._thread = threading.Thread(target=self._run, args=(sock,), name="roost-emulator", daemon=True)
        self._thread.start()
        self._started.wait()
        if not self._server.started:
            self._thread.join()
            raise RuntimeError("the emulator's server did not start") from self._failure
        port = sock.getsockname()[1]
        self.base_url = f"http://[{self.host}]:{port}" if family == socket.AF_INET6 else f"http://{self.host}:{port}"
        return self

    def stop(self) -> None:
        """Stop serving: requests held by faults are answered, others get a moment to finish."""
        if self._thread is None or self._server is None:
            return
        injector = self.app.state.fault_injector
        if injector is not None and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(injector.release_waiting_requests)
        self._server.should_exit = True
        self._thread.join()
        self._thread = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self, sock: socket.socket) -> None:
        try:
            asyncio.run(self._serve(sock))
        except BaseException as failure:  # reported by start(); a thread has nowhere else to put it
            self._failure = failure
        finally:
            self._started.set()
            sock.close()

    async def _serve(self, sock: socket.socket) -> None:
        assert self._server is not None
        self._loop = asyncio.get_running_loop()
        live = asyncio.create_task(self._generate_live()) if self.rate > 0 else None
        try:
            await self._server.serve(sockets=[sock])
        finally:
            if live is not None:
                live.cancel()
                await asyncio.gather(live, return_exceptions=True)

    async def _generate_live(self) -> None:
        """New incidents at ``rate`` per minute on average (Poisson arrivals).

        An app may bring its own generator as ``app.state.live_generator(seed)`` (Log360 does).
        """
        make_generator = getattr(self.app.state, "live_generator", None)
        seed = f"{self.seed}:live"
        generator = make_generator(seed) if make_generator else IncidentGenerator(self.console, seed)
        while True:
            await asyncio.sleep(generator.rng.expovariate(self.rate / 60))
            generator.live_step()


# -- roost emulator ---------------------------------------------------------------


def _at_least_zero(kind: type):
    def convert(text: str):
        value = kind(text)
        if value < 0:
            raise argparse.ArgumentTypeError(f"must be 0 or more, not {text}")
        return value

    convert.__name__ = kind.__name__  # argparse names the type in its error messages
    return convert


def add_emulator_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``roost emulator``."""
    parser.add_argument("--backend", choices=("canary", "log360"), default="canary",
                        help="which console to emulate: Canary API v1 or Log360 / EventLog Analyzer API v2 "
                             "(default: canary)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=_at_least_zero(int), default=DEFAULT_PORT,
                        help=f"port to listen on, 0 for any free one (default: {DEFAULT_PORT})")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow a --host that is not a loopback address (anyone who can reach it can read)")
    parser.add_argument("--token", help="the API token clients must send (default: a new random one)")
    parser.add_argument("--read-only-token", help="a second token that may read but not act")
    parser.add_argument("--backlog", type=_at_least_zero(int), metavar="N",
                        help=f"incidents to generate at start (default: {DEFAULT_BACKLOG}, or 0 with --load)")
    parser.add_argument("--rate", type=_at_least_zero(float), default=2.0, metavar="PER_MINUTE",
                        help="new incidents per minute while running, 0 for none (default: 2)")
    parser.add_argument("--seed", type=int, help="random seed, for the same incidents every time (default: new)")
    parser.add_argument("--load", type=Path, metavar="FILE",
                        help="start from incidents saved from a console (curl .../api/v1/incidents/all -o FILE)")
    parser.add_argument("--latency", type=_at_least_zero(int), default=0, metavar="MS",
                        help="delay added to every response, in milliseconds")
    parser.add_argument("--faults", default="", metavar="SPEC",
                        help='faults to inject, e.g. "429=0.05,500=0.02,slow=0.05,drop=0.01" or "all=0.1"; '
                             "classes: 429 500 502 503 slow timeout truncated nonjson drop")
    parser.add_argument("--always-200", action="store_true", help="send error bodies with HTTP status 200")
    log360 = parser.add_argument_group("log360 only")
    log360.add_argument("--scopes", metavar="LIST",
                        help="scopes of --token, e.g. incident.READ,users.READ (default: incident.READ,"
                             "incident.CREATE,incidents.update,incident.DELETE,users.READ)")
    log360.add_argument("--no-rate-limit", action="store_true",
                        help="turn off the 60-requests-a-minute limit (on by default)")
    log360.add_argument("--in-progress-spelling", choices=("In Progress", "Inprogress", "In-progress"),
                        default="In Progress", help="how responses spell the in-progress status")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run_emulator(args: argparse.Namespace) -> int:
    """``roost emulator``: serve in the foreground until Ctrl+C (or SIGTERM); the exit status."""
    if not args.allow_remote and not _is_loopback(args.host):
        print(f"roost emulator: {args.host} is not a loopback address; add --allow-remote to listen there anyway",
              file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else secrets.randbelow(1_000_000)
    try:
        faults = FaultPlan.parse(args.faults, seed=seed) if args.faults else None
    except ValueError as problem:
        print(f"roost emulator: --faults: {problem}", file=sys.stderr)
        return 2
    token = args.token or secrets.token_hex(16)
    backlog = args.backlog if args.backlog is not None else (0 if args.load else DEFAULT_BACKLOG)
    if getattr(args, "backend", "canary") == "log360":
        return _run_log360(args, token=token, backlog=backlog, seed=seed, faults=faults)
    options = EmulatorOptions(
        token=token,
        read_only_token=args.read_only_token,
        backlog=backlog,
        seed=seed,
        rate=args.rate,
        load=args.load,
        latency_ms=args.latency,
        faults=faults,
        always_200=args.always_200,
    )
    try:
        server = EmulatorServer(options, args.host, args.port).start()
    except (OSError, ValueError) as problem:  # port taken, unreadable or malformed --load file
        print(f"roost emulator: {problem}", file=sys.stderr)
        return 1
    _print_banner(server, options, args.faults)
    return _serve_until_stopped(server)


def _run_log360(args: argparse.Namespace, *, token: str, backlog: int, seed: int, faults: FaultPlan | None) -> int:
    from .log360.serve import banner, options_from_args

    try:
        options = options_from_args(args, token=token, backlog=backlog, seed=seed, faults=faults)
    except ValueError as problem:
        print(f"roost emulator: --scopes: {problem}", file=sys.stderr)
        return 2
    try:
        server = EmulatorServer(options.build_app(), args.host, args.port, rate=options.rate, seed=seed).start()
    except (OSError, ValueError) as problem:  # port taken, unreadable or malformed --load file
        print(f"roost emulator: {problem}", file=sys.stderr)
        return 1
    print(banner(server.base_url, options, len(server.console), args.faults), flush=True)
    return _serve_until_stopped(server)


def _serve_until_stopped(server: EmulatorServer) -> int:
    """Serve until Ctrl+C or SIGTERM, then stop; the exit status."""
    stop_requested = threading.Event()
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop_requested.set()) if in_main_thread else None
    try:
        stop_requested.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
        server.stop()
    print("roost emulator: stopped", flush=True)
    return 0


def _print_banner(server: EmulatorServer, options: EmulatorOptions, faults_spec: str) -> None:
    lines = [
        f"Roost Canary emulator listening on {server.base_url}",
        f"  API token:        {options.token}",
    ]
    if options.read_only_token:
        lines.append(f"  read-only token:  {options.read_only_token}")
    lines.append(f"  incidents:        {len(server.console.keys())} (seed {options.seed}), "
                 f"{options.rate:g} new per minute")
    if faults_spec or options.latency_ms:
        lines.append(f"  faults:           {faults_spec or 'none'}; latency {options.latency_ms} ms")
    lines += [
        "Try:",
        f"  curl -H 'X-Canary-Auth-Token: {options.token}' '{server.base_url}/api/v1/incidents/unacknowledged?limit=5'",
        "Press Ctrl+C to stop.",
    ]
    print("\n".join(lines), flush=True)
