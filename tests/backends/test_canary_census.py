"""Canary's census by difference: what finding deletions costs the console.

The census counts incidents per window of creation time with one search of one incident and
narrows down only where the console's count and Roost's disagree, so an unchanged console of
2,000 incidents answers one request with one incident body, and a deletion costs a handful.
"""

from __future__ import annotations

import json

import httpx

from tui.backends.canary import CENSUS_CONFIRM_LIMIT, CanaryBackend
from tui.backends.canary.client import CanaryClient
from tui.emulator.canary.app import create_app
from tui.screenshots import IN_PROCESS_URL, seeded_console
from tui.secret import Secret

TOKEN = "census-cost-token-5e4d3c2b1a"
BACKLOG = 2_000


class Counted(httpx.ASGITransport):
    """The emulator, counting requests and the incident bodies it sends back."""

    def __init__(self, app) -> None:
        super().__init__(app=app)
        self.requests = 0
        self.bodies = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        body = await response.aread()
        self.requests += 1
        incidents = json.loads(body).get("incidents") if body.startswith(b"{") else None
        self.bodies += len(incidents) if isinstance(incidents, list) else 0
        return httpx.Response(response.status_code, headers=response.headers, content=body)


async def _held(state):
    transport = Counted(create_app(state, TOKEN))
    backend = CanaryBackend(CanaryClient(IN_PROCESS_URL, Secret(TOKEN), transport=transport), retry_delay=0)
    loaded = {}
    async for batch in backend.load():
        loaded.update((incident.key, incident) for incident in batch.incidents)
    transport.requests = transport.bodies = 0
    return backend, transport, [(key, incident.created) for key, incident in loaded.items()]


async def test_an_unchanged_console_answers_the_census_with_one_request_of_one_body():
    state = seeded_console(backlog=BACKLOG)
    backend, transport, held = await _held(state)
    census = await backend.census(held)
    assert census.keys is None and census.gone == frozenset()
    assert (transport.requests, transport.bodies) == (1, 1)


async def test_a_few_deletions_cost_requests_that_grow_with_them_not_with_the_console():
    state = seeded_console(backlog=BACKLOG)
    backend, transport, held = await _held(state)
    deleted = {held[10][0], held[1_500][0]}
    for key in deleted:
        state.delete(key)
    census = await backend.census(held)
    assert census.gone == frozenset(deleted)
    # Two windows of ≤ 500 listed, a few counts on the way down, one fetch each to confirm.
    assert transport.requests <= 16 and transport.bodies <= 2 * 500 + 16


async def test_wholesale_disagreement_falls_back_to_listing_every_key():
    state = seeded_console(backlog=BACKLOG)
    backend, _, held = await _held(state)
    for key, _ in held[: CENSUS_CONFIRM_LIMIT + 400]:
        state.delete(key)
    census = await backend.census(held)
    assert census.keys == frozenset(state.keys("all"))


async def test_a_reconcile_of_an_unchanged_console_reads_one_incident_body_and_drops_a_deletion_made_elsewhere():
    from tui.store import IncidentStore
    from tui.sync import SyncEngine

    state = seeded_console(backlog=BACKLOG)
    transport = Counted(create_app(state, TOKEN))
    backend = CanaryBackend(CanaryClient(IN_PROCESS_URL, Secret(TOKEN), transport=transport), retry_delay=0)
    store = IncidentStore(backend.statuses, backend.columns)
    engine = SyncEngine(backend, store, poll_interval=0)
    await engine.initial_load()
    transport.requests = transport.bodies = 0

    await engine.reconcile()  # the census, then the delta poll
    assert len(store) == BACKLOG and transport.bodies == 1 and transport.requests == 2

    gone = next(iter(store.keys()))
    state.delete(gone)
    await engine.reconcile()
    assert gone not in store and len(store) == BACKLOG - 1
