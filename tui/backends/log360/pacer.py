"""One request budget for everything Roost sends to one Log360 server.  No Textual here.

The API allows 60 requests a minute "across all API endpoints" (spec §1.3, §6.2), and the
over-limit answer is undocumented, so Roost keeps under the budget itself rather than
learning where it is from refusals.  Every request waits here for a slot first:

- A rolling window: at most ``limit`` requests in any ``window`` seconds.  The window is a
  little longer than the server's minute (``margin``), because the server counts a
  request when it arrives, later than Roost counts it when it leaves.
- Priorities: a user's action (``INTERACTIVE``) always goes before a background refresh
  (``BACKGROUND``), whenever both wait; within one priority, first come, first served.
  Background requests also leave ``reserved`` slots of every window to actions, so a
  refresh pass that uses all it may still lets a key press through at once.
- Backing off: a 429 or a limit message (``back_off``) holds every request until the
  server's ``Retry-After`` has passed, or, without one, for a wait that doubles with
  each refusal in a row (``backoff.retry_wait``), until a request succeeds.
- ``state()`` says whether and for how long Roost is holding back, for the status bar.

The clock and the sleep are injectable, so tests run a burst on a fake clock.  A waiter
that is cancelled leaves the queue and uses no slot.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass
from typing import Awaitable, Callable, Literal

from ...backoff import retry_wait
from ..errors import RateLimited

Priority = Literal["interactive", "background"]
INTERACTIVE: Priority = "interactive"
BACKGROUND: Priority = "background"
PRIORITIES: tuple[Priority, ...] = (INTERACTIVE, BACKGROUND)

LIMIT = 60
WINDOW = 60.0
# Seconds added to the server's window: covers the request's trip to the server.
MARGIN = 1.0
# Slots of every window only actions may take.
RESERVED = 10
# Without Retry-After: 5 s after the first refusal, doubling, at most a whole window.
FIRST_BACKOFF = 5.0
MAX_BACKOFF = 120.0

HoldReason = Literal["", "budget", "rate-limited"]


@dataclass(frozen=True)
class PacerState:
    """What the pacer is doing, for a status line.

    ``holding`` is true when a request is waiting and may not go yet; ``wait`` is how many
    seconds until the first waiting request may go (0 when none waits or it may go now);
    ``reason`` says why ("budget": the window is full; "rate-limited": the server refused).
    ``backoff`` is what is left of a server-ordered hold even when nothing waits.
    """

    holding: bool
    wait: float
    reason: HoldReason
    waiting_interactive: int
    waiting_background: int
    used: int
    limit: int
    backoff: float

    def describe(self) -> str:
        """One line, e.g. "holding back 12 s: 60 requests a minute (3 waiting)"; "" when not holding."""
        if not self.holding:
            return ""
        waiting = self.waiting_interactive + self.waiting_background
        why = "the server asked Roost to slow down" if self.reason == "rate-limited" \
            else f"{self.limit} requests a minute"
        return f"holding back {max(1, round(self.wait))} s: {why} ({waiting} waiting)"


class _Waiter:
    __slots__ = ("priority", "order")

    def __init__(self, priority: Priority, order: int) -> None:
        self.priority = priority
        self.order = order


class Pacer:
    """The shared budget.  ``await pacer.acquire(priority)`` before each request; then tell it
    how the request went: ``back_off(retry_after)`` on a rate-limit answer, ``succeeded()``
    on any other answer."""

    def __init__(
        self,
        limit: int = LIMIT,
        window: float = WINDOW,
        *,
        margin: float = MARGIN,
        reserved: int = RESERVED,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        first_backoff: float = FIRST_BACKOFF,
        max_backoff: float = MAX_BACKOFF,
    ) -> None:
        if limit < 1 or window <= 0 or margin < 0 or not 0 <= reserved < limit:
            raise ValueError("limit must be at least 1, window positive, margin not negative, reserved below limit")
        self.limit = limit
        self.window = window + margin
        self.reserved = reserved
        self._clock = clock
        self._sleep = sleep
        self._first_backoff = first_backoff
        self._max_backoff = max_backoff
        self._sent: deque[float] = deque()
        self._waiters: list[_Waiter] = []
        self._order = 0
        self._hold_until = 0.0
        self._refusals = 0
        self._changed = asyncio.Event()
        #: Requests sent through this pacer, by priority (for benchmarks and tests).
        self.sent = {INTERACTIVE: 0, BACKGROUND: 0}

    # -- the budget --------------------------------------------------------------------

    async def acquire(self, priority: Priority = BACKGROUND) -> None:
        """Wait until a request of ``priority`` may be sent, and count it as sent."""
        if priority not in PRIORITIES:
            raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}")
        waiter = _Waiter(priority, self._order)
        self._order += 1
        self._waiters.append(waiter)
        try:
            while True:
                changed = self._changed
                if self._first() is waiter:
                    wait = self._wait_for(priority)
                    if wait <= 0:
                        self._waiters.remove(waiter)
                        self._record()
                        self.sent[priority] += 1
                        return
                    # The first in line sleeps until the budget allows; anyone who overtakes it
                    # meanwhile (an action arriving) becomes first and sleeps for itself.
                    await self._sleep(wait)
                    continue
                await changed.wait()
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            self._notify()

    def back_off(self, retry_after: float | None = None) -> float:
        """The server refused for the rate: hold every request for ``retry_after`` seconds, or
        for a wait that doubles with each refusal in a row.  Returns the hold in seconds."""
        self._refusals += 1
        wait = retry_wait(
            RateLimited("", retry_after=retry_after), self._refusals, first=self._first_backoff, cap=self._max_backoff
        )
        self._hold_until = max(self._hold_until, self._clock() + wait)
        self._notify()
        return wait

    def succeeded(self) -> None:
        """A request was answered (not with a rate limit): the next refusal starts the doubling afresh."""
        self._refusals = 0

    # -- what it is doing --------------------------------------------------------------

    def state(self) -> PacerState:
        now = self._clock()
        self._expire(now)
        first = self._first()
        wait = 0.0 if first is None else max(0.0, self._wait_for(first.priority, now))
        backoff = max(0.0, self._hold_until - now)
        reason: HoldReason = ""
        if wait > 0:
            reason = "rate-limited" if backoff > 0 and backoff >= wait else "budget"
        return PacerState(
            holding=wait > 0,
            wait=wait,
            reason=reason,
            waiting_interactive=sum(1 for w in self._waiters if w.priority == INTERACTIVE),
            waiting_background=sum(1 for w in self._waiters if w.priority == BACKGROUND),
            used=len(self._sent),
            limit=self.limit,
            backoff=backoff,
        )

    def available(self, priority: Priority = BACKGROUND) -> int:
        """Requests of ``priority`` that could go now without waiting (ignoring who waits)."""
        now = self._clock()
        self._expire(now)
        if self._hold_until > now:
            return 0
        return max(0, self._cap(priority) - len(self._sent))

    # -- inside ------------------------------------------------------------------------

    def _cap(self, priority: Priority) -> int:
        return self.limit if priority == INTERACTIVE else self.limit - self.reserved

    def _first(self) -> _Waiter | None:
        if not self._waiters:
            return None
        return min(self._waiters, key=lambda w: (w.priority != INTERACTIVE, w.order))

    def _expire(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()

    def _wait_for(self, priority: Priority, now: float | None = None) -> float:
        """Seconds until a request of ``priority`` may go (0 or less: now)."""
        now = self._clock() if now is None else now
        self._expire(now)
        wait = self._hold_until - now
        cap = self._cap(priority)
        if len(self._sent) >= cap:
            # The oldest of the last ``cap`` sends must leave the window first.
            oldest = self._sent[len(self._sent) - cap]
            wait = max(wait, oldest + self.window - now)
        return wait

    def _record(self) -> None:
        self._sent.append(self._clock())
        # Only the last ``limit`` sends can matter to any cap.
        while len(self._sent) > self.limit:
            self._sent.popleft()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()
