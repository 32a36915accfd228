"""What the detail pane and the history screen show of Canary incidents.

Above the events, what the attacker did: source, target, and what the events
carry counted (usernames, passwords, paths, user agents...).  Below them the
other facts (type, times, bird or token, flock, memo), the bird's device info and
the flock's name as lookups, and the key last.  A source's history as neutral
entries, named like the main table.  Values are handed over as plain text; the
pane cleans and draws them.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Awaitable, Callable, Iterable, Mapping

from ...model import Incident
from ...timefmt import format_time
from ..base import Fact, HistoryEntry, Lookup, Place, Section, Tally
from ..errors import ApiError, NotFound
from .parse import Host, bird_time, canary_fields

if TYPE_CHECKING:  # the client (and httpx) is imported when a session first speaks to its console
    from .client import CanaryClient

NO_EVENTS_NOTE = "no events in this page of the feed"
DEVICE_NOT_FOUND = "device not found on the console"
#: What Canary's events carry that tells what the attacker tried, the most telling first (the
#: pane counts the first few an incident's events carry).  Tokens spell the agent in lower case.
EVENT_TALLIES = (
    Tally("Users", ("USERNAME", "USER")),
    Tally("Passwords", ("PASSWORD",)),
    Tally("Paths", ("PATH",)),
    Tally("Files", ("FILENAME",)),
    Tally("Agents", ("USERAGENT",)),
    Tally("Clients", ("REMOTEVERSION",)),
    Tally("Community", ("COMMUNITY_STRING",)),
    Tally("Functions", ("FUNC_NAME",)),
    Tally("Ports", ("ports",)),
    Tally("Hosts", ("HOSTNAME",)),
    Tally("Domains", ("DOMAIN",)),
)
#: "Passwords" and "Community" and a space.
LEAD_LABEL_WIDTH = 10


def display_title(incident: Incident) -> str:
    return incident.title or canary_fields(incident).logtype_name


def _bird_time_words(incident: Incident) -> str:
    local_time = bird_time(incident)
    return local_time and f"bird time {local_time}"


def facts(incident: Incident) -> tuple[Section, ...]:
    fields = canary_fields(incident)
    source_port = f" port {fields.src_port}" if fields.src_port else ""
    target_port = "" if fields.dst_port is None else f" port {fields.dst_port}"
    lead = Section((
        Fact("Source", ((incident.source or "-", source_port), fields.src_host_reverse)),
        Fact("Target", (incident.target, (fields.dst_host or "-", target_port))),
    ), label_width=LEAD_LABEL_WIDTH, place=Place.ABOVE_EVENTS, tallies=EVENT_TALLIES)
    logtype = "?" if fields.logtype is None else str(fields.logtype)
    rows = [
        Fact("Type", (f"logtype {logtype}", fields.logtype_name)),
        Fact("Created", (format_time(incident.created, wide=True), _bird_time_words(incident))),
    ]
    if incident.updated:
        rows.append(Fact("Updated", (format_time(incident.updated, wide=True),)))
    if fields.is_token:
        rows.append(Fact("Token", (fields.memo or fields.node_name or "-", fields.node_id)))
    else:
        rows.append(Fact("Bird", (fields.node_name or "-", fields.node_id)))
    if fields.flock_name:  # else a lookup names it (search results carry only its id)
        rows.append(Fact("Flock", (fields.flock_name, fields.flock_id), one_line=True))
    if fields.memo and not fields.is_token:
        rows.append(Fact("Memo", (fields.memo,)))
    key = Section((Fact("Key", (incident.key,), quiet=True, one_line=True),), place=Place.LAST)
    return lead, Section(tuple(rows)), key


def lookups(connected: Callable[[], Awaitable[CanaryClient]], incident: Incident) -> tuple[Lookup, ...]:
    """The bird's device info (a token has no bird behind it); the flock's name when the
    incident came without it.  ``connected`` gives the client when a lookup is sent: listing
    the lookups (for the first incident shown, before the first row) makes no client."""
    fields = canary_fields(incident)
    found: list[Lookup] = []
    if not fields.is_token and fields.node_id:
        node_id = fields.node_id

        async def device() -> Host | None:
            try:
                return await (await connected()).device_info(node_id)
            except NotFound:  # an answer: kept as long as any other
                return None

        found.append(Lookup(f"device:{node_id}", device, _device_section, _device_note))
    if fields.flock_id and not fields.flock_name:
        flock_id = fields.flock_id

        async def flocks() -> Mapping[str, str]:
            return await (await connected()).flocks()

        found.append(Lookup("flocks", flocks, lambda names, now: _flock_fact(names.get(flock_id, ""), flock_id),
                            lambda note: _flock_fact(note, flock_id, quiet=True)))
    return tuple(found)


def _flock_fact(name: str, flock_id: str, *, quiet: bool = False) -> Section:
    return Section((Fact("Flock", (name, flock_id), quiet=quiet, one_line=True),))


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
    """The console's history of ``source``, flocks named from the console's list (the answer
    gives their ids, and deleted incidents are not loaded to name them); birds by id."""
    found, flock_names = await asyncio.gather(client.history_for_source(source), _flock_names(client))
    return tuple(
        HistoryEntry(entry.key, entry.summary, entry.created, entry.deleted,
                     target=entry.node_id, port=entry.dst_port, group=flock_names.get(entry.flock_id) or entry.flock_id)
        for entry in found
    )


async def _flock_names(client: CanaryClient) -> Mapping[str, str]:
    try:
        return await client.flocks()
    except ApiError:  # the history is still worth showing, its flocks by id
        return {}


def name_history(entries: tuple[HistoryEntry, ...], incidents: Iterable[Incident]) -> tuple[HistoryEntry, ...]:
    """Birds and tokens named by any loaded incident on them (deleted ones are not loaded), as
    the main table names them; flocks still by id named by any loaded incident in them."""
    node_ids = {entry.target for entry in entries}
    groups = {entry.group for entry in entries}
    sensor_names: dict[str, str] = {}
    flock_names: dict[str, str] = {}
    for incident in incidents:
        fields = canary_fields(incident)
        if fields.node_id in node_ids and fields.node_id not in sensor_names:
            sensor_names[fields.node_id] = incident.target
        if fields.flock_id in groups and fields.flock_name:
            flock_names[fields.flock_id] = fields.flock_name
    return tuple(
        replace(entry, target=sensor_names.get(entry.target) or entry.target, group=flock_names.get(entry.group) or entry.group)
        for entry in entries
    )
