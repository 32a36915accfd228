"""Log360 under its 60-requests-a-minute budget: first screen and full refresh passes.

For 1,000 and 10,000 incidents, listing all of them or only a profile's
``queue = ["open", "in_progress"]``: Roost's own backend, pacer, sync engine and store
against the Log360 emulator in-process (httpx.ASGITransport), the emulator's limit off so
that the pacer alone keeps the budget, as it must against a real server.

The budget makes a 10,000-incident pass take about two minutes, so by default the event
loop's clock is simulated: when nothing is ready to run, it jumps to the next timer instead
of waiting for it.  The pacer runs on that clock, so "s on the clock" is the wall time the
budget imposes, and "work" what the work itself cost, for real.  ``--real-time`` runs on
the ordinary clock and waits for real (tens of minutes; ``--minutes`` shortens it).

Rows, one table per queue, a column per size:
- first screen: launch (``check``) → the first page of incidents applied to the store, and
  then the first page of the default view (what the table draws first);
- cold load: the first full pass into an empty store, as at launch; whether the status line
  said "stalled" meanwhile (a wait for the budget counts as an unanswered request);
- refresh pass: the next full pass (a backend without deltas re-lists everything), started
  right after the load, so the load's requests still fill the budget's window;
- polling: ``--minutes`` of the steady state (a pass, ``--poll-interval`` seconds' rest,
  again) while an analyst opens an incident every ``--action-every`` seconds: passes, the
  time from one pass's end to the next's, the most requests in any 60 s, what the refresh
  left of the server's 60 for actions, and how long each opening waited;
- roost in a pty: launch → first row drawn, the real app on the real clock against the
  emulator in another process (``--no-pty`` skips it).

    .venv/bin/python bench/bench_log360.py [--sizes 1000 10000] [--queues all ...] [--real-time]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pty
import select
import selectors
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any, Callable, Coroutine

import httpx
from bench_startup import GIVE_UP_SECONDS, INCIDENTS_SHOWN, REPOSITORY, free_port

from tui.backends.log360 import Log360Backend
from tui.backends.log360.client import Log360Client
from tui.backends.log360.pacer import LIMIT, RESERVED, WINDOW, Pacer
from tui.config import DEFAULT_POLL_INTERVAL
from tui.emulator.log360.app import create_app
from tui.emulator.log360.generator import populate
from tui.emulator.log360.state import Log360State
from tui.secret import Secret
from tui.store import IncidentStore, ViewSpec
from tui.sync import SyncEngine

TOKEN = "bench-log360-token-0a1b2c3d4e5f"
QUEUES: dict[str, tuple[str, ...]] = {"all": (), "open+in progress": ("open", "in_progress")}
PAGE_SIZE = 100  # the table's default page
LIST_PATH = "/api/v2/incident"  # a refresh's pages; every other request here is an action's
SIMULATED_START = 1_000.0  # the simulated clock's reading at start (any positive time)


class _JumpingSelector(selectors.DefaultSelector):
    """Polls for I/O without waiting; when there is none, moves the clock on by the timeout
    the event loop would have waited (to its next timer) instead of sleeping."""

    def __init__(self) -> None:
        super().__init__()
        self.now = SIMULATED_START

    def select(self, timeout: float | None = None) -> list[Any]:
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:  # no timer at all: only I/O can wake the loop
            return super().select(None)
        self.now += timeout
        return []


class SimulatedTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock is simulated: everything in-process, no waiting."""

    def __init__(self) -> None:
        self._jumping = _JumpingSelector()
        super().__init__(self._jumping)

    def time(self) -> float:
        return self._jumping.now


class CountingTransport(httpx.AsyncBaseTransport):
    """The emulator in-process, noting when (on the loop's clock) each request reached it."""

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self.sent: list[tuple[float, str]] = []  # (when, path)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((asyncio.get_running_loop().time(), request.url.path))
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@dataclass(frozen=True)
class Phase:
    """What one stretch of work took: requests, seconds on the loop's clock, and the real
    seconds (elapsed and CPU) the work itself cost."""

    requests: int
    clock: float
    elapsed: float
    cpu: float


def meter(pacer: Pacer) -> Callable[[], Phase]:
    """Starts timing a phase; call the answer to stop."""
    loop = asyncio.get_running_loop()
    began = (sum(pacer.sent.values()), loop.time(), time.perf_counter(), time.process_time())

    def stop() -> Phase:
        requests, clock, elapsed, cpu = began
        return Phase(sum(pacer.sent.values()) - requests, loop.time() - clock, time.perf_counter() - elapsed,
                     time.process_time() - cpu)

    return stop


def busiest_minute(times: list[float]) -> int:
    """The most of ``times`` in any 60 s: what a server counting by the minute would see."""
    ordered = sorted(times)
    return max((bisect_right(ordered, start + WINDOW - 1e-9) - index for index, start in enumerate(ordered)),
               default=0)


async def scenario(size: int, queue: tuple[str, ...], seed: int, poll_every: float, action_every: float,
                   minutes: float) -> dict[str, str]:
    """One column of the table: ``size`` incidents on the server, ``queue`` the statuses listed."""
    loop = asyncio.get_running_loop()
    state = Log360State()
    populate(state, size, seed=seed)
    listed = sum(1 for incident in state.incidents() if not queue or incident.status in queue)
    transport = CountingTransport(create_app(state, TOKEN, rate_limit=False))
    pacer = Pacer(clock=loop.time)  # the real budget: 60 a minute, 10 of each window kept for actions
    client = Log360Client("http://log360.bench", Secret(TOKEN), allow_http=True, pacer=pacer, transport=transport)
    backend = Log360Backend(client, queue=queue, clock=loop.time)
    store = IncidentStore(Log360Backend.statuses, Log360Backend.columns)
    states: list[str] = []
    first_screen: list[tuple[Phase, float]] = []  # and the seconds the table's first page took
    launch = meter(pacer)

    def on_change(changes: Any) -> None:
        if not first_screen:
            phase = launch()
            drawing = time.perf_counter()
            store.view(ViewSpec()).page(0, PAGE_SIZE)
            first_screen.append((phase, time.perf_counter() - drawing))

    def on_status(status: Any) -> None:
        if not states or states[-1] != status.state:
            states.append(status.state)

    engine = SyncEngine(backend, store, poll_interval=0, monotonic=loop.time, on_change=on_change,
                        on_status=on_status)
    figures: dict[str, str] = {"incidents the queue lists": f"{listed:,}"}
    try:
        await backend.check()
        stop_load = meter(pacer)
        await engine.initial_load()
        load = stop_load()
        load_states = list(states)
        stop_refresh = meter(pacer)
        await engine.poll_once()
        refresh = stop_refresh()

        steady_from = len(transport.sent)
        steady = await polling(engine, backend, store, Random(seed), poll_every, action_every, minutes * 60)
        steady_sent = transport.sent[steady_from:]
    finally:
        await backend.aclose()

    screen, drawing = first_screen[0]
    figures["first screen: requests (check, users, page 1)"] = f"{screen.requests}"
    figures["first screen: s on the clock"] = _s(screen.clock)
    figures["first screen: work, elapsed ms"] = _ms(screen.elapsed)
    figures["first rows drawn: view page 0, ms"] = _ms(drawing)
    figures["cold load: requests"] = f"{load.requests}"
    figures["cold load: s on the clock"] = _s(load.clock)
    figures["cold load: work, elapsed / CPU s"] = f"{load.elapsed:.2f} / {load.cpu:.2f}"
    figures["cold load: status line said stalled"] = f"{load_states.count('stalled')} times"
    figures["refresh pass: requests"] = f"{refresh.requests}"
    figures["refresh pass: s on the clock"] = _s(refresh.clock)
    figures["refresh pass: work, elapsed / CPU s"] = f"{refresh.elapsed:.2f} / {refresh.cpu:.2f}"
    refreshing = busiest_minute([at for at, path in steady_sent if path == LIST_PATH])
    steady_label = f"polling every {poll_every:g} s, {minutes:g} min"
    figures[f"{steady_label}: passes"] = f"{len(steady.completed)}"
    gaps = [later - earlier for earlier, later in zip(steady.completed, steady.completed[1:])]
    figures[f"{steady_label}: pass to pass, median / max s"] = (
        f"{statistics.median(gaps):.1f} / {max(gaps):.1f}" if gaps else "-"
    )
    figures[f"{steady_label}: most requests in 60 s"] = f"{busiest_minute([at for at, _ in steady_sent])}"
    figures[f"{steady_label}: most refresh requests in 60 s"] = f"{refreshing}"
    figures[f"{steady_label}: left for actions in those 60 s"] = f"{LIMIT - refreshing}"
    figures[f"analyst opening one every {action_every:g} s: opened"] = f"{len(steady.waits)}"
    figures["analyst: wait for the answer, median / max s"] = (
        f"{statistics.median(steady.waits):.1f} / {max(steady.waits):.1f}" if steady.waits else "-"
    )
    return figures


@dataclass
class Polling:
    """When each pass of the steady phase completed, and how long each action waited."""

    completed: list[float] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)


async def polling(engine: SyncEngine, backend: Log360Backend, store: IncidentStore, rng: Random,
                  poll_every: float, action_every: float, duration: float) -> Polling:
    """``duration`` seconds of the sync loop's steady state (a pass, then ``poll_every`` seconds'
    rest, again) while an analyst opens a random incident every ``action_every`` seconds (one
    interactive request each, as the detail pane's notes and activity are read)."""
    loop = asyncio.get_running_loop()
    result = Polling()
    keys = list(store.keys())

    async def refresh() -> None:
        while True:
            await asyncio.sleep(poll_every)
            await engine.poll_once()
            result.completed.append(loop.time())

    async def analyst() -> None:
        while True:
            await asyncio.sleep(action_every)
            pressed = loop.time()
            await backend.fetch(rng.choice(keys))
            result.waits.append(loop.time() - pressed)

    tasks = [asyncio.ensure_future(refresh()), asyncio.ensure_future(analyst())]
    await asyncio.sleep(duration)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return result


def _s(seconds: float) -> str:
    return f"{seconds:.1f}"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def run(coroutine: Coroutine[Any, Any, dict[str, str]], real_time: bool) -> dict[str, str]:
    with asyncio.Runner(loop_factory=None if real_time else SimulatedTimeLoop) as runner:
        return runner.run(coroutine)


def first_row_in_pty(size: int, queue: tuple[str, ...], seed: int) -> float:
    """Seconds from launching ``roost`` in a pseudo-terminal, on a Log360 profile with an empty
    cache, to its first row of incidents: the real app, pacer and clock, against the emulator
    (its own limit off) in another process."""
    port = free_port()
    emulator = subprocess.Popen(
        [sys.executable, "-m", "tui", "emulator", "--backend", "log360", "--port", str(port), "--token", TOKEN,
         "--backlog", str(size), "--rate", "0", "--seed", str(seed), "--no-rate-limit"],
        cwd=REPOSITORY, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        for line in emulator.stdout:
            if f"127.0.0.1:{port}".encode() in line:
                break
        else:
            raise SystemExit(f"the Log360 emulator did not start: exit status {emulator.wait()}")
        with tempfile.TemporaryDirectory(prefix="roost-bench-") as directory:
            return _time_first_row(Path(directory), port, queue)
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)


def _time_first_row(home: Path, port: int, queue: tuple[str, ...]) -> float:
    token_file = home / "token"
    token_file.write_text(TOKEN)
    token_file.chmod(0o600)
    config = home / "config.toml"
    queue_line = f"queue = [{', '.join(f'{status!r}' for status in queue)}]\n" if queue else ""
    config.write_text(f'[profile.bench]\nbackend = "log360"\nconsole = "http://127.0.0.1:{port}"\n'
                      f'token_file = "{token_file}"\nallow_http = true\n{queue_line}')
    environment = {
        "HOME": str(home), "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24", "ROOST_CONFIG": str(config),
        **{f"XDG_{name}_HOME": str(home / name.lower()) for name in ("CONFIG", "CACHE", "DATA", "STATE")},
    }
    started = time.monotonic()
    pid, master = pty.fork()
    if pid == 0:
        try:
            os.chdir(REPOSITORY)
            os.environ.update(environment)
            os.execv(sys.executable, [sys.executable, "-m", "tui", "--profile", "bench", "--poll-interval", "0"])
        finally:
            os._exit(127)
    output = b""
    try:
        while not INCIDENTS_SHOWN.search(output):
            if time.monotonic() - started > GIVE_UP_SECONDS:
                raise SystemExit(f"gave up after {GIVE_UP_SECONDS:g} s: {output[-200:]!r}")
            if select.select([master], [], [], 0.01)[0]:
                try:
                    output += os.read(master, 1 << 20)
                except OSError:
                    raise SystemExit(f"roost ended early: {output[-300:]!r}") from None
        return time.monotonic() - started
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(master)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--queues", nargs="+", choices=list(QUEUES), default=list(QUEUES),
                        help="which statuses a pass lists: all, or the profile's queue of open and in progress")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--poll-interval", type=float, default=DEFAULT_POLL_INTERVAL, metavar="SECONDS",
                        help=f"rest between passes in the steady phase (default {DEFAULT_POLL_INTERVAL:g}, Roost's)")
    parser.add_argument("--minutes", type=float, default=5.0, help="length of the steady phase (default 5)")
    parser.add_argument("--action-every", type=float, default=6.0, metavar="SECONDS",
                        help="the analyst's pace in the steady phase (default 6: ten a minute, the reserve)")
    parser.add_argument("--real-time", action="store_true",
                        help="wait for the budget for real instead of simulating the clock (many minutes)")
    parser.add_argument("--no-pty", dest="pty", action="store_false",
                        help="skip launching roost in a pseudo-terminal for its first row")
    args = parser.parse_args()
    clock = "the clock: real" if args.real_time else "the clock: simulated (the work's own cost: real)"
    print(f"Log360 at {LIMIT} requests a minute ({RESERVED} of each window kept for actions), "
          f"{PAGE_SIZE} incidents a page, emulator in-process, {clock}")
    for name in args.queues:
        columns = []
        for size in args.sizes:
            figures = run(scenario(size, QUEUES[name], args.seed, args.poll_interval, args.action_every,
                                   args.minutes), args.real_time)
            if args.pty:
                figures["roost in a pty: launch to first row, real s"] = \
                    f"{first_row_in_pty(size, QUEUES[name], args.seed):.2f}"
            columns.append(figures)
        labels = list(columns[0])
        width = max(map(len, labels))
        print(f"\nqueue: {name}")
        print(f"{'incidents':<{width}}  " + "  ".join(f"{size:>20,}" for size in args.sizes))
        for label in labels:
            print(f"{label:<{width}}  " + "  ".join(f"{column[label]:>20}" for column in columns))


if __name__ == "__main__":
    main()
