"""The ``roost`` command.

``roost`` opens the triage TUI; ``roost emulator`` runs a local console
emulator; ``roost config`` shows where the config file is and checks it.
Every failure a user can hit ends with one line on stderr that says what
happened and what to do, and a non-zero exit code; never a traceback (an
unexpected error's goes to a private file, see crashlog.py).
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Sequence

from . import __version__
from .backends import registry
from .backends.errors import ApiError, ConfigError
from .collector import startup_over
from .sanitize import clean

EXIT_USAGE = 2


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def build_parser(words: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; given the ``words`` to parse, the emulator's and the export's
    options (and the modules that define them: uvicorn, starlette) only when the words name them,
    so the TUI starts without importing what it never runs."""
    parser = argparse.ArgumentParser(
        prog="roost",
        description="Keyboard-driven triage of Thinkst Canary and ManageEngine Log360 incidents.",
        epilog=(
            "The console and token come from the command line, then CANARY_API_DOMAIN and CANARY_API_TOKEN, "
            "then the profile in the config file (roost config path), then ~/.canarytools.config. "
            "The token is never accepted on the command line."
        ),
    )
    parser.add_argument("--version", action="version", version=f"roost {__version__}")
    parser.add_argument(
        "--demo", nargs="?", const=registry.DEFAULT_BACKEND, choices=(*registry.names(), "all"), metavar="BACKEND",
        help=f"open on local emulators with generated incidents ({', '.join(registry.names())}, or all: a tab "
             f"for each of three; default {registry.DEFAULT_BACKEND})",
    )
    parser.add_argument("--console", metavar="HASH_OR_URL", help="console domain hash (HASH.canary.tools) or base URL")
    parser.add_argument("--token-file", metavar="PATH", help="file whose first line is the API token")
    parser.add_argument(
        "--profile", metavar="NAME", action="append",
        help="a console profile from the config file; again for another console, in a tab of its own",
    )
    parser.add_argument("--all", action="store_true", help="open every profile in the config file, a tab each")
    parser.add_argument("--read-only", action="store_true", help="hide and refuse every key that changes the console")
    parser.add_argument(
        "--poll-interval", type=_positive_float, metavar="SECONDS", help="seconds between live polls (0 = manual; default 10)"
    )
    parser.add_argument("--page-size", type=int, metavar="N", help="incidents per table page (default 100)")
    parser.add_argument("--bell", action="store_true", help="ring the terminal bell when new incidents arrive")
    parser.add_argument(
        "--mouse", action="store_true", help="let the mouse click and scroll (off by default: the terminal selects text)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    emulator = commands.add_parser("emulator", help="run a console emulator (Canary, or --backend log360) on a loopback port")
    if words is None or "emulator" in words:
        from .emulator.server import add_emulator_arguments

        add_emulator_arguments(emulator)
    export = commands.add_parser("export", help="export a feed to JSON, JSONL or CSV without the TUI")
    if words is None or "export" in words:
        from .export_cli import add_export_arguments

        add_export_arguments(export)
    audit = commands.add_parser("audit", help="print the last actions Roost sent to a console")
    audit.add_argument("-n", "--lines", type=int, default=20, metavar="N", help="how many entries (default 20)")
    audit.add_argument("--json", action="store_true", help="the entries as JSON lines, as stored")
    config = commands.add_parser("config", help="where the config file is, and whether it works")
    config_commands = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    config_commands.add_parser("path", help="print the config file's path")
    check = config_commands.add_parser("check", help="check the file, its profiles and that the token resolves")
    check.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS, help="the profile to resolve")
    return parser


def run_config(args: argparse.Namespace) -> int:
    from .config import check_config, config_path

    if args.config_command == "path":
        print(config_path())
        return 0
    lines, ok = check_config(getattr(args, "profile", None))
    print("\n".join(lines))
    return 0 if ok else 1


def run_audit(args: argparse.Namespace) -> int:
    import json

    from .audit import AUDIT_FILE, AuditLog, format_entry
    from .config import data_dir

    path = data_dir() / AUDIT_FILE
    entries = AuditLog(path, console="").tail(max(args.lines, 1))
    if not entries:
        print(f"No actions recorded yet ({path}).", file=sys.stderr)
        return 0
    for entry in entries:
        print(json.dumps(entry, ensure_ascii=True) if args.json else format_entry(entry))
    return 0


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    # Messages quote config files, paths and consoles: whatever was missed where they were quoted
    # must not reach the terminal as escape sequences.
    print(f"roost: {clean(message, limit=2000)}", file=sys.stderr)
    return code


def quiet_request_logs() -> None:
    """httpx logs every request line at INFO: whatever logging is set up, Roost's never carry them."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    args = build_parser(words).parse_args(words)
    if args.command is not None:
        startup_over()  # no first frame to wait for: collect as usual
    quiet_request_logs()
    if args.command in ("export", "config") and isinstance(getattr(args, "profile", None), list):
        # `roost --profile NAME export`: the TUI's --profile (which may name several) before the command.
        if len(args.profile) > 1:
            return _fail(f"roost {args.command} reads one console: name one --profile.")
        args.profile = args.profile[0]
    try:
        if args.command == "config":
            return run_config(args)
        if args.command == "audit":
            return run_audit(args)
        if args.command == "emulator":
            from .emulator.server import run_emulator

            return run_emulator(args)
        if args.command == "export":
            from .export_cli import run_export

            return run_export(args)
        from .launch import run_tui

        return run_tui(args)
    except (ConfigError, ApiError) as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a bug: the details go to a private file, not the terminal
        from .crashlog import crash_line

        print(crash_line(error), file=sys.stderr)
        return 1
