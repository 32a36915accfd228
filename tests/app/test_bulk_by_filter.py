"""b: a bulk action by filter counts on the console, confirms, then touches exactly what matches."""

from __future__ import annotations

from textual.widgets import RadioSet

from tui.backends.canary.parse import ACKNOWLEDGED, canary_fields
from tui.screens.bulk import BulkScreen
from tui.screens.confirm import ConfirmBulkScreen
from tui.widgets.incident_table import IncidentTable

from .conftest import build_app, screen_text, settle, wait_for, wait_for_triage


def console_matches(console, feed: str, **fields: str) -> set[str]:
    """What the console holds in ``feed`` with every field equal: the truth to compare with."""
    return {
        key
        for key in console.keys(feed)
        if all(console.get(key).text(name) == value for name, value in fields.items())
    }


def shown(app, selector: str) -> str:
    """The text of one line of the dialog on top (it may wrap on screen)."""
    return str(app.screen.query_one(selector).content)


async def open_bulk(pilot, action_steps: int = 0):
    """b, then move the action choice ``action_steps`` to the right (1: unacknowledge, 2: delete)."""
    await pilot.press("b")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, BulkScreen), "the bulk dialog")
    if action_steps:
        pilot.app.screen.query_one(RadioSet).focus()
        await pilot.press(*["right"] * action_steps)  # an arrow chooses: enter would count
        pilot.app.screen.query_one("#value-src_host").focus()
    await pilot.pause()


async def count(pilot):
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmBulkScreen), "the count")
    await pilot.pause()


async def test_acknowledge_everything_from_the_highlighted_source(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        source = app.store.get(app.screen.query_one(IncidentTable).cursor_key).source
        expected = console_matches(console, "unacknowledged", src_host=source)
        untouched = set(console.keys("unacknowledged")) - expected
        await open_bulk(pilot)
        await count(pilot)  # the source IP is ticked from the highlighted incident
        text = screen_text(app)
        assert f"Acknowledge {len(expected)} incident" in text and f"from {source}" in text
        assert "Counted on the console just now" in shown(app, "#confirm-note")
        await pilot.press("y")
        await wait_for_triage(pilot)
        assert set(console.keys("unacknowledged")) == untouched
        assert all(console.is_acknowledged(key) for key in expected)
        assert not any(app.store.get(key).status == ACKNOWLEDGED for key in untouched)


async def test_unacknowledge_a_bird_older_than_a_day(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        node = canary_fields(app.store.get(app.screen.query_one(IncidentTable).cursor_key)).node_id
        day_ago = console.now() - 86400
        expected = {key for key in console_matches(console, "acknowledged", node_id=node)
                    if console.get(key).created < day_ago}
        await open_bulk(pilot, action_steps=1)
        await pilot.click("#use-src_host")  # untick the source, tick the bird
        await pilot.click("#use-node_id")
        app.screen.query_one("#value-older_than").focus()
        await pilot.press("1", "d")
        await count(pilot)
        assert f"Unacknowledge {len(expected)} incident" in screen_text(app)
        await pilot.press("y")
        await wait_for_triage(pilot)
        assert not any(console.is_acknowledged(key) for key in expected)
        assert expected and set(console.keys("acknowledged")).isdisjoint(expected)


async def test_delete_by_filter_archives_first_and_without_an_archive_sends_nothing(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        source = app.store.get(app.screen.query_one(IncidentTable).cursor_key).source
        expected = console_matches(console, "acknowledged", src_host=source)
        blocker = tmp_path / "a-regular-file"
        blocker.write_text("")
        app.triage.archive_dir = blocker / "archives"
        await open_bulk(pilot, action_steps=2)
        await count(pilot)
        assert f"Delete {len(expected)} incident" in screen_text(app)
        await pilot.press("y")
        await wait_for_triage(pilot)
        assert console.deleted_keys == []
        assert "nothing was deleted" in " ".join(str(n.message) for n in app.messages)

        app.triage.archive_dir = tmp_path / "archives"
        await open_bulk(pilot, action_steps=2)
        await count(pilot)
        await pilot.press("y")
        await wait_for_triage(pilot)
        assert set(console.deleted_keys) == expected
        assert len(list((tmp_path / "archives").glob("deleted-*.json"))) == 1


async def test_deleting_unacknowledged_incidents_by_filter_needs_the_box_and_a_second_D(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        source = app.store.get(app.screen.query_one(IncidentTable).cursor_key).source
        everything = console_matches(console, "all", src_host=source)
        await open_bulk(pilot, action_steps=2)
        await pilot.click("#include-unacknowledged")
        app.screen.query_one("#value-src_host").focus()
        await count(pilot)
        assert f"Delete {len(everything)} incident" in screen_text(app)
        await pilot.press("y")
        assert "NOT acknowledged" in screen_text(app) and console.deleted_keys == []
        await pilot.press("D")
        await wait_for_triage(pilot)
        assert set(console.deleted_keys) == everything


async def test_the_dialog_says_inline_why_it_cannot_count(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_bulk(pilot)
        await pilot.click("#use-node_id")  # with the source IP: the console refuses both
        app.screen.query_one("#value-node_id").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "cannot combine a source IP and a bird" in shown(app, "#bulk-status")
        await pilot.click("#use-node_id")
        await pilot.click("#use-src_host")
        app.screen.query_one("#value-filter_str").focus()
        await pilot.press(*"zzqx", "enter")
        await wait_for(pilot, lambda: "Nothing on the console matches" in shown(app, "#bulk-status"), "the empty count")
        assert isinstance(app.screen, BulkScreen)
        await pilot.press("escape")
        assert app.screen is app.main_screen


async def test_a_hostile_source_is_shown_cleaned_and_still_acted_on_exactly(console, tmp_path):
    hostile = "10.0.0.1\x1b[31mRED\x07"
    key = console.add_incident(logtype=4002, node_id=next(iter(console.devices)), created=console.now() + 600,
                               src_host=hostile, dst_port=22)
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_bulk(pilot)
        assert "\x1b" not in screen_text(app) and "10.0.0.1\\x1b[31mRED\\x07" in screen_text(app)
        await count(pilot)
        assert "\x1b" not in screen_text(app) and "Acknowledge 1 incident" in screen_text(app)
        await pilot.press("y")
        await wait_for_triage(pilot)
        assert console.is_acknowledged(key)
