"""How fast the ``/`` filter runs over 100,000 incidents, cold and warm.

Prints one plain table.  Cold is the first keystroke (every incident's searchable
text folded and cached); warm is every keystroke after it, which must stay well
under 100 ms so typing never waits on the filter.  Both test one incident at a
time (what the store does for each incident a poll changes).  "view" is what the
``/`` line waits for: the store building the query's view of the open feed from
its live unfiltered view, after the line's opening gathered that view's text
(where the store can: the gathering's own time is printed first).

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
from tui.store import IncidentStore, ViewSpec

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


def _view_ms(store: IncidentStore, query: str) -> tuple[float, int]:
    matches = parse_filter(query, CANARY)
    spec = ViewSpec("open", filter=matches.matches, filter_id=matches.filter_id)
    start = time.perf_counter()
    count = len(store.view(spec))
    return (time.perf_counter() - start) * 1000, count


def _opened_line(incidents: list[Incident]) -> tuple[IncidentStore, float | None]:
    """A store showing the open feed, as the app's, after the ``/`` line opened over it."""
    store = IncidentStore(CanaryBackend.statuses, CanaryBackend.columns)
    store.apply(incidents)
    unfiltered = ViewSpec("open")
    store.view(unfiltered)
    if not hasattr(store, "begin_gathering"):
        return store, None
    start = time.perf_counter()
    pending = store.begin_gathering(unfiltered, filtering.Matcher((), CANARY))
    pending.build()
    store.adopt(pending)
    return store, (time.perf_counter() - start) * 1000


def main() -> None:
    incidents = IncidentFactory(seed=7).incidents(SIZE)
    store, gathering = _opened_line(incidents)
    print(f"Filtering {SIZE:,} incidents (times in ms); the open feed's view holds {len(store.view(ViewSpec('open'))):,}")
    print(f"opening the line gathers its text in {'—' if gathering is None else f'{gathering:.1f} ms'}")
    print(f"{'query':<22} {'matches':>8} {'cold':>8} {'warm median':>12} {'warm max':>9} {'open view':>10} {'(matches)':>10}")
    for query in QUERIES:
        filtering.forget_searchable_text()  # every query starts cold
        cold, count = _filter_ms(incidents, query)
        warm = [_filter_ms(incidents, query)[0] for _ in range(WARM_RUNS)]
        view, shown = _view_ms(store, query)
        print(f"{query:<22} {count:>8,} {cold:>8.1f} {statistics.median(warm):>12.1f} {max(warm):>9.1f}"
              f" {view:>10.1f} {shown:>10,}")


if __name__ == "__main__":
    main()
