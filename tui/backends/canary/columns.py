"""Canary's incident table: its columns, what each cell shows and how each sorts.

The table draws the mark flag and the status glyph itself, before these.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from ...model import Incident
from ...timefmt import format_time
from ..base import Column
from .parse import canary_fields


@lru_cache(maxsize=8192)
def address_order(text: str) -> tuple[int, int | str]:
    """IPv4 numerically, then IPv6 numerically, then other text, then nothing."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return (2, text.casefold()) if text else (3, "")
    return (address.version // 6, int(address))  # 4 // 6 == 0, 6 // 6 == 1


def _kind(incident: Incident) -> tuple[str, int]:
    fields = canary_fields(incident)
    return (fields.logtype_name.casefold(), fields.logtype or 0)


def _sensor(incident: Incident) -> tuple[str, str]:
    fields = canary_fields(incident)
    return (fields.node_name.casefold(), fields.node_id)


def _port(incident: Incident) -> tuple[bool, int]:
    port = canary_fields(incident).dst_port
    return (port is None, port or 0)


def _port_text(incident: Incident, wide: bool) -> str:
    port = canary_fields(incident).dst_port
    return "" if port is None else str(port)


COLUMNS: tuple[Column, ...] = (
    Column("created", "Created", 11, lambda incident, wide: format_time(incident.created, wide=wide), wide_width=19),
    Column(
        "type", "Incident", 14, lambda incident, wide: incident.title or canary_fields(incident).logtype_name,
        sort_key=_kind, flex=3, sort_title="type",
    ),
    Column("src", "Source", 15, lambda incident, wide: incident.source or "-", sort_key=lambda incident: address_order(incident.source)),
    Column(
        "rdns", "Reverse DNS", 14, lambda incident, wide: canary_fields(incident).src_host_reverse,
        flex=2, min_table_width=110,
    ),
    # The bird's name, or a token's memo: what the parser put in ``target``; sorted by the name itself.
    Column("node", "Bird / token", 10, lambda incident, wide: incident.target, sort_key=_sensor, flex=2, sort_title="bird"),
    Column("port", "Port", 5, _port_text, sort_key=_port, justify="right"),
    Column(
        "events", "Ev", 4, lambda incident, wide: str(incident.events_count),
        sort_key=lambda incident: incident.events_count, justify="right", sort_title="events",
    ),
)
