"""A local SQLite snapshot of one console's incidents, so a restart shows the last
known state at once and then fetches only the delta.

The cache is disposable: a damaged, unreadable or foreign file is deleted and
rebuilt, and if even that fails the cache carries on in memory.  It holds incident
data, so the file is private to the user (0600); it never holds the token.

Saves may run on worker threads and finish in any order.  Two rules keep a restart
from missing anything:

- each save writes the *current* state of the keys it names, read under the same
  lock as the write, so a later write is never older than an earlier one;
- each save records the range of versions its change set covers, and ``load``
  trusts only the unbroken run of ranges from 0 (the watermark), returning only
  rows at or below it.  A save that never happened leaves a gap; the delta fetched
  from below the gap brings back whatever the gap hid.

Each row is an incident's ``raw``, the console's own document; the backend reads it
back (``DocumentFormat.incident``), so the cache knows no console's fields.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator
from urllib.parse import urlsplit

from .model import JSON, Incident
from .store import ChangeSet, IncidentStore

log = logging.getLogger(__name__)

# PRAGMA application_id ("Rost") and user_version tell our file from any other.
_APPLICATION_ID = 0x526F7374
_SCHEMA_VERSION = 2
_SCHEMA = """
CREATE TABLE incidents (key TEXT PRIMARY KEY, version INTEGER NOT NULL, raw TEXT NOT NULL);
-- Ranges (low, high] of versions whose incidents have all been saved.
CREATE TABLE coverage (low INTEGER NOT NULL, high INTEGER NOT NULL);
"""
# Schema 1 named the version column after Canary's updated_id; its rows are the same documents.
_UPGRADES = {1: "ALTER TABLE incidents RENAME COLUMN updated_id TO version;"}
_UPSERT = (
    "INSERT INTO incidents (key, version, raw) VALUES (?, ?, ?) "
    "ON CONFLICT (key) DO UPDATE SET version = excluded.version, raw = excluded.raw"
)


class _ForeignFile(Exception):
    """The file is a database, but not one of ours (or an older schema)."""


def cache_path_for(console_url: str, cache_dir: Path) -> Path:
    """One cache file per console, named by a hash of its base URL.

    Only scheme, host, port and path are hashed: credentials or an ``auth_token``
    in the URL never reach the name, and never change which file is used.
    """
    parts = urlsplit(console_url.strip())
    port = f":{parts.port}" if parts.port else ""
    host = (parts.hostname or "").lower()
    identity = f"{parts.scheme.lower()}://{host}{port}{parts.path.rstrip('/')}"
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return Path(cache_dir) / f"incidents-{digest}.sqlite3"


class SnapshotCache:
    def __init__(self, path: Path, read_document: Callable[[JSON], Incident]) -> None:
        """The cache at ``path``; ``read_document`` is the backend's ``DocumentFormat.incident``."""
        self.path = Path(path)
        self._read_document = read_document
        self._lock = threading.Lock()
        try:
            self._connection = self._open()
        except (OSError, sqlite3.Error, _ForeignFile) as error:
            self._connection = self._open_fresh(error)

    def load(self) -> tuple[list[Incident], int]:
        """The cached incidents and the watermark to fetch the delta from.

        Any unreadable row makes the whole snapshot untrustworthy, so the cache is
        rebuilt and comes back empty (the console is the truth).
        """
        with self._lock:
            try:
                watermark = self._covered_watermark()
                rows = self._connection.execute(
                    "SELECT raw FROM incidents WHERE version <= ?", (watermark,)
                ).fetchall()
                with _collector_paused():
                    incidents = [self._read_document(json.loads(raw)) for (raw,) in rows]
            except (sqlite3.Error, ValueError, TypeError) as error:
                self._rebuild(error)
                return [], 0
        return incidents, watermark

    def holds_incidents(self) -> bool:
        """Whether ``load`` would return anything: a restart can then draw before the console answers."""
        with self._lock:
            try:
                return self._covered_watermark() > 0 and bool(
                    self._connection.execute("SELECT 1 FROM incidents LIMIT 1").fetchone()
                )
            except sqlite3.Error:
                return False

    def save_changes(self, store: IncidentStore, changes: ChangeSet) -> None:
        """Write the current state of every key ``changes`` names, in one transaction."""
        with self._lock:
            rows, deleted = [], []
            for key in changes.added | changes.changed | changes.removed:
                incident = store.get(key)
                if incident is None:
                    deleted.append((_stored_key(key),))
                else:
                    rows.append(_row(incident))
            try:
                self._write(rows, deleted, changes.watermarks)
            except sqlite3.Error as error:
                self._rebuild(error)
                self._save_everything(store)

    def clear(self) -> None:
        """Forget every incident and the watermark (the next start loads in full)."""
        with self._lock:
            try:
                with self._connection:
                    self._connection.execute("DELETE FROM incidents")
                    self._connection.execute("DELETE FROM coverage")
            except sqlite3.Error as error:
                self._rebuild(error)

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    # -- internals (called with the lock held, or while opening) -------------

    def _write(self, rows: list[tuple[str, int, str]], deleted: list[tuple[str]],
               watermarks: tuple[int, int]) -> None:
        with self._connection:
            self._connection.executemany(_UPSERT, rows)
            self._connection.executemany("DELETE FROM incidents WHERE key = ?", deleted)
            low, high = watermarks
            if high > low:
                ranges = self._connection.execute("SELECT low, high FROM coverage").fetchall()
                self._connection.execute("DELETE FROM coverage")
                self._connection.executemany(
                    "INSERT INTO coverage (low, high) VALUES (?, ?)",
                    _merged([*ranges, (low, high)]),
                )

    def _covered_watermark(self) -> int:
        watermark = 0
        for low, high in _merged(self._connection.execute("SELECT low, high FROM coverage")):
            if low > watermark:
                break
            watermark = high
        return watermark

    def _save_everything(self, store: IncidentStore) -> None:
        # The watermark first: the store holds everything up to it by then.
        watermark = store.max_version
        rows = [_row(incident) for incident in store.snapshot()]
        try:
            self._write(rows, [], (0, watermark))
        except sqlite3.Error as error:
            self._connection.close()
            self._connection = _in_memory(error)

    def _rebuild(self, error: Exception) -> None:
        self._connection.close()
        self._connection = self._open_fresh(error)

    def _open_fresh(self, error: Exception) -> sqlite3.Connection:
        log.warning("incident cache %s is damaged, rebuilding it: %s", self.path.name, error)
        try:
            _delete_database_files(self.path)
            return self._open()
        except (OSError, sqlite3.Error) as fresh_error:
            return _in_memory(fresh_error)

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Create (or tighten) the file before SQLite does, which would follow the umask;
        # SQLite gives its -wal and -shm files the same mode as the database.
        os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
        os.chmod(self.path, 0o600)
        connection = _connect(str(self.path))
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error:
            connection.close()
            raise
        return connection


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while parsing in bulk.

    Each incident parses into dozens of container objects, none of them cyclic; with
    the collector on, its full passes walk everything parsed so far again and again
    (about half the load time at 100,000 incidents).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _merged(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """(low, high] ranges, overlapping or touching ones joined, in order."""
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _connect(database: str) -> sqlite3.Connection:
    """A connection with our schema, created if the database is new."""
    connection = sqlite3.connect(database, check_same_thread=False, isolation_level=None)
    try:
        identity = (
            connection.execute("PRAGMA application_id").fetchone()[0],
            connection.execute("PRAGMA user_version").fetchone()[0],
        )
        if identity == (0, 0) and _is_empty(connection):
            connection.executescript(
                f"BEGIN; {_SCHEMA} PRAGMA application_id = {_APPLICATION_ID};"
                f" PRAGMA user_version = {_SCHEMA_VERSION}; COMMIT;"
            )
        elif identity[0] == _APPLICATION_ID and identity[1] in _UPGRADES:
            connection.executescript(
                f"BEGIN; {_UPGRADES[identity[1]]} PRAGMA user_version = {_SCHEMA_VERSION}; COMMIT;"
            )
        elif identity != (_APPLICATION_ID, _SCHEMA_VERSION):
            raise _ForeignFile(f"application_id/user_version {identity}")
    except BaseException:
        connection.close()
        raise
    # From here on ``with connection`` opens and commits each transaction.
    connection.isolation_level = ""
    return connection


def _in_memory(error: Exception) -> sqlite3.Connection:
    log.warning("incident cache unusable, keeping it in memory: %s", error)
    return _connect(":memory:")


def _is_empty(connection: sqlite3.Connection) -> bool:
    return connection.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0] == 0


def _delete_database_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _row(incident: Incident) -> tuple[str, int, str]:
    # ASCII JSON: SQLite stores UTF-8, which an attacker's lone surrogate is not.
    return _stored_key(incident.key), incident.version, json.dumps(incident.raw, separators=(",", ":"))


def _stored_key(key: str) -> str:
    """The key as SQLite can hold it: JSON-escaped, so still one per incident, and unchanged
    for the plain ASCII keys consoles make."""
    return json.dumps(key)[1:-1]
