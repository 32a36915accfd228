"""Every key of the main screen, in one table.

Each binding has a stable id (for keymaps), a group (for the help screen) and
a description; the footer, the help screen and the command palette are all
generated from these objects.
"""

from __future__ import annotations

from textual.binding import Binding

MUTATING_ACTIONS = frozenset({"acknowledge", "unacknowledge", "delete"})

_GROUPED: list[tuple[str, list[Binding]]] = [
    (
        "Triage",
        [
            Binding("a", "acknowledge", "Ack", id="acknowledge", tooltip="Acknowledge the highlighted incident"),
            Binding("u", "unacknowledge", "Unack", id="unacknowledge", tooltip="Unacknowledge the highlighted incident"),
            Binding("d", "delete", "Delete", id="delete", tooltip="Archive, then delete (asks first)"),
        ],
    ),
    (
        "Views",
        [
            Binding("1", "view('unacknowledged')", "Unacknowledged", show=False, id="view-unacknowledged"),
            Binding("2", "view('acknowledged')", "Acknowledged", show=False, id="view-acknowledged"),
            Binding("3", "view('all')", "All incidents", show=False, id="view-all"),
            Binding("s", "sort_next", "Sort by next column", show=False, id="sort-next"),
            Binding("S", "sort_reverse", "Reverse sort", show=False, id="sort-reverse"),
            Binding("v", "toggle_detail", "Show/hide detail pane", show=False, id="toggle-detail"),
        ],
    ),
    (
        "Navigate",
        [
            Binding("right_square_bracket,right", "page(1)", "Next page", show=False, id="page-next"),
            Binding("left_square_bracket,left", "page(-1)", "Previous page", show=False, id="page-previous"),
            Binding("enter", "focus_detail", "Detail pane", show=False, id="focus-detail"),
            Binding("tab", "switch_focus", "Table ⇄ detail", show=False, id="switch-focus", priority=True),
            Binding("escape", "focus_table", "Back to table", show=False, id="focus-table"),
        ],
    ),
    (
        "Live",
        [
            Binding("r", "refresh", "Refresh", id="refresh", tooltip="Poll and reconcile now"),
            Binding("p", "toggle_pause", "Pause", id="pause", tooltip="Pause or resume live updates"),
        ],
    ),
    (
        "App",
        [
            Binding("question_mark", "help", "Help", id="help"),
            Binding("q", "app.quit", "Quit", id="quit"),
        ],
    ),
]

MAIN_BINDINGS: list[Binding] = [binding for _, bindings in _GROUPED for binding in bindings]
_GROUP_BY_ID = {binding.id: group for group, bindings in _GROUPED for binding in bindings}
# Table movement keys are declared on the table widget itself.
_GROUP_BY_ACTION = {
    "cursor_up": "Navigate",
    "cursor_down": "Navigate",
    "page_up": "Navigate",
    "page_down": "Navigate",
    "first": "Navigate",
    "last": "Navigate",
    "command_palette": "App",
}


def group_of(binding: Binding) -> str:
    return _GROUP_BY_ID.get(binding.id) or _GROUP_BY_ACTION.get(binding.action, "Other")
