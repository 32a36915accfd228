"""Exports: the three formats, CSV injection, atomic 0600 files, default paths, paging a feed."""

from __future__ import annotations

import csv
import json
import stat
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from canary_builders import canary_incident
from tui.backends.canary.client import CanaryClient
from tui.backends.errors import AuthError
from tui.emulator.canary.state import ConsoleState
from tui.backends.canary import PAGE_LIMIT, CanaryBackend
from tui.export import EXPORT_FEED, default_export_path, export_everything, export_incidents
from tui.backends.canary.parse import parse_incident
from tui.model import Document, Incident

TOKEN = "export-test-token-4242"
CREATED = 1_700_000_000  # 2023-11-14T22:13:20Z
# What Canary's CSV export is made of.
DOCUMENTS = CanaryBackend.documents


def feed_item(key: str, updated_id: int, **body: Any) -> dict[str, Any]:
    """One incident as the console's feed sends it (nested, string booleans and numbers)."""
    description = {
        "acknowledged": "False",
        "created": str(CREATED),
        "description": "SSH Login Attempt",
        "dst_host": "10.0.0.5",
        "dst_port": "22",
        "events": [{"USERNAME": "root", "PASSWORD": "toor", "timestamp": CREATED}],
        "events_count": "1",
        "flock_id": "flock:default",
        "flock_name": "Default Flock",
        "logtype": "4002",
        "name": "fs-nyc-01",
        "node_id": "00000000aaaa0001",
        "src_host": "1.1.1.1",
        "src_host_reverse": "scanner.example.net",
        "src_port": "40000",
        **body,
    }
    return {"description": description, "hash_id": f"hash-{key}", "id": key, "summary": "SSH Login Attempt",
            "updated_id": updated_id, "updated_time": str(CREATED)}


HOSTILE = feed_item(
    "incident:hostile",
    7,
    memo="=HYPERLINK(\"http://evil.test\",\"click\")",
    src_host_reverse="+cmd|' /C calc'!A0",
    name="@SUM(1+1)",
    acknowledged="True",
    events=[{"USERNAME": "-2+3", "PASSWORD": "\tx", "UA": "\u202egnp.exe", "timestamp": CREATED}],
)
INCIDENTS = [parse_incident(feed_item("incident:ssh", 5)), parse_incident(HOSTILE)]


def only_file(directory: Path) -> Path:
    [path] = list(directory.iterdir())
    return path


# -- formats ------------------------------------------------------------------


def test_json_is_the_feed_shape_and_loads_back_into_the_emulator(tmp_path):
    path = export_incidents(INCIDENTS, "json", tmp_path / "out.json", documents=DOCUMENTS)
    document = json.loads(path.read_text(encoding="ascii"))
    assert document == {"feed": EXPORT_FEED, "incidents": [i.raw for i in INCIDENTS], "max_updated_id": 7,
                        "result": "success"}
    state = ConsoleState(clock=lambda: CREATED)
    assert state.load_feed(document) == ["incident:ssh", "incident:hostile"]
    reloaded = state.get("incident:hostile")
    assert reloaded.updated_id == 7 and reloaded.acknowledged
    assert reloaded.text("memo") == HOSTILE["description"]["memo"]


def test_json_keeps_every_string_even_invalid_unicode(tmp_path):
    # A lone surrogate (the console sent "\ud800") cannot be UTF-8: ASCII JSON keeps it losslessly.
    odd = parse_incident(feed_item("incident:odd", 1, memo="bad \ud800 text"))
    path = export_incidents([odd], "json", tmp_path / "odd.json", documents=DOCUMENTS)
    assert json.loads(path.read_bytes())["incidents"][0]["description"]["memo"] == "bad \ud800 text"
    jsonl = export_incidents([parse_incident(HOSTILE)], "jsonl", tmp_path / "bidi.jsonl", documents=DOCUMENTS)
    assert b"\\u202e" in jsonl.read_bytes()  # the bidi override is visible, not applied


def test_jsonl_is_one_raw_incident_a_line(tmp_path):
    path = export_incidents(INCIDENTS, "jsonl", tmp_path / "out.jsonl", documents=DOCUMENTS)
    lines = path.read_text(encoding="ascii").splitlines()
    assert [json.loads(line) for line in lines] == [incident.raw for incident in INCIDENTS]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_csv_is_a_flat_table(tmp_path):
    path = export_incidents(INCIDENTS, "csv", tmp_path / "out.csv", documents=DOCUMENTS)
    assert path.read_bytes().startswith(b"\xef\xbb\xbfkey,created,")  # BOM: Excel reads it as UTF-8
    with path.open(encoding="utf-8-sig", newline="") as handle:
        assert tuple(next(csv.reader(handle))) == DOCUMENTS.csv_columns
    first = read_csv(path)[0]
    assert first == {
        "key": "incident:ssh",
        "created": "2023-11-14T22:13:20Z",
        "updated_id": "5",
        "acknowledged": "false",
        "logtype": "4002",
        "type": "SSH Login Attempt",
        "src_host": "1.1.1.1",
        "src_host_reverse": "scanner.example.net",
        "src_port": "40000",
        "dst_host": "10.0.0.5",
        "dst_port": "22",
        "node_id": "00000000aaaa0001",
        "bird_or_token": "fs-nyc-01",
        "flock_id": "flock:default",
        "memo": "",
        "events_count": "1",
        "events": '[{"USERNAME":"root","PASSWORD":"toor","timestamp":1700000000}]',
    }


def test_csv_cells_a_spreadsheet_would_run_get_a_leading_quote(tmp_path):
    row = read_csv(export_incidents(INCIDENTS, "csv", tmp_path / "out.csv", documents=DOCUMENTS))[1]
    assert row["memo"] == "'=HYPERLINK(\"http://evil.test\",\"click\")"
    assert row["src_host_reverse"] == "'+cmd|' /C calc'!A0"
    assert row["bird_or_token"] == "'@SUM(1+1)"
    assert row["acknowledged"] == "true"
    for prefix in ("-", "\t", "\r"):
        cell = prefix + "x"
        incident = parse_incident(feed_item("incident:p", 1, memo=cell))
        assert read_csv(export_incidents([incident], "csv", tmp_path / "p.csv", documents=DOCUMENTS))[0]["memo"] == "'" + cell
    # The events cell holds the attacker's strings inside JSON, which starts with "[".
    assert json.loads(row["events"])[0]["USERNAME"] == "-2+3"


def test_csv_leaves_missing_values_empty(tmp_path):
    bare = canary_incident(key="k", summary="", logtype=None, src_port=None, dst_port=None)
    row = read_csv(export_incidents([bare], "csv", tmp_path / "bare.csv", documents=DOCUMENTS))[0]
    assert (row["created"], row["logtype"], row["type"], row["src_port"], row["events"]) == ("", "", "Unknown", "", "[]")


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="json, jsonl, csv"):
        export_incidents(INCIDENTS, "xml", tmp_path / "out.xml", documents=DOCUMENTS)
    assert list(tmp_path.iterdir()) == []


# -- the file -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_export_is_private_and_leaves_no_temporary_file(tmp_path, fmt):
    path = export_incidents(INCIDENTS, fmt, tmp_path / "sub" / f"out.{fmt}", documents=DOCUMENTS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert only_file(tmp_path / "sub") == path


def test_a_failed_export_leaves_the_old_file_untouched(tmp_path):
    path = tmp_path / "out.json"
    path.write_text("previous export")
    unreadable = Incident("k", "s", document=Document(b"not compressed JSON"))
    with pytest.raises(zlib.error):
        export_incidents([*INCIDENTS, unreadable], "json", path, documents=DOCUMENTS)
    assert path.read_text() == "previous export"
    assert only_file(tmp_path) == path


def test_default_path_is_in_the_exports_directory_named_by_label_and_time(tmp_path):
    first = default_export_path(tmp_path, "csv", "unacknowledged", now=CREATED)
    assert first == tmp_path / "exports" / "unacknowledged-20231114T221320Z.csv"
    export_incidents(INCIDENTS, "csv", first, documents=DOCUMENTS)
    assert default_export_path(tmp_path, "csv", "unacknowledged", now=CREATED).name == (
        "unacknowledged-20231114T221320Z-2.csv"
    )
    assert default_export_path(tmp_path, "json", "../../etc/demo (local)", now=CREATED).parent == tmp_path / "exports"
    assert default_export_path(tmp_path, "json", "../../etc/demo (local)", now=CREATED).name == (
        "etc-demo-local-20231114T221320Z.json"
    )
    assert default_export_path(tmp_path, "jsonl", "", now=CREATED).name == "incidents-20231114T221320Z.jsonl"


# -- reading a whole console ------------------------------------------------------------


class PagingConsole:
    """A console that picks its own page size (2), whatever ``limit`` asks, and ends
    with ``"incidents": null``; it answers only the right token."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("X-Canary-Auth-Token") != TOKEN:
            return httpx.Response(401, json={"result": "error", "message": "Invalid auth_token"})
        start = int(request.url.params.get("cursor", "0"))
        page = self.items[start : start + 2] or None
        following = str(start + 2) if page else None
        return httpx.Response(200, json={"feed": "All Incidents", "incidents": page, "result": "success",
                                         "cursor": {"next": following, "prev": None}})

    def client(self) -> CanaryClient:
        return CanaryClient("https://console.test", TOKEN, transport=httpx.MockTransport(self.handle))


async def test_export_feed_follows_cursors_to_the_end_whatever_the_page_size(tmp_path):
    items = [feed_item(f"incident:{n}", n + 1) for n in range(5)]
    console = PagingConsole(items)
    counts: list[int] = []
    async with console.client() as client:
        path, count = await export_everything(CanaryBackend(client), None, "jsonl", tmp_path / "all.jsonl", counts.append)
    assert count == 5 and counts == [2, 4, 5, 5]  # the last page is "incidents": null
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == [item["id"] for item in items]
    assert console.requests[0].url.params["limit"] == str(PAGE_LIMIT)  # asked big; the console paged by 2
    assert [r.url.params.get("cursor") for r in console.requests] == [None, "2", "4", "6"]


async def test_export_feed_treats_null_incidents_as_an_empty_page(tmp_path):
    async with PagingConsole([]).client() as client:
        path, count = await export_everything(CanaryBackend(client), "unacknowledged", "json", tmp_path / "none.json")
    assert count == 0
    assert json.loads(path.read_text())["incidents"] == []


async def test_an_incident_seen_twice_while_paging_is_exported_once_in_its_latest_state(tmp_path):
    items = [feed_item("incident:a", 1), feed_item("incident:b", 2), feed_item("incident:a", 3, acknowledged="True")]
    async with PagingConsole(items).client() as client:
        path, count = await export_everything(CanaryBackend(client), None, "csv", tmp_path / "dup.csv")
    rows = read_csv(path)
    assert count == 2
    assert [(row["key"], row["updated_id"], row["acknowledged"]) for row in rows] == [
        ("incident:a", "3", "true"),
        ("incident:b", "2", "false"),
    ]


async def test_a_failed_feed_writes_nothing_and_never_shows_the_token(tmp_path):
    console = PagingConsole([feed_item("incident:a", 1)])
    client = CanaryClient("https://console.test", "wrong-token", transport=httpx.MockTransport(console.handle))
    async with client:
        with pytest.raises(AuthError) as failure:
            await export_everything(CanaryBackend(client), None, "json", tmp_path / "out.json")
    assert "wrong-token" not in str(failure.value)
    assert list(tmp_path.iterdir()) == []
