"""What the emulators cost to serve a whole console: every page of the Canary ``all`` feed (1,000
a page, as Roost asks, and 5,000), one search count, and every page of the Log360 list (100 a
page, the server's most), all of it and filtered, at 10,000 and 100,000 incidents.

A page should cost what the page holds, not what the console does, so a whole pass grows
linearly with the console.  Each pass is timed twice: ``cold``, the first pass over a freshly
seeded console (nothing written yet), and ``warm``, the pass after it.

The emulator runs as it does for ``roost emulator``: uvicorn on a loopback port, in a process of
its own (``--serve``).  Its CPU seconds are read from ``/proc/<pid>/stat`` before and after each
pass, so they count the emulator alone (HTTP included), never this script's client, which
decodes every page in its own process.  Figures are medians of ``--runs`` runs, each with a
fresh emulator: ``seeded MiB`` is the emulator's RSS once seeded, ``+pass MiB`` what serving
both passes added to it.

    .venv/bin/python bench/bench_emulator.py [--runs N] [sizes...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

TOKEN = "bench-emulator-token"
CANARY_PAGES = (1_000, 5_000)
LOG360_PAGE = 100
LOG360_FILTER = {"status": "open"}
TICKS = os.sysconf("SC_CLK_TCK")

# Measured by this script on the code before issue 12's session 6 (each incident's feed item kept
# once written; answers on a kept-alive connection held ~40 ms by Nagle), medians of 3 runs on a
# shared machine: emulator CPU seconds cold / warm, and +pass MiB.
PREVIOUS: dict[tuple[str, int, int], str] = {
    ("canary", 10_000, 1_000): "1.19/0.17, 53",
    ("canary", 10_000, 5_000): "1.37/0.27, 82",
    ("log360", 10_000, 0): "0.34/0.12, 6",
    ("log360", 10_000, 1): "0.09/0.03, 2",
    ("search", 10_000, 1): "0.10",
    ("canary", 100_000, 1_000): "16.72/1.99, 470",
    ("canary", 100_000, 5_000): "13.60/2.30, 464",
    ("log360", 100_000, 0): "3.04/1.14, 60",
    ("log360", 100_000, 1): "0.73/0.24, 13",
    ("search", 100_000, 1): "0.79",
}


def rss_mib(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process, all its threads."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime and stime, fields 14 and 15


def serve(console: str, size: int) -> None:
    """The emulator seeded with ``size`` incidents, on a free loopback port until stdin closes."""
    started = time.process_time()
    from tui.emulator.server import EmulatorServer
    from tui.screenshots import FIXED_NOW

    imported = rss_mib()
    if console == "canary":
        from tui.emulator.canary.app import create_app
        from tui.screenshots import seeded_console

        app = create_app(seeded_console(backlog=size), TOKEN)
    else:
        from tui.emulator.log360.app import create_app
        from tui.emulator.log360.generator import populate
        from tui.emulator.log360.state import Log360State

        state = Log360State(clock=lambda: FIXED_NOW)
        populate(state, size, seed=7)
        app = create_app(state, TOKEN, rate_limit=False)
    with EmulatorServer(app) as server:
        print(json.dumps({"url": server.base_url, "seed_cpu": time.process_time() - started,
                          "state_mib": rss_mib() - imported}), flush=True)
        sys.stdin.read()


def canary_pass(client: httpx.Client, limit: int) -> tuple[int, int]:
    """Requests and incidents to read every page of the ``all`` feed."""
    requests, incidents = 0, 0
    params = {"auth_token": TOKEN, "limit": limit}
    while True:
        body = client.get("/api/v1/incidents/all", params=params).json()
        requests += 1
        incidents += len(body.get("incidents") or [])
        following = (body.get("cursor") or {}).get("next")
        if not following:
            return requests, incidents
        params = {"auth_token": TOKEN, "cursor": following}


def search_count(client: httpx.Client) -> tuple[int, int]:
    body = client.get("/api/v1/incidents/search", params={
        "auth_token": TOKEN, "filter_incident_state": "all", "limit": 1}).json()
    assert body["total_results"] > 0
    return 1, body["total_results"]


def log360_pass(client: httpx.Client, query: dict[str, str]) -> tuple[int, int]:
    """Requests and incidents to read every page of the list."""
    requests, incidents, start = 0, 0, 1
    while True:
        body = client.get("/api/v2/incident", params={**query, "from": start, "limit": LOG360_PAGE},
                          headers={"Authorization": f"Bearer {TOKEN}"}).json()
        requests += 1
        incidents += len(body["data"])
        start += LOG360_PAGE
        if start > body["meta"]["total_items"]:
            return requests, incidents


def measure(console: str, size: int, limit: int) -> dict[str, object]:
    """One emulator seeded, then passes over it, timed from outside: what one run measures."""
    emulator = subprocess.Popen([sys.executable, __file__, "--serve", console, str(size)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent)
    try:
        ready = json.loads(emulator.stdout.readline())
        seeded = rss_mib(emulator.pid)
        with httpx.Client(base_url=ready["url"], timeout=None) as client:

            def timed(one_pass) -> list[float]:
                cpu, wall = cpu_seconds(emulator.pid), time.perf_counter()
                requests, incidents = one_pass()
                return [cpu_seconds(emulator.pid) - cpu, time.perf_counter() - wall, requests, incidents]

            result: dict[str, object] = {"seed_cpu": ready["seed_cpu"], "state_mib": ready["state_mib"],
                                         "seeded_mib": seeded}
            if console == "canary":
                result["search"] = timed(lambda: search_count(client))
                passes = [timed(lambda: canary_pass(client, limit)) for _ in ("cold", "warm")]
                assert all(incidents == size for *_, incidents in passes), passes
            else:
                query = {} if limit == 0 else LOG360_FILTER
                passes = [timed(lambda: log360_pass(client, query)) for _ in ("cold", "warm")]
        result["passes"] = passes
        result["pass_mib"] = rss_mib(emulator.pid) - seeded
        return result
    finally:
        emulator.stdin.close()
        emulator.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3, help="runs per row; medians are shown")
    parser.add_argument("--serve", nargs=2, metavar=("CONSOLE", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return
    print("emulator CPU seconds (its own process, read from /proc) and wall seconds; medians of "
          f"{args.runs} run(s)")
    print(f"{'console':<8} {'incidents':>9} {'page':>10} {'requests':>8} {'cold cpu s':>10} {'cold wall':>9} "
          f"{'warm cpu s':>10} {'warm wall':>9} {'before cpu, MiB':>16} {'seed cpu':>8} {'seeded MiB':>10} "
          f"{'+pass MiB':>9}")
    rows = [("canary", limit, f"{limit:,}") for limit in CANARY_PAGES]
    rows += [("log360", 0, f"{LOG360_PAGE} all"), ("log360", 1, f"{LOG360_PAGE} open")]
    for size in args.sizes:
        searches = []
        for console, limit, label in rows:
            runs = [measure(console, size, limit) for _ in range(args.runs)]
            searches += [run["search"] for run in runs if "search" in run]

            def median(pick) -> float:
                return statistics.median(pick(run) for run in runs)

            requests = runs[0]["passes"][0][2]
            cold_cpu, cold_wall, warm_cpu, warm_wall = (
                median(lambda run, i=i, j=j: run["passes"][i][j]) for i, j in ((0, 0), (0, 1), (1, 0), (1, 1)))
            before = PREVIOUS.get((console, size, limit), "")
            print(f"{console:<8} {size:>9,} {label:>10} {requests:>8,} {cold_cpu:>10.2f} {cold_wall:>9.2f} "
                  f"{warm_cpu:>10.2f} {warm_wall:>9.2f} {before:>16} {median(lambda r: r['seed_cpu']):>8.1f} "
                  f"{median(lambda r: r['seeded_mib']):>10.0f} {median(lambda r: r['pass_mib']):>9.0f}")
        cpu = statistics.median(cpu for cpu, *_ in searches)
        wall = statistics.median(wall for _, wall, *_ in searches)
        before = PREVIOUS.get(("search", size, 1), "")
        print(f"{'search':<8} {size:>9,} {'count':>10} {1:>8} {cpu:>10.2f} {wall:>9.3f} "
              f"{'':>10} {'':>9} {before:>16}")


if __name__ == "__main__":
    main()
