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

Each row holds what a restart needs without parsing anything, as one ``marshal`` record
(format 4, which every Python 3 since 3.4 reads and writes alike): the neutral fields, the
document's folded search words and compressed bytes as they are held in memory, and the
backend's own (``DocumentFormat.stored``/``restored``).  ``marshal`` gives back text exactly
(lone surrogates included) in one C call, and the text incidents share (titles, statuses,
hosts: interned when written) comes back interned.  Rebuilding an incident from that costs a
few microseconds, where parsing the console's JSON again costs about a hundred.  A restart
reads the page the app opens on first (the newest by creation, through an index:
``opening_page``), then the rest in slices (``preload_rest``).

Saves run on one writer thread of the cache's own, in order, and ``close`` waits for
them: a quit right after a load does not leave the last saves unwritten.
"""

from __future__ import annotations

import hashlib
import json
import logging
import marshal
import os
import sqlite3
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Collection, Iterable, Iterator
from urllib.parse import urlsplit

from .collector import collections_paused
from .model import Incident, frozen_builder
from .store import ChangeSet, IncidentStore

if TYPE_CHECKING:
    from .backends.base import DocumentFormat

log = logging.getLogger(__name__)

# PRAGMA application_id ("Rost") and user_version tell our file from any other.
_APPLICATION_ID = 0x526F7374
# Schemas 1 and 2 held each incident's raw JSON, which took a full parse to read back; 3 and 4
# documents packed without a backend's preset dictionary (``Document.dictionary``); 5 a JSON record
# and the words and document in columns of their own: such a file is rebuilt (the console fills it
# again), never read as this one.
_SCHEMA_VERSION = 6
_SCHEMA = """
CREATE TABLE incidents (
    key TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    -- Epoch seconds, for the newest first; NULL (no creation time) sorts last.
    created REAL,
    -- marshal (format 4): the neutral fields, the folded search words (None when not worked
    -- out), Document.packed (the console's JSON, compressed), then the backend's own record.
    record BLOB NOT NULL
);
CREATE INDEX incidents_by_created ON incidents (created);
-- Ranges (low, high] of versions whose incidents have all been saved.
CREATE TABLE coverage (low INTEGER NOT NULL, high INTEGER NOT NULL);
"""
_UPSERT = (
    "INSERT INTO incidents (key, version, status, created, record) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (key) DO UPDATE SET version = excluded.version, status = excluded.status, "
    "created = excluded.created, record = excluded.record"
)
_MARSHAL_FORMAT = 4
#: What a damaged record raises when read back (a record of the wrong shape: ValueError, TypeError).
_UNREADABLE = (sqlite3.Error, ValueError, TypeError, EOFError)
_build_incident = frozen_builder(Incident)
_from_iso = datetime.fromisoformat
#: Incidents per slice of a preload after its first page: the UI applies one slice per turn, in
#: about 7 ms at 100,000 (each turn also redraws: fewer, larger slices read the cache sooner).
PRELOAD_SLICE = 4000


class _ForeignFile(Exception):
    """The file is a database, but not one of ours (or one of an older schema)."""


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
    def __init__(self, path: Path, documents: DocumentFormat) -> None:
        """The cache at ``path``, of incidents the backend whose ``documents`` these are stores."""
        self.path = Path(path)
        self._documents = documents
        self._lock = threading.Lock()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cache-writer")
        try:
            self._connection = self._open()
        except (OSError, sqlite3.Error, _ForeignFile) as error:
            self._connection = self._open_fresh(error)

    def opening_page(self, first: int, statuses: Collection[str]) -> tuple[list[Incident], int]:
        """The newest ``first`` cached incidents whose status is one of ``statuses`` (the page the app
        opens on), and the watermark; ``([], 0)`` when there are none.  One indexed query: quick
        enough to read before the first frame.  An unreadable row makes the whole snapshot
        untrustworthy: the cache is rebuilt (the console is the truth) and gives nothing."""
        if first <= 0 or not statuses:
            return [], 0
        with self._lock:
            try:
                watermark = self._covered_watermark()
                if not watermark:
                    return [], 0
                rows = self._connection.execute(
                    f"SELECT record FROM incidents WHERE version <= ? AND status IN"
                    f" ({', '.join('?' * len(statuses))}) ORDER BY created DESC LIMIT ?",
                    (watermark, *(_stored_text(status) for status in statuses), first),
                ).fetchall()
                return [self._incident(record) for record, in rows], watermark
            except _UNREADABLE as error:
                self._rebuild(error)
                return [], 0

    def preload_rest(self, shown: Collection[str] = ()) -> Iterator[tuple[list[Incident], int]]:
        """Every cached incident but the keys ``shown`` already (the opening page), newest first,
        ``PRELOAD_SLICE`` at a time, each with the watermark.  Meant for a worker thread.  An
        unreadable row rebuilds the cache and stops the stages, with a last stage ``([], 0)`` when
        some were shown or given: what was given is not to be trusted either, load it all again."""
        incidents: list[Incident] | None = []
        with self._lock:
            try:
                watermark = self._covered_watermark()
                if not watermark:
                    return
                # Read under one hold of the lock, so later saves cannot change what the slices hold;
                # a slice of rows at a time, each made into incidents before the next is read, so
                # the rows never all live at once (at 100,000 they outweigh the incidents).
                rows = self._connection.execute(
                    "SELECT record FROM incidents WHERE version <= ? ORDER BY created DESC", (watermark,)
                )
                restored = self._incident
                with collections_paused():
                    while chunk := rows.fetchmany(PRELOAD_SLICE):
                        made = [restored(record) for record, in chunk]
                        if shown:
                            made = [incident for incident in made if incident.key not in shown]
                        incidents.extend(made)
            except _UNREADABLE as error:
                self._rebuild(error)
                incidents = None
        if incidents is None:
            if shown:
                yield [], 0
            return
        for start in range(0, len(incidents), PRELOAD_SLICE):
            yield incidents[start : start + PRELOAD_SLICE], watermark

    def load(self) -> tuple[list[Incident], int]:
        """Every cached incident at once, and the watermark (``preload_rest`` in one piece)."""
        incidents: list[Incident] = []
        watermark = 0
        for stage, watermark in self.preload_rest():
            incidents.extend(stage)
        return (incidents, watermark) if watermark else ([], 0)

    def holds_incidents(self) -> bool:
        """Whether the cache would give anything: a restart can then draw before the console answers."""
        with self._lock:
            try:
                return self._covered_watermark() > 0 and bool(
                    self._connection.execute("SELECT 1 FROM incidents LIMIT 1").fetchone()
                )
            except sqlite3.Error:
                return False

    def save_in_background(self, store: IncidentStore, changes: ChangeSet) -> Future[None]:
        """``save_changes`` on the cache's writer thread, after every save asked for before it."""
        return self._writer.submit(self.save_changes, store, changes)

    def save_changes(self, store: IncidentStore, changes: ChangeSet) -> None:
        """Write the current state of every key ``changes`` names, in one transaction.

        A key whose status is only Roost's own so far (an action the console has not
        confirmed) keeps its row: the cache holds what the console said.
        """
        with self._lock:
            rows, deleted = [], []
            unconfirmed = store.unconfirmed()
            for key in changes.added | changes.changed | changes.removed:
                incident = store.get(key)
                if incident is None:
                    deleted.append((_stored_text(key),))
                elif key not in unconfirmed:
                    rows.append(self._row(incident))
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
        """Finish the saves asked for, then close the file."""
        self._writer.shutdown(wait=True)
        with self._lock:
            self._connection.close()

    # -- rows ------------------------------------------------------------------

    def _row(self, incident: Incident) -> tuple[str, int, str, float | None, bytes]:
        document = incident.document
        intern = sys.intern  # what thousands of incidents repeat: marshal reads it back interned
        record = (
            incident.key, intern(incident.title), intern(incident.status), _time(incident.created),
            _time(incident.updated), incident.version, intern(incident.source), intern(incident.target),
            intern(incident.severity), intern(incident.assignee), incident.events_count,
            document.words, document.packed, self._documents.stored(incident),
        )
        return (
            # SQLite's text is UTF-8, which an attacker's lone surrogate is not (marshal keeps it).
            _stored_text(incident.key),
            incident.version,
            _stored_text(incident.status),
            _seconds(incident.created),
            marshal.dumps(record, _MARSHAL_FORMAT),
        )

    def _incident(self, record: bytes) -> Incident:
        """The incident a row's record holds; ValueError, TypeError or EOFError for a damaged one."""
        (key, title, status, created, updated, version, source, target, severity, assignee,
         events_count, words, packed, own) = marshal.loads(record)
        extras, document = self._documents.restored(own, packed, words)
        moment = None if created is None else _from_iso(created)
        return _build_incident(
            key, title, status, moment,
            # Most incidents never change after their first event: one datetime for both, as parsed.
            moment if updated == created else None if updated is None else _from_iso(updated),
            version, source, target, severity, assignee, events_count, extras, document,
        )

    # -- internals (called with the lock held, or while opening) -------------

    def _write(self, rows: list[tuple], deleted: list[tuple[str]],
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
        unconfirmed = store.unconfirmed()
        rows = [self._row(incident) for incident in store.snapshot() if incident.key not in unconfirmed]
        try:
            self._write(rows, [], (0, watermark))
        except sqlite3.Error as error:
            self._connection.close()
            self._connection = _in_memory(error)

    def _rebuild(self, error: Exception) -> None:
        self._connection.close()
        self._connection = self._open_fresh(error)

    def _open_fresh(self, error: Exception) -> sqlite3.Connection:
        log.warning("incident cache %s cannot be used as it is, rebuilding it: %s", self.path.name, error)
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
        elif identity[0] == _APPLICATION_ID and 0 < identity[1] < _SCHEMA_VERSION:
            raise _ForeignFile(f"written by an older Roost (schema {identity[1]})")
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


def _stored_text(text: str) -> str:
    """Text as SQLite can hold it: JSON-escaped, so still one per value, and unchanged for the
    plain ASCII keys and statuses consoles make."""
    return json.dumps(text)[1:-1]


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _seconds(moment: datetime | None) -> float | None:
    """The creation order's column (None sorts last)."""
    try:
        return None if moment is None else moment.timestamp()
    except (OverflowError, OSError, ValueError):
        return None

