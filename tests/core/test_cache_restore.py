"""The cache gives back what a user sees, without parsing documents, the opening page first."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace
from pathlib import Path

import pytest

from tui import cache as cache_module
from tui.backends.canary import CanaryBackend
from tui.backends.canary.parse import parse_incident as parse_canary
from tui.backends.log360 import Log360Backend
from tui.backends.log360.parse import parse_incident as parse_log360
from tui.cache import SnapshotCache
from tui.model import Incident
from tui.store import IncidentStore

# Text an attacker can put in any field: a lone surrogate (not UTF-8), NUL, escapes, bidi, wide.
HOSTILE = "\ud800 lone\x00nul \x1b[31mred\x1b[0m \u202eevil\u202c 日本 🐦 \\\"quoted\" " + "x" * 300


def canary_item(key: str, updated_id: int, created: int, *, acknowledged: bool = False, text: str = "") -> dict:
    return {
        "id": key,
        "hash_id": f"hash-{key}{text}",
        "summary": f"SSH Login Attempt {text}",
        "updated_id": updated_id,
        "updated_time": str(created + 5),
        "description": {
            "acknowledged": "True" if acknowledged else "False",
            "created": str(created),
            "description": "SSH Login Attempt",
            "dst_host": f"10.0.0.9{text}",
            "dst_port": "22",
            "src_port": "50122",
            "events": [{"USERNAME": f"root{text}", "PASSWORD": text, "timestamp": created}, {"note": text}],
            "events_count": "2",
            "logtype": "4002",
            "memo": f"memo {text}",
            "name": f"web-dmz-01 {text}",
            "node_id": "0000000018a22bf1",
            "flock_id": "flock:default",
            "flock_name": f"Default {text}",
            "src_host": f"10.0.0.5{text}",
            "src_host_reverse": f"attacker.example{text}",
            "local_time": "2020-04-17 20:29:30",
        },
    }


def log360_item(key: str, text: str) -> dict:
    return {
        "incident_id": key,
        "incident_name": f"Brute force {text}",
        "incident_description": f"many failures {text}",
        "severity": "Critical",
        "status": "In Progress",
        "assign_to": 7,
        "created_by": f"admin {text}",
        "created_time": "2025-03-31 16:12:10.123456+02:00",
        "due_date": "2025-04-02T09:00:00Z",
        "notes": [{"note": f"looked {text}", "added_by": "ana", "time": "2025-03-31T17:00:00Z"}, "bare note"],
        "actors": [{"entity": [f"host-1 {text}", "host-2"]}, {"suspect": [f"10.1.1.1{text}"]}],
        "activity": [{"activity": "assigned", "description": text, "time": "2025-03-31T16:30:00Z"}],
        "evidence": [
            {"message": f"failed logon {text}", "hostname": "dc01", "source_ip": "10.1.1.1", "log_org_time": 1743430000000},
            {"message": "later", "username": text, "log_org_time": 1743440000000},
        ],
    }


def round_trip(path: Path, documents, incidents: list[Incident]) -> dict[str, Incident]:
    store = IncidentStore()
    writer = SnapshotCache(path, documents)
    writer.save_changes(store, store.apply(incidents))
    writer.close()
    reader = SnapshotCache(path, documents)
    loaded, _ = reader.load()
    reader.close()
    return {incident.key: incident for incident in loaded}


def assert_same_as_parsed(restored: Incident, parsed: Incident) -> None:
    assert restored == parsed  # every neutral field and the backend's extras
    assert restored.events == parsed.events
    assert restored.raw == parsed.raw
    assert restored.document.words == parsed.document.words
    assert restored.document.packed == parsed.document.packed  # the bytes as held, not re-encoded


@pytest.mark.parametrize("text", ["", HOSTILE])
def test_a_canary_incident_comes_back_as_parsed(tmp_path, text):
    parsed = [parse_canary(canary_item("a", 3, 1587155370, text=text)),
              parse_canary(canary_item("b", 8, 1587155400, acknowledged=True, text=text))]
    loaded = round_trip(tmp_path / "cache.sqlite3", CanaryBackend.documents, parsed)
    for incident in parsed:
        assert_same_as_parsed(loaded[incident.key], incident)


@pytest.mark.parametrize("text", ["", HOSTILE])
def test_a_log360_incident_comes_back_as_parsed(tmp_path, text):
    parsed = [parse_log360(log360_item("1000000000001", text)), parse_log360({"incident_id": 1000000000002})]
    loaded = round_trip(tmp_path / "cache.sqlite3", Log360Backend.documents, parsed)
    for incident in parsed:
        assert_same_as_parsed(loaded[incident.key], incident)


def test_restoring_never_parses_a_document(tmp_path):
    def parse(raw):
        raise AssertionError("a document was parsed")

    documents = replace(CanaryBackend.documents, incident=parse)
    parsed = [parse_canary(canary_item(f"k{n}", n + 1, 1587155370 + n)) for n in range(20)]
    loaded = round_trip(tmp_path / "cache.sqlite3", documents, parsed)
    assert sorted(loaded) == sorted(incident.key for incident in parsed)


def opening_then_rest(cache: SnapshotCache, *, first: int, statuses: list[str]):
    """The stages a restart reads, in order: the opening page (the launcher's), then the rest."""
    page = cache.opening_page(first, statuses)
    if page[0]:
        yield page
    yield from cache.preload_rest({incident.key for incident in page[0]})


def test_the_opening_page_comes_first_then_the_rest_in_slices(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "PRELOAD_SLICE", 4)
    created = 1587155370
    items = [canary_item(f"k{n:02}", n + 1, created + 60 * n, acknowledged=n % 3 == 0) for n in range(12)]
    store = IncidentStore()
    writer = SnapshotCache(tmp_path / "cache.sqlite3", CanaryBackend.documents)
    writer.save_changes(store, store.apply([parse_canary(item) for item in items]))
    writer.close()
    reader = SnapshotCache(tmp_path / "cache.sqlite3", CanaryBackend.documents)
    stages = [([incident.key for incident in incidents], watermark)
              for incidents, watermark in opening_then_rest(reader, first=3, statuses=["unacknowledged"])]
    reader.close()
    # The newest three unacknowledged first, then the other nine, newest first, four at a time.
    assert stages == [
        (["k11", "k10", "k08"], 12),
        (["k09", "k07", "k06", "k05"], 12),
        (["k04", "k03", "k02", "k01"], 12),
        (["k00"], 12),
    ]


def test_a_row_unreadable_after_the_first_page_asks_for_everything_again(tmp_path):
    import sqlite3

    path = tmp_path / "cache.sqlite3"
    store = IncidentStore()
    writer = SnapshotCache(path, CanaryBackend.documents)
    writer.save_changes(store, store.apply([parse_canary(canary_item(f"k{n}", n + 1, 1587155370 + n)) for n in range(5)]))
    writer.close()
    with sqlite3.connect(path) as database:
        database.execute("UPDATE incidents SET record = '[1, 2]' WHERE key = 'k0'")  # the oldest: not on the first page
    database.close()
    reader = SnapshotCache(path, CanaryBackend.documents)
    stages = [([incident.key for incident in incidents], watermark)
              for incidents, watermark in opening_then_rest(reader, first=2, statuses=["unacknowledged"])]
    assert stages == [(["k4", "k3"], 5), ([], 0)]
    assert reader.load() == ([], 0)  # rebuilt
    reader.close()


def test_saves_asked_for_in_the_background_are_written_before_close(tmp_path):
    path = tmp_path / "cache.sqlite3"
    store = IncidentStore()
    writer = SnapshotCache(path, CanaryBackend.documents)
    for n in range(30):
        writer.save_in_background(store, store.apply([parse_canary(canary_item(f"k{n}", n + 1, 1587155370 + n))]))
    writer.close()
    reader = SnapshotCache(path, CanaryBackend.documents)
    incidents, watermark = reader.load()
    reader.close()
    assert len(incidents) == 30 and watermark == 30


def test_restored_incidents_stay_frozen_and_share_the_text_they_repeat(tmp_path):
    """Restoring fills each object's slots directly (``model.frozen_builder``): what it makes is as
    frozen as any other, and one copy of a title or a bird's name serves every incident that has it."""
    parsed = [parse_canary(canary_item(f"k{n}", n + 1, 1587155370 + n)) for n in range(3)]
    loaded = round_trip(tmp_path / "cache.sqlite3", CanaryBackend.documents, parsed)
    first, second = loaded["k0"], loaded["k1"]
    with pytest.raises(FrozenInstanceError):
        first.title = "changed"
    with pytest.raises(FrozenInstanceError):
        first.extras.node_name = "changed"
    assert first.title == second.title and first.title is second.title
    assert first.extras.node_name == second.extras.node_name and first.extras.node_name is second.extras.node_name
