"""How the table looks, chosen at run time: sort by a column (O), the columns shown (C), the theme.

The sort menu lists the table's sorts, one letter each; a letter (or enter) sorts
by that column, and the current one again reverses it.  The column picker lists
the backend's columns; space shows or hides one, enter applies them to the table
at once and saves them to the profile's ``columns``.  A theme picked in the
palette's "Change theme" is used and saved to the profile's ``theme``.  Saving is
the app's (``RoostApp.save_setting``): it never holds up the choice.
"""

from __future__ import annotations

from functools import partial
from typing import Callable, Mapping

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.theme import ThemeProvider
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..backends.base import Column
from ..widgets.incident_table import layout_columns
from .accelerators import accelerators
from .on_console import OnConsole

_DIALOG_CSS = """
    {screen} {{ align: center middle; }}
    {screen} > Vertical {{
        width: {width};
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }}
    {screen} OptionList {{ height: auto; max-height: 16; margin: 1 0; }}
"""
#: The table's movement keys, in the menus too (the arrows, home and end are the list's own).
_MOVES = [
    Binding("j", "move('down')", "Down", show=False),
    Binding("k", "move('up')", "Up", show=False),
    Binding("g", "move('first')", "First", show=False),
    Binding("G", "move('last')", "Last", show=False),
]


def _move(options: OptionList, where: str) -> None:
    moves = {"down": options.action_cursor_down, "up": options.action_cursor_up,
             "first": options.action_first, "last": options.action_last}
    moves[where]()


class SortMenuScreen(OnConsole, ModalScreen[str | None]):
    """The sortable columns, a letter each, the current sort marked; returns the column picked."""

    DEFAULT_CSS = _DIALOG_CSS.format(screen="SortMenuScreen", width=52)
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="sort-menu-cancel"),
        *_MOVES,
    ]

    def __init__(self, titles: Mapping[str, str], *, current: str, descending: bool) -> None:
        """``titles``: column id to what the info line calls its sort (``IncidentTable.sort_titles``)."""
        super().__init__()
        self.columns = list(titles)
        self.titles = titles
        self.current = current
        self.descending = descending
        # j, k and g move: they are never a column's letter.
        self.letters = accelerators(list(titles.values()), reserved="jkg")

    def compose(self) -> ComposeResult:
        with Vertical(id="sort-dialog"):
            yield Static(Text("Sort by", style="bold"))
            yield OptionList(
                *(Option(self._label(column, letter), id=column) for column, letter in zip(self.columns, self.letters)),
                id="sort-columns",
                compact=True,
                markup=False,
            )
            yield Static(Text("a letter or enter sorts · the current one again reverses · esc cancel", style="bold"))

    def _label(self, column: str, letter: str) -> Text:
        label = Text(no_wrap=True, overflow="ellipsis", end="")
        label.append(f" {letter or ' '}  ", style="bold")
        label.append(self.titles[column])
        if column == self.current:
            now, again = ("▼", "▲") if self.descending else ("▲", "▼")
            label.append(f"  {now} now · again {again}", style="dim")
        return label

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = self.columns.index(self.current) if self.current in self.columns else 0
        options.focus()

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character in self.letters:
            event.stop()
            self.dismiss(self.columns[self.letters.index(event.character)])

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_move(self, where: str) -> None:
        _move(self.query_one(OptionList), where)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ColumnsScreen(OnConsole, ModalScreen[tuple[str, ...] | None]):
    """The backend's columns, those shown ticked and first; returns the ticked ones in that order."""

    DEFAULT_CSS = _DIALOG_CSS.format(screen="ColumnsScreen", width=52)
    BINDINGS = [
        Binding("space", "toggle", "Show/hide", show=False, id="columns-toggle"),
        Binding("escape", "cancel", "Cancel", id="columns-cancel"),
        *_MOVES,
    ]

    def __init__(self, declared: tuple[Column, ...], shown: tuple[str, ...]) -> None:
        super().__init__()
        self.by_id = {column.id: column for column in declared}
        #: Shown columns in their order, then the others in the backend's.
        self.order = [column_id for column_id in shown if column_id in self.by_id] + [
            column.id for column in declared if column.id not in shown
        ]
        self.ticked = set(shown) & set(self.by_id)

    def compose(self) -> ComposeResult:
        with Vertical(id="columns-dialog"):
            yield Static(Text("Columns", style="bold"))
            yield OptionList(
                *(Option(self._label(column_id), id=column_id) for column_id in self.order),
                id="columns-choices",
                compact=True,
                markup=False,
            )
            yield Static(id="columns-status")
            yield Static(Text("space shows/hides · enter applies and saves to the profile · esc cancel", style="bold"))

    def _label(self, column_id: str) -> Text:
        # A glyph, not a colour, says which show (NO_COLOR); a profile's columns = [...] names them by
        # id, shown where the title does not say it.
        column = self.by_id[column_id]
        label = Text(no_wrap=True, overflow="ellipsis", end="")
        label.append("[✓] " if column_id in self.ticked else "[ ] ", style="bold")
        label.append(f"{column.title or column.id:<14}")
        if column.id != column.title.lower():
            label.append(f" {column.id}", style="dim")
        return label

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def action_toggle(self) -> None:
        choices = self.query_one(OptionList)
        index = choices.highlighted
        if index is None:
            return
        column_id = self.order[index]
        self.ticked ^= {column_id}
        choices.replace_option_prompt_at_index(index, self._label(column_id))

    def action_move(self, where: str) -> None:
        _move(self.query_one(OptionList), where)

    @on(OptionList.OptionSelected)
    def _apply(self) -> None:
        chosen = tuple(column_id for column_id in self.order if column_id in self.ticked)
        if not chosen:
            self.query_one("#columns-status", Static).update(Text("Keep at least one column.", style="bold red"))
            return
        self.dismiss(chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SavedThemes(ThemeProvider):
    """The palette's theme list (Change theme): the theme picked is used and saved to the profile."""

    @property
    def commands(self) -> list[tuple[str, Callable[[], None]]]:
        return [(name, partial(self.app.use_theme, name)) for name, _ in super().commands]


class TableMenuKeys:
    """O and C, mixed into ``MainScreen`` (which gives ``table``, ``sort``, ``descending``, ``sort_by``)."""

    def action_sort_menu(self) -> None:
        def picked(column: str | None) -> None:
            if column is not None:
                self.sort_by(column, not self.descending if column == self.sort else self.descending)

        self.app.push_screen(SortMenuScreen(self.table.sort_titles, current=self.sort, descending=self.descending), picked)

    def action_columns(self) -> None:
        backend = self.session.backend
        # Without a profile's choice the table picks by its width: what it shows now is the start.
        shown = self.session.settings.columns or tuple(
            column.id for column, _ in layout_columns((), backend.columns, self.table.size.width)
        )

        def chosen(columns: tuple[str, ...] | None) -> None:
            if columns is None or columns == shown:
                return
            self.app.use_columns(self.session, columns)

        self.app.push_screen(ColumnsScreen(backend.columns, shown), chosen)
