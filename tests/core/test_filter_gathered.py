"""Filtering a view from its gathered text (issue 12): the ``/`` line gathers the view's searchable
text once and cuts each query's view from it (and a narrower query's from the last one's) in C loops.
Every view so cut must be exactly the one filtered incident by incident, through the store's changes
made in between (new, changed, acknowledged and removed incidents)."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from _synthetic import IncidentFactory  # noqa: E402

from tui.backends.canary import CanaryBackend  # noqa: E402
from tui.filtering import Matcher, parse_filter  # noqa: E402
from tui.model import Incident  # noqa: E402
from tui.store import IncidentStore, PendingView, ViewSpec  # noqa: E402

CANARY = CanaryBackend(client=None)
QUERIES = ("r", "ro", "root", "wp-login", "!admin", "type:ssh !ack:yes", "port:22 admin", "!admin node:web", "src:10. r")


def spec_for(query: str, within: str = "", feed: str = "open") -> ViewSpec:
    matches = parse_filter(query, CANARY)
    return ViewSpec(feed, filter=matches.matches, filter_id=matches.filter_id, within=within)


def one_by_one(store: IncidentStore, query: str, feed: str = "open") -> list[str]:
    """The view's keys as a store that never gathered builds them: every incident tested alone."""
    fresh = IncidentStore(CanaryBackend.statuses, CanaryBackend.columns)
    fresh.apply(store.snapshot())
    return fresh.view(spec_for(query, feed=feed)).keys()


@pytest.fixture(scope="module")
def made() -> tuple[IncidentFactory, list[Incident]]:
    """1,500 incidents, made once for the module (a second each time): incidents never change, and
    each test gets a copy of the factory as it stood after making them."""
    factory = IncidentFactory(seed=12)
    return factory, factory.incidents(1500)


@pytest.fixture
def factory(made) -> IncidentFactory:
    return copy.deepcopy(made[0])


@pytest.fixture
def gathered_store(made) -> IncidentStore:
    store = IncidentStore(CanaryBackend.statuses, CanaryBackend.columns)
    store.apply(made[1])
    unfiltered = ViewSpec("open")
    store.view(unfiltered)
    pending = store.begin_gathering(unfiltered, Matcher((), CANARY))
    assert pending is not None and pending.build()
    store.adopt(pending)
    assert store.begin_gathering(unfiltered, Matcher((), CANARY)) is None  # gathered once
    return store


def changed(store: IncidentStore, factory: IncidentFactory, *, few: bool = False) -> None:
    """A poll's changes; ``few`` are fewer than a gathering replays (more, and it is gathered again)."""
    existing = list(store.snapshot())
    new, revised, removed = (4, 3, 2) if few else (30, 20, 15)
    store.apply(factory.delta(existing, new=new, changed=revised, acked=revised),
                removed=[incident.key for incident in existing[:removed]])


@pytest.mark.parametrize("few", [True, False], ids=["replayed on the cut", "gathered again"])
@pytest.mark.parametrize("query", QUERIES)
def test_a_view_cut_from_the_gathered_text_is_the_one_filtered_incident_by_incident(gathered_store, factory, query, few):
    changed(gathered_store, factory, few=few)  # after gathering
    spec = spec_for(query)
    cut_from_gathering = gathered_store.view_cost(spec) < len(gathered_store.view(ViewSpec("open")))
    assert cut_from_gathering == few
    keys = gathered_store.view(spec).keys()
    assert keys == one_by_one(gathered_store, query)
    assert 0 < len(keys) < len(gathered_store) or query.startswith("wp-")


@pytest.mark.parametrize("query", QUERIES)
def test_a_view_cut_on_a_thread_is_the_one_filtered_incident_by_incident(gathered_store, factory, query):
    pending = gathered_store.begin_view(spec_for(query))
    changed(gathered_store, factory)  # while it was being cut
    assert pending.build()
    gathered_store.adopt(pending)
    changed(gathered_store, factory)  # after: the live view follows
    assert gathered_store.view(spec_for(query)).keys() == one_by_one(gathered_store, query)


@pytest.mark.parametrize("query", QUERIES)
def test_a_cut_made_in_chunks_is_the_cut_made_at_once(gathered_store, query, monkeypatch):
    # Field tests find their incidents by position: in a chunk, the chunk's own.
    monkeypatch.setattr(PendingView, "CUT_CHUNK", 7)
    pending = gathered_store.begin_view(spec_for(query))
    assert pending.build()
    gathered_store.adopt(pending)
    assert gathered_store.view(spec_for(query)).keys() == one_by_one(gathered_store, query)


def test_a_newer_query_stops_a_cut_between_chunks(gathered_store, monkeypatch):
    monkeypatch.setattr(PendingView, "CUT_CHUNK", 100)
    matches = parse_filter("root", CANARY).matches
    chunks_searched = 0

    class DroppedAfterOneChunk:
        """The filter of a query the analyst typed past while its first chunk was searched."""

        def __call__(self, incident):
            return matches(incident)

        def gather(self, incidents):
            return matches.gather(incidents)

        def select(self, incidents, texts):
            nonlocal chunks_searched
            chunks_searched += 1
            gathered_store.abandon(pending)
            return matches.select(incidents, texts)

    spec = ViewSpec("open", filter=DroppedAfterOneChunk(), filter_id="root")
    pending = gathered_store.begin_view(spec)
    assert 3 * gathered_store.view_cost(spec) > 2 * PendingView.CUT_CHUNK  # more than two chunks to search
    assert pending.build() is False
    assert chunks_searched == 1
    gathered_store.adopt(pending)
    assert not gathered_store.is_live(spec)


def test_typing_on_cuts_each_query_from_the_last_and_backing_up_finds_the_earlier_views(gathered_store, factory):
    typed = ["r", "ro", "roo", "root"]
    previous = ""
    for number, query in enumerate(typed):
        spec = spec_for(query, within=previous)
        cost = gathered_store.view_cost(spec)
        assert gathered_store.view(spec).keys() == one_by_one(gathered_store, query), query
        if number:  # cheaper than testing each incident of the last query's view
            assert cost < len(gathered_store.view(spec_for(previous)))
        previous = spec.filter_id
    changed(gathered_store, factory)
    for query in reversed(typed[:-1]):  # backspace: the earlier queries' views are still live
        assert gathered_store.view_cost(spec_for(query)) == 0
        assert gathered_store.view(spec_for(query)).keys() == one_by_one(gathered_store, query)


@pytest.mark.parametrize("query", QUERIES)
def test_a_filter_judges_many_incidents_as_it_judges_each(factory, query):
    incidents = factory.incidents(600)
    matches = parse_filter(query, CANARY).matches
    assert list(matches.select(incidents, matches.gather(incidents))) == [matches(incident) for incident in incidents]
