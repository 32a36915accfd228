"""Durable files: the archive written before every delete, and exports.

An archive is written to a temporary file in the target directory, fsynced,
then renamed into place (and the directory fsynced), so a crash leaves either
the whole archive or nothing.  No archive, no delete.
"""

from __future__ import annotations

import itertools
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable

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


def write_atomically(path: Path, data: bytes, *, unused_name: Callable[[int], Path] | None = None) -> Path:
    """Write ``data`` to ``path`` via temp file + fsync + rename; the file is 0600.

    With ``unused_name`` (the name to try for each counter from 1), never replaces a file: the
    written file takes the first of those names nobody holds, however many write at once.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, 0o600)
        if unused_name is None:
            os.replace(temp_name, path)
        else:
            path = _link_to_unused(temp_name, unused_name)
            os.unlink(temp_name)
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


def _link_to_unused(temp_name: str, unused_name: Callable[[int], Path]) -> Path:
    # A hard link fails when the name is taken, where a rename would replace it: two consoles'
    # deletes archived in the same second keep both archives.
    for counter in itertools.count(1):
        candidate = unused_name(counter)
        try:
            os.link(temp_name, candidate)
        except FileExistsError:
            continue
        return candidate
    raise AssertionError("unreachable")


def archive_before_delete(incidents: Iterable[Incident], directory: Path, *, now: float | None = None) -> Path:
    """Write the incidents about to be deleted; raises OSError if that is not possible."""
    incidents = list(incidents)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now if now is not None else time.time()))
    name = f"deleted-{stamp}-{len(incidents)}"

    def unused_name(counter: int) -> Path:
        return directory / (f"{name}.json" if counter == 1 else f"{name}-{counter}.json")

    # ASCII JSON: lossless for anything an attacker typed, lone surrogates included.
    body = json.dumps(feed_document(incidents, ARCHIVE_FEED), ensure_ascii=True, indent=1).encode("ascii")
    return write_atomically(unused_name(1), body, unused_name=unused_name)
