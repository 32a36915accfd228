"""Log360's JSON to Roost's objects, normalised once, at the edge.

The API hands an incident over in two halves: the list gives the core (``incident_id``,
``incident_name``, ``severity``, ``status``, ``assign_to``, times), the get-one answer
only ``actors``, ``notes``, ``evidence`` and ``activity``.  One reader takes any mix of
the two (the sample file and the cache hold both in one object), so a listed incident
merged with its details is simply the two objects' keys together (``merge_detail``).

Spellings vary between ManageEngine surfaces (``In Progress``, ``Inprogress``,
``In-progress``, ``in_progress``; ``Critical``): they are normalised here, and the
console's own spelling kept in ``Log360Fields``.  Times carry no zone and are read in
the profile's time zone (default: the local one).  Every value is attacker-influenced
text or a console's whim: nothing here raises on a bad field; an item that is not an
object, or has no id to act on, is counted as unreadable by ``parse_page``.

``version`` (the store's freshness) must grow with each change, and the list has no
"updated" time: it is the epoch milliseconds of the newest time the console tells of
(an undocumented update time if a console sends one, the newest activity record once
details are merged, else the creation time).  Re-listing alone cannot see a change
grow that number, so ``Versions`` turns "the listed fields changed" into a higher
version, per incident; the backend keeps one.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Callable, Iterable, Mapping, TypeVar

from ...model import JSON, Document, Event, Incident, with_words
from ..values import ShapeError, to_int, to_text

OPEN, IN_PROGRESS, CLOSED = "open", "in_progress", "closed"
STATUSES = (OPEN, IN_PROGRESS, CLOSED)
CRITICAL, TROUBLE, ATTENTION = "critical", "trouble", "attention"
SEVERITIES = (CRITICAL, TROUBLE, ATTENTION)
#: The wire's "nobody" in ``assign_to`` / ``assignee``.
UNASSIGNED = -1

# Ids are 13-digit integers; anything up to 19 digits still fits the console's 64 bits.
_ID = re.compile(r"[0-9]{1,19}")
# "2025-03-31 16:12:10", ISO 8601 with T, seconds optional, fractions, an offset or Z.
_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,9}))?)?)?"
    r"\s*(Z|z|UTC|GMT|[+-][0-9]{2}:?[0-9]{2})?"
)
# Epoch numbers at or past this are milliseconds (1973 in ms, year 5138 in seconds).
_EPOCH_MS = 100_000_000_000
# Undocumented: a console that sends a last-change time under one of these names gets it used.
_UPDATE_TIME_KEYS = ("updated_time", "last_updated_time", "modified_time", "last_modified_time", "updated_at")
# Evidence keys that say when the log happened (first) or was attached.
_EVIDENCE_TIME_KEYS = ("log_org_time", "incident_time", "_zl_timestamp")
# What the console sends where it has nothing.
_NOTHING = frozenset({"", "n/a", "na", "-", "null", "none"})


@dataclass(frozen=True, slots=True)
class Note:
    text: str
    added_by: str = ""
    time: datetime | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    """One entry of the Actors widget: its kind (``entity``, ``suspect``, ``user``...) and its values."""

    kind: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ActivityEntry:
    activity: str
    description: str = ""
    time: datetime | None = None


@dataclass(frozen=True, slots=True)
class Log360Fields:
    """What a Log360 incident carries beyond the neutral model (``Incident.extras``)."""

    description: str = ""
    due_date: datetime | None = None
    created_by: str = ""
    #: The assignee's user id as text; "" when unassigned (the wire's -1).
    assignee_id: str = ""
    #: The console's own spellings, for display when Roost could not read them.
    status_text: str = ""
    severity_text: str = ""
    notes: tuple[Note, ...] = ()
    actors: tuple[Actor, ...] = ()
    #: Newest first, as the console sends it.
    activity: tuple[ActivityEntry, ...] = ()
    #: None until the get-one answer is merged in (the list carries no counts).
    evidence_count: int | None = None
    notes_count: int | None = None
    #: Whether the get-one answer (actors, notes, evidence, activity) is in this record.
    detailed: bool = False


NO_FIELDS = Log360Fields()


def log360_fields(incident: Incident) -> Log360Fields:
    """``incident``'s Log360 fields (empty ones for an incident built without them)."""
    extras = incident.extras
    return extras if isinstance(extras, Log360Fields) else NO_FIELDS


@dataclass(frozen=True, slots=True)
class Page:
    """One page of the list.  ``unreadable`` counts items left out (not an object, or no id).

    ``total_items``/``total_pages``/``per_page`` are the console's ``meta`` (None when absent).
    ``size`` is how many items the console sent, readable or not: the next page's ``from``
    moves on by that much.
    """

    incidents: tuple[Incident, ...]
    size: int = 0
    unreadable: int = 0
    per_page: int | None = None
    total_pages: int | None = None
    total_items: int | None = None
    raw: JSON = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class User:
    """One user of the users list: ``user_id`` (as text) is what ``assignee`` takes."""

    user_id: str
    name: str
    role: str = ""
    raw: JSON = field(default_factory=dict, compare=False, repr=False)


# -- values ---------------------------------------------------------------------------


def _squash(value: str) -> str:
    return re.sub(r"[\s_\-]+", "", value).lower()


_STATUS_FORMS = {_squash(status): status for status in STATUSES}


def normalise_status(value: Any) -> str | None:
    """``Open``, ``In Progress``, ``Inprogress``, ``In-progress``, ``in_progress``, ``Closed`` to
    ``open`` / ``in_progress`` / ``closed``; None for anything else."""
    return _STATUS_FORMS.get(_squash(value)) if isinstance(value, str) else None


def normalise_severity(value: Any) -> str | None:
    """``Critical`` / ``Trouble`` / ``Attention`` in any case to their lower-case ids; None otherwise."""
    if not isinstance(value, str):
        return None
    lowered = value.strip().lower()
    return lowered if lowered in SEVERITIES else None


def parse_id(value: Any) -> str:
    """An incident or user id (an integer, or digits as text) as text; "" when it is not one.

    Negative ids (the wire's -1, "nobody") and zero are not ids.
    """
    if isinstance(value, bool):
        return ""
    if isinstance(value, float):
        number = to_int(value) if value.is_integer() else None
        text = "" if number is None else str(number)
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        return ""
    if not text.isascii() or _ID.fullmatch(text) is None or int(text) <= 0:
        return ""
    return str(int(text))


def parse_time(value: Any, tz: tzinfo | None = None) -> datetime | None:
    """A console time as an aware UTC datetime; None when it is not one.

    ``YYYY-MM-DD HH:MM:SS`` (and ISO 8601 forms of it) without an offset is wall-clock
    time in ``tz`` (None: the local zone); with an offset or ``Z`` it is that.  Numbers
    are epoch seconds, or milliseconds when large.  A date alone is midnight.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        try:
            seconds = float(value)
            if abs(seconds) >= _EPOCH_MS:
                seconds /= 1000
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or len(value) > 64:
        return None
    match = _TIME.fullmatch(value.strip())
    if match is None or not value.isascii():
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        wall = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro)
        if zone is None:
            moment = wall.replace(tzinfo=tz) if tz is not None else wall.astimezone()
        elif zone.upper() in ("Z", "UTC", "GMT"):
            moment = wall.replace(tzinfo=timezone.utc)
        else:
            digits = zone.replace(":", "")
            minutes = int(digits[1:3]) * 60 + int(digits[3:5])
            moment = wall.replace(tzinfo=timezone(timedelta(minutes=-minutes if digits[0] == "-" else minutes)))
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None


def epoch_ms(moment: datetime | None) -> int:
    """``moment`` as epoch milliseconds; 0 for None."""
    if moment is None:
        return 0
    try:
        return int(moment.timestamp() * 1000)
    except (OverflowError, OSError, ValueError):
        return 0


def _text_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(to_text(item) for item in value)
    if value is None:
        return ()
    return (to_text(value),)


def _objects(value: Any) -> list[Mapping[str, Any]]:
    """The objects of a list member (anything else in it, or a non-list, is left out)."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _meaningful(value: str) -> str:
    return "" if value.strip().lower() in _NOTHING else value


# -- details --------------------------------------------------------------------------


def parse_note(raw: Any, tz: tzinfo | None = None) -> Note:
    if not isinstance(raw, Mapping):
        return Note(text=to_text(raw))
    return Note(text=to_text(raw.get("note")), added_by=to_text(raw.get("added_by")),
                time=parse_time(raw.get("time"), tz))


def parse_actors(value: Any) -> tuple[Actor, ...]:
    """``[{"entity": ["host"]}, {"suspect": [...]}]``: each key of each object is one actor kind.

    Kinds beyond ``entity`` and ``suspect`` (users, services, processes) are kept as they come.
    """
    actors: list[Actor] = []
    for item in _objects(value):
        for kind, values in item.items():
            actors.append(Actor(kind=to_text(kind), values=_text_list(values)))
    return tuple(actors)


def parse_activity(raw: Any, tz: tzinfo | None = None) -> ActivityEntry:
    if not isinstance(raw, Mapping):
        return ActivityEntry(activity=to_text(raw))
    return ActivityEntry(activity=to_text(raw.get("activity")), description=to_text(raw.get("description")),
                         time=parse_time(raw.get("time"), tz))


def evidence_time(raw: Mapping[str, Any], tz: tzinfo | None = None) -> datetime | None:
    """When the evidence's log happened (``log_org_time``), else when it was attached."""
    for key in _EVIDENCE_TIME_KEYS:
        moment = parse_time(raw.get(key), tz)
        if moment is not None:
            return moment
    return None


# What an analyst reads first in a piece of evidence; the rest follow in the console's order.
_EVIDENCE_FIRST = ("message", "hostname", "username", "source_ip", "category", "source")


def parse_evidence(raw: Any, tz: tzinfo | None = None) -> Event:
    """One evidence record as an Event: its time, then every field as text, what it says and
    who and where first (message, host, user, source IP), the rest in the console's order."""
    if not isinstance(raw, Mapping):
        return Event(timestamp=None, fields=(("value", to_text(raw)),), raw={"value": raw})
    first = [name for name in _EVIDENCE_FIRST if name in raw]
    rest = [name for name in raw if name not in first]
    fields = tuple((to_text(name), to_text(raw[name])) for name in (*first, *rest))
    return Event(timestamp=evidence_time(raw, tz), fields=fields, raw=dict(raw))


Dated = TypeVar("Dated")


def newest_first(records: Iterable[Dated], time_of: Callable[[Dated], datetime | None]) -> list[Dated]:
    """As an analyst reads evidence, notes and activity: the newest first, undated last, the
    server's order kept between equals."""
    return sorted(records, key=lambda record: _time_order(time_of(record)), reverse=True)


def _time_order(moment: datetime | None) -> tuple[bool, float]:
    return (moment is not None, moment.timestamp() if moment is not None else 0.0)


# -- incidents ------------------------------------------------------------------------


def _first(raw: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        value = raw.get(name)
        if value is not None:
            return value
    return None


def _assignee_id(value: Any) -> str:
    """``assign_to``: a user id, -1 for nobody; also ``{"user_id": ...}`` objects some surfaces send."""
    if isinstance(value, Mapping):
        value = _first(value, "user_id", "id")
    return parse_id(value)


def parse_incident(
    raw: Any,
    *,
    tz: tzinfo | None = None,
    users: Mapping[str, str] | None = None,
    key: str | None = None,
) -> Incident:
    """A list item, a get-one answer, or both merged, to one Incident.

    ``key``: the id when ``raw`` has none (a get-one answer; the request named it).
    ``users``: user names by id, to show the assignee's name instead of its id.
    Raises ShapeError only when ``raw`` is not an object; ``key`` is "" when there is no
    id to act on (``parse_page`` counts such items as unreadable).
    """
    if not isinstance(raw, Mapping):
        raise ShapeError("incident is not a JSON object")
    incident_key = parse_id(_first(raw, "incident_id", "id")) or (parse_id(key) if key is not None else "")
    status_text = to_text(raw.get("status"))
    severity_text = to_text(raw.get("severity"))
    created = parse_time(_first(raw, "created_time", "created_at"), tz)
    updated_field = next((parse_time(raw.get(name), tz) for name in _UPDATE_TIME_KEYS if raw.get(name)), None)
    assignee_id = _assignee_id(_first(raw, "assign_to", "assignee"))
    detailed = any(name in raw for name in ("actors", "notes", "evidence", "activity"))
    notes_raw = raw.get("notes")
    notes = tuple(parse_note(note, tz) for note in notes_raw) if isinstance(notes_raw, list) else ()
    evidence_raw = raw.get("evidence")
    # The server sends evidence oldest first.
    evidence = [parse_evidence(item, tz) for item in evidence_raw] if isinstance(evidence_raw, list) else []
    events = tuple(newest_first(evidence, lambda event: event.timestamp))
    activity_raw = raw.get("activity")
    activity = tuple(parse_activity(item, tz) for item in activity_raw) if isinstance(activity_raw, list) else ()
    actors = parse_actors(raw.get("actors"))
    newest_activity = max((entry.time for entry in activity if entry.time is not None), default=None)
    known_times = [moment for moment in (updated_field, newest_activity, created) if moment is not None]
    updated = max(known_times) if known_times else None
    extras = Log360Fields(
        description=to_text(_first(raw, "incident_description", "description")),
        due_date=parse_time(raw.get("due_date"), tz),
        created_by=to_text(raw.get("created_by")),
        assignee_id=assignee_id,
        status_text=status_text,
        severity_text=severity_text,
        notes=notes,
        actors=actors,
        activity=activity,
        evidence_count=len(events) if detailed else None,
        notes_count=len(notes) if detailed else None,
        detailed=detailed,
    )
    incident = Incident(
        key=incident_key,
        title=to_text(_first(raw, "incident_name", "name")),
        # An unreadable status counts as open, so the incident stays in the default view;
        # the console's word is kept in ``status_text``.
        status=normalise_status(status_text) or OPEN,
        created=created,
        updated=updated,
        version=epoch_ms(updated),
        source=_source(events),
        target=_target(actors, events),
        severity=normalise_severity(severity_text) or "",
        assignee=assignee_label(assignee_id, users),
        events_count=len(events),
        extras=extras,
        document=Document.pack(raw, events=events),
    )
    # Evidence is read with the console's time zone, so it is kept decoded: a listing carries none.
    return with_words(incident, searchable_parts(extras, events), keep_events=True)


def searchable_parts(fields: Log360Fields, events: tuple[Event, ...]) -> list[str]:
    """What bare words search beyond the neutral fields: the description, the console's severity
    word, the creator, notes and their authors, actors, and every evidence field."""
    parts = [fields.description, fields.severity_text, fields.created_by]
    for note in fields.notes:
        parts.append(note.text)
        parts.append(note.added_by)
    for actor in fields.actors:
        parts.append(actor.kind)
        parts.extend(actor.values)
    for event in events:
        for name, value in event.fields:
            parts.append(name)
            parts.append(value)
    return parts


def assignee_label(assignee_id: str, users: Mapping[str, str] | None = None) -> str:
    """The assignee's name when ``users`` knows the id, else the id; "" for nobody."""
    if not assignee_id:
        return ""
    return (users or {}).get(assignee_id) or assignee_id


def with_users(incident: Incident, users: Mapping[str, str]) -> Incident:
    """``incident`` with its assignee named from ``users`` (a users list that arrived later)."""
    fields = log360_fields(incident)
    label = assignee_label(fields.assignee_id, users)
    if label == incident.assignee:
        return incident
    return with_words(replace(incident, assignee=label), searchable_parts(fields, incident.events), keep_events=True)


def _source(events: tuple[Event, ...]) -> str:
    """The first evidence's source IP that says something."""
    for event in events:
        value = _meaningful(to_text(event.raw.get("source_ip")))
        if value:
            return value
    return ""


def _target(actors: tuple[Actor, ...], events: tuple[Event, ...]) -> str:
    """The first entity the Actors widget names, else the first evidence's host."""
    for actor in actors:
        if actor.kind == "entity":
            for value in actor.values:
                if _meaningful(value):
                    return value
    for event in events:
        value = _meaningful(to_text(event.raw.get("hostname")))
        if value:
            return value
    return ""


def merge_detail(
    listed: Incident, detail: Mapping[str, Any], *, tz: tzinfo | None = None, users: Mapping[str, str] | None = None
) -> Incident:
    """A listed incident with a get-one answer's ``data`` merged in: one document, read again.

    The detail's keys win (a console that sends core fields on get-one is newer than the list).
    """
    if not isinstance(detail, Mapping):
        raise ShapeError("incident details are not a JSON object")
    merged = {**listed.raw, **detail}
    return parse_incident(merged, tz=tz, users=users, key=listed.key)


def parse_page(body: Mapping[str, Any], *, tz: tzinfo | None = None, users: Mapping[str, str] | None = None) -> Page:
    """A list answer (``{"data": [...], "meta": {...}}``) to one Page.

    ``"data": null`` or no ``data`` is an empty page.  Items that are not objects, or have
    no id, are counted in ``unreadable`` and left out.
    """
    if not isinstance(body, Mapping):
        raise ShapeError("page is not a JSON object")
    items = body.get("data")
    if items is None:
        items = []
    if not isinstance(items, list):
        raise ShapeError("data is not a list")
    incidents = tuple(
        incident
        for incident in (parse_incident(item, tz=tz, users=users) for item in items if isinstance(item, Mapping))
        if incident.key
    )
    meta = body.get("meta")
    meta = meta if isinstance(meta, Mapping) else {}
    return Page(
        incidents=incidents,
        size=len(items),
        unreadable=len(items) - len(incidents),
        per_page=to_int(meta.get("per_page")),
        total_pages=to_int(meta.get("total_pages")),
        total_items=to_int(meta.get("total_items")),
        raw=dict(body),
    )


def parse_detail(
    body: Mapping[str, Any], key: str, *, tz: tzinfo | None = None, users: Mapping[str, str] | None = None
) -> Incident:
    """A get-one answer (``{"data": {"actors", "notes", "evidence", "activity"}}``) as an
    Incident with key ``key``; the core fields are empty unless the console sent them."""
    return parse_incident(detail_data(body), tz=tz, users=users, key=key)


def detail_data(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``data`` object of a get-one answer."""
    if not isinstance(body, Mapping):
        raise ShapeError("answer is not a JSON object")
    data = body.get("data")
    if not isinstance(data, Mapping):
        raise ShapeError("data is not an object")
    return data


def parse_created(body: Mapping[str, Any]) -> str:
    """A create answer (``{"data": {"incident_id": ..., "message": ...}}``): the new id as text."""
    data = detail_data(body)
    key = parse_id(data.get("incident_id"))
    if not key:
        raise ShapeError("the answer has no incident_id")
    return key


def parse_message(body: Mapping[str, Any]) -> str:
    """An update or delete answer's ``data.message`` ("" when there is none)."""
    if not isinstance(body, Mapping):
        raise ShapeError("answer is not a JSON object")
    data = body.get("data")
    return to_text(data.get("message")) if isinstance(data, Mapping) else to_text(data)


# Shapes seen for user lists on ManageEngine surfaces; the v2 users endpoint's is unknown.
_USER_ID_KEYS = ("user_id", "id", "USER_ID", "userId", "loginId", "login_id")
_USER_NAME_KEYS = ("user_name", "name", "USER_NAME", "userName", "username", "login_name", "loginName",
                   "display_name", "displayName")


def parse_users(body: Mapping[str, Any]) -> tuple[User, ...]:
    """A users answer to its users: ``data`` as a list, or an object holding ``users``; each user
    an object with an id and a name under one of several spellings.  Users without an id are
    left out; -1 is never a user."""
    if not isinstance(body, Mapping):
        raise ShapeError("answer is not a JSON object")
    data = body.get("data")
    if isinstance(data, Mapping):
        data = _first(data, "users", "user", "data")
    if data is None:
        data = body.get("users")
    if data is None:
        return ()
    if not isinstance(data, list):
        raise ShapeError("the users are not a list")
    users: list[User] = []
    for item in _objects(data):
        user_id = parse_id(_first(item, *_USER_ID_KEYS))
        if user_id:
            name = to_text(_first(item, *_USER_NAME_KEYS))
            users.append(User(user_id=user_id, name=name or user_id, role=to_text(item.get("role")), raw=dict(item)))
    return tuple(users)


def user_names(users: Iterable[User]) -> dict[str, str]:
    """Names by id, for ``parse_incident(users=...)``."""
    return {user.user_id: user.name for user in users}


# -- versions -------------------------------------------------------------------------


def fingerprint(incident: Incident) -> str:
    """A digest of what the list says of ``incident`` (name, description, severity, status,
    assignee, due date, creator): equal digests, nothing listed changed.  Spellings are
    normalised first, so a server that says ``Inprogress`` one day and ``In Progress``
    the next has not changed anything."""
    extras = log360_fields(incident)
    listed = [
        incident.title, extras.description,
        normalise_severity(extras.severity_text) or extras.severity_text,
        normalise_status(extras.status_text) or extras.status_text,
        extras.assignee_id, epoch_ms(extras.due_date), extras.created_by,
    ]
    return hashlib.blake2b(json.dumps(listed, ensure_ascii=True).encode(), digest_size=16).hexdigest()


class Versions:
    """Per-incident versions that grow with each change the list shows, and never go down.

    The list carries no update time, so an incident listed twice has the same parsed
    version however it changed, and a detail read (whose newest activity time is later)
    would make every later listing look older.  ``stamp`` gives each incident the
    highest of its parsed version and what was handed out for it before, plus one when
    its listed fields changed since.
    """

    def __init__(self) -> None:
        self._known: dict[str, tuple[str, int]] = {}

    def stamp(self, incident: Incident) -> Incident:
        digest = fingerprint(incident)
        known = self._known.get(incident.key)
        if known is None:
            version = incident.version
        elif known[0] == digest:
            version = max(known[1], incident.version)
        else:
            version = max(known[1] + 1, incident.version)
        self._known[incident.key] = (digest, version)
        return incident if version == incident.version else replace(incident, version=version)

    def forget(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._known.pop(key, None)

    def __len__(self) -> int:
        return len(self._known)


# Used by the client's update helper: the current record's due date read back on the wire.
def wire_time(moment: datetime, tz: tzinfo | None = None, *, iso: bool = True) -> str:
    """``moment`` for a request: ISO 8601 with its offset in ``tz`` (the spec's documented
    form), or ``YYYY-MM-DD HH:MM:SS`` wall-clock time in ``tz`` (the examples' form)."""
    local = moment.astimezone(tz) if tz is not None else moment.astimezone()
    if iso:
        return local.replace(microsecond=0).isoformat()
    return local.strftime("%Y-%m-%d %H:%M:%S")


__all__ = [
    "ATTENTION", "CLOSED", "CRITICAL", "IN_PROGRESS", "OPEN", "SEVERITIES", "STATUSES", "TROUBLE", "UNASSIGNED",
    "ActivityEntry", "Actor", "Log360Fields", "Note", "Page", "ShapeError", "User", "Versions",
    "assignee_label", "detail_data", "epoch_ms", "evidence_time", "fingerprint", "log360_fields", "merge_detail",
    "normalise_severity", "normalise_status", "parse_activity", "parse_actors", "parse_created", "parse_detail",
    "parse_evidence", "parse_id", "parse_incident", "parse_message", "parse_note", "parse_page", "parse_time",
    "parse_users", "user_names", "wire_time", "with_users",
]
