"""Every key of the incident screens, in one table.

Each binding has a stable id (for keymaps), a group (for the help screen) and
a description; the footer, the help screen and the command palette are all
generated from these objects.  The main screen has them all; the search
results screen takes the ones that make sense on a page of results
(``SEARCH_BINDINGS``).  At 80 columns the footer shows only the keys marked
``show``; ``?`` lists the rest.
"""

from __future__ import annotations

from textual.binding import Binding

from .backends.base import Capability

MUTATING_ACTIONS = frozenset({"acknowledge", "unacknowledge", "delete", "bulk", "undo"})
#: Keys offered only where the session's backend declares the ability.
ACTION_CAPABILITIES = {
    "delete": Capability.DELETE,
    "bulk": Capability.BULK_BY_FILTER,
    "history": Capability.HISTORY,
    "search": Capability.SEARCH,
}
#: The view keys (by binding id, what keymaps know them by) and the feed each shows: the main
#: screen names them after the backend's statuses.
VIEW_FEEDS = {"view-unacknowledged": "open", "view-acknowledged": "closed", "view-all": "all"}
#: Actions that act on the marks when there are any (the footer says so).
MARK_AWARE_ACTIONS = frozenset({"acknowledge", "unacknowledge", "delete", "export"})

_GROUPED: list[tuple[str, list[Binding]]] = [
    (
        "Triage",
        [
            Binding("a", "acknowledge", "Ack", id="acknowledge", tooltip="Acknowledge the marked or highlighted incidents"),
            Binding("u", "unacknowledge", "Unack", id="unacknowledge", tooltip="Unacknowledge the marked or highlighted incidents"),
            Binding("d", "delete", "Delete", id="delete", tooltip="Archive, then delete the marked or highlighted incidents (asks first)"),
            Binding("z", "undo", "Undo last ack/unack", show=False, id="undo"),
            Binding("b", "bulk", "Bulk", id="bulk", tooltip="Act on every incident from a source, bird, flock, age or text, on the console"),
        ],
    ),
    (
        "Marks",
        [
            Binding("space", "toggle_mark", "Mark", id="toggle-mark", tooltip="Mark or unmark the highlighted incident, then move down"),
            Binding("V", "mark_range", "Mark range", show=False, id="mark-range", tooltip="Mark from the last mark to the cursor"),
            Binding("asterisk", "mark_all", "Mark all in view", show=False, id="mark-all"),
            Binding("escape", "back", "Back", show=False, id="back", tooltip="Back to the table; there, clear the marks, then the filter"),
        ],
    ),
    (
        "Find",
        [
            # Priority: the line takes focus before the next key is read, so "/ssh" typed
            # at once (one read over SSH) lands in the line.
            Binding("slash", "filter", "Filter", id="filter", tooltip="Filter this view as you type", priority=True),
            Binding("f", "search", "Search the console", show=False, id="search"),
            Binding("h", "history", "Source IP history", show=False, id="history"),
        ],
    ),
    (
        "Views",
        [
            Binding("1", "view('open')", "Open incidents", show=False, id="view-unacknowledged"),
            Binding("2", "view('closed')", "Closed incidents", show=False, id="view-acknowledged"),
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
        ],
    ),
    (
        "Data",
        [
            Binding("e", "export", "Export", show=False, id="export", tooltip="Export the view or the marks to JSON, JSONL or CSV"),
            Binding("y", "copy_source", "Copy source IP", show=False, id="copy-source"),
            Binding("Y", "copy_key", "Copy incident key", show=False, id="copy-key"),
        ],
    ),
    (
        "Live",
        [
            Binding("r", "refresh", "Refresh", show=False, id="refresh", tooltip="Poll and reconcile now"),
            Binding("p", "toggle_pause", "Pause", show=False, id="pause", tooltip="Pause or resume live updates"),
        ],
    ),
    (
        "App",
        [
            Binding("question_mark", "help", "Help", id="help"),
            # Priority, like "/": keys that arrive in one read ("q/", "qe") are taken in the order typed.
            Binding("q", "quit", "Quit", id="quit", priority=True),
        ],
    ),
]

MAIN_BINDINGS: list[Binding] = [binding for _, bindings in _GROUPED for binding in bindings]
_BY_ID = {binding.id: binding for binding in MAIN_BINDINGS}
_SEARCH_IDS = (
    "acknowledge", "unacknowledge", "delete", "undo", "history", "toggle-detail", "page-next", "page-previous",
    "focus-detail", "switch-focus", "copy-source", "copy-key", "help", "quit",
)
SEARCH_BINDINGS: list[Binding] = [
    *(_BY_ID[binding_id] for binding_id in _SEARCH_IDS),
    Binding("r", "refresh", "Run again", show=False, id="search-again"),
    Binding("f", "search", "New search", show=False, id="search-new"),
    Binding("escape", "close", "Back", id="search-close"),
]
_GROUP_BY_ID = {binding.id: group for group, bindings in _GROUPED for binding in bindings} | {
    "search-again": "Live",
    "search-new": "Find",
    "search-close": "Navigate",
}
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
GROUP_ORDER = ("Triage", "Marks", "Find", "Views", "Navigate", "Data", "Live", "App", "Other")


def group_of(binding: Binding) -> str:
    return _GROUP_BY_ID.get(binding.id) or _GROUP_BY_ACTION.get(binding.action, "Other")
