"""What the detail pane and the history screen show of Canary incidents.

The facts an incident carries (type, times, source, target, bird or token,
flock, memo, key), the bird's device info as a lookup, and a source's history as
neutral entries.  Values are handed over as plain text; the pane cleans and
draws them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Iterable

from ...model import Incident
from ...timefmt import format_time
from ..base import Fact, HistoryEntry, Lookup, Section
from ..errors import NotFound
from .client import CanaryClient
from .parse import Host, canary_fields

NO_EVENTS_NOTE = "no events in this page of the feed"
DEVICE_NOT_FOUND = "device not found on the console"


def display_title(incident: Incident) -> str:
    return incident.title or canary_fields(incident).logtype_name


def facts(incident: Incident) -> tuple[Section, ...]:
    fields = canary_fields(incident)
    logtype = "?" if fields.logtype is None else str(fields.logtype)
    rows = [
        Fact("Type", (f"logtype {logtype}", fields.logtype_name)),
        Fact("Created", (format_time(incident.created, wide=True), fields.local_time and f"bird time {fields.local_time}")),
    ]
    if incident.updated:
        rows.append(Fact("Updated", (format_time(incident.updated, wide=True),)))
    source_port = f" port {fields.src_port}" if fields.src_port else ""
    rows.append(Fact("Source", ((incident.source or "-", source_port), fields.src_host_reverse)))
    target_port = "" if fields.dst_port is None else f" port {fields.dst_port}"
    rows.append(Fact("Target", ((fields.dst_host or "-", target_port),)))
    if fields.is_token:
        rows.append(Fact("Token", (fields.memo or fields.node_name or "-", fields.node_id)))
    else:
        rows.append(Fact("Bird", (fields.node_name or "-", fields.node_id)))
    if fields.flock_id or fields.flock_name:
        rows.append(Fact("Flock", (fields.flock_name, fields.flock_id)))
    if fields.memo and not fields.is_token:
        rows.append(Fact("Memo", (fields.memo,)))
    rows.append(Fact("Key", (incident.key,), quiet=True))
    return (Section(tuple(rows)),)


def lookups(client: CanaryClient, incident: Incident) -> tuple[Lookup, ...]:
    """The bird's device info; a token has no bird behind it."""
    fields = canary_fields(incident)
    if fields.is_token or not fields.node_id:
        return ()
    node_id = fields.node_id

    async def device() -> Host | None:
        try:
            return await client.device_info(node_id)
        except NotFound:  # an answer: kept as long as any other
            return None

    return (Lookup(f"device:{node_id}", device, _device_section, _device_note),)


def _device_section(host: Host | None, now: datetime) -> Section:
    if host is None:
        return _device_note(DEVICE_NOT_FOUND)
    liveness = "live" if host.live else ("offline" if host.live is not None else "")
    return Section((
        Fact("Host", (host.name, host.description or host.location)),
        Fact("", (host.ip_address, host.mac_address, host.version and f"v{host.version}", host.personality)),
        Fact("", (liveness, f"last seen {_ago(host.last_seen, now)}")),
    ))


def _device_note(note: str) -> Section:
    return Section((Fact("Host", (note,), quiet=True),), label_width=5)


def _ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    seconds = int((now - moment).total_seconds())
    if seconds < 0:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


# --- a source's history -------------------------------------------------------------


async def history(client: CanaryClient, source: str) -> tuple[HistoryEntry, ...]:
    """The console's history of ``source``: bird and flock by id (the answer names neither)."""
    return tuple(
        HistoryEntry(entry.key, entry.summary, entry.created, entry.deleted,
                     target=entry.node_id, port=entry.dst_port, group=entry.flock_id)
        for entry in await client.history_for_source(source)
    )


def name_history(entries: tuple[HistoryEntry, ...], incidents: Iterable[Incident]) -> tuple[HistoryEntry, ...]:
    """Birds and tokens named by any loaded incident on them (deleted ones are not loaded);
    flocks by the entry's own incident, when loaded."""
    node_ids = {entry.target for entry in entries}
    keys = {entry.key for entry in entries}
    sensor_names: dict[str, str] = {}
    flock_names: dict[str, str] = {}
    for incident in incidents:
        fields = canary_fields(incident)
        if fields.node_id in node_ids and fields.node_id not in sensor_names:
            sensor_names[fields.node_id] = incident.target
        if incident.key in keys and fields.flock_name:
            flock_names[incident.key] = fields.flock_name
    return tuple(
        replace(entry, target=sensor_names.get(entry.target) or entry.target, group=flock_names.get(entry.key) or entry.group)
        for entry in entries
    )
