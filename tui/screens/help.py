"""The help screen, generated from the bindings that are live on the screen below it.

The footer, this screen and the command palette all read the same Binding
objects, so they cannot disagree (and read-only mode hides the same keys).
Only Roost's own keys are listed, with the ids a keymap knows them by; Textual's
(focus next, copy selection, its own quit) are not Roost's to explain.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ..keys import GROUP_ORDER, group_of
from .on_console import OnConsole


@dataclass(frozen=True)
class KeyRow:
    """One of Roost's bindings as the analyst meets it: its keys as pressed, after any keymap."""

    group: str
    binding: Binding
    #: "]", "→", "esc", "^p": what the footer shows for each key.
    keys: tuple[str, ...]

    @property
    def binding_id(self) -> str:
        return self.binding.id or ""


def key_rows(screen: Screen) -> list[KeyRow]:
    """Every enabled binding of Roost's on ``screen``, once each, its keys together, in help order."""
    keys_by_binding: dict[tuple[str, str], list[str]] = {}
    first: dict[tuple[str, str], tuple[str, Binding]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        group = group_of(binding)
        if group is None or not active.enabled or not binding.description:
            continue
        identity = (binding.id or binding.action, binding.description)
        first.setdefault(identity, (group, binding))
        keys_by_binding.setdefault(identity, []).append(screen.app.get_key_display(Binding(key, binding.action)))
    rows = [
        KeyRow(group, binding, tuple(sorted(set(keys_by_binding[identity]), key=lambda shown: (len(shown), shown))))
        for identity, (group, binding) in first.items()
    ]
    return sorted(rows, key=lambda row: GROUP_ORDER.index(row.group))


def filter_syntax(field_names: list[str]) -> Text:
    """The / filter's syntax, with the ``name:`` fields this session's backend has."""
    text = Text()
    text.append("Filter (/)\n", style="bold underline")
    text.append("Terms are separated by spaces and must all match; quote a phrase (\"sql server\").\n")
    text.append("admin", style="bold")
    text.append("       anywhere in the incident, without regard to case\n")
    text.append("name:value", style="bold")
    text.append("  a field: ")
    text.append(" ".join(f"{name}:" for name in field_names), style="bold")
    text.append("\n")
    text.append("!term", style="bold")
    text.append("       anything but the term (!admin, !key:abc)\n")
    text.append("A term that cannot be used is shown in red at the right of the line and left out.")
    return text


class HelpScreen(OnConsole, ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close help", id="help-close")]

    def __init__(self, underneath: Screen) -> None:
        super().__init__()
        self.underneath = underneath

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 1))
        table.add_column(justify="right", style="bold", no_wrap=True)
        table.add_column(ratio=1)
        table.add_column(style="dim", no_wrap=True)
        group = ""
        for row in key_rows(self.underneath):
            if row.group != group:
                if group:
                    table.add_row("", "", "")
                group = row.group
                table.add_row(Text(group, style="bold underline"), "", "")
            line = Text(row.binding.description)
            if row.binding.tooltip:
                line.append(f" — {row.binding.tooltip}", style="dim")
            table.add_row(Text(" ".join(row.keys)), line, Text(row.binding_id))
        fields = [field.name for field in self.session.backend.filter_fields]
        with VerticalScroll(id="help-body"):
            yield Static(Text("Roost keys — esc closes, ↑/↓ scroll; on the right, the id a keymap names", style="bold"))
            yield Static(table)
            yield Static(filter_syntax(fields), id="help-filter")

    def action_close(self) -> None:
        self.dismiss(None)
