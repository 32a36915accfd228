"""`*` on a large view (issue 12): the view's keys are kept between two presses and the marks tell
"all of these are marked" without reading every key, and neither outlives a change."""

from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest
from canary_builders import canary_incident
from tui.backends.canary import CanaryBackend
from tui.marks import Marks
from tui.model import Incident
from tui.store import IncidentStore, ViewSpec


def incident(key: str, created: int, updated_id: int = 1, **fields) -> Incident:
    return canary_incident(
        key=key, summary="SSH Login Attempt", updated_id=updated_id,
        created=datetime.fromtimestamp(1_700_000_000 + created, timezone.utc), **fields,
    )


def store_of(count: int) -> IncidentStore:
    store = IncidentStore(CanaryBackend.statuses, CanaryBackend.columns)
    store.apply([incident(f"k{index}", created=index) for index in range(count)])
    return store


def test_every_key_of_a_view_follows_each_change_to_the_view():
    store = store_of(5)
    newest_first = store.view(ViewSpec(feed="all"))
    oldest_first = store.view(ViewSpec(feed="all", descending=False))
    assert list(newest_first.whole().keys()) == ["k4", "k3", "k2", "k1", "k0"] == newest_first.keys()
    assert list(oldest_first.whole().keys()) == ["k0", "k1", "k2", "k3", "k4"]

    store.apply([incident("k9", created=9)])
    assert newest_first.whole().keys()[0] == "k9"
    assert oldest_first.whole().keys()[-1] == "k9"
    store.apply([], removed=["k2"])
    assert list(newest_first.whole().keys()) == ["k9", "k4", "k3", "k1", "k0"]
    assert list(oldest_first.whole().keys()) == ["k0", "k1", "k3", "k4", "k9"]


def test_star_twice_unmarks_and_a_changed_view_or_changed_marks_are_marked_again():
    store = store_of(6)
    view = store.view(ViewSpec(feed="all"))
    marks = Marks()
    assert marks.mark_or_unmark_all(view.whole()) is True
    assert marks.keys() == view.whole().keys()
    assert marks.mark_or_unmark_all(view.whole()) is False
    assert len(marks) == 0

    # Marked, then one unmarked and marked again by hand (the same keys, another order): all marked still.
    marks.mark_or_unmark_all(view.whole())
    marks.toggle("k3")
    marks.toggle("k3")
    assert marks.mark_or_unmark_all(view.whole()) is False
    assert len(marks) == 0

    # Marked, then one unmarked: * marks it again rather than unmarking the rest.
    marks.mark_or_unmark_all(view.whole())
    marks.toggle("k0")
    assert marks.mark_or_unmark_all(view.whole()) is True
    assert set(marks) == set(view.whole().keys())

    # Marked, then a new incident arrives: * marks it too.
    store.apply([incident("k7", created=70)])
    assert marks.mark_or_unmark_all(view.whole()) is True
    assert "k7" in marks and len(marks) == 7


def test_star_on_marks_made_from_equal_keys_that_are_other_strings_still_unmarks():
    class Listed:
        """Keys as a plain list gives them: no index to ask."""

        def __init__(self, keys):
            self._keys = tuple(keys)

        def __len__(self):
            return len(self._keys)

        def holds(self, key):
            return None

        def keys(self):
            return self._keys

    marks = Marks()
    marks.mark_or_unmark_all(Listed("".join(("k", str(index))) for index in range(4)))
    assert marks.mark_or_unmark_all(Listed(("k0", "k1", "k2", "k3"))) is False
    assert len(marks) == 0


def test_star_again_after_star_unmarked_marks_the_view_as_it_is_now():
    store = store_of(5)
    view = store.view(ViewSpec(feed="all"))
    marks = Marks()
    for _ in range(3):  # *, * again, and once more: the whole view each time it marks
        assert marks.mark_or_unmark_all(view.whole()) is True
        assert marks.keys() == view.whole().keys()
        assert marks.mark_or_unmark_all(view.whole()) is False
        assert marks.keys() == ()

    # The view changed between two presses: the new incident is marked, the one deleted is not.
    store.apply([incident("k7", created=7)], removed=["k1"])
    assert marks.mark_or_unmark_all(view.whole()) is True
    assert marks.keys() == ("k7", "k4", "k3", "k2", "k0")

    # One marked by hand after * unmarked: * marks the view around it, in the view's order after it.
    marks.mark_or_unmark_all(view.whole())
    marks.toggle("k3")
    assert marks.mark_or_unmark_all(view.whole()) is True
    assert marks.keys() == ("k3", "k7", "k4", "k2", "k0")
    assert marks.mark_or_unmark_all(view.whole()) is False
    assert marks.keys() == ()


def test_star_reads_no_key_of_the_view_until_the_marks_change_by_hand(monkeypatch):
    """Issue 12: `*` on 100,000 incidents must cost what it does on ten.  Marking, asking what is
    marked and how many, and `*` again all answer without reading the view's keys out."""
    from tui.store import WholeView

    store = store_of(50)
    view = store.view(ViewSpec(feed="all"))
    marks = Marks()
    marks.toggle("k3")
    marks.toggle("outside")  # marked elsewhere (another view): it stays through `*` and `*` again
    read_out = []
    real_keys = WholeView.keys
    monkeypatch.setattr(WholeView, "keys", lambda self: read_out.append(self) or real_keys(self))

    assert marks.mark_or_unmark_all(view.whole()) is True
    assert len(marks) == 51
    assert "k0" in marks and "k49" in marks and "outside" in marks and "k50" not in marks
    assert marks.mark_or_unmark_all(view.whole()) is False
    assert len(marks) == 1 and "outside" in marks and "k3" not in marks
    assert marks.mark_or_unmark_all(view.whole()) is True
    assert read_out == []

    # Changed by hand: now they are read out, the view's keys after those marked before `*`.
    marks.toggle("k10")
    assert read_out
    assert marks.keys() == ("outside", *(f"k{index}" for index in range(49, -1, -1) if index != 10))


def test_what_star_marked_stays_what_the_view_was_when_it_changes_after():
    store = store_of(6)
    view = store.view(ViewSpec(feed="all"))
    marks = Marks()
    marks.toggle("k2")
    marks.mark_or_unmark_all(view.whole())

    store.apply([incident("k9", created=9), incident("k4", created=4, updated_id=2, acknowledged=True)])
    assert "k9" not in marks and "k4" in marks and "k0" in marks
    assert len(marks) == 6
    # The view changed: `*` again marks the new incident instead of unmarking.
    assert marks.mark_or_unmark_all(view.whole()) is True
    assert marks.keys() == ("k2", "k5", "k4", "k3", "k1", "k0", "k9")
    assert marks.mark_or_unmark_all(view.whole()) is False
    assert len(marks) == 0


@pytest.mark.parametrize("seed", range(12))
def test_marks_agree_with_a_plain_ordered_set_under_any_mix_of_keys_and_changes(seed):
    """Marks (with `*` read out late) against the simplest model: an ordered set, changed at once."""
    rng = random.Random(seed)
    store = store_of(30)
    views = [store.view(ViewSpec(feed="all")), store.view(ViewSpec(feed="all", descending=False)),
             store.view(ViewSpec(feed="open"))]
    marks, model = Marks(), {}
    created = 30
    for _ in range(120):
        step = rng.randrange(8)
        keys = list(store.keys())
        if step == 0 and keys:
            key = rng.choice(keys)
            marks.toggle(key)
            model.pop(key) if key in model else model.__setitem__(key, None)
        elif step in (1, 2):
            view = rng.choice(views)
            shown = view.keys()
            if shown and all(key in model for key in shown):
                for key in shown:
                    model.pop(key)
                expected = False
            else:
                model.update(dict.fromkeys(shown))
                expected = True
            assert marks.mark_or_unmark_all(view.whole()) is expected
        elif step == 3:
            created += 1
            store.apply([incident(f"k{created}", created=created)])
        elif step == 4 and keys:
            key = rng.choice(keys)
            store.apply([incident(key, created=int(key[1:]), updated_id=rng.randrange(2, 99),
                                  acknowledged=rng.random() < 0.5)])
        elif step == 5 and keys:
            gone = rng.sample(keys, min(len(keys), rng.randrange(1, 4)))
            changes = store.apply([], removed=gone)
            marks.remove(changes.removed)
            for key in changes.removed:
                model.pop(key, None)
        elif step == 6 and rng.random() < 0.2:
            marks.clear()
            model.clear()
        elif step == 7 and keys:
            added = rng.sample(keys, min(len(keys), 3))
            marks.add(added)
            model.update(dict.fromkeys(added))
        assert len(marks) == len(model)
        for key in rng.sample(keys, min(len(keys), 5)):
            assert (key in marks) == (key in model)
        if rng.random() < 0.1:
            assert marks.keys() == tuple(model)
    assert marks.keys() == tuple(model)
