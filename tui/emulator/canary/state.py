"""The emulated console's state: incidents, birds, Canarytokens and flocks.

No web framework here: the Starlette app (app.py) reads and changes this state,
and tests drive it directly.  Each incident is kept in the console's own wire
form, the feed's nested ``description`` object with string booleans and
stringified numbers (spec section 1.7), so that what a feed, a fetch or a dump
returns is exactly what was stored or loaded.

Every public method takes ``lock``: the state may be changed from the server's
event loop (live generation, requests) and from other threads (tests, the demo).
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
import math
import re
import threading
import time
from bisect import bisect_left, insort
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from ...backends.canary.logtypes import logtype_name
from . import timefmt

Clock = Callable[[], float]

DEFAULT_FLOCK_ID = "flock:default"
DEFAULT_FLOCK_NAME = "Default Flock"

# Feed name (as in the URL) -> the label the console puts in "feed".
FEED_LABELS = {
    "all": "All Incidents",
    "acknowledged": "Acknowledged Incidents",
    "unacknowledged": "Unacknowledged Incidents",
}

TOKEN_TITLE = "Canarytoken triggered"

# Body fields the console sends as strings even though they hold numbers.
_STRINGIFIED_FIELDS = ("created", "dst_port", "src_port", "logtype")

# Fields of the flat search form that are computed per response, not stored.
_FLAT_COMPUTED_FIELDS = frozenset(
    {"id", "key", "incident_key", "hash_id", "summary", "updated", "updated_id", "updated_std",
     "updated_time", "host", "logdata", "previously_seen_count", "events_list"}
)
_FLAT_COMPUTED_SUFFIXES = ("_age", "_age_seconds", "_printable")


def is_token_logtype(logtype: int) -> bool:
    """Canarytoken incidents (16xxx DNS, 17xxx HTTP) have a token, not a bird, behind them."""
    return 16000 <= logtype < 18000


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


# Values nested deeper than this inside one incident are cut when stored: no console's are
# (events hold a few levels), and the JSON encoder would run out of stack on a few hundred.
MAX_NESTING = 32
_CUT = f"[cut: nested more than {MAX_NESTING} levels deep]"
# Integers beyond Python's int/str conversion limit (4,300 digits) could not be sent.
_MAX_INT_BITS = 14_000


def _int(value: Any, default: int = 0) -> int:
    """A number from whatever a field holds (``"1586249623"``, ``1e20``, ``"NaN"``), else ``default``."""
    if isinstance(value, int):
        return value
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return default


# Values json_safe returns as they are, told apart by their exact type (subclasses take the long way).
_SAFE_AS_THEY_ARE = frozenset({str, bool, type(None)})


def json_safe(value: Any, depth: int = 0) -> Any:
    """``value`` as something the JSON encoder always takes, so that no stored incident can break a response.

    NaN and the infinities (which Python's json writes and reads, but JSON has
    not) and integers too long to print become null; nesting past
    ``MAX_NESTING`` is cut and marked; keys become text; other Python objects
    (sets, bytes, ...) become their text.
    """
    kind = type(value)
    if kind in _SAFE_AS_THEY_ARE:
        return value
    if kind is dict and depth < MAX_NESTING:  # the usual incident: text keys, mostly text values
        depth += 1
        return {name if type(name) is str else _key(name): item if type(item) in _SAFE_AS_THEY_ARE
                else json_safe(item, depth) for name, item in value.items()}
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if value.bit_length() <= _MAX_INT_BITS else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (dict, list, tuple)) and depth >= MAX_NESTING:
        return _CUT
    if isinstance(value, dict):
        return {_key(name): json_safe(item, depth + 1) for name, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item, depth + 1) for item in value]
    return str(value)


def _key(name: Any) -> str:
    """A key as text, numbers, booleans and null spelt as JSON spells them (as ``json.dumps`` would)."""
    if isinstance(name, str):
        return name
    if name is None or isinstance(name, (bool, int, float)):
        safe = json_safe(name)
        return "null" if safe is None else json.dumps(safe)
    return str(name)


@dataclass
class Device:
    """A Canary (bird)."""

    node_id: str
    name: str
    flock_id: str = DEFAULT_FLOCK_ID
    location: str = ""
    ip_address: str = ""
    mac_address: str = ""
    ippers: str = "linux"
    personality: str = "linux"
    version: str = "4.1.0"
    live: bool = True
    first_seen: int = 0
    last_seen: int = 0  # the last heartbeat of a dead bird; a live one is seen "now"
    booted: int = 0
    netmask: str = "24"
    reconnect_count: int = 0
    service_count: int = 0
    services: tuple[int, ...] = ()  # the logtypes its enabled services raise (device/info's settings)

    @property
    def device_id(self) -> str:
        return md5_hex(f"device:{self.node_id}")

    @property
    def device_id_hash(self) -> str:
        return md5_hex(self.device_id)

    @property
    def subnet(self) -> str:
        try:
            return str(ipaddress.ip_network(f"{self.ip_address}/{self.netmask}", strict=False))
        except ValueError:
            return ""

    def seen_at(self, now: int) -> int:
        return now if self.live else self.last_seen


@dataclass
class Canarytoken:
    """A Canarytoken: its node_id is the token string itself."""

    node_id: str
    kind: str  # the token "type" its events carry: "aws-id", "dns", "http", ...
    memo: str
    flock_id: str = DEFAULT_FLOCK_ID


@dataclass
class IncidentRecord:
    """One incident: the envelope's fields, and ``body``, the feed's ``description`` object."""

    key: str
    hash_id: str
    updated_id: int
    updated_time: int
    body: dict[str, Any]
    deleted: bool = False
    # Whether ``body`` is the description a feed sends in UTC with every event: its ``created_std``
    # and its events' ``timestamp_std`` are there and in UTC.  So are those of every incident made
    # here (wire then writes ``body`` as it is); a loaded file's may be missing or in another zone.
    sent_as_stored: bool = field(default=False, repr=False, compare=False)

    @property
    def title(self) -> str:
        return str(self.body.get("description", ""))

    @property
    def acknowledged(self) -> bool:
        return str(self.body.get("acknowledged", "")).lower() == "true"

    @property
    def created(self) -> int:
        return self.number("created")

    @property
    def logtype(self) -> int:
        return self.number("logtype")

    @property
    def is_token(self) -> bool:
        return is_token_logtype(self.logtype)

    @property
    def events(self) -> list[Any]:
        return self.body["events"]

    def text(self, name: str) -> str:
        """A body field as text ("" when absent)."""
        value = self.body.get(name)
        return "" if value is None else str(value)

    def number(self, name: str) -> int:
        """A body field as a number (0 when absent or not a number, as in a loaded placeholder)."""
        return _int(self.body.get(name))

    def in_feed(self, feed: str) -> bool:
        if feed == "acknowledged":
            return self.acknowledged
        if feed == "unacknowledged":
            return not self.acknowledged
        return True


def _locked(method):
    @functools.wraps(method)
    def with_lock(self, *args, **kwargs):
        with self.lock:
            return method(self, *args, **kwargs)

    return with_lock


class ConsoleState:
    """Incidents by key with a console-wide ``updated_id`` counter, plus birds, tokens and flocks.

    ``clock`` returns epoch seconds; inject a fixed one for reproducible tests.
    ``bump_on_ack``: whether acknowledging and unacknowledging assign a new
    ``updated_id`` (the spec infers that the real console does).
    """

    def __init__(self, clock: Clock = time.time, *, bump_on_ack: bool = True) -> None:
        self.clock = clock
        self.bump_on_ack = bump_on_ack
        self.lock = threading.RLock()
        self.flocks: dict[str, str] = {DEFAULT_FLOCK_ID: DEFAULT_FLOCK_NAME}
        self.devices: dict[str, Device] = {}
        self.tokens: dict[str, Canarytoken] = {}
        self._incidents: dict[str, IncidentRecord] = {}
        self._last_updated_id = 0
        # Live incidents in the feeds' order (updated_id, key) and in search's (created, key), kept
        # sorted as they change, so a page costs what the page holds, not what the console does.
        self._feed_order: list[tuple[int, str]] = []
        self._created_order: list[tuple[int, str]] = []
        # Every incident's creation time by source, deleted ones too (search's previously_seen_count).
        self._created_by_source: dict[str, list[int]] = {}
        # Every incident's key by source, deleted ones too (history/source reads one source's).
        self._keys_by_source: dict[str, dict[str, None]] = {}
        # Counts every change of what the feeds hold (device info's unacknowledged list is kept until it moves).
        self._changes = 0
        self._unacknowledged_by_node: tuple[int, dict[str, list[str]]] = (-1, {})

    def now(self) -> int:
        return int(self.clock())

    # -- birds, tokens, flocks ------------------------------------------------

    @_locked
    def add_flock(self, flock_id: str, name: str) -> None:
        self.flocks[flock_id] = name

    @_locked
    def add_device(self, device: Device) -> Device:
        self.devices[device.node_id] = device
        return device

    @_locked
    def add_token(self, token: Canarytoken) -> Canarytoken:
        self.tokens[token.node_id] = token
        return token

    # -- incidents: reading ---------------------------------------------------

    @property
    @_locked
    def max_updated_id(self) -> int:
        return self._last_updated_id

    @property
    @_locked
    def deleted_keys(self) -> list[str]:
        return [record.key for record in self.records(include_deleted=True) if record.deleted]

    @_locked
    def records(self, *, include_deleted: bool = False) -> list[IncidentRecord]:
        """Incidents in ascending ``updated_id`` order (the feeds' order)."""
        if not include_deleted:
            return [self._incidents[key] for _, key in self._feed_order]
        return sorted(self._incidents.values(), key=lambda record: (record.updated_id, record.key))

    @_locked
    def records_from(self, source: str) -> list[IncidentRecord]:
        """Every incident ``source`` ever raised, deleted ones too (a record replaced since may
        now name another source: callers still check)."""
        return [self._incidents[key] for key in self._keys_by_source.get(source, ())]

    @_locked
    def unacknowledged_keys_of(self, node_id: str) -> list[str]:
        """The keys of a bird's unacknowledged incidents, in the feeds' order.  Device info asks this
        on every incident an analyst opens: worked out once per change, not once per request."""
        changes, by_node = self._unacknowledged_by_node
        if changes != self._changes:
            by_node = {}
            for _, key in self._feed_order:
                record = self._incidents[key]
                if not record.acknowledged:
                    by_node.setdefault(record.text("node_id"), []).append(key)
            self._unacknowledged_by_node = (self._changes, by_node)
        return list(by_node.get(node_id, ()))

    @property
    def feed_order(self) -> list[tuple[int, str]]:
        """Live incidents' (updated_id, key), ascending.  Read it holding ``lock``; never change it."""
        return self._feed_order

    @property
    def created_order(self) -> list[tuple[int, str]]:
        """Live incidents' (created, key), ascending.  Read it holding ``lock``; never change it."""
        return self._created_order

    @_locked
    def sightings_before(self, record: IncidentRecord) -> int:
        """How many incidents (deleted ones too) came from ``record``'s source before it."""
        return bisect_left(self._created_by_source.get(record.text("src_host"), []), record.created)

    def record(self, key: str) -> IncidentRecord:
        """The record of a key from ``feed_order`` or ``created_order``."""
        return self._incidents[key]

    @_locked
    def get(self, key: str) -> IncidentRecord | None:
        """The incident, or None when it does not exist or was deleted."""
        record = self._incidents.get(key)
        return None if record is None or record.deleted else record

    @_locked
    def find_by_hash(self, hash_id: str) -> IncidentRecord | None:
        return next((r for r in self.records() if r.hash_id == hash_id), None)

    @_locked
    def is_acknowledged(self, key: str) -> bool:
        return self._live_record(key).acknowledged

    @_locked
    def keys(self, feed: str = "all") -> list[str]:
        if feed not in FEED_LABELS:
            raise ValueError(f"unknown feed {feed!r}; expected one of {', '.join(FEED_LABELS)}")
        return [record.key for record in self.records() if record.in_feed(feed)]

    # -- incidents: changing --------------------------------------------------

    @_locked
    def add_incident(self, *, logtype: int | str, node_id: str, **fields: Any) -> str:
        """Create an incident and return its key.

        Fields are the feed ``description`` object's (``src_host``, ``dst_port``,
        ``events``, ``created``, ``acknowledged``...), as Python values; they are
        typed as the console types them.  What is not given comes from the bird or
        token ``node_id`` names.  ``key`` and ``hash_id`` may be given too.
        Values JSON cannot carry are made safe first (``json_safe``).
        """
        logtype = int(logtype)
        now = self.now()
        fields = json_safe(fields)
        created = _int(fields.pop("created", now), now)
        key = fields.pop("key", None)
        hash_id = fields.pop("hash_id", None)
        events = [self._stamped(event) for event in fields.pop("events", [])]
        body: dict[str, Any] = {
            **self._sensor_fields(node_id, logtype, created),
            "created": created,
            "description": TOKEN_TITLE if is_token_logtype(logtype) else logtype_name(logtype),
            "logtype": logtype,
            "node_id": node_id,
            "notified": False,
            "acknowledged": False,
            "src_host": "",
            "src_port": 0,
            **fields,
        }
        for name in ("acknowledged", "notified"):
            if isinstance(body[name], bool):
                body[name] = true_false(body[name])
        for name in _STRINGIFIED_FIELDS:
            body[name] = str(body[name])
        body["created_std"] = timefmt.std(created)
        body["events"] = events
        self._count_events(body)
        if key is None:
            key = self._new_key(node_id, logtype, body, created)
        last_activity = max([created, *(_int(e.get("timestamp")) for e in events if isinstance(e, dict))])
        record = IncidentRecord(
            key=key, hash_id=hash_id or md5_hex(f"hash:{key}"), updated_id=0, updated_time=0,
            body=dict(sorted(body.items())), sent_as_stored=True,
        )
        self._forget_order(key)
        self._incidents[key] = record
        insort(self._created_order, (record.created, key))
        self._remember_source(record)
        self._bump(record, last_activity)  # assigns updated_id and updated_time
        return key

    @_locked
    def add_event(self, key: str, event: Mapping[str, Any]) -> None:
        """Append an event (a brute force going on); its time defaults to now."""
        record = self._live_record(key)
        event = json_safe(dict(event))
        event.setdefault("timestamp", self.now())
        record.events.append(self._stamped(event))
        self._count_events(record.body)
        self._bump(record, self.now())

    @_locked
    def acknowledge(self, key: str) -> bool:
        """Mark acknowledged; False when it already was (nothing changes then)."""
        return self._set_acknowledged(key, True)

    @_locked
    def unacknowledge(self, key: str) -> bool:
        return self._set_acknowledged(key, False)

    @_locked
    def delete(self, key: str) -> None:
        """Remove from the feeds; the incident stays in the source IP's history."""
        self._forget_order(key)
        record = self._live_record(key)
        record.deleted = True

    # -- files ----------------------------------------------------------------

    @_locked
    def load_feed(self, feed: Mapping[str, Any] | list[Any]) -> list[str]:
        """Import incidents from a saved response and return their keys.

        Takes what ``curl .../api/v1/incidents/all -o FILE`` saved (the nested
        feed form; ``"incidents": null`` counts as empty), a search response or
        a fetch response (the flat form), or a bare list of incidents.  Keys,
        hash ids, ``updated_id`` and all fields are kept; unknown birds, tokens
        and flocks named by the incidents are added.  What no response could
        carry is made safe (``json_safe``: NaN becomes null, nesting is cut), an
        ``updated_id`` outside 0..2**63 is replaced by a new one, and times out
        of every calendar's range are kept as they are (responses clamp them).
        """
        return [self._import(item) for item in _incident_items(feed)]

    # -- internals ------------------------------------------------------------

    def _live_record(self, key: str) -> IncidentRecord:
        record = self.get(key)
        if record is None:
            raise KeyError(key)
        return record

    def _set_acknowledged(self, key: str, acknowledged: bool) -> bool:
        record = self._live_record(key)
        if record.acknowledged == acknowledged:
            return False
        record.body["acknowledged"] = true_false(acknowledged)
        self._changes += 1
        if self.bump_on_ack:
            self._bump(record, self.now())
        return True

    def _bump(self, record: IncidentRecord, when: int) -> None:
        _discard(self._feed_order, (record.updated_id, record.key))
        self._last_updated_id += 1
        record.updated_id = self._last_updated_id
        record.updated_time = when
        self._changes += 1
        self._feed_order.append((record.updated_id, record.key))  # the highest yet: still sorted

    def _forget_order(self, key: str) -> None:
        """Take a live ``key`` out of both orders (it is deleted or replaced)."""
        record = self.get(key)
        if record is not None:
            _discard(self._feed_order, (record.updated_id, key))
            _discard(self._created_order, (record.created, key))
            self._changes += 1

    def _sensor_fields(self, node_id: str, logtype: int, created: int) -> dict[str, Any]:
        """What an incident says about the bird or token it came from."""
        if is_token_logtype(logtype):
            token = self.tokens.get(node_id)
            flock_id = token.flock_id if token else DEFAULT_FLOCK_ID
            return {
                "name": "N/A",
                "memo": token.memo if token else "",
                "flock_id": flock_id,
                "flock_name": self.flocks.get(flock_id, ""),
                "local_time": f"{timefmt.wall_clock(created)} (UTC)",
                "dst_host": "",
                "dst_port": 80,
            }
        device = self.devices.get(node_id)
        flock_id = device.flock_id if device else DEFAULT_FLOCK_ID
        return {
            "name": device.name if device else node_id,
            "flock_id": flock_id,
            "flock_name": self.flocks.get(flock_id, ""),
            "ip_address": device.ip_address if device else "",
            "mac_address": device.mac_address if device else "",
            "ippers": "",
            "src_host_reverse": "",
            "dst_host": device.ip_address if device else "",
            "dst_port": 0,
            "local_time": timefmt.wall_clock(created),
        }

    def _new_key(self, node_id: str, logtype: int, body: Mapping[str, Any], created: int) -> str:
        """A key shaped like the console's: ``incident:sshlogin:<32 hex>:<src>:<epoch>``."""
        if is_token_logtype(logtype):
            kind = "canarytoken"
        else:
            kind = re.sub(r"[^a-z0-9]", "", str(body["description"]).lower()).removesuffix("attempt")
        src = body.get("src_host", "")
        digest = md5_hex(f"{node_id}|{logtype}|{src}|{created}|{len(self._incidents)}")
        return f"incident:{kind}:{digest}:{src}:{created}"

    @staticmethod
    def _stamped(event: Any) -> Any:
        """An event with ``timestamp_std`` filled in from ``timestamp`` (port-scan maps have neither)."""
        if (type(event) is dict or isinstance(event, Mapping)) and "timestamp" in event:
            return dict(sorted({**event, "timestamp_std": timefmt.std(_int(event["timestamp"]))}.items()))
        return event

    @staticmethod
    def _count_events(body: dict[str, Any]) -> None:
        body["events_count"] = str(len(body["events"]))
        body["events_list"] = _events_list(body["events"])

    def _import(self, item: Any) -> str:
        if not isinstance(item, Mapping):
            raise ValueError("an incident is not a JSON object")
        item = json_safe(dict(item))
        nested = item.get("description")
        if isinstance(nested, Mapping):  # feed form
            body = dict(nested)
            body.setdefault("description", item.get("summary", ""))
        else:  # flat search/fetch form
            body = {
                name: value
                for name, value in item.items()
                if name not in _FLAT_COMPUTED_FIELDS and not name.endswith(_FLAT_COMPUTED_SUFFIXES)
            }
            body["description"] = nested if nested is not None else item.get("summary", "")
            if "events" not in body and isinstance(item.get("logdata"), list):
                body["events"] = item["logdata"]
        key = item.get("id") or item.get("key") or item.get("incident_key")
        if not key:
            raise ValueError("an incident has no key (id, key or incident_key)")
        body.setdefault("acknowledged", "False")
        body.setdefault("notified", "False")
        if not isinstance(body.get("events"), list):
            body["events"] = []
        # A saved count is kept: under event_limit it is the true total, not len(events).
        body.setdefault("events_count", str(len(body["events"])))
        updated_id = item.get("updated_id")
        if not isinstance(updated_id, int) or isinstance(updated_id, bool) or not 0 <= updated_id < 2**63:
            self._last_updated_id += 1
            updated_id = self._last_updated_id
        self._last_updated_id = max(self._last_updated_id, updated_id)
        record = IncidentRecord(
            key=str(key),
            hash_id=str(item.get("hash_id") or md5_hex(f"hash:{key}")),
            updated_id=updated_id,
            updated_time=_int(item.get("updated_time"), _int(body.get("created"), self.now())),
            body=body,
            sent_as_stored=_stamped_in_utc(body),
        )
        self._forget_order(record.key)
        self._incidents[record.key] = record
        self._changes += 1
        insort(self._feed_order, (record.updated_id, record.key))
        insort(self._created_order, (record.created, record.key))
        self._remember_source(record)
        self._adopt_sensor(record)
        return record.key

    def _remember_source(self, record: IncidentRecord) -> None:
        source = record.text("src_host")
        insort(self._created_by_source.setdefault(source, []), record.created)
        self._keys_by_source.setdefault(source, {})[record.key] = None

    def _adopt_sensor(self, record: IncidentRecord) -> None:
        """Make a loaded incident's bird, token and flock known, so device/info and search agree."""
        node_id = record.text("node_id")
        flock_id = record.text("flock_id") or DEFAULT_FLOCK_ID
        if flock_id not in self.flocks:
            self.flocks[flock_id] = record.text("flock_name") or flock_id
        if not node_id or node_id in self.devices or node_id in self.tokens:
            return
        if record.is_token:
            first = next((e for e in record.events if isinstance(e, Mapping)), {})
            self.tokens[node_id] = Canarytoken(node_id, str(first.get("type", "")), record.text("memo"), flock_id)
        else:
            self.devices[node_id] = Device(
                node_id=node_id,
                name=record.text("name") or node_id,
                flock_id=flock_id,
                ip_address=record.text("ip_address") or record.text("dst_host"),
                mac_address=record.text("mac_address"),
                ippers=record.text("ippers"),
                # Clamped: device info does arithmetic and float formatting with these.
                first_seen=timefmt.clamp(record.created),
                last_seen=timefmt.clamp(record.created),
                booted=timefmt.clamp(record.created),
            )


def _discard(order: list[tuple[int, str]], entry: tuple[int, str]) -> None:
    index = bisect_left(order, entry)
    if index < len(order) and order[index] == entry:
        del order[index]


def _stamped_in_utc(body: Mapping[str, Any]) -> bool:
    """Whether a loaded body's ``created_std`` and its events' ``timestamp_std`` are those a feed
    writes in UTC, where a feed writes them: for ``created`` and each event's whole-number ``timestamp``."""
    if body.get("created_std") != timefmt.std(_int(body.get("created"))):
        return False
    return all(
        event.get("timestamp_std") == timefmt.std(stamp)
        for event in body["events"]
        if isinstance(event, dict) and isinstance(stamp := event.get("timestamp"), int) and not isinstance(stamp, bool)
    )


def _events_list(events: list[Any]) -> str:
    """The feed's ``events_list``: the events' epoch seconds, comma-separated."""
    return ",".join(str(e["timestamp"]) for e in events if isinstance(e, Mapping) and "timestamp" in e)


def _incident_items(feed: Mapping[str, Any] | list[Any]) -> Iterable[Any]:
    if isinstance(feed, list):
        return feed
    if isinstance(feed, Mapping):
        if "incidents" in feed:
            return feed["incidents"] or []
        if isinstance(feed.get("incident"), Mapping):
            return [feed["incident"]]
    raise ValueError('not a saved feed: expected an object with an "incidents" list')


def true_false(value: bool) -> str:
    """The console's string booleans."""
    return "True" if value else "False"
