"""The detail pane lists an incident's lookups as soon as it is shown, the first incident before the
first row: listing them makes no client (httpx is a tenth of start-up, and a restart draws from the
cache); running one makes it and asks the console."""

from __future__ import annotations

import httpx

from tui.backends.canary import CanaryBackend
from tui.backends.canary.client import CanaryClient
from tui.emulator.canary.app import create_app
from tui.screenshots import IN_PROCESS_URL, seeded_console
from tui.secret import Secret

TOKEN = "lookups-token-7c6b5a4d3e"


async def test_listing_lookups_makes_no_client_and_running_one_asks_the_console():
    state = seeded_console(backlog=20, seed=5)
    asked: list[str] = []

    class Recorded(httpx.ASGITransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            asked.append(request.url.path)
            return await super().handle_async_request(request)

    made: list[CanaryClient] = []

    def connect() -> CanaryClient:
        made.append(CanaryClient(IN_PROCESS_URL, Secret(TOKEN), transport=Recorded(app=create_app(state, TOKEN))))
        return made[-1]

    loader = CanaryBackend(CanaryClient(IN_PROCESS_URL, Secret(TOKEN), transport=httpx.ASGITransport(app=create_app(state, TOKEN))))
    incidents = [incident async for batch in loader.load() for incident in batch.incidents]
    backend = CanaryBackend(None, connect=connect)
    on_a_bird = next(incident for incident in incidents if backend.lookups(incident))
    lookups = backend.lookups(on_a_bird)
    assert made == [] and asked == []
    await lookups[0].load()
    assert len(made) == 1 and asked
    await backend.aclose()
    await loader.aclose()
