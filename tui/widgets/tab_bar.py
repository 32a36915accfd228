"""The tab bar: one tab per console (and the inbox), each with its open count and live state."""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from ..sanitize import clean
from ..sync import SyncStatus
from .status_bar import live_status_text


@dataclass(frozen=True)
class TabState:
    """What one tab says: the key that opens it, the console's name, how many need looking at, and
    whether its picture is live (``None`` for a tab that is not one console: the inbox)."""

    key: str
    name: str
    open: int
    status: SyncStatus | None
    read_only: bool = False
    active: bool = False


#: A tab's name is cut to this first, then shorter while the bar does not fit.
NAME_LIMITS = (24, 14, 8, 4)


def tab_text(tab: TabState, *, name_limit: int, brief: bool) -> Text:
    """`` 2 lab 37 ↻ 12s ro `` (reverse when it is the tab on screen)."""
    text = Text(" ", end="")
    text.append(tab.key, style="bold")
    text.append(" ")
    text.append(clean(tab.name, limit=name_limit))
    text.append(f" {tab.open:,}")
    if tab.status is not None:
        state = live_status_text(tab.status, brief=True)
        text.append(" ")
        text.append_text(state[:1] if brief else state)  # brief: the glyph alone
    if tab.read_only:
        text.append(" ro", style="bold")
    text.append(" ")
    if tab.active:
        text.stylize("reverse bold")
    return text


class TabBar(Widget):
    """One line of tabs, narrowed to fit: names shorten first, then states become their glyph.

    A switch shows the bar of the tab switched to, whose tabs changed while it was hidden (another
    was active) and change back: the few lines it was last drawn as are kept, so the switch draws none.
    """

    DEFAULT_CSS = """
    TabBar { height: 1; width: 1fr; }
    """

    #: Lines drawn, by (tabs, width, base style); a handful, oldest dropped first.
    DRAWN_KEPT = 4

    _tabs: tuple[TabState, ...] = ()
    _counting_down = False  # a tab says "↻ 12s": the same tabs read differently each second

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._drawn: dict[tuple[tuple[TabState, ...], int, Style], Strip] = {}

    def show(self, tabs: tuple[TabState, ...]) -> None:
        counting_down = any(tab.status is not None and tab.status.state == "retrying" for tab in tabs)
        if tabs == self._tabs and not counting_down:
            return  # nothing redraws when nothing changed
        self._tabs, self._counting_down = tabs, counting_down
        self.refresh()

    @property
    def tabs(self) -> tuple[TabState, ...]:
        return self._tabs

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._drawn.clear()  # a theme changed the colours

    def render_line(self, y: int) -> Strip:
        if self._counting_down:
            return super().render_line(y)
        drawn_as = (self._tabs, self.size.width, self.rich_style)
        strip = self._drawn.get(drawn_as)
        if strip is None:
            strip = super().render_line(y)
            if len(self._drawn) >= self.DRAWN_KEPT:
                del self._drawn[next(iter(self._drawn))]
            self._drawn[drawn_as] = strip
        return strip

    def render(self) -> Text:
        width = self.size.width
        line = Text()
        for brief in (False, True):
            for limit in NAME_LIMITS:
                line = Text("│").join(tab_text(tab, name_limit=limit, brief=brief) for tab in self._tabs)
                if not width or line.cell_len <= width:
                    return line
        line.truncate(width, overflow="ellipsis")
        return line
