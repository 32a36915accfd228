"""The ``roost`` command's first code: it pauses the garbage collector before the rest of Roost
and Textual are imported (``collector.pause_for_startup``), then runs ``cli.main``."""

from __future__ import annotations


def main() -> int:
    from .collector import pause_for_startup

    pause_for_startup()
    from .cli import main as run_command

    return run_command()
