"""Exports: the current view, the marks or a whole console, as JSON, JSONL or CSV.

JSON is a listing of each incident's own document (``roost emulator --load`` reads it
back), JSONL one such document a line, CSV a flat table for spreadsheets whose columns
the backend declares (``DocumentFormat``).
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

from .archive import feed_document, write_atomically
from .backends.base import Backend, DocumentFormat
from .model import Incident

ExportFormat = Literal["json", "jsonl", "csv"]
EXPORT_FORMATS: tuple[str, ...] = get_args(ExportFormat)
EXPORT_FEED = "Exported Incidents"
EXPORTS_SUBDIR = "exports"
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_LABEL_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_LABEL_WIDTH = 40


def export_incidents(
    incidents: Iterable[Incident], fmt: ExportFormat, path: Path, *, documents: DocumentFormat
) -> Path:
    """Write ``incidents`` (of the backend whose ``documents`` these are) to ``path`` in ``fmt``;
    returns ``path``.  Raises OSError if it cannot."""
    return write_atomically(Path(path), render_export(incidents, fmt, documents=documents))


def _check_format(fmt: str) -> ExportFormat:
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")
    return fmt


def render_export(incidents: Iterable[Incident], fmt: ExportFormat, *, documents: DocumentFormat) -> bytes:
    """The bytes of an export in ``fmt`` (what a file export writes, and ``roost export --output -`` prints)."""
    _check_format(fmt)
    # JSON is kept ASCII: lossless for any string the console sent (lone surrogates
    # included), and bidi or zero-width tricks stay visible when someone cats the file.
    # No indent: json's C encoder runs only without one (3x faster on a large feed).
    if fmt == "json":
        return json.dumps(feed_document(incidents, EXPORT_FEED)).encode("ascii")
    if fmt == "jsonl":
        return b"".join(incident.document.text().encode("ascii") + b"\n" for incident in incidents)
    return _csv_table(incidents, documents)


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


async def everything(
    backend: Backend, status: str | None, progress: Callable[[int], None] = lambda count: None
) -> list[Incident]:
    """Every incident the console holds (with ``status``, when given), read to the end.

    ``progress`` is called with the running count after each batch.
    """
    # By key: an incident updated while we read can come back in a later batch.
    by_key: dict[str, Incident] = {}
    async for batch in backend.export_batches(status):
        for incident in batch.incidents:
            by_key[incident.key] = incident
        progress(len(by_key))
    return list(by_key.values())


async def export_everything(
    backend: Backend,
    status: str | None,
    fmt: ExportFormat,
    path: Path,
    progress: Callable[[int], None] = lambda count: None,
) -> tuple[Path, int]:
    """Read every incident (with ``status``) to the end, then write the export; returns the
    path and the count.  Nothing is written until the last batch has arrived, so a failure
    leaves no file behind.
    """
    _check_format(fmt)  # before reading a whole console, not after
    incidents = await everything(backend, status, progress)
    written = await asyncio.to_thread(export_incidents, incidents, fmt, path, documents=backend.documents)
    return written, len(incidents)


# ---------------------------------------------------------------------------
# CSV


def _csv_table(incidents: Iterable[Incident], documents: DocumentFormat) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(documents.csv_columns)
    writer.writerows([_spreadsheet_safe(cell) for cell in documents.csv_row(incident)] for incident in incidents)
    # utf-8-sig: Excel reads a file without the BOM as the local code page.  A lone
    # surrogate (invalid UTF-8 from the console) becomes a visible \udXXX escape.
    return text.getvalue().encode("utf-8-sig", errors="backslashreplace")


def _spreadsheet_safe(cell: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading quote; numbers are left alone."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS):
        return "'" + cell
    return cell
