"""Keypress-to-render, page change and delta apply in the real app, headless.

Fills the store with 10,000 and with 100,000 synthetic incidents, opens the
TUI (80x24, no network: an in-memory feed), and measures the CPU time the app
spends from a key press until it is idle again with the screen redrawn (CPU
time, because Pilot's own waits for the next frame are idle time, not work),
and, after the "·", the p95 of the longest single step the UI's event loop took
meanwhile: how long a key typed at that moment could have waited (``_keys.py``).
The store is loaded as the app's initial load loads it: the collector paused
until the first page is drawn, and what exists then frozen.
  j/k           moving the cursor one row
  ] / [         changing page
  delta         applying a 100-incident poll (new, changed, acknowledged)
  space         marking a row (the footer changes to say what a, u, d act on)
  *             marking (and unmarking) every incident in the view
  / keystroke   typing in the filter line (the view re-filters on every key): "warm" types one
                word again and again (most views are then already cut); "new words" types a
                different word each time, then erases it, as an analyst trying queries does.
                A large view is filtered on a thread: each key is measured until the table
                shows its view, that thread's CPU included (but not in the longest step)
The first row is an unbound key: what Pilot and Textual's dispatch cost by
themselves; subtract it for the part that is Roost's.  The "floor" rows are a bare
Textual app laid out like Roost's screen, drawing lines made beforehand
(``_floor.py``): what a key costs that redraws as much of the screen with no work
of Roost's at all.
Prints a table; run with `make bench` or `python bench/bench_ui.py`.
"""

from __future__ import annotations

import asyncio
import resource
import sys
import tempfile
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _floor import measure_floor  # noqa: E402
from _keys import KeyTimer  # noqa: E402
from _synthetic import IncidentFactory  # noqa: E402

from tui.app import RoostApp  # noqa: E402
from tui.config import Settings  # noqa: E402
from tui.backends.canary import CanaryBackend  # noqa: E402
from tui.backends.canary.parse import Host, Page  # noqa: E402
from tui.collector import collections_paused  # noqa: E402
from tui.secret import Secret  # noqa: E402
from tui.store import IncidentStore  # noqa: E402

SIZES = (10_000, 100_000)
REPEATS = 60
#: Typed once each into the filter line: no two share a first letter, so every query is new.
NEW_WORDS = ("admin", "ssh", "login", "web", "mysql", "port", "user", "fin")
#: Median and p99 (ms) before issue 12's key work, on the same ~10-event incidents and machine, for comparison.
PREVIOUS = {
    "unbound key (baseline)": {10_000: (6.03, 8.93), 100_000: (7.79, 11.24)},
    "j/k, table only (ms)": {10_000: (8.04, 12.60), 100_000: (10.97, 13.21)},
    "j/k + detail pane (ms)": {10_000: (23.95, 34.79), 100_000: (29.22, 35.60)},
    "page ]/[ (ms)": {10_000: (25.31, 36.77), 100_000: (33.83, 39.09)},
    "100-incident delta (ms)": {10_000: (5.76, 25.82), 100_000: (8.59, 15.03)},
    "space: mark a row (ms)": {10_000: (26.81, 181.61), 100_000: (34.52, 92.59)},
    "*: mark the whole view (ms)": {10_000: (40.77, 50.24), 100_000: (94.96, 1545.48)},
    "/ keystroke, warm (ms)": {10_000: (15.13, 227.23), 100_000: (19.44, 132.36)},
}


class InMemoryConsole:
    """Just enough of a client for the app: no network; the pane's lookups answered at once."""

    def __init__(self, incidents) -> None:
        self.incidents = incidents

    async def iter_feed(self, feed, *, limit=500, incidents_since=None, **params):
        if False:
            yield Page(())

    async def device_info(self, node_id):
        # As a console answers: once per bird, the answer kept (an unanswered lookup would be
        # asked again, in a worker, on every incident the cursor visits).
        seen = datetime(2026, 11, 30, 12, tzinfo=timezone.utc)
        return Host(node_id=node_id, name=f"bird-{node_id[-4:]}", description="Bench bird", location="Rack 4",
                    ip_address="10.0.4.20", mac_address="00:11:22:33:44:55", version="4.2.1", personality="Windows Server",
                    flock_id="flock:default", live=True, last_seen=seen, first_seen=seen)

    async def history_for_source(self, source):
        return []


async def measure(timer: KeyTimer, size: int) -> None:
    factory = IncidentFactory(seed=size)
    incidents = factory.incidents(size)
    store = IncidentStore(CanaryBackend.statuses, CanaryBackend.columns)
    # As the app's initial load: no collection while the store fills and the app comes up, then
    # what exists is frozen (left out of every later collection), so no key pays a full
    # collection over the store.
    loading = ExitStack()
    loading.enter_context(collections_paused(then_freeze=True))
    store.apply(incidents)
    settings = Settings(console="bench", token=Secret("bench"), poll_interval=0)
    app = RoostApp(settings, CanaryBackend(InMemoryConsole(incidents)), data_directory=Path(tempfile.mkdtemp()), store=store, live=False)

    async def press(row: str, key: str) -> None:
        async with timer.sample(row):
            await pilot.press(key)
            await pilot.pause()

    async with app.run_test(size=(80, 24)) as pilot:
        async with timer.sample("first page (ms)"):
            await pilot.pause()
        loading.close()
        # What Pilot itself costs per key: subtract it to get the app's share.
        for _ in range(REPEATS):
            await press("unbound key (baseline)", "x")
        # Pilot waits a frame after each key, longer than the detail pane's rest delay,
        # so with the pane shown every press also pays for re-rendering the details.
        for row in ("j/k + detail pane (ms)", "j/k, table only (ms)"):
            for index in range(REPEATS):
                await press(row, "j" if index % 2 == 0 else "k")
            await pilot.press("v")  # hide the detail pane for the next round
        for index in range(REPEATS // 3):
            await press("page ]/[ (ms)", "right_square_bracket" if index % 2 == 0 else "left_square_bracket")
        for _ in range(REPEATS // 3):
            delta = factory.delta(list(store.snapshot())[-5000:], new=40, changed=30, acked=30)
            await asyncio.sleep(0)  # making the delta is not the app's step
            async with timer.sample("100-incident delta (ms)"):
                app.engine._apply(delta)
                await pilot.pause()
        for _ in range(REPEATS):
            await press("space: mark a row (ms)", "space")
        for _ in range(REPEATS // 3):
            await press("*: mark the whole view (ms)", "asterisk")
        await pilot.press("escape", "slash")
        await app.workers.wait_for_complete()  # the filter text is warmed before typing
        warm = [key for _ in range(REPEATS // 8) for key in ("r", "o", "o", "t", *["backspace"] * 4)]
        new_words = [key for word in NEW_WORDS for key in (*word, *["backspace"] * len(word))]
        for row, keys in (("/ keystroke, warm (ms)", warm), ("/ keystroke, new words (ms)", new_words)):
            for key in keys:
                # Until the table shows the query's view: a large one is filtered on a thread.
                async with timer.sample(row):
                    await pilot.press(key)
                    await pilot.pause()
                    await app.workers.wait_for_complete()
                    await pilot.pause()


def main() -> None:
    rows = {}
    for size in SIZES:
        with KeyTimer() as timer:
            asyncio.run(measure(timer, size))
        rows[size] = timer.summary()
    with KeyTimer() as timer:
        asyncio.run(measure_floor(timer, REPEATS))
    for size in SIZES:  # the same bare app under both columns
        rows[size].update(timer.summary())
    names = list(next(iter(rows.values())))
    print(f"{'ms: median / p95 / p99 · step':<28}" + "".join(f"{size:>34,} {'(before: median / p99)':>23}" for size in SIZES))
    for name in names:
        cells = ""
        for size in SIZES:
            median, p95, p99, step = rows[size][name]
            before = PREVIOUS.get(name, {}).get(size)
            cells += f"{median:>11.2f} / {p95:>6.2f} / {p99:>6.2f} · {step:>5.2f}" + (f"{before[0]:>14.2f} / {before[1]:>6.2f}" if before else " " * 23)
        print(f"{name:<28}{cells}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak RSS (MiB, whole run)':<28}{peak:>22.0f}")


if __name__ == "__main__":
    main()
