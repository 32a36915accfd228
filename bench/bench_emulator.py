"""What the Canary emulator costs to serve a whole feed: the time to page through the ``all``
feed and one search count, at 10,000 and 100,000 incidents (in-process, no network).

A page should cost what the page holds, not what the console does, so the whole feed's time
grows linearly with the console.

    .venv/bin/python bench/bench_emulator.py [sizes...]
"""

from __future__ import annotations

import asyncio
import sys
import time

import httpx

from tui.emulator.canary.app import create_app
from tui.screenshots import seeded_console

TOKEN = "bench-emulator-token"
PAGE_SIZES = (500, 5_000)


async def whole_feed(app, limit: int) -> tuple[float, int, int]:
    """Seconds, requests and incidents to read every page of the ``all`` feed."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://emulator") as client:
        started, requests, incidents = time.perf_counter(), 0, 0
        params = {"auth_token": TOKEN, "limit": limit}
        while True:
            body = (await client.get("/api/v1/incidents/all", params=params)).json()
            requests += 1
            incidents += len(body.get("incidents") or [])
            following = (body.get("cursor") or {}).get("next")
            if not following:
                return time.perf_counter() - started, requests, incidents
            params = {"auth_token": TOKEN, "cursor": following}


async def search_count(app) -> float:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://emulator") as client:
        started = time.perf_counter()
        body = (await client.get("/api/v1/incidents/search", params={
            "auth_token": TOKEN, "filter_incident_state": "all", "limit": 1})).json()
        assert body["total_results"] > 0
        return time.perf_counter() - started


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [10_000, 100_000]
    print(f"{'incidents':>10} {'page':>6} {'requests':>9} {'whole feed s':>13} {'ms/page':>8} {'search count ms':>16}")
    for size in sizes:
        app = create_app(seeded_console(backlog=size), TOKEN)
        count_ms = asyncio.run(search_count(app)) * 1000
        for limit in PAGE_SIZES:
            seconds, requests, incidents = asyncio.run(whole_feed(app, limit))
            assert incidents == size, (incidents, size)
            print(f"{size:>10,} {limit:>6,} {requests:>9,} {seconds:>13.2f} {seconds / requests * 1000:>8.1f} {count_ms:>16.1f}")


if __name__ == "__main__":
    main()
