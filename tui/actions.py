"""What each action needs, without Textual: the sessions (a console's, the inbox) and the keys share it."""

from __future__ import annotations

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
