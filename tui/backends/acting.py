"""What every backend's actions share: the caller's report, and requests cut short.

A backend acts on a frozen set of incidents and hands each outcome to the caller's
``Report`` (see ``base``); these two pieces keep that promise the same way in every
backend.  No Textual, no wire format.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, TypeVar

from .base import Outcome, Report, StopSending

T = TypeVar("T")


class Reporter:
    """The caller's report for one action, and whether it asked to stop (StopSending)."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.stopped = False

    async def __call__(self, outcome: Outcome) -> None:
        try:
            await self.report(outcome)
        except StopSending:
            self.stopped = True


async def interruptible(
    keys: tuple[str, ...], reporter: Reporter, request: Awaitable[T], *, reason: str, step: str = ""
) -> T:
    """Await ``request``; if the session ends while it is in flight, report each of ``keys`` as
    interrupted (result unknown: the console may have acted), with ``reason``."""
    try:
        return await request
    except asyncio.CancelledError:
        # The report for an interrupted outcome does not wait: this task is being torn down.
        for key in keys:
            await reporter(Outcome(key, "unknown", reason, step=step, interrupted=True))
        raise
