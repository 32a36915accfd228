"""Bulk actions by filter: requests, the count before sending, and the call itself, against the emulator."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import httpx
import pytest

from tui.backends.canary.client import CanaryClient
from tui.backends.errors import ConnectionFailed
from tui.audit import AuditLog
from tui.bulk import BulkRequest, count_matching, older_than_time, parse_logtypes
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


def busiest_source(console) -> str:
    sources = [console.get(key).text("src_host") for key in console.keys("unacknowledged")]
    return max(set(sources), key=sources.count)


def test_a_request_without_filters_or_with_both_source_and_bird_is_refused():
    assert BulkRequest("acknowledge").problems() == ["Choose at least one filter (older than 0h means every incident)."]
    both = BulkRequest("acknowledge", src_host="1.2.3.4", node_id="abc")
    assert "cannot combine a source IP and a bird" in both.problems()[0]
    assert "period" in BulkRequest("delete", older_than="3 days").problems()[0]
    assert BulkRequest("delete", older_than="0h").problems() == []


def test_filters_and_description():
    request = BulkRequest("acknowledge", src_host="1.2.3.4", older_than="1d", filter_str="ssh", logtypes=(4002,))
    assert request.filters() == {"src_host": "1.2.3.4", "older_than": "1d", "filter_str": "ssh", "filter_logtypes": (4002,)}
    assert request.describe() == 'from 1.2.3.4 · older than 1d · matching "ssh" · logtype 4002'
    assert BulkRequest("delete", older_than="0h").describe() == "of any age"


def test_which_incidents_each_bulk_endpoint_acts_on():
    assert BulkRequest("acknowledge").state == "unacknowledged"
    assert BulkRequest("unacknowledge").state == "acknowledged"
    assert BulkRequest("delete").state == "acknowledged"
    assert BulkRequest("delete", include_unacknowledged=True).state == "all"


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
        pytest.param(lambda console: BulkRequest("acknowledge", src_host=busiest_source(console)), id="source"),
        pytest.param(lambda console: BulkRequest("acknowledge", node_id=next(iter(console.devices))), id="bird"),
        pytest.param(lambda console: BulkRequest("acknowledge", older_than="1d"), id="older"),
        pytest.param(lambda console: BulkRequest("acknowledge", logtypes=(4002,)), id="logtype"),
        pytest.param(lambda console: BulkRequest("unacknowledge", flock_id="flock:default"), id="flock"),
    ],
)
async def test_the_count_is_exactly_what_the_bulk_call_then_touches(make_request):
    console = seeded_console()
    request = make_request(console)
    async with client_for(console) as client:
        preview = await count_matching(client, request, now=NOW)
        assert preview.keys, "the seeded console should have something to act on"
        touched = await getattr(client, f"{request.action}_many")(**request.filters())
    assert sorted(touched.keys) == sorted(preview.keys)


async def test_act_by_filter_acknowledges_on_the_console_and_audits(tmp_path):
    console = seeded_console()
    source = busiest_source(console)
    store = IncidentStore()
    audit = AuditLog(tmp_path / "audit.jsonl", console="test")
    async with client_for(console) as client:
        store.apply([incident async for page in client.iter_feed("all") for incident in page.incidents])
        triage = Triage(client, store, tmp_path / "archives", audit=audit)
        preview = await count_matching(client, BulkRequest("acknowledge", src_host=source), now=NOW)
        result = await triage.act_by_filter(preview)
    assert result.ok and sorted(result.succeeded) == sorted(preview.keys)
    assert all(console.is_acknowledged(key) for key in preview.keys)
    assert all(store.get(key).acknowledged for key in preview.keys)
    assert result.summary().startswith(f"Acknowledged {len(preview.keys)} incident")
    entry = json.loads((tmp_path / "audit.jsonl").read_text().splitlines()[-1])
    assert entry["action"] == "acknowledge by filter" and f"from {source}" in entry["detail"]


async def test_delete_by_filter_archives_every_counted_incident_first(tmp_path):
    console = seeded_console()
    async with client_for(console) as client:
        # Nothing loaded in the store: the archive is fetched from the console.
        triage = Triage(client, IncidentStore(), tmp_path / "archives")
        preview = await count_matching(client, BulkRequest("delete", older_than="0h"), now=NOW)
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
        triage = Triage(client, IncidentStore(), blocker / "archives")
        preview = await count_matching(client, BulkRequest("delete", older_than="0h"), now=NOW)
        result = await triage.act_by_filter(preview)
    assert "nothing was deleted" in result.summary()
    assert console.deleted_keys == []


async def test_what_matched_only_after_the_count_is_reported_as_not_archived(tmp_path):
    console = seeded_console()
    async with client_for(console) as client:
        triage = Triage(client, IncidentStore(), tmp_path / "archives")
        preview = await count_matching(client, BulkRequest("delete", older_than="0h"), now=NOW)
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
    request = BulkRequest("delete", src_host=source, include_unacknowledged=True)
    async with client_for(console) as client:
        triage = Triage(client, IncidentStore(), tmp_path / "archives", audit=AuditLog(log, console="test"))
        preview = await count_matching(client, request, now=NOW)
        assert any(not incident.acknowledged for incident in preview.incidents)
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
        triage = Triage(client, IncidentStore(), tmp_path / "archives", audit=AuditLog(log, console="test"))
        preview = await count_matching(client, BulkRequest("delete", older_than="0h"), now=NOW)
        delete_many = client.delete_many

        async def answer_lost(**filters):
            await delete_many(**filters)
            raise ConnectionFailed("The connection to the console failed during DELETE /api/v1/incidents/delete.")

        client.delete_many = answer_lost
        result = await triage.act_by_filter(preview)
    assert "The console may have acted: press r to check." in result.summary()
    assert [entry["result"] for entry in audit_entries(log)] == ["requested", "unknown"]
