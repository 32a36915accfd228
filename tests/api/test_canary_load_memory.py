"""What a cold load leaves behind beside the incidents (issue 12: a cold load at 100,000 incidents
ended 16 MiB above a restart from the cache holding the same incidents)."""

from __future__ import annotations

import gc
import json
import sys
import tracemalloc
from pathlib import Path

import httpx

from canary_fakes import CONSOLE_URL, TOKEN
from tui.backends.canary import CanaryBackend
from tui.backends.canary.client import CanaryClient
from tui.store import IncidentStore
from tui.sync import SyncEngine

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from _synthetic import IncidentFactory  # noqa: E402  (incidents shaped like the emulator's and real consoles')

PAGE = 400  # what Roost asks a Canary console for


def feed(documents: list[dict], page_size: int):
    """A console serving ``documents`` as the feed, ``page_size`` a page, cursors by offset."""

    def answer(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("cursor", "0"))
        end = start + page_size
        return httpx.Response(200, json={
            "cursor": {"next": str(end) if end < len(documents) else None},
            "incidents": documents[start:end],
            "max_updated_id": min(end, len(documents)),
            "total_results": len(documents),
            "result": "success",
        })

    return httpx.MockTransport(answer)


async def test_reading_a_page_never_holds_its_decoded_json_whole() -> None:
    """Each incident is parsed as soon as it is decoded: the page's whole tree of decoded JSON
    (several times its text) never lives at once, and leaves no holes among the incidents kept."""
    body = json.dumps({"cursor": {"next": None}, "incidents": IncidentFactory(seed=12).documents(PAGE),
                       "max_updated_id": PAGE, "result": "success"}).encode()
    answer = httpx.MockTransport(lambda request: httpx.Response(200, content=body))  # made once, before measuring
    async with CanaryClient(CONSOLE_URL, TOKEN, transport=answer) as client:
        await client.feed("all")  # the first request's imports and connection are not the page's
        gc.collect()
        tracemalloc.start()
        try:
            start = tracemalloc.get_traced_memory()[0]
            page = await client.feed("all")
            peak = tracemalloc.get_traced_memory()[1] - start
        finally:
            tracemalloc.stop()
    assert len(page.incidents) == PAGE
    # The answer's bytes and text, the incidents, one incident's JSON at a time: not the page's tree.
    assert peak <= 3.5 * len(body), f"peak {peak / len(body):.1f} times the page's text"


async def test_a_load_leaves_no_garbage_frozen_with_the_incidents() -> None:
    """Collections are paused through a load and what exists at its end is frozen for good: the
    reference cycles each page's request leaves must be collected on the way."""
    documents = IncidentFactory(seed=12).documents(2_000)
    for version, document in enumerate(documents, 1):
        document["updated_id"] = version
    backend = CanaryBackend(CanaryClient(CONSOLE_URL, TOKEN, transport=feed(documents, 100)))
    store = IncidentStore(backend.statuses, backend.columns)
    engine = SyncEngine(backend, store, poll_interval=0)
    gc.unfreeze()  # what earlier tests' loads froze, garbage included, is not this load's
    gc.collect()
    try:
        await engine.initial_load()
        gc.unfreeze()
        left = gc.collect()
    finally:
        await backend.aclose()
    assert len(store) == len(documents)
    assert left <= 20, f"{left} objects of garbage frozen after 20 pages"
