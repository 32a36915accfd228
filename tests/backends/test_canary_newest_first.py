"""Canary's whole load, newest first: the first batch is the newest incidents, and what the load
and the next poll leave is exactly the console, though it changed while the load ran."""

from __future__ import annotations

import httpx

from tui.backends.canary import FIRST_SCREEN, CanaryBackend
from tui.backends.canary.client import CanaryClient
from tui.emulator.canary.app import create_app
from tui.emulator.canary.state import ConsoleState
from tui.screenshots import IN_PROCESS_URL, seeded_console
from tui.secret import Secret
from tui.store import IncidentStore

TOKEN = "newest-first-token-7c6b5a4d3e"
BACKLOG = 3_000


class ChangingConsole(httpx.ASGITransport):
    """The emulator; when the first page of acknowledged incidents is asked for, another analyst
    changes the console: the load has already read the newest incidents and the open ones."""

    def __init__(self, state: ConsoleState) -> None:
        super().__init__(app=create_app(state, TOKEN))
        self.state = state
        self.changed: dict[str, str] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/incidents/acknowledged") and not self.changed:
            self._change()
        return await super().handle_async_request(request)

    def _change(self) -> None:
        state = self.state
        newest = [key for _, key in reversed(state.created_order)]
        newest_open = next(key for key in newest if not state.is_acknowledged(key))
        oldest_acked = [key for key in reversed(newest) if state.is_acknowledged(key)]
        state.acknowledge(newest_open)  # read in the newest window, changed after
        state.unacknowledge(oldest_acked[0])  # left the acknowledged feed after the open ones were read
        state.add_event(oldest_acked[1], {"USERNAME": "admin", "timestamp": state.now()})  # read again further on
        node = next(iter(state.devices))
        arrived = state.add_incident(logtype=4002, node_id=node, created=state.now(), src_host="198.51.100.9",
                                     dst_port=22, events=[{"USERNAME": "root", "timestamp": state.now()}])
        self.changed = {"acknowledged": newest_open, "unacknowledged": oldest_acked[0], "event added": oldest_acked[1],
                        "arrived": arrived}


async def test_the_load_starts_with_the_newest_and_with_the_next_poll_holds_exactly_the_console():
    state = seeded_console(backlog=BACKLOG)
    transport = ChangingConsole(state)
    backend = CanaryBackend(CanaryClient(IN_PROCESS_URL, Secret(TOKEN), transport=transport))
    store = IncidentStore(backend.statuses, backend.columns)
    batches = [batch.incidents async for batch in backend.load()]

    first = batches[0]
    window_start = min(incident.created for incident in first)
    newer = {key for created, key in state.created_order if created >= window_start.timestamp()}
    assert {incident.key for incident in first} == newer - {transport.changed["arrived"]}  # the newest window, whole
    assert sum(1 for incident in first if incident.status == "unacknowledged") >= FIRST_SCREEN or len(batches) > 1

    for incidents in batches:
        store.apply(incidents)
    async for batch in backend.load(since=store.max_version):
        store.apply(batch.incidents)

    assert transport.changed
    console = {record.key: record for record in state.records()}
    assert set(store.keys()) == set(console)
    assert {key: store.get(key).version for key in console} == {key: record.updated_id for key, record in console.items()}
    assert {key: store.get(key).status == "acknowledged" for key in console} == {
        key: record.acknowledged for key, record in console.items()}
    # Only the incidents changed since the newest window are read twice.
    assert sum(len(incidents) for incidents in batches) <= len(console) + 50
