"""The top bar (console, view, counts, live status) and the info line (page, sort)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from ..sanitize import clean
from ..sync import SyncStatus

VIEW_TITLES = {"unacknowledged": "Unacked", "acknowledged": "Acked", "all": "All"}


def live_status_text(status: SyncStatus, *, now: float | None = None) -> Text:
    """One short phrase with a glyph, so state never depends on colour alone."""
    now = time.monotonic() if now is None else now
    state = status.state
    if state == "live":
        return Text("● live", style="bold green")
    if state == "manual":
        return Text("○ manual (r refreshes)", style="yellow")
    if state == "paused":
        text = Text("‖ paused", style="bold yellow")
        if status.pending_new:
            text.append(f" · {status.pending_new} new")
        return text
    if state == "retrying":
        seconds = max(0, round((status.retry_at or now) - now))
        return Text(f"↻ retrying in {seconds}s", style="bold yellow")
    if state == "offline":
        return Text("✗ offline", style="bold red")
    if state == "loading":
        return Text(f"◌ {status.detail or 'loading'}", style="cyan")
    return Text("◌ connecting", style="cyan")


@dataclass(frozen=True)
class TopBarState:
    console: str
    view: str
    unacknowledged: int
    total: int
    new: int
    status: SyncStatus
    read_only: bool = False


class TopBar(Static):
    """``Roost · console │ view │ counts │ live status``."""

    DEFAULT_CSS = """
    TopBar { height: 1; width: 1fr; }
    """

    _shown: TopBarState | None = None

    def show(self, state: TopBarState) -> None:
        if state == self._shown:
            return  # nothing redraws when nothing changed
        self._shown = state
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        # Live status first after the name: at 80 columns the console label is what gets cut.
        text.append(" Roost ", style="bold reverse")
        text.append(" ")
        text.append_text(live_status_text(state.status))
        text.append(" │ ")
        text.append(VIEW_TITLES.get(state.view, state.view), style="bold")
        text.append(f" │ {state.unacknowledged:,}/{state.total:,} unacked")
        if state.new:
            text.append(f" │ +{state.new} new", style="bold cyan")
        text.append(" │ ")
        if state.read_only:
            text.append("[read-only] ", style="bold magenta")
        text.append(clean(state.console, limit=60), style="bold")
        self.update(text, layout=False)  # one fixed line: no need to lay the screen out again


class InfoLine(Static):
    """Page indicator, sort and the last error, one line above the footer."""

    DEFAULT_CSS = """
    InfoLine { height: 1; width: 1fr; }
    """

    _shown: tuple | None = None

    def show(
        self, *, page: int, pages: int, count: int, sort: str, descending: bool, new_above: int = 0, note: str = ""
    ) -> None:
        shown = (page, pages, count, sort, descending, new_above, note)
        if shown == self._shown:
            return
        self._shown = shown
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        if new_above:
            text.append(f" ▲ {new_above} new above (g) ", style="bold reverse")
        text.append(f" page {page + 1}/{pages} · {count:,} incident{'s' if count != 1 else ''}")
        text.append(f" · sort {sort} {'▼' if descending else '▲'}", style="dim")
        if note:
            text.append(" · ")
            text.append(clean(note, limit=200), style="bold yellow")
        self.update(text, layout=False)
