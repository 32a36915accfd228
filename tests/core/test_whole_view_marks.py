"""`*` on a large view (issue 12): the view's keys are kept between two presses and the marks tell
"all of these are marked" without reading every key, and neither outlives a change."""

from __future__ import annotations

from datetime import datetime, timezone

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
    assert list(newest_first.all_keys()) == ["k4", "k3", "k2", "k1", "k0"] == newest_first.keys()
    assert list(oldest_first.all_keys()) == ["k0", "k1", "k2", "k3", "k4"]

    store.apply([incident("k9", created=9)])
    assert newest_first.all_keys()[0] == "k9"
    assert oldest_first.all_keys()[-1] == "k9"
    store.apply([], removed=["k2"])
    assert list(newest_first.all_keys()) == ["k9", "k4", "k3", "k1", "k0"]
    assert list(oldest_first.all_keys()) == ["k0", "k1", "k3", "k4", "k9"]


def test_star_twice_unmarks_and_a_changed_view_or_changed_marks_are_marked_again():
    store = store_of(6)
    view = store.view(ViewSpec(feed="all"))
    marks = Marks()
    assert marks.mark_or_unmark_all(view.all_keys()) is True
    assert marks.keys() == view.all_keys()
    assert marks.mark_or_unmark_all(view.all_keys()) is False
    assert len(marks) == 0

    # Marked, then one unmarked and marked again by hand (the same keys, another order): all marked still.
    marks.mark_or_unmark_all(view.all_keys())
    marks.toggle("k3")
    marks.toggle("k3")
    assert marks.mark_or_unmark_all(view.all_keys()) is False
    assert len(marks) == 0

    # Marked, then one unmarked: * marks it again rather than unmarking the rest.
    marks.mark_or_unmark_all(view.all_keys())
    marks.toggle("k0")
    assert marks.mark_or_unmark_all(view.all_keys()) is True
    assert set(marks) == set(view.all_keys())

    # Marked, then a new incident arrives: * marks it too.
    store.apply([incident("k7", created=70)])
    assert marks.mark_or_unmark_all(view.all_keys()) is True
    assert "k7" in marks and len(marks) == 7


def test_star_on_marks_made_from_equal_keys_that_are_other_strings_still_unmarks():
    marks = Marks()
    marks.mark_or_unmark_all(tuple("".join(("k", str(index))) for index in range(4)))
    assert marks.mark_or_unmark_all(("k0", "k1", "k2", "k3")) is False
    assert len(marks) == 0


def test_star_again_after_star_unmarked_marks_the_view_as_it_is_now():
    store = store_of(5)
    view = store.view(ViewSpec(feed="all"))
    marks = Marks()
    for _ in range(3):  # *, * again, and once more: the whole view each time it marks
        assert marks.mark_or_unmark_all(view.all_keys()) is True
        assert marks.keys() == view.all_keys()
        assert marks.mark_or_unmark_all(view.all_keys()) is False
        assert marks.keys() == ()

    # The view changed between two presses: the new incident is marked, the one deleted is not.
    store.apply([incident("k7", created=7)], removed=["k1"])
    assert marks.mark_or_unmark_all(view.all_keys()) is True
    assert marks.keys() == ("k7", "k4", "k3", "k2", "k0")

    # One marked by hand after * unmarked: * marks the view around it, in the view's order after it.
    marks.mark_or_unmark_all(view.all_keys())
    marks.toggle("k3")
    assert marks.mark_or_unmark_all(view.all_keys()) is True
    assert marks.keys() == ("k3", "k7", "k4", "k2", "k0")
    assert marks.mark_or_unmark_all(view.all_keys()) is False
    assert marks.keys() == ()
