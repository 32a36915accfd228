"""Canary's JSON to Roost's objects, normalised once, at the edge.

The console sends string booleans ("True"), numbers as strings ("22"), epoch
seconds as strings, and two incident shapes (the feed's nested ``description``
object and the flat search/fetch form).  Everything past this module sees one
neutral ``Incident`` with real types and Canary's own fields in ``CanaryFields``
(its ``extras``); ``raw`` keeps the console's JSON for lossless exports and archives.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from ...model import JSON, Document, Event, Incident, with_words
from ..values import ShapeError, to_bool, to_datetime, to_int, to_text
from .logtypes import logtype_name

# Keys of an event that carry its time rather than what the attacker did.
_EVENT_TIME_KEYS = frozenset({"timestamp", "timestamp_std"})

# The console's ``*_std`` times: "2020-04-07 08:53:43 UTC+0000" (zone abbreviation, then offset).
_STD_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) \S*?([+-])(\d{2})(\d{2})$")

UNACKNOWLEDGED = "unacknowledged"
ACKNOWLEDGED = "acknowledged"


@dataclass(frozen=True, slots=True)
class CanaryFields:
    """What a Canary incident carries beyond the neutral model (``Incident.extras``): what the
    table, sorts and filters read.  The rest (``hash_id``, the bird's ``local_time``, the
    device details) stays in the document."""

    logtype: int | None = None
    src_host_reverse: str = ""
    src_port: int | None = None
    dst_host: str = ""
    dst_port: int | None = None
    node_id: str = ""
    node_name: str = ""
    flock_id: str = ""
    flock_name: str = ""
    memo: str = ""

    @property
    def logtype_name(self) -> str:
        return logtype_name(self.logtype)

    @property
    def is_token(self) -> bool:
        """Canarytoken incidents (logtypes 16xxx/17xxx) have no bird behind them."""
        return self.logtype is not None and 16000 <= self.logtype < 18000


NO_FIELDS = CanaryFields()


def canary_fields(incident: Incident) -> CanaryFields:
    """``incident``'s Canary fields (empty ones for an incident built without them)."""
    extras = incident.extras
    return extras if isinstance(extras, CanaryFields) else NO_FIELDS


def bird_time(incident: Incident) -> str:
    """The bird's own clock when the incident was created (``local_time``), read from the
    document: only the detail pane shows it, so it is not kept decoded for every incident."""
    raw = incident.raw
    nested = raw.get("description")
    return to_text((nested if isinstance(nested, Mapping) else raw).get("local_time"))


def sensor_label(name: str, memo: str, node_id: str) -> str:
    """The bird's name, or the token's memo (tokens are named "N/A"), or the node id."""
    if name and name != "N/A":
        return name
    return memo or node_id


@dataclass(frozen=True, slots=True)
class Host:
    """A bird's device info (GET /device/info)."""

    node_id: str
    name: str = ""
    description: str = ""
    location: str = ""
    ip_address: str = ""
    mac_address: str = ""
    version: str = ""
    personality: str = ""
    flock_id: str = ""
    live: bool | None = None
    last_seen: datetime | None = None
    first_seen: datetime | None = None
    raw: JSON = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One incident in a source IP's history; deleted ones are kept by the console."""

    key: str
    summary: str
    created: datetime | None
    deleted: bool
    dst_port: int | None
    flock_id: str
    node_id: str
    src_host: str
    raw: JSON = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a feed or a search.

    ``next_cursor`` is None on the last page.  ``max_updated_id`` is the largest
    ``updated_id`` on this page (None for an empty page).  Search pages also
    carry ``page_number``/``total_pages``/``total_results``.  ``unreadable``
    counts the items left out because they were not incidents (not an object,
    or no key to act on); an item the client could not decode (nested too
    deeply, say) arrives as None and is counted here too.  ``raw`` is the page's
    own fields, its incidents left out (they are in ``incidents``).
    """

    incidents: tuple[Incident, ...]
    next_cursor: str | None = None
    prev_cursor: str | None = None
    max_updated_id: int | None = None
    page_number: int | None = None
    total_pages: int | None = None
    total_results: int | None = None
    unreadable: int = 0
    raw: JSON = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class BulkResult:
    """What a bulk action touched: the console's list of keys."""

    action: str
    keys: tuple[str, ...]


# ---------------------------------------------------------------------------

def from_std_time(value: Any) -> datetime | None:
    """A ``*_std`` field ("2020-04-07 08:53:43 UTC+0000") to an aware UTC datetime."""
    match = _STD_TIME.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        return None
    wall, sign, hours, minutes = match.groups()
    offset = timedelta(hours=int(hours), minutes=int(minutes)) * (-1 if sign == "-" else 1)
    try:
        local = datetime.strptime(wall, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone(offset))
        return local.astimezone(timezone.utc)
    except (ValueError, OverflowError):  # an offset that is no zone, or a time UTC cannot hold (year 1 at +14)
        return None


def _require_object(raw: Any, what: str) -> None:
    if not isinstance(raw, Mapping):
        raise ShapeError(f"{what} is not a JSON object")


def parse_event(raw: Any) -> Event:
    if not isinstance(raw, Mapping):
        return Event(timestamp=None, fields=(("value", to_text(raw)),), raw={"value": raw})
    fields = tuple((str(k), to_text(v)) for k, v in raw.items() if k not in _EVENT_TIME_KEYS)
    return Event(timestamp=to_datetime(raw.get("timestamp")), fields=fields, raw=dict(raw))


def _events(value: Any) -> tuple[Event, ...]:
    if isinstance(value, list):
        return tuple(parse_event(e) for e in value)
    return ()


# A feed item's fields in the console's order, with the event fields its birds send most (the API
# documentation's names): zlib's preset dictionary for Canary documents (``Document.dictionary``).
# Changing it changes every packed document: the cache's schema version goes up with it.
_CANARY_DICTIONARY = (
    '{"description":{"acknowledged":"False","created":"1700000000","created_std":"2024-01-01 00:00:00 UTC+0000",'
    '"description":"","dst_host":"","dst_port":"","events":['
    '{"CLIENT_HASH":null,"PASSWORD":"","SALT":"","USERNAME":"","timestamp":1700000000,'
    '"timestamp_std":"2024-01-01 00:00:00 UTC+0000"},'
    '{"HOSTNAME":"","LOCALVERSION":"","REMOTEVERSION":"","TERMSIZE":"","TERMTYPE":"","APPNAME":"","DOMAIN":"",'
    '"CHANNEL":"","METHOD":"GET","PATH":"/","RESPONSE":"","SKIN":"","USERAGENT":"Mozilla/5.0","FILENAME":"",'
    '"SHARENAME":"","AUDITACTION":"","timestamp":1700000000,"timestamp_std":"2024-01-01 00:00:00 UTC+0000"}],'
    '"events_count":"1","events_list":"","flock_id":"flock:default","flock_name":"Default Flock","ip_address":"",'
    '"ippers":"","local_time":"2024-01-01 00:00:00","logtype":"","mac_address":"","name":"","node_id":"",'
    '"notified":"False","src_host":"","src_host_reverse":"","src_port":""},"hash_id":"","id":"incident:",'
    '"summary":"","updated":"","updated_std":"2024-01-01 00:00:00 UTC+0000","updated_id":1,"updated_time":"1700000000"}'
).encode("ascii")


def _events_of(raw: Mapping[str, Any]) -> tuple[Event, ...]:
    """The events of either shape: the feed's nested ``description.events``, or flat ``events``/``logdata``."""
    nested = raw.get("description")
    body = nested if isinstance(nested, Mapping) else raw
    events = body.get("events")
    return _events(body.get("logdata") if events is None else events)


class CanaryDocument(Document):
    """A Canary incident's JSON, its events read from it when asked."""

    __slots__ = ()
    read_events = staticmethod(_events_of)
    dictionary = _CANARY_DICTIONARY


def searchable_parts(fields: CanaryFields, events: tuple[Event, ...]) -> list[str]:
    """What bare words search beyond the neutral fields: the logtype's name, the bird, flock and
    memo, the reverse name and target address, every event field's name and value."""
    parts = [
        fields.logtype_name,
        fields.src_host_reverse,
        fields.dst_host,
        fields.node_name,
        fields.node_id,
        fields.flock_name,
        fields.memo,
    ]
    for event in events:
        for name, value in event.fields:
            parts.append(name)
            parts.append(value)
    return parts


def _shared(text: str) -> str:
    """One copy of a string that thousands of incidents repeat (bird, flock, logtype, address)."""
    return sys.intern(text)


# Logtypes: a console has a few dozen, each held by thousands of incidents (an int apiece above
# 256, 32 bytes: 3 MB at 100,000).  Bounded, so a console sending nonsense cannot grow it for good.
_SHARED_LOGTYPES_LIMIT = 4096
_shared_logtypes: dict[int, int] = {}


def shared_logtype(logtype: int | None) -> int | None:
    """One int object per logtype, whoever asks (the parser, the cache)."""
    if type(logtype) is not int:  # None, or what a damaged cache row holds (its reader judges it)
        return logtype
    shared = _shared_logtypes.get(logtype)
    if shared is None:
        if len(_shared_logtypes) >= _SHARED_LOGTYPES_LIMIT:
            return logtype
        shared = _shared_logtypes.setdefault(logtype, logtype)  # parsers run on several threads
    return shared


def parse_incident(raw: Mapping[str, Any]) -> Incident:
    """Either shape to one Incident.

    Feed form: ``{"id", "hash_id", "summary", "updated_id", "description": {...}}``.
    Flat form (search/fetch): ``{"key"|"incident_key"|"id", "description": "<title>",
    ... , "events"|"logdata"}``.
    """
    _require_object(raw, "incident")
    body: Mapping[str, Any] = raw
    nested = raw.get("description")
    if isinstance(nested, Mapping):
        body = nested
        title = to_text(raw.get("summary")) or to_text(nested.get("description"))
    else:
        title = to_text(nested) or to_text(raw.get("summary"))
    key = to_text(raw.get("id") or raw.get("key") or raw.get("incident_key"))
    events = _events_of(raw)
    events_count = to_int(body.get("events_count"))
    updated_time = raw.get("updated_time", body.get("updated_time"))
    extras = CanaryFields(
        logtype=shared_logtype(to_int(body.get("logtype"))),
        src_host_reverse=_shared(to_text(body.get("src_host_reverse"))),
        src_port=to_int(body.get("src_port")),
        dst_host=_shared(to_text(body.get("dst_host"))),
        dst_port=to_int(body.get("dst_port")),
        node_id=_shared(to_text(body.get("node_id"))),
        node_name=_shared(to_text(body.get("name")) or _host_name(body.get("host"))),
        flock_id=_shared(to_text(body.get("flock_id"))),
        flock_name=_shared(to_text(body.get("flock_name"))),
        memo=_shared(to_text(body.get("memo"))),
    )
    created = to_datetime(body.get("created"))
    updated = to_datetime(updated_time)
    incident = Incident(
        key=key,
        title=_shared(title),
        status=ACKNOWLEDGED if to_bool(body.get("acknowledged")) else UNACKNOWLEDGED,
        created=created,
        # Most incidents never change after their first event: one datetime object for both.
        updated=created if updated == created else updated,
        version=to_int(raw.get("updated_id", body.get("updated_id"))) or 0,
        source=_shared(to_text(body.get("src_host"))),
        target=sensor_label(extras.node_name, extras.memo, extras.node_id),
        events_count=events_count if events_count is not None else len(events),
        extras=extras,
        document=CanaryDocument.pack(raw, events=events),
    )
    return with_words(incident, searchable_parts(extras, events))


def _host_name(host: Any) -> str:
    """Search items carry no Canary ``name`` of their own, only the embedded ``host``."""
    return to_text(host.get("name")) if isinstance(host, Mapping) else ""


def parse_host(raw: Mapping[str, Any]) -> Host:
    """Device info (string booleans, epoch strings) or a /devices/all entry (real booleans,
    printable dates with ``*_std`` twins) to one Host."""
    _require_object(raw, "device")
    # Device info sends both: "device_live": "True" beside "live": "False" for a bird
    # whose heartbeat is seconds old, so device_live is the one that means "online".
    live = raw.get("device_live", raw.get("live"))
    last_seen = to_datetime(raw.get("last_heartbeat")) or from_std_time(raw.get("last_seen_std"))
    first_seen = to_datetime(raw.get("first_seen")) or from_std_time(raw.get("first_seen_std"))
    return Host(
        node_id=to_text(raw.get("node_id") or raw.get("id")),
        name=to_text(raw.get("name")),
        description=to_text(raw.get("description")),
        location=to_text(raw.get("location")),
        ip_address=to_text(raw.get("ip_address")),
        mac_address=to_text(raw.get("mac_address") or raw.get("mac")),
        version=to_text(raw.get("device_version") or raw.get("version")),
        personality=to_text(raw.get("personality") or raw.get("ippers")),
        flock_id=to_text(raw.get("flock_id")),
        live=None if live is None else to_bool(live),
        last_seen=last_seen,
        first_seen=first_seen,
        raw=dict(raw),
    )


def parse_history_entry(raw: Mapping[str, Any]) -> HistoryEntry:
    _require_object(raw, "history entry")
    return HistoryEntry(
        key=to_text(raw.get("key")),
        summary=to_text(raw.get("description")),
        created=to_datetime(raw.get("created")),
        deleted=to_bool(raw.get("deleted")),
        dst_port=to_int(raw.get("dst_port")),
        flock_id=to_text(raw.get("flock_id")),
        node_id=to_text(raw.get("node_id")),
        src_host=to_text(raw.get("src_host")),
        raw=dict(raw),
    )


def _list_field(raw: Mapping[str, Any], name: str) -> list[Any]:
    """A list member; consoles send ``null`` (or nothing) for an empty one."""
    value = raw.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ShapeError(f"{name} is not a list")
    return value


def _cursor(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ShapeError("cursor is not a string")
    return value


def parse_page(raw: Mapping[str, Any]) -> Page:
    """A feed (nested items) or search (flat items) response to one Page.

    ``"incidents": null`` and ``[]`` are both an empty page; a missing ``cursor`` or a
    null ``cursor.next`` means this is the last page.
    """
    _require_object(raw, "page")
    items = _list_field(raw, "incidents")
    cursor = raw.get("cursor")
    if cursor is None:
        cursor = {}
    if not isinstance(cursor, Mapping):
        raise ShapeError("cursor is not an object")
    incidents = tuple(incident for incident in map(page_item, items) if incident is not None)
    max_updated_id = to_int(raw.get("max_updated_id"))
    if max_updated_id is None and incidents:
        # Search pages carry no max_updated_id; their items still have updated_id.
        max_updated_id = max(incident.version for incident in incidents)
    return Page(
        incidents=incidents,
        next_cursor=_cursor(cursor.get("next")),
        prev_cursor=_cursor(cursor.get("prev")),
        max_updated_id=max_updated_id,
        page_number=to_int(raw.get("page_number")),
        total_pages=to_int(raw.get("total_pages")),
        total_results=to_int(raw.get("total_results")),
        unreadable=len(items) - len(incidents),
        raw={name: value for name, value in raw.items() if name != "incidents"},
    )


def page_item(item: Any) -> Incident | None:
    """One item of a page's ``incidents`` as an Incident, or None when it is not one (not an
    object, or no key to act on).  An item the client parsed as it decoded the page (so that
    the page's decoded JSON never lives whole) is already an Incident."""
    if isinstance(item, Incident):
        return item
    if not isinstance(item, Mapping):
        return None
    incident = parse_incident(item)
    return incident if incident.key else None


def parse_bulk_result(raw: Mapping[str, Any]) -> BulkResult:
    """``{"action": "deleted", "keys": [...]}``; ``"keys": null`` is nothing touched."""
    _require_object(raw, "bulk result")
    keys = _list_field(raw, "keys")
    return BulkResult(action=to_text(raw.get("action")), keys=tuple(to_text(key) for key in keys))


def parse_history(raw: Mapping[str, Any]) -> list[HistoryEntry]:
    """A history/source response (not paginated) to its entries, in the console's order."""
    _require_object(raw, "history")
    return [parse_history_entry(entry) for entry in _list_field(raw, "incidents")]


def parse_flock_names(raw: Mapping[str, Any]) -> dict[str, str]:
    """A flocks/list response: ``{"flocks": {"flock:default": "Default Flock", ...}}``."""
    _require_object(raw, "flock list")
    flocks = raw.get("flocks")
    if flocks is None:
        return {}
    _require_object(flocks, "flocks")
    return {to_text(flock_id): to_text(name) for flock_id, name in flocks.items()}
