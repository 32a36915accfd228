"""iter_feed follows cursor.next to the end, whatever page size the console picks,
and never next_link (which embeds the token)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from canary_fakes import TOKEN, RecordingConsole
from tui.backends.canary.client import CanaryClient
from tui.backends.errors import ProtocolError, ServerError


def feed_item(updated_id: int) -> dict[str, Any]:
    return {
        "description": {"description": "SSH Login Attempt", "logtype": "4002", "acknowledged": "False"},
        "hash_id": f"{updated_id:032x}",
        "id": f"incident:sshlogin:{updated_id:032x}:10.0.9.77:1720684078",
        "summary": "SSH Login Attempt",
        "updated_id": updated_id,
        "updated_time": "1720684078",
    }


def console_paging(items: list[dict[str, Any]], page_size: int):
    """A console that ignores the requested limit and serves ``page_size`` items a page.

    Its cursors are offsets; its next_link points at another host and carries the
    token, as a real console's does, so following it would show up in the record.
    """

    def answer(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("cursor", "0"))
        end = start + page_size
        more = end < len(items)
        page = items[start:end]
        body: dict[str, Any] = {
            "cursor": {
                "next": str(end) if more else None,
                "next_link": f"https://elsewhere.example/api/v1/incidents/all?cursor={end}&auth_token={TOKEN}"
                if more
                else None,
                "prev": str(start - page_size) if start else None,
                "prev_link": None,
            },
            "feed": "All Incidents",
            "incidents": page,
            "result": "success",
        }
        if page:
            body["max_updated_id"] = max(item["updated_id"] for item in page)
        return httpx.Response(200, json=body)

    return answer


async def collect(client: CanaryClient, **query: Any) -> list:
    return [page async for page in client.iter_feed("all", **query)]


async def test_follows_cursors_whatever_page_size_the_console_picks(console: RecordingConsole, client) -> None:
    console.reply(*[console_paging([feed_item(n) for n in range(1, 6)], page_size=2)] * 3)
    pages = await collect(client, limit=100, incidents_since=0, flock_id="flock:default", shrink=True)

    assert [len(page.incidents) for page in pages] == [2, 2, 1]
    assert [i.version for page in pages for i in page.incidents] == [1, 2, 3, 4, 5]
    assert [page.max_updated_id for page in pages] == [2, 4, 5]
    assert pages[-1].next_cursor is None
    first, *follow_ups = console.sent
    assert first.query == {"limit": "100", "incidents_since": "0", "flock_id": "flock:default", "shrink": "true"}
    # Follow-ups carry the cursor, never the filters again, and never go where next_link points.
    assert [sent.query for sent in follow_ups] == [{"cursor": "2", "shrink": "true"}, {"cursor": "4", "shrink": "true"}]
    assert {sent.url.split("?")[0] for sent in console.sent} == {"http://console.test/api/v1/incidents/all"}
    assert all(TOKEN not in repr(page.raw) for page in pages)


async def test_a_single_page_without_a_cursor_object(console: RecordingConsole, client: CanaryClient) -> None:
    console.reply({"feed": "All Incidents", "incidents": [feed_item(7)], "max_updated_id": 7, "result": "success"})
    pages = await collect(client)
    assert [[i.version for i in page.incidents] for page in pages] == [[7]]


async def test_null_incidents_end_the_feed(console: RecordingConsole, client: CanaryClient) -> None:
    console.reply(
        {"cursor": {"next": "a", "prev": None}, "incidents": [feed_item(1)], "result": "success"},
        {"cursor": {"next": "b", "prev": "a"}, "incidents": None, "result": "success"},
    )
    pages = await collect(client, limit=1)
    assert [len(page.incidents) for page in pages] == [1, 0]
    assert len(console.sent) == 2


async def test_a_cursor_sent_twice_stops_the_paging(console: RecordingConsole, client: CanaryClient) -> None:
    looping = {"cursor": {"next": "again"}, "incidents": [feed_item(1)], "result": "success"}
    console.reply(looping, looping)
    with pytest.raises(ProtocolError, match="same cursor twice"):
        await collect(client, limit=1)
    assert len(console.sent) == 2


async def test_an_error_mid_feed_is_raised_after_the_pages_before_it(console: RecordingConsole, client) -> None:
    console.reply(
        {"cursor": {"next": "2"}, "incidents": [feed_item(1)], "result": "success"},
        lambda request: httpx.Response(503),
    )
    pages = []
    with pytest.raises(ServerError):
        async for page in client.iter_feed("unacknowledged", limit=1):
            pages.append(page)
    assert len(pages) == 1
    assert console.last.path == "/api/v1/incidents/unacknowledged"
