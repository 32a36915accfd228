"""Log360's ``/`` filter fields (sev, status, assignee, key, due) and the text bare words search.

Each field's maker takes the case-folded value and gives its normal form (for the
filter's id) and a test of one incident; the tests run on every keystroke over
the whole store, so each reads only what it needs.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Callable, Iterable

from ...model import Incident
from ..base import FilterField, FilterValueError
from .columns import is_overdue
from .parse import CLOSED, IN_PROGRESS, OPEN, SEVERITIES, log360_fields, searchable_parts

Test = Callable[[Incident], bool]

UNASSIGNED_WORD = "none"
DUE_WORDS = ("overdue", "today", "none")
# Status words with spaces, dashes and underscores squashed: "in progress", "In-progress" and
# "inprogress" are one word, and any unambiguous start of one ("in", "c") names it.
_STATUS_WORDS = {"open": OPEN, "inprogress": IN_PROGRESS, "closed": CLOSED}
_STATUS_NAMES = {OPEN: "open", IN_PROGRESS: "in progress", CLOSED: "closed"}


def _started(value: str, choices: Iterable[str]) -> str | None:
    """The one choice ``value`` is the start of; None for none, or for more than one."""
    matches = [choice for choice in choices if choice.startswith(value)]
    return matches[0] if len(matches) == 1 else None


def _severity(needle: str) -> tuple[str, Test]:
    severity = _started(needle, SEVERITIES)
    if severity is None:
        raise FilterValueError(f"sev: takes critical, trouble or attention, not '{needle}'")
    return severity, lambda incident: incident.severity == severity


def _severity_words(value: str, negated: bool) -> str:
    return f"{'not ' if negated else ''}severity {value}"


def _status(needle: str) -> tuple[str, Test]:
    word = _started(re.sub(r"[\s_\-]+", "", needle), _STATUS_WORDS)
    if word is None:
        raise FilterValueError(f"status: takes open, in_progress or closed, not '{needle}'")
    status = _STATUS_WORDS[word]
    return status, lambda incident: incident.status == status


def _status_words(value: str, negated: bool) -> str:
    return f"{'not ' if negated else ''}{_STATUS_NAMES.get(value, value)}"


def _assignee(needle: str) -> tuple[str, Test]:
    """Text found in the assignee's name (its id when Roost has no name for it); ``none``: nobody."""
    if needle == UNASSIGNED_WORD:
        return needle, _unassigned
    return needle, lambda incident: needle in incident.assignee.casefold()


def _unassigned(incident: Incident) -> bool:
    return not incident.assignee


def _assignee_words(value: str, negated: bool) -> str:
    if value == UNASSIGNED_WORD:
        return "assigned" if negated else "unassigned"
    return f"{'not ' if negated else ''}assignee {value}"


def _key(needle: str) -> tuple[str, Test]:
    return needle, lambda incident: needle in incident.key.casefold()


def _due_at(clock: Callable[[], datetime]) -> Callable[[str], tuple[str, Test]]:
    def due(needle: str) -> tuple[str, Test]:
        """``overdue``: past due and not closed; ``today``: due on today's local date; ``none``: no due date."""
        if needle not in DUE_WORDS:
            raise FilterValueError(f"due: takes overdue, today or none, not '{needle}'")
        if needle == "none":
            return needle, _no_due_date
        judge = is_overdue if needle == "overdue" else is_due_today
        return needle, lambda incident: judge(incident, clock())

    return due


def is_due_today(incident: Incident, now: datetime | None = None) -> bool:
    due = log360_fields(incident).due_date
    if due is None:
        return False
    try:
        return due.astimezone().date() == (now or datetime.now(timezone.utc)).astimezone().date()
    except (OverflowError, OSError, ValueError):  # a date at the edge of the range is not today
        return False


def _no_due_date(incident: Incident) -> bool:
    return log360_fields(incident).due_date is None


def _due_words(value: str, negated: bool) -> str:
    words = {"overdue": "overdue", "today": "due today", "none": "no due date"}[value]
    if not negated:
        return words
    return "has a due date" if value == "none" else f"not {words}"


def filter_fields_at(clock: Callable[[], datetime]) -> tuple[FilterField, ...]:
    """The ``/`` tokens, ``due:`` judged by ``clock`` (the session's: a fixed one in tests)."""
    return (
        FilterField("sev", _severity, describe=_severity_words),
        FilterField("status", _status, describe=_status_words),
        FilterField("assignee", _assignee, describe=_assignee_words),
        FilterField("key", _key),
        FilterField("due", _due_at(clock), describe=_due_words),
    )


FILTER_FIELDS = filter_fields_at(lambda: datetime.now(timezone.utc))


def searchable_text(incident: Incident) -> list[str]:
    """What bare words search beyond the neutral fields (the parser folds it into ``Document.words``)."""
    return searchable_parts(log360_fields(incident), incident.events)
