"""Triage actions: optimistic ack with rollback, archive-before-delete, audit."""

from __future__ import annotations

import asyncio
import json

from tui.api.errors import ConnectionFailed, NotFound, PermissionDenied, ServerError
from tui.audit import AuditLog
from tui.model import Incident
from tui.store import IncidentStore
from tui.triage import Triage


def incident(number: int, acknowledged: bool = False) -> Incident:
    key = f"incident:sshlogin:{number}"
    return Incident(key=key, summary="SSH Login Attempt", logtype=4002, updated_id=number,
                    acknowledged=acknowledged, raw={"id": key, "updated_id": number})


class FakeConsole:
    def __init__(self, keys) -> None:
        self.acknowledged: set[str] = set()
        self.existing: set[str] = set(keys)
        self.failures: dict[str, Exception] = {}
        self.calls: list[tuple[str, str]] = []
        self.gate: asyncio.Event | None = None
        self.on_delete = lambda key: None

    async def _act(self, action: str, key: str) -> str:
        self.calls.append((action, key))
        if self.gate is not None:
            await self.gate.wait()
        if key in self.failures:
            raise self.failures[key]
        if key not in self.existing:
            raise NotFound("Incident not found")
        return key

    async def acknowledge(self, key):
        await self._act("acknowledge", key)
        self.acknowledged.add(key)

    async def unacknowledge(self, key):
        await self._act("unacknowledge", key)
        self.acknowledged.discard(key)

    async def delete(self, key):
        self.on_delete(key)
        await self._act("delete", key)
        self.existing.discard(key)

    async def fetch(self, incident=None, **kwargs):
        if incident not in self.existing:
            raise NotFound("Incident not found")
        return Incident(key=incident, summary="", acknowledged=incident in self.acknowledged)


def setup(tmp_path, count=3, **kwargs):
    store = IncidentStore()
    store.apply([incident(n, **kwargs) for n in range(1, count + 1)])
    console = FakeConsole(store.keys())
    changes = []
    audit = AuditLog(tmp_path / "audit.jsonl", console="https://example.canary.tools")
    triage = Triage(console, store, tmp_path / "archives", audit=audit, on_change=changes.append, retry_delay=0)
    return store, console, triage, changes


async def test_acknowledge_shows_before_the_console_answers(tmp_path):
    store, console, triage, changes = setup(tmp_path)
    console.gate = asyncio.Event()
    task = asyncio.create_task(triage.acknowledge(("incident:sshlogin:1",)))
    while not changes:
        await asyncio.sleep(0)
    assert store.get("incident:sshlogin:1").acknowledged  # optimistic, request still in flight
    assert console.acknowledged == set()
    console.gate.set()
    result = await task
    assert result.ok and result.succeeded == ("incident:sshlogin:1",)
    assert console.acknowledged == {"incident:sshlogin:1"}
    assert result.summary() == "Acknowledged 1 incident"


async def test_failed_acknowledge_rolls_back_only_the_failures(tmp_path):
    store, console, triage, _ = setup(tmp_path)
    console.failures["incident:sshlogin:2"] = ServerError("The console answered 503.")
    result = await triage.acknowledge(("incident:sshlogin:1", "incident:sshlogin:2"))
    assert store.get("incident:sshlogin:1").acknowledged
    assert not store.get("incident:sshlogin:2").acknowledged
    assert result.failed == (("incident:sshlogin:2", "The console answered 503."),)
    assert "1 failed" in result.summary()
    entries = triage.audit.tail()
    assert [(e["result"], e["keys"]) for e in entries] == [
        ("success", ["incident:sshlogin:1"]),
        ("failed", ["incident:sshlogin:2"]),
    ]


async def test_acknowledging_an_incident_deleted_elsewhere_drops_it(tmp_path):
    store, console, triage, _ = setup(tmp_path)
    console.existing.discard("incident:sshlogin:3")
    result = await triage.acknowledge(("incident:sshlogin:3",))
    assert "incident:sshlogin:3" not in store
    assert not result.ok


async def test_permission_denied_is_flagged(tmp_path):
    store, console, triage, _ = setup(tmp_path)
    console.failures["incident:sshlogin:1"] = PermissionDenied("API key is read-only")
    result = await triage.acknowledge(("incident:sshlogin:1",))
    assert result.permission_denied
    assert not store.get("incident:sshlogin:1").acknowledged


async def test_already_acknowledged_sends_nothing(tmp_path):
    store, console, triage, _ = setup(tmp_path, acknowledged=True)
    result = await triage.acknowledge(("incident:sshlogin:1",))
    assert console.calls == []
    assert result.skipped == ("incident:sshlogin:1",)


async def test_delete_archives_first_then_deletes(tmp_path):
    store, console, triage, _ = setup(tmp_path, acknowledged=True)
    archived_before_delete = []
    console.on_delete = lambda key: archived_before_delete.append(list((tmp_path / "archives").glob("*.json")))
    result = await triage.delete(("incident:sshlogin:1", "incident:sshlogin:2"))
    assert result.ok
    assert archived_before_delete and all(archived_before_delete)
    assert console.existing == {"incident:sshlogin:3"}
    assert set(store.keys()) == {"incident:sshlogin:3"}
    archive = json.loads(result.archive.read_text())
    assert [raw["id"] for raw in archive["incidents"]] == ["incident:sshlogin:1", "incident:sshlogin:2"]
    assert oct(result.archive.stat().st_mode & 0o777) == "0o600"


async def test_no_archive_no_delete(tmp_path):
    store, console, triage, _ = setup(tmp_path, acknowledged=True)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    triage.archive_dir = blocker / "archives"
    result = await triage.delete(("incident:sshlogin:1",))
    assert console.calls == []
    assert "nothing was deleted" in result.summary()
    assert "incident:sshlogin:1" in store


async def test_delete_with_unknown_outcome_is_checked_against_the_console(tmp_path):
    store, console, triage, _ = setup(tmp_path, acknowledged=True)
    # The connection drops after the console deleted incident 1 ...
    console.failures["incident:sshlogin:1"] = ConnectionFailed("connection dropped")
    console.existing.discard("incident:sshlogin:1")
    # ... and before it deleted incident 2.
    console.failures["incident:sshlogin:2"] = ConnectionFailed("connection dropped")
    result = await triage.delete(("incident:sshlogin:1", "incident:sshlogin:2"))
    assert result.succeeded == ("incident:sshlogin:1",)
    assert [key for key, _ in result.failed] == ["incident:sshlogin:2"]
    assert "incident:sshlogin:1" not in store
    assert "incident:sshlogin:2" in store


async def test_read_only_refuses_everything(tmp_path):
    store, console, triage, _ = setup(tmp_path)
    triage.read_only = True
    for action in (triage.acknowledge, triage.unacknowledge, triage.delete):
        result = await action(("incident:sshlogin:1",))
        assert result.error.startswith("Read-only")
    assert console.calls == []


async def test_archive_of_hostile_text_is_lossless(tmp_path):
    store = IncidentStore()
    hostile = Incident(key="incident:x:1", summary="x", updated_id=1, acknowledged=True,
                       raw={"id": "incident:x:1", "description": {"USERNAME": "bad\ud800surrogate\x1b[31m"}})
    store.apply([hostile])
    console = FakeConsole(store.keys())
    triage = Triage(console, store, tmp_path / "archives")
    result = await triage.delete(("incident:x:1",))
    assert result.ok
    archived = json.loads(result.archive.read_text())
    assert archived["incidents"][0]["description"]["USERNAME"] == "bad\ud800surrogate\x1b[31m"


async def test_progress_counts_every_answer(tmp_path):
    store, console, triage, _ = setup(tmp_path, count=5)
    console.failures["incident:sshlogin:2"] = ServerError("boom")
    seen = []
    result = await triage.acknowledge(tuple(store.keys()), progress=lambda done, total: seen.append((done, total)))
    assert seen == [(done, 5) for done in range(1, 6)]
    assert len(result.succeeded) == 4 and [key for key, _ in result.failed] == ["incident:sshlogin:2"]


async def test_incidents_the_store_does_not_hold_can_be_acted_on_when_known(tmp_path):
    store, console, triage, _ = setup(tmp_path, count=1)
    outside = incident(9)  # e.g. a search result older than what was loaded
    console.existing.add(outside.key)
    result = await triage.acknowledge((outside.key,), known={outside.key: outside})
    assert result.succeeded == (outside.key,)
    assert outside.key in console.acknowledged
    assert outside.key not in store
