"""One console against five: memory, keys and tab switches with 20,000 incidents per console.

First, what the stores hold (tracemalloc, no UI): one console of 100,000 incidents against five of
20,000 and the inbox across them, in bytes per incident.  Then the app:

Opens the real app headless at 80x24 on N in-memory Canary consoles of 20,000 synthetic incidents
each (no network), loads them the way the sync loop does (slices of 1,000 applied to each store,
which the inbox follows), then measures the CPU time from a key press until the app is idle again:
  j/k on a console's tab (detail pane shown), j/k in the inbox, and a tab switch (ctrl+right).
It prints the load's CPU time, the process's RSS after it, and per key the median and p95.
Each size runs in its own process, so its RSS is its own.

    .venv/bin/python bench/bench_consoles.py [--per-console N] [consoles...]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _synthetic import IncidentFactory  # noqa: E402
from _keys import percentile  # noqa: E402
from bench_ui import InMemoryConsole  # noqa: E402

from tui.app import RoostApp  # noqa: E402
from tui.collector import collections_paused  # noqa: E402
from tui.backends.canary import CanaryBackend  # noqa: E402
from tui.config import Settings  # noqa: E402
from tui.inbox import Inbox  # noqa: E402
from tui.secret import Secret  # noqa: E402
from tui.session import ConsoleSession, Opening  # noqa: E402

REPEATS = 40
SLICE = 1_000


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


async def press_timed(pilot, keys: list[str]) -> list[float]:
    samples = []
    for key in keys:
        started = time.process_time()
        await pilot.press(key)
        await pilot.pause()
        samples.append((time.process_time() - started) * 1000)
    return samples


async def measure(consoles: int, per_console: int) -> dict[str, float]:
    openings = []
    batches = []
    for number in range(consoles):
        incidents = IncidentFactory(seed=number + 1).incidents(per_console)
        batches.append(incidents)
        settings = Settings(console=f"bench-{number}", token=Secret(f"bench-token-{number}"), profile=f"console{number + 1}",
                            poll_interval=0)
        openings.append(Opening(settings, CanaryBackend(InMemoryConsole(incidents))))
    first, *others = openings
    app = RoostApp(first.settings, first.backend, data_directory=Path(tempfile.mkdtemp()), live=False,
                   more_consoles=others)
    figures: dict[str, float] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        started = time.process_time()
        # As the sync loops load: the collector paused, what is loaded then frozen.
        with collections_paused(then_freeze=True):
            for session, incidents in zip(app.sessions, batches):
                for start in range(0, len(incidents), SLICE):
                    session.engine._apply(incidents[start:start + SLICE])
                    await pilot.pause()
        figures["load CPU s (all consoles, inbox included)"] = time.process_time() - started
        del batches[:]
        collected = time.perf_counter()
        gc.collect()
        figures["one full gc.collect() ms"] = (time.perf_counter() - collected) * 1000
        # The process's whole RSS, the synthetic incidents' making included: the held bytes above say
        # what the stores keep.
        figures["RSS after load MiB"] = rss_mib()
        keys = {"j/k on a console's tab, detail pane": ["j", "k"] * (REPEATS // 2)}
        if consoles > 1:
            # The first visit to a tab builds its screen; later ones only show it.
            keys["first visit to a tab (ctrl+right)"] = ["ctrl+right"] * consoles
            keys["tab switch (ctrl+right)"] = ["ctrl+right"] * REPEATS
            keys["j/k in the inbox, detail pane"] = ["alt+0", *["j", "k"] * (REPEATS // 2)]
        for name, presses in keys.items():
            samples = await press_timed(pilot, presses)
            if presses[0] == "alt+0":
                samples = samples[1:]
            figures[f"{name}: median ms"] = statistics.median(samples)
            figures[f"{name}: p95 ms"] = percentile(samples, 0.95)
        if app.inbox is not None:
            figures["inbox holds"] = len(app.inbox.store)
    return figures


def held_bytes(consoles: int, per_console: int) -> dict[str, float]:
    """Bytes held per incident by ``consoles`` sessions' stores (and the inbox, with several),
    loaded in slices as the sync loop applies them; the incidents' own memory included."""
    tracemalloc.start()
    sessions = []
    for number in range(consoles):
        settings = Settings(console=f"bench-{number}", token=Secret(f"bench-token-{number}"), profile=f"c{number + 1}")
        session = ConsoleSession(Opening(settings, CanaryBackend(InMemoryConsole(()))), data_directory=Path(tempfile.mkdtemp()),
                                 now=lambda: datetime.now(timezone.utc), on_change=lambda *_: None, on_status=lambda *_: None)
        sessions.append(session)
    inbox = Inbox(sessions, archive_dir=Path(tempfile.mkdtemp())) if consoles > 1 else None
    gc.collect()
    empty = tracemalloc.get_traced_memory()[0]
    for number, session in enumerate(sessions):
        incidents = IncidentFactory(seed=number + 1).incidents(per_console)
        for start in range(0, per_console, SLICE):
            changes = session.store.apply(incidents[start:start + SLICE])
            if inbox is not None:
                inbox.follow(session, changes)
        del incidents
        gc.collect()
    held = tracemalloc.get_traced_memory()[0] - empty
    tracemalloc.stop()
    figures = {"held per incident, stores and inbox (bytes)": held / (consoles * per_console)}
    if inbox is not None:
        figures["inbox holds (open incidents)"] = len(inbox.store)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-console", type=int, default=20_000)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process: measure this many consoles
    parser.add_argument("--held", type=int, help=argparse.SUPPRESS)  # a child process: held bytes, this many consoles
    parser.add_argument("--total", type=int, default=100_000, help="incidents in all for the held-bytes rows")
    parser.add_argument("consoles", nargs="*", type=int, default=[1, 5])
    args = parser.parse_args()
    if args.one:
        print(json.dumps(asyncio.run(measure(args.one, args.per_console))))
        return
    if args.held:
        print(json.dumps(held_bytes(args.held, args.total // args.held)))
        return
    for count in args.consoles:
        answer = subprocess.run([sys.executable, __file__, "--held", str(count), "--total", str(args.total)],
                                capture_output=True, text=True, check=True)
        figures = json.loads(answer.stdout.strip().splitlines()[-1])
        print(f"{count} x {args.total // count:,}: " + ", ".join(f"{name} {value:,.0f}" for name, value in figures.items()))
    print()
    columns = {}
    for count in args.consoles:
        answer = subprocess.run([sys.executable, __file__, "--one", str(count), "--per-console", str(args.per_console)],
                                capture_output=True, text=True, check=True)
        columns[count] = json.loads(answer.stdout.strip().splitlines()[-1])
    names = list(dict.fromkeys(name for figures in columns.values() for name in figures))
    width = max(len(name) for name in names)
    print(f"{'':{width}}  " + "  ".join(f"{f'{count} x {args.per_console:,}':>16}" for count in columns))
    for name in names:
        cells = [columns[count].get(name) for count in columns]
        print(f"{name:{width}}  " + "  ".join(f"{'-' if cell is None else f'{cell:,.2f}':>16}" for cell in cells))


if __name__ == "__main__":
    main()
