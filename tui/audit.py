"""The audit log: one JSON line per action sent to a console.

Who, when, which console, which action, which incident keys, and the result.
Never the token.  Appends are whole lines written with O_APPEND, so two Roost
sessions sharing the log do not interleave mid-line.

A delete is recorded incident by incident as each outcome is known, so a
session killed part way leaves every delete it learnt of on record.  Each line
is fsynced before ``record`` returns: a delete cannot be undone and its archive
is fsynced, so its record survives a crash of the machine as well as of Roost.
(Callers on an event loop run ``record`` in a thread: an fsync can take a while.)
"""

from __future__ import annotations

import getpass
import json
import os
import time
from collections import deque
from pathlib import Path
from typing import Iterable

from .sanitize import clean

AUDIT_FILE = "audit.jsonl"
KEYS_SHOWN = 3

# Results.  Acknowledge and unacknowledge batches are "success" / "failed" / "unknown".
SUCCESS = "success"
FAILED = "failed"
#: The request went out and no answer said what the console did (a timeout, a cut-off answer).
UNKNOWN = "unknown"
#: A delete batch about to be sent; each incident's outcome follows on a line of its own.
REQUESTED = "requested"
DELETED = "deleted"
#: The console did not know the incident: someone else deleted it first.
ALREADY_GONE = "already gone"
DELETED_AFTER_UNKNOWN = "deleted (confirmed after unknown)"
NOT_DELETED_AFTER_UNKNOWN = "not deleted (confirmed after unknown)"
#: The console deleted incidents a bulk delete matched only after they were counted (and archived).
DELETED_WITHOUT_ARCHIVE = "deleted without archive"

# What `roost audit` adds to a result that needs a word of explanation.
_RESULT_NOTES = {
    REQUESTED: "(sent; each incident's outcome follows on its own line)",
    UNKNOWN: "(no answer said what the console did; a later line resolves it, or check the console)",
    ALREADY_GONE: "(not found: deleted elsewhere first)",
}


class AuditLog:
    def __init__(self, path: Path, *, console: str, profile: str = "", clock=time.time) -> None:
        self.path = path
        self.console = console
        #: The profile's name: with several consoles open, what the analyst called the one acted on.
        self.profile = profile
        self._clock = clock
        try:
            self._user = getpass.getuser()
        except Exception:  # no passwd entry in some containers
            self._user = str(os.getuid())

    def record(self, action: str, keys: Iterable[str], result: str, detail: str = "") -> None:
        """Append one entry; an audit failure is reported by the caller, never hidden."""
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self._clock())),
            "user": self._user,
            "console": self.console,
            **({"profile": self.profile} if self.profile else {}),
            "action": action,
            "keys": list(keys),
            "result": result,
        }
        if detail:
            entry["detail"] = detail
        # ASCII JSON: keys and reasons may carry an attacker's lone surrogate, which UTF-8 cannot.
        line = (json.dumps(entry, ensure_ascii=True) + "\n").encode("ascii")
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        created = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:  # the new file's name must survive a crash too
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)

    def tail(self, count: int = 20) -> list[dict]:
        try:
            with self.path.open(encoding="utf-8") as handle:
                lines = deque(handle, maxlen=count)
        except FileNotFoundError:
            return []
        entries = []
        for line in lines:
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return entries


def format_entry(entry: dict) -> str:
    """One audit entry as one printable line (keys can hold attacker-chosen addresses)."""
    keys = [str(key) for key in entry.get("keys", [])]
    shown = ", ".join(clean(key, limit=90) for key in keys[:KEYS_SHOWN])
    if len(keys) > KEYS_SHOWN:
        shown += f", … (+{len(keys) - KEYS_SHOWN})"
    fields = [
        clean(entry.get("time", "?"), limit=25),
        clean(entry.get("user", "?"), limit=32),
        clean(entry.get("action", "?"), limit=40),
        clean(entry.get("result", "?"), limit=40),
        clean(entry.get("console", "?"), limit=60),
        *([f"({clean(entry['profile'], limit=40)})"] if entry.get("profile") else []),
        f"{len(keys)} incident{'s' if len(keys) != 1 else ''}: {shown}" if keys else "no incidents",
    ]
    result = entry.get("result")
    note = _RESULT_NOTES.get(result) if isinstance(result, str) else None
    if note:
        fields.append(note)
    if entry.get("detail"):
        fields.append(clean(entry["detail"], limit=200))
    return "  ".join(fields)
