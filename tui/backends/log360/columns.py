"""Log360's incident table: its columns, what each cell shows and how each sorts.

The table draws the mark flag and the status glyph itself, before these.  Cells are
plain text, so what colour would say elsewhere is said in characters: a severity's
glyph and word, a "!" before an overdue date.  Sort keys put what needs someone
first in the default (descending) order: critical before attention, the most
overdue before later dates, and what has no value last.

Eighty cells hold severity, created, name, assignee and due; a table of 100 or
more adds the evidence and notes counts.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from ...model import Incident
from ...timefmt import format_time
from ..base import Column
from .parse import ATTENTION, CLOSED, CRITICAL, TROUBLE, log360_fields

#: Each severity as one glyph and a word, readable without colour.
SEVERITY_LABELS = {CRITICAL: "▲ Critical", TROUBLE: "◆ Trouble", ATTENTION: "· Attention"}
#: Higher is more urgent; a severity Roost could not read ranks below every known one.
_SEVERITY_RANK = {CRITICAL: 3, TROUBLE: 2, ATTENTION: 1}
OVERDUE_MARK = "!"
#: Tables at least this wide show the evidence and notes counts.
COUNTS_TABLE_WIDTH = 100


def severity_label(incident: Incident) -> str:
    """"▲ Critical"; for a severity Roost could not read, "?" and the console's word; "-" for none."""
    label = SEVERITY_LABELS.get(incident.severity)
    if label is not None:
        return label
    sent = log360_fields(incident).severity_text.strip()
    return f"? {sent}" if sent else "-"


def is_overdue(incident: Incident, now: datetime | None = None) -> bool:
    """Its due date has passed and it is not closed (a closed incident is done, late or not)."""
    due = log360_fields(incident).due_date
    if due is None or incident.status == CLOSED:
        return False
    return due < (now or datetime.now(timezone.utc))


def _severity_rank(incident: Incident) -> int:
    return _SEVERITY_RANK.get(incident.severity, 0)


def _name(incident: Incident, wide: bool) -> str:
    return incident.title or "-"


def _assignee(incident: Incident, wide: bool) -> str:
    return incident.assignee or "-"


def _assignee_order(incident: Incident) -> tuple[bool, str]:
    return (bool(incident.assignee), incident.assignee.casefold())


def _due_at(clock: Callable[[], datetime]) -> Callable[[Incident, bool], str]:
    def due(incident: Incident, wide: bool) -> str:
        due_date = log360_fields(incident).due_date
        if due_date is None:
            return "-"
        shown = format_time(due_date, wide=wide)
        return f"{OVERDUE_MARK} {shown}" if is_overdue(incident, clock()) else shown

    return due


def _due_order(incident: Incident) -> tuple[bool, float]:
    """Descending: the earliest due first, then later ones, then those with no due date."""
    due = log360_fields(incident).due_date
    return (False, 0.0) if due is None else (True, -due.timestamp())


def _count_text(count: int | None) -> str:
    # None: the counts come with the incident's details, which the list does not carry; the
    # table has the rows it shows completed (Backend.complete), so this is blank only briefly.
    return "" if count is None else str(count)


def _count_order(count: int | None) -> tuple[bool, int]:
    return (count is not None, count or 0)


def columns_at(clock: Callable[[], datetime]) -> tuple[Column, ...]:
    """The table's columns, "overdue" judged by ``clock`` (the session's: a fixed one in tests)."""
    return (
        *_COLUMNS[:_DUE_AT],
        Column("due", "Due", 13, _due_at(clock), sort_key=_due_order, justify="right", wide_width=21),
        *_COLUMNS[_DUE_AT:],
    )


_COLUMNS: tuple[Column, ...] = (
    Column(
        "severity", "Severity", 11, lambda incident, wide: severity_label(incident),
        sort_key=_severity_rank,
    ),
    Column("created", "Created", 11, lambda incident, wide: format_time(incident.created, wide=wide), wide_width=19),
    Column("name", "Name", 14, _name, sort_key=lambda incident: incident.title.casefold(), flex=3),
    Column("assignee", "Assignee", 10, _assignee, sort_key=_assignee_order, flex=1),
    Column(
        "evidence", "Ev", 4, lambda incident, wide: _count_text(log360_fields(incident).evidence_count),
        sort_key=lambda incident: _count_order(log360_fields(incident).evidence_count),
        min_table_width=COUNTS_TABLE_WIDTH, justify="right", sort_title="evidence", from_details=True,
    ),
    Column(
        "notes", "Nt", 4, lambda incident, wide: _count_text(log360_fields(incident).notes_count),
        sort_key=lambda incident: _count_order(log360_fields(incident).notes_count),
        min_table_width=COUNTS_TABLE_WIDTH, justify="right", sort_title="notes", from_details=True,
    ),
)
_DUE_AT = 4  # after severity, created, name and assignee
COLUMNS = columns_at(lambda: datetime.now(timezone.utc))
