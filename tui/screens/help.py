"""The help screen, generated from the bindings that are live on the screen below it.

The footer, this screen and the command palette all read the same Binding
objects, so they cannot disagree (and read-only mode hides the same keys).
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ..keys import GROUP_ORDER, group_of


def binding_rows(screen: Screen) -> dict[str, list[tuple[str, str, str]]]:
    """(keys, description, tooltip) per group for every enabled binding on ``screen``."""
    by_action: dict[tuple[str, str, str], list[str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not active.enabled or not binding.description or binding.system:
            continue
        group = group_of(binding)
        display = screen.app.get_key_display(Binding(key, binding.action))
        by_action.setdefault((group, binding.description, binding.tooltip), []).append(display)
    groups: dict[str, list[tuple[str, str, str]]] = {}
    for (group, description, tooltip), keys in by_action.items():
        shown_keys = " ".join(sorted(set(keys), key=lambda key: (len(key), key)))
        groups.setdefault(group, []).append((shown_keys, description, tooltip))
    return {group: groups[group] for group in GROUP_ORDER if group in groups}


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close help", id="help-close")]

    def __init__(self, underneath: Screen) -> None:
        super().__init__()
        self.underneath = underneath

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(justify="right", style="bold", no_wrap=True)
        table.add_column()
        for group, rows in binding_rows(self.underneath).items():
            table.add_row(Text(group, style="bold underline"), "")
            for keys, description, tooltip in rows:
                line = Text(description)
                if tooltip:
                    line.append(f" — {tooltip}", style="dim")
                table.add_row(Text(keys), line)
            table.add_row("", "")
        with VerticalScroll(id="help-body"):
            yield Static(Text("Roost keys — esc closes, ↑/↓ scroll", style="bold"))
            yield Static(table)

    def action_close(self) -> None:
        self.dismiss(None)
