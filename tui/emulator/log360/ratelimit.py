"""The documented call limit: 60 requests a minute, one budget for every endpoint."""

from __future__ import annotations

import math
import threading
from collections import deque
from typing import Callable

Clock = Callable[[], float]


class SlidingWindowLimit:
    """At most ``limit`` admitted requests in any ``window`` seconds; a refused request uses none.

    ``clock`` is injectable so tests move time instead of sleeping.
    """

    def __init__(self, clock: Clock, limit: int = 60, window: float = 60.0) -> None:
        self.clock = clock
        self.limit = limit
        self.window = window
        self._admitted: deque[float] = deque()
        self._lock = threading.Lock()

    def admit(self) -> int | None:
        """None if the request may go ahead (and counts it), else the seconds to wait (at least 1)."""
        with self._lock:
            now = self.clock()
            while self._admitted and self._admitted[0] <= now - self.window:
                self._admitted.popleft()
            if len(self._admitted) < self.limit:
                self._admitted.append(now)
                return None
            return max(1, math.ceil(self._admitted[0] + self.window - now))
