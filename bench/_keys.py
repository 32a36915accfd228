"""How bench_ui times a key: CPU time, every thread's, from the press until the app is idle again
(Pilot's waits for the next frame are idle time, not work), and the longest single step the UI's
event loop took meanwhile (one callback: a message handled, a frame drawn), which is how long a key
typed at that moment could have waited.  Work on another thread is in the first, not the second."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import defaultdict
from contextlib import asynccontextmanager
from typing import AsyncIterator


class KeyTimer:
    """Samples per row of bench_ui's table; while entered, every step of the event loop is timed."""

    def __init__(self) -> None:
        #: Per row: (CPU ms, longest step ms) of each sample.
        self.samples: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self._longest = 0.0
        self._run = asyncio.events.Handle._run

    def __enter__(self) -> KeyTimer:
        run, timer = self._run, self

        def timed_step(handle: asyncio.events.Handle) -> None:
            started = time.thread_time()
            try:
                run(handle)
            finally:
                timer._longest = max(timer._longest, time.thread_time() - started)

        asyncio.events.Handle._run = timed_step  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc_info: object) -> None:
        asyncio.events.Handle._run = self._run  # type: ignore[method-assign]

    @asynccontextmanager
    async def sample(self, row: str) -> AsyncIterator[None]:
        """Time what the block does (a key pressed and the app idle again) as one sample of ``row``."""
        self._longest = 0.0
        started = time.process_time()
        yield
        self.samples[row].append(((time.process_time() - started) * 1000, self._longest * 1000))

    def summary(self) -> dict[str, tuple[float, float, float, float]]:
        """Per row: CPU median, p95, p99, and the longest step's p95 (ms)."""
        rows = {}
        for row, samples in self.samples.items():
            cpu = [sample[0] for sample in samples]
            steps = [sample[1] for sample in samples]
            rows[row] = (statistics.median(cpu), percentile(cpu, 0.95), percentile(cpu, 0.99), percentile(steps, 0.95))
        return rows


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]
