"""q ends Roost even when more keys arrive in the same read (over SSH "qe" is one packet)."""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Input

from .conftest import build_app, settle, wait_for

KEYS_THAT_OPEN_SCREENS = [("e", "e"), ("b", "b"), ("f", "f"), ("h", "h"), ("d", "d"), ("question_mark", "?")]


@pytest.mark.parametrize("key, character", [*KEYS_THAT_OPEN_SCREENS, ("slash", "/")])
async def test_q_then_another_key_at_once_still_quits(console, tmp_path, key, character):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.post_message(events.Key("q", "q"))
        app.post_message(events.Key(key, character))
        await wait_for(pilot, lambda: app.return_code is not None, "the quit")
    assert app.return_code == 0
    assert not app.crash_report


async def test_q_typed_right_after_slash_is_filter_text(console, tmp_path):
    app = build_app(console, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key, character in (("slash", "/"), ("q", "q"), ("s", "s")):
            app.post_message(events.Key(key, character))
        await wait_for(pilot, lambda: app.screen.query_one(Input).value == "qs", "the typed-ahead keys")
        assert app.return_code is None
