"""Durable files: the archive written before every delete, and exports.

An archive is written to a temporary file in the target directory, fsynced,
then renamed into place (and the directory fsynced), so a crash leaves either
the whole archive or nothing.  No archive, no delete.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Iterable

from .model import Incident

ARCHIVE_FEED = "Archived Incidents"


def feed_document(incidents: Iterable[Incident], feed: str) -> dict:
    """Incidents as one listing, each as its console's own document, so ``roost emulator --load``
    reads it back: every emulator takes the ``incidents`` list.  The other keys are a Canary feed's
    envelope (Roost's first file format), the watermark being the highest version known."""
    incidents = list(incidents)
    document: dict = {"feed": feed, "incidents": [incident.raw for incident in incidents], "result": "success"}
    versions = [incident.version for incident in incidents if incident.version]  # 0: none known
    if versions:
        document["max_updated_id"] = max(versions)
    return document


def write_atomically(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` via temp file + fsync + rename; the file is 0600."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, 0o600)
        os.replace(temp_name, path)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return path


def archive_before_delete(incidents: Iterable[Incident], directory: Path, *, now: float | None = None) -> Path:
    """Write the incidents about to be deleted; raises OSError if that is not possible."""
    incidents = list(incidents)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now if now is not None else time.time()))
    path = directory / f"deleted-{stamp}-{len(incidents)}.json"
    counter = 1
    while path.exists():
        counter += 1
        path = directory / f"deleted-{stamp}-{len(incidents)}-{counter}.json"
    # ASCII JSON: lossless for anything an attacker typed, lone surrogates included.
    body = json.dumps(feed_document(incidents, ARCHIVE_FEED), ensure_ascii=True, indent=1).encode("ascii")
    return write_atomically(path, body)
