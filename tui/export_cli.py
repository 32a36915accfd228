"""``roost export``: a whole feed to a JSON, JSONL or CSV file, without the TUI.

The console and token come from the same places as the TUI's (``--console``,
``--token-file``, ``--profile``, the environment, the config file; see config.py).  Progress goes to
stderr, so stdout stays clean; failures are ConfigError/ApiError, which ``main``
turns into one line.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Callable, TextIO

from .api.canary import FEEDS, CanaryClient, Feed
from .api.errors import ConfigError
from .config import data_dir, private_dir, resolve_settings
from .crashlog import keep_out_of_reports
from .export import EXPORT_FORMATS, ExportFormat, default_export_path, export_feed
from .secret import Secret

ClientFactory = Callable[[str, Secret], CanaryClient]

# Without a terminal, a progress line every this many incidents (pages may be small).
PLAIN_PROGRESS_EVERY = 10_000


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--feed", choices=FEEDS, default="all", help="which incidents (default all)")
    parser.add_argument(
        "--format", dest="export_format", choices=EXPORT_FORMATS,
        help="file format (default: from the --output suffix, else json)",
    )
    parser.add_argument("--output", metavar="FILE", help="where to write (default: a new file in the data directory)")
    # SUPPRESS: given only before the subcommand (roost --console X export), the
    # top-level value must not be overwritten by this parser's default.
    parser.add_argument("--console", metavar="HASH_OR_URL", default=argparse.SUPPRESS, help="as for roost")
    parser.add_argument("--token-file", metavar="PATH", default=argparse.SUPPRESS, help="as for roost")
    parser.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS, help="as for roost")


def run_export(args: argparse.Namespace) -> int:
    return export_command(args, client_factory=CanaryClient, stderr=sys.stderr)


def export_command(args: argparse.Namespace, *, client_factory: ClientFactory, stderr: TextIO) -> int:
    """``run_export`` with its client and stderr injected (tests pass an in-process console)."""
    settings = resolve_settings(
        console=getattr(args, "console", None),
        token_file=getattr(args, "token_file", None),
        profile=getattr(args, "profile", None),
    )
    keep_out_of_reports(settings.token)
    for warning in settings.warnings:
        print(f"roost: {warning}", file=stderr)
    fmt = _chosen_format(args.export_format, args.output)
    output = Path(args.output).expanduser() if args.output else None
    progress = ProgressLine(stderr)
    try:
        path = output or default_export_path(private_dir(data_dir()), fmt, args.feed)
        client = client_factory(settings.console, settings.token)
        path, count = asyncio.run(_export(client, args.feed, fmt, path, progress.update))
    except OSError as error:
        raise ConfigError(f"Cannot write the export to {output or data_dir()}: {error.strerror or error}.") from None
    finally:
        progress.close()
    print(f"roost: exported {count:,} incidents to {path}", file=stderr)
    return 0


async def _export(
    client: CanaryClient, feed: Feed, fmt: ExportFormat, path: Path, progress: Callable[[int], None]
) -> tuple[Path, int]:
    async with client:
        return await export_feed(client, feed, fmt, path, progress)


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
