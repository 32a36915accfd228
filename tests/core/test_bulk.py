"""Bulk actions by filter through the Canary backend: requests, the count before sending, and the call itself, against the emulator."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import httpx
import pytest

from tui.backends.base import FormValueError
from tui.backends.canary import CanaryBackend
from tui.backends.canary.bulk import BulkCall, bulk_call, count_matching, older_than_time, parse_logtypes
from tui.backends.canary.client import CanaryClient
from tui.backends.canary.parse import ACKNOWLEDGED, UNACKNOWLEDGED
from tui.backends.errors import ConnectionFailed
from tui.audit import AuditLog
from tui.emulator.canary.app import create_app
from tui.emulator.canary.state import ConsoleState
from tui.screenshots import FIXED_NOW, seeded_console
from tui.secret import Secret
from tui.store import IncidentStore
from tui.triage import Triage

TOKEN = "bulk-test-token-0123456789"
NOW = datetime.fromtimestamp(FIXED_NOW, tz=timezone.utc)


def client_for(console) -> CanaryClient:
    emulator = create_app(console, TOKEN)
    return CanaryClient("http://console.test", Secret(TOKEN), transport=httpx.ASGITransport(app=emulator))


async def counted(backend, status, options=frozenset(), **values):
    """The preview of setting ``status`` (None: deleting) on what ``values`` match, counted now."""
    return await backend.count_matching(backend.bulk_request(status, values, frozenset(options)), now=NOW)


def busiest_source(console) -> str:
    sources = [console.get(key).text("src_host") for key in console.keys("unacknowledged")]
    return max(set(sources), key=sources.count)


def test_a_request_without_filters_or_with_both_source_and_bird_is_refused():
    assert BulkCall("acknowledge").problems() == ["Choose at least one filter (older than 0h means every incident)."]
    both = BulkCall("acknowledge", src_host="1.2.3.4", node_id="abc")
    assert "cannot combine a source IP and a bird" in both.problems()[0]
    assert "period" in BulkCall("delete", older_than="3 days").problems()[0]
    assert BulkCall("delete", older_than="0h").problems() == []
    # The backend refuses the form with the first of them, the logtypes' first.
    with pytest.raises(FormValueError, match="cannot combine a source IP and a bird"):
        bulk_call(ACKNOWLEDGED, {"src_host": "1.2.3.4", "node_id": "abc"}, frozenset())
    with pytest.raises(FormValueError, match="No logtype is called 'nosuch'"):
        bulk_call(None, {"logtypes": "nosuch"}, frozenset())


def test_filters_and_description():
    request = BulkCall("acknowledge", src_host="1.2.3.4", older_than="1d", filter_str="ssh", logtypes=(4002,))
    assert request.filters() == {"src_host": "1.2.3.4", "older_than": "1d", "filter_str": "ssh", "filter_logtypes": (4002,)}
    assert request.describe() == 'from 1.2.3.4 · older than 1d · matching "ssh" · logtype 4002'
    assert BulkCall("delete", older_than="0h").describe() == "of any age"


def test_which_incidents_each_bulk_endpoint_acts_on():
    assert BulkCall("acknowledge").state == "unacknowledged"
    assert BulkCall("unacknowledge").state == "acknowledged"
    assert BulkCall("delete").state == "acknowledged"
    assert BulkCall("delete", include_unacknowledged=True).state == "all"
    assert bulk_call(None, {"older_than": "0h"}, frozenset({"include-unacknowledged"})).state == "all"


def test_logtypes_by_number_or_name():
    assert parse_logtypes("4002, 6001") == ((4002, 6001), "")
    assert parse_logtypes("") == ((), "")
    numbers, error = parse_logtypes("nosuchservice")
    assert numbers == () and "nosuchservice" in error


def test_older_than_reaches_back_from_now():
    assert older_than_time("2d", NOW) == datetime.fromtimestamp(FIXED_NOW - 2 * 86400, tz=timezone.utc)
    assert older_than_time("0h", NOW) is None


@pytest.mark.parametrize(
    "make_request",
    [
        pytest.param(lambda console: BulkCall("acknowledge", src_host=busiest_source(console)), id="source"),
        pytest.param(lambda console: BulkCall("acknowledge", node_id=next(iter(console.devices))), id="bird"),
        pytest.param(lambda console: BulkCall("acknowledge", older_than="1d"), id="older"),
        pytest.param(lambda console: BulkCall("acknowledge", logtypes=(4002,)), id="logtype"),
        pytest.param(lambda console: BulkCall("unacknowledge", flock_id="flock:default"), id="flock"),
    ],
)
async def test_the_count_is_exactly_what_the_bulk_call_then_touches(make_request):
    console = seeded_console()
    request = make_request(console)
    async with client_for(console) as client:
        incidents, _ = await count_matching(client, request, now=NOW)
        assert incidents, "the seeded console should have something to act on"
        touched = await getattr(client, f"{request.action}_many")(**request.filters())
    assert sorted(touched.keys) == sorted(incident.key for incident in incidents)


async def test_act_by_filter_acknowledges_on_the_console_and_audits(tmp_path):
    console = seeded_console()
    source = busiest_source(console)
    store = IncidentStore()
    audit = AuditLog(tmp_path / "audit.jsonl", console="test")
    async with client_for(console) as client:
        store.apply([incident async for page in client.iter_feed("all") for incident in page.incidents])
        backend = CanaryBackend(client)
        triage = Triage(backend, store, tmp_path / "archives", audit=audit)
        preview = await counted(backend, ACKNOWLEDGED, src_host=source)
        result = await triage.act_by_filter(preview)
    assert result.ok and sorted(result.succeeded) == sorted(preview.keys)
    assert all(console.is_acknowledged(key) for key in preview.keys)
    assert all(store.get(key).status == ACKNOWLEDGED for key in preview.keys)
    assert result.previous == tuple((key, UNACKNOWLEDGED) for key in result.succeeded)  # what z puts back
    assert result.summary().startswith(f"Acknowledged {len(preview.keys)} incident")
    entry = json.loads((tmp_path / "audit.jsonl").read_text().splitlines()[-1])
    assert entry["action"] == "acknowledge by filter" and f"from {source}" in entry["detail"]


async def test_delete_by_filter_archives_every_counted_incident_first(tmp_path):
    console = seeded_console()
    async with client_for(console) as client:
        # Nothing loaded in the store: the archive is fetched from the console.
        backend = CanaryBackend(client)
        triage = Triage(backend, IncidentStore(), tmp_path / "archives")
        preview = await counted(backend, None, older_than="0h")
        events = {key: console.get(key).events for key in preview.keys}
        result = await triage.act_by_filter(preview)
    assert result.ok and sorted(result.succeeded) == sorted(preview.keys)
    # The archive reads back as a console: whole incidents, events included.
    restored = ConsoleState()
    assert sorted(restored.load_feed(json.loads(result.archive.read_text()))) == sorted(preview.keys)
    assert all(restored.get(key).events == events[key] for key in preview.keys)
    assert set(preview.keys) <= set(console.deleted_keys)
    assert console.keys("acknowledged") == []


async def test_delete_by_filter_without_an_archive_sends_nothing(tmp_path):
    console = seeded_console()
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    async with client_for(console) as client:
        backend = CanaryBackend(client)
        triage = Triage(backend, IncidentStore(), blocker / "archives")
        preview = await counted(backend, None, older_than="0h")
        result = await triage.act_by_filter(preview)
    assert "nothing was deleted" in result.summary()
    assert console.deleted_keys == []


async def test_what_matched_only_after_the_count_is_reported_as_not_archived(tmp_path):
    console = seeded_console()
    async with client_for(console) as client:
        backend = CanaryBackend(client)
        triage = Triage(backend, IncidentStore(), tmp_path / "archives")
        preview = await counted(backend, None, older_than="0h")
        late = console.keys("unacknowledged")[0]
        console.acknowledge(late)  # someone acknowledges it between the count and the call
        result = await triage.act_by_filter(preview)
    assert result.unarchived == (late,)
    assert not result.ok and "NOT in the archive" in result.summary()


def audit_entries(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def test_a_delete_by_filter_is_on_record_before_it_is_sent_and_says_what_it_included(tmp_path):
    console = seeded_console()
    log = tmp_path / "audit.jsonl"
    source = busiest_source(console)
    async with client_for(console) as client:
        backend = CanaryBackend(client)
        triage = Triage(backend, IncidentStore(), tmp_path / "archives", audit=AuditLog(log, console="test"))
        preview = await counted(backend, None, {"include-unacknowledged"}, src_host=source)
        assert any(incident.status != ACKNOWLEDGED for incident in preview.incidents)
        on_record_when_sent = []
        delete_many = client.delete_many

        async def recorded_first(**filters):
            on_record_when_sent.append(audit_entries(log))
            return await delete_many(**filters)

        client.delete_many = recorded_first
        result = await triage.act_by_filter(preview)
    assert result.ok and set(result.succeeded) == set(preview.keys) <= set(console.deleted_keys)
    [[requested]] = on_record_when_sent
    assert requested["action"] == "delete by filter" and requested["result"] == "requested"
    assert sorted(requested["keys"]) == sorted(preview.keys)
    assert f"from {source} · including unacknowledged · archive {result.archive}" == requested["detail"]
    deleted = audit_entries(log)[-1]
    assert deleted["result"] == "deleted" and sorted(deleted["keys"]) == sorted(preview.keys)


async def test_a_delete_by_filter_whose_answer_is_lost_is_recorded_as_unknown(tmp_path):
    console = seeded_console()
    log = tmp_path / "audit.jsonl"
    async with client_for(console) as client:
        backend = CanaryBackend(client)
        triage = Triage(backend, IncidentStore(), tmp_path / "archives", audit=AuditLog(log, console="test"))
        preview = await counted(backend, None, older_than="0h")
        delete_many = client.delete_many

        async def answer_lost(**filters):
            await delete_many(**filters)
            raise ConnectionFailed("The connection to the console failed during DELETE /api/v1/incidents/delete.")

        client.delete_many = answer_lost
        result = await triage.act_by_filter(preview)
    assert "The console may have acted: press r to check." in result.summary()
    assert [entry["result"] for entry in audit_entries(log)] == ["requested", "unknown"]
