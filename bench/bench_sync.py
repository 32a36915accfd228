"""Sync at scale, beside Thinkst's canarytools: what an analyst waits for at launch, what the load
costs Roost, and what an idle Roost asks of the console.

For each console size an emulator runs as its own process on loopback (`roost emulator --backlog N
--seed 7 --rate 0`, kept for every run of that size), and each run is a fresh process:
  first newest row   launch until the open view's top screen (20 rows) is the console's newest
  complete open      launch until every unacknowledged incident is held
  whole feed         launch until the initial load ends
  Roost CPU          the client's CPU seconds for the whole load (the emulator's are not counted)
  GC                 time in garbage collections during the load (gc.callbacks), and the longest
  key p95 / max      a key (j, k alternately, every 100 ms) until the cursor has moved, during the load
  per idle hour      requests and incident bodies: 12 reconciles and one poll every 10 s otherwise
Roost runs headless (Textual's run_test, 80x24).  canarytools loads `incidents.unacknowledged()`
and `incidents.all()` (one answer each, no paging) into a separate venv:

    python -m venv /tmp/ct-venv && /tmp/ct-venv/bin/pip install canarytools
    .venv/bin/python bench/bench_sync.py [--sizes 10000 100000] [--runs 3] [--before /tmp/roost-head]
        [--canarytools /tmp/ct-venv/bin/python]

``--before``: another checkout of Roost (e.g. `git worktree add /tmp/roost-head HEAD`), measured the
same way.  Medians of ``--runs`` runs.  The machine is shared: compare ratios, not absolutes.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-sync-token-0f1e2d3c4b5a"
SEED = 7
TOP_ROWS = 20
KEY_EVERY = 0.1
RECONCILE_INTERVAL = 300
POLL_INTERVAL = 10


# ---------------------------------------------------------------- the emulator


def start_emulator(size: int) -> tuple[subprocess.Popen, str]:
    command = [str(ROOT / ".venv/bin/roost"), "emulator", "--backlog", str(size), "--seed", str(SEED), "--rate", "0",
               "--port", "0", "--token", TOKEN]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in process.stdout:  # type: ignore[union-attr]
        found = re.search(r"listening on (http://\S+)", line)
        if found:
            return process, found.group(1)
    raise RuntimeError("the emulator did not start")


def run_child(python: str, args: list[str], pythonpath: str) -> dict:
    env = {**os.environ, "PYTHONPATH": pythonpath}
    done = subprocess.run([python, __file__, *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- one Roost run (child process)


class GcClock:
    """Seconds spent in garbage collection, and the longest pause."""

    def __init__(self) -> None:
        self.total = 0.0
        self.longest = 0.0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            pause = time.perf_counter() - self._started
            self.total += pause
            self.longest = max(self.longest, pause)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def roost_run(url: str) -> dict:
    import httpx
    from textual import events

    from tui.app import RoostApp
    from tui.backends.registry import open_backend
    from tui.config import Settings
    from tui.secret import Secret
    from tui.store import ViewSpec

    class Counting(httpx.AsyncHTTPTransport):
        counting = False
        requests = 0
        bodies = 0

        async def handle_async_request(self, request):
            response = await super().handle_async_request(request)
            if not self.counting:
                return response
            body = await response.aread()
            self.requests += 1
            incidents = json.loads(body).get("incidents") if body.startswith(b"{") else None
            self.bodies += len(incidents) if isinstance(incidents, list) else 0
            return httpx.Response(response.status_code, headers=response.headers, content=body)

    transport = Counting()
    settings = Settings(console=url, token=Secret(TOKEN), profile="bench", poll_interval=0, page_size=100)
    with tempfile.TemporaryDirectory() as data:
        app = RoostApp(settings, open_backend(settings, transport=transport), data_directory=Path(data))
        app.detail_delay = 0
        samples: list[tuple[float, list[str], int]] = []
        latencies: list[float] = []
        gc_clock = GcClock()
        started = time.perf_counter()
        cpu_started = cpu_seconds()
        async with app.run_test(size=(80, 24)) as pilot:
            open_view = ViewSpec(feed="open")

            def loaded() -> bool:
                return app.sync_status.state in ("live", "manual", "paused")

            async def sample() -> None:
                while not loaded():
                    samples.append((time.perf_counter() - started, app.store.view(open_view).keys(0, TOP_ROWS),
                                    app.store.counts()[0]))
                    await asyncio.sleep(0.01)

            async def press_keys() -> None:
                table = app.main_screen.table
                presses = 0
                while not loaded():
                    await asyncio.sleep(KEY_EVERY)
                    before = table.cursor_index
                    if table.cursor_key is None:
                        continue
                    pressed = time.perf_counter()
                    key = "j" if presses % 2 == 0 else "k"
                    app.post_message(events.Key(key, key))
                    while table.cursor_index == before and not loaded():
                        await asyncio.sleep(0.001)
                    if table.cursor_index != before:
                        latencies.append(time.perf_counter() - pressed)
                        presses += 1

            sampler = asyncio.create_task(sample())
            presser = asyncio.create_task(press_keys())
            while not loaded():
                await asyncio.sleep(0.01)
            whole = time.perf_counter() - started
            cpu = cpu_seconds() - cpu_started
            gc_total, gc_longest = gc_clock.total, gc_clock.longest
            await sampler
            await presser

            final_top = app.store.view(open_view).keys(0, TOP_ROWS)
            final_open = app.store.counts()[0]
            first_row = next((at for at, top, _ in samples if top == final_top), whole)
            complete_open = next((at for at, _, count in samples if count >= final_open), whole)

            transport.counting = True
            await app.engine.reconcile()  # the census, then a poll
            reconcile = (transport.requests, transport.bodies)
            transport.requests = transport.bodies = 0
            await app.engine.poll_once()
            poll = (transport.requests, transport.bodies)
            reconciles = 3600 // RECONCILE_INTERVAL
            polls = 3600 // POLL_INTERVAL - reconciles
            await pilot.press("q")
    latencies.sort()
    return {
        "first_row": first_row, "complete_open": complete_open, "whole": whole, "cpu": cpu,
        "gc": gc_total, "gc_longest": gc_longest,
        "key_p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else None,
        "key_max": latencies[-1] if latencies else None, "keys": len(latencies),
        "hour_requests": reconciles * reconcile[0] + polls * poll[0],
        "hour_bodies": reconciles * reconcile[1] + polls * poll[1],
        "incidents": len(app.store),
    }


# ---------------------------------------------------------------- one canarytools run (child process)


def canarytools_run(url: str) -> dict:
    import canarytools
    import canarytools.console

    gc_clock = GcClock()
    console = canarytools.Console(domain="bench", api_key=TOKEN)
    canarytools.console.ROOT = f"{url}/api/v1/"
    started = time.perf_counter()
    cpu_started = cpu_seconds()
    unacknowledged = console.incidents.unacknowledged()
    complete_open = time.perf_counter() - started
    everything = console.incidents.all()
    return {
        "first_row": complete_open, "complete_open": complete_open, "whole": time.perf_counter() - started,
        "cpu": cpu_seconds() - cpu_started, "gc": gc_clock.total, "gc_longest": gc_clock.longest,
        "key_p95": None, "key_max": None, "hour_requests": None, "hour_bodies": None,
        "incidents": len(everything), "open": len(unacknowledged),
    }


# ---------------------------------------------------------------- the table


def median(runs: list[dict], name: str):
    values = [run[name] for run in runs if run.get(name) is not None]
    return statistics.median(values) if values else None


def cell(value, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "ms":
        return f"{value * 1000:.0f} ms"
    return f"{value:,.0f}"


COLUMNS = (("first newest row", "first_row", "s"), ("complete open view", "complete_open", "s"),
           ("whole feed", "whole", "s"), ("Roost CPU", "cpu", "s"), ("GC time", "gc", "s"),
           ("longest GC", "gc_longest", "ms"), ("key p95", "key_p95", "ms"), ("key max", "key_max", "ms"),
           ("requests / idle hour", "hour_requests", "n"), ("bodies / idle hour", "hour_bodies", "n"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", help="another Roost checkout to measure beside this one")
    parser.add_argument("--canarytools", default="/tmp/ct-venv/bin/python", help="a python with canarytools")
    parser.add_argument("--child", choices=("roost", "canarytools"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "roost":
        print(json.dumps(asyncio.run(roost_run(args.url))))
        return
    if args.child == "canarytools":
        print(json.dumps(canarytools_run(args.url)))
        return

    python = str(ROOT / ".venv/bin/python")
    contenders = [("Roost now", python, str(ROOT))]
    if args.before:
        contenders.insert(0, ("Roost before", python, args.before))
    has_canarytools = subprocess.run([args.canarytools, "-c", "import canarytools"], capture_output=True,
                                     check=False).returncode == 0 if Path(args.canarytools).exists() else False
    if has_canarytools:
        contenders.append(("canarytools", args.canarytools, ""))
    else:
        print(f"canarytools not found at {args.canarytools}: its column is left out. Install it with\n"
              "  python -m venv /tmp/ct-venv && /tmp/ct-venv/bin/pip install canarytools\n")
    print("| console | " + " | ".join(title for title, _, _ in COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    for size in args.sizes:
        emulator, url = start_emulator(size)
        try:
            for name, interpreter, path in contenders:
                child = "canarytools" if name == "canarytools" else "roost"
                runs = [run_child(interpreter, ["--child", child, "--url", url], path) for _ in range(args.runs)]
                assert all(run["incidents"] == size for run in runs), [run["incidents"] for run in runs]
                cells = [cell(median(runs, key), unit) for _, key, unit in COLUMNS]
                print(f"| {size:,}, {name} | " + " | ".join(cells) + " |", flush=True)
        finally:
            emulator.terminate()
            emulator.wait()


if __name__ == "__main__":
    main()
