"""Triage through the Canary backend: optimistic status with rollback, archive-before-delete, acknowledge-before-delete, audit."""

from __future__ import annotations

import asyncio
import json

from canary_builders import canary_incident
from tui.backends.errors import ConnectionFailed, InvalidParameter, NotFound, PermissionDenied, ServerError
from tui.audit import AuditLog
from tui.backends.canary import CanaryBackend
from tui.backends.canary.parse import ACKNOWLEDGED, UNACKNOWLEDGED
from tui.model import Incident
from tui.store import IncidentStore
from tui.triage import Triage


def incident(number: int, acknowledged: bool = False) -> Incident:
    key = f"incident:sshlogin:{number}"
    return canary_incident(key=key, summary="SSH Login Attempt", logtype=4002, updated_id=number,
                    acknowledged=acknowledged, raw={"id": key, "updated_id": number})


class FakeConsole:
    """Acts as the console does: it refuses to delete an unacknowledged incident."""

    def __init__(self, keys, acknowledged=()) -> None:
        self.acknowledged: set[str] = set(acknowledged)
        self.existing: set[str] = set(keys)
        self.failures: dict[str, Exception] = {}
        #: (action, key) -> error raised by that request only
        self.failures_of: dict[tuple[str, str], Exception] = {}
        self.calls: list[tuple[str, str]] = []
        self.gate: asyncio.Event | None = None
        #: key -> event its requests wait for
        self.gates: dict[str, asyncio.Event] = {}
        self.on_delete = lambda key: None

    async def _act(self, action: str, key: str) -> str:
        self.calls.append((action, key))
        if self.gate is not None:
            await self.gate.wait()
        if key in self.gates:
            await self.gates[key].wait()
        if key in self.failures:
            raise self.failures[key]
        if (action, key) in self.failures_of:
            raise self.failures_of[action, key]
        if key not in self.existing:
            raise NotFound("Incident not found")
        if action == "delete" and key not in self.acknowledged:
            raise InvalidParameter("Cannot delete an unacknowledged Incident")
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
        self.acknowledged.discard(key)

    async def fetch(self, incident=None, **kwargs):
        if incident not in self.existing:
            raise NotFound("Incident not found")
        return canary_incident(key=incident, summary="", acknowledged=incident in self.acknowledged)


def acknowledge(triage):
    return lambda keys: triage.set_status(keys, ACKNOWLEDGED)


def unacknowledge(triage):
    return lambda keys: triage.set_status(keys, UNACKNOWLEDGED)


def setup(tmp_path, count=3, **kwargs):
    store = IncidentStore()
    store.apply([incident(n, **kwargs) for n in range(1, count + 1)])
    console = FakeConsole(store.keys(), [i.key for i in store.snapshot() if i.status == ACKNOWLEDGED])
    changes = []
    audit = AuditLog(tmp_path / "audit.jsonl", console="https://example.canary.tools")
    triage = Triage(CanaryBackend(console, retry_delay=0), store, tmp_path / "archives", audit=audit, on_change=changes.append)
    return store, console, triage, changes


async def test_acknowledge_shows_before_the_console_answers(tmp_path):
    store, console, triage, changes = setup(tmp_path)
    console.gate = asyncio.Event()
    task = asyncio.create_task(triage.set_status(("incident:sshlogin:1",), ACKNOWLEDGED))
    while not changes:
        await asyncio.sleep(0)
    assert store.get("incident:sshlogin:1").status == ACKNOWLEDGED  # optimistic, request still in flight
    assert console.acknowledged == set()
    console.gate.set()
    result = await task
    assert result.ok and result.succeeded == ("incident:sshlogin:1",)
    assert console.acknowledged == {"incident:sshlogin:1"}
    assert result.summary() == "Acknowledged 1 incident"


async def test_failed_acknowledge_rolls_back_only_the_failures(tmp_path):
    store, console, triage, _ = setup(tmp_path)
    console.failures["incident:sshlogin:2"] = ServerError("The console answered 503.")
    result = await triage.set_status(("incident:sshlogin:1", "incident:sshlogin:2"), ACKNOWLEDGED)
    assert store.get("incident:sshlogin:1").status == ACKNOWLEDGED
    assert not store.get("incident:sshlogin:2").status == ACKNOWLEDGED
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
    result = await triage.set_status(("incident:sshlogin:3",), ACKNOWLEDGED)
    assert "incident:sshlogin:3" not in store
    assert not result.ok


async def test_permission_denied_is_flagged(tmp_path):
    store, console, triage, _ = setup(tmp_path)
    console.failures["incident:sshlogin:1"] = PermissionDenied("API key is read-only")
    result = await triage.set_status(("incident:sshlogin:1",), ACKNOWLEDGED)
    assert result.permission_denied
    assert not store.get("incident:sshlogin:1").status == ACKNOWLEDGED


async def test_already_acknowledged_sends_nothing(tmp_path):
    store, console, triage, _ = setup(tmp_path, acknowledged=True)
    result = await triage.set_status(("incident:sshlogin:1",), ACKNOWLEDGED)
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
    triage.backend.read_only = True
    for action in (acknowledge(triage), unacknowledge(triage), triage.delete):
        result = await action(("incident:sshlogin:1",))
        assert result.error.startswith("Read-only")
    assert console.calls == []


async def test_archive_of_hostile_text_is_lossless(tmp_path):
    store = IncidentStore()
    hostile = canary_incident(key="incident:x:1", summary="x", updated_id=1, acknowledged=True,
                       raw={"id": "incident:x:1", "description": {"USERNAME": "bad\ud800surrogate\x1b[31m"}})
    store.apply([hostile])
    console = FakeConsole(store.keys(), store.keys())
    triage = Triage(CanaryBackend(console), store, tmp_path / "archives")
    result = await triage.delete(("incident:x:1",))
    assert result.ok
    archived = json.loads(result.archive.read_text())
    assert archived["incidents"][0]["description"]["USERNAME"] == "bad\ud800surrogate\x1b[31m"


async def test_progress_counts_every_answer(tmp_path):
    store, console, triage, _ = setup(tmp_path, count=5)
    console.failures["incident:sshlogin:2"] = ServerError("boom")
    seen = []
    result = await triage.set_status(tuple(store.keys()), ACKNOWLEDGED, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(done, 5) for done in range(1, 6)]
    assert len(result.succeeded) == 4 and [key for key, _ in result.failed] == ["incident:sshlogin:2"]


async def test_incidents_the_store_does_not_hold_can_be_acted_on_when_known(tmp_path):
    store, console, triage, _ = setup(tmp_path, count=1)
    outside = incident(9)  # e.g. a search result older than what was loaded
    console.existing.add(outside.key)
    result = await triage.set_status((outside.key,), ACKNOWLEDGED, known={outside.key: outside})
    assert result.succeeded == (outside.key,)
    assert outside.key in console.acknowledged
    assert outside.key not in store


def audit_lines(triage) -> list[tuple[str, str, list[str]]]:
    """(action, result, keys) of every audit line, oldest first."""
    path = triage.audit.path
    lines = path.read_text().splitlines() if path.exists() else []
    return [(entry["action"], entry["result"], entry["keys"]) for entry in map(json.loads, lines)]


def results_for(triage, key: str) -> list[str]:
    """The results of the audit lines about ``key`` alone, oldest first."""
    return [result for _, result, keys in audit_lines(triage) if keys == [key]]


def progress_events():
    """A progress callback and an event set each time an incident is done."""
    done = asyncio.Event()

    def progress(count, total):
        done.set()

    return progress, done


async def test_each_delete_is_audited_as_soon_as_its_answer_arrives(tmp_path):
    store, console, triage, _ = setup(tmp_path, count=3, acknowledged=True)
    keys = tuple(store.keys())
    for key in keys:
        console.gates[key] = asyncio.Event()
    progress, one_done = progress_events()
    task = asyncio.create_task(triage.delete(keys, progress=progress))
    console.gates[keys[1]].set()
    await one_done.wait()
    # The batch is still in flight, and what is known is on disk already.
    assert not task.done()
    assert audit_lines(triage) == [("delete", "requested", list(keys)), ("delete", "deleted", [keys[1]])]
    for gate in console.gates.values():
        gate.set()
    result = await task
    assert result.ok and set(result.succeeded) == set(keys)
    deleted = sorted(line_keys for _, outcome, line_keys in audit_lines(triage) if outcome == "deleted")
    assert deleted == [[key] for key in keys]


async def test_a_delete_cut_short_leaves_what_was_done_and_what_was_in_flight_on_record(tmp_path):
    store, console, triage, _ = setup(tmp_path, count=3, acknowledged=True)
    triage.backend.concurrency = 1
    first, second, third = keys = tuple(store.keys())
    console.gates[second] = asyncio.Event()  # its answer never comes
    second_sent = asyncio.Event()
    console.on_delete = lambda key: key == second and second_sent.set()
    task = asyncio.create_task(triage.delete(keys))
    await second_sent.wait()  # set as the request goes out; the first is done: one at a time
    task.cancel()  # the session ends (q, SIGTERM, SIGHUP)
    await asyncio.gather(task, return_exceptions=True)
    assert audit_lines(triage) == [
        ("delete", "requested", list(keys)),
        ("delete", "deleted", [first]),
        ("delete", "unknown", [second]),
    ]
    assert ("delete", third) not in console.calls
    assert first not in store and second in store  # the view shows what the console was seen to do


async def test_an_unknown_delete_outcome_is_recorded_as_unknown_then_as_resolved(tmp_path):
    store, console, triage, _ = setup(tmp_path, count=3, acknowledged=True)
    done, not_done, unresolved = keys = tuple(store.keys())
    # Each answer is lost; the console had deleted the first only.
    for key in keys:
        console.failures[key] = ConnectionFailed("connection dropped")
    console.existing.discard(done)

    async def fetch(incident=None, **kwargs):
        if incident == unresolved:
            raise ConnectionFailed("still no answer")
        return await FakeConsole.fetch(console, incident)

    console.fetch = fetch
    result = await triage.delete(keys)
    assert result.succeeded == (done,)
    reasons = dict(result.failed)
    assert set(reasons) == {not_done, unresolved}
    assert reasons[unresolved].startswith("outcome unknown (")
    assert results_for(triage, done) == ["unknown", "deleted (confirmed after unknown)"]
    assert results_for(triage, not_done) == ["unknown", "not deleted (confirmed after unknown)"]
    assert results_for(triage, unresolved) == ["unknown"]


async def test_a_delete_answered_not_found_is_already_gone_not_deleted(tmp_path):
    store, console, triage, _ = setup(tmp_path, count=2, acknowledged=True)
    mine, theirs = tuple(store.keys())
    console.existing.discard(theirs)  # another analyst got there first
    result = await triage.delete((mine, theirs))
    assert result.succeeded == (mine,) and result.already_gone == (theirs,) and result.ok
    assert result.summary().startswith("Deleted 1 incident; 1 already gone (deleted elsewhere first)")
    assert theirs not in store
    assert sorted(audit_lines(triage)[1:]) == [("delete", "already gone", [theirs]), ("delete", "deleted", [mine])]
    only_theirs = await triage.delete((mine,), known={mine: incident(1, acknowledged=True)})
    assert only_theirs.summary().startswith("Nothing deleted: 1 incident was already gone")


async def test_an_unacknowledged_incident_is_acknowledged_then_deleted_and_both_are_audited(tmp_path):
    store, console, triage, _ = setup(tmp_path, count=3)
    first, second, third = keys = tuple(store.keys())
    console.acknowledged.add(third)  # the console has it acknowledged already: one delete only
    store.set_status([third], ACKNOWLEDGED)
    result = await triage.delete(keys)
    assert result.ok and set(result.succeeded) == set(keys)
    assert set(result.readied) == {first, second}
    assert result.summary().startswith("Deleted 3 incidents (2 acknowledged first)")
    assert console.existing == set()
    for key in (first, second):
        assert console.calls.index(("acknowledge", key)) < console.calls.index(("delete", key))
    assert ("acknowledge", third) not in console.calls
    lines = audit_lines(triage)
    assert lines[0] == ("delete", "requested", list(keys))
    for key in (first, second):
        assert lines.index(("acknowledge", "success", [key])) < lines.index(("delete", "deleted", [key]))
    assert ("delete", "deleted", [third]) in lines


async def test_an_incident_whose_acknowledge_fails_is_not_deleted_and_is_reported(tmp_path):
    store, console, triage, _ = setup(tmp_path, count=2)
    refused, fine = tuple(store.keys())
    console.failures_of["acknowledge", refused] = PermissionDenied("this key may not acknowledge")
    result = await triage.delete((refused, fine))
    assert result.succeeded == (fine,)
    [(key, reason)] = result.failed
    assert key == refused and reason.startswith("not acknowledged, so not deleted: not permitted")
    assert result.permission_denied
    assert ("delete", refused) not in console.calls and refused in console.existing
    assert refused in store and not store.get(refused).status == ACKNOWLEDGED
    assert ("acknowledge", "failed", [refused]) in audit_lines(triage)
    assert not any(action == "delete" and keys == [refused] for action, _, keys in audit_lines(triage)[1:])


async def test_acknowledged_but_not_deleted_shows_as_acknowledged(tmp_path):
    store, console, triage, _ = setup(tmp_path, count=1)
    [key] = store.keys()
    console.failures_of["delete", key] = InvalidParameter("The console said no")
    result = await triage.delete((key,))
    assert [k for k, _ in result.failed] == [key] and result.readied == (key,)
    assert store.get(key).status == ACKNOWLEDGED and key in console.acknowledged


async def test_no_archive_means_no_acknowledge_either(tmp_path):
    store, console, triage, _ = setup(tmp_path)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    triage.archive_dir = blocker / "archives"
    result = await triage.delete(tuple(store.keys()))
    assert console.calls == [] and "nothing was deleted" in result.summary()


async def test_no_audit_log_means_no_delete(tmp_path):
    store, console, triage, _ = setup(tmp_path, acknowledged=True)
    triage.audit = AuditLog(tmp_path / "a-file" / "audit.jsonl", console="https://example.canary.tools")
    (tmp_path / "a-file").write_text("")
    result = await triage.delete(("incident:sshlogin:1",))
    assert console.calls == []
    assert "Audit log not written" in result.summary() and "nothing was deleted" in result.summary()
    assert "incident:sshlogin:1" in store


async def test_an_acknowledge_batch_is_one_line_per_result_and_an_unanswered_one_is_unknown(tmp_path):
    store, console, triage, _ = setup(tmp_path, count=3)
    fine, refused, unanswered = keys = tuple(store.keys())
    console.failures[refused] = InvalidParameter("The console said no")
    console.failures[unanswered] = ConnectionFailed("connection dropped")

    async def fetch(incident=None, **kwargs):
        raise ConnectionFailed("still no answer")

    console.fetch = fetch
    result = await triage.set_status(keys, ACKNOWLEDGED)
    assert result.succeeded == (fine,)
    assert audit_lines(triage) == [
        ("acknowledge", "success", [fine]),
        ("acknowledge", "failed", [refused]),
        ("acknowledge", "unknown", [unanswered]),
    ]
    assert not store.get(unanswered).status == ACKNOWLEDGED  # not claimed: rolled back until the console says
