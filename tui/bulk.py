"""Bulk actions by filter: what a call to /incidents/{acknowledge,unacknowledge,delete} touches.

The console acts on whatever its filters match when the call arrives, so Roost
counts first: ``count_matching`` pages through the console's search with the
same filters and returns the incidents, so the analyst sees how many (and
which) before confirming.  Search has no ``src_host`` parameter, so a source IP
is matched exactly here, on what the console returned.  No Textual here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from .backends.canary.client import BulkFilters, Feed
from .backends.canary.logtypes import logtype_by_name
from .model import Incident

Action = Literal["acknowledge", "unacknowledge", "delete"]

PERIOD = re.compile(r"([0-9]+)([hdw])")
_PERIOD_HOURS = {"h": 1, "d": 24, "w": 24 * 7}
SEARCH_PAGE_LIMIT = 500
# The filters, in the order the form and the descriptions show them.
FILTER_FIELDS = ("src_host", "node_id", "flock_id", "older_than", "filter_str", "logtypes")


@dataclass(frozen=True)
class BulkRequest:
    """One bulk call.  Empty fields are not filters; ``older_than`` is a period (``0h`` = everything)."""

    action: Action
    src_host: str = ""
    node_id: str = ""
    flock_id: str = ""
    older_than: str = ""
    filter_str: str = ""
    logtypes: tuple[int, ...] = ()
    #: Delete only: the console's bulk delete leaves unacknowledged incidents alone unless asked.
    include_unacknowledged: bool = False

    def problems(self) -> list[str]:
        """Why the console would refuse this (or act on everything by accident); empty when it is fine."""
        problems = []
        if not any(getattr(self, name) for name in FILTER_FIELDS):
            problems.append("Choose at least one filter (older than 0h means every incident).")
        if self.src_host and self.node_id:
            problems.append("The console cannot combine a source IP and a bird: choose one.")
        if self.older_than and not PERIOD.fullmatch(self.older_than):
            problems.append("Older than takes a period like 1h, 3d or 2w (0h is everything).")
        return problems

    @property
    def state(self) -> Feed:
        """The incidents the console's bulk endpoint acts on."""
        if self.action == "acknowledge":
            return "unacknowledged"
        if self.action == "unacknowledge":
            return "acknowledged"
        return "all" if self.include_unacknowledged else "acknowledged"

    def filters(self) -> BulkFilters:
        chosen: dict[str, Any] = {name: getattr(self, name) for name in FILTER_FIELDS[:-1] if getattr(self, name)}
        if self.logtypes:
            chosen["filter_logtypes"] = self.logtypes
        return BulkFilters(**chosen)

    def describe(self) -> str:
        """The filters as a phrase: ``from 203.0.113.5 · older than 1d``."""
        parts = []
        if self.src_host:
            parts.append(f"from {self.src_host}")
        if self.node_id:
            parts.append(f"on bird {self.node_id}")
        if self.flock_id:
            parts.append(f"in flock {self.flock_id}")
        if self.older_than:
            parts.append("of any age" if _is_zero(self.older_than) else f"older than {self.older_than}")
        if self.filter_str:
            parts.append(f'matching "{self.filter_str}"')
        if self.logtypes:
            parts.append("logtype " + ",".join(str(logtype) for logtype in self.logtypes))
        return " · ".join(parts)


def parse_logtypes(text: str) -> tuple[tuple[int, ...], str]:
    """Logtype numbers or name fragments (``4002, smb``) as numbers, and an error or ""."""
    found: set[int] = set()
    for word in filter(None, (part.strip() for part in text.split(","))):
        matched = logtype_by_name(word)
        if not matched:
            return (), f"No logtype is called '{word}': use numbers like 4002 or a name like ssh."
        found |= matched
    return tuple(sorted(found)), ""


def older_than_time(period: str, now: datetime) -> datetime | None:
    """The creation time a period reaches back to (None for ``0h``, which is everything)."""
    match = PERIOD.fullmatch(period)
    if match is None:
        raise ValueError(f"not a period: {period!r}")
    hours = int(match[1]) * _PERIOD_HOURS[match[2]]
    # "Older than 0h" is everything up to now, this second included.
    return None if hours == 0 else now - timedelta(hours=hours)


def _is_zero(period: str) -> bool:
    match = PERIOD.fullmatch(period)
    return match is not None and int(match[1]) == 0


@dataclass(frozen=True)
class BulkPreview:
    """The incidents a bulk call would touch, counted on the console just before it is sent."""

    request: BulkRequest
    incidents: tuple[Incident, ...]
    #: How they were counted, for the confirmation dialog: the analyst decides on it.
    method: str

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(incident.key for incident in self.incidents)


async def count_matching(client: Any, request: BulkRequest, *, now: datetime) -> BulkPreview:
    """Page through the console's search with ``request``'s filters (raises ApiError)."""
    older = older_than_time(request.older_than, now) if request.older_than else None
    query = {
        "filter_incident_state": request.state,
        # Search has no src_host: narrow by text when the text filter is free, then match exactly.
        "filter_str": request.filter_str or request.src_host or None,
        "filter_logtypes": request.logtypes or None,
        "node_id": request.node_id or None,
        "flock_id": request.flock_id or None,
        "older_than": older,
    }
    by_key: dict[str, Incident] = {}
    async for page in client.iter_search(limit=SEARCH_PAGE_LIMIT, **query):
        for incident in page.incidents:
            if not request.src_host or incident.src_host == request.src_host:
                by_key[incident.key] = incident
    method = "Counted on the console just now (its search, same filters)"
    if request.src_host:
        method += "; source IP matched exactly by Roost"
    if request.filter_str:
        method += ". Search and bulk match text on slightly different fields: the result says what was touched"
    return BulkPreview(request, tuple(by_key.values()), method + ".")
