"""Every key of the incident screens, in one table.

Each binding has a stable id (for keymaps), a group (for the help screen) and
a description; the footer, the help screen and the command palette are all
generated from these objects.  The main screen has them all; the search
results screen takes the ones that make sense on a page of results
(``SEARCH_BINDINGS``).  At 80 columns the footer shows only the keys marked
``show``; ``?`` lists the rest.
"""

from __future__ import annotations

from typing import Mapping

from textual.binding import Binding


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

#: The app's own keys, on every screen (RoostApp.BINDINGS).  Declaring the palette's binding here
#: keeps Textual from adding its own, so it has an id (a keymap can move it) and shows in help.
APP_BINDINGS: list[Binding] = [
    Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="interrupt"),
    Binding("ctrl+p", "command_palette", "palette", show=False, priority=True, id="command-palette",
            tooltip="Every action, by name"),
    # Raw mode turns ctrl+z into a key: suspending is the app's to do (fg resumes, redrawn).
    Binding("ctrl+z", "suspend_process", "Suspend", show=False, id="suspend", tooltip="Back to the shell; fg resumes"),
    # Tabs, with several consoles open.  Both pairs arrive intact through tmux and SSH.
    Binding("ctrl+pagedown,ctrl+right", "next_tab(1)", "Next tab", show=False, id="tab-next"),
    Binding("ctrl+pageup,ctrl+left", "next_tab(-1)", "Previous tab", show=False, id="tab-previous"),
    Binding("alt+0", "tab(0)", "Inbox", show=False, id="tab-0"),
    *(Binding(f"alt+{number}", f"tab({number})", f"Console {number}", show=False, id=f"tab-{number}")
      for number in range(1, 10)),
    # Terminals send alt+N as ESC N, which Textual reads as the character macOS types for it (ESC 1
    # is "¡"): the same tabs, not listed (help shows alt+N).
    *(Binding(alias, f"tab({number})", "", show=False)
      for number, alias in enumerate(("º", "inverted_exclamation_mark", "trade_mark_sign", "pound_sign", "cent_sign",
                                      "infinity", "section_sign", "pilcrow_sign", "bullet", "ª"))),
]

MAIN_BINDINGS: list[Binding] = [binding for _, bindings in _GROUPED for binding in bindings]
_BY_ID = {binding.id: binding for binding in MAIN_BINDINGS}
_SEARCH_IDS = (
    "acknowledge", "unacknowledge", "reopen", "start", "close", "delete", "undo", "history", "toggle-detail", "page-next", "page-previous",
    "focus-detail", "switch-focus", "zoom-detail", "copy-source", "copy-key", "help", "quit",
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
} | {binding.id: "Tabs" if binding.id.startswith("tab-") else "App" for binding in APP_BINDINGS if binding.id}
GROUP_ORDER = ("Triage", "Edit", "Marks", "Find", "Views", "Navigate", "Data", "Live", "Tabs", "App")


def table_bindings() -> list[Binding]:
    """The table's movement keys (j/k, g/G, page keys), declared on the table widget itself."""
    from .widgets.incident_table import IncidentTable  # a widget: only where keys are listed

    return list(IncidentTable.BINDINGS)


def detail_bindings() -> list[Binding]:
    """The detail pane's scroll keys (the table's ids: one keymap entry moves both) and its esc."""
    from .widgets.detail_pane import DetailPane  # a widget: only where keys are listed

    return list(DetailPane.BINDINGS)


def group_of(binding: Binding) -> str | None:
    """The help group of one of Roost's bindings; None for a binding that is not Roost's (Textual's own)."""
    if binding.id in _GROUP_BY_ID:
        return _GROUP_BY_ID[binding.id]
    if binding.action in {known.action for known in (*table_bindings(), *detail_bindings())}:
        return "Navigate"
    return None


# -- keymaps: `keymap = { id = "keys" }` in a profile ------------------------------------


class KeymapError(ValueError):
    """A keymap that names an unknown binding or leaves one without a key (the message says which)."""


#: The one key no keymap may take or move: it quits from every screen, dialogs included.
ALWAYS_QUITS = "ctrl+c"


def keymap_scopes() -> list[list[Binding]]:
    """The bindings a keymap can change, per screen: each list is the keys live at once on one screen
    (the table's with the screen's and the app's), so a key given to one of them is taken from the others."""
    widgets = [*table_bindings(), *detail_bindings()]
    return [[*MAIN_BINDINGS, *widgets, *APP_BINDINGS], [*SEARCH_BINDINGS, *widgets, *APP_BINDINGS]]


def key_names(keys: str) -> tuple[str, ...]:
    """A binding's keys as written ("question_mark", "?", "j"), in order."""
    return tuple(name.strip() for name in keys.split(",") if name.strip())


def same_key(name: str) -> str:
    """One spelling per key: the character it types where it types one ("question_mark" and "?" are one)."""
    from textual.keys import key_to_character

    return key_to_character(name) or name


def keymap_in_effect(keymap: Mapping[str, str]) -> dict[str, str]:
    """``keymap`` checked, and completed for Textual: every binding of the incident screens is named
    with the keys it keeps.

    A key the keymap gives one binding is taken from every other binding on the screen that had it:
    Textual takes it only from bindings on the same widget, so the table's ``j`` would still move the
    cursor whatever the keymap gave ``j`` to.  And Textual puts the bindings a keymap names after the
    others, so a partial keymap would reorder the footer (ack after quit, the marks' keys apart).

    KeymapError for an unknown id, ctrl+c, a key given twice, or a binding left without a key.
    """
    if not keymap:
        return {}
    scopes = keymap_scopes()
    known = {binding.id for scope in scopes for binding in scope if binding.id}
    owner: dict[str, str] = {}
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            raise KeymapError(f"names no binding {binding_id!r}: ? shows each key's id")
        names = {same_key(name) for name in key_names(keys)}
        if binding_id == "interrupt" or same_key(ALWAYS_QUITS) in names:
            raise KeymapError(f"may not move or take {ALWAYS_QUITS}: it always quits")
        if not names:
            raise KeymapError(f"gives {binding_id} no key")
        for key in names:
            if key in owner:
                raise KeymapError(f"gives {_shown(key)} to both {owner[key]} and {binding_id}")
            owner[key] = binding_id
    in_effect = dict(keymap)
    for scope in scopes:
        for binding in scope:
            if binding.id in keymap:
                continue
            keys = key_names(binding.key)
            kept = [name for name in keys if same_key(name) not in owner]
            name = binding.id or binding.action
            if not kept:
                taken = ", ".join(f"{_shown(same_key(key))} to {owner[same_key(key)]}" for key in keys)
                raise KeymapError(f"leaves {name} without a key (it gives {taken}): give {name} a key of its own")
            if binding.id:
                in_effect[binding.id] = ",".join(kept)
    return in_effect


def _shown(key: str) -> str:
    return "space" if key == " " else key
