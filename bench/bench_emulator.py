"""What the emulators cost to serve a whole console: every page of the Canary ``all`` feed (500
and 5,000 a page), one search count, and every page of the Log360 list (100 a page, the
server's most), all of it and filtered, at 10,000 and 100,000 incidents (in-process, no network).

A page should cost what the page holds, not what the console does, so a whole pass grows
linearly with the console.  Each pass is timed twice: ``cold``, the first pass over a freshly
seeded console (nothing rendered yet), and ``warm``, the pass after it (each incident's
rendering cached).  Times are CPU seconds of the process (the in-process client's decoding
included) and wall seconds, the median of ``--runs`` runs, each in its own process so that
its RSS is its own: ``state MiB`` is what the seeded console holds, ``+cache MiB`` what serving
every page added to it.

    .venv/bin/python bench/bench_emulator.py [--runs N] [sizes...]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

TOKEN = "bench-emulator-token"
CANARY_PAGES = (500, 5_000)
LOG360_PAGE = 100
LOG360_FILTER = {"status": "open"}

# Wall seconds at 100,000 incidents: originally, then after cursor paging by position (issue 12's note).
PREVIOUS = {
    ("canary", 500): "62.2 → 21.6",
    ("canary", 5_000): "28.4 → 18.7",
    ("search", 1): "1.234 → 0.415",
}


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


class Clock:
    """CPU and wall seconds since it was made."""

    def __init__(self) -> None:
        self.cpu, self.wall = time.process_time(), time.perf_counter()

    def read(self) -> tuple[float, float]:
        return time.process_time() - self.cpu, time.perf_counter() - self.wall


async def canary_pass(app, limit: int) -> tuple[float, float, int, int]:
    """CPU and wall seconds, requests and incidents to read every page of the ``all`` feed."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://emulator") as client:
        clock, requests, incidents = Clock(), 0, 0
        params = {"auth_token": TOKEN, "limit": limit}
        while True:
            body = (await client.get("/api/v1/incidents/all", params=params)).json()
            requests += 1
            incidents += len(body.get("incidents") or [])
            following = (body.get("cursor") or {}).get("next")
            if not following:
                return *clock.read(), requests, incidents
            params = {"auth_token": TOKEN, "cursor": following}


async def search_count(app) -> tuple[float, float]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://emulator") as client:
        clock = Clock()
        body = (await client.get("/api/v1/incidents/search", params={
            "auth_token": TOKEN, "filter_incident_state": "all", "limit": 1})).json()
        assert body["total_results"] > 0
        return clock.read()


async def log360_pass(app, query: dict[str, str]) -> tuple[float, float, int, int]:
    """CPU and wall seconds, requests and incidents to read every page of the list."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://emulator",
                                 headers=headers) as client:
        clock, requests, incidents, start = Clock(), 0, 0, 1
        while True:
            body = (await client.get("/api/v2/incident", params={**query, "from": start, "limit": LOG360_PAGE})).json()
            requests += 1
            incidents += len(body["data"])
            start += LOG360_PAGE
            if start > body["meta"]["total_items"]:
                return *clock.read(), requests, incidents


def measure(console: str, size: int, limit: int) -> dict[str, object]:
    """One console seeded, then passes over it: what one process measures."""
    gc.collect()
    before = rss_mib()
    seeding = Clock()
    if console == "canary":
        from tui.emulator.canary.app import create_app
        from tui.screenshots import seeded_console

        app = create_app(seeded_console(backlog=size), TOKEN)
    else:
        from tui.emulator.log360.app import create_app
        from tui.emulator.log360.generator import populate
        from tui.emulator.log360.state import Log360State
        from tui.screenshots import FIXED_NOW

        state = Log360State(clock=lambda: FIXED_NOW)
        populate(state, size, seed=7)
        app = create_app(state, TOKEN, rate_limit=False)
    seed_seconds = seeding.read()[0]
    gc.collect()
    seeded = rss_mib()
    result: dict[str, object] = {"seed_cpu": seed_seconds, "state_mib": seeded - before}
    if console == "canary":
        result["search"] = asyncio.run(search_count(app))
        passes = [asyncio.run(canary_pass(app, limit)) for _ in ("cold", "warm")]
        assert all(incidents == size for *_, incidents in passes), passes
    else:
        query = {} if limit == 0 else LOG360_FILTER
        passes = [asyncio.run(log360_pass(app, query)) for _ in ("cold", "warm")]
    result["passes"] = [list(one) for one in passes]
    gc.collect()
    result["cache_mib"] = rss_mib() - seeded
    return result


def median_of(runs: list[dict], pick) -> float:
    return statistics.median(pick(run) for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=1, help="runs per row; medians are shown")
    parser.add_argument("--one", nargs=3, metavar=("CONSOLE", "SIZE", "LIMIT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        console, size, limit = args.one
        print(json.dumps(measure(console, int(size), int(limit))))
        return
    print(f"{'console':<8} {'incidents':>9} {'page':>11} {'requests':>8} {'cold cpu s':>10} {'cold wall':>9} "
          f"{'warm cpu s':>10} {'warm wall':>9} {'previous wall':>13} {'state MiB':>9} {'+cache MiB':>10}")
    rows = [("canary", limit, f"{limit:,}") for limit in CANARY_PAGES]
    rows += [("log360", 0, f"{LOG360_PAGE} all"), ("log360", 1, f"{LOG360_PAGE} open")]
    for size in args.sizes:
        searches = []
        for console, limit, label in rows:
            runs = [json.loads(subprocess.run(
                [sys.executable, __file__, "--one", console, str(size), str(limit)],
                check=True, capture_output=True, text=True, cwd=Path(__file__).parent.parent).stdout)
                for _ in range(args.runs)]
            searches += [run["search"] for run in runs if "search" in run]
            requests = runs[0]["passes"][0][2]
            cold_cpu, cold_wall, warm_cpu, warm_wall = (
                median_of(runs, lambda run, i=i, j=j: run["passes"][i][j]) for i, j in ((0, 0), (0, 1), (1, 0), (1, 1)))
            previous = PREVIOUS.get((console, limit), "") if size == 100_000 else ""
            print(f"{console:<8} {size:>9,} {label:>11} {requests:>8,} {cold_cpu:>10.2f} {cold_wall:>9.2f} "
                  f"{warm_cpu:>10.2f} {warm_wall:>9.2f} {previous:>13} {median_of(runs, lambda r: r['state_mib']):>9.0f} "
                  f"{median_of(runs, lambda r: r['cache_mib']):>10.0f}")
        cpu = statistics.median(cpu for cpu, _ in searches) * 1000
        wall = statistics.median(wall for _, wall in searches) * 1000
        previous = PREVIOUS[("search", 1)] if size == 100_000 else ""
        print(f"{'search':<8} {size:>9,} {'count':>11} {1:>8} {cpu / 1000:>10.3f} {wall / 1000:>9.3f} "
              f"{'':>10} {'':>9} {previous:>13}")


if __name__ == "__main__":
    main()
