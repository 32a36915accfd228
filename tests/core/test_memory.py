"""What an incident costs to hold: a regression here is a Roost that needs gigabytes at 100,000
incidents (issue 12: at most 2.5 KB an incident, store and live views included)."""

from __future__ import annotations

import gc
import sys
import tracemalloc
from pathlib import Path

from tui.backends.canary import CanaryBackend
from tui.backends.canary.parse import parse_incident
from tui.cache import PRELOAD_SLICE, SnapshotCache
from tui.store import IncidentStore, ViewSpec

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from _synthetic import IncidentFactory  # noqa: E402  (incidents shaped like the emulator's and real consoles')

INCIDENTS = 10_000
BOUND_PER_INCIDENT = 2_500  # bytes


def test_an_incident_held_with_three_live_views_costs_at_most_2_5_kb():
    documents = IncidentFactory(seed=12).documents(INCIDENTS)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        store = IncidentStore(CanaryBackend.statuses, CanaryBackend.columns)
        while documents:  # parsed as the sync loop does, a page at a time, the JSON let go
            page, documents[:1_000] = documents[:1_000], []
            store.apply([parse_incident(document) for document in page])
        for spec in (ViewSpec(), ViewSpec(feed="all"), ViewSpec(feed="all", sort="src", descending=False)):
            assert len(store.view(spec).page(0, 50)) == 50
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(store) == INCIDENTS
    assert held / INCIDENTS <= BOUND_PER_INCIDENT, f"{held / INCIDENTS:.0f} bytes an incident"


def test_a_restart_from_the_cache_never_holds_every_row_beside_the_incidents(tmp_path):
    """Rows read back beside the incidents made from them would double a restart's memory at its
    peak, and leave the process larger for good (what is freed among the incidents stays with it)."""
    store = IncidentStore(CanaryBackend.statuses, CanaryBackend.columns)
    cache = SnapshotCache(tmp_path / "cache.sqlite3", CanaryBackend.documents)
    cache.save_changes(store, store.apply(IncidentFactory(seed=12).incidents(INCIDENTS)))
    del store
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        restored, _ = cache.load()
        held, peak = (figure - before for figure in tracemalloc.get_traced_memory())
    finally:
        tracemalloc.stop()
        cache.close()
    assert len(restored) == INCIDENTS
    one_slice = held * PRELOAD_SLICE / INCIDENTS  # what a slice's incidents hold: its rows take less
    assert peak - held <= one_slice, f"{(peak - held) / 1e6:.1f} MB beside {held / 1e6:.1f} MB held"


def test_events_are_read_from_the_document_when_asked_and_match_what_was_sent():
    [incident] = IncidentFactory(seed=3).incidents(1)
    document = incident.raw
    events = document["description"]["events"]
    assert incident.events and len(incident.events) == len(events)
    assert [dict(event.raw) for event in incident.events] == events
    assert incident.raw == document  # decoded afresh, losslessly
