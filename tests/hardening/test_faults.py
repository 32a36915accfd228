"""Every fault class against the initial load, a poll, a single action and a bulk action.

The real client talks to the emulator in-process; ``fail_next`` makes the next
requests to one endpoint meet one fault.  After each, the store (the view)
must equal the console, every failure must have been reported, and a delete
must never be claimed, or repeated, without the console's word.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from app.conftest import wait_for_triage
from tui.backends.canary.client import CanaryClient
from tui.backends.errors import RateLimited
from tui.app import SyncStatusChanged, TriageFinished
from tui.emulator.canary.app import create_app
from tui.emulator.faults import FaultInjector, FaultPlan
from tui.sanitize import clean
from tui.screenshots import IN_PROCESS_URL, in_process_app, seeded_console
from tui.secret import Secret
from tui.store import IncidentStore
from tui.backends.canary import CanaryBackend
from tui.sync import SyncEngine, SyncStatus
from tui.backends.canary import ATTEMPTS, RETRY_WAIT_MAX
from tui.backends.canary.parse import ACKNOWLEDGED
from tui.triage import Triage
from tui.widgets.incident_table import IncidentTable

from .conftest import DeadlineTransport, fail_next

TOKEN = "fault-test-token-0123456789"
FAULTS = ("429", "500", "502", "503", "timeout", "truncated", "nonjson", "drop")
# The faults after which the console has done what was asked (the answer was lost or cut).
ACTED_ANYWAY = {"truncated"}
FEED = "/api/v1/incidents/all"
ACKNOWLEDGE = "/api/v1/incident/acknowledge"
DELETE = "/api/v1/incident/delete"
FETCH = "/api/v1/incident/fetch"
SESSION_SEED = 7


class Console:
    """An emulated console, a client on it whose reads time out quickly, a store and triage."""

    def __init__(self, tmp_path) -> None:
        self.state = seeded_console(backlog=30)
        self.emulator = create_app(self.state, TOKEN)
        self.client = CanaryClient(
            IN_PROCESS_URL, Secret(TOKEN), transport=DeadlineTransport(app=self.emulator), timeout=httpx.Timeout(0.3)
        )
        self.store = IncidentStore()
        self.triage = Triage(CanaryBackend(self.client, retry_delay=0), self.store, tmp_path / "archives")

    @classmethod
    async def loaded(cls, tmp_path) -> Console:
        console = cls(tmp_path)
        async for page in console.client.iter_feed("all"):
            console.store.apply(page.incidents)
        return console

    def shown(self) -> dict[str, bool]:
        return {incident.key: incident.status == ACKNOWLEDGED for incident in self.store.snapshot()}

    def truth(self) -> dict[str, bool]:
        return {record.key: record.acknowledged for record in self.state.records()}

    def keys(self, feed: str, count: int) -> tuple[str, ...]:
        return tuple(self.state.keys(feed)[:count])


class Sync:
    """The sync loop, retrying at once instead of backing off, with every status it reported."""

    def __init__(self, console: Console) -> None:
        self.statuses: list[SyncStatus] = []
        self._idle = asyncio.Event()
        self.engine = SyncEngine(CanaryBackend(console.client), console.store, poll_interval=0, on_status=self._status)
        self._task = asyncio.create_task(self.engine.run())

    def _status(self, status: SyncStatus) -> None:
        self.statuses.append(status)
        if status.state in ("retrying", "offline"):
            self.engine.refresh_now(reconcile=False)  # skip the back-off
        elif status.state == "manual":
            self._idle.set()

    async def idle(self) -> None:
        await asyncio.wait_for(self._idle.wait(), 5)
        self._idle.clear()

    def failures(self) -> list[str]:
        return [status.detail for status in self.statuses if status.state in ("retrying", "offline")]

    def stop(self) -> None:
        self._task.cancel()


@pytest.mark.parametrize("fault", FAULTS)
async def test_the_initial_load_retries_and_reports(fault, tmp_path):
    console = Console(tmp_path)
    fail_next(console.emulator, fault, FEED)
    sync = Sync(console)
    try:
        await sync.idle()
    finally:
        sync.stop()
    assert console.shown() == console.truth()
    [failure] = sync.failures()
    assert f"GET {FEED}" in failure


@pytest.mark.parametrize("fault", FAULTS)
async def test_a_poll_retries_and_reports(fault, tmp_path):
    console = Console(tmp_path)
    sync = Sync(console)
    try:
        await sync.idle()
        bird = next(iter(console.state.devices))
        console.state.add_incident(logtype=4002, node_id=bird, src_host="203.0.113.9", events=[])
        console.state.acknowledge(console.keys("unacknowledged", 1)[0])
        fail_next(console.emulator, fault, FEED)
        sync.engine.refresh_now(reconcile=False)
        await sync.idle()
    finally:
        sync.stop()
    assert console.shown() == console.truth()
    assert len(sync.failures()) == 1


@pytest.mark.parametrize("fault", FAULTS)
async def test_acknowledge_is_retried_until_it_lands(fault, tmp_path):
    console = await Console.loaded(tmp_path)
    [key] = console.keys("unacknowledged", 1)
    fail_next(console.emulator, fault, ACKNOWLEDGE, times=ATTEMPTS - 1)
    result = await console.triage.set_status((key,), ACKNOWLEDGED)
    assert result.ok and result.succeeded == (key,)
    assert console.state.is_acknowledged(key) and console.shown() == console.truth()


@pytest.mark.parametrize("fault", FAULTS)
async def test_acknowledge_that_keeps_failing_is_reported_and_the_view_follows_the_console(fault, tmp_path):
    console = await Console.loaded(tmp_path)
    [key] = console.keys("unacknowledged", 1)
    fail_next(console.emulator, fault, ACKNOWLEDGE, times=ATTEMPTS)
    result = await console.triage.set_status((key,), ACKNOWLEDGED)
    if fault in ACTED_ANYWAY:  # the console acknowledged; asked, it says so
        assert result.ok
    else:
        [(failed_key, reason)] = result.failed
        assert failed_key == key and ACKNOWLEDGE in reason
    assert console.shown() == console.truth()


@pytest.mark.parametrize("fault", FAULTS)
async def test_a_delete_is_sent_once_and_checked_when_its_outcome_is_unknown(fault, tmp_path):
    console = await Console.loaded(tmp_path)
    [key] = console.keys("acknowledged", 1)
    fail_next(console.emulator, fault, DELETE)
    result = await console.triage.delete((key,))
    deleted = fault in ACTED_ANYWAY
    assert (key in console.state.deleted_keys) == deleted
    if deleted:
        assert result.ok
    else:
        assert [failed_key for failed_key, _ in result.failed] == [key]
    assert result.archive is not None and key in result.archive.read_text()
    assert console.shown() == console.truth()


async def test_a_delete_whose_check_cannot_reach_the_console_says_so(tmp_path):
    console = await Console.loaded(tmp_path)
    [key] = console.keys("acknowledged", 1)
    fail_next(console.emulator, "truncated", DELETE)  # deleted, but the answer is cut off ...
    fail_next(console.emulator, "drop", FETCH, times=ATTEMPTS)  # ... and every check is dropped
    result = await console.triage.delete((key,))
    [(_, reason)] = result.failed
    assert reason.startswith("outcome unknown (") and reason.endswith("press r to check")
    assert key in console.state.deleted_keys and key in console.store  # not claimed either way
    sync = Sync(console)  # r: a reconcile sets the view right
    try:
        await sync.idle()
    finally:
        sync.stop()
    assert console.shown() == console.truth()


@pytest.mark.parametrize("fault", FAULTS)
async def test_bulk_acknowledge_lands_everywhere(fault, tmp_path):
    console = await Console.loaded(tmp_path)
    keys = console.keys("unacknowledged", 6)
    fail_next(console.emulator, fault, ACKNOWLEDGE, times=4)  # several requests meet it, some twice
    result = await console.triage.set_status(keys, ACKNOWLEDGED)
    assert result.ok and set(result.succeeded) == set(keys)
    assert console.shown() == console.truth()


@pytest.mark.parametrize("fault", FAULTS)
async def test_bulk_delete_reports_each_incident(fault, tmp_path):
    console = await Console.loaded(tmp_path)
    keys = console.keys("acknowledged", 5)
    fail_next(console.emulator, fault, DELETE, times=3)
    result = await console.triage.delete(keys)
    assert set(result.succeeded) | {key for key, _ in result.failed} == set(keys)
    assert set(result.succeeded) == set(console.state.deleted_keys)  # deleted only what was confirmed
    assert len(result.failed) == (0 if fault in ACTED_ANYWAY else 3)
    assert console.shown() == console.truth()


async def test_a_retry_after_is_honoured_up_to_a_cap(tmp_path, monkeypatch):
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    class LimitedConsole:
        async def acknowledge(self, key):
            raise RateLimited("slow down", retry_after=600.0 if waits else 3.0)

        async def fetch(self, key, **kwargs):
            raise AssertionError("a 429 is a refusal: nothing to check")

    console = await Console.loaded(tmp_path)
    [key] = console.keys("unacknowledged", 1)
    triage = Triage(CanaryBackend(LimitedConsole()), console.store, tmp_path)
    monkeypatch.setattr(asyncio, "sleep", no_sleep)
    result = await triage.set_status((key,), ACKNOWLEDGED)
    assert waits == [3.0, RETRY_WAIT_MAX]
    assert result.failed == ((key, "slow down"),) and console.store.get(key).status != ACKNOWLEDGED


# -- a whole session, with a tenth of all requests failing ----------------------------


async def test_a_session_with_one_request_in_ten_failing(tmp_path, monkeypatch):
    struck: list[str] = []
    apply = FaultInjector._apply

    async def counted(injector, plan, fault, *request):
        struck.append(fault)
        await apply(injector, plan, fault, *request)

    monkeypatch.setattr(FaultInjector, "_apply", counted)
    console = seeded_console()
    plan = FaultPlan.parse("all=0.1", seed=SESSION_SEED, retry_after=0, slow_seconds=(0.01, 0.05))
    app = in_process_app(console, tmp_path, token=TOKEN, faults=plan, transport=DeadlineTransport,
                         timeout=httpx.Timeout(0.5))
    app.backend.retry_delay = 0
    toasts: list[tuple[str, str]] = []
    notify = app.notify
    app.notify = lambda message, **options: (toasts.append((message, options["severity"])), notify(message, **options))
    messages: list = []
    confirmed: set[str] = set()

    async def triage(*keys: str) -> None:
        await pilot.press(*keys)
        await wait_for_triage(pilot)

    def highlighted() -> str:
        return app.screen.query_one(IncidentTable).cursor_key

    async with app.run_test(size=(100, 30), message_hook=messages.append) as pilot:
        await until_synced(pilot)
        for _ in range(3):
            await triage("a")  # acknowledge; the next unacknowledged one moves under the cursor
        await pilot.press("2")
        await triage("u")
        await pilot.press("j")
        await triage("u")
        confirmed.add(highlighted())
        await triage("d", "y")  # delete an acknowledged one
        await pilot.press("d", "n")  # asked, and said no
        await pilot.press("1")
        confirmed.add(highlighted())
        await triage("d", "y", "D")  # delete an unacknowledged one: two yeses
        bird = next(iter(console.devices))
        for number in range(3):  # new incidents for the poll
            console.add_incident(logtype=4002, node_id=bird, src_host=f"198.51.100.{number}", events=[])
        console.acknowledge(console.keys("unacknowledged")[-1])  # and a change made elsewhere
        await until_synced(pilot, refresh=True)
        assert app.is_running and not app.crash_report
        assert {i.key: i.status == ACKNOWLEDGED for i in app.store.snapshot()} == {
            r.key: r.acknowledged for r in console.records()
        }
        assert set(app.screen.query_one(IncidentTable).row_keys) == set(console.keys("unacknowledged"))

    assert set(console.deleted_keys) <= confirmed
    results = [message.result for message in messages if isinstance(message, TriageFinished)]
    assert len(results) == 7
    for result in results:
        if not result.ok:
            assert any(message.startswith(clean(result.summary())[:60]) and severity != "information"
                       for message, severity in toasts), result.summary()
    sync_failures = [m.status for m in messages if isinstance(m, SyncStatusChanged) and m.status.state in ("retrying", "offline")]
    assert all(status.detail for status in sync_failures)
    assert len([fault for fault in struck if fault != "slow"]) >= 3, f"only {struck} struck: choose another seed"


async def until_synced(pilot, *, refresh: bool = False) -> None:
    """Until a load (or, with ``refresh``, a reconcile asked for now) has gone through, pressing r after failures."""
    app = pilot.app
    # Every success reports a new SyncStatus, so a live one other than the one before r is a success since.
    before = app.sync_status if refresh else None
    if refresh:
        await pilot.press("r")
    deadline = asyncio.get_running_loop().time() + 20
    while app.sync_status.state not in ("live", "manual") or app.sync_status is before:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"never synced: {app.sync_status}")
        if app.sync_status.state in ("retrying", "offline"):
            app.engine.refresh_now()
        await pilot.pause()
