"""Exports: the current view, the marks or a whole feed, as JSON, JSONL or CSV.

JSON is the feed shape the console returns (``roost emulator --load`` reads it
back), JSONL one console incident a line, CSV a flat table for spreadsheets.
Every export is written atomically and 0600: an export holds attacker traffic and
sometimes credentials, and a half-written file is never left at the final path.
No Textual here.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import time
from pathlib import Path
from typing import Callable, Iterable, Literal, get_args

from .backends.canary.client import CanaryClient, Feed
from .archive import feed_document, write_atomically
from .model import Incident

ExportFormat = Literal["json", "jsonl", "csv"]
EXPORT_FORMATS: tuple[str, ...] = get_args(ExportFormat)
EXPORT_FEED = "Exported Incidents"
EXPORTS_SUBDIR = "exports"
FEED_PAGE_LIMIT = 1000

CSV_COLUMNS = (
    "key", "created", "updated_id", "acknowledged", "logtype", "type", "src_host", "src_host_reverse",
    "src_port", "dst_host", "dst_port", "node_id", "bird_or_token", "flock_id", "memo", "events_count", "events",
)
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_LABEL_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_LABEL_WIDTH = 40


def export_incidents(incidents: Iterable[Incident], fmt: ExportFormat, path: Path) -> Path:
    """Write ``incidents`` to ``path`` in ``fmt``; returns ``path``.  Raises OSError if it cannot."""
    return write_atomically(Path(path), render_export(incidents, fmt))


def _check_format(fmt: str) -> ExportFormat:
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")
    return fmt


def render_export(incidents: Iterable[Incident], fmt: ExportFormat) -> bytes:
    """The bytes of an export in ``fmt`` (what a file export writes, and ``roost export --output -`` prints)."""
    _check_format(fmt)
    # JSON is kept ASCII: lossless for any string the console sent (lone surrogates
    # included), and bidi or zero-width tricks stay visible when someone cats the file.
    # No indent: json's C encoder runs only without one (3x faster on a large feed).
    if fmt == "json":
        return json.dumps(feed_document(incidents, EXPORT_FEED)).encode("ascii")
    if fmt == "jsonl":
        return b"".join(json.dumps(incident.raw, separators=(",", ":")).encode("ascii") + b"\n" for incident in incidents)
    return _csv_table(incidents)


def default_export_path(data_dir: Path, fmt: ExportFormat, label: str, *, now: float | None = None) -> Path:
    """A new file in ``data_dir/exports`` named after ``label`` (a feed, "marks"...) and the UTC time."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))
    stem = f"{_LABEL_UNSAFE.sub('-', label).strip('-.')[:_LABEL_WIDTH] or 'incidents'}-{stamp}"
    directory = Path(data_dir) / EXPORTS_SUBDIR
    path = directory / f"{stem}.{fmt}"
    counter = 1
    while path.exists():
        counter += 1
        path = directory / f"{stem}-{counter}.{fmt}"
    return path


async def export_feed(
    client: CanaryClient,
    feed: Feed,
    fmt: ExportFormat,
    path: Path,
    progress: Callable[[int], None] = lambda count: None,
) -> tuple[Path, int]:
    """Page through ``feed`` to its end, then write the export; returns the path and the count.

    ``progress`` is called with the running count after each page.  Nothing is
    written until the last page has arrived, so a failure leaves no file behind.
    """
    _check_format(fmt)  # before paging through a whole feed, not after
    # By key: an incident updated while we page can come back on a later page.
    by_key: dict[str, Incident] = {}
    async for page in client.iter_feed(feed, limit=FEED_PAGE_LIMIT):
        for incident in page.incidents:
            by_key[incident.key] = incident
        progress(len(by_key))
    written = await asyncio.to_thread(export_incidents, by_key.values(), fmt, path)
    return written, len(by_key)


# ---------------------------------------------------------------------------
# CSV


def _csv_table(incidents: Iterable[Incident]) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(CSV_COLUMNS)
    writer.writerows([_spreadsheet_safe(cell) for cell in _csv_row(incident)] for incident in incidents)
    # utf-8-sig: Excel reads a file without the BOM as the local code page.  A lone
    # surrogate (invalid UTF-8 from the console) becomes a visible \udXXX escape.
    return text.getvalue().encode("utf-8-sig", errors="backslashreplace")


def _csv_row(incident: Incident) -> tuple[object, ...]:
    events = [event.raw for event in incident.events]
    return (
        incident.key,
        incident.created.strftime("%Y-%m-%dT%H:%M:%SZ") if incident.created else "",
        incident.updated_id,
        "true" if incident.acknowledged else "false",
        "" if incident.logtype is None else incident.logtype,
        incident.summary or incident.logtype_name,
        incident.src_host,
        incident.src_host_reverse,
        "" if incident.src_port is None else incident.src_port,
        incident.dst_host,
        "" if incident.dst_port is None else incident.dst_port,
        incident.node_id,
        incident.node_name or incident.node_id,
        incident.flock_id,
        incident.memo,
        incident.events_count,
        json.dumps(events, ensure_ascii=False, separators=(",", ":")),
    )


def _spreadsheet_safe(cell: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading quote; numbers are left alone."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS):
        return "'" + cell
    return cell
