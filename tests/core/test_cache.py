"""SnapshotCache: round trips, writes only what changed, survives damage, stays private."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from tui.backends.canary import CanaryBackend
from tui.cache import SnapshotCache, cache_path_for
from tui.backends.canary.parse import ACKNOWLEDGED, UNACKNOWLEDGED, canary_fields, parse_incident
from tui.model import Incident
from tui.store import ChangeSet, IncidentStore


def feed_item(key: str, updated_id: int, *, acknowledged: bool = False, memo: str = "") -> Incident:
    """An incident as the console's feed sends it, parsed like the sync loop does."""
    return parse_incident({
        "id": key,
        "hash_id": "e35d196cf3ff157908b542a401810413",
        "summary": "SSH Login Attempt",
        "updated_id": updated_id,
        "updated_time": "1587155370",
        "description": {
            "acknowledged": "True" if acknowledged else "False",
            "created": "1587155370",
            "description": "SSH Login Attempt",
            "dst_port": "22",
            "events": [{"USERNAME": "root", "PASSWORD": "toor", "timestamp": 1587155370}],
            "events_count": "1",
            "logtype": "4002",
            "memo": memo,
            "name": "web-dmz-01",
            "node_id": "0000000018a22bf1",
            "src_host": "10.0.0.5",
        },
    })


# The cache stores and restores each incident's own fields through its backend.
READ = CanaryBackend.documents


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "incidents.sqlite3"


def saved(path: Path, *incidents: Incident) -> IncidentStore:
    """A store holding ``incidents``, saved to a cache at ``path`` (then closed)."""
    store = IncidentStore()
    cache = SnapshotCache(path, READ)
    cache.save_changes(store, store.apply(incidents))
    cache.close()
    return store


def reopened(path: Path) -> tuple[list[Incident], int]:
    cache = SnapshotCache(path, READ)
    try:
        return cache.load()
    finally:
        cache.close()


def test_round_trip_gives_back_the_same_incidents_and_watermark(path):
    store = saved(path, feed_item("a", 3), feed_item("b", 8, acknowledged=True))
    incidents, watermark = reopened(path)
    assert sorted(incidents, key=lambda i: i.key) == [store.get("a"), store.get("b")]
    assert watermark == 8
    assert incidents[0].raw == store.get(incidents[0].key).raw


def test_a_new_cache_is_empty(path):
    assert reopened(path) == ([], 0)


def test_a_delta_writes_only_the_rows_it_names(path):
    store = saved(path, *(feed_item(f"incident:{n}", n + 1) for n in range(50)))
    # Behind the cache's back, every row written from now on is noted.
    with sqlite3.connect(path) as database:
        database.executescript(
            "CREATE TABLE written (key TEXT);"
            "CREATE TRIGGER noted_insert AFTER INSERT ON incidents BEGIN INSERT INTO written VALUES (new.key); END;"
            "CREATE TRIGGER noted_update AFTER UPDATE ON incidents BEGIN INSERT INTO written VALUES (new.key); END;"
            "CREATE TRIGGER noted_delete AFTER DELETE ON incidents BEGIN INSERT INTO written VALUES (old.key); END;"
        )
    database.close()
    cache = SnapshotCache(path, READ)
    delta = store.apply([feed_item("incident:3", 60, memo="new"), feed_item("arrived", 61)], removed=["incident:7"])
    cache.save_changes(store, delta)
    incidents, watermark = cache.load()
    cache.close()
    with sqlite3.connect(path) as database:
        written = sorted(key for (key,) in database.execute("SELECT key FROM written"))
    database.close()
    assert written == ["arrived", "incident:3", "incident:7"]
    by_key = {incident.key: incident for incident in incidents}
    assert len(by_key) == 50 and "incident:7" not in by_key
    assert canary_fields(by_key["incident:3"]).memo == "new"
    assert watermark == 61


def test_a_key_gone_from_the_store_is_deleted_even_if_named_as_changed(path):
    store = saved(path, feed_item("a", 1), feed_item("b", 2))
    store.apply((), removed=["a"])
    cache = SnapshotCache(path, READ)
    cache.save_changes(store, ChangeSet(changed=frozenset({"a"})))
    assert [i.key for i in cache.load()[0]] == ["b"]
    cache.close()


def test_saves_finishing_out_of_order_never_hide_an_incident(path):
    store = IncidentStore()
    cache = SnapshotCache(path, READ)
    first = store.apply([feed_item("a", 1), feed_item("b", 2)])
    second = store.apply([feed_item("c", 3), feed_item("a", 4, memo="newer")])
    cache.save_changes(store, second)
    # Crash here: the first save never ran.  Only what is certainly complete comes back.
    assert cache.load() == ([], 0)
    cache.save_changes(store, first)
    incidents, watermark = cache.load()
    assert watermark == 4
    assert {i.key: canary_fields(i).memo for i in incidents} == {"a": "newer", "b": "", "c": ""}
    cache.close()


def test_rows_newer_than_the_watermark_wait_for_the_delta(path):
    store = IncidentStore()
    cache = SnapshotCache(path, READ)
    cache.save_changes(store, store.apply([feed_item("a", 1), feed_item("b", 2)]))
    store.apply([feed_item("b", 5)])  # applied, but its own save has not run yet...
    cache.save_changes(store, ChangeSet(changed=frozenset({"b"}), watermarks=(2, 2)))
    incidents, watermark = cache.load()
    # ...so b (now at 5) is held back; the delta from 2 will bring it.
    assert watermark == 2
    assert [i.key for i in incidents] == ["a"]
    cache.close()


def test_optimistic_changes_keep_the_consoles_json(path):
    store = saved(path, feed_item("a", 1))
    cache = SnapshotCache(path, READ)
    cache.save_changes(store, store.set_status(["a"], ACKNOWLEDGED))
    incidents, _ = cache.load()
    cache.close()
    assert incidents[0].status == UNACKNOWLEDGED  # the console has not confirmed it yet


def test_clear_forgets_everything(path):
    saved(path, feed_item("a", 1))
    cache = SnapshotCache(path, READ)
    cache.clear()
    assert cache.load() == ([], 0)
    cache.close()


def test_garbage_file_is_rebuilt(path, caplog):
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database\x00" * 200)
    cache = SnapshotCache(path, READ)
    assert "rebuilding" in caplog.text
    assert cache.load() == ([], 0)
    store = IncidentStore()
    cache.save_changes(store, store.apply([feed_item("a", 1)]))
    cache.close()
    assert [i.key for i in reopened(path)[0]] == ["a"]


def test_truncated_file_is_rebuilt(path, caplog):
    saved(path, *(feed_item(f"incident:{n}", n + 1, memo="x" * 500) for n in range(400)))
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.truncate(size // 2)
    assert reopened(path) == ([], 0)
    assert "rebuilding" in caplog.text
    saved(path, feed_item("a", 1))
    assert [i.key for i in reopened(path)[0]] == ["a"]


def test_a_foreign_database_is_replaced(path):
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as database:
        database.execute("CREATE TABLE notes (text TEXT)")
        database.execute("INSERT INTO notes VALUES ('someone else')")
    database.close()
    assert reopened(path) == ([], 0)
    with sqlite3.connect(path) as database:
        tables = {name for (name,) in database.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    database.close()
    assert tables == {"incidents", "coverage"}


def test_documents_packed_without_the_backends_dictionary_are_rebuilt_not_misread(path, caplog):
    """Schema 4 packed documents with plain zlib; read with Canary's preset dictionary they would
    not decode (or decode wrong), so the file starts afresh."""
    saved(path, feed_item("a", 3))
    with sqlite3.connect(path) as database:
        database.execute("PRAGMA user_version = 4")
    database.close()
    assert reopened(path) == ([], 0)
    assert "older Roost (schema 4)" in caplog.text


def test_a_cache_of_json_records_from_an_older_roost_is_rebuilt_not_misread(path, caplog):
    """Schema 5 kept a JSON record beside the words and the document, each in a column of its own:
    read as this schema's records they would be nonsense, so the file starts afresh."""
    incident = feed_item("a", 3)
    path.parent.mkdir(parents=True)
    database = sqlite3.connect(path)
    database.executescript(
        "CREATE TABLE incidents (key TEXT PRIMARY KEY, version INTEGER NOT NULL, status TEXT NOT NULL,"
        " created REAL, record TEXT NOT NULL, words BLOB, document BLOB NOT NULL);"
        "CREATE INDEX incidents_by_created ON incidents (created);"
        "CREATE TABLE coverage (low INTEGER NOT NULL, high INTEGER NOT NULL);"
        "PRAGMA application_id = 1383035764; PRAGMA user_version = 5;"
    )
    record = [incident.key, incident.title, incident.status, incident.created.isoformat(),
              incident.updated.isoformat(), incident.version, incident.source, incident.target,
              incident.severity, incident.assignee, incident.events_count, READ.stored(incident)]
    with database:
        database.execute("INSERT INTO incidents VALUES (?, ?, ?, ?, ?, ?, ?)", (
            incident.key, incident.version, incident.status, incident.created.timestamp(),
            json.dumps(record), incident.document.words.encode(), incident.document.packed))
        database.execute("INSERT INTO coverage VALUES (0, 3)")
    database.close()
    assert reopened(path) == ([], 0)
    assert "older Roost (schema 5)" in caplog.text
    store = saved(path, incident)
    assert reopened(path) == ([store.get("a")], 3)


@pytest.mark.parametrize("schema", [1, 2])
def test_a_cache_of_raw_documents_from_an_older_roost_is_rebuilt_not_misread(path, caplog, schema):
    """Schemas 1 and 2 kept each incident's raw JSON: read back as records they would be
    nonsense, so the file starts afresh (and the console fills it again)."""
    incidents = [feed_item("a", 3), feed_item("b", 8, acknowledged=True)]
    path.parent.mkdir(parents=True)
    database = sqlite3.connect(path)
    version_column = "updated_id" if schema == 1 else "version"
    database.executescript(
        f"CREATE TABLE incidents (key TEXT PRIMARY KEY, {version_column} INTEGER NOT NULL, raw TEXT NOT NULL);"
        "CREATE TABLE coverage (low INTEGER NOT NULL, high INTEGER NOT NULL);"
        f"PRAGMA application_id = 1383035764; PRAGMA user_version = {schema};"
    )
    with database:
        database.executemany("INSERT INTO incidents VALUES (?, ?, ?)",
                             [(i.key, i.version, json.dumps(i.raw)) for i in incidents])
        database.execute("INSERT INTO coverage VALUES (0, 8)")
    database.close()
    assert reopened(path) == ([], 0)
    assert f"older Roost (schema {schema})" in caplog.text
    store = saved(path, *incidents)
    assert sorted(reopened(path)[0], key=lambda i: i.key) == [store.get("a"), store.get("b")]


def test_a_cache_of_an_unknown_schema_is_replaced(path):
    saved(path, feed_item("a", 1))
    with sqlite3.connect(path) as database:
        database.execute("PRAGMA user_version = 99")
    database.close()
    assert reopened(path) == ([], 0)


def test_a_failed_save_rebuilds_the_file_with_the_whole_store(path, caplog):
    store = saved(path, feed_item("a", 1), feed_item("b", 2))
    cache = SnapshotCache(path, READ)
    with sqlite3.connect(path) as database:
        database.execute("DROP TABLE incidents")
    database.close()
    cache.save_changes(store, store.apply([feed_item("c", 3)]))
    incidents, watermark = cache.load()
    cache.close()
    assert "rebuilding" in caplog.text
    assert sorted(i.key for i in incidents) == ["a", "b", "c"] and watermark == 3


@pytest.mark.parametrize("damaged", [
    "'{not a record'",  # text
    "X'ff00ff00'",  # bytes marshal cannot read
    "substr(record, 1, length(record) / 2)",  # a record cut short
    "X'290269010000006901000000'",  # a readable record of the wrong shape: (1, 1)
])
def test_unparseable_row_discards_the_snapshot(path, damaged):
    saved(path, feed_item("a", 1), feed_item("b", 2))
    with sqlite3.connect(path) as database:
        database.execute(f"UPDATE incidents SET record = {damaged} WHERE key = 'a'")
    database.close()
    assert reopened(path) == ([], 0)


def test_unusable_location_falls_back_to_memory(tmp_path, caplog):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    cache = SnapshotCache(blocker / "incidents.sqlite3", READ)
    store = IncidentStore()
    cache.save_changes(store, store.apply([feed_item("a", 1)]))
    assert [i.key for i in cache.load()[0]] == ["a"]
    cache.close()
    assert "keeping it in memory" in caplog.text


def test_file_is_private_even_under_a_permissive_umask(path):
    path.parent.mkdir(parents=True)
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    previous = os.umask(0)
    try:
        saved(path, feed_item("a", 1))
        cache = SnapshotCache(path, READ)
        store = IncidentStore()
        cache.save_changes(store, store.apply([feed_item("b", 2)]))
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir()}
        cache.close()
    finally:
        os.umask(previous)
    assert set(modes) == {path.name, f"{path.name}-wal", f"{path.name}-shm"}
    assert set(modes.values()) == {0o600}, modes


def test_usable_from_worker_threads(path):
    store = IncidentStore()
    cache = SnapshotCache(path, READ)

    async def save_twice() -> None:
        first = store.apply([feed_item("a", 1)])
        second = store.apply([feed_item("b", 2)])
        await asyncio.gather(
            asyncio.to_thread(cache.save_changes, store, first),
            asyncio.to_thread(cache.save_changes, store, second),
        )

    asyncio.run(save_twice())
    incidents, watermark = asyncio.run(asyncio.to_thread(cache.load))
    cache.close()
    assert sorted(i.key for i in incidents) == ["a", "b"] and watermark == 2


def test_cache_path_depends_on_the_console_only(tmp_path):
    base = cache_path_for("https://1234abcd.canary.tools", tmp_path)
    assert base.parent == tmp_path and base.suffix == ".sqlite3"
    assert cache_path_for("HTTPS://1234ABCD.canary.tools/", tmp_path) == base
    assert cache_path_for("https://user:secret@1234abcd.canary.tools/?auth_token=s3cr3t", tmp_path) == base
    assert cache_path_for("https://other.canary.tools", tmp_path) != base
    assert cache_path_for("http://127.0.0.1:8080", tmp_path) != cache_path_for("http://127.0.0.1:8081", tmp_path)
    assert "1234abcd" not in base.name and "secret" not in base.name
