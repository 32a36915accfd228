"""IncidentStore: change sets, stale states, optimistic status changes, live views (over Canary's
statuses and columns)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from canary_builders import canary_incident
from tui import store as store_module
from tui.backends.base import NEUTRAL_SORTS
from tui.backends.canary import CanaryBackend
from tui.backends.canary.parse import ACKNOWLEDGED, UNACKNOWLEDGED, canary_fields
from tui.model import Incident
from tui.store import (
    ChangeSet,
    IncidentStore,
    Keep,
    SortedEntries,
    ViewSpec,
)


def incident(key: str, updated_id: int = 1, created: int = 1_700_000_000, **fields) -> Incident:
    return canary_incident(
        key=key,
        summary=fields.pop("summary", "SSH Login Attempt"),
        updated_id=updated_id,
        created=datetime.fromtimestamp(created, timezone.utc),
        **fields,
    )


def canary_store(**options) -> IncidentStore:
    return IncidentStore(CanaryBackend.statuses, CanaryBackend.columns, **options)


def store_with(*incidents: Incident, **options) -> IncidentStore:
    store = canary_store(**options)
    store.apply(incidents)
    return store


SORT_COLUMNS = canary_store().sorts


# -- apply, reconcile ---------------------------------------------------------


def test_apply_adds_and_reports_added_keys():
    store = canary_store()
    changes = store.apply([incident("a", 5), incident("b", 9, acknowledged=True)])
    assert changes == ChangeSet(added=frozenset({"a", "b"}))
    assert changes
    assert len(store) == 2 and "a" in store and "zz" not in store
    assert store.get("b").version == 9
    assert store.counts() == (1, 2)
    assert store.max_version == 9


def test_equal_incident_is_not_a_change():
    store = store_with(incident("a", 5))
    changes = store.apply([incident("a", 5)])
    assert changes == ChangeSet()
    assert not changes


def test_newer_state_is_a_change():
    store = store_with(incident("a", 5))
    changes = store.apply([incident("a", 6, events_count=2)])
    assert changes == ChangeSet(changed=frozenset({"a"}))
    assert store.get("a").events_count == 2
    assert store.max_version == 6


def test_stale_state_never_undoes_a_newer_one():
    store = store_with(incident("a", 7, acknowledged=True))
    changes = store.apply([incident("a", 6, acknowledged=False)])
    assert not changes
    assert store.get("a").status == ACKNOWLEDGED
    assert store.get("a").version == 7
    assert store.counts() == (0, 1)


def test_same_updated_id_with_other_content_is_taken():
    # e.g. a fetch with every event after a feed page cut by event_limit
    store = store_with(incident("a", 7, events_count=1))
    changes = store.apply([incident("a", 7, events_count=40)])
    assert changes.changed == {"a"}
    assert store.get("a").events_count == 40


def test_remove_reports_only_known_keys():
    store = store_with(incident("a"), incident("b"))
    changes = store.apply((), removed=["a", "never-seen"])
    assert changes == ChangeSet(removed=frozenset({"a"}))
    assert "a" not in store and len(store) == 1


def test_one_key_twice_in_one_batch_is_judged_from_first_to_last_state():
    store = store_with(incident("known", 1))
    changes = store.apply(
        [incident("new", 1), incident("new", 2), incident("gone", 1), incident("known", 2)],
        removed=["gone"],
    )
    assert changes == ChangeSet(added=frozenset({"new"}), changed=frozenset({"known"}))
    assert store.get("new").version == 2
    assert "gone" not in store


def test_watermark_only_rises():
    store = store_with(incident("a", 10))
    store.apply((), watermark=50)
    assert store.max_version == 50
    store.apply([incident("b", 20)], watermark=30)
    assert store.max_version == 50


def test_change_sets_carry_the_watermarks_they_span():
    store = store_with(incident("a", 4))
    assert store.apply([incident("b", 9), incident("c", 7)]).watermarks == (4, 9)
    assert store.set_status(["b"], ACKNOWLEDGED).watermarks == (9, 9)
    assert store.apply((), removed=["a"]).watermarks == (9, 9)


def test_reconcile_removes_what_the_console_no_longer_has():
    store = store_with(incident("a"), incident("b"), incident("c"))
    changes = store.reconcile({"a", "c", "only-on-console"})
    assert changes == ChangeSet(removed=frozenset({"b"}))
    assert sorted(store.keys()) == ["a", "c"]


def test_reconcile_keeps_incidents_updated_after_the_listing_began():
    store = store_with(incident("old", 3), incident("moved", 3))
    listing_began_at = store.max_version
    store.apply([incident("moved", 8), incident("new", 9)])
    changes = store.reconcile({"unrelated"}, as_of=listing_began_at)
    assert changes.removed == {"old"}
    assert sorted(store.keys()) == ["moved", "new"]


# -- optimistic status changes and rollback ---------------------------------


def test_set_status_changes_only_what_differs():
    store = store_with(incident("a"), incident("b", acknowledged=True))
    changes = store.set_status(["a", "b", "unknown"], ACKNOWLEDGED)
    assert changes == ChangeSet(changed=frozenset({"a"}))
    assert store.get("a").status == ACKNOWLEDGED
    assert store.get("a").version == 1
    assert store.counts() == (0, 2)


def test_optimistic_ack_survives_a_page_fetched_before_the_ack():
    store = store_with(incident("a", 4))
    store.set_status(["a"], ACKNOWLEDGED)
    # A full page that left the console before the ack reached it: same updated_id.
    assert not store.apply([incident("a", 4, acknowledged=False)])
    assert store.get("a").status == ACKNOWLEDGED


def test_console_confirmation_replaces_the_optimistic_state():
    store = store_with(incident("a", 4))
    store.set_status(["a"], ACKNOWLEDGED)
    confirmed = incident("a", 5, acknowledged=True, memo="acked by console")
    assert store.apply([confirmed]).changed == {"a"}
    assert store.get("a") is confirmed
    # No longer pending: a same-updated_id state is accepted again.
    assert store.apply([incident("a", 5, acknowledged=True)]).changed == {"a"}


def test_an_edit_shown_before_the_console_confirms_survives_a_listing_read_before_it_landed():
    store = store_with(incident("a", 4, summary="Port scan"), incident("b", 4))
    previous = store.incidents(["a"])
    store.show_pending([replace(store.get("a"), title="Renamed by the analyst")])
    assert not store.apply([incident("a", 4, summary="Port scan")])  # listed before the edit landed
    assert store.get("a").title == "Renamed by the analyst"
    assert store.apply([incident("a", 5, summary="Renamed by the analyst")]).changed == {"a"}  # the console has it
    store.restore(previous)  # a rollback to a copy older than what the console has since said: ignored
    assert store.get("a").title == "Renamed by the analyst"


def test_restore_rolls_back_a_failed_acknowledge():
    store = store_with(incident("a", 4), incident("b", 4))
    previous = store.incidents(["a", "b"])
    store.set_status(["a", "b"], ACKNOWLEDGED)
    changes = store.restore(previous)
    assert changes == ChangeSet(changed=frozenset({"a", "b"}))
    assert store.get("a") is previous[0]
    assert store.counts() == (2, 2)
    # Restored means settled: the console's state at that updated_id applies again.
    assert store.apply([incident("a", 4, memo="x")]).changed == {"a"}


def test_restore_leaves_newer_console_states_and_removals_alone():
    store = store_with(incident("a", 4), incident("b", 4), incident("c", 4))
    previous = store.incidents(["a", "b", "c"])
    store.set_status(["a", "b", "c"], ACKNOWLEDGED)
    store.apply([incident("b", 9, acknowledged=True)], removed=["c"])
    changes = store.restore(previous)
    assert changes == ChangeSet(changed=frozenset({"a"}))
    assert store.get("a").status == UNACKNOWLEDGED
    assert store.get("b").version == 9 and store.get("b").status == ACKNOWLEDGED
    assert "c" not in store


# -- sorting ------------------------------------------------------------------


def keys_of(store: IncidentStore, **spec) -> list[str]:
    view = store.view(ViewSpec(feed="all", **spec))
    return view.keys()


def test_default_view_is_unacknowledged_newest_first():
    store = store_with(
        incident("old", created=100), incident("new", created=300),
        incident("acked", created=200, acknowledged=True),
    )
    assert store.view(ViewSpec()).keys() == ["new", "old"]


@pytest.mark.parametrize(
    ("column", "ascending"),
    [
        ("created", ["t1", "t2", "t3"]),
        ("updated", ["t2", "t3", "t1"]),
        ("type", ["t3", "t1", "t2"]),  # FTP Login Attempt < HTTP Page Load < SSH Login Attempt
        ("node", ["t2", "t3", "t1"]),  # alpha < Beta (case-insensitive) < gamma
        ("port", ["t3", "t1", "t2"]),  # 21 < 80 < no port
        ("events", ["t2", "t1", "t3"]),
        ("state", ["t1", "t3", "t2"]),  # unacknowledged (oldest first), then acknowledged
        ("src", ["t2", "t3", "t1"]),
    ],
)
def test_each_sort_column(column, ascending):
    def at(seconds: int) -> datetime:
        return datetime.fromtimestamp(seconds, timezone.utc)

    store = store_with(
        incident("t1", 3, created=100, updated=at(900), logtype=3000, node_name="gamma",
                 dst_port=80, events_count=5, src_host="host.example"),
        incident("t2", 1, created=200, updated=at(500), logtype=4002, node_name="alpha",
                 dst_port=None, events_count=1, acknowledged=True, src_host="10.0.0.2"),
        incident("t3", 2, created=300, updated=at(700), logtype=2000, node_name="Beta",
                 dst_port=21, events_count=9, src_host="2001:db8::1"),
    )
    assert keys_of(store, sort=column, descending=False) == ascending
    assert keys_of(store, sort=column, descending=True) == ascending[::-1]


def test_every_sort_column_is_tested_and_known_to_the_store():
    assert set(SORT_COLUMNS) == set(NEUTRAL_SORTS) | {column.id for column in CanaryBackend.columns if column.sortable}
    assert set(SORT_COLUMNS) == {"created", "updated", "type", "src", "node", "port", "events", "state"}


def test_source_addresses_sort_numerically_v4_then_v6_then_names_then_nothing():
    sources = ["scanner.example", "", "10.0.0.10", "2001:db8::2", "9.255.0.1", "10.0.0.9",
               "::1", "Alpha-host", "192.168.1.1"]
    store = store_with(*(incident(f"k{n}", src_host=src) for n, src in enumerate(sources)))
    ordered = [store.get(key).source for key in keys_of(store, sort="src", descending=False)]
    assert ordered == ["9.255.0.1", "10.0.0.9", "10.0.0.10", "192.168.1.1",
                       "::1", "2001:db8::2", "Alpha-host", "scanner.example", ""]


def test_ties_fall_back_to_creation_then_key_in_both_directions():
    store = store_with(
        incident("b", created=100, dst_port=22), incident("a", created=100, dst_port=22),
        incident("c", created=50, dst_port=22), incident("d", created=100, dst_port=21),
    )
    assert keys_of(store, sort="port", descending=False) == ["d", "c", "a", "b"]
    assert keys_of(store, sort="port", descending=True) == ["b", "a", "c", "d"]


# -- views --------------------------------------------------------------------


def test_feed_views_follow_acknowledge_changes():
    store = store_with(incident("a", created=1), incident("b", created=2), incident("c", created=3))
    unacknowledged = store.view(ViewSpec(feed="open"))
    acknowledged = store.view(ViewSpec(feed="closed"))
    store.set_status(["b"], ACKNOWLEDGED)
    assert unacknowledged.keys() == ["c", "a"]
    assert acknowledged.keys() == ["b"]
    store.apply([incident("b", 2, created=2, acknowledged=False)])
    assert unacknowledged.keys() == ["c", "b", "a"]
    assert len(acknowledged) == 0


def test_paging_clamps_and_counts():
    store = store_with(*(incident(f"k{n:02}", created=n) for n in range(23)))
    view = store.view(ViewSpec(feed="all", descending=False))
    assert view.page_count(10) == 3
    assert [i.key for i in view.page(0, 10)] == [f"k{n:02}" for n in range(10)]
    assert [i.key for i in view.page(2, 10)] == ["k20", "k21", "k22"]
    assert [i.key for i in view.page(99, 10)] == ["k20", "k21", "k22"]
    assert [i.key for i in view.page(-3, 10)] == [f"k{n:02}" for n in range(10)]
    assert view.keys(21, 99) == ["k21", "k22"]
    assert view.keys(-5, 2) == ["k00", "k01"]
    assert view.keys(5, 3) == []
    with pytest.raises(ValueError):
        view.page(0, 0)


def test_empty_view_has_one_empty_page():
    view = canary_store().view(ViewSpec())
    assert (len(view), view.page_count(50), view.page(3, 50)) == (0, 1, [])


def test_index_of_in_both_directions_and_outside_the_view():
    store = store_with(*(incident(f"k{n}", created=n) for n in range(5)),
                       incident("acked", created=9, acknowledged=True))
    newest_first = store.view(ViewSpec())
    oldest_first = store.view(ViewSpec(descending=False))
    assert newest_first.index_of("k4") == 0 and newest_first.index_of("k0") == 4
    assert oldest_first.index_of("k4") == 4 and oldest_first.index_of("k1") == 1
    assert newest_first.index_of("acked") is None
    assert newest_first.index_of("unknown") is None


def test_filter_is_evaluated_only_for_changed_incidents():
    calls: list[str] = []

    def on_port_22(candidate: Incident) -> bool:
        calls.append(candidate.key)
        return canary_fields(candidate).dst_port == 22

    store = store_with(*(incident(f"k{n}", dst_port=22 if n % 2 else 80) for n in range(100)))
    view = store.view(ViewSpec(feed="all", filter=on_port_22, filter_id="port:22"))
    assert len(view) == 50 and len(calls) == 100
    calls.clear()
    store.apply([incident("k2", 2, dst_port=22), incident("new", dst_port=22)])
    assert sorted(calls) == ["k2", "new"]
    assert len(view) == 52


def test_views_are_kept_in_a_small_lru_and_rebuilt_when_needed():
    store = store_with(incident("a", created=1), incident("b", created=2), max_live_views=2)
    by_created = store.view(ViewSpec(feed="all"))
    store.view(ViewSpec(feed="all", sort="src"))
    store.view(ViewSpec(feed="all", sort="node"))  # evicts by_created's index
    store.apply([incident("c", created=3)])
    assert by_created.keys() == ["c", "b", "a"]
    assert len(store._views) == 2


def test_both_directions_share_one_live_index():
    store = store_with(incident("a"))
    store.view(ViewSpec(feed="all", descending=True))
    store.view(ViewSpec(feed="all", descending=False))
    assert len(store._views) == 1


@pytest.mark.parametrize(
    "arguments",
    [
        {"feed": "archived"},
        {"sort": "colour"},
        {"filter": lambda i: True},
        {"filter_id": "orphan"},
    ],
)
def test_view_spec_rejects_nonsense(arguments):
    with pytest.raises(ValueError):
        canary_store().view(ViewSpec(**arguments))  # a sort is known to the store, not the spec


def test_view_specs_with_the_same_filter_id_are_equal():
    assert ViewSpec(filter=lambda i: True, filter_id="x") == ViewSpec(filter=lambda i: 1, filter_id="x")


# -- random deltas against a brute-force recomputation ------------------------

_SOURCES = ["10.0.0.1", "10.0.0.2", "9.9.9.9", "2001:db8::1", "scanner", ""]
_NODES = ["web-01", "sql", "Jumpbox", "N/A"]


def _random_incident(rng: random.Random, key: str, updated_id: int) -> Incident:
    return incident(
        key, updated_id,
        created=rng.randrange(1000),  # few distinct times, so ties are common
        acknowledged=rng.random() < 0.3,
        logtype=rng.choice([2000, 4002, 3001, None]),
        src_host=rng.choice(_SOURCES),
        node_name=rng.choice(_NODES),
        dst_port=rng.choice([22, 80, None]),
        events_count=rng.randrange(4),
    )


def _brute_force(store: IncidentStore, spec: ViewSpec) -> list[str]:
    entry_for = store._entry_for[spec.sort]
    feed_admits = {"open": lambda i: i.status == UNACKNOWLEDGED, "closed": lambda i: i.status == ACKNOWLEDGED}.get(
        spec.feed, lambda i: True
    )
    chosen = [i for i in (store.get(k) for k in store.keys())
              if feed_admits(i) and (spec.filter is None or spec.filter(i))]
    return [i.key for i in sorted(chosen, key=entry_for, reverse=spec.descending)]


def _random_spec(rng: random.Random) -> ViewSpec:
    filters = [
        (None, ""),
        (lambda i: canary_fields(i).dst_port == 22, "port:22"),
        (lambda i: i.source.startswith("10."), "src:10."),
    ]
    predicate, filter_id = rng.choice(filters)
    return ViewSpec(
        feed=rng.choice(["open", "closed", "all"]),
        sort=rng.choice(SORT_COLUMNS),
        descending=rng.random() < 0.5,
        filter=predicate,
        filter_id=filter_id,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_live_views_match_brute_force_after_random_deltas(seed, monkeypatch):
    # Tiny blocks, so splits and merges of the sorted blocks happen all the time.
    monkeypatch.setattr(store_module, "BLOCK_SIZE", 8)
    rng = random.Random(seed)
    store = canary_store(max_live_views=5)
    next_updated_id = 1
    keys = [f"incident:{n}" for n in range(120)]
    for step in range(300):
        batch = []
        for key in rng.sample(keys, rng.randrange(1, 12)):
            current = store.get(key)
            # Mostly newer states; sometimes a stale or an equal one.
            updated_id = next_updated_id if current is None or rng.random() < 0.8 else current.version - rng.randrange(2)
            batch.append(_random_incident(rng, key, updated_id))
            next_updated_id += 1
        removed = rng.sample(keys, rng.randrange(3)) if rng.random() < 0.3 else []
        store.apply(batch, removed=removed)
        if rng.random() < 0.2:
            store.set_status(rng.sample(keys, 5), ACKNOWLEDGED if rng.random() < 0.5 else UNACKNOWLEDGED)
        for spec in (_random_spec(rng), _random_spec(rng)):
            view = store.view(spec)
            expected = _brute_force(store, spec)
            assert view.keys() == expected, (step, spec)
            assert len(view) == len(expected)
            if expected:
                probe = rng.randrange(len(expected))
                assert view.index_of(expected[probe]) == probe
                size = rng.randrange(1, 9)
                page = rng.randrange(view.page_count(size))
                assert [i.key for i in view.page(page, size)] == expected[page * size : (page + 1) * size]
    unacknowledged = sum(store.get(k).status != ACKNOWLEDGED for k in store.keys())
    assert store.counts() == (unacknowledged, len(store))


def test_sorted_entries_match_a_sorted_list(monkeypatch):
    monkeypatch.setattr(store_module, "BLOCK_SIZE", 8)
    rng = random.Random(7)
    reference = sorted({(rng.randrange(50), str(n)) for n in range(40)})
    entries = SortedEntries(list(reference))
    for _ in range(2000):
        entry = (rng.randrange(50), str(rng.randrange(80)))
        if rng.random() < 0.5 and entry not in reference:
            entries.add(entry)
            reference.append(entry)
            reference.sort()
        else:
            entries.discard(entry)
            if entry in reference:
                reference.remove(entry)
        assert len(entries) == len(reference)
        start = rng.randrange(len(reference) + 1)
        stop = rng.randrange(start, len(reference) + 1)
        assert entries.slice(start, stop) == reference[start:stop]
        assert entries.index(entry) == (reference.index(entry) if entry in reference else None)
        # Blocks stay bounded both ways: no block too long to insert into cheaply,
        # and no crowd of tiny blocks (split on growth, folded on shrinkage).
        sizes = [len(block) for block in entries._blocks]
        assert max(sizes, default=0) <= 2 * 8
        assert len(sizes) <= len(reference) // 2 + 1
    assert list(entries) == reference


def test_an_optimistic_change_is_a_plain_replacement():
    original = incident("a", 3, memo="keep me")
    store = store_with(original)
    store.set_status(["a"], ACKNOWLEDGED)
    assert store.get("a") == replace(original, status="acknowledged")


def test_shrinking_entries_fold_small_blocks_together(monkeypatch):
    monkeypatch.setattr(store_module, "BLOCK_SIZE", 8)
    rng = random.Random(11)
    reference = [(n, str(n)) for n in range(400)]
    entries = SortedEntries(list(reference))
    for entry in rng.sample(reference, 380):
        entries.discard(entry)
        reference.remove(entry)
        assert len(entries._blocks) <= len(reference) // 2 + 1
    assert list(entries) == reference


# -- keep: how much of the console the store holds ------------------------------------------


def test_keep_by_count_holds_the_newest_and_lets_the_oldest_go():
    store = canary_store(keep=Keep(count=3))
    first = store.apply([incident(f"k{n}", n, created=1_700_000_000 + n) for n in range(5)])
    assert set(store.keys()) == {"k2", "k3", "k4"} and first.added == {"k2", "k3", "k4"}
    # An older incident that changes is still not held; a newer one pushes the oldest out.
    older = store.apply([incident("k0", 9, created=1_700_000_000)])
    assert not older and "k0" not in store
    newer = store.apply([incident("k9", 10, created=1_700_000_009)])
    assert newer.added == {"k9"} and newer.removed == {"k2"}
    assert store.view(ViewSpec()).keys() == ["k9", "k4", "k3"]
    assert store.counts() == (3, 3)


def test_keep_by_age_lets_go_of_what_grows_old_while_roost_runs():
    now = [datetime(2026, 11, 30, 12, tzinfo=timezone.utc)]
    store = canary_store(keep=Keep(age=timedelta(days=1)), clock=lambda: now[0])
    day = 86_400
    base = int(now[0].timestamp())
    store.apply([incident("old", 1, created=base - 2 * day), incident("recent", 2, created=base - day // 2),
                 incident("fresh", 3, created=base)])
    assert set(store.keys()) == {"recent", "fresh"}
    now[0] += timedelta(hours=13)
    assert store.apply(()).removed == {"recent"}  # a poll with nothing new still ages the store
    assert set(store.keys()) == {"fresh"}


def test_no_keep_holds_everything():
    store = canary_store()
    store.apply([incident(f"k{n}", n, created=n) for n in range(50)])
    assert len(store) == 50
