"""The top bar (console, view, counts, live status) and the info line (page, sort)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable

from rich.text import Text
from textual.widgets import Static

from ..backends.base import StatusSpec
from ..sanitize import clean
from ..store import Feed, feed_statuses
from ..sync import SyncStatus


def view_title(feed: Feed, statuses: Iterable[StatusSpec], *, long: bool = False) -> str:
    """What the top bar (or, ``long``, the keys) call the view of ``feed``: a view of one status
    is named after it ("Unacked", "Unacknowledged"), any other after the feed ("Open", "All")."""
    if feed != "all":
        shown = feed_statuses(feed, statuses)
        if len(shown) == 1:
            return shown[0].label if long else shown[0].short or shown[0].label
    return f"{feed.capitalize()} incidents" if long else feed.capitalize()


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
    if state == "stalled":
        # A request the console has not answered: what is shown may no longer be current.
        return Text("◌ waiting for the console", style="bold yellow")
    if state == "loading":
        return Text(f"◌ {status.detail or 'loading'}", style="cyan")
    return Text("◌ connecting", style="cyan")


@dataclass(frozen=True)
class TopBarState:
    console: str
    #: The view's title ("Unacked").
    view: str
    #: Incidents whose status counts as open, and what they are called ("unacked").
    open: int
    open_word: str
    total: int
    new: int
    status: SyncStatus
    read_only: bool = False
    #: The link to the console is plain http (a profile allowed it): what is sent can be read.
    unencrypted: bool = False
    marked: int = 0
    #: Incidents the / filter lets through, or None without a filter.
    matches: int | None = None


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
        if state.read_only:
            # Right after the name: nothing that is cut at 80 columns.
            text.append(" [read-only]", style="bold magenta")
        if state.unencrypted:
            text.append(" ⚠ plain http", style="bold red")
        text.append(" ")
        text.append_text(live_status_text(state.status))
        text.append(" │ ")
        text.append(state.view, style="bold")
        text.append(f" │ {state.open:,}/{state.total:,} {state.open_word}")
        if state.matches is not None:
            text.append(f" │ / {state.matches:,} match{'' if state.matches == 1 else 'es'}", style="bold")
        if state.marked:
            text.append(f" │ ▌{state.marked:,} marked", style="bold reverse")
        if state.new:
            text.append(f" │ +{state.new} new", style="bold cyan")
        text.append(" │ ")
        text.append(clean(state.console, limit=60), style="bold")
        self.update(text, layout=False)  # one fixed line: no need to lay the screen out again


class InfoLine(Static):
    """Page indicator, sort and the last error, one line above the footer."""

    DEFAULT_CSS = """
    InfoLine { height: 1; width: 1fr; }
    """

    _shown: tuple | None = None

    def show(
        self,
        *,
        page: int,
        pages: int,
        count: int,
        sort: str = "",
        descending: bool = True,
        new_above: int = 0,
        note: str = "",
        activity: str = "",
        filter_text: str = "",
        noun: str = "incident",
        holding_back: str = "",
    ) -> None:
        """``activity`` is work in progress (shown first); ``filter_text`` the / filter, described;
        ``holding_back`` why the backend is not sending (a request budget), and for how long."""
        shown = (page, pages, count, sort, descending, new_above, note, activity, filter_text, noun, holding_back)
        if shown == self._shown:
            return
        self._shown = shown
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        if activity:
            text.append(f" {clean(activity, limit=80)} ", style="bold reverse")
        if holding_back:
            text.append(f" ‖ {clean(holding_back, limit=80)} ", style="bold yellow")
        if new_above:
            text.append(f" ▲ {new_above} new above (g) ", style="bold reverse")
        text.append(f" page {page + 1}/{pages} · {count:,} {noun}{'s' if count != 1 else ''}")
        if filter_text:
            text.append(" · / ")
            text.append(clean(filter_text, limit=80), style="bold")
        if sort:
            text.append(f" · sort {sort} {'▼' if descending else '▲'}", style="dim")
        if note:
            text.append(" · ")
            text.append(clean(note, limit=200), style="bold yellow")
        self.update(text, layout=False)
