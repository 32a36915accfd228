"""The incident table: one page of the current view, drawn line by line.

Textual's DataTable keeps every row in Python dicts, re-measures cells, and
can only append rows, so keeping a cursor steady while new incidents land at
the top means rebuilding or poking at private state.  This widget is small
instead: it holds the page's incidents in order, draws only the lines on
screen (Line API), caches each drawn line by what it shows, and on a refresh
redraws only the lines that changed.  The cursor and marks follow incident
keys, so a refresh never moves them.

The columns are the backend's (``Backend.columns``), after two one-cell columns
of the table's own: the mark flag and the status glyph (``StatusSpec.glyph``,
coloured by whether the status counts as open).

Every cell is built from attacker-controlled text with ``sanitize.clean`` and
Rich ``Text`` (never markup).
"""

from __future__ import annotations

from typing import Callable, Iterable

from rich.cells import cell_len, set_cell_size
from rich.control import strip_control_codes
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from ..backends.base import Column, StatusSpec
from ..model import Incident
from ..sanitize import clean

FLAG_MARKED = "▌"
FLAG_NEW = "+"
#: Tables at least this wide show the long forms of cells (``Column.wide_width``).
WIDE_TABLE = 130


def own_columns(statuses: Iterable[StatusSpec]) -> tuple[Column, Column]:
    """The mark flag (drawn by the row, which knows the marks) and the status glyph."""
    glyphs = {status.id: status.glyph for status in statuses}
    return (
        Column("flag", "", 1, lambda incident, wide: " "),
        Column("state", "", 1, lambda incident, wide: glyphs.get(incident.status, "?"), sort_title="state"),
    )


def layout_columns(
    own: tuple[Column, ...], declared: tuple[Column, ...], width: int, chosen: tuple[str, ...] = ()
) -> list[tuple[Column, int]]:
    """Visible columns and their widths for a table ``width`` cells wide.

    The table's ``own`` columns always show.  ``chosen`` (a profile's ``columns``)
    picks and orders the ``declared`` ones after them; without it, they appear as
    the width allows.
    """
    wide = width >= WIDE_TABLE
    if chosen:
        by_id = {column.id: column for column in declared}
        columns = [*own, *(by_id[column_id] for column_id in chosen if column_id in by_id)]
    else:
        columns = [*own, *(column for column in declared if width >= column.min_table_width)]
    widths = {column.id: column.wide_width if wide and column.wide_width else column.width for column in columns}
    gaps = len(columns) - 1
    spare = width - sum(widths.values()) - gaps
    flex_total = sum(column.flex for column in columns)
    if spare > 0 and flex_total:
        for column in columns:
            if column.flex:
                widths[column.id] += spare * column.flex // flex_total
    return [(column, widths[column.id]) for column in columns]


class IncidentTable(Widget, can_focus=True):
    """A keyed, page-sized incident list with a header line."""

    # Ids for keymaps, like the screens' keys.  At a page's edge each key asks the screen to turn
    # the page (EdgeReached); g and G ask for the first or last incident of the whole list.
    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False, id="cursor-up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="cursor-down"),
        Binding("pageup", "page_up", "Page up", show=False, id="page-up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="page-down"),
        Binding("home,g", "first", "First incident", show=False, id="first"),
        Binding("end,G", "last", "Last incident", show=False, id="last"),
    ]

    COMPONENT_CLASSES = {
        "incident-table--header",
        "incident-table--cursor",
        "incident-table--cursor-blurred",
        "incident-table--open",
        "incident-table--closed",
        "incident-table--new",
        "incident-table--marked",
    }

    DEFAULT_CSS = """
    IncidentTable { height: 1fr; }
    """

    sort_column: reactive[str] = reactive("created", layout=False)
    sort_descending: reactive[bool] = reactive(True, layout=False)

    class EdgeReached(Message):
        """The cursor tried to move past the page (``direction`` -1 up, 1 down): the screen may turn
        the page.  ``to_end``: g or G, for the first or last incident of everything the screen lists."""

        def __init__(self, table: "IncidentTable", direction: int, *, to_end: bool = False) -> None:
            super().__init__()
            self.table = table
            self.direction = direction
            self.to_end = to_end

    def __init__(
        self,
        *,
        columns: tuple[Column, ...],
        statuses: tuple[StatusSpec, ...],
        chosen: tuple[str, ...] = (),
        is_marked: Callable[[str], bool] = lambda key: False,
        is_new: Callable[[str], bool] = lambda key: False,
        highlighted: Callable[[str | None], None] = lambda key: None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """``columns`` and ``statuses``: the backend's; ``chosen``: a profile's choice of column ids.

        ``highlighted`` is called when the cursor moves to another incident (or to none), at once
        rather than by a message: what follows the cursor (the detail pane) is drawn in the same
        frame as the cursor, where a message would arrive after the table had been drawn."""
        super().__init__(name=name, id=id, classes=classes)
        self._own_columns = own_columns(statuses)
        self._columns = columns
        self._open_statuses = frozenset(status.id for status in statuses if status.is_open)
        self._chosen_columns = chosen
        #: The sorts the columns offer, in column order, with what the info line calls each.
        self.sort_titles = {
            column.id: column.sort_title or column.title.lower()
            for column in (*self._own_columns, *columns)
            if column.sortable
        }
        self._rows: list[Incident] = []
        self._index: dict[str, int] = {}
        self._cursor = 0
        self._top = 0
        self._is_marked = is_marked
        self._is_new = is_new
        self._highlighted = highlighted
        self._line_cache: dict[tuple, Strip] = {}
        self._row_styles: dict[str, Style] | None = None
        #: The columns shown and their widths, by the table's width.
        self._layouts: dict[int, list[tuple[Column, int]]] = {}
        self._highlighted_key: str | None = None

    # ------------------------------------------------------------ public API

    @property
    def cursor_key(self) -> str | None:
        return self._rows[self._cursor].key if self._rows else None

    @property
    def cursor_index(self) -> int:
        return self._cursor

    @property
    def row_keys(self) -> list[str]:
        return [incident.key for incident in self._rows]

    @property
    def visible_rows(self) -> int:
        return max(self.size.height - 1, 1)

    def show_columns(self, chosen: tuple[str, ...]) -> None:
        """Show the ``chosen`` declared columns (a profile's ``columns``; () for the table's own choice), at once."""
        self._chosen_columns = chosen
        self._layouts.clear()
        self._line_cache.clear()
        self.refresh()

    def set_rows(
        self,
        incidents: Iterable[Incident],
        *,
        cursor_key: str | None = None,
        cursor_index: int | None = None,
        top: int | None = None,
    ) -> None:
        """Show ``incidents`` (one page), keeping the highlighted incident where it was on screen.

        ``cursor_key`` (or else the current one) is kept highlighted if it is on
        the new page; if it left, the cursor stays at the same row index (or goes
        to ``cursor_index``).  ``top``: the first row to show instead (as far as
        the highlighted row stays on screen).
        """
        old_rows = self._rows
        old_top = self._top
        old_screen_offset = self._cursor - self._top
        wanted_key = cursor_key if cursor_key is not None else self.cursor_key
        self._rows = list(incidents)
        self._index = {incident.key: position for position, incident in enumerate(self._rows)}
        if wanted_key is not None and wanted_key in self._index:
            self._cursor = self._index[wanted_key]
        elif cursor_index is not None:
            self._cursor = cursor_index
        self._cursor = max(0, min(self._cursor, len(self._rows) - 1))
        if top is None:
            self._top = max(0, self._cursor - max(0, min(old_screen_offset, self.visible_rows - 1)))
        else:
            self._top = top
        self._clamp_top()
        if self._top == old_top and [i.key for i in old_rows] == [i.key for i in self._rows]:
            self._refresh_changed(old_rows)
        else:
            self.refresh()
        self._announce()

    def shown_needing_details(self) -> list[Incident]:
        """The rows on screen, when a column showing needs their details (``Column.from_details``)."""
        if not any(column.from_details for column, _ in self._layout(self.size.width)):
            return []
        return self._rows[self._top: self._top + self.visible_rows]

    def refresh_keys(self, keys: Iterable[str]) -> None:
        """Redraw the rows of ``keys`` (their mark or new state changed)."""
        for key in keys:
            position = self._index.get(key)
            if position is not None:
                self._refresh_row(position)

    def move_cursor_to(self, index: int) -> None:
        if not self._rows:
            return
        index = max(0, min(index, len(self._rows) - 1))
        if index == self._cursor:
            return
        previous = self._cursor
        self._cursor = index
        old_top = self._top
        if self._cursor < self._top:
            self._top = self._cursor
        elif self._cursor >= self._top + self.visible_rows:
            self._top = self._cursor - self.visible_rows + 1
        self._clamp_top()
        if self._top != old_top:
            self.refresh()
        else:
            self._refresh_row(previous)
            self._refresh_row(self._cursor)
        self._announce()

    # --------------------------------------------------------------- actions

    def action_cursor_up(self) -> None:
        if self._cursor == 0:
            self.post_message(self.EdgeReached(self, -1))
        self.move_cursor_to(self._cursor - 1)

    def action_cursor_down(self) -> None:
        if self._cursor >= len(self._rows) - 1:
            self.post_message(self.EdgeReached(self, 1))
        self.move_cursor_to(self._cursor + 1)

    def action_page_up(self) -> None:
        if self._cursor == 0:
            self.post_message(self.EdgeReached(self, -1))
        self.move_cursor_to(self._cursor - self.visible_rows)

    def action_page_down(self) -> None:
        if self._cursor >= len(self._rows) - 1:
            self.post_message(self.EdgeReached(self, 1))
        self.move_cursor_to(self._cursor + self.visible_rows)

    def action_first(self) -> None:
        self.move_cursor_to(0)
        self.post_message(self.EdgeReached(self, -1, to_end=True))

    def action_last(self) -> None:
        self.move_cursor_to(len(self._rows) - 1)
        self.post_message(self.EdgeReached(self, 1, to_end=True))

    # ----------------------------------------------------------------- mouse

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.move_cursor_to(self._top + event.y - 1)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self._scroll_by(3)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self._scroll_by(-3)

    # ------------------------------------------------------------- rendering

    def watch_sort_column(self) -> None:
        self.refresh(Region(0, 0, self.size.width, 1))

    def watch_sort_descending(self) -> None:
        self.refresh(Region(0, 0, self.size.width, 1))

    def on_resize(self) -> None:
        self._line_cache.clear()
        self._clamp_top()

    def on_focus(self) -> None:
        self._refresh_row(self._cursor)

    def on_blur(self) -> None:
        self._refresh_row(self._cursor)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._rows) + 1

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            return self._header_strip(width)
        position = self._top + y - 1
        if position >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        return self._row_strip(position, width)

    def _header_strip(self, width: int) -> Strip:
        style = self.get_component_rich_style("incident-table--header")
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        arrow = "▼" if self.sort_descending else "▲"
        for index, (column, cell_width) in enumerate(self._layout(width)):
            if index:
                text.append(" ")
            title = column.title
            if column.id == self.sort_column and title:
                title = f"{title}{arrow}"
            text.append(self._fit(title, cell_width, column.justify))
        return self._to_strip(text, width, style)

    def _row_strip(self, position: int, width: int) -> Strip:
        incident = self._rows[position]
        is_cursor = position == self._cursor
        marked = self._is_marked(incident.key)
        new = self._is_new(incident.key)
        cache_key = (incident.key, id(incident), incident.version, is_cursor, is_cursor and self.has_focus, marked, new, width)
        cached = self._line_cache.get(cache_key)
        if cached is not None:
            return cached
        wide = width >= WIDE_TABLE
        is_open = incident.status in self._open_statuses
        styles = self._styles()
        state_style = styles["open" if is_open else "closed"]
        # The row as Rich's Text would draw it (one segment per styled cell, the plain cells and the
        # gaps between them run together), built directly: a page of new rows is 100 of them.
        segments: list[Segment] = []
        plain: list[str] = []
        base = styles["base"]
        if new:
            base += styles["new"]
        if marked:
            base += styles["marked"]
        if is_cursor:
            base += styles["cursor" if self.has_focus else "cursor-blurred"]
        for index, (column, cell_width) in enumerate(self._layout(width)):
            if index:
                plain.append(" ")
            if column.id == "flag":
                value = FLAG_MARKED if marked else (FLAG_NEW if new else " ")
            else:
                value = column.render(incident, wide)
            cell = self._fit(clean(value, limit=max(cell_width * 2, 8)), cell_width, column.justify)
            if column.id == "state":
                cell_style = state_style
            elif column.id == "flag" and (marked or new):
                cell_style = styles["marked" if marked else "new"]
            else:
                cell_style = None
            if not cell_style:  # Text gives an unstyled cell no span: it runs on with the plain text
                plain.append(cell)
                continue
            if plain:
                segments.append(Segment("".join(plain), base))
                plain.clear()
            segments.append(Segment(cell, base + cell_style))
        if plain:
            segments.append(Segment("".join(plain), base))
        strip = Strip(segments).crop_extend(0, width, base)
        if len(self._line_cache) > 2000:
            self._line_cache.clear()
        self._line_cache[cache_key] = strip
        return strip

    def _styles(self) -> dict[str, Style]:
        """The table's own style ("base") and its rows' component styles, worked out once a theme."""
        if self._row_styles is None:
            self._row_styles = {
                name: self.get_component_rich_style(f"incident-table--{name}")
                for name in ("open", "closed", "new", "marked", "cursor", "cursor-blurred")
            }
            self._row_styles["base"] = self.rich_style
        return self._row_styles

    def notify_style_update(self) -> None:
        super().notify_style_update()
        # A theme changed the colours: rows drawn in the old ones are drawn again.
        self._row_styles = None
        self._line_cache.clear()

    def _layout(self, width: int) -> list[tuple[Column, int]]:
        layout = self._layouts.get(width)
        if layout is None:
            layout = self._layouts[width] = layout_columns(self._own_columns, self._columns, width, self._chosen_columns)
        return layout

    @staticmethod
    def _fit(value: str, width: int, justify: str) -> str:
        """``value`` cut with "…" or padded to ``width`` cells, as Rich's ``Text.truncate`` and
        ``pad_left``/``pad_right`` would (a string, not a Text: a page of new rows makes 200 cells)."""
        value = strip_control_codes(value)
        length = cell_len(value)
        if length > width:
            value = set_cell_size(value, width - 1) + "…"
            length = cell_len(value)
        padding = " " * (width - length)
        return padding + value if justify == "right" else value + padding

    def _to_strip(self, text: Text, width: int, style: Style) -> Strip:
        segments = [Segment(s.text, style + s.style if s.style else style) for s in text.render(self.app.console)]
        return Strip(segments).crop_extend(0, width, style)

    # --------------------------------------------------------------- helpers

    def _scroll_by(self, rows: int) -> None:
        self._top += rows
        self._clamp_top()
        self.move_cursor_to(max(self._top, min(self._cursor, self._top + self.visible_rows - 1)))
        self.refresh()

    def _clamp_top(self) -> None:
        self._top = max(0, min(self._top, max(len(self._rows) - self.visible_rows, 0)))
        if self._rows and self._cursor >= self._top + self.visible_rows:
            self._top = self._cursor - self.visible_rows + 1

    def _refresh_row(self, position: int) -> None:
        y = position - self._top + 1
        if 1 <= y <= self.visible_rows:
            self.refresh(Region(0, y, self.size.width, 1))

    def _refresh_changed(self, old_rows: list[Incident]) -> None:
        for position, (old, new) in enumerate(zip(old_rows, self._rows)):
            if old is not new:
                self._refresh_row(position)

    def _announce(self) -> None:
        key = self.cursor_key
        if key != self._highlighted_key:
            self._highlighted_key = key
            self._highlighted(key)
