"""``roost export``: a whole console (or one status: ``--feed``) to a JSON, JSONL or CSV file
(or stdout), without the TUI.

The console and token come from the same places as the TUI's (``--console``,
``--token-file``, ``--profile``, the environment, the config file; see config.py).  Progress goes to
stderr, so stdout stays clean; failures are ConfigError/ApiError, which ``main``
turns into one line.

``--output`` only ever replaces a regular file, and only when asked to: a symlink,
FIFO, device or directory there is refused (run as root, replacing /dev/null would
break the host), an existing file needs a yes at the terminal or ``--force``, and a
missing directory is not created.  The file is written to a temporary file beside
it and renamed into place, 0600.  ``--output -`` writes to stdout, for pipes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import stat
import sys
from pathlib import Path
from typing import BinaryIO, Callable, TextIO

from .backends import registry
from .backends.base import Backend
from .backends.errors import ConfigError
from .config import Settings, data_dir, file_kind, private_dir, resolve_settings, shown
from .crashlog import keep_out_of_reports
from .export import EXPORT_FORMATS, ExportFormat, default_export_path, everything, export_everything, render_export

BackendOpener = Callable[[Settings], Backend]

# Without a terminal, a progress line every this many incidents (pages may be small).
PLAIN_PROGRESS_EVERY = 10_000
# A whole console is many requests: one 429 or 5xx among them is retried, as the live loop does.
EXPORT_READ_ATTEMPTS = 4
STDOUT = "-"
EVERY_STATUS = "all"


def feeds() -> tuple[str, ...]:
    """What ``--feed`` may name: everything, or one status any backend has."""
    statuses = {spec.id for name in registry.names() for spec in registry.backend_class(name).statuses}
    return (EVERY_STATUS, *sorted(statuses))


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--feed", choices=feeds(), default=EVERY_STATUS, help="which incidents (default all)")
    parser.add_argument(
        "--format", dest="export_format", choices=EXPORT_FORMATS,
        help="file format (default: from the --output suffix, else json)",
    )
    parser.add_argument(
        "--output", metavar="FILE",
        help="where to write; - for stdout (default: a new file in the data directory)",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing --output file without asking")
    # SUPPRESS: given only before the subcommand (roost --console X export), the
    # top-level value must not be overwritten by this parser's default.
    parser.add_argument("--console", metavar="HASH_OR_URL", default=argparse.SUPPRESS, help="as for roost")
    parser.add_argument("--token-file", metavar="PATH", default=argparse.SUPPRESS, help="as for roost")
    parser.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS, help="as for roost")


def export_backend(settings: Settings) -> Backend:
    """The export's backend: a rate limit or a 5xx while reading is retried, not the end of the export."""
    return registry.open_backend(settings, read_attempts=EXPORT_READ_ATTEMPTS)


def run_export(args: argparse.Namespace) -> int:
    return export_command(args, open_backend=export_backend, stderr=sys.stderr)


def export_command(
    args: argparse.Namespace,
    *,
    open_backend: BackendOpener,
    stderr: TextIO,
    stdin: TextIO | None = None,
    stdout: BinaryIO | None = None,
) -> int:
    """``run_export`` with its backend and streams injected (tests pass an in-process console).

    ``stdin`` (a terminal, or not) answers whether to replace a file; ``stdout`` receives ``--output -``.
    """
    to_stdout = args.output == STDOUT
    if to_stdout and stdout is None:
        stdout = sys.stdout.buffer
    output = None
    if to_stdout and stdout.isatty():
        # A CSV export holds attacker-typed text as it was typed, escape sequences included.
        raise ConfigError("--output - is for pipes and stdout is a terminal: give a file name, or pipe it (| jq ., > FILE).")
    if args.output and not to_stdout:
        # Before the token is looked up or a page fetched: a refusal costs nothing.
        output = writable_output(Path(args.output).expanduser(), force=args.force, stdin=stdin or sys.stdin, stderr=stderr)
    settings = resolve_settings(
        console=getattr(args, "console", None),
        token_file=getattr(args, "token_file", None),
        profile=getattr(args, "profile", None),
    )
    keep_out_of_reports(settings.token)
    for warning in settings.warnings:
        print(f"roost: {warning}", file=stderr)
    status = _chosen_status(args.feed, settings.backend)
    fmt = _chosen_format(args.export_format, None if to_stdout else args.output)
    progress = ProgressLine(stderr)
    try:
        backend = open_backend(settings)
        if to_stdout:
            count = asyncio.run(_export_to_stream(backend, status, fmt, stdout, progress.update))
            where = "stdout"
        else:
            path = output or default_export_path(private_dir(data_dir()), fmt, args.feed)
            path, count = asyncio.run(_export(backend, status, fmt, path, progress.update))
            where = shown(path, limit=1000)
    except BrokenPipeError:
        if stdout is sys.stdout.buffer:
            _silence_stdout()
        raise ConfigError("stdout was closed before the export was written in full (the export is incomplete).") from None
    except OSError as error:
        target = "stdout" if to_stdout else shown(output or data_dir(), limit=1000)
        raise ConfigError(f"Cannot write the export to {target}: {error.strerror or error}.") from None
    finally:
        progress.close()
    print(f"roost: exported {count:,} incidents to {where}", file=stderr)
    return 0


def writable_output(path: Path, *, force: bool, stdin: TextIO, stderr: TextIO) -> Path:
    """``path``, when an export may be written there; else ConfigError with one line.

    Only a regular file is ever replaced, and only with ``force`` or a yes at the
    terminal; a missing directory is not created (a typo would otherwise scatter
    exports, full of credentials, in new places).
    """
    cannot = f"Cannot write the export to {shown(path, limit=1000)}"
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except NotADirectoryError:
        raise ConfigError(f"{cannot}: a part of its directory is not a directory.") from None
    except OSError as error:
        raise ConfigError(f"{cannot}: {error.strerror or error}.") from None
    if mode is None:
        if not path.parent.is_dir():
            what = "is not a directory" if path.parent.exists() else "does not exist (Roost does not create it)"
            raise ConfigError(f"{cannot}: {shown(path.parent, limit=1000)} {what}.")
        return path
    if stat.S_ISLNK(mode):
        raise ConfigError(
            f"{cannot}: it is a symbolic link; Roost replaces only regular files "
            "(give the path it points to, or - for stdout)."
        )
    if not stat.S_ISREG(mode):
        raise ConfigError(
            f"{cannot}: it is {file_kind(mode)}, not a regular file; for a pipe or a device, use --output - "
            "and redirect stdout."
        )
    if force:
        return path
    if not stdin.isatty():
        raise ConfigError(f"{shown(path, limit=1000)} exists: pass --force to replace it, or choose another --output.")
    stderr.write(f"roost: {shown(path, limit=1000)} exists; replace it? [y/N] ")
    stderr.flush()
    if stdin.readline().strip().lower() not in ("y", "yes"):
        raise ConfigError(f"{shown(path, limit=1000)} was left as it was; nothing was exported.")
    return path


async def _export(
    backend: Backend, status: str | None, fmt: ExportFormat, path: Path, progress: Callable[[int], None]
) -> tuple[Path, int]:
    try:
        return await export_everything(backend, status, fmt, path, progress)
    finally:
        await backend.aclose()


async def _export_to_stream(
    backend: Backend, status: str | None, fmt: ExportFormat, stream: BinaryIO, progress: Callable[[int], None]
) -> int:
    """Every incident to ``stream``, written once the last batch is in (as a file export is)."""
    try:
        incidents = await everything(backend, status, progress)
    finally:
        await backend.aclose()
    data = await asyncio.to_thread(render_export, incidents, fmt, documents=backend.documents)
    stream.write(data)
    stream.flush()
    return len(incidents)


def _silence_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so the interpreter's last flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _chosen_status(feed: str, backend: str) -> str | None:
    """The status ``--feed`` names (None: every incident); ConfigError for one the backend lacks."""
    if feed == EVERY_STATUS:
        return None
    statuses = [spec.id for spec in registry.backend_class(backend).statuses]
    if feed not in statuses:
        raise ConfigError(f"--feed {feed}: a {backend} console has no such status; choose all or {', '.join(statuses)}.")
    return feed


def _chosen_format(requested: str | None, output: str | None) -> ExportFormat:
    if requested:
        return requested
    suffix = Path(output).suffix.lstrip(".").lower() if output else ""
    return suffix if suffix in EXPORT_FORMATS else "json"


class ProgressLine:
    """"exported 1,500 incidents…" on ``stream``: one line redrawn in place on a
    terminal, a plain line every PLAIN_PROGRESS_EVERY incidents otherwise (logs, CI)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._redraw = stream.isatty()
        self._drawn = False
        self._last_plain = 0

    def update(self, count: int) -> None:
        if self._redraw:
            self._stream.write(f"\r\x1b[Kexported {count:,} incidents…")
            self._stream.flush()
            self._drawn = True
        elif count >= self._last_plain + PLAIN_PROGRESS_EVERY:
            print(f"roost: exported {count:,} incidents…", file=self._stream, flush=True)
            self._last_plain = count

    def close(self) -> None:
        """Clear the redrawn line, so what is printed next starts on a clean line."""
        if self._drawn:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
