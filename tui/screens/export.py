"""The export dialog (e): the view or the marks, to JSON (default), JSONL or CSV in the data directory.

Returns ``(format, path)``; the app writes the file in a worker.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..export import ExportFormat, default_export_path
from .on_console import OnConsole

FORMATS: tuple[tuple[ExportFormat, str], ...] = (
    ("json", "JSON   feed-shaped: roost emulator --load reads it back"),
    ("jsonl", "JSONL  one console incident a line"),
    ("csv", "CSV    a flat table for spreadsheets (formula-safe)"),
)


class ExportScreen(OnConsole, ModalScreen[tuple[ExportFormat, Path] | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export-cancel")]

    def __init__(self, what: str, label: str) -> None:
        super().__init__()
        self.what = what
        self.label = label

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Static(Text(f"Export {self.what}", style="bold"))
            yield OptionList(*(Option(text, id=fmt) for fmt, text in FORMATS), id="export-formats", compact=True)
            yield Static(id="export-path")
            yield Static(Text("enter exports · ↑/↓ format · esc cancel", style="bold"))

    def on_mount(self) -> None:
        formats = self.query_one(OptionList)
        formats.highlighted = 0
        formats.focus()

    def _path(self, fmt: ExportFormat) -> Path:
        return default_export_path(self.session.archive_dir.parent, fmt, self.label, now=self.app.now().timestamp())

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.query_one("#export-path", Static).update(Text(f"to {self._path(event.option.id)}", style="dim"))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        fmt = event.option.id
        self.dismiss((fmt, self._path(fmt)))

    def action_cancel(self) -> None:
        self.dismiss(None)
