"""The tab bar keeps the few lines it was drawn as (a tab switch then draws none): what it shows is
still what its tabs say, whichever of them it was drawn as before."""

from __future__ import annotations

from types import SimpleNamespace

from textual.app import App, ComposeResult

from tui.sync import SyncStatus
from tui.widgets.tab_bar import TabBar, TabState


class BarApp(App):
    def compose(self) -> ComposeResult:
        yield TabBar(id="tab-bar")


def tabs(lab_open: int, active: str, lab_state: SyncStatus | None = None) -> tuple[TabState, ...]:
    live = SyncStatus(state="live")
    return (
        TabState(key="1", name="prod", open=25, status=live, active=active == "prod"),
        TabState(key="2", name="lab", open=lab_open, status=lab_state or live, active=active == "lab"),
    )


async def test_the_bar_shows_its_tabs_as_they_are_now_not_as_last_drawn():
    app = BarApp()
    async with app.run_test(size=(80, 3)) as pilot:
        bar = app.query_one(TabBar)
        seen = []
        for shown in (tabs(6, "prod"), tabs(6, "lab"), tabs(5, "lab"), tabs(6, "prod"), tabs(5, "prod")):
            bar.show(shown)
            await pilot.pause()
            seen.append(list(bar.render_line(0)))  # segments: text and style
        text = ["".join(segment.text for segment in line) for line in seen]
        assert "2 lab 6 " in text[0] and "2 lab 5 " in text[2] and "2 lab 5 " in text[4]
        assert seen[3] == seen[0] and seen[1] != seen[0]  # the active tab is drawn otherwise


async def test_a_countdown_is_drawn_anew_each_second(monkeypatch):
    app = BarApp()
    async with app.run_test(size=(80, 3)) as pilot:
        bar = app.query_one(TabBar)
        clock = SimpleNamespace(now=1000.0)
        # The status bar's own clock (not the time module: the event loop reads that one).
        monkeypatch.setattr("tui.widgets.status_bar.time", SimpleNamespace(monotonic=lambda: clock.now))
        retrying = SyncStatus(state="retrying", retry_at=1012.0)
        bar.show(tabs(6, "prod", retrying))
        await pilot.pause()
        assert "↻ 12s" in bar.render_line(0).text
        clock.now = 1001.0
        bar.show(tabs(6, "prod", retrying))  # the same tabs, a second later
        await pilot.pause()
        assert "↻ 11s" in bar.render_line(0).text
