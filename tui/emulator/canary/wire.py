"""The JSON shapes the console answers with, built from the stored state.

Shapes and typing follow the spec (sections 3 and 6): string booleans and
stringified numbers in incidents and device info, real JSON numbers and
booleans where the console uses them (history, ``/devices/all``).
"""

from __future__ import annotations

import json
from datetime import tzinfo
from json.encoder import c_make_encoder, encode_basestring_ascii
from typing import TYPE_CHECKING, Any, Iterable

from ..responses import EncodedJSON, written, written_with_list
from . import timefmt
from .state import true_false

if TYPE_CHECKING:
    from .state import Device, IncidentRecord

# The fields of a fetched incident without extended_details (the fetch example's set).
_FETCH_FIELDS = (
    "acknowledged", "created", "created_std", "description", "dst_host", "dst_port", "events",
    "events_count", "ip_address", "ippers", "local_time", "logtype", "mac_address", "memo",
    "node_id", "notified", "src_host", "src_host_reverse", "src_port",
)
# Search items carry the Canary in ``host``, and events as ``logdata`` without their times.
_NOT_IN_SEARCH_ITEMS = frozenset({"events", "events_list", "created_std", "flock_name", "name"})
_EVENT_TIME_FIELDS = ("timestamp", "timestamp_std")
SENSOR = "thinkstcanary"

def _fingerprint_function():
    """Events compared for ``shrink``: encoded once each, keys sorted, so equal events compare equal.

    The C encoder is called directly: through ``json.dumps`` its set-up took
    longer than the encoding, and feeds fingerprint every event.
    """
    if c_make_encoder is None:  # no C accelerator (not CPython)
        return json.JSONEncoder(sort_keys=True, default=str, separators=(",", ":")).encode
    encode = c_make_encoder(None, str, encode_basestring_ascii, None, ":", ",", True, False, True)
    return lambda event: "".join(encode(event, 0))


_FINGERPRINT = _fingerprint_function()

# device/info's ``settings``: per logtype a service's setting prefix and port (None: no port).
# Flat dotted names as canarytools reads them (``getattr(settings, "http.enabled")``); the
# values' types are our reading (the console's documentation elides the object).
_SERVICES = {
    2000: ("ftp", 21), 3000: ("http", 80), 3001: ("http", 80), 4002: ("ssh", 22), 5000: ("smb", 445),
    5003: ("portscan", None), 5007: ("portscan", None), 6001: ("telnet", 23), 8001: ("mysql", 3306),
    9001: ("mssql", 1433), 10001: ("tftp", 69), 13001: ("snmp", 161), 14001: ("rdp", 3389),
    18001: ("modbus", 502),
}
# Settings the user cannot change (left out with ``exclude_fixed_settings``).
FIXED_SETTINGS = frozenset({"device.mac_address"})


def _events(events: list[Any], *, tz: tzinfo, event_limit: int | None, shrink: bool) -> list[Any]:
    """Events as sent: de-duplicated if ``shrink``, the first ``event_limit`` kept, times in ``tz``."""
    if shrink and len(events) > 1 and not _distinct_times(events):
        seen: set[str] = set()
        unique = []
        for event in events:
            try:
                fingerprint = _FINGERPRINT(event)
            except (TypeError, ValueError):  # keys of mixed types, put in by hand: compare as written
                fingerprint = repr(event)
            if fingerprint not in seen:
                seen.add(fingerprint)
                unique.append(event)
        events = unique
    if event_limit is not None:
        events = events[:event_limit]
    std = timefmt.std
    return [
        # The usual event (an object with whole seconds) is told apart inline: feeds write ten an incident.
        {**event, "timestamp_std": std(stamp, tz)}
        if type(event) is dict and type(stamp := event.get("timestamp")) is int
        or (stamp := _timestamp(event)) is not None
        else event
        for event in events
    ]


def _distinct_times(events: list[Any]) -> bool:
    """Whether each event is an object with a time of its own, so that no two are alike and
    ``shrink`` would keep them all (most incidents: their fingerprints need not be taken).

    Stored events have text keys and JSON values (``json_safe``), so equal fingerprints
    would mean equal times.
    """
    try:
        stamps = {event["timestamp"] for event in events}
    except (KeyError, TypeError):  # an event without a time, or not an object
        return False
    return len(stamps) == len(events) and set(map(type, stamps)) == {int}


def _timestamp(event: Any) -> int | None:
    """An event's epoch seconds; port-scan maps have none, and loaded files may hold anything."""
    stamp = event.get("timestamp") if isinstance(event, dict) else None
    return stamp if isinstance(stamp, int) and not isinstance(stamp, bool) else None


def incident_body(record: IncidentRecord, *, tz: tzinfo, event_limit: int | None = None,
                  shrink: bool = False) -> dict[str, Any]:
    """The nested ``description`` object, a new one; ``events_count`` stays the true total."""
    body = _description(record, tz=tz, event_limit=event_limit, shrink=shrink)
    return dict(body) if body is record.body else body


def _description(record: IncidentRecord, *, tz: tzinfo, event_limit: int | None, shrink: bool) -> dict[str, Any]:
    """The nested ``description`` object: most often the stored body itself (never change it), which
    is what the default request sends (UTC, every event), written afresh only when it is not."""
    events = record.events
    if (tz is timefmt.UTC and record.sent_as_stored and (event_limit is None or event_limit >= len(events))
            and (not shrink or len(events) < 2 or _distinct_times(events))):
        return record.body
    body = dict(record.body)
    body["created_std"] = timefmt.std(record.created, tz)
    body["events"] = _events(events, tz=tz, event_limit=event_limit, shrink=shrink)
    return body


def updated_fields(epoch: int, tz: tzinfo) -> dict[str, Any]:
    return {"updated": timefmt.http_date(epoch), "updated_std": timefmt.std(epoch, tz)}


def feed_item(record: IncidentRecord, *, tz: tzinfo, event_limit: int | None, shrink: bool) -> dict[str, Any]:
    return {
        "description": incident_body(record, tz=tz, event_limit=event_limit, shrink=shrink),
        "hash_id": record.hash_id,
        "id": record.key,
        "summary": record.title,
        **updated_fields(record.updated_time, tz),
        "updated_id": record.updated_id,
        "updated_time": str(record.updated_time),
    }


# Where a feed page puts its items: in the response object's "incidents" list, two levels in.
_FEED_ITEM_NEWLINE = "\n    "
_FEED_FIELD_NEWLINE = _FEED_ITEM_NEWLINE + "  "
# ``feed_item`` as JSON with its values left out, in its order.
_FEED_ITEM_FORMAT = "{" + ",".join(
    f'{_FEED_FIELD_NEWLINE}"{name}": %s' for name in
    ("description", "hash_id", "id", "summary", "updated", "updated_std", "updated_id", "updated_time")
) + _FEED_ITEM_NEWLINE + "}"


def feed_item_json(record: IncidentRecord, *, tz: tzinfo, event_limit: int | None, shrink: bool) -> EncodedJSON:
    """``feed_item`` written as JSON, at a page's depth; mostly the stored body, in two calls of
    the C encoder.

    Nothing written is kept: at 100,000 incidents the writings took 470 MiB, two thirds again
    what the seeded emulator holds, to make a second pass over the feed ~4 s of CPU quicker.
    """
    updated = record.updated_time
    text = _FEED_ITEM_FORMAT % (
        written_with_list(_description(record, tz=tz, event_limit=event_limit, shrink=shrink), "events",
                          _FEED_FIELD_NEWLINE),
        _field(record.hash_id), _field(record.key), _field(record.title),
        encode_basestring_ascii(timefmt.http_date(updated)), encode_basestring_ascii(timefmt.std(updated, tz)),
        _field(record.updated_id), encode_basestring_ascii(str(updated)),
    )
    return EncodedJSON(text, _FEED_ITEM_NEWLINE)


def _field(value: Any) -> str:
    """A feed item's field as written (text and numbers; whatever a caller stored, also)."""
    kind = type(value)
    if kind is str:
        return encode_basestring_ascii(value)
    return int.__repr__(value) if kind is int else written(value, _FEED_FIELD_NEWLINE)


def feed_response(label: str, records: list[IncidentRecord], now: int, *, tz: tzinfo,
                  event_limit: int | None, shrink: bool, empty_as_null: bool = False,
                  encoded: bool = False) -> dict[str, Any]:
    """A feed page: items in the given order; ``max_updated_id`` only when there are any.

    ``encoded``: the items as their JSON (``feed_item_json``), for the server, which only
    sends them; without it, as objects to read.
    """
    newest = max((record.updated_time for record in records), default=now)
    item = feed_item_json if encoded else feed_item
    response: dict[str, Any] = {
        "feed": label,
        "incidents": [item(r, tz=tz, event_limit=event_limit, shrink=shrink) for r in records]
        or (None if empty_as_null else []),
        "result": "success",
        **updated_fields(newest, tz),
        "updated_timestamp": newest,
    }
    if records:
        response["max_updated_id"] = max(record.updated_id for record in records)
    return dict(sorted(response.items()))


def fetch_item(record: IncidentRecord, *, tz: tzinfo, extended: bool) -> dict[str, Any]:
    """The flat form of ``/incident/fetch``; ``extended`` adds every stored field and the envelope's."""
    body = incident_body(record, tz=tz)
    if not extended:
        body = {name: body[name] for name in _FETCH_FIELDS if name in body}
        return dict(sorted({**body, "id": record.key}.items()))
    envelope = {
        "id": record.key,
        "hash_id": record.hash_id,
        **updated_fields(record.updated_time, tz),
        "updated_id": record.updated_id,
        "updated_time": str(record.updated_time),
    }
    return dict(sorted({**body, **envelope}.items()))


def _moment(prefix: str, epoch: int, now: int) -> dict[str, Any]:
    """Search's ``<prefix>_age``, ``_age_seconds`` and ``_printable`` for one time."""
    epoch = timefmt.clamp(epoch)  # a loaded time may be too far off for a float
    return {
        f"{prefix}_age": timefmt.age(now - epoch),
        f"{prefix}_age_seconds": float(max(0, now - epoch)),
        f"{prefix}_printable": timefmt.printable(epoch),
    }


def search_item(record: IncidentRecord, *, host: dict[str, Any] | None, previously_seen: int,
                now: int) -> dict[str, Any]:
    """The flat form of ``/incidents/search`` (host is None for Canarytokens)."""
    item = {name: value for name, value in record.body.items() if name not in _NOT_IN_SEARCH_ITEMS}
    stamps = [stamp for stamp in map(_timestamp, record.events) if stamp is not None]
    item.update(
        {
            "description": record.title,
            **_moment("created", record.created, now),
            "events_list": [stamp * 1000 for stamp in stamps],
            "events_list_printable": ", ".join(timefmt.printable(stamp) for stamp in stamps),
            "hash_id": record.hash_id,
            "incident_key": record.key,
            "key": record.key,
            "logdata": [
                {k: v for k, v in e.items() if k not in _EVENT_TIME_FIELDS} if isinstance(e, dict) else e
                for e in record.events
            ],
            "previously_seen_count": previously_seen,
            "sensor": SENSOR,
            "updated": "True",
            "updated_id": record.updated_id,
            "updated_time": str(record.updated_time),
            **_moment("updated_time", record.updated_time, now),
        }
    )
    if host is not None:
        item["host"] = host
    return dict(sorted(item.items()))


def history_item(record: IncidentRecord) -> dict[str, Any]:
    """``/incidents/history/source`` uses real JSON numbers and booleans."""
    return {
        "created": record.created,
        "deleted": record.deleted,
        "description": record.title,
        "dst_port": record.number("dst_port"),
        "flock_id": record.text("flock_id"),
        "key": record.key,
        "node_id": record.text("node_id"),
        "src_host": record.text("src_host"),
    }


def device_info(device: Device, *, now: int, unacknowledged_keys: Iterable[str] | None = None,
                settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """``/device/info``'s device, which is also search's ``host``: string booleans and numbers."""
    seen = device.seen_at(now)
    info = {
        "autoreg_time": f"{device.first_seen:.6f}",
        "current_settings": f"devicesettings:{device.device_id[:24]}:{device.first_seen}",
        "description": device.location,
        "device_id": device.device_id,
        "device_id_hash": device.device_id_hash,
        "device_live": true_false(device.live),
        "device_version": device.version,
        "first_seen": str(device.first_seen),
        "first_seen_age": timefmt.age(now - device.first_seen),
        "first_seen_printable": timefmt.printable(device.first_seen),
        "first_seen_std": timefmt.std(device.first_seen),
        "flock_id": device.flock_id,
        "ghost": "False",
        "id": device.node_id,
        "ignore_notifications_disconnect": "False",
        "ignore_notifications_general": "False",
        "ip_address": device.ip_address,
        "ippers": device.ippers,
        "last_dns_settings_message_time": timefmt.wall_clock(device.booted),
        "last_heartbeat": str(seen),
        "last_heartbeat_age": timefmt.age(now - seen),
        "last_heartbeat_printable": timefmt.printable(seen),
        "last_seen_std": timefmt.std(seen),
        "live": true_false(device.live),
        "local_time": timefmt.wall_clock(seen),
        "location": device.location,
        "logtype": "1004",
        "mac": device.mac_address,
        "mac_address": device.mac_address,
        "name": device.name,
        "netmask": device.netmask,
        "node_id": device.node_id,
        "notify_after_horizon_reconnect": "False",
        "reconnect_count": str(device.reconnect_count),
        "sensor": SENSOR,
        "service_count": str(device.service_count),
        "uptime": str(seen - device.booted),
        "uptime_age": timefmt.age(seen - device.booted),
        "was_rollback": "False",
    }
    if settings is not None:
        info["settings"] = settings
    if unacknowledged_keys is not None:
        info["unacknowledged_incidents"] = [{"key": key} for key in unacknowledged_keys]
    return dict(sorted(info.items()))


def device_settings(device: Device, *, exclude_fixed: bool = False) -> dict[str, Any]:
    """``device/info?settings=true``'s ``settings``: every known service, enabled or not, and the bird's identity."""
    enabled = {_SERVICES[logtype][0] for logtype in device.services if logtype in _SERVICES}
    settings: dict[str, Any] = {
        "device.desc": device.location,
        "device.mac_address": device.mac_address,
        "device.name": device.name,
        "device.personality": device.personality,
    }
    for prefix, port in sorted(set(_SERVICES.values())):
        settings[f"{prefix}.enabled"] = prefix in enabled
        if port is not None:
            settings[f"{prefix}.port"] = port
    if exclude_fixed:
        settings = {name: value for name, value in settings.items() if name not in FIXED_SETTINGS}
    return dict(sorted(settings.items()))


def device_listing(device: Device, *, now: int, tz: tzinfo) -> dict[str, Any]:
    """One device of ``/devices/all``: real JSON booleans and numbers here."""
    seen = device.seen_at(now)
    return {
        "description": device.location,
        "first_seen": timefmt.printable(device.first_seen),
        "first_seen_std": timefmt.std(device.first_seen, tz),
        "flock_id": device.flock_id,
        "id": device.node_id,
        "ignore_notifications": False,
        "ignore_notifications_disconnects": False,
        "ignore_notifications_reconnects": False,
        "ip_address": device.ip_address,
        "ippers": device.ippers,
        "last_seen": timefmt.printable(seen),
        "last_seen_std": timefmt.std(seen, tz),
        "live": device.live,
        "local_time": timefmt.wall_clock(seen),
        "location": device.location,
        "mac_address": device.mac_address,
        "name": device.name,
        "netmask": device.netmask,
        "note": "",
        "outside_bird": False,
        "personality": device.personality,
        "public_ip": "",
        "sensor": SENSOR,
        "subnet": device.subnet,
        **updated_fields(seen, tz),
        "updated_timestamp": seen,
        "uptime": seen - device.booted,
        "uptime_age": timefmt.age(seen - device.booted),
        "version": device.version,
    }
