"""Landing and moving: where the cursor lands (first load, filter, view, sort), g/G and the page
keys across pages, w/W, and the one "new" number the bars agree on."""

from __future__ import annotations

import re

from textual import events

from tui.emulator.canary.state import ConsoleState
from tui.emulator.faults import FaultPlan
from tui.screenshots import seeded_console

from .conftest import NOW, build_app, screen_text, settle, wait_for

# Each page of the feed answers a little late, so the screen is up while the load's batches land
# (in-process the whole load would otherwise finish before the first frame).
SLOW_FEED = FaultPlan(rates={"slow": 1.0}, slow_seconds=(0.05, 0.05), paths=("/api/v1/incidents/all",))
#: The first table row's line on screen: under the top bar and the header.
FIRST_ROW_LINE = 2


def lines(app) -> list[str]:
    return screen_text(app).splitlines()


def info_line(app) -> str:
    return lines(app)[-2]


def highlighted(app) -> str | None:
    return app.main_screen.table.cursor_key


def newest_unacknowledged(console: ConsoleState) -> str:
    return next(key for _, key in reversed(console.created_order) if not console.is_acknowledged(key))


def shows_row(app, key: str, line: int) -> bool:
    """Whether screen line ``line`` draws the incident ``key`` (its creation minute and source)."""
    incident = app.store.get(key)
    text = lines(app)[line]
    return incident.created.strftime("%m-%d %H:%M") in text and incident.source in text


def view_keys(app) -> list[str]:
    return app.main_screen.current_view().keys()


def add_ssh_incidents(console: ConsoleState, count: int, *, first: int = 0) -> list[str]:
    """``count`` new SSH incidents on the console, each newer than the last (and than the backlog)."""
    node = next(iter(console.devices))
    return [
        console.add_incident(logtype=4002, node_id=node, created=NOW + 60 + number, src_host=f"198.51.100.{number}",
                             dst_port=22, events=[{"USERNAME": "root", "timestamp": NOW + 60 + number}])
        for number in range(first, first + count)
    ]


async def poll(pilot, expected_total: int) -> None:
    app = pilot.app
    await pilot.press("r")
    await wait_for(pilot, lambda: len(app.store) == expected_total, "the poll")
    await pilot.pause()


async def paste(pilot, text: str) -> None:
    """Paste ``text`` into the focused widget, as a terminal's bracketed paste delivers it (one event)."""
    pilot.app.screen.focused.post_message(events.Paste(text))
    await pilot.pause()


# ------------------------------------------------------------------ landing


async def test_a_feed_larger_than_one_api_page_opens_on_page_one_at_the_newest_incident(tmp_path):
    console = seeded_console(backlog=2000)
    app = build_app(console, tmp_path / "quiet", faults=SLOW_FEED)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        newest = newest_unacknowledged(console)
        assert highlighted(app) == newest
        assert info_line(app).lstrip().startswith("page 1/")
        assert shows_row(app, newest, FIRST_ROW_LINE)  # the first row on screen, highlighted

    # An analyst who moves while the load runs keeps the incident they moved to.
    app = build_app(console, tmp_path / "moving", faults=SLOW_FEED)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: len(app.store) >= 500 and app.main_screen.table.row_keys, "the first batch")
        await pilot.press("j")
        chosen = highlighted(app)
        await settle(pilot)
        assert len(app.store) == 2000
        assert highlighted(app) == chosen


async def test_a_filter_lands_at_the_top_of_its_result_unless_the_highlighted_incident_is_on_its_first_screen(console, tmp_path):
    app = build_app(console, tmp_path, page_size=10)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("right_square_bracket", "j", "j")  # the 13th incident: in the result, not on its first screen
        await pilot.press("slash")
        await paste(pilot, "ack:no")
        assert highlighted(app) == view_keys(app)[0]
        assert "page 1/" in info_line(app)
        await pilot.press("enter")

        await pilot.press("right_square_bracket", "j", "j", "escape")  # esc clears the filter
        assert "/ ack:no" not in info_line(app) and "match" not in lines(app)[0]
        assert highlighted(app) == view_keys(app)[0]
        assert "page 1/" in info_line(app)

        await pilot.press("j", "j")
        kept = highlighted(app)
        await pilot.press("slash")
        await paste(pilot, f"src:{app.store.get(kept).source}")
        assert view_keys(app).index(kept) < 3  # on the first screen of the result: it stays highlighted
        assert highlighted(app) == kept


async def test_switching_views_and_sorting_land_at_the_top(console, tmp_path):
    app = build_app(console, tmp_path, page_size=10)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("right_square_bracket", "j", "j", "3")  # All
        assert highlighted(app) == view_keys(app)[0]
        assert "page 1/" in info_line(app) and "All" in lines(app)[0]

        await pilot.press("right_square_bracket", "j", "j", "S")  # oldest first
        assert "sort created ▲" in info_line(app)
        assert highlighted(app) == view_keys(app)[0] == min(app.store.keys(), key=lambda key: app.store.get(key).created)
        assert "page 1/" in info_line(app)

        await pilot.press("right_square_bracket", "j")
        before = highlighted(app)
        app.main_screen.sort_by("src", descending=False)  # the sort menu's way in
        await pilot.pause()
        assert "sort source ▲" in info_line(app)
        assert "page 1/" in info_line(app)
        on_first_screen = view_keys(app).index(before) < app.main_screen.table.visible_rows
        assert highlighted(app) == (before if on_first_screen else view_keys(app)[0])


# ------------------------------------------------------------------ moving


async def test_g_and_G_go_to_the_first_and_last_incident_of_the_whole_view(console, tmp_path):
    app = build_app(console, tmp_path, page_size=10)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pages = app.main_screen.current_view().page_count(10)
        assert pages >= 2
        await pilot.press("G")
        assert highlighted(app) == view_keys(app)[-1]
        assert f"page {pages}/{pages}" in info_line(app)
        await pilot.press("g")
        assert highlighted(app) == view_keys(app)[0]
        assert f"page 1/{pages}" in info_line(app)
        await pilot.press("end")
        assert highlighted(app) == view_keys(app)[-1]
        await pilot.press("home")
        assert highlighted(app) == view_keys(app)[0]


async def test_page_keys_cross_pages_at_the_first_and_last_row(console, tmp_path):
    app = build_app(console, tmp_path, page_size=10)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        keys = view_keys(app)
        await pilot.press("pagedown")  # the last row of page 1 (it fits on one screen)
        assert highlighted(app) == keys[9]
        await pilot.press("pagedown")  # the last row: on to the next page
        assert highlighted(app) == keys[10]
        assert "page 2/" in info_line(app)
        await pilot.press("pageup")  # the first row: back to the previous page's last
        assert highlighted(app) == keys[9]
        assert "page 1/" in info_line(app)


async def test_the_movement_keys_have_ids_a_keymap_can_remap(console, tmp_path):
    app = build_app(console, tmp_path, page_size=10, keymap={"last": "L", "first": "K"})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("L")
        assert highlighted(app) == view_keys(app)[-1]
        await pilot.press("K")
        assert highlighted(app) == view_keys(app)[0]


# ------------------------------------------------------------------ new incidents


def new_numbers(app) -> list[int]:
    """Every "N new" the top bar and the info line show."""
    return [int(number) for line in (lines(app)[0], info_line(app)) for number in re.findall(r"(\d+) new", line)]


async def test_w_jumps_to_the_newest_unseen_incident_from_any_page_and_W_marks_everything_seen(console, tmp_path):
    app = build_app(console, tmp_path, page_size=10)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("right_square_bracket", "j")
        arrived = add_ssh_incidents(console, 3)
        await poll(pilot, 43)
        assert set(new_numbers(app)) == {3}
        await pilot.press("w")
        assert highlighted(app) == arrived[-1]  # the newest of them
        assert "page 1/" in info_line(app)
        assert new_numbers(app) == []  # at the top of the view: all three seen
        await pilot.press("w")
        assert app.messages[-1].message.startswith("Nothing unseen")

        # Hidden by the filter: w clears it to show the incident.
        await pilot.press("slash")
        await paste(pilot, "src:192.0.2.250")
        await pilot.press("enter")
        [hidden] = add_ssh_incidents(console, 1, first=3)
        await poll(pilot, 44)
        assert set(new_numbers(app)) == {1}
        await pilot.press("w")
        assert highlighted(app) == hidden
        assert "/ src:" not in info_line(app)
        assert "filtered by" in app.messages[-1].message

        add_ssh_incidents(console, 2, first=4)
        await pilot.press("j")
        await poll(pilot, 46)
        assert set(new_numbers(app)) == {2}
        await pilot.press("W")
        assert new_numbers(app) == []
        assert not any(line.startswith("+") for line in lines(app))  # no row flagged new
        assert app.messages[-1].message == "Marked 2 new incidents seen."


async def test_the_top_bar_the_info_line_and_the_paused_counter_show_one_new_number(console, tmp_path):
    app = build_app(console, tmp_path, page_size=10)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j")  # reading an incident, not at the top
        add_ssh_incidents(console, 3)
        await poll(pilot, 43)
        assert new_numbers(app) == [3, 3]  # top bar, info line

        await pilot.press("p")
        add_ssh_incidents(console, 2, first=3)
        await pilot.press("r")
        await wait_for(pilot, lambda: "paused · 5 new" in lines(app)[0], "the held incidents")
        assert new_numbers(app) == [5, 5, 5]  # paused counter, top bar, info line

        await pilot.press("g")  # looking at the top: the three shown are seen, the two held are not
        assert new_numbers(app) == [2, 2, 2]
        await pilot.press("p")  # resume: the two land above the cursor
        await wait_for(pilot, lambda: len(app.store) == 45, "the held incidents")
        await pilot.pause()
        assert new_numbers(app) == [2, 2]
        await pilot.press("k", "k")  # up to the top of the view row by row
        assert new_numbers(app) == []
        assert not any(line.startswith("+") for line in lines(app))
