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

#: The edits (issue 10), each behind its capability; all but create and edit act on the marks.
EDIT_ACTIONS = frozenset({"take", "assign", "severity", "due_date", "add_note", "create", "edit"})
MUTATING_ACTIONS = frozenset({"set_status", "delete", "bulk", "undo"}) | EDIT_ACTIONS
#: Keys offered only where the session's backend declares the ability.
ACTION_CAPABILITIES = {
    "delete": Capability.DELETE,
    "bulk": Capability.BULK_BY_FILTER,
    "history": Capability.HISTORY,
    "search": Capability.SEARCH,
    "take": Capability.ASSIGN,
    "assign": Capability.ASSIGN,
    "severity": Capability.SEVERITY,
    "due_date": Capability.DUE_DATE,
    "add_note": Capability.NOTES,
    "create": Capability.CREATE,
    "edit": Capability.EDIT,
}
#: The view keys (by binding id, what keymaps know them by) and the feed each shows: the main
#: screen names them after the backend's statuses.
VIEW_FEEDS = {
    "view-unacknowledged": "open", "view-acknowledged": "closed", "view-all": "all", "view-in-progress": "in_progress",
}
#: Actions that act on the marks when there are any (the footer says so).
MARK_AWARE_ACTIONS = frozenset({"set_status", "delete", "export", "take", "assign", "severity", "due_date", "add_note"})

_GROUPED: list[tuple[str, list[Binding]]] = [
    (
        "Triage",
        [
            # One key per status a backend lets the analyst set (its StatusAction verbs); a session
            # shows only its own backend's.
            Binding("a", "set_status('acknowledge')", "Ack", id="acknowledge", tooltip="Acknowledge the marked or highlighted incidents"),
            Binding("u", "set_status('unacknowledge')", "Unack", id="unacknowledge", tooltip="Unacknowledge the marked or highlighted incidents"),
            Binding("o", "set_status('reopen')", "Reopen", id="reopen", tooltip="Set the marked or highlighted incidents open again"),
            Binding("i", "set_status('start')", "Start", id="start", tooltip="Set the marked or highlighted incidents in progress"),
            Binding("c", "set_status('close')", "Close", id="close", tooltip="Close the marked or highlighted incidents (asks for a closing note where the console keeps notes)"),
            Binding("d", "delete", "Delete", id="delete", tooltip="Archive, then delete the marked or highlighted incidents (asks first)"),
            Binding("z", "undo", "Undo last status change", show=False, id="undo"),
            Binding("b", "bulk", "Bulk", id="bulk", tooltip="Act on every incident from a source, bird, flock, age or text, on the console"),
        ],
    ),
    (
        "Edit",
        [
            # Off the footer (it has no room at 80 columns): help and the palette list them.
            Binding("t", "take", "Take", show=False, id="take", tooltip="Assign the marked or highlighted incidents to yourself"),
            Binding("A", "assign", "Assign…", show=False, id="assign", tooltip="Pick who the marked or highlighted incidents are assigned to"),
            Binding("exclamation_mark", "severity", "Severity…", show=False, id="severity", tooltip="Set the severity of the marked or highlighted incidents"),
            Binding("D", "due_date", "Due date…", show=False, id="due-date", tooltip="Set or clear the due date: +4h, tomorrow 17:00, ISO 8601"),
            Binding("n", "add_note", "Add note…", show=False, id="add-note", tooltip="Add a note to the marked or highlighted incidents (ctrl+e: $EDITOR)"),
            Binding("N", "create", "New incident…", show=False, id="create", tooltip="Create an incident on the console"),
            Binding("E", "edit", "Edit name…", show=False, id="edit", tooltip="Edit the highlighted incident's name and description"),
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
            # A view of one status, for a backend that declares it (Log360's in progress).
            Binding("4", "view('in_progress')", "In progress", show=False, id="view-in-progress"),
            Binding("s", "sort_next", "Sort by next column", show=False, id="sort-next"),
            Binding("S", "sort_reverse", "Reverse sort", show=False, id="sort-reverse"),
            Binding("O", "sort_menu", "Sort by…", show=False, id="sort-menu", tooltip="Pick the column to sort by"),
            Binding("C", "columns", "Columns…", show=False, id="columns", tooltip="Show or hide table columns (saved to the profile)"),
            Binding("v", "toggle_detail", "Show/hide detail pane", show=False, id="toggle-detail"),
            Binding("Z", "zoom_detail", "Zoom detail", show=False, id="zoom-detail", tooltip="The detail pane on the whole screen, and back"),
        ],
    ),
    (
        "Navigate",
        [
            Binding("right_square_bracket,right", "page(1)", "Next page", show=False, id="page-next"),
            Binding("left_square_bracket,left", "page(-1)", "Previous page", show=False, id="page-previous"),
            Binding("w", "newest_unseen", "Newest unseen", show=False, id="newest-unseen", tooltip="Jump to the newest incident you have not seen"),
            Binding("W", "mark_seen", "Mark all seen", show=False, id="mark-seen", tooltip="Count every incident as seen"),
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
    "acknowledge", "unacknowledge", "reopen", "start", "close", "delete", "undo", "history", "toggle-detail", "page-next", "page-previous",
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
GROUP_ORDER = ("Triage", "Edit", "Marks", "Find", "Views", "Navigate", "Data", "Live", "App", "Other")


def group_of(binding: Binding) -> str:
    return _GROUP_BY_ID.get(binding.id) or _GROUP_BY_ACTION.get(binding.action, "Other")
