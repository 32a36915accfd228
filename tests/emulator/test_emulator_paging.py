"""The emulator's pages by position in a maintained order: the same pages as sorting and
filtering everything (``paginate``), at the cost of the page alone."""

from __future__ import annotations

import random

import pytest

from tui.emulator.canary.query import Cursor, feed_position, paginate, paginate_ordered, search_position
from tui.screenshots import seeded_console


def _walk(page_of, cursor: Cursor, steps: int) -> list[tuple[list[str], bool, bool, int]]:
    """Pages forward to the end, then back from there: (keys, has next, has prev, page number) each."""
    seen = []
    page = page_of(cursor)
    for _ in range(steps):
        seen.append(([record.key for record in page.records], page.next is not None, page.prev is not None,
                     page.page_number))
        if page.next is None:
            break
        page = page_of(page.next)
    for _ in range(steps):
        if page.prev is None:
            break
        page = page_of(page.prev)
        seen.append(([record.key for record in page.records], page.next is not None, page.prev is not None,
                     page.page_number))
    return seen


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("descending", [False, True])
def test_pages_match_sorting_and_filtering_everything(seed, descending):
    rng = random.Random(seed)
    state = seeded_console(backlog=300, seed=seed)
    for key in rng.sample(state.keys("all"), 40):
        state.acknowledge(key)
    wanted_feed = rng.choice(["all", "unacknowledged", "acknowledged"])

    def matches(record) -> bool:
        return record.in_feed(wanted_feed)

    position_of = search_position if descending else feed_position
    order = state.created_order if descending else state.feed_order
    ordered = sorted((r for r in state.records() if matches(r)), key=position_of, reverse=descending)
    cursor = Cursor("search" if descending else "all", {}, limit=rng.choice([1, 7, 50, 1000]))

    expected = _walk(lambda c: paginate(ordered, position_of, descending=descending, cursor=c), cursor, 400)
    actual = _walk(lambda c: paginate_ordered(order, state.record, matches, descending=descending, cursor=c),
                   cursor, 400)
    assert actual == expected


def test_a_page_reads_its_own_records_and_one_more_not_the_console():
    state = seeded_console(backlog=3_000)
    read = []

    def record_of(key):
        read.append(key)
        return state.record(key)

    middle = state.feed_order[1_500]
    cursor = Cursor("all", {}, limit=100, position=middle, page_number=16)
    page = paginate_ordered(state.feed_order, record_of, lambda record: True, descending=False, cursor=cursor)
    assert len(page.records) == 100 and page.next is not None and page.prev is not None
    assert len(read) <= 102  # the page, one after it, one before it


def test_a_delta_poll_starts_at_its_watermark():
    state = seeded_console(backlog=3_000)
    watermark = state.max_updated_id - 5
    read = []

    def record_of(key):
        read.append(key)
        return state.record(key)

    page = paginate_ordered(state.feed_order, record_of, lambda record: record.updated_id > watermark,
                            descending=False, cursor=Cursor("all", {}, limit=500), first=(watermark + 1, ""))
    assert [record.updated_id for record in page.records] == list(range(watermark + 1, state.max_updated_id + 1))
    assert len(read) == 5
