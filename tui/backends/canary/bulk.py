"""Bulk actions by filter: what a call to /incidents/{acknowledge,unacknowledge,delete} touches.

The console acts on whatever its filters match when the call arrives, so Roost
counts first: ``count_matching`` pages through the console's search with the
same filters and returns the incidents, so the analyst sees how many (and
which) before confirming.  Search has no ``src_host`` parameter, so a source IP
is matched exactly here, on what the console returned.

Also the forms' declarations (the bulk filters, the console search's fields) and
their translation to the contract's neutral requests.  No Textual here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Mapping, cast

from ..base import BulkPreview, BulkRequest, FormField, FormOption, FormValueError, SearchQuery
from ...model import Incident
from .logtypes import logtype_by_name
from .parse import ACKNOWLEDGED, UNACKNOWLEDGED, canary_fields

if TYPE_CHECKING:  # the client (and httpx) is imported when a session first speaks to its console
    from .client import BulkFilters, CanaryClient, Feed

Action = Literal["acknowledge", "unacknowledge", "delete"]

PERIOD = re.compile(r"([0-9]+)([hdw])")
_PERIOD_HOURS = {"h": 1, "d": 24, "w": 24 * 7}
SEARCH_PAGE_LIMIT = 500
# The filters, in the order the form and the descriptions show them.
FILTER_FIELDS = ("src_host", "node_id", "flock_id", "older_than", "filter_str", "logtypes")
INCLUDE_UNACKNOWLEDGED = "include-unacknowledged"

BULK_FIELDS = (
    FormField("src_host", "Source IP", value_of=lambda incident: incident.source, chosen=True),
    FormField("node_id", "Bird", value_of=lambda incident: canary_fields(incident).node_id,
              named=lambda incident: canary_fields(incident).node_name or canary_fields(incident).memo),
    FormField("flock_id", "Flock", value_of=lambda incident: canary_fields(incident).flock_id,
              named=lambda incident: canary_fields(incident).flock_name),
    FormField("older_than", "Older than", "1h 3d 2w · 0h = all"),
    FormField("filter_str", "Text", "source, bird, token, rDNS"),
    FormField("logtypes", "Logtypes", "4002,6001 or ssh,smb"),
)
# The console's bulk delete leaves unacknowledged incidents alone unless asked.
BULK_OPTIONS = (FormOption(INCLUDE_UNACKNOWLEDGED, "Delete unacknowledged ones too", "delete"),)
SEARCH_FIELDS = (
    FormField("text", "Text", "alert name, bird, source or destination IP"),
    FormField("logtypes", "Logtypes", "4002,6001 or ssh,smb"),
)
_ACTION_FOR = {ACKNOWLEDGED: "acknowledge", UNACKNOWLEDGED: "unacknowledge", None: "delete"}
_STATE_WORDS = {"unacknowledged": "unacknowledged ", "acknowledged": "acknowledged ", "all": ""}


@dataclass(frozen=True)
class BulkCall:
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
        return cast("BulkFilters", chosen)

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


def bulk_call(status: str | None, values: Mapping[str, str], options: frozenset[str]) -> BulkCall:
    """The call the bulk form describes; FormValueError for what the console would refuse."""
    action: Action = _ACTION_FOR[status]  # type: ignore[assignment]
    chosen = dict(values)
    logtypes, problem = parse_logtypes(chosen.pop("logtypes", ""))
    call = BulkCall(
        action,
        logtypes=logtypes,
        include_unacknowledged=action == "delete" and INCLUDE_UNACKNOWLEDGED in options,
        **{name: value for name, value in chosen.items() if name in FILTER_FIELDS},
    )
    problem = problem or next(iter(call.problems()), "")
    if problem:
        raise FormValueError(problem)
    return call


def bulk_request(call: BulkCall, status: str | None) -> BulkRequest:
    described = call.describe()
    including = call.include_unacknowledged and call.action == "delete"
    return BulkRequest(
        status,
        call.action,
        described,
        scope=f"Every {_STATE_WORDS[call.state]}incident {described}.",
        # What the console was asked, for the audit: the filters, and whether unacknowledged ones go too.
        asked=f"{described} · including unacknowledged" if including else described,
        native=call,
    )


async def count_matching(client: CanaryClient, call: BulkCall, *, now: datetime) -> tuple[tuple[Incident, ...], str]:
    """The incidents the console's search finds with ``call``'s filters, and how they were counted
    (raises ApiError)."""
    older = older_than_time(call.older_than, now) if call.older_than else None
    query = {
        "filter_incident_state": call.state,
        # Search has no src_host: narrow by text when the text filter is free, then match exactly.
        "filter_str": call.filter_str or call.src_host or None,
        "filter_logtypes": call.logtypes or None,
        "node_id": call.node_id or None,
        "flock_id": call.flock_id or None,
        "older_than": older,
    }
    by_key: dict[str, Incident] = {}
    async for page in client.iter_search(limit=SEARCH_PAGE_LIMIT, **query):
        for incident in page.incidents:
            if not call.src_host or incident.source == call.src_host:
                by_key[incident.key] = incident
    method = "Counted on the console just now (its search, same filters)"
    if call.src_host:
        method += "; source IP matched exactly by Roost"
    if call.filter_str:
        method += ". Search and bulk match text on slightly different fields: the result says what was touched"
    return tuple(by_key.values()), method + "."


def bulk_preview(request: BulkRequest, incidents: tuple[Incident, ...], method: str) -> BulkPreview:
    """The confirmation's words for ``incidents`` counted for ``request``."""
    # Counted with the state the bulk call acts on: unacknowledged ones are here only when included.
    unacknowledged = sum(1 for incident in incidents if incident.status != ACKNOWLEDGED)
    if request.verb != "delete" or not unacknowledged:
        return BulkPreview(request, incidents, method)
    them, are = ("it", "is") if unacknowledged == 1 else ("them", "are")
    return BulkPreview(
        request,
        incidents,
        method,
        # The console's bulk delete takes them as they are (include_unacknowledged): no acknowledge first.
        caution=f"{unacknowledged:,} unacknowledged: the console deletes {them} as "
        f"{'it is' if unacknowledged == 1 else 'they are'}, without acknowledging.",
        risky=f"{unacknowledged:,} of these {are} NOT acknowledged. Press D (shift+d) to delete anyway, n or esc to cancel.",
    )


def search_query(values: Mapping[str, str], status: str) -> SearchQuery:
    """The console search the form describes; FormValueError for logtypes it does not know."""
    text = values.get("text", "").strip()
    logtypes, problem = parse_logtypes(values.get("logtypes", ""))
    if problem:
        raise FormValueError(problem)
    parts = [f'"{text}"' if text else "everything"]
    if logtypes:
        parts.append("logtype " + ",".join(map(str, logtypes)))
    if status:
        parts.append(status)
    return SearchQuery(
        (("text", text), ("logtypes", ",".join(map(str, logtypes)))),
        status,
        " · ".join(parts),
        native={"filter_str": text or None, "filter_logtypes": logtypes or None, "filter_incident_state": status or "all"},
    )
