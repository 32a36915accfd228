"""Attacker strings through everything Roost writes: the cache, the audit log, archives and exports.

Each keeps them exactly (or, in CSV, as visible escapes) and none of them fails on
one: a lone surrogate, which UTF-8 cannot carry, used to stop the cache and the
audit log.
"""

from __future__ import annotations

import csv
import json

import pytest

from tui.archive import archive_before_delete
from tui.backends.canary import CanaryBackend
from tui.audit import AuditLog
from tui.cache import SnapshotCache
from tui.export import export_incidents
from tui.backends.canary.parse import parse_incident
from tui.store import IncidentStore

from .hostile import CORPUS


@pytest.fixture
def incidents():
    """One incident per string, which is also in its key (a console's key carries the source)."""
    return [
        parse_incident({
            "id": f"incident:sshlogin:{number}:{text[:40]}", "updated_id": number + 1, "summary": text,
            "description": {"src_host": text, "memo": text, "events": [{text: text, "timestamp": 1}]},
        })
        for number, text in enumerate(CORPUS.values())
    ]


def test_the_cache_keeps_them_exactly(incidents, tmp_path):
    store = IncidentStore()
    changes = store.apply(incidents)
    SnapshotCache(tmp_path / "cache.sqlite3", CanaryBackend.documents).save_changes(store, changes)
    loaded, watermark = SnapshotCache(tmp_path / "cache.sqlite3", CanaryBackend.documents).load()
    assert watermark == len(incidents)
    assert {incident.key: incident.raw for incident in loaded} == {incident.key: incident.raw for incident in incidents}
    store.apply((), removed=[incidents[0].key])  # and a hostile key can be deleted again
    SnapshotCache(tmp_path / "cache.sqlite3", CanaryBackend.documents).save_changes(store, store.apply((), removed=[incidents[1].key]))


def test_the_audit_log_keeps_them_exactly(incidents, tmp_path):
    audit = AuditLog(tmp_path / "audit.jsonl", console="https://1234abcd.canary.tools")
    for incident in incidents:
        audit.record("acknowledge", [incident.key], "failed", incident.title)
    entries = audit.tail(len(incidents))
    assert [(entry["keys"], entry["detail"]) for entry in entries] == [
        ([incident.key], incident.title) for incident in incidents
    ]
    assert (tmp_path / "audit.jsonl").read_bytes().isascii()  # one entry per line, whatever was typed


def test_archives_and_exports_keep_them(incidents, tmp_path):
    archive = archive_before_delete(incidents, tmp_path / "archives")
    assert [raw for raw in json.loads(archive.read_text())["incidents"]] == [incident.raw for incident in incidents]
    for fmt in ("json", "jsonl"):
        text = export_incidents(incidents, fmt, tmp_path / f"export.{fmt}", documents=CanaryBackend.documents).read_text()
        raws = json.loads(text)["incidents"] if fmt == "json" else [json.loads(line) for line in text.splitlines()]
        assert raws == [incident.raw for incident in incidents]
    limit = csv.field_size_limit(1_000_000)  # the 100,000-character string fills a cell twice over
    try:
        with export_incidents(incidents, "csv", tmp_path / "export.csv", documents=CanaryBackend.documents).open(encoding="utf-8-sig", newline="") as file:
            rows = list(csv.reader(file))
    finally:
        csv.field_size_limit(limit)
    assert len(rows) == len(incidents) + 1  # a header, then one record per incident, line breaks and all
