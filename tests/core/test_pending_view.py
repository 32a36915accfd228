"""A view built away from the UI thread (``IncidentStore.begin_view``, for the ``/`` line) ends up
exactly as the view built at once would be, whatever the store went through while it was built."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest

from canary_builders import canary_incident
from tui.backends.canary import CanaryBackend
from tui.filtering import parse_filter
from tui.model import Incident
from tui.store import IncidentStore, PendingView, ViewSpec

BACKEND = CanaryBackend(client=None)


def incident(number: int, *, version: int = 1, username: str = "guest", acknowledged: bool = False) -> Incident:
    return canary_incident(
        key=f"incident:{number:04d}",
        summary=f"SSH login as {username}",
        updated_id=version,
        created=datetime.fromtimestamp(1_700_000_000 + number * 60, timezone.utc),
        acknowledged=acknowledged,
    )


def filtered(query: str, feed: str = "open", within: str = "") -> ViewSpec:
    matches = parse_filter(query, BACKEND)
    return ViewSpec(feed, "created", filter=matches.matches, filter_id=matches.filter_id, within=within)


def store_of(count: int) -> IncidentStore:
    store = IncidentStore(CanaryBackend.statuses, CanaryBackend.columns)
    store.apply(incident(number, username="root" if number % 3 == 0 else "guest", acknowledged=number % 7 == 0)
                for number in range(count))
    return store


def keys_built_at_once(store: IncidentStore, spec: ViewSpec) -> list[str]:
    """The same incidents in a fresh store, its view built the usual way."""
    fresh = IncidentStore(CanaryBackend.statuses, CanaryBackend.columns)
    fresh.apply(store.snapshot())
    return fresh.view(spec).keys()


def changes_while_building(store: IncidentStore) -> None:
    store.apply([
        incident(1000, username="root"),  # new, and let through
        incident(1001),  # new, left out
        incident(3, version=2),  # was let through, no longer
        incident(4, version=2, username="root"),  # was left out, now let through
        incident(6, version=2, username="root", acknowledged=True),  # leaves the open feed
    ], removed=["incident:0009"])


@pytest.mark.parametrize(("query", "feed", "within"), [
    ("root", "open", ""),  # from every incident
    ("root", "all", ""),  # the open feed's unfiltered view is no base for "all"
    ("roo", "open", "ro"),  # narrowing a live filtered view
])
def test_a_view_built_on_a_thread_while_the_store_changes_is_the_view_built_at_once(query, feed, within):
    store = store_of(200)
    store.view(ViewSpec("open"))
    if within:
        store.view(filtered(within, feed))
    spec = filtered(query, feed, within)
    pending = store.begin_view(spec)
    assert not store.is_live(spec)
    changes_while_building(store)
    thread = threading.Thread(target=pending.build)
    thread.start()
    thread.join()
    changes_while_building(store)  # again, after the build: the same states, nothing changes
    store.apply([incident(5, version=3, username="root")])
    store.adopt(pending)
    assert store.is_live(spec)
    assert store.view(spec).keys() == keys_built_at_once(store, spec)
    store.apply([incident(8, version=3, username="root"), incident(1002, username="root")])  # and it stays live
    assert store.view(spec).keys() == keys_built_at_once(store, spec)


def test_an_abandoned_build_stops_and_is_never_made_live():
    store = store_of(3 * PendingView.CHUNK)
    spec = filtered("root")
    pending = store.begin_view(spec)
    store.abandon(pending)
    assert pending.build() is False
    store.adopt(pending)
    assert not store.is_live(spec)
