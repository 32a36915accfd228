"""The top bar (console, view, counts, live status) and the info line (page, sort)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable

from rich.text import Text
from textual.widget import Widget
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


def live_status_text(status: SyncStatus, *, now: float | None = None, brief: bool = False) -> Text:
    """One short phrase with a glyph, so state never depends on colour alone; ``brief``: the glyph
    and a word or a number, for a narrow top bar."""
    now = time.monotonic() if now is None else now
    state = status.state
    if state == "live":
        return Text("● live", style="bold green")
    if state == "manual":
        return Text("○ manual" if brief else "○ manual (r refreshes)", style="yellow")
    if state == "paused":
        text = Text("‖ paused", style="bold yellow")
        if status.pending_new:
            text.append(f" {status.pending_new}" if brief else f" · {status.pending_new} new")
        return text
    if state == "retrying":
        seconds = max(0, round((status.retry_at or now) - now))
        return Text(f"↻ {seconds}s" if brief else f"↻ retrying in {seconds}s", style="bold yellow")
    if state == "offline":
        return Text("✗ offline", style="bold red")
    if state == "stalled":
        # A request the console has not answered: what is shown may no longer be current.
        return Text("◌ waiting" if brief else "◌ waiting for the console", style="bold yellow")
    if state == "loading":
        return Text("◌ loading" if brief else f"◌ {status.detail or 'loading'}", style="cyan")
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


#: What gives way when the top bar is too narrow, first to last: (segment, the form it takes).  The
#: console's name never does (nobody should act on the wrong console); after it, what the analyst is
#: about to act on (read-only, marks, filter) and whether the picture is live outlast the view's
#: name and counts, which the table and the info line show too.
NARROWING = (
    ("counts", "brief"), ("live", "brief"), ("counts", None), ("view", None),
    ("matches", "brief"), ("marked", "brief"), ("new", "brief"),
    ("badge", None), ("http", "brief"), ("read_only", "brief"), ("live", "glyph"),
)


class TopBar(Widget):
    """`` Roost  console │ live status │ view │ counts │ / matches │ ▌marked │ +new``, narrowed to fit."""

    DEFAULT_CSS = """
    TopBar { height: 1; width: 1fr; }
    """

    _shown: TopBarState | None = None

    def show(self, state: TopBarState) -> None:
        if state == self._shown:
            return  # nothing redraws when nothing changed
        self._shown = state
        self.refresh()  # one fixed line: no need to lay the screen out again

    def render(self) -> Text:
        if self._shown is None:
            return Text()
        forms = _forms(self._shown)
        chosen = {segment: "full" for segment in forms}
        line = _line(forms, chosen)
        width = self.size.width
        for segment, form in NARROWING:
            if not width or line.cell_len <= width:
                break
            if segment in forms:
                chosen[segment] = form
                line = _line(forms, chosen)
        # Only the console's name is left to cut: its end goes, with an ellipsis.
        line.truncate(width or line.cell_len, overflow="ellipsis")
        return line


def _forms(state: TopBarState) -> dict[str, dict[str, Text]]:
    """Each segment the state has, in its full and narrower forms (None: left out)."""
    forms: dict[str, dict[str, Text]] = {
        "badge": {"full": Text(" Roost ", style="bold reverse")},
        "console": {"full": Text(clean(state.console, limit=60), style="bold")},
    }
    if state.read_only:
        forms["read_only"] = {"full": Text("[read-only]", style="bold magenta"), "brief": Text("[ro]", style="bold magenta")}
    if state.unencrypted:
        forms["http"] = {"full": Text("⚠ plain http", style="bold red"), "brief": Text("⚠ http", style="bold red")}
    live = live_status_text(state.status)
    brief = live_status_text(state.status, brief=True)
    # Paused keeps its count: new incidents are waiting unseen.
    pending = f" {state.status.pending_new:,}" if state.status.state == "paused" and state.status.pending_new else ""
    glyph = Text(brief.plain[0] + pending, style=brief.style)
    forms["live"] = {"full": live, "brief": brief, "glyph": glyph}
    forms["view"] = {"full": Text(state.view, style="bold")}
    forms["counts"] = {
        "full": Text(f"{state.open:,}/{state.total:,} {state.open_word}"), "brief": Text(f"{state.open:,}/{state.total:,}"),
    }
    if state.matches is not None:
        word = "match" if state.matches == 1 else "matches"
        forms["matches"] = {"full": Text(f"/ {state.matches:,} {word}", style="bold"),
                            "brief": Text(f"/ {state.matches:,}", style="bold")}
    if state.marked:
        forms["marked"] = {"full": Text(f"▌{state.marked:,} marked", style="bold reverse"),
                           "brief": Text(f"▌{state.marked:,}", style="bold reverse")}
    if state.new:
        forms["new"] = {"full": Text(f"+{state.new:,} new", style="bold cyan"), "brief": Text(f"+{state.new:,}", style="bold cyan")}
    return forms


_IDENTITY = ("console", "read_only", "http")
_STATE = ("live", "view", "counts", "matches", "marked", "new")


def _line(forms: dict[str, dict[str, Text]], chosen: dict[str, str | None]) -> Text:
    """The bar with each segment in its chosen form: the name and what qualifies the console, then the state."""

    def shown(names: tuple[str, ...]) -> list[Text]:
        return [forms[name][chosen[name]] for name in names if name in forms and chosen[name] is not None]

    line = Text(no_wrap=True, overflow="ellipsis", end="")
    if chosen["badge"] is not None:
        line.append_text(forms["badge"]["full"])
    line.append(" ")
    line.append_text(Text(" ").join(shown(_IDENTITY)))
    for part in shown(_STATE):
        line.append(" │ ")
        line.append_text(part)
    return line


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
