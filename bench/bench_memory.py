"""What holding a console costs: RSS and bytes per incident, and a full garbage collection,
at 10,000 and 100,000 incidents shaped like the emulator's (about 10 events each).

Each size runs in a fresh process that imports the whole app (Textual included, as `roost`
would), reads the console's JSON a page at a time from a file (as the sync loop receives it),
parses it into the store and opens three live views.  Prints one plain table, with the figures
before issue 12 beside it.

    .venv/bin/python bench/bench_memory.py
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = (10_000, 100_000)
PAGE = 1_000
# Measured before issue 12's compact model (tmux, the real app, 10k / 100k).
BEFORE = {
    "RSS after the load (MiB)": ("264", "1,970"),
    "RSS per incident above the empty app": ("~19.7 KB", "~19.7 KB"),
    "one full gc.collect() (ms)": ("50", "527"),
}


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


def _child(path: str, size: int) -> None:
    import tui.app  # noqa: F401  (the app's own baseline: Textual and everything the UI imports)
    from tui.backends.canary import CanaryBackend
    from tui.backends.canary.parse import parse_incident
    from tui.store import IncidentStore, ViewSpec

    gc.collect()
    empty = _rss_bytes()
    store = IncidentStore(CanaryBackend.statuses, CanaryBackend.columns)
    with open(path) as lines:
        page: list[str] = []
        for line in lines:
            page.append(line)
            if len(page) == PAGE:
                store.apply([parse_incident(json.loads(item)) for item in page])
                page = []
        store.apply([parse_incident(json.loads(item)) for item in page])
    for spec in (ViewSpec(), ViewSpec(feed="all"), ViewSpec(feed="all", sort="src", descending=False)):
        store.view(spec).page(0, 50)
    gc.collect()
    loaded = _rss_bytes()
    start = time.perf_counter()
    gc.collect()
    collection = time.perf_counter() - start
    gc.freeze()  # what Roost does once a load is in: the held incidents leave the collector's rounds
    start = time.perf_counter()
    gc.collect()
    frozen = time.perf_counter() - start
    print(json.dumps({"incidents": len(store), "empty": empty, "loaded": loaded, "gc": collection,
                      "gc_frozen": frozen, "tracked": len(gc.get_objects())}))


def _measure(size: int, directory: Path) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _synthetic import IncidentFactory

    path = directory / f"feed-{size}.jsonl"
    factory = IncidentFactory(seed=size)
    with path.open("w") as out:
        for start in range(0, size, 10_000):
            for document in factory.documents(min(10_000, size - start)):
                out.write(json.dumps(document) + "\n")
    answer = subprocess.run([sys.executable, __file__, "--child", str(path), str(size)], check=True,
                            capture_output=True, text=True)
    return json.loads(answer.stdout)


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        results = [_measure(size, Path(directory)) for size in SIZES]
    mib = 1024 * 1024
    rows = {
        "RSS after the load (MiB)": [f"{r['loaded'] / mib:,.0f}" for r in results],
        "RSS of the empty app (MiB)": [f"{r['empty'] / mib:,.0f}" for r in results],
        "RSS per incident above the empty app": [f"{(r['loaded'] - r['empty']) / r['incidents'] / 1024:.2f} KB"
                                                 for r in results],
        "one full gc.collect() (ms)": [f"{r['gc'] * 1000:.0f}" for r in results],
        "  the same after gc.freeze() (ms)": [f"{r['gc_frozen'] * 1000:.1f}" for r in results],
        "objects the collector tracks": [f"{r['tracked']:,}" for r in results],
    }
    width = max(map(len, rows))
    header = "  ".join(f"{size:>12,}" for size in SIZES)
    before = "  ".join(f"{'before ' + format(size, ','):>14}" for size in SIZES)
    print(f"{'incidents':<{width}}  {header}  {before}")
    for label, values in rows.items():
        previous = BEFORE.get(label, ("", ""))
        print(f"{label:<{width}}  " + "  ".join(f"{value:>12}" for value in values) + "  "
              + "  ".join(f"{value:>14}" for value in previous))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        _child(sys.argv[2], int(sys.argv[3]))
    else:
        main()
