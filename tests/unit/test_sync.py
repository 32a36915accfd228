"""The sync loop against a scripted console: load, delta, reconcile, back-off, pause."""

from __future__ import annotations

import asyncio

import pytest

from canary_builders import canary_incident
from tui.backends.errors import AuthError, ConfigError, RateLimited, ServerError
from tui.backends.canary.parse import Page
from tui.model import Incident
from tui.store import IncidentStore
from tui.backends.canary import CanaryBackend
from tui.sync import SyncEngine


def incident(number: int, updated_id: int | None = None, acknowledged: bool = False) -> Incident:
    return canary_incident(key=f"incident:sshlogin:{number}", summary="SSH Login Attempt", logtype=4002,
                    updated_id=updated_id or number, acknowledged=acknowledged)


class ScriptedConsole:
    """Serves the 'all' feed by updated_id, in pages; raises queued errors first."""

    def __init__(self, incidents: list[Incident]) -> None:
        self.incidents = {i.key: i for i in incidents}
        self.errors: list[Exception] = []
        self.requests: list[dict] = []

    async def iter_feed(self, feed: str, *, limit: int, incidents_since: int | None = None, **params):
        self.requests.append({"feed": feed, "limit": limit, "incidents_since": incidents_since, **params})
        if self.errors:
            raise self.errors.pop(0)
        rows = sorted((i for i in self.incidents.values() if i.version > (incidents_since or 0)), key=lambda i: i.version)
        for start in range(0, len(rows), limit):
            chunk = tuple(rows[start : start + limit])
            yield Page(chunk, max_updated_id=max(i.version for i in chunk))

    async def search(self, **query):
        """Only the count a load starts with (small consoles are listed at once)."""
        return Page((), total_results=len(self.incidents))


def make_engine(console: ScriptedConsole, store: IncidentStore | None = None, **kwargs):
    changes, statuses = [], []
    engine = SyncEngine(
        CanaryBackend(console, page_limit=3),
        store or IncidentStore(),
        poll_interval=10,
        on_change=changes.append,
        on_status=statuses.append,
        **kwargs,
    )
    return engine, changes, statuses


async def test_initial_load_pages_through_the_feed():
    console = ScriptedConsole([incident(n) for n in range(1, 8)])
    engine, changes, statuses = make_engine(console)
    await engine.initial_load()
    assert len(engine.store) == 7
    assert engine.store.max_version == 7
    assert sum(len(c.added) for c in changes) == 7
    assert [s.state for s in statuses][0] == "loading"
    assert statuses[-1].state == "live"
    assert console.requests[0] == {"feed": "all", "limit": 3, "incidents_since": None}


async def test_poll_asks_only_for_the_delta():
    console = ScriptedConsole([incident(n) for n in range(1, 4)])
    engine, changes, _ = make_engine(console)
    await engine.initial_load()
    console.incidents["incident:sshlogin:2"] = incident(2, updated_id=9, acknowledged=True)
    console.incidents["incident:sshlogin:4"] = incident(4, updated_id=10)
    changes.clear()
    await engine.poll_once()
    assert console.requests[-1]["incidents_since"] == 3
    assert changes[-1].added == {"incident:sshlogin:4"}
    assert changes[-1].changed == {"incident:sshlogin:2"}
    assert engine.store.get("incident:sshlogin:2").status == "acknowledged"
    assert engine.store.max_version == 10


async def test_reconcile_drops_incidents_deleted_elsewhere():
    console = ScriptedConsole([incident(n) for n in range(1, 5)])
    engine, changes, _ = make_engine(console)
    await engine.initial_load()
    del console.incidents["incident:sshlogin:3"]
    await engine.reconcile()
    assert "incident:sshlogin:3" not in engine.store
    assert changes[-1].removed == {"incident:sshlogin:3"}


async def test_rate_limit_is_honoured_then_recovers():
    console = ScriptedConsole([incident(1)])
    now = [100.0]
    engine, _, statuses = make_engine(console, monotonic=lambda: now[0])
    console.errors.append(RateLimited("slow down", retry_after=7))
    task = asyncio.create_task(engine._with_retries(engine.poll_once))
    while not statuses or statuses[-1].state != "retrying":
        await asyncio.sleep(0)
    assert statuses[-1].retry_at == pytest.approx(107.0)
    assert "slow down" in statuses[-1].detail
    engine.refresh_now()  # r ends the wait at once
    await task
    assert statuses[-1].state == "live"
    assert len(engine.store) == 1


async def test_repeated_failures_show_offline_with_growing_backoff():
    console = ScriptedConsole([incident(1)])
    engine, _, statuses = make_engine(console)
    delays = []
    for failures in range(5):
        engine._failures = failures
        delays.append(engine._backoff(ServerError("boom")))
    engine._failures = 0
    assert delays[-1] > delays[0]
    assert all(delay <= 120 for delay in delays)
    console.errors.extend([ServerError("a"), ServerError("b"), ServerError("c")])

    def retry_at_once(status):
        statuses.append(status)
        if status.state in ("retrying", "offline"):
            engine.refresh_now()  # as if the back-off had elapsed

    engine._on_status = retry_at_once
    await engine._with_retries(engine.poll_once)
    states = [status.state for status in statuses]
    assert states == ["retrying", "retrying", "offline", "live"]
    assert [status.detail for status in statuses[:3]] == ["a", "b", "c"]


@pytest.mark.parametrize("error", [
    AuthError("The console rejected the API token."),
    # A profile that cannot reach a console as it stands (a URL found wrong when the client is made).
    ConfigError("Cannot use https://user:…@example.net: a console URL carries no password."),
], ids=["rejected token", "unusable console"])
async def test_a_permanent_refusal_says_why_and_waits_for_the_user_instead_of_hammering(error):
    console = ScriptedConsole([incident(1)])
    engine, _, statuses = make_engine(console)
    console.errors.append(error)
    task = asyncio.create_task(engine._with_retries(engine.poll_once))
    while not statuses or statuses[-1].state != "offline":
        await asyncio.sleep(0)
    assert statuses[-1].detail == str(error) and statuses[-1].retry_at is None
    requests_before = len(console.requests)
    for _ in range(20):
        await asyncio.sleep(0)
    assert len(console.requests) == requests_before
    engine.refresh_now()
    await task
    assert statuses[-1].state == "live"


async def test_pause_holds_new_incidents_until_resume():
    console = ScriptedConsole([incident(1)])
    engine, changes, statuses = make_engine(console)
    await engine.initial_load()
    engine.pause()
    console.incidents["incident:sshlogin:2"] = incident(2)
    await engine.poll_once()
    assert "incident:sshlogin:2" not in engine.store
    assert statuses[-1].state == "paused"
    assert statuses[-1].pending_new == 1
    engine.resume()
    assert "incident:sshlogin:2" in engine.store
    assert statuses[-1].state == "live"


async def test_new_incidents_count_arrivals_after_the_load_and_those_held_while_paused():
    console = ScriptedConsole([incident(1), incident(2)])
    engine, changes, statuses = make_engine(console)
    new = engine.new_incidents
    await engine.initial_load()
    assert new.count == 0  # the backlog is not new
    console.incidents["incident:sshlogin:3"] = incident(3)
    await engine.poll_once()
    assert new.unseen() == ["incident:sshlogin:3"] and new.count == 1
    engine.pause()
    console.incidents["incident:sshlogin:4"] = incident(4)
    await engine.poll_once()
    assert new.count == statuses[-1].pending_new == 2  # one shown, one held: one number
    assert new.seen(["incident:sshlogin:3"]) == ["incident:sshlogin:3"]
    assert new.count == 1
    new.seen_all()  # the held one too: it does not come back as new on resume
    engine.resume()
    assert "incident:sshlogin:4" in engine.store and new.count == 0


async def test_cached_incidents_show_first_and_only_the_delta_is_fetched():
    console = ScriptedConsole([incident(n) for n in range(1, 6)])
    cached = [incident(n) for n in range(1, 4)]
    engine, changes, statuses = make_engine(console, preload=lambda: [(cached, 3)])
    await engine.initial_load()
    assert changes[0].added == {i.key for i in cached}  # the cache lands before any request
    assert console.requests[0]["incidents_since"] == 3  # then only the delta
    assert any(s.detail.startswith("cached") for s in statuses)
    assert len(engine.store) == 5


async def test_incidents_polled_after_the_load_are_frozen_out_of_later_collections(monkeypatch):
    # A long live session: a full collection must not walk every incident polled since the load.
    import gc

    import tui.collector

    monkeypatch.setattr(tui.collector, "REFREEZE_AFTER", 5)
    console = ScriptedConsole([incident(n) for n in range(1, 4)])
    engine, _, _ = make_engine(console)
    try:
        await engine.initial_load()
        frozen_after_load = gc.get_freeze_count()
        for number in range(4, 8):
            console.incidents[f"incident:sshlogin:{number}"] = incident(number)
        await engine.poll_once()  # four kept: not yet
        assert gc.get_freeze_count() == frozen_after_load
        console.incidents["incident:sshlogin:8"] = incident(8)
        await engine.poll_once()  # the fifth
        assert gc.get_freeze_count() > frozen_after_load
    finally:
        gc.unfreeze()
