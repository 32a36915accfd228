"""What every backend's actions share: the caller's report, and requests cut short.

A backend acts on a frozen set of incidents and hands each outcome to the caller's
``Report`` (see ``base``); these two pieces keep that promise the same way in every
backend.  No Textual, no wire format.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, TypeVar

from .base import Outcome, Report, StopSending
from .errors import ApiError, NotFound, PermissionDenied

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


async def settled(
    key: str,
    send: Callable[[], Awaitable[object]],
    *,
    not_found: str,
    step: str = "",
    on_denied: Callable[[PermissionDenied], None] | None = None,
) -> Outcome:
    """Send, and say what became of ``key``: done; gone (``not_found`` says where); failed, and
    ``denied`` when this token may not (``on_denied`` hears why first); unknown when the console
    may have acted without saying so."""
    try:
        await send()
        return Outcome(key, "done", step=step)
    except NotFound:
        return Outcome(key, "gone", not_found, step=step)
    except PermissionDenied as error:
        if on_denied is not None:
            on_denied(error)
        return Outcome(key, "failed", f"not permitted: {error}", step=step, denied=True)
    except ApiError as error:
        return Outcome(key, "unknown" if error.may_have_acted else "failed", str(error), step=step)
