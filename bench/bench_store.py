"""How the incident store and its cache scale: 10,000 vs 100,000 incidents.

Prints one plain table.  The budget is one frame (16 ms) at 100,000 incidents for
a page change and for applying a 100-incident delta with three live views, and
neither may grow with the store's size.

    .venv/bin/python bench/bench_store.py
"""

from __future__ import annotations

import gc
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from random import Random
from typing import Callable, TypeVar

from _synthetic import IncidentFactory

from tui.backends.canary import CanaryBackend
from tui.backends.canary.parse import canary_fields
from tui.cache import SnapshotCache
from tui.store import IncidentStore, ViewSpec

T = TypeVar("T")

SIZES = (10_000, 100_000)
PAGE_SIZE = 50
SYNC_PAGE = 1_000  # incidents per feed page during the initial load
PAGE_READS = 2_000
DELTAS = 200
RECONCILES = 5

MAIN_VIEW = ViewSpec()  # unacknowledged, newest first
OTHER_VIEWS = (
    ViewSpec(feed="all", sort="src", descending=False),
    # Typing a filter over the main view: derived from the main view's live entries.
    ViewSpec(filter=lambda i: canary_fields(i).dst_port == 22, filter_id="port:22"),
)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def _timed(action: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def _spread(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"{_ms(statistics.median(ordered))} / {_ms(p99)}"


def _peak_rss_mib() -> str:
    # ru_maxrss is in KiB on Linux (bytes on macOS): the process's peak so far, so the
    # larger size's column includes whatever the smaller run left behind.
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return f"{kib / (1024 * 1024 if sys.platform == 'darwin' else 1024):.0f} MiB"


def measure(size: int, cache_dir: Path) -> dict[str, str]:
    rng = Random(size)
    factory = IncidentFactory(seed=size)
    results: dict[str, str] = {}

    elapsed, incidents = _timed(lambda: factory.incidents(size))
    results["generate incidents (not the store)"] = _ms(elapsed)

    store = IncidentStore(CanaryBackend.statuses, CanaryBackend.columns)
    elapsed, initial_changes = _timed(
        lambda: [store.apply(incidents[at : at + SYNC_PAGE]) for at in range(0, size, SYNC_PAGE)]
    )
    results[f"fill: apply in pages of {SYNC_PAGE:,}"] = _ms(elapsed)

    elapsed, view = _timed(lambda: store.view(MAIN_VIEW))
    results["first view build (unack, created)"] = _ms(elapsed)
    results["first page after build"] = _ms(_timed(lambda: view.page(0, PAGE_SIZE))[0])
    for spec in OTHER_VIEWS:
        label = f"view build ({spec.feed}, {spec.sort}{', ' + spec.filter_id if spec.filter_id else ''})"
        results[label] = _ms(_timed(lambda: store.view(spec))[0])
    results["peak RSS after fill + 3 views"] = _peak_rss_mib()
    # Not the store's own cost, but a pause any frame can meet once this many incidents live.
    results["one full gc.collect() with the store live"] = _ms(_timed(gc.collect)[0])

    pages = view.page_count(PAGE_SIZE)
    results["page change, median / p99"] = _spread(
        [_timed(lambda: view.page(rng.randrange(pages), PAGE_SIZE))[0] for _ in range(PAGE_READS)]
    )
    keys = list(store.keys())
    results["index_of, median / p99"] = _spread(
        [_timed(lambda: view.index_of(rng.choice(keys)))[0] for _ in range(PAGE_READS)]
    )

    cache = SnapshotCache(cache_dir / f"bench-{size}.sqlite3", CanaryBackend.documents)
    results[f"cache save of the initial load ({SYNC_PAGE:,} a page)"] = _ms(_timed(
        lambda: [cache.save_changes(store, changes) for changes in initial_changes]
    )[0])

    apply_times, save_times = [], []
    for _ in range(DELTAS):
        delta = factory.delta(store.snapshot(), new=40, changed=30, acked=30)
        elapsed, changes = _timed(lambda: store.apply(delta))
        apply_times.append(elapsed)
        save_times.append(_timed(lambda: cache.save_changes(store, changes))[0])
    results["apply 100-incident delta, 3 live views, median / p99"] = _spread(apply_times)
    results["cache save of that delta, median / p99"] = _spread(save_times)

    reconcile_times = []
    for _ in range(RECONCILES):
        console_keys = set(store.keys()) - set(rng.sample(keys, 50))
        elapsed, changes = _timed(lambda: store.reconcile(console_keys))
        reconcile_times.append(elapsed)
        cache.save_changes(store, changes)
    results["reconcile, 50 removals (median)"] = _ms(statistics.median(reconcile_times))

    elapsed, (loaded, _) = _timed(cache.load)
    assert len(loaded) == len(store), (len(loaded), len(store))
    results["cache load (whole store)"] = _ms(elapsed)
    cache.close()
    results["peak RSS at the end (+ the loaded copy)"] = _peak_rss_mib()
    return results


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        columns = [measure(size, Path(directory)) for size in SIZES]
    labels = list(columns[0])
    width = max(map(len, labels))
    print(f"{'incidents':<{width}}  " + "  ".join(f"{size:>20,}" for size in SIZES))
    for label in labels:
        print(f"{label:<{width}}  " + "  ".join(f"{column[label]:>20}" for column in columns))


if __name__ == "__main__":
    main()
