"""How fast the ``/`` filter runs over 100,000 incidents, cold and warm.

Prints one plain table.  Cold is the first keystroke (every incident's searchable
text folded and cached); warm is every keystroke after it, which must stay well
under 100 ms so typing never waits on the filter.

    .venv/bin/python bench/bench_filter.py
"""

from __future__ import annotations

import statistics
import time

from _synthetic import IncidentFactory

from tui import filtering
from tui.backends.canary import CanaryBackend
from tui.filtering import parse_filter
from tui.model import Incident

SIZE = 100_000
# The filter's fields and text are the backend's; no console is asked.
CANARY = CanaryBackend(client=None)
WARM_RUNS = 7
QUERIES = (
    "root",  # bare text: event fields
    "wp-login",  # bare text, rare
    "src:10.",  # address prefix
    "type:ssh !ack:yes",  # logtype name and state
    "port:22 admin",  # field and text together
    "!admin node:web",  # negated text and a field
)


def _filter_ms(incidents: list[Incident], query: str) -> tuple[float, int]:
    matches = parse_filter(query, CANARY).matches
    start = time.perf_counter()
    count = sum(1 for incident in incidents if matches(incident))
    return (time.perf_counter() - start) * 1000, count


def main() -> None:
    incidents = IncidentFactory(seed=7).incidents(SIZE)
    print(f"Filtering {SIZE:,} incidents (times in ms)")
    print(f"{'query':<22} {'matches':>8} {'cold':>8} {'warm median':>12} {'warm max':>9}")
    for query in QUERIES:
        filtering.forget_searchable_text()  # every query starts cold
        cold, count = _filter_ms(incidents, query)
        warm = [_filter_ms(incidents, query)[0] for _ in range(WARM_RUNS)]
        print(f"{query:<22} {count:>8,} {cold:>8.1f} {statistics.median(warm):>12.1f} {max(warm):>9.1f}")


if __name__ == "__main__":
    main()
